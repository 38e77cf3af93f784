/* What each known model server loads from its model folder, as data:
 * one row per Seldon Core v1 implementation, MLServer runtime, KServe
 * model format and Seldon Core 2 Server, plus the capability lists Core 2
 * schedules on, the model-settings.json Core 2's agent writes from a
 * Model's requirements and the file each Triton backend loads.
 * verify.c judges a model against a row; nothing here reads files. */
#ifndef INITC_PROFILES_H
#define INITC_PROFILES_H

#include <stddef.h>
#include "buf.h"
#include "server_releases.h"
#include "verspec.h"

enum profile_family { FAMILY_SELDON_V1, FAMILY_MLSERVER, FAMILY_KSERVE, FAMILY_SELDON_V2 };

enum profile_layout {
	LAYOUT_NAMES,     /* one of names[] at the folder root */
	LAYOUT_EXT,       /* exactly one root file ending in one of names[] */
	LAYOUT_MLFLOW,    /* an MLflow folder (MLmodel with python_function) */
	LAYOUT_TFSERVING, /* <version>/saved_model.pb */
	LAYOUT_TRITON,    /* <model>/config.pbtxt + <model>/<version>/ */
	LAYOUT_V2_MLSERVER, /* a Core 2 mlserver Server: the runtime model-settings.json names */
	LAYOUT_V2_TRITON,   /* a Core 2 triton Server: config.pbtxt + <version>/ at the top */
};

#define PROFILE_MAX_NAMES 4

struct profile {
	const char *name;           /* as the platform spells it */
	enum profile_family family;
	enum profile_layout layout;
	const char *names[PROFILE_MAX_NAMES]; /* file names or suffixes */
	const char *flavor;         /* MLflow flavor whose file it can load */
	const char *implementation; /* MLServer class, for model-settings.json */
	int settings_uri;           /* honours model-settings.json parameters.uri */
	const char *no_params;      /* why graph parameters break it, or NULL */
	const char *library;        /* library whose version decides loading */
	/* Installs the release's own requirements over the model's
	 * environment at every start (Seldon v1 MLFLOW_SERVER, seed 002):
	 * the model's pins are compared with them. */
	int installs_over_env;
	/* A Core 2 Server has no rows of its own in the release table: its
	 * releases are those of this server's rows (the MLServer releases
	 * Core 2 ships, which every MLServer runtime row lists). */
	const char *releases_as;

	/* Per release, from the server release table (profile_at_release);
	 * NULL in the static rows. */
	const struct server_release *release;
	const char *library_spec;   /* "==1.4.2", "~1.3.0"; "" unpinned; NULL unknown */
	const char *image;
	/* A Core 2 mlserver Server: the Model's requirements (--requirements,
	 * INITC_REQUIREMENTS), from which Core 2's agent writes the
	 * model-settings.json an artifact lacks; NULL when not given. */
	const char *v2_requirements;
};

/* The server whose rows in the release table are p's releases. */
const char *profile_release_key(const struct profile *p);
/* p as release r ships it: file names, image and library spec from r
 * (r NULL: the newest release of p known, if any). */
void profile_at_release(const struct profile *p, const struct server_release *r,
			struct profile *out);

const struct profile *profiles_all(size_t *n);
/* Case-insensitive lookup; NULL when unknown. */
const struct profile *profile_find(const char *name);
/* The known name close to name (edit distance), for "did you mean";
 * NULL when no name is close enough to suggest. */
const char *profile_nearest(const char *name);
/* The MLflow-aware profile of a family (MLFLOW_SERVER, mlserver-mlflow...). */
const struct profile *profile_mlflow_of(enum profile_family family);
const char *profile_family_name(enum profile_family family);
/* "model.bst", "model.joblib, model.pickle or model.pkl", "a *.bst file" */
void profile_describe_loads(const struct profile *p, struct buf *out);

/* Seldon Core v2: check a comma-separated requirement list against the
 * mlserver and triton capability lists. Returns 0 and the server kind
 * ("mlserver"/"triton") in *server, or EXIT_USAGE with the reason
 * (including "did you mean sklearn") in err. When the requirements name a
 * framework with an MLServer runtime, *runtime is that runtime's profile
 * (else NULL). */
int requirements_check(const char *list, const char **server,
		       const struct profile **runtime, struct buf *err);

/* Does every requirement of list name a capability of the Core 2 server
 * kind server ("mlserver", "triton")? 0, or EXIT_USAGE with the reason in
 * err: a Model requiring another never schedules on that Server. */
int requirements_fit_server(const char *list, const char *server, struct buf *err);

/* The idx-th Seldon Core v2 server kind ("mlserver", "triton") and its
 * capability strings; NULL past the last one. */
const char *const *capabilities(size_t idx, const char **server, size_t *n);

/* The MLServer runtime profile whose implementation class is impl
 * ("mlserver_sklearn.SKLearnModel"), or NULL: initc does not model it. */
const struct profile *profile_of_implementation(const char *impl);

/* ---- Seldon Core 2's agent: the model-settings.json it writes ---------- */

/* What the agent puts in parameters.uri. */
enum agent_uri {
	AGENT_URI_FILE,      /* ./<the first root file *.<ext>> */
	AGENT_URI_FOLDER,    /* ./ */
	AGENT_URI_SUBFOLDER, /* ./<the first folder at the top> */
	AGENT_URI_PY_CLASS,  /* ./<file>.py, implementation <file>.<class(MLModel)> */
};

#define AGENT_MAX_EXTS 3

struct agent_settings {
	const char *requirement;      /* the Model's requirement that selects it */
	const char *runtime;          /* profile initc judges it as; NULL: not modelled */
	const char *implementation;   /* NULL: the runtime's, or computed (python) */
	enum agent_uri uri;
	const char *exts[AGENT_MAX_EXTS]; /* AGENT_URI_FILE/PY_CLASS: tried in order */
};

/* The idx-th row (the agent's switch, in no order: the Model's
 * requirements decide which comes first); NULL past the last. */
const struct agent_settings *agent_settings_row(size_t idx);
/* The row for one requirement string, or NULL: the agent writes nothing. */
const struct agent_settings *agent_settings_for(const char *requirement);
/* The implementation the row writes (the runtime's when it has one). */
const char *agent_settings_implementation(const struct agent_settings *a);

/* ---- Triton: which file each backend loads from a version folder ------ */

enum triton_file_kind { TRITON_FILE, TRITON_DIR, TRITON_FILE_OR_DIR, TRITON_NO_FILE };

#define TRITON_MAX_FILES 4

struct triton_backend {
	const char *backend;   /* config.pbtxt backend */
	const char *platform;  /* config.pbtxt platform, or NULL */
	const char *files[TRITON_MAX_FILES]; /* default_model_filename; several: one of them */
	enum triton_file_kind kind;
	int detected;          /* Triton picks it from the version folder's files alone */
};

/* The idx-th backend, in the order Triton tries them on a config.pbtxt
 * that names none; NULL past the last. */
const struct triton_backend *triton_backend_row(size_t idx);
/* The row for a platform or a backend name; NULL when initc has none. */
const struct triton_backend *triton_by_platform(const char *platform);
const struct triton_backend *triton_by_backend(const char *backend);

#endif
