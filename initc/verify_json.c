/* JSON output of `initc servers --json` and `initc check --json`, by hand:
 * two kinds of value are all they print. */
#include "verify_int.h"

#include <stdlib.h>
#include <string.h>

void json_str(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			buf_adds(b, "\\n");
		else if (*p == '\t')
			buf_adds(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\u%04x", *p);
		else
			buf_addc(b, (char)*p);
	}
	buf_addc(b, '"');
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
