/* The options of the rclone backends initc reads (s3, google cloud
 * storage), and what initc does with them. An option missing here is
 * reported as unknown ("did you mean ..."), so each table lists every
 * option rclone's backend knows. Those that only matter for uploads, or
 * for how (not what or as whom) bytes travel, are ROPT_IGNORED. Those
 * that would change what is read or who reads it and that initc does not
 * implement are refused when set, with what to do instead: ignored, they
 * would download something else than rclone. */
#include "rclone_config.h"

#include <string.h>

/* Both backends can gunzip objects stored with Content-Encoding: gzip. */
#define DECOMPRESS_REFUSED \
	"initc writes every object exactly as stored and verifies those bytes, rclone would" \
	" gunzip the ones stored with Content-Encoding: gzip: unset it, or upload the files" \
	" uncompressed"

const struct ropt s3_options[] = {
	{ "type", ROPT_STRING },
	{ "provider", ROPT_STRING },
	{ "env_auth", ROPT_BOOL },
	{ "access_key_id", ROPT_STRING },
	{ "secret_access_key", ROPT_SECRET },
	{ "session_token", ROPT_SECRET },
	{ "region", ROPT_STRING },
	{ "endpoint", ROPT_STRING },
	{ "force_path_style", ROPT_BOOL },
	{ "list_version", ROPT_STRING },
	{ "list_url_encode", ROPT_STRING },
	/* the listing's page size: the same keys come back, in more or fewer pages */
	{ "list_chunk", ROPT_IGNORED },
	{ "requester_pays", ROPT_BOOL },
	{ "sse_customer_algorithm", ROPT_STRING },
	{ "sse_customer_key", ROPT_SECRET },
	{ "sse_customer_key_base64", ROPT_SECRET },
	{ "sse_customer_key_md5", ROPT_STRING },
	{ "download_url", ROPT_STRING,
	  "initc downloads from the endpoint with signed requests, never from a custom "
	  "download URL (a CDN may serve other bytes): unset it" },
	{ "shared_credentials_file", ROPT_STRING },
	{ "profile", ROPT_STRING },
	{ "description", ROPT_IGNORED },
	{ "location_constraint", ROPT_IGNORED },
	{ "acl", ROPT_IGNORED },
	{ "bucket_acl", ROPT_IGNORED },
	/* the writer's encryption: S3 decrypts SSE-S3 and SSE-KMS objects for
	 * any reader it lets read them */
	{ "server_side_encryption", ROPT_IGNORED },
	{ "sse_kms_key_id", ROPT_IGNORED },
	{ "storage_class", ROPT_IGNORED },
	{ "upload_cutoff", ROPT_IGNORED },
	{ "chunk_size", ROPT_IGNORED },
	{ "max_upload_parts", ROPT_IGNORED },
	{ "copy_cutoff", ROPT_IGNORED },
	{ "disable_checksum", ROPT_IGNORED },
	{ "upload_concurrency", ROPT_IGNORED },
	{ "v2_auth", ROPT_IGNORED },
	{ "use_dual_stack", ROPT_IGNORED },
	{ "use_accelerate_endpoint", ROPT_IGNORED },
	{ "leave_parts_on_error", ROPT_IGNORED },
	{ "no_check_bucket", ROPT_IGNORED },
	{ "no_head", ROPT_IGNORED },
	{ "no_head_object", ROPT_IGNORED },
	{ "encoding", ROPT_IGNORED }, /* local names; initc keeps keys as they are */
	{ "memory_pool_flush_time", ROPT_IGNORED },
	{ "memory_pool_use_mmap", ROPT_IGNORED },
	{ "disable_http2", ROPT_IGNORED },
	{ "directory_markers", ROPT_IGNORED },
	{ "use_multipart_etag", ROPT_IGNORED },
	{ "use_unsigned_payload", ROPT_IGNORED },
	{ "use_presigned_request", ROPT_IGNORED },
	{ "versions", ROPT_BOOL,
	  "initc downloads the current version of each object only, rclone would add the old "
	  "ones: unset it", "false" },
	{ "version_at", ROPT_STRING,
	  "initc downloads the current version of each object only, rclone would read the "
	  "versions of that time: unset it, or copy the model as it was then to a prefix of "
	  "its own", "off" },
	{ "version_deleted", ROPT_IGNORED }, /* acts only with versions */
	{ "decompress", ROPT_BOOL, DECOMPRESS_REFUSED, "false" },
	{ "might_gzip", ROPT_BOOL,
	  "initc writes every object exactly as stored and verifies those bytes, rclone would"
	  " gunzip a gzip-encoded reply: unset it", "unset" }, /* a tristate */
	{ "use_accept_encoding_gzip", ROPT_IGNORED },
	{ "no_system_metadata", ROPT_IGNORED },
	{ "sts_endpoint", ROPT_STRING,
	  "rclone itself no longer supports it: unset it" },
	{ "use_already_exists", ROPT_IGNORED },
	{ "use_multipart_uploads", ROPT_IGNORED },
	{ "use_x_id", ROPT_IGNORED },
	{ "sign_accept_encoding", ROPT_IGNORED },
	{ "sdk_log_mode", ROPT_IGNORED },
	{ "directory_bucket", ROPT_IGNORED },
	{ "ibm_api_key", ROPT_SECRET,
	  "initc signs with HMAC keys only, so it would read anonymously or as another "
	  "identity: unset it and set access_key_id and secret_access_key to the bucket's "
	  "HMAC credentials" },
	{ "ibm_resource_instance_id", ROPT_IGNORED },
	{ "role_arn", ROPT_STRING,
	  "initc does not call STS AssumeRole, so it would read as the base identity instead "
	  "of the role: unset it and give the pod the role itself (IRSA or EKS Pod Identity "
	  "with env_auth=true) or that role's keys" },
	{ "role_session_name", ROPT_IGNORED }, /* these three act only with role_arn */
	{ "role_session_duration", ROPT_IGNORED },
	{ "role_external_id", ROPT_IGNORED },
};

