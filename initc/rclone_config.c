/* rclone configuration: environment, config file, connection strings.
 * See rclone_config.h for the precedence rules. */
#include "rclone_config.h"
#include "exitcode.h"
#include "connstr.h"
#include "log.h"
#include "nearest.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

extern char **environ;

static char *upper_dup(const char *s, int dash_to_underscore)
{
	char *u = xstrdup(s);
	for (char *p = u; *p; p++) {
		*p = (char)toupper((unsigned char)*p);
		if (dash_to_underscore && *p == '-')
			*p = '_';
	}
	return u;
}

void kv_free(struct kv *kvs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kvs[i].key);
		free(kvs[i].value);
	}
	free(kvs);
}

static void kv_push(struct kv **kvs, size_t *n, char *key, char *value)
{
	*kvs = xrealloc(*kvs, (*n + 1) * sizeof **kvs);
	(*kvs)[*n].key = key;
	(*kvs)[*n].value = value;
	(*kvs)[*n].bare = 0;
	(*n)++;
}

static const char *kv_get(const struct kv *kvs, size_t n, const char *key)
{
	const char *found = NULL;
	for (size_t i = 0; i < n; i++) /* the last one wins, as in rclone */
		if (!strcmp(kvs[i].key, key))
			found = kvs[i].value;
	return found;
}

/* ---- value formats ---------------------------------------------------- */

int parse_rclone_bool(const char *s, int *out)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (!strcmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int parse_flag_bool(const char *s, int *out)
{
	if (!parse_rclone_bool(s, out))
		return 0;
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes")) {
		*out = 1;
		return 0;
	}
	if (!strcasecmp(s, "false") || !strcasecmp(s, "no")) {
		*out = 0;
		return 0;
	}
	return -1;
}

int env_bool(const char *name, int def, int *out)
{
	const char *v = getenv(name);
	*out = def;
	return v && *v ? parse_flag_bool(v, out) : 0;
}

/* Go-style durations: sequences of <number><unit>, units ns us ms s m h d;
 * a bare number is seconds (rclone's fs.Duration). */
int parse_rclone_duration(const char *s, long long *ms)
{
	static const struct { const char *unit; double ms; } units[] = {
		{ "ns", 1e-6 }, { "us", 1e-3 }, { "ms", 1 }, { "s", 1000 },
		{ "m", 60000 }, { "h", 3600000 }, { "d", 86400000 },
	};
	double total = 0;
	char *end;

	if (!*s)
		return -1;
	if (!strcmp(s, "off")) {
		*ms = 0;
		return 0;
	}
	double bare = strtod(s, &end);
	if (!*end && end != s) {
		if (!isfinite(bare) || bare < 0 || bare * 1000 > 9e18)
			return -1;
		*ms = (long long)(bare * 1000);
		return 0;
	}
	while (*s) {
		double n = strtod(s, &end);
		size_t best = 0, ulen = 0;
		if (end == s || n < 0 || !isfinite(n))
			return -1;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
			size_t l = strlen(units[i].unit);
			if (!strncmp(end, units[i].unit, l) && l > ulen) {
				best = i;
				ulen = l;
			}
		}
		if (!ulen)
			return -1;
		total += n * units[best].ms;
		if (total > 9e18)
			return -1;
		s = end + ulen;
	}
	*ms = (long long)total;
	return 0;
}

/* rclone's SizeSuffix: b, k/K/Ki, M/Mi, G/Gi, T/Ti, P/Pi (all binary
 * multiples); a bare number means KiB; "off" is -1. */
int parse_rclone_size(const char *s, long long *bytes)
{
	static const char letters[] = "bkmgtp";
	char *end;
	double n;
	int shift;

	if (!strcmp(s, "off")) {
		*bytes = -1;
		return 0;
	}
	n = strtod(s, &end);
	if (end == s || n < 0 || !isfinite(n))
		return -1;
	if (!*end) {
		shift = 10;
	} else {
		const char *l = strchr(letters, tolower((unsigned char)*end));
		if (!l)
			return -1;
		shift = (int)(l - letters) * 10;
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
		if ((*end == 'b' || *end == 'B') && shift)
			end++;
		if (*end)
			return -1;
	}
	if (n * (double)(1LL << shift) > 9e18)
		return -1;
	*bytes = (long long)(n * (double)(1LL << shift));
	return 0;
}

