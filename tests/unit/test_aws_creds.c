/* The credential chain's parsers (ISO 8601 times, STS's XML, the
 * metadata endpoints' JSON) and the chain's order and refusals without
 * the network (initc/aws_creds.h, aws_provider.h). */
#include "aws_creds.h"
#include "aws_provider.h"
#include "exitcode.h"
#include "log.h"
#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct buf err = BUF_INIT;

static int contains(const struct buf *b, const char *s)
{
	return b->data && strstr(b->data, s);
}

static void test_time(void)
{
	time_t t = 0;
	CHECK_INT(aws_parse_time("2026-12-03T16:00:00Z", &t), 0);
	CHECK_INT(t, 1796313600);
	CHECK_INT(aws_parse_time("2026-12-03T16:00:00.123Z", &t), 0);
	CHECK_INT(t, 1796313600);
	CHECK_INT(aws_parse_time("2026-12-03T17:30:00+01:30", &t), 0); /* botocore's isoformat */
	CHECK_INT(t, 1796313600);
	CHECK_INT(aws_parse_time("2026-12-03T14:00:00-0200", &t), 0);
	CHECK_INT(t, 1796313600);
	CHECK_INT(aws_parse_time("1970-01-01T00:00:00Z", &t), 0);
	CHECK_INT(t, 0);
	CHECK_INT(aws_parse_time("2024-02-29T00:00:00Z", &t), 0);
	CHECK_INT(aws_parse_time("2000-02-29T00:00:00Z", &t), 0);   /* divisible by 400: leap */
	static const char *const bad[] = {
		"2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2100-02-29T12:00:00Z",
		"", "2026-12-03", "2026-12-03T16:00:00", "2026-12-03 16:00:00Z", "2026-13-03T16:00:00Z",
		"2026-12-32T16:00:00Z", "2026-02-30T16:00:00Z", "2026-12-03T24:00:00Z",
		"2026-12-03T16:60:00Z", "2026-12-03T16:00:00.Z", "2026-12-03T16:00:00ZZ",
		"2026-12-03T16:00:00+1", "2026-12-03T16:00:00+01:00x", "+2026-12-03T16:00:00Z",
		"2026-1a-03T16:00:00Z", "Thu, 03 Dec 2026 16:00:00 GMT",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = aws_parse_time(bad[i], &t);
		if (rc != -1)
			printf("# accepted: %s\n", bad[i]);
		CHECK_INT(rc, -1);
	}
}

#define STS_OK_HEAD "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">" \
	"<AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>system:serviceaccount:ns:sa" \
	"</SubjectFromWebIdentityToken><AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s</Arn>" \
	"<AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser><Credentials>"
#define STS_OK_TAIL "</Credentials></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>x" \
	"</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>"
#define STS_CREDS "<SessionToken>FwoGZXIvYXdzEXAMPLE/TOKEN+1=</SessionToken>" \
	"<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>" \
	"<Expiration>2026-12-03T16:00:00Z</Expiration><AccessKeyId>ASIAEXAMPLE1</AccessKeyId>"

static int sts(const char *xml, struct aws_keys *k)
{
	aws_keys_free(k);
	buf_reset(&err);
	return aws_sts_parse(xml, strlen(xml), k, &err);
}

