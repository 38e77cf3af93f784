/* Model URIs as initc accepts them, read the way rclone reads a path:
 *   s3://bucket/prefix          remote "s3" (rclone strips the "//")
 *   remote:bucket/prefix        a configured remote
 *   remote,opt=v:bucket/prefix  a remote with options overridden
 *   :s3,opt=v,...:bucket/prefix an on-the-fly remote (connection string)
 *   http(s)://host/path/file    a plain file, fetched unsigned
 *   /local/path, ./rel          a local file or directory (e.g. a PVC) */
#ifndef INITC_URI_H
#define INITC_URI_H

#include "buf.h"

enum source_kind { SOURCE_REMOTE, SOURCE_HTTP, SOURCE_LOCAL };

struct source {
	enum source_kind kind;
	char *uri;         /* as given, for messages */
	char *remote;      /* "s3", "minio", ":s3" */
	char *params;      /* connection-string parameters, or NULL */
	char *bucket;
	char *prefix;      /* key or key prefix, no leading '/' ("" = whole bucket) */
	char *path;        /* SOURCE_LOCAL path or SOURCE_HTTP URL */
	int scheme_form;   /* written as name://, so KServe's variables may apply */
};

/* Returns 0 or EXIT_USAGE with err saying what is wrong with the URI. */
int source_parse(const char *uri, struct source *out, struct buf *err);
void source_free(struct source *s);

#endif
