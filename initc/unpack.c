/* Unpacking one downloaded archive into DEST; see unpack.h.
 *
 * libarchive reads the archive (any filter and format it knows); this
 * file decides what may be written, and writes it itself, because the
 * rules are stricter than archive_write_disk's:
 *  - names are relative, with no '..', no control characters, not too
 *    long; devices, FIFOs and sockets are refused; setuid/setgid/sticky
 *    bits are dropped (files get mode & 0755 | 0644, directories 0755);
 *  - no symlink is ever followed while writing: every path is walked one
 *    component at a time from a descriptor on DEST with O_NOFOLLOW, so an
 *    entry below a symlink is refused; symlink targets must stay inside
 *    DEST, checked by name when the link is made and, once everything is
 *    unpacked, by following each link through the tree as the kernel
 *    would (catching chains of links); hard links may only point at a
 *    regular file this archive already unpacked;
 *  - nothing is half-done: a file is written under a temporary name in
 *    its final directory and renamed when complete; everything created
 *    is remembered and removed again if any entry fails. The folder
 *    written into is a fresh staging folder (unpacked.c), so nothing that
 *    was in DEST before is ever replaced here.
 *
 * Exit codes:
 *  EXIT_UNSAFE     an entry would escape or overwrite DEST, or is a
 *                  device/FIFO/socket;
 *  EXIT_INTEGRITY  corrupt or truncated archive, and also the bomb guard
 *                  (more than max_total_bytes or max_entries): the archive
 *                  is at fault, not the disk, and retrying cannot help;
 *  EXIT_LOCALIO    DEST cannot be written (ENOSPC, EROFS, EACCES...);
 *  EXIT_USAGE      INITC_MAX_UNPACK_BYTES / _ENTRIES is not a valid number.
 */
#include "unpack.h"
#include "destdir.h"
#include "exitcode.h"
#include "log.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define ENV_MAX_BYTES "INITC_MAX_UNPACK_BYTES"
#define ENV_MAX_ENTRIES "INITC_MAX_UNPACK_ENTRIES"
#define DEFAULT_MAX_BYTES (64LL << 30)
#define DEFAULT_MAX_ENTRIES 1000000LL
#define COPY_BLOCK (64 * 1024)
#define MAX_LINK_HOPS 40        /* the kernel's own limit (MAXSYMLINKS) */

/* Suffixes accepted in INITC_MAX_UNPACK_BYTES: binary multiples, any case. */
static const struct size_suffix {
	const char *suffix;
	int shift;
} size_suffixes[] = {
	{ "", 0 }, { "B", 0 },
	{ "K", 10 }, { "Ki", 10 }, { "KiB", 10 },
	{ "M", 20 }, { "Mi", 20 }, { "MiB", 20 },
	{ "G", 30 }, { "Gi", 30 }, { "GiB", 30 },
	{ "T", 40 }, { "Ti", 40 }, { "TiB", 40 },
};

static const char *const archive_suffixes[] = {
	".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz",
	".tar.zst", ".zip",
};

/* Something this unpack created, to look up (hard links, replacing a
 * duplicate entry) and to remove again on failure. */
struct made {
	char *path;     /* relative to DEST, canonical: "a/b/c" */
	mode_t type;    /* S_IFREG, S_IFDIR or S_IFLNK */
};

struct unpack {
	struct archive *ar;
	const char *archive_path;
	const char *dest_dir;
	int dest_fd;
	const struct unpack_limits *lim;
	struct made **made;     /* in creation order */
	size_t nmade, capmade;
	void *index;            /* tsearch tree over made, by path */
	long long entries, files, bytes;
	int utf8;               /* names decoded in a UTF-8 locale */
	char *block;            /* COPY_BLOCK bytes */
	struct buf *err;
};

typedef int (*put_fn)(struct unpack *u, struct archive_entry *e, const char *path);
static int put_file(struct unpack *u, struct archive_entry *e, const char *path);
static int put_dir(struct unpack *u, struct archive_entry *e, const char *path);
static int put_symlink(struct unpack *u, struct archive_entry *e, const char *path);

