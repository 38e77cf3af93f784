/* Google Cloud Storage remotes: the backend tables (type names as rclone's
 * fs.Find accepts them, options), the anonymous XML API target built from
 * a remote, and the requests it makes. */
#include "exitcode.h"
#include "rclone_config.h"
#include "s3.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

extern char **environ;

static struct buf err = BUF_INIT;

static int contains(const struct buf *b, const char *s)
{
	return b->data && strstr(b->data, s) != NULL;
}

/* No RCLONE_* variable and no config file: each case sets its own. */
static void clean_env(void)
{
	for (;;) {
		char **e = environ;
		while (*e && strncmp(*e, "RCLONE_", 7))
			e++;
		if (!*e)
			break;
		char *name = xstrndup(*e, strcspn(*e, "="));
		unsetenv(name);
		free(name);
	}
	setenv("RCLONE_CONFIG", "", 1);
	buf_reset(&err);
}

static void test_type_names(void)
{
	/* the name, the prefix, the name without its spaces; case-sensitive */
	CHECK(rbackend_find("google cloud storage") == &rbackend_gcs);
	CHECK(rbackend_find("gcs") == &rbackend_gcs);
	CHECK(rbackend_find("googlecloudstorage") == &rbackend_gcs);
	CHECK(rbackend_find("s3") == &rbackend_s3);
	CHECK(rbackend_find("GCS") == NULL);
	CHECK(rbackend_find("Google Cloud Storage") == NULL);
	CHECK(rbackend_find("google  cloud storage") == NULL);
	CHECK(rbackend_find("googlecloud storage") == NULL);
	CHECK(rbackend_find("google cloud storag") == NULL);
	CHECK(rbackend_find("google cloud storagee") == NULL);
	CHECK(rbackend_find("gs") == NULL);
	CHECK(rbackend_find("") == NULL);
	CHECK(rbackend_find("sftp") == NULL);
}

/* ropt_find answers for every backend at once: a name two backends
 * share must mean the same kind in both, and no table names one twice. */
static void test_tables(void)
{
	int clash = 0, dup = 0, unexplained = 0;
	for (size_t b = 0; rbackends[b]; b++) {
		const struct rbackend *be = rbackends[b];
		for (size_t i = 0; i < be->noptions; i++) {
			const struct ropt *o = &be->options[i];
			const struct ropt *any = ropt_find(o->name);
			clash += any->kind != o->kind;
			dup += ropt_find_in(be, o->name) != o;
			unexplained += o->refused && !*o->refused;
		}
	}
	CHECK_INT(clash, 0);
	CHECK_INT(dup, 0);
	CHECK_INT(unexplained, 0);
	/* the connection-string scanner hides these values before a type is known */
	static const char *const secrets[] = { "service_account_credentials", "token",
					       "access_token", "client_secret", "client_id" };
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		CHECK(ropt_find(secrets[i]) && ropt_find(secrets[i])->kind == ROPT_SECRET);
	/* and shows these: anonymous=true is no secret to redact everywhere */
	CHECK(ropt_find("anonymous") && ropt_find("anonymous")->kind == ROPT_BOOL);
	CHECK(ropt_find_in(&rbackend_gcs, "provider") == NULL);
	CHECK(ropt_find_in(&rbackend_s3, "anonymous") == NULL);
	CHECK(ropt_find_in(&rbackend_gcs, "decompress")->refused != NULL);
	CHECK(ropt_find_in(&rbackend_gcs, "user_project")->refused != NULL);
	CHECK(ropt_find_in(&rbackend_gcs, "directory_markers")->kind == ROPT_IGNORED);
}

static int gcs_target(const char *name, const char *params, struct s3_target *t)
{
	struct remote r;
	int rc = remote_resolve(name, params, &r, &err);
	if (!rc)
		rc = remote_check_options(&r, &err);
	if (!rc)
		rc = s3_target_from_gcs_remote(&r, NULL, t, &err);
	remote_free(&r);
	return rc;
}

static void test_target(void)
{
	struct s3_target t;

	clean_env();
	CHECK_INT(gcs_target(":gcs", "anonymous=true", &t), 0);
	CHECK_STR(t.scheme, "https");
	CHECK_STR(t.host, "storage.googleapis.com");
	CHECK_STR(t.base_path, "");
	CHECK(t.creds == NULL);
	CHECK_INT(t.path_style, 1);
	CHECK_INT(t.list_version, 1);
	CHECK_INT(t.list_url_encode, 0);
	CHECK_INT(t.as_stored, 1);
	CHECK(strstr(t.origin, "anonymous") != NULL);
	s3_target_free(&t);

	/* rclone's endpoint is the JSON API's base URL: same host, XML at its root */
	CHECK_INT(gcs_target(":gcs", "anonymous,endpoint='http://127.0.0.1:9/storage/v1/'", &t), 0);
	CHECK_STR(t.scheme, "http");
	CHECK_STR(t.host, "127.0.0.1:9");
	CHECK_STR(t.base_path, "");
	s3_target_free(&t);
	CHECK_INT(gcs_target(":gcs", "anonymous,endpoint='https://gw.example/gcs/storage/v1'", &t), 0);
	CHECK_STR(t.base_path, "/gcs");
	s3_target_free(&t);
	CHECK_INT(gcs_target(":gcs", "anonymous,endpoint=storage.example", &t), 0);
	CHECK_STR(t.scheme, "https");
	CHECK_STR(t.host, "storage.example");
	s3_target_free(&t);
	CHECK_INT(gcs_target(":gcs", "anonymous,endpoint='ftp://x'", &t), EXIT_USAGE);
	s3_target_free(&t);
}

