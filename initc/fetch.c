/* The download engine; see fetch.h for what it promises. */
#include "fetch.h"
#include "digest.h"
#include "fsutil.h"
#include "hasher.h"
#include "exitcode.h"
#include "http.h"
#include "log.h"
#include "s3_list.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

#define TEMP_SUFFIX ".initc.partial"
#define ERROR_BODY_MAX (64 * 1024)
#define CURL_BUFFER (256 * 1024)
/* Files this large get their MD5 on a second thread; for smaller ones the
 * thread would cost more than hashing inline. */
#define THREAD_MD5_MIN (32LL << 20)
/* Files this large have their space reserved when they are opened. */
#define PREALLOC_MIN (1LL << 20)
/* Smallest ranged part: below this a request costs more than it splits. */
#define MIN_PART (256LL << 10)

enum part_state { PART_QUEUED, PART_ACTIVE, PART_DONE };

struct file_job;

struct part {
	struct file_job *file;
	long long start;        /* offset in the file */
	long long len;          /* bytes this part covers, -1 unknown (http) */
	long long received;     /* bytes written so far, kept across retries */
	int attempts;
	long long not_before;   /* monotonic ms: backoff before the next try */
	enum part_state state;
	/* the attempt under way */
	CURL *easy;
	struct curl_slist *headers;
	int ranged;             /* a Range header was sent */
	int checked;            /* status and Content-Range looked at */
	long status;
	int fail_code;          /* set by a callback that aborted the transfer */
	int fail_retryable;
	int range_ignored;      /* server answered 200 to a range request */
	long long idle_ms;      /* RCLONE_TIMEOUT; 0 = none */
	long long last_data_ms; /* monotonic ms of the last byte (or the start) */
	curl_off_t last_dlnow;
	struct buf fail;
	struct buf error_body;
	char content_range[128];
	char errbuf[CURL_ERROR_SIZE];
};

struct file_job {
	struct item *item;
	char *final_path;
	char *temp_path;
	int fd;                 /* -1 until the first part starts */
	struct part *parts;
	int nparts;
	int parts_left;
	int parts_active;       /* attempts under way: at most e->parts_per_file */
	int frontier;           /* first part not yet complete, for the hasher */
	EVP_MD_CTX *md5;        /* inline MD5; NULL when not checked or threaded */
	long long hashed;       /* bytes hashed inline from offset 0, in order */
	int thread_md5;         /* check the MD5 on a hasher thread */
	struct hasher *hasher;  /* running while the file is open */
	int finished;
};

struct engine {
	const struct globals *g;
	const struct s3_target *t;
	const char *bucket;
	const char *dest;
	CURLM *multi;
	struct file_job *files;
	size_t nfiles;
	struct part **queue;
	size_t nqueue;
	size_t first_open;      /* queue entries before this are done */
	int active;
	int fatal;
	struct buf *err;
	struct fetch_stats *stats;
	long long bytes_total;
	long long started_ms;
	long long last_progress_ms;
	char *made_dir;         /* last directory created, to skip mkdir calls */
	long pid;               /* in temporary names: getpid() is a system call */
	int parts_per_file;     /* parts of one file under way at once: STREAMS, at least 1 */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int fetch_etag_is_md5(const char *etag)
{
	if (strlen(etag) != 32)
		return 0;
	for (int i = 0; i < 32; i++)
		if (!isxdigit((unsigned char)etag[i]))
			return 0;
	return 1;
}

/* ---- failure bookkeeping ------------------------------------------------ */

static void fail_part(struct part *p, int code, int retryable, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail_part(struct part *p, int code, int retryable, const char *fmt, ...)
{
	va_list ap;
	if (p->fail_code)
		return; /* keep the first reason */
	p->fail_code = code;
	p->fail_retryable = retryable;
	buf_reset(&p->fail);
	va_start(ap, fmt);
	buf_vprintf(&p->fail, fmt, ap);
	va_end(ap);
}

static void engine_fail(struct engine *e, int code, const char *what)
{
	if (e->fatal)
		return;
	e->fatal = code;
	buf_reset(e->err);
	buf_adds(e->err, what);
}

/* ---- local files ---------------------------------------------------------- */

/* mkdir -p for the parent of path (which lies below e->dest). */
static int make_parent(struct engine *e, const char *path)
{
	char *dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));

