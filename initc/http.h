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
	char *retry_after;         /* the Retry-After header as sent, NULL when absent */
	struct hdrs amz;           /* the x-amz-* headers (checksums, encryption, parts) */
};

/* Builds (and signs) the request afresh for every attempt; an exit code
 * with err filled when it cannot (credentials that could not be renewed),
 * which ends the request without another attempt. */
typedef int (*http_build_fn)(void *arg, struct s3_request *req, struct buf *err);

/* Run a small request (listing page, HEAD, metadata GET) with retries on
 * what http_classify calls retryable, waiting http_retry_wait_ms between
 * attempts (so a Retry-After is honoured). Returns 0 on 2xx, else an
 * exit code with err saying what failed and what to check. what names
 * the request for messages, e.g. "list s3://bucket/prefix". */
int http_small(const struct globals *g, int insecure, const char *method, http_build_fn build,
	       void *arg, size_t max_body, const char *what, struct http_result *res,
	       struct buf *err);
/* The same without the hint about the store's keys and endpoint that
 * http_small adds to a failure: for requests to other services (STS,
 * the metadata endpoints), whose callers say what to check. A request
 * body travels in the s3_request; methods other than GET, HEAD and POST
 * are sent as they are named (PUT). */
int http_request(const struct globals *g, int insecure, const char *method, http_build_fn build,
		 void *arg, size_t max_body, const char *what, struct http_result *res,
		 struct buf *err);
void http_result_free(struct http_result *res);
/* How many times http_small() tried again, in this process. */
long long http_small_retries(void);

/* What one attempt came to, and what to do about it. */
struct http_outcome {
	int code;             /* exit code (common/exitcode.h), 0 = success */
	int retryable;        /* trying again may help */
	long retry_after_ms;  /* the answer's Retry-After, at most HTTP_RETRY_AFTER_MAX_MS;
				 -1 when there was none (or it was unreadable) */
};

/* Classify one finished attempt: the one place that decides what a
 * transport error or an HTTP status means, for listings, HEADs, small
 * GETs and the download engine alike.
 *   rc, curl_errbuf  curl_easy_perform's result and CURLOPT_ERRORBUFFER
 *                    ("" or NULL when unset)
 *   status           CURLINFO_RESPONSE_CODE; ignored unless rc is CURLE_OK
 *   body, body_len   the answer's body (S3's <Error> XML), may be NULL
 *   retry_after      the Retry-After header's value, NULL when absent
 *   what             names the request, e.g. "list s3 bucket b prefix \"p\""
 * Fills out, and why (emptied first) with one line for the log:
 * "<what>: HTTP 403 AccessDenied: <S3's message>" or "<what>: <curl's
 * error>", plus HTTP_TLS_HINT when the certificate was refused; empty on
 * success. 2xx with CURLE_OK is success. Transport errors are
 * EXIT_NETWORK, retryable unless the certificate was refused or the URL
 * itself is wrong; statuses follow s3_error_class. Returns out->code. */
int http_classify(CURLcode rc, const char *curl_errbuf, long status, const char *body,
		  size_t body_len, const char *retry_after, const char *what,
		  struct http_outcome *out, struct buf *why);

/* The longest wait a Retry-After gets: the init container must fail with
 * a message, not sleep for as long as a server asks. */
#define HTTP_RETRY_AFTER_MAX_MS 60000L

/* How long to wait before attempt + 1 (attempt counts from 0, the one
 * that failed): the exponential backoff with jitter, or the server's
 * Retry-After when that is longer, plus up to a tenth more so that pods
 * told the same time do not all come back at once. Hence at most
 * 1.1 x HTTP_RETRY_AFTER_MAX_MS. o may be NULL (no Retry-After). */
long http_retry_wait_ms(int attempt, const struct http_outcome *o);

/* A Retry-After value in ms: delta-seconds ("120") or an HTTP-date
 * (against now), capped at HTTP_RETRY_AFTER_MAX_MS; a date in the past
 * is 0. -1 when value is NULL or neither. */
long http_retry_after_ms(const char *value, time_t now);

/* A certificate the peer sent, or the one we were to send, was refused:
 * a failure trying again cannot mend. CURLE_SSL_CONNECT_ERROR is one only
 * when curl's error text (errbuf, may be NULL) says so; otherwise it is a
 * handshake cut short (reset, EOF), a network error. */
int http_tls_verify_failed(CURLcode rc, const char *errbuf);
#define HTTP_TLS_HINT " (TLS: set RCLONE_CA_CERT or AWS_CA_BUNDLE to the CA bundle that signed " \
	"the endpoint's certificate, or RCLONE_NO_CHECK_CERTIFICATE=true to skip verification)"

/* Exponential backoff with jitter for attempt n (0-based), in ms:
 * 100..200 ms doubling up to 6.4..12.8 s. http_retry_wait_ms adds the
 * server's Retry-After; call that. */
long http_backoff_ms(int attempt);
/* An ETag without its surrounding quotes, as a new string. */
char *http_etag_unquote(const char *etag);
/* Parse an HTTP date or an ISO 8601 timestamp; 0 when unreadable. */
time_t http_parse_time(const char *s);
/* Text a server sent (an error's code or message), redacted first, then
 * cut to max bytes, appended to out: the one way server text enters a
 * message, so a secret the server echoed (a token in an STS error) leaves
 * no piece of itself at the cut. */
void http_add_server_text(struct buf *out, const char *text, size_t max);
/* The cut for an error's code and message. */
#define HTTP_SERVER_TEXT_MAX 1024

/* What to tell the operator for a failure class (exit code), or NULL when
 * the message itself says it. */
const char *http_hint(int exit_code);
/* What http_hint says for EXIT_AUTH from now on: the credential chain
 * names the identity it found (the role assumed through web identity,
 * the instance role...), whose policy is what to check, not the keys in
 * an rclone secret. NULL restores the default. The string is copied. */
void http_set_auth_hint(const char *hint);

#endif
