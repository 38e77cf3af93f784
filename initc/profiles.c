/* The server profiles table and Seldon Core v2 capability lists; see
 * profiles.h. What changes from release to release (file names, image,
 * library versions) is in common/server_releases.c, with its sources;
 * names[] here only describe the layout when the table has no row. */
#include "profiles.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exitcode.h"
#include "nearest.h"

static const struct profile profiles[] = {
	/* Seldon Core v1 prepackaged servers (servers/<name>/ in SeldonIO/seldon-core). */
	{ "SKLEARN_SERVER", FAMILY_SELDON_V1, LAYOUT_NAMES, { "model.joblib" }, "sklearn",
	  NULL, 0,
	  /* SKLearnServer.__init__(model_uri, method): only `method` may be passed */
	  "SKLEARN_SERVER's constructor accepts only the `method` parameter",
	  "scikit-learn", 0 },
	{ "XGBOOST_SERVER", FAMILY_SELDON_V1, LAYOUT_NAMES, { "model.bst" }, "xgboost",
	  NULL, 0,
	  /* XGBoostServer.__init__(self, model_uri): BOOSTER_FILE = "model.bst" */
	  "XGBOOST_SERVER's constructor rejects it",
	  "xgboost", 0 },
	{ "MLFLOW_SERVER", FAMILY_SELDON_V1, LAYOUT_MLFLOW, { "MLmodel" }, NULL,
	  NULL, 0, NULL,
	  /* creates the model's conda env, then pip-installs its own
	   * requirements.txt into it at every start (seed 002) */
	  "mlflow", 1 },
	{ "TENSORFLOW_SERVER", FAMILY_SELDON_V1, LAYOUT_TFSERVING, { "saved_model.pb" }, "tensorflow",
	  NULL, 0, NULL, NULL, 0 },
	{ "TRITON_SERVER", FAMILY_SELDON_V1, LAYOUT_TRITON, { "config.pbtxt" }, NULL,
	  NULL, 0, NULL, NULL, 0 },

	/* MLServer runtimes (runtimes/<name>/mlserver_<name>). */
	{ "mlserver-sklearn", FAMILY_MLSERVER, LAYOUT_NAMES,
	  { "model.joblib", "model.pickle", "model.pkl" }, "sklearn",
	  "mlserver_sklearn.SKLearnModel", 1, NULL, "scikit-learn", 0 },
	{ "mlserver-xgboost", FAMILY_MLSERVER, LAYOUT_NAMES,
	  { "model.bst", "model.json", "model.ubj" }, "xgboost",
	  "mlserver_xgboost.XGBoostModel", 1, NULL, "xgboost", 0 },
	{ "mlserver-lightgbm", FAMILY_MLSERVER, LAYOUT_NAMES, { "model.bst" }, "lightgbm",
	  "mlserver_lightgbm.LightGBMModel", 1, NULL, "lightgbm", 0 },
	{ "mlserver-mlflow", FAMILY_MLSERVER, LAYOUT_MLFLOW, { "MLmodel" }, NULL,
	  "mlserver_mlflow.MLflowRuntime", 1, NULL, "mlflow", 0 },

	/* KServe ClusterServingRuntimes (python/{sklearn,xgb,lgb}server/<pkg>/model.py
	 * load the single root file with a known suffix; mlflow is MLServer). */
	{ "kserve-sklearn", FAMILY_KSERVE, LAYOUT_EXT, { ".joblib", ".pkl", ".pickle" }, "sklearn",
	  NULL, 0, NULL, "scikit-learn", 0 },
	{ "kserve-xgboost", FAMILY_KSERVE, LAYOUT_EXT, { ".bst", ".json", ".ubj" }, "xgboost",
	  NULL, 0, NULL, "xgboost", 0 },
	{ "kserve-lightgbm", FAMILY_KSERVE, LAYOUT_EXT, { ".bst" }, "lightgbm",
	  NULL, 0, NULL, "lightgbm", 0 },
	{ "kserve-mlflow", FAMILY_KSERVE, LAYOUT_MLFLOW, { "MLmodel" }, NULL,
	  NULL, 0, NULL, "mlflow", 0 },
	{ "kserve-tensorflow", FAMILY_KSERVE, LAYOUT_TFSERVING, { "saved_model.pb" }, "tensorflow",
	  NULL, 0, NULL, NULL, 0 },
	{ "kserve-triton", FAMILY_KSERVE, LAYOUT_TRITON, { "config.pbtxt" }, NULL,
	  NULL, 0, NULL, NULL, 0 },
	{ "kserve-onnx", FAMILY_KSERVE, LAYOUT_TRITON, { "config.pbtxt" }, "onnx",
	  NULL, 0, NULL, NULL, 0 },

	/* Seldon Core 2 Servers (SeldonIO/seldon-core@v2.10.2, the same since
	 * 2.2.0: scheduler/pkg/agent/repository/{mlserver,triton}/). The agent
	 * copies the artifact, picks a version folder and hands it to the
	 * server; verify_v2.c judges what the server then loads. */
	{ .name = "mlserver", .family = FAMILY_SELDON_V2, .layout = LAYOUT_V2_MLSERVER,
	  .names = { "model-settings.json" }, .settings_uri = 1,
	  .releases_as = "mlserver-sklearn" },
	/* k8s/yaml/components.yaml: the triton ServerConfig's image, 2.6.0 to
	 * 2.10.2; Triton installs no Python libraries, so the table has no rows */
	{ .name = "triton", .family = FAMILY_SELDON_V2, .layout = LAYOUT_V2_TRITON,
	  .names = { "config.pbtxt" }, .image = "nvcr.io/nvidia/tritonserver:23.03-py3" },
};

