/* Model URI parsing; see uri.h. */
#include "uri.h"
#include "exitcode.h"
#include "rclone_config.h"

#include <ctype.h>
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

/* End of a connection-string parameter list: the first ':' outside quotes. */
static const char *params_end(const char *p)
{
	char quote = 0;
	for (; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == ':') {
			return p;
		}
	}
	return NULL;
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

static int is_remote_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == '+' ||
	       c == '@' || c == ' ';
}

int source_parse(const char *uri, struct source *s, struct buf *err)
{
	memset(s, 0, sizeof *s);
	s->uri = xstrdup(uri);
	if (!*uri) {
		buf_printf(err, "the model URI is empty");
		return EXIT_USAGE;
	}
	if (!strncmp(uri, "http://", 7) || !strncmp(uri, "https://", 8)) {
		s->kind = SOURCE_HTTP;
		s->path = xstrdup(uri);
		return 0;
	}
	/* a remote name runs up to ',' or ':'; anything else is a local path */
	const char *p = uri + (uri[0] == ':');
	while (*p && is_remote_name_char(*p))
		p++;
	if ((*p != ':' && *p != ',') || p == uri + (uri[0] == ':')) {
		s->kind = SOURCE_LOCAL;
		s->path = xstrdup(uri);
		return 0;
	}
	s->kind = SOURCE_REMOTE;
	s->remote = xstrndup(uri, (size_t)(p - uri));
	if (*p == ',') {
		const char *end = params_end(p + 1);
		if (!end) {
			conn_params_register_secrets(p + 1); /* hide its values in this error */
			buf_printf(err, "%s: the connection string has no ':' before the path "
				   "(quote values containing ':' like endpoint='http://h:9000')", uri);
			return EXIT_USAGE;
		}
		s->params = xstrndup(p + 1, (size_t)(end - p - 1));
		conn_params_register_secrets(s->params);
		p = end;
	}
	p++; /* the ':' */
	if (!strncmp(p, "//", 2)) {
		s->scheme_form = 1;
		p += 2;
	}
	return split_bucket(s, p, err);
}
