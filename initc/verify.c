/* Model verification against the server that will load it (issue 3).
 * A model is judged through struct tree only, so the same rules run on a
 * downloaded /mnt/models, on a local folder and on an S3 prefix that is
 * listed but never downloaded (`initc check`). */
#include "verify.h"
#include "rclone_config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "log.h"
#include "mlmodel.h"
#include "nearest.h"
#include "pbtxt.h"
#include "profiles.h"
#include "tree.h"
#include "yamldoc.h"

/* Metadata files are small; anything bigger is not what we think it is. */
#define META_MAX (1u << 20)

/* ---- the files of a tree -------------------------------------------- */

struct files {
	struct tree_entry *v;
	size_t n, cap;
};

static int collect_entry(const struct tree_entry *e, void *arg)
{
	struct files *f = arg;
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 64;
		f->v = xrealloc(f->v, f->cap * sizeof *f->v);
	}
	f->v[f->n].path = xstrdup(e->path);
	f->v[f->n].size = e->size;
	f->n++;
	return 0;
}

static void files_free(struct files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free((char *)f->v[i].path);
	free(f->v);
	memset(f, 0, sizeof *f);
}

/* ---- one model folder --------------------------------------------- */

struct model {
	struct tree *tree;
	char *root;          /* folder inside the tree: "" or "a/b" */
	char *label;         /* what messages call it */
	struct files files;  /* paths relative to root */
	int has_mlmodel;
	struct mlmodel ml;
	int has_settings;
	char *settings_uri;  /* model-settings.json parameters.uri, "./" removed */
	struct buf not_onnx; /* "folder (backend X)": a Triton config onnxruntime does not run */
	int rc;              /* EXIT_INPUT / EXIT_VERIFY when the model is broken */
	struct buf problems; /* why, one "; "-separated sentence each */
	struct buf warnings;
};

static const char *rel_strip(const char *p)
{
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	return p;
}

static const struct tree_entry *find_file(const struct model *m, const char *rel)
{
	rel = rel_strip(rel);
	for (size_t i = 0; i < m->files.n; i++)
		if (!strcmp(m->files.v[i].path, rel))
			return &m->files.v[i];
	return NULL;
}

/* A file, or a folder holding at least one file (pytorch `data/`). */
static int has_path(const struct model *m, const char *rel)
{
	char *dir;
	size_t len;
	int found = 0;

	rel = rel_strip(rel);
	len = strlen(rel);
	while (len && rel[len - 1] == '/')
		len--;
	dir = xstrndup(rel, len);
	for (size_t i = 0; !found && i < m->files.n; i++) {
		const char *p = m->files.v[i].path;
		found = !strcmp(p, dir) || (!strncmp(p, dir, len) && p[len] == '/');
	}
	free(dir);
	return found;
}

static void problem(struct model *m, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void problem(struct model *m, int rc, const char *fmt, ...)
{
	va_list ap;
	if (m->problems.len)
		buf_adds(&m->problems, "; ");
	va_start(ap, fmt);
	buf_vprintf(&m->problems, fmt, ap);
	va_end(ap);
	if (!m->rc || rc == EXIT_INPUT)
		m->rc = rc;
}

static char *path_in(const struct model *m, const char *rel)
{
	return *m->root ? xasprintf("%s/%s", m->root, rel) : xstrdup(rel);
}

/* Read a small metadata file of the model; 0 or an exit code. */
static int read_meta(struct model *m, const char *rel, struct buf *out, struct buf *err)
{
	char *p = path_in(m, rel);
	int rc = m->tree->read(m->tree, p, META_MAX, out, err);
	free(p);
	return rc;
}

static void load_mlmodel(struct model *m)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	char *name = xasprintf("%s/MLmodel", m->label);
	int rc = read_meta(m, "MLmodel", &text, &err);

	if (!rc)
		rc = mlmodel_parse(name, text.data ? text.data : "", text.len, &m->ml, &err);
	if (rc)
		problem(m, rc == EXIT_INPUT ? EXIT_INPUT : rc, "%s", err.data);
	else
		m->has_mlmodel = 1;
	free(name);
	buf_free(&text);
	buf_free(&err);
}