/* Entry types; put == NULL means a model has no business holding one. */
static const struct entry_kind {
	mode_t type;
	const char *what;
	put_fn put;
} entry_kinds[] = {
	{ AE_IFREG, "regular file", put_file },
	{ AE_IFDIR, "directory", put_dir },
	{ AE_IFLNK, "symbolic link", put_symlink },
	{ AE_IFCHR, "character device", NULL },
	{ AE_IFBLK, "block device", NULL },
	{ AE_IFIFO, "FIFO", NULL },
	{ AE_IFSOCK, "socket", NULL },
};

/* ---- limits ---------------------------------------------------------- */

/* A positive decimal number, with one of size_suffixes when sizes is set. */
static int parse_limit(const char *s, int sizes, long long *out)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || v <= 0)
		return -1;
	for (size_t i = 0; i < sizeof size_suffixes / sizeof size_suffixes[0]; i++) {
		const struct size_suffix *sf = &size_suffixes[i];
		if ((sizes || !*sf->suffix) && !strcasecmp(end, sf->suffix)) {
			if (v > (LLONG_MAX >> sf->shift))
				return -1;
			*out = v << sf->shift;
			return 0;
		}
	}
	return -1;
}

/* An unset or empty variable means the default (Kubernetes secrets often
 * carry empty keys). err may be NULL. */
static int limit_from_env(const char *var, long long def, int sizes,
			  long long *out, struct buf *err)
{
	const char *s = getenv(var);

	*out = def;
	if (!s || !*s || !parse_limit(s, sizes, out))
		return 0;
	if (err)
		buf_printf(err, "%s=%s is not %s", var, log_q(s), sizes ?
			   "a positive size: use bytes or a suffix K, M, G, T (binary), e.g. 500M or 10G" :
			   "a positive whole number of entries, e.g. 200000");
	return EXIT_USAGE;
}

/* A bad variable leaves -1, which unpack_archive reports as EXIT_USAGE
 * (this function cannot fail: its signature is the interface). */
void unpack_default_limits(struct unpack_limits *lim)
{
	if (limit_from_env(ENV_MAX_BYTES, DEFAULT_MAX_BYTES, 1, &lim->max_total_bytes, NULL))
		lim->max_total_bytes = -1;
	if (limit_from_env(ENV_MAX_ENTRIES, DEFAULT_MAX_ENTRIES, 0, &lim->max_entries, NULL))
		lim->max_entries = -1;
}

static int check_limits(const struct unpack_limits *lim, struct buf *err)
{
	long long v;

	if (lim->max_total_bytes <= 0 &&
	    limit_from_env(ENV_MAX_BYTES, DEFAULT_MAX_BYTES, 1, &v, err))
		return EXIT_USAGE;
	if (lim->max_entries <= 0 &&
	    limit_from_env(ENV_MAX_ENTRIES, DEFAULT_MAX_ENTRIES, 0, &v, err))
		return EXIT_USAGE;
	if (lim->max_total_bytes <= 0 || lim->max_entries <= 0) {
		buf_printf(err, "unpack limits must be positive (got %lld bytes, %lld entries)",
			   lim->max_total_bytes, lim->max_entries);
		return EXIT_USAGE;
	}
	return 0;
}

int unpack_is_archive(const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < sizeof archive_suffixes / sizeof archive_suffixes[0]; i++) {
		size_t slen = strlen(archive_suffixes[i]);
		if (len > slen && !strcasecmp(name + len - slen, archive_suffixes[i]))
			return 1;
	}
	return 0;
}

/* ---- errors ---------------------------------------------------------- */

static int fail(struct unpack *u, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct unpack *u, int code, const char *fmt, ...)
{
	va_list ap;

	buf_printf(u->err, "archive %s: ", log_q(u->archive_path));
	va_start(ap, fmt);
	buf_vprintf(u->err, fmt, ap);
	va_end(ap);
	return code;
}

