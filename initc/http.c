/* libcurl setup and small requests with retries; see http.h. */
#include "http.h"
#include "exitcode.h"
#include "log.h"
#include "s3_error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

void http_easy_setup(CURL *c, const struct globals *g, int insecure)
{
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, INITC_USER_AGENT);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)g->contimeout_ms);
	if (g->timeout_ms > 0) { /* a stall: less than 1 byte/s for the idle timeout */
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)((g->timeout_ms + 999) / 1000));
	}
	if (g->total_ms > 0) /* a drip is no stall: a bound on the whole attempt */
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)g->total_ms);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* send the path we signed: libcurl would otherwise fold "/./" and
	 * "/../" segments (legal in S3 keys) and the signature would not match */
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (g->no_check_certificate || insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (g->ca_file) {
		curl_easy_setopt(c, CURLOPT_CAINFO, g->ca_file);
	}
}

struct curl_slist *http_header_list(const struct hdrs *h)
{
	struct curl_slist *list = NULL;
	for (size_t i = 0; i < h->n; i++) {
		/* "name:" with nothing after it tells libcurl to send no such header */
		char *line = *h->v[i].value ? xasprintf("%s: %s", h->v[i].name, h->v[i].value) :
					      xasprintf("%s:", h->v[i].name);
		list = curl_slist_append(list, line);
		free(line);
	}
	return list;
}

/* Verification failures, whatever the error text says. */
static const CURLcode cert_refused[] = {
	CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
	CURLE_SSL_ISSUER_ERROR,
};

/* CURLE_SSL_CONNECT_ERROR covers any failed handshake: with OpenSSL a
 * refused certificate reads "... alert bad certificate", "... alert
 * unknown ca", "certificate verify failed"; a reset reads "Connection
 * reset by peer" or "SSL_ERROR_SYSCALL". */
static const char *const cert_refused_text[] = { "certificate", "unknown ca" };

/* OpenSSL's words when the server answers a TLS hello in plain HTTP: an
 * https:// endpoint on an http port. Retrying cannot mend that. */
static const char *const plain_http_text[] = { "wrong version number", "packet length too long" };
#define PLAIN_HTTP_HINT " (the endpoint answers plain HTTP: use http:// in the endpoint, or the " \
	"port that serves HTTPS)"

/* Does a handshake failure's text contain one of these words? */
static int handshake_says(CURLcode rc, const char *errbuf, const char *const *words, size_t n)
{
	if (rc != CURLE_SSL_CONNECT_ERROR || !errbuf)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcasestr(errbuf, words[i]))
			return 1;
	return 0;
}

/* Transport errors in our own request, which no retry mends. */
static const CURLcode request_wrong[] = { CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT };

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

static int code_in(CURLcode rc, const CURLcode *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rc == set[i])
			return 1;
	return 0;
}

int http_tls_verify_failed(CURLcode rc, const char *errbuf)
{
	return code_in(rc, cert_refused, COUNT(cert_refused)) ||
	       handshake_says(rc, errbuf, cert_refused_text, COUNT(cert_refused_text));
}

/* splitmix64: spreads a weak seed over all 64 bits. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A draw in [0, n], from getrandom(2) each time. Not rand(): unseeded it
 * gives every pod the same waits, and seeded once a forked child would
 * still share its parent's sequence; pods that failed together would
 * retry together. Before the kernel's pool is ready (GRND_NONBLOCK fails)
 * the clock and pid stand in: jitter needs spread, not secrecy. */
static long jitter(long n)
{
	uint64_t r;
	if (n <= 0)
		return 0;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		r = mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
			  ((uint64_t)getpid() << 16));
	}
	return (long)(r % ((uint64_t)n + 1));
}

long http_backoff_ms(int attempt)
{
	long base = 200L << (attempt < 6 ? attempt : 6);   /* 200 ms .. 12.8 s */
	return base / 2 + jitter(base / 2);
}

static long seconds_capped(unsigned long long secs)
{
	return secs < HTTP_RETRY_AFTER_MAX_MS / 1000 ? (long)secs * 1000 : HTTP_RETRY_AFTER_MAX_MS;
}

long http_retry_after_ms(const char *value, time_t now)
{
	if (!value)
		return -1;
	value += strspn(value, " \t");
	size_t digits = strspn(value, "0123456789");
	if (digits && !value[digits + strspn(value + digits, " \t")]) /* delta-seconds */
		return seconds_capped(strtoull(value, NULL, 10)); /* ULLONG_MAX on overflow */
	time_t when = digits ? 0 : http_parse_time(value);
	if (!when)
		return -1;
	return when <= now ? 0 : seconds_capped((unsigned long long)(when - now));
}

