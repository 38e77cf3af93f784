/* A digest of a file while it is being downloaded, on a second thread:
 * the download thread says how many bytes from offset 0 are on disk, the
 * hasher reads them back (from the page cache) and hashes them, so the
 * check overlaps the transfer instead of following it. The digest is any
 * of checksum.h's table (MD5, S3's CRCs and SHAs). */
#ifndef INITC_HASHER_H
#define INITC_HASHER_H

#include "checksum.h"

struct hasher;

/* Start hashing fd (readable, not closed before hasher_finish/abort).
 * NULL if no thread could be started: the caller hashes inline then. */
struct hasher *hasher_start(int fd, const struct sum_algo *algo);
/* Bytes [0, ready) are written; never decreases except by a new start. */
void hasher_advance(struct hasher *h, long long ready);
/* Wait until `total` bytes are hashed, stop the thread and give the
 * digest (sum_len bytes). 0, or -1 with errno when the file could not
 * be read back. */
int hasher_finish(struct hasher *h, long long total, unsigned char out[SUM_MAX_LEN]);
/* Stop the thread and free it, digest unused. */
void hasher_abort(struct hasher *h);

/* Read bytes [from, from + len) of fd back, the same way, into sum, on
 * the calling thread (the parts of a composite checksum). 0, or -1 with
 * errno. */
int hasher_read(int fd, long long from, long long len, struct sum_ctx *sum);

#endif
