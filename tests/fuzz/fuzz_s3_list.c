/* S3 XML answers: one ListObjects (V1 or V2) page, and an <Error> body. */
#include "fuzz.h"
#include "s3_error.h"
#include "s3_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *xml = (const char *)data;
	struct s3_objlist list = { 0 };
	struct s3_page page;
	struct s3_error e = { BUF_INIT, BUF_INIT };
	struct buf err = BUF_INIT;

	/* twice into one list: pages append, as in the pagination loop */
	if (s3_parse_list_page(xml, size, &list, &page, &err) == 0) {
		free(page.next_token);
		if (s3_parse_list_page(xml, size, &list, &page, &err) == 0)
			free(page.next_token);
	}
	for (size_t i = 0; i < list.n; i++)
		if (!list.v[i].key || !list.v[i].etag)
			abort(); /* push_object promises both */
	s3_objlist_free(&list);
	s3_parse_error(xml, size, &e);
	s3_error_free(&e);
	buf_free(&err);
	return 0;
}
