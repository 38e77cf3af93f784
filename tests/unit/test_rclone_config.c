/* rclone configuration (initc/rclone_config.h) read as rclone reads it,
 * FACTS §2: environment, config file, connection strings, value formats,
 * unknown-option suggestions. Every test starts from an environment with
 * no RCLONE_* variable and HOME/XDG_CONFIG_HOME in a fresh temp dir. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "log.h"
#include "connstr.h"
#include "rclone_config.h"
#include "t.h"

extern char **environ;

static char tmpdir[] = "/tmp/test_rclone_config.XXXXXX";

/* Unset every RCLONE_* variable (names collected first: unsetenv
 * rewrites environ while we walk it). */
static void clean_env(void)
{
	char *names[512];
	size_t n = 0;
	for (char **e = environ; *e && n < 512; e++)
		if (!strncmp(*e, "RCLONE_", 7))
			names[n++] = strndup(*e, strcspn(*e, "="));
	for (size_t i = 0; i < n; i++) {
		unsetenv(names[i]);
		free(names[i]);
	}
	setenv("HOME", tmpdir, 1);
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
}

static char *write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	return path;
}

static int contains(const struct buf *b, const char *what)
{
	return b->data && strstr(b->data, what);
}

/* ---- remotes from the environment ---------------------------------------- */

static void test_type_makes_a_remote(void)
{
	struct remote r;
	struct buf err = BUF_INIT;
	clean_env();
	setenv("RCLONE_CONFIG_MYS3_ENDPOINT", "http://127.0.0.1:9000", 1);
	CHECK_INT(remote_resolve("mys3", NULL, &r, &err), EXIT_NOTFOUND);
	CHECK(contains(&err, "RCLONE_CONFIG_MYS3_TYPE"));
	remote_free(&r);
	buf_reset(&err);

	setenv("RCLONE_CONFIG_MYS3_TYPE", "s3", 1);
	CHECK_INT(remote_resolve("mys3", NULL, &r, &err), 0);
	CHECK_STR(r.type, "s3");
	CHECK_STR(r.type_origin, "environment");
	CHECK_STR(r.env_name, "MYS3");
	remote_free(&r);
	buf_free(&err);
}

/* mys3: and MYS3: both read RCLONE_CONFIG_MYS3_*. */
static void test_upper_case_matching(void)
{
	static const char *const spellings[] = { "mys3", "MYS3", "MyS3" };
	clean_env();
	setenv("RCLONE_CONFIG_MYS3_TYPE", "s3", 1);
	setenv("RCLONE_CONFIG_MYS3_ENDPOINT", "http://127.0.0.1:9000", 1);
	for (size_t i = 0; i < 3; i++) {
		struct remote r;
		struct buf err = BUF_INIT, origin = BUF_INIT;
		CHECK_INT(remote_resolve(spellings[i], NULL, &r, &err), 0);
		CHECK_STR(r.name, spellings[i]);
		CHECK_STR(remote_get(&r, "endpoint", &origin), "http://127.0.0.1:9000");
		CHECK_STR(origin.data, "RCLONE_CONFIG_MYS3_ENDPOINT");
		CHECK(remote_get(&r, "region", NULL) == NULL);
		CHECK_INT(remote_check_options(&r, &err), 0);
		remote_free(&r);
		buf_free(&err);
		buf_free(&origin);
	}
}

/* Option names: access_key_id is RCLONE_CONFIG_<R>_ACCESS_KEY_ID, and a
 * dash in the asked name becomes '_'. Dashes in remote names stay. */
