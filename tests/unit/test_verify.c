/* Model verification and `initc check` on the local fixtures, through the
 * public API: verify_model_dir, verify_opts_from_env, cmd_check; and
 * dest_file_link, which the --fix link goes through. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "destdir.h"
#include "exitcode.h"
#include "log.h"
#include "t.h"
#include "verify.h"
#include "verify_int.h"

#define FIX "tests/fixtures/models/"

static char tmpdir[] = "/tmp/test_verify.XXXXXX";
static char *termlog;

static void slurp(const char *path, struct buf *out)
{
	char chunk[4096];
	size_t got;
	FILE *f = fopen(path, "rb");
	buf_reset(out);
	while (f && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(out, chunk, got);
	if (f)
		fclose(f);
	if (!out->data)
		buf_adds(out, "");
}

static void copy_file(const char *from, const char *to)
{
	struct buf b = BUF_INIT;
	slurp(from, &b);
	FILE *f = fopen(to, "wb");
	if (f) {
		fwrite(b.data, 1, b.len, f);
		fclose(f);
	}
	buf_free(&b);
}

/* A writable copy of a flat fixture folder. */
static char *copy_fixture(const char *name, const char *as)
{
	static const char *files[] = { "MLmodel", "model.xgb", "model.pkl", "conda.yaml",
				       "python_env.yaml", "requirements.txt" };
	char *dir = xasprintf("%s/%s", tmpdir, as);
	mkdir(dir, 0755);
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		char *from = xasprintf(FIX "%s/%s", name, files[i]);
		char *to = xasprintf("%s/%s", dir, files[i]);
		if (access(from, R_OK) == 0)
			copy_file(from, to);
		free(from);
		free(to);
	}
	return dir;
}

/* Run fn with stdout and stderr captured into out/err. */
static int captured(int (*fn)(void *), void *arg, struct buf *out, struct buf *err)
{
	char *po = xasprintf("%s/stdout", tmpdir), *pe = xasprintf("%s/stderr", tmpdir);
	int so = dup(1), se = dup(2), rc;
	fflush(stdout);
	fflush(stderr);
	int fo = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int fe = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fo, 1);
	dup2(fe, 2);
	rc = fn(arg);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(fo);
	close(fe);
	close(so);
	close(se);
	slurp(po, out);
	slurp(pe, err);
	free(po);
	free(pe);
	return rc;
}

struct vcall {
	const char *dir;
	struct verify_opts o;
};

/* As initc's main does: the reason verify_model_dir hands back goes to
 * the termination log. */
static int call_verify(void *arg)
{
	struct vcall *c = arg;
	struct buf reason = BUF_INIT;
	int rc = verify_model_dir(c->dir, &c->o, &reason);
	if (rc && reason.len)
		log_termination("%s", reason.data);
	buf_free(&reason);
	return rc;
}

/* verify_model_dir with a server and fix flag; the logs land in log. */
static int verify(const char *dir, const char *server, int fix, struct buf *log)
{
	struct vcall c = { dir, { server, NULL, fix } };
	struct buf out = BUF_INIT;
	unlink(termlog);
	int rc = captured(call_verify, &c, &out, log);
	buf_free(&out);
	return rc;
}

static int has(const struct buf *b, const char *s)
{
	int hit = b->data && strstr(b->data, s) != NULL;
	if (!hit)
		printf("# missing \"%s\" in: %s\n", s, b->data ? b->data : "(empty)");
	return hit;
}

