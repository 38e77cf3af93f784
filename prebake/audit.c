/* Pin audit table and the --strict policy; see audit.h. */
#include "audit.h"
#include "exitcode.h"

#include <stdlib.h>
#include <string.h>

struct row {
	const char *package, *from, *pin, *where;
	char *spec;
};

static const char *const headers[] = { "PACKAGE", "FROM", "SPEC", "PIN", "WHERE" };

/* The tightest -c constraint on d's name, if it pins tighter than d. */
static const struct dep *tighter_constraint(const struct env *env, const struct dep *d)
{
	const struct dep *best = NULL;
	if (d->source != DEP_PIP || d->role == ROLE_CONSTRAINT || d->url)
		return NULL;
	for (size_t i = 0; i < env->pip.n; i++) {
		const struct dep *c = &env->pip.v[i];
		if (c->role == ROLE_CONSTRAINT && !strcmp(c->key, d->key) &&
		    c->pin < (best ? best->pin : d->pin))
			best = c;
	}
	return best;
}

enum pin_class audit_effective_pin(const struct env *env, const struct dep *d)
{
	const struct dep *c = tighter_constraint(env, d);
	return c ? c->pin : d->pin;
}

static const char *role_name(const struct dep *d)
{
	if (d->source == DEP_CONDA)
		return "conda";
	switch (d->role) {
	case ROLE_BUILD: return "pip-build";
	case ROLE_CONSTRAINT: return "constraint";
	default: return "pip";
	}
}

static char *spec_text(const struct env *env, const struct dep *d)
{
	const struct dep *c = tighter_constraint(env, d);
	if (c)
		return xasprintf("%s (-c %s)", *d->spec ? d->spec : "*", c->spec);
	if (d->channel)
		return xasprintf("%s (channel %s)", *d->spec ? d->spec : "*", d->channel);
	if (d->url) {
		char *u = url_redact_userinfo(d->url);
		char *s = xasprintf("@ %s", u);
		free(u);
		return s;
	}
	if (d->marker)
		return xasprintf("%s ; %s", *d->spec ? d->spec : "*", d->marker);
	return xstrdup(*d->spec ? d->spec : "*");
}

static void add_row(struct row **rows, size_t *n, struct row r)
{
	*rows = xrealloc(*rows, (*n + 1) * sizeof **rows);
	(*rows)[(*n)++] = r;
}

static void count(struct audit_counts *c, enum pin_class pin)
{
	if (pin == PIN_EXACT)
		c->exact++;
	else if (pin == PIN_RANGE)
		c->range++;
	else
		c->unpinned++;
}

void audit_table(const struct env *env, struct buf *out, struct audit_counts *counts)
{
	struct row *rows = NULL;
	size_t n = 0, width[5];
	struct audit_counts c = { 0 };

	if (env->kind == ENV_VIRTUALENV) {
		add_row(&rows, &n, (struct row){ "python", "python_env", pin_name(env->python_pin),
			env->python_where, xstrdup(env->python) });
		count(&c, env->python_pin);
	} else if (!env->python) {
		add_row(&rows, &n, (struct row){ "python", "conda", pin_name(PIN_UNPINNED),
			env->env_file, xstrdup("(missing)") });
		count(&c, PIN_UNPINNED);
	}
	for (size_t i = 0; i < env->conda.n; i++) {
		const struct dep *d = &env->conda.v[i];
		add_row(&rows, &n, (struct row){ d->name, "conda", pin_name(d->pin), d->where,
			spec_text(env, d) });
		count(&c, d->pin);
	}
	for (size_t i = 0; i < env->pip.n; i++) {
		const struct dep *d = &env->pip.v[i];
		enum pin_class pin = audit_effective_pin(env, d);
		add_row(&rows, &n, (struct row){ d->name, role_name(d), pin_name(pin), d->where,
			spec_text(env, d) });
		if (d->role != ROLE_CONSTRAINT)
			count(&c, pin);
	}
	for (size_t k = 0; k < 5; k++)
		width[k] = strlen(headers[k]);
	for (size_t i = 0; i < n; i++) {
		const char *cells[5] = { rows[i].package, rows[i].from, rows[i].spec, rows[i].pin,
					 rows[i].where };
		for (size_t k = 0; k < 5; k++)
			if (strlen(cells[k]) > width[k])
				width[k] = strlen(cells[k]);
	}
	buf_printf(out, "%-*s  %-*s  %-*s  %-*s  %s\n", (int)width[0], headers[0],
		   (int)width[1], headers[1], (int)width[2], headers[2], (int)width[3],
		   headers[3], headers[4]);
	for (size_t i = 0; i < n; i++) {
		buf_printf(out, "%-*s  %-*s  %-*s  %-*s  %s\n", (int)width[0], rows[i].package,
			   (int)width[1], rows[i].from, (int)width[2], rows[i].spec,
			   (int)width[3], rows[i].pin, rows[i].where);
		free(rows[i].spec);
	}
	free(rows);
	buf_printf(out, "%d exact, %d range, %d unpinned\n", c.exact, c.range, c.unpinned);
	if (counts)
		*counts = c;
}