/* A name for a message: quoted when needed, cut when very long. Two
 * buffers, as one message may show two names (log_q may return its
 * argument unchanged). */
static const char *shown(const char *name)
{
	static _Thread_local char cut[2][128];
	static _Thread_local int next;
	char *c = cut[next++ % 2];

	if (strlen(name) < sizeof cut[0])
		return log_q(name);
	snprintf(c, sizeof cut[0], "%.*s...", (int)sizeof cut[0] - 4, name);
	return log_q(c);
}

static int fail_entry(struct unpack *u, int code, const char *path, const char *why)
{
	return fail(u, code, "entry %s %s", shown(path), why);
}

static int fail_write(struct unpack *u, const char *path, int errnum)
{
	return fail(u, EXIT_LOCALIO, "cannot write %s/%s: %s; check free space and that %s is writable",
		    u->dest_dir, path, strerror(errnum), u->dest_dir);
}

static int fail_bomb(struct unpack *u)
{
	return fail(u, EXIT_INTEGRITY, "unpacks to more than %lld bytes, stopped; if the model "
		    "really is that big, raise %s", u->lim->max_total_bytes, ENV_MAX_BYTES);
}

static int fail_archive(struct unpack *u)
{
	const char *msg = archive_error_string(u->ar);
	return fail(u, EXIT_INTEGRITY, "corrupt or truncated: %s; upload it again",
		    msg ? msg : "unknown libarchive error");
}

/* ---- what we made ---------------------------------------------------- */

static int made_cmp(const void *a, const void *b)
{
	return strcmp(((const struct made *)a)->path, ((const struct made *)b)->path);
}

static struct made *made_find(struct unpack *u, const char *path)
{
	struct made key = { (char *)path, 0 };
	void *hit = tfind(&key, &u->index, made_cmp);
	return hit ? *(struct made **)hit : NULL;
}

static void made_add(struct unpack *u, const char *path, mode_t type)
{
	struct made *m = xmalloc(sizeof *m);

	m->path = xstrdup(path);
	m->type = type;
	if (u->nmade == u->capmade) {
		u->capmade = u->capmade ? 2 * u->capmade : 64;
		u->made = xrealloc(u->made, u->capmade * sizeof *u->made);
	}
	u->made[u->nmade++] = m;
	if (!tsearch(m, &u->index, made_cmp)) {
		fputs("level=error msg=\"out of memory\"\n", stderr);
		exit(EXIT_INTERNAL);
	}
}

/* Undo in reverse order, so directories are empty when removed. */
static void rollback(struct unpack *u)
{
	for (size_t i = u->nmade; i-- > 0;) {
		const struct made *m = u->made[i];
		int flags = m->type == S_IFDIR ? AT_REMOVEDIR : 0;
		if (unlinkat(u->dest_fd, m->path, flags) < 0 && errno != ENOENT)
			log_kv(LOG_WARN, "cannot remove partly unpacked entry", "path=%s error=%s",
			       log_q(m->path), log_q(strerror(errno)));
	}
}

static void made_free_node(void *p) { (void)p; }

static void made_free(struct unpack *u)
{
	tdestroy(u->index, made_free_node);
	for (size_t i = 0; i < u->nmade; i++) {
		free(u->made[i]->path);
		free(u->made[i]);
	}
	free(u->made);
}

/* ---- names ----------------------------------------------------------- */

/* Canonical relative form of an archive name ("./a//b/" -> "a/b"), or
 * NULL with why set. The empty result is DEST itself. */
