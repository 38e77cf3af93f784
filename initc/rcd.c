/* `initc rcd`: rclone's remote-control API over HTTP (see rcd.h). Each
 * connection has a thread of its own (libmicrohttpd's thread per
 * connection), so a long sync/copy never holds up rc/noop or another
 * copy. A call is a POST of a JSON object (URL query parameters are added
 * to it, as rclone does); the answer is JSON, an error in rclone's shape
 * {"error","input","path","status"} with registered secrets redacted.
 * One logfmt line per call. */
#include "rcd.h"
#include "exitcode.h"
#include "log.h"
#include "rclone_config.h"
#include "version.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BODY_MAX (1024 * 1024)
#define CONNECTIONS_MAX 128

struct rcd_opts {
	const char *addr, *config, *user, *pass;
	int no_auth;
	long long max_buffer_memory;
};
static struct rcd_opts opts;

/* ---- the methods -------------------------------------------------------- */

int rcd_param_string(json_t *in, const char *key, const char **out, struct buf *err)
{
	json_t *v = json_object_get(in, key);
	if (!v) {
		buf_printf(err, "Didn't find key \"%s\" in input", key);
		return RCD_BAD_PARAM;
	}
	if (!json_is_string(v)) {
		buf_printf(err, "expecting string value for key \"%s\"", key);
		return RCD_BAD_PARAM;
	}
	*out = json_string_value(v);
	return 0;
}

static int rc_noop(json_t *in, json_t **out, struct buf *err)
{
	(void)err;
	*out = json_incref(in); /* rclone echoes its input */
	return RCD_OK;
}

/* initc's version in rclone's shape: the same keys, initc's numbers. */
static int core_version(json_t *in, json_t **out, struct buf *err)
{
	int part[3] = { 0, 0, 0 };
	(void)in;
	(void)err;
	sscanf(INITC_VERSION, "%d.%d.%d", &part[0], &part[1], &part[2]);
	*out = json_pack("{s:s, s:[i,i,i], s:s, s:s, s:b, s:b, s:s, s:s, s:s}", "arch",
			 sizeof(void *) == 8 ? "amd64" : "386", "decomposed", part[0], part[1], part[2],
			 "goTags", "none", "goVersion", "none (initc is C)", "isBeta", 0, "isGit", 0,
			 "linking", getauxval(AT_BASE) ? "dynamic" : "static", "os", "linux", "version",
			 "initc " INITC_VERSION);
	return RCD_OK;
}

static const struct method {
	const char *path;
	rcd_method_fn fn;
	int needs_auth;   /* refused unless --rc-no-auth or --rc-user, as rclone */
} methods[] = {
	{ "rc/noop", rc_noop, 0 },
	{ "core/version", core_version, 0 },
	{ "config/get", rcd_config_get, 1 },
	{ "config/create", rcd_config_create, 1 },
	{ "config/update", rcd_config_update, 1 },
	{ "config/delete", rcd_config_delete, 1 },
	{ "config/listremotes", rcd_config_listremotes, 1 },
	{ "config/dump", rcd_config_dump, 1 },
	{ "sync/copy", rcd_sync_copy, 1 },
	{ "operations/purge", rcd_operations_purge, 1 },
};

static const struct method *method_find(const char *path)
{
	for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
		if (!strcmp(methods[i].path, path))
			return &methods[i];
	return NULL;
}

/* ---- one call ------------------------------------------------------------ */

struct call {
	struct buf body;
	int too_big;
};

/* rclone's JSON: keys sorted, tab-indented, a newline at the end. */
static char *json_text(json_t *v)
{
	char *spaced = json_dumps(v, JSON_INDENT(1) | JSON_SORT_KEYS);
	struct buf out = BUF_INIT;
	int line_start = 1;
	for (const char *p = spaced; p && *p; p++) {
		if (line_start && *p == ' ') {
			buf_addc(&out, '\t');
			continue;
		}
		line_start = *p == '\n';
		buf_addc(&out, *p);
	}
	buf_addc(&out, '\n');
	free(spaced);
	return buf_steal(&out);
}

static enum MHD_Result answer(struct MHD_Connection *c, int status, json_t *body, int redact)
{
	char *text = json_text(body);
	if (redact) { /* an error echoes its input: a key in it must not leave */
		char *clean = log_redact_dup(text);
		free(text);
		text = clean;
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text,
								  MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8"); /* as rclone */
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ok;
}

static json_t *error_body(const char *path, json_t *in, int status, const char *why)
{
	return json_pack("{s:s, s:O, s:s, s:i}", "error", why, "input", in, "path", path, "status",
			 status);
}

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	(void)kind;
	if (key && !json_object_get(cls, key))
		json_object_set_new(cls, key, json_string(value ? value : ""));
	return MHD_YES;
}

