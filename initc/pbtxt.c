/* Top-level string fields of protobuf text format; see pbtxt.h. */
#include "pbtxt.h"
#include "buf.h"

#include <ctype.h>
#include <string.h>

/* Skip a quoted string starting at s[i] (the quote); index after it. */
static size_t skip_string(const char *s, size_t len, size_t i)
{
	char quote = s[i++];
	while (i < len && s[i] != quote)
		i += s[i] == '\\' ? 2 : 1;
	return i < len ? i + 1 : len;
}

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* At s[i], the identifier key followed by ':' and a quoted string? */
static char *match_field(const char *s, size_t len, size_t i, const char *key)
{
	size_t klen = strlen(key);
	if (i + klen > len || strncmp(s + i, key, klen) || (i + klen < len && ident_char(s[i + klen])))
		return NULL;
	i += klen;
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	if (i >= len || s[i] != ':')
		return NULL;
	i++;
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	if (i >= len || (s[i] != '"' && s[i] != '\''))
		return NULL;
	size_t end = skip_string(s, len, i);
	if (end - i < 2 || s[end - 1] != s[i])
		return NULL;
	return xstrndup(s + i + 1, end - i - 2);
}

char *pbtxt_top_string(const char *text, size_t len, const char *key)
{
	int depth = 0;
	for (size_t i = 0; i < len;) {
		char c = text[i];
		if (c == '"' || c == '\'') {
			i = skip_string(text, len, i);
		} else if (c == '#') {
			while (i < len && text[i] != '\n')
				i++;
		} else if (c == '{' || c == '[') {
			depth++, i++;
		} else if (c == '}' || c == ']') {
			depth -= depth > 0, i++;
		} else if (depth == 0 && ident_char(c) && (i == 0 || !ident_char(text[i - 1]))) {
			char *value = match_field(text, len, i, key);
			if (value)
				return value;
			while (i < len && ident_char(text[i]))
				i++;
		} else {
			i++;
		}
	}
	return NULL;
}
