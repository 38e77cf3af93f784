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
		complete &= all[i].name && all[i].names[0] && all[i].image;
		if (all[i].settings_uri)
			complete &= all[i].implementation != NULL;
		for (size_t j = 0; j < i; j++)
			unique &= strcasecmp(all[i].name, all[j].name) != 0;
	}
	CHECK(complete);
	CHECK(unique);
}

static void test_describe(void)
{
	struct buf b = BUF_INIT;
	profile_describe_loads(profile_find("mlserver-sklearn"), &b);
	CHECK_STR(b.data, "model.joblib, model.pickle or model.pkl");
	buf_reset(&b);
	profile_describe_loads(profile_find("kserve-xgboost"), &b);
	CHECK_STR(b.data, "exactly one *.bst, .json or .ubj file");
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
	test_describe();
	test_requirements();
	test_versions();
	return T_DONE();
}
