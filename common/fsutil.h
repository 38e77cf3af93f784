/* Small file-system helpers shared by both tools. */
#ifndef COMMON_FSUTIL_H
#define COMMON_FSUTIL_H

#include <sys/types.h>

/* mkdir -p: create path and its missing parents with mode. 0, or -1 with
 * errno set by the mkdir that failed (ENOTDIR when a file is in the way). */
int mkdir_p(const char *path, mode_t mode);

#endif