/* MLServer's model-settings.json: JSON is YAML flow style, so ydoc reads it. */
static void load_settings(struct model *m)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	char *name = xasprintf("%s/model-settings.json", m->label);
	struct ynode *doc = NULL;
	int rc = read_meta(m, "model-settings.json", &text, &err);

	if (!rc && !(doc = ydoc_load_mem(name, text.data ? text.data : "", text.len, &err)))
		rc = EXIT_INPUT;
	if (rc) {
		problem(m, rc, "%s", err.data);
	} else {
		const struct ynode *params = ydoc_get(doc, "parameters");
		const struct ynode *uri = ydoc_get(params, "uri");
		m->has_settings = 1;
		if (doc->kind != YNODE_MAP)
			problem(m, EXIT_INPUT, "%s:%d:%d: model-settings.json must be a JSON object",
				name, doc->line, doc->col);
		else if (uri && !ydoc_str(uri))
			problem(m, EXIT_INPUT, "%s:%d:%d: parameters.uri must be a string such as "
				"\"./model.xgb\"", name, uri->line, uri->col);
		else if (uri)
			m->settings_uri = xstrdup(rel_strip(ydoc_str(uri)));
	}
	ydoc_free(doc);
	free(name);
	buf_free(&text);
	buf_free(&err);
}

/* python_function and the native flavor usually name the same file. */
static int named_earlier(const struct mlmodel *ml, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (ml->flavors[j].file && !strcmp(rel_strip(ml->flavors[j].file),
						    rel_strip(ml->flavors[i].file)))
			return 1;
	return 0;
}

static void check_referenced(struct model *m)
{
	for (size_t i = 0; i < m->ml.nflavors; i++) {
		const struct mlflavor *f = &m->ml.flavors[i];
		const struct tree_entry *e;
		if (!f->file || named_earlier(&m->ml, i))
			continue;
		if (!has_path(m, f->file))
			problem(m, EXIT_VERIFY, "%s/MLmodel:%d:%d: flavor %s names %s: %s, which is not "
				"in %s: the upload is incomplete; copy the whole model folder again",
				m->label, f->line, f->col, f->name, f->file_key, f->file, m->label);
		else if ((e = find_file(m, f->file)) && e->size == 0)
			problem(m, EXIT_VERIFY, "%s/%s is empty (0 bytes): flavor %s cannot load it; "
				"re-log the model", m->label, rel_strip(f->file), f->name);
	}
	for (size_t i = 0; i < m->ml.nrefs; i++)
		if (!has_path(m, m->ml.refs[i].path))
			problem(m, EXIT_VERIFY, "%s/MLmodel:%d:%d: %s names %s, which is not in %s: "
				"the upload is incomplete; copy the whole model folder again",
				m->label, m->ml.refs[i].line, m->ml.refs[i].col, m->ml.refs[i].what,
				m->ml.refs[i].path, m->label);
	const char *envs[] = { m->ml.env_conda, m->ml.env_virtualenv };
	for (size_t i = 0; i < 2; i++)
		if (envs[i] && !has_path(m, envs[i]))
			problem(m, EXIT_VERIFY, "%s/MLmodel: python_function.env names %s, which is not "
				"in %s: servers that build the environment will fail; upload it too",
				m->label, envs[i], m->label);
	if (m->settings_uri && m->settings_uri[0] != '/' && !has_path(m, m->settings_uri))
		problem(m, EXIT_VERIFY, "%s/model-settings.json: parameters.uri names %s, which is "
			"not in %s: point it at the model file", m->label, m->settings_uri, m->label);
}

/* Length of <folder> when path is <folder>/config.pbtxt (a model of a
 * Triton repository at the top of the tree), else 0. */
static size_t triton_config_folder(const char *path)
{
	const char *slash = strchr(path, '/');
	return slash && slash > path && !strcmp(slash + 1, "config.pbtxt") ? (size_t)(slash - path) : 0;
}

/* <folder>/config.pbtxt of a Triton repository: Triton refuses a model
 * whose config names another folder; remember configs that onnxruntime
 * would not run, for kserve-onnx. */
static void load_triton_config(struct model *m, const char *path, size_t folder_len)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	if (read_meta(m, path, &text, &err)) {
		problem(m, EXIT_VERIFY, "cannot read %s: %s", path, err.data ? err.data : "?");
	} else {
		char *name = pbtxt_top_string(text.data, text.len, "name");
		char *backend = pbtxt_top_string(text.data, text.len, "backend");
		char *platform = pbtxt_top_string(text.data, text.len, "platform");
		if (name && (strlen(name) != folder_len || strncmp(name, path, folder_len)))
			problem(m, EXIT_VERIFY, "%s names the model \"%s\" but its folder is %.*s: "
				"Triton refuses the mismatch; rename the folder or the name", path, name,
				(int)folder_len, path);
		int onnx = (backend && !strcmp(backend, "onnxruntime")) ||
			   (platform && !strcmp(platform, "onnxruntime_onnx"));
		if (!onnx && !m->not_onnx.len)
			buf_printf(&m->not_onnx, "%.*s (%s %s)", (int)folder_len, path,
				   backend ? "backend" : "platform",
				   backend ? backend : platform ? platform : "unset");
		free(name);
		free(backend);
		free(platform);
	}
	buf_free(&text);
	buf_free(&err);
}

