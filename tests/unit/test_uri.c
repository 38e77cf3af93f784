/* Model URI parsing (initc/uri.h): the forms rclone and KServe accept. */
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "t.h"
#include "connstr.h"
#include "uri.h"

/* One URI that must parse as a remote. NULL params means "none". */
static const struct remote_case {
	const char *uri, *remote, *params, *bucket, *prefix;
	int scheme_form;
} remote_cases[] = {
	{ "s3://b/p", "s3", NULL, "b", "p", 1 },
	{ "s3://b", "s3", NULL, "b", "", 1 },
	{ "s3://b/", "s3", NULL, "b", "", 1 },
	{ "s3://b/p/", "s3", NULL, "b", "p/", 1 },
	{ "s3://models/iris/v1/model.pkl", "s3", NULL, "models", "iris/v1/model.pkl", 1 },
	{ "gs://bkt/dir", "gs", NULL, "bkt", "dir", 1 },
	{ "remote:b/p", "remote", NULL, "b", "p", 0 },
	{ "MYS3:b/p", "MYS3", NULL, "b", "p", 0 },
	{ "my_remote:bucket/a/b", "my_remote", NULL, "bucket", "a/b", 0 },
	{ "minio-1:b", "minio-1", NULL, "b", "", 0 },
	/* rclone trims leading slashes from an s3 path */
	{ "remote:/b/p", "remote", NULL, "b", "p", 0 },
	{ "s3:///b/p", "s3", NULL, "b", "p", 1 },
	{ "remote,opt=v:b/p", "remote", "opt=v", "b", "p", 0 },
	{ ":s3,provider=Minio,endpoint='http://127.0.0.1:9000':b/dir", ":s3",
	  "provider=Minio,endpoint='http://127.0.0.1:9000'", "b", "dir", 0 },
	{ ":s3,endpoint=\"http://h:1,2\",env_auth:bucket/x/", ":s3",
	  "endpoint=\"http://h:1,2\",env_auth", "bucket", "x/", 0 },
	{ ":s3:b/k", ":s3", NULL, "b", "k", 0 },
	/* the prefix is kept byte for byte: no decoding, no normalising */
	{ "s3://b/a%20b//../c", "s3", NULL, "b", "a%20b//../c", 1 },
};

static void test_remotes(void)
{
	for (size_t i = 0; i < sizeof remote_cases / sizeof remote_cases[0]; i++) {
		const struct remote_case *c = &remote_cases[i];
		struct source s;
		struct buf err = BUF_INIT;
		int rc = source_parse(c->uri, &s, &err);
		printf("# %s\n", c->uri);
		CHECK_INT(rc, 0);
		CHECK_INT(s.kind, SOURCE_REMOTE);
		CHECK_STR(s.uri, c->uri);
		CHECK_STR(s.remote, c->remote);
		if (c->params)
			CHECK_STR(s.params, c->params);
		else
			CHECK(s.params == NULL);
		CHECK_STR(s.bucket, c->bucket);
		CHECK_STR(s.prefix, c->prefix);
		CHECK_INT(s.scheme_form, c->scheme_form);
		CHECK(s.path == NULL);
		source_free(&s);
		buf_free(&err);
	}
}

static const struct other_case {
	const char *uri;
	enum source_kind kind;
} other_cases[] = {
	{ "http://example.com/models/model.tar.gz", SOURCE_HTTP },
	{ "https://example.com:8443/m.zip?X-Amz-Signature=abc&x=1", SOURCE_HTTP },
	{ "/mnt/pvc/models/iris", SOURCE_LOCAL },
	{ "./models/iris", SOURCE_LOCAL },
	{ "models/iris", SOURCE_LOCAL },
	{ "../up/model", SOURCE_LOCAL },
	{ "/mnt/a:b", SOURCE_LOCAL },   /* a ':' after a '/' is part of a path */
	{ "./x:y/z", SOURCE_LOCAL },
};

static void test_http_and_local(void)
{
	for (size_t i = 0; i < sizeof other_cases / sizeof other_cases[0]; i++) {
		const struct other_case *c = &other_cases[i];
		struct source s;
		struct buf err = BUF_INIT;
		printf("# %s\n", c->uri);
		CHECK_INT(source_parse(c->uri, &s, &err), 0);
		CHECK_INT(s.kind, c->kind);
		CHECK_STR(s.path, c->uri);
		CHECK(s.remote == NULL && s.bucket == NULL);
		source_free(&s);
		buf_free(&err);
	}
}

