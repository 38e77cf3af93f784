/* prebake's one-line parsers: every input line as a conda MatchSpec and
 * as a pip requirement, then the helpers that print them. */
#include "audit.h"
#include "deps.h"
#include "fuzz.h"

static void check_dep(const struct dep *d)
{
	if (!d->name || !d->key || !d->spec || !d->text)
		abort(); /* a parsed dependency has all of these */
	if (d->pin != PIN_EXACT && d->pin != PIN_RANGE && d->pin != PIN_UNPINNED)
		abort();
	(void)pin_name(d->pin);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *p = text, *line;

	while ((line = fuzz_next_line(&p))) {
		struct dep d = { 0 };
		struct buf err = BUF_INIT;
		if (conda_spec_parse(line, &d, &err) == 0)
			check_dep(&d);
		else if (!err.len)
			abort(); /* a refusal says why */
		dep_free(&d);
		buf_reset(&err);
		memset(&d, 0, sizeof d);
		if (pip_req_parse(line, &d, &err) == 0)
			check_dep(&d);
		else if (!err.len)
			abort();
		dep_free(&d);
		buf_free(&err);
		free(url_redact_userinfo(line));
		free(dep_key(line, strlen(line)));
	}
	free(text);
	return 0;
}
