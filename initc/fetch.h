/* The download engine: libcurl multi, several files at once, large
 * objects split into ranged GETs, streamed to disk with bounded memory.
 * Every file is written under a temporary name beside its final one and
 * renamed only when complete and checked (size; MD5 when the ETag is
 * one). Failed requests are retried with backoff, resuming where the
 * bytes stopped. */
#ifndef INITC_FETCH_H
#define INITC_FETCH_H

#include "buf.h"
#include "globals.h"
#include "plan.h"
#include "s3.h"

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
	      struct plan *p, const char *dest, struct fetch_stats *st, struct buf *err);

/* Remove temporary files a killed run may have left below dest. */
void fetch_remove_stale(const char *dest);

/* Is this ETag the MD5 of the content (32 hex digits, not multipart)? */
int fetch_etag_is_md5(const char *etag);

#endif