/* ---- connection strings ----------------------------------------------- */

int parse_conn_params(const char *params, struct kv **out, size_t *n, struct buf *err)
{
	*out = NULL;
	*n = 0;
	for (const char *p = params; *p;) {
		struct conn_piece pc;
		struct buf val = BUF_INIT;
		const char *why = NULL;
		conn_piece_read(p, NULL, &pc);
		if (!pc.name_len)
			why = "has no name";
		else if (pc.unterminated)
			why = "opens a quote it never closes";
		else if (pc.value && conn_value_read(pc.value, &val) != pc.next)
			why = "has text after its closing quote";
		if (why) { /* the structure only: a value may be a secret */
			conn_malformed(err, params, p, why);
			buf_free(&val);
			kv_free(*out, *n);
			*out = NULL;
			*n = 0;
			return EXIT_USAGE;
		}
		kv_push(out, n, conn_option_name(pc.name, pc.name_len),
			pc.value ? (val.data ? buf_steal(&val) : xstrdup("")) : xstrdup("true"));
		(*out)[*n - 1].bare = !pc.value; /* a bare flag means flag=true */
		p = *pc.next ? pc.next + 1 : pc.next;
	}
	return 0;
}

/* ---- config file ------------------------------------------------------ */

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* The section named name, added at the end when absent: a name given
 * twice is one section, its keys in file order (as rclone merges them). */
static struct ini_section *ini_section_at(struct ini *ini, const char *name)
{
	for (size_t i = 0; i < ini->n; i++)
		if (!strcmp(ini->v[i].name, name))
			return &ini->v[i];
	ini->v = xrealloc(ini->v, (ini->n + 1) * sizeof *ini->v);
	memset(&ini->v[ini->n], 0, sizeof ini->v[ini->n]);
	ini->v[ini->n].name = xstrdup(name);
	return &ini->v[ini->n++];
}

void ini_free(struct ini *ini)
{
	for (size_t i = 0; i < ini->n; i++) {
		free(ini->v[i].name);
		kv_free(ini->v[i].kv, ini->v[i].n);
	}
	free(ini->v);
	ini->v = NULL;
	ini->n = 0;
}

/* One line of the file into ini; cur is the section being read. 0, or -1
 * for an encrypted file (err filled). */
static int ini_line(struct ini *ini, char *s, int lineno, struct ini_section **cur,
		    const char *path, struct buf *err)
{
	if (lineno == 1 && !strncmp(s, "# Encrypted rclone configuration", 32)) {
		buf_printf(err, "%s is an encrypted rclone config: initc cannot decrypt it; "
			   "use RCLONE_CONFIG_<REMOTE>_* variables instead", path);
		return -1;
	}
	if (!*s || *s == '#' || *s == ';')
		return 0;
	if (*s == '[') {
		char *close = strrchr(s, ']');
		if (close)
			*close = '\0';
		*cur = ini_section_at(ini, trim(s + 1));
		return 0;
	}
	char *eq = strchr(s, '=');
	if (*cur && eq) {
		*eq = '\0';
		kv_push(&(*cur)->kv, &(*cur)->n, xstrdup(trim(s)), xstrdup(trim(eq + 1)));
	}
	return 0;
}