#define NPROFILES (sizeof profiles / sizeof profiles[0])

const struct profile *profiles_all(size_t *n)
{
	*n = NPROFILES;
	return profiles;
}

const char *profile_release_key(const struct profile *p)
{
	return p->releases_as ? p->releases_as : p->name;
}

void profile_at_release(const struct profile *p, const struct server_release *r,
			struct profile *out)
{
	*out = *p;
	if (!r)
		r = release_newest(profile_release_key(p));
	if (!r)
		return;
	out->release = r;
	out->image = r->image;
	if (r->loads[0] && !p->releases_as) { /* another server's rows: not its files */
		memset(out->names, 0, sizeof out->names);
		for (size_t i = 0; i < PROFILE_MAX_NAMES && i < RELEASE_MAX_LOADS && r->loads[i]; i++)
			out->names[i] = r->loads[i];
	}
	const struct release_req *req = p->library ? release_req_find(r, p->library) : NULL;
	out->library_spec = req ? req->spec : NULL;
}

const struct profile *profile_find(const char *name)
{
	for (size_t i = 0; i < NPROFILES; i++)
		if (!strcasecmp(profiles[i].name, name))
			return &profiles[i];
	return NULL;
}

const char *profile_nearest(const char *name)
{
	const char *names[NPROFILES];
	for (size_t i = 0; i < NPROFILES; i++)
		names[i] = profiles[i].name;
	return nearest_word(name, names, NPROFILES); /* NULL: nothing close */
}

const struct profile *profile_mlflow_of(enum profile_family family)
{
	for (size_t i = 0; i < NPROFILES; i++)
		if (profiles[i].family == family && profiles[i].layout == LAYOUT_MLFLOW)
			return &profiles[i];
	return NULL;
}

const char *profile_family_name(enum profile_family family)
{
	static const char *const names[] = {
		[FAMILY_SELDON_V1] = "seldon-v1",
		[FAMILY_MLSERVER] = "mlserver",
		[FAMILY_KSERVE] = "kserve",
		[FAMILY_SELDON_V2] = "seldon-v2",
	};
	return names[family];
}