static void test_option_and_remote_names(void)
{
	struct remote r;
	struct buf err = BUF_INIT;
	clean_env();
	setenv("RCLONE_CONFIG_MY-REMOTE_TYPE", "s3", 1);
	setenv("RCLONE_CONFIG_MY-REMOTE_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	CHECK_INT(remote_resolve("my-remote", NULL, &r, &err), 0);
	CHECK_STR(remote_get(&r, "access_key_id", NULL), "AKIDEXAMPLE");
	CHECK_STR(remote_get(&r, "access-key-id", NULL), "AKIDEXAMPLE");
	CHECK_INT(remote_check_options(&r, &err), 0);
	remote_free(&r);
	buf_free(&err);
}

/* A remote name may contain '_'; reading remote MY must not take
 * MY_REMOTE's variables for MY's (unknown) options. */
static void test_underscore_names(void)
{
	struct remote r;
	struct buf err = BUF_INIT;
	clean_env();
	setenv("RCLONE_CONFIG_MY_REMOTE_TYPE", "s3", 1);
	setenv("RCLONE_CONFIG_MY_REMOTE_ENDPOINT", "http://remote:9000", 1);
	setenv("RCLONE_CONFIG_MY_REMOTE_SECRET_ACCESS_KEY", "remote-secret", 1);
	setenv("RCLONE_CONFIG_MY_TYPE", "s3", 1);
	setenv("RCLONE_CONFIG_MY_ENDPOINT", "http://my:9000", 1);

	CHECK_INT(remote_resolve("my_remote", NULL, &r, &err), 0);
	CHECK_STR(remote_get(&r, "endpoint", NULL), "http://remote:9000");
	CHECK_INT(remote_check_options(&r, &err), 0);
	remote_free(&r);

	CHECK_INT(remote_resolve("MY", NULL, &r, &err), 0);
	CHECK_STR(remote_get(&r, "endpoint", NULL), "http://my:9000");
	CHECK_INT(remote_check_options(&r, &err), 0);
	CHECK(!contains(&err, "REMOTE_ENDPOINT"));
	remote_free(&r);
	buf_reset(&err);

	/* but a real typo of MY's own is still caught */
	setenv("RCLONE_CONFIG_MY_ENDPIONT", "x", 1);
	CHECK_INT(remote_resolve("MY", NULL, &r, &err), 0);
	CHECK_INT(remote_check_options(&r, &err), EXIT_USAGE);
	CHECK(contains(&err, "RCLONE_CONFIG_MY_ENDPIONT"));
	remote_free(&r);
	buf_free(&err);
}

/* MY_REMOTE defined by the config file, one of its options overridden in
 * the environment: that variable belongs to MY_REMOTE, not to MY. */
static void test_underscore_names_with_file(void)
{
	struct remote r;
	struct buf err = BUF_INIT;
	clean_env();
	char *conf = write_file("under.conf", "[MY_REMOTE]\ntype = s3\nprovider = Minio\n");
	setenv("RCLONE_CONFIG", conf, 1);
	setenv("RCLONE_CONFIG_MY_REMOTE_ENDPOINT", "http://remote:9000", 1);
	setenv("RCLONE_CONFIG_MY_TYPE", "s3", 1);

	CHECK_INT(remote_resolve("MY_REMOTE", NULL, &r, &err), 0);
	CHECK_STR(remote_get(&r, "endpoint", NULL), "http://remote:9000");
	remote_free(&r);
	CHECK_INT(remote_resolve("MY", NULL, &r, &err), 0);
	CHECK_INT(remote_check_options(&r, &err), 0);
	if (err.len)
		printf("# %s\n", err.data);
	remote_free(&r);
	buf_free(&err);
	unlink(conf);
	free(conf);
}

/* ---- precedence -------------------------------------------------------------- */

static void test_precedence(void)
{
	struct remote r;
	struct buf err = BUF_INIT, origin = BUF_INIT;
	clean_env();
	char *conf = write_file("prec.conf",
				"# rclone config\n"
				"[other]\ntype = s3\nendpoint = http://other\n\n"
				"[s3]\n"
				"type = s3\n"
				"  endpoint   =   http://file:1  \n"
				"; a comment = not an option\n"
				"region = eu-west-1\n"
				"acl = private\n"
				"[after]\nregion = xx\n");
	setenv("RCLONE_CONFIG", conf, 1);

	CHECK_INT(remote_resolve("s3", "endpoint=http://conn:4", &r, &err), 0);
	CHECK_STR(r.type_origin, "config file");
	CHECK_STR(r.file_path, conf);
	CHECK_STR(remote_get(&r, "endpoint", &origin), "http://conn:4");
	CHECK(contains(&origin, "connection string"));
	CHECK_STR(remote_get(&r, "region", &origin), "eu-west-1");
	CHECK(contains(&origin, conf));
	CHECK(remote_get(&r, "a comment", NULL) == NULL);
	CHECK_INT(remote_check_options(&r, &err), 0);
	remote_free(&r);

	/* file < RCLONE_CONFIG_S3_* < RCLONE_S3_* < connection string */
	CHECK_INT(remote_resolve("s3", NULL, &r, &err), 0);
	CHECK_STR(remote_get(&r, "endpoint", &origin), "http://file:1");
	setenv("RCLONE_CONFIG_S3_ENDPOINT", "http://config-env:2", 1);
	CHECK_STR(remote_get(&r, "endpoint", &origin), "http://config-env:2");
	CHECK_STR(origin.data, "RCLONE_CONFIG_S3_ENDPOINT");
	setenv("RCLONE_S3_ENDPOINT", "http://flag-env:3", 1);
	CHECK_STR(remote_get(&r, "endpoint", &origin), "http://flag-env:3");
	CHECK_STR(origin.data, "RCLONE_S3_ENDPOINT");
	remote_free(&r);
	CHECK_INT(remote_resolve("s3", "endpoint=http://conn:4", &r, &err), 0);
	CHECK_STR(remote_get(&r, "endpoint", NULL), "http://conn:4");
	remote_free(&r);

	/* an empty value counts as set: it hides the file's value */
	unsetenv("RCLONE_S3_ENDPOINT");
	setenv("RCLONE_CONFIG_S3_ENDPOINT", "", 1);
	setenv("RCLONE_CONFIG_S3_REGION", "", 1);
	CHECK_INT(remote_resolve("s3", NULL, &r, &err), 0);
	CHECK_STR(remote_get(&r, "endpoint", NULL), "");
	CHECK_STR(remote_get(&r, "region", NULL), "");
	remote_free(&r);

	/* the flag variables follow the remote's type, not its name */
	clean_env();
	setenv("RCLONE_CONFIG_MINIO_TYPE", "s3", 1);
	setenv("RCLONE_CONFIG_MINIO_REGION", "config-region", 1);
	setenv("RCLONE_S3_REGION", "flag-region", 1);
	CHECK_INT(remote_resolve("minio", NULL, &r, &err), 0);
	CHECK_STR(remote_get(&r, "region", NULL), "flag-region");
	remote_free(&r);

	buf_free(&err);
	buf_free(&origin);
	unlink(conf);
	free(conf);
}

/* ---- the config file ------------------------------------------------------------ */

static void test_config_file_location(void)
{
	struct remote r;
	struct buf err = BUF_INIT;
	char *dir = xasprintf("%s/rclone", tmpdir);
	mkdir(dir, 0700);
	char *conf = write_file("rclone/rclone.conf", "[xdg]\ntype = s3\nprovider = Minio\n");

	/* unset RCLONE_CONFIG: $XDG_CONFIG_HOME/rclone/rclone.conf */
	clean_env();
	CHECK_INT(remote_resolve("xdg", NULL, &r, &err), 0);
	CHECK_STR(r.file_path, conf);
	CHECK_STR(remote_get(&r, "provider", NULL), "Minio");
	remote_free(&r);

	/* RCLONE_CONFIG="" and /dev/null: no file at all */
	static const char *const none[] = { "", "/dev/null" };
	for (int i = 0; i < 2; i++) {
		clean_env();
		setenv("RCLONE_CONFIG", none[i], 1);
		buf_reset(&err);
		CHECK_INT(remote_resolve("xdg", NULL, &r, &err), EXIT_NOTFOUND);
		CHECK(r.file_path == NULL);
		CHECK(contains(&err, "RCLONE_CONFIG_XDG_TYPE"));
		remote_free(&r);
	}

	/* a named file that does not exist is no file, not an error */
	clean_env();
	setenv("RCLONE_CONFIG", "/nonexistent/rclone.conf", 1);
	setenv("RCLONE_CONFIG_E_TYPE", "s3", 1);
	CHECK_INT(remote_resolve("e", NULL, &r, &err), 0);
	remote_free(&r);

	/* a section that is absent: not found, with a hint naming the file */
	clean_env();
	buf_reset(&err);
	CHECK_INT(remote_resolve("absent", NULL, &r, &err), EXIT_NOTFOUND);
	CHECK(contains(&err, "[absent]"));
	CHECK(contains(&err, conf));
	remote_free(&r);

	unlink(conf);
	rmdir(dir);
	free(conf);
	free(dir);
	buf_free(&err);
}

static void test_encrypted_config(void)
{
	struct remote r;
	struct buf err = BUF_INIT;
	clean_env();
	char *conf = write_file("enc.conf", "# Encrypted rclone configuration File\n\n"
				"RCLONE_ENCRYPT_V0:\nXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n");
	setenv("RCLONE_CONFIG", conf, 1);
	setenv("RCLONE_CONFIG_S3_TYPE", "s3", 1);
	CHECK_INT(remote_resolve("s3", NULL, &r, &err), EXIT_USAGE);
	CHECK(contains(&err, "encrypted"));
	CHECK(contains(&err, conf));
	remote_free(&r);
	buf_free(&err);
	unlink(conf);
	free(conf);
}

static void test_ini_reader(void)
{
	struct kv *kv;
	size_t n;
	struct buf err = BUF_INIT;
	char *conf = write_file("ini.conf", "[a]\nk = v=w\n#c = d\n;e = f\nnoequals\n"
				"  [ b ]  \n  x =  \n[a]\nk = last\n");
	CHECK_INT(ini_read_section(conf, "a", &kv, &n, &err), 1);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(kv[0].key, "k");
		CHECK_STR(kv[0].value, "v=w");
		CHECK_STR(kv[1].value, "last");
	}
	kv_free(kv, n);
	CHECK_INT(ini_read_section(conf, "b", &kv, &n, &err), 1);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_STR(kv[0].value, "");
	kv_free(kv, n);
	CHECK_INT(ini_read_section(conf, "c", &kv, &n, &err), 0);
	CHECK_INT(n, 0);
	kv_free(kv, n);
	CHECK_INT(ini_read_section("/nonexistent/x.conf", "a", &kv, &n, &err), 0);
	kv_free(kv, n);
	CHECK_INT(ini_read_section(tmpdir, "a", &kv, &n, &err), -1); /* a directory */
	kv_free(kv, n);
	unlink(conf);
	free(conf);

	/* rclone reads lines of any length: a long session token is one value,
	 * and its tail is not read as another line (8175 = where a line cut
	 * at 8 KiB would end, so the tail would parse as "endpoint = ...") */
	struct buf text = BUF_INIT;
	buf_adds(&text, "[s3]\nsession_token = ");
	for (int i = 0; i < 8175; i++)
		buf_addc(&text, (char)('a' + i % 26));
	buf_adds(&text, "endpoint = http://tail\nregion = r1\n");
	conf = write_file("long.conf", text.data);
	CHECK_INT(ini_read_section(conf, "s3", &kv, &n, &err), 1);
	CHECK_INT(n, 2);
	CHECK_INT(n ? strlen(kv[0].value) : 0, 8175 + strlen("endpoint = http://tail"));
	for (size_t i = 0; i < n; i++)
		CHECK(strcmp(kv[i].key, "endpoint") != 0);
	kv_free(kv, n);
	unlink(conf);
	free(conf);
	buf_free(&text);
	buf_free(&err);
}

