/* Shared bits of the libFuzzer targets: the fuzzer hands us bytes that
 * are not NUL-terminated, while the parsers under test take C strings. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy; embedded NULs simply end the string early. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Where a target writes its files: $TMPDIR (tests/fuzz/run points it
 * at its scratch folder), else /tmp. */
static inline const char *fuzz_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	return t && *t ? t : "/tmp";
}

/* Next line of *p (cut at '\n', which is overwritten), or NULL at the end. */
static inline char *fuzz_next_line(char **p)
{
	char *line = *p, *nl;
	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = NULL;
	}
	return line;
}

#endif
