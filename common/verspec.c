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
#define NONE LONG_MIN  /* no such segment */

/* A version in PEP 440's order: release, then pre-release (a < b < rc),
 * post-release, development release; the local part only matters to ==
 * and != clauses that name one. */
struct ver {
	long part[VER_PARTS];
	int nparts;
	int pre_kind;   /* 0 a, 1 b, 2 rc; -1 none */
	long pre, post, dev;  /* NONE when absent */
	const char *local;    /* after '+', or NULL */
	size_t local_len;
	int wild;       /* "1.2.*" (only in == and != clauses) */
};

static const struct { const char *word; int kind; } pre_words[] = {
	{ "alpha", 0 }, { "beta", 1 }, { "preview", 2 }, { "pre", 2 }, { "rc", 2 },
	{ "a", 0 }, { "b", 1 }, { "c", 2 },
};
static const char *const post_words[] = { "post", "rev", "r" };

/* A word followed by an optional separator and number ("rc1", ".post",
 * "-dev2"); advances *s past it, *num 0 when no number is written. */
static int take_word(const char **s, const char *end, const char *word, long *num)
{
	const char *p = *s;
	size_t w = strlen(word);
	if (p < end && (*p == '.' || *p == '-' || *p == '_'))
		p++;
	if ((size_t)(end - p) < w || strncasecmp(p, word, w))
		return 0;
	p += w;
	if (p < end && isalpha((unsigned char)*p))
		return 0;  /* "alpha" is not "a" + "lpha" */
	if (p < end && (*p == '.' || *p == '-' || *p == '_') && p + 1 < end &&
	    isdigit((unsigned char)p[1]))
		p++;
	long x = 0;
	for (; p < end && isdigit((unsigned char)*p); p++) {
		int d = *p - '0';
		x = x > (LONG_MAX - d) / 10 ? LONG_MAX : x * 10 + d;
	}
	*num = x;
	*s = p;
	return 1;
}

/* The tail after the release: [pre][post][dev][+local]; 0, or -1 when
 * something is left over. */