void profile_describe_loads(const struct profile *p, struct buf *out)
{
	size_t n = 0;
	while (n < PROFILE_MAX_NAMES && p->names[n])
		n++;
	switch (p->layout) {
	case LAYOUT_MLFLOW:
		buf_adds(out, "an MLflow folder (MLmodel with a python_function flavor)");
		return;
	case LAYOUT_TFSERVING:
		buf_adds(out, "a TF Serving base path: <version>/saved_model.pb");
		return;
	case LAYOUT_TRITON:
		buf_adds(out, "a Triton repository: <model>/config.pbtxt and <model>/<version>/");
		return;
	case LAYOUT_V2_MLSERVER:
		buf_adds(out, "the runtime model-settings.json names (else the settings the agent "
			 "writes from the Model's requirements), in the folder the agent picks");
		return;
	case LAYOUT_V2_TRITON:
		buf_adds(out, "config.pbtxt at the top and the backend's file in the highest "
			 "<version>/ (else at the top)");
		return;
	case LAYOUT_EXT:
		buf_adds(out, "exactly one *");
		break;
	case LAYOUT_NAMES:
		break;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(out, i + 1 == n ? " or " : ", ");
		buf_adds(out, p->names[i]);
	}
	if (p->layout == LAYOUT_EXT)
		buf_adds(out, " file");
}

/* Seldon Core v2 ServerConfig SELDON_SERVER_CAPABILITIES (FACTS.md §1). */
static const char *const mlserver_caps[] = {
	"mlserver", "alibi-detect", "alibi-explain", "huggingface", "lightgbm",
	"mlflow", "python", "sklearn", "spark-mlib", "xgboost",
};
static const char *const triton_caps[] = {
	"triton", "dali", "fil", "onnx", "openvino", "python", "pytorch",
	"tensorflow", "tensorrt",
};

static const struct capability_server {
	const char *name;
	const char *const *caps;
	size_t ncaps;
} cap_servers[] = {
	{ "mlserver", mlserver_caps, sizeof mlserver_caps / sizeof *mlserver_caps },
	{ "triton", triton_caps, sizeof triton_caps / sizeof *triton_caps },
};

const char *const *capabilities(size_t idx, const char **server, size_t *n)
{
	if (idx >= sizeof cap_servers / sizeof *cap_servers)
		return NULL;
	*server = cap_servers[idx].name;
	*n = cap_servers[idx].ncaps;
	return cap_servers[idx].caps;
}

/* Names people write that are not capabilities, and the one they mean. */
static const struct { const char *wrong, *right; } cap_aliases[] = {
	{ "scikit-learn", "sklearn" }, { "scikit_learn", "sklearn" }, { "scikitlearn", "sklearn" },
	{ "xgb", "xgboost" }, { "lgbm", "lightgbm" }, { "lgb", "lightgbm" },
	{ "torch", "pytorch" }, { "tf", "tensorflow" }, { "keras", "tensorflow" },
	{ "onnxruntime", "onnx" }, { "transformers", "huggingface" },
	{ "spark", "spark-mlib" }, { "pyfunc", "mlflow" },
};

/* MLServer runtime a requirement selects; mlflow first: it wraps the rest. */
static const struct { const char *cap, *profile; } cap_runtimes[] = {
	{ "mlflow", "mlserver-mlflow" }, { "sklearn", "mlserver-sklearn" },
	{ "xgboost", "mlserver-xgboost" }, { "lightgbm", "mlserver-lightgbm" },
};

static int has_cap(const struct capability_server *s, const char *cap)
{
	for (size_t i = 0; i < s->ncaps; i++)
		if (!strcmp(s->caps[i], cap))
			return 1;
	return 0;
}

/* Every capability string either server knows, for "did you mean". */
static const char *suggest_cap(const char *word)
{
	for (size_t i = 0; i < sizeof cap_aliases / sizeof *cap_aliases; i++)
		if (!strcasecmp(cap_aliases[i].wrong, word))
			return cap_aliases[i].right;
	const char *all[32];
	size_t n = 0;
	for (size_t s = 0; s < sizeof cap_servers / sizeof *cap_servers; s++)
		for (size_t i = 0; i < cap_servers[s].ncaps && n < 32; i++)
			all[n++] = cap_servers[s].caps[i];
	return nearest_word(word, all, n);
}

/* Split list at commas, trimming blanks; returns the count. */
static size_t split_list(char *list, char **words, size_t max)
{
	size_t n = 0;
	for (char *save = NULL, *w = strtok_r(list, ",", &save); w && n < max;
	     w = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*w))
			w++;
		char *end = w + strlen(w);
		while (end > w && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*w)
			words[n++] = w;
	}
	return n;
}

