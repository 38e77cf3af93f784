/* Which check a downloaded object gets, chosen from what the store says
 * about it, and the checks that must ask the store again (composite
 * checksums). The order, cheapest strong one first: an S3 additional
 * checksum (x-amz-checksum-*, full-object or composite), rclone's
 * x-amz-meta-md5chksum, the ETag when it is the MD5 of the content (a
 * single-part upload, not SSE-KMS, not read with SSE-C keys), else the
 * size only. */
#ifndef INITC_INTEGRITY_H
#define INITC_INTEGRITY_H

#include "buf.h"
#include "checksum.h"
#include "globals.h"
#include "s3.h"

enum check_how { CHECK_SIZE, CHECK_FULL, CHECK_COMPOSITE, CHECK_MD5CHKSUM, CHECK_ETAG };

struct check {
	enum check_how how;
	const struct sum_algo *algo;       /* NULL: the size only */
	unsigned char want[SUM_MAX_LEN];   /* the digest the store gave */
	long long parts;                   /* composite: the N of "...-N" */
	char shown[128];                   /* that value as the store wrote it */
	const char *source;                /* the header it came from */
	const char *reason;                /* size only: why */
	char label[32];                    /* for logs: crc32c, sha256-composite, md5chksum,
					      etag-md5, size-only */
};

/* What a response (a whole-object GET, or a HEAD) said about an object. */
struct check_input {
	const struct hdrs *amz;  /* its x-amz-* headers; NULL: none */
	const char *etag;        /* unquoted, "" when absent */
	int sse_c;               /* the request carried SSE-C keys */
	int ignore;              /* RCLONE_IGNORE_CHECKSUM=true */
	int s3;                  /* 0: a plain http source */
	const char *key;         /* the object, for messages */
};

/* The check for the object in `in`: 0, or EXIT_INTEGRITY with a message
 * when the store sent a checksum header that cannot be read (never the
 * size only then: the uploader's checksum is there and could fail). */
int check_choose(const struct check_input *in, struct check *c, struct buf *err);

/* Does got (sum_len bytes) match? 0, else EXIT_INTEGRITY with a message
 * naming the object, the algorithm and both values. */
int check_compare(const struct check *c, const char *key, const unsigned char *got,
		  struct buf *err);

/* HEAD of an object, or of its part `part` (1..N; 0: the whole), with
 * the checksums asked for: size, ETag and x-amz-* headers. */
struct head_sums {
	long long size;
	char *etag;
	struct hdrs amz;
};
int check_head(const struct globals *g, const struct s3_target *t, const char *bucket,
	       const char *key, long long part, struct head_sums *out, struct buf *err);
void head_sums_free(struct head_sums *h);

/* The composite of fd's parts of these sizes, laid end to end from 0:
 * the checksum of their checksums. 0, or -1 with errno. */
int check_combine(int fd, const struct sum_algo *a, const long long *sizes, long long n,
		  unsigned char out[SUM_MAX_LEN]);

/* A composite checksum over the finished file fd of `size` bytes: part
 * sizes from a HEAD of part 1 (parts of that size but the last), each
 * part's checksum from a second read of the file (from the page cache),
 * combined and compared; on a mismatch the real part sizes are asked
 * part by part (an uploader may use unequal parts) before the object
 * fails. 0, EXIT_INTEGRITY, or the HEAD's failure. */
int check_composite(const struct globals *g, const struct s3_target *t, const char *bucket,
		    const char *key, const char *etag, int fd, long long size,
		    const struct check *c, struct buf *err);

#endif
