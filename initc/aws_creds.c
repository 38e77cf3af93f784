/* The credential chain as a table of providers, and the refresh of what
 * it found; see aws_creds.h. */
#include "aws_creds.h"
#include "aws_provider.h"
#include "exitcode.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct provider {
	const char *name;    /* in logs and messages */
	aws_load_fn load;    /* also what a refresh calls */
};

static int env_load(const struct aws_chain *c, struct aws_keys *out, struct buf *why);

/* botocore's order (credentials.py create_credential_resolver): env,
 * assume-role (refused), web identity, SSO (refused), shared credentials
 * file, credential_process (refused), config file, container, IMDS. The
 * refusals sit inside the shared-files providers, where botocore would
 * have used them. */
static const struct provider chain_order[] = {
	{ "env", env_load },
	{ "assume role", aws_profile_role_load },
	{ "web identity", aws_web_identity_load },
	{ "shared files", aws_shared_load },
	{ "container", aws_container_load },
	{ "IMDS", aws_imds_load },
};

struct aws_creds {
	const struct provider *provider;  /* NULL: static keys, never refreshed */
	struct aws_chain chain;
	struct aws_keys keys;
	time_t next_try;                  /* no refresh attempt before this */
};

void aws_keys_free(struct aws_keys *k)
{
	char *fields[] = { k->access_key, k->secret_key, k->session_token };
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (fields[i])
			explicit_bzero(fields[i], strlen(fields[i]));
		free(fields[i]);
	}
	free(k->identity);
	memset(k, 0, sizeof *k);
}

void aws_keys_set(struct aws_keys *k, const char *access_key, const char *secret_key,
		  const char *token)
{
	log_add_secret(secret_key);
	log_add_secret(token);
	k->access_key = xstrdup(access_key);
	k->secret_key = xstrdup(secret_key);
	k->session_token = token && *token ? xstrdup(token) : NULL;
}

static int printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	return 1;
}

int aws_keys_check(const struct aws_keys *k, const char *from, struct buf *err)
{
	const struct { const char *name, *value; } fields[] = {
		{ "access key id", k->access_key }, { "secret access key", k->secret_key },
		{ "session token", k->session_token },
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const char *v = fields[i].value;
		if (v && (!*v || !printable(v)))
			return buf_fail(err, EXIT_AUTH, "%s: the %s is empty or holds spaces or control "
					"characters", from, fields[i].name);
	}
	if (!k->session_token) /* aws_keys_set keeps an empty one as none */
		return buf_fail(err, EXIT_AUTH, "%s: the session token is empty (temporary keys "
				"always carry one)", from);
	return 0;
}

int aws_key_config_check(const char *name, const char *value, struct buf *err)
{
	for (const char *p = value; p && *p; p++) {
		if ((unsigned char)*p >= 0x20 && *p != 0x7f)
			continue;
		if (!p[strspn(p, "\r\n")])
			return buf_fail(err, EXIT_USAGE, "%s ends with a line break: it likely came from "
					"`kubectl create secret --from-file` or `echo` without -n; store "
					"the value without it", name);
		return buf_fail(err, EXIT_USAGE, "%s holds a control character: set it to the key "
				"as issued", name);
	}
	return 0;
}

const char *aws_format_time(time_t t, char *out, size_t size)
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "unknown");
	return out;
}

/* "NN" at s as a number in [lo, hi]; -1 when not. */
static int two_digits(const char *s, int lo, int hi)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	int v = (s[0] - '0') * 10 + (s[1] - '0');
	return v >= lo && v <= hi ? v : -1;
}

/* "Z", "+hh:mm", "-hh:mm" or "+hhmm" at s, in seconds east of UTC. */
static int parse_offset(const char *s, long *out)
{
	if (!strcmp(s, "Z")) {
		*out = 0;
		return 0;
	}
	if ((*s != '+' && *s != '-') || strlen(s) < 5)
		return -1;
	int h = two_digits(s + 1, 0, 23), colon = s[3] == ':';
	int m = two_digits(s + 3 + colon, 0, 59);
	if (h < 0 || m < 0 || s[5 + colon])
		return -1;
	*out = (*s == '-' ? -1 : 1) * (h * 3600L + m * 60L);
	return 0;
}