/* ---- connection strings ------------------------------------------------------ */

static void test_connection_strings(void)
{
	struct kv *kv;
	size_t n;
	struct buf err = BUF_INIT;

	CHECK_INT(parse_conn_params("provider=Minio,endpoint='http://127.0.0.1:9000',env_auth,"
				    "access-key-id=K,note=\"a,b\",q='it''s'", &kv, &n, &err), 0);
	CHECK_INT(n, 6);
	if (n == 6) {
		CHECK_STR(kv[0].key, "provider");
		CHECK_STR(kv[0].value, "Minio");
		CHECK_STR(kv[1].value, "http://127.0.0.1:9000");
		CHECK_STR(kv[2].key, "env_auth");
		CHECK_STR(kv[2].value, "true");
		CHECK_STR(kv[3].key, "access_key_id");
		CHECK_STR(kv[4].value, "a,b");
		CHECK_STR(kv[5].value, "it's");
	}
	kv_free(kv, n);

	CHECK_INT(parse_conn_params("", &kv, &n, &err), 0);
	CHECK_INT(n, 0);
	kv_free(kv, n);

	static const char *const bad[] = { "endpoint='http://x", "=v", "a='x'y", "a=1,=2" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf_reset(&err);
		printf("# bad params: %s\n", bad[i]);
		CHECK_INT(parse_conn_params(bad[i], &kv, &n, &err), EXIT_USAGE);
		CHECK(kv == NULL && n == 0);
		CHECK(contains(&err, "quote"));
	}
	buf_free(&err);
}

