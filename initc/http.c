/* libcurl setup and small requests with retries; see http.h. */
#include "http.h"
#include "exitcode.h"
#include "log.h"
#include "s3_error.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
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
		char *line = xasprintf("%s: %s", h->v[i].name, h->v[i].value);
		list = curl_slist_append(list, line);
		free(line);
	}
	return list;
}

int http_is_tls_error(CURLcode rc)
{
	return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
	       rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CONNECT_ERROR ||
	       rc == CURLE_SSL_ISSUER_ERROR;
}

long http_backoff_ms(int attempt)
{
	long base = 200L << (attempt < 6 ? attempt : 6);   /* 200 ms .. 12.8 s */
	return base / 2 + rand() % (base / 2 + 1);
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

const char *http_hint(int exit_code)
{
	switch (exit_code) {
	case EXIT_AUTH:
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

static long long small_retries; /* for the summary line: listings, HEADs */

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
		}
	}
	free(copy);
	return len;
}

void http_result_free(struct http_result *res)
{
	buf_free(&res->body);
	free(res->etag);
	memset(res, 0, sizeof *res);
}

static void reset_result(struct http_result *res)
{
	buf_reset(&res->body);
	free(res->etag);
	res->etag = NULL;
	res->status = 0;
	res->content_length = -1;
	res->last_modified = 0;
}

/* One attempt; returns the CURLcode and fills res. */
static CURLcode attempt(CURL *c, const struct globals *g, int insecure, const char *method,
			http_build_fn build, void *arg, struct small_ctx *ctx, char *errbuf)
{
	struct s3_request req;
	build(arg, &req);
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
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	errbuf[0] = '\0';
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ctx->res->status);
	curl_slist_free_all(headers);
	s3_request_free(&req);
	return rc;
}

int http_small(const struct globals *g, int insecure, const char *method, http_build_fn build,
	       void *arg, size_t max_body, const char *what, struct http_result *res,
	       struct buf *err)
{
	CURL *c = curl_easy_init();
	struct small_ctx ctx = { res, max_body, 0 };
	char errbuf[CURL_ERROR_SIZE];
	int code = EXIT_NETWORK;

	memset(res, 0, sizeof *res);
	for (int n = 0; n < g->retries; n++) {
		int retryable = 1;
		reset_result(res);
		CURLcode rc = attempt(c, g, insecure, method, build, arg, &ctx, errbuf);
		buf_reset(err);
		if (rc == CURLE_OK && res->status >= 200 && res->status < 300) {
			curl_easy_cleanup(c);
			return 0;
		}
		if (ctx.too_big) {
			buf_printf(err, "%s: the answer is larger than %zu bytes", what, max_body);
			code = EXIT_INTEGRITY;
			retryable = 0;
		} else if (rc != CURLE_OK) {
			int tls = http_is_tls_error(rc);
			buf_printf(err, "%s: %s%s", what, errbuf[0] ? errbuf : curl_easy_strerror(rc),
				   tls ? HTTP_TLS_HINT : "");
			code = EXIT_NETWORK;
			retryable = !tls && rc != CURLE_UNSUPPORTED_PROTOCOL && rc != CURLE_URL_MALFORMAT;
		} else {
			struct s3_error e = { BUF_INIT, BUF_INIT };
			s3_parse_error(res->body.data, res->body.len, &e);
			code = s3_error_class((int)res->status, e.code.len ? e.code.data : NULL, &retryable);
			buf_printf(err, "%s: HTTP %ld%s%s%s%s", what, res->status,
				   e.code.len ? " " : "", e.code.len ? e.code.data : "",
				   e.message.len ? ": " : "", e.message.len ? e.message.data : "");
			s3_error_free(&e);
		}
		if (!retryable)
			break;
		if (n + 1 < g->retries) {
			long wait = http_backoff_ms(n);
			small_retries++;
			log_kv(LOG_WARN, "retrying", "request=%s attempt=%d wait_ms=%ld reason=%s",
			       log_q(what), n + 1, wait, log_q(err->data));
			usleep((useconds_t)wait * 1000);
		}
	}
	curl_easy_cleanup(c);
	if (http_hint(code))
		buf_printf(err, "; %s", http_hint(code));
	return code;
}