int ini_read(const char *path, struct ini *ini, struct buf *err)
{
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;
	struct ini_section *cur = NULL;
	FILE *f = fopen(path, "r");

	memset(ini, 0, sizeof *ini);
	if (!f) {
		if (errno == ENOENT)
			return 0;
		buf_printf(err, "cannot read rclone config file %s: %s", path, strerror(errno));
		return -1;
	}
	while (!rc && getline(&line, &cap, f) >= 0) /* cur is renewed with every section line */
		rc = ini_line(ini, trim(line), ++lineno, &cur, path, err);
	if (!rc && ferror(f)) {
		buf_printf(err, "cannot read rclone config file %s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	if (rc)
		ini_free(ini);
	return rc;
}

const struct ini_section *ini_find(const struct ini *ini, const char *name)
{
	for (size_t i = 0; i < ini->n; i++)
		if (!strcmp(ini->v[i].name, name))
			return &ini->v[i];
	return NULL;
}

int ini_read_section(const char *path, const char *section, struct kv **out, size_t *n,
		     struct buf *err)
{
	struct ini ini;
	const struct ini_section *sec;

	*out = NULL;
	*n = 0;
	if (ini_read(path, &ini, err))
		return -1;
	if ((sec = ini_find(&ini, section))) {
		for (size_t i = 0; i < sec->n; i++)
			kv_push(out, n, xstrdup(sec->kv[i].key), xstrdup(sec->kv[i].value));
	}
	ini_free(&ini);
	return sec != NULL;
}

/* RCLONE_CONFIG names the file ("" or /dev/null: none); else the XDG and
 * home locations rclone looks at, first existing one. */
static char *config_file_path(void)
{
	const char *env = getenv("RCLONE_CONFIG");
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *candidates[3] = { NULL, NULL, NULL };
	char *found = NULL;

	if (env)
		return (*env && strcmp(env, "/dev/null")) ? xstrdup(env) : NULL;
	if (xdg && *xdg)
		candidates[0] = xasprintf("%s/rclone/rclone.conf", xdg);
	if (home && *home) {
		candidates[1] = xasprintf("%s/.config/rclone/rclone.conf", home);
		candidates[2] = xasprintf("%s/.rclone.conf", home);
	}
	for (int i = 0; i < 3; i++) {
		if (!found && candidates[i] && access(candidates[i], F_OK) == 0)
			found = candidates[i];
		else
			free(candidates[i]);
	}
	return found;
}

/* The section names of a config file, read once per remote. */
static void read_section_names(struct remote *r)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f = r->file_path ? fopen(r->file_path, "r") : NULL;
	while (f && getline(&line, &cap, f) >= 0) {
		char *s = trim(line), *close;
		if (*s != '[' || !(close = strrchr(s, ']')))
			continue;
		*close = '\0';
		r->sections = xrealloc(r->sections, (r->nsections + 1) * sizeof *r->sections);
		r->sections[r->nsections++] = xstrdup(trim(s + 1));
	}
	free(line);
	if (f)
		fclose(f);
}

/* Does the config file have a section named like this (any case)? */
static int file_has_section(const struct remote *r, const char *upper_name)
{
	for (size_t i = 0; i < r->nsections; i++)
		if (!strcasecmp(r->sections[i], upper_name))
			return 1;
	return 0;
}

/* ---- remotes ------------------------------------------------------------ */

static char *env_option_name(const char *prefix, const char *middle, const char *opt)
{
	char *uopt = upper_dup(opt, 1);
	char *name = xasprintf("%s%s_%s", prefix, middle, uopt);
	free(uopt);
	return name;
}

/* getenv of PREFIX<MIDDLE>_<OPT>, saying which variable it was. */
static const char *getenv_option(const char *prefix, const char *middle, const char *opt,
				 struct buf *origin)
{
	char *name = env_option_name(prefix, middle, opt);
	const char *v = getenv(name);
	if (v && origin)
		buf_adds(origin, name);
	free(name);
	return v;
}

/* Where remote_get finds opt; "" when nowhere. */
static const char *remote_lookup(const struct remote *r, const char *opt, struct buf *origin)
{
	const char *v = kv_get(r->conn, r->nconn, opt);

	if (origin)
		buf_reset(origin);
	if (v) {
		if (origin)
			buf_printf(origin, "connection string parameter %s", opt);
		return v;
	}
	/* flag variables (--s3-endpoint is RCLONE_S3_ENDPOINT) beat config;
	 * they carry the backend's prefix: --gcs-anonymous, whichever of
	 * rclone's names for it the type is written with */
	if (r->type) {
		char *utype = upper_dup(r->backend ? r->backend->prefix : r->type, 1);
		v = getenv_option("RCLONE_", utype, opt, origin);
		free(utype);
		if (v)
			return v;
	}
	if (r->env_name && (v = getenv_option("RCLONE_CONFIG_", r->env_name, opt, origin)))
		return v;
	v = kv_get(r->file, r->nfile, opt);
	if (v && origin)
		buf_printf(origin, "%s [%s] %s", r->file_path, r->name, opt);
	return v;
}

/* A secret is registered for redaction the moment it is read, wherever
 * it came from (the config file's are read nowhere else). */
const char *remote_get(const struct remote *r, const char *opt, struct buf *origin)
{
	const char *v = remote_lookup(r, opt, origin);
	const struct ropt *o = ropt_find(opt);
	if (v && o && o->kind == ROPT_SECRET)
		log_add_secret(v);
	return v;
}

/* A boolean option's value: Go's ParseBool, and "" is false, as rclone
 * 1.60 reads force_path_style= (virtual-host) and versions=. */
static int option_bool(const char *v, int *out)
{
	if (!*v) {
		*out = 0;
		return 0;
	}
	return parse_rclone_bool(v, out);
}

int remote_get_bool(const struct remote *r, const char *opt, int def, int *out, struct buf *err)
{
	struct buf origin = BUF_INIT;
	const char *v = remote_get(r, opt, &origin);
	int rc = 0;

	*out = def;
	if (v && option_bool(v, out)) {
		buf_printf(err, "%s=%s is not a boolean: use true or false", origin.data, v);
		rc = EXIT_USAGE;
	}
	buf_free(&origin);
	return rc;
}

/* Names of remotes defined by RCLONE_CONFIG_<NAME>_TYPE, for hints. */
static void list_env_remotes(struct buf *out)
{
	for (char **e = environ; *e; e++) {
		const char *s = *e, *eq = strchr(s, '=');
		if (strncmp(s, "RCLONE_CONFIG_", 14) || !eq || eq - s < 20 ||
		    strncmp(eq - 5, "_TYPE", 5))
			continue;
		buf_printf(out, "%s%.*s", out->len ? ", " : "", (int)(eq - 5 - (s + 14)), s + 14);
	}
}

int remote_env_any(void)
{
	struct buf names = BUF_INIT;
	list_env_remotes(&names);
	int any = names.len > 0;
	buf_free(&names);
	return any;
}

static void explain_missing_remote(const struct remote *r, struct buf *err)
{
	struct buf defined = BUF_INIT;
	list_env_remotes(&defined);
	buf_printf(err, "remote \"%s\" is not defined: set RCLONE_CONFIG_%s_TYPE=s3 with "
		   "RCLONE_CONFIG_%s_PROVIDER, _ENDPOINT, _ACCESS_KEY_ID and _SECRET_ACCESS_KEY "
		   "(in Seldon: the secret named by envSecretRefName)", r->name, r->env_name,
		   r->env_name);
	if (r->file_path)
		buf_printf(err, ", or add a [%s] section to %s", r->name, r->file_path);
	if (defined.len)
		buf_printf(err, "; remotes defined in the environment: %s (a URI names its remote "
			   "before the colon: s3://bucket/path means remote s3)", defined.data);
	buf_free(&defined);
}

int remote_resolve(const char *name, const char *params, struct remote *r, struct buf *err)
{
	struct buf origin = BUF_INIT;
	int rc;

	memset(r, 0, sizeof *r);
	r->name = xstrdup(name);
	if ((rc = parse_conn_params(params ? params : "", &r->conn, &r->nconn, err)))
		return rc;
	if (name[0] == ':') { /* on-the-fly backend: ":s3,opt=v:bucket" */
		r->type = xstrdup(name + 1);
		r->type_origin = "connection string";
		r->backend = rbackend_find(r->type);
		return 0;
	}
	r->env_name = upper_dup(name, 0);
	r->file_path = config_file_path();
	if (r->file_path && ini_read_section(r->file_path, name, &r->file, &r->nfile, err) < 0)
		return EXIT_USAGE;
	read_section_names(r);
	const char *type = remote_get(r, "type", &origin);
	if (!type || !*type) {
		buf_free(&origin);
		explain_missing_remote(r, err);
		return EXIT_NOTFOUND;
	}
	r->type = xstrdup(type);
	r->type_origin = strncmp(origin.data, "RCLONE_CONFIG_", 14) ? "config file" : "environment";
	r->backend = rbackend_find(r->type);
	buf_free(&origin);
	return 0;
}

void remote_free(struct remote *r)
{
	free(r->name);
	free(r->env_name);
	free(r->type);
	free(r->file_path);
	kv_free(r->conn, r->nconn);
	kv_free(r->file, r->nfile);
	for (size_t i = 0; i < r->nsections; i++)
		free(r->sections[i]);
	free(r->sections);
	memset(r, 0, sizeof *r);
}

/* ---- unknown options ---------------------------------------------------- */

/* spelled: the name as the user wrote it, or NULL when it must not be
 * shown (it may be a value): then no suggestion either, as the nearest
 * name would say something of it. */
static int unknown_option(const struct rbackend *b, const char *where, const char *opt,
			  const char *spelled, struct buf *err)
{
	const char *names[256];
	size_t n = 0;
	for (size_t i = 0; i < b->noptions && n < 256; i++)
		names[n++] = b->options[i].name;
	const char *near = spelled ? nearest_word(opt, names, n) : NULL;
	buf_printf(err, "unknown rclone %s option %s in %s", b->name,
		   spelled ? spelled : "(not shown)", where);
	if (!spelled) {
		buf_adds(err, ": a piece that is no option name may be a value, so it is not shown; "
			 "write name=value, and quote a value that holds ',' like "
			 "secret_access_key='a,b'");
	} else if (near && !strcasecmp(near, opt)) {
		buf_printf(err, ": option names are lower case, and rclone ignores %s: write %s",
			   spelled, near);
	} else if (near) {
		char *u = upper_dup(near, 1);
		buf_printf(err, ": did you mean %s (%s)?", near, u);
		free(u);
	} else {
		buf_printf(err, ": see the %s options rclone documents; initc refuses unknown ones "
			   "so that a typo cannot silently send your request elsewhere", b->name);
	}
	return EXIT_USAGE;
}

/* Does RCLONE_CONFIG_<env_name>_<suffix> belong to a longer remote name,
 * e.g. RCLONE_CONFIG_MY_REMOTE_TYPE seen while reading remote MY? That
 * remote may be defined in the environment or in the config file. */
static int owned_by_other_remote(const struct remote *r, const char *suffix, size_t len)
{
	for (size_t i = 1; i < len; i++) {
		if (suffix[i] != '_')
			continue;
		char *type_var = xasprintf("RCLONE_CONFIG_%s_%.*s_TYPE", r->env_name, (int)i, suffix);
		char *other = xasprintf("%s_%.*s", r->env_name, (int)i, suffix);
		int owned = getenv(type_var) != NULL || file_has_section(r, other);
		free(type_var);
		free(other);
		if (owned)
			return 1;
	}
	return 0;
}

static int check_env_options(const struct remote *r, struct buf *err)
{
	char *prefix = xasprintf("RCLONE_CONFIG_%s_", r->env_name);
	size_t plen = strlen(prefix);
	int rc = 0;

	for (char **e = environ; *e && !rc; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq || strncmp(*e, prefix, plen) || (size_t)(eq - *e) <= plen)
			continue;
		const char *suffix = *e + plen;
		size_t len = (size_t)(eq - suffix);
		if (owned_by_other_remote(r, suffix, len))
			continue;
		char *opt = xstrndup(suffix, len);
		for (char *p = opt; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!ropt_find_in(r->backend, opt)) {
			char *var = xstrndup(*e, (size_t)(eq - *e));
			rc = unknown_option(r->backend, "the environment", opt, var, err);
			free(var);
		}
		free(opt);
	}
	free(prefix);
	return rc;
}