/* ":s3,opt=v" needs no configuration at all. */
static void test_on_the_fly_remote(void)
{
	struct remote r;
	struct buf err = BUF_INIT, origin = BUF_INIT;
	clean_env();
	CHECK_INT(remote_resolve(":s3", "provider=Minio,endpoint='http://127.0.0.1:9000'",
				 &r, &err), 0);
	CHECK_STR(r.type, "s3");
	CHECK_STR(r.type_origin, "connection string");
	CHECK_STR(remote_get(&r, "endpoint", &origin), "http://127.0.0.1:9000");
	CHECK(contains(&origin, "connection string"));
	CHECK_INT(remote_check_options(&r, &err), 0);
	remote_free(&r);

	CHECK_INT(remote_resolve(":s3", "endpiont=http://x", &r, &err), 0);
	CHECK_INT(remote_check_options(&r, &err), EXIT_USAGE);
	CHECK(contains(&err, "endpiont"));
	CHECK(contains(&err, "endpoint"));
	CHECK(contains(&err, "parameter 1"));
	remote_free(&r);
	buf_reset(&err);

	/* a value pasted without its name is not echoed as a name */
	CHECK_INT(remote_resolve(":s3", "provider=Minio,AKIA/Pasted+Secret0", &r, &err), 0);
	CHECK_INT(remote_check_options(&r, &err), EXIT_USAGE);
	CHECK(contains(&err, "parameter 2"));
	CHECK(!contains(&err, "Pasted"));
	remote_free(&r);
	buf_reset(&err);

	/* a bare piece is never echoed, however much it looks like a name
	 * (MinIO's minio123), and gets no suggestion, which would hint at it */
	static const char *const bare[] = { "minio123", "abcdefghij", "versionz" };
	for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++) {
		char *params = xasprintf("provider=Minio,access_key_id=minio,%s", bare[i]);
		CHECK_INT(remote_resolve(":s3", params, &r, &err), 0);
		CHECK_INT(remote_check_options(&r, &err), EXIT_USAGE);
		CHECK(contains(&err, "parameter 3"));
		CHECK(!contains(&err, bare[i]));
		CHECK(!contains(&err, "did you mean"));
		remote_free(&r);
		buf_reset(&err);
		free(params);
	}

	/* rclone's names are case-sensitive (1.60 ignores Versions=maybe):
	 * named, with the spelling that works, and no "not shown" */
	CHECK_INT(remote_resolve(":s3", "provider=Minio,Versions=true", &r, &err), 0);
	CHECK_INT(remote_check_options(&r, &err), EXIT_USAGE);
	CHECK(contains(&err, "Versions"));
	CHECK(contains(&err, "write versions"));
	CHECK(!contains(&err, "not shown"));
	remote_free(&r);
	buf_reset(&err);

	CHECK_INT(remote_resolve(":s3", "endpoint='http://x", &r, &err), EXIT_USAGE);
	remote_free(&r);
	buf_free(&err);
	buf_free(&origin);
}

/* ---- unknown options and hints ------------------------------------------------ */

