/* SigV4, S3 flavour (FACTS §3), checked against signatures that botocore
 * computed, not against values this code produced.
 *
 * How the expected values were obtained (Debian's python3-botocore
 * 1.29.27, /usr/bin/python3), for each vector:
 *
 *   from unittest import mock
 *   from botocore.auth import S3SigV4Auth
 *   from botocore.awsrequest import AWSRequest
 *   from botocore.credentials import Credentials
 *   creds = Credentials('AKIAIOSFODNN7EXAMPLE',
 *                       'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', TOKEN)
 *   req = AWSRequest(method='GET', url=URL, headers=HEADERS, params=PARAMS)
 *   with mock.patch('botocore.auth.datetime') as dt:
 *       dt.datetime.utcnow.return_value = datetime.datetime(...)
 *       S3SigV4Auth(creds, 's3', REGION).add_auth(req)
 *   print(req.headers['Authorization'])
 *
 * For the UNSIGNED-PAYLOAD vector the class was a subclass of
 * S3SigV4Auth whose payload() returns 'UNSIGNED-PAYLOAD'. The encoded
 * paths come from Python's urllib.parse.quote(key, safe='/~'). */
#include <stdlib.h>
#include <string.h>

#include "sigv4.h"
#include "t.h"

#define ACCESS "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define T_20130524 1369353600      /* 2013-05-24T00:00:00Z */
#define T_20240229 1709251198      /* 2024-02-29T23:59:58Z */
#define T_20300102 1893553445      /* 2030-01-02T03:04:05Z */

/* The signature part of the Authorization header, or "" */
static const char *signature_of(const struct hdrs *h)
{
	const char *auth = hdrs_get(h, "authorization");
	const char *sig = auth ? strstr(auth, "Signature=") : NULL;
	return sig ? sig + 10 : "";
}

/* AWS S3 documentation, "Example: GET Object": the published signature,
 * which botocore reproduces. */
