/* The metadata endpoints that hand out a role's keys as JSON: the
 * container endpoint (EKS Pod Identity, ECS) and EC2's instance metadata
 * service, IMDSv2 only (a PUT for a session token first). Timeouts and
 * attempts are botocore's (aws_creds.c aws_services), so a pod without
 * the service fails within seconds. */
#include "aws_provider.h"
#include "exitcode.h"
#include "http.h"
#include "log.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define METADATA_MAX_ANSWER (64 * 1024)

/* ---- the answer ----------------------------------------------------------- */

static const char *json_field(json_t *doc, const char *name)
{
	return json_string_value(json_object_get(doc, name));
}

/* {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"} as both
 * endpoints send it; IMDS adds "Code": "Success". jansson's error text
 * quotes the input near the error, so only the position is reported. */
int aws_metadata_parse(const char *json, size_t len, struct aws_keys *out, struct buf *err)
{
	static const char *const required[] = { "AccessKeyId", "SecretAccessKey", "Token",
						"Expiration" };
	static const char *const what = "the credentials document";
	json_error_t jerr;
	json_t *doc = json ? json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
	int rc = 0;

	if (!doc)
		return buf_fail(err, EXIT_AUTH, "%s is not JSON (line %d, column %d)", what,
				json ? jerr.line : 0, json ? jerr.column : 0);
	/* the secrets are registered before anything can print a message */
	log_add_secret(json_field(doc, "SecretAccessKey"));
	log_add_secret(json_field(doc, "Token"));
	const char *code = json_field(doc, "Code");
	if (!json_is_object(doc))
		rc = buf_fail(err, EXIT_AUTH, "%s is not a JSON object", what);
	else if (code && strcmp(code, "Success")) { /* redacted before the cut */
		buf_reset(err);
		buf_adds(err, "the endpoint answered Code ");
		http_add_server_text(err, code, 100);
		buf_adds(err, ": ");
		http_add_server_text(err, json_field(doc, "Message"), 300);
		rc = EXIT_AUTH;
	}
	for (size_t i = 0; !rc && i < sizeof required / sizeof required[0]; i++)
		if (!json_field(doc, required[i]))
			rc = buf_fail(err, EXIT_AUTH, "%s has no %s string", what, required[i]);
	time_t expiration = 0;
	if (!rc && aws_parse_time(json_field(doc, "Expiration"), &expiration))
		rc = buf_fail(err, EXIT_AUTH, "%s has an Expiration that is not an ISO 8601 time",
			      what);
	if (!rc) {
		aws_keys_set(out, json_field(doc, "AccessKeyId"), json_field(doc, "SecretAccessKey"),
			     json_field(doc, "Token"));
		out->expiration = expiration;
		out->expires = 1;
		if ((rc = aws_keys_check(out, what, err)))
			aws_keys_free(out);
	}
	json_decref(doc);
	return rc;
}

/* ---- requests ------------------------------------------------------------- */

struct metadata_call {
	const char *url;
	const struct hdrs *headers;
};

static int build_get(void *arg, struct s3_request *req, struct buf *err)
{
	const struct metadata_call *call = arg;
	(void)err;
	memset(req, 0, sizeof *req);
	buf_adds(&req->url, call->url);
	for (size_t i = 0; call->headers && i < call->headers->n; i++)
		hdrs_set(&req->headers, call->headers->v[i].name, call->headers->v[i].value);
	return 0;
}

/* One request with the service's bounds (aws_http); the answer in res. */
static int metadata_request(const struct aws_chain *c, enum aws_service service,
			    const char *method, const char *url, const struct hdrs *headers,
			    struct http_result *res, struct buf *err)
{
	struct metadata_call call = { url, headers };
	char *what = xasprintf("%s %s", method, url);
	int rc = aws_http(c, service, method, build_get, &call, METADATA_MAX_ANSWER, what, res, err);
	free(what);
	return rc;
}

/* ---- container credentials ------------------------------------------------ */

#define CONTAINER_HOST "http://169.254.170.2"