/* Is an option set to anything but its default (the table's)? A
 * boolean is compared by value, read as remote_get_bool reads it; -1
 * with err filled for one that is no boolean. */
static int option_set(const struct ropt *o, const char *v, const char *from, struct buf *err)
{
	const char *def = o->def ? o->def : "";
	int on, def_on = 0;
	if (!strcmp(v, def))
		return 0;
	if (o->kind != ROPT_BOOL)
		return *v != '\0'; /* "" is unset */
	if (option_bool(v, &on)) {
		buf_printf(err, "rclone option %s (%s) is not a boolean: use true or false", o->name,
			   from);
		return -1;
	}
	option_bool(def, &def_on); /* "unset", a tristate's default, reads as false */
	return on != def_on;
}

static int check_refused_options(const struct remote *r, struct buf *err)
{
	int rc = 0;
	for (size_t i = 0; i < r->backend->noptions && !rc; i++) {
		const struct ropt *o = &r->backend->options[i];
		struct buf from = BUF_INIT;
		const char *v = o->refused ? remote_get(r, o->name, &from) : NULL;
		int set = v ? option_set(o, v, from.data, err) : 0;
		if (set > 0)
			buf_printf(err, "rclone option %s is set (%s) and initc does not implement "
				   "it: %s", o->name, from.data, o->refused);
		rc = set ? EXIT_USAGE : 0;
		buf_free(&from);
	}
	return rc;
}