static void test_sts(void)
{
	struct aws_keys k = { 0 };
	CHECK_INT(sts(STS_OK_HEAD STS_CREDS STS_OK_TAIL, &k), 0);
	CHECK_STR(k.access_key, "ASIAEXAMPLE1");
	CHECK_STR(k.secret_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
	CHECK_STR(k.session_token, "FwoGZXIvYXdzEXAMPLE/TOKEN+1=");
	CHECK_INT(k.expiration, 1796313600);
	CHECK_INT(k.expires, 1);
	CHECK_STR(k.method, "assume-role-with-web-identity");
	/* the epoch is a time like any other: keys that expired then, not
	 * keys that never expire */
	CHECK_INT(sts(STS_OK_HEAD "<SessionToken>t-0123</SessionToken><SecretAccessKey>s-0123"
		      "</SecretAccessKey><Expiration>1970-01-01T00:00:00Z</Expiration><AccessKeyId>A"
		      "</AccessKeyId>" STS_OK_TAIL, &k), 0);
	CHECK_INT(k.expires, 1);
	CHECK_INT(k.expiration, 0);
	/* an empty session token: temporary keys always carry one */
	CHECK_INT(sts(STS_OK_HEAD "<SessionToken></SessionToken><SecretAccessKey>s-0123"
		      "</SecretAccessKey><Expiration>2026-12-03T16:00:00Z</Expiration><AccessKeyId>A"
		      "</AccessKeyId>" STS_OK_TAIL, &k), EXIT_AUTH);
	CHECK(contains(&err, "session token is empty"));
	CHECK(k.access_key == NULL);
	/* an error that echoes a registered token past the message's cut:
	 * redacted whole before the cut, no piece of it left */
	{
		char token[1204];
		struct buf doc = BUF_INIT;
		for (size_t i = 0; i < sizeof token - 1; i++)
			token[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7 + i / 36) % 36];
		token[sizeof token - 1] = '\0';
		log_add_secret(token);
		buf_printf(&doc, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>"
			   "token %s is not valid</Message></Error></ErrorResponse>", token);
		CHECK_INT(sts(doc.data, &k), EXIT_AUTH);
		char piece[9] = { 0 };
		int leaked = 0;
		for (size_t i = 0; i + 8 < sizeof token; i++) {
			memcpy(piece, token + i, 8);
			leaked += contains(&err, piece) != 0;
		}
		CHECK_INT(leaked, 0);
		CHECK(contains(&err, "token *** is not valid"));
		buf_free(&doc);
	}
	/* the secret parts are registered with the log at once */
	char out[256];
	log_redact(out, sizeof out, "s=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY t=FwoGZXIvYXdzEXAMPLE/TOKEN+1=");
	CHECK_STR(out, "s=*** t=***");

	/* an error document: its code and message, exit 3 */
	CHECK_INT(sts("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
		      "<Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>No OpenIDConnect "
		      "provider found</Message></Error><RequestId>r</RequestId></ErrorResponse>", &k),
		  EXIT_AUTH);
	CHECK(contains(&err, "InvalidIdentityToken: No OpenIDConnect provider found"));
	CHECK(k.access_key == NULL);

	/* truncated: in the middle of the credentials, or of a value */
	CHECK_INT(sts(STS_OK_HEAD STS_CREDS, &k), EXIT_AUTH);
	CHECK(contains(&err, "not complete XML"));
	CHECK_INT(sts(STS_OK_HEAD "<SessionToken>FwoGZXIvYX", &k), EXIT_AUTH);
	CHECK(k.access_key == NULL);
	CHECK_INT(sts("", &k), EXIT_AUTH);

	/* a field missing, or twice */
	CHECK_INT(sts(STS_OK_HEAD "<AccessKeyId>A</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
		      "<SessionToken>t</SessionToken>" STS_OK_TAIL, &k), EXIT_AUTH);
	CHECK(contains(&err, "no Credentials/Expiration"));
	CHECK_INT(sts(STS_OK_HEAD STS_CREDS "<AccessKeyId>ASIAOTHER</AccessKeyId>" STS_OK_TAIL, &k),
		  EXIT_AUTH);
	/* the fields only count inside Credentials, at their depth */
	CHECK_INT(sts("<R><AccessKeyId>A</AccessKeyId><Credentials>" STS_CREDS "</Credentials></R>",
		      &k), EXIT_AUTH);
	CHECK_INT(sts("<R><X><Y><Credentials>" STS_CREDS "</Credentials></Y></X></R>", &k), EXIT_AUTH);

	/* hostile: a DOCTYPE (entity expansion), an endless field, control
	 * characters in a key (header injection), a bad expiration */
	CHECK_INT(sts("<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;\">]>"
		      STS_OK_HEAD STS_CREDS STS_OK_TAIL, &k), EXIT_AUTH);
	CHECK(contains(&err, "DOCTYPE"));
	struct buf big = BUF_INIT;
	buf_adds(&big, STS_OK_HEAD "<SessionToken>");
	for (int i = 0; i < 20000; i++)
		buf_adds(&big, "x");
	buf_adds(&big, "</SessionToken>" STS_OK_TAIL);
	CHECK_INT(sts(big.data, &k), EXIT_AUTH);
	buf_free(&big);
	CHECK_INT(sts(STS_OK_HEAD "<SessionToken>a&#13;&#10;x-evil: 1</SessionToken>"
		      "<SecretAccessKey>s</SecretAccessKey><Expiration>2026-12-03T16:00:00Z</Expiration>"
		      "<AccessKeyId>A</AccessKeyId>" STS_OK_TAIL, &k), EXIT_AUTH);
	CHECK(contains(&err, "session token"));
	CHECK(!contains(&err, "x-evil"));
	CHECK_INT(sts(STS_OK_HEAD "<SessionToken>t</SessionToken><SecretAccessKey>s</SecretAccessKey>"
		      "<Expiration>tomorrow</Expiration><AccessKeyId>A</AccessKeyId>" STS_OK_TAIL, &k),
		  EXIT_AUTH);
	CHECK(contains(&err, "Expiration"));
	aws_keys_free(&k);
}

