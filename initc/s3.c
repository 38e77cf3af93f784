/* S3 targets and signed request construction; see s3.h. */
#include "s3.h"
#include "exitcode.h"
#include "http.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <openssl/evp.h>

/* rclone's per-provider quirks (backend/s3 setQuirks), reading side only.
 * Providers not listed get rclone's conservative "unknown provider"
 * behaviour: path style, ListObjects V1, no URL-encoded listings. */
static const struct provider_quirks {
	const char *provider;
	int virtual_host;
	int list_version;
	int url_encode;
} quirks[] = {
	{ "AWS", 1, 2, 1 },
	{ "Minio", 0, 2, 1 },
	{ "Ceph", 0, 1, 0 },
	{ "Other", 0, 1, 0 },
};

static const struct provider_quirks unknown_provider = { "", 0, 1, 0 };

static const struct provider_quirks *find_quirks(const char *provider)
{
	for (size_t i = 0; i < sizeof quirks / sizeof quirks[0]; i++)
		if (provider && !strcmp(quirks[i].provider, provider)) /* case-sensitive, as rclone */
			return &quirks[i];
	return &unknown_provider;
}

void s3_target_free(struct s3_target *t)
{
	free(t->scheme);
	free(t->host);
	free(t->base_path);
	free(t->region);
	aws_creds_free(t->creds);
	free(t->sse_algorithm);
	free(t->sse_key_b64);
	free(t->sse_key_md5_b64);
	free(t->origin);
	memset(t, 0, sizeof *t);
}

/* "http://h:9000/p", "h:9000" (https implied). Default ports are dropped
 * from the host so it matches what we sign. */
static int set_endpoint(struct s3_target *t, const char *endpoint, const char *what, struct buf *err)
{
	const char *rest = strstr(endpoint, "://");
	char *scheme = rest ? xstrndup(endpoint, (size_t)(rest - endpoint)) : xstrdup("https");
	rest = rest ? rest + 3 : endpoint;
	if (strcmp(scheme, "http") && strcmp(scheme, "https")) {
		buf_printf(err, "%s=%s: the endpoint must be http:// or https:// (or a bare host, "
			   "which means https)", what, endpoint);
		free(scheme);
		return EXIT_USAGE;
	}
	size_t hostlen = strcspn(rest, "/?#");
	if (!hostlen) {
		buf_printf(err, "%s=%s has no host name", what, endpoint);
		free(scheme);
		return EXIT_USAGE;
	}
	char *host = xstrndup(rest, hostlen);
	char *colon = strrchr(host, ':');
	if (colon && !strchr(colon, ']') &&
	    (!strcmp(colon + 1, !strcmp(scheme, "https") ? "443" : "80")))
		*colon = '\0';
	const char *path = rest + hostlen;
	size_t plen = strcspn(path, "?#");
	while (plen && path[plen - 1] == '/')
		plen--;
	t->scheme = scheme;
	t->host = host;
	t->base_path = xstrndup(path, plen);
	return 0;
}

static void set_aws_endpoint(struct s3_target *t)
{
	t->scheme = xstrdup("https");
	t->host = xasprintf("s3.%s.amazonaws.com", t->region);
	t->base_path = xstrdup("");
}

/* The SDKs' chain (aws_creds.c) with the remote's own say in which
 * shared credentials file and profile it reads. */
static int chain_credentials(const struct remote *r, const struct globals *g, struct s3_target *t,
			     struct buf *err)
{
	struct aws_chain_opts o = { g, remote_get(r, "shared_credentials_file", NULL),
				    remote_get(r, "profile", NULL), t->region, 1 };
	return aws_creds_resolve(&o, &t->creds, err);
}

/* A region goes into the host name and the signature's scope: letters,
 * digits, '-' and '_' only (AWS, MinIO and Ceph zone groups all fit), so
 * a stray space or '/' is a clear error instead of a wrong host. */
