/* Resolving a remote source to an S3 target (see target.c). */
#ifndef INITC_TARGET_H
#define INITC_TARGET_H

#include "buf.h"
#include "globals.h"
#include "s3.h"
#include "uri.h"

/* Returns 0 with t filled, or an exit code with err saying what to set.
 * g must outlive t (the credentials' own requests use it). */
int target_resolve(const struct globals *g, const struct source *src, struct s3_target *t,
		   struct buf *err);

#endif
