/* The credential chain's untrusted answers: STS's XML and the container
 * and IMDS endpoints' JSON, each parsed from the same bytes; and the
 * Expiration times inside them. */
#include "fuzz.h"
#include "aws_creds.h"
#include "aws_provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct aws_keys k = { 0 };
	struct buf err = BUF_INIT;
	time_t t;

	if (aws_sts_parse(text, size, &k, &err) == 0 && (!k.access_key || !k.secret_key))
		abort(); /* success promises both keys */
	aws_keys_free(&k);
	if (aws_metadata_parse(text, size, &k, &err) == 0 && (!k.access_key || !k.expiration))
		abort();
	aws_keys_free(&k);
	char *s = fuzz_cstr(data, size);
	aws_parse_time(s, &t);
	free(s);
	buf_free(&err);
	return 0;
}