static char *clean_name(const struct unpack *u, const char *raw, const char **why)
{
	struct buf out = BUF_INIT;
	const char *p = raw;

	if (*raw == '/') {
		*why = "is an absolute path; archives for initc must hold paths relative to the model folder";
		return NULL;
	}
	for (const char *c = raw; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			*why = "has a control character in its name; rename it";
			return NULL;
		}
	buf_adds(&out, "");   /* never NULL, even for "./" */
	while (*p) {
		size_t len = strcspn(p, "/");
		if (len == 2 && !strncmp(p, "..", 2)) {
			*why = "has a '..' component and would escape DEST; repack with paths inside the model folder";
			buf_free(&out);
			return NULL;
		}
		if (len > NAME_MAX) {
			*why = "has a name component longer than 255 bytes; shorten it";
			buf_free(&out);
			return NULL;
		}
		if (destdir_reserved_name(p, len)) {
			*why = "has a name initc keeps for itself in DEST (.initc*); rename it";
			buf_free(&out);
			return NULL;
		}
		if (len && !(len == 1 && *p == '.')) {
			if (out.len)
				buf_addc(&out, '/');
			buf_add(&out, p, len);
		}
		p += len;
		p += *p == '/';
	}
	if (strlen(u->dest_dir) + 1 + out.len >= PATH_MAX) {
		*why = "makes a path longer than PATH_MAX below DEST; shorten it";
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out);
}

/* Last component of a canonical path. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* ---- walking DEST without following links ---------------------------- */

/* Why opening the directory prefix (relative to DEST) failed with errnum. */
static int fail_open(struct unpack *u, const char *path, const char *prefix, int errnum)
{
	struct stat st;

	if ((errnum == ELOOP || errnum == ENOTDIR) &&
	    !fstatat(u->dest_fd, prefix, &st, AT_SYMLINK_NOFOLLOW)) {
		if (S_ISLNK(st.st_mode))
			return fail(u, EXIT_UNSAFE, "entry %s lies below %s, which is a symbolic link; "
				    "initc never follows links while unpacking", shown(path), shown(prefix));
		return fail(u, EXIT_UNSAFE, "entry %s lies below %s, which is not a directory",
			    shown(path), shown(prefix));
	}
	return fail_write(u, prefix, errnum);
}

/* Open the directory made of the first len bytes of path (relative to
 * DEST, len 0 = DEST itself), one component at a time, never following a
 * symlink; with create, make missing directories (0755, remembered). */
static int open_dir(struct unpack *u, const char *path, size_t len, int create, int *out)
{
	char *prefix = xstrndup(path, len);
	int cur = dup(u->dest_fd), rc = 0;
	size_t pos = 0;

	if (cur < 0) {
		free(prefix);
		return fail_write(u, ".", errno);
	}
	while (pos < len) {
		size_t clen = strcspn(prefix + pos, "/");
		char *comp = xstrndup(prefix + pos, clen);
		int made = 0, fd;

		prefix[pos + clen] = '\0';
		fd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create) {
			if (mkdirat(cur, comp, 0755) == 0) {
				made_add(u, prefix, S_IFDIR);
				made = 1;
			} else if (errno != EEXIST) {
				rc = fail_write(u, prefix, errno);
			}
			if (!rc)
				fd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					    O_CLOEXEC);
		}
		if (fd < 0 && !rc)
			rc = fail_open(u, path, prefix, errno);
		else if (made && fchmod(fd, 0755) < 0)
			rc = fail_write(u, prefix, errno);
		free(comp);
		close(cur);
		cur = fd;
		if (rc)
			break;
		if (pos + clen < len)
			prefix[pos + clen] = '/';
		pos += clen + 1;
	}
	free(prefix);
	if (rc) {
		if (cur >= 0)
			close(cur);
		return rc;
	}
	*out = cur;
	return 0;
}

static int open_parent(struct unpack *u, const char *path, int create, int *out)
{
	const char *base = base_name(path);
	return open_dir(u, path, base > path ? (size_t)(base - path - 1) : 0, create, out);
}

/* May an entry be written at path (whose parent is dfd)? Only where
 * nothing is, or over a regular file this archive wrote itself (tar
 * archives may hold a file twice; the later one wins). */
