/* Model URI parsing; see uri.h. */
#include "uri.h"
#include "exitcode.h"
#include "connstr.h"

#include <stdlib.h>
#include <string.h>

void source_free(struct source *s)
{
	free(s->uri);
	free(s->remote);
	free(s->params);
	free(s->bucket);
	free(s->prefix);
	free(s->path);
	memset(s, 0, sizeof *s);
}

static int split_bucket(struct source *s, const char *path, struct buf *err)
{
	while (*path == '/')
		path++;
	size_t blen = strcspn(path, "/");
	if (!blen) {
		buf_printf(err, "%s names no bucket: write s3://BUCKET/path or remote:BUCKET/path", s->uri);
		return EXIT_USAGE;
	}
	s->bucket = xstrndup(path, blen);
	path += blen;
	if (*path == '/')
		path++;
	s->prefix = xstrdup(path);
	return 0;
}

int source_parse(const char *uri, struct source *s, struct buf *err)
{
	memset(s, 0, sizeof *s);
	s->uri = xstrdup(uri);
	conn_register_secrets(uri); /* before any message can quote it */
	if (!*uri) {
		buf_printf(err, "the model URI is empty");
		return EXIT_USAGE;
	}
	if (!strncmp(uri, "http://", 7) || !strncmp(uri, "https://", 8)) {
		s->kind = SOURCE_HTTP;
		s->path = xstrdup(uri);
		return 0;
	}
	size_t rlen = conn_remote_len(uri);
	if (!rlen) {
		s->kind = SOURCE_LOCAL;
		s->path = xstrdup(uri);
		return 0;
	}
	const char *p = uri + rlen;
	s->kind = SOURCE_REMOTE;
	s->remote = xstrndup(uri, rlen);
	int malformed = 0;
	if (*p == ',') {
		const char *end = conn_params_end(p + 1);
		if (!end) { /* the structure only from here on: a value may be a secret */
			conn_malformed(err, p + 1, NULL, "never ends: no ':' outside quotes follows "
				       "it; close every quote and write :bucket/path after the parameters");
			return EXIT_USAGE;
		}
		s->params = xstrndup(p + 1, (size_t)(end - p - 1));
		malformed = conn_list_misread(p + 1, end);
		p = end;
	}
	p++; /* the ':' */
	if (!strncmp(p, "//", 2)) {
		s->scheme_form = 1;
		p += 2;
	}
	if (malformed) {
		conn_malformed(err, s->params, NULL, "holds a ':' in its value, where the parameters "
			       "end (the first ':' outside quotes)");
		return EXIT_USAGE;
	}
	return split_bucket(s, p, err);
}
