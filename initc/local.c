/* Local sources (a mounted PVC, a folder in CI): copied with the same
 * promises as downloads: temporary name, rename when complete, files
 * already complete (same size and mtime) skipped. */
#include "local.h"
#include "exitcode.h"
#include "destdir.h"
#include "log.h"
#include "plan.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int copy_fd(int in, int out)
{
	char chunk[1 << 16];
	for (;;) {
		ssize_t got = read(in, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return (int)got;
		for (ssize_t done = 0; done < got;) {
			ssize_t w = write(out, chunk + done, (size_t)(got - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
			done += w;
		}
	}
}

/* Copy one file to rel below DEST through destdir, unless DEST already
 * holds it complete (same size and mtime). */
static int copy_one(const char *src, const struct stat *sst, const struct destdir *d,
		    const char *rel, struct buf *err)
{
	struct stat dst_st;
	struct dest_file out;
	if (!destdir_stat(d, rel, &dst_st, NULL) && S_ISREG(dst_st.st_mode) &&
	    dst_st.st_size == sst->st_size && dst_st.st_mtime == sst->st_mtime)
		return 0; /* already complete */
	int in = open(src, O_RDONLY | O_CLOEXEC), rc;
	if (in < 0) {
		buf_printf(err, "local source: cannot read %s: %s", src, strerror(errno));
		return EXIT_LOCALIO;
	}
	rc = dest_file_create(d, rel, &out, err);
	if (!rc && copy_fd(in, out.fd)) {
		buf_printf(err, "cannot copy %s to %s/%s: %s", src, d->path, rel, strerror(errno));
		rc = EXIT_LOCALIO;
	}
	if (!rc) {
		struct timespec times[2] = { sst->st_mtim, sst->st_mtim };
		futimens(out.fd, times);
		rc = dest_file_commit(&out, err);
	} else if (out.fd >= 0) {
		dest_file_discard(&out);
	}
	close(in);
	return rc;
}

/* nftw offers no user pointer: the walk's state lives here, one per
 * thread, since `initc rcd` runs copies at once, one per connection. */
static _Thread_local struct {
	const char *root;
	const struct destdir *dest;
	struct buf *err;
	struct local_stats *stats;
	int rc;
} walk;

/* A link is copied as the file it points to (model caches link their
 * weights into a blob store); a link to anything else is an error, not
 * a silently missing file. */
static int follow_link(const char *path, struct stat *target)
{
	int broken = stat(path, target);
	if (!broken && S_ISREG(target->st_mode))
		return 0;
	buf_printf(walk.err, "local source: %s is a symbolic link to %s; initc copies links to "
		   "regular files only", path, broken ? "nothing it can reach" : "a non-file");
	walk.rc = EXIT_LOCALIO;
	return 1;
}

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	struct stat target;
	(void)ftw;
	if (flag == FTW_DNR || flag == FTW_NS) {
		buf_printf(walk.err, "local source: cannot read %s", path);
		walk.rc = EXIT_LOCALIO;
		return 1;
	}
	if (flag == FTW_SL) {
		if (follow_link(path, &target))
			return 1;
		st = &target;
	} else if (flag != FTW_F || !S_ISREG(st->st_mode)) {
		return 0; /* folders are made as needed; sockets, fifos, devices skipped */
	}
	const char *rel = path + strlen(walk.root);
	while (*rel == '/')
		rel++;
	if ((walk.rc = plan_check_relpath(rel, rel, walk.err)))
		return 1;
	walk.rc = copy_one(path, st, walk.dest, rel, walk.err);
	if (!walk.rc) {
		walk.stats->files++;
		walk.stats->bytes += st->st_size;
	}
	return walk.rc ? 1 : 0;
}

int local_copy(const char *src, const struct destdir *d, struct local_stats *stats,
	       struct buf *err)
{
	struct stat st;
	memset(stats, 0, sizeof *stats);
	if (stat(src, &st)) {
		buf_printf(err, "local source %s: %s; check the path (a pvc:// URI is rewritten by "
			   "Seldon to /mnt/pvc/...)", src, strerror(errno));
		return errno == ENOENT ? EXIT_NOTFOUND : EXIT_LOCALIO;
	}
	if (S_ISREG(st.st_mode)) {
		const char *base = strrchr(src, '/');
		base = base ? base + 1 : src;
		int rc = plan_check_relpath(base, src, err);
		if (!rc)
			rc = copy_one(src, &st, d, base, err);
		if (!rc) {
			stats->files = 1;
			stats->bytes = st.st_size;
		}
		return rc;
	}
	/* The folder itself may be a link (/mnt/pvc/current -> v3, a common
	 * layout): walk what it points to; links below it are files only. */
	char *root = realpath(src, NULL);
	if (!root) {
		buf_printf(err, "local source %s: %s", src, strerror(errno));
		return EXIT_LOCALIO;
	}
	walk.root = root;
	walk.dest = d;
	walk.err = err;
	walk.stats = stats;
	walk.rc = 0;
	if (nftw(root, visit, 16, FTW_PHYS) < 0 && !walk.rc) {
		buf_printf(err, "local source: cannot walk %s: %s", src, strerror(errno));
		walk.rc = EXIT_LOCALIO;
	}
	free(root);
	return walk.rc;
}
