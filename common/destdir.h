/* The one way to write below DEST, used by downloads, local copies,
 * unpacking and the --fix writers.
 *
 * DEST is opened once as a directory; every path below it is opened
 * relative to that descriptor without ever following a symlink (openat2
 * with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS where the kernel has it, else
 * one component at a time with O_NOFOLLOW). A file is written under a
 * random temporary name created with O_EXCL in its final folder, so two
 * runs (two pods on one volume, each PID 1 in its own namespace) can never
 * share one, and it reaches its final name only by renameat when complete.
 * One lock file per DEST serialises runs; what a killed run left is swept
 * only by the holder of that lock. */
#ifndef COMMON_DESTDIR_H
#define COMMON_DESTDIR_H

#include <stddef.h>
#include <sys/stat.h>
#include "buf.h"

/* Names initc keeps in DEST itself; they start with '.', so servers that
 * scan for model folders or files pass over them. */
#define DESTDIR_LOCK_NAME ".initc.lock"
#define DESTDIR_TEMP_PREFIX ".initc-"
#define DESTDIR_TEMP_SUFFIX ".partial"
#define DESTDIR_STAGING_SUFFIX ".staging"

struct destdir {
	int fd;         /* the folder, opened once */
	char *path;     /* as the user gave it, for messages */
	int lock_fd;    /* DESTDIR_LOCK_NAME while held, else -1 */
};

/* Create path if missing (mkdir -p) and open it. 0, or EXIT_LOCALIO with
 * err saying what to mount there. */
int destdir_open(struct destdir *d, const char *path, struct buf *err);
/* Open the folder rel below parent as a destdir of its own (creating it
 * when create); same rules as destdir_dir. 0 or an exit code. */
int destdir_open_sub(struct destdir *sub, const struct destdir *parent, const char *rel,
		     int create, struct buf *err);
void destdir_close(struct destdir *d);

/* Take DEST's lock, waiting (and saying for whom) while another run
 * holds it; a DEST removed meanwhile is made again at its path. 0, or
 * EXIT_LOCALIO when the lock file cannot be made. */
int destdir_lock(struct destdir *d, struct buf *err);
void destdir_unlock(struct destdir *d);
/* Remove the lock file, then release it: DEST keeps nothing of initc's
 * (`initc rcd`, whose destination the Seldon agent moves whole into the
 * model folder). A run waiting on the removed file sees it is gone and
 * locks the new one (destdir_lock checks the inode it holds). */
void destdir_unlock_remove(struct destdir *d);

/* Does DEST hold nothing but its lock? Only the lock's holder may ask:
 * the answer says whether this run made everything now in it. */
int destdir_holds_only_lock(const struct destdir *d);
/* Remove everything in DEST but its lock, never following a symlink.
 * Only the lock's holder may call it. 0, or -1 with errno. */
int destdir_empty(const struct destdir *d);

/* Remove what killed runs left below DEST: temporary files and staging
 * folders. Only the lock's holder may call it. */
void destdir_sweep(const struct destdir *d);

/* Open the folder rel below DEST ("" is DEST itself) into *fd, never
 * following a symlink, creating missing folders (0755) when create. 0, or
 * an exit code with err naming the path and the cause: EXIT_UNSAFE for a
 * symlink in the way, EXIT_LOCALIO otherwise (a file in the way...). */
int destdir_dir(const struct destdir *d, const char *rel, int create, int *fd, struct buf *err);

/* lstat of rel below DEST, reaching it without following a symlink: 0
 * with st filled, -1 when nothing can be found there, or EXIT_UNSAFE with
 * err (may be NULL) naming the symlink on the way. */
int destdir_stat(const struct destdir *d, const char *rel, struct stat *st, struct buf *err);

/* A file being written below DEST. */
struct dest_file {
	int dirfd;          /* its final folder */
	int fd;             /* the temporary file, read-write; -1 once closed */
	char *rel;          /* final path below DEST, for messages */
	const char *base;   /* final name inside dirfd (points into rel) */
	char tmp[64];       /* temporary name inside dirfd */
};

/* Create a new temporary file for rel (folders made as needed). 0, or an
 * exit code with err filled. */
int dest_file_create(const struct destdir *d, const char *rel, struct dest_file *f,
		     struct buf *err);
/* Close it and move it to its final name, replacing a file there. 0, or
 * EXIT_LOCALIO with err filled (the temporary file is then removed). */
int dest_file_commit(struct dest_file *f, struct buf *err);
/* Close and remove the temporary file; safe to call twice. */
void dest_file_discard(struct dest_file *f);

/* rel written whole from data: a temporary file (mode 0644, synced), then
 * renamed into place. 0, or an exit code with err filled. */
int destdir_write_file(const struct destdir *d, const char *rel, const void *data, size_t len,
		       struct buf *err);
/* A small regular file in DEST itself (initc's own records) into out: 0,
 * -1 when there is none (or it is no regular file: a FIFO would block),
 * -2 when it is max bytes or more. Links are not followed. */
int destdir_read_file(const struct destdir *d, const char *name, size_t max, struct buf *out);

/* Remove name inside the folder dirfd, and everything below it when it is
 * a folder, never following a symlink. 0, or -1 with errno. */
int destdir_remove_at(int dirfd, const char *name);

/* Is this one path segment (len bytes) a name initc keeps for itself in
 * DEST: its lock, its archive record, a temporary or staging name? A key,
 * a local file or an archive entry with such a name is refused: written,
 * it would replace the lock or be swept away by the next run. */
int destdir_reserved_name(const char *segment, size_t len);

/* A name that no other run can pick: prefix, 16 random hex digits, suffix. */
void destdir_random_name(char *out, size_t size, const char *prefix, const char *suffix);

/* Give the regular file from_rel the second name to_rel (folders made as
 * needed), replacing a file there: a hard link made under a random
 * temporary name in to_rel's folder, then renamed into place; where the
 * file system refuses a link (EXDEV, EPERM, EMLINK), a copy (0644) through
 * dest_file_create. Follows no symlink, and refuses a from_rel that is
 * not a regular file itself. 0, or an exit code with err filled
 * (EXIT_UNSAFE for a symlink in the way, as destdir_dir). */
int dest_file_link(const struct destdir *d, const char *from_rel, const char *to_rel,
		   struct buf *err);

#endif