/* A form body (a=1&b=2), as rclone reads a POST that is not JSON. */
static void read_form(const struct buf *body, json_t *in)
{
	char *text = xstrndup(body->data ? body->data : "", body->len);
	for (char *save = NULL, *pair = strtok_r(text, "&", &save); pair;
	     pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');
		if (eq)
			*eq = '\0';
		MHD_http_unescape(pair);
		if (eq)
			MHD_http_unescape(eq + 1);
		if (*pair && !json_object_get(in, pair))
			json_object_set_new(in, pair, json_string(eq ? eq + 1 : ""));
	}
	free(text);
}

/* The call's input, as rclone builds it: a JSON body when the request
 * says application/json (an object; an empty body is an error), a form
 * when it says so, then the URL's query parameters. 0, or RCD_BAD_PARAM
 * with why. */
static int read_input(struct MHD_Connection *c, const struct call *call, json_t *in,
		      struct buf *why)
{
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	if (type && !strncasecmp(type, "application/json", 16)) {
		json_error_t jerr;
		json_t *body = call->body.len ? json_loadb(call->body.data, call->body.len, 0, &jerr) : NULL;
		if (!body || !json_is_object(body)) {
			buf_printf(why, "failed to read input JSON: %s", !call->body.len ? "EOF" :
				   body ? "the body must be a JSON object" : jerr.text);
			json_decref(body);
			return RCD_BAD_PARAM;
		}
		json_object_update(in, body);
		json_decref(body);
	} else if (type && !strncasecmp(type, "application/x-www-form-urlencoded", 33)) {
		read_form(&call->body, in);
	} /* any other body is ignored, as rclone ignores it */
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_query, in);
	return 0;
}

