/* One pip requirement line, read the way pip 23 reads it:
 *   name  name==1.0  name[extra]>=1,<2  name (>=1.0)  name~=1.4.2
 *   name===1.0-weird  name==1.0; python_version<"3.11"
 *   name @ https://host/name-1.0-py3-none-any.whl
 *   git+https://github.com/org/repo@<commit>#egg=name
 *   wheels/name-1.0-py3-none-any.whl   (a wheel in the model folder)
 * pip splits the marker off at the first ';' ("; " after a bare URL), then
 * takes the rest as a bare URL, a local archive path or a PEP 508
 * requirement. The PEP 508 part follows the grammar of packaging 23 token
 * by token, so what is accepted here pip accepts and what pip would refuse
 * (in prebake's image build, say) is refused here, with the reason;
 * tests/it/prebake_grammar.sh holds it against packaging itself.
 * A URL counts as exact when it names one artifact: an archive file, or a
 * VCS checkout at a full commit id. A branch or tag can move: unpinned. */
#include "deps.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* pip's is_url(): a line starting "scheme:" with one of these is a URL. */
static const char *const url_schemes[] = {
	"http", "https", "ftp", "file",
	"git+http", "git+https", "git+ssh", "git+git", "git+file",
	"hg+file", "hg+http", "hg+https", "hg+ssh", "hg+static-http",
	"svn+ssh", "svn+http", "svn+https", "svn+svn", "svn+file",
	"bzr+http", "bzr+https", "bzr+ssh", "bzr+sftp", "bzr+ftp", "bzr+lp", "bzr+file",
};
static const char *const vcs_prefixes[] = { "git+", "hg+", "svn+", "bzr+" };
/* pip's ARCHIVE_EXTENSIONS: a line ending so is a file, not a name. */
static const char *const archive_suffixes[] = {
	".whl", ".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz",
	".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma",
};

/* Version operators, longest first, with what each lets its version hold
 * (packaging's Specifier regex): wildcards and local versions only after
 * == and !=, two release numbers at least after ~=, and === takes any
 * text up to a space, ',', ';' or ')'. */
static const struct op_rule {
	const char *op;
	int wildcard, local, arbitrary, min_release;
} op_rules[] = {
	{ "===", 0, 0, 1, 0 },
	{ "==", 1, 1, 0, 1 }, { "!=", 1, 1, 0, 1 }, { "~=", 0, 0, 0, 2 },
	{ "<=", 0, 0, 0, 1 }, { ">=", 0, 0, 0, 1 }, { "<", 0, 0, 0, 1 }, { ">", 0, 0, 0, 1 },
};

/* PEP 440 suffix words, in the order packaging's regex tries them. */
static const char *const pre_words[] = { "alpha", "beta", "preview", "pre", "a", "b", "c", "rc", NULL };
static const char *const post_words[] = { "post", "rev", "r", NULL };
static const char *const dev_words[] = { "dev", NULL };

/* Marker variables (packaging's VARIABLE token). */
static const char *const marker_vars[] = {
	"python_version", "python_full_version", "os_name", "os.name",
	"sys_platform", "sys.platform", "platform_release", "platform_system",
	"platform_version", "platform.version", "platform_machine", "platform.machine",
	"platform_python_implementation", "platform.python_implementation",
	"python_implementation", "implementation_name", "implementation_version", "extra",
};

static const char version_hint[] = "versions look like 1.2.3, 2.0rc1, 1.0.post2, 1!2.0 "
	"or, after == and !=, 1.2.* and 1.0+local (PEP 440)";

#define COUNT(a) (sizeof (a) / sizeof *(a))

static int in_list(const char *s, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && !strncasecmp(s, list[i], n))
			return 1;
	return 0;
}

static int has_suffix(const char *s, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		size_t k = strlen(list[i]);
		if (n >= k && !strncasecmp(s + n - k, list[i], k))
			return 1;
	}
	return 0;
}

