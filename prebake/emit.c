/* Writing the Dockerfile and the files it copies; see emit.h.
 * Layer order is by rate of change: environment files, then the serving
 * stack, then (with --bake-model) the model itself. */
#include "emit.h"
#include "audit.h"

#include <stdlib.h>
#include <string.h>

#define ENV_PREFIX "/opt/env"
#define STAGING "/tmp/prebake"
#define PY ENV_PREFIX "/bin/python -m pip"
#define MICROMAMBA_IMAGE "mambaorg/micromamba:1.5.10-bookworm-slim"
#define CONDA_RUNTIME_IMAGE "debian:12.8-slim"
#define RUN_UID 1000
/* awk over "name==version" lines, names compared as PEP 503 keys:
 * keep the packages named in the first file, or drop pip's own tools. */
#define FREEZE_FILTER_HELD "awk -F== 'NR == FNR { held[$0]; next } " \
	"{ n = tolower($1); gsub(/[-_.]+/, \"-\", n) } n in held'"
#define FREEZE_FILTER_TOOLS "awk -F== 'tolower($1) !~ /^(pip|setuptools|wheel)$/'"
#define LAYER_NOTE "# Environment files first: they change least often, so this layer caches.\n"

struct buf *outset_add(struct outset *s, const char *name)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
	s->v[s->n].name = xstrdup(name);
	s->v[s->n].body = (struct buf)BUF_INIT;
	s->v[s->n].copy_from = NULL;
	return &s->v[s->n++].body;
}

void outset_add_copy(struct outset *s, const char *name, const char *from)
{
	outset_add(s, name);
	s->v[s->n - 1].copy_from = xstrdup(from);
}

void outset_free(struct outset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].copy_from);
		buf_free(&s->v[i].body);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

char *emit_default_builder(const struct env *env)
{
	if (env->kind == ENV_CONDA)
		return xstrdup(MICROMAMBA_IMAGE);
	return xasprintf("python:%s", env->python);
}

char *emit_default_runtime(const struct env *env)
{
	if (env->kind == ENV_CONDA)
		return xstrdup(CONDA_RUNTIME_IMAGE);
	return xasprintf("python:%s-slim", env->python);
}

const char *bake_version(const struct bake_opts *o)
{
	return o->server_version ? o->server_version : o->target->version;
}

static const char *model_path(const struct bake_opts *o)
{
	return o->bake_model ? "/opt/model" : "/mnt/models";
}

static int count_role(const struct env *env, enum dep_role role)
{
	int n = 0;
	for (size_t i = 0; i < env->pip.n; i++)
		n += env->pip.v[i].role == role;
	return n;
}

/* Any --hash puts pip in hash-checking mode for its whole run. */
static int has_hashes(const struct env *env)
{
	return audit_hashed(env, NULL) > 0;
}

/* A wheel named again (by another -r file) is shipped once. */
static int local_seen_before(const struct env *env, size_t upto)
{
	for (size_t i = 0; i < upto; i++)
		if (env->pip.v[i].local && !strcmp(env->pip.v[i].local, env->pip.v[upto].local))
			return 1;
	return 0;
}

