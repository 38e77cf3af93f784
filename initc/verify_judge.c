/* Judging a loaded model against one server profile: does the server load
 * it as it is (FIT_OK), after a fix initc --fix can make (FIT_FIX), or not
 * at all (FIT_NO), and why, in a sentence that names the files and the
 * ways out. */
#include "verify_int.h"

#include <stdlib.h>
#include <string.h>

void verdict_free(struct verdict *v)
{
	buf_free(&v->why);
	buf_free(&v->warn);
	free(v->fix_from);
	free(v->fix_to);
	memset(v, 0, sizeof *v);
}

const char *fit_name(enum fit f)
{
	static const char *const names[] = { "ok", "fix", "no" };
	return names[f];
}

/* What the model file is called per flavor, and the suffixes a bare
 * (non-MLflow) folder may use for it. */
static const struct flavor_word {
	const char *flavor, *noun, *suffixes[5];
} flavor_words[] = {
	{ "xgboost", "booster", { ".xgb", ".bst", ".json", ".ubj", ".model" } },
	{ "sklearn", "estimator", { ".pkl", ".pickle", ".joblib" } },
	{ "lightgbm", "booster", { ".lgb", ".bst", ".txt", ".model" } },
	{ "onnx", "graph", { ".onnx" } },
	{ "tensorflow", "SavedModel", { 0 } },
};

