/* AWS Signature Version 4 for S3 requests; see sigv4.h. */
#include "sigv4.h"
#include "digest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

void hdrs_set(struct hdrs *h, const char *name, const char *value)
{
	char *lower = xstrdup(name);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t i = 0; i < h->n; i++) {
		if (!strcmp(h->v[i].name, lower)) {
			free(lower);
			free(h->v[i].value);
			h->v[i].value = xstrdup(value);
			return;
		}
	}
	h->v = xrealloc(h->v, (h->n + 1) * sizeof *h->v);
	h->v[h->n].name = lower;
	h->v[h->n].value = xstrdup(value);
	h->n++;
}

const char *hdrs_get(const struct hdrs *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->v[i].name, name))
			return h->v[i].value;
	return NULL;
}

void hdrs_free(struct hdrs *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free(h->v[i].value);
	}
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

void sigv4_encode(struct buf *out, const char *s, size_t len, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
		    (keep_slash && c == '/')) {
			buf_addc(out, (char)c);
		} else {
			char esc[3] = { '%', hex[c >> 4], hex[c & 15] };
			buf_add(out, esc, 3);
		}
	}
}

/* Encoded name and value of one query parameter. */
struct qparam {
	char *name;
	char *value;
};

static int cmp_qparam(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->value, y->value);
}

void sigv4_query(struct buf *out, const struct kv *params, size_t n)
{
	struct qparam *q = xcalloc(n, sizeof *q);
	for (size_t i = 0; i < n; i++) {
		struct buf name = BUF_INIT, value = BUF_INIT;
		sigv4_encode(&name, params[i].key, strlen(params[i].key), 0);
		sigv4_encode(&value, params[i].value, strlen(params[i].value), 0);
		q[i].name = buf_steal(&name);
		q[i].value = buf_steal(&value);
	}
	qsort(q, n, sizeof *q, cmp_qparam);
	for (size_t i = 0; i < n; i++) {
		buf_printf(out, "%s%s=%s", i ? "&" : "", q[i].name, q[i].value);
		free(q[i].name);
		free(q[i].value);
	}
	free(q);
}

static int cmp_hdr(const void *a, const void *b)
{
	return strcmp(((const struct hdr *)a)->name, ((const struct hdr *)b)->name);
}

/* Trim and collapse runs of spaces, as the canonical form requires. */
static void canonical_value(struct buf *out, const char *v)
{
	int space = 0;
	while (*v == ' ' || *v == '\t')
		v++;
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t') {
			space = 1;
			continue;
		}
		if (space)
			buf_addc(out, ' ');
		space = 0;
		buf_addc(out, *v);
	}
}

void sigv4_canonical_request(struct buf *out, const char *method, const char *path,
			     const char *query, const struct hdrs *h, struct buf *signed_names)
{
	struct hdr *sorted = xcalloc(h->n, sizeof *sorted);
	memcpy(sorted, h->v, h->n * sizeof *sorted);
	qsort(sorted, h->n, sizeof *sorted, cmp_hdr);

	buf_printf(out, "%s\n%s\n%s\n", method, path, query);
	for (size_t i = 0; i < h->n; i++) {
		if (!strcmp(sorted[i].name, "authorization"))
			continue;
		buf_printf(out, "%s:", sorted[i].name);
		canonical_value(out, sorted[i].value);
		buf_addc(out, '\n');
		buf_printf(signed_names, "%s%s", signed_names->len ? ";" : "", sorted[i].name);
	}
	buf_printf(out, "\n%s\n", signed_names->data);
	const char *payload = hdrs_get(h, "x-amz-content-sha256");
	buf_adds(out, payload ? payload : SIGV4_EMPTY_SHA256);
	free(sorted);
}

static void hmac(const void *key, size_t keylen, const char *msg, unsigned char out[32])
{
	unsigned int len = 32;
	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), out, &len);
}

/* kSigning = HMAC chain "AWS4"+secret -> date -> region -> service -> aws4_request */
static void signing_key(const struct sigv4_key *key, const char *date, unsigned char out[32])
{
	char *seed = xasprintf("AWS4%s", key->secret_key);
	unsigned char k[32];
	hmac(seed, strlen(seed), date, k);
	OPENSSL_cleanse(seed, strlen(seed));
	free(seed);
	hmac(k, 32, key->region, k);
	hmac(k, 32, key->service, k);
	hmac(k, 32, "aws4_request", out);
	OPENSSL_cleanse(k, sizeof k);
}

void sigv4_sign(const struct sigv4_key *key, const char *method, const char *path,
		const char *query, struct hdrs *h, time_t now)
{
	char amzdate[17], date[9], crhash[SHA256_HEX_LEN + 1], sighex[65];
	unsigned char kdate[32], sig[32];
	struct buf creq = BUF_INIT, names = BUF_INIT, sts = BUF_INIT, auth = BUF_INIT;
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(amzdate, sizeof amzdate, "%Y%m%dT%H%M%SZ", &tm);
	memcpy(date, amzdate, 8);
	date[8] = '\0';
	hdrs_set(h, "x-amz-date", amzdate);
	if (!hdrs_get(h, "x-amz-content-sha256"))
		hdrs_set(h, "x-amz-content-sha256", SIGV4_EMPTY_SHA256);
	if (key->session_token && *key->session_token)
		hdrs_set(h, "x-amz-security-token", key->session_token);

	sigv4_canonical_request(&creq, method, path, query, h, &names);
	digest_sha256_hex(creq.data, creq.len, crhash);
	buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amzdate, date,
		   key->region, key->service, crhash);
	signing_key(key, date, kdate);
	hmac(kdate, 32, sts.data, sig);
	OPENSSL_cleanse(kdate, sizeof kdate);
	hex_lower(sig, 32, sighex);
	buf_printf(&auth, "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
		   "SignedHeaders=%s, Signature=%s", key->access_key, date, key->region,
		   key->service, names.data, sighex);
	hdrs_set(h, "authorization", auth.data);
	buf_free(&creq);
	buf_free(&names);
	buf_free(&sts);
	buf_free(&auth);
}
