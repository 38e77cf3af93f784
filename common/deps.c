/* Small containers for deps.h; nothing here knows about file formats. */
#include "deps.h"
#include "server_releases.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void strlist_add(struct strlist *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = xstrdup(s);
}

int strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

struct dep *deplist_push(struct deplist *l)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	memset(&l->v[l->n], 0, sizeof l->v[l->n]);
	return &l->v[l->n++];
}

void dep_free(struct dep *d)
{
	free(d->name);
	free(d->key);
	free(d->spec);
	free(d->text);
	free(d->url);
	free(d->local);
	free(d->marker);
	free(d->channel);
	free(d->build);
	free(d->where);
	memset(d, 0, sizeof *d);
}

void deplist_free(struct deplist *l)
{
	for (size_t i = 0; i < l->n; i++)
		dep_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void env_free(struct env *e)
{
	free(e->python);
	free(e->python_where);
	strlist_free(&e->channels);
	deplist_free(&e->conda);
	deplist_free(&e->pip);
	strlist_free(&e->pip_options);
	strlist_free(&e->inputs);
	strlist_free(&e->input_names);
	free(e->base_dir);
	free(e->model_dir);
	free(e->mlflow_version);
	free(e->env_file);
	memset(e, 0, sizeof *e);
}

char *dep_key(const char *name, size_t len)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (c == '-' || c == '_' || c == '.') {
			while (i + 1 < len && strchr("-_.", name[i + 1]))
				i++;
			buf_addc(&b, '-');
		} else {
			buf_addc(&b, (char)tolower((unsigned char)c));
		}
	}
	return buf_steal(&b);
}

const char *pin_name(enum pin_class pin)
{
	static const char *const names[] = { "exact", "range", "unpinned" };
	return names[pin];
}

/* "==2.0.3", "=2.0.3=py310_0", " 2.0.3": the version alone, into out;
 * 0 when there is none, it does not fit, or it holds bytes no version
 * has (it ends up in messages and logs). */
static int exact_version(const char *spec, char *out, size_t size)
{
	static const char version_chars[] = "0123456789abcdefghijklmnopqrstuvwxyz"
					    "ABCDEFGHIJKLMNOPQRSTUVWXYZ.+-_!";
	spec += strspn(spec, " =");
	size_t n = strcspn(spec, " =");
	if (!n || n >= size || strspn(spec, version_chars) < n)
		return 0;
	memcpy(out, spec, n);
	out[n] = '\0';
	return 1;
}

/* Is key installed by the environment (conda, or a pip requirement)? */
static int installs(const struct env *env, const char *key)
{
	for (size_t i = 0; i < env->conda.n; i++)
		if (!strcmp(env->conda.v[i].key, key))
			return 1;
	for (size_t i = 0; i < env->pip.n; i++)
		if (env->pip.v[i].role == ROLE_INSTALL && !strcmp(env->pip.v[i].key, key))
			return 1;
	return 0;
}

/* A pin a server's resolver meets for sure: exact, for every platform (a
 * marker may make it apply or not: not judged), a version rather than a
 * URL or a wheel file, and installed (a -c constraint pins only what
 * something installs). */
static size_t add_pin(const struct env *env, struct model_pin *pins, size_t n, size_t max,
		      const struct dep *d)
{
	struct model_pin pin = { d->key, { 0 }, d->where };
	if (d->pin != PIN_EXACT || d->marker || d->url || d->local || d->role == ROLE_BUILD ||
	    (d->role == ROLE_CONSTRAINT && !installs(env, d->key)) ||
	    !exact_version(d->spec, pin.version, sizeof pin.version))
		return n;
	size_t at = 0;
	while (at < n && strcmp(pins[at].name, d->key))
		at++;
	if (at == max)
		return n;
	pins[at] = pin;  /* pip installs after conda: its pin of a name wins */
	return at == n ? n + 1 : n;
}

size_t env_exact_pins(const struct env *env, struct model_pin *pins, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < env->conda.n; i++)
		if (strcmp(env->conda.v[i].key, "python"))
			n = add_pin(env, pins, n, max, &env->conda.v[i]);
	for (size_t i = 0; i < env->pip.n; i++)
		n = add_pin(env, pins, n, max, &env->pip.v[i]);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(pins[i].name, "mlflow"))
			return n;
	struct model_pin ml = { "mlflow", { 0 }, "MLmodel mlflow_version" };
	if (env->mlflow_version && n < max &&
	    exact_version(env->mlflow_version, ml.version, sizeof ml.version))
		pins[n++] = ml;
	return n;
}

char *url_redact_userinfo(const char *text)
{
	struct buf b = BUF_INIT;
	const char *p = text;
	const char *scheme;
	while ((scheme = strstr(p, "://"))) {
		const char *host = scheme + 3;
		size_t auth = strcspn(host, "/@ ");
		buf_add(&b, p, (size_t)(host - p));
		if (host[auth] == '@') {
			buf_adds(&b, "***");
			host += auth;
		}
		p = host;
	}
	buf_adds(&b, p);
	return buf_steal(&b);
}