	if (e->made_dir && !strcmp(e->made_dir, dir)) {
		free(dir);
		return 0;
	}
	if (mkdir_p(dir, 0755)) {
		char *what = xasprintf("cannot create folder %s: %s", dir, strerror(errno));
		engine_fail(e, EXIT_LOCALIO, what);
		free(what);
		free(dir);
		return -1;
	}
	free(e->made_dir);
	e->made_dir = dir;
	return 0;
}

/* Reserve a large file's blocks before its first byte, so a full disk
 * fails now, plainly, rather than after gigabytes. File systems without
 * fallocate (EOPNOTSUPP) just write as the bytes come. */
static int reserve_space(int fd, long long size)
{
	if (size < PREALLOC_MIN || !fallocate(fd, 0, 0, size))
		return 0;
	return errno == EOPNOTSUPP || errno == ENOSYS ? 0 : -1;
}

static int open_file(struct engine *e, struct file_job *f)
{
	if (make_parent(e, f->final_path))
		return -1;
	f->fd = open(f->temp_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f->fd < 0 || reserve_space(f->fd, f->item->size)) {
		char *what = xasprintf("cannot write %s: %s", f->final_path, strerror(errno));
		engine_fail(e, EXIT_LOCALIO, what);
		free(what);
		return -1;
	}
	if (f->thread_md5 && !(f->hasher = hasher_start(f->fd))) {
		f->md5 = EVP_MD_CTX_new(); /* no thread: hash inline instead */
		EVP_DigestInit_ex(f->md5, EVP_md5(), NULL);
	}
	return 0;
}

static void discard_file(struct file_job *f)
{
	hasher_abort(f->hasher);
	f->hasher = NULL;
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
		unlink(f->temp_path);
	}
}

/* Hash what is on disk past the MD5 frontier, in order, as far as the
 * parts have received contiguous bytes. Later writes at the frontier are
 * hashed straight from the network buffer instead. */
static int hash_catch_up(struct file_job *f)
{
	static unsigned char chunk[CURL_BUFFER];
	while (f->md5) {
		struct part *p = NULL;
		for (int i = 0; i < f->nparts && !p; i++)
			if (f->hashed >= f->parts[i].start &&
			    (f->parts[i].len < 0 || f->hashed < f->parts[i].start + f->parts[i].len))
				p = &f->parts[i];
		if (!p)
			return 0;
		long long avail = p->start + p->received - f->hashed;
		if (avail <= 0)
			return 0;
		size_t want = avail < (long long)sizeof chunk ? (size_t)avail : sizeof chunk;
		ssize_t got = pread(f->fd, chunk, want, f->hashed);
		if (got <= 0)
			return -1;
		EVP_DigestUpdate(f->md5, chunk, (size_t)got);
		f->hashed += got;
	}
	return 0;
}

/* Bytes from offset 0 that are on disk without a gap. Parts are
 * contiguous and a part's bytes arrive in order, so this is where the
 * first incomplete part has got to; the frontier only moves forward. */
static long long contiguous_bytes(struct file_job *f)
{
	while (f->frontier < f->nparts - 1 &&
	       f->parts[f->frontier].received == f->parts[f->frontier].len)
		f->frontier++;
	const struct part *p = &f->parts[f->frontier];
	return p->start + p->received;
}

/* The MD5 of the finished file as hex: 1 when there is one, 0 when the
 * ETag is no MD5, -1 when the file could not be read back. */
static int file_md5(struct file_job *f, char hex[33])
{
	if (f->hasher) {
		int rc = hasher_finish(f->hasher, f->item->size, hex);
		f->hasher = NULL;
		return rc ? -1 : 1;
	}
	if (!f->md5)
		return 0;
	if (hash_catch_up(f))
		return -1;
	unsigned char md[16];
	unsigned int mdlen = 16;
	EVP_DigestFinal_ex(f->md5, md, &mdlen);
	hex_lower(md, 16, hex);
	return 1;
}

