/* prebake's parsers: conda MatchSpecs, pip requirement lines, names. */
#include "t.h"
#include "audit.h"
#include "deps.h"
#include "envload.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

struct conda_case {
	const char *text, *name, *spec, *channel, *build;
	enum pin_class pin;
};

static const struct conda_case conda_cases[] = {
	{ "python=3.10.12", "python", "=3.10.12", NULL, NULL, PIN_EXACT },
	{ "python=3.10", "python", "=3.10", NULL, NULL, PIN_RANGE },
	{ "numpy==1.24", "numpy", "==1.24", NULL, NULL, PIN_EXACT },
	{ "numpy=1.24=py310_0", "numpy", "=1.24=py310_0", NULL, "py310_0", PIN_EXACT },
	{ "numpy 1.24.3 py310h5f9d8c6_0", "numpy", "1.24.3 py310h5f9d8c6_0", NULL,
	  "py310h5f9d8c6_0", PIN_EXACT },
	{ "python == 3.8", "python", "== 3.8", NULL, NULL, PIN_EXACT },
	{ "python >= 3.8", "python", ">= 3.8", NULL, NULL, PIN_RANGE },
	{ "pip<=23.0.1", "pip", "<=23.0.1", NULL, NULL, PIN_RANGE },
	{ "scipy>=1.10,<1.12", "scipy", ">=1.10,<1.12", NULL, NULL, PIN_RANGE },
	{ "mkl 2023.*", "mkl", "2023.*", NULL, NULL, PIN_RANGE },
	{ "openssl 1.1.1|3.0.8", "openssl", "1.1.1|3.0.8", NULL, NULL, PIN_RANGE },
	{ "tqdm", "tqdm", "", NULL, NULL, PIN_UNPINNED },
	{ "tqdm *", "tqdm", "*", NULL, NULL, PIN_UNPINNED },
	{ "conda-forge::libgomp=13.2.0", "libgomp", "=13.2.0", "conda-forge", NULL, PIN_EXACT },
	{ "pytorch::pytorch 2.1.0 py3.10_cpu_0", "pytorch", "2.1.0 py3.10_cpu_0", "pytorch",
	  "py3.10_cpu_0", PIN_EXACT },
	{ "numpy[version='>=1.20']", "numpy", "", NULL, NULL, PIN_RANGE },
	{ "  Python_Dateutil=2.8.2  ", "Python_Dateutil", "=2.8.2", NULL, NULL, PIN_EXACT },
	/* a bracket version= without operator is equality, like "numpy 1.26.4" */
	{ "numpy[version=1.26.4]", "numpy", "", NULL, NULL, PIN_EXACT },
	{ "numpy[version='1.26.4', build=py310_0]", "numpy", "", NULL, "py310_0", PIN_EXACT },
	{ "numpy[version='==1.26']", "numpy", "", NULL, NULL, PIN_EXACT },
	{ "numpy[version='=1.26']", "numpy", "", NULL, NULL, PIN_RANGE },
	{ "numpy[version=1.2.*]", "numpy", "", NULL, NULL, PIN_RANGE },
	{ "numpy[version=\"1.2|1.3\"]", "numpy", "", NULL, NULL, PIN_RANGE },
	{ "numpy 1.2.3[build=py_0]", "numpy", "1.2.3", NULL, "py_0", PIN_EXACT },
};

/* Operators without versions and extra '=' fail in conda's solver. */
static const char *const conda_bad[] = {
	"a==", "a >=", "a>=", "a=", "a=1=2=3", "a==1==2", "a=1=",
};

struct pip_case {
	const char *text, *key, *spec, *url, *marker;
	enum pin_class pin;
};