/* Take the files below root out of all; then read the metadata. */
static void model_load(struct model *m, struct tree *t, const struct files *all, const char *root)
{
	size_t rlen = strlen(root);

	memset(m, 0, sizeof *m);
	m->tree = t;
	m->root = xstrdup(root);
	m->label = rlen ? xasprintf("%s/%s", t->label, root) : xstrdup(t->label);
	for (size_t i = 0; i < all->n; i++) {
		const char *p = all->v[i].path;
		if (rlen && (strncmp(p, root, rlen) || p[rlen] != '/'))
			continue;
		struct tree_entry e = { p + (rlen ? rlen + 1 : 0), all->v[i].size };
		collect_entry(&e, &m->files);
	}
	if (find_file(m, "MLmodel"))
		load_mlmodel(m);
	if (find_file(m, "model-settings.json"))
		load_settings(m);
	if (m->has_mlmodel)
		check_referenced(m);
	for (size_t i = 0; i < m->files.n; i++) {
		size_t folder_len = triton_config_folder(m->files.v[i].path);
		if (folder_len)
			load_triton_config(m, m->files.v[i].path, folder_len);
	}
}

static void model_free(struct model *m)
{
	free(m->root);
	free(m->label);
	files_free(&m->files);
	mlmodel_free(&m->ml);
	free(m->settings_uri);
	buf_free(&m->problems);
	buf_free(&m->warnings);
	buf_free(&m->not_onnx);
}

/* ---- judging a model against one profile ------------------------------ */

enum fit { FIT_OK, FIT_FIX, FIT_NO };
enum fix_kind { FIX_NONE, FIX_SETTINGS, FIX_LINK };

struct verdict {
	enum fit fit;
	struct buf why;
	struct buf warn;
	enum fix_kind fix;
	char *fix_from;      /* the model file to point at or link */
	char *fix_to;        /* the name to link it under */
};

static void verdict_free(struct verdict *v)
{
	buf_free(&v->why);
	buf_free(&v->warn);
	free(v->fix_from);
	free(v->fix_to);
	memset(v, 0, sizeof *v);
}

