/* Which S3 store a remote source names, and how to reach it: the rclone
 * remote, or for s3:// URIs without one, the variables KServe reads. */
#include "target.h"
#include "exitcode.h"
#include "log.h"
#include "rclone_config.h"

#include <stdlib.h>
#include <string.h>

/* Whether KServe's variables describe an S3 store for an s3:// URI: an
 * endpoint, keys, or what EKS injects for IRSA and Pod Identity. */
static int kserve_env_present(void)
{
	static const char *const vars[] = { "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
					    "awsAnonymousCredential", "AWS_WEB_IDENTITY_TOKEN_FILE",
					    "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
					    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_PROFILE",
					    "AWS_REGION", "AWS_DEFAULT_REGION" };
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		if (getenv(vars[i]) && *getenv(vars[i]))
			return 1;
	return 0;
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
	    kserve_env_present()) {
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
				 "AWS_SECRET_ACCESS_KEY, or AWS_REGION for the SDKs' credential chain "
				 "(IRSA, Pod Identity, instance role)");
		rc = EXIT_USAGE;
	} else if (!rc && strcmp(r.type, "s3")) {
		buf_printf(err, "remote %s has type=%s (from the %s): initc reads s3 remotes only "
			   "(S3, MinIO, Ceph and other S3-compatible stores)", r.name, r.type,
			   r.type_origin);
		rc = EXIT_USAGE;
	} else if (!rc && !(rc = remote_check_options(&r, err))) {
		rc = s3_target_from_remote(&r, g, t, err);
	}
	remote_free(&r);
	return rc;
}

