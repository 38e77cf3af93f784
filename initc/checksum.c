/* The digest table; see checksum.h. CRC-32 and CRC-32C come from ISA-L
 * (Debian's libisal: folding with carry-less multiplication, about 0.05 s
 * per GiB), CRC-64/NVME from crc64nvme.c, the rest from OpenSSL. */
#include "checksum.h"
#include "buf.h"
#include "crc64nvme.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <isa-l.h>
#include <openssl/evp.h>

/* A CRC step in zlib's convention: 0 starts, the result continues. */
typedef uint64_t (*crc_fn)(uint64_t crc, const unsigned char *p, size_t len);

/* ISA-L takes an int length: feed it in pieces below INT_MAX. */
#define ISAL_STEP (1 << 30)

static uint64_t step_crc32(uint64_t crc, const unsigned char *p, size_t len)
{
	for (size_t n; len; len -= n, p += n) {
		n = len < ISAL_STEP ? len : ISAL_STEP;
		crc = crc32_gzip_refl((uint32_t)crc, p, n); /* inverts in and out itself */
	}
	return crc;
}

static uint64_t step_crc32c(uint64_t crc, const unsigned char *p, size_t len)
{
	for (size_t n; len; len -= n, p += n) {
		n = len < ISAL_STEP ? len : ISAL_STEP;
		/* crc32_iscsi leaves the inversions to its caller */
		crc = ~crc32_iscsi((unsigned char *)p, (int)n, ~(uint32_t)crc) & 0xffffffffu;
	}
	return crc;
}

static uint64_t step_crc64nvme(uint64_t crc, const unsigned char *p, size_t len)
{
	return crc64nvme(crc, p, len);
}

struct sum_algo {
	const char *name;
	const char *header;
	size_t len;
	crc_fn crc;                   /* a CRC, or */
	const EVP_MD *(*md)(void);    /* an OpenSSL digest */
};

static const struct sum_algo algos[] = {
	{ "crc64nvme", "x-amz-checksum-crc64nvme", 8, step_crc64nvme, NULL },
	{ "crc32c", "x-amz-checksum-crc32c", 4, step_crc32c, NULL },
	{ "crc32", "x-amz-checksum-crc32", 4, step_crc32, NULL },
	{ "sha1", "x-amz-checksum-sha1", 20, NULL, EVP_sha1 },
	{ "sha256", "x-amz-checksum-sha256", 32, NULL, EVP_sha256 },
	{ "md5", NULL, 16, NULL, EVP_md5 },
};
#define N_S3 5 /* the first five are S3's */

const struct sum_algo *sum_s3_algo(size_t i)
{
	return i < N_S3 ? &algos[i] : NULL;
}

const struct sum_algo *sum_md5(void)
{
	return &algos[N_S3];
}

const char *sum_name(const struct sum_algo *a)
{
	return a->name;
}

const char *sum_header(const struct sum_algo *a)
{
	return a->header;
}

size_t sum_len(const struct sum_algo *a)
{
	return a->len;
}

struct sum_ctx {
	const struct sum_algo *a;
	uint64_t crc;
	EVP_MD_CTX *md;
};

struct sum_ctx *sum_new(const struct sum_algo *a)
{
	struct sum_ctx *s = xcalloc(1, sizeof *s);
	s->a = a;
	if (a->md && (!(s->md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(s->md, a->md(), NULL)))
		abort(); /* out of memory, or libcrypto without the digest */
	return s;
}

void sum_add(struct sum_ctx *s, const void *data, size_t len)
{
	if (s->a->crc)
		s->crc = s->a->crc(s->crc, data, len);
	else
		EVP_DigestUpdate(s->md, data, len);
}

void sum_end(struct sum_ctx *s, unsigned char out[SUM_MAX_LEN])
{
	if (s->a->crc) {
		for (size_t i = 0; i < s->a->len; i++) /* big-endian, as S3 sends it */
			out[i] = (unsigned char)(s->crc >> (8 * (s->a->len - 1 - i)));
		s->crc = 0;
		return;
	}
	unsigned int n = 0;
	EVP_DigestFinal_ex(s->md, out, &n);
	EVP_DigestInit_ex(s->md, s->a->md(), NULL);
}

void sum_free(struct sum_ctx *s)
{
	if (!s)
		return;
	EVP_MD_CTX_free(s->md);
	free(s);
}

#define STR(x) #x
#define XSTR(x) STR(x)

const char *sum_isal_version(void)
{
	return "ISA-L " XSTR(ISAL_MAJOR_VERSION) "." XSTR(ISAL_MINOR_VERSION) "."
	       XSTR(ISAL_PATCH_VERSION);
}

int sum_base64_decode(const char *in, unsigned char *out, size_t max)
{
	size_t len = strlen(in), pad = 0;
	if (!len || len % 4 || len / 4 * 3 > max + 2 || len > 4 * 1024)
		return -1;
	unsigned char tmp[3 * 1024];
	int n = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)len);
	if (n < 0)
		return -1;
	while (pad < 2 && in[len - 1 - pad] == '=')
		pad++;
	n -= (int)pad; /* EVP_DecodeBlock counts the padding as zero bytes */
	if (n < 0 || (size_t)n > max)
		return -1;
	memcpy(out, tmp, (size_t)n);
	return n;
}

void sum_base64_encode(const unsigned char *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}
