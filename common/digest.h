/* Hex digests through OpenSSL's EVP interface, shared by both tools
 * (initc: SigV4 payload hashes and MD5 checks; prebake: input hashes). */
#ifndef COMMON_DIGEST_H
#define COMMON_DIGEST_H

#include <stddef.h>

#define SHA256_HEX_LEN 64
#define MD5_HEX_LEN 32

/* out receives 2*digest-size hex characters plus NUL. */
void digest_sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);
void hex_lower(const unsigned char *bytes, size_t n, char *out);
/* SHA-256 fed piece by piece (of bytes as they are copied, say):
 * new, add as often as needed, then hex, which also frees it. */
struct sha256_stream;
struct sha256_stream *sha256_stream_new(void);
void sha256_stream_add(struct sha256_stream *s, const void *data, size_t len);
void sha256_stream_hex(struct sha256_stream *s, char out[SHA256_HEX_LEN + 1]);

/* SHA-256 of a whole file; 0 on success, -1 with errno on failure. */
int digest_file_sha256_hex(const char *path, char out[SHA256_HEX_LEN + 1]);

#endif
