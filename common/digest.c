/* Hex digests; see digest.h. */
#include "digest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/evp.h>

void hex_lower(const unsigned char *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

void digest_sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	hex_lower(md, 32, out);
}

struct sha256_stream *sha256_stream_new(void)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		abort();  /* out of memory, or no SHA-256 in libcrypto */
	return (struct sha256_stream *)ctx;
}

void sha256_stream_add(struct sha256_stream *s, const void *data, size_t len)
{
	EVP_DigestUpdate((EVP_MD_CTX *)s, data, len);
}

void sha256_stream_hex(struct sha256_stream *s, char out[SHA256_HEX_LEN + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_DigestFinal_ex((EVP_MD_CTX *)s, md, &mdlen);
	EVP_MD_CTX_free((EVP_MD_CTX *)s);
	hex_lower(md, 32, out);
}

int digest_file_sha256_hex(const char *path, char out[SHA256_HEX_LEN + 1])
{
	unsigned char chunk[65536];
	size_t got;
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	struct sha256_stream *s = sha256_stream_new();
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		sha256_stream_add(s, chunk, got);
	int bad = ferror(f);
	fclose(f);
	sha256_stream_hex(s, out);
	if (bad) {
		errno = EIO;
		return -1;
	}
	return 0;
}