/* Python's \w, with any non-ASCII byte taken as a letter. */
static int is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static size_t digits(const char *p)
{
	size_t n = 0;
	while (isdigit((unsigned char)p[n]))
		n++;
	return n;
}

/* Does the word w stand at p as a whole word (\bw\b)? */
static int word_at(const char *p, const char *w)
{
	size_t n = strlen(w);
	return !strncmp(p, w, n) && !is_word(p[n]);
}

/* packaging's IDENTIFIER, \b[a-zA-Z0-9][a-zA-Z0-9._-]*\b: its length or 0. */
static size_t ident_len(const char *p)
{
	if (!isalnum((unsigned char)*p))
		return 0;
	size_t n = 1;
	while (p[n] && (isalnum((unsigned char)p[n]) || strchr("._-", p[n])))
		n++;
	while (n && is_word(p[n - 1]) == is_word(p[n]))
		n--;  /* back off to a word boundary, as the regex does */
	return n;
}

/* [-_.]? WORD [-_.]? [0-9]*: a pre, post or dev part, or 0. */
static size_t suffix_len(const char *p, const char *const *words)
{
	size_t n = *p && strchr("-_.", *p) ? 1 : 0;
	for (size_t i = 0; words[i]; i++) {
		size_t w = strlen(words[i]);
		if (strncasecmp(p + n, words[i], w))
			continue;
		n += w;
		n += p[n] && strchr("-_.", p[n]) ? 1 : 0;
		return n + digits(p + n);
	}
	return 0;
}

/* +abc.1-x: a local version label, or 0. */
static size_t local_len(const char *p)
{
	if (*p != '+' || !isalnum((unsigned char)p[1]))
		return 0;
	size_t n = 1;
	for (;;) {
		while (isalnum((unsigned char)p[n]))
			n++;
		if (!(p[n] && strchr("-_.", p[n]) && isalnum((unsigned char)p[n + 1])))
			return n;
		n++;
	}
}

/* How much of p is a version the rule allows (spaces before it included);
 * 0 when none. Like the regex it stops where the version stops: the
 * caller decides whether what follows may follow. */
static size_t version_len(const char *p, const struct op_rule *r)
{
	const char *q = skip_ws(p);
	if (r->arbitrary) {
		size_t n = strcspn(q, " \t;),");
		return n ? (size_t)(q - p) + n : 0;
	}
	q += (*q == 'v' || *q == 'V');
	size_t e = digits(q);
	if (e && q[e] == '!')
		q += e + 1;
	size_t n = digits(q);
	int segments = n > 0;
	while (n && q[n] == '.' && isdigit((unsigned char)q[n + 1])) {
		n += 1 + digits(q + n + 1);
		segments++;
	}
	if (!n || segments < r->min_release)
		return 0;
	q += n;
	if (r->wildcard && q[0] == '.' && q[1] == '*')
		return (size_t)(q + 2 - p);
	q += suffix_len(q, pre_words);
	q += q[0] == '-' && isdigit((unsigned char)q[1]) ? 1 + digits(q + 1) : suffix_len(q, post_words);
	q += suffix_len(q, dev_words);
	if (r->local)
		q += local_len(q);
	return (size_t)(q - p);
}

static const struct op_rule *op_at(const char *p)
{
	for (size_t i = 0; i < COUNT(op_rules); i++)
		if (!strncmp(p, op_rules[i].op, strlen(op_rules[i].op)))
			return &op_rules[i];
	return NULL;
}

/* Is s a whole PEP 440 version (as == takes it)? */
static int is_version(const char *s)
{
	return *s && version_len(s, &op_rules[1]) == strlen(s);
}