/* All parts are in: check, stamp and move the file to its final name. */
static void finish_file(struct engine *e, struct file_job *f)
{
	struct item *it = f->item;
	char *what = NULL;
	struct stat st;

	char hex[33];
	int md5 = file_md5(f, hex);

	if (md5 < 0 || fstat(f->fd, &st)) {
		what = xasprintf("cannot read back %s: %s", f->temp_path, strerror(errno));
		engine_fail(e, EXIT_LOCALIO, what);
	} else if (it->size >= 0 && st.st_size != it->size) {
		what = xasprintf("%s: got %lld bytes, the listing says %lld", it->key,
				 (long long)st.st_size, it->size);
		engine_fail(e, EXIT_INTEGRITY, what);
	} else if (md5 > 0) {
		if (strcasecmp(hex, it->etag)) {
			what = xasprintf("%s: MD5 of the downloaded bytes is %s but the ETag says %s: "
					 "the object changed during the download or was corrupted; run "
					 "again", it->key, hex, it->etag);
			engine_fail(e, EXIT_INTEGRITY, what);
		}
	}
	if (!what && it->mtime) {
		struct timespec times[2] = { { it->mtime, 0 }, { it->mtime, 0 } };
		futimens(f->fd, times);
	}
	if (!what && (close(f->fd) || rename(f->temp_path, f->final_path))) {
		f->fd = -1;
		what = xasprintf("cannot move %s into place: %s", f->final_path, strerror(errno));
		engine_fail(e, EXIT_LOCALIO, what);
		unlink(f->temp_path);
	} else if (!what) {
		f->fd = -1;
		f->finished = 1;
		e->stats->files++;
		log_kv(LOG_DEBUG, "file complete", "path=%s bytes=%lld md5=%s", log_q(it->rel),
		       (long long)st.st_size, md5 > 0 ? "checked" : "not-available");
	}
	free(what);
}

/* ---- callbacks -------------------------------------------------------------- */

static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
	struct part *p = arg;
	size_t len = size * n;
	if (len > 5 && !strncmp(line, "HTTP/", 5)) {
		p->content_range[0] = '\0'; /* a new response (after 100, redirects) */
	} else if (len > 14 && !strncasecmp(line, "content-range:", 14)) {
		const char *v = line + 14;
		while (*v == ' ')
			v++;
		size_t vlen = strcspn(v, "\r\n");
		if (vlen >= sizeof p->content_range)
			vlen = sizeof p->content_range - 1;
		memcpy(p->content_range, v, vlen);
		p->content_range[vlen] = '\0';
	}
	return len;
}

/* A 206 must cover exactly the bytes asked for, of an object of the size
 * the listing gave: rclone's s3 backend does not check this, we do. */
static int check_content_range(struct part *p)
{
	long long first, last, total, want_first = p->start + p->received;
	long long want_last = p->len >= 0 ? p->start + p->len - 1 : -1;
	long long size = p->file->item->size;

	if (sscanf(p->content_range, "bytes %lld-%lld/%lld", &first, &last, &total) != 3 ||
	    first != want_first || (want_last >= 0 && last != want_last) ||
	    (size >= 0 && total != size)) {
		char last_text[24] = "";
		if (want_last >= 0)
			snprintf(last_text, sizeof last_text, "%lld", want_last);
		fail_part(p, EXIT_INTEGRITY, 1, "%s: asked for bytes %lld-%s, the server sent "
			  "Content-Range \"%s\"", p->file->item->key, want_first, last_text,
			  p->content_range);
		return -1;
	}
	return 0;
}

