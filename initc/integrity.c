/* Choosing and running the integrity check; see integrity.h. */
#include "integrity.h"
#include "exitcode.h"
#include "fetch.h"
#include "hasher.h"
#include "http.h"
#include "s3_list.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Server-side encryption whose ETag is not the MD5 of the content
 * (x-amz-server-side-encryption; SSE-S3's "AES256" keeps the MD5). */
static const char *const etag_not_md5_sse[] = { "aws:kms", "aws:kms:dsse" };

#define COUNT(a) (sizeof (a) / sizeof (a)[0])
#define MD5CHKSUM_HEADER "x-amz-meta-md5chksum"

static const char *amz_get(const struct check_input *in, const char *name)
{
	const char *v = in->amz ? hdrs_get(in->amz, name) : NULL;
	return v && *v ? v : NULL;
}

static void size_only(struct check *c, const char *reason)
{
	c->how = CHECK_SIZE;
	c->algo = NULL;
	c->reason = reason;
	snprintf(c->label, sizeof c->label, "size-only");
}

/* "<base64>" or "<base64>-N" into c; 0, or -1 when it is neither. */
static int take_s3_value(const struct sum_algo *a, const char *value, struct check *c)
{
	char b64[96];
	const char *dash = strchr(value, '-');
	size_t len = dash ? (size_t)(dash - value) : strlen(value);
	long long parts = 0;
	if (len >= sizeof b64)
		return -1;
	if (dash) {
		char *end;
		parts = strtoll(dash + 1, &end, 10);
		if (*end || parts < 1 || !isdigit((unsigned char)dash[1]))
			return -1;
	}
	memcpy(b64, value, len);
	b64[len] = '\0';
	if (sum_base64_decode(b64, c->want, sizeof c->want) != (int)sum_len(a))
		return -1;
	c->how = dash ? CHECK_COMPOSITE : CHECK_FULL;
	c->algo = a;
	c->parts = parts;
	c->source = sum_header(a);
	snprintf(c->shown, sizeof c->shown, "%s", value);
	snprintf(c->label, sizeof c->label, "%s%s", sum_name(a), dash ? "-composite" : "");
	return 0;
}

static int take_hex_md5(const char *etag, struct check *c)
{
	if (!fetch_etag_is_md5(etag))
		return -1;
	for (int i = 0; i < 16; i++) {
		unsigned int byte;
		sscanf(etag + 2 * i, "%2x", &byte);
		c->want[i] = (unsigned char)byte;
	}
	c->how = CHECK_ETAG;
	c->algo = sum_md5();
	c->source = "ETag";
	snprintf(c->shown, sizeof c->shown, "%s", etag);
	snprintf(c->label, sizeof c->label, "etag-md5");
	return 0;
}

static int take_md5chksum(const char *value, struct check *c)
{
	if (sum_base64_decode(value, c->want, sizeof c->want) != 16)
		return -1;
	c->how = CHECK_MD5CHKSUM;
	c->algo = sum_md5();
	c->source = MD5CHKSUM_HEADER;
	snprintf(c->shown, sizeof c->shown, "%s", value);
	snprintf(c->label, sizeof c->label, "md5chksum");
	return 0;
}

/* Why the ETag says nothing about the bytes; NULL when it is their MD5. */
static const char *etag_not_md5(const struct check_input *in)
{
	const char *sse = amz_get(in, "x-amz-server-side-encryption");
	for (size_t i = 0; sse && i < COUNT(etag_not_md5_sse); i++)
		if (!strcasecmp(sse, etag_not_md5_sse[i]))
			return "sse-kms";
	if (in->sse_c || amz_get(in, "x-amz-server-side-encryption-customer-algorithm"))
		return "sse-c";
	if (!fetch_etag_is_md5(in->etag))
		return strchr(in->etag, '-') ? "multipart-etag" : "etag-not-md5";
	return NULL;
}

/* What a well-formed value of each header looks like, for the message
 * that refuses one that is not. */
static const char s3_value_form[] = "base64 of the checksum, with \"-N\" (N >= 1 parts) "
				    "after it exactly when x-amz-checksum-type is COMPOSITE";
static const char md5chksum_form[] = "base64 of 16 bytes, the MD5 rclone computed";

/* A checksum the store sent that cannot be read fails the object: passing
 * it on the size alone would accept bytes the uploader's checksum may
 * reject. The value is no secret; it is shown cut to a line. */
static int unreadable(const struct check_input *in, const char *header, const char *value,
		      const char *form, struct buf *err)
{
	return buf_fail(err, EXIT_INTEGRITY,
			"%s: the store sent %s: \"%.100s\", which is not %s; the object cannot "
			"be verified: upload it again, or set RCLONE_IGNORE_CHECKSUM=true to accept "
			"it unchecked", in->key, header, value, form);
}

/* The checksum type S3 states beside the value must agree with its form:
 * "-N" is a composite, a bare value a full-object checksum. */
static int type_agrees(const struct check_input *in, const struct check *c)
{
	const char *type = amz_get(in, "x-amz-checksum-type");
	if (!type)
		return 1;
	if (!strcasecmp(type, "COMPOSITE"))
		return c->how == CHECK_COMPOSITE;
	if (!strcasecmp(type, "FULL_OBJECT"))
		return c->how == CHECK_FULL;
	return 0;
}

int check_choose(const struct check_input *in, struct check *c, struct buf *err)
{
	memset(c, 0, sizeof *c);
	if (in->ignore || !in->s3) {
		size_only(c, in->ignore ? "ignore-checksum" : "http-source");
		return 0;
	}
	/* every checksum the store sent is read, the first (cheapest) kept */
	int have = 0;
	for (size_t i = 0; sum_s3_algo(i); i++) {
		const struct sum_algo *a = sum_s3_algo(i);
		const char *v = amz_get(in, sum_header(a));
		struct check one;
		if (!v)
			continue;
		memset(&one, 0, sizeof one);
		if (take_s3_value(a, v, &one) || !type_agrees(in, &one))
			return unreadable(in, sum_header(a), v, s3_value_form, err);
		if (!have++)
			*c = one;
	}
	const char *md5chksum = amz_get(in, MD5CHKSUM_HEADER);
	if (md5chksum) {
		struct check one;
		memset(&one, 0, sizeof one);
		if (take_md5chksum(md5chksum, &one))
			return unreadable(in, MD5CHKSUM_HEADER, md5chksum, md5chksum_form, err);
		if (!have++)
			*c = one;
	}
	if (have)
		return 0;
	const char *why = etag_not_md5(in);
	if (why || take_hex_md5(in->etag, c))
		size_only(c, why ? why : "etag-not-md5");
	return 0;
}

/* The digest as the store writes it: hex for an ETag, else base64. */
static void show_digest(const struct check *c, const unsigned char *d, char *out)
{
	if (c->how == CHECK_ETAG) {
		static const char digits[] = "0123456789abcdef";
		for (size_t i = 0; i < 16; i++) {
			out[2 * i] = digits[d[i] >> 4];
			out[2 * i + 1] = digits[d[i] & 15];
		}
		out[32] = '\0';
		return;
	}
	sum_base64_encode(d, sum_len(c->algo), out);
	if (c->how == CHECK_COMPOSITE)
		sprintf(out + strlen(out), "-%lld", c->parts);
}

int check_compare(const struct check *c, const char *key, const unsigned char *got,
		  struct buf *err)
{
	char shown[128];
	if (!memcmp(got, c->want, sum_len(c->algo)))
		return 0;
	show_digest(c, got, shown);
	return buf_fail(err, EXIT_INTEGRITY, "%s: the %s of the downloaded bytes is %s but the "
			"store's %s says %s: the object was corrupted on the way; run again",
			key, c->label, shown, c->source, c->shown);
}

/* ---- asking the store --------------------------------------------------- */

int check_head(const struct globals *g, const struct s3_target *t, const char *bucket,
	       const char *key, long long part, struct head_sums *out, struct buf *err)
{
	struct http_result res;
	int rc = s3_head_run(g, t, bucket, key, part, 1, &res, err);
	memset(out, 0, sizeof *out);
	if (!rc) {
		out->size = res.content_length;
		out->etag = xstrdup(res.etag ? res.etag : "");
		out->amz = res.amz;
		res.amz = (struct hdrs){ 0 };
	}
	http_result_free(&res);
	return rc;
}

void head_sums_free(struct head_sums *h)
{
	free(h->etag);
	hdrs_free(&h->amz);
	memset(h, 0, sizeof *h);
}

/* ---- composite checksums ------------------------------------------------ */

/* The checksum of the parts' checksums, parts laid end to end. */
int check_combine(int fd, const struct sum_algo *a, const long long *sizes, long long n,
		   unsigned char out[SUM_MAX_LEN])
{
	struct sum_ctx *part = sum_new(a), *whole = sum_new(a);
	unsigned char d[SUM_MAX_LEN];
	long long off = 0;
	int rc = 0;
	for (long long k = 0; k < n && !rc; k++) {
		rc = hasher_read(fd, off, sizes[k], part);
		sum_end(part, d);
		sum_add(whole, d, sum_len(a));
		off += sizes[k];
	}
	sum_end(whole, out);
	sum_free(part);
	sum_free(whole);
	return rc;
}

/* One part's HEAD: its size, with the object still the one downloaded. */
static int part_size(const struct globals *g, const struct s3_target *t, const char *bucket,
		     const char *key, const char *etag, long long k, long long *size,
		     const char **count, struct head_sums *h, struct buf *err)
{
	int rc = check_head(g, t, bucket, key, k, h, err);
	if (rc)
		return rc;
	if (*etag && strcmp(h->etag, etag))
		return buf_fail(err, EXIT_INTEGRITY, "%s: the object changed while it was being "
				"checked (ETag %s, then %s); run again", key, etag, h->etag);
	*size = h->size;
	if (count)
		*count = hdrs_get(&h->amz, "x-amz-mp-parts-count");
	return 0;
}

/* Equal parts of part 1's size, the last one the rest: 0, or -1 when
 * that does not add up to the object's size. */
static int equal_layout(long long size, long long first, long long n, long long *sizes)
{
	if (first <= 0 || (n - 1) > (size - 1) / first)
		return -1;
	for (long long k = 0; k < n; k++)
		sizes[k] = k < n - 1 ? first : size - first * (n - 1);
	return sizes[n - 1] > 0 && sizes[n - 1] <= first ? 0 : -1;
}

#define MAX_PARTS 10000 /* S3's limit */

int check_composite(const struct globals *g, const struct s3_target *t, const char *bucket,
		    const char *key, const char *etag, int fd, long long size,
		    const struct check *c, struct buf *err)
{
	struct head_sums h;
	unsigned char got[SUM_MAX_LEN];
	const char *count = NULL;
	long long n = c->parts, first = 0;
	int rc;

	if (n > MAX_PARTS || (size > 0 && n > size)) /* every part but an empty object's has bytes */
		return buf_fail(err, EXIT_INTEGRITY, "%s: the store's %s says %s: %lld parts for "
				"%lld bytes cannot be; run again", key, c->source, c->shown, n, size);
	rc = part_size(g, t, bucket, key, etag, 1, &first, &count, &h, err);
	if (!rc && count && strtoll(count, NULL, 10) != n)
		rc = buf_fail(err, EXIT_INTEGRITY, "%s: the store's %s says %lld parts, but "
			      "x-amz-mp-parts-count says %s; run again", key, c->source, n, count);
	head_sums_free(&h);
	if (rc)
		return rc;
	long long *sizes = xcalloc((size_t)n, sizeof *sizes);
	int guessed = !equal_layout(size, first, n, sizes);
	if (guessed && check_combine(fd, c->algo, sizes, n, got))
		rc = EXIT_LOCALIO;
	if (!rc && (!guessed || memcmp(got, c->want, sum_len(c->algo)))) {
		long long total = 0;
		for (long long k = 0; k < n && !rc; k++) { /* the real sizes, part by part */
			rc = part_size(g, t, bucket, key, etag, k + 1, &sizes[k], NULL, &h, err);
			head_sums_free(&h);
			total += sizes[k];
		}
		if (!rc && total != size)
			rc = buf_fail(err, EXIT_INTEGRITY, "%s: its %lld parts add up to %lld bytes, "
				      "not %lld; run again", key, n, total, size);
		if (!rc && check_combine(fd, c->algo, sizes, n, got))
			rc = EXIT_LOCALIO;
	}
	if (rc == EXIT_LOCALIO)
		buf_fail(err, rc, "cannot read back %s for its %s: %s", key, c->label,
			 strerror(errno));
	free(sizes);
	return rc ? rc : check_compare(c, key, got, err);
}
