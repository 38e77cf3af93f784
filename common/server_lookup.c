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

const struct server_release *releases_of(const char *server, size_t *count)
{
	size_t n, first = 0;
	const struct server_release *all = server_releases_all(&n);
	while (first < n && strcasecmp(all[first].server, server))
		first++;
	size_t end = first;
	while (end < n && !strcasecmp(all[end].server, server))
		end++;
	*count = end - first;
	return all + first;
}

const struct server_release *release_find(const char *server, const char *version)
{
	size_t n;
	const struct server_release *rows = releases_of(server, &n);
	version = skip_v(version);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].version, version))
			return &rows[i];
	return NULL;
}

const struct server_release *release_newest(const char *server)
{
	size_t n;
	const struct server_release *rows = releases_of(server, &n);
	return n ? &rows[n - 1] : NULL;
}

void release_nearest(const char *server, const char *version, struct buf *out)
{
	size_t n, above = 0;
	const struct server_release *rows = releases_of(server, &n);
	version = skip_v(version);
	while (above < n && version_cmp(rows[above].version, version) <= 0)
		above++;
	if (above)
		buf_adds(out, rows[above - 1].version);
	if (above && above < n)
		buf_adds(out, " or ");
	if (above < n)
		buf_adds(out, rows[above].version);
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
	const struct server_release *rows = releases_of(server, &n), *first = NULL, *last = NULL;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && keep(&rows[i], arg)) {
			first = first ? first : &rows[i];
			last = &rows[i];
			continue;
		}
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
