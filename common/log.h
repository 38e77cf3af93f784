/* logfmt logging in the style of Seldon's own components:
 *   time=2026-11-25T04:16:48Z level=info msg="downloaded" files=3 bytes=1024
 * Every line passes through secret redaction: values registered with
 * log_add_secret() are replaced by "***" wherever they appear, so a
 * secret can never reach stderr or the termination log by accident. */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_program(const char *name);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Register a secret; strings shorter than LOG_SECRET_MIN bytes are
 * ignored (they would redact innocent text and are no secret anyway),
 * which is also why redaction never lengthens: "***" is shorter. The
 * string is copied. */
#define LOG_SECRET_MIN 4
void log_add_secret(const char *secret);
void log_forget_secrets(void);

/* msg is free text (quoted on output); kvfmt builds the key=value tail and
 * may be NULL. Use log_q() for values that may hold spaces or quotes. */
void log_kv(enum log_level level, const char *msg, const char *kvfmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Quote a value for logfmt if it needs it. Returns one of a few rotating
 * static buffers: valid until the next few calls, enough for one line. */
const char *log_q(const char *value);

/* Write a one-line reason where Kubernetes shows it (kubectl describe pod):
 * $INITC_TERMINATION_LOG, else /dev/termination-log when writable. */
void log_termination(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copy src into dst (size n) with every registered secret replaced by
 * "***". The one redaction function: log lines, the termination log and
 * command output all pass through it, whole, before any cut. */
void log_redact(char *dst, size_t n, const char *src);
/* The same into a new string (never longer than src). */
char *log_redact_dup(const char *src);
/* Overwrite, in place, every registered secret in s with '*' of the same
 * length (for argv, as curl does); returns how many were overwritten. */
size_t log_scrub(char *s);
/* fputs text, redacted (multi-line output such as `initc check`). */
void log_print_redacted(FILE *f, const char *text);

#endif
