/* struct tree over a local directory (see tree.h): the same checks run on
 * a downloaded /mnt/models and on a folder given to `initc check`. */
#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"

/* Deeper than any model layout; stops symlink loops and runaway trees. */
#define LOCAL_MAX_DEPTH 32

struct local {
	struct tree tree;
	char *root;
};

struct entry_list {
	struct tree_entry *items;
	size_t n, cap;
};

static void list_push(struct entry_list *l, char *path, long long size)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->items = xrealloc(l->items, l->cap * sizeof *l->items);
	}
	l->items[l->n].path = path;
	l->items[l->n].size = size;
	l->n++;
}

static void list_free(struct entry_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free((char *)l->items[i].path);
	free(l->items);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct tree_entry *)a)->path, ((const struct tree_entry *)b)->path);
}

/* Collect regular files below root/rel (rel "" for the root itself). */
static int collect(const char *root, const char *rel, int depth, struct entry_list *l,
		   struct buf *err)
{
	char *dir = *rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		buf_printf(err, "cannot read directory %s: %s", dir, strerror(errno));
		free(dir);
		return errno == ENOENT || errno == ENOTDIR ? EXIT_NOTFOUND : EXIT_LOCALIO;
	}
	while (!rc && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *child = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		char *full = xasprintf("%s/%s", root, child);
		struct stat st;
		if (stat(full, &st) != 0) {
			/* a dangling link is no file a server could load */
		} else if (S_ISDIR(st.st_mode) && depth < LOCAL_MAX_DEPTH) {
			rc = collect(root, child, depth + 1, l, err);
		} else if (S_ISREG(st.st_mode)) {
			list_push(l, child, (long long)st.st_size);
			child = NULL;
		}
		free(child);
		free(full);
	}
	closedir(d);
	free(dir);
	return rc;
}

static int local_list(struct tree *t, tree_visit_fn fn, void *arg, struct buf *err)
{
	struct local *lt = t->ctx;
	struct entry_list l = { 0 };
	int rc = collect(lt->root, "", 0, &l, err);

	if (!rc) {
		qsort(l.items, l.n, sizeof *l.items, by_path);
		for (size_t i = 0; !rc && i < l.n; i++)
			rc = fn(&l.items[i], arg);
	}
	list_free(&l);
	return rc;
}

static int local_read(struct tree *t, const char *path, size_t max, struct buf *out,
		      struct buf *err)
{
	struct local *lt = t->ctx;
	char *full = xasprintf("%s/%s", lt->root, path);
	int fd = open(full, O_RDONLY | O_CLOEXEC);
	int rc = 0;
	char chunk[8192];
	ssize_t got;

	buf_reset(out);
	if (fd < 0) {
		buf_printf(err, "cannot open %s: %s", full, strerror(errno));
		rc = errno == ENOENT ? EXIT_NOTFOUND : EXIT_LOCALIO;
	}
	while (!rc && (got = read(fd, chunk, sizeof chunk)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			buf_printf(err, "cannot read %s: %s", full, strerror(errno));
			rc = EXIT_LOCALIO;
		} else if (out->len + (size_t)got > max) {
			buf_printf(err, "%s is larger than %zu bytes: not a metadata file", full, max);
			rc = EXIT_INPUT;
		} else {
			buf_add(out, chunk, (size_t)got);
		}
	}
	if (fd >= 0)
		close(fd);
	free(full);
	return rc;
}

static void local_close(struct tree *t)
{
	struct local *lt = t->ctx;
	free(lt->root);
	free(lt);
}

int tree_open_local(const char *dir, struct tree **out, struct buf *err)
{
	struct stat st;
	struct local *lt;
	size_t len = strlen(dir);

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		buf_printf(err, "%s is not a directory: give the model folder (the one holding MLmodel)",
			   dir);
		return EXIT_NOTFOUND;
	}
	lt = xcalloc(1, sizeof *lt);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	lt->root = xstrndup(dir, len);
	lt->tree.label = lt->root;
	lt->tree.list = local_list;
	lt->tree.read = local_read;
	lt->tree.close = local_close;
	lt->tree.ctx = lt;
	*out = &lt->tree;
	return 0;
}
