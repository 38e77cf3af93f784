/* Model verification against the server that will load it (issue 3):
 * the options, the target server they name, and the check initc runs on
 * DEST after every download. A model is judged through struct tree only,
 * so the same rules run on a downloaded /mnt/models, on a local folder and
 * on an S3 prefix that is listed but never downloaded (`initc check`,
 * cmd_check.c). Loading is verify_model.c's job, judging verify_judge.c's,
 * fixing verify_fix.c's. */
#include "verify_int.h"
#include "rclone_config.h"

#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"

/* ---- the target ------------------------------------------------------- */

static int unknown_server(const char *name)
{
	const char *near = profile_nearest(name);
	char *why = xasprintf("unknown server name \"%s\" (from --server or INITC_SERVER): %s%s%s"
			      "`initc servers` lists every known name", name, near ? "did you mean " : "",
			      near ? near : "", near ? "? " : "");
	log_kv(LOG_ERROR, why, "server=%s", log_q(name));
	log_termination("initc: %s", why);
	free(why);
	return EXIT_USAGE;
}

int resolve_target(const struct verify_opts *o, struct target *t)
{
	memset(t, 0, sizeof *t);
	if (o->server && *o->server && !(t->profile = profile_find(o->server)))
		return unknown_server(o->server);
	if (o->requirements && *o->requirements) {
		struct buf err = BUF_INIT;
		const struct profile *rt;
		int rc = requirements_check(o->requirements, &t->v2_server, &rt, &err);
		if (rc) {
			log_kv(LOG_ERROR, "bad Seldon Core v2 requirements", "requirements=%s reason=%s",
			       log_q(o->requirements), log_q(err.data));
			log_termination("initc: bad Seldon Core v2 requirements \"%s\" (from "
					"--requirements or INITC_REQUIREMENTS): %s", o->requirements, err.data);
			buf_free(&err);
			return rc;
		}
		if (!t->profile)
			t->profile = rt;
		buf_free(&err);
	}
	return 0;
}

/* ---- the options -------------------------------------------------------- */

int verify_opts_from_env(struct verify_opts *o)
{
	memset(o, 0, sizeof *o);
	o->server = getenv("INITC_SERVER");
	o->requirements = getenv("INITC_REQUIREMENTS");
	env_bool("INITC_FIX", 0, &o->fix); /* validated by main before it gets here */
	return 0;
}

int verify_opts_check(const struct verify_opts *o)
{
	struct target t;
	return resolve_target(o, &t);
}

/* ---- after a download ------------------------------------------------- */

static int report_target(const char *dir, const struct model *m, const struct target *t,
			 const struct verify_opts *o)
{
	struct verdict v;
	int rc = 0;

	judge(m, t->profile, &v);
	if (v.warn.len)
		log_kv(LOG_WARN, "library version mismatch", "server=%s reason=%s",
		       t->profile->name, log_q(v.warn.data));
	if (v.fit == FIT_OK) {
		log_kv(LOG_INFO, "model fits server", "server=%s model=%s detail=%s",
		       t->profile->name, log_q(m->label), log_q(v.why.data));
	} else if (v.fit == FIT_FIX && o->fix && dir) {
		rc = v.warn.len ? refuse_fix(m, t->profile, &v) : apply_fix(dir, m, t->profile, &v);
	} else {
		log_kv(LOG_ERROR, "model does not fit server", "server=%s model=%s reason=%s",
		       t->profile->name, log_q(m->label), log_q(v.why.data));
		log_termination("%s", v.why.data);
		rc = EXIT_VERIFY;
	}
	verdict_free(&v);
	return rc;
}

int verify_model_dir(const char *dir, const struct verify_opts *o)
{
	struct buf err = BUF_INIT;
	struct tree *t = NULL;
	struct target target;
	struct model m;
	int rc = resolve_target(o, &target);

	if (rc)
		return rc;
	if ((rc = tree_open_local(dir, &t, &err)) || (rc = open_model(t, "", &m, &err))) {
		log_kv(LOG_ERROR, "cannot read model folder", "dir=%s reason=%s", log_q(dir),
		       log_q(err.data));
		if (t)
			tree_close(t);
		buf_free(&err);
		return rc;
	}
	if (m.rc) {
		log_kv(LOG_ERROR, "model is broken", "model=%s reason=%s", log_q(m.label),
		       log_q(m.problems.data));
		log_termination("%s", m.problems.data);
		rc = m.rc;
	} else if (target.profile) {
		rc = report_target(dir, &m, &target, o);
	} else {
		struct fit_lists l;
		judge_all(&m, &l);
		log_kv(LOG_INFO, "model verified; no target server given (set INITC_SERVER)",
		       "model=%s as_is=%s needs_fix=%s cannot=%s%s%s", log_q(m.label),
		       log_q(l.names[FIT_OK].data ? l.names[FIT_OK].data : ""),
		       log_q(l.names[FIT_FIX].data ? l.names[FIT_FIX].data : ""),
		       log_q(l.names[FIT_NO].data ? l.names[FIT_NO].data : ""),
		       target.v2_server ? " seldon_v2_server=" : "",
		       target.v2_server ? target.v2_server : "");
		fit_lists_free(&l);
	}
	model_free(&m);
	tree_close(t);
	buf_free(&err);
	return rc;
}
