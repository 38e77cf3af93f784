/* A model against a Seldon Core 2 Server, judged as the agent hands the
 * copied artifact over (SeldonIO/seldon-core@v2.10.2, the same since
 * 2.2.0: scheduler/pkg/agent/repository/model_repository.go,
 * mlserver/mlserver.go, mlserver/settings.go, triton/triton.go).
 *
 * The agent picks a version folder in the artifact and copies it into the
 * server's repository. For MLServer it keeps that folder's
 * model-settings.json (rewriting only name and version) or, when there is
 * none, writes one from the Model's requirements; MLServer then runs the
 * runtime the file names. For Triton it takes config.pbtxt from beside the
 * version folder (or writes one holding only the model's name) and Triton
 * loads the backend's file from the version folder.
 *
 * The sidecar never sees the Model's spec.artifactVersion: the folder
 * judged is the one the agent picks without it. */
#include "verify_int.h"

#include <stdlib.h>
#include <string.h>

#include "destdir.h"
#include "pbtxt.h"

#define SETTINGS "model-settings.json"

/* ---- shared ------------------------------------------------------------- */

/* The number a folder name stands for, or -1: Go's strconv.Atoi as the
 * agent uses it, on names of digits only (at most 9: no overflow). */
static long folder_number(const char *name, size_t len)
{
	if (!len || len > 9 || strspn(name, "0123456789") < len)
		return -1;
	return strtol(name, NULL, 10); /* stops at the '/' after the name */
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

/* Take r's verdict as v's, its reason after prefix; r is emptied. */
static void adopt(struct verdict *v, struct verdict *r, const char *prefix)
{
	v->fit = r->fit;
	buf_printf(&v->why, "%s%s", prefix, r->why.data ? r->why.data : "");
	if (r->warn.len)
		buf_printf(&v->warn, "%s%s%s", v->warn.len ? "; " : "", prefix, r->warn.data);
	v->fix = r->fix;
	v->fix_from = r->fix_from;
	v->fix_to = r->fix_to;
	v->fix_implementation = r->fix_implementation;
	r->fix_from = r->fix_to = NULL;
	verdict_free(r);
}

/* ---- MLServer ------------------------------------------------------------ */

/* Runtime rt at the MLServer release the Server runs (the newest known
 * when the Server names none). */
static void runtime_at(const struct profile *server, const struct profile *rt, struct profile *out)
{
	const struct server_release *r = server->release ?
		release_find(rt->name, server->release->version) : NULL;
	profile_at_release(rt, r, out);
}

/* The folder the agent hands to MLServer (FindModelVersionFolder without
 * an artifactVersion): the top when it holds model-settings.json, else
 * the highest numbered folder holding one, anywhere below, else the top.
 * "" or the folder, malloc'd. */
static char *mlserver_folder(const struct model *m)
{
	const char *best = NULL;
	size_t best_len = 0;
	long best_n = -1;

	if (find_file(m, SETTINGS))
		return xstrdup("");
	for (size_t i = 0; i < m->files.n; i++) {
		const char *path = m->files.v[i].path, *slash = strrchr(path, '/'), *base;
		if (!slash || strcmp(slash + 1, SETTINGS))
			continue;
		for (base = slash; base > path && base[-1] != '/'; base--)
			;
		long n = folder_number(base, (size_t)(slash - base));
		if (n > best_n) {  /* the first of equals, as the agent's walk */
			best_n = n;
			best = path;
			best_len = (size_t)(slash - path);
		}
	}
	return best ? xstrndup(best, best_len) : xstrdup("");
}

/* "mlserver_sklearn.SKLearnModel, ..." */
static void implementation_list(struct buf *out)
{
	size_t n;
	const struct profile *all = profiles_all(&n);
	int first = 1;
	for (size_t i = 0; i < n; i++) {
		if (all[i].family != FAMILY_MLSERVER || !all[i].implementation)
			continue;
		buf_printf(out, "%s%s", first ? "" : ", ", all[i].implementation);
		first = 0;
	}
}

/* A model-settings.json naming no implementation: MLServer's
 * ModelSettings requires one (or MLSERVER_MODEL_IMPLEMENTATION, which
 * Core 2's ServerConfig does not set), and the agent keeps the file. */
static void missing_implementation(const struct model *m, const struct profile *p,
				   struct verdict *v)
{
	size_t n;
	const struct profile *all = profiles_all(&n), *fits = NULL;

	for (size_t i = 0; i < n && !fits; i++) {
		struct profile at;
		struct verdict r;
		if (all[i].family != FAMILY_MLSERVER)
			continue;
		runtime_at(p, &all[i], &at);
		judge(m, &at, &r);
		if (r.fit == FIT_OK)
			fits = &all[i];
		verdict_free(&r);
	}
	buf_printf(&v->why, "%s/" SETTINGS " names no implementation: MLServer requires one and "
		   "the agent keeps the file as it is; add \"implementation\": ", m->label);
	if (fits) {
		buf_printf(&v->why, "\"%s\"", fits->implementation);
	} else {
		buf_adds(&v->why, "the runtime's class (");
		implementation_list(&v->why);
		buf_adds(&v->why, ", or another runtime's)");
	}
	v->fit = FIT_NO;
}

/* The folder has model-settings.json: MLServer runs the runtime it names. */
static void judge_settings(const struct model *m, const struct profile *p, struct verdict *v)
{
	const struct profile *rt = profile_of_implementation(m->settings_impl);
	struct profile at;
	struct verdict r;

	if (!m->settings_impl) {
		missing_implementation(m, p, v);
		return;
	}
	if (!rt) {
		buf_printf(&v->why, SETTINGS " names implementation %s, which initc does not model: "
			   "accepted, not judged (initc judges ", m->settings_impl);
		implementation_list(&v->why);
		buf_adds(&v->why, ")");
		return;
	}
	runtime_at(p, rt, &at);
	judge(m, &at, &r);
	char *prefix = xasprintf(SETTINGS " names %s: ", m->settings_impl);
	adopt(v, &r, prefix);
	free(prefix);
	if (v->fix == FIX_SETTINGS)
		v->fix_implementation = rt->implementation;
}

/* The file the agent's Glob of "*.<ext>" in the folder takes: an
 * extension at a time, the first name in byte order (the listing's). */
static const char *agent_file(const struct model *m, const struct agent_settings *a)
{
	for (size_t e = 0; e < AGENT_MAX_EXTS && a->exts[e]; e++) {
		char *suffix = xasprintf(".%s", a->exts[e]);
		const char *hit = NULL;
		for (size_t i = 0; !hit && i < m->files.n; i++) {
			const char *path = m->files.v[i].path;
			if (!strchr(path, '/') && has_suffix(path, suffix))
				hit = path;
		}
		free(suffix);
		if (hit)
			return hit;
	}
	return NULL;
}

/* The first folder at the top (alibi-explain's saved explainer). */
static char *agent_subfolder(const struct model *m)
{
	for (size_t i = 0; i < m->files.n; i++) {
		const char *slash = strchr(m->files.v[i].path, '/');
		if (slash)
			return xstrndup(m->files.v[i].path, (size_t)(slash - m->files.v[i].path));
	}
	return NULL;
}

/* What the agent puts in parameters.uri for row a (without "./"),
 * malloc'd; NULL when it finds nothing to name and fails. */
static char *agent_uri(const struct model *m, const struct agent_settings *a)
{
	const char *hit;
	switch (a->uri) {
	case AGENT_URI_FILE:
	case AGENT_URI_PY_CLASS:
		hit = agent_file(m, a);
		return hit ? xstrdup(hit) : NULL;
	case AGENT_URI_SUBFOLDER:
		return agent_subfolder(m);
	case AGENT_URI_FOLDER:
		break;
	}
	return xstrdup("");
}

/* "*.joblib, *.pkl or *.pickle" */
static void exts_text(const struct agent_settings *a, struct buf *out)
{
	size_t n = 0;
	while (n < AGENT_MAX_EXTS && a->exts[n])
		n++;
	for (size_t e = 0; e < n; e++)
		buf_printf(out, "%s*.%s", e == 0 ? "" : e + 1 == n ? " or " : ", ", a->exts[e]);
}

/* What the agent writes for row a and how MLServer takes it: v filled,
 * json the settings written (empty when the agent fails). Returns 0 when
 * the agent found nothing to name (the load fails before MLServer). */
static int agent_try(const struct model *m, const struct profile *p,
		     const struct agent_settings *a, struct verdict *v, struct buf *json)
{
	const struct profile *rt = a->runtime ? profile_find(a->runtime) : NULL;
	const char *impl = agent_settings_implementation(a);
	char *file;

	memset(v, 0, sizeof *v);
	if (!(file = agent_uri(m, a))) {
		buf_adds(&v->why, "the agent finds no ");
		if (a->uri == AGENT_URI_SUBFOLDER)
			buf_adds(&v->why, "folder");
		else
			exts_text(a, &v->why);
		buf_adds(&v->why, " at the top and fails the load");
		v->fit = FIT_NO;
		return 0;
	}
	if (impl)
		json_settings(json, impl, file);
	else  /* python: <file>.<the class the file derives from MLModel> */
		buf_printf(json, "settings naming the MLModel class in %s", file);
	if (!rt) {
		buf_printf(&v->why, "the agent writes %s, for a runtime initc does not model: "
			   "accepted, not judged", json->data);
	} else {
		struct model as = *m;  /* m as the agent leaves it: shares m's memory */
		struct profile at;
		struct verdict r;
		as.has_settings = 1;
		as.settings_uri = file;
		as.settings_impl = (char *)impl;
		runtime_at(p, rt, &at);
		judge(&as, &at, &r);
		adopt(v, &r, "");
	}
	free(file);
	return 1;
}

/* Where the agent cannot make MLServer load the model: the settings that
 * would, from the first runtime that loads a file of the folder once the
 * settings name it (FIT_FIX, the fix --fix writes); else v is kept. */
static void propose_settings(const struct model *m, const struct profile *p, struct verdict *v)
{
	size_t n;
	const struct profile *all = profiles_all(&n);

	for (size_t i = 0; i < n; i++) {
		struct profile at;
		struct verdict r;
		const char *file;
		if (all[i].family != FAMILY_MLSERVER || all[i].layout != LAYOUT_NAMES)
			continue;
		runtime_at(p, &all[i], &at);
		if (!(file = model_file_for(m, &at)))
			continue;
		struct model as = *m;
		as.has_settings = 1;
		as.settings_uri = (char *)file;
		judge(&as, &at, &r);
		int loads = r.fit == FIT_OK;
		verdict_free(&r);
		if (!loads)
			continue;
		buf_adds(&v->why, ": add a " SETTINGS " ");
		json_settings(&v->why, all[i].implementation, file);
		buf_adds(&v->why, " (initc --fix writes it)");
		v->fit = FIT_FIX;
		v->fix = FIX_SETTINGS;
		free(v->fix_from);
		v->fix_from = xstrdup(file);
		v->fix_implementation = all[i].implementation;
		return;
	}
}

/* "alibi-detect, alibi-explain, ... or xgboost" */
static void agent_requirements_text(struct buf *out)
{
	size_t n = 0;
	while (agent_settings_row(n))
		n++;
	for (size_t i = 0; i < n; i++)
		buf_printf(out, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
			   agent_settings_row(i)->requirement);
}

/* No model-settings.json, the Model's requirements known: the agent
 * writes the settings of the first one it has a row for. */
static void agent_for_requirements(const struct model *m, const struct profile *p,
				   struct verdict *v)
{
	char *copy = xstrdup(p->v2_requirements);
	const struct agent_settings *a = NULL;

	for (char *save = NULL, *w = strtok_r(copy, ", \t", &save); w && !a;
	     w = strtok_r(NULL, ", \t", &save))
		a = agent_settings_for(w);
	free(copy);
	if (!a) {
		buf_printf(&v->why, "%s has no " SETTINGS " and the agent writes one only for the "
			   "requirements ", m->label);
		agent_requirements_text(&v->why);
		buf_printf(&v->why, ", none of which \"%s\" names: the load fails (\"Can't create "
			   "model-settings from requirements\")", p->v2_requirements);
		v->fit = FIT_NO;
		propose_settings(m, p, v);
		return;
	}
	struct verdict r;
	struct buf json = BUF_INIT;
	int found = agent_try(m, p, a, &r, &json);
	char *prefix = found ? xasprintf("no " SETTINGS ": for requirement %s the agent writes %s; ",
					 a->requirement, json.data) :
			       xasprintf("no " SETTINGS ": for requirement %s ", a->requirement);
	adopt(v, &r, prefix);
	if (!found)
		propose_settings(m, p, v);
	free(prefix);
	buf_free(&json);
}

/* No model-settings.json, the Model's requirements unknown (the sidecar
 * never sees them): the model loads when some requirement the agent
 * writes settings for makes a runtime initc models load it. */
static void agent_any(const struct model *m, const struct profile *p, struct verdict *v)
{
	struct buf ok = BUF_INIT, no = BUF_INIT, warn = BUF_INIT;
	int clean = 0;

	for (size_t i = 0; agent_settings_row(i); i++) {
		const struct agent_settings *a = agent_settings_row(i);
		struct verdict r;
		struct buf json = BUF_INIT;
		if (!a->runtime)
			continue;  /* accepted unjudged, it would make every folder fit */
		agent_try(m, p, a, &r, &json);
		if (r.fit == FIT_OK) {
			buf_printf(&ok, "%s%s (the agent writes %s)", ok.len ? " or " : "",
				   a->requirement, json.data);
			clean |= !r.warn.len;
			if (r.warn.len)
				buf_printf(&warn, "%srequirement %s: %s", warn.len ? "; " : "",
					   a->requirement, r.warn.data);
		} else {
			buf_printf(&no, "%s%s: %s", no.len ? "; " : "", a->requirement, r.why.data);
		}
		verdict_free(&r);
		buf_free(&json);
	}
	if (ok.len) {
		buf_printf(&v->why, "no " SETTINGS ": the agent writes one from the Model's "
			   "requirements, and the model loads with requirement %s", ok.data);
		if (!clean)  /* each way in warns: so does the model */
			buf_adds(&v->warn, warn.data);
	} else {
		buf_printf(&v->why, "%s has no " SETTINGS " and none of those the agent writes from a "
			   "Model's requirements loads it (%s)", m->label, no.data);
		v->fit = FIT_NO;
		propose_settings(m, p, v);
	}
	buf_free(&ok);
	buf_free(&no);
	buf_free(&warn);
}

void judge_v2_mlserver(const struct model *m, const struct profile *p, struct verdict *v)
{
	char *folder = mlserver_folder(m);
	char *prefix = xstrdup("");
	struct model sub;
	const struct model *use = m;
	struct verdict r;

	if (*folder) {
		model_load_sub(&sub, m, folder);
		use = &sub;
		free(prefix);
		prefix = xasprintf("the agent picks %s/ (the highest numbered folder holding "
				   SETTINGS "; a Model's spec.artifactVersion picks that number's): ",
				   folder);
	}
	memset(&r, 0, sizeof r);
	if (use->rc) {
		r.fit = FIT_NO;
		buf_adds(&r.why, use->problems.data);
	} else if (use->has_settings) {
		judge_settings(use, p, &r);
	} else if (p->v2_requirements && *p->v2_requirements) {
		agent_for_requirements(use, p, &r);
	} else {
		agent_any(use, p, &r);
	}
	adopt(v, &r, prefix);
	if (*folder) {
		v->fix = FIX_NONE;  /* settings at the top would make the agent pick the top */
		model_free(&sub);
	}
	free(prefix);
	free(folder);
}

/* ---- Triton -------------------------------------------------------------- */

/* The version folder the agent copies (findHighestVersionInPath without
 * an artifactVersion): the folder with the highest number above 0,
 * anywhere in the artifact; "" when there is none, and then the whole
 * artifact is the version. */
static char *triton_version_folder(const struct model *m)
{
	const char *best = NULL;
	size_t best_len = 0;
	long best_n = 0;

	for (size_t i = 0; i < m->files.n; i++) {
		const char *path = m->files.v[i].path, *c = path, *slash;
		for (; (slash = strchr(c, '/')); c = slash + 1) {
			long n = folder_number(c, (size_t)(slash - c));
			if (n > best_n) {
				best_n = n;
				best = path;
				best_len = (size_t)(slash - path);
			}
		}
	}
	return best ? xstrndup(best, best_len) : xstrdup("");
}

static int triton_has(const struct model *m, const char *vdir, const char *name,
		      enum triton_file_kind kind)
{
	char *path = *vdir ? xasprintf("%s/%s", vdir, name) : xstrdup(name);
	int file = find_file(m, path) != NULL, any = model_has_path(m, path);
	free(path);
	switch (kind) {
	case TRITON_FILE:
		return file;
	case TRITON_DIR:
		return any && !file;
	case TRITON_FILE_OR_DIR:
		return any;
	case TRITON_NO_FILE:
		return 1;
	}
	return 0;
}

/* The row whose default file the version folder holds, in Triton's
 * order, among the rows of backend (NULL: every row Triton detects). */
static const struct triton_backend *triton_detect(const struct model *m, const char *vdir,
						  const char *backend)
{
	const struct triton_backend *b;
	for (size_t i = 0; (b = triton_backend_row(i)); i++) {
		if (backend ? strcmp(b->backend, backend) : !b->detected)
			continue;
		if (b->files[0] && triton_has(m, vdir, b->files[0], b->kind))
			return b;
	}
	return NULL;
}

/* "model.savedmodel/, model.graphdef, ..." for the rows detected (or of backend) */
static void triton_files_text(const char *backend, struct buf *out)
{
	const struct triton_backend *b;
	int first = 1;
	for (size_t i = 0; (b = triton_backend_row(i)); i++) {
		if ((backend ? strcmp(b->backend, backend) : !b->detected) || !b->files[0])
			continue;
		buf_printf(out, "%s%s%s", first ? "" : ", ", b->files[0], b->kind == TRITON_DIR ? "/" : "");
		first = 0;
	}
}

/* "it holds a.onnx, b.txt" or "it holds no file": what is in the
 * version folder, for the reader who named the file otherwise. */
static void triton_holds(const struct model *m, const char *vdir, struct buf *out)
{
	size_t len = strlen(vdir), shown = 0, more = 0;
	for (size_t i = 0; i < m->files.n; i++) {
		const char *p = m->files.v[i].path;
		if (len && (strncmp(p, vdir, len) || p[len] != '/'))
			continue;
		p += len ? len + 1 : 0;
		/* initc's own files (the lock of a copy being judged) are no model's */
		if (!strcmp(p, "config.pbtxt") || destdir_reserved_name(p, strcspn(p, "/")))
			continue;
		if (shown < 4)
			buf_printf(out, "%s%s", shown ? ", " : "it holds ", p);
		else
			more++;
		shown++;
	}
	if (!shown)
		buf_adds(out, "it holds no model file");
	else if (more)
		buf_printf(out, " and %zu more", more);
}

struct triton_cfg {
	int present;
	char *backend, *platform, *file;  /* file: default_model_filename */
};

static void triton_cfg_free(struct triton_cfg *c)
{
	free(c->backend);
	free(c->platform);
	free(c->file);
}

static size_t backend_rows(const char *backend)
{
	const struct triton_backend *b;
	size_t n = 0;
	for (size_t i = 0; (b = triton_backend_row(i)); i++)
		n += !strcmp(b->backend, backend);
	return n;
}

/* Neither config.pbtxt nor the files tell Triton the backend. */
static void triton_no_backend(const struct model *m, const char *vdir, const char *where,
			      const struct triton_cfg *c, struct verdict *v)
{
	if (c->present)
		buf_adds(&v->why, "config.pbtxt names no backend or platform");
	else
		buf_adds(&v->why, "the artifact has no config.pbtxt, so the agent writes one holding "
			 "only the model's name");
	buf_printf(&v->why, ", and Triton cannot tell the backend from the files in %s: it looks "
		   "for ", where);
	triton_files_text(NULL, &v->why);
	buf_adds(&v->why, ", and ");
	triton_holds(m, vdir, &v->why);
	buf_adds(&v->why, "; name the backend in a config.pbtxt beside the version folders, "
		 "or give the model file its backend's name");
	v->fit = FIT_NO;
}

/* Which backend Triton runs (AutoCompleteBackendFields), or NULL with v
 * filled: a misfit (FIT_NO) or a backend initc does not model (FIT_OK,
 * not judged). */
static const struct triton_backend *triton_choose(const struct model *m, const char *vdir,
						  const char *where, const struct triton_cfg *c,
						  struct verdict *v)
{
	const struct triton_backend *b = NULL;

	if (c->platform) {
		if (!(b = triton_by_platform(c->platform)))
			buf_printf(&v->why, "config.pbtxt names platform %s, which initc does not "
				   "model: accepted, not judged", c->platform);
		return b;
	}
	if (c->backend) {
		if (!triton_by_backend(c->backend)) {
			buf_printf(&v->why, "config.pbtxt names backend %s, which initc does not model: "
				   "accepted, not judged", c->backend);
			return NULL;
		}
		if (backend_rows(c->backend) == 1)
			return triton_by_backend(c->backend);
		/* tensorflow with no platform: default_model_filename or the
		 * files tell savedmodel from graphdef */
		for (size_t i = 0; c->file && (b = triton_backend_row(i)); i++)
			if (!strcmp(b->backend, c->backend) && b->files[0] && !strcmp(b->files[0], c->file))
				return b;
		if (!c->file && (b = triton_detect(m, vdir, c->backend)))
			return b;
		buf_printf(&v->why, "config.pbtxt names backend %s but no platform, and Triton finds "
			   "none of ", c->backend);
		triton_files_text(c->backend, &v->why);
		buf_printf(&v->why, " in %s to tell it: set platform in config.pbtxt", where);
		v->fit = FIT_NO;
		return NULL;
	}
	for (size_t i = 0; c->file && (b = triton_backend_row(i)); i++)
		if (b->detected && b->files[0] && !strcmp(b->files[0], c->file))
			return b;
	if (!c->file && (b = triton_detect(m, vdir, NULL)))
		return b;
	triton_no_backend(m, vdir, where, c, v);
	return NULL;
}

/* config.pbtxt at path, read; 0, or FIT_NO in v when it cannot be. */
static int triton_read_cfg(const struct model *m, const char *path, struct triton_cfg *c,
			   struct verdict *v)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	int rc = model_read(m, path, &text, &err);
	if (rc) {
		buf_printf(&v->why, "cannot read %s/%s: %s", m->label, path, err.data ? err.data : "?");
		v->fit = FIT_NO;
	} else {
		const char *s = text.data ? text.data : "";
		c->present = 1;
		c->backend = pbtxt_top_string(s, text.len, "backend");
		c->platform = pbtxt_top_string(s, text.len, "platform");
		c->file = pbtxt_top_string(s, text.len, "default_model_filename");
	}
	buf_free(&text);
	buf_free(&err);
	return rc;
}

