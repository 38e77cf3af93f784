/* Transfer plans; see plan.h. */
#include "plan.h"
#include "destdir.h"
#include "exitcode.h"
#include "s3_list.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME_MAX_BYTES 255
/* S3's largest object (and MinIO's): a listing claiming more is broken. */
#define S3_MAX_OBJECT_BYTES (5LL << 40)

static struct item *plan_add(struct plan *p)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = xrealloc(p->v, p->cap * sizeof *p->v);
	}
	struct item *it = &p->v[p->n++];
	memset(it, 0, sizeof *it);
	return it;
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].rel_owned)
			free((char *)p->v[i].rel);
		free(p->v[i].key);
		free(p->v[i].etag);
	}
	free(p->v);
	for (size_t i = 0; i < p->ndirs; i++)
		free(p->dirs[i]);
	free(p->dirs);
	memset(p, 0, sizeof *p);
}

int plan_check_relpath(const char *rel, const char *key, struct buf *err)
{
	const char *why = NULL;
	if (!*rel)
		why = "it maps to DEST itself";
	else if (rel[0] == '/')
		why = "it maps to an absolute path";
	for (const char *c = rel; !why && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			why = "it contains a control character";
	for (const char *seg = rel; !why && *seg;) {
		size_t len = strcspn(seg, "/");
		if (len == 0)
			why = "it contains an empty path segment (//)";
		else if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
			why = "it contains a '.' or '..' segment that would leave its folder";
		else if (len > NAME_MAX_BYTES)
			why = "a path segment is longer than 255 bytes";
		else if (destdir_reserved_name(seg, len))
			why = "a path segment is a name initc keeps for itself in DEST (.initc*)";
		seg += len;
		if (*seg == '/' && !seg[1])
			break; /* a trailing '/' is a directory marker, handled by the caller */
		if (*seg == '/')
			seg++;
	}
	if (!why)
		return 0;
	buf_printf(err, "refusing object key \"%s\": %s; nothing was written (rename the object "
		   "in the bucket)", key, why);
	return EXIT_UNSAFE;
}

static int add_object(struct plan *p, struct s3_object *o, const char *rel, struct buf *err)
{
	int rc = plan_check_relpath(rel, o->key, err);
	if (rc)
		return rc;
	if (o->size < 0 || o->size > S3_MAX_OBJECT_BYTES ||
	    __builtin_add_overflow(p->bytes, o->size, &p->bytes)) {
		buf_printf(err, "the listing says object \"%s\" is %lld bytes, more than S3 allows "
			   "(5 TiB); nothing was written: the server's answer is broken", o->key,
			   o->size);
		return EXIT_INTEGRITY;
	}
	struct item *it = plan_add(p);
	size_t klen = strlen(o->key);
	/* a path inside the key costs no copy: 20,000 objects, 640 KB less */
	if (rel >= o->key && rel <= o->key + klen)
		it->rel = rel;
	else
		it->rel = xstrdup(rel), it->rel_owned = 1;
	it->key = o->key;
	it->etag = o->etag;
	it->size = o->size;
	it->mtime = o->mtime;
	o->key = o->etag = NULL;
	return 0;
}

static const char *basename_of(const char *key)
{
	const char *slash = strrchr(key, '/');
	return slash ? slash + 1 : key;
}

int plan_map_key(const char *dir, const char *key, long long size, const char **rel,
		 struct buf *err)
{
	size_t dirlen = strlen(dir), rlen;
	*rel = NULL;
	if (strncmp(key, dir, dirlen)) {
		buf_printf(err, "the listing of prefix \"%s\" returned key \"%s\", which is not "
			   "under it; nothing was written: the server's answer is broken", dir, key);
		return EXIT_INTEGRITY;
	}
	rlen = strlen(key + dirlen);
	if (!rlen || key[dirlen + rlen - 1] == '/') { /* the prefix itself, or a "folder" */
		if (size == 0)
			return 0; /* a "folder" marker object, not a file */
		buf_printf(err, "object \"%s\" ends in '/' but holds %lld bytes: no file can have "
			   "that name; nothing was written (rename the object in the bucket)", key,
			   size);
		return EXIT_INTEGRITY;
	}
	*rel = key + dirlen;
	return plan_check_relpath(*rel, key, err);
}

/* A folder marker below the prefix ("" is the prefix's own): kept as a
 * checked path for those who make empty folders. */
static int add_folder(struct plan *p, const char *marker, struct buf *err)
{
	size_t len = strlen(marker);
	char *rel;
	int rc;
	if (len < 2) /* "" or "/": the prefix itself */
		return 0;
	rel = xstrndup(marker, len - 1);
	if ((rc = plan_check_relpath(rel, marker, err))) {
		free(rel);
		return rc;
	}
	p->dirs = xrealloc(p->dirs, (p->ndirs + 1) * sizeof *p->dirs);
	p->dirs[p->ndirs++] = rel;
	return 0;
}

struct page_ctx {
	struct plan *p;
	const char *dir;
	size_t objects;     /* listed, folder markers included */
};

/* Each page becomes plan items as it arrives: the listing is never held
 * beside the plan (20,000 objects: 640 KB less at the peak). */
static int plan_page(struct s3_objlist *l, void *arg, struct buf *err)
{
	struct page_ctx *ctx = arg;
	struct plan *p = ctx->p;
	const char *dir = ctx->dir;
	ctx->objects += l->n;
	for (size_t i = 0; i < l->n; i++) {
		struct s3_object *o = &l->v[i];
		const char *rel;
		int rc = plan_map_key(dir, o->key, o->size, &rel, err);
		if (!rc && rel)
			rc = add_object(p, o, rel, err);
		else if (!rc)
			rc = add_folder(p, o->key + strlen(dir), err);
		if (rc)
			return rc;
	}
	return 0;
}

int plan_s3(const struct globals *g, const struct s3_target *t, const struct source *src,
	    struct plan *p, struct buf *err)
{
	size_t plen = strlen(src->prefix);
	int is_dir = !plen || src->prefix[plen - 1] == '/';
	char *dir = is_dir ? xstrdup(src->prefix) : xasprintf("%s/", src->prefix);
	struct page_ctx ctx = { p, dir, 0 };
	int rc = s3_list_pages(g, t, src->bucket, dir, 0, plan_page, &ctx, err);

	if (!rc && !ctx.objects && !is_dir) {
		struct s3_object o;
		struct buf head_err = BUF_INIT;
		rc = s3_head(g, t, src->bucket, src->prefix, &o, &head_err);
		if (!rc) {
			rc = add_object(p, &o, basename_of(src->prefix), err);
			p->single_object = 1;
			s3_object_free(&o);
		} else if (rc == EXIT_NOTFOUND) {
			buf_printf(err, "nothing found at %s: no object s3://%s/%s and no objects under "
				   "s3://%s/%s; check the bucket and the path", src->uri, src->bucket,
				   src->prefix, src->bucket, dir);
			p->nothing_found = 1;
		} else {
			buf_adds(err, head_err.data);
		}
		buf_free(&head_err);
	} else if (!rc && !ctx.objects) {
		buf_printf(err, "nothing found at %s: no objects under s3://%s/%s; check the bucket "
			   "and the path", src->uri, src->bucket, dir);
		p->nothing_found = 1;
		rc = EXIT_NOTFOUND;
	}
	free(dir);
	return rc;
}

int plan_http(const struct source *src, struct plan *p, struct buf *err)
{
	const char *host = strstr(src->path, "://") + 3;
	const char *path = host + strcspn(host, "/");
	size_t len = strcspn(path, "?#");
	char *clean = xstrndup(path, len);
	const char *name = basename_of(clean);
	int rc = 0;

	if (!*name) {
		buf_printf(err, "%s does not name a file: initc fetches single files over http(s)",
			   src->uri);
		rc = EXIT_USAGE;
	} else if (!(rc = plan_check_relpath(name, src->uri, err))) {
		struct item *it = plan_add(p);
		it->rel = xstrdup(name), it->rel_owned = 1;
		it->key = xstrdup(src->path);
		it->etag = xstrdup("");
		it->size = -1;
	}
	free(clean);
	return rc;
}

/* Paths compare with '/' below every other byte, so "a" is followed at
 * once by every "a/..." and a file/folder clash shows in adjacent entries.
 * Items are sorted by index (4 bytes each, not a pointer): this runs at
 * the peak of a large plan. */
static int rel_cmp(const void *a, const void *b, void *arg)
{
	const struct plan *p = arg;
	const unsigned char *x = (const unsigned char *)p->v[*(const unsigned *)a].rel;
	const unsigned char *y = (const unsigned char *)p->v[*(const unsigned *)b].rel;
	for (; *x && *x == *y; x++, y++)
		;
	unsigned cx = *x == '/' ? 1 : *x ? *x + 1u : 0, cy = *y == '/' ? 1 : *y ? *y + 1u : 0;
	return (int)cx - (int)cy;
}

int plan_check_layout(const struct plan *p, const char *dest, struct buf *err)
{
	unsigned *order = xcalloc(p->n ? p->n : 1, sizeof *order);
	size_t destlen = strlen(dest);
	int rc = 0;

	for (size_t i = 0; i < p->n; i++)
		order[i] = (unsigned)i; /* S3_LIST_MAX_OBJECTS fits */
	qsort_r(order, p->n, sizeof *order, rel_cmp, (void *)p);
	for (size_t i = 0; i < p->n && !rc; i++) {
		const char *rels[2] = { p->v[order[i]].rel, i + 1 < p->n ? p->v[order[i + 1]].rel : "" };
		size_t len = strlen(rels[0]);
		if (destlen + 1 + len >= PATH_MAX) {
			buf_printf(err, "refusing \"%s\": %s/%s would be longer than the system's "
				   "path limit (%d bytes); nothing was written", rels[0], dest,
				   rels[0], PATH_MAX);
			rc = EXIT_UNSAFE;
		} else if (i + 1 < p->n && !strncmp(rels[0], rels[1], len) &&
			   (rels[1][len] == '/' || !rels[1][len])) {
			buf_printf(err, "the source holds both \"%s\" and \"%s\": one path cannot be "
				   "a file %s; nothing was written (rename one in the bucket)", rels[0],
				   rels[1], rels[1][len] ? "and a folder" : "twice");
			rc = EXIT_INTEGRITY;
		}
	}
	free(order);
	return rc;
}

/* What DEST holds at rel: 1 complete, 0 absent or different, or an exit
 * code when something there would stop the download (a folder where the
 * file goes, a symlink on the way to it). */
static int dest_holds(const struct destdir *d, const struct item *it, struct buf *err)
{
	struct stat st;
	int rc = destdir_stat(d, it->rel, &st, err);
	if (rc)
		return rc == EXIT_UNSAFE ? rc : 0;
	if (S_ISDIR(st.st_mode)) {
		buf_printf(err, "%s/%s is a folder, but the source has a file there; nothing was "
			   "written: remove it or use an empty folder", d->path, it->rel);
		return EXIT_LOCALIO;
	}
	return S_ISREG(st.st_mode) && it->size >= 0 && it->mtime && st.st_size == it->size &&
	       st.st_mtime == it->mtime;
}

int plan_mark_complete(struct plan *p, const struct destdir *d, struct buf *err)
{
	int rc = 0;
	for (size_t i = 0; i < p->n && !rc; i++) {
		struct item *it = &p->v[i];
		int held = dest_holds(d, it, err);
		if (held == 1) {
			it->skip = 1;
			p->skipped++;
			p->bytes -= it->size;
		} else if (held) {
			rc = held;
		}
	}
	return rc;
}