int aws_parse_time(const char *s, time_t *out)
{
	static const int days_in[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm;
	long offset;
	memset(&tm, 0, sizeof tm);
	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':' || strspn(s, "0123456789") != 4)
		return -1;
	int mon = two_digits(s + 5, 1, 12), day = two_digits(s + 8, 1, 31);
	tm.tm_hour = two_digits(s + 11, 0, 23);
	tm.tm_min = two_digits(s + 14, 0, 59);
	tm.tm_sec = two_digits(s + 17, 0, 60);
	int year = atoi(s);
	int leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
	if (mon < 0 || day < 0 || day > days_in[mon - 1] || (mon == 2 && day == 29 && !leap) ||
	    tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0)
		return -1;
	const char *rest = s + 19;
	if (*rest == '.') {
		size_t digits = strspn(rest + 1, "0123456789");
		if (!digits)
			return -1;
		rest += 1 + digits;
	}
	if (parse_offset(rest, &offset))
		return -1;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	*out = timegm(&tm) - offset;
	return 0;
}

/* botocore's bounds. STS: the client's connect and read timeouts
 * (endpoint.py DEFAULT_TIMEOUT, 60 s) and the legacy retry mode's 5
 * attempts (data/_retry.json); initc holds the whole attempt to the read
 * timeout. Container: ContainerMetadataFetcher's 2 s and 3 attempts.
 * IMDS: metadata_service_timeout 1 s, metadata_service_num_attempts 1.
 * Worst cases: STS about 5 min, container about 7 s, IMDS 1 s per request. */
static const struct {
	long connect_ms, total_ms;
	int attempts;
} aws_services[] = {
	[AWS_STS] = { 60000, 60000, 5 },
	[AWS_CONTAINER] = { 2000, 2000, 3 },
	[AWS_IMDS] = { 1000, 1000, 1 },
};

int aws_http(const struct aws_chain *c, enum aws_service service, const char *method,
	     http_build_fn build, void *arg, size_t max_body, const char *what,
	     struct http_result *res, struct buf *err)
{
	struct globals g = *c->g;
	g.contimeout_ms = aws_services[service].connect_ms;
	g.timeout_ms = aws_services[service].total_ms;
	g.total_ms = aws_services[service].total_ms;
	g.retries = aws_services[service].attempts;
	return http_request(&g, 0, method, build, arg, max_body, what, res, err);
}

int aws_failure_class(int rc)
{
	return rc == EXIT_NETWORK || rc == EXIT_USAGE ? rc : rc ? EXIT_AUTH : 0;
}

