/* Server profiles table, requirement strings and version comparison. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exitcode.h"
#include "profiles.h"
#include "t.h"

static void test_lookup(void)
{
	const struct profile *p = profile_find("xgboost_server");
	CHECK(p != NULL);
	CHECK_STR(p ? p->name : NULL, "XGBOOST_SERVER");
	CHECK_STR(p ? p->names[0] : NULL, "model.bst");
	CHECK(p && p->no_params != NULL);
	CHECK(profile_find("MLSERVER-SKLEARN") == profile_find("mlserver-sklearn"));
	CHECK(profile_find("XGBOOST") == NULL);
	CHECK_STR(profile_nearest("XGBOST_SERVER"), "XGBOOST_SERVER");
	CHECK_STR(profile_nearest("mlserver-xgbost"), "mlserver-xgboost");
	CHECK_STR(profile_mlflow_of(FAMILY_SELDON_V1)->name, "MLFLOW_SERVER");
	CHECK_STR(profile_mlflow_of(FAMILY_MLSERVER)->name, "mlserver-mlflow");
	CHECK_STR(profile_mlflow_of(FAMILY_KSERVE)->name, "kserve-mlflow");
}

/* Every row is complete: a name, what it loads, where it comes from. */
static void test_table_rows(void)
{
	size_t n;
	const struct profile *all = profiles_all(&n);
	int complete = 1, unique = 1;
	CHECK(n >= 16);
	for (size_t i = 0; i < n; i++) {
		struct profile now;
		profile_at_release(&all[i], NULL, &now);
		/* a Core 2 Server without rows of its own (triton) names its image */
		complete &= all[i].name && all[i].names[0] && now.image &&
			    (now.release || all[i].family == FAMILY_SELDON_V2);
		if (all[i].settings_uri && all[i].family != FAMILY_SELDON_V2)
			complete &= all[i].implementation != NULL;
		for (size_t j = 0; j < i; j++)
			unique &= strcasecmp(all[i].name, all[j].name) != 0;
	}
	CHECK(complete);
	CHECK(unique);
}

/* Every row of the release table: a known server, a unique release, and
 * a source for each fact as owner/repo@tag:path whose tag is a release
 * tag; specs this code can read. */
static int source_ok(const char *src)
{
	const char *at = src ? strchr(src, '@') : NULL, *colon = at ? strchr(at, ':') : NULL;
	if (!at || !colon || colon[1] == '\0' || !memchr(src, '/', (size_t)(at - src)))
		return 0;
	return 1;
}

static void test_release_rows(void)
{
	size_t n;
	const struct server_release *all = server_releases_all(&n);
	int known = 1, unique = 1, sourced = 1, loads = 1, readable = 1, tagged = 1;
	CHECK(n >= 250);
	for (size_t i = 0; i < n; i++) {
		const struct server_release *r = &all[i];
		known &= profile_find(r->server) != NULL;
		for (size_t j = 0; j < i; j++)
			unique &= strcmp(r->server, all[j].server) || strcmp(r->version, all[j].version);
		sourced &= source_ok(r->loads_source) && source_ok(r->image_source);
		sourced &= r->reqs[0].name ? source_ok(r->reqs_source) : !r->reqs_source;
		loads &= r->loads[0] && r->image && *r->image;
		for (size_t k = 0; k < RELEASE_MAX_REQS && r->reqs[k].name; k++)
			readable &= verspec_place("1.0", r->reqs[k].spec) != VERSPEC_UNKNOWN;
		/* the requirements are read at the release's own tag */
		if (r->reqs_source && strstr(r->reqs_source, "seldon-core@") && !strstr(r->server, "-")) {
			char *tag = xasprintf("@v%s:", r->version);
			tagged &= strstr(r->reqs_source, tag) != NULL;
			free(tag);
		}
		if (!known || !unique || !sourced || !loads || !readable || !tagged) {
			printf("# bad row %s %s\n", r->server, r->version);
			break;
		}
	}
	CHECK(known);
	CHECK(unique);
	CHECK(sourced);
	CHECK(loads);
	CHECK(readable);
	CHECK(tagged);
	/* the seed's release, as its requirements.txt at v1.17.1 says */
	const struct server_release *r = release_find("MLFLOW_SERVER", "v1.17.1");
	CHECK(r != NULL);
	CHECK_STR(r ? release_req_find(r, "MLflow")->spec : NULL, "<=2.5.0");
	CHECK_STR(r ? release_req_find(r, "pandas")->spec : NULL, "<=2.0.0");
	CHECK_STR(r ? r->reqs_source : NULL,
		  "SeldonIO/seldon-core@v1.17.1:servers/mlflowserver/mlflowserver/requirements.txt");
	CHECK(release_find("MLFLOW_SERVER", "1.17.3") == NULL);
	CHECK_STR(release_newest("mlflow_server")->version, "1.18.2");
	struct buf near = BUF_INIT;
	release_nearest("MLFLOW_SERVER", "1.17.3", &near);
	CHECK_STR(near.data, "1.17.1 or 1.18.0");
	buf_reset(&near);
	release_nearest("MLFLOW_SERVER", "9.0", &near);
	CHECK_STR(near.data, "1.18.2");
	buf_free(&near);
}

