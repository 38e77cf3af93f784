/* MLmodel parsing over the shared YAML tree; see mlmodel.h. */
#include "mlmodel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "yamldoc.h"

/* What MLflow writes in each flavor block (mlflow/<flavor>/__init__.py
 * save_model): the key naming the artifact, the version key, and the
 * key saying how it was serialized. Keys are tried in order. */
static const struct flavor_keys {
	const char *flavor;
	const char *file_keys[3];
	const char *library;
	const char *version_key;
	const char *format_key;
} flavor_table[] = {
	{ "xgboost", { "data" }, "xgboost", "xgb_version", "model_format" },
	{ "sklearn", { "pickled_model" }, "scikit-learn", "sklearn_version", "serialization_format" },
	{ "lightgbm", { "data" }, "lightgbm", "lgb_version", NULL },
	{ "pytorch", { "model_data" }, "torch", "pytorch_version", NULL },
	{ "onnx", { "data" }, "onnx", "onnx_version", NULL },
	{ "tensorflow", { "saved_model_dir", "data" }, "tensorflow", "keras_version", NULL },
	{ "keras", { "data" }, "keras", "keras_version", NULL },
	{ "catboost", { "data" }, "catboost", "catboost_version", NULL },
	{ "statsmodels", { "data" }, "statsmodels", "statsmodels_version", NULL },
	{ "h2o", { "data" }, "h2o", "h2o_version", NULL },
	{ "spark", { "model_data" }, "pyspark", "pyspark_version", NULL },
	{ "python_function", { "model_path", "data", "python_model" }, NULL, NULL, NULL },
};

/* Flavors with no entry above still get their `data` checked. */
static const struct flavor_keys unknown_flavor = { NULL, { "data" }, NULL, NULL, NULL };

static const struct flavor_keys *keys_for(const char *flavor)
{
	for (size_t i = 0; i < sizeof flavor_table / sizeof *flavor_table; i++)
		if (!strcmp(flavor_table[i].flavor, flavor))
			return &flavor_table[i];
	return &unknown_flavor;
}

