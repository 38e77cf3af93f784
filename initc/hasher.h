/* MD5 of a file while it is being downloaded, on a second thread: the
 * download thread says how many bytes from offset 0 are on disk, the
 * hasher reads them back (from the page cache) and hashes them, so the
 * check overlaps the transfer instead of following it. */
#ifndef INITC_HASHER_H
#define INITC_HASHER_H

struct hasher;

/* Start hashing fd (readable, not closed before hasher_finish/abort).
 * NULL if no thread could be started: the caller hashes inline then. */
struct hasher *hasher_start(int fd);
/* Bytes [0, ready) are written; never decreases except by a new start. */
void hasher_advance(struct hasher *h, long long ready);
/* Wait until `total` bytes are hashed, stop the thread and give the
 * digest as 32 hex digits. 0, or -1 with errno when the file could not
 * be read back. */
int hasher_finish(struct hasher *h, long long total, char hex[33]);
/* Stop the thread and free it, digest unused. */
void hasher_abort(struct hasher *h);

#endif