static const struct flavor_word *word_for(const char *flavor)
{
	for (size_t i = 0; flavor && i < sizeof flavor_words / sizeof *flavor_words; i++)
		if (!strcmp(flavor_words[i].flavor, flavor))
			return &flavor_words[i];
	return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

static int at_root(const char *path)
{
	return !strchr(path, '/');
}

/* The file holding the model a profile's flavor needs, or NULL. */
static const char *candidate(const struct model *m, const struct profile *p)
{
	const struct flavor_word *w = word_for(p->flavor);
	const char *found = NULL;

	if (m->has_mlmodel) {
		const struct mlflavor *f = mlmodel_flavor(&m->ml, p->flavor);
		return f && f->file && find_file(m, f->file) ? rel_strip(f->file) : NULL;
	}
	for (size_t i = 0; w && i < m->files.n; i++) {
		const char *path = m->files.v[i].path;
		for (size_t s = 0; s < 5 && w->suffixes[s] && at_root(path); s++) {
			if (!ends_with(path, w->suffixes[s]) || !strcmp(path, "model-settings.json"))
				continue;
			if (found)
				return NULL; /* two candidates: no guessing */
			found = path;
		}
	}
	return found;
}

static void describe_model(const struct model *m, const struct profile *p, const char *file,
			   struct buf *out)
{
	const struct flavor_word *w = word_for(p->flavor);
	buf_printf(out, "this %s stores its %s in %s",
		   m->has_mlmodel ? "MLflow model" : "folder", w ? w->noun : "model", file);
}

/* Runtime of another family that reads the same flavor (for the fix list). */
static const struct profile *mlserver_runtime_for(const char *flavor)
{
	size_t n;
	const struct profile *all = profiles_all(&n);
	for (size_t i = 0; flavor && i < n; i++)
		if (all[i].family == FAMILY_MLSERVER && all[i].flavor &&
		    !strcmp(all[i].flavor, flavor))
			return &all[i];
	return NULL;
}

static void add_fix_list(const struct model *m, const struct profile *p, const char *file,
			 const char *want, struct verdict *v)
{
	const struct profile *mlflow = profile_mlflow_of(p->family);
	const struct profile *rt = mlserver_runtime_for(p->flavor);
	int first = 1;

	buf_adds(&v->why, ": ");
	if (m->has_mlmodel && mlmodel_flavor(&m->ml, "python_function") && mlflow) {
		buf_printf(&v->why, "use %s %s", p->family == FAMILY_KSERVE ? "model format" :
			   p->family == FAMILY_MLSERVER ? "runtime" : "implementation", mlflow->name);
		first = 0;
	}
	if (p->settings_uri) {
		buf_printf(&v->why, "%sadd a model-settings.json ", first ? "" : ", or ");
		json_settings(&v->why, NULL, file);
		buf_adds(&v->why, " (initc --fix writes it)");
	} else if (rt) {
		buf_printf(&v->why, "%sthe MLServer %s runtime with a model-settings.json ",
			   first ? "" : ", or ", p->flavor);
		json_settings(&v->why, NULL, file);
		buf_printf(&v->why, " (initc --server %s --fix writes it)", rt->name);
	}
	buf_printf(&v->why, ", or rename %s to %s%s", file, want,
		   p->settings_uri ? "" : " (initc --fix links it under that name)");
	if (p->no_params)
		buf_printf(&v->why, "; do not add a model_file_name parameter: %s", p->no_params);
	v->fit = FIT_FIX;
	v->fix = p->settings_uri ? FIX_SETTINGS : FIX_LINK;
	v->fix_from = xstrdup(file);
	v->fix_to = xstrdup(want);
}

static void judge_missing(const struct model *m, const struct profile *p, struct verdict *v)
{
	struct buf loads = BUF_INIT;
	profile_describe_loads(p, &loads);
	buf_printf(&v->why, "%s loads %s but ", p->name, loads.data);
	if (p->layout == LAYOUT_NAMES || p->layout == LAYOUT_EXT)
		buf_printf(&v->why, "this folder holds no %s model", p->flavor);
	else
		buf_adds(&v->why, "this folder is not laid out that way");
	if (m->has_mlmodel) {
		buf_adds(&v->why, " (MLflow flavors: ");
		mlmodel_flavor_list(&m->ml, &v->why);
		buf_adds(&v->why, ")");
		if (mlmodel_flavor(&m->ml, "python_function") && profile_mlflow_of(p->family))
			buf_printf(&v->why, ": use %s, which loads the MLflow folder",
				   profile_mlflow_of(p->family)->name);
	}
	v->fit = FIT_NO;
	buf_free(&loads);
}

/* An MLflow model without the server's flavor holds nothing it can load,
 * whatever its files are called (python_model.pkl is no estimator). */
static int lacks_flavor(const struct model *m, const struct profile *p)
{
	return m->has_mlmodel && p->flavor && !mlmodel_flavor(&m->ml, p->flavor);
}

/* The well-known name p loads in folder dir ("" the top), or NULL. */
static char *name_in(const struct model *m, const struct profile *p, const char *dir)
{
	size_t len = strlen(dir);
	while (len && dir[len - 1] == '/')
		len--;
	for (size_t i = 0; i < PROFILE_MAX_NAMES && p->names[i]; i++) {
		char *path = len ? xasprintf("%.*s/%s", (int)len, dir, p->names[i]) :
			     xstrdup(p->names[i]);
		if (find_file(m, path))
			return path;
		free(path);
	}
	return NULL;
}

/* MLServer's get_model_uri: parameters.uri names the file, or a folder
 * in which the runtime looks for its well-known names ("./": the model's
 * own, which the caller judges as if no uri were given). Returns 0 when
 * the uri leaves the judging to the names. */
static int judge_settings_uri(const struct model *m, const struct profile *p, struct verdict *v)
{
	const char *uri = m->settings_uri;
	char *found;

	if (settings_uri_is_top(uri))
		return 0;
	if (uri[0] == '/' || strstr(uri, "://") || find_file(m, uri)) {
		buf_printf(&v->why, "%s loads %s (model-settings.json parameters.uri)", p->name, uri);
	} else if (model_has_path(m, uri) && (found = name_in(m, p, uri))) {
		buf_printf(&v->why, "%s loads %s (in the folder model-settings.json parameters.uri "
			   "names)", p->name, found);
		free(found);
	} else if (model_has_path(m, uri)) {
		buf_printf(&v->why, "%s loads ", p->name);
		profile_describe_loads(p, &v->why);
		buf_printf(&v->why, " but the folder model-settings.json parameters.uri names (%s) "
			   "holds none of them: point parameters.uri at the model file", uri);
		v->fit = FIT_NO;
	} else {
		buf_printf(&v->why, "model-settings.json parameters.uri names %s, which is not in "
			   "%s: point it at the model file", uri, m->label);
		v->fit = FIT_NO;
	}
	return 1;
}

const char *model_file_for(const struct model *m, const struct profile *p)
{
	if (lacks_flavor(m, p))
		return NULL;
	for (size_t i = 0; i < PROFILE_MAX_NAMES && p->names[i]; i++)
		if (find_file(m, p->names[i]))
			return p->names[i];
	return candidate(m, p);
}

static void judge_names(const struct model *m, const struct profile *p, struct verdict *v)
{
	const char *file;

	if (lacks_flavor(m, p)) {
		judge_missing(m, p, v);
		return;
	}
	if (p->settings_uri && m->settings_uri && judge_settings_uri(m, p, v))
		return;
	for (size_t i = 0; i < PROFILE_MAX_NAMES && p->names[i]; i++) {
		if (find_file(m, p->names[i])) {
			buf_printf(&v->why, "%s loads %s", p->name, p->names[i]);
			return;
		}
	}
	if (!(file = candidate(m, p))) {
		judge_missing(m, p, v);
		return;
	}
	buf_printf(&v->why, "%s loads ", p->name);
	profile_describe_loads(p, &v->why);
	buf_adds(&v->why, " but ");
	describe_model(m, p, file, &v->why);
	add_fix_list(m, p, file, p->names[0], v);
}

static void judge_ext(const struct model *m, const struct profile *p, struct verdict *v)
{
	const char *hits[2] = { NULL, NULL };
	size_t nhits = 0;
	const char *file;

	if (lacks_flavor(m, p)) {
		judge_missing(m, p, v);
		return;
	}
	for (size_t i = 0; i < m->files.n; i++) {
		const char *path = m->files.v[i].path;
		for (size_t s = 0; s < PROFILE_MAX_NAMES && p->names[s] && at_root(path); s++) {
			if (ends_with(path, p->names[s])) {
				if (nhits < 2)
					hits[nhits] = path;
				nhits++;
				break;
			}
		}
	}
	if (nhits == 1) {
		buf_printf(&v->why, "%s loads %s", p->name, hits[0]);
		return;
	}
	if (nhits > 1) {
		buf_printf(&v->why, "%s refuses a folder with %zu candidate files (%s, %s%s): "
			   "keep exactly one model file at the top of %s", p->name, nhits,
			   hits[0], hits[1], nhits > 2 ? ", ..." : "", m->label);
		v->fit = FIT_NO;
		return;
	}
	if (!(file = candidate(m, p))) {
		judge_missing(m, p, v);
		return;
	}
	char *want = xasprintf("model%s", p->names[0]);
	buf_printf(&v->why, "%s loads ", p->name);
	profile_describe_loads(p, &v->why);
	buf_adds(&v->why, " but ");
	describe_model(m, p, file, &v->why);
	add_fix_list(m, p, file, want, v);
	free(want);
}

static void judge_mlflow(const struct model *m, const struct profile *p, struct verdict *v)
{
	if (!m->has_mlmodel) {
		buf_printf(&v->why, "%s loads an MLflow folder but %s has no MLmodel", p->name, m->label);
		v->fit = FIT_NO;
	} else if (!mlmodel_flavor(&m->ml, "python_function")) {
		buf_printf(&v->why, "%s loads models through mlflow.pyfunc but this MLmodel has no "
			   "python_function flavor (flavors: ", p->name);
		mlmodel_flavor_list(&m->ml, &v->why);
		buf_adds(&v->why, "): re-log it with a flavor that writes one, or serve the flavor's "
			 "own file with its native server");
		v->fit = FIT_NO;
	} else {
		buf_printf(&v->why, "%s loads the MLflow folder (loader %s)", p->name,
			   m->ml.loader_module ? m->ml.loader_module : "python_function");
	}
}

/* True when some file is <digits>/<name> below prefix (prefix "" or "m/"). */
static int has_versioned(const struct model *m, const char *prefix, const char *name)
{
	size_t lp = strlen(prefix);
	for (size_t i = 0; i < m->files.n; i++) {
		const char *p = m->files.v[i].path;
		if (strncmp(p, prefix, lp))
			continue;
		p += lp;
		size_t digits = strspn(p, "0123456789");
		if (digits && p[digits] == '/' && (!name || !strcmp(p + digits + 1, name)))
			return 1;
	}
	return 0;
}

static void judge_tfserving(const struct model *m, const struct profile *p, struct verdict *v)
{
	const struct mlflavor *tf = m->has_mlmodel ? mlmodel_flavor(&m->ml, "tensorflow") : NULL;

	if (has_versioned(m, "", "saved_model.pb")) {
		buf_printf(&v->why, "%s loads <version>/saved_model.pb", p->name);
		return;
	}
	if (tf && tf->file) {
		char *pb = xasprintf("%s/saved_model.pb", rel_strip(tf->file));
		if (find_file(m, pb)) {
			buf_printf(&v->why, "%s loads <version>/saved_model.pb but this MLflow model keeps "
				   "its SavedModel in %s/: copy %s/ to 1/ next to it", p->name,
				   rel_strip(tf->file), rel_strip(tf->file));
			if (mlmodel_flavor(&m->ml, "python_function") && profile_mlflow_of(p->family))
				buf_printf(&v->why, ", or use %s", profile_mlflow_of(p->family)->name);
			v->fit = FIT_FIX;
			free(pb);
			return;
		}
		free(pb);
	}
	judge_missing(m, p, v);
}

static void judge_triton(const struct model *m, const struct profile *p, struct verdict *v)
{
	for (size_t i = 0; i < m->files.n; i++) {
		const char *path = m->files.v[i].path;
		size_t folder_len = triton_config_folder(path);
		if (!folder_len)
			continue;
		char *prefix = xstrndup(path, folder_len + 1);
		int ok = has_versioned(m, prefix, NULL);
		free(prefix);
		if (ok && p->flavor && !strcmp(p->flavor, "onnx") && m->not_onnx.len) {
			buf_printf(&v->why, "%s runs Triton's onnxruntime backend but the model %s is "
				   "not an ONNX model: use kserve-triton", p->name, m->not_onnx.data);
			v->fit = FIT_NO;
			return;
		}
		if (ok) {
			buf_printf(&v->why, "%s loads the Triton repository (model %.*s)", p->name,
				   (int)folder_len, path);
			return;
		}
	}
	if (find_file(m, "config.pbtxt")) {
		buf_printf(&v->why, "%s wants a repository of model folders but config.pbtxt sits at "
			   "the top of %s: move config.pbtxt and the version folders into a folder "
			   "named after the model", p->name, m->label);
		v->fit = FIT_NO;
		return;
	}
	judge_missing(m, p, v);
	if (m->has_mlmodel && mlmodel_flavor(&m->ml, "onnx"))
		buf_printf(&v->why, "; for the onnx flavor build <name>/config.pbtxt and "
			   "<name>/1/model.onnx from %s", mlmodel_flavor(&m->ml, "onnx")->file ?
			   mlmodel_flavor(&m->ml, "onnx")->file : "model.onnx");
}

/* The library version the model was saved with, as the server's library
 * sees it: MLmodel's mlflow_version for an MLflow folder, else the
 * flavor's own (xgb_version, sklearn_version...). */
static const char *saved_with(const struct model *m, const struct profile *p)
{
	if (!m->has_mlmodel)
		return NULL;
	if (p->layout == LAYOUT_MLFLOW)
		return m->ml.mlflow_version;
	const struct mlflavor *f = p->flavor ? mlmodel_flavor(&m->ml, p->flavor) : NULL;
	return f ? f->lib_version : NULL;
}

struct admits {
	const char *library, *version;
};

static int release_admits(const struct server_release *r, const void *arg)
{
	const struct admits *a = arg;
	const struct release_req *req = release_req_find(r, a->library);
	return req && verspec_place(a->version, req->spec) == VERSPEC_IN;
}

/* "XGBOOST_SERVER 1.17.1 (seldonio/xgboostserver:1.17.1) installs
 * xgboost==1.4.2" */
static void describe_release(const struct profile *p, struct buf *out)
{
	buf_printf(out, "%s %s (%s) installs %s%s", p->name, p->release->version, p->image,
		   p->library, p->library_spec);
}

/* A model saved with a library newer than the release's range: a server
 * that loads the file itself cannot be trusted to read it (a fail); one
 * that loads it through MLflow usually can (a warning). */
static void check_version(const struct model *m, const struct profile *p, struct verdict *v)
{
	const char *have = saved_with(m, p);
	struct admits want = { p->library, have };

	if (!have || !p->release || !p->library_spec || p->installs_over_env ||
	    verspec_place(have, p->library_spec) != VERSPEC_ABOVE)
		return;
	if (p->layout == LAYOUT_MLFLOW) {
		buf_printf(&v->warn, "model saved with %s %s but ", p->library, have);
		describe_release(p, &v->warn);
		buf_adds(&v->warn, ": it may not read this model");
		return;
	}
	buf_printf(&v->why, "%s the model was saved with %s %s but ", v->why.len ? "; and" : "",
		   p->library, have);
	describe_release(p, &v->why);
	buf_printf(&v->why, ", which cannot be relied on to read it: re-save the model with %s%s",
		   p->library, p->library_spec);
	struct buf ok = BUF_INIT;
	release_ranges(p->name, release_admits, &want, &ok);
	if (ok.len)
		buf_printf(&v->why, ", or run %s release %s", p->name, ok.data);
	else
		buf_printf(&v->why, " (no %s release initc knows admits %s %s)", p->name,
			   p->library, have);
	buf_free(&ok);
	v->fit = FIT_NO;
}

struct pins_kept {
	const struct model_pin *pins;
	size_t n;
};

static int release_keeps(const struct server_release *r, const void *arg)
{
	const struct pins_kept *k = arg;
	struct buf scratch = BUF_INIT;
	size_t moved = release_moves(r, k->pins, k->n, &scratch);
	buf_free(&scratch);
	return moved == 0;
}

/* A server that pip-installs its release's requirements over the
 * model's environment at start moves the model's pins that fall outside
 * them: the model then runs with libraries it was not saved with. */
static void check_pins(const struct model *m, const struct profile *p, struct verdict *v)
{
	struct buf moves = BUF_INIT, keep = BUF_INIT;
	struct pins_kept k = { m->pins, m->npins };

	if (!p->installs_over_env || !p->release)
		return;
	if (m->env_unread.len) {
		buf_printf(&v->warn, "%s %s installs its own requirements over the model's "
			   "environment at start-up, but %s", p->name, p->release->version,
			   m->env_unread.data);
		return;
	}
	size_t n = release_moves(p->release, m->pins, m->npins, &moves);
	if (n) {
		buf_printf(&v->warn, "%s %s installs its own requirements (%s) over the model's "
			   "environment at start-up and would move %zu of the model's pins: %s; ",
			   p->name, p->release->version, p->release->reqs_source, n, moves.data);
		release_ranges(p->name, release_keeps, &k, &keep);
		if (keep.len)
			buf_printf(&v->warn, "run %s release %s, which keeps them, or ", p->name,
				   keep.data);
		else
			buf_printf(&v->warn, "no %s release initc knows keeps them all: ", p->name);
		buf_printf(&v->warn, "bake the model's environment into the image with prebake "
			   "--target seldon --server-version %s", p->release->version);
	}
	buf_free(&moves);
	buf_free(&keep);
}

void judge(const struct model *m, const struct profile *p, struct verdict *v)
{
	typedef void (*judge_fn)(const struct model *, const struct profile *, struct verdict *);
	static const judge_fn by_layout[] = {
		[LAYOUT_NAMES] = judge_names, [LAYOUT_EXT] = judge_ext,
		[LAYOUT_MLFLOW] = judge_mlflow, [LAYOUT_TFSERVING] = judge_tfserving,
		[LAYOUT_TRITON] = judge_triton,
		[LAYOUT_V2_MLSERVER] = judge_v2_mlserver, [LAYOUT_V2_TRITON] = judge_v2_triton,
	};

	memset(v, 0, sizeof *v);
	if (m->rc) {
		v->fit = FIT_NO;
		buf_adds(&v->why, m->problems.data);
		return;
	}
	by_layout[p->layout](m, p, v);
	if (v->fit != FIT_NO)
		check_version(m, p, v);
	if (v->fit != FIT_NO)
		check_pins(m, p, v);
}

void judge_all(const struct model *m, struct fit_lists *l)
{
	size_t n;
	const struct profile *all = profiles_all(&n);
	memset(l, 0, sizeof *l);
	for (size_t i = 0; i < n; i++) {
		struct verdict v;
		struct profile newest;
		profile_at_release(&all[i], NULL, &newest);
		judge(m, &newest, &v);
		struct buf *b = &l->names[v.fit];
		buf_printf(b, "%s%s", b->len ? "," : "", all[i].name);
		verdict_free(&v);
	}
}

void fit_lists_free(struct fit_lists *l)
{
	for (int i = 0; i < 3; i++)
		buf_free(&l->names[i]);
}