static void test_aws_get_object_example(void)
{
	struct sigv4_key key = { ACCESS, SECRET, NULL, "us-east-1", "s3" };
	struct hdrs h = { 0 };
	hdrs_set(&h, "Host", "examplebucket.s3.amazonaws.com");
	hdrs_set(&h, "Range", "bytes=0-9");
	sigv4_sign(&key, "GET", "/test.txt", "", &h, T_20130524);
	CHECK_STR(hdrs_get(&h, "x-amz-date"), "20130524T000000Z");
	CHECK_STR(hdrs_get(&h, "x-amz-content-sha256"), SIGV4_EMPTY_SHA256);
	CHECK(hdrs_get(&h, "x-amz-security-token") == NULL);
	CHECK_STR(hdrs_get(&h, "authorization"),
		  "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
		  "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
		  "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");

	/* signing again (a retry) replaces the date and signature, and does
	 * not sign the old authorization header */
	sigv4_sign(&key, "GET", "/test.txt", "", &h, T_20130524);
	CHECK_STR(signature_of(&h), "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	hdrs_free(&h);
}

/* Same request with a session token: x-amz-security-token is sent and signed. */
static void test_session_token(void)
{
	struct sigv4_key key = { ACCESS, SECRET, "AQoDYXdzEJr//+=EXAMPLETOKEN", "us-east-1", "s3" };
	struct hdrs h = { 0 };
	hdrs_set(&h, "host", "examplebucket.s3.amazonaws.com");
	hdrs_set(&h, "range", "bytes=0-9");
	sigv4_sign(&key, "GET", "/test.txt", "", &h, T_20130524);
	CHECK_STR(hdrs_get(&h, "x-amz-security-token"), "AQoDYXdzEJr//+=EXAMPLETOKEN");
	CHECK_STR(hdrs_get(&h, "authorization"),
		  "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
		  "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date;x-amz-security-token, "
		  "Signature=50b2d169c2614925c25ee8639e40be9d99a3d7c02411fbb90fd272b99eb5ddcd");
	hdrs_free(&h);

	/* an empty token is no token */
	key.session_token = "";
	hdrs_set(&h, "host", "examplebucket.s3.amazonaws.com");
	hdrs_set(&h, "range", "bytes=0-9");
	sigv4_sign(&key, "GET", "/test.txt", "", &h, T_20130524);
	CHECK(hdrs_get(&h, "x-amz-security-token") == NULL);
	CHECK_STR(signature_of(&h), "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	hdrs_free(&h);
}

/* A ListObjectsV2 query: names needing sorting ("a" < "a-b"), a repeated
 * name sorted by value, an empty value, '/' and ' ' in a value. The host
 * keeps its non-default port. */
static void test_list_query(void)
{
	struct kv params[] = {
		{ "prefix", "iris dir/v1" }, { "list-type", "2" }, { "a-b", "1" }, { "a", "2" },
		{ "a", "1" }, { "encoding-type", "url" }, { "max-keys", "1000" }, { "empty", "" },
	};
	struct buf q = BUF_INIT;
	sigv4_query(&q, params, sizeof params / sizeof params[0]);
	/* botocore's canonical_query_string() for the same params */
	CHECK_STR(q.data, "a=1&a=2&a-b=1&empty=&encoding-type=url&list-type=2&max-keys=1000"
		  "&prefix=iris%20dir%2Fv1");

	struct sigv4_key key = { ACCESS, SECRET, NULL, "us-east-1", "s3" };
	struct hdrs h = { 0 };
	hdrs_set(&h, "host", "127.0.0.1:9000");
	sigv4_sign(&key, "GET", "/models", q.data, &h, T_20240229);
	CHECK_STR(hdrs_get(&h, "x-amz-date"), "20240229T235958Z");
	CHECK_STR(hdrs_get(&h, "authorization"),
		  "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240229/us-east-1/s3/aws4_request, "
		  "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
		  "Signature=111e6bb3f24a5a32d97a9e7a3a37128c210bcdbc04e16afe34fc1e9ce9b430bf");
	hdrs_free(&h);
	buf_free(&q);

	/* no parameters at all: an empty string */
	sigv4_query(&q, NULL, 0);
	CHECK_INT(q.len, 0);
	buf_free(&q);
}

#define ODD_KEY "dir/a b+c=d%e~f/\303\274ber//../x_y.txt"
#define ODD_PATH "/bucket/dir/a%20b%2Bc%3Dd%25e~f/%C3%BCber//../x_y.txt"

/* Each byte encoded once, '/' kept in paths and encoded in queries,
 * '//' and '..' left as they are. */
static void test_encoding(void)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "/bucket/");
	sigv4_encode(&b, ODD_KEY, strlen(ODD_KEY), 1);
	CHECK_STR(b.data, ODD_PATH);
	buf_reset(&b);
	sigv4_encode(&b, ODD_KEY, strlen(ODD_KEY), 0);
	CHECK_STR(b.data, "dir%2Fa%20b%2Bc%3Dd%25e~f%2F%C3%BCber%2F%2F..%2Fx_y.txt");
	buf_reset(&b);
	sigv4_encode(&b, "AZaz09-._~", 10, 0);
	CHECK_STR(b.data, "AZaz09-._~");
	buf_reset(&b);
	/* an already-encoded key is a different key: its '%' is encoded again */
	sigv4_encode(&b, "a%20b", 5, 1);
	CHECK_STR(b.data, "a%2520b");
	buf_reset(&b);
	/* embedded NUL and high bytes, upper-case hex */
	sigv4_encode(&b, "\x00\x7f\xff", 3, 1);
	CHECK_STR(b.data, "%00%7F%FF");
	buf_free(&b);
}

/* A key with every troublesome character, a header whose value needs
 * trimming and collapsing, mixed-case header names. */