static void test_unknown_options(void)
{
	struct remote r;
	struct buf err = BUF_INIT;
	clean_env();
	setenv("RCLONE_CONFIG_S3_TYPE", "s3", 1);
	setenv("RCLONE_CONFIG_S3_ENDPIONT", "http://127.0.0.1:9000", 1);
	CHECK_INT(remote_resolve("s3", NULL, &r, &err), 0);
	CHECK_INT(remote_check_options(&r, &err), EXIT_USAGE);
	CHECK(contains(&err, "RCLONE_CONFIG_S3_ENDPIONT"));
	CHECK(contains(&err, "ENDPOINT"));
	CHECK(!contains(&err, "http://127.0.0.1:9000")); /* values are not echoed */
	remote_free(&r);
	buf_reset(&err);

	/* nothing near: no suggestion, but a way forward */
	unsetenv("RCLONE_CONFIG_S3_ENDPIONT");
	setenv("RCLONE_CONFIG_S3_ZZZZZZZZZZZZ", "1", 1);
	CHECK_INT(remote_resolve("s3", NULL, &r, &err), 0);
	CHECK_INT(remote_check_options(&r, &err), EXIT_USAGE);
	CHECK(contains(&err, "RCLONE_CONFIG_S3_ZZZZZZZZZZZZ"));
	CHECK(!contains(&err, "did you mean"));
	remote_free(&r);
	buf_reset(&err);

	/* in the config file */
	clean_env();
	char *conf = write_file("typo.conf", "[s3]\ntype = s3\nsecret_acess_key = X\n");
	setenv("RCLONE_CONFIG", conf, 1);
	CHECK_INT(remote_resolve("s3", NULL, &r, &err), 0);
	CHECK_INT(remote_check_options(&r, &err), EXIT_USAGE);
	CHECK(contains(&err, "secret_acess_key"));
	CHECK(contains(&err, "secret_access_key"));
	CHECK(contains(&err, conf));
	remote_free(&r);
	unlink(conf);
	free(conf);
	buf_reset(&err);

	/* a missing remote lists the remotes the environment does define */
	clean_env();
	setenv("RCLONE_CONFIG_MINIO_TYPE", "s3", 1);
	CHECK_INT(remote_resolve("s3", NULL, &r, &err), EXIT_NOTFOUND);
	CHECK(contains(&err, "MINIO"));
	CHECK(contains(&err, "RCLONE_CONFIG_S3_TYPE"));
	remote_free(&r);
	buf_free(&err);
}

static void test_option_table(void)
{
	CHECK(ropt_find("secret_access_key") && ropt_find("secret_access_key")->kind == ROPT_SECRET);
	CHECK(ropt_find("session_token") && ropt_find("session_token")->kind == ROPT_SECRET);
	CHECK(ropt_find("sse_customer_key") && ropt_find("sse_customer_key")->kind == ROPT_SECRET);
	CHECK(ropt_find("env_auth") && ropt_find("env_auth")->kind == ROPT_BOOL);
	CHECK(ropt_find("endpoint") && ropt_find("endpoint")->kind == ROPT_STRING);
	CHECK(ropt_find("ENDPOINT") == NULL);
	CHECK(ropt_find("endpiont") == NULL);
}

/* ---- secrets in connection strings and the environment ------------------------ */

#define LONG_SECRET "Long-Secret/0123456789+abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"-0123456789+abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789+abcdef" \
	"ghijklmnopqrstuvwxyzABCDEFGHIJ"
#define SHORT_SECRET "Sh0rt-S3cr"

/* Does text hold any 8-byte piece of secret? */
static int holds_piece(const char *text, const char *secret)
{
	for (size_t i = 0; i + 8 <= strlen(secret); i++) {
		char piece[9];
		memcpy(piece, secret + i, 8);
		piece[8] = '\0';
		if (strstr(text, piece))
			return 1;
	}
	return 0;
}

/* A connection string, however malformed, has the values of its secret
 * options (any spelling) registered before anything prints it. */
static const struct conn_case {
	const char *src;
	const char *visible; /* a part that must stay readable, or NULL */
} conn_cases[] = {
	/* well-formed: only the value goes */
	{ ":s3,provider=Minio,endpoint='http://h:9000',secret_access_key=@:bucket/dir", "bucket/dir" },
	{ ":s3,secret_access_key='@',provider=Minio:b", "provider=Minio:b" },
	{ ":s3,secret_access_key=\"@\":b", ":b" },
	{ "minio,session_token=@:b/p", "b/p" },
	{ ":s3,sse_customer_key=@:b", NULL },
	{ ":s3,sse-customer-key-base64=@:b", NULL },
	{ ":s3,SECRET_ACCESS_KEY=@:b", NULL },
	{ ":s3,secret-access-key=@:b", NULL },
	{ ":s3,ibm_api_key=@:b", NULL },
	/* a mistyped name, or a value pasted without its name */
	{ ":s3,secret_acess_key=@:b", NULL },
	{ ":s3,provider=Minio,@:b", "provider=Minio" },
	/* malformed: an unquoted endpoint ends the list early */
	{ ":s3,provider=Minio,endpoint=http://h:9000,access_key_id=K,secret_access_key=@:bucket",
	  "provider=Minio" },
	{ ":s3,endpoint=http://h:9000,secret_access_key=@", NULL },
	{ ":s3,endpoint=http://h:9000,secret_access_key='@':b", NULL },
	/* an unterminated quote: all that follows it */
	{ ":s3,secret_access_key='@:bucket/p", NULL },
	{ ":s3,provider=Minio,secret_access_key=\"@", "provider=Minio" },
	{ ":s3,secret_access_key=@,endpoint='http://h", NULL },
	/* junk after a closing quote */
	{ ":s3,secret_access_key='@'junk,provider=Minio:b", NULL },
	/* near misses, which parse as local paths or not at all: any
	 * secret option's value, wherever it is */
	{ "::s3,provider=Minio,secret_access_key=@:models/m", NULL },
	{ " :s3,provider=Minio,secret_access_key=@:models/m", NULL },
	{ ":s3;provider=Minio,secret_access_key=@:models/m", NULL },
	{ "my/remote,secret_access_key=@:b", NULL },
	{ "--src=:s3,provider=Minio,secret_access_key=@:models/m", NULL },
	{ "/mnt/models,secret_access_key=@", NULL },
	{ "s3://bucket/secret_access_key=@", NULL },
	{ "--s3-session-token=@", NULL },
	/* a value that looks like an option's name, pasted alone */
	{ ":s3,provider=Minio,access_key_id=minio,@:models/m", "provider=Minio" },
};

