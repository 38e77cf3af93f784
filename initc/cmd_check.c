/* `initc check [--recursive] [--json] [--server S] [--requirements R]
 * URI|DIR`: judge the model at a local folder or an S3 prefix (listed,
 * never downloaded) against the target server, or against every server
 * when none is given; with --recursive, every MLflow model below it. */
#include "verify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connstr.h"
#include "exitcode.h"
#include "log.h"

struct row {
	char *path;          /* model folder relative to the tree root, "." */
	char *flavors;
	const char *status;  /* ok, fix, fail, error */
	struct buf detail;
	struct buf warn;
	struct fit_lists lists;
	int rc;
};

static void row_fill(struct row *r, struct model *m, const struct target *t)
{
	struct buf fl = BUF_INIT;
	memset(r, 0, sizeof *r);
	r->path = xstrdup(*m->root ? m->root : ".");
	if (m->has_mlmodel)
		mlmodel_flavor_list(&m->ml, &fl);
	r->flavors = buf_steal(&fl);
	if (t->profile && t->profile->installs_over_env)
		model_load_pins(m);  /* before the lists: a broken env is a problem of the model */
	judge_all(m, &r->lists);
	if (m->rc) {
		r->status = m->rc == EXIT_INPUT ? "error" : "fail";
		r->rc = m->rc;
		buf_adds(&r->detail, m->problems.data);
	} else if (t->profile) {
		struct verdict v;
		judge(m, t->profile, &v);
		r->status = v.fit == FIT_OK ? "ok" : v.fit == FIT_FIX ? "fix" : "fail";
		r->rc = v.fit == FIT_OK ? 0 : EXIT_VERIFY;
		buf_adds(&r->detail, v.why.data);
		if (v.warn.len) {
			buf_adds(&r->warn, v.warn.data);
			if (t->strict && !r->rc)
				r->rc = EXIT_POLICY;  /* the warning fails the run, the row keeps "ok" */
		}
		verdict_free(&v);
	} else {
		r->status = "ok";
		buf_printf(&r->detail, "loads as-is: %s", r->lists.names[FIT_OK].len ?
			   r->lists.names[FIT_OK].data : "none");
		if (r->lists.names[FIT_FIX].len)
			buf_printf(&r->detail, "; after a fix: %s", r->lists.names[FIT_FIX].data);
	}
}

static void row_free(struct row *r)
{
	free(r->path);
	free(r->flavors);
	buf_free(&r->detail);
	buf_free(&r->warn);
	fit_lists_free(&r->lists);
}

static void rows_json(struct buf *out, const char *label, const struct target *t,
		      const struct row *rows, size_t n, size_t failed)
{
	buf_adds(out, "{\"root\":");
	json_str(out, label);
	buf_adds(out, ",\"server\":");
	if (t->profile)
		json_str(out, t->profile->name);
	else
		buf_adds(out, "null");
	buf_adds(out, ",\"release\":");
	if (t->profile && t->profile->release)
		json_str(out, t->profile->release->version);
	else
		buf_adds(out, "null");
	buf_adds(out, ",\"models\":[");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		buf_adds(out, i ? ",{\"path\":" : "{\"path\":");
		json_str(out, r->path);
		buf_adds(out, ",\"flavors\":");
		json_list(out, r->flavors);
		buf_adds(out, ",\"status\":");
		json_str(out, r->status);
		buf_adds(out, ",\"detail\":");
		json_str(out, r->detail.data);
		buf_adds(out, ",\"warning\":");
		if (r->warn.len)
			json_str(out, r->warn.data);
		else
			buf_adds(out, "null");
		buf_adds(out, ",\"servers\":{\"ok\":");
		json_list(out, r->lists.names[FIT_OK].data);
		buf_adds(out, ",\"fix\":");
		json_list(out, r->lists.names[FIT_FIX].data);
		buf_adds(out, ",\"no\":");
		json_list(out, r->lists.names[FIT_NO].data);
		buf_adds(out, "}}");
	}
	buf_printf(out, "],\"failed\":%zu}\n", failed);
}

