/* Conda MatchSpec strings as they appear in conda.yaml dependencies:
 *   name  name=1.2  name==1.2  name=1.2=build  name 1.2 build
 *   name >=1,<2  name 1.2|1.3  name 1.2.*  channel::name  name[build=x]
 * conda reads "name=1.2" as the prefix match 1.2.*, but "name 1.2" and
 * "name==1.2" as equality. prebake counts a prefix match as exact when it
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

int conda_spec_parse(const char *text, struct dep *d, struct buf *err)
{
	char *line = xstrndup_trim(text, strlen(text));
	char *bracket = strchr(line, '[');
	char *version = NULL, *build = NULL;
	enum vstyle style = V_BARE;
	const char *p = line;

	d->source = DEP_CONDA;
	d->text = xstrdup(line);
	if (bracket) {
		if (line[strlen(line) - 1] != ']') {
			buf_printf(err, "unclosed '[' in conda spec \"%s\"; close it or remove it", line);
			free(line);
			return -1;
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
		free(line);
		free(version);
		free(build);
		return -1;
	}
	d->name = xstrndup(p, nlen);
	d->key = dep_key(p, nlen);
	const char *rest = skip_space(p + nlen);
	d->spec = xstrndup_trim(rest, strlen(rest));

	if (!version) {
		const char *v = rest;
		if (v[0] == '=' && v[1] == '=') {
			style = V_EQ;
			v = skip_space(v + 2);
		} else if (v[0] == '=') {
			style = V_FUZZY;
			v = skip_space(v + 1);
		} else if (*v && strchr("<>!~", *v)) {
			style = V_EXPR;
		}
		/* the version ends at a space or, after = forms, at the next '=' */
		size_t vlen = strcspn(v, style == V_EXPR || style == V_BARE ? " \t" : " \t=");
		version = xstrndup_trim(v, vlen);
		const char *b = skip_space(v + vlen + (v[vlen] == '='));
		if (*b && !build)
			build = xstrndup_trim(b, strlen(b));
		/* "python >= 3.8": spaces between operator and version */
		if (style == V_EXPR && strspn(version, "<>=!~") == strlen(version) && build) {
			char *joined = xasprintf("%s%s", version, build);
			free(version);
			free(build);
			version = joined;
			build = NULL;
		}
	} else {
		style = V_EXPR;
		if (!strncmp(version, "==", 2) && !strpbrk(version + 2, "<>!~,|*="))
			style = V_EQ;
	}
	d->pin = classify(version, style, build);
	if (build && *build)
		d->build = xstrdup(build);
	free(version);
	free(build);
	free(line);
	return 0;
}
