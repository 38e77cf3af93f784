/* Web identity (EKS IRSA): the service account's token, read from
 * AWS_WEB_IDENTITY_TOKEN_FILE at every call (the kubelet rotates it), is
 * exchanged for keys by STS AssumeRoleWithWebIdentity: an unsigned form
 * POST with the parameters botocore sends, answered in XML. */
#include "aws_provider.h"
#include "exitcode.h"
#include "http.h"
#include "log.h"
#include "s3.h"
#include "s3_error.h"

#include <expat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define STS_MAX_ANSWER (64 * 1024)
#define STS_MAX_FIELD (16 * 1024)   /* session tokens run to a few KiB */

/* ---- the answer ----------------------------------------------------------- */

/* The fields kept, by where they sit: Credentials' children of a
 * successful answer. An <ErrorResponse> is read by s3_parse_error, the
 * one parser of error bodies. */
enum sts_field { F_ACCESS, F_SECRET, F_TOKEN, F_EXPIRATION, F_COUNT };

static const struct {
	const char *parent;   /* the element the field sits in */
	const char *name;
	int depth;            /* of the field itself */
} sts_fields[F_COUNT] = {
	[F_ACCESS] = { "Credentials", "AccessKeyId", 4 },
	[F_SECRET] = { "Credentials", "SecretAccessKey", 4 },
	[F_TOKEN] = { "Credentials", "SessionToken", 4 },
	[F_EXPIRATION] = { "Credentials", "Expiration", 4 },
};

#define STS_MAX_DEPTH 8   /* the fields sit at 4; deeper names are not kept */

struct sts_parse {
	XML_Parser p;
	int depth;
	char names[STS_MAX_DEPTH][32]; /* local names of the open elements, from the root */
	int field;            /* the field being read, -1 outside */
	struct buf value[F_COUNT];
	int seen[F_COUNT];
	int bad;              /* a field twice, too long, or a DOCTYPE */
};

static const char *local_name(const char *name)
{
	const char *sep = strrchr(name, ' ');
	return sep ? sep + 1 : name;
}

static void XMLCALL on_start(void *arg, const char *name, const char **attrs)
{
	struct sts_parse *st = arg;
	(void)attrs;
	name = local_name(name);
	st->field = -1;
	if (++st->depth > STS_MAX_DEPTH)
		return;
	snprintf(st->names[st->depth - 1], sizeof st->names[0], "%s", name);
	const char *parent = st->depth >= 2 ? st->names[st->depth - 2] : "";
	for (int f = 0; f < F_COUNT; f++) {
		if (st->depth == sts_fields[f].depth && !strcmp(name, sts_fields[f].name) &&
		    !strcmp(parent, sts_fields[f].parent)) {
			if (st->seen[f]++)
				st->bad = 1;
			st->field = f;
		}
	}
}

static void XMLCALL on_end(void *arg, const char *name)
{
	struct sts_parse *st = arg;
	(void)name;
	st->depth--;
	st->field = -1;
}

static void XMLCALL on_text(void *arg, const char *s, int len)
{
	struct sts_parse *st = arg;
	if (st->field < 0)
		return;
	struct buf *v = &st->value[st->field];
	if (v->len + (size_t)len > STS_MAX_FIELD) {
		st->bad = 1;
		XML_StopParser(st->p, XML_FALSE);
		return;
	}
	buf_add(v, s, (size_t)len);
}

/* No DTDs: STS sends none, and entities are how XML bombs go off. */
static void XMLCALL on_doctype(void *arg, const char *name, const char *sysid, const char *pubid,
			       int has_internal)
{
	struct sts_parse *st = arg;
	(void)name, (void)sysid, (void)pubid, (void)has_internal;
	st->bad = 1;
	XML_StopParser(st->p, XML_FALSE);
}

static const char *field(const struct sts_parse *st, enum sts_field f)
{
	return st->value[f].data ? st->value[f].data : "";
}

static int sts_result(const struct sts_parse *st, int complete, struct aws_keys *out,
		      struct buf *err)
{
	static const char *const what = "the STS answer";
	/* whatever else goes wrong, these never reach a message */
	if (st->seen[F_SECRET])
		log_add_secret(field(st, F_SECRET));
	if (st->seen[F_TOKEN])
		log_add_secret(field(st, F_TOKEN));
	if (st->bad)
		return buf_fail(err, EXIT_AUTH, "%s has a DOCTYPE, a field twice or a field over %d "
				"bytes: not STS", what, STS_MAX_FIELD);
	if (!complete)
		return buf_fail(err, EXIT_AUTH, "%s is not complete XML", what);
	for (int f = F_ACCESS; f <= F_EXPIRATION; f++)
		if (!st->seen[f])
			return buf_fail(err, EXIT_AUTH, "%s has no Credentials/%s", what,
					sts_fields[f].name);
	time_t expiration;
	if (aws_parse_time(field(st, F_EXPIRATION), &expiration))
		return buf_fail(err, EXIT_AUTH, "%s has an Expiration that is not an ISO 8601 time",
				what);
	aws_keys_set(out, field(st, F_ACCESS), field(st, F_SECRET), field(st, F_TOKEN));
	out->expiration = expiration;
	out->expires = 1;
	out->method = "assume-role-with-web-identity";
	int rc = aws_keys_check(out, what, err);
	if (rc)
		aws_keys_free(out);
	return rc;
}