static void test_seed_case(void)
{
	struct buf log = BUF_INIT, term = BUF_INIT;
	CHECK_INT(verify(FIX "xgboost", "XGBOOST_SERVER", 0, &log), EXIT_VERIFY);
	slurp(termlog, &term);
	CHECK(has(&term, "XGBOOST_SERVER loads model.bst but this MLflow model stores its "
		  "booster in model.xgb: use implementation MLFLOW_SERVER"));
	CHECK(has(&term, "the MLServer xgboost runtime with a model-settings.json "
		  "{\"parameters\":{\"uri\":\"./model.xgb\"}}"));
	CHECK(has(&term, "rename model.xgb to model.bst"));
	CHECK(has(&term, "do not add a model_file_name parameter: XGBOOST_SERVER's "
		  "constructor rejects it"));
	/* MLmodel says xgb_version 2.0.3; every Seldon v1 release pins 1.4.2:
	 * a misfit, however the file is named */
	CHECK(has(&term, "; and the model was saved with xgboost 2.0.3 but XGBOOST_SERVER 1.18.2 "
		  "(seldonio/xgboostserver:1.18.2) installs xgboost==1.4.2, which cannot be relied "
		  "on to read it: re-save the model with xgboost==1.4.2 (no XGBOOST_SERVER release "
		  "initc knows admits xgboost 2.0.3)"));
	CHECK(has(&log, "no server release given; judging against the newest known"));
	/* the server name is matched case-insensitively */
	CHECK_INT(verify(FIX "xgboost", "xgboost_server", 0, &log), EXIT_VERIFY);
	CHECK_INT(verify(FIX "xgboost", "MLFLOW_SERVER", 0, &log), 0);
	CHECK_INT(verify(FIX "xgboost", "mlserver-mlflow", 0, &log), 0);
	CHECK_INT(verify(FIX "xgboost", "kserve-mlflow", 0, &log), 0);
	CHECK_INT(verify(FIX "xgboost", "SKLEARN_SERVER", 0, &log), EXIT_VERIFY);
	buf_free(&log);
	buf_free(&term);
}

static void test_no_target(void)
{
	struct buf log = BUF_INIT;
	CHECK_INT(verify(FIX "xgboost", NULL, 0, &log), 0);
	CHECK(has(&log, "as_is=MLFLOW_SERVER,mlserver-mlflow,kserve-mlflow"));
	CHECK(has(&log, "needs_fix=mlserver-xgboost,kserve-xgboost"));
	CHECK(has(&log, "cannot=SKLEARN_SERVER,"));
	buf_free(&log);
}

static void test_fixtures_against_servers(void)
{
	static const struct { const char *dir, *server; int rc; } cases[] = {
		{ "sklearn", "SKLEARN_SERVER", EXIT_VERIFY },  /* wants model.joblib */
		{ "sklearn", "mlserver-sklearn", 0 },          /* model.pkl is well-known */
		{ "sklearn", "kserve-sklearn", 0 },
		{ "sklearn", "MLFLOW_SERVER", 0 },
		{ "mlflow1_sklearn", "MLFLOW_SERVER", 0 },
		{ "lightgbm", "mlserver-lightgbm", EXIT_VERIFY },
		{ "lightgbm", "mlserver-mlflow", 0 },
		{ "pytorch", "MLFLOW_SERVER", 0 },
		{ "pytorch", "TRITON_SERVER", EXIT_VERIFY },
		{ "pyfunc_custom", "MLFLOW_SERVER", 0 },
		/* python_model.pkl ends in .pkl but holds no estimator */
		{ "pyfunc_custom", "kserve-sklearn", EXIT_VERIFY },
		{ "onnx", "kserve-onnx", EXIT_VERIFY },
		{ "tensorflow", "TENSORFLOW_SERVER", 0 },
		{ "tensorflow", "kserve-tensorflow", 0 },
		{ "tensorflow", "MLFLOW_SERVER", EXIT_VERIFY },
		{ "triton", "TRITON_SERVER", 0 },
		{ "triton", "kserve-triton", 0 },
		{ "triton", "XGBOOST_SERVER", EXIT_VERIFY },
		{ "xgboost_bst", "XGBOOST_SERVER", 0 },
		{ "xgboost_bst", "kserve-xgboost", 0 },
		{ "xgboost_bst", "MLFLOW_SERVER", EXIT_VERIFY },
		/* Seldon Core 2 Servers: the agent writes model-settings.json
		 * from the requirements (mlflow, sklearn, xgboost...); Triton
		 * tells onnxruntime by 1/model.onnx or the top's model.onnx */
		{ "sklearn", "mlserver", 0 },
		{ "xgboost_bst", "mlserver", 0 },
		{ "triton", "mlserver", EXIT_VERIFY },
		{ "tensorflow", "mlserver", EXIT_VERIFY },
		{ "triton", "triton", 0 },
		{ "onnx", "triton", 0 },
		{ "sklearn", "triton", EXIT_VERIFY },
		{ "tensorflow", "triton", EXIT_VERIFY },
	};
	struct buf log = BUF_INIT;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *dir = xasprintf(FIX "%s", cases[i].dir);
		int rc = verify(dir, cases[i].server, 0, &log);
		if (rc != cases[i].rc)
			printf("# %s on %s: %s\n", cases[i].dir, cases[i].server, log.data);
		CHECK_INT(rc, cases[i].rc);
		free(dir);
	}
	buf_free(&log);
}

