/* The download engine; see fetch.h for what it promises. */
#include "fetch.h"
#include "checksum.h"
#include "hasher.h"
#include "exitcode.h"
#include "http.h"
#include "integrity.h"
#include "log.h"
#include "s3_error.h"
#include "s3_list.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ERROR_BODY_MAX (64 * 1024)
#define CURL_BUFFER FETCH_RECEIVE_BUFFER
#define CURL_MIN_BUFFER (16 * 1024)   /* libcurl's own default */
/* Files this large get their digest on a second thread; for smaller ones
 * the thread would cost more than hashing inline. */
#define THREAD_SUM_MIN (32LL << 20)
/* Files this large have their space reserved when they are opened. */
#define PREALLOC_MIN (1LL << 20)
/* Smallest ranged part: below this a request costs more than it splits. */
#define MIN_PART (256LL << 10)

enum part_state { PART_FREE, PART_QUEUED, PART_ACTIVE, PART_DONE };

struct file_job;

/* One request under way. Only these carry a curl handle and buffers: at
 * most RCLONE_TRANSFERS exist at once, whatever the number of objects. */
/* What libcurl's CURLOPT_PRIVATE points at: the first member of an
 * attempt and of a probe, so collect_done knows which finished. */
enum handle_kind { HANDLE_PART, HANDLE_PROBE };

/* The response headers the engine reads, one parser for every request. */
struct resp_headers {
	char content_range[128];
	char etag[160];         /* quoted as sent */
	char retry_after[64];
	struct hdrs amz;        /* x-amz-* headers: checksums, encryption */
};

struct attempt {
	enum handle_kind kind;  /* HANDLE_PART; first: CURLOPT_PRIVATE */
	struct engine *engine;
	struct part *part;
	CURL *easy;
	struct curl_slist *headers;
	int ranged;             /* a Range header was sent */
	int checked;            /* status and Content-Range looked at */
	long status;
	int fail_code;          /* set by a callback that aborted the transfer */
	int fail_retryable;
	int range_ignored;      /* server answered 200 to a range request */
	int changed;            /* 412, or another ETag than the one expected */
	long long idle_ms;      /* RCLONE_TIMEOUT; 0 = none */
	long long last_data_ms; /* monotonic ms of the last byte (or the start) */
	curl_off_t last_dlnow;
	struct buf fail;
	struct buf error_body;
	struct resp_headers h;
	char errbuf[CURL_ERROR_SIZE];
};

/* A byte range of a file, from its first request until the bytes before
 * it are complete too (then its slot is reused). */
struct part {
	struct file_job *file;
	long long start;        /* offset in the file */
	long long len;          /* bytes this part covers, -1 unknown (http) */
	long long received;     /* bytes written so far, kept across retries */
	int attempts;
	long long not_before;   /* monotonic ms: backoff before the next try */
	enum part_state state;
	struct attempt *at;     /* while PART_ACTIVE */
};

/* The HEAD that gives a split object its checksum, run in the loop beside
 * the object's first parts. */
struct probe {
	enum handle_kind kind;  /* HANDLE_PROBE; first: CURLOPT_PRIVATE */
	struct file_job *file;
	CURL *easy;
	struct curl_slist *headers;
	struct resp_headers h;
	char errbuf[CURL_ERROR_SIZE];
};

/* A file being written; exists from its first request to its rename. */
struct file_job {
	struct item *item;
	struct dest_file out;   /* the temporary file and its folder */
	long long chunk;        /* bytes per part (the whole size when not split) */
	long long nparts;
	long long next_part;    /* parts before this were started */
	long long folded;       /* parts before this are complete, bytes without gap */
	struct part *ring;      /* part k lives in ring[k % ring_size] */
	int ring_size;
	int parts_active;       /* attempts under way: at most e->parts_per_file */
	struct check check;     /* how the file is verified: chosen from the first whole
				   answer (a split object: from a HEAD), kept across retries */
	int chosen;             /* check is set */
	struct sum_ctx *sum;    /* inline digest; NULL when none or threaded */
	long long hashed;       /* bytes read back and hashed inline, from 0 */
	struct hasher *hasher;  /* the digest on a thread, while the file is open */
	struct probe *probe;    /* a split object's HEAD under way */
	int probe_attempts;     /* its failed attempts, counted like a part's */
	int probe_due;          /* it waits out a backoff until probe_not_before */
	long long probe_not_before;
	int restarted;          /* the object changed once already */
	int attempts;           /* failed attempts before a restart from zero */
	int single_stream;      /* the server ignores ranges: one GET of the whole */
	struct file_job *next;  /* files under way, in plan order */
	long long *bytes_done;  /* the engine's count, for progress lines */
};