static const struct capability_server *cap_server(const char *name)
{
	for (size_t s = 0; s < sizeof cap_servers / sizeof *cap_servers; s++)
		if (!strcmp(cap_servers[s].name, name))
			return &cap_servers[s];
	return NULL;
}

int requirements_fit_server(const char *list, const char *server, struct buf *err)
{
	const struct capability_server *s = cap_server(server);
	char *copy = xstrdup(list);
	char *words[64];
	size_t n = split_list(copy, words, 64);
	int rc = 0;

	buf_reset(err);
	for (size_t i = 0; s && !rc && i < n; i++) {
		if (has_cap(s, words[i]))
			continue;
		buf_printf(err, "requirement \"%s\" is no capability of a Seldon Core v2 %s Server "
			   "(", words[i], s->name);
		for (size_t c = 0; c < s->ncaps; c++)
			buf_printf(err, "%s%s", c ? "," : "", s->caps[c]);
		buf_adds(err, "): a Model requiring it is never scheduled there");
		rc = EXIT_USAGE;
	}
	free(copy);
	return rc;
}

static int check_known(char **words, size_t n, struct buf *err)
{
	for (size_t i = 0; i < n; i++) {
		int known = 0;
		for (size_t s = 0; s < sizeof cap_servers / sizeof *cap_servers; s++)
			known |= has_cap(&cap_servers[s], words[i]);
		if (known)
			continue;
		const char *hint = suggest_cap(words[i]);
		buf_printf(err, "requirement \"%s\" matches no Seldon Core v2 server capability "
			   "(capabilities must be equal strings)", words[i]);
		if (hint)
			buf_printf(err, ": did you mean %s?", hint);
		else
			buf_adds(err, ": run `initc servers` for the lists");
		return EXIT_USAGE;
	}
	return 0;
}

int requirements_check(const char *list, const char **server,
		       const struct profile **runtime, struct buf *err)
{
	char *copy = xstrdup(list);
	char *words[64];
	size_t n = split_list(copy, words, 64);
	int rc = 0;

	*server = NULL;
	*runtime = NULL;
	buf_reset(err);
	if (n == 0) {
		buf_adds(err, "requirements list is empty: give e.g. sklearn or mlflow,xgboost");
		rc = EXIT_USAGE;
	} else {
		rc = check_known(words, n, err);
	}
	for (size_t s = 0; !rc && !*server && s < sizeof cap_servers / sizeof *cap_servers; s++) {
		size_t i = 0;
		while (i < n && has_cap(&cap_servers[s], words[i]))
			i++;
		if (i == n)
			*server = cap_servers[s].name;
	}
	if (!rc && !*server) {
		buf_printf(err, "no Seldon Core v2 server has every requirement in \"%s\":", list);
		for (size_t s = 0; s < sizeof cap_servers / sizeof *cap_servers; s++) {
			size_t i = 0;
			while (i < n && has_cap(&cap_servers[s], words[i]))
				i++;
			buf_printf(err, "%s %s lacks %s", s ? "," : "", cap_servers[s].name, words[i]);
		}
		buf_adds(err, "; serve the model on one server kind and drop the other requirement");
		rc = EXIT_USAGE;
	}
	for (size_t r = 0; !rc && !*runtime && r < sizeof cap_runtimes / sizeof *cap_runtimes; r++)
		for (size_t i = 0; i < n; i++)
			if (!strcmp(words[i], cap_runtimes[r].cap) && !strcmp(*server, "mlserver"))
				*runtime = profile_find(cap_runtimes[r].profile);
	free(copy);
	return rc;
}

const struct profile *profile_of_implementation(const char *impl)
{
	for (size_t i = 0; impl && i < NPROFILES; i++)
		if (profiles[i].implementation && !strcmp(profiles[i].implementation, impl))
			return &profiles[i];
	return NULL;
}

/* The model-settings.json Core 2's agent writes when the artifact has none
 * (SeldonIO/seldon-core@v2.10.2:scheduler/pkg/agent/repository/mlserver/
 * settings.go, unchanged since 2.2.0): for the first of the Model's
 * requirements (modelType last) that is a row here. Files are matched as
 * Go's filepath.Glob of "*.<ext>" in the folder: at the top only, an
 * extension at a time, the lexically first match. */
