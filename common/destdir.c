/* Writing below DEST; see destdir.h for the promises. */
#include "destdir.h"
#include "exitcode.h"
#include "fsutil.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define LEGACY_TEMP_SUFFIX ".initc.partial"   /* names of releases before the lock */
#define LEGACY_UNPACK_PREFIX ".initc-unpack-"

void destdir_random_name(char *out, size_t size, const char *prefix, const char *suffix)
{
	unsigned char raw[8];
	char hex[17];
	/* getrandom cannot fail for 8 bytes once the pool is ready; the clock
	 * and pid stand in only if it does (names are still O_EXCL-checked) */
	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		unsigned long long mix = (unsigned long long)ts.tv_nsec * 2654435761u ^
					 (unsigned long long)getpid() << 32 ^ (unsigned long long)ts.tv_sec;
		memcpy(raw, &mix, sizeof raw);
	}
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	snprintf(out, size, "%s%s%s", prefix, hex, suffix);
}

/* ---- opening folders without following links ------------------------------ */

/* The kernel resolves the whole path, refusing symlinks and escapes: one
 * system call instead of one per component. -1 with errno ENOSYS when the
 * kernel (or a seccomp filter) does not offer openat2. */
static int open_beneath(int root, const char *rel)
{
#ifdef SYS_openat2
	struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
					   RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof how);
	if (fd < 0 && (errno == EPERM || errno == EINVAL || errno == E2BIG))
		errno = ENOSYS; /* filtered or too old: walk instead */
	return fd;
#else
	(void)root, (void)rel;
	errno = ENOSYS;
	return -1;
#endif
}

/* Why a component could not be opened as a folder, for the message. */
static int explain(const struct destdir *d, int parent, const char *comp, const char *shown,
		   int errnum, struct buf *err)
{
	struct stat st;
	if (!fstatat(parent, comp, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode)) {
		buf_printf(err, "%s/%s is a symbolic link: initc never writes through a link in "
			   "DEST; remove it or use an empty folder", d->path, shown);
		return EXIT_UNSAFE;
	}
	if (errnum == ENOTDIR || (errnum == EEXIST && !S_ISDIR(st.st_mode)))
		buf_printf(err, "cannot create folder %s/%s: a file is in the way; remove it or use "
			   "an empty folder", d->path, shown);
	else
		buf_printf(err, "cannot open folder %s/%s: %s", d->path, shown, strerror(errnum));
	return EXIT_LOCALIO;
}

/* One component at a time from DEST, O_NOFOLLOW at every step. */
static int walk_beneath(const struct destdir *d, const char *rel, int create, int *code,
			struct buf *err)
{
	char *path = xstrdup(rel);
	int cur = dup(d->fd);
	size_t pos = 0, len = strlen(path);

	while (cur >= 0 && pos < len) {
		size_t clen = strcspn(path + pos, "/");
		char saved = path[pos + clen];
		path[pos + clen] = '\0';
		const char *comp = path + pos;
		int fd = openat(cur, comp, DIR_FLAGS);
		if (fd < 0 && errno == ENOENT && create &&
		    (!mkdirat(cur, comp, 0755) || errno == EEXIST))
			fd = openat(cur, comp, DIR_FLAGS);
		if (fd < 0)
			*code = explain(d, cur, comp, path, errno, err);
		close(cur);
		cur = fd;
		path[pos + clen] = saved;
		pos += clen + 1;
	}
	if (cur < 0 && !*code)
		*code = explain(d, d->fd, ".", ".", errno, err);
	free(path);
	return cur;
}

int destdir_dir(const struct destdir *d, const char *rel, int create, int *fd, struct buf *err)
{
	int code = 0;
	if (!*rel)
		rel = ".";
	*fd = open_beneath(d->fd, rel);
	if (*fd >= 0)
		return 0;
	if (errno == ELOOP || errno == EXDEV || errno == ENOTDIR || errno == ENOSYS ||
	    (errno == ENOENT && create)) {
		*fd = walk_beneath(d, rel, create, &code, err); /* says which component */
	} else {
		buf_printf(err, "cannot open folder %s/%s: %s", d->path, rel, strerror(errno));
		code = errno == ENOENT ? EXIT_NOTFOUND : EXIT_LOCALIO;
	}
	return *fd >= 0 ? 0 : code;
}