long http_retry_wait_ms(int attempt, const struct http_outcome *o)
{
	long wait = http_backoff_ms(attempt);
	long asked = o ? o->retry_after_ms : -1;
	if (asked > HTTP_RETRY_AFTER_MAX_MS)
		asked = HTTP_RETRY_AFTER_MAX_MS;
	/* the server knows its load; our schedule only when it asks for less */
	if (asked > wait)
		wait = asked + jitter(asked / 10);
	return wait;
}

int http_classify(CURLcode rc, const char *curl_errbuf, long status, const char *body,
		  size_t body_len, const char *retry_after, const char *what,
		  struct http_outcome *out, struct buf *why)
{
	buf_reset(why);
	out->code = 0;
	out->retryable = 0;
	out->retry_after_ms = -1;
	if (rc != CURLE_OK) {
		int tls = http_tls_verify_failed(rc, curl_errbuf);
		int plain = handshake_says(rc, curl_errbuf, plain_http_text, COUNT(plain_http_text));
		buf_printf(why, "%s: %s%s", what, curl_errbuf && *curl_errbuf ? curl_errbuf :
			   curl_easy_strerror(rc), tls ? HTTP_TLS_HINT : plain ? PLAIN_HTTP_HINT : "");
		out->code = EXIT_NETWORK;
		out->retryable = !tls && !plain && !code_in(rc, request_wrong, COUNT(request_wrong));
		return out->code;
	}
	if (status >= 200 && status < 300)
		return 0;
	struct s3_error e = { BUF_INIT, BUF_INIT };
	s3_parse_error(body, body_len, &e);
	out->code = s3_error_class((int)status, e.code.len ? e.code.data : NULL, &out->retryable);
	out->retry_after_ms = http_retry_after_ms(retry_after, time(NULL));
	buf_printf(why, "%s: HTTP %ld", what, status);
	if (e.code.len) {
		buf_addc(why, ' ');
		http_add_server_text(why, e.code.data, HTTP_SERVER_TEXT_MAX);
	}
	if (e.message.len) {
		buf_adds(why, ": ");
		http_add_server_text(why, e.message.data, HTTP_SERVER_TEXT_MAX);
	}
	s3_error_free(&e);
	return out->code;
}

void http_add_server_text(struct buf *out, const char *text, size_t max)
{
	char *cut = xmalloc(max + 1);
	log_redact(cut, max + 1, text ? text : ""); /* redacts as it copies, stops at max */
	buf_adds(out, cut);
	free(cut);
}

char *http_etag_unquote(const char *etag)
{
	size_t len = strlen(etag);
	return len >= 2 && etag[0] == '"' && etag[len - 1] == '"' ? xstrndup(etag + 1, len - 2) :
								  xstrdup(etag);
}

time_t http_parse_time(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) || strptime(s, "%a, %d %b %Y %H:%M:%S", &tm))
		return timegm(&tm);
	return 0;
}

/* Per thread, as the counter below: each `initc rcd` copy is a run of its own. */
static _Thread_local char *auth_hint; /* http_set_auth_hint's, NULL for the default */

void http_set_auth_hint(const char *hint)
{
	free(auth_hint);
	auth_hint = hint ? xstrdup(hint) : NULL;
}

const char *http_hint(int exit_code)
{
	switch (exit_code) {
	case EXIT_AUTH:
		if (auth_hint)
			return auth_hint;
		return "check the access key, secret key and region in the secret "
		       "(RCLONE_CONFIG_<REMOTE>_ACCESS_KEY_ID, _SECRET_ACCESS_KEY, _REGION)";
	case EXIT_NOTFOUND:
		return "check the bucket and path in the model URI";
	case EXIT_NETWORK:
		return "check the endpoint (RCLONE_CONFIG_<REMOTE>_ENDPOINT) and that the store is "
		       "reachable from the pod";
	default:
		return NULL; /* the message itself says what to do */
	}
}

static _Thread_local long long small_retries; /* for the summary line: listings, HEADs */

long long http_small_retries(void)
{
	return small_retries;
}

struct small_ctx {
	struct http_result *res;
	size_t max_body;
	int too_big;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct small_ctx *ctx = arg;
	size_t len = size * n;
	if (ctx->res->body.len + len > ctx->max_body) {
		ctx->too_big = 1;
		return 0; /* larger than we agreed to hold: abort */
	}
	buf_add(&ctx->res->body, data, len);
	return len;
}

static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
	struct http_result *res = arg;
	size_t len = size * n;
	char *copy = xstrndup(line, len), *colon = strchr(copy, ':');
	if (colon) {
		char *v = colon + 1;
		*colon = '\0';
		while (*v == ' ')
			v++;
		v[strcspn(v, "\r\n")] = '\0';
		if (!strcasecmp(copy, "etag")) {
			free(res->etag);
			res->etag = http_etag_unquote(v);
		} else if (!strcasecmp(copy, "content-length")) {
			res->content_length = strtoll(v, NULL, 10);
		} else if (!strcasecmp(copy, "last-modified")) {
			res->last_modified = http_parse_time(v);
		} else if (!strcasecmp(copy, "retry-after")) {
			free(res->retry_after);
			res->retry_after = xstrdup(v);
		} else if (!strncasecmp(copy, "x-amz-", 6)) {
			hdrs_set(&res->amz, copy, v);
		}
	}
	free(copy);
	return len;
}

