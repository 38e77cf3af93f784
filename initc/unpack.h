/* Unpacking a single downloaded archive with libarchive, the way KServe's
 * initializer does (one .tar/.tar.gz/.tgz/.zip), refusing anything that
 * would escape the folder; unpacked.c puts the tree in place in DEST. */
#ifndef INITC_UNPACK_H
#define INITC_UNPACK_H

#include "buf.h"

struct unpack_limits {
	long long max_total_bytes;  /* sum of unpacked sizes (bomb guard) */
	long long max_entries;      /* number of entries */
};

/* Default limits, overridable by INITC_MAX_UNPACK_BYTES / _ENTRIES. */
void unpack_default_limits(struct unpack_limits *lim);

/* True when name ends in an archive suffix libarchive reads
 * (.tar .tar.gz .tgz .tar.bz2 .tbz2 .tar.xz .txz .tar.zst .zip). */
int unpack_is_archive(const char *name);

/* Unpack archive_path into dest_dir (an existing directory; unpacked.c
 * gives it an empty staging folder). Returns 0, or EXIT_UNSAFE /
 * EXIT_INTEGRITY / EXIT_LOCALIO with a one-line reason in err. On failure
 * nothing half-written remains at a final path. The archive is kept:
 * the caller removes it once the tree is in place. */
int unpack_archive(const char *archive_path, const char *dest_dir,
		   const struct unpack_limits *lim, struct buf *err);

#endif
