/* `initc servers [--json] [NAME]`: every known server, what it loads and
 * the releases initc knows of it, and Seldon Core v2's capability lists;
 * with NAME, one line per release with its image, libraries and sources. */
#include "verify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"

static void reqs_text(const struct server_release *r, struct buf *out)
{
	for (size_t i = 0; i < RELEASE_MAX_REQS && r->reqs[i].name; i++)
		buf_printf(out, "%s%s%s", i ? " " : "", r->reqs[i].name, r->reqs[i].spec);
	if (!r->reqs[0].name)
		buf_adds(out, "-");
}

/* "1.10.0 to 1.18.2 (17)" */
static void releases_span(const char *server, struct buf *out)
{
	size_t n;
	const struct server_release *rows = releases_of(server, &n);
	if (!n)
		buf_adds(out, "none known");
	else
		buf_printf(out, "%s to %s (%zu)", rows[0].version, rows[n - 1].version, n);
}

static void json_release(struct buf *out, const struct server_release *r)
{
	buf_adds(out, "{\"version\":");
	json_str(out, r->version);
	buf_adds(out, ",\"image\":");
	json_str(out, r->image);
	buf_adds(out, ",\"loads\":[");
	for (size_t i = 0; i < RELEASE_MAX_LOADS && r->loads[i]; i++) {
		buf_adds(out, i ? "," : "");
		json_str(out, r->loads[i]);
	}
	buf_adds(out, "],\"requires\":{");
	for (size_t i = 0; i < RELEASE_MAX_REQS && r->reqs[i].name; i++) {
		buf_adds(out, i ? "," : "");
		json_str(out, r->reqs[i].name);
		buf_addc(out, ':');
		json_str(out, r->reqs[i].spec);
	}
	const char *const sources[][2] = {
		{ "requires_source", r->reqs_source }, { "loads_source", r->loads_source },
		{ "image_source", r->image_source }, { "note", r->note },
	};
	buf_adds(out, "}");
	for (size_t i = 0; i < sizeof sources / sizeof *sources; i++) {
		buf_printf(out, ",\"%s\":", sources[i][0]);
		if (sources[i][1])
			json_str(out, sources[i][1]);
		else
			buf_adds(out, "null");
	}
	buf_addc(out, '}');
}

static void json_server(struct buf *out, const struct profile *p)
{
	size_t n;
	const struct server_release *rows = releases_of(p->name, &n);
	struct profile now;
	struct buf loads = BUF_INIT;

	profile_at_release(p, NULL, &now);
	profile_describe_loads(&now, &loads);
	buf_adds(out, "{\"name\":");
	json_str(out, p->name);
	buf_adds(out, ",\"family\":");
	json_str(out, profile_family_name(p->family));
	buf_adds(out, ",\"loads\":");
	json_str(out, loads.data);
	buf_printf(out, ",\"model_settings_uri\":%s,\"installs_over_env\":%s,\"library\":",
		   p->settings_uri ? "true" : "false", p->installs_over_env ? "true" : "false");
	if (p->library)
		json_str(out, p->library);
	else
		buf_adds(out, "null");
	buf_adds(out, ",\"releases\":[");
	for (size_t i = 0; i < n; i++) {
		buf_adds(out, i ? "," : "");
		json_release(out, &rows[i]);
	}
	buf_adds(out, "]}");
	buf_free(&loads);
}

static void servers_json(struct buf *out, const struct profile *only)
{
	size_t n, ncaps;
	const struct profile *all = profiles_all(&n);
	const char *const *caps;
	const char *kind;

	buf_adds(out, "{\"servers\":[");
	int first = 1;
	for (size_t i = 0; i < n; i++) {
		if (only && only != &all[i])
			continue;
		buf_adds(out, first ? "" : ",");
		json_server(out, &all[i]);
		first = 0;
	}
	buf_adds(out, "],\"seldon_v2_capabilities\":{");
	for (size_t k = 0; (caps = capabilities(k, &kind, &ncaps)); k++) {
		if (k)
			buf_addc(out, ',');
		json_str(out, kind);
		buf_adds(out, ":[");
		for (size_t i = 0; i < ncaps; i++) {
			if (i)
				buf_addc(out, ',');
			json_str(out, caps[i]);
		}
		buf_addc(out, ']');
	}
	buf_adds(out, "}}\n");
}