/* The reason a version clause did not read, for the message. */
static void bad_version(const struct op_rule *r, const char *v, const char *line, struct buf *err)
{
	static const struct op_rule loose = { "", 0, 1, 0, 1 };
	v = skip_ws(v);
	size_t n = version_len(v, &loose);
	const char *rest = v + n;
	if (!*v || *v == ',' || *v == ')')
		buf_printf(err, "\"%s\" has no version after %s; write it as name%s1.2.3", line, r->op,
			   r->op);
	else if (r->min_release == 2 && n && (!*rest || strchr(" ,)", *rest)))
		buf_printf(err, "in \"%s\": ~= needs at least two release numbers (~=%.*s.0 means "
			   ">=%.*s.0,==%.*s.*)", line, (int)n, v, (int)n, v, (int)n, v);
	else
		buf_printf(err, "in \"%s\": cannot read the version after %s; %s", line, r->op,
			   version_hint);
}

/* What is wrong with the text after a well-formed requirement. */
static void bad_tail(const char *tail, const char *line, struct buf *err)
{
	if (op_at(tail))
		buf_printf(err, "in \"%s\": version clauses are separated by commas; write "
			   "name>=1.0,<2.0", line);
	else if (*tail == '=')
		buf_printf(err, "in \"%s\": a single '=' is conda's; pip wants ==", line);
	else if (*tail == '@')
		buf_printf(err, "in \"%s\": a version and a URL cannot both be given; keep "
			   "\"name==version\" or \"name @ URL\"", line);
	else if (!strncmp(tail, ".*", 2) || (*tail == '+' && tail[-1] != '*'))
		buf_printf(err, "in \"%s\": %s goes only with == and != (write ==1.2.* or "
			   "==1.0+local)", line, *tail == '+' ? "a local version (+...)" : "a wildcard .*");
	else
		buf_printf(err, "in \"%s\": cannot read \"%s\"; write name, name[extra], "
			   "name==version or name @ URL, then ; and a marker; %s", line, tail,
			   version_hint);
}

/* version_many of PEP 508: clauses joined by commas (a trailing comma is
 * allowed, as packaging allows it). p is past the name and extras. */
static int parse_specifiers(const char *p, const char *line, struct dep *d, struct buf *err)
{
	int paren = *p == '(';
	const char *start = p = skip_ws(p + paren);
	int clauses = 0, exact = 0;
	const struct op_rule *r;

	while ((r = op_at(p))) {
		const char *v = p + strlen(r->op);
		size_t n = version_len(v, r);
		if (!n) {
			bad_version(r, v, line, err);
			return -1;
		}
		clauses++;
		exact += r->arbitrary || (!strcmp(r->op, "==") && v[n - 1] != '*');
		p = skip_ws(v + n);
		if (*p != ',')
			break;
		p = skip_ws(p + 1);
	}
	const char *end = p;
	if (paren && *p == ')')
		p = skip_ws(p + 1);
	else if (paren && !*p)
		return buf_printf(err, "unclosed '(' in \"%s\"; close it", line), -1;
	if (*p) {
		bad_tail(p, line, err);
		return -1;
	}
	d->spec = xstrndup_trim(start, (size_t)(end - start));
	d->pin = !clauses ? PIN_UNPINNED : (clauses == 1 && exact) ? PIN_EXACT : PIN_RANGE;
	return 0;
}

/* [a, b]: comma-separated extra names. p is at '['; returns past ']'. */
static const char *parse_extras(const char *p, const char *line, struct buf *err)
{
	size_t n;
	p = skip_ws(p + 1);
	for (int first = 1; (n = ident_len(p)) || !first; first = 0) {
		if (!n) {
			buf_printf(err, "in \"%s\": an extra name must follow ','", line);
			return NULL;
		}
		p = skip_ws(p + n);
		if (*p != ',')
			break;
		p = skip_ws(p + 1);
	}
	if (*p == ']')
		return p + 1;
	if (strchr(p, ']'))
		buf_printf(err, "in \"%s\": extras are comma-separated names; write name[a,b]", line);
	else
		buf_printf(err, "unclosed '[' of extras in \"%s\"; close it", line);
	return NULL;
}

/* Python's urlparse gives it a scheme and a host (packaging wants both). */
static int url_has_host(const char *url)
{
	if (!isalpha((unsigned char)url[0]))
		return 0;
	size_t n = strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
	return !strncmp(url + n, "://", 3) && url[n + 3] && !strchr("/?#", url[n + 3]);
}