static int check_response(struct part *p)
{
	curl_off_t clen = -1;
	curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &p->status);
	curl_easy_getinfo(p->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen);
	if (p->status < 200 || p->status >= 300)
		return 0; /* the body is an error document: collected, not written */
	if (p->ranged && p->status == 206)
		return check_content_range(p);
	if (p->ranged) { /* 200: the whole object, whatever we asked */
		int whole = p->start + p->received == 0 &&
			    (p->len < 0 || p->len == p->file->item->size);
		if (!whole) {
			p->range_ignored = 1;
			fail_part(p, EXIT_INTEGRITY, 1, "%s: the server ignored the Range header "
				  "(HTTP 200 to a ranged GET); continuing with one stream",
				  p->file->item->key);
			return -1;
		}
		p->ranged = 0;
	}
	if (p->len < 0 && clen >= 0) { /* http source: the size is known now */
		p->len = clen;
		p->file->item->size = clen;
	} else if (p->len >= 0 && clen >= 0 && clen != p->len - p->received) {
		fail_part(p, EXIT_INTEGRITY, 1, "%s: Content-Length is %lld, expected %lld",
			  p->file->item->key, (long long)clen, p->len - p->received);
		return -1;
	}
	return 0;
}

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct part *p = arg;
	struct file_job *f = p->file;
	size_t len = size * n;

	if (!p->checked) {
		if (check_response(p))
			return 0;
		p->checked = 1;
	}
	if (p->status < 200 || p->status >= 300) {
		if (p->error_body.len < ERROR_BODY_MAX)
			buf_add(&p->error_body, data, len);
		return len;
	}
	if (p->len >= 0 && (long long)len > p->len - p->received) {
		fail_part(p, EXIT_INTEGRITY, 1, "%s: the server sent more bytes than asked for",
			  f->item->key);
		return 0;
	}
	long long off = p->start + p->received;
	for (size_t done = 0; done < len;) {
		ssize_t w = pwrite(f->fd, data + done, len - done, off + (long long)done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fail_part(p, EXIT_LOCALIO, 0, "cannot write %s: %s", f->final_path,
				  strerror(errno));
			return 0;
		}
		done += (size_t)w;
	}
	if (f->md5 && off == f->hashed) {
		EVP_DigestUpdate(f->md5, data, len);
		f->hashed += (long long)len;
	}
	p->received += (long long)len;
	if (f->hasher)
		hasher_advance(f->hasher, contiguous_bytes(f));
	return len;
}

/* RCLONE_TIMEOUT is an idle timeout: an attempt that gets no byte for that
 * long is broken. curl's low-speed check averages the rate over several
 * seconds, so a stall right after a burst would outlast the timeout. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct part *p = arg;
	long long now = now_ms();
	(void)dltotal, (void)ultotal, (void)ulnow;
	if (dlnow != p->last_dlnow) {
		p->last_dlnow = dlnow;
		p->last_data_ms = now;
	} else if (p->idle_ms > 0 && now - p->last_data_ms >= p->idle_ms) {
		fail_part(p, EXIT_NETWORK, 1, "%s: no data for %lld s (RCLONE_TIMEOUT)",
			  p->file->item->key, (p->idle_ms + 999) / 1000);
		return 1; /* abort the transfer: retried like a reset */
	}
	return 0;
}

/* ---- starting and ending requests ---------------------------------------- */

static void build_headers(struct engine *e, struct part *p, struct buf *url, struct hdrs *out)
{
	struct item *it = p->file->item;
	struct hdrs extra = { 0 };
	long long from = p->start + p->received;
	int whole = from == 0 && (p->len < 0 || p->len == it->size);
	char range[64];

	p->ranged = !whole && !(p->len == 0);
	if (p->ranged) {
		if (p->len >= 0)
			snprintf(range, sizeof range, "bytes=%lld-%lld", from, p->start + p->len - 1);
		else
			snprintf(range, sizeof range, "bytes=%lld-", from);
		hdrs_set(&extra, "range", range);
	}
	if (e->t) {
		struct s3_request req;
		s3_request_build(e->t, "GET", e->bucket, it->key, NULL, 0, &extra, 1, &req);
		buf_add(url, req.url.data, req.url.len);
		*out = req.headers;
		buf_free(&req.url);
		hdrs_free(&extra);
	} else {
		buf_adds(url, it->key);
		*out = extra;
	}
}

