/* JSON text, by hand: the output of `initc servers --json` and `initc
 * check --json`, and the model-settings.json that --fix writes. Every
 * string goes through json_str, the one escaper: a file name holding a
 * quote or a control byte stays one string, and the text stays valid
 * UTF-8, as JSON must be. It redacts each value before escaping it, so
 * a secret is never printed and the document is never redacted whole
 * (a secret "null" would break its syntax). */
#include "verify_int.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * form, no surrogate, nothing above U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p)
{
	static const struct { unsigned char lead_min, lead_max, len, next_min, next_max; } forms[] = {
		{ 0xc2, 0xdf, 2, 0x80, 0xbf },
		{ 0xe0, 0xe0, 3, 0xa0, 0xbf }, /* no overlong forms */
		{ 0xe1, 0xec, 3, 0x80, 0xbf },
		{ 0xed, 0xed, 3, 0x80, 0x9f }, /* no surrogates */
		{ 0xee, 0xef, 3, 0x80, 0xbf },
		{ 0xf0, 0xf0, 4, 0x90, 0xbf },
		{ 0xf1, 0xf3, 4, 0x80, 0xbf },
		{ 0xf4, 0xf4, 4, 0x80, 0x8f }, /* up to U+10FFFF */
	};
	if (*p < 0x80)
		return 1;
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		if (*p < forms[i].lead_min || *p > forms[i].lead_max)
			continue;
		if (p[1] < forms[i].next_min || p[1] > forms[i].next_max)
			return 0;
		for (size_t k = 2; k < forms[i].len; k++)
			if (p[k] < 0x80 || p[k] > 0xbf)
				return 0;
		return forms[i].len;
	}
	return 0;
}

int json_utf8_valid(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_len(p);
		if (!n)
			return 0;
		p += n;
	}
	return 1;
}

void json_str(struct buf *b, const char *s)
{
	char *clean = log_redact_dup(s ? s : "");
	buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)clean; *p;) {
		size_t n = utf8_len(p);
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			buf_adds(b, "\\n");
		else if (*p == '\t')
			buf_adds(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\u%04x", *p);
		else if (!n)
			buf_adds(b, "\\ufffd"); /* a byte that is no UTF-8: the replacement character */
		else
			buf_add(b, p, n);
		p += n ? n : 1;
	}
	buf_addc(b, '"');
	free(clean);
}

/* "a,b,c" as a JSON array of strings. */
void json_list(struct buf *b, const char *csv)
{
	char *copy = xstrdup(csv ? csv : "");
	int first = 1;
	buf_addc(b, '[');
	for (char *save = NULL, *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!first)
			buf_addc(b, ',');
		json_str(b, w);
		first = 0;
	}
	buf_addc(b, ']');
	free(copy);
}

void json_settings(struct buf *b, const char *implementation, const char *file)
{
	char *uri = xasprintf("./%s", file);
	buf_addc(b, '{');
	if (implementation) {
		buf_adds(b, "\"implementation\":");
		json_str(b, implementation);
		buf_addc(b, ',');
	}
	buf_adds(b, "\"parameters\":{\"uri\":");
	json_str(b, uri);
	buf_adds(b, "}}");
	free(uri);
}