/* Cells are redacted before the widths are measured: what is printed is
 * what is aligned. */
static void rows_table(struct buf *out, const struct row *rows, size_t n)
{
	char **path = xcalloc(n + 1, sizeof *path), **flavors = xcalloc(n + 1, sizeof *flavors);
	int wp = 5, wf = 7;
	for (size_t i = 0; i < n; i++) {
		path[i] = log_redact_dup(rows[i].path);
		flavors[i] = log_redact_dup(*rows[i].flavors ? rows[i].flavors : "-");
		int lp = (int)strlen(path[i]), lf = (int)strlen(flavors[i]);
		wp = lp > wp ? lp : wp;
		wf = lf > wf ? lf : wf;
	}
	buf_printf(out, "%-*s  %-*s  %-6s %s\n", wp, "MODEL", wf, "FLAVORS", "STATUS", "DETAIL");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		buf_printf(out, "%-*s  %-*s  %-6s %s\n", wp, path[i], wf, flavors[i], r->status,
			   r->detail.data);
		if (r->warn.len)
			buf_printf(out, "%-*s  %-*s  %-6s %s\n", wp, "", wf, "", "warn", r->warn.data);
		free(path[i]);
		free(flavors[i]);
	}
	free(path);
	free(flavors);
}

/* With one model and no target, show the verdict of every server at
 * its newest release. */
static void servers_for_model(struct buf *out, struct model *m)
{
	size_t n;
	const struct profile *all = profiles_all(&n);
	buf_printf(out, "\n%-18s %-4s %s\n", "SERVER", "FIT", "WHY");
	for (size_t i = 0; i < n; i++) {
		struct verdict v;
		struct profile newest;
		profile_at_release(&all[i], NULL, &newest);
		if (newest.installs_over_env)
			model_load_pins(m);
		judge(m, &newest, &v);
		buf_printf(out, "%-18s %-4s %s\n", all[i].name, fit_name(v.fit), v.why.data);
		if (v.warn.len)
			buf_printf(out, "%-18s %-4s %s\n", "", "warn", v.warn.data);
		verdict_free(&v);
	}
}

/* Every folder holding an MLmodel, in listing order ("" for the top). */
static size_t find_models(const struct files *all, char ***roots)
{
	size_t n = 0;
	*roots = NULL;
	for (size_t i = 0; i < all->n; i++) {
		const char *p = all->v[i].path, *slash = strrchr(p, '/');
		if (strcmp(slash ? slash + 1 : p, "MLmodel"))
			continue;
		*roots = xrealloc(*roots, (n + 1) * sizeof **roots);
		(*roots)[n++] = xstrndup(p, slash ? (size_t)(slash - p) : 0);
	}
	return n;
}

struct check_args {
	int recursive, json;
	struct verify_opts opts;
	const char *where;
};

static int usage(void)
{
	fprintf(stderr, "usage: initc check [--recursive] [--json] [--strict] "
		"[--server NAME[:VERSION]] [--requirements LIST] URI|DIR\n");
	return EXIT_USAGE;
}

static int parse_check_args(int argc, char **argv, struct check_args *a)
{
	int rc = verify_opts_from_env(&a->opts);
	if (rc)
		return rc;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--recursive") || !strcmp(arg, "-r"))
			a->recursive = 1;
		else if (!strcmp(arg, "--json"))
			a->json = 1;
		else if (!strcmp(arg, "--strict"))
			a->opts.strict = 1;
		else if (!strcmp(arg, "--server") && i + 1 < argc)
			a->opts.server = argv[++i];
		else if (!strncmp(arg, "--server=", 9))
			a->opts.server = arg + 9;
		else if (!strcmp(arg, "--requirements") && i + 1 < argc)
			a->opts.requirements = argv[++i];
		else if (!strncmp(arg, "--requirements=", 15))
			a->opts.requirements = arg + 15;
		else if (arg[0] == '-' && arg[1])
			return usage();
		else if (a->where)
			return usage();
		else
			a->where = arg;
	}
	return a->where ? 0 : usage();
}