/* An <ErrorResponse>: EXIT_AUTH with STS's code and message, redacted
 * before the cut (STS may echo the token); 0 when xml is no error. */
static int sts_refusal(const char *xml, size_t len, struct buf *err)
{
	struct s3_error e = { BUF_INIT, BUF_INIT };
	int rc = 0;
	s3_parse_error(xml, len, &e);
	if (e.code.len) {
		buf_reset(err);
		buf_adds(err, "STS refused: ");
		http_add_server_text(err, e.code.data, 200);
		buf_adds(err, ": ");
		http_add_server_text(err, e.message.data, 500);
		rc = EXIT_AUTH;
	}
	s3_error_free(&e);
	return rc;
}

int aws_sts_parse(const char *xml, size_t len, struct aws_keys *out, struct buf *err)
{
	struct sts_parse st;
	memset(&st, 0, sizeof st);
	st.field = -1;
	if (len > STS_MAX_ANSWER)
		return buf_fail(err, EXIT_AUTH, "the STS answer is larger than %d bytes",
				STS_MAX_ANSWER);
	st.p = XML_ParserCreateNS(NULL, ' ');
	XML_SetUserData(st.p, &st);
	XML_SetElementHandler(st.p, on_start, on_end);
	XML_SetCharacterDataHandler(st.p, on_text);
	XML_SetStartDoctypeDeclHandler(st.p, on_doctype);
	int complete = XML_Parse(st.p, xml ? xml : "", (int)len, XML_TRUE) == XML_STATUS_OK;
	XML_ParserFree(st.p);
	int rc = sts_result(&st, complete, out, err);
	if (rc && !st.bad && !st.seen[F_ACCESS] && sts_refusal(xml, len, err))
		rc = EXIT_AUTH;
	for (int f = 0; f < F_COUNT; f++) {
		buf_wipe(&st.value[f]);
		buf_free(&st.value[f]);
	}
	return rc;
}

/* ---- the request ---------------------------------------------------------- */

/* The domain of a region's partition (botocore's data/endpoints.json);
 * every other region is in aws. */
static const struct {
	const char *region_prefix;
	const char *domain;
} partitions[] = {
	{ "cn-", "amazonaws.com.cn" },
	{ "us-iso-", "c2s.ic.gov" },
	{ "us-isob-", "sc2s.sgov.gov" },
};

/* The regions that AWS_STS_REGIONAL_ENDPOINTS=legacy sends to the global
 * endpoint (botocore args.py LEGACY_GLOBAL_STS_REGIONS); the others keep
 * their regional one whatever the setting. */
static const char *const legacy_global_regions[] = {
	"ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global",
	"ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3",
	"sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
};
#define STS_GLOBAL_URL "https://sts.amazonaws.com/"

static int in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return 1;
	return 0;
}

/* The variable, else the profile's setting (botocore's _get_config). */
static const char *setting(const struct aws_chain *c, const char *var, const char *key)
{
	const char *v = getenv(var);
	return v ? v : aws_profile_get(c, key);
}

/* AWS_ENDPOINT_URL_STS, else STS of the region. Never AWS_ENDPOINT_URL:
 * KServe sets it to the S3 store (serving.kserve.io/s3-endpoint), and
 * the service account's token must not be posted to the storage server.
 * AWS_STS_REGIONAL_ENDPOINTS (or the profile's sts_regional_endpoints):
 * "regional", "legacy" (the global endpoint for the legacy regions only),
 * anything else refused as botocore refuses it; unset is regional, the
 * current SDKs' default (botocore 1.29 still defaulted to legacy). */
static int sts_endpoint(const struct aws_chain *c, char **url, struct buf *why)
{
	const char *v = getenv("AWS_ENDPOINT_URL_STS");
	if (v && *v) {
		if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
			return buf_fail(why, EXIT_USAGE, "AWS_ENDPOINT_URL_STS=%s: the endpoint must be "
					"http:// or https://", v);
		const char *host = strstr(v, "//") + 2;
		*url = strchr(host, '/') ? xstrdup(v) : xasprintf("%s/", v); /* botocore posts to / */
		return 0;
	}
	const char *mode = setting(c, "AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints");
	if (mode && *mode && strcmp(mode, "regional") && strcmp(mode, "legacy"))
		return buf_fail(why, EXIT_USAGE, "AWS_STS_REGIONAL_ENDPOINTS=%s: use regional or "
				"legacy", mode);
	const char *var = "AWS_REGION", *region = getenv(var);
	if (!region || !*region)
		region = getenv(var = "AWS_DEFAULT_REGION");
	if (!region || !*region) {
		region = c->store_region;
		var = "the store's region";
	}
	int rc = s3_check_region(region, var, why);
	if (rc)
		return rc;
	if (mode && !strcmp(mode, "legacy") &&
	    in_list(region, legacy_global_regions,
		    sizeof legacy_global_regions / sizeof legacy_global_regions[0])) {
		*url = xstrdup(STS_GLOBAL_URL);
		return 0;
	}
	const char *domain = "amazonaws.com";
	for (size_t i = 0; i < sizeof partitions / sizeof partitions[0]; i++)
		if (!strncmp(region, partitions[i].region_prefix, strlen(partitions[i].region_prefix)))
			domain = partitions[i].domain;
	*url = xasprintf("https://sts.%s.%s/", region, domain);
	return 0;
}

