/* Transfer plans (initc/plan.h): which object keys may be written below
 * DEST, and which files DEST already holds complete. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include "destdir.h"
#include "exitcode.h"
#include "plan.h"
#include "t.h"

static const char *const safe[] = {
	"model.pkl",
	"a/b/c/model.pkl",
	"data/\303\274ber/\xe6\xa8\xa1\xe5\x9e\x8b.bin",   /* UTF-8 names */
	"a..b",
	"..a/b..",
	"...",
	".hidden/.x",
	"dir/",            /* a trailing '/' marks a directory, the caller skips it */
	"with space/and+plus=eq%25",
};

static const char *const unsafe[] = {
	"",
	"..",
	"../x",
	"a/../b",
	"a/..",
	"/abs",
	"/",
	"a//b",
	"a//",
	".",
	"./a",
	"a/./b",
	"a\nb",
	"tab\there",
	"esc\x1b[31m",
	"del\x7f",
	/* initc's own names in DEST: the lock, the archive record, temporary names */
	".initc.lock",
	"a/.initc.unpacked",
	"sub/.initc-0123456789abcdef.partial",
	".initc-0123456789abcdef.staging/x",
	".3.45.initc.partial",
};

static void test_relpaths(void)
{
	for (size_t i = 0; i < sizeof safe / sizeof safe[0]; i++) {
		struct buf err = BUF_INIT;
		printf("# safe \"%s\"\n", safe[i]);
		CHECK_INT(plan_check_relpath(safe[i], safe[i], &err), 0);
		CHECK_INT(err.len, 0);
		buf_free(&err);
	}
	for (size_t i = 0; i < sizeof unsafe / sizeof unsafe[0]; i++) {
		struct buf err = BUF_INIT;
		char *key = xasprintf("models/iris/%s", unsafe[i]);
		printf("# unsafe #%zu\n", i);
		CHECK_INT(plan_check_relpath(unsafe[i], key, &err), EXIT_UNSAFE);
		/* the key (as the bucket has it) is named so it can be renamed */
		CHECK(err.data && strstr(err.data, key));
		free(key);
		buf_free(&err);
	}
}

/* NAME_MAX is 255 bytes a segment: 255 fits, 256 does not. */
static void test_segment_length(void)
{
	char seg[300];
	struct buf err = BUF_INIT;
	memset(seg, 'x', sizeof seg);
	seg[255] = '\0';
	CHECK_INT(plan_check_relpath(seg, seg, &err), 0);
	char *nested = xasprintf("a/%s/b", seg);
	CHECK_INT(plan_check_relpath(nested, nested, &err), 0);
	free(nested);

	seg[255] = 'x';
	seg[256] = '\0';
	CHECK_INT(plan_check_relpath(seg, "the-long-key", &err), EXIT_UNSAFE);
	CHECK(err.data && strstr(err.data, "the-long-key"));
	CHECK(err.data && strstr(err.data, "255"));
	buf_reset(&err);
	nested = xasprintf("a/%s/b", seg);
	CHECK_INT(plan_check_relpath(nested, nested, &err), EXIT_UNSAFE);
	free(nested);
	/* 128 two-byte characters: 256 bytes, over the limit too */
	struct buf wide = BUF_INIT;
	for (int i = 0; i < 128; i++)
		buf_adds(&wide, "\xc3\xbc");
	CHECK_INT(plan_check_relpath(wide.data, wide.data, &err), EXIT_UNSAFE);
	buf_free(&wide);
	buf_free(&err);
}

static char tmpdir[] = "/tmp/test_plan.XXXXXX";

static void make_file(const char *rel, size_t size, time_t mtime)
{
	char *path = xasprintf("%s/%s", tmpdir, rel);
	FILE *f = fopen(path, "w");
	for (size_t i = 0; f && i < size; i++)
		fputc('x', f);
	if (f)
		fclose(f);
	struct utimbuf times = { mtime, mtime };
	utime(path, &times);
	free(path);
}

static void add_item(struct plan *p, const char *rel, long long size, time_t mtime)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->v = xrealloc(p->v, p->cap * sizeof *p->v);
	}
	struct item *it = &p->v[p->n++];
	memset(it, 0, sizeof *it);
	it->rel = xstrdup(rel), it->rel_owned = 1;
	it->key = xasprintf("prefix/%s", rel);
	it->etag = xstrdup("");
	it->size = size;
	it->mtime = mtime;
	p->bytes += size > 0 ? size : 0;
}