static int fail_at(struct buf *err, const char *name, const struct ynode *n, const char *what)
{
	buf_reset(err);
	buf_printf(err, "%s:%d:%d: %s", name, n ? n->line : 1, n ? n->col : 1, what);
	return EXIT_INPUT;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* A key whose value must be a scalar when present. */
static int scalar_at(const char *name, const struct ynode *map, const char *key,
		     const char **out, struct buf *err)
{
	const struct ynode *v = ydoc_get(map, key);
	*out = NULL;
	if (!v)
		return 0;
	if (v->kind != YNODE_SCALAR) {
		char what[160];
		snprintf(what, sizeof what, "`%s` must be a plain value, found a %s",
			 key, ydoc_kind_name(v->kind));
		return fail_at(err, name, v, what);
	}
	*out = ydoc_str(v);
	return 0;
}

static int parse_flavor(const char *name, const struct ynode *key, const struct ynode *block,
			struct mlflavor *f, struct buf *err)
{
	const struct flavor_keys *k = keys_for(key->value);
	const char *s;
	int rc;

	f->name = xstrdup(key->value);
	f->line = key->line;
	f->col = key->col;
	if (block->kind != YNODE_MAP) {
		char what[200];
		snprintf(what, sizeof what, "flavor `%s` must be a mapping of its settings, found a %s",
			 key->value, ydoc_kind_name(block->kind));
		return fail_at(err, name, block, what);
	}
	for (size_t i = 0; i < 3 && k->file_keys[i] && !f->file; i++) {
		if ((rc = scalar_at(name, block, k->file_keys[i], &s, err)))
			return rc;
		if (s) {
			const struct ynode *v = ydoc_get(block, k->file_keys[i]);
			f->file = xstrdup(s);
			f->file_key = k->file_keys[i];
			f->line = v->line;
			f->col = v->col;
		}
	}
	f->library = dup_or_null(k->library);
	if (k->version_key) {
		if ((rc = scalar_at(name, block, k->version_key, &s, err)))
			return rc;
		f->lib_version = dup_or_null(s);
	}
	if (k->format_key) {
		if ((rc = scalar_at(name, block, k->format_key, &s, err)))
			return rc;
		f->format = dup_or_null(s);
	}
	return 0;
}

/* python_function.env: "conda.yaml" (MLflow 1.x) or {conda, virtualenv}. */
static int parse_env(const char *name, const struct ynode *pyfunc, struct mlmodel *m,
		     struct buf *err)
{
	const struct ynode *env = ydoc_get(pyfunc, "env");
	const char *s;
	int rc;

	if (!env || (env->kind == YNODE_SCALAR && !ydoc_str(env)))
		return 0;
	if (env->kind == YNODE_SCALAR) {
		m->env_conda = xstrdup(ydoc_str(env));
		m->env_legacy = 1;
		return 0;
	}
	if (env->kind != YNODE_MAP)
		return fail_at(err, name, env, "python_function `env` must be a file name "
			       "(MLflow 1.x) or a mapping {conda: ..., virtualenv: ...}, found a sequence");
	if ((rc = scalar_at(name, env, "conda", &s, err)))
		return rc;
	m->env_conda = dup_or_null(s);
	if ((rc = scalar_at(name, env, "virtualenv", &s, err)))
		return rc;
	m->env_virtualenv = dup_or_null(s);
	return 0;
}

static void add_ref(struct mlmodel *m, const struct ynode *v, const char *what)
{
	m->refs = xrealloc(m->refs, (m->nrefs + 1) * sizeof *m->refs);
	m->refs[m->nrefs].path = xstrdup(ydoc_str(v));
	m->refs[m->nrefs].what = xstrdup(what);
	m->refs[m->nrefs].line = v->line;
	m->refs[m->nrefs].col = v->col;
	m->nrefs++;
}

/* artifacts: {name: {path: artifacts/x, uri: ...}} and code: dir, as
 * mlflow.pyfunc.save_model writes them for custom models. */
static void parse_refs(const struct ynode *pf, struct mlmodel *m)
{
	const struct ynode *code = ydoc_get(pf, "code");
	const struct ynode *arts = ydoc_get(pf, "artifacts");

	if (code && ydoc_str(code))
		add_ref(m, code, "python_function.code");
	for (size_t i = 0; arts && arts->kind == YNODE_MAP && i < ydoc_len(arts); i++) {
		const struct ynode *path = ydoc_get(ydoc_val(arts, i), "path");
		if (path && ydoc_str(path)) {
			char *what = xasprintf("python_function.artifacts.%s",
					       ydoc_key(arts, i)->value);
			add_ref(m, path, what);
			free(what);
		}
	}
}

static int parse_pyfunc(const char *name, const struct ynode *flavors, struct mlmodel *m,
			struct buf *err)
{
	const struct ynode *pf = ydoc_get(flavors, "python_function");
	const char *s;
	int rc;

	if (!pf || pf->kind != YNODE_MAP)
		return 0;
	if ((rc = scalar_at(name, pf, "loader_module", &s, err)))
		return rc;
	m->loader_module = dup_or_null(s);
	if ((rc = scalar_at(name, pf, "python_version", &s, err)))
		return rc;
	m->python_version = dup_or_null(s);
	parse_refs(pf, m);
	return parse_env(name, pf, m, err);
}

static int parse_root(const char *name, const struct ynode *root, struct mlmodel *m,
		      struct buf *err)
{
	const struct ynode *flavors;
	const char *s;
	int rc;

	if (root->kind != YNODE_MAP)
		return fail_at(err, name, root, "MLmodel must be a YAML mapping with a `flavors` key");
	if (ydoc_len(root) == 0)
		return fail_at(err, name, root, "MLmodel is empty: it names no flavors; "
			       "re-log the model with mlflow.<flavor>.log_model");
	flavors = ydoc_get(root, "flavors");
	if (!flavors)
		return fail_at(err, name, root, "MLmodel has no `flavors` key: this is not a "
			       "model MLflow wrote; re-log it with mlflow.<flavor>.log_model");
	if (flavors->kind != YNODE_MAP || ydoc_len(flavors) == 0)
		return fail_at(err, name, flavors, "`flavors` must be a non-empty mapping "
			       "(flavor name: settings)");
	if ((rc = scalar_at(name, root, "mlflow_version", &s, err)))
		return rc;
	m->mlflow_version = dup_or_null(s);

	m->flavors = xcalloc(ydoc_len(flavors), sizeof *m->flavors);
	for (size_t i = 0; i < ydoc_len(flavors); i++) {
		const struct ynode *key = ydoc_key(flavors, i);
		if (key->kind != YNODE_SCALAR)
			return fail_at(err, name, key, "flavor names must be plain strings");
		m->nflavors++;
		if ((rc = parse_flavor(name, key, ydoc_val(flavors, i), &m->flavors[i], err)))
			return rc;
	}
	return parse_pyfunc(name, flavors, m, err);
}

int mlmodel_parse(const char *name, const char *data, size_t len,
		  struct mlmodel *m, struct buf *err)
{
	struct ynode *root;
	int rc;

	memset(m, 0, sizeof *m);
	root = ydoc_load_mem(name, data, len, err);
	if (!root)
		return EXIT_INPUT;
	rc = parse_root(name, root, m, err);
	ydoc_free(root);
	if (rc)
		mlmodel_free(m);
	return rc;
}

void mlmodel_free(struct mlmodel *m)
{
	for (size_t i = 0; i < m->nflavors; i++) {
		struct mlflavor *f = &m->flavors[i];
		free(f->name);
		free(f->file);
		free(f->library);
		free(f->lib_version);
		free(f->format);
	}
	free(m->flavors);
	for (size_t i = 0; i < m->nrefs; i++) {
		free(m->refs[i].path);
		free(m->refs[i].what);
	}
	free(m->refs);
	free(m->loader_module);
	free(m->python_version);
	free(m->mlflow_version);
	free(m->env_conda);
	free(m->env_virtualenv);
	memset(m, 0, sizeof *m);
}

const struct mlflavor *mlmodel_flavor(const struct mlmodel *m, const char *name)
{
	for (size_t i = 0; i < m->nflavors; i++)
		if (!strcmp(m->flavors[i].name, name))
			return &m->flavors[i];
	return NULL;
}

const struct mlflavor *mlmodel_main_flavor(const struct mlmodel *m)
{
	for (size_t i = 0; i < m->nflavors; i++)
		if (strcmp(m->flavors[i].name, "python_function"))
			return &m->flavors[i];
	return NULL;
}

void mlmodel_flavor_list(const struct mlmodel *m, struct buf *out)
{
	for (size_t i = 0; i < m->nflavors; i++)
		buf_printf(out, "%s%s", i ? "," : "", m->flavors[i].name);
}
