/* Finding rows of the server release table and comparing a model's pins
 * with a row; see server_releases.h. The rows themselves are generated
 * data (server_releases.c). */
#include "server_releases.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "deps.h"
#include "verspec.h"

static const char *skip_v(const char *version)
{
	return (version[0] == 'v' || version[0] == 'V') && isdigit((unsigned char)version[1]) ?
	       version + 1 : version;
}

const struct server_release *release_find(const char *server, const char *version)
{
	size_t n;
	const struct server_release *all = server_releases_all(&n);
	version = skip_v(version);
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(all[i].server, server) && !strcmp(all[i].version, version))
			return &all[i];
	return NULL;
}

const struct server_release *release_newest(const char *server)
{
	size_t n;
	const struct server_release *all = server_releases_all(&n), *best = NULL;
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(all[i].server, server) &&
		    (!best || version_cmp(all[i].version, best->version) > 0))
			best = &all[i];
	return best;
}

void release_nearest(const char *server, const char *version, struct buf *out)
{
	size_t n;
	const struct server_release *all = server_releases_all(&n), *below = NULL, *above = NULL;
	version = skip_v(version);
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(all[i].server, server))
			continue;
		int c = version_cmp(all[i].version, version);
		if (c <= 0 && (!below || version_cmp(all[i].version, below->version) > 0))
			below = &all[i];
		if (c > 0 && (!above || version_cmp(all[i].version, above->version) < 0))
			above = &all[i];
	}
	if (below)
		buf_adds(out, below->version);
	if (below && above)
		buf_adds(out, " or ");
	if (above)
		buf_adds(out, above->version);
}

/* PEP 503, by the one normalisation the env parser uses (dep_key). */
static int same_name(const char *a, const char *b)
{
	char *ka = dep_key(a, strlen(a)), *kb = dep_key(b, strlen(b));
	int same = !strcmp(ka, kb);
	free(ka);
	free(kb);
	return same;
}

const struct release_req *release_req_find(const struct server_release *r, const char *name)
{
	for (size_t i = 0; i < RELEASE_MAX_REQS && r->reqs[i].name; i++)
		if (same_name(r->reqs[i].name, name))
			return &r->reqs[i];
	return NULL;
}

void release_ranges(const char *server, int (*keep)(const struct server_release *, const void *),
		    const void *arg, struct buf *out)
{
	size_t n;
	const struct server_release *all = server_releases_all(&n), *first = NULL, *last = NULL;
	for (size_t i = 0; i <= n; i++) {
		int kept = i < n && !strcasecmp(all[i].server, server) && keep(&all[i], arg);
		if (kept) {
			if (!first)
				first = &all[i];
			last = &all[i];
			continue;
		}
		if (i < n && strcasecmp(all[i].server, server))
			continue;  /* another server's row: no gap in this one's */
		if (first) {
			buf_printf(out, "%s%s", out->len ? ", " : "", first->version);
			if (last != first)
				buf_printf(out, " to %s", last->version);
		}
		first = last = NULL;
	}
}

size_t release_moves(const struct server_release *r, const struct model_pin *pins, size_t n,
		     struct buf *out)
{
	size_t moved = 0;
	for (size_t i = 0; i < n; i++) {
		const struct release_req *req = release_req_find(r, pins[i].name);
		if (!req || !*req->spec)
			continue;  /* the server lets pip keep what the model has */
		enum verspec_place at = verspec_place(pins[i].version, req->spec);
		if (at == VERSPEC_IN || at == VERSPEC_UNKNOWN)
			continue;
		int len = 0;
		const char *to = verspec_target(req->spec, at, &len);
		buf_printf(out, "%s%s==%s (%s) would become ", moved ? "; " : "", pins[i].name,
			   pins[i].version, pins[i].where);
		if (to)
			buf_printf(out, "%.*s", len, to);
		else
			buf_adds(out, "another release");
		buf_printf(out, " (the release installs %s%s)", req->name, req->spec);
		moved++;
	}
	return moved;
}
