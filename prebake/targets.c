/* The serving stacks prebake knows. Versions: MLServer 1.6.1 is the
 * release the user's clusters run (seeds/000) and the last one before
 * 1.7's dependency moves; seldon-core 1.18.2 is the Python wrapper of the
 * Seldon Core v1 operator line still deployed. Both are plain defaults:
 * --server-version changes them. */
#include "targets.h"
#include "verspec.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static const struct target targets[] = {
	{
		.name = "mlserver",
		.server = "mlserver-mlflow",
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
		.server = "MLFLOW_SERVER",
		.stock_installs_over_env = 1,
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

const struct server_release *target_release(const struct target *t, const char *version)
{
	return release_find(t->server, version);
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

/* Python's patch releases stay far below this (3.8 ended at 3.8.20). */
#define PATCH_SCAN 100

static int is_minor_line(const char *v)
{
	size_t major = strspn(v, "0123456789");
	return major && v[major] == '.' && v[major + 1 + strspn(v + major + 1, "0123456789")] == '\0' &&
	       isdigit((unsigned char)v[major + 1]);
}

/* "3.11" names a minor line (conda's python=3.11, the python:3.11 image):
 * it fits when some patch release of it does, so ">=3.11.4" accepts it
 * and "<3.12" refuses "3.12". */
int python_satisfies(const char *v, const char *spec)
{
	int verdict = verspec_holds(v, spec);
	for (long patch = 1; is_minor_line(v) && verdict == 0 && patch <= PATCH_SCAN; patch++) {
		char line[64];
		snprintf(line, sizeof line, "%.40s.%ld", v, patch < PATCH_SCAN ? patch : LONG_MAX);
		verdict = verspec_holds(line, spec);
	}
	return verdict;
}
