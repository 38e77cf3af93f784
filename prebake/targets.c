/* The serving stacks prebake knows. Versions: MLServer 1.6.1 is the
 * release the user's clusters run (seeds/000) and the last one before
 * 1.7's dependency moves; seldon-core 1.18.2 is the Python wrapper of the
 * Seldon Core v1 operator line still deployed. Both are plain defaults:
 * --server-version changes them. */
#include "targets.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const struct target targets[] = {
	{
		.name = "mlserver",
		.title = "MLServer with its MLflow runtime",
		.packages = { "mlserver", "mlserver-mlflow" },
		.version = "1.6.1",
		.http_port = 8080,
		.ports = { 8080, 8081, 8082 },
		.ready_path = "/v2/health/ready",
		.live_path = "/v2/health/live",
	},
	{
		.name = "seldon",
		.title = "Seldon Core v1 Python wrapper serving the MLflow model",
		.packages = { "seldon-core" },
		.companions = { "mlflow", "pandas" },
		.version = "1.18.2",
		.http_port = 9000,
		.ports = { 9000, 9500, 6000 },
		.ready_path = "/health/ping",
		.live_path = "/health/ping",
	},
};

const struct target *target_find(const char *name)
{
	for (size_t i = 0; i < sizeof targets / sizeof *targets; i++)
		if (!strcmp(targets[i].name, name))
			return &targets[i];
	return NULL;
}

const struct target *target_default(void)
{
	return &targets[0];
}

const char *target_names(void)
{
	return "mlserver, seldon";
}

/* Requires-Python per release, from each release's own metadata (the file
 * and tag are named in each row; poetry's "^3.8.1,<3.12" written as the
 * wheel carries it). MLServer 1.3.x declares none, so it has no row. */
static const struct release {
	const char *target, *version, *requires_python, *source;
} releases[] = {
	{ "mlserver", "1.4.0", ">=3.8.1,<3.12", "SeldonIO/MLServer@1.4.0:pyproject.toml" },
	{ "mlserver", "1.5.0", ">=3.9,<3.12", "SeldonIO/MLServer@1.5.0:pyproject.toml" },
	{ "mlserver", "1.6.0", ">=3.9,<3.12", "SeldonIO/MLServer@1.6.0:pyproject.toml" },
	{ "mlserver", "1.6.1", ">=3.9,<3.12", "SeldonIO/MLServer@1.6.1:pyproject.toml" },
	{ "seldon", "1.17.0", ">=3.6", "SeldonIO/seldon-core@v1.17.0:python/setup.py" },
	{ "seldon", "1.17.1", ">=3.6", "SeldonIO/seldon-core@v1.17.1:python/setup.py" },
	{ "seldon", "1.18.0", ">=3.6", "SeldonIO/seldon-core@v1.18.0:python/setup.py" },
	{ "seldon", "1.18.1", ">=3.6", "SeldonIO/seldon-core@v1.18.1:python/setup.py" },
	{ "seldon", "1.18.2", ">=3.6", "SeldonIO/seldon-core@v1.18.2:python/setup.py" },
};

const char *target_requires_python(const struct target *t, const char *version)
{
	for (size_t i = 0; i < sizeof releases / sizeof *releases; i++)
		if (!strcmp(releases[i].target, t->name) && !strcmp(releases[i].version, version))
			return releases[i].requires_python;
	return NULL;
}

#define VERSION_PARTS 4

/* "3.10.12" -> {3,10,12,0}; -1 unless digits and dots. "3.12.*" keeps
 * the prefix and sets *wild. */
static int parse_release(const char *s, size_t n, long out[VERSION_PARTS], int *wild)
{
	int parts = 0;
	memset(out, 0, VERSION_PARTS * sizeof *out);
	*wild = 0;
	for (size_t i = 0; i < n;) {
		if (parts == VERSION_PARTS)
			return -1;
		if (s[i] == '*' && i + 1 == n && parts) {
			*wild = 1;
			return parts;
		}
		if (!isdigit((unsigned char)s[i]))
			return -1;
		char *end;
		out[parts++] = strtol(s + i, &end, 10);
		i = (size_t)(end - s);
		if (i < n && s[i] != '.')
			return -1;
		i += i < n;
	}
	return parts ? parts : -1;
}

static int compare_release(const long a[VERSION_PARTS], const long b[VERSION_PARTS], int upto)
{
	for (int i = 0; i < upto; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* One clause of a Requires-Python spec: 1 holds, 0 does not, -1 unknown. */
static int clause_holds(const long v[VERSION_PARTS], const char *c, size_t n)
{
	static const char *const ops[] = { "===", "==", "!=", "~=", "<=", ">=", "<", ">" };
	size_t op = 0, oplen = 0;
	long want[VERSION_PARTS];
	int wild;
	while (n && isspace((unsigned char)*c))
		c++, n--;
	while (n && isspace((unsigned char)c[n - 1]))
		n--;
	for (; op < sizeof ops / sizeof *ops; op++)
		if (!strncmp(c, ops[op], oplen = strlen(ops[op])))
			break;
	if (op == sizeof ops / sizeof *ops)
		return -1;
	const char *w = c + oplen;
	size_t wn = n - oplen;
	while (wn && isspace((unsigned char)*w))
		w++, wn--;
	int parts = parse_release(w, wn, want, &wild);
	if (parts < 0 || (wild && op != 1 && op != 2))
		return -1;
	int cmp = compare_release(v, want, wild ? parts : VERSION_PARTS);
	switch (op) {
	case 0: case 1: return cmp == 0;
	case 2: return cmp != 0;
	case 3: /* ~=X.Y: >=X.Y and ==X.*; "~=3" is not a valid clause */
		if (parts < 2)
			return -1;
		return cmp >= 0 && compare_release(v, want, parts - 1) == 0;
	case 4: return cmp <= 0;
	case 5: return cmp >= 0;
	case 6: return cmp < 0;
	default: return cmp > 0;
	}
}

static int release_satisfies(const long have[VERSION_PARTS], const char *spec)
{
	int verdict = 1;
	for (const char *p = spec; *p;) {
		size_t n = strcspn(p, ",");
		int holds = clause_holds(have, p, n);
		if (holds < 0)
			return -1;
		verdict &= holds;
		p += n + (p[n] == ',');
	}
	return verdict;
}

/* Python's patch releases stay far below this (3.8 ended at 3.8.20). */
#define PATCH_SCAN 100

/* "3.11" names a minor line (conda's python=3.11, the python:3.11 image):
 * it fits when some patch release of it does, so ">=3.11.4" accepts it
 * and "<3.12" refuses "3.12". */
int python_satisfies(const char *v, const char *spec)
{
	long have[VERSION_PARTS];
	int wild, parts = parse_release(v, strlen(v), have, &wild);
	if (parts < 0 || wild)
		return -1;
	int verdict = release_satisfies(have, spec);
	for (long patch = 1; parts == 2 && verdict == 0 && patch <= PATCH_SCAN; patch++) {
		have[2] = patch < PATCH_SCAN ? patch : LONG_MAX;
		verdict = release_satisfies(have, spec);
	}
	return verdict;
}
