/* S3's answer to a failed request: the <Error> body, and what its code
 * means here (an exit code, and whether trying again may help). Apart
 * from listings, so the HTTP layer can classify failures without the
 * listing parser. */
#ifndef INITC_S3_ERROR_H
#define INITC_S3_ERROR_H

#include <stddef.h>
#include "buf.h"

/* Code and Message are kept whole (a body over 1 MiB is not parsed): a
 * cut before redaction would leave part of an echoed secret that the
 * log no longer recognises. Messages cut them after redaction
 * (http_add_server_text). */

struct s3_error {
	struct buf code;
	struct buf message;
};

/* Fill code/message from an <Error> body; both stay empty when it is not
 * one (an HTML page from a proxy, nothing, malformed XML). */
void s3_parse_error(const char *xml, size_t len, struct s3_error *e);
void s3_error_free(struct s3_error *e);

/* Map an S3 error code (NULL when the body had none) and the HTTP status
 * to an exit code, and say whether trying again may help. */
int s3_error_class(int http_status, const char *code, int *retryable);

#endif
