/* The providers' side of aws_creds.c: what the chain hands each
 * provider, and how a provider answers. One file per kind of source:
 * aws_shared.c (the ~/.aws files), aws_sts.c (web identity),
 * aws_metadata.c (container and instance metadata endpoints). */
#ifndef INITC_AWS_PROVIDER_H
#define INITC_AWS_PROVIDER_H

#include "aws_creds.h"
#include "rclone_config.h"   /* struct kv */

/* A provider's answer when it is not configured here: why says what it
 * lacked (left empty, the failure message does not mention it). Any other
 * non-zero answer is an exit code that ends the chain, as in botocore: a
 * configured provider that fails is not skipped. */
#define AWS_ABSENT (-1)

/* What the chain read once, kept for refreshes. */
struct aws_chain {
	const struct globals *g;
	char *store_region;           /* the store's region, the last choice for STS */
	char *profile;                /* "default" unless set */
	char *credentials_file;       /* NULL when there is no home to look in */
	char *config_file;
	struct kv *cred;              /* [profile] of the credentials file */
	size_t ncred;
	int cred_found;
	struct kv *conf;              /* [profile NAME] ([default]) of the config file */
	size_t nconf;
	int conf_found;
	char *files_error;            /* a file that exists but could not be read */
	int go_sdk;                   /* aws_chain_opts.go_sdk */
};

typedef int (*aws_load_fn)(const struct aws_chain *c, struct aws_keys *out, struct buf *why);

/* aws_shared.c */
void aws_chain_read_files(struct aws_chain *c, const char *credentials_file, const char *profile);
void aws_chain_free_files(struct aws_chain *c);
/* A key of the profile in the config file, NULL when absent. */
const char *aws_profile_get(const struct aws_chain *c, const char *key);
int aws_profile_role_load(const struct aws_chain *c, struct aws_keys *out, struct buf *why);
int aws_shared_load(const struct aws_chain *c, struct aws_keys *out, struct buf *why);
/* A profile named (not "default") but in neither file: EXIT_USAGE, before
 * any provider is asked (botocore's ProfileNotFound); else 0. */
int aws_profile_check(const struct aws_chain *c, struct buf *why);

/* aws_sts.c */
int aws_web_identity_load(const struct aws_chain *c, struct aws_keys *out, struct buf *why);
/* An AssumeRoleWithWebIdentity answer: 0 with out filled (secrets
 * registered with the log), or EXIT_AUTH with err saying what was wrong
 * (an STS <ErrorResponse> gives its code and message). */
int aws_sts_parse(const char *xml, size_t len, struct aws_keys *out, struct buf *err);

/* aws_metadata.c */
int aws_container_load(const struct aws_chain *c, struct aws_keys *out, struct buf *why);
int aws_imds_load(const struct aws_chain *c, struct aws_keys *out, struct buf *why);
/* A container or IMDS credentials document (JSON): the same contract. */
int aws_metadata_parse(const char *json, size_t len, struct aws_keys *out, struct buf *err);

/* aws_creds.c, for the providers */
/* Read a token file whole (at most AWS_TOKEN_MAX bytes, a regular file)
 * and register it as a secret at once; a trailing line break is dropped
 * (both token files alike); var names the variable that named the file. */
#define AWS_TOKEN_MAX (64 * 1024)
int aws_read_token_file(const char *path, const char *var, char **out, struct buf *why);
/* Keys received over the network are printable ASCII without spaces
 * (they go into headers) and, being temporary, carry a session token: 0,
 * or EXIT_AUTH naming the field, never the value. */
int aws_keys_check(const struct aws_keys *k, const char *from, struct buf *err);
/* Take ownership of received strings into k and register the secret ones. */
void aws_keys_set(struct aws_keys *k, const char *access_key, const char *secret_key,
		  const char *token);
/* The services the chain asks, each with botocore's bounds (aws_creds.c
 * aws_services): connect timeout, the whole time of one attempt, and the
 * attempts. */
enum aws_service { AWS_STS, AWS_CONTAINER, AWS_IMDS };
/* http_request with the service's bounds: every credential request ends
 * within attempts x total_ms plus the backoff between attempts, however
 * slowly the server answers. */
#include "http.h"
int aws_http(const struct aws_chain *c, enum aws_service service, const char *method,
	     http_build_fn build, void *arg, size_t max_body, const char *what,
	     struct http_result *res, struct buf *err);
/* The exit code a failed credential request ends with: EXIT_NETWORK when
 * the service could not be reached or did not answer in time (http.c's
 * class), EXIT_USAGE as it came, else EXIT_AUTH (the service refused). */
int aws_failure_class(int rc);

/* "2026-12-03T16:00:00Z" into buf (at least 21 bytes). */
const char *aws_format_time(time_t t, char *buf, size_t size);

#endif
