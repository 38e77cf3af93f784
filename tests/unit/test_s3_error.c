/* S3 <Error> bodies and what their codes mean (initc/s3_error.h). */
#include <string.h>

#include "exitcode.h"
#include "http.h"
#include "log.h"
#include "s3_error.h"
#include "t.h"

static void parse(const char *xml, struct s3_error *e)
{
	s3_error_free(e);
	s3_parse_error(xml, xml ? strlen(xml) : 0, e);
}

static void test_parse(void)
{
	struct s3_error e = { BUF_INIT, BUF_INIT };
	parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>"
	      "<Details><Code>inner</Code></Details>"
	      "<BucketName>models</BucketName><RequestId>4442587FB7D0A2F9</RequestId></Error>", &e);
	CHECK_STR(e.code.data, "NoSuchBucket");
	CHECK_STR(e.message.data, "The specified bucket does not exist");

	parse("<Error><Code>SignatureDoesNotMatch</Code><Message>a &lt;b&gt;</Message></Error>", &e);
	CHECK_STR(e.code.data, "SignatureDoesNotMatch");
	CHECK_STR(e.message.data, "a <b>");

	/* a namespace does not hide the fields */
	parse("<Error xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
	      "<Code>SlowDown</Code></Error>", &e);
	CHECK_STR(e.code.data, "SlowDown");

	/* not an S3 error body: nothing */
	parse("<html><body>502 Bad Gateway</body></html>", &e);
	CHECK_INT(e.code.len, 0);
	CHECK_INT(e.message.len, 0);
	parse("", &e);
	CHECK_INT(e.code.len, 0);
	parse(NULL, &e);
	CHECK_INT(e.code.len, 0);
	parse("this is not XML", &e);
	CHECK_INT(e.code.len, 0);

	/* STS and the other query-API services: <ErrorResponse><Error>... */
	parse("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><RequestId>r</RequestId>"
	      "<Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
	      "<Message>Incorrect token audience</Message></Error></ErrorResponse>", &e);
	CHECK_STR(e.code.data, "InvalidIdentityToken");
	CHECK_STR(e.message.data, "Incorrect token audience");
	/* ...but a Code anywhere else in it is no one's */
	parse("<ErrorResponse><Other><Code>X</Code></Other></ErrorResponse>", &e);
	CHECK_INT(e.code.len, 0);
	parse("<Error><Error><Code>Nested</Code></Error></Error>", &e);
	CHECK_INT(e.code.len, 0);
	s3_error_free(&e);
}

/* A body cut short keeps the fields it finished, never half of one. */
static void test_truncated(void)
{
	struct s3_error e = { BUF_INIT, BUF_INIT };
	parse("<Error><Code>SlowDown</Code><Message>Please red", &e);
	CHECK_STR(e.code.data, "SlowDown");
	CHECK_INT(e.message.len, 0);
	parse("<Error><Code>Slow", &e);
	CHECK_INT(e.code.len, 0);
	s3_error_free(&e);
}

/* A hostile body cannot make the log line grow unbounded: the field is
 * kept whole (the body is bounded), and cut when it enters a message,
 * after redaction, so an echoed secret longer than the cut leaves no
 * piece of itself. */
static void test_limits(void)
{
	struct s3_error e = { BUF_INIT, BUF_INIT };
	struct buf xml = BUF_INIT, why = BUF_INIT;
	struct http_outcome o;
	char secret[5001];
	for (size_t i = 0; i < sizeof secret - 1; i++)
		secret[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[(i * 13 + i / 32) % 32];
	secret[sizeof secret - 1] = '\0';
	log_add_secret(secret);
	buf_adds(&xml, "<Error><Code>AccessDenied</Code><Message>token ");
	buf_adds(&xml, secret);
	for (int i = 0; i < 3 * 4096; i++)
		buf_addc(&xml, 'x');
	buf_adds(&xml, "</Message></Error>");
	parse(xml.data, &e);
	CHECK_STR(e.code.data, "AccessDenied");
	CHECK_INT(e.message.len, 6 + 5000 + 3 * 4096);
	http_classify(CURLE_OK, NULL, 403, xml.data, xml.len, NULL, "GET /b/k", &o, &why);
	CHECK(why.len <= 2 * HTTP_SERVER_TEXT_MAX + 64);
	CHECK(strstr(why.data, "HTTP 403 AccessDenied: token ***xxx") != NULL);
	int leaked = 0;
	for (size_t i = 0; i + 8 < sizeof secret; i++) {
		char piece[9];
		memcpy(piece, secret + i, 8);
		piece[8] = '\0';
		leaked += strstr(why.data, piece) != NULL;
	}
	CHECK_INT(leaked, 0);
	buf_free(&why);
	buf_free(&xml);
	s3_error_free(&e);
}

static const struct {
	int status;
	const char *code;
	int exit_code;
	int retryable;
} classes[] = {
	{ 403, "AccessDenied", EXIT_AUTH, 0 },
	{ 403, "SignatureDoesNotMatch", EXIT_AUTH, 0 },
	{ 403, "RequestTimeTooSkewed", EXIT_AUTH, 0 },
	{ 403, NULL, EXIT_AUTH, 0 },
	{ 401, NULL, EXIT_AUTH, 0 },
	{ 400, "AuthorizationHeaderMalformed", EXIT_USAGE, 0 },
	{ 301, "PermanentRedirect", EXIT_USAGE, 0 },
	{ 404, "NoSuchKey", EXIT_NOTFOUND, 0 },
	{ 404, "NoSuchBucket", EXIT_NOTFOUND, 0 },
	{ 404, NULL, EXIT_NOTFOUND, 0 },
	{ 416, NULL, EXIT_INTEGRITY, 0 },
	{ 503, "SlowDown", EXIT_NETWORK, 1 },
	{ 503, NULL, EXIT_NETWORK, 1 },
	{ 500, "InternalError", EXIT_NETWORK, 1 },
	{ 502, NULL, EXIT_NETWORK, 1 },
	{ 400, "RequestTimeout", EXIT_NETWORK, 1 },
	{ 429, NULL, EXIT_NETWORK, 1 },
	{ 408, NULL, EXIT_NETWORK, 1 },
	{ 400, NULL, EXIT_NETWORK, 0 },
	{ 400, "SomethingNew", EXIT_NETWORK, 0 },
	{ 503, "SomethingNew", EXIT_NETWORK, 1 },
};

static void test_class(void)
{
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
		int retryable = -1;
		int code = s3_error_class(classes[i].status, classes[i].code, &retryable);
		printf("# %d %s\n", classes[i].status, classes[i].code ? classes[i].code : "(none)");
		CHECK_INT(code, classes[i].exit_code);
		CHECK_INT(retryable, classes[i].retryable);
	}
}

/* STS's codes: throttling is retried, a refused token is an auth failure. */
static void test_sts_class(void)
{
	int retry = -1;
	CHECK_INT(s3_error_class(400, "Throttling", &retry), EXIT_NETWORK);
	CHECK_INT(retry, 1);
	CHECK_INT(s3_error_class(400, "IDPCommunicationError", &retry), EXIT_NETWORK);
	CHECK_INT(retry, 1);
	CHECK_INT(s3_error_class(400, "InvalidIdentityToken", &retry), EXIT_AUTH);
	CHECK_INT(retry, 0);
	CHECK_INT(s3_error_class(400, "ExpiredTokenException", &retry), EXIT_AUTH);
	CHECK_INT(retry, 0);
}

int main(void)
{
	test_sts_class();
	test_parse();
	test_truncated();
	test_limits();
	test_class();
	return T_DONE();
}