struct engine {
	const struct globals *g;
	const struct s3_target *t;
	const char *bucket;
	const struct destdir *dest;
	CURLM *multi;
	struct plan *plan;
	size_t next_item;       /* items before this were opened or skipped */
	struct file_job *files; /* under way, in plan order */
	struct file_job **files_tail;
	int nfiles;             /* files under way: at most RCLONE_TRANSFERS */
	int active;             /* data requests: at most RCLONE_TRANSFERS */
	int probes;             /* HEADs in flight: one per split file at most */
	int fatal;
	struct buf *err;
	struct fetch_stats *stats;
	long long bytes_total;
	long long bytes_done;
	long long started_ms;
	long long last_progress_ms;
	int parts_per_file;     /* parts of one file under way at once: STREAMS, at least 1 */
	struct { char label[32]; long long n; } verified[16]; /* files per check */
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

static void fail_attempt(struct attempt *a, int code, int retryable, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail_attempt(struct attempt *a, int code, int retryable, const char *fmt, ...)
{
	va_list ap;
	if (a->fail_code)
		return; /* keep the first reason */
	a->fail_code = code;
	a->fail_retryable = retryable;
	buf_reset(&a->fail);
	va_start(ap, fmt);
	buf_vprintf(&a->fail, fmt, ap);
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

/* ---- parts of a file ------------------------------------------------------ */

static struct part *part_at(struct file_job *f, long long k)
{
	return &f->ring[k % f->ring_size];
}

static long long part_start(const struct file_job *f, long long k)
{
	return k * f->chunk;
}

/* Bytes from offset 0 that are on disk without a gap. Parts are started
 * in order and a part's bytes arrive in order, so this is where the
 * first incomplete part has got to; complete parts at the front are
 * folded away, freeing their ring slots. */
static long long contiguous_bytes(struct file_job *f)
{
	while (f->folded < f->next_part && part_at(f, f->folded)->state == PART_DONE) {
		part_at(f, f->folded)->state = PART_FREE;
		f->folded++;
	}
	if (f->folded == f->next_part)
		return f->folded >= f->nparts ? f->item->size : part_start(f, f->folded);
	const struct part *p = part_at(f, f->folded);
	return p->start + p->received;
}

/* The next part of f, or NULL when all are started or the ring is full
 * (the front part is slow: later parts wait, so the hasher keeps up). */
static struct part *new_part(struct file_job *f)
{
	if (f->next_part >= f->nparts || f->next_part - f->folded >= f->ring_size)
		return NULL;
	long long k = f->next_part++;
	struct part *p = part_at(f, k);
	memset(p, 0, sizeof *p);
	p->file = f;
	p->start = part_start(f, k);
	p->len = f->item->size < 0 ? -1 :
		 k == f->nparts - 1 ? f->item->size - p->start : f->chunk;
	p->attempts = f->attempts; /* a restart from zero does not reset the count */
	p->state = PART_QUEUED;
	return p;
}

/* ---- local files ---------------------------------------------------------- */

/* Reserve a large file's blocks before its first byte, so a full disk
 * fails now, plainly, rather than after gigabytes. The size stays what
 * was written (KEEP_SIZE), so the size check at the end still means the
 * bytes arrived. File systems without fallocate (EOPNOTSUPP) just write as
 * the bytes come. */
static int reserve_space(int fd, long long size)
{
	if (size < PREALLOC_MIN || !fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, size))
		return 0;
	return errno == EOPNOTSUPP || errno == ENOSYS ? 0 : -1;
}

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

/* The check is known: start its digest at byte 0, on a thread for large
 * files. A composite checksum is computed after the download, part by
 * part (integrity.h), so nothing runs during it. */
static void start_digest(struct file_job *f)
{
	const struct sum_algo *a = f->check.how == CHECK_COMPOSITE ? NULL : f->check.algo;
	f->chosen = 1;
	f->hashed = 0;
	if (a && f->item->size >= THREAD_SUM_MIN)
		f->hasher = hasher_start(f->out.fd, a);
	if (a && !f->hasher) /* small, or no thread could be started: inline */
		f->sum = sum_new(a);
}

/* 0, or the exit code of a checksum the store sent that cannot be read
 * (err says which); the digest starts only on a usable check. */
static int choose_check(struct engine *e, struct file_job *f, const struct hdrs *amz,
			struct buf *err)
{
	struct check_input in = { amz, f->item->etag, e->t && e->t->sse_key_b64,
				  e->g->ignore_checksum, e->t != NULL, f->item->key };
	int rc = check_choose(&in, &f->check, err);
	if (!rc)
		start_digest(f);
	return rc;
}

/* Forget the check: the object is laid out afresh (it changed, or the
 * server ignores ranges) and its first answer chooses again. */
static void reset_check(struct file_job *f)
{
	hasher_abort(f->hasher);
	f->hasher = NULL;
	sum_free(f->sum);
	f->sum = NULL;
	f->chosen = 0;
}

static void restart_changed(struct engine *e, struct file_job *f, const char *why);

static int hash_catch_up(struct file_job *f);
static void finish_file(struct engine *e, struct file_job *f);
static size_t on_header(char *line, size_t size, size_t n, void *arg);

/* A split object's HEAD answered: its check, unless it describes another
 * object than the listing did (another ETag or size: it changed, and
 * starts again). A HEAD without an ETag cannot say which object it
 * describes: its checksum could be another object's, so the file fails
 * rather than being checked against it. The parts may be ahead: the
 * digest starts from byte 0 of the file, and a file whose parts are all
 * in is finished now. */
static void take_head(struct engine *e, struct file_job *f, const char *etag, long long size,
		      const struct hdrs *amz)
{
	struct item *it = f->item;
	if (!*etag) {
		char *what = xasprintf("%s: the store answered its HEAD without an ETag, so its "
				       "checksum may describe another object; check the store's "
				       "S3 compatibility, or set RCLONE_IGNORE_CHECKSUM=true to "
				       "check the size only", it->key);
		engine_fail(e, EXIT_INTEGRITY, what);
		free(what);
		return;
	}
	if ((*it->etag && strcmp(etag, it->etag)) || (size >= 0 && size != it->size)) {
		char *why = xasprintf("%s: the object changed before the download (ETag %s and "
				      "%lld bytes, then %s and %lld bytes)", it->key, it->etag,
				      it->size, etag, size);
		restart_changed(e, f, why);
		free(why);
		return;
	}
	struct buf unread = BUF_INIT;
	int rc = choose_check(e, f, amz, &unread);
	if (rc) {
		engine_fail(e, rc, unread.data);
		buf_free(&unread);
		return;
	}
	if (hash_catch_up(f)) {
		char *what = xasprintf("cannot read back %s for its %s: %s", it->rel,
				       f->check.label, strerror(errno));
		engine_fail(e, EXIT_LOCALIO, what);
		free(what);
	} else if (f->folded == f->nparts) {
		finish_file(e, f);
	}
}

static void end_probe(struct engine *e, struct file_job *f)
{
	struct probe *pr = f->probe;
	if (!pr)
		return;
	curl_multi_remove_handle(e->multi, pr->easy);
	curl_easy_cleanup(pr->easy);
	curl_slist_free_all(pr->headers);
	hdrs_free(&pr->h.amz);
	free(pr);
	f->probe = NULL;
	e->probes--;
}

/* A split object's ranged answers carry no checksum (S3 sends them only
 * for whole objects): one HEAD with checksum mode gives them. It runs in
 * the loop beside the first parts, so it costs no wall time, and takes no
 * data slot: it moves no bytes, and the file cannot finish without it. */
static void start_probe(struct engine *e, struct file_job *f)
{
	struct s3_request req;
	struct buf err = BUF_INIT;
	int rc = s3_head_build(e->t, e->bucket, f->item->key, 0, 1, &req, &err);
	if (rc) { /* the credentials ran out and could not be renewed */
		engine_fail(e, rc, err.data);
		buf_free(&err);
		return;
	}
	struct probe *pr = xcalloc(1, sizeof *pr);
	pr->kind = HANDLE_PROBE;
	pr->file = f;
	pr->headers = http_header_list(&req.headers);
	pr->easy = curl_easy_init();
	http_easy_setup(pr->easy, e->g, e->t->insecure);
	curl_easy_setopt(pr->easy, CURLOPT_URL, req.url.data);
	curl_easy_setopt(pr->easy, CURLOPT_HTTPHEADER, pr->headers);
	curl_easy_setopt(pr->easy, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(pr->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(pr->easy, CURLOPT_HEADERDATA, &pr->h);
	curl_easy_setopt(pr->easy, CURLOPT_PRIVATE, &pr->kind);
	curl_easy_setopt(pr->easy, CURLOPT_ERRORBUFFER, pr->errbuf);
	s3_request_free(&req);
	curl_multi_add_handle(e->multi, pr->easy);
	f->probe = pr;
	f->probe_due = 0;
	e->probes++;
}

/* The HEAD failed: again after the same backoff as a part, counted in
 * the same RCLONE_RETRIES, or the run fails with http.c's reason. */
static void probe_failed(struct engine *e, struct file_job *f, CURLcode result, long status)
{
	struct probe *pr = f->probe;
	struct http_outcome o = { .retry_after_ms = -1 };
	struct buf why = BUF_INIT;
	char *what = xasprintf("HEAD s3://%s/%s", e->bucket, f->item->key);
	http_classify(result, pr->errbuf, status, NULL, 0, pr->h.retry_after, what, &o, &why);
	end_probe(e, f);
	if (!o.retryable || f->probe_attempts + 1 >= e->g->retries) {
		const char *hint = http_hint(o.code);
		char *msg = xasprintf("%s (after %d attempt%s)%s%s", why.data, f->probe_attempts + 1,
				      f->probe_attempts ? "s" : "", hint ? "; " : "", hint ? hint : "");
		engine_fail(e, o.code, msg);
		free(msg);
	} else {
		long wait = http_retry_wait_ms(f->probe_attempts++, &o);
		e->stats->retries++;
		f->probe_due = 1;
		f->probe_not_before = now_ms() + wait;
		log_kv(LOG_WARN, "retrying", "path=%s attempt=%d wait_ms=%ld reason=%s",
		       log_q(f->item->rel), f->probe_attempts, wait, log_q(why.data));
	}
	buf_free(&why);
	free(what);
}

static void probe_done(struct engine *e, struct file_job *f, CURLcode result)
{
	long status = 0;
	curl_off_t size = -1;
	curl_easy_getinfo(f->probe->easy, CURLINFO_RESPONSE_CODE, &status);
	if (result != CURLE_OK || status < 200 || status >= 300) {
		probe_failed(e, f, result, status);
		return;
	}
	curl_easy_getinfo(f->probe->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &size);
	char *etag = http_etag_unquote(f->probe->h.etag);
	struct hdrs amz = f->probe->h.amz;
	f->probe->h.amz = (struct hdrs){ 0 };
	end_probe(e, f);
	take_head(e, f, etag, (long long)size, &amz);
	free(etag);
	hdrs_free(&amz);
}

/* The parts are laid out: a split object learns its check from a HEAD,
 * others from their first answer (check_response). */
static void start_check(struct engine *e, struct file_job *f)
{
	end_probe(e, f);
	reset_check(f);
	f->probe_attempts = f->probe_due = 0;
	if (f->nparts > 1 && e->t && !e->g->ignore_checksum)
		start_probe(e, f);
	else if (f->nparts > 1)
		choose_check(e, f, NULL, NULL); /* no headers: cannot fail */
}

/* Lay out the parts of the object as the item now describes it. */
static void plan_parts(struct engine *e, struct file_job *f)
{
	long long size = f->item->size;
	f->chunk = size < 0 ? -1 : f->single_stream ? size : part_size(e->g, size);
	f->nparts = f->chunk <= 0 || f->chunk >= size ? 1 : (size + f->chunk - 1) / f->chunk;
	f->next_part = f->folded = 0;
	f->ring_size = e->parts_per_file * 2;
	if (f->ring_size > f->nparts)
		f->ring_size = (int)f->nparts;
	free(f->ring);
	f->ring = xcalloc((size_t)f->ring_size, sizeof *f->ring);
}

static struct file_job *open_file(struct engine *e, struct item *it)
{
	struct file_job *f = xcalloc(1, sizeof *f);
	struct buf why = BUF_INIT;
	f->item = it;
	f->bytes_done = &e->bytes_done;
	int rc = dest_file_create(e->dest, it->rel, &f->out, &why);
	if (!rc && reserve_space(f->out.fd, it->size)) {
		buf_printf(&why, "cannot write %s/%s: %s", e->dest->path, it->rel, strerror(errno));
		rc = EXIT_LOCALIO;
	}
	if (rc) {
		engine_fail(e, rc, why.data);
		buf_free(&why);
		if (f->out.fd >= 0 || f->out.dirfd >= 0)
			dest_file_discard(&f->out);
		free(f);
		return NULL;
	}
	buf_free(&why);
	plan_parts(e, f);
	*e->files_tail = f;
	e->files_tail = &f->next;
	e->nfiles++;
	start_check(e, f);
	return f;
}

/* Hash what is on disk past the digest frontier, in order, as far as the
 * bytes are contiguous: always read back from the file, so the check
 * covers the bytes that reached it, not those that left the network. */
static int hash_catch_up(struct file_job *f)
{
	unsigned char chunk[64 * 1024]; /* on the stack: `initc rcd` runs copies in threads */
	long long ready = contiguous_bytes(f);
	if (f->hasher)
		hasher_advance(f->hasher, ready);
	while (f->sum && f->hashed < ready) {
		long long avail = ready - f->hashed;
		size_t want = avail < (long long)sizeof chunk ? (size_t)avail : sizeof chunk;
		ssize_t got = pread(f->out.fd, chunk, want, f->hashed);
		if (got <= 0)
			return -1;
		sum_add(f->sum, chunk, (size_t)got);
		f->hashed += got;
	}
	return 0;
}

/* The digest of the finished file: 1 when there is one, 0 when its check
 * needs none (size only, composite), -1 when it could not be read back. */
static int file_digest(struct file_job *f, unsigned char out[SUM_MAX_LEN])
{
	if (f->hasher) {
		int rc = hasher_finish(f->hasher, f->item->size, out);
		f->hasher = NULL;
		return rc ? -1 : 1;
	}
	if (!f->sum)
		return 0;
	if (hash_catch_up(f))
		return -1;
	sum_end(f->sum, out);
	return 1;
}

static void close_file(struct engine *e, struct file_job *f)
{
	struct file_job **link = &e->files;
	while (*link != f)
		link = &(*link)->next;
	*link = f->next;
	if (e->files_tail == &f->next)
		e->files_tail = link;
	e->nfiles--;
	end_probe(e, f);
	reset_check(f);
	dest_file_discard(&f->out); /* after a commit: nothing left to remove */
	free(f->ring);
	free(f);
}

static void count_verified(struct engine *e, const char *label)
{
	size_t i = 0, n = sizeof e->verified / sizeof e->verified[0];
	while (i < n && *e->verified[i].label && strcmp(e->verified[i].label, label))
		i++;
	if (i == n)
		return; /* more kinds than the table: cannot be (5 algorithms, each full or
			 * composite, md5chksum, etag-md5, size-only: 13 of 16) */
	snprintf(e->verified[i].label, sizeof e->verified[i].label, "%s", label);
	e->verified[i].n++;
}

/* The file's bytes against its check: 0, or an exit code with what. */
static int verify_file(struct engine *e, struct file_job *f, long long size, struct buf *what)
{
	struct item *it = f->item;
	unsigned char got[SUM_MAX_LEN];
	/* the size first: a short file would fail its digest's read-back
	 * with EIO, hiding the real reason */
	if (it->size >= 0 && size != it->size)
		return buf_fail(what, EXIT_INTEGRITY, "%s: got %lld bytes, the listing says %lld",
				it->key, size, it->size);
	int have = file_digest(f, got);
	if (have < 0)
		return buf_fail(what, EXIT_LOCALIO, "cannot read back %s: %s", it->rel,
				strerror(errno));
	if (f->chosen && f->check.how == CHECK_COMPOSITE)
		return check_composite(e->g, e->t, e->bucket, it->key, it->etag, f->out.fd, size,
				       &f->check, what);
	return have ? check_compare(&f->check, it->key, got, what) : 0;
}

/* All parts are in: check, stamp and move the file to its final name. */
static void finish_file(struct engine *e, struct file_job *f)
{
	struct item *it = f->item;
	struct buf what = BUF_INIT;
	struct stat st;
	int code;

	if (!f->chosen) /* cannot be: every whole answer chooses; size only then */
		choose_check(e, f, NULL, NULL); /* no headers: cannot fail */
	if (fstat(f->out.fd, &st))
		code = buf_fail(&what, EXIT_LOCALIO, "cannot read back %s: %s", it->rel,
				strerror(errno));
	else
		code = verify_file(e, f, (long long)st.st_size, &what);
	if (!code && it->mtime) {
		struct timespec times[2] = { { it->mtime, 0 }, { it->mtime, 0 } };
		futimens(f->out.fd, times);
	}
	if (!code)
		code = dest_file_commit(&f->out, &what);
	if (code) {
		engine_fail(e, code, what.data);
	} else {
		e->stats->files++;
		count_verified(e, f->check.label);
		/* a file checked by its size only is shown at info, with why */
		log_kv(f->check.reason ? LOG_INFO : LOG_DEBUG, "file complete",
		       "path=%s bytes=%lld verified=%s%s%s",
		       log_q(it->rel), (long long)st.st_size, f->check.label,
		       f->check.reason ? " reason=" : "", f->check.reason ? f->check.reason : "");
	}
	buf_free(&what);
	close_file(e, f);
}

/* ---- callbacks -------------------------------------------------------------- */

static void copy_header_value(char *dst, size_t size, const char *v, size_t vlen)
{
	if (vlen >= size)
		vlen = size - 1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
}

/* A header line as name and value (without blanks and CRLF): 0, or -1
 * for a status line or one without a colon. */
static int split_header(const char *line, size_t len, size_t *nlen, const char **v, size_t *vlen)
{
	const char *colon = memchr(line, ':', len);
	if (!colon)
		return -1;
	*v = colon + 1;
	while (*v < line + len && **v == ' ')
		(*v)++;
	*vlen = (size_t)(line + len - *v);
	while (*vlen && ((*v)[*vlen - 1] == '\r' || (*v)[*vlen - 1] == '\n' || (*v)[*vlen - 1] == ' '))
		(*vlen)--;
	*nlen = (size_t)(colon - line);
	return 0;
}

static int is_status_line(const char *line, size_t len)
{
	return len > 5 && !strncmp(line, "HTTP/", 5); /* a new response (after 100, redirects) */
}

/* x-amz-* headers are kept: checksums, encryption, parts. */
static void keep_amz(struct hdrs *amz, const char *line, size_t nlen, const char *v, size_t vlen)
{
	if (nlen <= 6 || strncasecmp(line, "x-amz-", 6))
		return;
	char *name = xstrndup(line, nlen), *value = xstrndup(v, vlen);
	hdrs_set(amz, name, value);
	free(name);
	free(value);
}

/* The headers kept by name; any other x-amz-* one goes to amz. */
static const struct {
	const char *name;
	size_t at;              /* offset of its buffer in struct resp_headers */
	size_t size;
} kept_headers[] = {
	{ "content-range", offsetof(struct resp_headers, content_range),
	  sizeof ((struct resp_headers *)0)->content_range },
	{ "etag", offsetof(struct resp_headers, etag), sizeof ((struct resp_headers *)0)->etag },
	{ "retry-after", offsetof(struct resp_headers, retry_after),
	  sizeof ((struct resp_headers *)0)->retry_after },
};

/* libcurl's header callback for every request of the engine: a status
 * line starts a new response (after a redirect or 100-continue). */
static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
	struct resp_headers *h = arg;
	size_t len = size * n, nlen, vlen;
	const char *v;
	if (is_status_line(line, len)) {
		h->content_range[0] = h->etag[0] = h->retry_after[0] = '\0';
		hdrs_free(&h->amz);
		return len;
	}
	if (split_header(line, len, &nlen, &v, &vlen))
		return len;
	for (size_t i = 0; i < sizeof kept_headers / sizeof kept_headers[0]; i++)
		if (strlen(kept_headers[i].name) == nlen &&
		    !strncasecmp(line, kept_headers[i].name, nlen)) {
			copy_header_value((char *)h + kept_headers[i].at, kept_headers[i].size, v,
					  vlen);
			return len;
		}
	keep_amz(&h->amz, line, nlen, v, vlen);
	return len;
}

/* A 206 must cover exactly the bytes asked for, of an object of the size
 * the listing gave: rclone's s3 backend does not check this, we do. */
static int check_content_range(struct attempt *a)
{
	struct part *p = a->part;
	long long first, last, total, want_first = p->start + p->received;
	long long want_last = p->len >= 0 ? p->start + p->len - 1 : -1;
	long long size = p->file->item->size;

	if (sscanf(a->h.content_range, "bytes %lld-%lld/%lld", &first, &last, &total) != 3 ||
	    first != want_first || (want_last >= 0 && last != want_last) ||
	    (size >= 0 && total != size)) {
		char last_text[24] = "";
		if (want_last >= 0)
			snprintf(last_text, sizeof last_text, "%lld", want_last);
		fail_attempt(a, EXIT_INTEGRITY, 1, "%s: asked for bytes %lld-%s, the server sent "
			     "Content-Range \"%s\"", p->file->item->key, want_first, last_text,
			     a->h.content_range);
		return -1;
	}
	return 0;
}

/* Is this response of the object we started with? The first answer of an
 * object without a known ETag (http sources) sets the one to hold to. */
static int check_identity(struct attempt *a)
{
	struct item *it = a->part->file->item;
	char *got = http_etag_unquote(a->h.etag);
	int same = 1;
	if (*got && !*it->etag && strncmp(got, "W/", 2)) {
		free(it->etag);
		it->etag = got;
		return 0;
	}
	if (*got && *it->etag)
		same = !strcmp(got, it->etag);
	if (!same) {
		a->changed = 1;
		fail_attempt(a, EXIT_INTEGRITY, 0, "%s: the object changed during the download "
			     "(ETag %s, then %s)", it->key, it->etag, got);
	}
	free(got);
	return same ? 0 : -1;
}

static int check_response(struct attempt *a)
{
	struct part *p = a->part;
	curl_off_t clen = -1;
	curl_easy_getinfo(a->easy, CURLINFO_RESPONSE_CODE, &a->status);
	curl_easy_getinfo(a->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen);
	if (a->status == 412) {
		a->changed = 1;
		fail_attempt(a, EXIT_INTEGRITY, 0, "%s: the object changed during the download "
			     "(HTTP 412 to If-Match \"%s\")", p->file->item->key, p->file->item->etag);
		return -1;
	}
	if (a->status < 200 || a->status >= 300)
		return 0; /* the body is an error document: collected, not written */
	if (check_identity(a))
		return -1;
	if (a->ranged && a->status == 206)
		return check_content_range(a);
	if (a->ranged) { /* 200: the whole object, whatever we asked */
		int whole = p->start + p->received == 0 &&
			    (p->len < 0 || p->len == p->file->item->size);
		if (!whole) {
			a->range_ignored = 1;
			fail_attempt(a, EXIT_INTEGRITY, 1, "%s: the server ignored the Range header "
				     "(HTTP 200 to a ranged GET); continuing with one stream",
				     p->file->item->key);
			return -1;
		}
		a->ranged = 0;
	}
	if (p->len < 0 && clen >= 0) { /* http source: the size is known now */
		p->len = clen;
		p->file->item->size = clen;
	} else if (p->len >= 0 && clen >= 0 && clen != p->len - p->received) {
		fail_attempt(a, EXIT_INTEGRITY, 1, "%s: Content-Length is %lld, expected %lld",
			     p->file->item->key, (long long)clen, p->len - p->received);
		return -1;
	}
	/* the first answer with the whole object says how to check it */
	if (!p->file->chosen && !a->ranged && p->start + p->received == 0) {
		struct buf unread = BUF_INIT;
		int rc = choose_check(a->engine, p->file, &a->h.amz, &unread);
		if (rc)
			fail_attempt(a, rc, 0, "%s", unread.data);
		buf_free(&unread);
		return rc ? -1 : 0;
	}
	return 0;
}

static int write_at(int fd, const char *data, size_t len, long long off)
{
	for (size_t done = 0; done < len;) {
		ssize_t w = pwrite(fd, data + done, len - done, off + (long long)done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct attempt *a = arg;
	struct part *p = a->part;
	struct file_job *f = p->file;
	size_t len = size * n;

	if (!a->checked) {
		if (check_response(a))
			return 0;
		a->checked = 1;
	}
	if (a->status < 200 || a->status >= 300) {
		if (a->error_body.len < ERROR_BODY_MAX)
			buf_add(&a->error_body, data, len);
		return len;
	}
	if (p->len >= 0 && (long long)len > p->len - p->received) {
		fail_attempt(a, EXIT_INTEGRITY, 1, "%s: the server sent more bytes than asked for",
			     f->item->key);
		return 0;
	}
	if (write_at(f->out.fd, data, len, p->start + p->received)) {
		fail_attempt(a, EXIT_LOCALIO, 0, "cannot write %s: %s", f->item->rel,
			     strerror(errno));
		return 0;
	}
	p->received += (long long)len;
	*f->bytes_done += (long long)len;
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
	struct attempt *a = arg;
	long long now = now_ms();
	(void)dltotal, (void)ultotal, (void)ulnow;
	if (dlnow != a->last_dlnow) {
		a->last_dlnow = dlnow;
		a->last_data_ms = now;
		return 0;
	}
	if (a->idle_ms > 0 && now - a->last_data_ms >= a->idle_ms) {
		fail_attempt(a, EXIT_NETWORK, 1, "%s: no data for %lld s (RCLONE_TIMEOUT)",
			     a->part->file->item->key, (a->idle_ms + 999) / 1000);
		return 1; /* abort the transfer: retried like a reset */
	}
	return 0;
}

/* ---- starting and ending requests ---------------------------------------- */

/* Range for what the part still needs, and If-Match once the object's
 * ETag is known: a part of another version is refused by the server
 * (412) instead of being spliced into this one. */
static int build_headers(struct engine *e, struct attempt *a, struct buf *url, struct hdrs *out,
			 struct buf *err)
{
	struct part *p = a->part;
	struct item *it = p->file->item;
	struct hdrs extra = { 0 };
	long long from = p->start + p->received;
	int whole = from == 0 && (p->len < 0 || p->len == it->size);
	char range[64];

	a->ranged = !whole && !(p->len == 0);
	if (!a->ranged && e->t && !e->g->ignore_checksum)
		hdrs_set(&extra, S3_CHECKSUM_MODE_HEADER, "ENABLED");
	if (a->ranged) {
		if (p->len >= 0)
			snprintf(range, sizeof range, "bytes=%lld-%lld", from, p->start + p->len - 1);
		else
			snprintf(range, sizeof range, "bytes=%lld-", from);
		hdrs_set(&extra, "range", range);
	}
	if (*it->etag) {
		char *quoted = xasprintf("\"%s\"", it->etag);
		hdrs_set(&extra, "if-match", quoted);
		free(quoted);
	}
	if (e->t) {
		struct s3_request req;
		int rc = s3_request_build(e->t, "GET", e->bucket, it->key, NULL, 0, &extra, 1, &req,
					  err);
		hdrs_free(&extra);
		if (rc)
			return rc;
		buf_add(url, req.url.data, req.url.len);
		*out = req.headers;
		buf_free(&req.url);
		buf_free(&req.body);
	} else {
		buf_adds(url, it->key);
		*out = extra;
	}
	return 0;
}

/* libcurl's receive buffer: large for large parts (fewer writes and
 * wake-ups), small for small files, where 256 KiB per connection would
 * only add to the peak RSS of a run over thousands of objects. */
static long receive_buffer(const struct part *p)
{
	long long want = p->len < 0 ? CURL_BUFFER : p->len - p->received;
	if (want < CURL_MIN_BUFFER)
		return CURL_MIN_BUFFER;
	return want > CURL_BUFFER ? CURL_BUFFER : (long)want;
}

static void start_attempt(struct engine *e, struct part *p)
{
	struct attempt *a = xcalloc(1, sizeof *a);
	a->kind = HANDLE_PART;
	struct buf url = BUF_INIT, err = BUF_INIT;
	struct hdrs headers = { 0 };
	int rc;

	a->engine = e;
	a->part = p;
	if ((rc = build_headers(e, a, &url, &headers, &err))) {
		/* the credentials ran out and could not be renewed: nothing to retry */
		engine_fail(e, rc, err.data);
		buf_free(&err);
		buf_free(&url);
		free(a);
		return;
	}
	p->at = a;
	a->headers = http_header_list(&headers);
	hdrs_free(&headers);
	a->idle_ms = e->g->timeout_ms;
	a->last_data_ms = now_ms();
	p->file->parts_active++;
	a->easy = curl_easy_init();
	http_easy_setup(a->easy, e->g, e->t ? e->t->insecure : 0);
	curl_easy_setopt(a->easy, CURLOPT_URL, url.data);
	curl_easy_setopt(a->easy, CURLOPT_HTTPHEADER, a->headers);
	curl_easy_setopt(a->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(a->easy, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(a->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(a->easy, CURLOPT_HEADERDATA, &a->h);
	curl_easy_setopt(a->easy, CURLOPT_PRIVATE, &a->kind);
	curl_easy_setopt(a->easy, CURLOPT_ERRORBUFFER, a->errbuf);
	curl_easy_setopt(a->easy, CURLOPT_BUFFERSIZE, receive_buffer(p));
	curl_easy_setopt(a->easy, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(a->easy, CURLOPT_XFERINFODATA, a);
	curl_easy_setopt(a->easy, CURLOPT_NOPROGRESS, 0L);
	if (!e->t) /* plain http sources may redirect; S3 never should */
		curl_easy_setopt(a->easy, CURLOPT_FOLLOWLOCATION, 1L);
	curl_multi_add_handle(e->multi, a->easy);
	p->state = PART_ACTIVE;
	e->active++;
	buf_free(&url);
}

static void end_attempt(struct engine *e, struct attempt *a)
{
	curl_multi_remove_handle(e->multi, a->easy);
	curl_easy_cleanup(a->easy);
	curl_slist_free_all(a->headers);
	a->part->file->parts_active--;
	a->part->at = NULL;
	a->part->state = PART_QUEUED; /* until the caller says done or when to retry */
	e->active--;
	buf_free(&a->fail);
	buf_free(&a->error_body);
	hdrs_free(&a->h.amz);
	free(a);
}

/* Stop every request of f and lay its parts out afresh from byte 0. */
static void restart_file(struct engine *e, struct file_job *f)
{
	for (long long k = f->folded; k < f->next_part; k++)
		if (part_at(f, k)->state == PART_ACTIVE)
			end_attempt(e, part_at(f, k)->at);
	/* the hasher thread maps the file: it stops before the file shrinks
	 * under it (a truncated mapping is SIGBUS) */
	end_probe(e, f);
	reset_check(f);
	if (ftruncate(f->out.fd, 0))
		engine_fail(e, EXIT_LOCALIO, "cannot truncate a temporary file to start again");
	plan_parts(e, f);
	start_check(e, f);
}

/* The server ignores ranges: fetch this file again as one stream. */
static void restart_single_stream(struct engine *e, struct file_job *f)
{
	f->single_stream = 1;
	restart_file(e, f);
}

/* The object is not the one we started with. Learn what it is now and
 * fetch it again from zero, once; a second change fails: a model that is
 * still being uploaded cannot be served yet. */
static void restart_changed(struct engine *e, struct file_job *f, const char *why)
{
	struct item *it = f->item;
	struct buf head_err = BUF_INIT;
	struct s3_object now = { 0 };
	char *what = NULL;
	int rc = 0;

	if (f->restarted)
		what = xasprintf("%s; it changed again after a fresh start: nothing was written at "
				 "%s. Run again once the upload has finished", why, it->rel);
	else if (e->t && (rc = s3_head(e->g, e->t, e->bucket, it->key, &now, &head_err)))
		what = xasprintf("%s, and asking for it again failed: %s", why, head_err.data);
	if (what) {
		engine_fail(e, rc ? rc : EXIT_INTEGRITY, what);
		free(what);
		buf_free(&head_err);
		s3_object_free(&now);
		return;
	}
	log_kv(LOG_WARN, "object changed during the download: starting it again from zero",
	       "path=%s reason=%s", log_q(it->rel), log_q(why));
	free(it->etag);
	it->etag = e->t ? now.etag : xstrdup("");
	it->size = e->t ? now.size : -1;
	it->mtime = e->t ? now.mtime : 0;
	now.etag = NULL;
	f->restarted = 1;
	restart_file(e, f);
	buf_free(&head_err);
	s3_object_free(&now);
}

/* Classify a finished attempt: 0 success, else fills a->fail_* (the
 * engine's own checks first, then http.c's one table for the rest). */
static int attempt_outcome(struct attempt *a, CURLcode result, struct http_outcome *o)
{
	struct part *p = a->part;
	o->retry_after_ms = -1;
	if (a->fail_code)
		return -1;
	if (result != CURLE_OK || a->status < 200 || a->status >= 300) {
		struct buf why = BUF_INIT;
		char *what = xasprintf("GET %s", p->file->item->key);
		http_classify(result, a->errbuf, a->status, a->error_body.data, a->error_body.len,
			      a->h.retry_after, what, o, &why);
		fail_attempt(a, o->code, o->retryable, "%s", why.data);
		buf_free(&why);
		free(what);
		return -1;
	}
	if (p->len >= 0 && p->received != p->len) {
		fail_attempt(a, EXIT_NETWORK, 1, "%s: the body ended after %lld of %lld bytes",
			     p->file->item->key, p->received, p->len);
		return -1;
	}
	return 0;
}

static void part_succeeded(struct engine *e, struct part *p)
{
	struct file_job *f = p->file;
	p->state = PART_DONE;
	if (hash_catch_up(f)) {
		char *what = xasprintf("cannot read back %s for its %s: %s", f->item->rel,
				       f->check.label, strerror(errno));
		engine_fail(e, EXIT_LOCALIO, what);
		free(what);
	} else if (f->folded == f->nparts && f->chosen) { /* else when its HEAD answers */
		finish_file(e, f);
	}
}

static void part_failed(struct engine *e, struct part *p, struct attempt *a,
			const struct http_outcome *o)
{
	struct file_job *f = p->file;
	if (!a->fail_retryable || p->attempts + 1 >= e->g->retries) {
		const char *hint = http_hint(a->fail_code);
		char *what = xasprintf("%s (after %d attempt%s)%s%s", a->fail.data, p->attempts + 1,
				       p->attempts ? "s" : "", hint ? "; " : "", hint ? hint : "");
		engine_fail(e, a->fail_code, what);
		free(what);
		return;
	}
	p->attempts++;
	e->stats->retries++;
	if (!e->t && !*f->item->etag && p->received > 0) {
		/* an http file without a strong ETag: nothing ties a resumed tail to
		 * the head already written, so it starts again from its first byte */
		p->received = 0;
		p->len = f->item->size = -1;
		reset_check(f); /* no thread may map what is cut; the next answer chooses */
		if (ftruncate(f->out.fd, 0)) {
			engine_fail(e, EXIT_LOCALIO, "cannot truncate a temporary file to start again");
			return;
		}
	}
	long wait = http_retry_wait_ms(p->attempts - 1, o);
	p->not_before = now_ms() + wait;
	p->state = PART_QUEUED;
	log_kv(LOG_WARN, "retrying", "path=%s attempt=%d resume_at=%lld wait_ms=%ld reason=%s",
	       log_q(f->item->rel), p->attempts, p->start + p->received, wait, log_q(a->fail.data));
}

static void attempt_done(struct engine *e, struct attempt *a, CURLcode result)
{
	struct part *p = a->part;
	struct file_job *f = p->file;
	if (!a->checked && result == CURLE_OK && !check_response(a))
		a->checked = 1; /* an empty body never reached on_data */
	struct http_outcome o;
	int ok = !attempt_outcome(a, result, &o);
	if (ok) {
		end_attempt(e, a);
		part_succeeded(e, p);
	} else if (a->changed) {
		char *why = xstrdup(a->fail.data);
		end_attempt(e, a);
		restart_changed(e, f, why);
		free(why);
	} else if (a->range_ignored && p->attempts + 1 < e->g->retries) {
		/* counted like any retry: a server that ignores ranges and drops
		 * the connection must not restart the file forever */
		f->attempts = p->attempts + 1;
		log_kv(LOG_WARN, "retrying", "path=%s attempt=%d reason=%s", log_q(f->item->rel),
		       f->attempts, log_q(a->fail.data));
		end_attempt(e, a);
		restart_single_stream(e, f);
		e->stats->retries++;
	} else {
		part_failed(e, p, a, &o);
		end_attempt(e, a);
	}
}

/* ---- the loop ----------------------------------------------------------------- */

/* Start what f may start now: parts waiting out a backoff whose time has
 * come, then new parts, within the per-file and global limits. */
static void start_file_parts(struct engine *e, struct file_job *f, long long now)
{
	if (f->probe_due && f->probe_not_before <= now)
		start_probe(e, f);
	for (long long k = f->folded; k < f->next_part; k++) {
		struct part *p = part_at(f, k);
		if (e->active >= e->g->transfers || f->parts_active >= e->parts_per_file)
			return;
		if (p->state == PART_QUEUED && p->not_before <= now)
			start_attempt(e, p);
		if (e->fatal)
			return;
	}
	while (!e->fatal && e->active < e->g->transfers && f->parts_active < e->parts_per_file) {
		struct part *p = new_part(f);
		if (!p)
			return;
		start_attempt(e, p);
	}
}

static void start_ready_parts(struct engine *e)
{
	long long now = now_ms();
	for (struct file_job *f = e->files; f && !e->fatal; f = f->next)
		start_file_parts(e, f, now);
	/* files waiting out a backoff count too: descriptors and state stay
	 * bounded however many objects fail at once */
	while (!e->fatal && e->active < e->g->transfers && e->nfiles < e->g->transfers &&
	       e->next_item < e->plan->n) {
		struct item *it = &e->plan->v[e->next_item++];
		if (it->skip)
			continue;
		struct file_job *f = open_file(e, it);
		if (f)
			start_file_parts(e, f, now);
	}
}

static void collect_done(struct engine *e)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(e->multi, &left))) {
		enum handle_kind *kind = NULL;
		if (msg->msg != CURLMSG_DONE)
			continue;
		CURLcode result = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&kind);
		if (*kind == HANDLE_PROBE) {
			struct probe *pr = (struct probe *)kind; /* its first member */
			probe_done(e, pr->file, result);
		} else {
			attempt_done(e, (struct attempt *)kind, result);
		}
	}
}

/* A progress line every INITC_PROGRESS_INTERVAL; called from the loop. */
static void log_progress(struct engine *e)
{
	long long now = now_ms();
	if (e->g->progress_ms <= 0 || now - e->last_progress_ms < e->g->progress_ms)
		return;
	e->last_progress_ms = now;
	double secs = (double)(now - e->started_ms) / 1000.0;
	log_kv(LOG_INFO, "progress", "bytes=%lld total=%lld files_done=%lld rate_mbs=%.1f",
	       e->bytes_done, e->bytes_total, e->stats->files,
	       secs > 0 ? (double)e->bytes_done / secs / 1e6 : 0.0);
}

static int all_done(const struct engine *e)
{
	return !e->files && e->next_item >= e->plan->n;
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
		if (e->active || e->probes)
			curl_multi_poll(e->multi, NULL, 0, 100, NULL);
		else if (!e->fatal && !all_done(e))
			usleep(20000); /* everything left is waiting out a backoff */
		log_progress(e);
	}
}

/* How many files each check verified, one info line for the run. */
static void log_verified(const struct engine *e)
{
	struct buf line = BUF_INIT;
	size_t n = sizeof e->verified / sizeof e->verified[0];
	for (size_t i = 0; i < n && *e->verified[i].label; i++)
		buf_printf(&line, "%s%s=%lld", i ? " " : "", e->verified[i].label, e->verified[i].n);
	if (line.len)
		log_kv(LOG_INFO, "files verified", "%s", line.data);
	buf_free(&line);
}

static void teardown(struct engine *e)
{
	while (e->files) {
		struct file_job *f = e->files;
		for (long long k = f->folded; k < f->next_part; k++)
			if (part_at(f, k)->state == PART_ACTIVE)
				end_attempt(e, part_at(f, k)->at);
		close_file(e, f);
	}
	curl_multi_cleanup(e->multi);
}

int fetch_run(const struct globals *g, const struct s3_target *t, const char *bucket,
	      struct plan *p, const struct destdir *d, struct fetch_stats *st, struct buf *err)
{
	struct engine e = { .g = g, .t = t, .bucket = bucket, .dest = d, .err = err, .stats = st,
			    .plan = p, .parts_per_file = g->streams > 1 ? (int)g->streams : 1 };

	memset(st, 0, sizeof *st);
	e.files_tail = &e.files;
	e.multi = curl_multi_init();
	/* data requests and one HEAD per open file (files <= transfers): a
	 * HEAD never queues behind the parts it would let finish */
	curl_multi_setopt(e.multi, CURLMOPT_MAX_HOST_CONNECTIONS, 2L * g->transfers);
	e.bytes_total = p->bytes;
	e.started_ms = e.last_progress_ms = now_ms();

	run_loop(&e);

	st->bytes = e.bytes_done;
	st->seconds = (double)(now_ms() - e.started_ms) / 1000.0;
	log_verified(&e);
	teardown(&e);
	return e.fatal;
}
