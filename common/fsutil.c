/* File-system helpers; see fsutil.h. */
#include "fsutil.h"
#include "buf.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

int mkdir_p(const char *path, mode_t mode)
{
	char *dir;
	struct stat st;
	int rc = 0;

	if (!*path) {
		errno = ENOENT;
		return -1;
	}
	dir = xstrdup(path);
	for (char *p = dir + 1; !rc; p++) {
		char saved = *p;
		if (saved != '/' && saved != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, mode) && errno != EEXIST)
			rc = -1;
		else if (stat(dir, &st) || !S_ISDIR(st.st_mode)) /* a file in the way */
			rc = -1, errno = ENOTDIR;
		*p = saved;
		if (!saved)
			break;
	}
	int saved_errno = errno;
	free(dir);
	errno = saved_errno;
	return rc;
}
