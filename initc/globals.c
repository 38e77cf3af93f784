/* Run-wide settings from the environment; see globals.h. */
#include "globals.h"
#include "exitcode.h"
#include "rclone_config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum gkind { G_COUNT, G_DURATION, G_SIZE, G_BOOL };

static const struct gvar {
	const char *env;
	enum gkind kind;
	size_t offset;
	const char *def;
	long long min, max;
} gvars[] = {
	{ "RCLONE_TRANSFERS", G_COUNT, offsetof(struct globals, transfers), "4", 1, 256 },
	{ "RCLONE_LOW_LEVEL_RETRIES", G_COUNT, offsetof(struct globals, retries), "10", 1, 1000 },
	{ "RCLONE_TIMEOUT", G_DURATION, offsetof(struct globals, timeout_ms), "5m", 0, 1LL << 40 },
	{ "RCLONE_CONTIMEOUT", G_DURATION, offsetof(struct globals, contimeout_ms), "1m", 0, 1LL << 40 },
	{ "RCLONE_MULTI_THREAD_CUTOFF", G_SIZE, offsetof(struct globals, cutoff), "256Mi", -1, 1LL << 60 },
	{ "RCLONE_MULTI_THREAD_STREAMS", G_COUNT, offsetof(struct globals, streams), "4", 0, 64 },
	{ "RCLONE_MULTI_THREAD_CHUNK_SIZE", G_SIZE, offsetof(struct globals, chunk), "16Mi", 1, 1LL << 40 },
	{ "RCLONE_NO_CHECK_CERTIFICATE", G_BOOL, offsetof(struct globals, no_check_certificate), "false", 0, 1 },
	{ "INITC_PROGRESS_INTERVAL", G_DURATION, offsetof(struct globals, progress_ms), "10s", 0, 1LL << 40 },
	{ "INITC_NO_UNPACK", G_BOOL, offsetof(struct globals, no_unpack), "false", 0, 1 },
	{ "RCLONE_IGNORE_CHECKSUM", G_BOOL, offsetof(struct globals, ignore_checksum), "false", 0, 1 },
};

static const char *const kind_hint[] = {
	[G_COUNT] = "a whole number",
	[G_DURATION] = "a duration such as 30s, 5m or 1h30m",
	[G_SIZE] = "a size such as 64Mi or 1G (a bare number means KiB)",
	[G_BOOL] = "true or false",
};

static int parse_gvar(const struct gvar *v, const char *text, long long *out)
{
	int b;
	char *end;
	switch (v->kind) {
	case G_COUNT:
		*out = strtoll(text, &end, 10);
		return (end == text || *end) ? -1 : 0;
	case G_DURATION:
		return parse_rclone_duration(text, out);
	case G_SIZE:
		return parse_rclone_size(text, out);
	case G_BOOL:
		if (parse_rclone_bool(text, &b))
			return -1;
		*out = b;
		return 0;
	}
	return -1;
}

int globals_from_env(struct globals *g, struct buf *err)
{
	memset(g, 0, sizeof *g);
	for (size_t i = 0; i < sizeof gvars / sizeof gvars[0]; i++) {
		const struct gvar *v = &gvars[i];
		const char *text = getenv(v->env);
		long long value = 0;
		if (!text || !*text)
			text = v->def;
		if (parse_gvar(v, text, &value) || value < v->min || value > v->max) {
			buf_printf(err, "%s=%s is not valid: use %s", v->env, text, kind_hint[v->kind]);
			if (v->kind == G_COUNT)
				buf_printf(err, " from %lld to %lld", v->min, v->max);
			return EXIT_USAGE;
		}
		if (v->kind == G_BOOL)
			*(int *)((char *)g + v->offset) = (int)value;
		else
			*(long long *)((char *)g + v->offset) = value;
	}
	g->ca_file = getenv("RCLONE_CA_CERT");
	if (!g->ca_file || !*g->ca_file)
		g->ca_file = getenv("AWS_CA_BUNDLE");
	if (g->ca_file && !*g->ca_file)
		g->ca_file = NULL;
	return 0;
}
