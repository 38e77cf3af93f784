/* MLmodel parsing against the fixtures in tests/fixtures/models. */
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "mlmodel.h"
#include "t.h"

#define FIX "tests/fixtures/models/"

static int parse_file(const char *path, struct mlmodel *m, struct buf *err)
{
	struct buf text = BUF_INIT;
	char chunk[4096];
	size_t got;
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("not ok - cannot open %s (run from the repository root)\n", path);
		return -1;
	}
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&text, chunk, got);
	fclose(f);
	int rc = mlmodel_parse(path, text.data ? text.data : "", text.len, m, err);
	buf_free(&text);
	return rc;
}

static void test_xgboost(void)
{
	struct mlmodel m;
	struct buf err = BUF_INIT, list = BUF_INIT;
	CHECK_INT(parse_file(FIX "xgboost/MLmodel", &m, &err), 0);
	const struct mlflavor *x = mlmodel_flavor(&m, "xgboost");
	CHECK(x != NULL);
	CHECK_STR(x ? x->file : NULL, "model.xgb");
	CHECK_STR(x ? x->file_key : NULL, "data");
	CHECK_STR(x ? x->lib_version : NULL, "2.0.3");
	CHECK_STR(x ? x->format : NULL, "xgb");
	CHECK_INT(x ? x->line : 0, 12);
	CHECK_STR(mlmodel_main_flavor(&m)->name, "xgboost");
	CHECK_STR(m.env_conda, "conda.yaml");
	CHECK_STR(m.env_virtualenv, "python_env.yaml");
	CHECK_INT(m.env_legacy, 0);
	CHECK_STR(m.loader_module, "mlflow.xgboost");
	CHECK_STR(m.mlflow_version, "2.17.2");
	CHECK_STR(m.python_version, "3.10.12");
	mlmodel_flavor_list(&m, &list);
	CHECK_STR(list.data, "python_function,xgboost");
	mlmodel_free(&m);
	buf_free(&err);
	buf_free(&list);
}

static void test_flavor_files(void)
{
	static const struct { const char *dir, *flavor, *file, *key, *version; } cases[] = {
		{ "sklearn", "sklearn", "model.pkl", "pickled_model", "1.5.2" },
		{ "lightgbm", "lightgbm", "model.lgb", "data", "4.5.0" },
		{ "pytorch", "pytorch", "data", "model_data", "2.4.1" },
		{ "onnx", "onnx", "model.onnx", "data", "1.16.2" },
		{ "pyfunc_custom", "python_function", "python_model.pkl", "python_model", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct mlmodel m;
		struct buf err = BUF_INIT;
		char *path = xasprintf(FIX "%s/MLmodel", cases[i].dir);
		CHECK_INT(parse_file(path, &m, &err), 0);
		const struct mlflavor *f = mlmodel_flavor(&m, cases[i].flavor);
		CHECK_STR(f ? f->file : NULL, cases[i].file);
		CHECK_STR(f ? f->file_key : NULL, cases[i].key);
		if (cases[i].version)
			CHECK_STR(f ? f->lib_version : NULL, cases[i].version);
		mlmodel_free(&m);
		buf_free(&err);
		free(path);
	}
}

static void test_custom_refs(void)
{
	struct mlmodel m;
	struct buf err = BUF_INIT;
	CHECK_INT(parse_file(FIX "pyfunc_custom/MLmodel", &m, &err), 0);
	CHECK(mlmodel_main_flavor(&m) == NULL);
	CHECK_INT(m.nrefs, 2);
	int code = 0, art = 0;
	for (size_t i = 0; i < m.nrefs; i++) {
		code |= !strcmp(m.refs[i].path, "code") && !strcmp(m.refs[i].what, "python_function.code");
		art |= !strcmp(m.refs[i].path, "artifacts/encoder.pkl");
	}
	CHECK(code);
	CHECK(art);
	mlmodel_free(&m);
	buf_free(&err);
}

static void test_mlflow1_env(void)
{
	struct mlmodel m;
	struct buf err = BUF_INIT;
	CHECK_INT(parse_file(FIX "mlflow1_sklearn/MLmodel", &m, &err), 0);
	CHECK_STR(m.env_conda, "conda.yaml");
	CHECK(m.env_virtualenv == NULL);
	CHECK_INT(m.env_legacy, 1);
	CHECK_STR(m.mlflow_version, "1.30.0");
	mlmodel_free(&m);
	buf_free(&err);
}

static void test_broken(void)
{
	struct mlmodel m;
	struct buf err = BUF_INIT;
	CHECK_INT(parse_file(FIX "broken_bad_yaml/MLmodel", &m, &err), EXIT_INPUT);
	CHECK(!strncmp(err.data, FIX "broken_bad_yaml/MLmodel:7:", strlen(FIX) + 26));
	CHECK_INT(parse_file(FIX "broken_empty/MLmodel", &m, &err), EXIT_INPUT);
	CHECK(strstr(err.data, "MLmodel:1:1: MLmodel is empty") != NULL);

	static const struct { const char *text, *want; } bad[] = {
		{ "- a\n- b\n", "x/MLmodel:1:1: MLmodel must be a YAML mapping" },
		{ "artifact_path: model\n", "x/MLmodel:1:1: MLmodel has no `flavors` key" },
		{ "flavors: {}\n", "x/MLmodel:1:10: `flavors` must be a non-empty mapping" },
		{ "flavors:\n  xgboost: model.xgb\n", "x/MLmodel:2:12: flavor `xgboost` must be a mapping" },
		{ "flavors:\n  xgboost:\n    data: [a, b]\n", "x/MLmodel:3:11: `data` must be a plain value" },
		{ "flavors:\n  python_function:\n    env: [conda.yaml]\n",
		  "x/MLmodel:3:10: python_function `env` must be a file name" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK_INT(mlmodel_parse("x/MLmodel", bad[i].text, strlen(bad[i].text), &m, &err),
			  EXIT_INPUT);
		if (strncmp(err.data, bad[i].want, strlen(bad[i].want)))
			printf("# got: %s\n", err.data);
		CHECK(!strncmp(err.data, bad[i].want, strlen(bad[i].want)));
	}
	buf_free(&err);
}

int main(void)
{
	test_xgboost();
	test_flavor_files();
	test_custom_refs();
	test_mlflow1_env();
	test_broken();
	return T_DONE();
}
