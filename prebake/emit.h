/* The output folder's content, built in memory: Dockerfile, the files it
 * copies, the probe block. Same inputs, same bytes. */
#ifndef PREBAKE_EMIT_H
#define PREBAKE_EMIT_H

#include "deps.h"
#include "targets.h"

struct bake_opts {
	const struct target *target;
	const char *server_version;   /* NULL: the target's default */
	const char *builder_image;    /* NULL: chosen from the env kind */
	const char *runtime_image;
	int bake_model;               /* copy the model into the image */
};

/* The serving stack's release: --server-version, else the target's default. */
const char *bake_version(const struct bake_opts *o);

struct outfile {
	char *name;       /* relative to the output folder; may hold '/' */
	struct buf body;
	char *copy_from;  /* or NULL: a file copied as it is (a local wheel) */
};

struct outset {
	struct outfile *v;
	size_t n;
};

struct buf *outset_add(struct outset *s, const char *name);
void outset_add_copy(struct outset *s, const char *name, const char *from);
void outset_free(struct outset *s);

/* Default images for an env (python_env: python:X.Y.Z, slim to run). */
char *emit_default_builder(const struct env *env);
char *emit_default_runtime(const struct env *env);

/* Where a local wheel (dep->local) goes in the output folder. */
#define LOCAL_WHEELS "local-wheels"

/* Everything but the model copy; inputs_sha names the inputs in labels. */
void emit_all(const struct env *env, const struct bake_opts *o, const char *inputs_sha,
	      struct outset *out);

/* The Kubernetes probe block for the target, as YAML. */
void emit_probes(const struct target *t, struct buf *out);

#endif