int s3_check_region(const char *region, const char *from, struct buf *err)
{
	size_t len = strlen(region);
	if (len && len <= 63 && strspn(region, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					       "0123456789-_") == len)
		return 0;
	buf_printf(err, "%s=%s is not a region: use letters, digits, '-' and '_' (e.g. us-east-1), "
		   "or leave it empty for us-east-1", from, region);
	return EXIT_USAGE;
}

/* SSE-C: a raw or base64 key; the MD5 header is derived when not given. */
#define SSE_KEY_BYTES 32 /* SSE-C is AES-256 */

/* The remote's keys through the one check of configured keys, each
 * named by where it was set. */
static int static_keys_check(const struct remote *r, struct buf *err)
{
	static const char *const opts[] = { "access_key_id", "secret_access_key", "session_token" };
	int rc = 0;
	for (size_t i = 0; !rc && i < sizeof opts / sizeof opts[0]; i++) {
		struct buf origin = BUF_INIT;
		const char *v = remote_get(r, opts[i], &origin);
		char *name = xasprintf("%s of remote %s (%s)", opts[i], r->name,
				       origin.len ? origin.data : "unset");
		rc = aws_key_config_check(name, v, err);
		free(name);
		buf_free(&origin);
	}
	return rc;
}

/* "VARIABLE must ...": the variable the option came from, never its value
 * (a key is a secret). */
static int sse_error(const struct remote *r, const char *opt, const char *must, struct buf *err)
{
	struct buf from = BUF_INIT;
	remote_get(r, opt, &from);
	buf_printf(err, "%s %s", from.data, must);
	buf_free(&from);
	return EXIT_USAGE;
}

static int is_md5_b64(const char *s)
{
	unsigned char out[24];
	return strlen(s) == 24 && !strcmp(s + 22, "==") &&
	       EVP_DecodeBlock(out, (const unsigned char *)s, 24) == 18; /* 16 bytes + 2 of padding */
}

static int set_sse(const struct remote *r, struct s3_target *t, struct buf *err)
{
	const char *alg = remote_get(r, "sse_customer_algorithm", NULL);
	const char *raw = remote_get(r, "sse_customer_key", NULL);
	const char *b64 = remote_get(r, "sse_customer_key_base64", NULL);
	const char *md5 = remote_get(r, "sse_customer_key_md5", NULL);
	unsigned char key[129], digest[16];
	int keylen;

	if ((!raw || !*raw) && (!b64 || !*b64))
		return 0;
	if (alg && *alg && strcmp(alg, "AES256"))
		return sse_error(r, "sse_customer_algorithm", "must be AES256, the only SSE-C "
			         "algorithm S3 has", err);
	if (md5 && *md5 && !is_md5_b64(md5))
		return sse_error(r, "sse_customer_key_md5", "must be the base64 MD5 of the key (24 "
				 "characters), or empty to let initc compute it", err);
	const char *opt = raw && *raw ? "sse_customer_key" : "sse_customer_key_base64";
	if (raw && *raw) {
		keylen = strlen(raw) == SSE_KEY_BYTES ? SSE_KEY_BYTES : -1;
		if (keylen > 0)
			memcpy(key, raw, SSE_KEY_BYTES);
	} else {
		size_t len = strlen(b64), pad = 0;
		keylen = len <= 172 ? EVP_DecodeBlock(key, (const unsigned char *)b64, (int)len) : -1;
		while (pad < 2 && pad < len && b64[len - 1 - pad] == '=')
			pad++; /* EVP_DecodeBlock counts the padding as zero bytes */
		if (keylen >= 0)
			keylen -= (int)pad;
		if (keylen != SSE_KEY_BYTES)
			keylen = -1;
	}
	if (keylen < 0)
		return sse_error(r, opt, raw && *raw ? "must be a 256-bit key: 32 bytes" :
				 "must be a 256-bit key: 32 bytes, written as 44 characters of base64",
				 err);
	unsigned char enc[256];
	EVP_EncodeBlock(enc, key, keylen);
	t->sse_key_b64 = xstrdup((char *)enc);
	if (md5 && *md5) {
		t->sse_key_md5_b64 = xstrdup(md5);
	} else {
		unsigned int dlen = 16;
		EVP_Digest(key, (size_t)keylen, digest, &dlen, EVP_md5(), NULL);
		EVP_EncodeBlock(enc, digest, 16);
		t->sse_key_md5_b64 = xstrdup((char *)enc);
	}
	t->sse_algorithm = xstrdup(alg && *alg ? alg : "AES256");
	log_add_secret(t->sse_key_b64);
	return 0;
}

