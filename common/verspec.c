/* Versions and specifiers; see verspec.h. Only what model and server
 * requirement files use: numeric releases with pre/post/dev/local tails,
 * and comma-joined clauses (no "||", no markers). */
#include "verspec.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define VER_PARTS 8

struct ver {
	long part[VER_PARTS];
	int nparts;
	int phase;  /* -1 pre or dev, 0 final, 1 post */
	int wild;   /* "1.2.*" (only in == and != clauses) */
};

/* The pre-release and post-release words PEP 440 normalises. */
static const struct { const char *word; int phase; } tails[] = {
	{ "alpha", -1 }, { "beta", -1 }, { "preview", -1 }, { "pre", -1 }, { "rc", -1 },
	{ "dev", -1 }, { "a", -1 }, { "b", -1 }, { "c", -1 },
	{ "post", 1 }, { "rev", 1 }, { "r", 1 },
};

/* "rc1", ".post2", "-1", "+cpu": the phase, or -2 when unreadable. */
static int tail_phase(const char *s, size_t n)
{
	const char *local = memchr(s, '+', n);
	if (local)
		n = (size_t)(local - s);  /* a local version sorts with its release */
	if (n == 0)
		return 0;
	if (*s == '.' || *s == '-' || *s == '_') {
		if (*s == '-' && n > 1 && isdigit((unsigned char)s[1]) &&
		    strspn(s + 1, "0123456789") >= n - 1)
			return 1;  /* "1.0-1" is 1.0.post1 */
		s++, n--;
	}
	for (size_t i = 0; i < sizeof tails / sizeof *tails; i++) {
		size_t w = strlen(tails[i].word);
		if (n < w || strncasecmp(s, tails[i].word, w))
			continue;
		const char *rest = s + w;
		size_t left = n - w;
		if (left && (*rest == '.' || *rest == '-' || *rest == '_'))
			rest++, left--;
		if (strspn(rest, "0123456789") < left)
			continue;  /* "alpha" must not match as "a" + "lpha" */
		return tails[i].phase;
	}
	return -2;
}

/* s[0..n) as a version; 0, or -1 when it is not one. */
static int ver_parse(const char *s, size_t n, struct ver *v, int allow_wild)
{
	size_t i = 0;
	memset(v, 0, sizeof *v);
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n && (*s == 'v' || *s == 'V'))
		s++, n--;
	while (i < n) {
		if (s[i] == '*' && i + 1 == n && v->nparts && allow_wild) {
			v->wild = 1;
			return 0;
		}
		if (!isdigit((unsigned char)s[i]) || v->nparts == VER_PARTS)
			break;
		long x = 0;
		for (; i < n && isdigit((unsigned char)s[i]); i++) {
			int d = s[i] - '0';
			x = x > (LONG_MAX - d) / 10 ? LONG_MAX : x * 10 + d;  /* untrusted: saturate */
		}
		v->part[v->nparts++] = x;
		if (i + 1 < n && s[i] == '.' && (isdigit((unsigned char)s[i + 1]) || s[i + 1] == '*'))
			i++;
		else
			break;
	}
	if (!v->nparts)
		return -1;
	v->phase = tail_phase(s + i, n - i);
	return v->phase == -2 ? -1 : 0;
}

/* Compare the first upto parts (all when upto is 0), then the phase. */
static int ver_cmp(const struct ver *a, const struct ver *b, int upto)
{
	int n = upto ? upto : VER_PARTS;
	for (int i = 0; i < n; i++)
		if (a->part[i] != b->part[i])
			return a->part[i] < b->part[i] ? -1 : 1;
	if (upto)
		return 0;
	return (a->phase > b->phase) - (a->phase < b->phase);
}

int version_cmp(const char *a, const char *b)
{
	struct ver x, y;
	size_t la = strlen(a), lb = strlen(b);
	if (ver_parse(a, la, &x, 0))  /* an unread tail: the release alone */
		x.phase = 0;
	if (ver_parse(b, lb, &y, 0))
		y.phase = 0;
	return ver_cmp(&x, &y, 0);
}

/* v against a bound whose first upto parts must match: IN, or the side. */
static enum verspec_place prefix_place(const struct ver *v, const struct ver *bound, int upto)
{
	int c = ver_cmp(v, bound, upto);
	return c == 0 ? VERSPEC_IN : c < 0 ? VERSPEC_BELOW : VERSPEC_ABOVE;
}

/* Poetry's caret: the first non-zero part may not change. */
static int caret_parts(const struct ver *b)
{
	for (int i = 0; i < b->nparts; i++)
		if (b->part[i])
			return i + 1;
	return b->nparts;
}

enum clause_op { OP_ARBITRARY, OP_EQ, OP_NE, OP_COMPAT, OP_LE, OP_GE, OP_LT, OP_GT,
		 OP_CARET, OP_TILDE, OP_BARE };

