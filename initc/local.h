/* Copying a local file or folder into DEST (see local.c). */
#ifndef INITC_LOCAL_H
#define INITC_LOCAL_H

#include "buf.h"
#include "destdir.h"

struct local_stats {
	long long files;
	long long bytes;
};

/* Returns 0 or an exit code with err filled. */
int local_copy(const char *src, const struct destdir *d, struct local_stats *stats,
	       struct buf *err);

#endif