static int set_listing(const struct remote *r, const struct provider_quirks *q,
		       struct s3_target *t, struct buf *err)
{
	struct buf lv_from = BUF_INIT, enc_from = BUF_INIT;
	const char *lv = remote_get(r, "list_version", &lv_from);
	const char *enc = remote_get(r, "list_url_encode", &enc_from);
	int rc = 0;
	t->list_version = q->list_version;
	t->list_url_encode = q->url_encode;
	if (lv && *lv && strcmp(lv, "0")) {
		if (strcmp(lv, "1") && strcmp(lv, "2")) {
			buf_printf(err, "%s=%s: use 1, 2 or 0 (automatic)", lv_from.data, lv);
			rc = EXIT_USAGE;
		}
		t->list_version = lv[0] - '0';
	}
	if (!rc && enc && *enc && strcmp(enc, "unset") &&
	    parse_rclone_bool(enc, &t->list_url_encode)) {
		buf_printf(err, "%s=%s: use true, false or unset", enc_from.data, enc);
		rc = EXIT_USAGE;
	}
	buf_free(&lv_from);
	buf_free(&enc_from);
	return rc;
}

int s3_target_from_remote(const struct remote *r, const struct globals *g, struct s3_target *t,
			  struct buf *err)
{
	const char *provider = remote_get(r, "provider", NULL);
	const struct provider_quirks *q = find_quirks(provider);
	struct buf region_from = BUF_INIT;
	const char *region = remote_get(r, "region", &region_from);
	const char *ak = remote_get(r, "access_key_id", NULL);
	const char *sk = remote_get(r, "secret_access_key", NULL);
	int env_auth, force_path, rc;

	memset(t, 0, sizeof *t);
	t->origin = xasprintf("rclone remote %s (%s, provider %s)", r->name, r->type_origin,
			      provider && *provider ? provider : "unset");
	rc = region && *region ? s3_check_region(region, region_from.data, err) : 0;
	buf_free(&region_from);
	if (rc)
		return rc;
	t->region = xstrdup(region && *region ? region : "us-east-1");
	if ((rc = remote_get_bool(r, "env_auth", 0, &env_auth, err)) ||
	    (rc = remote_get_bool(r, "force_path_style", 1, &force_path, err)) ||
	    (rc = remote_get_bool(r, "requester_pays", 0, &t->requester_pays, err)))
		return rc;
	int have_ak = ak && *ak, have_sk = sk && *sk;
	if (have_ak != have_sk && !env_auth) {
		buf_printf(err, "remote %s sets only one of access_key_id and secret_access_key: set "
			   "both, or neither for anonymous access", r->name);
		return EXIT_USAGE;
	}
	if (have_ak && have_sk && (rc = static_keys_check(r, err)))
		return rc;
	if (have_ak && have_sk)
		t->creds = aws_creds_static(ak, sk, remote_get(r, "session_token", NULL));
	else if (env_auth && (rc = chain_credentials(r, g, t, err)))
		return rc;
	/* AWS is always virtual-host style; others follow force_path_style */
	t->path_style = q->virtual_host ? 0 : force_path;
	if ((rc = set_listing(r, q, t, err)) || (rc = set_sse(r, t, err)))
		return rc;
	struct buf endpoint_from = BUF_INIT;
	const char *endpoint = remote_get(r, "endpoint", &endpoint_from);
	if (endpoint && *endpoint)
		rc = set_endpoint(t, endpoint, endpoint_from.data, err);
	else
		set_aws_endpoint(t);
	buf_free(&endpoint_from);
	return rc;
}