static void start_part(struct engine *e, struct part *p)
{
	struct file_job *f = p->file;
	struct buf url = BUF_INIT;
	struct hdrs headers = { 0 };

	if (f->fd < 0 && open_file(e, f))
		return;
	build_headers(e, p, &url, &headers);
	p->headers = http_header_list(&headers);
	hdrs_free(&headers);
	p->checked = 0;
	p->status = 0;
	p->fail_code = 0;
	p->range_ignored = 0;
	p->content_range[0] = '\0';
	p->errbuf[0] = '\0';
	p->idle_ms = e->g->timeout_ms;
	p->last_data_ms = now_ms();
	p->last_dlnow = 0;
	buf_reset(&p->error_body);
	f->parts_active++;
	p->easy = curl_easy_init();
	http_easy_setup(p->easy, e->g, e->t ? e->t->insecure : 0);
	curl_easy_setopt(p->easy, CURLOPT_URL, url.data);
	curl_easy_setopt(p->easy, CURLOPT_HTTPHEADER, p->headers);
	curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(p->easy, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(p->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(p->easy, CURLOPT_HEADERDATA, p);
	curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
	curl_easy_setopt(p->easy, CURLOPT_ERRORBUFFER, p->errbuf);
	curl_easy_setopt(p->easy, CURLOPT_BUFFERSIZE, (long)CURL_BUFFER);
	curl_easy_setopt(p->easy, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(p->easy, CURLOPT_XFERINFODATA, p);
	curl_easy_setopt(p->easy, CURLOPT_NOPROGRESS, 0L);
	if (!e->t) /* plain http sources may redirect; S3 never should */
		curl_easy_setopt(p->easy, CURLOPT_FOLLOWLOCATION, 1L);
	curl_multi_add_handle(e->multi, p->easy);
	p->state = PART_ACTIVE;
	e->active++;
	buf_free(&url);
}

static void stop_part(struct engine *e, struct part *p)
{
	curl_multi_remove_handle(e->multi, p->easy);
	curl_easy_cleanup(p->easy);
	curl_slist_free_all(p->headers);
	p->easy = NULL;
	p->headers = NULL;
	p->file->parts_active--;
	e->active--;
}

/* The server ignores ranges: fetch this file again as one stream. */
static void restart_single_stream(struct engine *e, struct file_job *f)
{
	for (int i = 0; i < f->nparts; i++)
		if (f->parts[i].state == PART_ACTIVE)
			stop_part(e, &f->parts[i]);
	for (int i = 1; i < f->nparts; i++) {
		f->parts[i].state = PART_DONE; /* folded into part 0 */
		f->parts[i].received = 0;
		buf_free(&f->parts[i].fail); /* teardown sees only part 0 now */
		buf_free(&f->parts[i].error_body);
	}
	f->parts[0].len = f->item->size;
	f->parts[0].received = 0;
	f->parts[0].state = PART_QUEUED;
	f->nparts = 1;
	f->parts_left = 1;
	f->frontier = 0;
	f->hashed = 0;
	if (f->md5)
		EVP_DigestInit_ex(f->md5, EVP_md5(), NULL);
	if (f->hasher) { /* what it hashed may be overwritten: start over */
		hasher_abort(f->hasher);
		if (!(f->hasher = hasher_start(f->fd))) {
			f->md5 = EVP_MD_CTX_new();
			EVP_DigestInit_ex(f->md5, EVP_md5(), NULL);
		}
	}
	/* part 0 may have been done already, and the queue scan moved past it */
	e->first_open = 0;
}

/* Classify a finished attempt: 0 success, else fills p->fail_*. */
static int attempt_outcome(struct part *p, CURLcode result)
{
	if (p->fail_code)
		return -1;
	if (result != CURLE_OK) {
		int tls = http_is_tls_error(result);
		fail_part(p, EXIT_NETWORK, !tls, "%s: %s%s", p->file->item->key,
			  p->errbuf[0] ? p->errbuf : curl_easy_strerror(result), tls ? HTTP_TLS_HINT : "");
		return -1;
	}
	if (p->status < 200 || p->status >= 300) {
		struct s3_error se = { BUF_INIT, BUF_INIT };
		int retryable;
		s3_parse_error(p->error_body.data, p->error_body.len, &se);
		int code = s3_error_class((int)p->status, se.code.len ? se.code.data : NULL, &retryable);
		fail_part(p, code, retryable, "GET %s: HTTP %ld%s%s%s%s", p->file->item->key, p->status,
			  se.code.len ? " " : "", se.code.len ? se.code.data : "",
			  se.message.len ? ": " : "", se.message.len ? se.message.data : "");
		s3_error_free(&se);
		return -1;
	}
	if (p->len >= 0 && p->received != p->len) {
		fail_part(p, EXIT_NETWORK, 1, "%s: the body ended after %lld of %lld bytes",
			  p->file->item->key, p->received, p->len);
		return -1;
	}
	return 0;
}

static void part_done(struct engine *e, struct part *p, CURLcode result)
{
	struct file_job *f = p->file;
	if (!p->checked && result == CURLE_OK && !check_response(p))
		p->checked = 1; /* an empty body never reached on_data */
	stop_part(e, p);
	if (!attempt_outcome(p, result)) {
		p->state = PART_DONE;
		if (--f->parts_left == 0)
			finish_file(e, f);
		else if (hash_catch_up(f)) {
			char *what = xasprintf("cannot read back %s for its MD5: %s", f->temp_path,
					       strerror(errno));
			engine_fail(e, EXIT_LOCALIO, what);
			free(what);
		}
		return;
	}
	if (!p->fail_retryable || p->attempts + 1 >= e->g->retries) {
		const char *hint = http_hint(p->fail_code);
		char *what = xasprintf("%s (after %d attempt%s)%s%s", p->fail.data, p->attempts + 1,
				       p->attempts ? "s" : "", hint ? "; " : "", hint ? hint : "");
		engine_fail(e, p->fail_code, what);
		free(what);
		return;
	}
	p->attempts++;
	e->stats->retries++;
	long wait = http_backoff_ms(p->attempts - 1);
	p->not_before = now_ms() + wait;
	p->state = PART_QUEUED;
	log_kv(LOG_WARN, "retrying", "path=%s attempt=%d resume_at=%lld wait_ms=%ld reason=%s",
	       log_q(f->item->rel), p->attempts, p->start + p->received, wait, log_q(p->fail.data));
	if (p->range_ignored)
		restart_single_stream(e, f);
}

/* ---- the loop ----------------------------------------------------------------- */

static void start_ready_parts(struct engine *e)
{
	long long now = now_ms();
	while (e->first_open < e->nqueue && e->queue[e->first_open]->state == PART_DONE)
		e->first_open++;
	for (size_t i = e->first_open; i < e->nqueue && e->active < e->g->transfers && !e->fatal; i++) {
		struct part *p = e->queue[i];
		if (p->state == PART_QUEUED && p->not_before <= now &&
		    p->file->parts_active < e->parts_per_file)
			start_part(e, p);
	}
}

static void collect_done(struct engine *e)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(e->multi, &left))) {
		struct part *p = NULL;
		if (msg->msg != CURLMSG_DONE)
			continue;
		CURLcode result = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&p);
		part_done(e, p, result);
	}
}