static const struct agent_settings agent_rows[] = {
	{ "alibi-detect", NULL, "mlserver_alibi_detect.AlibiDetectRuntime", AGENT_URI_FOLDER, { 0 } },
	{ "alibi-explain", NULL, "mlserver_alibi_explain.AlibiExplainRuntime",
	  AGENT_URI_SUBFOLDER, { 0 } },
	{ "lightgbm", "mlserver-lightgbm", NULL, AGENT_URI_FILE, { "bst" } },
	{ "mlflow", "mlserver-mlflow", NULL, AGENT_URI_FOLDER, { 0 } },
	/* a *.py holding `class X(MLModel):` becomes <file>.X */
	{ "python", NULL, NULL, AGENT_URI_PY_CLASS, { "py" } },
	{ "sklearn", "mlserver-sklearn", NULL, AGENT_URI_FILE, { "joblib", "pkl", "pickle" } },
	{ "xgboost", "mlserver-xgboost", NULL, AGENT_URI_FILE, { "json", "bst" } },
};

const struct agent_settings *agent_settings_row(size_t idx)
{
	return idx < sizeof agent_rows / sizeof *agent_rows ? &agent_rows[idx] : NULL;
}

const struct agent_settings *agent_settings_for(const char *requirement)
{
	for (size_t i = 0; i < sizeof agent_rows / sizeof *agent_rows; i++)
		if (!strcmp(agent_rows[i].requirement, requirement))
			return &agent_rows[i];
	return NULL;
}

const char *agent_settings_implementation(const struct agent_settings *a)
{
	const struct profile *rt = a->runtime ? profile_find(a->runtime) : NULL;
	return rt ? rt->implementation : a->implementation;
}

/* What Triton 23.03 (Core 2's image) loads from a version folder:
 * triton-inference-server/core@r23.03 src/constants.h (default file names)
 * and AutoCompleteBackendFields in src/model_config_utils.cc (the order in
 * which it tells the backend from the files when config.pbtxt names none);
 * fil_backend: the file model_type selects; dali_backend: model.dali. */
static const struct triton_backend triton_rows[] = {
	{ "tensorflow", "tensorflow_savedmodel", { "model.savedmodel" }, TRITON_DIR, 1 },
	{ "tensorflow", "tensorflow_graphdef", { "model.graphdef" }, TRITON_FILE, 1 },
	{ "tensorrt", "tensorrt_plan", { "model.plan" }, TRITON_FILE, 1 },
	{ "onnxruntime", "onnxruntime_onnx", { "model.onnx" }, TRITON_FILE_OR_DIR, 1 },
	{ "openvino", NULL, { "model.xml" }, TRITON_FILE, 1 },
	{ "pytorch", "pytorch_libtorch", { "model.pt" }, TRITON_FILE, 1 },
	{ "python", NULL, { "model.py" }, TRITON_FILE, 1 },
	{ "fil", NULL, { "xgboost.model", "xgboost.json", "model.txt", "checkpoint.tl" },
	  TRITON_FILE_OR_DIR, 0 },
	{ "dali", NULL, { "model.dali" }, TRITON_FILE, 0 },
	/* an ensemble runs other models: no file of its own */
	{ "ensemble", "ensemble", { 0 }, TRITON_NO_FILE, 0 },
};

const struct triton_backend *triton_backend_row(size_t idx)
{
	return idx < sizeof triton_rows / sizeof *triton_rows ? &triton_rows[idx] : NULL;
}

const struct triton_backend *triton_by_platform(const char *platform)
{
	for (size_t i = 0; platform && i < sizeof triton_rows / sizeof *triton_rows; i++)
		if (triton_rows[i].platform && !strcmp(triton_rows[i].platform, platform))
			return &triton_rows[i];
	return NULL;
}

const struct triton_backend *triton_by_backend(const char *backend)
{
	for (size_t i = 0; backend && i < sizeof triton_rows / sizeof *triton_rows; i++)
		if (!strcmp(triton_rows[i].backend, backend))
			return &triton_rows[i];
	return NULL;
}
