/* S3 listing pages parsed with expat, and listing with pagination; see
 * s3_list.h. */
#include "s3_list.h"
#include "exitcode.h"
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Elements whose text we keep, by their depth-independent local name. */
enum field { F_NONE, F_KEY, F_SIZE, F_ETAG, F_MTIME, F_TRUNCATED, F_NEXT_TOKEN,
	     F_NEXT_MARKER, F_ENCODING };

static const struct { const char *name; enum field field; } fields[] = {
	{ "Key", F_KEY }, { "Size", F_SIZE }, { "ETag", F_ETAG },
	{ "LastModified", F_MTIME }, { "IsTruncated", F_TRUNCATED },
	{ "NextContinuationToken", F_NEXT_TOKEN }, { "NextMarker", F_NEXT_MARKER },
	{ "EncodingType", F_ENCODING },
};

struct parse_state {
	XML_Parser parser;
	struct s3_objlist *out;
	struct s3_page *page;
	int depth;
	int in_contents;       /* inside <Contents> (not <CommonPrefixes>) */
	enum field field;
	struct buf text;
	struct s3_object cur;
	struct buf next_marker;
	struct buf failure;
};

static const char *local_name(const char *name)
{
	const char *sep = strrchr(name, ' '); /* namespace separator */
	return sep ? sep + 1 : name;
}

static void XMLCALL on_start(void *arg, const char *name, const char **attrs)
{
	struct parse_state *st = arg;
	(void)attrs;
	name = local_name(name);
	st->depth++;
	buf_reset(&st->text);
	st->field = F_NONE;
	if (!strcmp(name, "Contents") && st->depth == 2) {
		st->in_contents = 1;
		/* fields met outside any <Contents> (a top-level <Size>) are
		 * not this object's */
		s3_object_free(&st->cur);
		return;
	}
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (!strcmp(name, fields[i].name))
			st->field = fields[i].field;
}

static void XMLCALL on_text(void *arg, const char *s, int len)
{
	struct parse_state *st = arg;
	if (st->field == F_NONE)
		return;
	if (st->text.len + (size_t)len > S3_LIST_MAX_KEY_BYTES) {
		buf_reset(&st->failure);
		buf_printf(&st->failure, "an element of the listing is longer than %d bytes",
			   S3_LIST_MAX_KEY_BYTES);
		XML_StopParser(st->parser, XML_FALSE);
		return;
	}
	buf_add(&st->text, s, (size_t)len);
}

/* '+' is a space and %XX a byte, as S3 writes keys with encoding-type=url.
 * NULL for %00: a C string (and a file name) cannot hold that byte, and
 * cutting the key there would fetch another object than the one listed. */
static char *url_decode(const char *s)
{
	struct buf out = BUF_INIT;
	for (; *s; s++) {
		if (*s == '+') {
			buf_addc(&out, ' ');
		} else if (*s == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			char hex[3] = { s[1], s[2], 0 };
			char byte = (char)strtol(hex, NULL, 16);
			if (!byte) {
				buf_free(&out);
				return NULL;
			}
			buf_addc(&out, byte);
			s += 2;
		} else {
			buf_addc(&out, *s);
		}
	}
	return buf_steal(&out);
}

static void push_object(struct parse_state *st)
{
	struct s3_objlist *l = st->out;
	if (!st->cur.key) {
		s3_object_free(&st->cur);
		return;
	}
	if (!st->cur.etag)
		st->cur.etag = xstrdup("");
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = st->cur;
	memset(&st->cur, 0, sizeof st->cur);
}

