/* Conda MatchSpec strings as they appear in conda.yaml dependencies:
 *   name  name=1.2  name==1.2  name=1.2=build  name 1.2 build
 *   name >=1,<2  name 1.2|1.3  name 1.2.*  channel::name  name[build=x]
 * conda reads "name=1.2" as the prefix match 1.2.*, but "name 1.2" and
 * "name==1.2" as equality. A prefix match counts as exact when it
 * names a full three-part version (python=3.10.12: no 3.10.12.x exists)
 * or a build string, and as a range otherwise (numpy=1.24 floats). */
#include "deps.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == '+';
}

static const char *skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static int count_char(const char *s, char c)
{
	int n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

/* How tightly a version text pins, given the operator style it came with. */
enum vstyle { V_EQ, V_FUZZY, V_BARE, V_EXPR };

static enum pin_class classify(const char *ver, enum vstyle style, const char *build)
{
	if (!*ver || !strcmp(ver, "*"))
		return PIN_UNPINNED;
	if (strpbrk(ver, "<>!~,|*"))
		return PIN_RANGE;
	if (style == V_FUZZY)
		return count_char(ver, '.') >= 2 || (build && strcmp(build, "*")) ?
			PIN_EXACT : PIN_RANGE;
	return style == V_EXPR ? PIN_RANGE : PIN_EXACT;
}

/* "[version='>=1.2', build=py*]": take version= and build= out of it. */
static void bracket_fields(const char *br, char **version, char **build)
{
	static const char *const keys[] = { "version", "build" };
	for (size_t k = 0; k < 2; k++) {
		const char *p = strstr(br, keys[k]);
		if (!p)
			continue;
		p = skip_space(p + strlen(keys[k]));
		if (*p != '=')
			continue;
		p = skip_space(p + 1);
		char quote = (*p == '\'' || *p == '"') ? *p++ : 0;
		size_t n = quote ? strcspn(p, (char[]){ quote, 0 }) : strcspn(p, ",]");
		char **out = k == 0 ? version : build;
		free(*out);
		*out = xstrndup_trim(p, n);
	}
}

/* The operator a version starts with: "==1.2" equality, "=1.2" conda's
 * prefix match, "<", ">", "!", "~" an expression, none a bare version
 * ("1.2" is equality, as "numpy 1.2" and numpy[version=1.2] are). */
static enum vstyle style_of(const char **v)
{
	const char *p = *v;
	if (p[0] == '=' && p[1] == '=') {
		*v = skip_space(p + 2);
		return V_EQ;
	}
	if (p[0] == '=') {
		*v = skip_space(p + 1);
		return V_FUZZY;
	}
	return *p && strchr("<>!~", *p) ? V_EXPR : V_BARE;
}

/* "=1.2=build", "1.2 build", ">= 3.8": version and build after the name. */
static int positional(const char *rest, const char *line, char **version, char **build,
		      enum vstyle *style, struct buf *err)
{
	const char *v = rest;
	*style = style_of(&v);
	/* the version ends at a space or, after = forms, at the next '=' */
	size_t vlen = strcspn(v, *style == V_EXPR || *style == V_BARE ? " \t" : " \t=");
	const char *b = skip_space(v + vlen + (v[vlen] == '='));
	*version = xstrndup_trim(v, vlen);
	if (*b && !*build)  /* a [build=...] given too wins */
		*build = xstrndup_trim(b, strlen(b));
	/* "python >= 3.8": spaces between operator and version */
	if (*style == V_EXPR && strspn(*version, "<>=!~") == strlen(*version) && *build) {
		char *joined = xasprintf("%s%s", *version, *build);
		free(*version);
		free(*build);
		*version = joined;
		*build = NULL;
	}
	if (*rest && (!**version || strspn(*version, "<>=!~") == strlen(*version)))
		buf_printf(err, "conda spec \"%s\" has an operator but no version; write "
			   "name=1.2.3, name==1.2.3 or name>=1.2", line);
	else if (v[vlen] == '=' && (!*b || strchr(b, '=')))
		buf_printf(err, "conda spec \"%s\" has %s '='; write name=version=build", line,
			   *b ? "too many" : "a trailing");
	else
		return 0;
	return -1;
}

int conda_spec_parse(const char *text, struct dep *d, struct buf *err)
{
	char *line = xstrndup_trim(text, strlen(text));
	char *bracket = strchr(line, '[');
	char *version = NULL, *build = NULL;
	enum vstyle style = V_BARE;
	const char *p = line;
	int rc = -1;

	d->source = DEP_CONDA;
	d->text = xstrdup(line);
	if (bracket) {
		if (line[strlen(line) - 1] != ']') {
			buf_printf(err, "unclosed '[' in conda spec \"%s\"; close it or remove it", line);
			goto out;
		}
		bracket_fields(bracket, &version, &build);
		*bracket = '\0';
	}
	const char *sep = strstr(p, "::");
	if (sep) {
		d->channel = xstrndup_trim(p, (size_t)(sep - p));
		p = sep + 2;
	}
	p = skip_space(p);
	size_t nlen = 0;
	while (is_name_char(p[nlen]))
		nlen++;
	if (!nlen) {
		buf_printf(err, "no package name in conda spec \"%s\"; write it as name=version", line);
		goto out;
	}
	d->name = xstrndup(p, nlen);
	d->key = dep_key(p, nlen);
	const char *rest = skip_space(p + nlen);
	d->spec = xstrndup_trim(rest, strlen(rest));

	const char *v = version;
	if (!version && positional(rest, d->text, &version, &build, &style, err))
		goto out;
	if (v)
		style = style_of(&v);  /* [version=...]: the same operators */
	d->pin = classify(v ? v : version, style, build);
	if (build && *build)
		d->build = xstrdup(build);
	rc = 0;
out:
	free(version);
	free(build);
	free(line);
	return rc;
}
