/* env_load_with through a struct env_files that is no filesystem: an
 * in-memory map of path -> text, as initc's model tree (a folder or an S3
 * prefix) gives it. Paths are relative to the map's root; the map records
 * every path it was asked for, so the test can hold that none of them is
 * absolute, starts with "./" or climbs with "..". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "envload.h"
#include "exitcode.h"
#include "t.h"

struct mem_file {
	const char *path, *text;
};

struct mem_tree {
	const struct mem_file *files;
	size_t n;
	const char *fail_path;  /* reading it fails as a store would: EXIT_NETWORK */
	struct strlist asked;   /* every path read or typed, in order */
};

static const struct mem_file *mem_find(struct mem_tree *t, const char *path)
{
	strlist_add(&t->asked, path);
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->files[i].path, path))
			return &t->files[i];
	return NULL;
}

/* A prefix with files below it is a folder; "" is the root. */
static int mem_is_dir(const struct mem_tree *t, const char *path)
{
	size_t n = strlen(path);
	for (size_t i = 0; i < t->n; i++)
		if (!n || (!strncmp(t->files[i].path, path, n) && t->files[i].path[n] == '/'))
			return 1;
	return 0;
}

static int mem_read(void *ctx, const char *path, size_t max, struct buf *out, struct buf *err)
{
	struct mem_tree *t = ctx;
	const struct mem_file *f = mem_find(t, path);
	buf_reset(out);
	if (t->fail_path && !strcmp(path, t->fail_path))
		return buf_fail(err, EXIT_NETWORK, "s3://bucket/%s: connection reset", path);
	if (!f)
		return mem_is_dir(t, path) ? -EINVAL : -ENOENT;
	if (strlen(f->text) > max)
		return -EFBIG;
	buf_adds(out, f->text);
	return 0;
}

static int mem_type_of(void *ctx, const char *path, int follow, enum env_file_type *type)
{
	struct mem_tree *t = ctx;
	(void)follow;  /* no links in a store of keys */
	if (mem_find(t, path))
		*type = ENV_FILE_REGULAR;
	else if (mem_is_dir(t, path))
		*type = ENV_FILE_DIR;
	else
		return -ENOENT;
	return 0;
}

#define WHEEL "wheels/x-1.0-py3-none-any.whl"

/* One model at the root of the tree: MLmodel offers both environments. */
static const struct mem_file model_files[] = {
	{ "MLmodel",
	  "artifact_path: model\n"
	  "flavors:\n"
	  "  python_function:\n"
	  "    env:\n"
	  "      conda: conda.yaml\n"
	  "      virtualenv: python_env.yaml\n"
	  "    loader_module: mlflow.sklearn\n"
	  "mlflow_version: 2.9.2\n" },
	{ "conda.yaml",
	  "channels:\n"
	  "- conda-forge\n"
	  "dependencies:\n"
	  "- python=3.10.12\n"
	  "- pip<=23.3.1\n"
	  "- pip:\n"
	  "  - mlflow==2.9.2\n"
	  "  - numpy>=1.24\n"
	  "  - scikit-learn\n"
	  "name: mlflow-env\n" },
	{ "python_env.yaml",
	  "python: 3.10.12\n"
	  "build_dependencies:\n"
	  "- pip==23.3.1\n"
	  "dependencies:\n"
	  "- -r requirements.txt\n"
	  "- -c constraints.txt\n" },
	{ "requirements.txt", "mlflow==2.9.2\n-r extra/more.txt\n  pandas\n" },
	{ "extra/more.txt", "scipy>=1.11,<2  # science\n./" WHEEL "\n" },
	{ "constraints.txt", "numpy==1.26.2\n" },
	{ WHEEL, "PK" },
};

#define COUNT(a) (sizeof (a) / sizeof *(a))

static struct env_files mem_files(struct mem_tree *t)
{
	struct env_files fs = { t, mem_read, mem_type_of };
	return fs;
}

/* No path the store saw is absolute, starts with "./" or holds "..". */
static int paths_clean(const struct mem_tree *t)
{
	for (size_t i = 0; i < t->asked.n; i++) {
		const char *p = t->asked.v[i];
		if (p[0] == '/' || !strncmp(p, "./", 2) || strstr(p, "/./") || strstr(p, "//") ||
		    strstr(p, "..")) {
			printf("# the store was asked for \"%s\"\n", p);
			return 0;
		}
	}
	return 1;
}