static void set_field(struct parse_state *st, enum field f, const char *text)
{
	struct s3_object *o = &st->cur;
	switch (f) {
	case F_KEY:
		if (st->in_contents) {
			free(o->key);
			o->key = xstrdup(text);
		}
		break;
	case F_SIZE: {
		char *end;
		errno = 0;
		o->size = strtoll(text, &end, 10);
		if (end == text || *end || o->size < 0 || errno) {
			buf_reset(&st->failure);
			buf_printf(&st->failure, "an object has an invalid Size \"%.64s\"", text);
			XML_StopParser(st->parser, XML_FALSE);
		}
		break;
	}
	case F_ETAG:
		free(o->etag);
		o->etag = http_etag_unquote(text);
		break;
	case F_MTIME:
		o->mtime = http_parse_time(text);
		break;
	case F_TRUNCATED:
		st->page->truncated = !strcmp(text, "true");
		break;
	case F_NEXT_TOKEN:
		free(st->page->next_token);
		st->page->next_token = xstrdup(text);
		break;
	case F_NEXT_MARKER:
		buf_reset(&st->next_marker);
		buf_adds(&st->next_marker, text);
		break;
	case F_ENCODING:
		st->page->url_encoded = !strcmp(text, "url");
		break;
	case F_NONE:
		break;
	}
}

static void XMLCALL on_end(void *arg, const char *name)
{
	struct parse_state *st = arg;
	name = local_name(name);
	int object_field = st->in_contents && st->depth == 3;
	int top_field = !st->in_contents && st->depth == 2;
	if (st->field != F_NONE && (object_field || top_field))
		set_field(st, st->field, st->text.data ? st->text.data : "");
	st->field = F_NONE;
	if (!strcmp(name, "Contents") && st->depth == 2 && st->in_contents) {
		st->in_contents = 0;
		if (st->out->n >= S3_LIST_MAX_OBJECTS) {
			buf_reset(&st->failure);
			buf_printf(&st->failure, "the listing has more than %d objects",
				   S3_LIST_MAX_OBJECTS);
			XML_StopParser(st->parser, XML_FALSE);
		}
		push_object(st);
	}
	st->depth--;
}

static int parse_xml(struct parse_state *st, const char *xml, size_t len, struct buf *err)
{
	int ok;
	st->parser = XML_ParserCreateNS(NULL, ' ');
	XML_SetUserData(st->parser, st);
	XML_SetElementHandler(st->parser, on_start, on_end);
	XML_SetCharacterDataHandler(st->parser, on_text);
	ok = XML_Parse(st->parser, xml, (int)len, XML_TRUE) == XML_STATUS_OK;
	if (!ok) {
		if (st->failure.len)
			buf_printf(err, "bad listing: %s", st->failure.data);
		else
			buf_printf(err, "malformed XML in the listing at line %lu column %lu: %s",
				   (unsigned long)XML_GetCurrentLineNumber(st->parser),
				   (unsigned long)XML_GetCurrentColumnNumber(st->parser) + 1,
				   XML_ErrorString(XML_GetErrorCode(st->parser)));
	}
	XML_ParserFree(st->parser);
	s3_object_free(&st->cur);
	buf_free(&st->text);
	buf_free(&st->failure);
	return ok ? 0 : -1;
}

int s3_parse_list_page(const char *xml, size_t len, struct s3_objlist *out,
		       struct s3_page *page, struct buf *err)
{
	struct parse_state st = { .out = out, .page = page };
	size_t first = out->n;

	memset(page, 0, sizeof *page);
	if (len > S3_LIST_MAX_PAGE_BYTES) {
		buf_printf(err, "bad listing: a page is larger than %u bytes", S3_LIST_MAX_PAGE_BYTES);
		return -1;
	}
	int rc = parse_xml(&st, xml, len, err);
	if (!rc && !page->next_token && st.next_marker.len) /* V1 markers are encoded too */
		page->next_token = page->url_encoded ? url_decode(st.next_marker.data) :
			xstrdup(st.next_marker.data);
	buf_free(&st.next_marker);
	for (size_t i = first; !rc && page->url_encoded && i < out->n; i++) {
		char *decoded = url_decode(out->v[i].key);
		if (!decoded) {
			buf_printf(err, "bad listing: key \"%.200s\" encodes a NUL byte (%%00), which "
				   "no file name can hold; rename the object in the bucket",
				   out->v[i].key);
			rc = -1;
			break;
		}
		free(out->v[i].key);
		out->v[i].key = decoded;
	}
	if (rc) { /* a failed page hands nothing back (s3_list drops it) */
		free(page->next_token);
		page->next_token = NULL;
	}
	return rc;
}