static int meta(const char *json, struct aws_keys *k)
{
	aws_keys_free(k);
	buf_reset(&err);
	return aws_metadata_parse(json, strlen(json), k, &err);
}

static void test_metadata(void)
{
	struct aws_keys k = { 0 };
	/* IMDS's form, and the container endpoint's (no Code) */
	CHECK_INT(meta("{\"Code\":\"Success\",\"LastUpdated\":\"2026-12-03T10:00:00Z\",\"Type\":"
		       "\"AWS-HMAC\",\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":\"imds-secret-0123\","
		       "\"Token\":\"imds-token-0123\",\"Expiration\":\"2026-12-03T16:00:00Z\"}", &k), 0);
	CHECK_STR(k.access_key, "ASIAIMDS");
	CHECK_STR(k.secret_key, "imds-secret-0123");
	CHECK_STR(k.session_token, "imds-token-0123");
	CHECK_INT(k.expiration, 1796313600);
	CHECK_INT(k.expires, 1);
	CHECK_INT(meta("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s-0123\",\"Token\":\"\","
		       "\"Expiration\":\"2026-12-03T16:00:00Z\"}", &k), EXIT_AUTH);
	CHECK(contains(&err, "session token is empty"));
	/* a Message echoing a secret, longer than the cut: redacted first */
	{
		char secret[700];
		struct buf doc = BUF_INIT;
		memset(secret, 'q', sizeof secret - 1);
		memcpy(secret, "metadata-secret-", 16);
		secret[sizeof secret - 1] = '\0';
		log_add_secret(secret);
		buf_printf(&doc, "{\"Code\":\"Denied\",\"Message\":\"bad %s\"}", secret);
		CHECK_INT(meta(doc.data, &k), EXIT_AUTH);
		CHECK(contains(&err, "Denied: bad ***"));
		CHECK(!contains(&err, "qqqqqqqq"));
		buf_free(&doc);
	}
	CHECK_INT(meta("{\"AccessKeyId\":\"ASIAECS\",\"SecretAccessKey\":\"ecs-secret-0123\",\"Token\":"
		       "\"ecs-token-0123\",\"Expiration\":\"2026-12-03T16:00:00+00:00\",\"RoleArn\":\"r\"}",
		       &k), 0);
	CHECK_STR(k.access_key, "ASIAECS");
	char out[128];
	log_redact(out, sizeof out, "ecs-secret-0123 ecs-token-0123");
	CHECK_STR(out, "*** ***");

	/* a failure answered as a document */
	CHECK_INT(meta("{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"Message\":\"EC2 cannot assume "
		       "the role\"}", &k), EXIT_AUTH);
	CHECK(contains(&err, "AssumeRoleUnauthorizedAccess: EC2 cannot assume the role"));
	/* missing, mistyped or repeated fields; not an object; not JSON */
	CHECK_INT(meta("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Expiration\":"
		       "\"2026-12-03T16:00:00Z\"}", &k), EXIT_AUTH);
	CHECK(contains(&err, "no Token"));
	CHECK_INT(meta("{\"AccessKeyId\":1,\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":"
		       "\"2026-12-03T16:00:00Z\"}", &k), EXIT_AUTH);
	CHECK_INT(meta("{\"AccessKeyId\":\"A\",\"AccessKeyId\":\"B\",\"SecretAccessKey\":\"s\","
		       "\"Token\":\"t\",\"Expiration\":\"2026-12-03T16:00:00Z\"}", &k), EXIT_AUTH);
	CHECK_INT(meta("[1,2]", &k), EXIT_AUTH);
	CHECK_INT(meta("", &k), EXIT_AUTH);
	/* truncated right after a secret: the message gives a position, never the text */
	CHECK_INT(meta("{\"SecretAccessKey\":\"truncated-secret-value-0123", &k), EXIT_AUTH);
	CHECK(!contains(&err, "truncated-secret"));
	CHECK(contains(&err, "not JSON"));
	CHECK_INT(meta("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Token\":\"t\\r\\nx: y\","
		       "\"Expiration\":\"2026-12-03T16:00:00Z\"}", &k), EXIT_AUTH);
	CHECK_INT(meta("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Token\":\"t\","
		       "\"Expiration\":\"soon\"}", &k), EXIT_AUTH);
	CHECK(k.access_key == NULL);
	aws_keys_free(&k);
}