static void test_broken(void)
{
	struct buf log = BUF_INIT, term = BUF_INIT;
	/* broken models fail with or without a target */
	CHECK_INT(verify(FIX "broken_missing_data", NULL, 0, &log), EXIT_VERIFY);
	slurp(termlog, &term);
	CHECK(has(&term, "broken_missing_data/MLmodel:4:11: flavor python_function names "
		  "data: model.xgb, which is not in"));
	CHECK_INT(verify(FIX "broken_bad_yaml", "MLFLOW_SERVER", 0, &log), EXIT_INPUT);
	slurp(termlog, &term);
	CHECK(has(&term, "broken_bad_yaml/MLmodel:7:15: invalid YAML"));
	CHECK_INT(verify(FIX "broken_empty", NULL, 0, &log), EXIT_INPUT);
	slurp(termlog, &term);
	CHECK(has(&term, "broken_empty/MLmodel:1:1: MLmodel is empty"));
	CHECK_INT(verify(FIX "does-not-exist", NULL, 0, &log), EXIT_NOTFOUND);
	buf_free(&log);
	buf_free(&term);
}

static void test_unknown_names(void)
{
	struct buf log = BUF_INIT;
	struct verify_opts o;
	CHECK_INT(verify(FIX "xgboost", "XGBOST_SERVER", 0, &log), EXIT_USAGE);
	CHECK(has(&log, "did you mean XGBOOST_SERVER?"));

	setenv("INITC_SERVER", "mlserver-xgboost", 1);
	setenv("INITC_REQUIREMENTS", "mlflow", 1);
	setenv("INITC_FIX", "1", 1);
	CHECK_INT(verify_opts_from_env(&o), 0);
	CHECK_STR(o.server, "mlserver-xgboost");
	CHECK_STR(o.requirements, "mlflow");
	CHECK_INT(o.fix, 1);
	setenv("INITC_FIX", "0", 1);
	setenv("INITC_REQUIREMENTS", "scikit-learn,mlflow", 1);
	struct buf out = BUF_INIT;
	CHECK_INT(verify_opts_from_env(&o), 0); /* reading never fails; checking does */
	CHECK_INT(captured((int (*)(void *))verify_opts_check, &o, &out, &log), EXIT_USAGE);
	CHECK(has(&log, "did you mean sklearn?"));
	unsetenv("INITC_SERVER");
	unsetenv("INITC_REQUIREMENTS");
	unsetenv("INITC_FIX");
	buf_free(&out);
	buf_free(&log);
}

static void test_requirements_pick_runtime(void)
{
	struct vcall c = { FIX "xgboost", { NULL, "xgboost", 0 } };
	struct buf out = BUF_INIT, log = BUF_INIT;
	/* Seldon v2 with requirements [xgboost] runs mlserver_xgboost */
	CHECK_INT(captured(call_verify, &c, &out, &log), EXIT_VERIFY);
	CHECK(has(&log, "server=mlserver-xgboost"));
	c.o.requirements = "mlflow,xgboost";
	CHECK_INT(captured(call_verify, &c, &out, &log), 0);
	buf_free(&out);
	buf_free(&log);
}