int destdir_stat(const struct destdir *d, const char *rel, struct stat *st, struct buf *err)
{
	const char *slash = strrchr(rel, '/');
	char *dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
	struct buf why = BUF_INIT;
	int fd, rc = destdir_dir(d, dir, 0, &fd, &why);
	free(dir);
	if (rc == EXIT_UNSAFE && err)
		buf_adds(err, why.data);
	buf_free(&why);
	if (rc)
		return rc == EXIT_UNSAFE ? rc : -1;
	rc = fstatat(fd, slash ? slash + 1 : rel, st, AT_SYMLINK_NOFOLLOW) ? -1 : 0;
	close(fd);
	return rc;
}

/* ---- DEST itself --------------------------------------------------------------- */

int destdir_open(struct destdir *d, const char *path, struct buf *err)
{
	d->path = xstrdup(path);
	d->lock_fd = -1;
	d->fd = -1;
	if (!mkdir_p(path, 0755))
		d->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd >= 0 && !faccessat(d->fd, ".", W_OK, AT_EACCESS))
		return 0;
	buf_printf(err, "destination %s is not a writable folder: %s; mount a writable volume "
		   "there (Seldon and KServe use an emptyDir at /mnt/models)", path, strerror(errno));
	return EXIT_LOCALIO;
}

int destdir_open_sub(struct destdir *sub, const struct destdir *parent, const char *rel,
		     int create, struct buf *err)
{
	sub->lock_fd = -1;
	sub->path = xasprintf("%s/%s", parent->path, rel);
	return destdir_dir(parent, rel, create, &sub->fd, err);
}

void destdir_close(struct destdir *d)
{
	destdir_unlock(d);
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	free(d->path);
	d->path = NULL;
}

/* ---- the lock ------------------------------------------------------------------- */

