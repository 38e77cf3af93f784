/* What each known model server loads from its model folder, as data:
 * one row per Seldon Core v1 implementation, MLServer runtime and KServe
 * model format, plus the capability lists Seldon Core v2 schedules on.
 * verify.c judges a model against a row; nothing here reads files. */
#ifndef INITC_PROFILES_H
#define INITC_PROFILES_H

#include <stddef.h>
#include "buf.h"
#include "server_releases.h"
#include "verspec.h"

enum profile_family { FAMILY_SELDON_V1, FAMILY_MLSERVER, FAMILY_KSERVE };

enum profile_layout {
	LAYOUT_NAMES,     /* one of names[] at the folder root */
	LAYOUT_EXT,       /* exactly one root file ending in one of names[] */
	LAYOUT_MLFLOW,    /* an MLflow folder (MLmodel with python_function) */
	LAYOUT_TFSERVING, /* <version>/saved_model.pb */
	LAYOUT_TRITON,    /* <model>/config.pbtxt + <model>/<version>/ */
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

	/* Per release, from the server release table (profile_at_release);
	 * NULL in the static rows. */
	const struct server_release *release;
	const char *library_spec;   /* "==1.4.2", "~1.3.0"; "" unpinned; NULL unknown */
	const char *image;
};

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

/* The idx-th Seldon Core v2 server kind ("mlserver", "triton") and its
 * capability strings; NULL past the last one. */
const char *const *capabilities(size_t idx, const char **server, size_t *n);

#endif
