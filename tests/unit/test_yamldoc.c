/* The YAML tree (common/yamldoc.h): structure, positions, nulls, and the
 * refusals (aliases, depth, size) with file:line:col errors. Expected
 * positions of parse errors are the ones PyYAML reports for the same
 * text (same scanner as libyaml). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "yamldoc.h"

static struct ynode *load(const char *text, struct buf *err)
{
	buf_reset(err);
	return ydoc_load_mem("f.yaml", text, strlen(text), err);
}

static int starts_with(const struct buf *b, const char *prefix)
{
	return b->data && !strncmp(b->data, prefix, strlen(prefix));
}

/* Does ydoc_get(node, key) return NULL without crashing? Run in a child. */
static int survives_ydoc_get(const struct ynode *node, const char *key)
{
	int status;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(ydoc_get(node, key) == NULL ? 0 : 1);
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

static const char mlmodel[] =
	"artifact_path: model\n"                    /* 1 */
	"flavors:\n"                                /* 2 */
	"  python_function:\n"                      /* 3 */
	"    env:\n"                                /* 4 */
	"      conda: conda.yaml\n"                 /* 5 */
	"    loader_module: mlflow.sklearn\n"       /* 6 */
	"  sklearn: {sklearn_version: 1.3.0, pickled_model: model.pkl}\n" /* 7 */
	"dependencies:\n"                           /* 8 */
	"  - python=3.10\n"                         /* 9 */
	"  - pip:\n"                                /* 10 */
	"    - mlflow==2.9\n"                       /* 11 */
	"    - 'scikit-learn>=1.3'\n"               /* 12 */
	"signature: [a, \"b\"]\n";                  /* 13 */

static void test_structure(void)
{
	struct buf err = BUF_INIT;
	struct ynode *root = load(mlmodel, &err);
	CHECK(root != NULL);
	if (!root) {
		printf("# %s\n", err.data);
		return;
	}
	CHECK_INT(root->kind, YNODE_MAP);
	CHECK_INT(ydoc_len(root), 4);
	CHECK_STR(ydoc_get_str(root, "artifact_path"), "model");
	CHECK_STR(ydoc_str(ydoc_key(root, 1)), "flavors");
	CHECK(ydoc_key(root, 4) == NULL);
	CHECK(ydoc_val(root, 4) == NULL);

	struct ynode *flavors = ydoc_get(root, "flavors");
	CHECK(flavors && flavors->kind == YNODE_MAP);
	struct ynode *pf = ydoc_get(flavors, "python_function");
	CHECK_STR(ydoc_get_str(ydoc_get(pf, "env"), "conda"), "conda.yaml");
	CHECK_STR(ydoc_get_str(pf, "loader_module"), "mlflow.sklearn");
	struct ynode *sk = ydoc_get(flavors, "sklearn");
	CHECK(sk && sk->kind == YNODE_MAP);
	CHECK_STR(ydoc_get_str(sk, "sklearn_version"), "1.3.0");
	CHECK_STR(ydoc_get_str(sk, "pickled_model"), "model.pkl");
	CHECK(ydoc_get(flavors, "absent") == NULL);
	CHECK(ydoc_get(NULL, "x") == NULL);

	struct ynode *deps = ydoc_get(root, "dependencies");
	CHECK(deps && deps->kind == YNODE_SEQ);
	CHECK_INT(ydoc_len(deps), 2);
	CHECK_STR(ydoc_str(ydoc_val(deps, 0)), "python=3.10");
	CHECK(ydoc_key(deps, 0) == NULL);        /* a list has no keys */
	struct ynode *pip = ydoc_get(ydoc_val(deps, 1), "pip");
	CHECK_INT(ydoc_len(pip), 2);
	CHECK_STR(ydoc_str(ydoc_val(pip, 1)), "scikit-learn>=1.3");
	CHECK(ydoc_val(pip, 2) == NULL);
	/* not a map: NULL (in a child, as a crash here must not hide the rest) */
	CHECK(survives_ydoc_get(deps, "pip"));
	CHECK(survives_ydoc_get(ydoc_val(deps, 0), "pip"));
	struct ynode *seq = load("- pip\n- x\n", &err);
	CHECK(survives_ydoc_get(seq, "pip"));
	ydoc_free(seq);

	struct ynode *sig = ydoc_get(root, "signature");
	CHECK_INT(ydoc_len(sig), 2);
	CHECK_INT(ydoc_val(sig, 1) ? ydoc_val(sig, 1)->plain : -1, 0);
	CHECK_INT(ydoc_val(sig, 0) ? ydoc_val(sig, 0)->plain : -1, 1);
	CHECK_INT(ydoc_len(ydoc_val(sig, 0)), 0);  /* scalars have no entries */

	/* 1-based line and column of each node's start */
	struct ynode *k = ydoc_key(root, 1);
	CHECK(k && k->line == 2 && k->col == 1);
	CHECK(pf && pf->line == 4 && pf->col == 5);
	struct ynode *lm = ydoc_get(pf, "loader_module");
	CHECK(lm && lm->line == 6 && lm->col == 20);
	CHECK(sk && sk->line == 7 && sk->col == 12);
	CHECK(deps && deps->line == 9 && deps->col == 3);
	struct ynode *py = ydoc_val(deps, 0);
	CHECK(py && py->line == 9 && py->col == 5);
	struct ynode *ml = ydoc_val(pip, 0);
	CHECK(ml && ml->line == 11 && ml->col == 7);

	CHECK_STR(ydoc_kind_name(YNODE_SCALAR), "a scalar");
	CHECK_STR(ydoc_kind_name(YNODE_SEQ), "a list");
	CHECK_STR(ydoc_kind_name(YNODE_MAP), "a mapping");
	ydoc_free(root);
	buf_free(&err);
}

static void test_nulls(void)
{
	struct buf err = BUF_INIT;
	struct ynode *root = load("a:\nb: ~\nc: null\nd: Null\ne: NULL\nf: 'null'\ng: \"\"\n"
				  "h: nULL\ni: [ ]\nj: {}\n", &err);
	CHECK(root != NULL);
	static const char *const nulls[] = { "a", "b", "c", "d", "e" };
	for (size_t i = 0; i < 5; i++) {
		struct ynode *n = ydoc_get(root, nulls[i]);
		CHECK(n && n->kind == YNODE_SCALAR && n->value && ydoc_str(n) == NULL);
	}
	CHECK_STR(ydoc_get_str(root, "f"), "null");   /* quoted: a string */
	CHECK_STR(ydoc_get_str(root, "g"), "");
	CHECK_STR(ydoc_get_str(root, "h"), "nULL");   /* not a YAML null spelling */
	CHECK(ydoc_get_str(root, "i") == NULL);       /* not a scalar */
	CHECK_INT(ydoc_len(ydoc_get(root, "i")), 0);
	CHECK_INT(ydoc_get(root, "j") ? (int)ydoc_get(root, "j")->kind : -1, YNODE_MAP);
	CHECK(ydoc_get_str(root, "zz") == NULL);
	ydoc_free(root);
	buf_free(&err);
}

static void test_empty_and_documents(void)
{
	struct buf err = BUF_INIT;
	struct ynode *root = load("", &err);
	CHECK(root && root->kind == YNODE_MAP && ydoc_len(root) == 0);
	ydoc_free(root);
	root = load("# only a comment\n\n", &err);
	CHECK(root && root->kind == YNODE_MAP && ydoc_len(root) == 0);
	ydoc_free(root);
	/* the first document only */
	root = load("---\na: 1\n---\nb: 2\n", &err);
	CHECK_STR(ydoc_get_str(root, "a"), "1");
	CHECK(ydoc_get(root, "b") == NULL);
	ydoc_free(root);
	/* a top-level list or scalar is returned as such */
	root = load("- x\n- y\n", &err);
	CHECK(root && root->kind == YNODE_SEQ && ydoc_len(root) == 2);
	ydoc_free(root);
	ydoc_free(NULL);
	buf_free(&err);
}

static void test_aliases_refused(void)
{
	struct buf err = BUF_INIT;
	struct ynode *root = load("a: &x 1\nb: *x\n", &err);
	CHECK(root == NULL);
	CHECK(starts_with(&err, "f.yaml:2:4: "));
	CHECK(err.data && strstr(err.data, "alias"));
	ydoc_free(root);

	/* the classic bomb fails at its first alias */
	root = load("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n", &err);
	CHECK(root == NULL);
	CHECK(starts_with(&err, "f.yaml:2:8: "));

	/* an anchor without alias is harmless */
	root = load("a: &x 1\n", &err);
	CHECK_STR(ydoc_get_str(root, "a"), "1");
	ydoc_free(root);
	buf_free(&err);
}

static const struct { const char *text, *where; } bad_yaml[] = {
	{ "a: 1\n b: 2\n", "f.yaml:2:3: invalid YAML: " },
	{ "a: [1, 2\nb: 3\n", "f.yaml:2:2: invalid YAML: " },
	{ "k: \"unterminated\n", "f.yaml:2:1: invalid YAML: " },
	{ "a:\n\t- x\n", "f.yaml:2:1: invalid YAML: " },
};

static void test_bad_yaml(void)
{
	for (size_t i = 0; i < sizeof bad_yaml / sizeof bad_yaml[0]; i++) {
		struct buf err = BUF_INIT;
		struct ynode *root = load(bad_yaml[i].text, &err);
		printf("# bad yaml #%zu: %s\n", i, err.data ? err.data : "(no error)");
		CHECK(root == NULL);
		CHECK(starts_with(&err, bad_yaml[i].where));
		ydoc_free(root);
		buf_free(&err);
	}
}

static char *nested_lists(int depth)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < depth; i++)
		buf_addc(&b, '[');
	buf_addc(&b, 'x');
	for (int i = 0; i < depth; i++)
		buf_addc(&b, ']');
	buf_addc(&b, '\n');
	return buf_steal(&b);
}

