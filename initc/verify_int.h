/* What the files behind verify.h share with each other and with nobody
 * else: a model folder as loaded from a tree (verify_model.c), its verdict
 * against one server profile (verify_judge.c; a Seldon Core 2 Server's in
 * verify_v2.c), the target server
 * (verify.c), the --fix writers (verify_fix.c) and the JSON text of
 * `initc servers` and `initc check` (verify_json.c). */
#ifndef INITC_VERIFY_INT_H
#define INITC_VERIFY_INT_H

#include <stddef.h>

#include "buf.h"
#include "deps.h"
#include "mlmodel.h"
#include "profiles.h"
#include "tree.h"
#include "verify.h"

/* ---- verify_model.c: the files of a tree, one model folder -------------- */

struct files {
	struct tree_entry *v;
	size_t n, cap;
};

/* A tree_visit_fn that appends a copy of each entry to the struct files
 * at arg. */
int collect_entry(const struct tree_entry *e, void *arg);
void files_free(struct files *f);

struct model {
	struct tree *tree;
	char *root;          /* folder inside the tree: "" or "a/b" */
	char *label;         /* what messages call it */
	struct files files;  /* paths relative to root */
	int has_mlmodel;
	struct mlmodel ml;
	struct buf mlmodel_text; /* as read, for the env reader */
	int has_settings;
	char *settings_uri;  /* model-settings.json parameters.uri, "./" removed */
	char *settings_impl; /* its implementation, NULL when it names none */
	struct buf not_onnx; /* "folder (backend X)": a Triton config onnxruntime does not run */
	int env_loaded;      /* model_load_pins ran */
	struct env env;      /* the environment files, once loaded */
	struct model_pin *pins; /* versions they fix exactly */
	size_t npins;
	struct buf env_unread; /* why they could not be read: a warning */
	int rc;              /* EXIT_INPUT / EXIT_VERIFY when the model is broken */
	struct buf problems; /* why, one "; "-separated sentence each */
	struct buf warnings;
};

/* The model in folder root ("" for the top) of the tree whose listing is
 * all: its files, then its metadata read. Problems land in m->rc and
 * m->problems, never in a return value. */
void model_load(struct model *m, struct tree *t, const struct files *all, const char *root);
/* Read the model's environment files (conda.yaml, python_env.yaml,
 * requirements.txt) and the versions they pin, for servers that install
 * their own requirements over them; once per model. A file the shared
 * reader refuses leaves m->env_unread (a warning, URLs' passwords
 * hidden); only a failing store becomes a problem of the model.
 * Returns m->rc. */
int model_load_pins(struct model *m);
/* The model in folder rel of model m (m's files, m's tree), for a server
 * that loads a folder below the one it was given (Core 2's version
 * folders). */
void model_load_sub(struct model *sub, const struct model *m, const char *rel);
/* Read the small metadata file rel of the model; 0 or an exit code with
 * err filled. */
int model_read(const struct model *m, const char *rel, struct buf *out, struct buf *err);
/* parameters.uri "./" or "." (after rel_strip: "" or "."): the folder
 * model-settings.json is in, which the runtime searches for its names. */
int settings_uri_is_top(const char *uri);
/* Is rel a file of the model, or a folder holding one? */
int model_has_path(const struct model *m, const char *rel);
/* List the tree, then model_load; 0, or the listing's exit code with err
 * filled (m is then not loaded). */
int open_model(struct tree *t, const char *root, struct model *m, struct buf *err);
void model_free(struct model *m);

/* The file rel ("./" allowed) of the model, or NULL. */
const struct tree_entry *find_file(const struct model *m, const char *rel);
/* p without its leading "./"s. */
const char *rel_strip(const char *p);
/* Length of <folder> when path is <folder>/config.pbtxt (a model of a
 * Triton repository at the top of the tree), else 0. */
size_t triton_config_folder(const char *path);

/* ---- verify_judge.c: a model against one server profile ----------------- */

enum fit { FIT_OK, FIT_FIX, FIT_NO };
enum fix_kind { FIX_NONE, FIX_SETTINGS, FIX_LINK };

struct verdict {
	enum fit fit;
	struct buf why;
	struct buf warn;
	enum fix_kind fix;
	char *fix_from;      /* the model file to point at or link */
	char *fix_to;        /* the name to link it under */
	const char *fix_implementation; /* FIX_SETTINGS: the class to name; NULL: the profile's */
};

/* Fill v (overwriting it) with how server p takes model m. */
void judge(const struct model *m, const struct profile *p, struct verdict *v);
/* The root file a runtime of p's flavor would load: one of p's names,
 * else the one file with the flavor's suffix (MLmodel's, for an MLflow
 * folder); NULL when there is none or no telling which. */
const char *model_file_for(const struct model *m, const struct profile *p);
void verdict_free(struct verdict *v);
/* "ok", "fix", "no" */
const char *fit_name(enum fit f);

/* Names of the profiles per fit, comma-separated, for the summaries. */
struct fit_lists {
	struct buf names[3];
};

/* Judge m against every known profile at its newest release. */
void judge_all(const struct model *m, struct fit_lists *l);
void fit_lists_free(struct fit_lists *l);

/* ---- verify_v2.c: a model against a Seldon Core 2 Server ----------------- */

/* As the Core 2 agent hands the copied artifact to MLServer (the folder
 * it picks, the model-settings.json it keeps or writes, the runtime that
 * names) or to Triton (the version folder, config.pbtxt, the backend's
 * file). Called by judge() for the LAYOUT_V2_* profiles. */
void judge_v2_mlserver(const struct model *m, const struct profile *p, struct verdict *v);
void judge_v2_triton(const struct model *m, const struct profile *p, struct verdict *v);

/* ---- verify.c: the target server ----------------------------------------- */

struct target {
	const struct profile *profile;  /* NULL: no target; else &at */
	struct profile at;              /* the profile at the chosen release */
	const char *v2_server;          /* from --requirements */
	int strict;                     /* warnings fail (EXIT_POLICY) */
};

/* The profile named by --server NAME[:VERSION] at that release (the
 * newest known when no version is given, logged), else the one
 * --requirements implies. 0, or EXIT_USAGE after logging why (and
 * writing the termination log). */
int resolve_target(const struct verify_opts *o, struct target *t);

/* ---- verify_fix.c: the --fix writers --------------------------------------- */

/* Make server p load model m, in the folder dir, as verdict v (FIT_FIX)
 * proposes. 0, EXIT_VERIFY when there is no safe fix, EXIT_LOCALIO when
 * the folder cannot be written; logs either way. */
int apply_fix(const char *dir, const struct model *m, const struct profile *p,
	      const struct verdict *v);

/* ---- verify_json.c: JSON text, one escaper for all of it --------------------- */

/* s (NULL as "") as a JSON string: quotes, backslashes and control bytes
 * escaped, a byte that is no UTF-8 as U+FFFD, so the text is valid JSON. */
void json_str(struct buf *b, const char *s);
/* "a,b,c" as a JSON array of strings. */
void json_list(struct buf *b, const char *csv);
/* Is s well-formed UTF-8 (so json_str keeps it byte for byte)? */
int json_utf8_valid(const char *s);
/* A model-settings.json object: {"implementation":...,"parameters":
 * {"uri":"./FILE"}}, implementation left out when NULL. */
void json_settings(struct buf *b, const char *implementation, const char *file);

#endif