static void check_dep(const struct dep *d, enum dep_role role, const char *name, const char *key,
		      const char *spec, enum pin_class pin, const char *where)
{
	CHECK_INT(d->role, role);
	CHECK_STR(d->name, name);
	CHECK_STR(d->key, key);
	CHECK_STR(d->spec, spec);
	CHECK_STR(pin_name(d->pin), pin_name(pin));
	CHECK_STR(d->where, where);
}

static char *joined(const struct strlist *l)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < l->n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", l->v[i]);
	buf_adds(&b, "");
	return buf_steal(&b);
}

static void check_virtualenv(const char *manager)
{
	struct mem_tree t = { model_files, COUNT(model_files), NULL, { 0 } };
	struct env_files fs = mem_files(&t);
	struct env env = { 0 };
	struct buf err = BUF_INIT;

	printf("# model at the root, --env-manager %s\n", manager ? manager : "(none)");
	CHECK_INT(env_load_with(&fs, "", manager, &env, &err), 0);
	if (err.len)
		printf("# %s\n", err.data);
	CHECK_INT(env.kind, ENV_VIRTUALENV);
	CHECK_STR(env.python, "3.10.12");
	CHECK_STR(pin_name(env.python_pin), "exact");
	CHECK_STR(env.python_where, "python_env.yaml:1:9");
	CHECK_STR(env.env_file, "python_env.yaml");
	CHECK_STR(env.base_dir, "");
	CHECK_STR(env.model_dir, "");
	CHECK_STR(env.mlflow_version, "2.9.2");
	CHECK_INT(env.conda.n, 0);
	CHECK_INT(env.pip.n, 6);
	if (env.pip.n == 6) {
		check_dep(&env.pip.v[0], ROLE_BUILD, "pip", "pip", "==23.3.1", PIN_EXACT,
			  "python_env.yaml:3:3");
		check_dep(&env.pip.v[1], ROLE_INSTALL, "mlflow", "mlflow", "==2.9.2", PIN_EXACT,
			  "requirements.txt:1:1");
		check_dep(&env.pip.v[2], ROLE_INSTALL, "scipy", "scipy", ">=1.11,<2", PIN_RANGE,
			  "extra/more.txt:1:1");
		check_dep(&env.pip.v[3], ROLE_INSTALL, "x", "x", "==1.0", PIN_EXACT,
			  "extra/more.txt:2:1");
		CHECK_STR(env.pip.v[3].local, WHEEL);
		check_dep(&env.pip.v[4], ROLE_INSTALL, "pandas", "pandas", "", PIN_UNPINNED,
			  "requirements.txt:3:3");
		check_dep(&env.pip.v[5], ROLE_CONSTRAINT, "numpy", "numpy", "==1.26.2", PIN_EXACT,
			  "constraints.txt:1:1");
	}
	/* at the root, the paths read are the names relative to the model */
	char *inputs = joined(&env.inputs), *names = joined(&env.input_names);
	CHECK_STR(names, "MLmodel python_env.yaml requirements.txt extra/more.txt " WHEEL
		  " constraints.txt");
	CHECK_STR(inputs, names);
	free(inputs);
	free(names);
	CHECK(paths_clean(&t));
	env_free(&env);
	strlist_free(&t.asked);
	buf_free(&err);
}

