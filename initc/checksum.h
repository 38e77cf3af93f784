/* The digests initc can verify a download with, in one table: S3's
 * additional checksums (x-amz-checksum-<name>) and MD5 (ETags, rclone's
 * md5chksum). Each is fed piece by piece and gives its raw bytes; S3
 * sends them big-endian in base64. */
#ifndef INITC_CHECKSUM_H
#define INITC_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#define SUM_MAX_LEN 32        /* SHA-256, the longest */

struct sum_algo;

/* S3's checksums in order of preference: the cheapest to compute first
 * (CRCs cost a fraction of a second per GiB, SHA-1 and SHA-256 seconds);
 * NULL past the end. */
const struct sum_algo *sum_s3_algo(size_t i);
const struct sum_algo *sum_md5(void);
/* "crc64nvme", "crc32c", "crc32", "sha1", "sha256", "md5". */
const char *sum_name(const struct sum_algo *a);
/* Its header, "x-amz-checksum-crc32c"; NULL for MD5. */
const char *sum_header(const struct sum_algo *a);
size_t sum_len(const struct sum_algo *a);

struct sum_ctx;
struct sum_ctx *sum_new(const struct sum_algo *a);
void sum_add(struct sum_ctx *s, const void *data, size_t len);
/* The digest of everything added since sum_new or the last sum_end,
 * which starts the sum afresh. Writes sum_len bytes. */
void sum_end(struct sum_ctx *s, unsigned char out[SUM_MAX_LEN]);
void sum_free(struct sum_ctx *s);

/* "ISA-L 2.30.0": the version initc was built against (ISA-L has no
 * run-time version call), for --version. */
const char *sum_isal_version(void);

/* Decode base64 into at most max bytes: the length, -1 when it is not
 * base64 or too long. */
int sum_base64_decode(const char *in, unsigned char *out, size_t max);
/* out holds 4 * ((n + 2) / 3) + 1 characters. */
void sum_base64_encode(const unsigned char *in, size_t n, char *out);

#endif