/* The chain without the network: a private HOME, IMDS off. */
static char home[64];

static void write_file(const char *name, const char *text)
{
	char path[128];
	snprintf(path, sizeof path, "%s/.aws/%s", home, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static int resolve(struct aws_creds **c)
{
	struct globals g = { .retries = 1, .contimeout_ms = 1000 };
	struct aws_chain_opts o = { &g, NULL, NULL, "us-east-1" };
	aws_creds_free(*c);
	*c = NULL;
	buf_reset(&err);
	return aws_creds_resolve(&o, c, &err);
}

static void test_chain(void)
{
	struct aws_creds *c = NULL;
	const struct aws_keys *k;
	char dir[96];
	snprintf(home, sizeof home, "/tmp/initc-test-aws-XXXXXX");
	if (!mkdtemp(home))
		return;
	snprintf(dir, sizeof dir, "%s/.aws", home);
	mkdir(dir, 0700);
	static const char *const vars[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
		"AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE",
		"AWS_CONFIG_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
	setenv("HOME", home, 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);

	/* nothing: every provider says what it lacked */
	CHECK_INT(resolve(&c), EXIT_AUTH);
	CHECK(contains(&err, "env: AWS_ACCESS_KEY_ID unset; web identity: "
		       "AWS_WEB_IDENTITY_TOKEN_FILE unset; shared files: no [default] in "));
	CHECK(contains(&err, "container: no AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI; "
		       "IMDS: AWS_EC2_METADATA_DISABLED=true"));

	/* the shared credentials file, then the config file */
	write_file("credentials", "[default]\naws_access_key_id = AKIDFILE\n"
		   "aws_secret_access_key = file-secret-0123\n");
	CHECK_INT(resolve(&c), 0);
	CHECK_INT(aws_creds_current(c, time(NULL), &k, &err), 0);
	CHECK_STR(k->access_key, "AKIDFILE");
	CHECK_STR(k->method, "shared-credentials-file");
	CHECK_INT(k->expires, 0);
	setenv("AWS_PROFILE", "other", 1);
	write_file("config", "[profile other]\naws_access_key_id = AKIDCONF\n"
		   "aws_secret_access_key = conf-secret-0123\n");
	CHECK_INT(resolve(&c), 0);
	CHECK_INT(aws_creds_current(c, time(NULL), &k, &err), 0);
	CHECK_STR(k->method, "config-file");
	setenv("AWS_PROFILE", "nowhere", 1);
	CHECK_INT(resolve(&c), EXIT_USAGE);
	CHECK(contains(&err, "profile nowhere"));

	/* refusals, where botocore would have used them */
	setenv("AWS_PROFILE", "sso", 1);
	write_file("config", "[profile sso]\nsso_session = corp\n[sso-session corp]\nsso_region = x\n");
	CHECK_INT(resolve(&c), EXIT_USAGE);
	CHECK(contains(&err, "sso_session"));
	setenv("AWS_PROFILE", "proc", 1);
	write_file("config", "[profile proc]\ncredential_process = /bin/echo\n");
	CHECK_INT(resolve(&c), EXIT_USAGE);
	CHECK(contains(&err, "credential_process"));
	setenv("AWS_PROFILE", "role", 1);
	write_file("config", "[profile role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = default\n");
	CHECK_INT(resolve(&c), EXIT_USAGE);
	CHECK(contains(&err, "role_arn with source_profile"));
	/* env keys come first, whatever the profile holds */
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "env-secret-0123", 1);
	CHECK_INT(resolve(&c), 0);
	CHECK_INT(aws_creds_current(c, time(NULL), &k, &err), 0);
	CHECK_STR(k->access_key, "AKIDENV");
	CHECK_STR(k->method, "env");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	CHECK_INT(resolve(&c), EXIT_USAGE);
	CHECK(contains(&err, "AWS_SECRET_ACCESS_KEY"));
	unsetenv("AWS_ACCESS_KEY_ID");

	/* web identity without a role, or with an unreadable token file */
	unsetenv("AWS_PROFILE");
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token", 1);
	CHECK_INT(resolve(&c), EXIT_USAGE);
	CHECK(contains(&err, "AWS_ROLE_ARN"));
	setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/r", 1);
	CHECK_INT(resolve(&c), EXIT_AUTH);
	CHECK(contains(&err, "web identity: cannot read AWS_WEB_IDENTITY_TOKEN_FILE=/nonexistent/token"));
	unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
	unsetenv("AWS_ROLE_ARN");

	/* a container endpoint the SDKs would not call (no keys in the files,
	 * which come first) */
	write_file("credentials", "");
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.169.254/creds", 1);
	CHECK_INT(resolve(&c), EXIT_USAGE);
	CHECK(contains(&err, "169.254.169.254"));
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://[::2]:80/creds", 1);
	CHECK_INT(resolve(&c), EXIT_USAGE);
	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");

	/* token files: a trailing line break is no part of the token; a FIFO
	 * is refused at once (opened without blocking) */
	{
		char path[128], *tok = NULL;
		snprintf(path, sizeof path, "%s/tok", home);
		FILE *f = fopen(path, "w");
		fputs("token-file-value-0123\r\n", f);
		fclose(f);
		buf_reset(&err);
		CHECK_INT(aws_read_token_file(path, "VAR", &tok, &err), 0);
		CHECK_STR(tok, "token-file-value-0123");
		free(tok);
		f = fopen(path, "w");
		fputs("\n", f);
		fclose(f);
		CHECK_INT(aws_read_token_file(path, "VAR", &tok, &err), EXIT_AUTH);
		CHECK(contains(&err, "only a line break"));
		snprintf(path, sizeof path, "%s/fifo", home);
		CHECK_INT(mkfifo(path, 0600), 0);
		buf_reset(&err);
		CHECK_INT(aws_read_token_file(path, "VAR", &tok, &err), EXIT_AUTH);
		CHECK(contains(&err, "not a regular file"));
	}

	/* static keys never expire and are never refreshed */
	aws_creds_free(c);
	c = aws_creds_static("AKIDSTATIC", "static-secret-0123", "");
	CHECK_INT(aws_creds_current(c, time(NULL) + 100 * 365 * 86400L, &k, &err), 0);
	CHECK(k->session_token == NULL);
	aws_creds_free(c);

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	if (system(cmd))
		printf("# could not remove %s\n", home);
}

int main(void)
{
	test_time();
	test_sts();
	test_metadata();
	test_chain();
	buf_free(&err);
	return T_DONE();
}
