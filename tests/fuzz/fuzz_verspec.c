/* Versions and specifiers (common/verspec.c): MLmodel's library versions
 * and requirement pins come out of a bucket. The input is split at its
 * first newline into a version and a specifier; every entry point must
 * stay inside them and agree with itself. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "verspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char *spec = strchr(text, '\n');
	if (spec)
		*spec++ = '\0';
	else
		spec = text + strlen(text);
	enum verspec_place at = verspec_place(text, spec);
	int holds = verspec_holds(text, spec);
	if ((at == VERSPEC_UNKNOWN) != (holds == -1) || (at == VERSPEC_IN) != (holds == 1))
		abort();  /* the two answers must agree */
	int len = 0;
	const char *to = verspec_target(spec, at, &len);
	if (to && (len <= 0 || to < spec || to + len > spec + strlen(spec)))
		abort();
	int c = version_cmp(text, spec), r = version_cmp(spec, text);
	if ((c > 0) != (r < 0) || (c == 0) != (r == 0))
		abort();  /* antisymmetric */
	free(text);
	return 0;
}