/* The fixture's MLmodel, saved with the xgboost XGBOOST_SERVER ships. */
static void set_xgb_version(const char *dir, const char *from, const char *to)
{
	char *path = xasprintf("%s/MLmodel", dir);
	FILE *f = fopen(path, "r+");
	char text[4096];
	size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
	text[n] = '\0';
	char *at = strstr(text, from);
	CHECK(at != NULL && strlen(from) == strlen(to));
	if (f && at) {
		memcpy(at, to, strlen(to));
		rewind(f);
		fwrite(text, 1, n, f);
	}
	if (f)
		fclose(f);
	free(path);
}

static void test_fix_link(void)
{
	struct buf log = BUF_INIT;
	char *dir = copy_fixture("xgboost", "fix_link");
	char *bst = xasprintf("%s/model.bst", dir), *xgb = xasprintf("%s/model.xgb", dir);
	struct stat a, b;
	/* saved with xgboost 2.0.3, served by 1.4.2: no fix is offered */
	CHECK_INT(verify(dir, "XGBOOST_SERVER", 1, &log), EXIT_VERIFY);
	CHECK(has(&log, "cannot be relied on to read it"));
	CHECK(stat(bst, &a) != 0);
	set_xgb_version(dir, "xgb_version: 2.0.3", "xgb_version: 1.4.2");
	CHECK_INT(verify(dir, "XGBOOST_SERVER", 1, &log), 0);
	CHECK(has(&log, "fix: linked model file"));
	CHECK(stat(bst, &a) == 0 && stat(xgb, &b) == 0 && a.st_ino == b.st_ino);
	CHECK_INT(verify(dir, "XGBOOST_SERVER", 0, &log), 0);
	CHECK_INT(verify(dir, "kserve-xgboost", 0, &log), 0);
	free(bst);
	free(xgb);
	free(dir);
	buf_free(&log);
}

static void test_fix_settings(void)
{
	struct buf log = BUF_INIT, json = BUF_INIT;
	char *dir = copy_fixture("xgboost", "fix_settings");
	char *path = xasprintf("%s/model-settings.json", dir);
	CHECK_INT(verify(dir, "mlserver-xgboost", 1, &log), 0);
	CHECK(has(&log, "fix: wrote model-settings.json"));
	slurp(path, &json);
	CHECK_STR(json.data, "{\"implementation\":\"mlserver_xgboost.XGBoostModel\","
		  "\"parameters\":{\"uri\":\"./model.xgb\"}}\n");
	CHECK_INT(verify(dir, "mlserver-xgboost", 0, &log), 0);
	CHECK(has(&log, "mlserver-xgboost loads model.xgb (model-settings.json parameters.uri)"));
	/* no temporary file left behind */
	char *ls = xasprintf("ls -A %s | grep -v '^\\.initc\\.fixed$' | grep -c initc > /dev/null", dir);
	CHECK(system(ls) != 0);
	free(ls);

	/* settings of the user's own without a uri are never rewritten */
	FILE *f = fopen(path, "w");
	fputs("{\"name\": \"churn\", \"parameters\": {\"version\": \"v1\"}}\n", f);
	fclose(f);
	CHECK_INT(verify(dir, "mlserver-xgboost", 1, &log), EXIT_VERIFY);
	CHECK(has(&log, "model-settings.json exists without parameters.uri"));
	/* a uri naming a file that is not there */
	f = fopen(path, "w");
	fputs("{\"parameters\": {\"uri\": \"./model.bst\"}}\n", f);
	fclose(f);
	CHECK_INT(verify(dir, "mlserver-xgboost", 0, &log), EXIT_VERIFY);
	CHECK(has(&log, "parameters.uri names model.bst, which is not in"));
	/* malformed JSON is reported with line and column */
	f = fopen(path, "w");
	fputs("{\"parameters\": {\"uri\": \"./model.xgb\"\n", f);
	fclose(f);
	CHECK_INT(verify(dir, "mlserver-xgboost", 0, &log), EXIT_INPUT);
	CHECK(has(&log, "model-settings.json:2:1: invalid YAML"));
	free(path);
	free(dir);
	buf_free(&log);
	buf_free(&json);
}