const struct ropt *remote_credential_set(const struct remote *r, struct buf *from)
{
	for (size_t i = 0; r->backend && i < r->backend->noptions; i++) {
		const struct ropt *o = &r->backend->options[i];
		struct buf ignored = BUF_INIT;
		const char *v = o->credential ? remote_get(r, o->name, from) : NULL;
		int set = v ? option_set(o, v, from->data, &ignored) : 0;
		buf_free(&ignored);
		if (set) /* a credential that is no boolean is set to something */
			return o;
	}
	buf_reset(from);
	return NULL;
}

int remote_check_options(const struct remote *r, struct buf *err)
{
	int rc;
	if (!r->backend)
		return 0;
	for (size_t i = 0; i < r->nconn; i++)
		if (!ropt_find_in(r->backend, r->conn[i].key)) {
			/* a bare piece, or a name not shaped like one, may
			 * be a value pasted without its name: not echoed */
			const char *key = r->conn[i].key;
			int shown = !r->conn[i].bare && conn_name_shaped(key);
			char *where = xasprintf("the connection string (parameter %zu)", i + 1);
			rc = unknown_option(r->backend, where, key, shown ? key : NULL, err);
			free(where);
			return rc;
		}
	for (size_t i = 0; i < r->nfile; i++)
		if (!ropt_find_in(r->backend, r->file[i].key)) {
			char *where = xasprintf("%s section [%s]", r->file_path, r->name);
			rc = unknown_option(r->backend, where, r->file[i].key, r->file[i].key, err);
			free(where);
			return rc;
		}
	if (r->env_name && (rc = check_env_options(r, err)))
		return rc;
	return check_refused_options(r, err);
}

