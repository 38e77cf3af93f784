/* sync/copy and operations/purge of `initc rcd`. A copy is an initc
 * download with rclone's copy semantics: srcFs (a remote of the --config
 * file, or a connection string) into the local folder dstFs, created when
 * the source holds something, files DEST already holds complete skipped,
 * no archive unpacked, nothing of initc's left in dstFs. With INITC_SERVER
 * (or INITC_REQUIREMENTS) set, the copy is then verified as the init
 * container verifies, and a model the server cannot load fails the call
 * with the one-line reason (the agent shows it on the Model). Copies run at
 * once, one per connection thread; --max-buffer-memory bounds what their
 * transfers buffer, in FETCH_TRANSFER_BUFFERS units. */
#include "rcd.h"
#include "connstr.h"
#include "destdir.h"
#include "download.h"
#include "exitcode.h"
#include "fetch.h"
#include "globals.h"
#include "log.h"
#include "rclone_config.h"
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct globals base_globals;   /* rclone's and initc's variables, read once */
static struct verify_opts verify;     /* INITC_SERVER...; none set: no check */
static int verifying;

/* The buffer budget: transfers at once over all copies. */
static pthread_mutex_t budget_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t budget_freed = PTHREAD_COND_INITIALIZER;
static long long budget_total;        /* 0: no bound */
static long long budget_free;

int rcd_copy_init(const struct rcd_copy_opts *o, struct buf *err)
{
	int rc = globals_from_env(&base_globals, err);
	if (rc)
		return rc;
	base_globals.no_unpack = 1; /* rclone copies an archive as a file */
	if ((rc = verify_opts_from_env(&verify)) || (rc = verify_opts_check(&verify))) {
		buf_adds(err, "INITC_SERVER or INITC_REQUIREMENTS is not valid (see the line above)");
		return rc;
	}
	verifying = (verify.server && *verify.server) || (verify.requirements && *verify.requirements);
	if (o->max_buffer_memory > 0) {
		budget_total = o->max_buffer_memory / FETCH_TRANSFER_BUFFERS;
		if (budget_total < 1)
			budget_total = 1; /* one transfer at a time is the least a copy needs */
		budget_free = budget_total;
	}
	return 0;
}

/* Take up to want transfers from the budget, waiting for at least one;
 * the line logged says what the copy got and what all copies hold. */
static long long budget_take(const char *src_fs, long long want)
{
	long long got, held;
	if (!budget_total) {
		log_kv(LOG_INFO, "copy starting", "src=%s transfers=%lld", log_q(src_fs), want);
		return want;
	}
	pthread_mutex_lock(&budget_lock);
	if (budget_free < 1)
		log_kv(LOG_INFO, "copy waiting for buffer memory (--max-buffer-memory)",
		       "src=%s transfers_in_use=%lld", log_q(src_fs), budget_total);
	while (budget_free < 1)
		pthread_cond_wait(&budget_freed, &budget_lock);
	got = want < budget_free ? want : budget_free;
	budget_free -= got;
	held = budget_total - budget_free;
	pthread_mutex_unlock(&budget_lock);
	log_kv(LOG_INFO, "copy starting", "src=%s transfers=%lld transfers_in_use=%lld "
	       "transfers_max=%lld", log_q(src_fs), got, held, budget_total);
	return got;
}

static void budget_give(long long n)
{
	if (!budget_total)
		return;
	pthread_mutex_lock(&budget_lock);
	budget_free += n;
	pthread_cond_broadcast(&budget_freed);
	pthread_mutex_unlock(&budget_lock);
}

/* rclone's statuses for initc's exit codes: not found is 404, the rest a
 * failed call (a missing parameter is 400 before any of this runs). */
