/* `initc servers [--json] [NAME]`: every known server, what it loads and
 * the releases initc knows of it, and Seldon Core v2's capability lists;
 * with NAME, one line per release with its image, libraries and sources,
 * or for a Core 2 Server what the agent and the server do with a model. */
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
static void releases_span(const struct profile *p, struct buf *out)
{
	const char *server = profile_release_key(p);
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

/* ---- Seldon Core 2 Servers: the tables behind them ------------------------- */

static const char *const agent_uri_names[] = {
	[AGENT_URI_FILE] = "file", [AGENT_URI_FOLDER] = "folder",
	[AGENT_URI_SUBFOLDER] = "subfolder", [AGENT_URI_PY_CLASS] = "py-class",
};
static const char *const triton_kind_names[] = {
	[TRITON_FILE] = "file", [TRITON_DIR] = "folder",
	[TRITON_FILE_OR_DIR] = "file or folder", [TRITON_NO_FILE] = "none",
};

static void json_v2_mlserver(struct buf *out)
{
	size_t n;
	const struct profile *all = profiles_all(&n);
	const struct agent_settings *a;
	int first = 1;

	buf_adds(out, ",\"implementations\":{");
	for (size_t i = 0; i < n; i++) {
		if (all[i].family != FAMILY_MLSERVER || !all[i].implementation)
			continue;
		buf_adds(out, first ? "" : ",");
		json_str(out, all[i].implementation);
		buf_addc(out, ':');
		json_str(out, all[i].name);
		first = 0;
	}
	buf_adds(out, "},\"agent_settings\":[");
	for (size_t i = 0; (a = agent_settings_row(i)); i++) {
		buf_adds(out, i ? ",{\"requirement\":" : "{\"requirement\":");
		json_str(out, a->requirement);
		buf_adds(out, ",\"implementation\":");
		if (agent_settings_implementation(a))
			json_str(out, agent_settings_implementation(a));
		else
			buf_adds(out, "null");
		buf_printf(out, ",\"uri\":\"%s\",\"extensions\":[", agent_uri_names[a->uri]);
		for (size_t e = 0; e < AGENT_MAX_EXTS && a->exts[e]; e++) {
			buf_adds(out, e ? "," : "");
			json_str(out, a->exts[e]);
		}
		buf_adds(out, "],\"judged_as\":");
		if (a->runtime)
			json_str(out, a->runtime);
		else
			buf_adds(out, "null");
		buf_addc(out, '}');
	}
	buf_addc(out, ']');
}

static void json_v2_triton(struct buf *out)
{
	const struct triton_backend *b;
	buf_adds(out, ",\"backends\":[");
	for (size_t i = 0; (b = triton_backend_row(i)); i++) {
		buf_adds(out, i ? ",{\"backend\":" : "{\"backend\":");
		json_str(out, b->backend);
		buf_adds(out, ",\"platform\":");
		if (b->platform)
			json_str(out, b->platform);
		else
			buf_adds(out, "null");
		buf_adds(out, ",\"loads\":[");
		for (size_t f = 0; f < TRITON_MAX_FILES && b->files[f]; f++) {
			buf_adds(out, f ? "," : "");
			json_str(out, b->files[f]);
		}
		buf_printf(out, "],\"kind\":\"%s\",\"told_by_the_file\":%s}",
			   triton_kind_names[b->kind], b->detected ? "true" : "false");
	}
	buf_addc(out, ']');
}

/* A Core 2 Server's releases are another server's rows: version and
 * image only, the runtimes' own rows hold the rest. */
static void json_v2_releases(struct buf *out, const struct server_release *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		buf_adds(out, i ? ",{\"version\":" : "{\"version\":");
		json_str(out, rows[i].version);
		buf_adds(out, ",\"image\":");
		json_str(out, rows[i].image);
		buf_addc(out, '}');
	}
}