/* Which exit code a run with several failing models ends with: malformed
 * input outranks a misfit (it needs fixing first), and a misfit outranks
 * a warning made fatal by --strict. */
static int severity(int rc)
{
	return rc == EXIT_INPUT ? 3 : rc == EXIT_POLICY ? 1 : rc ? 2 : 0;
}

static int check_tree(struct tree *tree, const struct check_args *a, const struct target *t)
{
	struct files all = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	char **roots = NULL;
	size_t nroots = 0, failed = 0;
	int rc = tree->list(tree, collect_entry, &all, &err);

	if (rc) {
		log_kv(LOG_ERROR, "cannot list", "where=%s reason=%s", log_q(tree->label),
		       log_q(err.data));
		goto out;
	}
	if (a->recursive) {
		nroots = find_models(&all, &roots);
	} else {
		nroots = 1;
		roots = xmalloc(sizeof *roots);
		roots[0] = xstrdup("");
	}
	if (nroots == 0) {
		log_kv(LOG_ERROR, "no MLflow model found", "where=%s files=%zu hint=%s",
		       log_q(tree->label), all.n, log_q("no MLmodel file below this prefix: "
		       "check the bucket and path"));
		rc = EXIT_NOTFOUND;
		goto out;
	}
	struct row *rows = xcalloc(nroots, sizeof *rows);
	struct model one = { 0 };
	for (size_t i = 0; i < nroots; i++) {
		struct model m;
		model_load(&m, tree, &all, roots[i]);
		row_fill(&rows[i], &m, t);
		if (rows[i].rc) {
			failed++;
			if (severity(rows[i].rc) > severity(rc))
				rc = rows[i].rc;
		}
		if (!a->recursive)
			one = m;
		else
			model_free(&m);
	}
	if (a->json) {
		rows_json(&out, tree->label, t, rows, nroots, failed);
	} else {
		rows_table(&out, rows, nroots);
		if (!a->recursive && !t->profile && !one.rc)
			servers_for_model(&out, &one);
		if (t->v2_server)
			buf_printf(&out, "\nSeldon Core v2: requirements \"%s\" schedule on %s\n",
				   a->opts.requirements, t->v2_server);
	}
	if (!a->recursive)
		model_free(&one);
	for (size_t i = 0; i < nroots; i++)
		row_free(&rows[i]);
	free(rows);
	/* JSON: json_str redacted every value; text: redacted as a whole */
	if (a->json)
		fputs(out.data ? out.data : "", stdout);
	else
		log_print_redacted(stdout, out.data ? out.data : "");
	fflush(stdout);
out:
	for (size_t i = 0; roots && i < nroots; i++)
		free(roots[i]);
	free(roots);
	files_free(&all);
	buf_free(&err);
	buf_free(&out);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	struct check_args a = { 0 };
	struct target t;
	struct tree *tree = NULL;
	struct buf err = BUF_INIT;
	int rc = parse_check_args(argc, argv, &a);

	if (!rc)
		rc = resolve_target(&a.opts, &t);
	if (rc)
		return rc;
	int remote = conn_remote_len(a.where) > 0; /* as initc SRC DEST reads it */
	rc = remote ? tree_open_remote(a.where, &tree, &err) : tree_open_local(a.where, &tree, &err);
	if (rc) {
		/* a URI that did not parse may hold secrets where the reason
		 * names only its structure: the reason alone, then */
		if (remote)
			log_kv(LOG_ERROR, "cannot open the URI", "reason=%s", log_q(err.data));
		else
			log_kv(LOG_ERROR, "cannot open", "where=%s reason=%s", log_q(a.where),
			       log_q(err.data));
		buf_free(&err);
		return rc;
	}
	rc = check_tree(tree, &a, &t);
	tree_close(tree);
	buf_free(&err);
	return rc;
}
