/* What an attempt came to and how long to wait before the next
 * (initc/http.h): the classifier table, Retry-After, backoff and its
 * jitter across processes. No network: outcomes are handed in. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exitcode.h"
#include "http.h"
#include "t.h"

#define SLOWDOWN "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>" \
	"</Error>"
#define DENIED "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"

static const struct {
	const char *name;
	CURLcode rc;
	const char *errbuf;
	long status;
	const char *body;
	const char *retry_after;
	int code;
	int retryable;
	long retry_after_ms;
	const char *why;   /* the whole line; NULL: check only that the TLS hint is there */
} cases[] = {
	/* a handshake cut short is the network, not the certificate */
	{ "TLS reset", CURLE_SSL_CONNECT_ERROR,
	  "OpenSSL SSL_connect: Connection reset by peer in connection to 127.0.0.1:443 ", 0,
	  NULL, NULL, EXIT_NETWORK, 1, -1,
	  "GET k: OpenSSL SSL_connect: Connection reset by peer in connection to 127.0.0.1:443 " },
	{ "TLS EOF", CURLE_SSL_CONNECT_ERROR,
	  "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to s3.example:443 ", 0, NULL,
	  NULL, EXIT_NETWORK, 1, -1,
	  "GET k: OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to s3.example:443 " },
	{ "TLS unexpected eof", CURLE_SSL_CONNECT_ERROR,
	  "error:0A000126:SSL routines::unexpected eof while reading", 0, NULL, NULL,
	  EXIT_NETWORK, 1, -1, "GET k: error:0A000126:SSL routines::unexpected eof while reading" },
	{ "TLS no text", CURLE_SSL_CONNECT_ERROR, "", 0, NULL, NULL, EXIT_NETWORK, 1, -1,
	  "GET k: SSL connect error" },
	/* a certificate refused is not mended by trying again */
	{ "bad certificate alert", CURLE_SSL_CONNECT_ERROR,
	  "error:0A000412:SSL routines::sslv3 alert bad certificate", 0, NULL, NULL,
	  EXIT_NETWORK, 0, -1, NULL },
	{ "unknown CA alert", CURLE_SSL_CONNECT_ERROR,
	  "error:0A000418:SSL routines::tlsv1 alert unknown ca", 0, NULL, NULL, EXIT_NETWORK, 0,
	  -1, NULL },
	{ "untrusted certificate", CURLE_PEER_FAILED_VERIFICATION,
	  "SSL certificate problem: unable to get local issuer certificate", 0, NULL, NULL,
	  EXIT_NETWORK, 0, -1, NULL },
	{ "bad CA file", CURLE_SSL_CACERT_BADFILE, "", 0, NULL, NULL, EXIT_NETWORK, 0, -1, NULL },
	{ "cert problem", CURLE_SSL_CERTPROBLEM, NULL, 0, NULL, NULL, EXIT_NETWORK, 0, -1, NULL },
	{ "issuer error", CURLE_SSL_ISSUER_ERROR, "", 0, NULL, NULL, EXIT_NETWORK, 0, -1, NULL },
	/* https:// against a plain-HTTP port: said at once, not retried */
	{ "plain HTTP answer", CURLE_SSL_CONNECT_ERROR,
	  "error:0A00010B:SSL routines::wrong version number", 0, NULL, NULL, EXIT_NETWORK, 0, -1,
	  "GET k: error:0A00010B:SSL routines::wrong version number (the endpoint answers plain "
	  "HTTP: use http:// in the endpoint, or the port that serves HTTPS)" },
	/* other transport errors */
	{ "refused", CURLE_COULDNT_CONNECT, "Failed to connect to h port 9000: Connection refused",
	  0, NULL, NULL, EXIT_NETWORK, 1, -1,
	  "GET k: Failed to connect to h port 9000: Connection refused" },
	{ "reset mid-body", CURLE_RECV_ERROR, "Recv failure: Connection reset by peer", 200, NULL,
	  NULL, EXIT_NETWORK, 1, -1, "GET k: Recv failure: Connection reset by peer" },
	{ "timeout", CURLE_OPERATION_TIMEDOUT, "", 0, NULL, NULL, EXIT_NETWORK, 1, -1,
	  "GET k: Timeout was reached" },
	{ "bad URL", CURLE_URL_MALFORMAT, "", 0, NULL, NULL, EXIT_NETWORK, 0, -1,
	  "GET k: URL using bad/illegal format or missing URL" },
	{ "unsupported protocol", CURLE_UNSUPPORTED_PROTOCOL, "", 0, NULL, NULL, EXIT_NETWORK, 0,
	  -1, "GET k: Unsupported protocol" },
	/* answers */
	{ "200", CURLE_OK, "", 200, "data", NULL, 0, 0, -1, "" },
	{ "206", CURLE_OK, "", 206, NULL, NULL, 0, 0, -1, "" },
	{ "503 SlowDown", CURLE_OK, "", 503, SLOWDOWN, NULL, EXIT_NETWORK, 1, -1,
	  "GET k: HTTP 503 SlowDown: Please reduce your request rate." },
	{ "503 SlowDown Retry-After", CURLE_OK, "", 503, SLOWDOWN, "1", EXIT_NETWORK, 1, 1000,
	  "GET k: HTTP 503 SlowDown: Please reduce your request rate." },
	{ "503 no body", CURLE_OK, "", 503, NULL, "7", EXIT_NETWORK, 1, 7000, "GET k: HTTP 503" },
	{ "500 InternalError", CURLE_OK, "", 500,
	  "<Error><Code>InternalError</Code></Error>", NULL, EXIT_NETWORK, 1, -1,
	  "GET k: HTTP 500 InternalError" },
	{ "502 from a proxy", CURLE_OK, "", 502, "<html><body>Bad Gateway</body></html>", NULL,
	  EXIT_NETWORK, 1, -1, "GET k: HTTP 502" },
	{ "429", CURLE_OK, "", 429, "", "3", EXIT_NETWORK, 1, 3000, "GET k: HTTP 429" },
	{ "429 Retry-After too long", CURLE_OK, "", 429, "", "86400", EXIT_NETWORK, 1,
	  HTTP_RETRY_AFTER_MAX_MS, "GET k: HTTP 429" },
	{ "403 AccessDenied", CURLE_OK, "", 403, DENIED, NULL, EXIT_AUTH, 0, -1,
	  "GET k: HTTP 403 AccessDenied: Access Denied" },
	{ "403 no body", CURLE_OK, "", 403, NULL, NULL, EXIT_AUTH, 0, -1, "GET k: HTTP 403" },
	{ "404 NoSuchKey", CURLE_OK, "", 404, "<Error><Code>NoSuchKey</Code></Error>", NULL,
	  EXIT_NOTFOUND, 0, -1, "GET k: HTTP 404 NoSuchKey" },
	{ "400 RequestTimeout", CURLE_OK, "", 400, "<Error><Code>RequestTimeout</Code></Error>",
	  NULL, EXIT_NETWORK, 1, -1, "GET k: HTTP 400 RequestTimeout" },
	{ "301 PermanentRedirect", CURLE_OK, "", 301,
	  "<Error><Code>PermanentRedirect</Code></Error>", NULL, EXIT_USAGE, 0, -1,
	  "GET k: HTTP 301 PermanentRedirect" },
	{ "416", CURLE_OK, "", 416, NULL, NULL, EXIT_INTEGRITY, 0, -1, "GET k: HTTP 416" },
};