static const char *fit_name(enum fit f)
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
		buf_printf(&v->why, "%sadd a model-settings.json {\"parameters\":{\"uri\":\"./%s\"}} "
			   "(initc --fix writes it)", first ? "" : ", or ", file);
	} else if (rt) {
		buf_printf(&v->why, "%sthe MLServer %s runtime with a model-settings.json "
			   "{\"parameters\":{\"uri\":\"./%s\"}} (initc --server %s --fix writes it)",
			   first ? "" : ", or ", p->flavor, file, rt->name);
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

static void judge_names(const struct model *m, const struct profile *p, struct verdict *v)
{
	const char *file;

	if (lacks_flavor(m, p)) {
		judge_missing(m, p, v);
		return;
	}
	if (p->settings_uri && m->settings_uri) {
		buf_printf(&v->why, "%s loads %s (model-settings.json parameters.uri)",
			   p->name, m->settings_uri);
		return;
	}
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

/* Warn when the model was saved with a newer library than the image has. */
static void check_version(const struct model *m, const struct profile *p, struct verdict *v)
{
	const char *have = NULL, *what = p->library;

	if (!p->library_version || !m->has_mlmodel)
		return;
	if (p->layout == LAYOUT_MLFLOW) {
		have = m->ml.mlflow_version;
	} else {
		const struct mlflavor *f = p->flavor ? mlmodel_flavor(&m->ml, p->flavor) : NULL;
		have = f ? f->lib_version : NULL;
	}
	if (have && version_cmp(have, p->library_version) > 0)
		buf_printf(&v->warn, "model saved with %s %s but %s (%s) ships %s %s: it may not "
			   "read this model; re-save it with %s<=%s or pick a newer image",
			   what, have, p->name, p->image, what, p->library_version, what,
			   p->library_version);
}

static void judge(const struct model *m, const struct profile *p, struct verdict *v)
{
	typedef void (*judge_fn)(const struct model *, const struct profile *, struct verdict *);
	static const judge_fn by_layout[] = {
		[LAYOUT_NAMES] = judge_names, [LAYOUT_EXT] = judge_ext,
		[LAYOUT_MLFLOW] = judge_mlflow, [LAYOUT_TFSERVING] = judge_tfserving,
		[LAYOUT_TRITON] = judge_triton,
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
}

/* Names of the profiles per fit, comma-separated, for the summaries. */
struct fit_lists {
	struct buf names[3];
};

static void judge_all(const struct model *m, struct fit_lists *l)
{
	size_t n;
	const struct profile *all = profiles_all(&n);
	memset(l, 0, sizeof *l);
	for (size_t i = 0; i < n; i++) {
		struct verdict v;
		judge(m, &all[i], &v);
		struct buf *b = &l->names[v.fit];
		buf_printf(b, "%s%s", b->len ? "," : "", all[i].name);
		verdict_free(&v);
	}
}

static void fit_lists_free(struct fit_lists *l)
{
	for (int i = 0; i < 3; i++)
		buf_free(&l->names[i]);
}

/* ---- the target ------------------------------------------------------- */

struct target {
	const struct profile *profile;  /* NULL: no target */
	const char *v2_server;          /* from --requirements */
};

static int unknown_server(const char *name)
{
	const char *near = profile_nearest(name);
	char *why = xasprintf("unknown server name \"%s\" (from --server or INITC_SERVER): %s%s%s"
			      "`initc servers` lists every known name", name, near ? "did you mean " : "",
			      near ? near : "", near ? "? " : "");
	log_kv(LOG_ERROR, why, "server=%s", log_q(name));
	log_termination("initc: %s", why);
	free(why);
	return EXIT_USAGE;
}

static int resolve_target(const struct verify_opts *o, struct target *t)
{
	memset(t, 0, sizeof *t);
	if (o->server && *o->server && !(t->profile = profile_find(o->server)))
		return unknown_server(o->server);
	if (o->requirements && *o->requirements) {
		struct buf err = BUF_INIT;
		const struct profile *rt;
		int rc = requirements_check(o->requirements, &t->v2_server, &rt, &err);
		if (rc) {
			log_kv(LOG_ERROR, "bad Seldon Core v2 requirements", "requirements=%s reason=%s",
			       log_q(o->requirements), log_q(err.data));
			log_termination("initc: bad Seldon Core v2 requirements \"%s\" (from "
					"--requirements or INITC_REQUIREMENTS): %s", o->requirements, err.data);
			buf_free(&err);
			return rc;
		}
		if (!t->profile)
			t->profile = rt;
		buf_free(&err);
	}
	return 0;
}


int verify_opts_from_env(struct verify_opts *o)
{
	memset(o, 0, sizeof *o);
	o->server = getenv("INITC_SERVER");
	o->requirements = getenv("INITC_REQUIREMENTS");
	env_bool("INITC_FIX", 0, &o->fix); /* validated by main before it gets here */
	return 0;
}

int verify_opts_check(const struct verify_opts *o)
{
	struct target t;
	return resolve_target(o, &t);
}

/* ---- --fix: write what makes the server load the model as it is -------- */

/* Write data to dir/name through a temporary name and rename(2), so a
 * server never sees half a file. */
static int write_atomic(const char *dir, const char *name, const char *data, size_t len)
{
	char *tmp = xasprintf("%s/.%s.initc-XXXXXX", dir, name);
	char *final = xasprintf("%s/%s", dir, name);
	int fd = mkstemp(tmp), rc = 0;

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0 ||
	    fchmod(fd, 0644) != 0) {
		log_kv(LOG_ERROR, "cannot write fix", "file=%s error=%s hint=%s", log_q(final),
		       log_q(strerror(errno)), log_q("make the model folder writable"));
		rc = EXIT_LOCALIO;
	}
	if (fd >= 0 && close(fd) != 0 && !rc)
		rc = EXIT_LOCALIO;
	if (!rc && rename(tmp, final) != 0) {
		log_kv(LOG_ERROR, "cannot rename fix into place", "file=%s error=%s",
		       log_q(final), log_q(strerror(errno)));
		rc = EXIT_LOCALIO;
	}
	if (rc && fd >= 0)
		unlink(tmp);
	free(tmp);
	free(final);
	return rc;
}

static int fix_settings(const char *dir, const struct model *m, const struct profile *p,
			const struct verdict *v)
{
	if (m->has_settings) {
		log_kv(LOG_ERROR, "model-settings.json exists without parameters.uri",
		       "file=%s/model-settings.json hint=%s", log_q(dir),
		       log_q("initc does not rewrite your settings: add \"uri\": \"./FILE\" "
			     "to its parameters"));
		return EXIT_VERIFY;
	}
	char *json = xasprintf("{\"implementation\":\"%s\",\"parameters\":{\"uri\":\"./%s\"}}\n",
			       p->implementation, v->fix_from);
	int rc = write_atomic(dir, "model-settings.json", json, strlen(json));
	if (!rc)
		log_kv(LOG_INFO, "fix: wrote model-settings.json", "file=%s/model-settings.json "
		       "content=%s server=%s", log_q(dir), log_q(json), p->name);
	free(json);
	return rc;
}

/* A hard link costs no space; a copy is the fallback where links fail. */
static int fix_link(const char *dir, const struct verdict *v, const struct profile *p)
{
	char *from = xasprintf("%s/%s", dir, v->fix_from);
	char *tmp = xasprintf("%s/.%s.initc-link", dir, v->fix_to);
	char *to = xasprintf("%s/%s", dir, v->fix_to);
	int rc = 0;

	unlink(tmp);
	if (link(from, tmp) != 0) {
		struct buf data = BUF_INIT;
		FILE *f = fopen(from, "rb");
		char chunk[65536];
		size_t got;
		while (f && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_add(&data, chunk, got);
		if (!f || ferror(f))
			rc = EXIT_LOCALIO;
		if (f)
			fclose(f);
		if (!rc)
			rc = write_atomic(dir, v->fix_to, data.data ? data.data : "", data.len);
		buf_free(&data);
	} else if (rename(tmp, to) != 0) {
		unlink(tmp);
		rc = EXIT_LOCALIO;
	}
	if (rc)
		log_kv(LOG_ERROR, "cannot link model file", "from=%s to=%s error=%s", log_q(from),
		       log_q(to), log_q(strerror(errno)));
	else
		log_kv(LOG_INFO, "fix: linked model file under the name the server loads",
		       "file=%s same_as=%s server=%s", log_q(to), log_q(from), p->name);
	free(from);
	free(tmp);
	free(to);
	return rc;
}

static int apply_fix(const char *dir, const struct model *m, const struct profile *p,
		     const struct verdict *v)
{
	if (v->fix == FIX_SETTINGS)
		return fix_settings(dir, m, p, v);
	if (v->fix == FIX_LINK)
		return fix_link(dir, v, p);
	log_kv(LOG_ERROR, "no automatic fix for this layout", "server=%s reason=%s", p->name,
	       log_q(v->why.data));
	return EXIT_VERIFY;
}

/* A file renamed for a library too old to read it only moves the crash
 * from the init container to the server: not a safe fix. */
static int refuse_fix(const struct model *m, const struct profile *p, const struct verdict *v)
{
	log_kv(LOG_ERROR, "fix not applied: the server's library is older than the model's",
	       "server=%s model=%s reason=%s", p->name, log_q(m->label), log_q(v->warn.data));
	log_termination("%s; --fix not applied because the %s", v->why.data, v->warn.data);
	return EXIT_VERIFY;
}

/* ---- after a download ------------------------------------------------- */

static int open_model(struct tree *t, const char *root, struct model *m, struct buf *err)
{
	struct files all = { 0 };
	int rc = t->list(t, collect_entry, &all, err);
	if (!rc)
		model_load(m, t, &all, root);
	files_free(&all);
	return rc;
}

static int report_target(const char *dir, const struct model *m, const struct target *t,
			 const struct verify_opts *o)
{
	struct verdict v;
	int rc = 0;

	judge(m, t->profile, &v);
	if (v.warn.len)
		log_kv(LOG_WARN, "library version mismatch", "server=%s reason=%s",
		       t->profile->name, log_q(v.warn.data));
	if (v.fit == FIT_OK) {
		log_kv(LOG_INFO, "model fits server", "server=%s model=%s detail=%s",
		       t->profile->name, log_q(m->label), log_q(v.why.data));
	} else if (v.fit == FIT_FIX && o->fix && dir) {
		rc = v.warn.len ? refuse_fix(m, t->profile, &v) : apply_fix(dir, m, t->profile, &v);
	} else {
		log_kv(LOG_ERROR, "model does not fit server", "server=%s model=%s reason=%s",
		       t->profile->name, log_q(m->label), log_q(v.why.data));
		log_termination("%s", v.why.data);
		rc = EXIT_VERIFY;
	}
	verdict_free(&v);
	return rc;
}

int verify_model_dir(const char *dir, const struct verify_opts *o)
{
	struct buf err = BUF_INIT;
	struct tree *t = NULL;
	struct target target;
	struct model m;
	int rc = resolve_target(o, &target);

	if (rc)
		return rc;
	if ((rc = tree_open_local(dir, &t, &err)) || (rc = open_model(t, "", &m, &err))) {
		log_kv(LOG_ERROR, "cannot read model folder", "dir=%s reason=%s", log_q(dir),
		       log_q(err.data));
		if (t)
			tree_close(t);
		buf_free(&err);
		return rc;
	}
	if (m.rc) {
		log_kv(LOG_ERROR, "model is broken", "model=%s reason=%s", log_q(m.label),
		       log_q(m.problems.data));
		log_termination("%s", m.problems.data);
		rc = m.rc;
	} else if (target.profile) {
		rc = report_target(dir, &m, &target, o);
	} else {
		struct fit_lists l;
		judge_all(&m, &l);
		log_kv(LOG_INFO, "model verified; no target server given (set INITC_SERVER)",
		       "model=%s as_is=%s needs_fix=%s cannot=%s%s%s", log_q(m.label),
		       log_q(l.names[FIT_OK].data ? l.names[FIT_OK].data : ""),
		       log_q(l.names[FIT_FIX].data ? l.names[FIT_FIX].data : ""),
		       log_q(l.names[FIT_NO].data ? l.names[FIT_NO].data : ""),
		       target.v2_server ? " seldon_v2_server=" : "",
		       target.v2_server ? target.v2_server : "");
		fit_lists_free(&l);
	}
	model_free(&m);
	tree_close(t);
	buf_free(&err);
	return rc;
}

/* ---- JSON output, by hand ------------------------------------------- */

static void json_str(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			buf_adds(b, "\\n");
		else if (*p == '\t')
			buf_adds(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\u%04x", *p);
		else
			buf_addc(b, (char)*p);
	}
	buf_addc(b, '"');
}

/* "a,b,c" as a JSON array of strings. */
static void json_list(struct buf *b, const char *csv)
{
	char *copy = xstrdup(csv ? csv : "");
	int first = 1;
	buf_addc(b, '[');
	for (char *save = NULL, *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!first)
			buf_addc(b, ',');
		json_str(b, w);
		first = 0;
	}
	buf_addc(b, ']');
	free(copy);
}

/* ---- initc servers -------------------------------------------------- */

static void servers_json(struct buf *out)
{
	size_t n, ncaps;
	const struct profile *all = profiles_all(&n);
	const char *const *caps;
	const char *kind;

	buf_adds(out, "{\"servers\":[");
	for (size_t i = 0; i < n; i++) {
		struct buf loads = BUF_INIT;
		profile_describe_loads(&all[i], &loads);
		buf_adds(out, i ? ",{\"name\":" : "{\"name\":");
		json_str(out, all[i].name);
		buf_adds(out, ",\"family\":");
		json_str(out, profile_family_name(all[i].family));
		buf_adds(out, ",\"loads\":");
		json_str(out, loads.data);
		buf_printf(out, ",\"model_settings_uri\":%s,\"library\":",
			   all[i].settings_uri ? "true" : "false");
		if (all[i].library)
			json_str(out, all[i].library);
		else
			buf_adds(out, "null");
		buf_adds(out, ",\"library_version\":");
		if (all[i].library_version)
			json_str(out, all[i].library_version);
		else
			buf_adds(out, "null");
		buf_adds(out, ",\"image\":");
		json_str(out, all[i].image);
		buf_addc(out, '}');
		buf_free(&loads);
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

	buf_printf(out, "%-18s %-9s %-22s %s\n", "SERVER", "FAMILY", "LIBRARY", "LOADS");
	for (size_t i = 0; i < n; i++) {
		struct buf loads = BUF_INIT;
		char *lib = xasprintf("%s%s%s", all[i].library ? all[i].library : "-",
				      all[i].library_version ? "==" : "",
				      all[i].library_version ? all[i].library_version : "");
		profile_describe_loads(&all[i], &loads);
		if (all[i].settings_uri)
			buf_adds(&loads, "; or model-settings.json parameters.uri");
		buf_printf(out, "%-18s %-9s %-22s %s [%s]\n", all[i].name,
			   profile_family_name(all[i].family), lib, loads.data, all[i].image);
		free(lib);
		buf_free(&loads);
	}
	buf_adds(out, "\nSeldon Core v2 capabilities (requirements must equal one of them):\n");
	for (size_t k = 0; (caps = capabilities(k, &kind, &ncaps)); k++) {
		buf_printf(out, "  %-9s", kind);
		for (size_t i = 0; i < ncaps; i++)
			buf_printf(out, "%s%s", i ? "," : "", caps[i]);
		buf_addc(out, '\n');
	}
}

static int usage(const char *cmd)
{
	if (!strcmp(cmd, "servers"))
		fprintf(stderr, "usage: initc servers [--json]\n");
	else
		fprintf(stderr, "usage: initc check [--recursive] [--json] [--server NAME] "
			"[--requirements LIST] URI|DIR\n");
	return EXIT_USAGE;
}

int cmd_servers(int argc, char **argv)
{
	int json = 0;
	struct buf out = BUF_INIT;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else
			return usage("servers");
	}
	if (json)
		servers_json(&out);
	else
		servers_table(&out);
	fputs(out.data, stdout);
	buf_free(&out);
	return fflush(stdout) ? EXIT_LOCALIO : 0;
}

/* ---- initc check ---------------------------------------------------- */

struct row {
	char *path;          /* model folder relative to the tree root, "." */
	char *flavors;
	const char *status;  /* ok, fix, fail, error */
	struct buf detail;
	struct buf warn;
	struct fit_lists lists;
	int rc;
};

static void row_fill(struct row *r, const struct model *m, const struct target *t)
{
	struct buf fl = BUF_INIT;
	memset(r, 0, sizeof *r);
	r->path = xstrdup(*m->root ? m->root : ".");
	if (m->has_mlmodel)
		mlmodel_flavor_list(&m->ml, &fl);
	r->flavors = buf_steal(&fl);
	judge_all(m, &r->lists);
	if (m->rc) {
		r->status = m->rc == EXIT_INPUT ? "error" : "fail";
		r->rc = m->rc;
		buf_adds(&r->detail, m->problems.data);
	} else if (t->profile) {
		struct verdict v;
		judge(m, t->profile, &v);
		r->status = v.fit == FIT_OK ? "ok" : v.fit == FIT_FIX ? "fix" : "fail";
		r->rc = v.fit == FIT_OK ? 0 : EXIT_VERIFY;
		buf_adds(&r->detail, v.why.data);
		if (v.warn.len)
			buf_adds(&r->warn, v.warn.data);
		verdict_free(&v);
	} else {
		r->status = "ok";
		buf_printf(&r->detail, "loads as-is: %s", r->lists.names[FIT_OK].len ?
			   r->lists.names[FIT_OK].data : "none");
		if (r->lists.names[FIT_FIX].len)
			buf_printf(&r->detail, "; after a fix: %s", r->lists.names[FIT_FIX].data);
	}
}

static void row_free(struct row *r)
{
	free(r->path);
	free(r->flavors);
	buf_free(&r->detail);
	buf_free(&r->warn);
	fit_lists_free(&r->lists);
}

static void rows_json(struct buf *out, const char *label, const struct target *t,
		      const struct row *rows, size_t n, size_t failed)
{
	buf_adds(out, "{\"root\":");
	json_str(out, label);
	buf_adds(out, ",\"server\":");
	if (t->profile)
		json_str(out, t->profile->name);
	else
		buf_adds(out, "null");
	buf_adds(out, ",\"models\":[");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		buf_adds(out, i ? ",{\"path\":" : "{\"path\":");
		json_str(out, r->path);
		buf_adds(out, ",\"flavors\":");
		json_list(out, r->flavors);
		buf_adds(out, ",\"status\":");
		json_str(out, r->status);
		buf_adds(out, ",\"detail\":");
		json_str(out, r->detail.data);
		buf_adds(out, ",\"warning\":");
		if (r->warn.len)
			json_str(out, r->warn.data);
		else
			buf_adds(out, "null");
		buf_adds(out, ",\"servers\":{\"ok\":");
		json_list(out, r->lists.names[FIT_OK].data);
		buf_adds(out, ",\"fix\":");
		json_list(out, r->lists.names[FIT_FIX].data);
		buf_adds(out, ",\"no\":");
		json_list(out, r->lists.names[FIT_NO].data);
		buf_adds(out, "}}");
	}
	buf_printf(out, "],\"failed\":%zu}\n", failed);
}

static void rows_table(struct buf *out, const struct row *rows, size_t n)
{
	int wp = 5, wf = 7;
	for (size_t i = 0; i < n; i++) {
		int lp = (int)strlen(rows[i].path), lf = (int)strlen(rows[i].flavors);
		wp = lp > wp ? lp : wp;
		wf = lf > wf ? lf : wf;
	}
	buf_printf(out, "%-*s  %-*s  %-6s %s\n", wp, "MODEL", wf, "FLAVORS", "STATUS", "DETAIL");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		buf_printf(out, "%-*s  %-*s  %-6s %s\n", wp, r->path, wf,
			   *r->flavors ? r->flavors : "-", r->status, r->detail.data);
		if (r->warn.len)
			buf_printf(out, "%-*s  %-*s  %-6s %s\n", wp, "", wf, "", "warn", r->warn.data);
	}
}

