/* A tiny unit test harness. Each CHECK prints "ok - ..." or
 * "not ok - file:line: expr"; tests/run counts those lines. */
#ifndef TESTS_T_H
#define TESTS_T_H

#include <stdio.h>
#include <string.h>

static int t_failed, t_passed;

#define CHECK(expr) do { \
	if (expr) { t_passed++; printf("ok - %s\n", #expr); } \
	else { t_failed++; printf("not ok - %s:%d: %s\n", __FILE__, __LINE__, #expr); } \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	if (g_ && w_ && !strcmp(g_, w_)) { t_passed++; printf("ok - %s == \"%s\"\n", #got, w_); } \
	else { t_failed++; printf("not ok - %s:%d: %s: got \"%s\", want \"%s\"\n", \
		__FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
} while (0)

#define CHECK_INT(got, want) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (g_ == w_) { t_passed++; printf("ok - %s == %lld\n", #got, w_); } \
	else { t_failed++; printf("not ok - %s:%d: %s: got %lld, want %lld\n", \
		__FILE__, __LINE__, #got, g_, w_); } \
} while (0)

#define T_DONE() (t_failed ? 1 : 0)

#endif
