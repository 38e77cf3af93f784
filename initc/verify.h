/* Model verification against the server that will load it (issue 3):
 * server profiles, MLmodel parsing, `initc servers` and `initc check`. */
#ifndef INITC_VERIFY_H
#define INITC_VERIFY_H

struct verify_opts {
	const char *server;        /* --server or INITC_SERVER; NULL = none */
	const char *requirements;  /* --requirements or INITC_REQUIREMENTS */
	int fix;                   /* --fix or INITC_FIX=1 */
	int strict;                /* --strict or INITC_STRICT=1: warnings fail */
};

/* Fill defaults from the environment (INITC_SERVER, INITC_REQUIREMENTS,
 * INITC_FIX, INITC_STRICT); command-line flags are applied over it by the caller. */
int verify_opts_from_env(struct verify_opts *o);
/* Is the target known and are the requirement strings valid? 0, or
 * EXIT_USAGE after logging why (and writing the termination log). */
int verify_opts_check(const struct verify_opts *o);

/* Check a downloaded model folder; called by initc after every
 * successful download and by `initc rcd` after every copy. Returns 0 or
 * EXIT_VERIFY / EXIT_INPUT / EXIT_POLICY, logging why; reason receives the
 * one-line why for the caller to show (the termination log, the answer
 * to sync/copy). */
struct buf;
int verify_model_dir(const char *dir, const struct verify_opts *o, struct buf *reason);

/* `initc servers [--json]` and `initc check [--recursive] [--json]
 * [--server S] [--requirements R] URI|DIR`; argv[0] is the subcommand. */
int cmd_servers(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* Remove what --fix wrote into DEST on an earlier run (its record names
 * it): a second name for a file is stale once the file is downloaded
 * again. Called under DEST's lock, before the download. */
struct destdir;
void verify_fix_forget(const struct destdir *d);

#endif
