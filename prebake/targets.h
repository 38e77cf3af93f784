/* The servers a baked image can run, with the versions prebake pins by
 * default (overridable with --server-version). */
#ifndef PREBAKE_TARGETS_H
#define PREBAKE_TARGETS_H

#include "server_releases.h"

#define TARGET_MAX_PKGS 3

struct target {
	const char *name;           /* --target value */
	/* The server of the release table whose rows say what this stack's
	 * release installs (common/server_releases.c): one table for initc's
	 * checks and prebake's constraints. */
	const char *server;
	/* Its stock image pip-installs the release's requirements over the
	 * model's environment (MLFLOW_SERVER): prebake names the pins that
	 * would move, as initc does. */
	int stock_installs_over_env;
	const char *title;          /* for humans */
	const char *packages[TARGET_MAX_PKGS];  /* pinned to version */
	const char *companions[TARGET_MAX_PKGS]; /* unpinned: the model's pins decide */
	const char *version;        /* default version of packages[] */
	int http_port;
	int ports[3];               /* EXPOSEd: HTTP, gRPC, metrics */
	const char *ready_path;     /* readiness and startup probe */
	const char *live_path;      /* liveness probe */
};

const struct target *target_find(const char *name);
/* The release table's row for the target at version, or NULL. */
const struct server_release *target_release(const struct target *t, const char *version);
const struct target *target_default(void);
/* "mlserver, seldon" for usage messages. */
const char *target_names(void);

/* The Requires-Python of the target's first package at that release, as
 * its metadata says (">=3.9,<3.12"), or NULL when prebake does not know. */
const char *target_requires_python(const struct target *t, const char *version);

/* Does python version v ("3.10.12", "3.11") satisfy a Requires-Python
 * spec? 1 yes, 0 no, -1 when either is not a plain numeric version. */
int python_satisfies(const char *v, const char *spec);

#endif
