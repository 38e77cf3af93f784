/* "Did you mean ...?": the candidate closest to a mistyped word. */
#ifndef COMMON_NEAREST_H
#define COMMON_NEAREST_H

#include <stddef.h>

/* Case-insensitive edit distance (insert, delete, substitute, swap). */
int edit_distance(const char *a, const char *b);

/* The candidate nearest to word, or NULL when even the best needs more
 * than max(2, strlen(word)/3) edits (then a suggestion would confuse). */
const char *nearest_word(const char *word, const char *const *candidates, size_t n);

#endif
