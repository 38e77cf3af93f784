/* What each release of each model server ships, as data: one row per
 * server and release, read from the projects' tagged sources by
 * scripts/server-releases and committed as server_releases.c (generated:
 * edit the script, not the table). initc judges a model against a row;
 * prebake takes the serving stack's versions from the same rows, so the
 * two tools never disagree. Nothing here reads files. */
#ifndef COMMON_SERVER_RELEASES_H
#define COMMON_SERVER_RELEASES_H

#include <stddef.h>

#define RELEASE_MAX_LOADS 4
#define RELEASE_MAX_REQS 12

/* One requirement as the release's own file writes it, operators and
 * all: {"mlflow", "<=2.5.0"}, {"scikit-learn", "~1.3.0"} (poetry),
 * {"xgboost", "~=2.1.1"}, {"PyYAML", ">=5.4,<=6.0"}; spec "" when the
 * file leaves it unpinned. */
struct release_req {
	const char *name;
	const char *spec;
};

struct server_release {
	const char *server;   /* the profile name: "MLFLOW_SERVER", "mlserver-xgboost", "kserve-sklearn" */
	const char *version;  /* the release, no "v": Seldon Core "1.17.1", MLServer "1.6.1", KServe "0.11.0" */
	const char *image;    /* "seldonio/mlflowserver:1.17.1" */
	/* File names the server looks for, in its order ("model.bst"), or
	 * suffixes for KServe (".bst"); MLmodel / saved_model.pb /
	 * config.pbtxt for the folder layouts. */
	const char *loads[RELEASE_MAX_LOADS];
	struct release_req reqs[RELEASE_MAX_REQS]; /* {NULL} ends the list */
	/* Where each fact came from, as "owner/repo@tag:path" */
	const char *reqs_source;   /* NULL when the release installs no Python libraries */
	const char *loads_source;
	const char *image_source;
	const char *note;     /* e.g. "shipped by Seldon Core 2.9.0", or NULL */
};

/* Every row, grouped by server, releases oldest first. */
const struct server_release *server_releases_all(size_t *n);

#endif
