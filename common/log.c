/* logfmt logging with secret redaction; see log.h. */
#include "log.h"
#include "exitcode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SECRETS 16
#define LINE_MAX_LEN 4096

static const char *program = "initc";
static enum log_level min_level = LOG_INFO;
static char *secrets[MAX_SECRETS];
static int nsecrets;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void log_set_program(const char *name) { program = name; }
void log_set_level(enum log_level level) { min_level = level; }
enum log_level log_get_level(void) { return min_level; }

void log_add_secret(const char *secret)
{
	if (!secret || strlen(secret) < 4 || nsecrets == MAX_SECRETS)
		return;
	for (int i = 0; i < nsecrets; i++)
		if (!strcmp(secrets[i], secret))
			return;
	secrets[nsecrets] = strdup(secret);
	if (secrets[nsecrets])
		nsecrets++;
}

void log_forget_secrets(void)
{
	for (int i = 0; i < nsecrets; i++)
		free(secrets[i]);
	nsecrets = 0;
}

/* Longest registered secret that starts at s, or 0. */
static size_t secret_at(const char *s)
{
	size_t best = 0;
	for (int i = 0; i < nsecrets; i++) {
		size_t len = strlen(secrets[i]);
		if (len > best && !strncmp(s, secrets[i], len))
			best = len;
	}
	return best;
}

void log_redact(char *dst, size_t n, const char *src)
{
	size_t o = 0;
	if (!n)
		return;
	while (*src && o + 1 < n) {
		size_t hit = nsecrets ? secret_at(src) : 0;
		if (hit) {
			for (const char *r = "***"; *r && o + 1 < n; r++)
				dst[o++] = *r;
			src += hit;
		} else {
			dst[o++] = *src++;
		}
	}
	dst[o] = '\0';
}

const char *log_q(const char *value)
{
	static char ring[8][1024];
	static int next;
	char *out = ring[next++ % 8];
	size_t o = 0;
	int needs = !*value;

	for (const char *p = value; *p; p++)
		if (*p == ' ' || *p == '"' || *p == '=' || *p == '\\' ||
		    (unsigned char)*p < 0x20)
			needs = 1;
	if (!needs)
		return value;
	out[o++] = '"';
	for (const char *p = value; *p && o + 4 < sizeof ring[0]; p++) {
		if (*p == '"' || *p == '\\')
			out[o++] = '\\';
		if (*p == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
			continue;
		}
		out[o++] = (unsigned char)*p < 0x20 ? '?' : *p;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

static void timestamp(char *buf, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void log_kv(enum log_level level, const char *msg, const char *kvfmt, ...)
{
	char raw[LINE_MAX_LEN], clean[LINE_MAX_LEN], ts[32];
	int len;

	if (level < min_level)
		return;
	timestamp(ts, sizeof ts);
	len = snprintf(raw, sizeof raw, "time=%s level=%s prog=%s msg=%s",
		       ts, level_names[level], program, log_q(msg));
	if (kvfmt && len > 0 && (size_t)len + 1 < sizeof raw) {
		va_list ap;
		raw[len++] = ' ';
		va_start(ap, kvfmt);
		vsnprintf(raw + len, sizeof raw - len, kvfmt, ap);
		va_end(ap);
	}
	log_redact(clean, sizeof clean, raw);
	fprintf(stderr, "%s\n", clean);
}

void log_termination(const char *fmt, ...)
{
	char raw[LINE_MAX_LEN], clean[LINE_MAX_LEN];
	const char *path = getenv("INITC_TERMINATION_LOG");
	va_list ap;
	FILE *f;

	if (!path)
		path = "/dev/termination-log";
	if (!*path)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	log_redact(clean, sizeof clean, raw);
	f = fopen(path, "w");
	if (!f)
		return; /* outside Kubernetes there is usually no such file */
	fprintf(f, "%s\n", clean);
	fclose(f);
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
