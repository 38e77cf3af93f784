/* logfmt logging with secret redaction; see log.h. */
#include "log.h"
#include "buf.h"
#include "exitcode.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_LEN 4096

static const char *program = "initc";
static enum log_level min_level = LOG_INFO;
/* `initc rcd` registers a remote's secrets while other threads log: the
 * list is read and grown under this lock. */
static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;
static int nsecrets;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void log_set_program(const char *name) { program = name; }
void log_set_level(enum log_level level) { min_level = level; }
enum log_level log_get_level(void) { return min_level; }

static void add_one_secret(const char *secret)
{
	if (strlen(secret) < LOG_SECRET_MIN)
		return;
	for (int i = 0; i < nsecrets; i++)
		if (!strcmp(secrets[i], secret))
			return;
	secrets = xrealloc(secrets, (size_t)(nsecrets + 1) * sizeof *secrets);
	secrets[nsecrets++] = xstrdup(secret);
}

/* The form log_q() gives a value, so a quoted secret is caught too. */
/* Inside logfmt quotes: \" \\ \n, other control bytes as '?'. One escaper
 * for log_q() and for the form a secret takes once quoted. */
static void logfmt_escape(struct buf *out, const char *value, size_t max)
{
	for (const char *p = value; *p && out->len + 2 < max; p++) { /* whole escapes only */
		if (*p == '"' || *p == '\\')
			buf_addc(out, '\\');
		if (*p == '\n')
			buf_adds(out, "\\n");
		else
			buf_addc(out, (unsigned char)*p < 0x20 ? '?' : *p);
	}
}

static char *quoted_form(const char *secret)
{
	struct buf b = BUF_INIT;
	logfmt_escape(&b, secret, (size_t)-1);
	return buf_steal(&b);
}

void log_add_secret(const char *secret)
{
	if (!secret)
		return;
	char *quoted = quoted_form(secret);
	char *trimmed = xstrdup(secret);
	size_t len = strlen(trimmed);
	while (len && (trimmed[len - 1] == '\n' || trimmed[len - 1] == '\r' || trimmed[len - 1] == ' '))
		trimmed[--len] = '\0';
	pthread_mutex_lock(&secrets_lock);
	add_one_secret(secret);
	add_one_secret(quoted);   /* as printed inside "..." */
	add_one_secret(trimmed);  /* a secret file's trailing newline */
	pthread_mutex_unlock(&secrets_lock);
	free(quoted);
	free(trimmed);
}

void log_forget_secrets(void)
{
	pthread_mutex_lock(&secrets_lock);
	for (int i = 0; i < nsecrets; i++)
		free(secrets[i]);
	free(secrets);
	secrets = NULL;
	nsecrets = 0;
	pthread_mutex_unlock(&secrets_lock);
}

/* Which bytes of s (length len) any registered secret covers, every
 * match marked: overlapping secrets (k3yAAAA1 and AAAA1Token...) leave
 * no tail behind. NULL when no secret is registered. */
static unsigned char *covered_bytes(const char *s, size_t len)
{
	unsigned char *mark = NULL;
	pthread_mutex_lock(&secrets_lock);
	if (nsecrets)
		mark = xcalloc(len + 1, 1);
	for (size_t at = 0; mark && at < len; at++)
		for (int i = 0; i < nsecrets; i++) {
			size_t slen;
			if (s[at] != secrets[i][0])
				continue;
			slen = strlen(secrets[i]);
			if (slen <= len - at && !memcmp(s + at, secrets[i], slen))
				memset(mark + at, 1, slen);
		}
	pthread_mutex_unlock(&secrets_lock);
	return mark;
}

/* The one redaction: every path to stderr, the termination log and the
 * output of `initc check` calls it on whole text, before any cut. Each
 * run of covered bytes becomes one "***". */
void log_redact(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src), o = 0;
	unsigned char *mark = covered_bytes(src, len);
	if (!n) {
		free(mark);
		return;
	}
	for (size_t i = 0; i < len && o + 1 < n;) {
		if (mark && mark[i]) {
			for (const char *r = "***"; *r && o + 1 < n; r++)
				dst[o++] = *r;
			while (i < len && mark[i])
				i++;
		} else {
			dst[o++] = src[i++];
		}
	}
	dst[o] = '\0';
	free(mark);
}

char *log_redact_dup(const char *src)
{
	size_t len = strlen(src);
	char *dst = xmalloc(len + 1); /* never longer: "***" replaces >= LOG_SECRET_MIN bytes */
	log_redact(dst, len + 1, src);
	return dst;
}