/* Checked for validity by main before any request; unset means def. */
static int env_true(const char *name, int def)
{
	int b;
	env_bool(name, def, &b);
	return b;
}

/* KServe hands the variables to boto3, whose chain (aws_creds.c) finds
 * the keys; awsAnonymousCredential=true sends unsigned requests. */
int s3_target_from_kserve_env(const struct globals *g, struct s3_target *t, struct buf *err)
{
	const char *endpoint = getenv("AWS_ENDPOINT_URL");
	const char *region_var = "AWS_DEFAULT_REGION";
	const char *region = getenv(region_var);
	int rc;

	memset(t, 0, sizeof *t);
	if (!region || !*region) {
		region_var = "AWS_REGION";
		region = getenv(region_var);
	}
	t->region = xstrdup(region && *region ? region : "us-east-1");
	t->origin = xstrdup("KServe-style AWS_* variables");
	if (region && *region && s3_check_region(region, region_var, err))
		return EXIT_USAGE;
	t->insecure = !env_true("S3_VERIFY_SSL", 1);
	if (!env_true("awsAnonymousCredential", 0)) {
		/* one without the other: the chain decides, as boto3's does (a key
		 * id alone is refused, a secret alone passed over) */
		struct aws_chain_opts o = { g, NULL, NULL, t->region };
		if ((rc = aws_creds_resolve(&o, &t->creds, err)))
			return rc;
	}
	t->list_version = 2;
	t->list_url_encode = 1;
	t->path_style = !env_true("S3_USER_VIRTUAL_BUCKET", 0);
	if (endpoint && *endpoint)
		return set_endpoint(t, endpoint, "AWS_ENDPOINT_URL", err);
	t->path_style = 0;
	set_aws_endpoint(t);
	return 0;
}

/* ---- Google Cloud Storage ---------------------------------------------- */

/* The XML API, which speaks S3's protocol; rclone's gcs backend talks the
 * JSON API, whose base URL is this host with GCS_JSON_API_PATH. */
#define GCS_ENDPOINT "https://storage.googleapis.com"
#define GCS_JSON_API_PATH "/storage/v1"
#define GCS_PRIVATE_BUCKET_HINT                                                            \
	"for a private bucket, create HMAC keys for it and use an s3 remote with endpoint " \
	GCS_ENDPOINT ", access_key_id and secret_access_key"

/* Where the remote's type and anonymous come from, for the refusal: the
 * variable to set, or the connection string's parameter. */
static void gcs_anonymous_how(const struct remote *r, struct buf *err)
{
	if (r->env_name)
		buf_printf(err, "set RCLONE_CONFIG_%s_ANONYMOUS=true (or anonymous = true in "
			   "its config file section)", r->env_name);
	else
		buf_adds(err, "add anonymous=true to the connection string");
}

/* rclone reads anonymously when anonymous is true, whatever credentials
 * are set beside it; else with the first credential it finds, or by
 * OAuth. initc has no Google credentials: refused, naming what rclone
 * would have used. */
static int gcs_require_anonymous(const struct remote *r, struct buf *err)
{
	struct buf from = BUF_INIT;
	int anonymous, rc = remote_get_bool(r, "anonymous", 0, &anonymous, err);
	if (rc || anonymous)
		return rc;
	const struct ropt *cred = remote_credential_set(r, &from);
	const char *anon = cred ? NULL : remote_get(r, "anonymous", &from);
	buf_printf(err, "remote %s (type=%s, from the %s) ", r->name, r->type, r->type_origin);
	if (cred)
		buf_printf(err, "sets %s (%s) and not anonymous = true: rclone would read with "
			   "that credential", cred->name, from.data);
	else if (anon)
		buf_printf(err, "sets anonymous=%s (%s)", anon, from.data);
	else
		buf_adds(err, "does not set anonymous = true: rclone would log in with OAuth or "
			 "the environment's Google credentials");
	buf_adds(err, "; initc reads Google Cloud Storage only anonymously (anonymous = true), "
		 "as public buckets allow: ");
	gcs_anonymous_how(r, err);
	buf_adds(err, "; " GCS_PRIVATE_BUCKET_HINT);
	buf_free(&from);
	return EXIT_USAGE;
}