static const struct bad_case {
	const char *uri;
	const char *in_message;   /* a part of the error that must be there */
} bad_cases[] = {
	{ "", "empty" },
	{ "s3://", "no bucket" },
	{ "s3:///", "no bucket" },
	{ "remote:", "no bucket" },
	{ ":s3,endpoint='http://h:9000:b/p", "quote" },     /* unterminated quote */
	{ ":s3,endpoint=\"http://h:9000", "quote" },
	{ "remote,opt=v", "':'" },
};

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *c = &bad_cases[i];
		struct source s;
		struct buf err = BUF_INIT;
		printf("# bad: \"%s\"\n", c->uri);
		CHECK_INT(source_parse(c->uri, &s, &err), EXIT_USAGE);
		CHECK(err.data && strstr(err.data, c->in_message));
		/* a non-empty URI is named in its error so the user sees which
		 * one, unless it is a connection string: its values may be
		 * secrets, so its structure only */
		if (*c->uri && !strchr(c->uri, ','))
			CHECK(err.data && strstr(err.data, c->uri));
		if (strchr(c->uri, ','))
			CHECK(err.data && !strstr(err.data, strchr(c->uri, ',')));
		source_free(&s);
		buf_free(&err);
	}
}

/* A connection string read wrongly (an unquoted endpoint ends the
 * parameters at its first ':') is refused, never tried with the rest as
 * a bucket name, and its message names the structure, not the values. */
#define SECRET "Sec-ret/Value+0123456789abcdefXYZ"
static const struct malformed_case {
	const char *uri;
	const char *names;        /* the message names this parameter */
} malformed_cases[] = {
	{ ":s3,provider=Minio,endpoint=http://h:9000,access_key_id=K,secret_access_key=" SECRET
	  ":bucket", "parameter 2 (endpoint)" },
	{ ":s3,endpoint=http://h:9000,secret_access_key=" SECRET ":b/p", "parameter 1 (endpoint)" },
	{ "minio,endpoint=h:9000,secret_access_key=" SECRET ":b", "parameter 1 (endpoint)" },
	{ ":s3,secret_access_key=" SECRET ",endpoint=http://h:9000:b", "parameter 2 (endpoint)" },
	{ ":s3,secret_access_key='" SECRET ":b/p", "never ends" },
	{ ":s3,provider=Minio,x" SECRET "=http://h:9000:b", "parameter 2 holds" },
	{ ":s3,description='a,b',session-token=" SECRET ",endpoint=h:9000:b", "parameter 3 (endpoint)" },
	/* an unquoted secret holding a ':', then a clean-looking path */
	{ ":s3,provider=Minio,secret_access_key=wJal:" SECRET ":models/m",
	  "parameter 2 (secret_access_key) holds a ':'" },
	{ ":s3,provider=Minio,wJal:" SECRET ":models/m", "parameter 2 holds a ':'" },
};

static void test_malformed_connection_strings(void)
{
	for (size_t i = 0; i < sizeof malformed_cases / sizeof malformed_cases[0]; i++) {
		const struct malformed_case *c = &malformed_cases[i];
		struct source s;
		struct buf err = BUF_INIT;
		printf("# malformed #%zu\n", i);
		CHECK_INT(source_parse(c->uri, &s, &err), EXIT_USAGE);
		CHECK(err.data && strstr(err.data, c->names));
		CHECK(err.data && !strstr(err.data, "Sec-ret"));
		CHECK(err.data && !strstr(err.data, "h:9000"));
		CHECK(err.data && strstr(err.data, "quote"));
		source_free(&s);
		buf_free(&err);
	}
}

/* One reading of "is this a remote": initc SRC, `initc check` and the
 * secret registration all ask conn_remote_len. */
static void test_remote_or_local(void)
{
	static const struct { const char *uri; size_t len; } cases[] = {
		{ ":s3,provider=AWS,secret_access_key=S:models/m", 3 },
		{ "minio,region=x:b", 5 }, { "s3://b/p", 2 }, { "my remote:b", 9 },
		{ "::s3,x=y:b", 0 }, { " :s3,x:b", 0 }, { "/mnt/models", 0 }, { "./a:b", 0 },
		{ "models", 0 }, { ":", 0 }, { "", 0 }, { "-x:b", 0 }, { "x :b", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct source s;
		struct buf err = BUF_INIT;
		printf("# remote? \"%s\"\n", cases[i].uri);
		CHECK_INT(conn_remote_len(cases[i].uri), cases[i].len);
		if (*cases[i].uri && !source_parse(cases[i].uri, &s, &err))
			CHECK_INT(s.kind == SOURCE_REMOTE, cases[i].len > 0);
		source_free(&s);
		buf_free(&err);
	}
}

int main(void)
{
	test_remote_or_local();
	test_remotes();
	test_http_and_local();
	test_errors();
	test_malformed_connection_strings();
	return T_DONE();
}
