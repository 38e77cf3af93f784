/* Edit distance and nearest-word suggestions; see nearest.h. */
#include "nearest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORD 128

static int min3(int a, int b, int c)
{
	int m = a < b ? a : b;
	return m < c ? m : c;
}

/* Optimal string alignment distance over three rolling rows. */
int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int rows[3][MAX_WORD + 1];

	if (la > MAX_WORD || lb > MAX_WORD)
		return MAX_WORD;
	for (size_t j = 0; j <= lb; j++)
		rows[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int *cur = rows[i % 3], *prev = rows[(i - 1) % 3], *prev2 = rows[(i + 1) % 3];
		cur[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			int cost = ca != cb;
			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
	}
	return rows[la % 3][lb];
}

const char *nearest_word(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	int best_dist = 0, limit = (int)strlen(word) / 3;

	if (limit < 2)
		limit = 2;
	for (size_t i = 0; i < n; i++) {
		int d = edit_distance(word, candidates[i]);
		if (!best || d < best_dist) {
			best = candidates[i];
			best_dist = d;
		}
	}
	return best && best_dist <= limit ? best : NULL;
}
