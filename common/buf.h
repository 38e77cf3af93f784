/* A growable byte buffer that always stays NUL-terminated. Allocation
 * failure is fatal (exit 70): both tools are short-lived and a model that
 * cannot be described in memory cannot be served either. */
#ifndef COMMON_BUF_H
#define COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_reset(struct buf *b);
/* Replace err's text with the message and return code: the one way a
 * function reports "what was wrong and what to do" to its caller. */
int buf_fail(struct buf *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void buf_free(struct buf *b);
/* Overwrite the bytes held (explicit_bzero), for buffers that held a
 * secret, before buf_free or reuse; len is kept. */
void buf_wipe(struct buf *b);
/* Hand the string over to the caller (never NULL); b is emptied. */
char *buf_steal(struct buf *b);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A copy of s[0..len) without leading and trailing white space. */
char *xstrndup_trim(const char *s, size_t len);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