/* rclone's endpoint is the JSON API's base URL (option.WithEndpoint),
 * https://host/storage/v1/; the XML API answers at the root of the same
 * host. A bare host or URL is taken as it is. */
static int gcs_set_endpoint(const struct remote *r, struct s3_target *t, struct buf *err)
{
	struct buf from = BUF_INIT;
	const char *endpoint = remote_get(r, "endpoint", &from);
	int rc = endpoint && *endpoint ? set_endpoint(t, endpoint, from.data, err)
				       : set_endpoint(t, GCS_ENDPOINT, "the default endpoint", err);
	size_t len = rc ? 0 : strlen(t->base_path), cut = strlen(GCS_JSON_API_PATH);
	if (len >= cut && !strcmp(t->base_path + len - cut, GCS_JSON_API_PATH))
		t->base_path[len - cut] = '\0';
	buf_free(&from);
	return rc;
}

int s3_target_from_gcs_remote(const struct remote *r, const struct globals *g,
			      struct s3_target *t, struct buf *err)
{
	int rc;
	(void)g; /* no credentials, so none of the chain's requests */
	memset(t, 0, sizeof *t);
	if ((rc = gcs_require_anonymous(r, err)))
		return rc;
	t->origin = xasprintf("rclone remote %s (%s, google cloud storage, anonymous)", r->name,
			      r->type_origin);
	/* unsigned: no region, no keys. Path style: one host and Google's one
	 * certificate for every bucket name, dotted ones too. ListObjects V1
	 * without URL encoding: what the XML API has always answered. */
	t->path_style = 1;
	t->list_version = 1;
	t->as_stored = 1;
	http_set_auth_hint("Google Cloud Storage refused an anonymous reader: the bucket is not "
			   "public (allUsers needs storage.objects.list and storage.objects.get, "
			   "as roles/storage.objectViewer gives); " GCS_PRIVATE_BUCKET_HINT);
	return gcs_set_endpoint(r, t, err);
}

/* ---- addressing ------------------------------------------------------------ */

/* botocore's IPV4_RE: four dot-separated groups of 1 to 3 digits (so
 * 010.1.1.1 and 999.1.1.1 too, which inet_pton would refuse). */
static int ipv4_shaped(const char *s, size_t len)
{
	size_t i = 0;
	for (int group = 0; group < 4; group++) {
		size_t digits = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4)
			i++, digits++;
		if (digits < 1 || digits > 3)
			return 0;
		if (group < 3 && (i >= len || s[i++] != '.'))
			return 0;
	}
	return i == len;
}

/* An endpoint host (with its :port) that is an IP address: no bucket
 * can be a DNS label in front of it, and botocore uses path style for
 * it whatever the configured style. "localhost" is a name: botocore
 * (and rclone) put the bucket in front of it. */
static int host_is_ip(const char *host)
{
	if (*host == '[')
		return 1; /* IPv6, written in brackets in a URL */
	const char *colon = strrchr(host, ':');
	return ipv4_shaped(host, colon ? (size_t)(colon - host) : strlen(host));
}

/* One label of a bucket name as botocore's aws_is_virtual_hostable_s3_
 * bucket checks it: 3 to 63 bytes, lower-case letters, digits and '-',
 * neither first nor last a '-' (VALID_HOST_LABEL_RE). aws-sdk-go v1,
 * rclone's SDK, checks the whole name with one pattern instead. */
