/* A read-only view of a model tree, local or remote, for the checks that
 * must not download big files: list every file with its size, read small
 * metadata files (MLmodel, model-settings.json, config.pbtxt) whole.
 * tree_local.c implements it over a directory, tree_remote.c over an
 * S3 prefix (listing + GET of the small files only). */
#ifndef INITC_TREE_H
#define INITC_TREE_H

#include "buf.h"

struct tree_entry {
	const char *path;   /* relative to the root, '/'-separated, no leading '/' */
	long long size;     /* bytes */
};

/* Return 0 to go on, non-zero to stop the walk (that value is returned). */
typedef int (*tree_visit_fn)(const struct tree_entry *entry, void *arg);

struct tree {
	const char *label;  /* what to show the user: a directory or a URI */
	/* Visit every file below the root, in sorted path order. Returns 0,
	 * the visitor's non-zero value, or an exit code with err filled. */
	int (*list)(struct tree *t, tree_visit_fn fn, void *arg, struct buf *err);
	/* Read a file of at most max bytes into out (replacing its content).
	 * Returns 0 or an exit code (EXIT_NOTFOUND, EXIT_INPUT if larger...). */
	int (*read)(struct tree *t, const char *path, size_t max, struct buf *out,
		    struct buf *err);
	void (*close)(struct tree *t);
	void *ctx;
};

/* Both return 0 or an exit code with err filled. */
int tree_open_local(const char *dir, struct tree **out, struct buf *err);
int tree_open_remote(const char *uri, struct tree **out, struct buf *err);
void tree_close(struct tree *t);

#endif