static void test_mark_complete(void)
{
	const time_t when = 1700000000;
	struct plan p = { 0 };
	char *sub = xasprintf("%s/sub", tmpdir);
	char *dir_item = xasprintf("%s/isdir", tmpdir);

	mkdir(sub, 0755);
	mkdir(dir_item, 0755);
	make_file("same", 10, when);
	make_file("sub/same", 0, when);
	make_file("bigger", 11, when);
	make_file("newer", 10, when + 1);
	make_file("unknown-size", 10, when);
	make_file("unknown-mtime", 10, 0);

	add_item(&p, "same", 10, when);          /* 0: complete */
	add_item(&p, "sub/same", 0, when);       /* 1: complete, empty file */
	add_item(&p, "bigger", 10, when);        /* 2: size differs */
	add_item(&p, "newer", 10, when);         /* 3: mtime differs */
	add_item(&p, "missing", 10, when);       /* 4: not there */
	add_item(&p, "unknown-size", -1, when);  /* 5: size unknown (http) */
	add_item(&p, "unknown-mtime", 10, 0);    /* 6: mtime unknown */
	CHECK_INT(p.bytes, 50);

	struct destdir d;
	struct buf err = BUF_INIT;
	CHECK_INT(destdir_open(&d, tmpdir, &err), 0);
	CHECK_INT(plan_mark_complete(&p, &d, &err), 0);
	static const int want_skip[] = { 1, 1, 0, 0, 0, 0, 0 };
	for (size_t i = 0; i < p.n; i++) {
		printf("# %s\n", p.v[i].rel);
		CHECK_INT(p.v[i].skip, want_skip[i]);
	}
	CHECK_INT(p.skipped, 2);
	CHECK_INT(p.bytes, 40);

	/* a folder where a file goes fails before the first byte, named */
	struct plan q = { 0 };
	add_item(&q, "isdir", 0, when);
	CHECK_INT(plan_mark_complete(&q, &d, &err), EXIT_LOCALIO);
	CHECK(err.data && strstr(err.data, "isdir") && strstr(err.data, "is a folder"));
	plan_free(&q);
	/* a symlink on the way is never followed: refused, not looked through */
	char *link = xasprintf("%s/sub-link", tmpdir);
	CHECK_INT(symlink("sub", link), 0);
	buf_reset(&err);
	add_item(&q, "sub-link/same", 0, when);
	CHECK_INT(plan_mark_complete(&q, &d, &err), EXIT_UNSAFE);
	CHECK(err.data && strstr(err.data, "symbolic link"));
	CHECK_INT(q.skipped, 0);
	plan_free(&q);
	unlink(link);
	free(link);
	destdir_close(&d);
	buf_free(&err);

	static const char *const files[] = { "same", "sub/same", "bigger", "newer", "unknown-size",
					     "unknown-mtime" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *path = xasprintf("%s/%s", tmpdir, files[i]);
		unlink(path);
		free(path);
	}
	rmdir(sub);
	rmdir(dir_item);
	free(sub);
	free(dir_item);
	plan_free(&p);
	CHECK(p.n == 0 && p.v == NULL);
}

