/* Connection-string syntax; see connstr.h. */
#include "connstr.h"
#include "rclone_config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* rclone's remote names: letters, digits, _ - . + @ and space, but
 * neither starting with '-' or a space nor ending with a space. */
static int remote_name_char(char c)
{
	return isalnum((unsigned char)c) || strchr("_-.+@ ", c) != NULL;
}

size_t conn_remote_len(const char *uri)
{
	const char *name = uri + (*uri == ':'), *p = name;
	while (*p && remote_name_char(*p))
		p++;
	if (p == name || *name == '-' || *name == ' ' || p[-1] == ' ')
		return 0;
	return *p == ':' || *p == ',' ? (size_t)(p - uri) : 0;
}

const char *conn_params_end(const char *params)
{
	char quote = 0;
	for (const char *p = params; *p; p++) {
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

char *conn_option_name(const char *s, size_t len)
{
	char *name = xstrndup(s, len);
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	return name;
}

int conn_name_shaped(const char *name)
{
	size_t len = strlen(name);
	return len && len <= 40 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == len;
}

void conn_piece_read(const char *p, const char *limit, struct conn_piece *pc)
{
	memset(pc, 0, sizeof *pc);
	pc->name = p;
	while (*p && *p != '=' && *p != ',' && p != limit)
		p++;
	pc->name_len = (size_t)(p - pc->name);
	if (*p != '=' || p == limit) {
		pc->next = p;
		return;
	}
	pc->value = ++p;
	if (*p == '\'' || *p == '"') {
		char quote = *p++;
		pc->unterminated = 1;
		for (; *p; p++) {
			if (*p == quote && p[1] != quote) {
				pc->unterminated = 0;
				p++;
				break;
			}
			if (*p == quote)
				p++; /* a doubled quote */
		}
		pc->value_len = (size_t)(p - pc->value);
		pc->next = p + strcspn(p, ","); /* text after the closing quote: malformed */
		return;
	}
	while (*p && *p != ',' && p != limit)
		p++;
	pc->value_len = (size_t)(p - pc->value);
	pc->next = p;
}

/* Where the last piece of params starts. */
static const char *last_piece(const char *params)
{
	const char *last = params;
	struct conn_piece pc;
	for (const char *p = params; *p; p = pc.next + 1) {
		last = p;
		conn_piece_read(p, NULL, &pc);
		if (!*pc.next)
			break;
	}
	return last;
}

void conn_describe_param(struct buf *err, const char *params, const char *piece)
{
	size_t n = 1;
	struct conn_piece pc;
	if (!piece)
		piece = last_piece(params);
	for (const char *p = params; p < piece; n++) {
		conn_piece_read(p, NULL, &pc);
		if (!*pc.next)
			break;
		p = pc.next + 1;
	}
	conn_piece_read(piece, NULL, &pc);
	char *name = conn_option_name(pc.name, pc.name_len);
	buf_printf(err, "parameter %zu", n);
	if (ropt_find(name))
		buf_printf(err, " (%s)", name);
	free(name);
}

void conn_malformed(struct buf *err, const char *params, const char *piece, const char *why)
{
	buf_adds(err, "malformed connection string: ");
	conn_describe_param(err, params, piece);
	buf_printf(err, " %s; quote values that contain ':' or ',' like "
		   "endpoint='http://host:9000' or secret_access_key='...'", why);
}

const char *conn_value_read(const char *p, struct buf *val)
{
	char quote = (*p == '\'' || *p == '"') ? *p : 0;
	if (!quote) {
		while (*p && *p != ',')
			buf_addc(val, *p++);
		return p;
	}
	for (p++; *p; p++) {
		if (*p == quote) {
			if (p[1] != quote)
				return p + 1;
			p++;
		}
		buf_addc(val, *p);
	}
	return NULL; /* unterminated */
}

int conn_path_malformed(const char *path)
{
	path += strspn(path, "/"); /* rclone's s3://, and leading slashes */
	size_t blen = strcspn(path, "/");
	for (size_t i = 0; i < blen; i++)
		if (strchr(",=:'\"", path[i]))
			return 1;
	return 0;
}

int conn_secret_cut(const struct conn_piece *pc, const char *colon)
{
	char *name = conn_option_name(pc->name, pc->name_len);
	const struct ropt *o = ropt_find(name);
	const char *value = pc->value ? pc->value : pc->name; /* bare: a value without its name */
	size_t len = pc->value ? pc->value_len : pc->name_len;
	int hidden = !o || (pc->value && o->kind == ROPT_SECRET);
	free(name);
	return hidden && *value != '\'' && *value != '"' && value + len == colon &&
	       strchr(colon + 1, ':') != NULL;
}

int conn_list_misread(const char *params, const char *end)
{
	struct conn_piece pc;
	const char *p = params;
	if (conn_path_malformed(end + 1))
		return 1;
	for (;;) { /* the last piece, which the ':' at end closed */
		conn_piece_read(p, end, &pc);
		if (pc.next >= end || !*pc.next)
			break;
		p = pc.next + 1;
	}
	return conn_secret_cut(&pc, end);
}
