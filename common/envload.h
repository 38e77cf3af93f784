/* Finding and reading the environment files MLflow writes: a model folder
 * (through MLmodel's python_function env), a conda.yaml, or a
 * python_env.yaml with its requirements files. prebake reads them from
 * the filesystem; initc reads a model tree (a folder or an S3 prefix)
 * through its own struct env_files. */
#ifndef COMMON_ENVLOAD_H
#define COMMON_ENVLOAD_H

#include <stddef.h>
#include "buf.h"
#include "deps.h"

/* What is at a path, as env_files.type_of sees it. */
enum env_file_type {
	ENV_FILE_REGULAR,
	ENV_FILE_DIR,      /* a folder: for a store of keys, a prefix with files below */
	ENV_FILE_SYMLINK,  /* only when not following; a store without links never says it */
	ENV_FILE_OTHER,    /* FIFO, device, socket... */
};

/* How env_load reads files. Every path it passes is one env_load built
 * from its input: the input itself, or base "/" name where name is what a
 * file named (MLmodel's env, -r/-c, a wheel line), normalised ("./" and
 * empty parts dropped) and never absolute nor climbing out with "..";
 * for an empty base ("", the root of a tree) it is name alone, so a store
 * of keys relative to its root sees "conda.yaml" or "a/b/conda.yaml",
 * never "./x" or "/x". Failures that concern the file are negative errno
 * values, so that "no such file" is -ENOENT; env_load turns them into its
 * messages with strerror (-EINVAL as "not a regular file"). */
struct env_files {
	void *ctx;
	/* Read the regular file at path (following symlinks) into out,
	 * replacing its content; at most max bytes. Returns 0; -ENOENT when
	 * nothing is there; -EINVAL when what is there is not a regular
	 * file; -EFBIG when it holds more than max bytes; another -errno
	 * when it cannot be read; or an exit code (> 0: EXIT_NETWORK,
	 * EXIT_AUTH...) with the message in err when the store failed rather
	 * than the file: env_load stops and returns that code and message
	 * as they are. */
	int (*read)(void *ctx, const char *path, size_t max, struct buf *out, struct buf *err);
	/* What is at path, following a final symlink when follow is set.
	 * Returns 0 with *type set, or -errno (-ENOENT: nothing there). */
	int (*type_of)(void *ctx, const char *path, int follow, enum env_file_type *type);
};

/* The filesystem, paths as given (relative to the working directory):
 * read opens with O_NONBLOCK and reads regular files only (a FIFO would
 * hang the run, a device never end); type_of is stat/lstat. */
extern const struct env_files env_files_local;

/* input: a model folder (with MLmodel), a conda.yaml or a python_env.yaml,
 * as a path fs understands ("" is the root of a tree; give a folder
 * without a trailing "/": it is the base of the paths built). env_manager: NULL
 * or "auto", "conda", "virtualenv" (MLflow's words). Auto picks
 * virtualenv when MLmodel offers it, unless conda.yaml needs conda
 * packages beyond python and pip. Returns 0, or EXIT_INPUT / EXIT_USAGE
 * with "file:line:col: what, and what to do" in err, or the exit code
 * fs->read returned for a failed store. env->inputs holds the paths read,
 * as fs understands them; env->input_names the same, relative to
 * env->base_dir (the model folder, or the env file's folder: "." for a
 * file at the top of a tree). */
int env_load_with(const struct env_files *fs, const char *input, const char *env_manager,
		  struct env *env, struct buf *err);

/* env_load_with(&env_files_local, ...): prebake's way. */
int env_load(const char *input, const char *env_manager, struct env *env, struct buf *err);

#endif