static void servers_table(struct buf *out)
{
	size_t n, ncaps;
	const struct profile *all = profiles_all(&n);
	const char *const *caps;
	const char *kind;

	buf_printf(out, "%-18s %-9s %-24s %-28s %s\n", "SERVER", "FAMILY", "RELEASES",
		   "NEWEST LIBRARY", "LOADS");
	for (size_t i = 0; i < n; i++) {
		struct profile now;
		struct buf loads = BUF_INIT, span = BUF_INIT;
		profile_at_release(&all[i], NULL, &now);
		char *lib = xasprintf("%s%s", now.library ? now.library : "-",
				      now.library && now.library_spec ? now.library_spec : "");
		profile_describe_loads(&now, &loads);
		if (now.settings_uri)
			buf_adds(&loads, "; or model-settings.json parameters.uri");
		releases_span(all[i].name, &span);
		buf_printf(out, "%-18s %-9s %-24s %-28s %s\n", all[i].name,
			   profile_family_name(all[i].family), span.data, lib, loads.data);
		free(lib);
		buf_free(&loads);
		buf_free(&span);
	}
	buf_adds(out, "\n`initc servers NAME` lists a server's releases; --server NAME:VERSION picks one.\n");
	buf_adds(out, "\nSeldon Core v2 capabilities (requirements must equal one of them):\n");
	for (size_t k = 0; (caps = capabilities(k, &kind, &ncaps)); k++) {
		buf_printf(out, "  %-9s", kind);
		for (size_t i = 0; i < ncaps; i++)
			buf_printf(out, "%s%s", i ? "," : "", caps[i]);
		buf_addc(out, '\n');
	}
}

/* One server: a line per release, sources below each. */
static void releases_table(struct buf *out, const struct profile *p)
{
	size_t n;
	const struct server_release *rows = releases_of(p->name, &n);

	buf_printf(out, "%-9s %-42s %-28s %s\n", "RELEASE", "IMAGE", "LOADS", "REQUIRES");
	for (size_t i = 0; i < n; i++) {
		const struct server_release *r = &rows[i];
		struct buf loads = BUF_INIT, reqs = BUF_INIT;
		for (size_t k = 0; k < RELEASE_MAX_LOADS && r->loads[k]; k++)
			buf_printf(&loads, "%s%s", k ? "," : "", r->loads[k]);
		reqs_text(r, &reqs);
		buf_printf(out, "%-9s %-42s %-28s %s\n", r->version, r->image, loads.data, reqs.data);
		buf_printf(out, "          from %s", r->reqs_source ? r->reqs_source : r->loads_source);
		if (r->note)
			buf_printf(out, " (%s)", r->note);
		buf_addc(out, '\n');
		buf_free(&loads);
		buf_free(&reqs);
	}
	if (!n)
		buf_printf(out, "(initc's table has no release of %s)\n", p->name);
}

static int usage(void)
{
	fprintf(stderr, "usage: initc servers [--json] [NAME]\n");
	return EXIT_USAGE;
}

static int unknown(const char *name)
{
	const char *near = profile_nearest(name);
	fprintf(stderr, "initc servers: unknown server name \"%s\"%s%s%s; `initc servers` lists "
		"every known name\n", name, near ? ": did you mean " : "", near ? near : "",
		near ? "?" : "");
	return EXIT_USAGE;
}

int cmd_servers(int argc, char **argv)
{
	int json = 0;
	const char *name = NULL;
	const struct profile *only = NULL;
	struct buf out = BUF_INIT;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (argv[i][0] == '-' || name)
			return usage();
		else
			name = argv[i];
	}
	if (name && !(only = profile_find(name)))
		return unknown(name);
	if (json)
		servers_json(&out, only);
	else if (only)
		releases_table(&out, only);
	else
		servers_table(&out);
	fputs(out.data, stdout);
	buf_free(&out);
	return fflush(stdout) ? EXIT_LOCALIO : 0;
}