/* The backend's file in the version folder. */
static void triton_judge_file(const struct model *m, const char *server, const char *vdir,
			      const char *where, const struct triton_backend *b,
			      const struct triton_cfg *c, struct verdict *v)
{
	const char *how = c->platform || c->backend ? "from config.pbtxt" :
			  c->file ? "from config.pbtxt's default_model_filename" :
			  c->present ? "told by the files: config.pbtxt names none" :
			  "told by the files: the agent writes a config.pbtxt holding only the name";
	const char *found = NULL;

	if (b->kind == TRITON_NO_FILE) {
		buf_printf(&v->why, "%s runs an %s (%s): no model file of its own", server,
			   b->backend, how);
		return;
	}
	if (c->file && triton_has(m, vdir, c->file, TRITON_FILE_OR_DIR))
		found = c->file;
	for (size_t i = 0; !c->file && !found && i < TRITON_MAX_FILES && b->files[i]; i++)
		if (triton_has(m, vdir, b->files[i], b->kind))
			found = b->files[i];
	if (found) {
		buf_printf(&v->why, "%s runs backend %s (%s) and loads %s%s%s", server, b->backend,
			   how, vdir, *vdir ? "/" : "", found);
		return;
	}
	buf_printf(&v->why, "%s runs backend %s (%s) and loads ", server, b->backend, how);
	if (c->file)
		buf_printf(&v->why, "%s (default_model_filename)", c->file);
	else
		for (size_t i = 0; i < TRITON_MAX_FILES && b->files[i]; i++)
			buf_printf(&v->why, "%s%s%s", i ? " or " : "", b->files[i],
				   b->kind == TRITON_DIR ? "/" : "");
	buf_printf(&v->why, " from %s, which lacks it: ", where);
	triton_holds(m, vdir, &v->why);
	buf_adds(&v->why, "; give the model file that name, or name it in config.pbtxt's "
		 "default_model_filename");
	v->fit = FIT_NO;
}