static long long bytes_received(const struct engine *e)
{
	long long done = 0;
	for (size_t i = 0; i < e->nqueue; i++)
		done += e->queue[i]->received;
	return done;
}

/* A progress line every INITC_PROGRESS_INTERVAL; called from the loop. */
static void log_progress(struct engine *e)
{
	long long now = now_ms();
	if (e->g->progress_ms <= 0 || now - e->last_progress_ms < e->g->progress_ms)
		return;
	long long done = bytes_received(e);
	e->last_progress_ms = now;
	double secs = (double)(now - e->started_ms) / 1000.0;
	log_kv(LOG_INFO, "progress", "bytes=%lld total=%lld files_done=%lld rate_mbs=%.1f", done,
	       e->bytes_total, e->stats->files, secs > 0 ? (double)done / secs / 1e6 : 0.0);
}

static int all_done(struct engine *e)
{
	for (size_t i = e->first_open; i < e->nqueue; i++)
		if (e->queue[i]->state != PART_DONE)
			return 0;
	return 1;
}

static void run_loop(struct engine *e)
{
	while (!e->fatal) {
		int running = 0;
		start_ready_parts(e);
		if (!e->active && all_done(e))
			break;
		curl_multi_perform(e->multi, &running);
		collect_done(e);
		start_ready_parts(e); /* refill freed slots before waiting */
		if (e->active)
			curl_multi_poll(e->multi, NULL, 0, 100, NULL);
		else if (!e->fatal && !all_done(e))
			usleep(20000); /* everything left is waiting out a backoff */
		log_progress(e);
	}
}

/* ---- setup and teardown ------------------------------------------------------- */

/* Bytes per ranged part of an object of this size; the whole size when it
 * is not split. A split object has at least `streams` parts, none larger
 * than the chunk size: parts are fetched in order, `streams` at a time,
 * so the bytes without a gap from offset 0 (what the MD5 thread can hash)
 * trail the newest bytes by a few chunks, and the hash is ready soon
 * after the last byte instead of a whole part later. Parts are at least
 * MIN_PART, and every part is non-empty. */
static long long part_size(const struct globals *g, long long size)
{
	long long n = g->streams;
	if (size < 0 || g->cutoff < 0 || size <= g->cutoff)
		return size;
	if (n > size / MIN_PART)
		n = size / MIN_PART;
	if (n < 2)
		return size;
	long long chunk = (size + n - 1) / n;
	if (chunk > g->chunk)
		chunk = g->chunk > MIN_PART ? g->chunk : MIN_PART;
	return chunk;
}