static void test_depth_limit(void)
{
	struct buf err = BUF_INIT;
	char *ok = nested_lists(YDOC_MAX_DEPTH), *deep = nested_lists(YDOC_MAX_DEPTH + 1);
	struct ynode *root = load(ok, &err);
	CHECK(root != NULL);
	ydoc_free(root);
	root = load(deep, &err);
	CHECK(root == NULL);
	CHECK(starts_with(&err, "f.yaml:1:65: "));
	CHECK(err.data && strstr(err.data, "deep"));
	ydoc_free(root);

	/* maps count too */
	struct buf maps = BUF_INIT;
	for (int i = 0; i <= YDOC_MAX_DEPTH; i++)
		buf_printf(&maps, "%*sk:\n", 2 * i, "");
	root = load(maps.data, &err);
	CHECK(root == NULL);
	CHECK(err.data && strstr(err.data, "deep"));
	ydoc_free(root);
	buf_free(&maps);
	free(ok);
	free(deep);
	buf_free(&err);
}

static void test_files(void)
{
	char path[] = "/tmp/test_yamldoc.XXXXXX";
	struct buf err = BUF_INIT;
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	FILE *f = fdopen(fd, "w");
	fputs("name: iris\nlist:\n  - 1\n  - 2\n", f);
	fclose(f);
	struct ynode *root = ydoc_load_file(path, &err);
	CHECK_STR(ydoc_get_str(root, "name"), "iris");
	CHECK_INT(ydoc_len(ydoc_get(root, "list")), 2);
	ydoc_free(root);

	/* errors carry the file's path */
	f = fopen(path, "w");
	fputs("ok: 1\nbad: [\n", f);
	fclose(f);
	root = ydoc_load_file(path, &err);
	CHECK(root == NULL);
	CHECK(starts_with(&err, path));
	ydoc_free(root);

	/* larger than YDOC_MAX_BYTES: refused before parsing */
	f = fopen(path, "w");
	for (unsigned i = 0; i < YDOC_MAX_BYTES / 16 + 1; i++)
		fputs("# padding......\n", f);
	fclose(f);
	root = ydoc_load_file(path, &err);
	CHECK(root == NULL);
	CHECK(err.data && strstr(err.data, "larger"));
	CHECK(starts_with(&err, path));
	ydoc_free(root);
	unlink(path);

	root = ydoc_load_file("/nonexistent/MLmodel", &err);
	CHECK(root == NULL);
	CHECK(starts_with(&err, "/nonexistent/MLmodel: "));
	buf_free(&err);
}

int main(void)
{
	test_structure();
	test_nulls();
	test_empty_and_documents();
	test_aliases_refused();
	test_bad_yaml();
	test_depth_limit();
	test_files();
	return T_DONE();
}
