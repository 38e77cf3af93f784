/* initc: a storage initializer for Seldon Core v1 and KServe.
 *   initc [options] SRC DEST [SRC DEST ...]
 *   initc servers [--json]
 *   initc check [--recursive] [--json] [--server S] URI|DIR
 * Exit codes are listed in common/exitcode.h and README.md. */
#include "buf.h"
#include "checksum.h"
#include "exitcode.h"
#include "download.h"
#include "destdir.h"
#include "globals.h"
#include "http.h"
#include "local.h"
#include "log.h"
#include "plan.h"
#include "rcd.h"
#include "connstr.h"
#include "rclone_config.h"
#include "s3.h"
#include "target.h"
#include "unpack.h"
#include "unpacked.h"
#include "uri.h"
#include "verify.h"
#include "version.h"

#include <archive.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <expat.h>
#include <getopt.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>
#include <openssl/crypto.h>

static const char usage_text[] =
	"usage: initc [options] SRC DEST [SRC DEST ...]\n"
	"       initc servers [--json] [NAME]\n"
	"       initc rcd [--rc-addr HOST:PORT] [--rc-no-auth] [--config FILE] [--max-buffer-memory SIZE]\n"
	"       initc check [--recursive] [--json] [--strict] [--server NAME[:VERSION]]\n"
	"                   [--requirements LIST] URI|DIR\n"
	"\n"
	"Downloads a model the way Seldon Core v1 and KServe storage initializers do,\n"
	"reading rclone's RCLONE_CONFIG_<REMOTE>_* variables, then checks it against\n"
	"the server that will load it.\n"
	"\n"
	"SRC:  s3://bucket/path, remote:bucket/path, :s3,opt=v,...:bucket/path,\n"
	"      http(s)://host/file, or a local path\n"
	"DEST: a folder, created if missing (Seldon and KServe pass /mnt/models)\n"
	"\n"
	"options:\n"
	"  --server NAME[:VERSION] verify for this server release, e.g. MLFLOW_SERVER:1.17.1\n"
	"                         (env INITC_SERVER; newest known if no VERSION); see 'initc servers'\n"
	"  --requirements LIST    Seldon v2 requirement strings (env INITC_REQUIREMENTS)\n"
	"  --fix                  apply the safe fix, e.g. write model-settings.json (INITC_FIX=1)\n"
	"  --strict               a warning (pins the server would move) fails, exit 11\n"
	"                         (INITC_STRICT=1)\n"
	"  --no-verify            download only\n"
	"  -v, --verbose          debug logs (INITC_LOG_LEVEL=debug)\n"
	"  -q, --quiet            warnings and errors only\n"
	"  -h, --help             this text\n"
	"  -V, --version          version and linked libraries\n"
	"\n"
	"exit codes: 0 ok, 2 usage/config, 3 auth, 4 not found, 5 network, 6 integrity,\n"
	"7 local I/O, 8 model does not fit the server, 9 unsafe key or archive entry,\n"
	"10 malformed input file, 11 a warning under --strict, 70 internal error\n";

static int fail(int code, const struct buf *why)
{
	const char *text = why->len ? why->data : "unknown error";
	log_kv(LOG_ERROR, text, "exit_code=%d class=%s", code, exit_code_name(code));
	log_termination("initc: %s", text);
	return code;
}

static void print_version(void)
{
	curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	printf("initc %s\n", INITC_VERSION);
	printf("libcurl %s (%s)\n", cv->version, cv->ssl_version ? cv->ssl_version : "no TLS");
	printf("%s\n", OpenSSL_version(OPENSSL_VERSION));
	printf("%s\n", archive_version_details());
	printf("libyaml %s\n", yaml_get_version_string());
	printf("%s\n", XML_ExpatVersion());
	printf("jansson %s\n", jansson_version_str());
	printf("libmicrohttpd %s\n", MHD_get_version());
	printf("%s\n", sum_isal_version());
}

static const struct {
	const char *name;
	enum log_level level;
} log_levels[] = {
	{ "debug", LOG_DEBUG }, { "info", LOG_INFO }, { "warn", LOG_WARN },
	{ "warning", LOG_WARN }, { "error", LOG_ERROR },
};

/* INITC_LOG_LEVEL's level, or -1 when it names none. */
static int log_level_named(const char *v)
{
	for (size_t i = 0; i < sizeof log_levels / sizeof log_levels[0]; i++)
		if (!strcasecmp(v, log_levels[i].name))
			return (int)log_levels[i].level;
	return -1;
}

static void set_log_level(void)
{
	const char *v = getenv("INITC_LOG_LEVEL");
	if (v && log_level_named(v) >= 0)
		log_set_level((enum log_level)log_level_named(v));
}