void judge_v2_triton(const struct model *m, const struct profile *p, struct verdict *v)
{
	char *vdir = triton_version_folder(m);
	const char *slash = strrchr(vdir, '/');
	char *cfg_dir = slash ? xstrndup(vdir, (size_t)(slash - vdir)) : xstrdup("");
	char *cfg_path = *cfg_dir ? xasprintf("%s/config.pbtxt", cfg_dir) : xstrdup("config.pbtxt");
	char *where = *vdir ? xasprintf("%s/", vdir) :
		      xstrdup("the artifact's top (no numbered folder: the agent copies it whole "
			      "as the version)");
	struct triton_cfg c = { 0 };
	const struct triton_backend *b;

	if (find_file(m, cfg_path) && triton_read_cfg(m, cfg_path, &c, v))
		goto out;
	if ((b = triton_choose(m, vdir, where, &c, v)))
		triton_judge_file(m, p->name, vdir, where, b, &c, v);
	if (*cfg_dir && v->fit != FIT_NO)
		buf_printf(&v->warn, "the version folder is %s/, below the top of the artifact: the "
			   "agent finds it there only while the Model names no spec.artifactVersion "
			   "(with one it looks at the top only); move config.pbtxt and the version "
			   "folders to the top", vdir);
out:
	triton_cfg_free(&c);
	free(vdir);
	free(cfg_dir);
	free(cfg_path);
	free(where);
}
