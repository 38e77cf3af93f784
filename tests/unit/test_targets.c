/* prebake's serving-stack data: Requires-Python per release and the
 * comparison of a model's python with it. */
#include "t.h"
#include "targets.h"

struct py_case {
	const char *version, *spec;
	int want;
};

static const struct py_case py_cases[] = {
	{ "3.11.7", ">=3.9,<3.12", 1 },
	{ "3.12.1", ">=3.9,<3.12", 0 },
	{ "3.12", ">=3.9,<3.12", 0 },
	{ "3.11", ">=3.11.4", 1 },     /* a minor line: 3.11.9 fits */
	{ "3.11", "<3.11.0", 0 },
	{ "3.11", "==3.11.5", 1 },     /* 3.11.5 is on the line */
	{ "3.11", "!=3.11.*", 0 },
	{ "3.8.10", ">=3.9,<3.12", 0 },
	{ "3.9", ">=3.9,<3.12", 1 },
	{ "3.9.0", ">=3.9", 1 },
	{ "3.10.12", ">=3.8", 1 },
	{ "3.10.12", " >= 3.8 , < 4 ", 1 },
	{ "3.10.12", "!=3.10.12", 0 },
	{ "3.10.12", "!=3.10.*", 0 },
	{ "3.11.2", "==3.11.*", 1 },
	{ "3.10.12", "~=3.8", 1 },
	{ "4.0", "~=3.8", 0 },
	{ "3.7.17", ">3.7", 1 },
	{ "3.7", ">3.7", 1 },          /* 3.7.1 > 3.7 */
	{ "3.7.0", ">3.7", 0 },
	{ "3.7.1", "<=3.7", 0 },
	{ ">", ">=3.9", -1 },        /* a conda range, not a version */
	{ "3.10.12", ">=3.9,<3.12 or so", -1 },
	{ "3.10.x", ">=3.9", -1 },
	{ "3.10.12", "~=3", -1 },     /* ~= needs two parts: not judged */
};

int main(void)
{
	for (size_t i = 0; i < sizeof py_cases / sizeof *py_cases; i++) {
		printf("# python %s against \"%s\"\n", py_cases[i].version, py_cases[i].spec);
		CHECK_INT(python_satisfies(py_cases[i].version, py_cases[i].spec), py_cases[i].want);
	}
	const struct target *mls = target_find("mlserver");
	CHECK(mls != NULL);
	CHECK_STR(target_requires_python(mls, "1.6.1"), ">=3.9,<3.12");
	CHECK(target_requires_python(mls, "0.0.1") == NULL);
	/* every target's default release has its Requires-Python on record */
	for (const char *const *n = (const char *const[]){ "mlserver", "seldon", NULL }; *n; n++) {
		const struct target *t = target_find(*n);
		CHECK(t && target_requires_python(t, t->version) != NULL);
	}
	/* prebake's releases come from initc's table: the defaults are in it */
	for (const char *const *n = (const char *const[]){ "mlserver", "seldon", NULL }; *n; n++) {
		const struct target *t = target_find(*n);
		CHECK(t && target_release(t, t->version) != NULL);
	}
	const struct server_release *r = target_release(target_find("seldon"), "1.17.1");
	CHECK_STR(r ? r->server : NULL, "MLFLOW_SERVER");
	CHECK(target_release(target_find("mlserver"), "1.4.0") == NULL);  /* no Core 2 ships it */
	return T_DONE();
}
