/* The serving stacks prebake knows. Versions: MLServer 1.6.1 is the
 * release the user's clusters run (seeds/000) and the last one before
 * 1.7's dependency moves; seldon-core 1.18.2 is the Python wrapper of the
 * Seldon Core v1 operator line still deployed. Both are plain defaults:
 * --server-version changes them. */
#include "targets.h"

#include <string.h>

static const struct target targets[] = {
	{
		.name = "mlserver",
		.title = "MLServer with its MLflow runtime",
		.packages = { "mlserver", "mlserver-mlflow" },
		.version = "1.6.1",
		.min_python = "3.9",
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
		.min_python = "3.8",
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