/* Hosts a FULL_URI may name over plain http, as the AWS SDKs allow: the
 * ECS and EKS Pod Identity agents, and loopback (checked apart). */
static const char *const container_hosts[] = { "169.254.170.2", "169.254.170.23",
						 "fd00:ec2::23" };

static int is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (!strcasecmp(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* "http://host:port/path": the host, without brackets and port. */
static char *url_host(const char *url)
{
	const char *h = strstr(url, "://");
	if (!h)
		return NULL;
	h += 3;
	size_t len = strcspn(h, "/?#");
	const char *at = memchr(h, '@', len);
	if (at) {
		len -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	if (*h == '[') {
		const char *close = memchr(h, ']', len);
		return close ? xstrndup(h + 1, (size_t)(close - h - 1)) : NULL;
	}
	const char *colon = memchr(h, ':', len);
	return xstrndup(h, colon ? (size_t)(colon - h) : len);
}

static int full_uri_allowed(const char *url, struct buf *why)
{
	char *host = url_host(url);
	int ok = !strncasecmp(url, "https://", 8) && host && *host;
	if (!strncasecmp(url, "http://", 7) && host)
		for (size_t i = 0; !ok && i < sizeof container_hosts / sizeof container_hosts[0]; i++)
			ok = !strcasecmp(host, container_hosts[i]);
	if (!ok && !strncasecmp(url, "http://", 7) && host)
		ok = is_loopback(host);
	if (!ok)
		buf_fail(why, EXIT_USAGE, "AWS_CONTAINER_CREDENTIALS_FULL_URI=%s: the AWS SDKs fetch "
			 "container credentials only over https, or over http from a loopback "
			 "address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23 (host %s)", url,
			 host ? host : "unreadable");
	free(host);
	return ok ? 0 : EXIT_USAGE;
}

/* Authorization: the file's token (re-read each time: EKS rotates it),
 * else the variable's; NULL when neither is set. */
static int container_token(char **out, struct buf *why)
{
	const char *file = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *value = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	int rc;
	*out = NULL;
	if (file && *file) {
		if ((rc = aws_read_token_file(file, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", out, why)))
			return rc;
	} else if (value && *value) {
		log_add_secret(value);
		*out = xstrdup(value);
	}
	/* it goes into a header: the one check of configured keys (the file's
	 * trailing line break is gone already, as for every token file) */
	return aws_key_config_check(file && *file ? "the token in AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
				    : "AWS_CONTAINER_AUTHORIZATION_TOKEN", *out, why);
}

int aws_container_load(const struct aws_chain *c, struct aws_keys *out, struct buf *why)
{
	const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	struct hdrs headers = { 0 };
	struct http_result res;
	struct buf err = BUF_INIT;
	char *url, *token = NULL;
	int rc;

	if ((!rel || !*rel) && (!full || !*full)) {
		buf_adds(why, "no AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI");
		return AWS_ABSENT;
	}
	if (rel && *rel) { /* botocore: the relative one wins */
		url = xasprintf("%s%s%s", CONTAINER_HOST, *rel == '/' ? "" : "/", rel);
	} else {
		if ((rc = full_uri_allowed(full, why)))
			return rc;
		url = xstrdup(full);
	}
	if ((rc = container_token(&token, why))) {
		free(url);
		free(token);
		return rc;
	}
	hdrs_set(&headers, "accept", "application/json");
	if (token)
		hdrs_set(&headers, "authorization", token);
	rc = metadata_request(c, AWS_CONTAINER, "GET", url, &headers, &res, &err);
	if (!rc)
		rc = aws_metadata_parse(res.body.data, res.body.len, out, &err);
	rc = aws_failure_class(rc);
	if (!rc) {
		out->method = "container-role";
		out->identity = xasprintf("the role the container endpoint %s hands out (EKS Pod "
					  "Identity's association, or the ECS task role)", url);
	}
	else if (res.status == 401 || res.status == 403)
		buf_fail(why, rc, "%s; check AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (EKS Pod "
			 "Identity) or AWS_CONTAINER_AUTHORIZATION_TOKEN", err.data);
	else
		buf_fail(why, rc, "%s", err.data);
	if (token)
		explicit_bzero(token, strlen(token));
	free(token);
	free(url);
	hdrs_free(&headers);
	buf_free(&err);
	http_result_free(&res);
	return rc;
}

/* ---- instance metadata (IMDSv2) ------------------------------------------- */

#define IMDS_TOKEN_TTL "21600"
#define IMDS_ROLE_PATH "/latest/meta-data/iam/security-credentials/"

/* A failure of IMDS leaves the chain without credentials, as in botocore:
 * why says what happened, the chain's message lists it. */
static int imds_fail(struct buf *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int imds_fail(struct buf *why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(why, fmt, ap);
	va_end(ap);
	return AWS_ABSENT;
}

static int imds_keys(const struct aws_chain *c, const char *base, const char *token,
		     struct aws_keys *out, struct buf *why)
{
	struct hdrs h = { 0 };
	struct http_result res;
	struct buf err = BUF_INIT;
	char *url = xasprintf("%s" IMDS_ROLE_PATH, base), *role = NULL;
	int rc;

	hdrs_set(&h, "x-aws-ec2-metadata-token", token);
	rc = metadata_request(c, AWS_IMDS, "GET", url, &h, &res, &err);
	if (!rc) {
		size_t len = res.body.len ? strcspn(res.body.data, "\r\n") : 0;
		role = len ? xstrndup(res.body.data, len) : NULL;
	}
	if (rc == EXIT_NOTFOUND || (!rc && (!role || strchr(role, '/'))))
		rc = imds_fail(why, "no IAM role attached to the instance (%s)", url);
	else if (rc)
		rc = imds_fail(why, "%s", err.data);
	http_result_free(&res);
	if (!rc) {
		free(url);
		url = xasprintf("%s" IMDS_ROLE_PATH "%s", base, role);
		rc = metadata_request(c, AWS_IMDS, "GET", url, &h, &res, &err);
		if (!rc)
			rc = aws_metadata_parse(res.body.data, res.body.len, out, &err);
		if (rc)
			rc = imds_fail(why, "%s", err.data);
		http_result_free(&res);
	}
	if (!rc) {
		out->method = "iam-role";
		out->identity = xasprintf("the instance role %s", role);
	}
	hdrs_free(&h);
	buf_free(&err);
	free(role);
	free(url);
	return rc;
}

int aws_imds_load(const struct aws_chain *c, struct aws_keys *out, struct buf *why)
{
	const char *off = getenv("AWS_EC2_METADATA_DISABLED");
	const char *endpoint = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	struct hdrs h = { 0 };
	struct http_result res;
	struct buf err = BUF_INIT;
	int rc;

	if (off && !strcasecmp(off, "true")) {
		buf_adds(why, "AWS_EC2_METADATA_DISABLED=true");
		return AWS_ABSENT;
	}
	char *base = xstrdup(endpoint && *endpoint ? endpoint : "http://169.254.169.254");
	size_t len = strlen(base);
	while (len && base[len - 1] == '/')
		base[--len] = '\0';
	char *url = xasprintf("%s/latest/api/token", base);
	hdrs_set(&h, "x-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL);
	rc = metadata_request(c, AWS_IMDS, "PUT", url, &h, &res, &err);
	if (!rc && res.body.len && strlen(res.body.data) == res.body.len &&
	    !strpbrk(res.body.data, "\r\n")) {
		log_add_secret(res.body.data);
		rc = imds_keys(c, base, res.body.data, out, why);
	} else if (!rc) {
		rc = imds_fail(why, "the token answer of %s is empty or not one line", url);
	} else if (res.status == 403 || res.status == 404 || res.status == 405) {
		buf_printf(why, "%s answered HTTP %ld: IMDSv2 is off or unreachable from the pod "
			   "(initc does not use IMDSv1)", url, res.status);
		rc = AWS_ABSENT;
	} else {
		rc = imds_fail(why, "%s", err.data);
	}
	http_result_free(&res); /* wipes the body: the IMDS token */
	hdrs_free(&h);
	buf_free(&err);
	free(url);
	free(base);
	return rc;
}