static const struct pip_case pip_cases[] = {
	{ "mlflow==2.17.2", "mlflow", "==2.17.2", NULL, NULL, PIN_EXACT },
	{ "Scikit_Learn == 1.3.2", "scikit-learn", "== 1.3.2", NULL, NULL, PIN_EXACT },
	{ "mlflow[gateway]==2.17.2", "mlflow", "==2.17.2", NULL, NULL, PIN_EXACT },
	{ "requests~=2.31.0", "requests", "~=2.31.0", NULL, NULL, PIN_RANGE },
	{ "legacy===1.0-custom", "legacy", "===1.0-custom", NULL, NULL, PIN_EXACT },
	{ "numpy==1.26.*", "numpy", "==1.26.*", NULL, NULL, PIN_RANGE },
	{ "numpy (>=1.24,<2)", "numpy", ">=1.24,<2", NULL, NULL, PIN_RANGE },
	{ "numpy!=1.25.0", "numpy", "!=1.25.0", NULL, NULL, PIN_RANGE },
	{ "pandas", "pandas", "", NULL, NULL, PIN_UNPINNED },
	{ "pandas==2.1.4 ; python_version >= \"3.9\"", "pandas", "==2.1.4", NULL,
	  "python_version >= \"3.9\"", PIN_EXACT },
	{ "x @ https://h/x-0.3.1-py3-none-any.whl", "x", "",
	  "https://h/x-0.3.1-py3-none-any.whl", NULL, PIN_EXACT },
	{ "shap @ git+https://github.com/o/shap.git@main", "shap", "",
	  "git+https://github.com/o/shap.git@main", NULL, PIN_UNPINNED },
	{ "git+https://github.com/o/f.git@3f786850e387550fdab836ed7e6dc881de23001b#egg=feat_lib",
	  "feat-lib", "",
	  "git+https://github.com/o/f.git@3f786850e387550fdab836ed7e6dc881de23001b#egg=feat_lib",
	  NULL, PIN_EXACT },
	{ "git+https://tok@github.com/o/f.git#egg=f", "f", "",
	  "git+https://tok@github.com/o/f.git#egg=f", NULL, PIN_UNPINNED },
	{ "https://h/pkgs/torch-2.1.0-cp310-cp310-linux_x86_64.whl", "torch", "",
	  "https://h/pkgs/torch-2.1.0-cp310-cp310-linux_x86_64.whl", NULL, PIN_EXACT },
	{ "y @ https://h/y.tar.gz ; sys_platform == \"linux\"", "y", "", "https://h/y.tar.gz",
	  "sys_platform == \"linux\"", PIN_EXACT },
	/* the PEP 508 corners packaging accepts */
	{ "a[b, c] >=1, <2", "a", ">=1, <2", NULL, NULL, PIN_RANGE },
	{ "a>=1,", "a", ">=1,", NULL, NULL, PIN_RANGE },
	{ "a==1.0+local.7", "a", "==1.0+local.7", NULL, NULL, PIN_EXACT },
	{ "a==1!2.0rc1.post3.dev4", "a", "==1!2.0rc1.post3.dev4", NULL, NULL, PIN_EXACT },
	{ "a (==1.0) ; (os_name == 'nt' or extra=='x') and python_version<'3.12'", "a",
	  "==1.0", NULL, "(os_name == 'nt' or extra=='x') and python_version<'3.12'", PIN_EXACT },
	{ "a ()", "a", "", NULL, NULL, PIN_UNPINNED },
	/* pip drops an empty marker */
	{ "a==1.0;", "a", "==1.0", NULL, NULL, PIN_EXACT },
};

/* Wheels in the model folder (MLflow's add_libraries_to_model). */
struct local_case {
	const char *text, *key, *spec, *local;
};

static const struct local_case local_cases[] = {
	{ "wheels/internal_features-0.3.1-py3-none-any.whl", "internal-features", "==0.3.1",
	  "wheels/internal_features-0.3.1-py3-none-any.whl" },
	{ "./wheels//x-1.0-1-py3-none-any.whl", "x", "==1.0", "wheels/x-1.0-1-py3-none-any.whl" },
	{ "x-2.0_post1-cp310-cp310-linux_x86_64.whl ; python_version >= '3.10'", "x",
	  "==2.0-post1", "x-2.0_post1-cp310-cp310-linux_x86_64.whl" },
	{ "wheels/x-1.0-py3-none-any.whl[extra]", "x", "==1.0", "wheels/x-1.0-py3-none-any.whl" },
};

static const char *const pip_bad[] = {
	"==2.0", "numpy>>1", "numpy[extra==1", "x @ ", "./local_pkg", "file:///tmp/x.whl#egg=x",
	"https://h/simple/", "numpy==", "a===", "a>=1.0.*", "a<=1.0+local", "a==1.0.*+x",
	"a; python_version >", "a; (os_name=='nt'", "a; os_name notin 'x'", "a-", "a[b,]",
	"a @ https:///x", "a @ x.whl", "a @ https://h/x.whl junk", "(a)", "a (>=1",
	/* local files the image build cannot see, or pip would build */
	"../x-1.0-py3-none-any.whl", "/abs/x-1.0-py3-none-any.whl", "~/x-1.0-py3-none-any.whl",
	"wheels\\x-1.0-py3-none-any.whl", "wheels/x.whl", "wheels/x-1.0.tar.gz", "./src/",
	"x @ ./wheels/x-1.0-py3-none-any.whl", "a/../../x-1.0-py3-none-any.whl",
	"https://h/x-not.a.version-py3-none-any.whl",  /* once a use after free */
};