/* json_str, the one escaper of every JSON initc writes. */
static void test_json_escaper(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain", "\"plain\"" },
		{ "x\"},\"implementation\":\"evil.Mod\",\"z\":{\"a\":\".lgb",
		  "\"x\\\"},\\\"implementation\\\":\\\"evil.Mod\\\",\\\"z\\\":{\\\"a\\\":\\\".lgb\"" },
		{ "back\\slash", "\"back\\\\slash\"" },
		{ "nl\ntab\tbell\adel\x7f", "\"nl\\ntab\\tbell\\u0007del\\u007f\"" },
		{ "\xc3\xbc" "ber \xe2\x82\xac \xf0\x9f\x98\x80", "\"\xc3\xbc" "ber \xe2\x82\xac \xf0\x9f\x98\x80\"" },
		/* no UTF-8: a lone byte, a cut sequence, an overlong '/', a surrogate */
		{ "a\xff" "b", "\"a\\ufffdb\"" },
		{ "\xc3", "\"\\ufffd\"" },
		{ "\xe2\x82", "\"\\ufffd\\ufffd\"" },
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b = BUF_INIT;
		json_str(&b, cases[i].in);
		CHECK_STR(b.data, cases[i].out);
		buf_free(&b);
	}
	CHECK(json_utf8_valid("\xc3\xbc" "ber"));
	CHECK(!json_utf8_valid("a\xff"));

	struct buf b = BUF_INIT;
	json_settings(&b, "mlserver_lightgbm.LightGBMModel", "a\"b.lgb");
	CHECK_STR(b.data, "{\"implementation\":\"mlserver_lightgbm.LightGBMModel\","
		  "\"parameters\":{\"uri\":\"./a\\\"b.lgb\"}}");
	buf_reset(&b);
	json_settings(&b, NULL, "m.lgb");
	CHECK_STR(b.data, "{\"parameters\":{\"uri\":\"./m.lgb\"}}");
	buf_reset(&b);

	/* values are redacted before they are escaped: a secret that is
	 * also JSON syntax ("null", a quote) cannot break the document */
	log_add_secret("null");
	log_add_secret("a\"b\\c");
	json_str(&b, "null");
	buf_adds(&b, ",null,");
	json_str(&b, "x a\"b\\c y");
	CHECK_STR(b.data, "\"***\",null,\"x *** y\"");
	log_forget_secrets();
	buf_free(&b);
}

/* A model file whose name would close the JSON string and add a field:
 * --fix writes one string holding the name, nothing else. */
static void test_fix_settings_injection(void)
{
	static const char evil[] = "x\"},\"implementation\":\"evil.Mod\",\"z\":{\"a\":\".lgb";
	struct buf log = BUF_INIT, json = BUF_INIT;
	char *dir = xasprintf("%s/injection", tmpdir);
	char *file = xasprintf("%s/%s", dir, evil);
	char *path = xasprintf("%s/model-settings.json", dir);
	mkdir(dir, 0755);
	copy_file(FIX "lightgbm/model.lgb", file);
	CHECK_INT(verify(dir, "mlserver-lightgbm", 1, &log), 0);
	slurp(path, &json);
	CHECK_STR(json.data, "{\"implementation\":\"mlserver_lightgbm.LightGBMModel\",\"parameters\":"
		  "{\"uri\":\"./x\\\"},\\\"implementation\\\":\\\"evil.Mod\\\",\\\"z\\\":{\\\"a\\\":"
		  "\\\".lgb\"}}\n");
	CHECK(!strstr(json.data, "\"implementation\":\"evil.Mod\""));
	unlink(path);
	unlink(file);

	/* a name JSON cannot hold byte for byte: no fix, no file */
	free(file);
	file = xasprintf("%s/model\xff.lgb", dir);
	copy_file(FIX "lightgbm/model.lgb", file);
	CHECK_INT(verify(dir, "mlserver-lightgbm", 1, &log), EXIT_VERIFY);
	CHECK(has(&log, "not UTF-8"));
	CHECK(access(path, F_OK) != 0);
	free(file);
	free(path);
	free(dir);
	buf_free(&log);
	buf_free(&json);
}

