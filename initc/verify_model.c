/* Loading a model folder out of a tree into struct model: its files, its
 * MLmodel, its model-settings.json and the config.pbtxt of a Triton
 * repository, and the problems found on the way (a file the MLmodel names
 * but the upload lacks, malformed metadata). Judging it against a server
 * is verify_judge.c's job. */
#include "verify_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "envload.h"
#include "exitcode.h"
#include "pbtxt.h"
#include "yamldoc.h"

/* Metadata files are small; anything bigger is not what we think it is. */
#define META_MAX (1u << 20)

int collect_entry(const struct tree_entry *e, void *arg)
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

void files_free(struct files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free((char *)f->v[i].path);
	free(f->v);
	memset(f, 0, sizeof *f);
}

const char *rel_strip(const char *p)
{
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	return p;
}

const struct tree_entry *find_file(const struct model *m, const char *rel)
{
	rel = rel_strip(rel);
	for (size_t i = 0; i < m->files.n; i++)
		if (!strcmp(m->files.v[i].path, rel))
			return &m->files.v[i];
	return NULL;
}

/* A file, or a folder holding at least one file (pytorch `data/`). */
int model_has_path(const struct model *m, const char *rel)
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

int model_read(const struct model *m, const char *rel, struct buf *out, struct buf *err)
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
	int rc = model_read(m, "MLmodel", &text, &err);

	if (!rc)
		rc = mlmodel_parse(name, text.data ? text.data : "", text.len, &m->ml, &err);
	if (rc) {
		problem(m, rc == EXIT_INPUT ? EXIT_INPUT : rc, "%s", err.data);
		buf_free(&text);
	} else {
		m->has_mlmodel = 1;
		m->mlmodel_text = text;  /* the env reader reads it again: one GET is enough */
	}
	free(name);
	buf_free(&err);
}

/* MLServer's model-settings.json: JSON is YAML flow style, so ydoc reads it. */
static void load_settings(struct model *m)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	char *name = xasprintf("%s/model-settings.json", m->label);
	struct ynode *doc = NULL;
	int rc = model_read(m, "model-settings.json", &text, &err);

	if (!rc && !(doc = ydoc_load_mem(name, text.data ? text.data : "", text.len, &err)))
		rc = EXIT_INPUT;
	if (rc) {
		problem(m, rc, "%s", err.data);
	} else {
		const struct ynode *params = ydoc_get(doc, "parameters");
		const struct ynode *uri = ydoc_get(params, "uri");
		const struct ynode *impl = ydoc_get(doc, "implementation");
		m->has_settings = 1;
		if (doc->kind != YNODE_MAP) {
			problem(m, EXIT_INPUT, "%s:%d:%d: model-settings.json must be a JSON object",
				name, doc->line, doc->col);
		} else if (uri && !ydoc_str(uri)) {
			problem(m, EXIT_INPUT, "%s:%d:%d: parameters.uri must be a string such as "
				"\"./model.xgb\"", name, uri->line, uri->col);
		} else if (impl && !ydoc_str(impl)) {
			problem(m, EXIT_INPUT, "%s:%d:%d: implementation must be a string such as "
				"\"mlserver_sklearn.SKLearnModel\"", name, impl->line, impl->col);
		} else {
			m->settings_uri = uri ? xstrdup(rel_strip(ydoc_str(uri))) : NULL;
			m->settings_impl = impl ? xstrdup(ydoc_str(impl)) : NULL;
		}
	}
	ydoc_free(doc);
	free(name);
	buf_free(&text);
	buf_free(&err);
}

int settings_uri_is_top(const char *uri)
{
	return !strcmp(uri, "") || !strcmp(uri, ".");
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
		if (!model_has_path(m, f->file))
			problem(m, EXIT_VERIFY, "%s/MLmodel:%d:%d: flavor %s names %s: %s, which is not "
				"in %s: the upload is incomplete; copy the whole model folder again",
				m->label, f->line, f->col, f->name, f->file_key, f->file, m->label);
		else if ((e = find_file(m, f->file)) && e->size == 0)
			problem(m, EXIT_VERIFY, "%s/%s is empty (0 bytes): flavor %s cannot load it; "
				"re-log the model", m->label, rel_strip(f->file), f->name);
	}
	for (size_t i = 0; i < m->ml.nrefs; i++)
		if (!model_has_path(m, m->ml.refs[i].path))
			problem(m, EXIT_VERIFY, "%s/MLmodel:%d:%d: %s names %s, which is not in %s: "
				"the upload is incomplete; copy the whole model folder again",
				m->label, m->ml.refs[i].line, m->ml.refs[i].col, m->ml.refs[i].what,
				m->ml.refs[i].path, m->label);
	const char *envs[] = { m->ml.env_conda, m->ml.env_virtualenv };
	for (size_t i = 0; i < 2; i++)
		if (envs[i] && !model_has_path(m, envs[i]))
			problem(m, EXIT_VERIFY, "%s/MLmodel: python_function.env names %s, which is not "
				"in %s: servers that build the environment will fail; upload it too",
				m->label, envs[i], m->label);
	/* "./" (MLServer's own examples, Core 2's mlflow settings) is the folder itself */
	if (m->settings_uri && m->settings_uri[0] != '/' && !settings_uri_is_top(m->settings_uri) &&
	    !model_has_path(m, m->settings_uri))
		problem(m, EXIT_VERIFY, "%s/model-settings.json: parameters.uri names %s, which is "
			"not in %s: point it at the model file", m->label, m->settings_uri, m->label);
}

