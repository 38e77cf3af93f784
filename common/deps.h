/* A model's environment as its MLflow files declare it: every dependency,
 * where it was declared and how tightly it is pinned. Shared by both
 * tools: the parsers here (matchspec.c, pipreq.c, envload.c) fill it;
 * prebake's audit.c judges it and its emit.c turns it into a Dockerfile;
 * initc compares it with what a server release installs. */
#ifndef COMMON_DEPS_H
#define COMMON_DEPS_H

#include <stddef.h>
#include "buf.h"

enum pin_class { PIN_EXACT, PIN_RANGE, PIN_UNPINNED };

enum dep_source { DEP_CONDA, DEP_PIP };

/* What pip does with a pip line. */
enum dep_role {
	ROLE_INSTALL,     /* a requirement: installed */
	ROLE_CONSTRAINT,  /* from -c / constraints.txt: limits versions only */
	ROLE_BUILD,       /* python_env.yaml build_dependencies: installed first */
};

struct dep {
	enum dep_source source;
	enum dep_role role;
	char *name;     /* as written */
	char *key;      /* normalised: lower case, runs of -_. become - */
	char *spec;     /* version part as written ("" when none) */
	char *text;     /* the whole line, emitted verbatim */
	char *url;      /* pip direct reference, or NULL */
	/* A wheel shipped in the model folder ("wheels/x-1.0-py3-none-any.whl",
	 * as MLflow's add_libraries_to_model writes them): its path relative
	 * to env.base_dir, normalised (no "./", no "..", not absolute), or
	 * NULL. pip reads such a line relative to its working directory,
	 * which MLflow sets to the model folder; envload.c has checked that
	 * it is a regular file there and listed it in env.inputs. name, key
	 * and spec ("==1.0") come from the wheel's file name. */
	char *local;
	char *marker;   /* pip environment marker, or NULL */
	char *channel;  /* conda channel:: prefix, or NULL */
	char *build;    /* conda build string, or NULL */
	enum pin_class pin;
	char *where;    /* "file:line:col", file relative to the model */
};

struct deplist {
	struct dep *v;
	size_t n;
};

struct strlist {
	char **v;
	size_t n;
};

enum env_kind { ENV_CONDA, ENV_VIRTUALENV };

struct env {
	enum env_kind kind;
	char *python;          /* python version as written, NULL if absent */
	enum pin_class python_pin;
	char *python_where;
	struct strlist channels;
	struct deplist conda;  /* conda dependencies (python and pip included) */
	struct deplist pip;    /* pip lines of every role */
	struct strlist pip_options;  /* global pip options: --extra-index-url ... */
	struct strlist inputs; /* files read, as paths usable from the cwd */
	struct strlist input_names;  /* the same, relative to base_dir */
	char *base_dir;        /* the model folder or the env file's folder */
	char *model_dir;       /* set when a model folder (MLmodel) was given */
	char *mlflow_version;  /* from MLmodel, or NULL */
	char *env_file;        /* display name of conda.yaml / python_env.yaml */
};

void strlist_add(struct strlist *l, const char *s);
int strlist_has(const struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

struct dep *deplist_push(struct deplist *l);
void dep_free(struct dep *d);
void deplist_free(struct deplist *l);
void env_free(struct env *e);

/* PEP 503 name normalisation (also used for conda names). */
char *dep_key(const char *name, size_t len);
const char *pin_name(enum pin_class pin);

/* matchspec.c: one conda MatchSpec ("numpy=1.24.3=py310_0",
 * "conda-forge::python >=3.8,<3.11"). 0, or -1 with a reason in err. */
int conda_spec_parse(const char *text, struct dep *d, struct buf *err);

/* pipreq.c: a path inside the model folder, normalised ("./wheels//x.whl"
 * -> "wheels/x.whl"); NULL, with why, when it is absolute, uses ~ or \,
 * or climbs out with "..". */
char *model_relative(const char *path, const char **why);

/* pipreq.c: one pip requirement (no options, continuations joined).
 * 0, or -1 with a reason in err. */
int pip_req_parse(const char *text, struct dep *d, struct buf *err);

/* deps.c: the versions env fixes exactly, in install order (conda, then
 * pip, whose later pin of a name wins; -c constraints on what is
 * installed), plus mlflow at MLmodel's mlflow_version when nothing pins
 * it: what a serving stack installing its own requirements over the
 * environment would meet. Pins under a marker, URLs and wheel files are
 * left out. Names are the normalised keys; they point into env. Returns
 * how many (at most max). */
struct model_pin;
size_t env_exact_pins(const struct env *env, struct model_pin *pins, size_t max);
/* text with every URL's user:password@ replaced by ***@: messages about
 * requirement lines may quote an index URL with its token. */
char *url_redact_userinfo(const char *text);
#endif