/* The one key -> path mapping: only keys under the listed prefix. */
static void test_map_key(void)
{
	static const struct {
		const char *dir, *key;
		long long size;
		int rc;
		const char *rel;      /* NULL: passed over (folder marker) */
	} cases[] = {
		{ "models/iris/", "models/iris/model.pkl", 5, 0, "model.pkl" },
		{ "models/iris/", "models/iris/sub/x", 5, 0, "sub/x" },
		{ "models/iris/", "models/iris/sub/", 0, 0, NULL },
		{ "models/iris/", "models/iris/", 0, 0, NULL },
		{ "", "a/b", 1, 0, "a/b" },
		/* a hostile listing: outside the prefix, shorter than it */
		{ "models/iris/", "zzzzzz/iris/evil", 5, EXIT_INTEGRITY, NULL },
		{ "models/iris/", "models/iri", 5, EXIT_INTEGRITY, NULL },
		{ "models/iris/", "m", 5, EXIT_INTEGRITY, NULL },
		{ "models/iris/", "", 5, EXIT_INTEGRITY, NULL },
		/* a "folder" that holds bytes has no file name */
		{ "models/iris/", "models/iris/x/", 3, EXIT_INTEGRITY, NULL },
		{ "models/iris/", "models/iris/../escape", 3, EXIT_UNSAFE, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf err = BUF_INIT;
		const char *rel = "unset";
		printf("# map %s\n", cases[i].key);
		CHECK_INT(plan_map_key(cases[i].dir, cases[i].key, cases[i].size, &rel, &err),
			  cases[i].rc);
		if (!cases[i].rc && cases[i].rel)
			CHECK_STR(rel, cases[i].rel);
		else if (!cases[i].rc)
			CHECK(rel == NULL);
		else
			CHECK(err.data && strstr(err.data, cases[i].key));
		buf_free(&err);
	}
}

/* Collisions are found before the first byte: a path twice, a file that
 * is also a folder, a path past PATH_MAX. */
static void test_layout(void)
{
	static const struct {
		const char *rels[4];
		int rc;
	} cases[] = {
		{ { "a", "b", "c/d", NULL }, 0 },
		{ { "a", "a-b", "a.b", "ab" }, 0 },
		{ { "a/b", "a", NULL }, EXIT_INTEGRITY },
		{ { "x/y/z", "b", "x/y", NULL }, EXIT_INTEGRITY },
		{ { "dup", "other", "dup", NULL }, EXIT_INTEGRITY },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct plan p = { 0 };
		struct buf err = BUF_INIT;
		for (int j = 0; j < 4 && cases[i].rels[j]; j++)
			add_item(&p, cases[i].rels[j], 1, 0);
		printf("# layout case %zu\n", i);
		CHECK_INT(plan_check_layout(&p, "/mnt/models", &err), cases[i].rc);
		if (cases[i].rc)
			CHECK(err.data && strstr(err.data, "nothing was written"));
		plan_free(&p);
		buf_free(&err);
	}
	struct plan p = { 0 };
	struct buf err = BUF_INIT, deep = BUF_INIT;
	for (int i = 0; i < 25; i++) /* 25 x 200 bytes: past PATH_MAX (4096) */
		buf_adds(&deep, "segment-of-two-hundred-bytes-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx/");
	buf_adds(&deep, "file");
	add_item(&p, deep.data, 1, 0);
	CHECK_INT(plan_check_layout(&p, "/mnt/models", &err), EXIT_UNSAFE);
	CHECK(err.data && strstr(err.data, "path limit"));
	plan_free(&p);
	buf_free(&err);
	buf_free(&deep);
}

/* http(s) sources: one file named after the URL's last segment. */
static void test_plan_http(void)
{
	static const struct { const char *url, *rel; } cases[] = {
		{ "https://example.com/models/model.tar.gz", "model.tar.gz" },
		{ "https://example.com/m.zip?X-Amz-Signature=abc/def", "m.zip" },
		{ "http://example.com:8080/a/b/model.pkl#frag", "model.pkl" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct source s;
		struct plan p = { 0 };
		struct buf err = BUF_INIT;
		CHECK_INT(source_parse(cases[i].url, &s, &err), 0);
		CHECK_INT(plan_http(&s, &p, &err), 0);
		CHECK_INT(p.n, 1);
		if (p.n == 1) {
			CHECK_STR(p.v[0].rel, cases[i].rel);
			CHECK_STR(p.v[0].key, cases[i].url);
			CHECK_INT(p.v[0].size, -1);
		}
		plan_free(&p);
		source_free(&s);
		buf_free(&err);
	}

	static const char *const no_file[] = { "https://example.com/", "https://example.com/dir/",
					       "https://example.com" };
	for (size_t i = 0; i < sizeof no_file / sizeof no_file[0]; i++) {
		struct source s;
		struct plan p = { 0 };
		struct buf err = BUF_INIT;
		printf("# %s\n", no_file[i]);
		CHECK_INT(source_parse(no_file[i], &s, &err), 0);
		CHECK_INT(plan_http(&s, &p, &err), EXIT_USAGE);
		CHECK_INT(p.n, 0);
		CHECK(err.data && strstr(err.data, no_file[i]));
		plan_free(&p);
		source_free(&s);
		buf_free(&err);
	}
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_relpaths();
	test_segment_length();
	test_mark_complete();
	test_map_key();
	test_layout();
	test_plan_http();
	rmdir(tmpdir);
	return T_DONE();
}