/* With one model and no target, show the verdict of every server. */
static void servers_for_model(struct buf *out, const struct model *m)
{
	size_t n;
	const struct profile *all = profiles_all(&n);
	buf_printf(out, "\n%-18s %-4s %s\n", "SERVER", "FIT", "WHY");
	for (size_t i = 0; i < n; i++) {
		struct verdict v;
		judge(m, &all[i], &v);
		buf_printf(out, "%-18s %-4s %s\n", all[i].name, fit_name(v.fit), v.why.data);
		if (v.warn.len)
			buf_printf(out, "%-18s %-4s %s\n", "", "warn", v.warn.data);
		verdict_free(&v);
	}
}

/* Every folder holding an MLmodel, in listing order. */
static size_t find_models(const struct files *all, char ***roots)
{
	size_t n = 0;
	*roots = NULL;
	for (size_t i = 0; i < all->n; i++) {
		const char *p = all->v[i].path;
		size_t len = strlen(p);
		if (strcmp(p, "MLmodel") && !ends_with(p, "/MLmodel"))
			continue;
		*roots = xrealloc(*roots, (n + 1) * sizeof **roots);
		(*roots)[n++] = xstrndup(p, len > 7 ? len - 8 : 0);
	}
	return n;
}

static int is_remote(const char *arg)
{
	struct stat st;
	const char *colon = strchr(arg, ':');
	if (strstr(arg, "://"))
		return 1;
	if (stat(arg, &st) == 0)
		return 0;
	/* rclone's remote:path form: a name without '/' before the colon */
	return colon && colon > arg && memchr(arg, '/', (size_t)(colon - arg)) == NULL;
}

