/* The s3 backend options rclone accepts, and what initc does with them.
 * An option missing here is reported as unknown ("did you mean ..."),
 * so the table lists every option rclone's s3 backend knows; those that
 * only matter for uploads or listings of versions are ROPT_IGNORED. */
#include "rclone_config.h"

#include <string.h>

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
	{ "list_chunk", ROPT_STRING },
	{ "requester_pays", ROPT_BOOL },
	{ "sse_customer_algorithm", ROPT_STRING },
	{ "sse_customer_key", ROPT_SECRET },
	{ "sse_customer_key_base64", ROPT_SECRET },
	{ "sse_customer_key_md5", ROPT_STRING },
	{ "download_url", ROPT_STRING },
	{ "shared_credentials_file", ROPT_STRING },
	{ "profile", ROPT_STRING },
	{ "description", ROPT_IGNORED },
	{ "location_constraint", ROPT_IGNORED },
	{ "acl", ROPT_IGNORED },
	{ "bucket_acl", ROPT_IGNORED },
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
	{ "encoding", ROPT_IGNORED },
	{ "memory_pool_flush_time", ROPT_IGNORED },
	{ "memory_pool_use_mmap", ROPT_IGNORED },
	{ "disable_http2", ROPT_IGNORED },
	{ "directory_markers", ROPT_IGNORED },
	{ "use_multipart_etag", ROPT_IGNORED },
	{ "use_unsigned_payload", ROPT_IGNORED },
	{ "use_presigned_request", ROPT_IGNORED },
	{ "versions", ROPT_IGNORED },
	{ "version_at", ROPT_IGNORED },
	{ "version_deleted", ROPT_IGNORED },
	{ "decompress", ROPT_IGNORED },
	{ "might_gzip", ROPT_IGNORED },
	{ "use_accept_encoding_gzip", ROPT_IGNORED },
	{ "no_system_metadata", ROPT_IGNORED },
	{ "sts_endpoint", ROPT_IGNORED },
	{ "use_already_exists", ROPT_IGNORED },
	{ "use_multipart_uploads", ROPT_IGNORED },
	{ "use_x_id", ROPT_IGNORED },
	{ "sign_accept_encoding", ROPT_IGNORED },
	{ "sdk_log_mode", ROPT_IGNORED },
	{ "directory_bucket", ROPT_IGNORED },
	{ "ibm_api_key", ROPT_SECRET },
	{ "ibm_resource_instance_id", ROPT_IGNORED },
	{ "role_arn", ROPT_IGNORED },
	{ "role_session_name", ROPT_IGNORED },
	{ "role_session_duration", ROPT_IGNORED },
	{ "role_external_id", ROPT_IGNORED },
};

const size_t s3_noptions = sizeof s3_options / sizeof s3_options[0];

const struct ropt *ropt_find(const char *name)
{
	for (size_t i = 0; i < s3_noptions; i++)
		if (!strcmp(s3_options[i].name, name))
			return &s3_options[i];
	return NULL;
}
