/* Edit distance and "did you mean" suggestions (common/nearest.h). */
#include <string.h>

#include "nearest.h"
#include "t.h"

static const struct { const char *a, *b; int d; } distances[] = {
	{ "", "", 0 },
	{ "", "abc", 3 },
	{ "abc", "", 3 },
	{ "abc", "abc", 0 },
	{ "kitten", "sitting", 3 },
	{ "ENDPOINT", "endpoint", 0 },       /* case-insensitive */
	{ "endpiont", "endpoint", 1 },       /* one swap of neighbours */
	{ "regoin", "region", 1 },
	{ "abcd", "acbd", 1 },
	{ "secret_acess_key", "secret_access_key", 1 },
	{ "flaw", "lawn", 2 },
	{ "ca", "abc", 3 },                  /* optimal string alignment: no edit of a swapped pair */
	{ "provider", "provder", 1 },
};

static void test_edit_distance(void)
{
	for (size_t i = 0; i < sizeof distances / sizeof distances[0]; i++) {
		printf("# \"%s\" \"%s\"\n", distances[i].a, distances[i].b);
		CHECK_INT(edit_distance(distances[i].a, distances[i].b), distances[i].d);
		CHECK_INT(edit_distance(distances[i].b, distances[i].a), distances[i].d);
	}
}

static const char *const options[] = {
	"type", "provider", "env_auth", "access_key_id", "secret_access_key", "session_token",
	"region", "endpoint", "force_path_style", "list_version", "sts_endpoint",
};
#define NOPTIONS (sizeof options / sizeof options[0])

static void test_nearest_word(void)
{
	CHECK_STR(nearest_word("endpiont", options, NOPTIONS), "endpoint");
	CHECK_STR(nearest_word("ENDPOINT", options, NOPTIONS), "endpoint");
	CHECK_STR(nearest_word("regin", options, NOPTIONS), "region");
	CHECK_STR(nearest_word("secret_acess_key", options, NOPTIONS), "secret_access_key");
	CHECK_STR(nearest_word("acess_key_id", options, NOPTIONS), "access_key_id");
	CHECK_STR(nearest_word("forcepathstyle", options, NOPTIONS), "force_path_style");
	/* nothing close: no suggestion rather than a confusing one */
	CHECK(nearest_word("zzzzzzzz", options, NOPTIONS) == NULL);
	CHECK(nearest_word("bucket", options, NOPTIONS) == NULL);
	CHECK(nearest_word("endpoint", options, 0) == NULL);
}

/* The limit is max(2, strlen(word) / 3) edits. */
static void test_limit(void)
{
	static const char *const one[] = { "abcxyz" };
	static const char *const two[] = { "abxdey" };
	CHECK(nearest_word("abcdef", one, 1) == NULL);     /* 3 edits > 2 */
	CHECK_STR(nearest_word("abcdef", two, 1), "abxdey"); /* 2 edits */
	static const char *const short_one[] = { "xy" };
	CHECK_STR(nearest_word("ab", short_one, 1), "xy");  /* 2 edits: still within 2 */
	static const char *const long_one[] = { "abcdefghijklmnopqrstu" };
	/* 21 letters: limit 7 */
	CHECK_STR(nearest_word("abcdefghijklmnXXXXXXX", long_one, 1), "abcdefghijklmnopqrstu");
	CHECK(nearest_word("abcdefghijkXXXXXXXXXX", long_one, 1) == NULL);
	/* a tie goes to the first candidate */
	static const char *const tie[] = { "cat", "bat" };
	CHECK_STR(nearest_word("hat", tie, 2), "cat");
}

int main(void)
{
	test_edit_distance();
	test_nearest_word();
	test_limit();
	return T_DONE();
}