/* Lines that fail only in the build today: each error says what and how. */
static const struct { const char *text, *says; } pip_bad_says[] = {
	{ "pkg>=1.0 <2.0", "separated by commas" },
	{ "pkg~=1", "~= needs at least two release numbers" },
	{ "pkg==1.0 @ https://h/pkg-1.0-py3-none-any.whl", "a version and a URL cannot both" },
	{ "pkg[a b]", "extras are comma-separated names" },
	{ "pkg>=1.0.*", "wildcard .* goes only with == and !=" },
	{ "wheels/x-1.0.tar.gz", "build it into a wheel" },
	{ "../x-1.0-py3-none-any.whl", "leaves the model folder" },
	{ "wheels/x.whl", "not a wheel file name" },
};

static void check_conda(const struct conda_case *c)
{
	struct dep d = { 0 };
	struct buf err = BUF_INIT;
	CHECK_INT(conda_spec_parse(c->text, &d, &err), 0);
	CHECK_STR(d.name, c->name);
	CHECK_STR(d.spec, c->spec);
	CHECK_STR(pin_name(d.pin), pin_name(c->pin));
	CHECK_STR(d.channel ? d.channel : "-", c->channel ? c->channel : "-");
	CHECK_STR(d.build ? d.build : "-", c->build ? c->build : "-");
	dep_free(&d);
	buf_free(&err);
}

static void check_local(const struct local_case *c)
{
	struct dep d = { 0 };
	struct buf err = BUF_INIT;
	CHECK_INT(pip_req_parse(c->text, &d, &err), 0);
	CHECK_STR(d.key, c->key);
	CHECK_STR(d.spec, c->spec);
	CHECK_STR(d.local ? d.local : "-", c->local);
	CHECK(d.url == NULL && d.pin == PIN_EXACT);
	dep_free(&d);
	buf_free(&err);
}

static void check_refused(int (*parse)(const char *, struct dep *, struct buf *),
			  const char *text, const char *says)
{
	struct dep d = { 0 };
	struct buf err = BUF_INIT;
	int rc = parse(text, &d, &err);
	printf("# %s -> %s\n", text, err.data ? err.data : "(accepted)");
	CHECK(rc == -1 && err.len > 0);
	if (says)
		CHECK(err.data && strstr(err.data, says));
	dep_free(&d);
	buf_free(&err);
}

static void check_pip(const struct pip_case *c)
{
	struct dep d = { 0 };
	struct buf err = BUF_INIT;
	CHECK_INT(pip_req_parse(c->text, &d, &err), 0);
	CHECK_STR(d.key, c->key);
	CHECK_STR(d.spec, c->spec);
	CHECK_STR(d.url ? d.url : "-", c->url ? c->url : "-");
	CHECK_STR(d.marker ? d.marker : "-", c->marker ? c->marker : "-");
	CHECK_STR(pin_name(d.pin), pin_name(c->pin));
	dep_free(&d);
	buf_free(&err);
}

/* --- requirements files, read through env_load --- */

static char root[] = "/tmp/test_prebake_specs.XXXXXX";

static void write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", root, name);
	FILE *f = fopen(path, "wb");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

/* python_env.yaml with "-r requirements.txt" holding reqs. */
static int load_reqs(const char *reqs, struct env *env, struct buf *err)
{
	write_file("python_env.yaml", "python: 3.10.12\ndependencies:\n- -r requirements.txt\n");
	write_file("requirements.txt", reqs);
	char *path = xasprintf("%s/python_env.yaml", root);
	memset(env, 0, sizeof *env);
	buf_reset(err);
	int rc = env_load(path, NULL, env, err);
	free(path);
	return rc;
}

/* The pip lines env_load read, as "key spec" joined by '|'. */
static char *pip_summary(const struct env *env)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < env->pip.n; i++)
		buf_printf(&b, "%s%s %s", i ? "|" : "", env->pip.v[i].key, env->pip.v[i].spec);
	buf_adds(&b, "");
	return buf_steal(&b);
}

static const struct { const char *text, *want; } reqfile_cases[] = {
	/* a whole-line comment ending in '\' ends the run (pip's join_lines) */
	{ "numpy==1.0\n# pinned below \\\nscipy==1.11.4\n", "numpy ==1.0|scipy ==1.11.4" },
	{ "numpy==1.0\n   # indented \\\nscipy==1.11.4\n", "numpy ==1.0|scipy ==1.11.4" },
	{ "numpy \\\n# note \\\nscipy==1\n", "numpy |scipy ==1" },
	/* a comment after a requirement is no whole-line comment: pip joins,
	 * then the comment eats the next line */
	{ "numpy==1.0 # c \\\nscipy==1\npandas\n", "numpy ==1.0|pandas " },
	{ "boto3 \\\n    ==1.34.11\n", "boto3 ==1.34.11" },
	{ "numpy\\\\\n==1.0\n", "numpy ==1.0" },
	{ "tail==1 \\", "tail ==1" },
	/* a UTF-8 byte-order mark, and every line end Python splits at */
	{ "\xef\xbb\xbfnumpy==1.0\n", "numpy ==1.0" },
	{ "a==1\r\nb==2\rc==3\fd==4\ve==5", "a ==1|b ==2|c ==3|d ==4|e ==5" },
};