static int check_free(struct unpack *u, int dfd, const char *path, int may_replace)
{
	const struct made *m;
	struct stat st;

	if (fstatat(dfd, base_name(path), &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : fail_write(u, path, errno);
	m = made_find(u, path);
	if (!m)
		return fail_entry(u, EXIT_UNSAFE, path, "would replace a file that was in DEST "
				  "before unpacking; unpack into an empty directory");
	if (may_replace && m->type == S_IFREG && S_ISREG(st.st_mode))
		return 0;
	return fail_entry(u, EXIT_UNSAFE, path, "appears twice with different types; "
			  "initc refuses to replace one kind of entry by another");
}

/* Create a temporary entry in dfd under destdir's random temporary names
 * (the sweep knows them), retried on the unlikely clash: a new file open
 * in *fd, or, when fd is NULL, a hard link to tbase in tfd. */
static int make_temp(struct unpack *u, int dfd, const char *path, char *name, size_t size,
		     int *fd, int tfd, const char *tbase)
{
	for (int tries = 0; tries < 16; tries++) {
		int ok;

		destdir_random_name(name, size, DESTDIR_TEMP_PREFIX, DESTDIR_TEMP_SUFFIX);
		if (fd)
			ok = (*fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
					   O_CLOEXEC, 0600)) >= 0;
		else
			ok = linkat(tfd, tbase, dfd, name, 0) == 0;
		if (ok)
			return 0;
		if (errno != EEXIST)
			return fail_write(u, path, errno);
	}
	return fail_write(u, path, EEXIST);
}

/* ---- entries --------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy the entry's data into fd, counting it against the bomb guard. */
static int copy_data(struct unpack *u, int fd, const char *path)
{
	for (;;) {
		la_ssize_t n = archive_read_data(u->ar, u->block, COPY_BLOCK);
		if (n == 0)
			return 0;
		if (n < 0)
			return fail_archive(u);
		if (n > u->lim->max_total_bytes - u->bytes)
			return fail_bomb(u);
		u->bytes += n;
		if (write_all(fd, u->block, (size_t)n) < 0)
			return fail_write(u, path, errno);
	}
}

static int finish_file(struct unpack *u, struct archive_entry *e, int fd, const char *path)
{
	mode_t mode = (archive_entry_perm(e) & 0755) | 0644;
	struct timespec times[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };

	if (archive_entry_mtime_is_set(e)) {
		times[1].tv_sec = archive_entry_mtime(e);
		times[1].tv_nsec = archive_entry_mtime_nsec(e);
	}
	if (fchmod(fd, mode) < 0 || futimens(fd, times) < 0)
		return fail_write(u, path, errno);
	return 0;
}

static int put_file(struct unpack *u, struct archive_entry *e, const char *path)
{
	char tmp[64];
	int dfd, fd = -1, rc;

	if (archive_entry_size_is_set(e) &&
	    archive_entry_size(e) > u->lim->max_total_bytes - u->bytes)
		return fail_bomb(u);
	rc = open_parent(u, path, 1, &dfd);
	if (rc)
		return rc;
	rc = check_free(u, dfd, path, 1);
	if (!rc)
		rc = make_temp(u, dfd, path, tmp, sizeof tmp, &fd, -1, NULL);
	if (!rc) {
		rc = copy_data(u, fd, path);
		if (!rc)
			rc = finish_file(u, e, fd, path);
		if (close(fd) < 0 && !rc)
			rc = fail_write(u, path, errno);
		if (!rc && renameat(dfd, tmp, dfd, base_name(path)) < 0)
			rc = fail_write(u, path, errno);
		if (rc)
			unlinkat(dfd, tmp, 0);
	}
	close(dfd);
	if (rc)
		return rc;
	if (!made_find(u, path))
		made_add(u, path, S_IFREG);
	u->files++;
	return 0;
}

static int put_dir(struct unpack *u, struct archive_entry *e, const char *path)
{
	int fd, rc;

	(void)e;
	rc = open_dir(u, path, strlen(path), 1, &fd);
	if (!rc)
		close(fd);
	return rc;
}

/* Does target, read from a link in directory dir, stay inside DEST by
 * its name alone? Chains through other links are checked at the end. */
static int target_stays_inside(const char *dir, const char *target)
{
	long depth = 0;

	for (const char *p = dir; *p; p += strcspn(p, "/"), p += *p == '/')
		depth++;
	for (const char *p = target; *p; p += strcspn(p, "/"), p += *p == '/') {
		size_t len = strcspn(p, "/");
		if (len == 2 && !strncmp(p, "..", 2)) {
			if (--depth < 0)
				return 0;
		} else if (len && !(len == 1 && *p == '.')) {
			depth++;
		}
	}
	return 1;
}

static int put_symlink(struct unpack *u, struct archive_entry *e, const char *path)
{
	const char *target = archive_entry_symlink(e);
	char *dir = xstrndup(path, (size_t)(base_name(path) - path));
	int inside, dfd, rc;

	if (!target)
		target = archive_entry_symlink_utf8(e);
	if (!target || !*target) {
		free(dir);
		return fail_entry(u, EXIT_INTEGRITY, path, "is a symbolic link without a target");
	}
	inside = *target != '/' && target_stays_inside(dir, target);
	free(dir);
	if (!inside)
		return fail(u, EXIT_UNSAFE, "entry %s is a symbolic link to %s, outside DEST; "
			    "links in a model must point inside the model folder",
			    shown(path), shown(target));
	rc = open_parent(u, path, 1, &dfd);
	if (rc)
		return rc;
	rc = check_free(u, dfd, path, 0);
	if (!rc && symlinkat(target, dfd, base_name(path)) < 0)
		rc = fail_write(u, path, errno);
	close(dfd);
	if (!rc)
		made_add(u, path, S_IFLNK);
	return rc;
}

static int put_hardlink(struct unpack *u, const char *path, const char *raw_target)
{
	const char *why = NULL;
	char *target = clean_name(u, raw_target, &why);
	const struct made *m = target ? made_find(u, target) : NULL;
	char tmp[64];
	int dfd, tfd, rc;

	if (!m || m->type != S_IFREG) {
		rc = fail(u, EXIT_UNSAFE, "entry %s is a hard link to %s, which is not a file "
			  "unpacked earlier from this archive", shown(path), shown(raw_target));
		free(target);
		return rc;
	}
	rc = open_parent(u, path, 1, &dfd);
	if (!rc) {
		rc = open_parent(u, target, 0, &tfd);
		if (!rc) {
			rc = check_free(u, dfd, path, 1);
			if (!rc)
				rc = make_temp(u, dfd, path, tmp, sizeof tmp, NULL,
					       tfd, base_name(target));
			if (!rc) {
				if (renameat(dfd, tmp, dfd, base_name(path)) < 0)
					rc = fail_write(u, path, errno);
				/* rename() does nothing when both names are
				 * links to one file (a link listed twice). */
				unlinkat(dfd, tmp, 0);
			}
			close(tfd);
		}
		close(dfd);
	}
	free(target);
	if (rc)
		return rc;
	if (!made_find(u, path))
		made_add(u, path, S_IFREG);
	u->files++;
	return 0;
}

static const struct entry_kind *kind_of(mode_t type)
{
	for (size_t i = 0; i < sizeof entry_kinds / sizeof entry_kinds[0]; i++)
		if (entry_kinds[i].type == type)
			return &entry_kinds[i];
	return NULL;
}

static int put_entry(struct unpack *u, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e), *why = NULL, *hardlink;
	const struct entry_kind *kind = kind_of(archive_entry_filetype(e));
	char *path;
	int rc;

	if (!raw)
		raw = archive_entry_pathname_utf8(e);
	if (!raw)
		return fail(u, EXIT_INTEGRITY, "entry %lld has a name that cannot be decoded%s",
			    u->entries, u->utf8 ? "" : " (no UTF-8 locale: install C.utf8, "
			    "e.g. /usr/lib/locale/C.utf8, in the image)");
	path = clean_name(u, raw, &why);
	if (!path)
		return fail_entry(u, EXIT_UNSAFE, raw, why);
	hardlink = archive_entry_hardlink(e);
	if (!hardlink)
		hardlink = archive_entry_hardlink_utf8(e);
	if (!*path && (hardlink || !kind || kind->type != AE_IFDIR))
		rc = fail_entry(u, EXIT_UNSAFE, raw, "names DEST itself but is not a directory");
	else if (!*path)
		rc = 0;    /* "./": DEST exists already */
	else if (hardlink)
		rc = put_hardlink(u, path, hardlink);
	else if (!kind)
		rc = fail_entry(u, EXIT_UNSAFE, raw, "has an unknown file type");
	else if (!kind->put)
		rc = fail(u, EXIT_UNSAFE, "entry %s is a %s; a model holds only files, "
			  "directories and links", shown(raw), kind->what);
	else
		rc = kind->put(u, e, path);
	free(path);
	return rc;
}