/* In place and length for length, so a string others point into (argv)
 * keeps its shape: what /proc/PID/cmdline shows has '*' where a secret was. */
size_t log_scrub(char *s)
{
	size_t len = strlen(s), runs = 0;
	unsigned char *mark = covered_bytes(s, len);
	for (size_t i = 0; mark && i < len; i++) {
		runs += mark[i] && (!i || !mark[i - 1]);
		if (mark[i])
			s[i] = '*';
	}
	free(mark);
	return runs;
}

void log_print_redacted(FILE *f, const char *text)
{
	char *clean = log_redact_dup(text);
	fputs(clean, f);
	free(clean);
}

const char *log_q(const char *value)
{
	static _Thread_local char ring[8][1024]; /* per thread: rcd logs from many */
	static _Thread_local int next;
	char *out = ring[next++ % 8];
	struct buf quoted = BUF_INIT;
	int needs = !*value;

	for (const char *p = value; *p; p++)
		if (*p == ' ' || *p == '"' || *p == '=' || *p == '\\' ||
		    (unsigned char)*p < 0x20)
			needs = 1;
	if (!needs)
		return value; /* emit_clean redacts the whole line */
	/* redact before the cut below: a secret across it leaves nothing */
	char *clean = log_redact_dup(value);
	buf_addc(&quoted, '"');
	logfmt_escape(&quoted, clean, sizeof ring[0] - 2); /* long values are cut */
	buf_addc(&quoted, '"');
	memcpy(out, quoted.data, quoted.len + 1);
	buf_free(&quoted);
	free(clean);
	return out;
}

static void timestamp(char *buf, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Redact the whole text first, then cut it: a secret straddling the cut
 * must not leave its first bytes behind. Redaction never lengthens.
 * one_line: control bytes (a hostile key's newline or escape codes) are
 * written as \xNN, after redaction so secrets still match. */
static void emit_clean(FILE *f, const char *raw, int one_line)
{
	size_t len = strlen(raw);
	char *clean = xmalloc(len + 1);
	struct buf line = BUF_INIT;
	log_redact(clean, len + 1, raw);
	for (const char *p = clean; *p && line.len < LINE_MAX_LEN; p++) {
		if (one_line && ((unsigned char)*p < 0x20 || *p == 0x7f))
			buf_printf(&line, "\\x%02x", (unsigned char)*p);
		else
			buf_addc(&line, *p);
	}
	fprintf(f, "%s\n", line.data ? line.data : "");
	buf_free(&line);
	free(clean);
}

void log_kv(enum log_level level, const char *msg, const char *kvfmt, ...)
{
	struct buf raw = BUF_INIT;
	char ts[32];

	if (level < min_level)
		return;
	timestamp(ts, sizeof ts);
	buf_printf(&raw, "time=%s level=%s prog=%s msg=%s", ts, level_names[level], program,
		   log_q(msg));
	if (kvfmt) {
		va_list ap;
		buf_addc(&raw, ' ');
		va_start(ap, kvfmt);
		buf_vprintf(&raw, kvfmt, ap);
		va_end(ap);
	}
	emit_clean(stderr, raw.data, 0); /* log_q already escaped the values */
	buf_free(&raw);
}

void log_termination(const char *fmt, ...)
{
	struct buf raw = BUF_INIT;
	const char *path = getenv("INITC_TERMINATION_LOG");
	va_list ap;
	FILE *f;

	if (!path)
		path = "/dev/termination-log";
	if (!*path)
		return;
	f = fopen(path, "w");
	if (!f)
		return; /* outside Kubernetes there is usually no such file */
	va_start(ap, fmt);
	buf_vprintf(&raw, fmt, ap);
	va_end(ap);
	emit_clean(f, raw.data ? raw.data : "", 1);
	fclose(f);
	buf_free(&raw);
}

const char *exit_code_name(int code)
{
	switch (code) {
	case EXIT_OK: return "ok";
	case EXIT_USAGE: return "usage";
	case EXIT_AUTH: return "auth";
	case EXIT_NOTFOUND: return "not-found";
	case EXIT_NETWORK: return "network";
	case EXIT_INTEGRITY: return "integrity";
	case EXIT_LOCALIO: return "local-io";
	case EXIT_VERIFY: return "verify";
	case EXIT_UNSAFE: return "unsafe";
	case EXIT_INPUT: return "input";
	case EXIT_POLICY: return "policy";
	default: return "internal";
	}
}