static void test_describe(void)
{
	struct buf b = BUF_INIT;
	profile_describe_loads(profile_find("mlserver-sklearn"), &b);
	CHECK_STR(b.data, "model.joblib, model.pickle or model.pkl");
	buf_reset(&b);
	profile_describe_loads(profile_find("kserve-xgboost"), &b);
	CHECK_STR(b.data, "exactly one *.bst, .json or .ubj file");
	buf_reset(&b);
	profile_describe_loads(profile_find("triton"), &b);
	CHECK(strstr(b.data, "config.pbtxt at the top") != NULL);
	buf_free(&b);
}

static void test_requirements(void)
{
	struct buf err = BUF_INIT;
	const char *server;
	const struct profile *rt;

	CHECK_INT(requirements_check("sklearn,mlflow", &server, &rt, &err), 0);
	CHECK_STR(server, "mlserver");
	CHECK_STR(rt ? rt->name : NULL, "mlserver-mlflow");
	CHECK_INT(requirements_check(" xgboost ", &server, &rt, &err), 0);
	CHECK_STR(rt ? rt->name : NULL, "mlserver-xgboost");
	CHECK_INT(requirements_check("onnx,pytorch", &server, &rt, &err), 0);
	CHECK_STR(server, "triton");
	CHECK(rt == NULL);
	CHECK_INT(requirements_check("scikit-learn", &server, &rt, &err), EXIT_USAGE);
	CHECK(strstr(err.data, "did you mean sklearn") != NULL);
	CHECK_INT(requirements_check("mlflow,xgbost", &server, &rt, &err), EXIT_USAGE);
	CHECK(strstr(err.data, "did you mean xgboost") != NULL);
	CHECK_INT(requirements_check("sklearn,pytorch", &server, &rt, &err), EXIT_USAGE);
	CHECK(strstr(err.data, "mlserver lacks pytorch") != NULL);
	CHECK(strstr(err.data, "triton lacks sklearn") != NULL);
	CHECK_INT(requirements_check(" , ", &server, &rt, &err), EXIT_USAGE);
	/* capabilities are exact strings: case matters to Seldon's scheduler */
	CHECK_INT(requirements_check("SKLEARN", &server, &rt, &err), EXIT_USAGE);
	buf_free(&err);
}

/* Seldon Core 2 Servers: rows like the others, their releases another
 * server's rows. */
static void test_v2_servers(void)
{
	const struct profile *ml = profile_find("MLSERVER"), *tr = profile_find("triton");
	struct profile now;
	CHECK(ml && ml->family == FAMILY_SELDON_V2 && ml->layout == LAYOUT_V2_MLSERVER);
	CHECK(tr && tr->family == FAMILY_SELDON_V2 && tr->layout == LAYOUT_V2_TRITON);
	CHECK_STR(profile_family_name(FAMILY_SELDON_V2), "seldon-v2");
	CHECK_STR(profile_nearest("mlservr"), "mlserver");
	CHECK_STR(profile_nearest("tritn"), "triton");
	CHECK_STR(profile_release_key(ml), "mlserver-sklearn");
	CHECK_STR(profile_release_key(tr), "triton");
	profile_at_release(ml, release_find(profile_release_key(ml), "1.6.1"), &now);
	CHECK_STR(now.release ? now.release->version : NULL, "1.6.1");
	CHECK_STR(now.image, "seldonio/mlserver:1.6.1");
	CHECK_STR(now.names[0], "model-settings.json"); /* not the sklearn row's files */
	profile_at_release(ml, NULL, &now);
	CHECK_STR(now.release ? now.release->version : NULL,
		  release_newest("mlserver-sklearn")->version);
	profile_at_release(tr, NULL, &now);
	CHECK(now.release == NULL);
	CHECK_STR(now.image, "nvcr.io/nvidia/tritonserver:23.03-py3");
	CHECK(profile_of_implementation("mlserver_xgboost.XGBoostModel") ==
	      profile_find("mlserver-xgboost"));
	CHECK(profile_of_implementation("mlserver_huggingface.HuggingFaceRuntime") == NULL);
	CHECK(profile_of_implementation(NULL) == NULL);
}