static void test_odd_key_and_header_values(void)
{
	struct sigv4_key key = { ACCESS, SECRET, NULL, "eu-central-1", "s3" };
	struct hdrs h = { 0 };
	struct buf creq = BUF_INIT, names = BUF_INIT;

	hdrs_set(&h, "Host", "127.0.0.1:9000");
	hdrs_set(&h, "X-Amz-Meta-Note", "  a   b \t c  ");
	hdrs_set(&h, "Range", "bytes=100-199");
	sigv4_sign(&key, "GET", ODD_PATH, "", &h, T_20300102);
	CHECK_STR(hdrs_get(&h, "authorization"),
		  "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20300102/eu-central-1/s3/aws4_request, "
		  "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date;x-amz-meta-note, "
		  "Signature=b739b30821e171d354b93daf39af6f956289523d126aeb481fed6ab557b1988b");
	hdrs_free(&h);

	/* the canonical request itself, as botocore's canonical_request() gives it */
	hdrs_set(&h, "host", "127.0.0.1:9000");
	hdrs_set(&h, "X-AMZ-META-NOTE", "  a   b \t c  ");
	sigv4_canonical_request(&creq, "GET", ODD_PATH, "", &h, &names);
	CHECK_STR(creq.data, "GET\n" ODD_PATH "\n\nhost:127.0.0.1:9000\nx-amz-meta-note:a b c\n\n"
		  "host;x-amz-meta-note\n" SIGV4_EMPTY_SHA256);
	CHECK_STR(names.data, "host;x-amz-meta-note");
	hdrs_free(&h);
	buf_free(&creq);
	buf_free(&names);
}

/* UNSIGNED-PAYLOAD set by the caller is kept and signed as such. */
static void test_unsigned_payload(void)
{
	struct sigv4_key key = { ACCESS, SECRET, "FwoGZXIvYXdzEXAMPLE", "eu-west-1", "s3" };
	struct hdrs h = { 0 };
	hdrs_set(&h, "host", "s3.eu-west-1.amazonaws.com");
	hdrs_set(&h, "x-amz-content-sha256", "UNSIGNED-PAYLOAD");
	sigv4_sign(&key, "GET", ODD_PATH, "", &h, T_20300102);
	CHECK_STR(hdrs_get(&h, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
	CHECK_STR(hdrs_get(&h, "authorization"),
		  "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20300102/eu-west-1/s3/aws4_request, "
		  "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, "
		  "Signature=9fa29ed461dbfba2325feda7db45c5bde856b42c603ba7da0abbd8a97bfcc760");
	hdrs_free(&h);
}

/* A different secret, region or time must change the signature. */
static void test_inputs_matter(void)
{
	struct sigv4_key key = { ACCESS, SECRET "x", NULL, "us-east-1", "s3" };
	struct hdrs h = { 0 };
	hdrs_set(&h, "host", "examplebucket.s3.amazonaws.com");
	hdrs_set(&h, "range", "bytes=0-9");
	sigv4_sign(&key, "GET", "/test.txt", "", &h, T_20130524);
	CHECK(strcmp(signature_of(&h), "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
	CHECK_INT(strlen(signature_of(&h)), 64);
	key.secret_key = SECRET;
	sigv4_sign(&key, "GET", "/test.txt", "", &h, T_20130524 + 1);
	CHECK(strcmp(signature_of(&h), "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
	hdrs_free(&h);
}

static void test_hdrs(void)
{
	struct hdrs h = { 0 };
	hdrs_set(&h, "Content-Type", "a");
	hdrs_set(&h, "content-type", "b");
	CHECK_INT(h.n, 1);
	CHECK_STR(hdrs_get(&h, "content-type"), "b");
	CHECK(hdrs_get(&h, "x-none") == NULL);
	hdrs_free(&h);
	CHECK_INT(h.n, 0);
}

int main(void)
{
	test_aws_get_object_example();
	test_session_token();
	test_list_query();
	test_encoding();
	test_odd_key_and_header_values();
	test_unsigned_payload();
	test_inputs_matter();
	test_hdrs();
	return T_DONE();
}