/* Who holds the lock, as its holder wrote it: "pid=1 host=pod-a since=...". */
static void read_holder(int fd, char *out, size_t size)
{
	ssize_t got = pread(fd, out, size - 1, 0);
	out[got > 0 ? got : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	for (char *c = out; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
	if (!*out)
		snprintf(out, size, "unknown");
}

static void write_holder(int fd)
{
	char host[256] = "", line[400], when[32];
	time_t now = time(NULL);
	struct tm tm;
	gethostname(host, sizeof host - 1);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	int n = snprintf(line, sizeof line, "pid=%ld host=%s since=%s\n", (long)getpid(), host, when);
	if (ftruncate(fd, 0) || pwrite(fd, line, (size_t)n, 0) != n)
		log_kv(LOG_DEBUG, "cannot note the lock holder", "error=%s", log_q(strerror(errno)));
}

/* Is fd still the file at DESTDIR_LOCK_NAME? A holder that removes the
 * lock file (destdir_unlock_remove) leaves waiters holding an unlinked
 * one: they must open the new file and wait again. */
static int lock_is_current(const struct destdir *d, int fd)
{
	struct stat held, named;
	return !fstat(fd, &held) && !fstatat(d->fd, DESTDIR_LOCK_NAME, &named, AT_SYMLINK_NOFOLLOW) &&
	       held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

/* Was DEST itself removed while we waited? A failed `initc rcd` copy
 * removes the folder it made once it let go of the lock. */
static int dest_removed(const struct destdir *d)
{
	struct stat st;
	return !fstat(d->fd, &st) && st.st_nlink == 0;
}

/* DEST made again at its path, for a run that waited on a removed one. */
static int dest_reopen(struct destdir *d)
{
	int fd;
	if (mkdir_p(d->path, 0755) || (fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	close(d->fd);
	d->fd = fd;
	log_kv(LOG_INFO, "destination removed while waiting for its lock; made again",
	       "dest=%s", log_q(d->path));
	return 0;
}

/* Open the lock file and wait for its flock. fd, or -1 with err filled. */
static int lock_once(struct destdir *d, struct buf *err)
{
	int fd = openat(d->fd, DESTDIR_LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENOENT && dest_removed(d) && !dest_reopen(d))
		fd = openat(d->fd, DESTDIR_LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		buf_printf(err, "cannot create the lock file %s/%s: %s; DEST must be a writable folder",
			   d->path, DESTDIR_LOCK_NAME, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		char holder[256];
		read_holder(fd, holder, sizeof holder);
		log_kv(LOG_WARN, "waiting for another initc run on the same destination",
		       "dest=%s holder=%s", log_q(d->path), log_q(holder));
		while (flock(fd, LOCK_EX) && errno == EINTR)
			;
		log_kv(LOG_INFO, "lock acquired", "dest=%s", log_q(d->path));
	}
	return fd;
}

int destdir_lock(struct destdir *d, struct buf *err)
{
	int fd;
	while ((fd = lock_once(d, err)) >= 0 && !lock_is_current(d, fd))
		close(fd); /* its holder removed it: lock the file now there */
	if (fd < 0)
		return EXIT_LOCALIO;
	write_holder(fd);
	d->lock_fd = fd;
	return 0;
}

void destdir_unlock(struct destdir *d)
{
	if (d->lock_fd < 0)
		return;
	close(d->lock_fd); /* releases the flock */
	d->lock_fd = -1;
}

/* fn on every entry of the folder dirfd but . .. and keep (NULL: none).
 * 0, or -1 when the folder cannot be read or fn failed on an entry. */
static int each_entry(int dirfd, const char *keep, int (*fn)(int dirfd, const char *name))
{
	int fd = openat(dirfd, ".", DIR_FLAGS);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int rc = 0;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    (!keep || strcmp(de->d_name, keep)) && fn(dirfd, de->d_name))
			rc = -1;
	closedir(dir);
	return rc;
}

static int entry_found(int dirfd, const char *name)
{
	(void)dirfd;
	(void)name;
	return -1;
}

int destdir_holds_only_lock(const struct destdir *d)
{
	return !each_entry(d->fd, DESTDIR_LOCK_NAME, entry_found);
}

int destdir_empty(const struct destdir *d)
{
	return each_entry(d->fd, DESTDIR_LOCK_NAME, destdir_remove_at);
}

void destdir_unlock_remove(struct destdir *d)
{
	if (d->lock_fd < 0)
		return;
	if (unlinkat(d->fd, DESTDIR_LOCK_NAME, 0) && errno != ENOENT)
		log_kv(LOG_WARN, "cannot remove the lock file", "dest=%s error=%s", log_q(d->path),
		       log_q(strerror(errno)));
	destdir_unlock(d);
}

/* ---- files ------------------------------------------------------------------------ */

int dest_file_create(const struct destdir *d, const char *rel, struct dest_file *f,
		     struct buf *err)
{
	const char *slash = strrchr(rel, '/');
	char *dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");

	memset(f, 0, sizeof *f);
	f->fd = -1;
	f->rel = xstrdup(rel);
	f->base = slash ? f->rel + (slash - rel) + 1 : f->rel;
	int code = destdir_dir(d, dir, 1, &f->dirfd, err);
	free(dir);
	if (code) {
		free(f->rel);
		memset(f, 0, sizeof *f);
		f->fd = f->dirfd = -1;
		return code;
	}
	for (int tries = 0; tries < 16 && f->fd < 0; tries++) {
		destdir_random_name(f->tmp, sizeof f->tmp, DESTDIR_TEMP_PREFIX, DESTDIR_TEMP_SUFFIX);
		f->fd = openat(f->dirfd, f->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			       0644);
		if (f->fd < 0 && errno != EEXIST)
			break;
	}
	if (f->fd >= 0)
		return 0;
	buf_printf(err, "cannot write %s/%s: %s", d->path, rel, strerror(errno));
	close(f->dirfd);
	free(f->rel);
	memset(f, 0, sizeof *f);
	f->fd = f->dirfd = -1;
	return EXIT_LOCALIO;
}

int dest_file_commit(struct dest_file *f, struct buf *err)
{
	int rc = 0;
	if (close(f->fd)) {
		buf_printf(err, "cannot write %s: %s", f->rel, strerror(errno));
		rc = EXIT_LOCALIO;
	}
	f->fd = -1;
	if (!rc && renameat(f->dirfd, f->tmp, f->dirfd, f->base)) {
		buf_printf(err, "cannot move %s into place: %s%s", f->rel, strerror(errno),
			   errno == EISDIR ? " (a folder of that name is in DEST)" : "");
		rc = EXIT_LOCALIO;
	}
	if (rc)
		unlinkat(f->dirfd, f->tmp, 0);
	f->tmp[0] = '\0';
	dest_file_discard(f);
	return rc;
}

void dest_file_discard(struct dest_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->dirfd >= 0 && f->tmp[0])
		unlinkat(f->dirfd, f->tmp, 0);
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f->rel);
	memset(f, 0, sizeof *f);
	f->fd = f->dirfd = -1;
}

int destdir_write_file(const struct destdir *d, const char *rel, const void *data, size_t len,
		       struct buf *err)
{
	struct dest_file f;
	int rc = dest_file_create(d, rel, &f, err);
	if (rc)
		return rc;
	ssize_t n = write(f.fd, data, len);
	if (n >= 0 && (size_t)n != len)
		errno = ENOSPC; /* a short write of a small file: the disk is full */
	if (n != (ssize_t)len || fchmod(f.fd, 0644) || fsync(f.fd)) {
		buf_printf(err, "cannot write %s/%s: %s", d->path, rel, strerror(errno));
		dest_file_discard(&f);
		return EXIT_LOCALIO;
	}
	return dest_file_commit(&f, err);
}

int destdir_read_file(const struct destdir *d, const char *name, size_t max, struct buf *out)
{
	int fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char chunk[4096];
	ssize_t got;
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		return -1;
	while ((got = read(fd, chunk, sizeof chunk)) > 0 && out->len < max)
		buf_add(out, chunk, (size_t)got);
	close(fd);
	return out->len >= max ? -2 : 0;
}

/* ---- removing ------------------------------------------------------------------- */

int destdir_remove_at(int dirfd, const char *name)
{
	if (!unlinkat(dirfd, name, 0) || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	int fd = openat(dirfd, name, DIR_FLAGS);
	int rc = fd >= 0 ? each_entry(fd, NULL, destdir_remove_at) : -1;
	if (fd >= 0)
		close(fd);
	if (!rc && unlinkat(dirfd, name, AT_REMOVEDIR))
		rc = -1;
	return rc;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

int destdir_reserved_name(const char *segment, size_t len)
{
	char name[256];
	if (len >= sizeof name)
		return 0;
	memcpy(name, segment, len);
	name[len] = '\0';
	/* every name initc makes starts ".initc" (lock, record, temporary and
	 * staging names) or ends ".initc.partial" (older releases) */
	return !strncmp(name, ".initc", 6) || (name[0] == '.' && ends_with(name, LEGACY_TEMP_SUFFIX));
}

static int is_leftover_file(const char *name)
{
	return (!strncmp(name, DESTDIR_TEMP_PREFIX, strlen(DESTDIR_TEMP_PREFIX)) &&
		ends_with(name, DESTDIR_TEMP_SUFFIX)) ||
	       (name[0] == '.' && ends_with(name, LEGACY_TEMP_SUFFIX)) ||
	       !strncmp(name, LEGACY_UNPACK_PREFIX, strlen(LEGACY_UNPACK_PREFIX));
}

static int is_leftover_dir(const char *name)
{
	return (!strncmp(name, DESTDIR_TEMP_PREFIX, strlen(DESTDIR_TEMP_PREFIX)) &&
		ends_with(name, DESTDIR_STAGING_SUFFIX)) ||
	       !strncmp(name, LEGACY_UNPACK_PREFIX, strlen(LEGACY_UNPACK_PREFIX));
}

/* readdir's type, asked of the inode where the file system leaves it out. */
static int is_dir_entry(int fd, const struct dirent *de)
{
	struct stat st;
	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return !fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode);
}

static void sweep_fd(int fd, int depth)
{
	DIR *dir = fdopendir(fd);
	struct dirent *de;
	if (!dir) {
		close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		const char *name = de->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		int is_dir = is_dir_entry(fd, de);
		if (is_dir && is_leftover_dir(name)) {
			destdir_remove_at(fd, name);
		} else if (is_dir && depth < 64) {
			int sub = openat(fd, name, DIR_FLAGS);
			if (sub >= 0)
				sweep_fd(sub, depth + 1);
		} else if (!is_dir && is_leftover_file(name)) {
			unlinkat(fd, name, 0);
		}
	}
	closedir(dir);
}

void destdir_sweep(const struct destdir *d)
{
	int fd = openat(d->fd, ".", DIR_FLAGS);
	if (fd >= 0)
		sweep_fd(fd, 0);
}

/* ---- a second name for a file ---------------------------------------------------- */

/* Open the folder of rel below DEST; *base is rel's last component. */
static int open_parent(const struct destdir *d, const char *rel, int create, int *dirfd,
		       const char **base, struct buf *err)
{
	const char *slash = strrchr(rel, '/');
	char *dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
	int code = destdir_dir(d, dir, create, dirfd, err);
	*base = slash ? slash + 1 : rel;
	free(dir);
	return code;
}

/* A link to a symlink would hand its target a name in DEST: only a
 * regular file may get a second name. */
static int check_regular(const struct destdir *d, int dirfd, const char *base, const char *rel,
			 struct buf *err)
{
	struct stat st;
	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW)) {
		buf_printf(err, "cannot read %s/%s: %s", d->path, rel, strerror(errno));
		return EXIT_LOCALIO;
	}
	if (S_ISLNK(st.st_mode)) {
		buf_printf(err, "%s/%s is a symbolic link: initc never links or copies through a link "
			   "in DEST; put the file itself there", d->path, rel);
		return EXIT_UNSAFE;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_printf(err, "%s/%s is not a regular file", d->path, rel);
		return EXIT_LOCALIO;
	}
	return 0;
}

/* Hard-link base under a fresh random name in to_dir, left in tmp (which
 * linkat, like O_EXCL, never lets replace a name already there). 0, or -1
 * with linkat's errno. */
static int link_temp(int from_dir, const char *base, int to_dir, char *tmp, size_t size)
{
	for (int tries = 0; tries < 16; tries++) {
		destdir_random_name(tmp, size, DESTDIR_TEMP_PREFIX, DESTDIR_TEMP_SUFFIX);
		if (!linkat(from_dir, base, to_dir, tmp, 0))
			return 0;
		if (errno != EEXIST)
			break;
	}
	tmp[0] = '\0';
	return -1;
}

/* Everything in to out. 0, or -1 with errno. */
static int copy_fd(int in, int out)
{
	char chunk[65536];
	for (;;) {
		ssize_t got = read(in, chunk, sizeof chunk), put = 0;
		if (got == 0)
			return 0;
		if (got < 0 && errno != EINTR)
			return -1;
		while (put < got) {
			ssize_t n = write(out, chunk + put, (size_t)(got - put));
			if (n < 0 && errno != EINTR)
				return -1;
			put += n > 0 ? n : 0;
		}
	}
}

/* The fallback where the file system refuses a second link. O_NOFOLLOW
 * again: the name may have become a symlink since check_regular. */
static int copy_file(const struct destdir *d, int from_dir, const char *base,
		     const char *from_rel, const char *to_rel, struct buf *err)
{
	struct dest_file f;
	int in = openat(from_dir, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0) {
		buf_printf(err, "cannot read %s/%s: %s", d->path, from_rel, strerror(errno));
		return errno == ELOOP ? EXIT_UNSAFE : EXIT_LOCALIO;
	}
	int code = dest_file_create(d, to_rel, &f, err);
	if (!code && (copy_fd(in, f.fd) || fchmod(f.fd, 0644) || fsync(f.fd))) {
		buf_printf(err, "cannot copy %s/%s to %s/%s: %s", d->path, from_rel, d->path, to_rel,
			   strerror(errno));
		code = EXIT_LOCALIO;
	}
	close(in);
	if (code)
		dest_file_discard(&f);
	else
		code = dest_file_commit(&f, err);
	return code;
}

/* Link (or copy) base in from_dir to to_rel, through a temporary name. */
static int link_into_place(const struct destdir *d, int from_dir, const char *base,
			   const char *from_rel, const char *to_rel, struct buf *err)
{
	const char *to_base;
	char tmp[64];
	int to_dir = -1, code = open_parent(d, to_rel, 1, &to_dir, &to_base, err);

	if (code)
		return code;
	if (link_temp(from_dir, base, to_dir, tmp, sizeof tmp)) {
		if (errno == EXDEV || errno == EPERM || errno == EMLINK) {
			code = copy_file(d, from_dir, base, from_rel, to_rel, err);
		} else {
			buf_printf(err, "cannot link %s/%s to %s/%s: %s", d->path, from_rel, d->path,
				   to_rel, strerror(errno));
			code = EXIT_LOCALIO;
		}
	} else if (renameat(to_dir, tmp, to_dir, to_base)) {
		buf_printf(err, "cannot move %s/%s into place: %s%s", d->path, to_rel,
			   strerror(errno), errno == EISDIR ? " (a folder of that name is in DEST)" : "");
		code = EXIT_LOCALIO;
	}
	/* also after success: rename(2) does nothing, leaving tmp, when to_rel
	 * already was a link to the same file */
	if (tmp[0])
		unlinkat(to_dir, tmp, 0);
	close(to_dir);
	return code;
}

int dest_file_link(const struct destdir *d, const char *from_rel, const char *to_rel,
		   struct buf *err)
{
	const char *base;
	int from_dir = -1, code = open_parent(d, from_rel, 0, &from_dir, &base, err);

	if (!code)
		code = check_regular(d, from_dir, base, from_rel, err);
	if (!code)
		code = link_into_place(d, from_dir, base, from_rel, to_rel, err);
	if (from_dir >= 0)
		close(from_dir);
	return code;
}