static void check_conda(void)
{
	struct mem_tree t = { model_files, COUNT(model_files), NULL, { 0 } };
	struct env_files fs = mem_files(&t);
	struct env env = { 0 };
	struct buf err = BUF_INIT;

	CHECK_INT(env_load_with(&fs, "", "conda", &env, &err), 0);
	CHECK_INT(env.kind, ENV_CONDA);
	CHECK_STR(env.env_file, "conda.yaml");
	CHECK_STR(env.python, "3.10.12");
	CHECK_STR(env.python_where, "conda.yaml:4:3");
	CHECK_INT(env.channels.n, 1);
	CHECK_STR(env.channels.n ? env.channels.v[0] : NULL, "conda-forge");
	CHECK_INT(env.conda.n, 2);
	if (env.conda.n == 2) {
		CHECK_INT(env.conda.v[0].source, DEP_CONDA);
		check_dep(&env.conda.v[0], ROLE_INSTALL, "python", "python", "=3.10.12", PIN_EXACT,
			  "conda.yaml:4:3");
		check_dep(&env.conda.v[1], ROLE_INSTALL, "pip", "pip", "<=23.3.1", PIN_RANGE,
			  "conda.yaml:5:3");
	}
	CHECK_INT(env.pip.n, 3);
	if (env.pip.n == 3) {
		CHECK_INT(env.pip.v[0].source, DEP_PIP);
		check_dep(&env.pip.v[0], ROLE_INSTALL, "mlflow", "mlflow", "==2.9.2", PIN_EXACT,
			  "conda.yaml:7:5");
		check_dep(&env.pip.v[1], ROLE_INSTALL, "numpy", "numpy", ">=1.24", PIN_RANGE,
			  "conda.yaml:8:5");
		check_dep(&env.pip.v[2], ROLE_INSTALL, "scikit-learn", "scikit-learn", "",
			  PIN_UNPINNED, "conda.yaml:9:5");
	}
	char *names = joined(&env.input_names);
	CHECK_STR(names, "MLmodel conda.yaml");
	free(names);
	CHECK(paths_clean(&t));
	env_free(&env);
	strlist_free(&t.asked);
	buf_free(&err);
}

/* A model below the root, with MLflow 1.x's "env: conda.yaml", and a
 * requirements file that climbs out of it. */
static const struct mem_file nested_files[] = {
	{ "escape.txt", "numpy==1.0\n" },
	{ "models/m/MLmodel",
	  "flavors:\n"
	  "  python_function:\n"
	  "    env: conda.yaml\n"
	  "    loader_module: mlflow.sklearn\n" },
	{ "models/m/conda.yaml",
	  "dependencies:\n"
	  "- python=3.8.10\n"
	  "- pip\n"
	  "- pip:\n"
	  "  - -r reqs/base.txt\n" },
	{ "models/m/reqs/base.txt", "requests==2.31.0\n-r more.txt\n" },
	{ "models/m/reqs/more.txt", "-r ../../../escape.txt\n" },
	{ "models/m/python_env.yaml", "python: 3.8.10\ndependencies:\n- -r missing.txt\n" },
	{ "models/bad/MLmodel",
	  "flavors:\n"
	  "  python_function:\n"
	  "    env:\n"
	  "      virtualenv: ../python_env.yaml\n" },
};

