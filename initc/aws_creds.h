/* AWS credentials as the SDKs resolve them (FACTS §7), kept current for
 * a long download: a chain of providers tried in botocore's order (env,
 * web identity, shared files, container, IMDS), the answer kept with its
 * expiry and renewed before it runs out. s3_request_build asks for the
 * current keys before every signature, so a target holding a
 * struct aws_creds * never signs with keys that have expired. */
#ifndef INITC_AWS_CREDS_H
#define INITC_AWS_CREDS_H

#include <time.h>
#include "buf.h"
#include "globals.h"

/* One set of keys. */
struct aws_keys {
	char *access_key;
	char *secret_key;
	char *session_token;  /* NULL when none */
	int expires;          /* 0: never expires (static keys); else expiration holds when */
	time_t expiration;    /* any time, 1970-01-01T00:00:00Z included */
	const char *method;   /* botocore's name for where they came from (logs, tests) */
	char *identity;       /* whose keys, for hints: "the role arn:... assumed through web
				 identity"; NULL when the keys say it all (static keys) */
};
/* Frees (and wipes) the keys; k is zeroed. */
void aws_keys_free(struct aws_keys *k);

/* What the chain reads besides the environment: rclone's
 * shared_credentials_file and profile options (NULL or "": the AWS_*
 * variables decide), and the store's region (for STS when neither
 * AWS_REGION nor AWS_DEFAULT_REGION is set). */
struct aws_chain_opts {
	const struct globals *g;      /* must outlive the credentials */
	const char *credentials_file;
	const char *profile;
	const char *region;
	int go_sdk;                   /* rclone's env_auth: the environment as aws-sdk-go reads it
					 (also AWS_ACCESS_KEY, AWS_SECRET_KEY); 0: as boto3 (KServe) */
};

struct aws_creds;

/* A key given in the configuration (a variable, a file, an rclone option)
 * goes into a header as it is: 0, or EXIT_USAGE when it holds a control
 * character, naming where it was set (name), never the value; a trailing
 * line break is explained (kubectl create secret --from-file, echo
 * without -n). value may be NULL. Every configured key passes here. */
int aws_key_config_check(const char *name, const char *value, struct buf *err);

/* Keys given in the configuration; never refreshed. token may be NULL or "". */
struct aws_creds *aws_creds_static(const char *access_key, const char *secret_key,
				   const char *token);

/* Walk the chain. 0 with *out set and one info line naming the provider
 * that answered; EXIT_USAGE for a configuration initc refuses (SSO,
 * credential_process, assumed roles); EXIT_AUTH when no provider
 * answered (err lists each one tried and what it lacked) or the one
 * configured failed (err says how). */
int aws_creds_resolve(const struct aws_chain_opts *o, struct aws_creds **out, struct buf *err);

/* The keys to sign with at time now, refreshed first when they expire
 * within AWS_REFRESH_WINDOW_S. A refresh that fails while the keys still
 * have more than AWS_EXPIRY_MARGIN_S left logs a warning and keeps them;
 * after that it is EXIT_AUTH naming the provider. *out stays valid until
 * the next call. */
int aws_creds_current(struct aws_creds *c, time_t now, const struct aws_keys **out,
		      struct buf *err);
void aws_creds_free(struct aws_creds *c);

/* botocore's advisory refresh window (credentials.py,
 * _DEFAULT_ADVISORY_REFRESH_TIMEOUT), the same for web identity,
 * container and instance credentials. */
#define AWS_REFRESH_WINDOW_S (15 * 60)
/* Keys closer than this to their expiry are not signed with: a request
 * signed now must still be valid when the store checks it. (botocore
 * refuses to go on without a refresh 10 minutes before; initc keeps
 * downloading with keys that are still good.) */
#define AWS_EXPIRY_MARGIN_S 60
/* After a refresh attempt inside the window, the next one waits this
 * long: an endpoint that keeps answering with keys inside the window (IMDS
 * hands out keys 5 minutes before they expire) is not asked before every
 * request. */
#define AWS_REFRESH_RETRY_S 30

/* ISO 8601 as STS, ECS and IMDS write it: "2026-12-03T16:00:00Z", with
 * an optional fraction and a Z or +hh:mm / -hh:mm offset. 0 and *out
 * set, or -1 when s is anything else or names no day of the calendar
 * (February 29 of a year that is not leap). */
int aws_parse_time(const char *s, time_t *out);

#endif