void s3_object_free(struct s3_object *o)
{
	free(o->key);
	free(o->etag);
	memset(o, 0, sizeof *o);
}

void s3_objlist_free(struct s3_objlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		s3_object_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* ---- requests ------------------------------------------------------------ */

struct list_req {
	const struct s3_target *t;
	const char *bucket;
	const char *prefix;
	const char *token;   /* continuation token (V2) or marker (V1) */
	const char *key;     /* for HEAD/GET */
	const char *method;
	size_t max_keys;
};

static int build_list(void *arg, struct s3_request *req, struct buf *err)
{
	struct list_req *lr = arg;
	struct kv q[5];
	size_t n = 0;
	char maxkeys[24];

	snprintf(maxkeys, sizeof maxkeys, "%zu", lr->max_keys);
	if (lr->t->list_version == 2)
		q[n++] = (struct kv){ "list-type", "2" };
	q[n++] = (struct kv){ "prefix", (char *)lr->prefix };
	q[n++] = (struct kv){ "max-keys", maxkeys };
	if (lr->token)
		q[n++] = (struct kv){ lr->t->list_version == 2 ? "continuation-token" : "marker",
				      (char *)lr->token };
	if (lr->t->list_url_encode)
		q[n++] = (struct kv){ "encoding-type", "url" };
	return s3_request_build(lr->t, "GET", lr->bucket, NULL, q, n, NULL, 0, req, err);
}

/* Keep every page: the whole listing in one list. */
static int append_page(struct s3_objlist *page, void *arg, struct buf *err)
{
	struct s3_objlist *out = arg;
	(void)err;
	for (size_t i = 0; i < page->n; i++) {
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 1024;
			out->v = xrealloc(out->v, out->cap * sizeof *out->v);
		}
		out->v[out->n++] = page->v[i];
	}
	page->n = 0; /* moved */
	return 0;
}

int s3_list(const struct globals *g, const struct s3_target *t, const char *bucket,
	    const char *prefix, size_t max_objects, struct s3_objlist *out, struct buf *err)
{
	return s3_list_pages(g, t, bucket, prefix, max_objects, append_page, out, err);
}

int s3_list_pages(const struct globals *g, const struct s3_target *t, const char *bucket,
		  const char *prefix, size_t max_objects, s3_page_fn fn, void *arg,
		  struct buf *err)
{
	struct list_req lr = { t, bucket, prefix, NULL, NULL, "GET", 1000 };
	char *what = xasprintf("list s3 bucket %s prefix \"%s\"", bucket, prefix);
	char *token = NULL, *last_key = NULL;
	size_t seen = 0;
	int rc = 0;