static void check_nested(void)
{
	struct mem_tree t = { nested_files, COUNT(nested_files), NULL, { 0 } };
	struct env_files fs = mem_files(&t);
	struct env env = { 0 };
	struct buf err = BUF_INIT;

	/* -r more.txt is read beside reqs/base.txt; its -r ../../../escape.txt
	 * would leave the model (any ".." is refused, as for a wheel) */
	CHECK_INT(env_load_with(&fs, "models/m", NULL, &env, &err), EXIT_INPUT);
	CHECK_STR(err.data, "reqs/more.txt:1:1: \"../../../escape.txt\" is a path that leaves the model "
		  "folder (..); requirement files must be inside the model folder: copy it there");
	CHECK_STR(env.base_dir, "models/m");
	CHECK_INT(env.conda.n, 2);
	if (env.conda.n == 2)
		check_dep(&env.conda.v[1], ROLE_INSTALL, "pip", "pip", "", PIN_UNPINNED,
			  "conda.yaml:3:3");
	CHECK_INT(env.pip.n, 1);
	if (env.pip.n == 1)
		check_dep(&env.pip.v[0], ROLE_INSTALL, "requests", "requests", "==2.31.0", PIN_EXACT,
			  "reqs/base.txt:1:1");
	char *inputs = joined(&env.inputs), *names = joined(&env.input_names);
	CHECK_STR(inputs, "models/m/MLmodel models/m/conda.yaml models/m/reqs/base.txt "
		  "models/m/reqs/more.txt");
	CHECK_STR(names, "MLmodel conda.yaml reqs/base.txt reqs/more.txt");
	free(inputs);
	free(names);
	CHECK(!strlist_has(&t.asked, "escape.txt"));
	CHECK(paths_clean(&t));
	env_free(&env);

	/* a missing requirements file */
	CHECK_INT(env_load_with(&fs, "models/m", "virtualenv", &env, &err), EXIT_INPUT);
	CHECK_STR(err.data, "python_env.yaml:3:3: cannot read \"missing.txt\": No such file or "
		  "directory; ship it beside the model or fix the path");
	CHECK(strlist_has(&t.asked, "models/m/missing.txt"));
	env_free(&env);

	/* a lone env file of the tree */
	CHECK_INT(env_load_with(&fs, "models/m/python_env.yaml", NULL, &env, &err), EXIT_INPUT);
	CHECK_STR(env.base_dir, "models/m");
	CHECK_STR(err.data, "python_env.yaml:3:3: cannot read \"missing.txt\": No such file or "
		  "directory; ship it beside the model or fix the path");
	env_free(&env);

	/* no such input; a folder without MLmodel; MLmodel naming a file outside */
	CHECK_INT(env_load_with(&fs, "models/none", NULL, &env, &err), EXIT_USAGE);
	CHECK_STR(err.data, "models/none: No such file or directory; pass a model folder, "
		  "conda.yaml or python_env.yaml");
	env_free(&env);
	CHECK_INT(env_load_with(&fs, "models", NULL, &env, &err), EXIT_INPUT);
	CHECK_STR(err.data, "models: no MLmodel file; pass the folder MLflow wrote (with MLmodel), "
		  "or a conda.yaml or python_env.yaml");
	env_free(&env);
	CHECK_INT(env_load_with(&fs, "models/bad", NULL, &env, &err), EXIT_INPUT);
	CHECK_STR(err.data, "MLmodel:4:19: the environment file \"../python_env.yaml\" is a path "
		  "that leaves the model folder (..); it must be inside the model folder, where "
		  "MLflow writes it");
	env_free(&env);
	CHECK(paths_clean(&t));
	strlist_free(&t.asked);

	/* the store failing is no file's fault: its code and message go through */
	struct mem_tree down = { nested_files, COUNT(nested_files), "models/m/reqs/base.txt", { 0 } };
	fs = mem_files(&down);
	CHECK_INT(env_load_with(&fs, "models/m", "conda", &env, &err), EXIT_NETWORK);
	CHECK_STR(err.data, "s3://bucket/models/m/reqs/base.txt: connection reset");
	env_free(&env);
	down.fail_path = "models/m/MLmodel";
	CHECK_INT(env_load_with(&fs, "models/m", "conda", &env, &err), EXIT_NETWORK);
	CHECK_STR(err.data, "s3://bucket/models/m/MLmodel: connection reset");
	env_free(&env);
	strlist_free(&down.asked);
	buf_free(&err);
}

/* The limits hold for any store: a YAML file over YDOC_MAX_BYTES and a
 * requirements file over 1 MiB are refused with the filesystem's words. */
static void check_limits(void)
{
	size_t big = (1u << 20) + 1;
	char *text = malloc(big + 1);
	memset(text, '#', big);
	text[big] = '\0';
	const struct mem_file files[] = {
		{ "python_env.yaml", "python: 3.11.7\ndependencies:\n- -r big.txt\n" },
		{ "big.txt", text },
	};
	struct mem_tree t = { files, COUNT(files), NULL, { 0 } };
	struct env_files fs = mem_files(&t);
	struct env env = { 0 };
	struct buf err = BUF_INIT;
	CHECK_INT(env_load_with(&fs, "python_env.yaml", NULL, &env, &err), EXIT_INPUT);
	CHECK_STR(err.data, "python_env.yaml:3:3: cannot read \"big.txt\": File too large; "
		  "ship it beside the model or fix the path");
	CHECK_STR(env.base_dir, ".");
	CHECK(paths_clean(&t));
	env_free(&env);
	strlist_free(&t.asked);
	buf_free(&err);
	free(text);
}

int main(void)
{
	check_virtualenv(NULL);
	check_virtualenv("virtualenv");
	check_conda();
	check_nested();
	check_limits();
	return T_DONE();
}