static int valid_log_level(const char *v)
{
	return log_level_named(v) >= 0;
}

static int valid_bool(const char *v)
{
	int b;
	return !parse_flag_bool(v, &b);
}

/* unpack.c reads these itself and leaves -1 for a bad value */
static int valid_unpack_bytes(const char *v)
{
	struct unpack_limits lim;
	(void)v;
	unpack_default_limits(&lim);
	return lim.max_total_bytes > 0;
}

static int valid_unpack_entries(const char *v)
{
	struct unpack_limits lim;
	(void)v;
	unpack_default_limits(&lim);
	return lim.max_entries > 0;
}

/* Variables read after the download, or read leniently by the code that
 * uses them: checked before any network traffic, so a typo in a value
 * fails at once instead of being ignored or failing after the download. */
static const struct env_check {
	const char *name;
	int (*valid)(const char *value);
	const char *hint;
} env_checks[] = {
	{ "INITC_LOG_LEVEL", valid_log_level, "debug, info, warn or error" },
	{ "INITC_FIX", valid_bool, "true or false" },
	{ "INITC_STRICT", valid_bool, "true or false" },
	{ "INITC_MAX_UNPACK_BYTES", valid_unpack_bytes, "a positive size such as 500M or 10G" },
	{ "INITC_MAX_UNPACK_ENTRIES", valid_unpack_entries, "a positive whole number such as 200000" },
	{ "S3_VERIFY_SSL", valid_bool, "true or false (KServe: 0 or false turns checks off)" },
	{ "S3_USER_VIRTUAL_BUCKET", valid_bool, "true or false" },
	{ "awsAnonymousCredential", valid_bool, "true or false" },
};

static int check_env(const struct globals *g, struct buf *err)
{
	for (size_t i = 0; i < sizeof env_checks / sizeof env_checks[0]; i++) {
		const struct env_check *c = &env_checks[i];
		const char *v = getenv(c->name);
		if (v && *v && !c->valid(v)) {
			buf_printf(err, "%s=%s is not valid: use %s", c->name, log_q(v), c->hint);
			return EXIT_USAGE;
		}
	}
	if (g->ca_file && access(g->ca_file, R_OK)) {
		const char *var = getenv("RCLONE_CA_CERT") && *getenv("RCLONE_CA_CERT") ?
				  "RCLONE_CA_CERT" : "AWS_CA_BUNDLE";
		buf_printf(err, "%s=%s cannot be read: %s; give the path of a PEM CA bundle", var,
			   log_q(g->ca_file), strerror(errno));
		return EXIT_USAGE;
	}
	return 0;
}

/* One SRC DEST pair, under DEST's lock from the sweep to the check, so a
 * second run on the same volume waits, then finds everything complete. */
static int run_pair(const struct globals *g, const char *uri, const char *dest,
		    const struct verify_opts *vo, int no_verify, struct buf *err)
{
	struct source src;
	struct destdir d = { .fd = -1, .lock_fd = -1 };
	struct download dl = { 0 };
	int rc = source_parse(uri, &src, err);

	if (!rc)
		rc = destdir_open(&d, dest, err);
	if (!rc)
		rc = destdir_lock(&d, err);
	if (!rc) {
		destdir_sweep(&d);
		verify_fix_forget(&d);
		log_kv(LOG_INFO, "starting", "src=%s dest=%s", log_q(uri), log_q(dest));
		if (!(rc = download_list(g, &src, &dl, err)))
			rc = download_fetch(g, &src, &dl, &d, err);
	}
	if (rc)
		fail(rc, err);
	else if (!no_verify && (rc = verify_model_dir(dest, vo, err)) && err->len)
		log_termination("%s", err->data);
	download_free(&dl);
	destdir_close(&d);
	source_free(&src);
	return rc;
}

enum { OPT_SERVER = 256, OPT_REQUIREMENTS, OPT_FIX, OPT_STRICT, OPT_NO_VERIFY };

static const struct option long_options[] = {
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "requirements", required_argument, NULL, OPT_REQUIREMENTS },
	{ "fix", no_argument, NULL, OPT_FIX },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct cli {
	const char *server, *requirements;
	int fix, strict, no_verify;
};

/* getopt's own message would echo the argument. A long option is named
 * up to its '=' (its value may be a connection string); a short one by
 * its letter, as getopt reports it (argv[optind - 1] may be another
 * argument inside a cluster such as -vx). */