static int is_local_ref(const char *s)
{
	return !strncasecmp(s, "file:", 5) || s[0] == '.' || s[0] == '/' || s[0] == '~';
}

/* "name @ URL": p is past '@'. */
static int parse_at_url(const char *p, const char *line, struct dep *d, struct buf *err)
{
	p = skip_ws(p);
	size_t n = strcspn(p, " \t");
	if (!n)
		return buf_printf(err, "\"%s\" has '@' but no URL after it", line), -1;
	if (*skip_ws(p + n))
		return buf_printf(err, "in \"%s\": text after the URL; a marker goes after ';'",
				  line), -1;
	d->url = xstrndup(p, n);
	d->spec = xstrdup("");
	if (is_local_ref(d->url))
		return buf_printf(err, "\"%s\" names a local path, which the image build cannot "
				  "see; put the wheel under the model folder and write its path "
				  "alone (wheels/name-1.0-py3-none-any.whl)", line), -1;
	if (!url_has_host(d->url))
		return buf_printf(err, "in \"%s\": \"%s\" is not a URL with a scheme and a host",
				  line, d->url), -1;
	return 0;
}

/* A PEP 508 requirement without its marker. */
static int parse_pep508(const char *line, struct dep *d, struct buf *err)
{
	const char *p = line;
	size_t n = ident_len(p);
	if (!n)
		return buf_printf(err, "cannot read a package name in \"%s\"; write it as "
				  "name==version", line), -1;
	d->name = xstrndup(p, n);
	d->key = dep_key(p, n);
	p = skip_ws(p + n);
	if (*p == '[' && !(p = parse_extras(p, line, err)))
		return -1;
	p = skip_ws(p);
	if (*p == '@')
		return parse_at_url(p + 1, line, d, err);
	return parse_specifiers(p, line, d, err);
}

/* --- markers: marker = atom (("and"|"or") atom)*,
 *     atom = "(" marker ")" | var op var, var = VARIABLE | 'str' | "str" --- */

static const char *marker_expr(const char *p);

static const char *marker_var(const char *p)
{
	p = skip_ws(p);
	if (*p == '\'' || *p == '"') {
		const char *close = strchr(p + 1, *p);
		return close ? close + 1 : NULL;
	}
	for (size_t i = 0; i < COUNT(marker_vars); i++)
		if (word_at(p, marker_vars[i]))
			return p + strlen(marker_vars[i]);
	return NULL;
}

static const char *marker_op(const char *p)
{
	p = skip_ws(p);
	if (word_at(p, "in"))
		return p + 2;
	if (word_at(p, "not")) {
		const char *q = skip_ws(p + 3);
		return q > p + 3 && word_at(q, "in") ? q + 2 : NULL;
	}
	const struct op_rule *r = op_at(p);
	return r ? p + strlen(r->op) : NULL;
}

static const char *marker_atom(const char *p)
{
	p = skip_ws(p);
	if (*p == '(') {
		p = marker_expr(p + 1);
		p = p ? skip_ws(p) : NULL;
		return p && *p == ')' ? skip_ws(p + 1) : NULL;
	}
	if ((p = marker_var(p)) && (p = marker_op(p)) && (p = marker_var(p)))
		return skip_ws(p);
	return NULL;
}

static const char *marker_expr(const char *p)
{
	p = marker_atom(p);
	while (p && !is_word(p[-1]) && (word_at(p, "and") || word_at(p, "or")))
		p = marker_atom(p + (*p == 'a' ? 3 : 2));
	return p;
}

static int check_marker(const char *marker, const char *line, struct buf *err)
{
	const char *end = marker_expr(marker);
	if (end && !*end)
		return 0;
	buf_printf(err, "in \"%s\": cannot read the environment marker \"%s\"; write it like "
		   "python_version >= \"3.9\" and sys_platform == \"linux\" (PEP 508)", line, marker);
	return -1;
}

