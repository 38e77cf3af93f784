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

static int refuse_target(const char *why, const char *kv)
{
	log_kv(LOG_ERROR, why, "%s", kv);
	log_termination("initc: %s", why);
	return EXIT_USAGE;
}

static int unknown_server(const char *name)
{
	const char *near = profile_nearest(name);
	char *why = xasprintf("unknown server name \"%s\" (from --server or INITC_SERVER): %s%s%s"
			      "`initc servers` lists every known name", name, near ? "did you mean " : "",
			      near ? near : "", near ? "? " : "");
	char *kv = xasprintf("server=%s", log_q(name));
	int rc = refuse_target(why, kv);
	free(why);
	free(kv);
	return rc;
}

static int unknown_release(const struct profile *p, const char *version)
{
	struct buf near = BUF_INIT;
	size_t known;
	releases_of(profile_release_key(p), &known);
	if (!known) {  /* nothing to pick from: the layout rules hold for every release */
		char *why = xasprintf("initc's table has no releases of %s (its rules do not depend "
				      "on one): give --server %s, without \":%s\"", p->name, p->name,
				      version);
		char *kv = xasprintf("server=%s release=%s", p->name, log_q(version));
		int rc = refuse_target(why, kv);
		free(why);
		free(kv);
		return rc;
	}
	release_nearest(profile_release_key(p), version, &near);
	char *why = xasprintf("%s has no release \"%s\" in initc's table%s%s: give the tag of the "
			      "image you run; `initc servers %s` lists the releases initc knows",
			      p->name, version, near.len ? "; nearest known: " : "",
			      near.len ? near.data : "", p->name);
	char *kv = xasprintf("server=%s release=%s", p->name, log_q(version));
	int rc = refuse_target(why, kv);
	free(why);
	free(kv);
	buf_free(&near);
	return rc;
}

static int empty_release(const struct profile *p)
{
	char *why = xasprintf("\"%s:\" names no release: give the tag of the image you run "
			      "(`initc servers %s` lists them), or no ':' for the newest initc knows",
			      p->name, p->name);
	char *kv = xasprintf("server=%s", p->name);
	int rc = refuse_target(why, kv);
	free(why);
	free(kv);
	return rc;
}

/* "MLFLOW_SERVER:1.17.1" -> the profile at that release. */
static int find_target(const char *spec, struct target *t)
{
	const char *colon = strchr(spec, ':');
	char *name = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
	const struct profile *p = profile_find(name);
	const struct server_release *r = NULL;
	int rc = 0;

	if (!p)
		rc = unknown_server(name);
	else if (colon && !colon[1])
		rc = empty_release(p);
	else if (colon && !(r = release_find(profile_release_key(p), colon + 1)))
		rc = unknown_release(p, colon + 1);
	if (!rc) {
		profile_at_release(p, r, &t->at);
		t->profile = &t->at;
		if (!colon && t->at.release)
			log_kv(LOG_INFO, "no server release given; judging against the newest known",
			       "server=%s release=%s image=%s hint=%s", p->name, t->at.release->version,
			       log_q(t->at.image), log_q("give NAME:VERSION (the tag of the image you "
			       "run), e.g. --server MLFLOW_SERVER:1.17.1"));
	}
	free(name);
	return rc;
}

/* A Core 2 Server and the Model's requirements: each must be a
 * capability of that Server (else the Model never lands there); the
 * agent writes a missing model-settings.json from them. */
static int v2_requirements(const struct verify_opts *o, struct target *t)
{
	struct buf err = BUF_INIT;
	int rc = requirements_fit_server(o->requirements, t->at.name, &err);
	if (rc) {
		log_kv(LOG_ERROR, "bad Seldon Core v2 requirements", "server=%s requirements=%s "
		       "reason=%s", t->at.name, log_q(o->requirements), log_q(err.data));
		log_termination("initc: bad Seldon Core v2 requirements \"%s\" (from --requirements "
				"or INITC_REQUIREMENTS) for --server %s: %s", o->requirements,
				t->at.name, err.data);
	}
	t->at.v2_requirements = o->requirements;
	buf_free(&err);
	return rc;
}