static int parse_tail(const char *s, const char *end, struct ver *v)
{
	long num;
	for (size_t i = 0; i < sizeof pre_words / sizeof *pre_words; i++)
		if (take_word(&s, end, pre_words[i].word, &num)) {
			v->pre_kind = pre_words[i].kind;
			v->pre = num;
			break;
		}
	if (s + 1 < end && *s == '-' && isdigit((unsigned char)s[1])) {
		s++;  /* "1.0-1" is 1.0.post1 */
		for (v->post = 0; s < end && isdigit((unsigned char)*s); s++)
			v->post = v->post > LONG_MAX / 10 - 9 ? LONG_MAX : v->post * 10 + (*s - '0');
	} else {
		for (size_t i = 0; i < sizeof post_words / sizeof *post_words; i++)
			if (take_word(&s, end, post_words[i], &num)) {
				v->post = num;
				break;
			}
	}
	if (take_word(&s, end, "dev", &num))
		v->dev = num;
	if (s < end && *s == '+') {
		v->local = s + 1;
		v->local_len = (size_t)(end - s - 1);
		if (!v->local_len)
			return -1;
		for (const char *p = v->local; p < end; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
				return -1;
		return 0;
	}
	return s == end ? 0 : -1;
}

/* s[0..n) as a version; 0, or -1 when it is not one. */
static int ver_parse(const char *s, size_t n, struct ver *v, int allow_wild)
{
	size_t i = 0;
	memset(v, 0, sizeof *v);
	v->pre_kind = -1;
	v->pre = v->post = v->dev = NONE;
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
	return parse_tail(s + i, s + n, v);
}

static int cmp_long(long a, long b)
{
	return (a > b) - (a < b);
}

/* PEP 440: X.devN < X.aN < X.bN < X.rcN < X < X.postN, and a .devM sorts
 * just before what it is attached to. */
static int phase_cmp(const struct ver *a, const struct ver *b)
{
	/* the pre-release rank: a dev release of the final sorts first */
	long ak = a->pre_kind >= 0 ? a->pre_kind : a->dev != NONE && a->post == NONE ? -1 : 3;
	long bk = b->pre_kind >= 0 ? b->pre_kind : b->dev != NONE && b->post == NONE ? -1 : 3;
	int c = cmp_long(ak, bk);
	if (!c)
		c = cmp_long(a->pre, b->pre);
	if (!c)
		c = cmp_long(a->post, b->post);
	if (!c) /* no dev segment sorts after any dev segment */
		c = cmp_long(a->dev == NONE ? LONG_MAX : a->dev, b->dev == NONE ? LONG_MAX : b->dev);
	return c;
}

/* Compare the first upto parts (all when upto is 0), then the phase. */
static int ver_cmp(const struct ver *a, const struct ver *b, int upto)
{
	int n = upto ? upto : VER_PARTS;
	for (int i = 0; i < n; i++)
		if (a->part[i] != b->part[i])
			return a->part[i] < b->part[i] ? -1 : 1;
	return upto ? 0 : phase_cmp(a, b);
}

static int is_pre(const struct ver *v)
{
	return v->pre_kind >= 0 || v->dev != NONE;
}

int version_cmp(const char *a, const char *b)
{
	struct ver x, y;
	if (ver_parse(a, strlen(a), &x, 0)) { /* an unread tail: the release alone */
		x.pre_kind = -1;
		x.pre = x.post = x.dev = NONE;
	}
	if (ver_parse(b, strlen(b), &y, 0)) {
		y.pre_kind = -1;
		y.pre = y.post = y.dev = NONE;
	}
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

/* == and != compare the local part only when the clause names one. */
static int same_local(const struct ver *v, const struct ver *b)
{
	if (!b->local)
		return 1;
	return v->local && v->local_len == b->local_len &&
	       !strncasecmp(v->local, b->local, b->local_len);
}

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
	int equality = op == OP_EQ || op == OP_NE || op == OP_BARE;
	if (ver_parse(c, n, &b, equality) || (b.local && (!equality || b.wild)))
		return VERSPEC_UNKNOWN;  /* a local version only in == and != */
	int cmp = ver_cmp(v, &b, 0);
	switch (op) {
	case OP_EQ: case OP_BARE:
		if (!b.wild && !cmp && !same_local(v, &b))
			return VERSPEC_EXCLUDED;
		return b.wild ? prefix_place(v, &b, b.nparts) : prefix_place(v, &b, 0);
	case OP_NE:
		if (b.wild)
			return ver_cmp(v, &b, b.nparts) ? VERSPEC_IN : VERSPEC_EXCLUDED;
		return cmp || !same_local(v, &b) ? VERSPEC_IN : VERSPEC_EXCLUDED;
	case OP_LE: return cmp <= 0 ? VERSPEC_IN : VERSPEC_ABOVE;
	case OP_LT: /* <3.0 refuses 3.0's own pre-releases (PEP 440) */
		if (cmp < 0 && is_pre(v) && !is_pre(&b) && !ver_cmp(v, &b, VER_PARTS))
			return VERSPEC_ABOVE;
		return cmp < 0 ? VERSPEC_IN : VERSPEC_ABOVE;
	case OP_GE: return cmp >= 0 ? VERSPEC_IN : VERSPEC_BELOW;
	case OP_GT: /* >1.0 refuses 1.0's post-releases and local versions (PEP 440,
		     * as pip reads it: any version with 1.0's release numbers) */
		if (cmp > 0 && !ver_cmp(v, &b, VER_PARTS) &&
		    ((v->post != NONE && b.post == NONE) || v->local))
			return VERSPEC_BELOW;
		return cmp > 0 ? VERSPEC_IN : VERSPEC_BELOW;
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
		size_t blank = strspn(p, " \t");
		enum verspec_place at = blank >= n ? VERSPEC_IN  /* "<=2.5.0," as pip reads it */
						   : clause_place(&have, p, n);
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