static void test_conn_register_secrets(void)
{
	static const char *const secrets[] = { LONG_SECRET, SHORT_SECRET, "with:colon:Secret1",
					       "ONLYUPPER1234", "wJal:rXUtnFEMIK7MDENG/bPxRfiCYzz",
					       "minio123" };
	for (size_t k = 0; k < sizeof secrets / sizeof secrets[0]; k++)
		for (size_t i = 0; i < sizeof conn_cases / sizeof conn_cases[0]; i++) {
			const struct conn_case *c = &conn_cases[i];
			struct buf src = BUF_INIT;
			for (const char *p = c->src; *p; p++)
				if (*p == '@')
					buf_adds(&src, secrets[k]);
				else
					buf_addc(&src, *p);
			printf("# secret %zu in %s\n", k, c->src);
			conn_register_secrets(src.data);
			char *shown = log_redact_dup(src.data);
			CHECK(!holds_piece(shown, secrets[k]));
			if (c->visible && !strchr(secrets[k], ':')) /* then malformed: all hidden */
				CHECK(strstr(shown, c->visible) != NULL);
			free(shown);
			log_forget_secrets();
			buf_free(&src);
		}

	/* a bare flag is no secret: "sklearn,mlflow" may be --requirements' */
	conn_register_secrets("sklearn,mlflow");
	char *flag = log_redact_dup("sklearn,mlflow");
	CHECK_STR(flag, "sklearn,mlflow");
	free(flag);

	/* a well-formed list ends at its ':': the path after it is no
	 * secret, whatever ',' or '=' it holds */
	const char *grid = ":s3,provider=Minio,secret_access_key=SecretXYZ123:models/grid,lr=0.001/run,"
			   "final/model";
	conn_register_secrets(grid);
	char *shown = log_redact_dup(grid);
	CHECK_STR(shown, ":s3,provider=Minio,secret_access_key=***:models/grid,lr=0.001/run,"
		  "final/model");
	free(shown);
	log_forget_secrets();

	/* an unquoted secret followed by two ':': all of it from the value on */
	const char *cut = ":s3,access_key_id=K,secret_access_key=wJal:rXUtnFEMIK7MDENG/bPx:models/m";
	conn_register_secrets(cut);
	shown = log_redact_dup(cut);
	CHECK_STR(shown, ":s3,access_key_id=K,secret_access_key=***");
	free(shown);
	log_forget_secrets();
}

/* Secrets are registered where they are read: the config file and the
 * environment, whichever spelling rclone reads. */
static void test_secrets_registered_when_read(void)
{
	struct remote r;
	struct buf err = BUF_INIT;
	clean_env();
	char *conf = write_file("secret.conf", "[filed]\ntype = s3\nsecret_access_key = FileSecret-123\n"
				"sse_customer_key = FileSseKey-456\n");
	setenv("RCLONE_CONFIG", conf, 1);
	CHECK_INT(remote_resolve("filed", NULL, &r, &err), 0);
	CHECK_STR(remote_get(&r, "secret_access_key", NULL), "FileSecret-123");
	CHECK_STR(remote_get(&r, "sse_customer_key", NULL), "FileSseKey-456");
	char *shown = log_redact_dup("a FileSecret-123 b FileSseKey-456");
	CHECK_STR(shown, "a *** b ***");
	free(shown);
	remote_free(&r);
	unlink(conf);
	free(conf);
	log_forget_secrets();

	clean_env();
	setenv("RCLONE_CONFIG_MY_REMOTE_SESSION_TOKEN", "EnvToken-789xyz", 1);
	setenv("RCLONE_S3_SSE_CUSTOMER_KEY_BASE64", "EnvSseB64-0000", 1);
	setenv("RCLONE_CONFIG_X_ENDPOINT", "http://not-a-secret", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "AwsSecret-abcdef", 1);
	setenv("AWS_SECURITY_TOKEN", "AwsOldToken-1234", 1); /* botocore's old name */
	env_register_secrets();
	shown = log_redact_dup("EnvToken-789xyz EnvSseB64-0000 AwsSecret-abcdef AwsOldToken-1234 "
			       "http://not-a-secret");
	CHECK_STR(shown, "*** *** *** *** http://not-a-secret");
	free(shown);
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SECURITY_TOKEN");
	clean_env();
	log_forget_secrets();
	buf_free(&err);
}

/* ---- options initc refuses -------------------------------------------------------- */