static const struct { const char *text; enum clause_op op; } ops[] = {
	{ "===", OP_ARBITRARY }, { "==", OP_EQ }, { "!=", OP_NE }, { "~=", OP_COMPAT },
	{ "<=", OP_LE }, { ">=", OP_GE }, { "<", OP_LT }, { ">", OP_GT },
	{ "^", OP_CARET }, { "~", OP_TILDE }, { "=", OP_EQ } /* conda's "=" */,
};

static enum verspec_place clause_place(const struct ver *v, const char *c, size_t n)
{
	enum clause_op op = OP_BARE;
	struct ver b;
	while (n && isspace((unsigned char)*c))
		c++, n--;
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
		size_t w = strlen(ops[i].text);
		if (n >= w && !strncmp(c, ops[i].text, w)) {
			op = ops[i].op;
			c += w, n -= w;
			break;
		}
	}
	if (op == OP_ARBITRARY)
		return VERSPEC_UNKNOWN;  /* string identity: nothing to order */
	if (ver_parse(c, n, &b, op == OP_EQ || op == OP_NE || op == OP_BARE))
		return VERSPEC_UNKNOWN;
	int cmp = ver_cmp(v, &b, 0);
	switch (op) {
	case OP_EQ: case OP_BARE:
		return b.wild ? prefix_place(v, &b, b.nparts) : prefix_place(v, &b, 0);
	case OP_NE:
		return (b.wild ? ver_cmp(v, &b, b.nparts) : cmp) ? VERSPEC_IN : VERSPEC_EXCLUDED;
	case OP_LE: return cmp <= 0 ? VERSPEC_IN : VERSPEC_ABOVE;
	case OP_LT: return cmp < 0 ? VERSPEC_IN : VERSPEC_ABOVE;
	case OP_GE: return cmp >= 0 ? VERSPEC_IN : VERSPEC_BELOW;
	case OP_GT: return cmp > 0 ? VERSPEC_IN : VERSPEC_BELOW;
	case OP_COMPAT: /* ~=X.Y: >=X.Y and ==X.*; "~=3" is not a valid clause */
		if (b.nparts < 2)
			return VERSPEC_UNKNOWN;
		return cmp < 0 ? VERSPEC_BELOW : prefix_place(v, &b, b.nparts - 1);
	case OP_CARET:
		return cmp < 0 ? VERSPEC_BELOW : prefix_place(v, &b, caret_parts(&b));
	case OP_TILDE: /* ~1.2.3 and ~1.2: 1.2.*; ~1: 1.* */
		return cmp < 0 ? VERSPEC_BELOW : prefix_place(v, &b, b.nparts < 2 ? 1 : 2);
	default:
		return VERSPEC_UNKNOWN;
	}
}

static int is_any(const char *spec)
{
	while (isspace((unsigned char)*spec))
		spec++;
	return !*spec || (spec[0] == '*' && !spec[1 + strspn(spec + 1, " \t")]);
}

enum verspec_place verspec_place(const char *v, const char *spec)
{
	struct ver have;
	enum verspec_place first_miss = VERSPEC_IN;
	if (ver_parse(v, strlen(v), &have, 0))
		return VERSPEC_UNKNOWN;
	if (is_any(spec))
		return VERSPEC_IN;
	if (strstr(spec, "||"))
		return VERSPEC_UNKNOWN;
	for (const char *p = spec;;) {
		size_t n = strcspn(p, ",");
		enum verspec_place at = clause_place(&have, p, n);
		if (at == VERSPEC_UNKNOWN)
			return VERSPEC_UNKNOWN;  /* every clause must be read to judge */
		if (first_miss == VERSPEC_IN)
			first_miss = at;
		if (!p[n])
			return first_miss;
		p += n + 1;
	}
}

int verspec_holds(const char *v, const char *spec)
{
	enum verspec_place at = verspec_place(v, spec);
	return at == VERSPEC_UNKNOWN ? -1 : at == VERSPEC_IN;
}

const char *verspec_target(const char *spec, enum verspec_place place, int *len)
{
	for (const char *p = spec; *p;) {
		size_t n = strcspn(p, ",");
		const char *c = p;
		while (c < p + n && isspace((unsigned char)*c))
			c++;
		if (((!strncmp(c, "<=", 2) && place == VERSPEC_ABOVE) ||
		     (!strncmp(c, "==", 2) && c[2] != '=')) &&
		    !memchr(c, '*', (size_t)(p + n - c))) {
			c += 2;
			while (c < p + n && isspace((unsigned char)*c))
				c++;
			const char *end = p + n;
			while (end > c && isspace((unsigned char)end[-1]))
				end--;
			*len = (int)(end - c);
			return *len ? c : NULL;
		}
		p += n + (p[n] == ',');
	}
	return NULL;
}
