/* Model URIs: source_parse, and the connection-string parameters it
 * carries, the way initc reads argv[1]. */
#include "fuzz.h"
#include "log.h"
#include "rclone_config.h"
#include "uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *uri = fuzz_cstr(data, size);
	struct source s;
	struct buf err = BUF_INIT;

	if (source_parse(uri, &s, &err) == 0 && s.kind == SOURCE_REMOTE && s.params) {
		struct kv *kvs;
		size_t n;
		struct buf perr = BUF_INIT;
		if (parse_conn_params(s.params, &kvs, &n, &perr) == 0)
			kv_free(kvs, n);
		buf_free(&perr);
	}
	source_free(&s);
	buf_free(&err);
	log_forget_secrets(); /* source_parse registers secrets of the params */
	free(uri);
	return 0;
}