static const struct refused_case {
	const char *var, *value;
	int rc;
} refused_cases[] = {
	{ "RCLONE_CONFIG_S3_VERSIONS", "true", EXIT_USAGE },
	{ "RCLONE_CONFIG_S3_VERSIONS", "false", 0 },
	{ "RCLONE_CONFIG_S3_VERSIONS", "maybe", EXIT_USAGE },
	/* rclone 1.60 reads an empty boolean as false */
	{ "RCLONE_CONFIG_S3_VERSIONS", "", 0 },
	{ "RCLONE_CONFIG_S3_DECOMPRESS", "", 0 },
	{ "RCLONE_CONFIG_S3_MIGHT_GZIP", "", 0 },
	{ "RCLONE_CONFIG_S3_MIGHT_GZIP", "false", 0 },
	/* "off" is version_at's default only */
	{ "RCLONE_CONFIG_S3_ROLE_ARN", "off", EXIT_USAGE },
	{ "RCLONE_CONFIG_S3_DOWNLOAD_URL", "off", EXIT_USAGE },
	{ "RCLONE_CONFIG_S3_IBM_API_KEY", "off", EXIT_USAGE },
	{ "RCLONE_CONFIG_S3_STS_ENDPOINT", "off", EXIT_USAGE },
	{ "RCLONE_CONFIG_S3_ROLE_ARN", "", 0 },
	{ "RCLONE_S3_VERSIONS", "1", EXIT_USAGE },
	{ "RCLONE_CONFIG_S3_VERSION_AT", "2024-01-02", EXIT_USAGE },
	{ "RCLONE_CONFIG_S3_VERSION_AT", "off", 0 },
	{ "RCLONE_CONFIG_S3_VERSION_AT", "", 0 },
	{ "RCLONE_CONFIG_S3_DECOMPRESS", "true", EXIT_USAGE },
	{ "RCLONE_CONFIG_S3_DECOMPRESS", "false", 0 },
	{ "RCLONE_CONFIG_S3_MIGHT_GZIP", "true", EXIT_USAGE },
	{ "RCLONE_CONFIG_S3_MIGHT_GZIP", "unset", 0 },
	{ "RCLONE_CONFIG_S3_ROLE_ARN", "arn:aws:iam::123456789012:role/reader", EXIT_USAGE },
	{ "RCLONE_CONFIG_S3_STS_ENDPOINT", "https://sts.example", EXIT_USAGE },
	{ "RCLONE_CONFIG_S3_DOWNLOAD_URL", "https://cdn.example", EXIT_USAGE },
	{ "RCLONE_CONFIG_S3_IBM_API_KEY", "IbmKey-abcdef", EXIT_USAGE },
	/* the options of the other side: accepted, S3 decrypts for readers */
	{ "RCLONE_CONFIG_S3_SERVER_SIDE_ENCRYPTION", "aws:kms", 0 },
	{ "RCLONE_CONFIG_S3_SSE_KMS_KEY_ID", "arn:aws:kms:us-east-1:123456789012:key/x", 0 },
	{ "RCLONE_CONFIG_S3_ROLE_SESSION_NAME", "initc", 0 },
	{ "RCLONE_CONFIG_S3_VERSION_DELETED", "true", 0 },
};

static void test_refused_options(void)
{
	struct remote r;
	struct buf err = BUF_INIT;
	for (size_t i = 0; i < sizeof refused_cases / sizeof refused_cases[0]; i++) {
		const struct refused_case *c = &refused_cases[i];
		clean_env();
		setenv("RCLONE_CONFIG_S3_TYPE", "s3", 1);
		setenv(c->var, c->value, 1);
		printf("# %s=%s\n", c->var, c->value);
		CHECK_INT(remote_resolve("s3", NULL, &r, &err), 0);
		CHECK_INT(remote_check_options(&r, &err), c->rc);
		if (c->rc) { /* names the option and where it was set */
			const char *opt = c->var + (strncmp(c->var, "RCLONE_S3_", 10) ? 17 : 10);
			char *lower = xstrdup(opt);
			for (char *p = lower; *p; p++)
				*p = *p == '_' ? '_' : (char)(*p | 0x20);
			CHECK(contains(&err, lower));
			CHECK(contains(&err, c->var));
			free(lower);
		}
		remote_free(&r);
		buf_reset(&err);
	}

	/* in a connection string, with what to do */
	clean_env();
	CHECK_INT(remote_resolve(":s3", "provider=AWS,versions", &r, &err), 0);
	CHECK_INT(remote_check_options(&r, &err), EXIT_USAGE);
	CHECK(contains(&err, "versions"));
	CHECK(contains(&err, "connection string"));
	CHECK(contains(&err, "unset it"));
	remote_free(&r);
	buf_reset(&err);

	/* in the config file: the role's ARN is no secret, but is not echoed */
	char *conf = write_file("role.conf", "[s3]\ntype = s3\nrole_arn = arn:aws:iam::1:role/r\n");
	setenv("RCLONE_CONFIG", conf, 1);
	CHECK_INT(remote_resolve("s3", NULL, &r, &err), 0);
	CHECK_INT(remote_check_options(&r, &err), EXIT_USAGE);
	CHECK(contains(&err, "role_arn"));
	CHECK(contains(&err, conf));
	CHECK(contains(&err, "IRSA"));
	remote_free(&r);
	unlink(conf);
	free(conf);
	clean_env();
	buf_free(&err);
}

