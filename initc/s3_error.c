/* S3 <Error> bodies and what their codes mean; see s3_error.h. */
#include "s3_error.h"
#include "exitcode.h"

#include <expat.h>
#include <string.h>

/* Bodies larger than this are not S3 errors (S3 sends a few hundred
 * bytes); they are not parsed at all. */
#define S3_ERROR_MAX_BODY (1u << 20)

struct error_state {
	struct s3_error *e;
	int depth;
	int field_depth;   /* where Code and Message are: 2, or 3 in STS's ErrorResponse */
	struct buf *field; /* e->code or e->message while inside one, else NULL */
	struct buf text;   /* that element's text so far */
};

static const char *local_name(const char *name)
{
	const char *sep = strrchr(name, ' '); /* namespace separator */
	return sep ? sep + 1 : name;
}

/* Code and Message are children of the root <Error> (S3), or of the
 * <Error> inside the root <ErrorResponse> (STS and the other query-API
 * services); a <Code> deeper down (in <Details>, say) is someone else's. */
static void XMLCALL on_start(void *arg, const char *name, const char **attrs)
{
	struct error_state *st = arg;
	(void)attrs;
	name = local_name(name);
	++st->depth;
	if (st->depth == 1)
		st->field_depth = !strcmp(name, "ErrorResponse") ? 3 : 2;
	if (st->depth == 2 && st->field_depth == 3 && strcmp(name, "Error"))
		st->field_depth = 0; /* <RequestId> and the like hold no fields */
	if (st->depth == 2 && st->field_depth == 0 && !strcmp(name, "Error"))
		st->field_depth = 3;
	if (st->depth != st->field_depth)
		return;
	buf_reset(&st->text);
	st->field = !strcmp(name, "Code") ? &st->e->code :
		    !strcmp(name, "Message") ? &st->e->message : NULL;
}

/* A field is kept only once its element is complete: a body cut short
 * keeps the fields it finished (a truncated SlowDown still says SlowDown)
 * and never half a word. */
static void XMLCALL on_end(void *arg, const char *name)
{
	struct error_state *st = arg;
	(void)name;
	if (st->depth-- != st->field_depth || !st->field)
		return;
	buf_add(st->field, st->text.data ? st->text.data : "", st->text.len);
	st->field = NULL;
}

static void XMLCALL on_text(void *arg, const char *s, int len)
{
	struct error_state *st = arg;
	if (!st->field || st->depth != st->field_depth)
		return;
	/* whole (the body is at most S3_ERROR_MAX_BODY): a cut here, before
	 * redaction, would leave part of an echoed secret unrecognised;
	 * messages cut after redaction (http_add_server_text) */
	buf_add(&st->text, s, (size_t)len);
}

void s3_parse_error(const char *xml, size_t len, struct s3_error *e)
{
	struct error_state st = { e, 0, 2, NULL, BUF_INIT };
	if (!xml || !len || len >= S3_ERROR_MAX_BODY)
		return;
	XML_Parser p = XML_ParserCreateNS(NULL, ' ');
	XML_SetUserData(p, &st);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	XML_Parse(p, xml, (int)len, XML_TRUE); /* an error ends it; the fields stand */
	XML_ParserFree(p);
	buf_free(&st.text);
}

void s3_error_free(struct s3_error *e)
{
	buf_free(&e->code);
	buf_free(&e->message);
}

/* Error codes from S3's documentation that decide what a failure means. */
static const struct {
	const char *code;
	int exit_code;
	int retryable;
} s3_errors[] = {
	{ "AccessDenied", EXIT_AUTH, 0 },
	{ "InvalidAccessKeyId", EXIT_AUTH, 0 },
	{ "SignatureDoesNotMatch", EXIT_AUTH, 0 },
	{ "ExpiredToken", EXIT_AUTH, 0 },
	{ "InvalidToken", EXIT_AUTH, 0 },
	{ "TokenRefreshRequired", EXIT_AUTH, 0 },
	{ "RequestTimeTooSkewed", EXIT_AUTH, 0 },
	{ "AuthorizationHeaderMalformed", EXIT_USAGE, 0 },
	{ "PermanentRedirect", EXIT_USAGE, 0 },
	{ "NoSuchBucket", EXIT_NOTFOUND, 0 },
	{ "NoSuchKey", EXIT_NOTFOUND, 0 },
	{ "SlowDown", EXIT_NETWORK, 1 },
	{ "InternalError", EXIT_NETWORK, 1 },
	{ "ServiceUnavailable", EXIT_NETWORK, 1 },
	{ "RequestTimeout", EXIT_NETWORK, 1 },
	/* STS (AssumeRoleWithWebIdentity): botocore retries the first two */
	{ "Throttling", EXIT_NETWORK, 1 },
	{ "IDPCommunicationError", EXIT_NETWORK, 1 },
	{ "InvalidIdentityToken", EXIT_AUTH, 0 },
	{ "ExpiredTokenException", EXIT_AUTH, 0 },
	{ "IDPRejectedClaim", EXIT_AUTH, 0 },
	{ "InvalidClientTokenId", EXIT_AUTH, 0 },
	{ "RegionDisabledException", EXIT_AUTH, 0 },
};

int s3_error_class(int http_status, const char *code, int *retryable)
{
	for (size_t i = 0; code && i < sizeof s3_errors / sizeof s3_errors[0]; i++) {
		if (!strcmp(code, s3_errors[i].code)) {
			*retryable = s3_errors[i].retryable;
			return s3_errors[i].exit_code;
		}
	}
	*retryable = http_status >= 500 || http_status == 429 || http_status == 408;
	if (*retryable)
		return EXIT_NETWORK;
	if (http_status == 401 || http_status == 403)
		return EXIT_AUTH;
	if (http_status == 404)
		return EXIT_NOTFOUND;
	if (http_status == 416)
		return EXIT_INTEGRITY;
	return EXIT_NETWORK;
}