static void json_server(struct buf *out, const struct profile *p)
{
	size_t n;
	const struct server_release *rows = releases_of(profile_release_key(p), &n);
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
	if (p->family == FAMILY_SELDON_V2) {
		buf_adds(out, ",\"image\":");
		json_str(out, now.image);
		if (p->layout == LAYOUT_V2_MLSERVER)
			json_v2_mlserver(out);
		else
			json_v2_triton(out);
	}
	buf_adds(out, ",\"releases\":[");
	if (p->family == FAMILY_SELDON_V2)
		json_v2_releases(out, rows, n);
	for (size_t i = 0; p->family != FAMILY_SELDON_V2 && i < n; i++) {
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
		if (now.settings_uri && now.family != FAMILY_SELDON_V2) /* its runtimes' */
			buf_adds(&loads, "; or model-settings.json parameters.uri");
		releases_span(&all[i], &span);
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

/* Each MLServer release with what its runtimes install. */
static void v2_mlserver_releases(struct buf *out, const struct server_release *rows, size_t nrows)
{
	size_t n;
	const struct profile *all = profiles_all(&n);

	buf_printf(out, "\n%-9s %-26s %s\n", "RELEASE", "IMAGE", "RUNTIME LIBRARIES");
	for (size_t r = 0; r < nrows; r++) {
		buf_printf(out, "%-9s %-26s", rows[r].version, rows[r].image);
		for (size_t i = 0; i < n; i++) {
			const struct server_release *row;
			const struct release_req *req;
			if (all[i].family != FAMILY_MLSERVER || !all[i].library ||
			    !(row = release_find(all[i].name, rows[r].version)))
				continue;
			req = release_req_find(row, all[i].library);
			buf_printf(out, " %s%s", all[i].library, req ? req->spec : "?");
		}
		buf_addc(out, '\n');
	}
}

/* `initc servers mlserver`: what the agent and MLServer do with a model,
 * then each release with the runtimes' libraries. */
static void v2_mlserver_text(struct buf *out, const struct profile *p)
{
	size_t n, nrows;
	const struct profile *all = profiles_all(&n);
	const struct server_release *rows = releases_of(profile_release_key(p), &nrows);
	const struct agent_settings *a;

	buf_printf(out, "%s: a Seldon Core 2 Server running MLServer (seldonio/mlserver:RELEASE).\n"
		   "The agent hands MLServer one folder of the artifact: the top when it holds "
		   "model-settings.json,\nelse the highest numbered folder holding one, else the top "
		   "(a Model's spec.artifactVersion\npicks that number's folder; a sidecar never "
		   "sees it). The implementation model-settings.json\nnames picks the runtime, "
		   "judged at the Server's release:\n", p->name);
	for (size_t i = 0; i < n; i++)
		if (all[i].family == FAMILY_MLSERVER && all[i].implementation)
			buf_printf(out, "  %-36s %s\n", all[i].implementation, all[i].name);
	buf_printf(out, "  %-36s %s\n", "any other", "accepted, not judged");
	buf_adds(out, "Without model-settings.json the agent writes one for the first of the Model's "
		 "requirements it\nknows (--requirements; with none given, any requirement that "
		 "loads the model will do):\n");
	for (size_t i = 0; (a = agent_settings_row(i)); i++) {
		struct buf uri = BUF_INIT;
		if (a->uri == AGENT_URI_FOLDER)
			buf_adds(&uri, "./");
		else if (a->uri == AGENT_URI_SUBFOLDER)
			buf_adds(&uri, "./<the first folder>");
		for (size_t e = 0; e < AGENT_MAX_EXTS && a->exts[e]; e++)
			buf_printf(&uri, "%s*.%s", e ? " or ./" : "./", a->exts[e]);
		buf_printf(out, "  %-14s %-43s %s%s\n", a->requirement,
			   agent_settings_implementation(a) ? agent_settings_implementation(a) :
			   "<file>.<its MLModel class>", uri.data, a->runtime ? "" : " (not judged)");
		buf_free(&uri);
	}
	v2_mlserver_releases(out, rows, nrows);
}


/* `initc servers triton`: the layout the agent makes and the file each
 * backend loads. */
static void v2_triton_text(struct buf *out, const struct profile *p)
{
	const struct triton_backend *b;
	buf_printf(out, "%s: a Seldon Core 2 Server running Triton (%s).\nThe agent copies the "
		   "artifact's highest numbered folder (anywhere in it; with none, the whole\n"
		   "artifact) as the model's version, and the config.pbtxt beside it (with none, "
		   "one holding only\nthe model's name). config.pbtxt's platform or backend, and "
		   "its default_model_filename, pick\nthe file Triton loads from the version folder; "
		   "with neither, Triton tells the backend by the\nfile, in this order:\n\n",
		   p->name, p->image ? p->image : "image unknown");
	buf_printf(out, "%-12s %-22s %-5s %s\n", "BACKEND", "PLATFORM", "TOLD", "LOADS");
	for (size_t i = 0; (b = triton_backend_row(i)); i++) {
		struct buf files = BUF_INIT;
		for (size_t f = 0; f < TRITON_MAX_FILES && b->files[f]; f++)
			buf_printf(&files, "%s%s%s", f ? " or " : "", b->files[f],
				   b->kind == TRITON_DIR ? "/" : "");
		buf_printf(out, "%-12s %-22s %-5s %s\n", b->backend, b->platform ? b->platform : "-",
			   b->detected ? "yes" : "no", files.len ? files.data : "-");
		buf_free(&files);
	}
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
	else if (only && only->layout == LAYOUT_V2_MLSERVER)
		v2_mlserver_text(&out, only);
	else if (only && only->layout == LAYOUT_V2_TRITON)
		v2_triton_text(&out, only);
	else if (only)
		releases_table(&out, only);
	else
		servers_table(&out);
	fputs(out.data, stdout);
	buf_free(&out);
	return fflush(stdout) ? EXIT_LOCALIO : 0;
}
