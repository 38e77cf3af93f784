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

/* Name, without its value, the parameter that holds the ':' which ended
 * the list: the last one. */
static void describe_last_param(const char *params, struct buf *err)
{
	size_t n = 1;
	const char *last = params;
	char quote = 0;
	for (const char *p = params; *p; p++) {
		if (quote ? *p == quote : (*p == '\'' || *p == '"'))
			quote = quote ? 0 : *p;
		else if (!quote && *p == ',') {
			n++;
			last = p + 1;
		}
	}
	char *key = xstrndup(last, strcspn(last, "=,"));
	for (char *k = key; *k; k++)
		if (*k == '-')
			*k = '_';
	buf_printf(err, "parameter %zu", n);
	if (ropt_find(key))
		buf_printf(err, " (%s)", key);
	free(key);
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
		if (!end) { /* the structure only from here on: a value may be a secret */
			buf_printf(err, "the connection string of remote %s never ends: no ':' outside "
				   "quotes follows its parameters; close every quote and write "
				   ":bucket/path after them", s->remote);
			return EXIT_USAGE;
		}
		s->params = xstrndup(p + 1, (size_t)(end - p - 1));
		p = end;
	}
	p++; /* the ':' */
	int malformed = s->params && conn_path_malformed(p);
	if (!strncmp(p, "//", 2)) {
		s->scheme_form = 1;
		p += 2;
	}
	int rc = split_bucket(s, p, err);
	if (!rc && malformed) {
		buf_printf(err, "malformed connection string of remote %s: its parameters end at the "
			   "first ':' outside quotes, which is inside the value of ", s->remote);
		describe_last_param(s->params, err);
		buf_adds(err, "; quote values that contain ':' or ',' like endpoint='http://host:9000'");
		rc = EXIT_USAGE;
	}
	return rc;
}