/* --- wheels: PEP 427 file names, and wheels in the model folder --- */

/* name-version(-build)?-python-abi-platform.whl: name and version, or -1. */
static int wheel_name(const char *file, size_t len, char **name, char **version)
{
	const char *part[7];
	size_t plen[7], n = 0;
	if (len <= 4 || strncasecmp(file + len - 4, ".whl", 4))
		return -1;
	len -= 4;
	for (size_t i = 0; i <= len && n < 7; n++) {
		part[n] = file + i;
		plen[n] = 0;
		while (i + plen[n] < len && file[i + plen[n]] != '-')
			plen[n]++;
		i += plen[n] + 1;
	}
	if (n < 5 || n > 6 || (n == 6 && !isdigit((unsigned char)part[2][0])))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!plen[i] || memchr(part[i], ' ', plen[i]))
			return -1;
	*name = xstrndup(part[0], plen[0]);
	*version = xstrndup(part[1], plen[1]);
	for (char *c = *version; *c; c++)
		if (*c == '_')
			*c = '-';  /* PEP 427 escapes '-' in the version as '_' */
	if (ident_len(*name) != strlen(*name) || !is_version(*version)) {
		free(*name);
		free(*version);
		*name = *version = NULL;
		return -1;
	}
	return 0;
}

char *model_relative(const char *path, const char **why)
{
	struct buf out = BUF_INIT;
	*why = path[0] == '/' ? "an absolute path" : path[0] == '~' ? "a home-directory path (pip does not expand ~)"
		: strchr(path, '\\') ? "a Windows path (write it with /)" : NULL;
	for (const char *p = path; !*why && *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && !strncmp(p, "..", 2))
			*why = "a path that leaves the model folder (..)";
		else if (n && !(n == 1 && *p == '.'))
			buf_printf(&out, "%s%.*s", out.len ? "/" : "", (int)n, p);
		p += n + (p[n] == '/');
	}
	if (*why)
		buf_free(&out);
	return *why ? NULL : buf_steal(&out);
}

/* A wheel file in the model folder. pip reads the path relative to its
 * working directory, which MLflow sets to the model folder. */
static int parse_local(const char *line, size_t len, struct dep *d, struct buf *err)
{
	const char *why = NULL;
	char *path = xstrndup(line, len);
	const char *file = path + len;
	while (file > path && file[-1] != '/' && file[-1] != '\\')
		file--;
	char *name = NULL, *version = NULL;
	int rc = -1;

	if (!has_suffix(path, len, archive_suffixes, 1))  /* the first is .whl */
		buf_printf(err, "\"%s\" is a local %s, which pip would build in the image; build it "
			   "into a wheel (pip wheel) under the model folder and list the .whl", line,
			   has_suffix(path, len, archive_suffixes, COUNT(archive_suffixes)) ?
			   "source archive" : "path");
	else if (!(d->local = model_relative(path, &why)))
		buf_printf(err, "\"%s\" is %s; name the wheel by its path inside the model "
			   "folder, like wheels/%s", line, why, file);
	else if (wheel_name(file, strlen(file), &name, &version))
		buf_printf(err, "\"%s\": \"%s\" is not a wheel file name (name-version-python-abi-"
			   "platform.whl, PEP 427)", line, file);
	else
		rc = 0;
	if (!rc) {
		d->name = name;
		d->key = dep_key(name, strlen(name));
		d->spec = xasprintf("==%s", version);
		d->pin = PIN_EXACT;
	}
	free(version);
	free(path);
	return rc;
}

/* pip takes a line as a file when it looks like a path (has '/', starts
 * with '.') or ends like an archive, extras "[...]" aside, unless it is
 * "name @ URL". Returns the path's length, or 0. */
static size_t local_path_len(const char *line)
{
	size_t len = strlen(line);
	const char *open = strrchr(line, '[');
	if (len && line[len - 1] == ']' && open && open > line && open[1] != ']')
		len = (size_t)(open - line);
	const char *at = strchr(line, '@');
	size_t head = at ? (size_t)(at - line) : len;
	int path_like = memchr(line, '/', head) || line[0] == '.' || line[0] == '~';
	if (!path_like && (at || !has_suffix(line, len, archive_suffixes, COUNT(archive_suffixes))))
		return 0;
	return len;
}