void http_result_free(struct http_result *res)
{
	buf_wipe(&res->body); /* credential answers hold keys; the cost is nil for the rest */
	buf_free(&res->body);
	free(res->etag);
	free(res->retry_after);
	hdrs_free(&res->amz);
	memset(res, 0, sizeof *res);
}

static void reset_result(struct http_result *res)
{
	buf_reset(&res->body);
	free(res->etag);
	res->etag = NULL;
	free(res->retry_after);
	res->retry_after = NULL;
	hdrs_free(&res->amz);
	res->status = 0;
	res->content_length = -1;
	res->last_modified = 0;
}

/* nanosleep, not usleep: a Retry-After wait can pass the second that
 * POSIX allows usleep. A signal cutting it short only shortens a wait. */
static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Method and body: HEAD asks for no body, a body is POSTed (or sent with
 * the method named), PUT without a body is sent as it is named. */
static void set_method(CURL *c, const char *method, const struct buf *body)
{
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body->len) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data);
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "POST"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
}

/* One attempt; returns the CURLcode and fills res. The request is built
 * first: when that fails (*build_rc set), nothing is sent. */
static CURLcode attempt(CURL *c, const struct globals *g, int insecure, const char *method,
			http_build_fn build, void *arg, struct small_ctx *ctx, char *errbuf,
			int *build_rc, struct buf *err)
{
	struct s3_request req;
	if ((*build_rc = build(arg, &req, err)))
		return CURLE_OK;
	struct curl_slist *headers = http_header_list(&req.headers);
	curl_easy_reset(c);
	http_easy_setup(c, g, insecure);
	curl_easy_setopt(c, CURLOPT_URL, req.url.data);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, ctx);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, ctx->res);
	set_method(c, method, &req.body);
	errbuf[0] = '\0';
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ctx->res->status);
	curl_slist_free_all(headers);
	buf_wipe(&req.body); /* a body is a credential request's (STS: the token) */
	s3_request_free(&req);
	return rc;
}

/* The attempts; *sent says whether a failure came from the exchange
 * (else from building the request, whose message says it all). */
static int run(const struct globals *g, int insecure, const char *method, http_build_fn build,
	       void *arg, size_t max_body, const char *what, struct http_result *res,
	       struct buf *err, int *sent, long long *retries)
{
	CURL *c = curl_easy_init();
	struct small_ctx ctx = { res, max_body, 0 };
	char errbuf[CURL_ERROR_SIZE];
	int code = EXIT_NETWORK, build_rc;

	memset(res, 0, sizeof *res);
	for (int n = 0; n < g->retries; n++) {
		struct http_outcome o;
		reset_result(res);
		CURLcode rc = attempt(c, g, insecure, method, build, arg, &ctx, errbuf, &build_rc, err);
		if (build_rc) {
			code = build_rc;
			*sent = 0;
			break;
		}
		*sent = 1;
		if (ctx.too_big) { /* our limit, not the server's failure: no retry */
			buf_reset(err);
			buf_printf(err, "%s: the answer is larger than %zu bytes", what, max_body);
			code = EXIT_INTEGRITY;
			break;
		}
		code = http_classify(rc, errbuf, res->status, res->body.data, res->body.len,
				     res->retry_after, what, &o, err);
		if (!code)
			break;
		if (!o.retryable)
			break;
		if (n + 1 < g->retries) {
			long wait = http_retry_wait_ms(n, &o);
			if (retries)
				(*retries)++;
			log_kv(LOG_WARN, "retrying", "request=%s attempt=%d wait_ms=%ld reason=%s",
			       log_q(what), n + 1, wait, log_q(err->data));
			sleep_ms(wait);
		}
	}
	curl_easy_cleanup(c);
	return code;
}

int http_request(const struct globals *g, int insecure, const char *method, http_build_fn build,
		 void *arg, size_t max_body, const char *what, struct http_result *res,
		 struct buf *err)
{
	int sent;
	/* not the store's: not counted in the download summary's retries */
	return run(g, insecure, method, build, arg, max_body, what, res, err, &sent, NULL);
}

int http_small(const struct globals *g, int insecure, const char *method, http_build_fn build,
	       void *arg, size_t max_body, const char *what, struct http_result *res,
	       struct buf *err)
{
	int sent = 0;
	int code = run(g, insecure, method, build, arg, max_body, what, res, err, &sent,
		       &small_retries);
	if (code && sent && http_hint(code))
		buf_printf(err, "; %s", http_hint(code));
	return code;
}