/* ---- value formats -------------------------------------------------------------- */

static void test_bools(void)
{
	/* Go's strconv.ParseBool, which rclone uses */
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
	static const char *const bad[] = { "", "yes", "no", "on", "off", "tRUE", "2", " true", "true " };
	int v;
	for (size_t i = 0; i < 6; i++) {
		v = -1;
		CHECK(parse_rclone_bool(yes[i], &v) == 0 && v == 1);
		v = -1;
		CHECK(parse_rclone_bool(no[i], &v) == 0 && v == 0);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		printf("# bool \"%s\"\n", bad[i]);
		CHECK_INT(parse_rclone_bool(bad[i], &v), -1);
	}

	struct remote r;
	struct buf err = BUF_INIT;
	clean_env();
	setenv("RCLONE_CONFIG_S3_TYPE", "s3", 1);
	setenv("RCLONE_CONFIG_S3_FORCE_PATH_STYLE", "false", 1);
	setenv("RCLONE_CONFIG_S3_ENV_AUTH", "yes", 1);
	CHECK_INT(remote_resolve("s3", NULL, &r, &err), 0);
	CHECK_INT(remote_get_bool(&r, "force_path_style", 1, &v, &err), 0);
	CHECK_INT(v, 0);
	CHECK_INT(remote_get_bool(&r, "requester_pays", 1, &v, &err), 0);
	CHECK_INT(v, 1); /* unset: the default */
	CHECK_INT(remote_get_bool(&r, "requester_pays", 0, &v, &err), 0);
	CHECK_INT(v, 0);
	CHECK_INT(remote_get_bool(&r, "env_auth", 0, &v, &err), EXIT_USAGE);
	CHECK(contains(&err, "RCLONE_CONFIG_S3_ENV_AUTH"));
	remote_free(&r);
	buf_free(&err);
}

static const struct { const char *text; long long ms; } good_durations[] = {
	{ "5m", 300000 }, { "1m30s", 90000 }, { "300ms", 300 }, { "10", 10000 },
	{ "1h", 3600000 }, { "2h45m", 9900000 }, { "1.5s", 1500 }, { "0", 0 },
	{ "0s", 0 }, { "1d", 86400000 }, { "2.5", 2500 }, { "1500us", 1 },
};
static const char *const bad_durations[] = {
	"", "5x", "m", "5m3", "-1s", "-5", "abc", "5 m", "1h-5m", "inf", "nan", "1e300s", "1e300",
};

static void test_durations(void)
{
	for (size_t i = 0; i < sizeof good_durations / sizeof good_durations[0]; i++) {
		long long ms = -42;
		printf("# duration \"%s\"\n", good_durations[i].text);
		CHECK_INT(parse_rclone_duration(good_durations[i].text, &ms), 0);
		CHECK_INT(ms, good_durations[i].ms);
	}
	for (size_t i = 0; i < sizeof bad_durations / sizeof bad_durations[0]; i++) {
		long long ms = 0;
		printf("# bad duration \"%s\"\n", bad_durations[i]);
		CHECK_INT(parse_rclone_duration(bad_durations[i], &ms), -1);
	}
}

static const struct { const char *text; long long bytes; } good_sizes[] = {
	{ "256Mi", 256LL << 20 }, { "1G", 1LL << 30 }, { "64k", 64 << 10 }, { "100", 100 << 10 },
	{ "off", -1 }, { "1M", 1 << 20 }, { "1Gi", 1LL << 30 }, { "64K", 64 << 10 },
	{ "1.5k", 1536 }, { "10b", 10 }, { "10B", 10 }, { "1MiB", 1 << 20 }, { "2T", 2LL << 40 },
	{ "1P", 1LL << 50 }, { "0", 0 },
};
static const char *const bad_sizes[] = { "", "12x", "-1", "-1M", "1Mx", "k", "M", "1 M", "inf", "nan" };

static void test_sizes(void)
{
	for (size_t i = 0; i < sizeof good_sizes / sizeof good_sizes[0]; i++) {
		long long bytes = -42;
		printf("# size \"%s\"\n", good_sizes[i].text);
		CHECK_INT(parse_rclone_size(good_sizes[i].text, &bytes), 0);
		CHECK_INT(bytes, good_sizes[i].bytes);
	}
	for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
		long long bytes = 0;
		printf("# bad size \"%s\"\n", bad_sizes[i]);
		CHECK_INT(parse_rclone_size(bad_sizes[i], &bytes), -1);
	}
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_type_makes_a_remote();
	test_upper_case_matching();
	test_option_and_remote_names();
	test_underscore_names();
	test_underscore_names_with_file();
	test_precedence();
	test_config_file_location();
	test_encrypted_config();
	test_ini_reader();
	test_connection_strings();
	test_on_the_fly_remote();
	test_unknown_options();
	test_option_table();
	test_conn_register_secrets();
	test_secrets_registered_when_read();
	test_refused_options();
	test_bools();
	test_durations();
	test_sizes();
	rmdir(tmpdir);
	return T_DONE();
}