/* Names initc writes while it works (".initc-....partial") left in dir. */
static int leftovers(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)))
		if (strstr(de->d_name, "initc") && strcmp(de->d_name, ".initc.fixed"))
			n++; /* the record of what --fix made is meant to stay */
	if (d)
		closedir(d);
	return n;
}

static int is_regular(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_missing(const char *path)
{
	struct stat st;
	return lstat(path, &st) != 0 && errno == ENOENT;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

/* A symlink planted at model-settings.json is replaced by the file, never
 * written through. */
static void test_fix_settings_symlink(void)
{
	struct buf log = BUF_INIT, json = BUF_INIT;
	char *dir = copy_fixture("xgboost", "fix_settings_link");
	char *path = xasprintf("%s/model-settings.json", dir);
	char *outside = xasprintf("%s/outside-settings", tmpdir);
	CHECK(symlink(outside, path) == 0);
	CHECK_INT(verify(dir, "mlserver-xgboost", 1, &log), 0);
	CHECK(has(&log, "fix: wrote model-settings.json"));
	CHECK(is_regular(path));
	CHECK(is_missing(outside));
	slurp(path, &json);
	CHECK(has(&json, "\"uri\":\"./model.xgb\""));
	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
	CHECK_INT(leftovers(dir), 0);
	free(outside);
	free(path);
	free(dir);
	buf_free(&log);
	buf_free(&json);
}

/* A folder at path with a file in it, so that nothing can be renamed over
 * it; returns the file's path. */
static char *plant_folder(const char *path)
{
	char *inside = xasprintf("%s/keep", path);
	mkdir(path, 0755);
	copy_file(FIX "xgboost/MLmodel", inside);
	return inside;
}

/* The fix that cannot rename into place (a folder holds the name) fails
 * with EXIT_LOCALIO and takes its temporary file away. */
static void test_fix_settings_fails_clean(void)
{
	struct buf log = BUF_INIT;
	char *dir = copy_fixture("xgboost", "fix_settings_fails");
	char *sub = xasprintf("%s/model-settings.json", dir);
	char *inside = plant_folder(sub);
	CHECK_INT(verify(dir, "mlserver-xgboost", 1, &log), EXIT_LOCALIO);
	CHECK(has(&log, "cannot rename fix into place"));
	CHECK_INT(leftovers(dir), 0);
	CHECK(is_regular(inside));
	free(inside);
	free(sub);
	free(dir);
	buf_free(&log);
}

/* A symlink planted at the name the server loads is replaced by the link. */
static void test_fix_link_symlink(void)
{
	struct buf log = BUF_INIT;
	char *dir = copy_fixture("xgboost", "fix_link_symlink");
	char *bst = xasprintf("%s/model.bst", dir), *xgb = xasprintf("%s/model.xgb", dir);
	char *outside = xasprintf("%s/outside-bst", tmpdir);
	set_xgb_version(dir, "xgb_version: 2.0.3", "xgb_version: 1.4.2");
	CHECK(symlink(outside, bst) == 0);
	CHECK_INT(verify(dir, "XGBOOST_SERVER", 1, &log), 0);
	CHECK(has(&log, "fix: linked model file"));
	CHECK(is_regular(bst));
	CHECK(same_file(bst, xgb));
	CHECK(is_missing(outside));
	CHECK_INT(leftovers(dir), 0);

	/* a folder in the way: EXIT_LOCALIO, the temporary link removed */
	unlink(bst);
	char *inside = plant_folder(bst);
	CHECK_INT(verify(dir, "XGBOOST_SERVER", 1, &log), EXIT_LOCALIO);
	CHECK(has(&log, "cannot link model file"));
	CHECK_INT(leftovers(dir), 0);
	free(inside);
	free(outside);
	free(bst);
	free(xgb);
	free(dir);
	buf_free(&log);
}

static int link_in(const char *dir, const char *from, const char *to, struct buf *err)
{
	struct destdir d;
	int rc = destdir_open(&d, dir, err);
	buf_reset(err);
	if (!rc)
		rc = dest_file_link(&d, from, to, err);
	destdir_close(&d);
	return rc;
}

/* dest_file_link follows no symlink, in either name, and cleans up. */
static void test_dest_file_link(void)
{
	struct buf err = BUF_INIT;
	char *dir = copy_fixture("xgboost", "dest_link");
	char *other = xasprintf("%s/dest_link_other", tmpdir);
	char *via = xasprintf("%s/via", dir), *alias = xasprintf("%s/alias", dir);
	char *xgb = xasprintf("%s/model.xgb", dir), *deep = xasprintf("%s/a/b/model.bst", dir);
	mkdir(other, 0755);
	CHECK(symlink(other, via) == 0);
	CHECK(symlink("model.xgb", alias) == 0);

	CHECK_INT(link_in(dir, "model.xgb", "a/b/model.bst", &err), 0);
	CHECK(same_file(deep, xgb));
	CHECK_INT(link_in(dir, "model.xgb", "a/b/model.bst", &err), 0); /* already that file */
	CHECK(same_file(deep, xgb));
	CHECK_INT(leftovers(dir), 0);
	char *sub = xasprintf("%s/a/b", dir);
	CHECK_INT(leftovers(sub), 0);
	free(sub);

	CHECK_INT(link_in(dir, "model.xgb", "via/model.bst", &err), EXIT_UNSAFE);
	CHECK(has(&err, "is a symbolic link"));
	CHECK_INT(leftovers(other), 0);
	CHECK(rmdir(other) == 0); /* still empty: nothing went through via */
	mkdir(other, 0755);
	CHECK_INT(link_in(dir, "alias", "model.bst", &err), EXIT_UNSAFE);
	CHECK(has(&err, "alias is a symbolic link"));
	char *outside = xasprintf("%s/model.xgb", other), *bst = xasprintf("%s/model.bst", dir);
	copy_file(xgb, outside);
	CHECK_INT(link_in(dir, "via/model.xgb", "model.bst", &err), EXIT_UNSAFE);
	CHECK_INT(link_in(dir, "missing", "model.bst", &err), EXIT_LOCALIO);
	CHECK(has(&err, "missing"));
	CHECK_INT(link_in(dir, "a", "model.bst", &err), EXIT_LOCALIO);
	CHECK(has(&err, "is not a regular file"));
	CHECK(is_missing(bst));
	CHECK_INT(leftovers(dir), 0);
	free(outside);
	free(bst);
	free(xgb);
	free(deep);
	free(via);
	free(alias);
	free(other);
	free(dir);
	buf_free(&err);
}

struct ccall {
	int argc;
	const char *argv[8];
};

static int call_check(void *arg)
{
	struct ccall *c = arg;
	return cmd_check(c->argc, (char **)c->argv);
}

static void test_check_recursive(void)
{
	struct buf out = BUF_INIT, log = BUF_INIT;
	struct ccall c = { 3, { "check", "--recursive", FIX } };
	CHECK_INT(captured(call_check, &c, &out, &log), EXIT_INPUT);
	CHECK(has(&out, "MODEL"));
	CHECK(has(&out, "\nxgboost "));
	CHECK(has(&out, "\nbroken_bad_yaml "));
	/* tensorflow/ and triton/ hold no MLmodel: no row */
	CHECK(strstr(out.data, "\ntriton ") == NULL);

	struct ccall j = { 4, { "check", "--recursive", "--json", FIX } };
	CHECK_INT(captured(call_check, &j, &out, &log), EXIT_INPUT);
	CHECK(has(&out, "{\"path\":\"xgboost\",\"flavors\":[\"python_function\",\"xgboost\"],"
		  "\"status\":\"ok\""));
	CHECK(has(&out, "{\"path\":\"broken_empty\",\"flavors\":[],\"status\":\"error\""));
	CHECK(has(&out, "\"status\":\"fail\",\"detail\":\"" FIX "broken_missing_data/MLmodel:4:11"));
	CHECK(has(&out, "\"failed\":3}"));

	struct ccall s = { 5, { "check", "-r", "--server", "MLFLOW_SERVER", FIX "xgboost" } };
	CHECK_INT(captured(call_check, &s, &out, &log), 0);
	struct ccall x = { 4, { "check", "--server=XGBOOST_SERVER", "--json", FIX "xgboost" } };
	CHECK_INT(captured(call_check, &x, &out, &log), EXIT_VERIFY);
	CHECK(has(&out, "\"server\":\"XGBOOST_SERVER\",\"release\":\"1.18.2\""));
	CHECK(has(&out, "\"status\":\"fail\""));
	CHECK(has(&out, "{\\\"parameters\\\":{\\\"uri\\\":\\\"./model.xgb\\\"}}"));

	struct ccall none = { 3, { "check", "-r", FIX "triton" } };
	CHECK_INT(captured(call_check, &none, &out, &log), EXIT_NOTFOUND);
	CHECK(has(&log, "no MLflow model found"));
	struct ccall bad = { 2, { "check", "--bogus" } };
	CHECK_INT(captured(call_check, &bad, &out, &log), EXIT_USAGE);
	buf_free(&out);
	buf_free(&log);
}

static void test_check_one(void)
{
	struct buf out = BUF_INIT, log = BUF_INIT;
	struct ccall c = { 2, { "check", FIX "sklearn" } };
	CHECK_INT(captured(call_check, &c, &out, &log), 0);
	CHECK(has(&out, "SKLEARN_SERVER     no   SKLEARN_SERVER loads model.joblib but this "
		  "MLflow model stores its estimator in model.pkl"));
	CHECK(has(&out, "mlserver-sklearn   ok   mlserver-sklearn loads model.pkl"));
	/* sklearn 1.5.2 model vs the 0.24.2 Seldon image */
	CHECK(has(&out, "the model was saved with scikit-learn 1.5.2 but SKLEARN_SERVER 1.18.2"));
	buf_free(&out);
	buf_free(&log);
}

static int call_servers(void *arg)
{
	struct ccall *c = arg;
	return cmd_servers(c->argc, (char **)c->argv);
}

static void test_servers(void)
{
	struct buf out = BUF_INIT, log = BUF_INIT;
	struct ccall c = { 1, { "servers" } };
	CHECK_INT(captured(call_servers, &c, &out, &log), 0);
	CHECK(has(&out, "XGBOOST_SERVER     seldon-v1 1.10.0 to 1.18.2 (17)    xgboost==1.4.2"));
	CHECK(has(&out, "  mlserver mlserver,alibi-detect"));
	struct ccall j = { 2, { "servers", "--json" } };
	CHECK_INT(captured(call_servers, &j, &out, &log), 0);
	CHECK(has(&out, "{\"name\":\"mlserver-sklearn\",\"family\":\"mlserver\","
		  "\"loads\":\"model.joblib, model.pickle or model.pkl\",\"model_settings_uri\":true"));
	CHECK(has(&out, "\"triton\":[\"triton\",\"dali\""));
	buf_free(&out);
	buf_free(&log);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("not ok - mkdtemp\n");
		return 1;
	}
	termlog = xasprintf("%s/termination-log", tmpdir);
	setenv("INITC_TERMINATION_LOG", termlog, 1);
	unsetenv("INITC_SERVER");
	unsetenv("INITC_REQUIREMENTS");
	unsetenv("INITC_FIX");
	test_seed_case();
	test_no_target();
	test_fixtures_against_servers();
	test_broken();
	test_unknown_names();
	test_requirements_pick_runtime();
	test_fix_link();
	test_fix_settings();
	test_json_escaper();
	test_fix_settings_injection();
	test_fix_settings_symlink();
	test_fix_settings_fails_clean();
	test_fix_link_symlink();
	test_dest_file_link();
	test_check_recursive();
	test_check_one();
	test_servers();
	char *rm = xasprintf("rm -rf %s", tmpdir);
	if (system(rm) != 0)
		printf("# could not remove %s\n", tmpdir);
	free(rm);
	free(termlog);
	return T_DONE();
}
