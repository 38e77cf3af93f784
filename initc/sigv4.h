/* AWS Signature Version 4, S3 flavour (FACTS §3): paths are encoded once
 * and never normalised, the payload hash travels in x-amz-content-sha256,
 * host carries its port when it is not the scheme's default. The caller
 * sends exactly the path, query and headers that were signed. */
#ifndef INITC_SIGV4_H
#define INITC_SIGV4_H

#include <stddef.h>
#include <time.h>
#include "buf.h"
#include "rclone_config.h"   /* struct kv */

#define SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct hdr {
	char *name;   /* lower-case */
	char *value;
};

struct hdrs {
	struct hdr *v;
	size_t n;
};

void hdrs_set(struct hdrs *h, const char *name, const char *value);
const char *hdrs_get(const struct hdrs *h, const char *name);
void hdrs_free(struct hdrs *h);

struct sigv4_key {
	const char *access_key;
	const char *secret_key;
	const char *session_token;  /* NULL when none */
	const char *region;
	const char *service;        /* "s3" */
};

/* Percent-encode every byte but A-Za-z0-9-._~ (and '/' when keep_slash),
 * upper-case hex: the one encoding S3 signs and expects on the wire. */
void sigv4_encode(struct buf *out, const char *s, size_t len, int keep_slash);

/* "a=1&b=" from unencoded pairs: each name and value encoded, sorted. */
void sigv4_query(struct buf *out, const struct kv *params, size_t n);

/* The canonical request for the current headers (exposed for tests). */
void sigv4_canonical_request(struct buf *out, const char *method, const char *path,
			     const char *query, const struct hdrs *h, struct buf *signed_names);

/* Add x-amz-date, x-amz-content-sha256 (when absent), x-amz-security-token
 * and authorization to h, which must already hold "host" and every other
 * header to sign. path and query are already encoded. */
void sigv4_sign(const struct sigv4_key *key, const char *method, const char *path,
		const char *query, struct hdrs *h, time_t now);

#endif
