/* The syntax of rclone paths and connection strings, read one way by
 * every caller: uri.c parses with it, the secret registration scans with
 * it, `initc check` decides with it whether its argument is remote.
 *   [:]NAME[,PARAMS]:PATH   PARAMS = piece{,piece}, piece = name[=value]
 * A value may be quoted with ' or " (a doubled quote is a quote). */
#ifndef INITC_CONNSTR_H
#define INITC_CONNSTR_H

#include <stddef.h>
#include "buf.h"

/* Length of the remote part, "name" or ":name", at the start of uri when
 * a ',' (parameters) or ':' (the path) follows it; 0 when uri names no
 * remote and is a local path. */
size_t conn_remote_len(const char *uri);

/* Where a parameter list ends: its first ':' outside quotes; NULL when
 * there is none (a quote never closed, or no path follows). */
const char *conn_params_end(const char *params);

/* An option name as written, as the option table spells it: '-' is read
 * as '_' (the flag form session-token). The case is kept: rclone's
 * names are case-sensitive, and it ignores Region= as unknown. */
char *conn_option_name(const char *s, size_t len);

/* Could name be an option's name? rclone's key characters [A-Za-z0-9_]
 * (after conn_option_name), at most 40: a name so shaped may be
 * printed; anything else may be a value pasted without its name. */
int conn_name_shaped(const char *name);

/* One piece of a parameter list, read tolerantly (bad quoting too). */
struct conn_piece {
	const char *name;      /* as written */
	size_t name_len;
	const char *value;     /* after '=', quote included; NULL: a bare piece */
	size_t value_len;      /* up to the closing quote or the ',' */
	int unterminated;      /* a quote that never closes: value runs to the end */
	const char *next;      /* the ',' after the piece, or the end */
};
/* Read the piece at p, stopping an unquoted value at ',' or at limit
 * (the list's end; NULL: none). */
void conn_piece_read(const char *p, const char *limit, struct conn_piece *pc);

/* "parameter N" or "parameter N (name)" for the piece of params that
 * starts at piece (NULL: the last one, which holds the ':' that ended
 * the list): the structure of a connection string, never a value. */
void conn_describe_param(struct buf *err, const char *params, const char *piece);

/* The one message for a connection string read wrongly: what was wrong
 * with which parameter, and how to quote. */
void conn_malformed(struct buf *err, const char *params, const char *piece, const char *why);

/* One value, bare (up to ',') or quoted, into val; returns where it
 * ends, or NULL for a quote never closed. */
const char *conn_value_read(const char *p, struct buf *val);

/* Is path (what follows a parameter list and its ':') no bucket path,
 * but the rest of a value whose ':' ended the list early, as an unquoted
 * endpoint=http://h:9000 does? No S3 bucket name holds , = : ' or ". */
int conn_path_malformed(const char *path);

/* Was the ':' at colon, which ended the unquoted value of piece pc,
 * inside that value? For a secret (or the value of a name that may be a
 * mistyped one, or a bare piece that may be a value without its name),
 * another ':' after it is the tell: wJal:rXUt...:bucket/path. A bucket
 * path holding a ':' pays for it: quote the secret then. */
int conn_secret_cut(const struct conn_piece *pc, const char *colon);

/* Did the list params, ended by the ':' at end, end inside a value?
 * Then the string is refused (conn_malformed), never read on. */
int conn_list_misread(const char *params, const char *end);

/* Register for redaction, before anything can print arg (any argument
 * of the command line, a connection string or not, well-formed or not):
 *  - the value of every secret option spelled anywhere in it, in any
 *    case, '-' or '_', inside --opt=... too; a value conn_secret_cut
 *    says runs on: all the rest of arg;
 *  - in a connection string's parameter list (up to its end; all of arg
 *    when misread): the values of unknown names, and bare pieces that
 *    are no option (a value pasted without its name).
 * Ordinary path text after a well-formed list is never registered. */
void conn_register_secrets(const char *arg);

#endif