int audit_strict(const struct env *env, struct buf *err)
{
	int bad = 0;
	buf_reset(err);
	if (!env->python || env->python_pin != PIN_EXACT) {
		buf_printf(err, "%s: python is %s; pin it to a full X.Y.Z version\n",
			   env->python_where ? env->python_where : env->env_file,
			   env->python ? "not pinned exactly" : "missing");
		bad++;
	}
	for (size_t i = 0; i < env->conda.n; i++) {
		const struct dep *d = &env->conda.v[i];
		if (d->pin != PIN_EXACT && strcmp(d->key, "python")) {
			buf_printf(err, "%s: %s is not pinned exactly (\"%s\"); pin it as "
				   "%s=X.Y.Z\n", d->where, d->name, d->text, d->name);
			bad++;
		}
	}
	for (size_t i = 0; i < env->pip.n; i++) {
		const struct dep *d = &env->pip.v[i];
		enum pin_class pin = audit_effective_pin(env, d);
		if (d->role == ROLE_CONSTRAINT || pin == PIN_EXACT)
			continue;
		if (d->url)
			buf_printf(err, "%s: %s comes from a URL that can change; point it at a "
				   "commit id or a wheel file\n", d->where, d->name);
		else
			buf_printf(err, "%s: %s is not pinned exactly (\"%s\"); pin it as "
				   "%s==X.Y.Z\n", d->where, d->name, d->text, d->name);
		bad++;
	}
	if (bad && err->len && err->data[err->len - 1] == '\n')
		err->data[--err->len] = '\0';
	return bad ? EXIT_POLICY : 0;
}

/* conda's mlflow first: conda installs it before pip runs. */
const struct dep *audit_find_mlflow(const struct env *env)
{
	for (size_t i = 0; i < env->conda.n; i++)
		if (!strcmp(env->conda.v[i].key, "mlflow"))
			return &env->conda.v[i];
	for (size_t i = 0; i < env->pip.n; i++)
		if (env->pip.v[i].role == ROLE_INSTALL && !strcmp(env->pip.v[i].key, "mlflow"))
			return &env->pip.v[i];
	return NULL;
}

/* A conda mlflow is held by conda-lock.txt at whatever conda chose; a pip
 * hold on top could only contradict it. */
const char *audit_mlflow_hold(const struct env *env)
{
	const struct dep *d = audit_find_mlflow(env);
	if (d && (d->source == DEP_CONDA || audit_effective_pin(env, d) == PIN_EXACT))
		return NULL;
	return env->mlflow_version;
}

size_t audit_hashed(const struct env *env, size_t *installed)
{
	size_t hashed = 0, total = 0;
	for (size_t i = 0; i < env->pip.n; i++) {
		if (env->pip.v[i].role != ROLE_INSTALL)
			continue;
		total++;
		hashed += strstr(env->pip.v[i].text, "--hash") != NULL;
	}
	if (installed)
		*installed = total;
	return hashed;
}
