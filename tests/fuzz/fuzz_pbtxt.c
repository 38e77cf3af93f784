/* Triton config.pbtxt: the top-level string fields initc reads from a
 * file that came out of a bucket. The input is not NUL-terminated: the
 * reader must stay inside len. */
#include <stdlib.h>

#include "fuzz.h"
#include "pbtxt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "name", "backend", "platform" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		free(pbtxt_top_string((const char *)data, size, keys[i]));
	return 0;
}