static int bad_option(const char *arg)
{
	char shown[64];
	unsigned char letter = (unsigned char)optopt; /* a char: negative past ASCII */
	if (optopt == 0 || optopt > 0xff) /* unknown long option, or ours missing its value */
		snprintf(shown, sizeof shown, "%.*s", (int)strcspn(arg, "="), arg);
	else if (letter > 0x20 && letter < 0x7f)
		snprintf(shown, sizeof shown, "-%c", letter);
	else
		snprintf(shown, sizeof shown, "- followed by byte 0x%02x", letter);
	log_kv(LOG_ERROR, "unknown option, or one missing its value", "arg=%s hint=%s",
	       log_q(shown), log_q("see initc --help"));
	return EXIT_USAGE;
}

/* Returns -1 to go on, or an exit status. */
static int parse_cli(int argc, char **argv, struct cli *c)
{
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "vqhV", long_options, NULL)) != -1) {
		switch (opt) {
		case OPT_SERVER: c->server = optarg; break;
		case OPT_REQUIREMENTS: c->requirements = optarg; break;
		case OPT_FIX: c->fix = 1; break;
		case OPT_STRICT: c->strict = 1; break;
		case OPT_NO_VERIFY: c->no_verify = 1; break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'q': log_set_level(LOG_WARN); break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		case 'V': print_version(); return EXIT_OK;
		default: return bad_option(argv[optind - 1]);
		}
	}
	if (argc - optind < 2 || (argc - optind) % 2) {
		fprintf(stderr, "initc: expected SRC DEST pairs, got %d argument%s\n\n%s",
			argc - optind, argc - optind == 1 ? "" : "s", usage_text);
		return EXIT_USAGE;
	}
	return -1;
}

/* The environment's INITC_* settings with the command line's over them. */
static void verify_options(const struct cli *c, struct verify_opts *vo)
{
	verify_opts_from_env(vo);
	if (c->server)
		vo->server = c->server;
	if (c->requirements)
		vo->requirements = c->requirements;
	if (c->fix)
		vo->fix = 1;
	if (c->strict)
		vo->strict = 1;
}

/* Register every secret the environment and the arguments hold, then
 * overwrite those in argv where they lie, as curl does, so that
 * /proc/PID/cmdline never shows them; initc works on the copy returned. */
static char **hide_secrets(int argc, char **argv)
{
	char **args = xcalloc((size_t)argc + 1, sizeof *args);
	env_register_secrets();
	for (int i = 0; i < argc; i++) {
		conn_register_secrets(argv[i]);
		args[i] = xstrdup(argv[i]);
	}
	for (int i = 0; i < argc; i++)
		log_scrub(argv[i]);
	return args;
}

static int run(int argc, char **argv)
{
	struct cli c;
	struct globals g;
	struct buf err = BUF_INIT;
	int rc;

	if (argc > 1 && !strcmp(argv[1], "servers"))
		return cmd_servers(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "rcd"))
		return cmd_rcd(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "check")) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		rc = cmd_check(argc - 1, argv + 1);
		curl_global_cleanup();
		return rc;
	}
	memset(&c, 0, sizeof c);
	if ((rc = parse_cli(argc, argv, &c)) >= 0)
		return rc;
	if ((rc = globals_from_env(&g, &err)) || (rc = check_env(&g, &err))) {
		fail(rc, &err);
		buf_free(&err);
		return rc;
	}
	struct verify_opts vo;
	verify_options(&c, &vo);
	if (!c.no_verify && (rc = verify_opts_check(&vo))) /* fail before downloading */
		return rc;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (int i = optind; i + 1 < argc && !rc; i += 2) {
		buf_reset(&err);
		rc = run_pair(&g, argv[i], argv[i + 1], &vo, c.no_verify, &err);
	}
	curl_global_cleanup();
	buf_free(&err);
	return rc;
}

/* The image's name `rclone` for this binary: the Seldon Core 2 sidecar. */
static int called_rclone(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	return !strcmp(slash ? slash + 1 : argv0, "rclone");
}

int main(int argc, char **argv)
{
	log_set_program("initc");
	set_log_level();
	rclone_register_arg_secrets(argc, argv);
	char **args = hide_secrets(argc, argv);
	int rc;
	if (called_rclone(argv[0]) && argc > 1 &&
	    (!strcmp(args[1], "version") || !strcmp(args[1], "--version"))) {
		print_version(); /* the same lines as initc -V: what this rclone is */
		rc = EXIT_OK;
	} else {
		rc = called_rclone(argv[0]) ? rclone_main(argc, args) : run(argc, args);
	}
	for (int i = 0; i < argc; i++)
		free(args[i]);
	free(args);
	log_forget_secrets();
	return rc;
}
