/* DEST's record of its archive; see unpacked.h.
 *
 * The record is a small text file written through destdir (temporary
 * name, rename), one field a line:
 *   initc-unpacked 1
 *   state complete            ("replacing" while names are being swapped)
 *   source s3://bucket/models/iris/model.tar.gz
 *   key models/iris/model.tar.gz
 *   size 1234
 *   etag 0123abcd...
 *   entry model.pkl           (one line per top-level name of the tree)
 * Values hold no line break: one with a break is recorded as "", so it
 * never matches and that archive is unpacked again on every run. */
#include "unpacked.h"
#include "exitcode.h"
#include "log.h"
#include "unpack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD_MAX (256 << 20)    /* a million names of 256 bytes */
#define RECORD_MAGIC "initc-unpacked 1"

struct record {
	int complete;
	char *source, *key, *etag;
	long long size;
	char **entries;
	size_t n;
	int sorted;         /* entries sorted and without duplicates */
};

static void record_free(struct record *r)
{
	free(r->source);
	free(r->key);
	free(r->etag);
	for (size_t i = 0; i < r->n; i++)
		free(r->entries[i]);
	free(r->entries);
	memset(r, 0, sizeof *r);
}

static void record_add(struct record *r, const char *name)
{
	if (!(r->n & (r->n - 1))) /* 0, 1, 2, 4...: double the room */
		r->entries = xrealloc(r->entries, (r->n ? r->n * 2 : 1) * sizeof *r->entries);
	r->entries[r->n++] = xstrdup(name);
	r->sorted = 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted once, looked up by bisection: an archive of a million top-level
 * names must not cost a million squared comparisons. */
static void record_sort(struct record *r)
{
	size_t kept = 0;
	if (r->n)
		qsort(r->entries, r->n, sizeof *r->entries, name_cmp);
	for (size_t i = 0; i < r->n; i++) {
		if (kept && !strcmp(r->entries[kept - 1], r->entries[i]))
			free(r->entries[i]);
		else
			r->entries[kept++] = r->entries[i];
	}
	r->n = kept;
	r->sorted = 1;
}

static int record_has(struct record *r, const char *name)
{
	if (!r->sorted)
		record_sort(r);
	return r->n && bsearch(&name, r->entries, r->n, sizeof *r->entries, name_cmp) != NULL;
}

static void parse_line(struct record *r, char *line)
{
	char *v = strchr(line, ' ');
	if (!v)
		return;
	*v++ = '\0';
	if (!strcmp(line, "state"))
		r->complete = !strcmp(v, "complete");
	else if (!strcmp(line, "source"))
		r->source = xstrdup(v);
	else if (!strcmp(line, "key"))
		r->key = xstrdup(v);
	else if (!strcmp(line, "etag"))
		r->etag = xstrdup(v);
	else if (!strcmp(line, "size"))
		r->size = strtoll(v, NULL, 10);
	else if (!strcmp(line, "entry") && *v && !strchr(v, '/') && strcmp(v, ".") &&
		 strcmp(v, ".."))
		record_add(r, v);
}

/* 0 with the record read, -1 when there is none (or it is not ours), -2
 * when it is larger than any record initc writes. */
static int record_read(const struct destdir *d, struct record *r)
{
	struct buf text = BUF_INIT;
	int rc = destdir_read_file(d, UNPACKED_RECORD_NAME, RECORD_MAX, &text);

	memset(r, 0, sizeof *r);
	if (!rc && (!text.len || strncmp(text.data, RECORD_MAGIC "\n", strlen(RECORD_MAGIC) + 1)))
		rc = -1;
	for (char *save = NULL, *line = rc ? NULL : strtok_r(text.data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		parse_line(r, line);
	buf_free(&text);
	return rc;
}

/* A value with a line break is recorded as "": it never matches again,
 * so that archive is unpacked afresh on every run (and can add no line). */
static const char *line_safe(const char *s)
{
	return s && !strpbrk(s, "\r\n") ? s : "";
}

static int record_write(const struct destdir *d, const struct record *r, struct buf *err)
{
	struct buf text = BUF_INIT;
	buf_printf(&text, RECORD_MAGIC "\nstate %s\nsource %s\nkey %s\nsize %lld\netag %s\n",
		   r->complete ? "complete" : "replacing", line_safe(r->source), line_safe(r->key),
		   r->size, line_safe(r->etag));
	for (size_t i = 0; i < r->n; i++)
		buf_printf(&text, "entry %s\n", r->entries[i]);
	int rc = destdir_write_file(d, UNPACKED_RECORD_NAME, text.data, text.len, err);
	buf_free(&text);
	return rc;
}

int unpacked_matches(const struct destdir *d, const char *uri, const struct item *archive)
{
	struct record r;
	int same = 0;
	if (record_read(d, &r)) /* none, or too large to trust: unpack again */
		return 0;
	same = r.complete && r.source && r.key && r.etag && !strcmp(r.source, uri) &&
	       !strcmp(r.key, archive->key) && r.size == archive->size && *archive->etag &&
	       !strcmp(r.etag, archive->etag);
	/* killed after the record, before the archive was removed */
	if (same && !record_has(&r, archive->rel))
		unlinkat(d->fd, archive->rel, 0);
	record_free(&r);
	return same;
}

/* The top-level names of the unpacked tree. */
static int list_staging(const struct destdir *staging, struct record *into, struct buf *err)
{
	int fd = openat(staging->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	if (!dir) {
		buf_printf(err, "cannot read %s: %s", staging->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_LOCALIO;
	}
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			record_add(into, de->d_name);
	closedir(dir);
	return 0;
}

/* Would the new tree replace something DEST held from elsewhere? */
static int check_owned(const struct destdir *d, struct record *old,
		       const struct record *next, const struct item *archive, struct buf *err)
{
	struct stat st;
	for (size_t i = 0; i < next->n; i++) {
		const char *name = next->entries[i]; /* unpack.c refused initc's own names */
		if (!strcmp(name, archive->rel)) {
			buf_printf(err, "archive %s holds a top-level entry of its own name: the tree "
				   "and the archive cannot share DEST; repack it with another name",
				   archive->rel);
			return EXIT_UNSAFE;
		}
		if (record_has(old, name) || fstatat(d->fd, name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		buf_printf(err, "archive %s would replace %s/%s, which was in DEST before and does "
			   "not come from an archive initc unpacked there; nothing was replaced: "
			   "unpack into an empty folder", archive->rel, d->path, name);
		return EXIT_UNSAFE;
	}
	return 0;
}

/* Swap each new name into DEST (the old entry of that name, if any, goes
 * into staging), then move the old names the new tree lacks into staging
 * too; staging is removed afterwards with everything old in it. */
/* Move staging/name to DEST/name; an entry already there goes into
 * staging. One atomic exchange where the file system has renameat2's
 * flags; NFS, CephFS and FUSE refuse them (EINVAL): there the old entry is
 * moved aside first (under the lock, with the record naming both). */
static int move_aside_then_in(const struct destdir *d, const struct destdir *staging,
			      const char *name)
{
	char aside[64];
	struct stat st;
	if (!fstatat(d->fd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		destdir_random_name(aside, sizeof aside, DESTDIR_TEMP_PREFIX, ".old");
		if (renameat(d->fd, name, staging->fd, aside))
			return -1;
	}
	return renameat(staging->fd, name, d->fd, name);
}

static int move_in(const struct destdir *d, const struct destdir *staging, const char *name)
{
	if (!renameat2(staging->fd, name, d->fd, name, RENAME_NOREPLACE))
		return 0;
	if (errno == EEXIST && !renameat2(staging->fd, name, d->fd, name, RENAME_EXCHANGE))
		return 0;
	return errno == EINVAL ? move_aside_then_in(d, staging, name) : -1;
}

static int swap_in(const struct destdir *d, const struct destdir *staging,
		   const struct record *old, struct record *next, struct buf *err)
{
	for (size_t i = 0; i < next->n; i++) {
		const char *name = next->entries[i];
		if (!move_in(d, staging, name))
			continue;
		buf_printf(err, "cannot move %s into %s: %s", name, d->path, strerror(errno));
		return EXIT_LOCALIO;
	}
	for (size_t i = 0; i < old->n; i++) {
		const char *name = old->entries[i];
		if (record_has(next, name))
			continue;
		if (renameat(d->fd, name, staging->fd, name) && errno != ENOENT) {
			buf_printf(err, "cannot remove %s/%s of the previous archive: %s", d->path, name,
				   strerror(errno));
			return EXIT_LOCALIO;
		}
	}
	return 0;
}

static int install_tree(const struct destdir *d, const struct destdir *staging,
			const char *uri, const struct item *archive, struct buf *err)
{
	struct record old, next = { 0 }, both = { 0 };
	int rc = 0, read = record_read(d, &old);

	if (read == -2) {
		buf_printf(err, "%s/%s is larger than %d MiB: initc cannot tell which files in DEST "
			   "are the previous archive's; empty the folder", d->path, UNPACKED_RECORD_NAME,
			   RECORD_MAX >> 20);
		return EXIT_LOCALIO;
	}
	if (read)
		memset(&old, 0, sizeof old);
	rc = list_staging(staging, &next, err);
	if (!rc)
		rc = check_owned(d, &old, &next, archive, err);
	if (!rc) { /* a kill from here on leaves a record naming every name in play */
		both.source = xstrdup(uri);
		both.key = xstrdup(archive->key);
		both.etag = xstrdup(archive->etag);
		both.size = archive->size;
		for (size_t i = 0; i < old.n; i++)
			record_add(&both, old.entries[i]);
		for (size_t i = 0; i < next.n; i++)
			record_add(&both, next.entries[i]);
		rc = record_write(d, &both, err);
	}
	if (!rc)
		rc = swap_in(d, staging, &old, &next, err);
	if (!rc) {
		next.complete = 1;
		next.source = xstrdup(uri);
		next.key = xstrdup(archive->key);
		next.etag = xstrdup(archive->etag);
		next.size = archive->size;
		rc = record_write(d, &next, err);
	}
	if (!rc && !record_has(&next, archive->rel) && unlinkat(d->fd, archive->rel, 0) &&
	    errno != ENOENT) {
		buf_printf(err, "unpacked, but cannot remove the archive %s/%s: %s", d->path,
			   archive->rel, strerror(errno));
		rc = EXIT_LOCALIO;
	}
	record_free(&old);
	record_free(&next);
	record_free(&both);
	return rc;
}

int unpacked_install(const struct destdir *d, const char *uri, const struct item *archive,
		     struct buf *err)
{
	char name[64];
	struct destdir staging;
	struct unpack_limits lim;
	int rc;

	unpack_default_limits(&lim);
	destdir_random_name(name, sizeof name, DESTDIR_TEMP_PREFIX, DESTDIR_STAGING_SUFFIX);
	if (mkdirat(d->fd, name, 0755)) {
		buf_printf(err, "cannot create a staging folder in %s: %s", d->path, strerror(errno));
		return EXIT_LOCALIO;
	}
	rc = destdir_open_sub(&staging, d, name, 0, err);
	if (!rc) {
		char *archive_path = xasprintf("%s/%s", d->path, archive->rel);
		rc = unpack_archive(archive_path, staging.path, &lim, err);
		free(archive_path);
	}
	if (!rc)
		rc = install_tree(d, &staging, uri, archive, err);
	destdir_close(&staging);
	destdir_remove_at(d->fd, name);
	return rc;
}
