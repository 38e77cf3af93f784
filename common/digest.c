/* Hex digests; see digest.h. */
#include "digest.h"

#include <errno.h>
#include <stdio.h>
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

int digest_file_sha256_hex(const char *path, char out[SHA256_HEX_LEN + 1])
{
	unsigned char chunk[65536], md[32];
	unsigned int mdlen = 0;
	size_t got;
	FILE *f = fopen(path, "rb");
	EVP_MD_CTX *ctx;

	if (!f)
		return -1;
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		EVP_DigestUpdate(ctx, chunk, got);
	int bad = ferror(f);
	fclose(f);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (bad) {
		errno = EIO;
		return -1;
	}
	hex_lower(md, 32, out);
	return 0;
}