static void yaml_quoted(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

/* environment.yml: the conda part only; pip lines go through pip. */
static void emit_environment(const struct env *env, struct buf *b)
{
	int has_pip = 0;
	buf_printf(b, "# conda packages of the model, from %s (written by prebake)\n",
		   env->env_file);
	buf_adds(b, "name: model\nchannels:\n");
	if (!env->channels.n)
		buf_adds(b, "  - conda-forge\n");
	for (size_t i = 0; i < env->channels.n; i++) {
		buf_adds(b, "  - ");
		yaml_quoted(b, env->channels.v[i]);
		buf_addc(b, '\n');
	}
	buf_adds(b, "dependencies:\n");
	for (size_t i = 0; i < env->conda.n; i++) {
		has_pip |= !strcmp(env->conda.v[i].key, "pip");
		buf_adds(b, "  - ");
		yaml_quoted(b, env->conda.v[i].text);
		buf_addc(b, '\n');
	}
	if (!has_pip)
		buf_adds(b, "  # added by prebake: the serving stack installs with pip\n  - \"pip\"\n");
}

/* conda names whose Python distribution pip knows by another name */
static const struct { const char *conda, *pip; } conda_pip_names[] = {
	{ "pytorch", "torch" },
	{ "pytorch-cpu", "torch" },
	{ "pytorch-gpu", "torch" },
	{ "py-xgboost", "xgboost" },
	{ "py-xgboost-cpu", "xgboost" },
	{ "py-xgboost-gpu", "xgboost" },
};

static const char *conda_pip_name(const char *key)
{
	for (size_t i = 0; i < sizeof conda_pip_names / sizeof *conda_pip_names; i++)
		if (!strcmp(conda_pip_names[i].conda, key))
			return conda_pip_names[i].pip;
	return key;
}

/* conda-held.txt: the pip names of the conda packages the model gave a
 * version; the pip step holds them at what conda installed. conda's own
 * choices (unpinned packages, dependencies) stay free for the serving
 * stack, which is the point of one resolution. Names without a pip
 * distribution (libgomp) match nothing and hold nothing. */
static void emit_conda_held(const struct env *env, struct buf *b)
{
	struct strlist names = { 0 };
	for (size_t i = 0; i < env->conda.n; i++) {
		const struct dep *d = &env->conda.v[i];
		const char *name = conda_pip_name(d->key);
		if (d->pin != PIN_UNPINNED && strcmp(d->key, "python") && !strlist_has(&names, name))
			strlist_add(&names, name);
	}
	for (size_t i = 0; i < names.n; i++)
		buf_printf(b, "%s\n", names.v[i]);
	strlist_free(&names);
}

static void emit_pip_file(const struct env *env, enum dep_role role, const char *what,
			  struct buf *b)
{
	buf_printf(b, "# %s, from %s (written by prebake)\n", what, env->env_file);
	if (role == ROLE_INSTALL)
		for (size_t i = 0; i < env->pip_options.n; i++)
			buf_printf(b, "%s\n", env->pip_options.v[i]);
	for (size_t i = 0; i < env->pip.n; i++)
		if (env->pip.v[i].role == role)
			buf_printf(b, "%s\n", env->pip.v[i].text);
}

static int line_in(const struct buf *b, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = b->data; p && (p = strstr(p, line)); p += n)
		if ((p == b->data || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

/* constraints.txt: every version the model names, without extras or URLs
 * (pip refuses both in constraints), so no later install can move them. */
static void emit_constraints(const struct env *env, struct buf *b)
{
	buf_printf(b, "# the model's version pins, from %s (written by prebake);\n"
		   "# the one pip run in the image resolves under them, so the serving\n"
		   "# stack can add packages but never move a version the model chose\n",
		   env->env_file);
	for (size_t i = 0; i < env->pip.n; i++) {
		const struct dep *d = &env->pip.v[i];
		if (d->url || !*d->spec || d->role == ROLE_BUILD)
			continue;
		char *line = d->marker ? xasprintf("%s%s ; %s", d->key, d->spec, d->marker)
				       : xasprintf("%s%s", d->key, d->spec);
		if (!line_in(b, line))
			buf_printf(b, "%s\n", line);
		free(line);
	}
	/* A loose or missing mlflow would let the serving stack choose one (the
	 * seeds: Seldon's mlflow 2.5.0 under a model written by 2.17.2): hold it
	 * at the version that wrote MLmodel. */
	const char *hold = audit_mlflow_hold(env);
	if (hold)
		buf_printf(b, "# mlflow is not pinned exactly in %s: the version that wrote MLmodel\n"
			   "mlflow==%s\n", env->env_file, hold);
}

/* Does the model say anything about the pip package key (any dependency
 * of that name, conda's included, or the mlflow hold)? Then it decides. */
static int model_names(const struct env *env, const char *key)
{
	for (size_t i = 0; i < env->pip.n; i++)
		if (!strcmp(env->pip.v[i].key, key))
			return 1;
	for (size_t i = 0; i < env->conda.n; i++)
		if (!strcmp(conda_pip_name(env->conda.v[i].key), key))
			return 1;
	return !strcmp(key, "mlflow") && audit_mlflow_hold(env);
}

/* A spec pip reads in a constraints file: PEP 440 operators only (the
 * table also holds poetry's ^ and ~ for KServe's rows). */
static int pip_spec(const char *spec)
{
	return *spec && (strchr("<>=!", *spec) || !strncmp(spec, "~=", 2));
}

/* The packages the serving stack brings unpinned (t->companions), held
 * where the chosen release holds them (the release table, as initc checks
 * it), unless the model names them: then the model decides. Only those:
 * the rest of the release's requirements belong to its own image, whose
 * Python stack the baked image does not run. */
static void emit_release_constraints(const struct env *env, const struct bake_opts *o,
				     struct buf *b)
{
	const struct target *t = o->target;
	const char *ver = bake_version(o);
	const struct server_release *r = target_release(t, ver);
	int header = 0;

	for (size_t i = 0; r && i < TARGET_MAX_PKGS && t->companions[i]; i++) {
		const struct release_req *q = release_req_find(r, t->companions[i]);
		char *key = dep_key(t->companions[i], strlen(t->companions[i]));
		if (q && pip_spec(q->spec) && !model_names(env, key)) {
			if (!header)
				buf_printf(b, "# where %s %s holds what the model leaves open\n"
					   "# (from %s)\n", r->server, r->version, r->reqs_source);
			header = 1;
			buf_printf(b, "%s%s\n", key, q->spec);
		}
		free(key);
	}
}

static void emit_serving(const struct env *env, const struct bake_opts *o, struct buf *b)
{
	const struct target *t = o->target;
	const char *ver = bake_version(o);
	buf_printf(b, "# the serving stack for --target %s (written by prebake)\n", t->name);
	/* installed in a pip run of its own after hashed requirements: the
	 * model's index options must reach it too */
	for (size_t i = 0; has_hashes(env) && i < env->pip_options.n; i++)
		buf_printf(b, "%s\n", env->pip_options.v[i]);
	for (size_t i = 0; i < TARGET_MAX_PKGS && t->packages[i]; i++)
		buf_printf(b, "%s==%s\n", t->packages[i], ver);
	for (size_t i = 0; i < TARGET_MAX_PKGS && t->companions[i]; i++)
		buf_printf(b, "%s\n", t->companions[i]);
}

/* A wheel the model ships (MLflow's wheels/ folder): copied into the
 * build context under local-wheels/, keeping its path. */
static void emit_local_wheel(const struct env *env, const char *local, struct outset *out)
{
	char *name = xasprintf(LOCAL_WHEELS "/%s", local);
	char *from = xasprintf("%s/%s", env->base_dir, local);
	outset_add_copy(out, name, from);
	free(name);
	free(from);
}

/* The Seldon v1 wrapper loads a class by module name; this one hands
 * the request to MLflow's pyfunc loader. */
static void emit_seldon_class(struct buf *b)
{
	buf_adds(b,
		 "# Seldon Core v1 Python wrapper model class for an MLflow model\n"
		 "# (written by prebake). The wrapper calls load() once, then predict().\n"
		 "import os\n\n"
		 "import mlflow.pyfunc\n"
		 "import pandas as pd\n\n\n"
		 "class MLflowModel:\n"
		 "    def __init__(self, model_uri=None):\n"
		 "        self.model_uri = model_uri or os.environ.get(\"MODEL_DIR\", \"/mnt/models\")\n"
		 "        self.model = None\n\n"
		 "    def load(self):\n"
		 "        self.model = mlflow.pyfunc.load_model(self.model_uri)\n\n"
		 "    def predict(self, X, feature_names=None, meta=None):\n"
		 "        if self.model is None:\n"
		 "            self.load()\n"
		 "        frame = pd.DataFrame(X, columns=feature_names or None)\n"
		 "        return self.model.predict(frame)\n");
}

static void emit_dockerignore(const struct outset *files, const struct bake_opts *o,
			      struct buf *b)
{
	buf_adds(b, "# The build context holds only what the Dockerfile copies.\n*\n");
	/* files for people, not for the build */
	static const char *const not_copied[] = { "Dockerfile", "probes.yaml", "pin-audit.txt" };
	for (size_t i = 0; i < files->n; i++) {
		int skip = 0;
		for (size_t k = 0; k < sizeof not_copied / sizeof *not_copied; k++)
			skip |= !strcmp(files->v[i].name, not_copied[k]);
		if (!skip)
			buf_printf(b, "!%s\n", files->v[i].name);
	}
	if (o->bake_model)
		buf_adds(b, "!model\n");
}

/* The tools pip needs for VCS requirements, by URL scheme: installed only
 * where the builder lacks them (the micromamba image has no git). */
static const struct vcs_tool {
	const char *scheme, *command, *package;
} vcs_tools[] = {
	{ "git+", "git", "git" },
	{ "hg+", "hg", "mercurial" },
	{ "svn+", "svn", "subversion" },
	{ "bzr+", "bzr", "brz" },
};

/* Shared libraries that pip wheels load from the system instead of
 * bundling them (LightGBM and XGBoost: the OpenMP runtime), by package.
 * Slim runtime images lack them; conda packages bring their own. */
static const struct runtime_lib {
	const char *key, *package;
} runtime_libs[] = {
	{ "lightgbm", "libgomp1" },
	{ "xgboost", "libgomp1" },
};

static int uses_scheme(const struct env *env, const char *scheme)
{
	for (size_t i = 0; i < env->pip.n; i++) {
		const struct dep *d = &env->pip.v[i];
		if (d->role != ROLE_CONSTRAINT && d->url && !strncmp(d->url, scheme, strlen(scheme)))
			return 1;
	}
	return 0;
}

static void emit_vcs_tools(const struct env *env, struct buf *b)
{
	for (size_t i = 0; i < sizeof vcs_tools / sizeof *vcs_tools; i++) {
		const struct vcs_tool *t = &vcs_tools[i];
		if (!uses_scheme(env, t->scheme))
			continue;
		buf_printf(b, "# %s requirements need %s; installed only if the builder lacks it.\n"
			   "RUN command -v %s >/dev/null 2>&1 || { apt-get update \\\n"
			   " && apt-get install --yes --no-install-recommends %s ca-certificates \\\n"
			   " && rm -rf /var/lib/apt/lists/*; }\n",
			   t->scheme, t->command, t->command, t->package);
	}
}

/* Debian packages the runtime needs for the model's pip packages. */
static void runtime_packages(const struct env *env, struct strlist *out)
{
	for (size_t i = 0; i < env->pip.n; i++) {
		const struct dep *d = &env->pip.v[i];
		if (d->role != ROLE_INSTALL)
			continue;
		for (size_t k = 0; k < sizeof runtime_libs / sizeof *runtime_libs; k++)
			if (!strcmp(d->key, runtime_libs[k].key) &&
			    !strlist_has(out, runtime_libs[k].package))
				strlist_add(out, runtime_libs[k].package);
	}
}

/* The files stage 1 copies, environment files first: they change least
 * often, so the layer caches. Local wheels keep their relative paths,
 * which pip resolves from the working directory. */
static void env_stage_copy(const struct env *env, struct buf *b)
{
	buf_adds(b, LAYER_NOTE "COPY");
	if (env->kind == ENV_CONDA)
		buf_adds(b, " environment.yml conda-held.txt");
	buf_adds(b, " constraints.txt");
	if (count_role(env, ROLE_BUILD))
		buf_adds(b, " build-requirements.txt");
	if (count_role(env, ROLE_INSTALL))
		buf_adds(b, " requirements.txt");
	buf_adds(b, " serving.txt " STAGING "/\n");
	for (size_t i = 0; i < env->pip.n; i++) {
		const char *local = env->pip.v[i].local;
		if (local && !local_seen_before(env, i)) {
			const char *slash = strrchr(local, '/');
			buf_printf(b, "COPY " LOCAL_WHEELS "/%s " STAGING "/%.*s\n", local,
				   slash ? (int)(slash - local + 1) : 0, local);
		}
	}
	buf_adds(b, "WORKDIR " STAGING "\n");
}

/* One pip resolution of the model's requirements and the serving stack
 * together, under the model's pins (and, for conda, what conda already
 * installed): the serving stack picks versions only where the model made
 * none. With --hash lines pip checks hashes on every package of the run,
 * so the model's fully hashed set installs first and the serving stack is
 * then held to it. */
static void env_stage_install(const struct env *env, struct buf *b)
{
	const char *holds = " --constraint constraints.txt";
	if (env->kind == ENV_CONDA) {
		buf_adds(b, " && " PY " list --format=freeze | " FREEZE_FILTER_HELD
			 " conda-held.txt - > conda-lock.txt \\\n");
		holds = " --constraint constraints.txt --constraint conda-lock.txt";
	}
	/* as MLflow does: the training run's tools first, unconstrained; a
	 * later install may upgrade them (seldon-core needs setuptools>=65.5.1) */
	if (count_role(env, ROLE_BUILD))
		buf_adds(b, " && " PY " install --requirement build-requirements.txt \\\n");
	if (has_hashes(env)) {
		buf_printf(b, " && " PY " install --requirement requirements.txt%s \\\n"
			   " && " PY " list --format=freeze | " FREEZE_FILTER_TOOLS " > model-lock.txt \\\n"
			   " && " PY " install --requirement serving.txt%s"
			   " --constraint model-lock.txt \\\n", holds, holds);
	} else {
		buf_printf(b, " && " PY " install%s --requirement serving.txt%s \\\n",
			   count_role(env, ROLE_INSTALL) ? " --requirement requirements.txt" : "",
			   holds);
	}
	buf_adds(b, " && " PY " check \\\n"
		 " && " PY " list --format=freeze > " ENV_PREFIX "/prebake-lock.txt \\\n");
}

static void env_stage(const struct env *env, struct buf *b)
{
	/* as root whatever the builder's default user: the micromamba image
	 * runs as mambauser, and a --builder-image may too, yet /opt/env and
	 * apt-get need root */
	buf_adds(b, "USER root\n");
	emit_vcs_tools(env, b);
	env_stage_copy(env, b);
	buf_adds(b, "# One pip run installs the model's requirements and the serving stack\n"
		 "# together, under constraints.txt (the model's pins)");
	buf_adds(b, env->kind == ENV_CONDA ?
		 " and conda-lock.txt\n# (what conda installed): the serving stack chooses only what the\n"
		 "# model left open, and pip check fails the build on any conflict.\n" :
		 ": the serving\n# stack chooses only what the model left open, and pip check fails\n"
		 "# the build on any conflict.\n");
	if (env->kind == ENV_CONDA)
		buf_adds(b, "RUN micromamba create --yes --prefix " ENV_PREFIX
			 " --file environment.yml \\\n"
			 "      ${CONDA_CHANNEL_ALIAS:+--channel-alias \"$CONDA_CHANNEL_ALIAS\"} \\\n");
	else
		buf_adds(b, "RUN python -m venv " ENV_PREFIX " \\\n");
	env_stage_install(env, b);
	if (env->kind == ENV_CONDA)
		buf_adds(b, " && micromamba clean --all --yes \\\n");
	buf_adds(b, " && chgrp -R 0 " ENV_PREFIX " \\\n"
		 " && chmod -R g=u " ENV_PREFIX "\n");
}

/* Last in the runtime stage: the inputs hash changes with every input,
 * and builders that cache per instruction (buildah, kaniko) rebuild
 * everything after the first changed one. */
static void runtime_labels(const struct env *env, const struct bake_opts *o,
			   const char *sha, struct buf *b)
{
	const struct target *t = o->target;
	buf_adds(b, "ARG RUNTIME_IMAGE\n");
	buf_printf(b, "LABEL org.opencontainers.image.title=\"mlflow-model\" \\\n"
		   "      org.opencontainers.image.description=\"MLflow model environment baked "
		   "for %s\" \\\n"
		   "      org.opencontainers.image.base.name=\"${RUNTIME_IMAGE}\" \\\n"
		   "      io.prebake.env-manager=\"%s\" \\\n"
		   "      io.prebake.target=\"%s\" \\\n"
		   "      io.prebake.server-version=\"%s\" \\\n"
		   "      io.prebake.mlflow-version=\"%s\" \\\n"
		   "      io.prebake.model-baked=\"%s\" \\\n"
		   "      io.prebake.inputs.sha256=\"%s\"\n",
		   t->title, env->kind == ENV_CONDA ? "conda" : "virtualenv", t->name,
		   bake_version(o),
		   env->mlflow_version ? env->mlflow_version : "unknown",
		   o->bake_model ? "true" : "false", sha);
}

/* As root: a --runtime-image may default to a non-root user. */
static void runtime_setup(const struct env *env, struct buf *b)
{
	struct strlist pkgs = { 0 };
	runtime_packages(env, &pkgs);
	buf_adds(b, "USER root\n");
	if (pkgs.n) {
		buf_adds(b, "# Shared libraries the model's wheels load from the system.\n"
			 "RUN apt-get update \\\n && apt-get install --yes --no-install-recommends");
		for (size_t i = 0; i < pkgs.n; i++)
			buf_printf(b, " %s", pkgs.v[i]);
		buf_adds(b, " \\\n && rm -rf /var/lib/apt/lists/*\n");
	}
	strlist_free(&pkgs);
	buf_printf(b, "# Any UID in group 0 (OpenShift's arbitrary UIDs too) can use the home.\n"
		   "RUN useradd --uid %d --gid 0 --home-dir /home/model --create-home "
		   "--shell /usr/sbin/nologin model \\\n"
		   " && chmod g=u /home/model\n", RUN_UID);
}

static void runtime_env(const struct bake_opts *o, struct buf *b)
{
	const struct target *t = o->target;
	buf_printf(b, "ENV PATH=" ENV_PREFIX "/bin:$PATH \\\n"
		   "    PYTHONNOUSERSITE=1 \\\n"
		   "    PYTHONUNBUFFERED=1 \\\n"
		   "    HOME=/home/model \\\n"
		   "    MODEL_DIR=%s", model_path(o));
	if (!strcmp(t->name, "mlserver"))
		buf_printf(b, " \\\n    MLSERVER_MODEL_NAME=model \\\n"
			   "    MLSERVER_MODEL_IMPLEMENTATION=mlserver_mlflow.MLflowRuntime \\\n"
			   "    MLSERVER_MODEL_URI=%s", model_path(o));
	else  /* the wrapper's own gRPC default is 5000; the operator uses 9500 */
		buf_printf(b, " \\\n    PYTHONPATH=/opt/seldon \\\n"
			   "    PREDICTIVE_UNIT_HTTP_SERVICE_PORT=%d \\\n"
			   "    PREDICTIVE_UNIT_GRPC_SERVICE_PORT=%d \\\n"
			   "    PREDICTIVE_UNIT_METRICS_SERVICE_PORT=%d",
			   t->ports[0], t->ports[1], t->ports[2]);
	buf_adds(b, "\n");
}

static void runtime_stage(const struct env *env, const struct bake_opts *o,
			  const char *sha, struct buf *b)
{
	const struct target *t = o->target;
	buf_adds(b, "\n# Stage 2: the runtime, with the environment and nothing that built it.\n"
		 "FROM ${RUNTIME_IMAGE}\n");
	runtime_setup(env, b);
	buf_adds(b, "COPY --from=env " ENV_PREFIX " " ENV_PREFIX "\n");
	if (!strcmp(t->name, "seldon"))
		buf_adds(b, "COPY MLflowModel.py /opt/seldon/\n");
	if (o->bake_model)
		buf_adds(b, "# The model changes most often, so it comes last.\n"
			 "COPY model/ /opt/model/\n");
	runtime_env(o, b);
	buf_printf(b, "USER %d\nWORKDIR /home/model\nEXPOSE %d %d %d\n", RUN_UID,
		   t->ports[0], t->ports[1], t->ports[2]);
	if (!strcmp(t->name, "mlserver"))
		buf_printf(b, "CMD [\"mlserver\", \"start\", \"%s\"]\n", model_path(o));
	else
		buf_adds(b, "CMD [\"seldon-core-microservice\", \"MLflowModel\", "
			 "\"--service-type\", \"MODEL\"]\n");
	runtime_labels(env, o, sha, b);
}

/* Where packages come from is the builder's business, not the model's: a
 * mirror or an air-gapped index is given with --build-arg. ARGs declared
 * in stage 1 reach its pip and micromamba as variables (unset when not
 * given) and never the runtime stage, so no index URL or password is
 * baked into the image. */
static const struct index_arg {
	const char *name;
	int conda_only;
} index_args[] = {
	{ "PIP_INDEX_URL", 0 },
	{ "PIP_EXTRA_INDEX_URL", 0 },
	{ "PIP_TRUSTED_HOST", 0 },
	{ "CONDA_CHANNEL_ALIAS", 1 },
};

static void env_stage_args(const struct env *env, struct buf *b)
{
	buf_adds(b, "# The package index and conda channel of your build (a mirror, an\n"
		 "# air-gapped index): --build-arg NAME=VALUE. Stage 1 only: none of them\n"
		 "# reaches the image.\n");
	for (size_t i = 0; i < sizeof index_args / sizeof *index_args; i++)
		if (!index_args[i].conda_only || env->kind == ENV_CONDA)
			buf_printf(b, "ARG %s\n", index_args[i].name);
}

static void emit_dockerfile(const struct env *env, const struct bake_opts *o,
			    const char *sha, struct buf *b)
{
	char *builder = o->builder_image ? xstrdup(o->builder_image) : emit_default_builder(env);
	char *runtime = o->runtime_image ? xstrdup(o->runtime_image) : emit_default_runtime(env);

	/* no "# syntax=" line: it makes BuildKit fetch a frontend image from
	 * a registry, which an air-gapped build cannot reach */
	buf_printf(b, "# Written by prebake from %s; do not edit: change the model's files\n"
		   "# and run prebake again. Build with this folder as the context:\n"
		   "#   docker build -t IMAGE .\n"
		   "ARG BUILDER_IMAGE=%s\n"
		   "ARG RUNTIME_IMAGE=%s\n\n",
		   env->env_file, builder, runtime);
	buf_printf(b, "# Stage 1: the model's %s environment in " ENV_PREFIX ".\n"
		   "FROM ${BUILDER_IMAGE} AS env\n"
		   "ENV PIP_NO_CACHE_DIR=1 \\\n"
		   "    PIP_DISABLE_PIP_VERSION_CHECK=1 \\\n"
		   "    PYTHONNOUSERSITE=1\n",
		   env->kind == ENV_CONDA ? "conda" : "virtualenv");
	env_stage_args(env, b);
	env_stage(env, b);
	runtime_stage(env, o, sha, b);
	free(builder);
	free(runtime);
}

void emit_probes(const struct target *t, struct buf *b)
{
	buf_printf(b, "# Kubernetes probes for the prebaked %s image (written by prebake).\n"
		   "# The environment is in the image, so only model loading is left: a\n"
		   "# startupProbe allows up to 5 minutes for it (periodSeconds x\n"
		   "# failureThreshold) instead of initialDelaySeconds: 600, and holds the\n"
		   "# short liveness/readiness probes off until the server is up.\n",
		   t->name);
	buf_printf(b, "startupProbe:\n  httpGet:\n    path: %s\n    port: %d\n"
		   "  periodSeconds: 5\n  failureThreshold: 60\n", t->ready_path, t->http_port);
	buf_printf(b, "readinessProbe:\n  httpGet:\n    path: %s\n    port: %d\n"
		   "  periodSeconds: 5\n  failureThreshold: 3\n", t->ready_path, t->http_port);
	buf_printf(b, "livenessProbe:\n  httpGet:\n    path: %s\n    port: %d\n"
		   "  periodSeconds: 10\n  failureThreshold: 3\n", t->live_path, t->http_port);
}

void emit_all(const struct env *env, const struct bake_opts *o, const char *sha,
	      struct outset *out)
{
	struct buf audit = BUF_INIT;

	emit_dockerfile(env, o, sha, outset_add(out, "Dockerfile"));
	if (env->kind == ENV_CONDA) {
		emit_environment(env, outset_add(out, "environment.yml"));
		emit_conda_held(env, outset_add(out, "conda-held.txt"));
	}
	if (count_role(env, ROLE_BUILD))
		emit_pip_file(env, ROLE_BUILD, "pip build tools", outset_add(out, "build-requirements.txt"));
	if (count_role(env, ROLE_INSTALL))
		emit_pip_file(env, ROLE_INSTALL, "pip requirements of the model",
			      outset_add(out, "requirements.txt"));
	struct buf *constraints = outset_add(out, "constraints.txt");
	emit_constraints(env, constraints);
	emit_release_constraints(env, o, constraints);
	emit_serving(env, o, outset_add(out, "serving.txt"));
	for (size_t i = 0; i < env->pip.n; i++)
		if (env->pip.v[i].local && !local_seen_before(env, i))
			emit_local_wheel(env, env->pip.v[i].local, out);
	if (!strcmp(o->target->name, "seldon"))
		emit_seldon_class(outset_add(out, "MLflowModel.py"));
	emit_probes(o->target, outset_add(out, "probes.yaml"));
	audit_table(env, &audit, NULL);
	buf_adds(outset_add(out, "pin-audit.txt"), audit.data);
	buf_free(&audit);
	/* last: it lists every file above */
	struct buf *ignore = outset_add(out, ".dockerignore");
	struct outset before = { out->v, out->n - 1 };
	emit_dockerignore(&before, o, ignore);
}