static int bucket_label_ok(const char *label, size_t len)
{
	return len >= 3 && len <= 63 && label[0] != '-' && label[len - 1] != '-' &&
	       strspn(label, "abcdefghijklmnopqrstuvwxyz0123456789-") >= len;
}

const char *s3_path_style_reason(const struct s3_target *t, const char *bucket)
{
	int https = !strcmp(t->scheme, "https");

	if (t->path_style)
		return "configured";
	if (host_is_ip(t->host))
		return "the endpoint is an IP address";
	if (ipv4_shaped(bucket, strlen(bucket)))
		return "the bucket name is an IP address";
	/* Over https a dotted name needs a certificate for
	 * <a>.<b>.s3.<region>.amazonaws.com, and S3's wildcard covers one
	 * label: TLS would fail, and botocore and the Go SDKs use path style.
	 * Over http, with no certificate to match, aws-sdk-go v1 (rclone's
	 * SDK) keeps the virtual host, and so does initc, as rclone would;
	 * botocore alone goes to path style there. */
	if (https && strchr(bucket, '.'))
		return "the bucket name has dots, which no S3 certificate covers in a host name over https";
	for (const char *label = bucket;; label++) {
		size_t len = strcspn(label, ".");
		if (!bucket_label_ok(label, len))
			return "the bucket name is not a DNS name";
		label += len;
		if (!*label)
			return NULL;
	}
}

int s3_request_build(const struct s3_target *t, const char *method, const char *bucket,
		     const char *key, const struct kv *query, size_t nquery,
		     const struct hdrs *extra, int sse, struct s3_request *req, struct buf *err)
{
	struct buf path = BUF_INIT, qs = BUF_INIT, host = BUF_INIT;
	const struct aws_keys *keys = NULL;
	int rc;

	memset(req, 0, sizeof *req);
	if (t->creds && (rc = aws_creds_current(t->creds, time(NULL), &keys, err)))
		return rc;
	buf_adds(&path, t->base_path);
	if (s3_path_style_reason(t, bucket)) {
		buf_adds(&host, t->host);
		buf_addc(&path, '/');
		sigv4_encode(&path, bucket, strlen(bucket), 0);
	} else {
		buf_printf(&host, "%s.%s", bucket, t->host);
	}
	buf_addc(&path, '/');
	if (key)
		sigv4_encode(&path, key, strlen(key), 1);
	sigv4_query(&qs, query, nquery);

	hdrs_set(&req->headers, "host", host.data);
	for (size_t i = 0; extra && i < extra->n; i++)
		hdrs_set(&req->headers, extra->v[i].name, extra->v[i].value);
	if (t->requester_pays)
		hdrs_set(&req->headers, "x-amz-request-payer", "requester");
	if (sse && t->as_stored)
		hdrs_set(&req->headers, "accept-encoding", "gzip");
	if (sse && t->sse_key_b64) {
		hdrs_set(&req->headers, "x-amz-server-side-encryption-customer-algorithm", t->sse_algorithm);
		hdrs_set(&req->headers, "x-amz-server-side-encryption-customer-key", t->sse_key_b64);
		hdrs_set(&req->headers, "x-amz-server-side-encryption-customer-key-md5", t->sse_key_md5_b64);
	}
	if (keys) {
		struct sigv4_key k = { keys->access_key, keys->secret_key, keys->session_token,
				       t->region, "s3" };
		sigv4_sign(&k, method, path.data, qs.data ? qs.data : "", &req->headers, time(NULL));
	}
	buf_printf(&req->url, "%s://%s%s%s%s", t->scheme, host.data, path.data, qs.len ? "?" : "",
		   qs.len ? qs.data : "");
	buf_free(&path);
	buf_free(&qs);
	buf_free(&host);
	return 0;
}

void s3_request_free(struct s3_request *req)
{
	buf_free(&req->url);
	hdrs_free(&req->headers);
	buf_free(&req->body);
}