/* ---- secrets in the environment -------------------------------------------- */

/* The AWS SDK's static secret variables (KServe's, and env_auth's): all
 * those aws_creds.c's env provider reads. */
static const char *const aws_secret_vars[] = {
	"AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
};

/* Does variable name (length len) end in _<OPTION>? */
static int names_option(const char *name, size_t len, const struct ropt *o)
{
	char *suffix = upper_dup(o->name, 1);
	size_t slen = strlen(suffix);
	int hit = len > slen && name[len - slen - 1] == '_' &&
		  !strncmp(name + len - slen, suffix, slen);
	free(suffix);
	return hit;
}

/* ... for a secret option of any backend? */
static int names_secret_option(const char *name, size_t len)
{
	for (size_t b = 0; rbackends[b]; b++)
		for (size_t i = 0; i < rbackends[b]->noptions; i++)
			if (rbackends[b]->options[i].kind == ROPT_SECRET &&
			    names_option(name, len, &rbackends[b]->options[i]))
				return 1;
	return 0;
}

void env_register_secrets(void)
{
	for (size_t i = 0; i < sizeof aws_secret_vars / sizeof aws_secret_vars[0]; i++)
		log_add_secret(getenv(aws_secret_vars[i]));
	for (char **e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');
		if (eq && !strncmp(*e, "RCLONE_", 7) && names_secret_option(*e, (size_t)(eq - *e)))
			log_add_secret(eq + 1);
	}
}