int resolve_target(const struct verify_opts *o, struct target *t)
{
	memset(t, 0, sizeof *t);
	t->strict = o->strict;
	if (o->server && *o->server) {
		int rc = find_target(o->server, t);
		if (rc)
			return rc;
	}
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
		if (!t->profile && rt) {
			profile_at_release(rt, NULL, &t->at);
			t->profile = &t->at;
		}
		buf_free(&err);
		if (t->profile && t->profile->family == FAMILY_SELDON_V2)
			return v2_requirements(o, t);
	}
	return 0;
}

/* ---- the options -------------------------------------------------------- */

int verify_opts_from_env(struct verify_opts *o)
{
	memset(o, 0, sizeof *o);
	o->server = getenv("INITC_SERVER");
	o->requirements = getenv("INITC_REQUIREMENTS");
	/* main checks them before a download; `initc check` relies on this */
	static const char *const names[] = { "INITC_FIX", "INITC_STRICT" };
	int *const into[] = { &o->fix, &o->strict };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		if (env_bool(names[i], 0, into[i]) < 0) {
			log_kv(LOG_ERROR, "bad value", "name=%s value=%s hint=%s", names[i],
			       log_q(getenv(names[i])), log_q("true or false"));
			return EXIT_USAGE;
		}
	}
	return 0;
}

int verify_opts_check(const struct verify_opts *o)
{
	struct target t;
	return resolve_target(o, &t);
}

/* ---- after a download ------------------------------------------------- */

/* A warning fails only under --strict: the model loads, but not as it was
 * saved (the seed's moved pins). */
static int report_warning(const struct model *m, const struct target *t, const struct verdict *v,
			  struct buf *reason)
{
	const struct profile *p = t->profile;
	log_kv(t->strict ? LOG_ERROR : LOG_WARN, "the server would not run the model as it was saved",
	       "server=%s release=%s model=%s reason=%s%s", p->name,
	       p->release ? p->release->version : "unknown", log_q(m->label), log_q(v->warn.data),
	       t->strict ? "" : " hint=\"--strict (INITC_STRICT=1) makes this fail with exit 11\"");
	if (!t->strict)
		return 0;
	buf_adds(reason, v->warn.data);
	return EXIT_POLICY;
}

static int report_target(const char *dir, struct model *m, const struct target *t,
			 const struct verify_opts *o, struct buf *reason)
{
	struct verdict v;
	int rc = 0;
	const struct profile *p = t->profile;

	/* the environment files it installs over must parse first */
	if (p->installs_over_env && (rc = model_load_pins(m))) {
		log_kv(LOG_ERROR, "model is broken", "server=%s model=%s reason=%s", p->name,
		       log_q(m->label), log_q(m->problems.data));
		buf_adds(reason, m->problems.data);
		return rc;
	}
	judge(m, p, &v);
	if (v.fit == FIT_OK) {
		log_kv(LOG_INFO, "model fits server", "server=%s release=%s model=%s detail=%s",
		       p->name, p->release ? p->release->version : "unknown", log_q(m->label),
		       log_q(v.why.data));
	} else if (v.fit == FIT_FIX && o->fix && dir) {
		rc = apply_fix(dir, m, p, &v);
	} else {
		log_kv(LOG_ERROR, "model does not fit server", "server=%s release=%s model=%s reason=%s",
		       p->name, p->release ? p->release->version : "unknown", log_q(m->label),
		       log_q(v.why.data));
		buf_adds(reason, v.why.data);
		rc = EXIT_VERIFY;
	}
	if (!rc && v.warn.len)
		rc = report_warning(m, t, &v, reason);
	verdict_free(&v);
	return rc;
}

int verify_model_dir(const char *dir, const struct verify_opts *o, struct buf *reason)
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
		buf_printf(reason, "cannot read model folder %s: %s", dir, err.data ? err.data : "");
		if (t)
			tree_close(t);
		buf_free(&err);
		return rc;
	}
	if (m.rc) {
		log_kv(LOG_ERROR, "model is broken", "model=%s reason=%s", log_q(m.label),
		       log_q(m.problems.data));
		buf_adds(reason, m.problems.data);
		rc = m.rc;
	} else if (target.profile) {
		rc = report_target(dir, &m, &target, o, reason);
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