static int parts_for(const struct globals *g, long long size)
{
	long long chunk = part_size(g, size);
	return chunk <= 0 || chunk >= size ? 1 : (int)((size + chunk - 1) / chunk);
}

static void setup_file(struct engine *e, struct file_job *f, struct item *it, size_t index)
{
	f->item = it;
	f->fd = -1;
	f->final_path = xasprintf("%s/%s", e->dest, it->rel);
	/* beside the final file, never mistaken for it, unique per run */
	char *slash = strrchr(f->final_path, '/');
	f->temp_path = xasprintf("%.*s/.%zu.%ld%s", (int)(slash - f->final_path), f->final_path,
				 index, e->pid, TEMP_SUFFIX);
	f->nparts = parts_for(e->g, it->size);
	f->parts_left = f->nparts;
	f->parts = xcalloc((size_t)f->nparts, sizeof *f->parts);
	int check_md5 = fetch_etag_is_md5(it->etag) && !e->g->ignore_checksum;
	if (check_md5 && it->size >= THREAD_MD5_MIN) {
		f->thread_md5 = 1;
	} else if (check_md5) {
		f->md5 = EVP_MD_CTX_new();
		EVP_DigestInit_ex(f->md5, EVP_md5(), NULL);
	}
	long long chunk = it->size >= 0 ? part_size(e->g, it->size) : -1;
	for (int i = 0; i < f->nparts; i++) {
		struct part *p = &f->parts[i];
		p->file = f;
		p->start = chunk < 0 ? 0 : chunk * i;
		p->len = chunk < 0 ? -1 : (i == f->nparts - 1 ? it->size - p->start : chunk);
		e->queue[e->nqueue++] = p;
	}
}

static void teardown(struct engine *e)
{
	for (size_t i = 0; i < e->nfiles; i++) {
		struct file_job *f = &e->files[i];
		for (int j = 0; j < f->nparts; j++) {
			struct part *p = &f->parts[j];
			if (p->state == PART_ACTIVE)
				stop_part(e, p);
			buf_free(&p->fail);
			buf_free(&p->error_body);
		}
		if (!f->finished)
			discard_file(f);
		EVP_MD_CTX_free(f->md5);
		free(f->parts);
		free(f->final_path);
		free(f->temp_path);
	}
	free(e->files);
	free(e->queue);
	free(e->made_dir);
	curl_multi_cleanup(e->multi);
}

int fetch_run(const struct globals *g, const struct s3_target *t, const char *bucket,
	      struct plan *p, const char *dest, struct fetch_stats *st, struct buf *err)
{
	struct engine e = { .g = g, .t = t, .bucket = bucket, .dest = dest, .err = err, .stats = st,
			    .pid = (long)getpid(), .parts_per_file = g->streams > 1 ? (int)g->streams : 1 };
	size_t nparts = 0;

	memset(st, 0, sizeof *st);
	for (size_t i = 0; i < p->n; i++)
		nparts += p->v[i].skip ? 0 : (size_t)parts_for(g, p->v[i].size);
	e.files = xcalloc(p->n, sizeof *e.files);
	e.queue = xcalloc(nparts, sizeof *e.queue);
	e.multi = curl_multi_init();
	curl_multi_setopt(e.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)g->transfers);
	for (size_t i = 0; i < p->n; i++)
		if (!p->v[i].skip)
			setup_file(&e, &e.files[e.nfiles++], &p->v[i], i);
	e.bytes_total = p->bytes;
	e.started_ms = e.last_progress_ms = now_ms();

	run_loop(&e);

	st->bytes = bytes_received(&e);
	st->seconds = (double)(now_ms() - e.started_ms) / 1000.0;
	teardown(&e);
	return e.fatal;
}

/* ---- leftovers of killed runs -------------------------------------------------- */

static int remove_if_temp(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	size_t len = strlen(path), slen = strlen(TEMP_SUFFIX);
	(void)sb;
	if (flag == FTW_F && len > slen && !strcmp(path + len - slen, TEMP_SUFFIX) &&
	    path[ftw->base] == '.')
		unlink(path);
	return 0;
}

void fetch_remove_stale(const char *dest)
{
	nftw(dest, remove_if_temp, 16, FTW_PHYS);
}