/* ---- links, once everything is there --------------------------------- */

/* Move the first component of todo ("a/b/c" -> "a") into comp. */
static void take_component(struct buf *todo, struct buf *comp)
{
	size_t len = strcspn(todo->data, "/");
	size_t skip = len + (todo->data[len] == '/');

	buf_reset(comp);
	buf_add(comp, todo->data, len);
	memmove(todo->data, todo->data + skip, todo->len - skip + 1);
	todo->len -= skip;
}

/* Replace the link at path by its target at the front of todo. */
static const char *splice_link(struct unpack *u, const char *path, struct buf *todo, int *hops)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(u->dest_fd, path, target, sizeof target - 1);
	char *rest;

	if (n < 0 || ++*hops > MAX_LINK_HOPS)
		return "loops or cannot be read";
	target[n] = '\0';
	if (*target == '/')
		return "leads to an absolute path through other links";
	rest = xstrdup(todo->data);
	buf_reset(todo);
	buf_printf(todo, "%s/%s", target, rest);
	free(rest);
	return NULL;
}

static int is_link(struct unpack *u, const char *path)
{
	struct stat st;
	return !fstatat(u->dest_fd, path, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode);
}

/* Follow the link at link_path through DEST as the kernel would: NULL
 * when it stays inside, else why not. done holds the resolved directory,
 * which never contains a link, so fstatat below it follows nothing. */