/* Length of <folder> when path is <folder>/config.pbtxt (a model of a
 * Triton repository at the top of the tree), else 0. */
size_t triton_config_folder(const char *path)
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
	if (model_read(m, path, &text, &err)) {
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
void model_load(struct model *m, struct tree *t, const struct files *all, const char *root)
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

/* ---- the model's environment, read through the tree ----------------- */

/* env_load's paths are relative to the tree's root; the model's files
 * are relative to the model's folder. */
static const char *below_root(const struct model *m, const char *path)
{
	size_t rlen = strlen(m->root);
	if (!rlen)
		return path;
	if (strncmp(path, m->root, rlen) || (path[rlen] && path[rlen] != '/'))
		return NULL;
	return path[rlen] ? path + rlen + 1 : path + rlen;  /* the folder itself: "" */
}

static int env_tree_read(void *ctx, const char *path, size_t max, struct buf *out, struct buf *err)
{
	struct model *m = ctx;
	const char *rel = below_root(m, path);
	const struct tree_entry *e = rel ? find_file(m, rel) : NULL;
	if (!e)
		return -ENOENT;  /* the listing is the truth: no GET for a missing key */
	if (e->size < 0 || (unsigned long long)e->size > max)
		return -EFBIG;   /* nor for one the listing says is too big */
	if (!strcmp(rel, "MLmodel") && m->has_mlmodel) {
		buf_reset(out);
		buf_add(out, m->mlmodel_text.data ? m->mlmodel_text.data : "", m->mlmodel_text.len);
		return 0;
	}
	struct buf why = BUF_INIT;
	int rc = m->tree->read(m->tree, path, max, out, &why);
	if (rc == EXIT_NOTFOUND)
		rc = -ENOENT;
	else if (rc == EXIT_INPUT)
		rc = -EFBIG;
	else if (rc)
		buf_adds(err, why.data);
	buf_free(&why);
	return rc;
}

static int env_tree_type(void *ctx, const char *path, int follow, enum env_file_type *type)
{
	struct model *m = ctx;
	const char *rel = below_root(m, path);
	size_t len = rel ? strlen(rel) : 0;
	(void)follow;  /* a listing has no links */
	if (rel && !*rel) {
		*type = ENV_FILE_DIR;
		return 0;
	}
	if (!rel)
		return -ENOENT;
	if (find_file(m, rel)) {
		*type = ENV_FILE_REGULAR;
		return 0;
	}
	for (size_t i = 0; i < m->files.n; i++) {
		if (!strncmp(m->files.v[i].path, rel, len) && m->files.v[i].path[len] == '/') {
			*type = ENV_FILE_DIR;
			return 0;
		}
	}
	return -ENOENT;
}

/* The environment MLFLOW_SERVER builds: the conda file when MLmodel
 * names one (a broken one is not replaced by another file), else what
 * MLflow itself would pick. */
static int load_env(struct model *m, struct buf *err)
{
	const struct env_files fs = { m, env_tree_read, env_tree_type };
	return env_load_with(&fs, m->root, m->ml.env_conda ? "conda" : NULL, &m->env, err);
}

int model_load_pins(struct model *m)
{
	struct buf err = BUF_INIT;
	int rc;

	if (m->env_loaded || m->rc || !m->has_mlmodel)
		return m->rc;
	m->env_loaded = 1;
	rc = load_env(m, &err);
	char *why = url_redact_userinfo(err.data ? err.data : "");  /* lines may quote tokens */
	if (rc == EXIT_INPUT || rc == EXIT_USAGE) {
		/* prebake's reader refuses what a bake cannot take (--require-hashes,
		 * -e ./src...): the server may still build it, so the pins are only
		 * not compared */
		buf_printf(&m->env_unread, "the model's pins were not compared: %s", why);
	} else if (rc) {
		problem(m, rc, "%s", why);  /* the store failed: the run cannot judge */
	} else {
		size_t max = m->env.conda.n + m->env.pip.n + 1;
		m->pins = xcalloc(max, sizeof *m->pins);
		m->npins = env_exact_pins(&m->env, m->pins, max);
	}
	free(why);
	buf_free(&err);
	return m->rc;
}

void model_free(struct model *m)
{
	free(m->pins);
	buf_free(&m->env_unread);
	buf_free(&m->mlmodel_text);
	if (m->env_loaded)
		env_free(&m->env);
	free(m->root);
	free(m->label);
	files_free(&m->files);
	mlmodel_free(&m->ml);
	free(m->settings_uri);
	free(m->settings_impl);
	buf_free(&m->problems);
	buf_free(&m->warnings);
	buf_free(&m->not_onnx);
}

void model_load_sub(struct model *sub, const struct model *m, const char *rel)
{
	struct files all = { 0 };
	char *root = *m->root ? xasprintf("%s/%s", m->root, rel) : xstrdup(rel);
	for (size_t i = 0; i < m->files.n; i++) {
		char *p = *m->root ? xasprintf("%s/%s", m->root, m->files.v[i].path) :
			  xstrdup(m->files.v[i].path);
		struct tree_entry e = { p, m->files.v[i].size };
		collect_entry(&e, &all);
		free(p);
	}
	model_load(sub, m->tree, &all, root);
	files_free(&all);
	free(root);
}

int open_model(struct tree *t, const char *root, struct model *m, struct buf *err)
{
	struct files all = { 0 };
	int rc = t->list(t, collect_entry, &all, err);
	if (!rc)
		model_load(m, t, &all, root);
	files_free(&all);
	return rc;
}
