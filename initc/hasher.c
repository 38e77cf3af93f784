/* The background digest thread; see hasher.h. */
#include "hasher.h"
#include "fetch.h"
#include "buf.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The thread hashes the file through a read-only mapping of at most this
 * many bytes at a time: the page cache is hashed where it lies instead of
 * being copied out first (pread cost 0.57 s of system time per GiB, 1 MiB
 * mappings 0.2 s, on these machines). Mapped pages count in the peak RSS,
 * which is why the window is not larger. pread is the fallback if mapping
 * fails. */
#define HASH_CHUNK FETCH_HASH_CHUNK

/* Reads a file back, a window at a time, into a digest. */
struct reader {
	int fd;
	long page;               /* mappings start on a page boundary */
	unsigned char *chunk;    /* pread fallback buffer, made when first needed */
};

struct hasher {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more;     /* ready grew, or stop was asked */
	pthread_cond_t progress; /* hashed grew, or the thread failed */
	long long ready;         /* guarded by lock */
	long long hashed;        /* guarded by lock */
	int stop;                /* guarded by lock */
	int failed;              /* guarded by lock; errno of the failed read */
	struct sum_ctx *sum;     /* the thread's own until it has stopped */
	struct reader rd;
};

/* Wait for bytes past `hashed`; return how many to read, 0 to stop. */
static long long next_span(struct hasher *h)
{
	long long span;
	pthread_mutex_lock(&h->lock);
	while (!h->stop && h->ready <= h->hashed)
		pthread_cond_wait(&h->more, &h->lock);
	/* after a failed read, stop: the bytes past it will not be hashed */
	span = h->failed || (h->stop && h->ready <= h->hashed) ? 0 : h->ready - h->hashed;
	pthread_mutex_unlock(&h->lock);
	return span > HASH_CHUNK ? HASH_CHUNK : span;
}

/* Hash `span` bytes at `from`; how many were hashed, or -1 with errno. */
static ssize_t hash_span(struct reader *h, struct sum_ctx *sum, long long from, size_t span)
{
	long long base = from - from % h->page;
	size_t maplen = span + (size_t)(from - base);
	struct stat st;
	/* a mapping past the end of the file would fault: pread says it plainly */
	int fits = !fstat(h->fd, &st) && from + (long long)span <= st.st_size;
	unsigned char *map = fits ? mmap(NULL, maplen, PROT_READ, MAP_SHARED, h->fd, base) : MAP_FAILED;
	if (map != MAP_FAILED) {
		sum_add(sum, map + (from - base), span);
		munmap(map, maplen);
		return (ssize_t)span;
	}
	if (!h->chunk)
		h->chunk = xmalloc(HASH_CHUNK);
	ssize_t got = pread(h->fd, h->chunk, span, from);
	if (got > 0)
		sum_add(sum, h->chunk, (size_t)got);
	return got;
}

static void *hash_loop(void *arg)
{
	struct hasher *h = arg;
	long long span;
	while ((span = next_span(h)) > 0) {
		ssize_t got = hash_span(&h->rd, h->sum, h->hashed, (size_t)span);
		pthread_mutex_lock(&h->lock);
		if (got <= 0) {
			h->failed = got < 0 ? errno : EIO;
			h->stop = 1;
		} else {
			h->hashed += got;
		}
		pthread_cond_signal(&h->progress);
		pthread_mutex_unlock(&h->lock);
	}
	return NULL;
}

struct hasher *hasher_start(int fd, const struct sum_algo *algo)
{
	struct hasher *h = xcalloc(1, sizeof *h);
	h->rd.fd = fd;
	h->rd.page = sysconf(_SC_PAGESIZE);
	h->sum = sum_new(algo);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->more, NULL);
	pthread_cond_init(&h->progress, NULL);
	if (pthread_create(&h->thread, NULL, hash_loop, h)) {
		sum_free(h->sum);
		free(h);
		return NULL;
	}
	return h;
}

void hasher_advance(struct hasher *h, long long ready)
{
	pthread_mutex_lock(&h->lock);
	if (ready > h->ready) {
		h->ready = ready;
		pthread_cond_signal(&h->more);
	}
	pthread_mutex_unlock(&h->lock);
}

static void stop_and_free(struct hasher *h)
{
	pthread_mutex_lock(&h->lock);
	h->stop = 1;
	pthread_cond_signal(&h->more);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->more);
	pthread_cond_destroy(&h->progress);
	sum_free(h->sum);
	free(h->rd.chunk);
	free(h);
}

int hasher_finish(struct hasher *h, long long total, unsigned char out[SUM_MAX_LEN])
{
	int failed;

	hasher_advance(h, total);
	pthread_mutex_lock(&h->lock);
	while (!h->failed && h->hashed < total)
		pthread_cond_wait(&h->progress, &h->lock);
	failed = h->failed;
	pthread_mutex_unlock(&h->lock);
	if (!failed)
		sum_end(h->sum, out);
	stop_and_free(h);
	if (failed)
		errno = failed;
	return failed ? -1 : 0;
}

void hasher_abort(struct hasher *h)
{
	if (h)
		stop_and_free(h);
}

int hasher_read(int fd, long long from, long long len, struct sum_ctx *sum)
{
	struct reader rd = { fd, sysconf(_SC_PAGESIZE), NULL };
	while (len > 0) {
		ssize_t got = hash_span(&rd, sum, from, len < HASH_CHUNK ? (size_t)len : HASH_CHUNK);
		if (got <= 0) {
			if (!got)
				errno = EIO; /* the file is shorter than asked */
			free(rd.chunk);
			return -1;
		}
		from += got;
		len -= got;
	}
	free(rd.chunk);
	return 0;
}
