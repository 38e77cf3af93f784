/* Transfer plans; see plan.h. */
#include "plan.h"
#include "exitcode.h"
#include "s3_list.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NAME_MAX_BYTES 255

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
		free(p->v[i].rel);
		free(p->v[i].key);
		free(p->v[i].etag);
	}
	free(p->v);
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
	struct item *it = plan_add(p);
	it->rel = xstrdup(rel);
	it->key = o->key;
	it->etag = o->etag;
	it->size = o->size;
	it->mtime = o->mtime;
	o->key = o->etag = NULL;
	p->bytes += it->size;
	return 0;
}

static const char *basename_of(const char *key)
{
	const char *slash = strrchr(key, '/');
	return slash ? slash + 1 : key;
}

static int plan_directory(struct plan *p, struct s3_objlist *l, size_t dirlen, struct buf *err)
{
	for (size_t i = 0; i < l->n; i++) {
		struct s3_object *o = &l->v[i];
		const char *rel = o->key + dirlen;
		size_t rlen = strlen(rel);
		if (rlen && rel[rlen - 1] == '/' && o->size == 0)
			continue; /* a "folder" marker object, not a file */
		int rc = add_object(p, o, rel, err);
		if (rc)
			return rc;
	}
	return 0;
}

int plan_s3(const struct globals *g, const struct s3_target *t, const struct source *src,
	    struct plan *p, struct buf *err)
{
	struct s3_objlist l = { 0 };
	size_t plen = strlen(src->prefix);
	int is_dir = !plen || src->prefix[plen - 1] == '/';
	char *dir = is_dir ? xstrdup(src->prefix) : xasprintf("%s/", src->prefix);
	int rc = s3_list(g, t, src->bucket, dir, 0, &l, err);

	if (!rc && l.n) {
		rc = plan_directory(p, &l, strlen(dir), err);
	} else if (!rc && !is_dir) {
		struct s3_object o;
		struct buf head_err = BUF_INIT;
		rc = s3_head(g, t, src->bucket, src->prefix, &o, &head_err);
		if (!rc) {
			rc = add_object(p, &o, basename_of(src->prefix), err);
			s3_object_free(&o);
		} else if (rc == EXIT_NOTFOUND) {
			buf_printf(err, "nothing found at %s: no object s3://%s/%s and no objects under "
				   "s3://%s/%s; check the bucket and the path", src->uri, src->bucket,
				   src->prefix, src->bucket, dir);
		} else {
			buf_adds(err, head_err.data);
		}
		buf_free(&head_err);
	} else if (!rc) {
		buf_printf(err, "nothing found at %s: no objects under s3://%s/%s; check the bucket "
			   "and the path", src->uri, src->bucket, dir);
		rc = EXIT_NOTFOUND;
	}
	s3_objlist_free(&l);
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
		it->rel = xstrdup(name);
		it->key = xstrdup(src->path);
		it->etag = xstrdup("");
		it->size = -1;
	}
	free(clean);
	return rc;
}

void plan_mark_complete(struct plan *p, const char *dest)
{
	for (size_t i = 0; i < p->n; i++) {
		struct item *it = &p->v[i];
		struct stat st;
		char *path = xasprintf("%s/%s", dest, it->rel);
		if (it->size >= 0 && it->mtime && !stat(path, &st) && S_ISREG(st.st_mode) &&
		    st.st_size == it->size && st.st_mtime == it->mtime) {
			it->skip = 1;
			p->skipped++;
			p->bytes -= it->size;
		}
		free(path);
	}
}