static void form_add(struct buf *body, const char *name, const char *value)
{
	if (body->len)
		buf_addc(body, '&');
	buf_printf(body, "%s=", name);
	sigv4_encode(body, value, strlen(value), 0);
}

/* The STS codes that mean the role does not trust this token (STS API
 * reference, AssumeRoleWithWebIdentity errors): only these get the hint
 * about the trust policy. */
static const char *const trust_codes[] = { "AccessDenied", "InvalidIdentityToken",
					   "ExpiredTokenException", "IDPRejectedClaim" };

static int trust_policy_refusal(const char *body, size_t len)
{
	struct s3_error e = { BUF_INIT, BUF_INIT };
	int hit = 0;
	if (body)
		s3_parse_error(body, len, &e);
	for (size_t i = 0; e.code.len && i < sizeof trust_codes / sizeof trust_codes[0]; i++)
		hit |= !strcmp(e.code.data, trust_codes[i]);
	s3_error_free(&e);
	return hit;
}

struct sts_call {
	const char *url;
	const struct buf *form;
};

static int build_sts(void *arg, struct s3_request *req, struct buf *err)
{
	const struct sts_call *call = arg;
	(void)err;
	memset(req, 0, sizeof *req);
	buf_adds(&req->url, call->url);
	hdrs_set(&req->headers, "content-type", "application/x-www-form-urlencoded; charset=utf-8");
	hdrs_set(&req->headers, "expect", ""); /* no 100-continue round trip for a token */
	buf_add(&req->body, call->form->data, call->form->len);
	return 0;
}

static int assume_role(const struct aws_chain *c, const char *url, const char *role,
		       const char *token, struct aws_keys *out, struct buf *why)
{
	const char *session = setting(c, "AWS_ROLE_SESSION_NAME", "role_session_name");
	if (session && !*session) /* botocore: an empty name is no name */
		session = NULL;
	char *generated = session ? NULL : xasprintf("initc-session-%lld", (long long)time(NULL));
	struct buf form = BUF_INIT, err = BUF_INIT;
	struct http_result res;
	int rc;

	form_add(&form, "Action", "AssumeRoleWithWebIdentity");
	form_add(&form, "Version", "2011-06-15");
	form_add(&form, "RoleArn", role);
	form_add(&form, "RoleSessionName", session ? session : generated);
	form_add(&form, "WebIdentityToken", token);
	struct sts_call call = { url, &form };
	char *what = xasprintf("STS AssumeRoleWithWebIdentity at %s", url);
	rc = aws_http(c, AWS_STS, "POST", build_sts, &call, STS_MAX_ANSWER, what, &res, &err);
	if (!rc)
		rc = aws_sts_parse(res.body.data, res.body.len, out, &err);
	rc = aws_failure_class(rc);
	if (!rc)
		out->identity = xasprintf("the role %s assumed through web identity", role);
	if (rc && trust_policy_refusal(res.body.data, res.body.len))
		buf_fail(why, rc, "%s (role %s); check the role's trust policy for this "
			 "service account and the token in AWS_WEB_IDENTITY_TOKEN_FILE", err.data, role);
	else if (rc)
		buf_fail(why, rc, "%s (role %s)", err.data, role);
	buf_wipe(&form);
	buf_free(&form);
	buf_free(&err);
	http_result_free(&res);
	free(what);
	free(generated);
	return rc;
}

int aws_web_identity_load(const struct aws_chain *c, struct aws_keys *out, struct buf *why)
{
	const char *file = setting(c, "AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file");
	const char *role = setting(c, "AWS_ROLE_ARN", "role_arn");
	char *token = NULL;
	int rc;

	if (!file || !*file) {
		buf_adds(why, "AWS_WEB_IDENTITY_TOKEN_FILE unset");
		return AWS_ABSENT;
	}
	if (!role || !*role)
		return buf_fail(why, EXIT_USAGE, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN "
				"is not: set the role to assume (EKS sets both for a service account "
				"annotated with eks.amazonaws.com/role-arn)");
	char *url = NULL;
	if ((rc = sts_endpoint(c, &url, why))) /* the configuration first, then the token */
		return rc;
	log_kv(LOG_DEBUG, "STS endpoint", "url=%s", log_q(url));
	if (!(rc = aws_read_token_file(file, "AWS_WEB_IDENTITY_TOKEN_FILE", &token, why))) {
		rc = assume_role(c, url, role, token, out, why);
		explicit_bzero(token, strlen(token));
	}
	free(token);
	free(url);
	return rc;
}