static int status_of(int exit_code)
{
	return exit_code == EXIT_NOTFOUND ? RCD_NOT_FOUND : RCD_FAILED;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct copy_call {
	const char *src_fs, *dst;
	int empty_dirs;   /* createEmptySrcDirs */
};

/* dstFs must be a local folder: the shared volume. */
static int local_dst(const char *dst, struct buf *err)
{
	if (!*dst || conn_remote_len(dst)) {
		buf_printf(err, "dstFs %s is not a local folder: initc rcd copies into the pod's volume "
			   "(the agent's /mnt/agent/rclone/...)", log_q(dst));
		return RCD_BAD_PARAM;
	}
	return 0;
}

/* rclone's createEmptySrcDirs: the source's folder markers as folders. */
static int make_empty_dirs(const struct plan *p, const struct destdir *d, struct buf *err)
{
	for (size_t i = 0; i < p->ndirs; i++) {
		int fd, rc = destdir_dir(d, p->dirs[i], 1, &fd, err);
		if (rc)
			return rc;
		close(fd);
	}
	return 0;
}

/* A local srcFs that is a file: rclone's sync/copy wants folders. */
static int local_file(const struct source *src)
{
	struct stat st;
	return src->kind == SOURCE_LOCAL && !stat(src->path, &st) && !S_ISDIR(st.st_mode);
}

/* A failed copy into a folder it made leaves no folder (the agent would
 * take a half copy for a model): its files go while it holds the lock,
 * so a copy waiting on that lock loses nothing, and the folder last,
 * once empty (that waiting copy makes it again; see destdir_lock). */
static void undo_copy(struct destdir *d)
{
	if (destdir_empty(d))
		log_kv(LOG_WARN, "cannot remove the failed copy", "dst=%s error=%s", log_q(d->path),
		       log_q(strerror(errno)));
	destdir_unlock_remove(d);
	if (rmdir(d->path) && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
		log_kv(LOG_WARN, "cannot remove the failed copy's folder", "dst=%s error=%s",
		       log_q(d->path), log_q(strerror(errno)));
}

/* Into DEST, under its lock; the lock file goes with the lock. */
static int copy_into(const struct globals *g, const struct source *src, struct download *dl,
		     const struct copy_call *call, struct buf *reason, struct buf *err)
{
	struct destdir d = { .fd = -1, .lock_fd = -1 };
	const char *dst = call->dst;
	int made_here = 0;
	int rc = destdir_open(&d, dst, err);
	if (!rc)
		rc = destdir_lock(&d, err);
	if (!rc) {
		destdir_sweep(&d);
		made_here = destdir_holds_only_lock(&d);
		rc = download_fetch(g, src, dl, &d, err);
	}
	if (!rc && call->empty_dirs)
		rc = make_empty_dirs(&dl->p, &d, err);
	if (!rc && verifying && (rc = verify_model_dir(dst, &verify, reason)))
		buf_printf(err, "the model cannot load on %s: %s",
			   verify.server && *verify.server ? verify.server : "this server",
			   reason->len ? reason->data : "see the sidecar's log");
	if (rc && made_here)
		undo_copy(&d);
	destdir_unlock_remove(&d);
	destdir_close(&d);
	return rc;
}

static int copy(const struct copy_call *call, struct buf *err)
{
	const char *src_fs = call->src_fs;
	struct globals g = base_globals;
	struct source src;
	struct download dl = { 0 };
	struct buf reason = BUF_INIT;
	int rc = source_parse(src_fs, &src, err);
	long long transfers = rc ? 0 : budget_take(src_fs, g.transfers);

	g.transfers = transfers;
	if (!rc && (rc = download_list(&g, &src, &dl, err)) == EXIT_NOTFOUND && dl.p.nothing_found) {
		log_kv(LOG_INFO, "nothing at the source: no destination made, as rclone does",
		       "src=%s", log_q(src_fs));
		buf_reset(err);
		rc = 0;
	} else if (!rc && (dl.p.single_object || local_file(&src))) {
		buf_printf(err, "is a file not a directory: srcFs %s names one object; rclone's "
			   "sync/copy (and the Seldon agent) want the folder that holds it", log_q(src_fs));
		rc = EXIT_USAGE;
	} else if (!rc) {
		rc = copy_into(&g, &src, &dl, call, &reason, err);
	}
	budget_give(transfers);
	download_free(&dl);
	source_free(&src);
	buf_free(&reason);
	return rc;
}

int rcd_sync_copy(json_t *in, json_t **out, struct buf *err)
{
	const char *src_fs, *dst;
	json_t *empty_dirs = json_object_get(in, "createEmptySrcDirs");
	int status = rcd_param_string(in, "srcFs", &src_fs, err);
	double started = now_seconds();
	int rc;

	if (!status)
		conn_register_secrets(src_fs); /* before anything can print it */
	if (!status)
		status = rcd_param_string(in, "dstFs", &dst, err);
	if (!status)
		status = local_dst(dst, err);
	int make_dirs = 0;
	if (!status && empty_dirs && !json_is_true(empty_dirs) && !json_is_false(empty_dirs) &&
	    (!json_is_string(empty_dirs) || parse_rclone_bool(json_string_value(empty_dirs), &make_dirs))) {
		buf_adds(err, "expecting bool value for key \"createEmptySrcDirs\"");
		status = RCD_BAD_PARAM;
	}
	if (status)
		return status;
	struct copy_call call = { src_fs, dst, json_is_true(empty_dirs) || make_dirs };
	rc = copy(&call, err);
	log_kv(rc ? LOG_ERROR : LOG_INFO, rc ? "copy failed" : "copy done",
	       "src=%s dst=%s seconds=%.2f exit_code=%d%s%s", log_q(src_fs), log_q(dst),
	       now_seconds() - started, rc, rc ? " reason=" : "", rc ? log_q(err->data ? err->data : "") : "");
	if (rc)
		return status_of(rc);
	*out = json_object();
	return RCD_OK;
}

static int is_root(const char *path)
{
	char *real = realpath(path, NULL);
	int root = real && !strcmp(real, "/");
	free(real);
	return root;
}

int rcd_operations_purge(json_t *in, json_t **out, struct buf *err)
{
	const char *fs, *remote = "";
	struct stat st;
	int status = rcd_param_string(in, "fs", &fs, err);
	char *path;

	if (!status)
		status = rcd_param_string(in, "remote", &remote, err);
	if (!status)
		status = local_dst(fs, err);
	if (!status && (strstr(remote, "..") || remote[0] == '/')) {
		buf_printf(err, "remote %s leaves fs: give a path below it", log_q(remote));
		status = RCD_BAD_PARAM;
	}
	if (status)
		return status;
	path = *remote ? xasprintf("%s/%s", fs, remote) : xstrdup(fs);
	if (lstat(path, &st)) {
		buf_printf(err, "directory not found: %s", path);
		status = RCD_NOT_FOUND;
	} else if (!S_ISDIR(st.st_mode)) {
		buf_printf(err, "is a file not a directory: %s", path);
		status = RCD_FAILED;
	} else if (is_root(path)) {
		buf_printf(err, "%s is the root folder: initc rcd purges model folders only", path);
		status = RCD_FAILED;
	} else if (destdir_remove_at(AT_FDCWD, path)) {
		buf_printf(err, "cannot purge %s: %s", path, strerror(errno));
		status = RCD_FAILED;
	} else {
		log_kv(LOG_INFO, "purged", "path=%s", log_q(path));
		*out = json_object();
		status = RCD_OK;
	}
	free(path);
	return status;
}
