/* initc under the name `rclone` (the image's second name for the same
 * binary), as Seldon Core 2's ServerConfig runs its sidecar:
 *   rclone rcd --rc-no-auth --config=FILE --rc-addr=HOST:PORT --max-buffer-memory=SIZE
 *   rclone rc [--url URL] [--user U --pass P] [--json JSON] COMMAND [key=value ...]
 * (the liveness probe is `rclone rc rc/noop`); `rclone version` is main's
 * initc -V. Anything else is refused,
 * naming what this rclone does. */
#include "rcd.h"
#include "exitcode.h"
#include "log.h"
#include "version.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char rclone_usage[] =
	"this rclone is initc " INITC_VERSION ", a drop-in for Seldon Core 2's rclone sidecar:\n"
	"  rclone rcd [--rc-addr HOST:PORT] [--rc-no-auth] [--config FILE]\n"
	"             [--max-buffer-memory SIZE] [--rc-user U --rc-pass P]\n"
	"  rclone rc [--url URL] [--user U --pass P] [--json JSON] COMMAND [key=value ...]\n"
	"  rclone version\n";

/* The values of --rc-pass and --pass, registered before main hides the
 * arguments' secrets from /proc/PID/cmdline. */
void rclone_register_arg_secrets(int argc, char **argv)
{
	static const char *const flags[] = { "--rc-pass", "--pass" };
	for (int i = 1; i < argc; i++)
		for (size_t f = 0; f < sizeof flags / sizeof *flags; f++) {
			size_t len = strlen(flags[f]);
			if (!strncmp(argv[i], flags[f], len) && argv[i][len] == '=')
				log_add_secret(argv[i] + len + 1);
			else if (!strcmp(argv[i], flags[f]) && i + 1 < argc)
				log_add_secret(argv[i + 1]);
		}
}

struct rc_args {
	const char *url, *user, *pass, *json;
	const char *command;
	json_t *in;
};

enum { R_URL = 256, R_USER, R_PASS, R_JSON };
static const struct option rc_options[] = {
	{ "url", required_argument, NULL, R_URL },
	{ "user", required_argument, NULL, R_USER },
	{ "pass", required_argument, NULL, R_PASS },
	{ "json", required_argument, NULL, R_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int rc_usage_error(const char *what, const char *arg)
{
	log_kv(LOG_ERROR, what, "arg=%s hint=%s", log_q(arg), log_q("rclone rc [--url URL] COMMAND [key=value ...]"));
	return EXIT_USAGE;
}

/* The call's JSON input: --json, then key=value words over it. */
static int rc_input(struct rc_args *a, int argc, char **argv)
{
	json_error_t jerr;
	a->in = a->json ? json_loads(a->json, 0, &jerr) : json_object();
	if (!a->in || !json_is_object(a->in))
		return rc_usage_error("--json is not a JSON object", a->json ? "--json" : "");
	for (int i = optind + 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		if (!eq)
			return rc_usage_error("parameters are key=value", argv[i]);
		char *key = xstrndup(argv[i], (size_t)(eq - argv[i]));
		json_object_set_new(a->in, key, json_string(eq + 1));
		free(key);
	}
	return 0;
}

static int parse_rc(int argc, char **argv, struct rc_args *a)
{
	int opt;
	memset(a, 0, sizeof *a);
	a->url = "http://localhost:5572/";
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", rc_options, NULL)) != -1) {
		switch (opt) {
		case R_URL: a->url = optarg; break;
		case R_USER: a->user = optarg; break;
		case R_PASS: a->pass = optarg; break;
		case R_JSON: a->json = optarg; break;
		case 'h': fputs(rclone_usage, stdout); return EXIT_OK;
		default: return rc_usage_error("unknown rc option, or one missing its value", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return rc_usage_error("rc needs a COMMAND, e.g. rc/noop", "");
	a->command = argv[optind];
	return rc_input(a, argc, argv) ? EXIT_USAGE : -1;
}

static size_t keep_answer(char *data, size_t size, size_t n, void *arg)
{
	buf_add(arg, data, size * n);
	return size * n;
}

/* POST the call; print the answer. 0 on 200, EXIT_NETWORK when the server
 * cannot be reached, 1 (as rclone) for any other answer. */
static int rc_call(const struct rc_args *a)
{
	size_t ulen = strlen(a->url);
	char *url = xasprintf("%s%s%s", a->url, ulen && a->url[ulen - 1] == '/' ? "" : "/", a->command);
	char *body = json_dumps(a->in, JSON_COMPACT);
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	struct buf answer = BUF_INIT;
	char curl_err[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURL *h = curl_easy_init();
	CURLcode cc;

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_answer);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (a->user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, a->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, a->pass ? a->pass : "");
	}
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (answer.len)
		log_print_redacted(stdout, answer.data);
	if (cc != CURLE_OK)
		log_kv(LOG_ERROR, "rc: cannot reach the rc server", "url=%s error=%s hint=%s", log_q(url),
		       log_q(*curl_err ? curl_err : curl_easy_strerror(cc)),
		       log_q("is rclone rcd (initc rcd) running there? give --url"));
	else if (status != 200)
		log_kv(LOG_ERROR, "rc: the call failed", "command=%s status=%ld", log_q(a->command), status);
	curl_easy_cleanup(h);
	curl_slist_free_all(headers);
	buf_free(&answer);
	free(body);
	free(url);
	return cc != CURLE_OK ? EXIT_NETWORK : status == 200 ? 0 : 1;
}

static int cmd_rc(int argc, char **argv)
{
	struct rc_args a;
	int rc = parse_rc(argc, argv, &a);
	if (rc < 0) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		rc = rc_call(&a);
		curl_global_cleanup();
	}
	json_decref(a.in);
	return rc;
}

int rclone_main(int argc, char **argv)
{
	log_set_program("initc-rclone");
	if (argc > 1 && !strcmp(argv[1], "rcd"))
		return cmd_rcd(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "rc"))
		return cmd_rc(argc - 1, argv + 1);
	fputs(rclone_usage, stderr);
	log_kv(LOG_ERROR, "this rclone only serves and calls the rc API", "command=%s hint=%s",
	       log_q(argc > 1 ? argv[1] : ""), log_q("use rclone rcd or rclone rc"));
	return EXIT_USAGE;
}