static void test_classify(void)
{
	struct buf why = BUF_INIT;
	buf_adds(&why, "left over from the attempt before");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct http_outcome o;
		const char *body = cases[i].body;
		printf("# %s\n", cases[i].name);
		int code = http_classify(cases[i].rc, cases[i].errbuf, cases[i].status, body,
					 body ? strlen(body) : 0, cases[i].retry_after, "GET k", &o,
					 &why);
		CHECK_INT(code, cases[i].code);
		CHECK_INT(o.code, cases[i].code);
		CHECK_INT(o.retryable, cases[i].retryable);
		CHECK_INT(o.retry_after_ms, cases[i].retry_after_ms);
		if (cases[i].why) {
			CHECK_STR(why.data ? why.data : "", cases[i].why);
		} else {
			CHECK(strstr(why.data, HTTP_TLS_HINT) != NULL);
		}
		/* the hint only where the certificate is the trouble */
		if (cases[i].why)
			CHECK(!why.data || !strstr(why.data, "RCLONE_CA_CERT"));
	}
	buf_free(&why);
}

static void test_tls_verify_failed(void)
{
	CHECK(!http_tls_verify_failed(CURLE_SSL_CONNECT_ERROR, NULL));
	CHECK(http_tls_verify_failed(CURLE_SSL_CONNECT_ERROR,
				     "error:0A000086:SSL routines::CERTIFICATE VERIFY FAILED"));
	CHECK(http_tls_verify_failed(CURLE_PEER_FAILED_VERIFICATION, NULL));
	CHECK(!http_tls_verify_failed(CURLE_RECV_ERROR, "certificate")); /* only the handshake's code */
	/* without the error text a handshake failure is retried */
	CHECK(!http_tls_verify_failed(CURLE_SSL_CONNECT_ERROR, NULL));
	CHECK(http_tls_verify_failed(CURLE_SSL_CACERT_BADFILE, NULL));
}