/* The agent's table: each requirement a capability of the mlserver
 * Server, each runtime a known MLServer profile whose release rows the
 * mlserver Server's releases have. */
static void test_agent_settings(void)
{
	const struct agent_settings *a;
	struct buf err = BUF_INIT;
	int caps = 1, runtimes = 1;
	size_t n = 0;
	for (; (a = agent_settings_row(n)); n++) {
		caps &= requirements_fit_server(a->requirement, "mlserver", &err) == 0;
		if (a->runtime) {
			const struct profile *rt = profile_find(a->runtime);
			runtimes &= rt && rt->family == FAMILY_MLSERVER &&
				    release_find(rt->name, "1.6.1") != NULL;
		}
		runtimes &= agent_settings_implementation(a) || a->uri == AGENT_URI_PY_CLASS;
	}
	CHECK_INT(n, 7);
	CHECK(caps);
	CHECK(runtimes);
	a = agent_settings_for("sklearn");
	CHECK(a && !strcmp(a->exts[0], "joblib") && !strcmp(a->exts[1], "pkl") &&
	      !strcmp(a->exts[2], "pickle"));
	CHECK_STR(a ? agent_settings_implementation(a) : NULL, "mlserver_sklearn.SKLearnModel");
	a = agent_settings_for("xgboost");
	CHECK(a && !strcmp(a->exts[0], "json") && !strcmp(a->exts[1], "bst") && !a->exts[2]);
	CHECK(agent_settings_for("mlflow") && agent_settings_for("mlflow")->uri == AGENT_URI_FOLDER);
	CHECK(agent_settings_for("huggingface") == NULL);
	CHECK(agent_settings_for("mlserver") == NULL);
	buf_free(&err);
}

static void test_triton_backends(void)
{
	CHECK_STR(triton_by_platform("onnxruntime_onnx")->files[0], "model.onnx");
	CHECK_STR(triton_by_platform("tensorflow_graphdef")->files[0], "model.graphdef");
	CHECK(triton_by_platform("tensorflow_savedmodel")->kind == TRITON_DIR);
	CHECK_STR(triton_by_backend("python")->files[0], "model.py");
	CHECK_STR(triton_by_backend("tensorflow")->platform, "tensorflow_savedmodel");
	CHECK(triton_by_backend("fil") && !triton_by_backend("fil")->detected);
	CHECK(triton_by_backend("identity") == NULL);
	CHECK(triton_by_platform(NULL) == NULL);
	/* the order Triton 23.03 tries: savedmodel, graphdef, plan, onnx, xml, pt, py */
	static const char *const order[] = { "model.savedmodel", "model.graphdef", "model.plan",
					     "model.onnx", "model.xml", "model.pt", "model.py" };
	const struct triton_backend *b;
	size_t k = 0;
	int in_order = 1;
	for (size_t i = 0; (b = triton_backend_row(i)); i++)
		if (b->detected)
			in_order &= k < 7 && !strcmp(b->files[0], order[k++]);
	CHECK(in_order && k == 7);
}

static void test_requirements_fit(void)
{
	struct buf err = BUF_INIT;
	CHECK_INT(requirements_fit_server("sklearn, mlflow", "mlserver", &err), 0);
	CHECK_INT(requirements_fit_server("python", "triton", &err), 0);
	CHECK_INT(requirements_fit_server("sklearn,onnx", "mlserver", &err), EXIT_USAGE);
	CHECK(strstr(err.data, "requirement \"onnx\" is no capability of a Seldon Core v2 mlserver "
		     "Server") != NULL);
	CHECK(strstr(err.data, "never scheduled there") != NULL);
	CHECK_INT(requirements_fit_server("sklearn", "triton", &err), EXIT_USAGE);
	buf_free(&err);
}

static void test_versions(void)
{
	CHECK(version_cmp("1.10", "1.9") > 0);
	CHECK(version_cmp("1.9", "1.10") < 0);
	CHECK(version_cmp("2.0.3", "1.4.2") > 0);
	CHECK(version_cmp("1.4.2", "1.4.2") == 0);
	CHECK(version_cmp("1.4", "1.4.0") == 0);
	CHECK(version_cmp("1.4.1", "1.4") > 0);
	CHECK(version_cmp("2.4.1+cpu", "2.4.1") == 0);
	CHECK(version_cmp("0.24.2", "1.5.2") < 0);
}

int main(void)
{
	test_lookup();
	test_table_rows();
	test_release_rows();
	test_describe();
	test_requirements();
	test_v2_servers();
	test_agent_settings();
	test_triton_backends();
	test_requirements_fit();
	test_versions();
	return T_DONE();
}
