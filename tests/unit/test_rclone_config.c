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
	test_bools();
	test_durations();
	test_sizes();
	rmdir(tmpdir);
	return T_DONE();
}