int aws_read_token_file(const char *path, const char *var, char **out, struct buf *why)
{
	struct buf data = BUF_INIT;
	char chunk[4096];
	ssize_t n = 0;
	struct stat st;
	/* O_NONBLOCK: opening a FIFO for reading would wait for a writer */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	*out = NULL;
	if (fd < 0)
		return buf_fail(why, EXIT_AUTH, "cannot read %s=%s: %s", var, path, strerror(errno));
	int stat_rc = fstat(fd, &st), stat_errno = errno;
	if (stat_rc || !S_ISREG(st.st_mode)) {
		close(fd);
		return buf_fail(why, EXIT_AUTH, "cannot read %s=%s: %s", var, path,
				stat_rc ? strerror(stat_errno) : S_ISDIR(st.st_mode) ? strerror(EISDIR) :
				"not a regular file (a FIFO or device is no token)");
	}
	while (data.len <= AWS_TOKEN_MAX && (n = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(&data, chunk, (size_t)n);
	int read_errno = errno;
	close(fd);
	if (data.len)
		log_add_secret(data.data); /* before anything else can print it */
	int rc = 0;
	if (n < 0)
		rc = buf_fail(why, EXIT_AUTH, "cannot read %s=%s: %s", var, path, strerror(read_errno));
	else if (data.len > AWS_TOKEN_MAX)
		rc = buf_fail(why, EXIT_AUTH, "%s=%s is larger than %d bytes: not a token", var, path,
			      AWS_TOKEN_MAX);
	else if (!data.len || strlen(data.data) != data.len)
		rc = buf_fail(why, EXIT_AUTH, "%s=%s is empty or holds a NUL byte: not a token", var,
			      path);
	if (rc) {
		buf_wipe(&data);
		buf_free(&data);
		return rc;
	}
	/* a file written by `echo` or an editor ends with a line break: not
	 * part of the token, for either token file */
	while (data.len && (data.data[data.len - 1] == '\n' || data.data[data.len - 1] == '\r'))
		data.data[--data.len] = '\0';
	if (!data.len) {
		buf_free(&data);
		return buf_fail(why, EXIT_AUTH, "%s=%s holds only a line break: not a token", var, path);
	}
	log_add_secret(data.data); /* as sent, without the line break */
	*out = buf_steal(&data);
	return 0;
}

/* Where each SDK reads static keys in the environment: boto3 (KServe)
 * as botocore's EnvProvider (the token from AWS_SECURITY_TOKEN first);
 * rclone's env_auth as aws-sdk-go's EnvProvider (the older names
 * AWS_ACCESS_KEY and AWS_SECRET_KEY when the usual ones are empty). */
static const struct env_names {
	const char *access_key[2], *secret_key[2], *token[2];
} env_dialects[] = {
	[0] = { { "AWS_ACCESS_KEY_ID" }, { "AWS_SECRET_ACCESS_KEY" },
		{ "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN" } },
	[1] = { { "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY" }, { "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY" },
		{ "AWS_SESSION_TOKEN" } },
};

/* The first of names set and not empty; *name says which (names[0] when none). */
static const char *env_first(const char *const names[2], const char **name)
{
	*name = names[0];
	for (int i = 0; i < 2 && names[i]; i++) {
		const char *v = getenv(names[i]);
		if (v && *v) {
			*name = names[i];
			return v;
		}
	}
	return NULL;
}

static int env_load(const struct aws_chain *c, struct aws_keys *out, struct buf *why)
{
	const struct env_names *d = &env_dialects[c->go_sdk ? 1 : 0];
	const char *ak_var, *sk_var, *token_var;
	const char *ak = env_first(d->access_key, &ak_var);
	const char *sk = env_first(d->secret_key, &sk_var);
	const char *token = env_first(d->token, &token_var);
	int rc;
	if ((rc = aws_key_config_check(ak_var, ak, why)) ||
	    (rc = aws_key_config_check(sk_var, sk, why)) ||
	    (rc = aws_key_config_check(token_var, token, why)))
		return rc;
	if (!ak) { /* a secret alone is passed over, as botocore does */
		buf_printf(why, "%s unset", ak_var);
		return AWS_ABSENT;
	}
	if (!sk)
		return buf_fail(why, EXIT_USAGE, "%s is set but %s is not: set both", ak_var, sk_var);
	aws_keys_set(out, ak, sk, token);
	out->method = "env";
	out->identity = xasprintf("%s (%s, %s)", ak, ak_var, sk_var); /* the id is no secret */
	return 0;
}

static char *first_set(const char *a, const char *b, const char *c)
{
	const char *v = a && *a ? a : b && *b ? b : c;
	return xstrdup(v);
}

static void chain_init(struct aws_chain *c, const struct aws_chain_opts *o)
{
	memset(c, 0, sizeof *c);
	c->g = o->g;
	c->store_region = xstrdup(o->region ? o->region : "us-east-1");
	c->profile = first_set(o->profile, getenv("AWS_PROFILE"), "default");
	c->go_sdk = o->go_sdk;
	aws_chain_read_files(c, o->credentials_file, c->profile);
}

static void chain_free(struct aws_chain *c)
{
	aws_chain_free_files(c);
	free(c->store_region);
	free(c->profile);
	memset(c, 0, sizeof *c);
}

struct aws_creds *aws_creds_static(const char *access_key, const char *secret_key,
				   const char *token)
{
	struct aws_creds *c = xcalloc(1, sizeof *c);
	aws_keys_set(&c->keys, access_key, secret_key, token);
	c->keys.method = "static";
	return c;
}

static void log_answer(const char *msg, const struct provider *p, const struct aws_keys *k)
{
	char when[32];
	log_kv(LOG_INFO, msg, "provider=%s method=%s expires=%s", log_q(p->name), k->method,
	       k->expires ? aws_format_time(k->expiration, when, sizeof when) : "never");
}

/* When the store refuses these keys (exit 3), the identity's policy is
 * what to check: say whose keys they are. */
static void set_auth_hint(const struct aws_keys *k)
{
	if (!k->identity)
		return;
	char *hint = xasprintf("the store refused the keys of %s: check that the IAM policy "
			       "(and the bucket's) allows s3:ListBucket on the bucket and "
			       "s3:GetObject on its objects", k->identity);
	http_set_auth_hint(hint);
	free(hint);
}

int aws_creds_resolve(const struct aws_chain_opts *o, struct aws_creds **out, struct buf *err)
{
	struct aws_creds *c = xcalloc(1, sizeof *c);
	struct buf tried = BUF_INIT, why = BUF_INIT;
	const struct provider *p = NULL;
	int rc;

	*out = NULL;
	chain_init(&c->chain, o);
	/* a profile named but nowhere ends it before any provider (botocore) */
	if (!(rc = aws_profile_check(&c->chain, &why)))
		rc = AWS_ABSENT;
	for (size_t i = 0; rc == AWS_ABSENT && i < sizeof chain_order / sizeof chain_order[0]; i++) {
		p = &chain_order[i];
		buf_reset(&why);
		rc = p->load(&c->chain, &c->keys, &why);
		if (rc == AWS_ABSENT && why.len)
			buf_printf(&tried, "%s%s: %s", tried.len ? "; " : "", p->name, why.data);
	}
	if (!rc) {
		c->provider = p;
		log_answer("AWS credentials", p, &c->keys);
		set_auth_hint(&c->keys);
		*out = c;
	} else if (rc == AWS_ABSENT) {
		rc = buf_fail(err, EXIT_AUTH, "no AWS credentials found (%s): put the keys in the "
			      "secret, or give the pod an IAM role (IRSA's AWS_ROLE_ARN and "
			      "AWS_WEB_IDENTITY_TOKEN_FILE, EKS Pod Identity, an instance role)",
			      tried.data);
	} else if (!p) {
		rc = buf_fail(err, rc, "AWS credentials: %s", why.data);
	} else {
		rc = buf_fail(err, rc, "AWS credentials from %s: %s", p->name, why.data);
	}
	if (rc) {
		aws_keys_free(&c->keys);
		chain_free(&c->chain);
		free(c);
	}
	buf_free(&tried);
	buf_free(&why);
	return rc;
}

/* Ask the provider again; 0 with fresh keys in c, else why says why. */
static int refresh(struct aws_creds *c, time_t now, struct buf *why)
{
	struct aws_keys fresh = { 0 };
	char when[32];
	int rc = c->provider->load(&c->chain, &fresh, why);
	if (rc == AWS_ABSENT) /* configured at first, not any more */
		rc = EXIT_AUTH;
	if (!rc && fresh.expires && fresh.expiration - now <= AWS_EXPIRY_MARGIN_S)
		rc = buf_fail(why, EXIT_AUTH, "the new keys expire at %s, too soon to use",
			      aws_format_time(fresh.expiration, when, sizeof when));
	if (rc) {
		aws_keys_free(&fresh);
		return rc;
	}
	int same = !strcmp(fresh.access_key, c->keys.access_key) &&
		   !strcmp(fresh.secret_key, c->keys.secret_key) &&
		   !strcmp(fresh.session_token ? fresh.session_token : "",
			   c->keys.session_token ? c->keys.session_token : "");
	aws_keys_free(&c->keys);
	c->keys = fresh;
	if (same) /* IMDS hands out the same keys until shortly before they expire */
		log_kv(LOG_DEBUG, "AWS credentials unchanged after a refresh", "provider=%s",
		       log_q(c->provider->name));
	else
		log_answer("AWS credentials refreshed", c->provider, &c->keys);
	return 0;
}

int aws_creds_current(struct aws_creds *c, time_t now, const struct aws_keys **out,
		      struct buf *err)
{
	struct buf why = BUF_INIT;
	char when[32];
	time_t left = c->keys.expiration - now;

	*out = &c->keys;
	if (!c->provider || !c->keys.expires || left > AWS_REFRESH_WINDOW_S ||
	    (now < c->next_try && left > AWS_EXPIRY_MARGIN_S))
		return 0;
	c->next_try = now + AWS_REFRESH_RETRY_S;
	int rc = refresh(c, now, &why);
	/* the refresh took its time (up to the services' bounds): what is
	 * left of the old keys is measured after it, not before */
	now = time(NULL) > now ? time(NULL) : now;
	left = c->keys.expiration - now;
	if (rc && left > AWS_EXPIRY_MARGIN_S) {
		log_kv(LOG_WARN, "refreshing the AWS credentials failed: keeping the current ones",
		       "provider=%s expires=%s reason=%s", log_q(c->provider->name),
		       aws_format_time(c->keys.expiration, when, sizeof when), log_q(why.data));
		rc = 0;
	} else if (rc) {
		rc = buf_fail(err, aws_failure_class(rc),
			      "the AWS credentials from %s expire at %s and could not be refreshed: %s",
			      c->provider->name,
			      aws_format_time(c->keys.expiration, when, sizeof when), why.data);
		*out = NULL;
	}
	buf_free(&why);
	return rc;
}

void aws_creds_free(struct aws_creds *c)
{
	if (!c)
		return;
	aws_keys_free(&c->keys);
	chain_free(&c->chain);
	free(c);
}
