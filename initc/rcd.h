/* `initc rcd`: a drop-in for the `rclone rcd` sidecar of Seldon Core 2
 * Server pods (FACTS §8). rcd.c serves rclone's remote-control API over
 * HTTP (libmicrohttpd) and routes each call to a method: the remotes in
 * rcd_config.c, the copies in rcd_copy.c. rclone_cli.c answers to the
 * name `rclone` (rcd, rc). */
#ifndef INITC_RCD_H
#define INITC_RCD_H

#include <jansson.h>
#include "buf.h"

/* A method reads its JSON input and answers an HTTP status: 200 with
 * *out set (NULL means {}), or an error status with err saying why. */
typedef int (*rcd_method_fn)(json_t *in, json_t **out, struct buf *err);

/* rclone's statuses for what went wrong. */
enum {
	RCD_OK = 200,
	RCD_BAD_PARAM = 400,   /* a missing or malformed parameter */
	RCD_NOT_FOUND = 404,   /* no such method, directory or object */
	RCD_FAILED = 500,      /* the call itself failed */
};

/* A string parameter: 0, or RCD_BAD_PARAM with rclone's message. */
int rcd_param_string(json_t *in, const char *key, const char **out, struct buf *err);

/* rcd_config.c: the remotes, kept in the --config file. */
int rcd_store_init(const char *path, struct buf *err);
int rcd_config_get(json_t *in, json_t **out, struct buf *err);
int rcd_config_create(json_t *in, json_t **out, struct buf *err);
int rcd_config_update(json_t *in, json_t **out, struct buf *err);
int rcd_config_delete(json_t *in, json_t **out, struct buf *err);
int rcd_config_listremotes(json_t *in, json_t **out, struct buf *err);
int rcd_config_dump(json_t *in, json_t **out, struct buf *err);

/* rcd_copy.c: sync/copy and operations/purge through initc's engine. */
struct rcd_copy_opts {
	long long max_buffer_memory;   /* bytes, 0: no bound */
};
int rcd_copy_init(const struct rcd_copy_opts *o, struct buf *err);
int rcd_sync_copy(json_t *in, json_t **out, struct buf *err);
int rcd_operations_purge(json_t *in, json_t **out, struct buf *err);

/* rcd.c */
int cmd_rcd(int argc, char **argv);
/* rclone_cli.c: main() when called as `rclone`. */
int rclone_main(int argc, char **argv);
/* Register the values of --rc-pass / --pass (before argv is scrubbed). */
void rclone_register_arg_secrets(int argc, char **argv);

#endif