static void test_requests(void)
{
	struct s3_target t;
	struct s3_request req;

	clean_env();
	CHECK_INT(gcs_target(":google cloud storage", "anonymous=true", &t), 0);
	/* an object's GET: unsigned, path style (dotted names too), bytes as stored */
	CHECK_INT(s3_request_build(&t, "GET", "my.models", "iris/model.bin", NULL, 0, NULL, 1, &req, &err), 0);
	CHECK_STR(req.url.data, "https://storage.googleapis.com/my.models/iris/model.bin");
	CHECK_STR(hdrs_get(&req.headers, "accept-encoding"), "gzip");
	CHECK(hdrs_get(&req.headers, "authorization") == NULL);
	CHECK(hdrs_get(&req.headers, "x-amz-date") == NULL);
	s3_request_free(&req);
	/* a listing: no Accept-Encoding, or Google could gzip the XML itself */
	struct kv q = { "prefix", "iris/" };
	CHECK_INT(s3_request_build(&t, "GET", "seldon-models", NULL, &q, 1, NULL, 0, &req, &err), 0);
	CHECK_STR(req.url.data, "https://storage.googleapis.com/seldon-models/?prefix=iris%2F");
	CHECK(hdrs_get(&req.headers, "accept-encoding") == NULL);
	CHECK(hdrs_get(&req.headers, "authorization") == NULL);
	s3_request_free(&req);
	s3_target_free(&t);
}

static void test_refusals(void)
{
	struct s3_target t;
	struct remote r;
	struct buf from = BUF_INIT;

	clean_env();
	setenv("RCLONE_CONFIG_GS_TYPE", "google cloud storage", 1);
	setenv("RCLONE_CONFIG_GS_SERVICE_ACCOUNT_FILE", "/var/secrets/sa.json", 1);
	CHECK_INT(gcs_target("gs", NULL, &t), EXIT_USAGE);
	CHECK(contains(&err, "sets service_account_file (RCLONE_CONFIG_GS_SERVICE_ACCOUNT_FILE)"));
	CHECK(contains(&err, "set RCLONE_CONFIG_GS_ANONYMOUS=true"));
	s3_target_free(&t);

	/* anonymous wins, as in rclone's NewFs */
	buf_reset(&err);
	setenv("RCLONE_CONFIG_GS_ANONYMOUS", "true", 1);
	CHECK_INT(gcs_target("gs", NULL, &t), 0);
	CHECK(t.creds == NULL);
	s3_target_free(&t);

	/* a credential at its default is none: env_auth=false */
	clean_env();
	setenv("RCLONE_CONFIG_GS_TYPE", "gcs", 1);
	setenv("RCLONE_CONFIG_GS_ENV_AUTH", "false", 1);
	CHECK_INT(remote_resolve("gs", NULL, &r, &err), 0);
	CHECK(remote_credential_set(&r, &from) == NULL);
	remote_free(&r);
	setenv("RCLONE_CONFIG_GS_ENV_AUTH", "true", 1);
	CHECK_INT(remote_resolve("gs", NULL, &r, &err), 0);
	const struct ropt *o = remote_credential_set(&r, &from);
	CHECK_STR(o ? o->name : NULL, "env_auth");
	CHECK_STR(from.data, "RCLONE_CONFIG_GS_ENV_AUTH");
	remote_free(&r);
	/* s3 has no credential marks: its keys are read, not refused */
	clean_env();
	CHECK_INT(remote_resolve(":s3", "access_key_id=AKID,secret_access_key=SECRETKEY1", &r, &err), 0);
	CHECK(remote_credential_set(&r, &from) == NULL);
	remote_free(&r);
	buf_free(&from);

	/* an unknown option: the nearest gcs name, never an s3 one */
	clean_env();
	CHECK_INT(remote_resolve(":gcs", "anonymus=true", &r, &err), 0);
	CHECK_INT(remote_check_options(&r, &err), EXIT_USAGE);
	CHECK(contains(&err, "unknown rclone google cloud storage option anonymus"));
	CHECK(contains(&err, "did you mean anonymous (ANONYMOUS)"));
	remote_free(&r);
}

/* --gcs-anonymous is RCLONE_GCS_ANONYMOUS, whatever name the type has */
static void test_flag_variables(void)
{
	struct remote r;
	struct buf origin = BUF_INIT;

	clean_env();
	setenv("RCLONE_CONFIG_GS_TYPE", "google cloud storage", 1);
	setenv("RCLONE_GCS_ANONYMOUS", "true", 1);
	CHECK_INT(remote_resolve("gs", NULL, &r, &err), 0);
	CHECK(r.backend == &rbackend_gcs);
	CHECK_STR(remote_get(&r, "anonymous", &origin), "true");
	CHECK_STR(origin.data, "RCLONE_GCS_ANONYMOUS");
	remote_free(&r);
	buf_free(&origin);

	/* a type initc does not read has no backend, and nothing to check */
	clean_env();
	setenv("RCLONE_CONFIG_GS_TYPE", "sftp", 1);
	setenv("RCLONE_CONFIG_GS_HOST", "example.com", 1);
	CHECK_INT(remote_resolve("gs", NULL, &r, &err), 0);
	CHECK(r.backend == NULL);
	CHECK_INT(remote_check_options(&r, &err), 0);
	remote_free(&r);
}

int main(void)
{
	test_type_names();
	test_tables();
	test_target();
	test_requests();
	test_refusals();
	test_flag_variables();
	clean_env();
	buf_free(&err);
	return T_DONE();
}