static void check_reqfiles(void)
{
	struct env env;
	struct buf err = BUF_INIT;
	for (size_t i = 0; i < sizeof reqfile_cases / sizeof *reqfile_cases; i++) {
		CHECK_INT(load_reqs(reqfile_cases[i].text, &env, &err), 0);
		char *got = pip_summary(&env);
		CHECK_STR(got, reqfile_cases[i].want);
		free(got);
		env_free(&env);
	}
	CHECK(load_reqs("\xff\xfen\0", &env, &err) != 0 && strstr(err.data, "UTF-16"));
	env_free(&env);
	buf_free(&err);
}

/* A wheel line names a file in the model folder, hashed with the inputs,
 * whichever requirements file holds it. */
static void check_local_wheels(void)
{
	struct env env;
	struct buf err = BUF_INIT;
	char *dir = xasprintf("%s/wheels", root), *sub = xasprintf("%s/sub", root);
	mkdir(dir, 0755);
	mkdir(sub, 0755);
	write_file("wheels/x-1.0-py3-none-any.whl", "PK");
	write_file("sub/more.txt", "./wheels/x-1.0-py3-none-any.whl\n");

	CHECK_INT(load_reqs("wheels/x-1.0-py3-none-any.whl\n", &env, &err), 0);
	CHECK(env.pip.n == 1 && env.pip.v[0].local &&
	      !strcmp(env.pip.v[0].local, "wheels/x-1.0-py3-none-any.whl"));
	CHECK(strlist_has(&env.input_names, "wheels/x-1.0-py3-none-any.whl"));
	env_free(&env);
	CHECK_INT(load_reqs("-r sub/more.txt\n", &env, &err), 0);
	CHECK(strlist_has(&env.input_names, "wheels/x-1.0-py3-none-any.whl"));
	env_free(&env);
	CHECK(load_reqs("wheels/y-1.0-py3-none-any.whl\n", &env, &err) != 0 &&
	      strstr(err.data, "requirements.txt:1:1: the wheel \"wheels/y-1.0-py3-none-any.whl\" "
		     "is not a file in the model folder"));
	env_free(&env);
	write_file("c.txt", "wheels/x-1.0-py3-none-any.whl\n");
	CHECK(load_reqs("-c c.txt\n", &env, &err) != 0 && strstr(err.data, "constraint cannot be a file"));
	env_free(&env);
	mkdir(sub, 0755);
	char *fake = xasprintf("%s/sub/z-1.0-py3-none-any.whl", root);
	mkdir(fake, 0755);
	CHECK(load_reqs("sub/z-1.0-py3-none-any.whl\n", &env, &err) != 0 &&
	      strstr(err.data, "not a regular file"));
	env_free(&env);
	rmdir(fake);
	free(fake);
	free(dir);
	free(sub);
	buf_free(&err);
}

int main(void)
{
	for (size_t i = 0; i < sizeof conda_cases / sizeof *conda_cases; i++)
		check_conda(&conda_cases[i]);
	for (size_t i = 0; i < sizeof conda_bad / sizeof *conda_bad; i++)
		check_refused(conda_spec_parse, conda_bad[i], "conda spec");
	check_refused(conda_spec_parse, "=1.2", "no package name");
	for (size_t i = 0; i < sizeof pip_cases / sizeof *pip_cases; i++)
		check_pip(&pip_cases[i]);
	for (size_t i = 0; i < sizeof local_cases / sizeof *local_cases; i++)
		check_local(&local_cases[i]);
	for (size_t i = 0; i < sizeof pip_bad / sizeof *pip_bad; i++)
		check_refused(pip_req_parse, pip_bad[i], NULL);
	for (size_t i = 0; i < sizeof pip_bad_says / sizeof *pip_bad_says; i++)
		check_refused(pip_req_parse, pip_bad_says[i].text, pip_bad_says[i].says);
	char *k = dep_key("Ruamel.YAML__clib", 17);
	CHECK_STR(k, "ruamel-yaml-clib");
	free(k);
	char *r = url_redact_userinfo("--extra-index-url https://user:s3cret@pypi.example/simple x");
	CHECK_STR(r, "--extra-index-url https://***@pypi.example/simple x");
	free(r);
	r = url_redact_userinfo("https://pypi.example/simple");
	CHECK_STR(r, "https://pypi.example/simple");
	free(r);
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	check_reqfiles();
	check_local_wheels();
	char *cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd))
		printf("# could not remove %s\n", root);
	free(cmd);
	return T_DONE();
}
