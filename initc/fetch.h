/* The download engine: libcurl multi, several files at once, large
 * objects split into ranged GETs, streamed to disk with bounded memory
 * (state exists only for files and requests under way). Every file is
 * written through destdir (a random temporary name beside its final one)
 * and renamed only when complete and checked: size, and the checksum
 * integrity.h chooses (an S3 checksum, rclone's md5chksum, the ETag's
 * MD5) of the bytes read back from the file. Every request
 * after the first of an object carries If-Match with its ETag, so parts
 * of two versions are never spliced: an object that changes is fetched
 * again from zero, once. Failed requests are retried with backoff,
 * resuming where the bytes stopped. */
#ifndef INITC_FETCH_H
#define INITC_FETCH_H

#include "buf.h"
#include "destdir.h"
#include "globals.h"
#include "plan.h"
#include "s3.h"

/* What one transfer buffers: libcurl's receive buffer, and the chunk the
 * file's digest thread reads back (one per open file; files open <=
 * transfers). `initc rcd --max-buffer-memory` counts transfers by it. */
#define FETCH_RECEIVE_BUFFER (256 * 1024)
#define FETCH_HASH_CHUNK (1024 * 1024)
#define FETCH_TRANSFER_BUFFERS (FETCH_RECEIVE_BUFFER + FETCH_HASH_CHUNK)

struct fetch_stats {
	long long files;
	long long bytes;
	long long retries;
	double seconds;
};

/* t and bucket are NULL for http sources (item keys are URLs). Returns 0
 * or an exit code with err filled; on failure no temporary file remains
 * and files already completed stay (a second run will skip them). */
int fetch_run(const struct globals *g, const struct s3_target *t, const char *bucket,
	      struct plan *p, const struct destdir *d, struct fetch_stats *st, struct buf *err);

/* Is this ETag the MD5 of the content (32 hex digits, not multipart)? */
int fetch_etag_is_md5(const char *etag);

#endif