static const char *link_escapes(struct unpack *u, const char *link_path)
{
	struct buf done = BUF_INIT, todo = BUF_INIT, comp = BUF_INIT, cand = BUF_INIT;
	const char *why = NULL;
	int hops = 0;

	buf_add(&done, link_path, (size_t)(base_name(link_path) - link_path));
	if (done.len)
		done.data[--done.len] = '\0';
	buf_adds(&todo, "");
	buf_adds(&cand, link_path);
	for (;;) {
		if (cand.len) {
			why = splice_link(u, cand.data, &todo, &hops);
			buf_reset(&cand);
			if (why)
				break;
		}
		if (!todo.len)
			break;
		take_component(&todo, &comp);
		if (!comp.len || !strcmp(comp.data, "."))
			continue;
		if (!strcmp(comp.data, "..")) {
			char *slash = strrchr(done.data, '/');
			if (!done.len) {
				why = "leads outside DEST through other links";
				break;
			}
			done.len = slash ? (size_t)(slash - done.data) : 0;
			done.data[done.len] = '\0';
			continue;
		}
		buf_printf(&cand, "%s%s%s", done.data, done.len ? "/" : "", comp.data);
		if (is_link(u, cand.data))
			continue;
		buf_reset(&done);
		buf_add(&done, cand.data, cand.len);
		buf_reset(&cand);
	}
	buf_free(&done);
	buf_free(&todo);
	buf_free(&comp);
	buf_free(&cand);
	return why;
}

