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

/* ---- server_lookup.c: finding rows, and what a row does to a model ---- */

struct buf;

/* The rows of server (case-insensitive), oldest first, and how many in
 * *count (0: none). The table groups them, so they are contiguous. */
const struct server_release *releases_of(const char *server, size_t *count);
/* The row of server (case-insensitive) at version ("1.17.1", "v1.17.1"),
 * or NULL. */
const struct server_release *release_find(const char *server, const char *version);
/* The newest row of server, or NULL when the table has none. */
const struct server_release *release_newest(const char *server);
/* The known releases of server nearest version, for "did you mean":
 * "1.17.1 or 1.18.0" (the one below and the one above). */
void release_nearest(const char *server, const char *version, struct buf *out);
/* The requirement r's files make on the library name (PEP 503: case and
 * -_. runs do not matter), or NULL when they name none. */
const struct release_req *release_req_find(const struct server_release *r, const char *name);

/* The releases of server for which keep(row, arg) holds, as ranges in
 * table order: "1.18.0 to 1.18.2", "0.13.0 to 0.14.1, 0.16.0"; "" when
 * none. */
void release_ranges(const char *server, int (*keep)(const struct server_release *, const void *),
		    const void *arg, struct buf *out);

/* A version the model fixes exactly, and where it says so. */
struct model_pin {
	const char *name;     /* PEP 503 normalised: "pyyaml" */
	char version[64];     /* "2.17.2" (a conda build string cut off) */
	const char *where;    /* "conda.yaml:10:7", "MLmodel mlflow_version" */
};

/* For a server that installs r's requirements over the model's
 * environment: append each pin r would move to out, as
 * "mlflow==2.17.2 (conda.yaml:10:7) would become 2.5.0 (the release
 * installs mlflow<=2.5.0)", "; "
 * between them. Returns how many it would move. */
size_t release_moves(const struct server_release *r, const struct model_pin *pins, size_t n,
		     struct buf *out);

#endif