static void test_retry_after(void)
{
	/* Mon, 01 Jan 2024 00:00:00 GMT */
	time_t now = 1704067200;
	CHECK_INT(http_retry_after_ms("1", now), 1000);
	CHECK_INT(http_retry_after_ms(" 2 ", now), 2000);
	CHECK_INT(http_retry_after_ms("0", now), 0);
	CHECK_INT(http_retry_after_ms("0000001", now), 1000);
	CHECK_INT(http_retry_after_ms("60", now), 60000);
	CHECK_INT(http_retry_after_ms("61", now), HTTP_RETRY_AFTER_MAX_MS);
	CHECK_INT(http_retry_after_ms("99999", now), HTTP_RETRY_AFTER_MAX_MS);
	CHECK_INT(http_retry_after_ms("99999999999999999999999", now), HTTP_RETRY_AFTER_MAX_MS);
	CHECK_INT(http_retry_after_ms("Mon, 01 Jan 2024 00:00:30 GMT", now), 30000);
	CHECK_INT(http_retry_after_ms("Mon, 01 Jan 2024 00:00:00 GMT", now), 0);
	CHECK_INT(http_retry_after_ms("Sun, 31 Dec 2023 23:59:00 GMT", now), 0);  /* past */
	CHECK_INT(http_retry_after_ms("Mon, 01 Jan 2024 01:00:00 GMT", now), HTTP_RETRY_AFTER_MAX_MS);
	CHECK_INT(http_retry_after_ms(NULL, now), -1);
	CHECK_INT(http_retry_after_ms("", now), -1);
	CHECK_INT(http_retry_after_ms("soon", now), -1);
	CHECK_INT(http_retry_after_ms("-5", now), -1);
	CHECK_INT(http_retry_after_ms("1.5", now), -1);
	CHECK_INT(http_retry_after_ms("5 s", now), -1);
}

static int between(long v, long lo, long hi)
{
	if (v >= lo && v <= hi)
		return 1;
	printf("# %ld is not in [%ld, %ld]\n", v, lo, hi);
	return 0;
}

static void test_wait(void)
{
	struct http_outcome o = { EXIT_NETWORK, 1, -1 };
	int ok0 = 1, ok6 = 1, ok_short = 1, ok_asked = 1, ok_cap = 1;
	for (int i = 0; i < 200; i++) {
		ok0 &= between(http_retry_wait_ms(0, NULL), 100, 200);
		ok6 &= between(http_retry_wait_ms(9, &o), 6400, 12800);
		o.retry_after_ms = 50; /* asks for less than our schedule: ours */
		ok_short &= between(http_retry_wait_ms(1, &o), 200, 400);
		o.retry_after_ms = 1000;
		ok_asked &= between(http_retry_wait_ms(0, &o), 1000, 1100);
		o.retry_after_ms = 10L * HTTP_RETRY_AFTER_MAX_MS; /* filled by hand */
		ok_cap &= between(http_retry_wait_ms(0, &o), HTTP_RETRY_AFTER_MAX_MS,
				  HTTP_RETRY_AFTER_MAX_MS * 11 / 10);
		o.retry_after_ms = -1;
	}
	CHECK(ok0);
	CHECK(ok6);
	CHECK(ok_short);
	CHECK(ok_asked);
	CHECK(ok_cap);
}

#define DRAWS 8

/* The waits one child process would draw, read back through a pipe. */
static int child_draws(long out[DRAWS])
{
	int fd[2];
	if (pipe(fd))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		long v[DRAWS];
		for (int i = 0; i < DRAWS; i++)
			v[i] = http_backoff_ms(6);
		_exit(write(fd[1], v, sizeof v) == (ssize_t)sizeof v ? 0 : 1);
	}
	close(fd[1]);
	ssize_t got = pid > 0 ? read(fd[0], out, sizeof(long) * DRAWS) : -1;
	close(fd[0]);
	int status = 0;
	if (pid > 0)
		waitpid(pid, &status, 0);
	return got == (ssize_t)(sizeof(long) * DRAWS) && WIFEXITED(status) &&
	       !WEXITSTATUS(status) ? 0 : -1;
}

/* Two pods (here: two children of one parent, the hardest case: same
 * state at fork) must not retry in lockstep. 8 draws of 6401 values each
 * match by chance with odds of 1 in 10^30. */
static void test_jitter_differs(void)
{
	long a[DRAWS], b[DRAWS];
	http_backoff_ms(0); /* the parent drew before forking, as initc would */
	CHECK_INT(child_draws(a), 0);
	CHECK_INT(child_draws(b), 0);
	CHECK(memcmp(a, b, sizeof a) != 0);
	int in_range = 1;
	for (int i = 0; i < DRAWS; i++)
		in_range &= between(a[i], 6400, 12800) && between(b[i], 6400, 12800);
	CHECK(in_range);
}

int main(void)
{
	test_classify();
	test_tls_verify_failed();
	test_retry_after();
	test_wait();
	test_jitter_differs();
	return T_DONE();
}
