/* What to transfer: the objects under a source, each mapped to a safe
 * path below DEST, minus what DEST already holds complete. */
#ifndef INITC_PLAN_H
#define INITC_PLAN_H

#include <time.h>
#include "buf.h"
#include "globals.h"
#include "s3.h"
#include "uri.h"

struct item {
	const char *rel;    /* path below DEST, validated: inside key, or its own copy */
	char *key;          /* S3 key, or URL for http sources */
	long long size;     /* -1 when unknown until the answer comes */
	char *etag;         /* "" when unknown */
	time_t mtime;       /* 0 when unknown */
	int skip;           /* DEST already holds it complete */
	int rel_owned;      /* rel is a copy of its own (http, single object) */
};

struct plan {
	struct item *v;
	size_t n, cap;
	long long bytes;    /* to transfer (skipped items excluded) */
	size_t skipped;
	int nothing_found;  /* the store answered: no object at the path, none below it */
	int single_object;  /* the path named one object, not a folder */
	char **dirs;        /* folder markers ("a/b/" objects) below the path, as "a/b":
			       rclone's empty folders (`initc rcd`, createEmptySrcDirs) */
	size_t ndirs;
};

struct destdir;

/* Is rel safe below DEST? 0, or EXIT_UNSAFE with err naming the problem. */
int plan_check_relpath(const char *rel, const char *key, struct buf *err);
/* The one key -> path mapping, for downloads and `initc check`: key must
 * lie below dir (the listed prefix: "" or ending in '/'). *rel points into
 * key, or is NULL for an empty folder marker to pass over. 0, or
 * EXIT_INTEGRITY (a key outside the prefix, a folder marker with bytes) or
 * EXIT_UNSAFE (a name that could leave DEST) with err filled. */
int plan_map_key(const char *dir, const char *key, long long size, const char **rel,
		 struct buf *err);
/* Before the first byte: no path given twice, none both a file and a
 * folder, none past PATH_MAX below dest. 0 or an exit code. */
int plan_check_layout(const struct plan *p, const char *dest, struct buf *err);

/* List the S3 source. A prefix is a directory (models/iris never matches
 * models/iris2/...); a key that is an object is a single file. */
int plan_s3(const struct globals *g, const struct s3_target *t, const struct source *src,
	    struct plan *p, struct buf *err);
/* One plain file from an http(s) URL. */
int plan_http(const struct source *src, struct plan *p, struct buf *err);
/* Mark items DEST already holds with the same size and mtime; fails (an
 * exit code) when DEST holds a folder where a file goes, or a symlink on
 * the way to one. */
int plan_mark_complete(struct plan *p, const struct destdir *d, struct buf *err);
void plan_free(struct plan *p);

#endif
