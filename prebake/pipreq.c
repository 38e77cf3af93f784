/* One pip requirement, PEP 508 plus pip's URL forms:
 *   name  name==1.0  name[extra]>=1,<2  name (>=1.0)  name~=1.4.2
 *   name===1.0-weird  name==1.0; python_version<"3.11"
 *   name @ https://host/name-1.0-py3-none-any.whl
 *   git+https://github.com/org/repo@<commit>#egg=name
 * A URL counts as exact when it names one artifact: an archive file, or a
 * VCS checkout at a full commit id. A branch or tag can move: unpinned. */
#include "deps.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const vcs_schemes[] = { "git+", "hg+", "svn+", "bzr+" };
static const char *const url_schemes[] = { "http://", "https://", "ftp://" };
static const char *const archive_suffixes[] = {
	".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz", ".tar",
};
/* Operators in the order they must be tried (longest first). */
static const char *const operators[] = { "===", "==", "~=", "!=", "<=", ">=", "<", ">" };

static int has_prefix(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strncmp(s, list[i], strlen(list[i])))
			return 1;
	return 0;
}

#define HAS_PREFIX(s, list) has_prefix(s, list, sizeof list / sizeof list[0])

static int is_local_path(const char *url)
{
	return !strncmp(url, "file:", 5) || url[0] == '.' || url[0] == '/' || url[0] == '~';
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
	if (HAS_PREFIX(url, vcs_schemes)) {
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
	for (size_t i = 0; i < sizeof archive_suffixes / sizeof *archive_suffixes; i++) {
		size_t n = strlen(archive_suffixes[i]);
		if (end >= n && !strncmp(url + end - n, archive_suffixes[i], n))
			return PIN_EXACT;
	}
	return PIN_UNPINNED;
}

static size_t operator_len(const char *s)
{
	for (size_t i = 0; i < sizeof operators / sizeof *operators; i++)
		if (!strncmp(s, operators[i], strlen(operators[i])))
			return strlen(operators[i]);
	return 0;
}

/* ">=1.0, <2" → range; "==1.0" and "===x" → exact; "" → unpinned. */
static int classify_spec(const char *spec, enum pin_class *pin, struct buf *err)
{
	int clauses = 0, exact = 0;
	const char *p = spec;
	while (*p) {
		size_t len = strcspn(p, ",");
		char *clause = xstrndup_trim(p, len);
		if (*clause) {
			size_t op = operator_len(clause);
			const char *ver = clause + op;
			while (isspace((unsigned char)*ver))
				ver++;
			if (!op || !*ver || (op != 3 && !isalnum((unsigned char)*ver))) {
				buf_printf(err, "version clause \"%s\" needs an operator and a version "
					   "(==, ~=, >=, <=, !=, <, >, ===)", clause);
				free(clause);
				return -1;
			}
			clauses++;
			exact += (op == 3) || (op == 2 && clause[0] == '=' && !strchr(ver, '*'));
		}
		free(clause);
		p += len + (p[len] == ',');
	}
	*pin = !clauses ? PIN_UNPINNED : (clauses == 1 && exact) ? PIN_EXACT : PIN_RANGE;
	return 0;
}

/* "#egg=name" or a wheel's file name tells a bare URL's package name. */
static char *name_from_url(const char *url)
{
	const char *egg = strstr(url, "#egg=");
	if (egg) {
		egg += 5;
		return xstrndup(egg, strcspn(egg, "&#[ "));
	}
	size_t end = strcspn(url, "#?");
	const char *slash = url + end;
	while (slash > url && slash[-1] != '/')
		slash--;
	size_t n = (size_t)(url + end - slash);
	if (n > 4 && !strncmp(slash + n - 4, ".whl", 4))
		return xstrndup(slash, strcspn(slash, "-"));
	return NULL;
}

static int parse_url_only(const char *line, struct dep *d, struct buf *err)
{
	if (is_local_path(line)) {
		buf_printf(err, "\"%s\" is a local path, which the image build cannot see; "
			   "publish it to an index or refer to it by URL", line);
		return -1;
	}
	char *name = name_from_url(line);
	if (!name || !*name) {
		free(name);
		buf_printf(err, "cannot tell the package name of \"%s\"; write it as \"name @ URL\"", line);
		return -1;
	}
	d->url = xstrdup(line);
	d->name = name;
	d->key = dep_key(name, strlen(name));
	d->spec = xstrdup("");
	return 0;
}

int pip_req_parse(const char *text, struct dep *d, struct buf *err)
{
	char *line = xstrndup_trim(text, strlen(text));
	const char *p = line;
	int rc = -1;

	d->source = DEP_PIP;
	d->text = xstrdup(line);
	if (HAS_PREFIX(line, vcs_schemes) || HAS_PREFIX(line, url_schemes) || is_local_path(line)) {
		rc = parse_url_only(line, d, err);
		goto url_checks;
	}
	size_t nlen = 0;
	while (isalnum((unsigned char)p[nlen]) || (p[nlen] && strchr("-_.", p[nlen])))
		nlen++;
	if (!nlen || !isalnum((unsigned char)p[0])) {
		buf_printf(err, "cannot read a package name in \"%s\"; write it as name==version", line);
		goto out;
	}
	d->name = xstrndup(p, nlen);
	d->key = dep_key(p, nlen);
	p += nlen;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '[') {
		const char *close = strchr(p, ']');
		if (!close) {
			buf_printf(err, "unclosed '[' of extras in \"%s\"; close it", line);
			goto out;
		}
		p = close + 1;
	}
	const char *semi = strchr(p, ';');
	const char *at = strchr(p, '@');
	if (at && (!semi || at < semi)) {
		/* a URL may hold ';', so its marker must follow " ;" (PEP 508) */
		const char *u = at + 1;
		const char *m = strstr(u, " ;");
		d->url = xstrndup_trim(u, m ? (size_t)(m - u) : strlen(u));
		if (m)
			d->marker = xstrndup_trim(m + 2, strlen(m + 2));
		d->spec = xstrdup("");
		if (!*d->url) {
			buf_printf(err, "\"%s\" has '@' but no URL after it", line);
			goto out;
		}
		rc = 0;
		goto url_checks;
	}
	size_t slen = semi ? (size_t)(semi - p) : strlen(p);
	char *spec = xstrndup_trim(p, slen);
	if (spec[0] == '(') {  /* the old "name (>=1.0)" form */
		size_t n = strlen(spec);
		char *inner = xstrndup_trim(spec + 1, n > 1 && spec[n - 1] == ')' ? n - 2 : n - 1);
		free(spec);
		spec = inner;
	}
	d->spec = spec;
	if (semi)
		d->marker = xstrndup_trim(semi + 1, strlen(semi + 1));
	if (classify_spec(spec, &d->pin, err)) {
		struct buf why = BUF_INIT;
		buf_printf(&why, "in \"%s\": %s", line, err->data);
		buf_reset(err);
		buf_adds(err, why.data);
		buf_free(&why);
		goto out;
	}
	rc = 0;
	goto out;
url_checks:
	if (rc == 0 && is_local_path(d->url)) {
		buf_printf(err, "\"%s\" is a local path, which the image build cannot see; "
			   "publish it to an index or refer to it by URL", line);
		rc = -1;
	}
	if (rc == 0)
		d->pin = classify_url(d->url);
out:
	free(line);
	return rc;
}