static int check_links(struct unpack *u)
{
	for (size_t i = 0; i < u->nmade; i++) {
		const char *why;
		if (u->made[i]->type != S_IFLNK)
			continue;
		why = link_escapes(u, u->made[i]->path);
		if (why)
			return fail(u, EXIT_UNSAFE, "symbolic link %s %s; links in a model "
				    "must point inside the model folder", shown(u->made[i]->path), why);
	}
	return 0;
}

/* ---- the whole archive ----------------------------------------------- */

static int read_all(struct unpack *u)
{
	struct archive_entry *e;
	int r, rc;

	while ((r = archive_read_next_header(u->ar, &e)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)   /* RETRY too: a damaged header */
			return fail_archive(u);
		if (r == ARCHIVE_WARN)
			log_kv(LOG_WARN, "archive warning", "archive=%s warning=%s",
			       log_q(u->archive_path), log_q(archive_error_string(u->ar)));
		if (++u->entries > u->lim->max_entries)
			return fail(u, EXIT_INTEGRITY, "holds more than %lld entries, stopped; if the "
				    "model really has that many files, raise %s",
				    u->lim->max_entries, ENV_MAX_ENTRIES);
		rc = put_entry(u, e);
		if (rc)
			return rc;
	}
	if (!u->files)
		return fail(u, EXIT_INTEGRITY, "holds no files; upload the model again");
	return check_links(u);
}

/* libarchive converts names to the current locale; in the C locale that
 * fails for UTF-8 names (zip drops them). Use a UTF-8 locale for this
 * thread only while unpacking; (locale_t)0 if none is installed. */
static locale_t utf8_locale(void)
{
	static const char *const names[] = { "C.UTF-8", "C.utf8", "en_US.UTF-8" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		locale_t loc = newlocale(LC_CTYPE_MASK, names[i], (locale_t)0);
		if (loc)
			return loc;
	}
	return (locale_t)0;
}

static int open_archive(struct unpack *u, int fd)
{
	u->ar = archive_read_new();
	if (!u->ar) {
		fputs("level=error msg=\"out of memory\"\n", stderr);
		exit(EXIT_INTERNAL);
	}
	archive_read_support_filter_all(u->ar);
	archive_read_support_format_all(u->ar);
	if (archive_read_open_fd(u->ar, fd, COPY_BLOCK) != ARCHIVE_OK)
		return fail_archive(u);
	return 0;
}

int unpack_archive(const char *archive_path, const char *dest_dir,
		   const struct unpack_limits *lim, struct buf *err)
{
	struct unpack u = { .archive_path = archive_path, .dest_dir = dest_dir,
			    .lim = lim, .err = err, .dest_fd = -1 };
	locale_t loc, old = (locale_t)0;
	int fd, rc;

	rc = check_limits(lim, err);
	if (rc)
		return rc;
	fd = open(archive_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(&u, EXIT_LOCALIO, "cannot open: %s", strerror(errno));
	u.dest_fd = open(dest_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (u.dest_fd < 0) {
		rc = fail(&u, EXIT_LOCALIO, "cannot open destination %s: %s", dest_dir,
			  strerror(errno));
		close(fd);
		return rc;
	}
	loc = utf8_locale();
	if (loc)
		old = uselocale(loc);
	u.utf8 = loc != (locale_t)0;
	u.block = xmalloc(COPY_BLOCK);
	rc = open_archive(&u, fd);
	if (!rc)
		rc = read_all(&u);
	if (rc)
		rollback(&u);
	else
		log_kv(LOG_INFO, "unpacked archive", "archive=%s files=%lld bytes=%lld",
		       log_q(archive_path), u.files, u.bytes);
	archive_read_free(u.ar);
	if (loc) {
		uselocale(old);
		freelocale(loc);
	}
	free(u.block);
	made_free(&u);
	close(u.dest_fd);
	close(fd);
	return rc;
}
