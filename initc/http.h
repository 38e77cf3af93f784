/* libcurl plumbing shared by listings, small reads and the download
 * engine: one place sets timeouts, TLS and headers. */
#ifndef INITC_HTTP_H
#define INITC_HTTP_H

#include <curl/curl.h>
#include <time.h>
#include "buf.h"
#include "globals.h"
#include "s3.h"
#include "version.h"

#define INITC_USER_AGENT "initc/" INITC_VERSION

/* Timeouts, TLS verification and CA bundle, signals off, keep-alive. */
void http_easy_setup(CURL *c, const struct globals *g, int insecure);
/* "name: value" lines for libcurl; Host included (we signed it). */
struct curl_slist *http_header_list(const struct hdrs *h);

struct http_result {
	long status;
	struct buf body;           /* at most max_body bytes kept */
	long long content_length;  /* -1 when absent */
	char *etag;                /* without quotes */
	time_t last_modified;      /* 0 when absent */
};

/* Builds (and signs) the request afresh for every attempt. */
typedef void (*http_build_fn)(void *arg, struct s3_request *req);

/* Run a small request (listing page, HEAD, metadata GET) with retries on
 * transport errors and retryable statuses. Returns 0 on 2xx, else an
 * exit code with err saying what failed and what to check. what names
 * the request for messages, e.g. "list s3://bucket/prefix". */
int http_small(const struct globals *g, int insecure, const char *method, http_build_fn build,
	       void *arg, size_t max_body, const char *what, struct http_result *res,
	       struct buf *err);
void http_result_free(struct http_result *res);
/* How many times http_small() tried again, in this process. */
long long http_small_retries(void);

/* A TLS failure trying again cannot mend (untrusted or bad certificate). */
int http_is_tls_error(CURLcode rc);
#define HTTP_TLS_HINT " (TLS: set RCLONE_CA_CERT or AWS_CA_BUNDLE to the CA bundle that signed " \
	"the endpoint's certificate, or RCLONE_NO_CHECK_CERTIFICATE=true to skip verification)"

/* Exponential backoff with jitter for attempt n (0-based), in ms. */
long http_backoff_ms(int attempt);
/* An ETag without its surrounding quotes, as a new string. */
char *http_etag_unquote(const char *etag);
/* Parse an HTTP date or an ISO 8601 timestamp; 0 when unreadable. */
time_t http_parse_time(const char *s);
/* What to tell the operator for a failure class (exit code), or NULL when
 * the message itself says it. */
const char *http_hint(int exit_code);

#endif