const size_t s3_noptions = sizeof s3_options / sizeof s3_options[0];

/* rclone's google cloud storage backend, v1.60.1 to v1.71.1 (with the
 * OAuth options every such backend shares, and description). rclone's
 * NewFs reads anonymously when anonymous is true, whatever credentials
 * are set beside it, else with the first credential it finds. initc
 * reads Google Cloud Storage anonymously only: the credentials are
 * marked so that a remote without anonymous = true is refused naming the
 * one it would have used (s3_target_from_gcs_remote). */
static const struct ropt gcs_options[] = {
	{ "type", ROPT_STRING },
	{ "anonymous", ROPT_BOOL },
	/* rclone's is the JSON API's base URL; initc reads the XML API on
	 * the same host */
	{ "endpoint", ROPT_STRING },
	{ "service_account_file", ROPT_STRING, .credential = 1 },
	{ "service_account_credentials", ROPT_SECRET, .credential = 1 },
	{ "env_auth", ROPT_BOOL, .credential = 1 },
	{ "access_token", ROPT_SECRET, .credential = 1 },
	{ "token", ROPT_SECRET, .credential = 1 },
	{ "client_id", ROPT_SECRET, .credential = 1 }, /* rclone: sensitive */
	{ "client_secret", ROPT_SECRET, .credential = 1 },
	/* these three shape the OAuth flow, which needs the token above */
	{ "auth_url", ROPT_IGNORED },
	{ "token_url", ROPT_IGNORED },
	{ "client_credentials", ROPT_IGNORED },
	{ "user_project", ROPT_STRING,
	  "rclone would bill a requester-pays bucket's reads to that project, which takes "
	  "credentials, and initc reads Google Cloud Storage anonymously: unset it (a public "
	  "bucket needs none)" },
	{ "project_number", ROPT_IGNORED }, /* listing and creating buckets */
	{ "object_acl", ROPT_IGNORED },
	{ "bucket_acl", ROPT_IGNORED },
	{ "bucket_policy_only", ROPT_IGNORED },
	{ "location", ROPT_IGNORED },
	{ "storage_class", ROPT_IGNORED },
	{ "no_check_bucket", ROPT_IGNORED },
	/* it makes rclone write a marker object for each new folder; rclone
	 * reads markers as folders whether it is set or not (initc skips
	 * them, as for s3) */
	{ "directory_markers", ROPT_IGNORED },
	{ "decompress", ROPT_BOOL, DECOMPRESS_REFUSED, "false" },
	{ "encoding", ROPT_IGNORED }, /* local names; initc keeps keys as they are */
	{ "description", ROPT_IGNORED },
};

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

const struct rbackend rbackend_s3 = { "s3", "s3", s3_options, COUNT(s3_options) };
const struct rbackend rbackend_gcs = { "google cloud storage", "gcs", gcs_options,
				       COUNT(gcs_options) };
const struct rbackend *const rbackends[] = { &rbackend_s3, &rbackend_gcs, NULL };

/* name with its spaces left out equals type: rclone's RegInfo.FileName */
static int equal_without_spaces(const char *name, const char *type)
{
	for (;; name++) {
		while (*name == ' ')
			name++;
		if (*name != *type)
			return 0;
		if (!*name)
			return 1;
		type++;
	}
}

const struct rbackend *rbackend_find(const char *type)
{
	for (size_t i = 0; rbackends[i]; i++) {
		const struct rbackend *b = rbackends[i];
		if (!strcmp(b->name, type) || !strcmp(b->prefix, type) ||
		    equal_without_spaces(b->name, type))
			return b;
	}
	return NULL;
}

const struct ropt *ropt_find_in(const struct rbackend *b, const char *name)
{
	for (size_t i = 0; i < b->noptions; i++)
		if (!strcmp(b->options[i].name, name))
			return &b->options[i];
	return NULL;
}

const struct ropt *ropt_find(const char *name)
{
	const struct ropt *o = NULL;
	for (size_t i = 0; rbackends[i] && !o; i++)
		o = ropt_find_in(rbackends[i], name);
	return o;
}
