/* Where and how to talk S3: endpoint, addressing style, listing flavour,
 * credentials. Built from an rclone remote (s3_target_from_remote; for a
 * google cloud storage remote, its XML API: s3_target_from_gcs_remote)
 * or, when no remote matches an s3:// URI, from the variables KServe's
 * initializer reads (s3_target_from_kserve_env). */
#ifndef INITC_S3_H
#define INITC_S3_H

#include "aws_creds.h"
#include "buf.h"
#include "globals.h"
#include "rclone_config.h"
#include "sigv4.h"

struct s3_target {
	char *scheme;         /* "http" or "https" */
	char *host;           /* endpoint host[:port], port only when not default */
	char *base_path;      /* endpoint path prefix, "" or "/prefix" */
	char *region;         /* signing region */
	struct aws_creds *creds; /* NULL: anonymous, unsigned requests; else asked
				    for the current keys at every signature */
	int path_style;
	int list_version;     /* 1 or 2 */
	int list_url_encode;  /* send encoding-type=url */
	int requester_pays;
	char *sse_algorithm;  /* SSE-C, sent on GET and HEAD */
	char *sse_key_b64;
	char *sse_key_md5_b64;
	char *origin;         /* for logs: where this configuration came from */
	int insecure;         /* TLS verification off (S3_VERIFY_SSL=0) */
	int as_stored;        /* object requests say Accept-Encoding: gzip, so
				 Google Cloud Storage sends the bytes it stores
				 instead of gunzipping Content-Encoding: gzip ones */
};

/* g: the run's settings, which the credential chain's own requests (STS,
 * metadata endpoints) use too; it must outlive the target. */
int s3_target_from_remote(const struct remote *r, const struct globals *g, struct s3_target *t,
			  struct buf *err);
int s3_target_from_kserve_env(const struct globals *g, struct s3_target *t, struct buf *err);
/* A google cloud storage remote with anonymous = true: unsigned requests
 * to the XML API at https://storage.googleapis.com or the remote's
 * endpoint. Any other is EXIT_USAGE, err naming what it would use. */
int s3_target_from_gcs_remote(const struct remote *r, const struct globals *g,
			      struct s3_target *t, struct buf *err);
void s3_target_free(struct s3_target *t);
/* 0 when region can go into a host name and a signature's scope; else
 * EXIT_USAGE with err naming from (the variable it came from). */
int s3_check_region(const char *region, const char *from, struct buf *err);

/* The request header that asks S3 for an object's checksums. */
#define S3_CHECKSUM_MODE_HEADER "x-amz-checksum-mode"

/* A request ready for libcurl: signed for S3, or built by the credential
 * providers (which may carry a body). */
struct s3_request {
	struct buf url;
	struct hdrs headers;  /* includes host and authorization when signed */
	struct buf body;      /* sent when not empty */
};

/* Why requests for bucket use path style (the bucket in the path, not in
 * the host name): "configured" (provider quirk, force_path_style, KServe's
 * variables), or a bucket virtual-host addressing cannot name (dots over
 * https, not a DNS name, an IP address). NULL: virtual-host style. */
const char *s3_path_style_reason(const struct s3_target *t, const char *bucket);

/* Build and sign method on bucket/key (key may be NULL for bucket-level
 * requests) with unencoded query parameters. extra headers (may be NULL)
 * are signed too (e.g. range). sse: an object's GET or HEAD, which gets
 * the SSE-C headers and as_stored's Accept-Encoding.
 * Returns 0, or the exit code of credentials that expired and could not
 * be renewed (err says why; req is left empty). */
int s3_request_build(const struct s3_target *t, const char *method, const char *bucket,
		     const char *key, const struct kv *query, size_t nquery,
		     const struct hdrs *extra, int sse, struct s3_request *req, struct buf *err);
void s3_request_free(struct s3_request *req);

#endif