	if (max_objects && max_objects < lr.max_keys)
		lr.max_keys = max_objects;
	for (;;) {
		struct http_result res;
		struct s3_page page;
		struct s3_objlist objects = { 0 };
		lr.token = token;
		rc = http_small(g, t->insecure, "GET", build_list, &lr, S3_LIST_MAX_PAGE_BYTES + 1,
				what, &res, err);
		if (!rc && s3_parse_list_page(res.body.data, res.body.len, &objects, &page, err))
			rc = EXIT_INTEGRITY;
		http_result_free(&res);
		if (!rc && seen + objects.n > S3_LIST_MAX_OBJECTS) {
			buf_printf(err, "%s: the listing has more than %d objects", what,
				   S3_LIST_MAX_OBJECTS);
			rc = EXIT_INTEGRITY;
		}
		if (!rc && objects.n) {
			seen += objects.n;
			free(last_key);
			last_key = xstrdup(objects.v[objects.n - 1].key);
			rc = fn(&objects, arg, err);
		}
		s3_objlist_free(&objects);
		if (rc)
			break;
		if (!page.truncated || (max_objects && seen >= max_objects)) {
			free(page.next_token);
			break;
		}
		/* V1 without NextMarker continues after the last key seen */
		char *next = page.next_token ? page.next_token : last_key ? xstrdup(last_key) : NULL;
		if (!next) {
			buf_printf(err, "%s: the listing says it is truncated but gives no way to "
				   "continue", what);
			rc = EXIT_INTEGRITY;
			break;
		}
		if (token && !strcmp(next, token)) { /* else the same page forever */
			buf_printf(err, "%s: the continuation token did not change between pages "
				   "(\"%.100s\"): the listing would never end", what, next);
			free(next);
			rc = EXIT_INTEGRITY;
			break;
		}
		free(token);
		token = next;
	}
	free(token);
	free(last_key);
	free(what);
	return rc;
}

static int build_object(void *arg, struct s3_request *req, struct buf *err)
{
	struct list_req *lr = arg;
	return s3_request_build(lr->t, lr->method, lr->bucket, lr->key, NULL, 0, NULL, 1, req, err);
}

int s3_head_build(const struct s3_target *t, const char *bucket, const char *key, long long part,
		  int sums, struct s3_request *req, struct buf *err)
{
	struct hdrs extra = { 0 };
	char number[24];
	struct kv q = { "partNumber", number };
	snprintf(number, sizeof number, "%lld", part);
	if (sums)
		hdrs_set(&extra, S3_CHECKSUM_MODE_HEADER, "ENABLED");
	int rc = s3_request_build(t, "HEAD", bucket, key, part ? &q : NULL, part ? 1 : 0,
				  sums ? &extra : NULL, 1, req, err);
	hdrs_free(&extra);
	return rc;
}

struct head_req {
	const struct s3_target *t;
	const char *bucket, *key;
	long long part;
	int sums;
};

static int build_head(void *arg, struct s3_request *req, struct buf *err)
{
	struct head_req *h = arg;
	return s3_head_build(h->t, h->bucket, h->key, h->part, h->sums, req, err);
}

int s3_head_run(const struct globals *g, const struct s3_target *t, const char *bucket,
		const char *key, long long part, int sums, struct http_result *res,
		struct buf *err)
{
	struct head_req h = { t, bucket, key, part, sums };
	char *what = part ? xasprintf("HEAD s3://%s/%s part %lld", bucket, key, part) :
			    xasprintf("HEAD s3://%s/%s", bucket, key);
	int rc = http_small(g, t->insecure, "HEAD", build_head, &h, 1 << 16, what, res, err);
	free(what);
	return rc;
}

int s3_head(const struct globals *g, const struct s3_target *t, const char *bucket,
	    const char *key, struct s3_object *out, struct buf *err)
{
	struct http_result res;
	int rc = s3_head_run(g, t, bucket, key, 0, 0, &res, err);

	if (!rc) {
		memset(out, 0, sizeof *out);
		out->key = xstrdup(key);
		out->size = res.content_length;
		out->etag = xstrdup(res.etag ? res.etag : "");
		out->mtime = res.last_modified;
	}
	http_result_free(&res);
	return rc;
}

int s3_get_small(const struct globals *g, const struct s3_target *t, const char *bucket,
		 const char *key, size_t max, struct buf *out, struct buf *err)
{
	struct list_req lr = { t, bucket, NULL, NULL, key, "GET", 0 };
	struct http_result res;
	char *what = xasprintf("GET s3://%s/%s", bucket, key);
	int rc = http_small(g, t->insecure, "GET", build_object, &lr, max, what, &res, err);

	if (!rc) {
		buf_reset(out);
		buf_add(out, res.body.data ? res.body.data : "", res.body.len);
	}
	http_result_free(&res);
	free(what);
	return rc;
}