/* --- URLs --- */

static int is_url(const char *s)
{
	size_t n = strcspn(s, ":");
	return s[n] == ':' && in_list(s, n, url_schemes, COUNT(url_schemes));
}

static int is_hex_commit(const char *s, size_t n)
{
	if (n != 40)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static enum pin_class classify_url(const char *url)
{
	size_t end = strcspn(url, "#?");
	int vcs = 0;
	for (size_t i = 0; i < COUNT(vcs_prefixes); i++)
		vcs |= !strncasecmp(url, vcs_prefixes[i], strlen(vcs_prefixes[i]));
	if (vcs) {
		const char *path = strstr(url, "://");
		if (path && (size_t)(path - url) + 3 > end)
			path = NULL; /* "://" inside the #fragment is no host */
		const char *at = path ? memchr(path + 3, '@', end - (size_t)(path + 3 - url)) : NULL;
		/* the last '@' after the host is the revision (user@host comes first) */
		while (at) {
			const char *next = memchr(at + 1, '@', end - (size_t)(at + 1 - url));
			if (!next)
				break;
			at = next;
		}
		if (at && strchr(at, '/') == NULL)
			return is_hex_commit(at + 1, end - (size_t)(at + 1 - url)) ?
				PIN_EXACT : PIN_UNPINNED;
		return PIN_UNPINNED;
	}
	return has_suffix(url, end, archive_suffixes, COUNT(archive_suffixes)) ?
		PIN_EXACT : PIN_UNPINNED;
}

/* A bare URL: "#egg=name" or a wheel's file name tells the package. */
static int parse_bare_url(const char *line, struct dep *d, struct buf *err)
{
	const char *egg = strstr(line, "#egg=");
	size_t end = strcspn(line, "#?");
	const char *file = line + end;
	char *version = NULL;

	if (!strncasecmp(line, "file:", 5))
		return buf_printf(err, "\"%s\" is a local file URL, which the image build cannot "
				  "see; put the wheel under the model folder and write its path "
				  "alone (wheels/name-1.0-py3-none-any.whl)", line), -1;
	while (file > line && file[-1] != '/')
		file--;
	if (egg)
		d->name = xstrndup(egg + 5, strcspn(egg + 5, "&#[ "));
	else if (wheel_name(file, (size_t)(line + end - file), &d->name, &version) == 0)
		free(version);
	if (!d->name || !*d->name)
		return buf_printf(err, "cannot tell the package name of \"%s\"; write it as "
				  "\"name @ URL\"", line), -1;
	d->url = xstrdup(line);
	d->key = dep_key(d->name, strlen(d->name));
	d->spec = xstrdup("");
	return 0;
}

int pip_req_parse(const char *text, struct dep *d, struct buf *err)
{
	char *line = xstrndup_trim(text, strlen(text));
	char *semi = strstr(line, is_url(line) ? "; " : ";");
	char *marker = semi ? xstrndup_trim(semi + 1, strlen(semi + 1)) : NULL;
	char *req = xstrndup_trim(line, semi ? (size_t)(semi - line) : strlen(line));
	size_t local;
	int rc;

	d->source = DEP_PIP;
	d->text = xstrdup(line);
	if (is_url(req))
		rc = parse_bare_url(req, d, err);
	else if ((local = local_path_len(req)))
		rc = parse_local(req, local, d, err);
	else
		rc = parse_pep508(req, d, err);
	if (rc == 0 && d->url)
		d->pin = classify_url(d->url);
	/* pip drops an empty marker ("name;") */
	if (rc == 0 && marker && *marker && !(rc = check_marker(marker, line, err)))
		d->marker = xstrdup(marker);
	free(marker);
	free(req);
	free(line);
	return rc;
}
