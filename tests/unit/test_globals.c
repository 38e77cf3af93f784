/* Run-wide settings from rclone's global variables (initc/globals.h,
 * FACTS §2): defaults, parsing, and errors that name the variable. */
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "globals.h"
#include "t.h"

static const char *const vars[] = {
	"RCLONE_TRANSFERS", "RCLONE_LOW_LEVEL_RETRIES", "RCLONE_TIMEOUT", "RCLONE_CONTIMEOUT",
	"RCLONE_MULTI_THREAD_CUTOFF", "RCLONE_MULTI_THREAD_STREAMS", "RCLONE_MULTI_THREAD_CHUNK_SIZE",
	"RCLONE_NO_CHECK_CERTIFICATE",
	"RCLONE_CA_CERT", "AWS_CA_BUNDLE", "INITC_PROGRESS_INTERVAL", "INITC_NO_UNPACK",
};

static void clean_env(void)
{
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
}

static void test_defaults(void)
{
	struct globals g;
	struct buf err = BUF_INIT;
	clean_env();
	CHECK_INT(globals_from_env(&g, &err), 0);
	CHECK_INT(g.transfers, 4);
	CHECK_INT(g.retries, 10);
	CHECK_INT(g.timeout_ms, 5 * 60 * 1000);
	CHECK_INT(g.contimeout_ms, 60 * 1000);
	CHECK_INT(g.cutoff, 256LL << 20);
	CHECK_INT(g.streams, 4);
	CHECK_INT(g.chunk, 16LL << 20);
	CHECK_INT(g.no_check_certificate, 0);
	CHECK(g.ca_file == NULL);
	CHECK_INT(g.progress_ms, 10 * 1000);
	CHECK_INT(g.no_unpack, 0);
	CHECK_INT(err.len, 0);
	buf_free(&err);
}

static void test_each_variable(void)
{
	struct globals g;
	struct buf err = BUF_INIT;
	clean_env();
	setenv("RCLONE_TRANSFERS", "16", 1);
	setenv("RCLONE_LOW_LEVEL_RETRIES", "3", 1);
	setenv("RCLONE_TIMEOUT", "1m30s", 1);
	setenv("RCLONE_CONTIMEOUT", "15", 1);           /* bare number: seconds */
	setenv("RCLONE_MULTI_THREAD_CUTOFF", "64", 1);  /* bare number: KiB */
	setenv("RCLONE_MULTI_THREAD_STREAMS", "8", 1);
	setenv("RCLONE_MULTI_THREAD_CHUNK_SIZE", "64Mi", 1);
	setenv("RCLONE_NO_CHECK_CERTIFICATE", "true", 1);
	setenv("RCLONE_CA_CERT", "/etc/ssl/custom.pem", 1);
	setenv("AWS_CA_BUNDLE", "/etc/ssl/aws.pem", 1);
	setenv("INITC_PROGRESS_INTERVAL", "500ms", 1);
	setenv("INITC_NO_UNPACK", "1", 1);
	CHECK_INT(globals_from_env(&g, &err), 0);
	CHECK_INT(g.transfers, 16);
	CHECK_INT(g.retries, 3);
	CHECK_INT(g.timeout_ms, 90000);
	CHECK_INT(g.contimeout_ms, 15000);
	CHECK_INT(g.cutoff, 64 << 10);
	CHECK_INT(g.streams, 8);
	CHECK_INT(g.chunk, 64LL << 20);
	CHECK_INT(g.no_check_certificate, 1);
	CHECK_STR(g.ca_file, "/etc/ssl/custom.pem");
	CHECK_INT(g.progress_ms, 500);
	CHECK_INT(g.no_unpack, 1);

	/* AWS_CA_BUNDLE when RCLONE_CA_CERT is unset or empty */
	setenv("RCLONE_CA_CERT", "", 1);
	CHECK_INT(globals_from_env(&g, &err), 0);
	CHECK_STR(g.ca_file, "/etc/ssl/aws.pem");
	unsetenv("RCLONE_CA_CERT");
	CHECK_INT(globals_from_env(&g, &err), 0);
	CHECK_STR(g.ca_file, "/etc/ssl/aws.pem");
	setenv("AWS_CA_BUNDLE", "", 1);
	CHECK_INT(globals_from_env(&g, &err), 0);
	CHECK(g.ca_file == NULL);

	/* binary sizes, 0 streams, a 0 timeout; then "off": never split */
	setenv("RCLONE_MULTI_THREAD_STREAMS", "0", 1);
	setenv("RCLONE_TIMEOUT", "0", 1);
	setenv("RCLONE_MULTI_THREAD_CUTOFF", "1Gi", 1);
	CHECK_INT(globals_from_env(&g, &err), 0);
	CHECK_INT(g.cutoff, 1LL << 30);
	CHECK_INT(g.streams, 0);
	CHECK_INT(g.timeout_ms, 0);
	setenv("RCLONE_MULTI_THREAD_CUTOFF", "off", 1);
	CHECK_INT(globals_from_env(&g, &err), 0);
	CHECK_INT(g.cutoff, -1);
	CHECK_INT(err.len, 0);
	buf_free(&err);
}

