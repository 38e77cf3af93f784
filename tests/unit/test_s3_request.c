/* s3_request_build: addressing styles, and that requester-pays and SSE-C
 * headers are sent where S3 wants them and are signed. */
#include "s3.h"
#include "t.h"

#include <string.h>

static int signed_header(const struct s3_request *req, const char *name)
{
	const char *auth = hdrs_get(&req->headers, "authorization");
	const char *list = auth ? strstr(auth, "SignedHeaders=") : NULL;
	if (!list)
		return 0;
	list += strlen("SignedHeaders=");
	size_t len = strcspn(list, ",");
	for (const char *p = list; p < list + len;) {
		size_t n = strcspn(p, ";,");
		if (n == strlen(name) && !strncmp(p, name, n))
			return 1;
		p += n + 1;
	}
	return 0;
}

static struct buf err = BUF_INIT;

static void base_target(struct s3_target *t)
{
	memset(t, 0, sizeof *t);
	t->scheme = "http";
	t->host = "127.0.0.1:9000";
	t->base_path = "";
	t->region = "us-east-1";
	t->creds = aws_creds_static("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL);
	t->path_style = 1;
	t->list_version = 2;
}

int main(void)
{
	struct s3_target t;
	struct s3_request req;

	base_target(&t);
	CHECK_INT(s3_request_build(&t, "GET", "models", "iris/model file+1.bin", NULL, 0, NULL, 1, &req, &err), 0);
	CHECK_STR(req.url.data, "http://127.0.0.1:9000/models/iris/model%20file%2B1.bin");
	CHECK_STR(hdrs_get(&req.headers, "host"), "127.0.0.1:9000");
	CHECK(signed_header(&req, "host"));
	CHECK(signed_header(&req, "x-amz-date"));
	CHECK(signed_header(&req, "x-amz-content-sha256"));
	CHECK(hdrs_get(&req.headers, "x-amz-request-payer") == NULL);
	s3_request_free(&req);

	/* virtual host asked for: the bucket goes in front of a host name,
	 * never of an IP address (botocore 1.29: path style there) */
	t.path_style = 0;
	t.host = "localhost:9000";
	CHECK_INT(s3_request_build(&t, "GET", "models", "a.bin", NULL, 0, NULL, 0, &req, &err), 0);
	CHECK_STR(req.url.data, "http://models.localhost:9000/a.bin");
	CHECK_STR(hdrs_get(&req.headers, "host"), "models.localhost:9000");
	s3_request_free(&req);
	static const char *const ip_hosts[] = { "127.0.0.1:9000", "127.0.0.1", "010.1.1.1:9000",
						"[::1]:9000" };
	for (size_t i = 0; i < sizeof ip_hosts / sizeof ip_hosts[0]; i++) {
		printf("# endpoint host %s\n", ip_hosts[i]);
		t.host = (char *)ip_hosts[i];
		CHECK_INT(s3_request_build(&t, "GET", "models", "a.bin", NULL, 0, NULL, 0, &req, &err), 0);
		CHECK(strstr(req.url.data, "/models/a.bin") != NULL);
		CHECK_STR(hdrs_get(&req.headers, "host"), ip_hosts[i]);
		CHECK(strstr(s3_path_style_reason(&t, "models"), "IP address") != NULL);
		s3_request_free(&req);
	}
	t.host = "127.0.0.1:9000";
	t.path_style = 1;

	t.requester_pays = 1;
	t.sse_algorithm = "AES256";
	t.sse_key_b64 = "U3NlQ3VzdEtleS0wMTIzNDU2Nzg5YWJjZGVmQUJDREU=";
	t.sse_key_md5_b64 = "bWQ1LW9mLXRoZS1rZXk=";
	CHECK_INT(s3_request_build(&t, "GET", "models", "a.bin", NULL, 0, NULL, 1, &req, &err), 0);
	CHECK_STR(hdrs_get(&req.headers, "x-amz-request-payer"), "requester");
	CHECK(signed_header(&req, "x-amz-request-payer"));
	CHECK_STR(hdrs_get(&req.headers, "x-amz-server-side-encryption-customer-algorithm"), "AES256");
	CHECK(signed_header(&req, "x-amz-server-side-encryption-customer-algorithm"));
	CHECK(signed_header(&req, "x-amz-server-side-encryption-customer-key"));
	CHECK(signed_header(&req, "x-amz-server-side-encryption-customer-key-md5"));
	s3_request_free(&req);

	/* listings carry requester-pays but never the SSE-C key */
	struct kv q[] = { { "list-type", "2" }, { "prefix", "iris/" } };
	CHECK_INT(s3_request_build(&t, "GET", "models", NULL, q, 2, NULL, 0, &req, &err), 0);
	CHECK_STR(req.url.data, "http://127.0.0.1:9000/models/?list-type=2&prefix=iris%2F");
	CHECK(signed_header(&req, "x-amz-request-payer"));
	CHECK(hdrs_get(&req.headers, "x-amz-server-side-encryption-customer-key") == NULL);
	s3_request_free(&req);

	/* Addressing by bucket name (aws-sdk-go's rule, FACTS §7): a dotted
	 * name over https would need a certificate S3 has not, so path style;
	 * no dots: virtual host as configured. */
	struct s3_target aws;
	base_target(&aws);
	aws.scheme = "https";
	aws.host = "s3.eu-west-1.amazonaws.com";
	aws.region = "eu-west-1";
	aws.path_style = 0; /* provider AWS */
	CHECK_INT(s3_request_build(&aws, "GET", "my.models.bucket", "iris/model.pkl", NULL, 0, NULL, 0, &req, &err), 0);
	CHECK_STR(req.url.data, "https://s3.eu-west-1.amazonaws.com/my.models.bucket/iris/model.pkl");
	CHECK_STR(hdrs_get(&req.headers, "host"), "s3.eu-west-1.amazonaws.com");
	CHECK(signed_header(&req, "host"));
	s3_request_free(&req);
	CHECK(s3_path_style_reason(&aws, "my.models.bucket") != NULL);
	CHECK(strstr(s3_path_style_reason(&aws, "my.models.bucket"), "dots") != NULL);

	CHECK_INT(s3_request_build(&aws, "GET", "my-models-bucket", "iris/model.pkl", NULL, 0, NULL, 0, &req, &err), 0);
	CHECK_STR(req.url.data, "https://my-models-bucket.s3.eu-west-1.amazonaws.com/iris/model.pkl");
	CHECK_STR(hdrs_get(&req.headers, "host"), "my-models-bucket.s3.eu-west-1.amazonaws.com");
	s3_request_free(&req);
	CHECK(s3_path_style_reason(&aws, "my-models-bucket") == NULL);

	/* listings too: the bucket-level request goes to the same place */
	CHECK_INT(s3_request_build(&aws, "GET", "my.models.bucket", NULL, q, 2, NULL, 0, &req, &err), 0);
	CHECK_STR(req.url.data, "https://s3.eu-west-1.amazonaws.com/my.models.bucket/"
		  "?list-type=2&prefix=iris%2F");
	s3_request_free(&req);

	/* names no DNS label can carry: path style whatever the scheme */
	static const char *const not_dns[] = { "My-Bucket", "under_score", "ab", "192.168.100.200",
					       "-x-.y" };
	for (size_t i = 0; i < sizeof not_dns / sizeof not_dns[0]; i++) {
		printf("# bucket %s\n", not_dns[i]);
		CHECK(s3_path_style_reason(&aws, not_dns[i]) != NULL);
	}

	/* over http no certificate is matched: a dotted name keeps the
	 * virtual host, as aws-sdk-go (rclone's SDK) does */
	aws.scheme = "http";
	aws.host = "minio.internal:9000";
	CHECK_INT(s3_request_build(&aws, "GET", "team.models.prod", "a.bin", NULL, 0, NULL, 0, &req, &err), 0);
	CHECK_STR(req.url.data, "http://team.models.prod.minio.internal:9000/a.bin");
	CHECK_STR(hdrs_get(&req.headers, "host"), "team.models.prod.minio.internal:9000");
	s3_request_free(&req);
	CHECK(s3_path_style_reason(&aws, "my.models.bucket") != NULL); /* "my": under 3 bytes */
	CHECK(s3_path_style_reason(&aws, "192.168.100.200") != NULL);
	/* what botocore 1.29 decides for these over http (its
	 * aws_is_virtual_hostable_s3_bucket: labels of 3 to 63, no '-' at
	 * either end, no IPv4 shape even one inet_pton refuses) */
	static const struct { const char *bucket; int path; } botocore_http[] = {
		{ "-abc", 1 }, { "abc-", 1 }, { "a-b-c", 0 }, { "abc", 0 }, { "010.100.100.100", 1 },
		{ "999.100.100.100", 1 }, { "1.2.3", 1 }, { "ab.cde.fgh", 1 },
	};
	for (size_t i = 0; i < sizeof botocore_http / sizeof botocore_http[0]; i++) {
		printf("# http bucket %s\n", botocore_http[i].bucket);
		CHECK_INT(s3_path_style_reason(&aws, botocore_http[i].bucket) != NULL,
			  botocore_http[i].path);
	}

	/* path style configured: the reason says so */
	aws.path_style = 1;
	CHECK_STR(s3_path_style_reason(&aws, "models"), "configured");

	/* anonymous: nothing signed */
	aws_creds_free(t.creds);
	aws_creds_free(aws.creds);
	t.creds = NULL;
	CHECK_INT(s3_request_build(&t, "GET", "models", "a.bin", NULL, 0, NULL, 0, &req, &err), 0);
	CHECK(hdrs_get(&req.headers, "authorization") == NULL);
	s3_request_free(&req);
	buf_free(&err);
	return T_DONE();
}
