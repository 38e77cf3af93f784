/* S3 listings: ListObjects (V1 and V2) pages parsed with expat, the
 * listing loop with pagination, and HEAD and small GETs of one object. */
#ifndef INITC_S3_LIST_H
#define INITC_S3_LIST_H

#include <stddef.h>
#include <time.h>
#include "buf.h"
#include "globals.h"
#include "http.h"
#include "s3.h"

/* Limits against hostile listings. */
#define S3_LIST_MAX_PAGE_BYTES (64u << 20)
#define S3_LIST_MAX_KEY_BYTES 4096
#define S3_LIST_MAX_OBJECTS 10000000

struct s3_object {
	char *key;
	long long size;
	char *etag;       /* without quotes, "" when absent */
	time_t mtime;
};

struct s3_objlist {
	struct s3_object *v;
	size_t n, cap;
};

struct s3_page {
	int truncated;
	char *next_token;   /* V2 NextContinuationToken or V1 NextMarker */
	int url_encoded;    /* EncodingType was url: keys were decoded */
};

/* Parse one ListBucketResult page, appending objects to out. Returns 0 or
 * -1 with err filled (malformed XML, limits). */
int s3_parse_list_page(const char *xml, size_t len, struct s3_objlist *out,
		       struct s3_page *page, struct buf *err);

/* Called with each page's objects (may be taken: set page->n = 0 after
 * moving them); a non-zero return stops the listing with that code. */
typedef int (*s3_page_fn)(struct s3_objlist *page, void *arg, struct buf *err);
/* List every object under prefix, a page at a time, so a large listing is
 * never held twice. max_objects 0 = no limit besides S3_LIST_MAX_OBJECTS. */
int s3_list_pages(const struct globals *g, const struct s3_target *t, const char *bucket,
		  const char *prefix, size_t max_objects, s3_page_fn fn, void *arg,
		  struct buf *err);
/* List every object under prefix (all pages). max_objects 0 = no limit
 * besides S3_LIST_MAX_OBJECTS. Returns 0 or an exit code. */
int s3_list(const struct globals *g, const struct s3_target *t, const char *bucket,
	    const char *prefix, size_t max_objects, struct s3_objlist *out, struct buf *err);
/* The one way a HEAD of an object is built and signed: part > 0 asks for
 * that part of a multipart upload (?partNumber), sums asks for the S3
 * checksums (x-amz-checksum-mode). 0, or the exit code of credentials
 * that could not be renewed. fetch.c runs it in its own loop. */
int s3_head_build(const struct s3_target *t, const char *bucket, const char *key, long long part,
		  int sums, struct s3_request *req, struct buf *err);
/* That HEAD run with http_small's retries; res is the caller's to free. */
int s3_head_run(const struct globals *g, const struct s3_target *t, const char *bucket,
		const char *key, long long part, int sums, struct http_result *res,
		struct buf *err);
/* HEAD one object. Returns 0, EXIT_NOTFOUND, or another exit code. */
int s3_head(const struct globals *g, const struct s3_target *t, const char *bucket,
	    const char *key, struct s3_object *out, struct buf *err);
/* GET a small object whole (at most max bytes). */
int s3_get_small(const struct globals *g, const struct s3_target *t, const char *bucket,
		 const char *key, size_t max, struct buf *out, struct buf *err);

void s3_objlist_free(struct s3_objlist *l);
void s3_object_free(struct s3_object *o);

#endif
