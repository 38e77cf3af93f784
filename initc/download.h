/* One source into one DEST, for every caller: the init container (main.c)
 * and `initc rcd`'s sync/copy (rcd_copy.c). First list what the source
 * holds (an S3 prefix or object, an http file), then fetch into DEST, open
 * and locked by the caller, what it lacks; a lone archive is unpacked
 * unless g->no_unpack. */
#ifndef INITC_DOWNLOAD_H
#define INITC_DOWNLOAD_H

#include "buf.h"
#include "destdir.h"
#include "globals.h"
#include "plan.h"
#include "s3.h"
#include "uri.h"

struct download {
	struct s3_target t;   /* a remote source's store */
	struct plan p;        /* what to transfer; local sources have none */
	int listed;           /* p holds the listing */
};

/* 0 with dl filled, or an exit code with err filled. An S3 path that holds
 * nothing is EXIT_NOTFOUND with dl->p.nothing_found set. */
int download_list(const struct globals *g, const struct source *src, struct download *dl,
		  struct buf *err);
/* Fetch (or copy, for a local source) into d; 0 or an exit code. */
int download_fetch(const struct globals *g, const struct source *src, struct download *dl,
		   const struct destdir *d, struct buf *err);
void download_free(struct download *dl);

#endif