static int authorised(struct MHD_Connection *c)
{
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(c, &pass);
	int ok = user && pass && !strcmp(user, opts.user) && !strcmp(pass, opts.pass);
	MHD_free(user);
	MHD_free(pass);
	return ok;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* rclone's per-call controls initc does not implement: refused, not
 * silently ignored (an _async caller would wait for a job id). */
static int unsupported_params(json_t *in, struct buf *why)
{
	static const char *const names[] = { "_async", "_config", "_filter", "_group" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (json_object_get(in, names[i])) {
			buf_printf(why, "parameter %s is not supported by initc rcd: calls run "
				   "synchronously with the sidecar's own configuration", names[i]);
			return RCD_BAD_PARAM;
		}
	return 0;
}

/* Run the method of path on the call's body; the status and answer. in
 * is the input, {} until read (rclone echoes {} for a body it cannot read). */
static int dispatch(struct MHD_Connection *c, const char *path, const struct call *call,
		    json_t *in, json_t **out, struct buf *why)
{
	const struct method *m = method_find(path);
	int status;
	if (call->too_big) {
		buf_printf(why, "request body over %d bytes", BODY_MAX);
		return 413;
	}
	if (!m) {
		buf_printf(why, "couldn't find method \"%s\"", path);
		return RCD_NOT_FOUND;
	}
	if ((status = read_input(c, call, in, why)) || (status = unsupported_params(in, why)))
		return status;
	if (m->needs_auth && !opts.no_auth && !opts.user) {
		buf_printf(why, "authentication must be set up on the rc server to use \"%s\" or the "
			   "--rc-no-auth flag must be in use", path);
		return 403;
	}
	return m->fn(in, out, why);
}

/* What is not a POST: OPTIONS (a browser's pre-flight) is answered
 * empty, anything else is 404, as rclone answers what it would serve as
 * files (initc serves none). */
static enum MHD_Result answer_other(struct MHD_Connection *c, const char *http_method,
				    const char *path)
{
	int options = !strcmp(http_method, "OPTIONS");
	const char *text = options ? "" : "Not Found: rc calls are POSTs\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								  MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ok = MHD_queue_response(c, options ? 200 : 404, r);
	MHD_destroy_response(r);
	log_kv(options ? LOG_INFO : LOG_WARN, "rc", "path=%s status=%d method=%s", log_q(path),
	       options ? 200 : 404, log_q(http_method));
	return ok;
}

static enum MHD_Result on_call(void *cls, struct MHD_Connection *c, const char *url,
			       const char *http_method, const char *version, const char *upload,
			       size_t *upload_size, void **state)
{
	struct call *call = *state;
	(void)cls;
	(void)version;
	if (!call) { /* the headers: the body follows */
		*state = xcalloc(1, sizeof *call);
		return MHD_YES;
	}
	if (*upload_size) {
		if (call->body.len + *upload_size > BODY_MAX)
			call->too_big = 1;
		else
			buf_add(&call->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (opts.user && !authorised(c)) {
		struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
		enum MHD_Result ok = MHD_queue_basic_auth_fail_response(c, "rclone", r);
		MHD_destroy_response(r);
		log_kv(LOG_WARN, "rc", "path=%s status=401 error=%s", log_q(url[0] == '/' ? url + 1 : url),
		       log_q("bad or missing credentials"));
		return ok;
	}
	const char *path = url[0] == '/' ? url + 1 : url;
	if (strcmp(http_method, "POST"))
		return answer_other(c, http_method, path);
	json_t *in = json_object(), *out = NULL;
	struct buf why = BUF_INIT;
	double started = now_seconds();
	int status = dispatch(c, path, call, in, &out, &why);
	enum MHD_Result ok;

	if (status == RCD_OK) {
		ok = answer(c, status, out ? out : json_object(), 0);
		log_kv(LOG_INFO, "rc", "path=%s status=%d seconds=%.3f", log_q(path), status,
		       now_seconds() - started);
	} else {
		json_t *body = error_body(path, in, status, why.data ? why.data : "failed");
		ok = answer(c, status, body, 1);
		json_decref(body);
		log_kv(LOG_ERROR, "rc", "path=%s status=%d seconds=%.3f error=%s", log_q(path), status,
		       now_seconds() - started, log_q(why.data ? why.data : ""));
	}
	json_decref(out);
	json_decref(in);
	buf_free(&why);
	return ok;
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
		    enum MHD_RequestTerminationCode code)
{
	struct call *call = *state;
	(void)cls;
	(void)c;
	(void)code;
	if (call) {
		buf_free(&call->body);
		free(call);
		*state = NULL;
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char text[512];
	(void)cls;
	vsnprintf(text, sizeof text, fmt, ap);
	text[strcspn(text, "\n")] = '\0';
	log_kv(LOG_WARN, "http server", "detail=%s", log_q(text));
}

/* ---- the listener ------------------------------------------------------- */

/* HOST:PORT as rclone reads --rc-addr: "" or no host is every address,
 * [v6]:port for IPv6. A bound, listening socket, or -1 with err. */
static int listen_on(const char *addr, struct buf *err)
{
	const char *colon = strrchr(addr, ':');
	char *host = colon ? xstrndup(addr, (size_t)(colon - addr)) : xstrdup("");
	const char *port = colon ? colon + 1 : addr;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	int fd = -1, gai;

	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if (!*port || (gai = getaddrinfo(*host ? host : NULL, port, &hints, &res))) {
		buf_printf(err, "--rc-addr %s: %s; give HOST:PORT, e.g. 0.0.0.0:5572", log_q(addr),
			   *port ? gai_strerror(gai) : "no port");
		free(host);
		return -1;
	}
	for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
		int one = 1;
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
				bind(fd, a->ai_addr, a->ai_addrlen) || listen(fd, 64))) {
			buf_reset(err);
			buf_printf(err, "cannot listen on %s: %s; is another rcd (or rclone) running "
				   "there?", addr, strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	free(host);
	return fd;
}

static void log_listening(int fd)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof sa;
	char host[NI_MAXHOST] = "?", port[NI_MAXSERV] = "?";
	if (!getsockname(fd, (struct sockaddr *)&sa, &len))
		getnameinfo((struct sockaddr *)&sa, len, host, sizeof host, port, sizeof port,
			    NI_NUMERICHOST | NI_NUMERICSERV);
	log_kv(LOG_INFO, "serving the rclone rc API", "addr=%s port=%s config=%s no_auth=%s "
	       "max_buffer_memory=%lld verify=%s", log_q(host), port, log_q(opts.config),
	       opts.no_auth ? "true" : "false", opts.max_buffer_memory,
	       getenv("INITC_SERVER") && *getenv("INITC_SERVER") ? getenv("INITC_SERVER") : "none");
}

/* Serve until SIGTERM or SIGINT. Copies under way are cut off, as a killed
 * rclone's are: their temporary files are swept by the next copy there. */
static int serve(struct buf *err)
{
	sigset_t stop;
	int sig = 0, fd;
	struct MHD_Daemon *daemon;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL); /* the server's threads inherit it */
	signal(SIGPIPE, SIG_IGN);
	if ((fd = listen_on(opts.addr, err)) < 0)
		return EXIT_NETWORK;
	daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
				  MHD_USE_ERROR_LOG,
				  0, NULL, NULL, on_call, NULL,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, or MHD warns */
				  MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
				  /* a thread per connection: bound them, and close idle ones
				   * after rclone's own rc read timeout (an hour) */
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)3600, MHD_OPTION_END);
	if (!daemon) {
		buf_printf(err, "cannot start the HTTP server on %s", opts.addr);
		close(fd);
		return EXIT_INTERNAL;
	}
	log_listening(fd);
	while (sigwait(&stop, &sig) && errno == EINTR)
		;
	log_kv(LOG_INFO, "stopping", "signal=%d", sig);
	fflush(stderr);
	_exit(0); /* not MHD_stop_daemon: it would wait for every copy */
}

/* ---- the command line ---------------------------------------------------- */

enum { O_ADDR = 256, O_NO_AUTH, O_CONFIG, O_MAXBUF, O_USER, O_PASS };
static const struct option rcd_options[] = {
	{ "rc-addr", required_argument, NULL, O_ADDR },
	{ "rc-no-auth", no_argument, NULL, O_NO_AUTH },
	{ "config", required_argument, NULL, O_CONFIG },
	{ "max-buffer-memory", required_argument, NULL, O_MAXBUF },
	{ "rc-user", required_argument, NULL, O_USER },
	{ "rc-pass", required_argument, NULL, O_PASS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char rcd_usage[] =
	"usage: initc rcd [--rc-addr HOST:PORT] [--rc-no-auth] [--config FILE]\n"
	"                 [--max-buffer-memory SIZE] [--rc-user USER --rc-pass PASS]\n"
	"       (or, under the name rclone: rclone rcd ... with the same flags)\n"
	"\n"
	"Serves rclone's remote-control API for the Seldon Core 2 agent: rc/noop,\n"
	"core/version, config/get|create|update|delete|listremotes|dump, sync/copy,\n"
	"operations/purge. Copies run through initc's engine; with INITC_SERVER set,\n"
	"each copied model is verified and a model the server cannot load fails its copy.\n"
	"\n"
	"  --rc-addr HOST:PORT       where to listen (default localhost:5572)\n"
	"  --rc-no-auth              serve config/, sync/ and operations/ without credentials\n"
	"  --config FILE             the remotes, kept in rclone's format (default: RCLONE_CONFIG,\n"
	"                            else ~/.config/rclone/rclone.conf)\n"
	"  --max-buffer-memory SIZE  bound on the bytes all copies buffer, e.g. 64M (default: none)\n"
	"  --rc-user, --rc-pass      require HTTP basic authentication\n";

static int rcd_usage_error(const char *what, const char *arg)
{
	log_kv(LOG_ERROR, what, "arg=%s hint=%s", log_q(arg), log_q("see initc rcd --help"));
	return EXIT_USAGE;
}

static char *default_config(void)
{
	const char *env = getenv("RCLONE_CONFIG"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (env && *env)
		return xstrdup(env);
	if (xdg && *xdg)
		return xasprintf("%s/rclone/rclone.conf", xdg);
	return xasprintf("%s/.config/rclone/rclone.conf", home && *home ? home : ".");
}

/* -1 to go on, or an exit status. */
static int parse_rcd(int argc, char **argv, char **config_alloc)
{
	int opt;
	opts.addr = "localhost:5572";
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", rcd_options, NULL)) != -1) {
		switch (opt) {
		case O_ADDR: opts.addr = optarg; break;
		case O_NO_AUTH: opts.no_auth = 1; break;
		case O_CONFIG: opts.config = optarg; break;
		case O_USER: opts.user = optarg; break;
		case O_PASS: opts.pass = optarg; break;
		case O_MAXBUF:
			if (!strcmp(optarg, "off"))
				opts.max_buffer_memory = 0;
			else if (parse_rclone_size(optarg, &opts.max_buffer_memory) ||
				 opts.max_buffer_memory < 0)
				return rcd_usage_error("--max-buffer-memory is not a size: give e.g. 64M",
						       optarg);
			break;
		case 'h': fputs(rcd_usage, stdout); return EXIT_OK;
		default: return rcd_usage_error("unknown rcd option, or one missing its value",
						argv[optind - 1]);
		}
	}
	if (optind < argc)
		return rcd_usage_error("rcd takes no arguments, only options", argv[optind]);
	if (!opts.user != !opts.pass)
		return rcd_usage_error("give both --rc-user and --rc-pass, or neither",
				       opts.user ? "--rc-user" : "--rc-pass");
	if (!opts.config)
		opts.config = *config_alloc = default_config();
	return -1;
}

int cmd_rcd(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct rcd_copy_opts co;
	char *config_alloc = NULL;
	int rc = parse_rcd(argc, argv, &config_alloc);

	if (rc >= 0)
		return rc;
	if (opts.pass)
		log_add_secret(opts.pass);
	/* the downloads read remotes through the one reader, from this file */
	setenv("RCLONE_CONFIG", opts.config, 1);
	co.max_buffer_memory = opts.max_buffer_memory;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!(rc = rcd_store_init(opts.config, &err)) && !(rc = rcd_copy_init(&co, &err)))
		rc = serve(&err);
	log_kv(LOG_ERROR, err.data ? err.data : "rcd failed", "exit_code=%d class=%s", rc,
	       exit_code_name(rc));
	log_termination("initc rcd: %s", err.data ? err.data : "failed");
	buf_free(&err);
	free(config_alloc);
	return rc;
}