struct check_args {
	int recursive, json;
	struct verify_opts opts;
	const char *where;
};

static int parse_check_args(int argc, char **argv, struct check_args *a)
{
	int rc = verify_opts_from_env(&a->opts);
	if (rc)
		return rc;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--recursive") || !strcmp(arg, "-r"))
			a->recursive = 1;
		else if (!strcmp(arg, "--json"))
			a->json = 1;
		else if (!strcmp(arg, "--server") && i + 1 < argc)
			a->opts.server = argv[++i];
		else if (!strncmp(arg, "--server=", 9))
			a->opts.server = arg + 9;
		else if (!strcmp(arg, "--requirements") && i + 1 < argc)
			a->opts.requirements = argv[++i];
		else if (!strncmp(arg, "--requirements=", 15))
			a->opts.requirements = arg + 15;
		else if (arg[0] == '-' && arg[1])
			return usage("check");
		else if (a->where)
			return usage("check");
		else
			a->where = arg;
	}
	return a->where ? 0 : usage("check");
}

static int check_tree(struct tree *tree, const struct check_args *a, const struct target *t)
{
	struct files all = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	char **roots = NULL;
	size_t nroots = 0, failed = 0;
	int rc = tree->list(tree, collect_entry, &all, &err);

	if (rc) {
		log_kv(LOG_ERROR, "cannot list", "where=%s reason=%s", log_q(tree->label),
		       log_q(err.data));
		goto out;
	}
	if (a->recursive) {
		nroots = find_models(&all, &roots);
	} else {
		nroots = 1;
		roots = xmalloc(sizeof *roots);
		roots[0] = xstrdup("");
	}
	if (nroots == 0) {
		log_kv(LOG_ERROR, "no MLflow model found", "where=%s files=%zu hint=%s",
		       log_q(tree->label), all.n, log_q("no MLmodel file below this prefix: "
		       "check the bucket and path"));
		rc = EXIT_NOTFOUND;
		goto out;
	}
	struct row *rows = xcalloc(nroots, sizeof *rows);
	struct model one = { 0 };
	for (size_t i = 0; i < nroots; i++) {
		struct model m;
		model_load(&m, tree, &all, roots[i]);
		row_fill(&rows[i], &m, t);
		if (rows[i].rc) {
			failed++;
			/* malformed input outranks a misfit: it needs fixing first */
			if (!rc || rows[i].rc == EXIT_INPUT)
				rc = rows[i].rc;
		}
		if (!a->recursive)
			one = m;
		else
			model_free(&m);
	}
	if (a->json) {
		rows_json(&out, tree->label, t, rows, nroots, failed);
	} else {
		rows_table(&out, rows, nroots);
		if (!a->recursive && !t->profile && !one.rc)
			servers_for_model(&out, &one);
		if (t->v2_server)
			buf_printf(&out, "\nSeldon Core v2: requirements \"%s\" schedule on %s\n",
				   a->opts.requirements, t->v2_server);
	}
	if (!a->recursive)
		model_free(&one);
	for (size_t i = 0; i < nroots; i++)
		row_free(&rows[i]);
	free(rows);
	fputs(out.data ? out.data : "", stdout);
	fflush(stdout);
out:
	for (size_t i = 0; roots && i < nroots; i++)
		free(roots[i]);
	free(roots);
	files_free(&all);
	buf_free(&err);
	buf_free(&out);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	struct check_args a = { 0 };
	struct target t;
	struct tree *tree = NULL;
	struct buf err = BUF_INIT;
	int rc = parse_check_args(argc, argv, &a);

	if (!rc)
		rc = resolve_target(&a.opts, &t);
	if (rc)
		return rc;
	rc = is_remote(a.where) ? tree_open_remote(a.where, &tree, &err)
				: tree_open_local(a.where, &tree, &err);
	if (rc) {
		log_kv(LOG_ERROR, "cannot open", "where=%s reason=%s", log_q(a.where), log_q(err.data));
		buf_free(&err);
		return rc;
	}
	rc = check_tree(tree, &a, &t);
	tree_close(tree);
	buf_free(&err);
	return rc;
}
