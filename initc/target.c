/* Which S3 store a remote source names, and how to reach it: the rclone
 * remote (s3, or google cloud storage through its XML API), or for s3://
 * URIs without one, the variables KServe reads. */
#include "target.h"
#include "exitcode.h"
#include "log.h"
#include "rclone_config.h"

#include <stdlib.h>
#include <string.h>

/* Whether any variable in names is set and not empty. */
static int any_set(const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (getenv(names[i]) && *getenv(names[i]))
			return 1;
	return 0;
}

/* KServe's own variables for its S3 store: they select KServe's path for
 * an s3:// URI without a remote s3, as KServe's storage initializer does. */
static const char *const kserve_store_vars[] = { "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
						 "awsAnonymousCredential" };
/* What EKS injects for IRSA and Pod Identity: a pod identity, not a store.
 * They select KServe's path only when no rclone remote is defined at all;
 * with one defined, the URI most likely misnames it, and the precise
 * "remote s3 is not defined ... remotes defined: X" is the useful answer.
 * Region and profile variables alone never select it (SDK settings many
 * images carry). */
static const char *const pod_identity_vars[] = { "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
						 "AWS_CONTAINER_CREDENTIALS_FULL_URI",
						 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" };

static int kserve_env_selected(const struct remote *r)
{
	if (any_set(kserve_store_vars, sizeof kserve_store_vars / sizeof kserve_store_vars[0]))
		return 1;
	return any_set(pod_identity_vars, sizeof pod_identity_vars / sizeof pod_identity_vars[0]) &&
	       !r->nsections && !remote_env_any();
}

/* The target each backend initc reads makes of its remote. */
static const struct {
	const struct rbackend *backend;
	int (*make)(const struct remote *r, const struct globals *g, struct s3_target *t,
		    struct buf *err);
} readers[] = {
	{ &rbackend_s3, s3_target_from_remote },
	{ &rbackend_gcs, s3_target_from_gcs_remote },
};

/* The target of a remote of a type initc reads, or EXIT_USAGE naming
 * the type. */
static int target_from_remote(const struct remote *r, const struct globals *g,
			      struct s3_target *t, struct buf *err)
{
	for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++)
		if (r->backend == readers[i].backend) {
			int rc = remote_check_options(r, err);
			return rc ? rc : readers[i].make(r, g, t, err);
		}
	buf_printf(err, "remote %s has type=%s (from the %s): initc reads s3 remotes (S3, MinIO, "
		   "Ceph and other S3-compatible stores) and, anonymously, google cloud storage "
		   "ones (type gcs); copy the model to one of those", r->name, r->type,
		   r->type_origin);
	return EXIT_USAGE;
}

/* The S3 target of a remote source: rclone's remote, or KServe's env. */
int target_resolve(const struct globals *g, const struct source *src, struct s3_target *t,
		   struct buf *err)
{
	struct remote r;
	int rc;

	memset(t, 0, sizeof *t);
	rc = remote_resolve(src->remote, src->params, &r, err);

	if (rc == EXIT_NOTFOUND && src->scheme_form && !strcmp(src->remote, "s3") &&
	    kserve_env_selected(&r)) {
		buf_reset(err);
		remote_free(&r);
		rc = s3_target_from_kserve_env(g, t, err);
		if (!rc)
			log_kv(LOG_INFO, "no rclone remote s3: using KServe's AWS_* variables", NULL);
		return rc;
	}
	if (rc == EXIT_NOTFOUND) {
		if (src->scheme_form && !strcmp(src->remote, "s3"))
			buf_adds(err, "; or, as with KServe, set AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID and "
				 "AWS_SECRET_ACCESS_KEY, or AWS_ENDPOINT_URL for the SDKs' credential "
				 "chain (IRSA's and Pod Identity's variables select it only when no "
				 "rclone remote is defined)");
		if (!strcmp(src->remote, "gs")) /* gs://: Google's own scheme */
			buf_adds(err, "; or, for a public Google Cloud Storage bucket (Seldon Core 2's "
				 "remote gs), RCLONE_CONFIG_GS_TYPE=gcs and "
				 "RCLONE_CONFIG_GS_ANONYMOUS=true");
		rc = EXIT_USAGE;
	} else if (!rc) {
		rc = target_from_remote(&r, g, t, err);
	}
	remote_free(&r);
	return rc;
}

