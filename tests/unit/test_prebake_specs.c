/* prebake's parsers: conda MatchSpecs, pip requirement lines, names. */
#include "t.h"
#include "audit.h"
#include "deps.h"

#include <stdlib.h>

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
};

static const char *const pip_bad[] = {
	"==2.0", "numpy>>1", "numpy[extra==1", "x @ ", "./local_pkg", "file:///tmp/x.whl#egg=x",
	"https://h/simple/", "numpy==",
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

int main(void)
{
	for (size_t i = 0; i < sizeof conda_cases / sizeof *conda_cases; i++)
		check_conda(&conda_cases[i]);
	for (size_t i = 0; i < sizeof pip_cases / sizeof *pip_cases; i++)
		check_pip(&pip_cases[i]);
	for (size_t i = 0; i < sizeof pip_bad / sizeof *pip_bad; i++) {
		struct dep d = { 0 };
		struct buf err = BUF_INIT;
		int rc = pip_req_parse(pip_bad[i], &d, &err);
		printf("# %s -> %s\n", pip_bad[i], err.data ? err.data : "(accepted)");
		CHECK(rc == -1 && err.len > 0);
		dep_free(&d);
		buf_free(&err);
	}
	{
		struct dep d = { 0 };
		struct buf err = BUF_INIT;
		CHECK_INT(conda_spec_parse("=1.2", &d, &err), -1);
		CHECK(strstr(err.data, "no package name") != NULL);
		dep_free(&d);
		buf_free(&err);
	}
	char *k = dep_key("Ruamel.YAML__clib", 17);
	CHECK_STR(k, "ruamel-yaml-clib");
	free(k);
	char *r = audit_redact_url("--extra-index-url https://user:s3cret@pypi.example/simple x");
	CHECK_STR(r, "--extra-index-url https://***@pypi.example/simple x");
	free(r);
	r = audit_redact_url("https://pypi.example/simple");
	CHECK_STR(r, "https://pypi.example/simple");
	free(r);
	return T_DONE();
}