/* Each bad value: EXIT_USAGE, and the message names the variable and
 * the value so the user knows which line of the pod spec to fix. */
static const struct { const char *var, *value; } bad[] = {
	{ "RCLONE_TRANSFERS", "0" },
	{ "RCLONE_TRANSFERS", "257" },
	{ "RCLONE_TRANSFERS", "four" },
	{ "RCLONE_TRANSFERS", "4x" },
	{ "RCLONE_TRANSFERS", "-1" },
	{ "RCLONE_TRANSFERS", "99999999999999999999999" },
	{ "RCLONE_LOW_LEVEL_RETRIES", "0" },
	{ "RCLONE_LOW_LEVEL_RETRIES", "1001" },
	{ "RCLONE_TIMEOUT", "5 minutes" },
	{ "RCLONE_TIMEOUT", "-5s" },
	{ "RCLONE_CONTIMEOUT", "1x" },
	{ "RCLONE_MULTI_THREAD_CUTOFF", "12Q" },
	{ "RCLONE_MULTI_THREAD_CUTOFF", "-2M" },
	{ "RCLONE_MULTI_THREAD_STREAMS", "65" },
	{ "RCLONE_MULTI_THREAD_CHUNK_SIZE", "0" },
	{ "RCLONE_MULTI_THREAD_CHUNK_SIZE", "big" },
	{ "RCLONE_NO_CHECK_CERTIFICATE", "yes" },
	{ "INITC_PROGRESS_INTERVAL", "soon" },
	{ "INITC_NO_UNPACK", "2" },
};

static void test_invalid(void)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct globals g;
		struct buf err = BUF_INIT;
		clean_env();
		setenv(bad[i].var, bad[i].value, 1);
		printf("# %s=%s\n", bad[i].var, bad[i].value);
		CHECK_INT(globals_from_env(&g, &err), EXIT_USAGE);
		CHECK(err.data && strstr(err.data, bad[i].var));
		CHECK(err.data && strstr(err.data, bad[i].value));
		buf_free(&err);
	}
	clean_env();
}

/* An empty variable means the default (as unset). */
static void test_empty_is_default(void)
{
	struct globals g;
	struct buf err = BUF_INIT;
	clean_env();
	setenv("RCLONE_TRANSFERS", "", 1);
	setenv("RCLONE_TIMEOUT", "", 1);
	CHECK_INT(globals_from_env(&g, &err), 0);
	CHECK_INT(g.transfers, 4);
	CHECK_INT(g.timeout_ms, 300000);
	clean_env();
	buf_free(&err);
}

int main(void)
{
	test_defaults();
	test_each_variable();
	test_invalid();
	test_empty_is_default();
	return T_DONE();
}
