/* rclone's configuration, read the way rclone reads it (FACTS §2):
 *   connection string > RCLONE_<TYPE>_<OPT> (flag variables)
 *   > RCLONE_CONFIG_<REMOTE>_<OPT> > config file section > default.
 * A remote exists only when its type is set somewhere. Remote names are
 * matched upper-case in the environment, as written in the file. */
#ifndef INITC_RCLONE_CONFIG_H
#define INITC_RCLONE_CONFIG_H

#include <stddef.h>
#include "buf.h"

enum ropt_kind {
	ROPT_STRING,
	ROPT_BOOL,
	ROPT_SECRET,   /* never printed; registered for log redaction */
	ROPT_IGNORED,  /* rclone knows it; it does not change a download */
};

struct ropt {
	const char *name;
	enum ropt_kind kind;
	/* Set for an option that would change what is read or who reads it
	 * and that initc does not implement: what to do instead. Refused
	 * when set to anything but its default. */
	const char *refused;
	/* rclone's default, as rclone spells it; NULL: "" (unset). */
	const char *def;
	/* A credential of a backend initc reads anonymously only: named
	 * when refusing a remote that would use it (see gcs_options). */
	int credential;
};

/* A backend initc reads: the type names rclone's fs.Find accepts for it
 * (its name, its prefix, its name without spaces; case-sensitive), the
 * prefix of its flag variables (RCLONE_GCS_ANONYMOUS), and every option
 * rclone knows for it. */
struct rbackend {
	const char *name;     /* "s3", "google cloud storage" */
	const char *prefix;   /* "s3", "gcs" */
	const struct ropt *options;
	size_t noptions;
};

extern const struct rbackend rbackend_s3, rbackend_gcs;
/* Every backend initc reads, NULL-terminated. A name two of them share
 * has the same kind in both (ropt_find relies on it). */
extern const struct rbackend *const rbackends[];
/* The backend of a type initc reads, or NULL. */
const struct rbackend *rbackend_find(const char *type);
/* A backend's option, or NULL when rclone's backend has none so named. */
const struct ropt *ropt_find_in(const struct rbackend *b, const char *name);

extern const struct ropt s3_options[];
extern const size_t s3_noptions;
/* An option of any backend initc reads (s3 first): for the connection-
 * string scanner, which reads before any type is known. */
const struct ropt *ropt_find(const char *name);

struct kv {
	char *key;
	char *value;
	int bare;      /* a connection string's piece without '=' */
};

struct remote {
	char *name;          /* as written in the URI; "" for ":s3,..." */
	char *env_name;      /* upper-case, for RCLONE_CONFIG_<env_name>_* */
	char *type;
	const char *type_origin;
	const struct rbackend *backend; /* NULL: a type initc does not read */
	struct kv *conn;     /* connection-string parameters */
	size_t nconn;
	struct kv *file;     /* the config file section */
	size_t nfile;
	char *file_path;     /* config file the section came from */
	char **sections;     /* every section name in that file */
	size_t nsections;
};

/* Find remote `name` (with connection-string params `params`, may be
 * NULL) in the environment and config file. Returns 0 and fills r,
 * EXIT_NOTFOUND when the remote is not defined anywhere (err explains
 * which variables would define it), or EXIT_USAGE on bad config. */
int remote_resolve(const char *name, const char *params, struct remote *r, struct buf *err);
void remote_free(struct remote *r);
/* Whether the environment defines any remote (RCLONE_CONFIG_<NAME>_TYPE). */
int remote_env_any(void);

/* The value of option opt, or NULL when unset. origin (may be NULL)
 * receives a description such as "RCLONE_CONFIG_S3_ENDPOINT". */
const char *remote_get(const struct remote *r, const char *opt, struct buf *origin);

/* Boolean option: def when unset; EXIT_USAGE on a value rclone rejects. */
int remote_get_bool(const struct remote *r, const char *opt, int def, int *out, struct buf *err);

/* Check every option set for this remote against its backend's table;
 * an unknown one is EXIT_USAGE with the nearest known name in err, and so
 * is a refused one (versions, role_arn, ...) with what to do instead.
 * A remote of a type initc does not read has no table: nothing checked. */
int remote_check_options(const struct remote *r, struct buf *err);

/* The first credential option (ropt.credential) set to anything but its
 * default, with where it was set in from; NULL when none is. */
const struct ropt *remote_credential_set(const struct remote *r, struct buf *from);

/* Register the values of the environment's secret rclone options
 * (RCLONE_CONFIG_<REMOTE>_SECRET_ACCESS_KEY, RCLONE_S3_SESSION_TOKEN, ...)
 * and of the AWS SDK's static secret variables. */
void env_register_secrets(void);

/* Boolean variables outside rclone's own (INITC_FIX, KServe's S3_* and
 * awsAnonymousCredential): rclone's spellings plus yes/no in any case.
 * env_bool: def when unset or empty; -1 when the value is not a boolean. */
int parse_flag_bool(const char *s, int *out);
int env_bool(const char *name, int def, int *out);

/* rclone's value formats. */
int parse_rclone_bool(const char *s, int *out);
int parse_rclone_duration(const char *s, long long *ms);   /* "5m", "1m30s", "10" (s) */
int parse_rclone_size(const char *s, long long *bytes);    /* "256Mi", "64k", bare = KiB */

/* Split a connection-string parameter list "a=1,b='x,y',c" into kvs. */
int parse_conn_params(const char *params, struct kv **out, size_t *n, struct buf *err);
void kv_free(struct kv *kvs, size_t n);

/* A whole INI file (rclone's config, the AWS SDKs' files), read by the
 * one reader: sections in file order, a name given twice merged. */
struct ini_section {
	char *name;
	struct kv *kv;
	size_t n;
};
struct ini {
	struct ini_section *v;
	size_t n;
};
/* 0 (a missing file is empty), or -1 unreadable/encrypted (err filled). */
int ini_read(const char *path, struct ini *ini, struct buf *err);
const struct ini_section *ini_find(const struct ini *ini, const char *name);
void ini_free(struct ini *ini);

/* Read INI section `section` of file path. Returns 1 found, 0 absent,
 * -1 unreadable/encrypted (err filled). */
int ini_read_section(const char *path, const char *section, struct kv **out, size_t *n,
		     struct buf *err);

#endif
