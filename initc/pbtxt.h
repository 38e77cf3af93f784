/* Just enough of protobuf text format to read a Triton config.pbtxt's
 * top-level string fields (name, platform, backend). */
#ifndef INITC_PBTXT_H
#define INITC_PBTXT_H

#include <stddef.h>

/* The value of `key: "value"` at the top level of text (outside every
 * { } and [ ]), malloc'd; NULL when absent or not a quoted string. */
char *pbtxt_top_string(const char *text, size_t len, const char *key);

#endif
