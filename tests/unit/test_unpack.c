/* initc/unpack.c: good archives come out byte-identical, hostile ones are
 * refused with nothing left behind. The archives are written at test time
 * by tests/fixtures/make-archives.py (run from the repository root, as
 * tests/run does; UNPACK_FIXTURE overrides the script's path).
 *
 * Every case unpacks into BOX/dest, next to BOX/outside/sentinel.txt;
 * hostile archives aim at BOX, so an escape is seen by listing BOX. */
#include "t.h"
#include "buf.h"
#include "exitcode.h"
#include "unpack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define SENTINEL "do not touch\n"

static char root[64], arc[128], box[128], dest[256], outside[256], src[256];

static const struct unpack_limits roomy = { 1LL << 30, 1000 };

/* ---- files ----------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Whole file into b (emptied first); -1 if unreadable. */
static int slurp(const char *path, struct buf *b)
{
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW);

	buf_reset(b);
	buf_add(b, "", 0);
	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(b, chunk, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

static void spit(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		printf("not ok - cannot write %s\n", path);
		exit(1);
	}
}

static int same_file(const char *a, const char *b)
{
	struct buf x = BUF_INIT, y = BUF_INIT;
	int same = !slurp(a, &x) && !slurp(b, &y) && x.len == y.len &&
		   !memcmp(x.data, y.data, x.len);
	buf_free(&x);
	buf_free(&y);
	return same;
}

/* Sorted names in dir, comma-separated ("" if empty or missing). */
static char *list(const char *dir)
{
	struct dirent **names;
	struct buf b = BUF_INIT;
	int n = scandir(dir, &names, NULL, alphasort);

	buf_adds(&b, "");
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (strcmp(name, ".") && strcmp(name, "..")) {
			if (b.len)
				buf_addc(&b, ',');
			buf_adds(&b, name);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return buf_steal(&b);
}

/* Do trees a and b hold the same names, types and bytes? */
static int same_tree(const char *a, const char *b)
{
	char *la = list(a), *lb = list(b), *next;
	int same = !strcmp(la, lb);

	for (char *name = strtok_r(la, ",", &next); same && name;
	     name = strtok_r(NULL, ",", &next)) {
		char *pa = xasprintf("%s/%s", a, name), *pb = xasprintf("%s/%s", b, name);
		struct stat sa, sb;
		same = !lstat(pa, &sa) && !lstat(pb, &sb) &&
		       (sa.st_mode & S_IFMT) == (sb.st_mode & S_IFMT);
		if (same && S_ISDIR(sa.st_mode))
			same = same_tree(pa, pb);
		else if (same)
			same = S_ISREG(sa.st_mode) && same_file(pa, pb);
		if (!same)
			printf("# differs: %s\n", pb);
		free(pa);
		free(pb);
	}
	free(la);
	free(lb);
	return same;
}

static int mode_of(const char *rel)
{
	char *path = xasprintf("%s/%s", dest, rel);
	struct stat st;
	int mode = lstat(path, &st) ? -1 : (int)(st.st_mode & 07777);
	free(path);
	return mode;
}

/* Bytes this process has written so far (write(2) and friends). */
static long long bytes_written(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	char line[128];
	long long v = -1;

	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "wchar: %lld", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

/* ---- one case -------------------------------------------------------- */

/* A fresh BOX with an empty dest, and the archive copied into dest. */
static char *fresh_box(const char *name)
{
	char *from = xasprintf("%s/%s", arc, name), *to = xasprintf("%s/%s", dest, name);
	char *sentinel = xasprintf("%s/sentinel.txt", outside);
	struct buf b = BUF_INIT;

	rm_tree(box);
	if (mkdir(box, 0755) || mkdir(dest, 0755) || mkdir(outside, 0755) || slurp(from, &b)) {
		printf("not ok - cannot set up %s for %s\n", box, name);
		exit(1);
	}
	spit(to, b.data, b.len);
	free(from);
	buf_free(&b);
	spit(sentinel, SENTINEL, strlen(SENTINEL));
	free(sentinel);
	return to;
}

static int run(const char *name, const struct unpack_limits *lim, struct buf *err)
{
	char *path = fresh_box(name);
	int rc;

	buf_reset(err);
	rc = unpack_archive(path, dest, lim, err);
	printf("# %s: rc=%d %s\n", name, rc, err->len ? err->data : "");
	/* the archive is kept either way: unpacked.c removes it once the tree
	 * is in place */
	CHECK(!access(path, F_OK));
	if (!rc)
		unlink(path);
	free(path);
	return rc;
}

/* Nothing outside dest changed. */
static void check_box(const char *name)
{
	char *sentinel = xasprintf("%s/sentinel.txt", outside);
	char *lbox = list(box), *lout = list(outside);
	struct buf b = BUF_INIT;

	printf("# %s: box\n", name);
	CHECK_STR(lbox, "dest,outside");
	CHECK_STR(lout, "sentinel.txt");
	CHECK(!slurp(sentinel, &b) && !strcmp(b.data, SENTINEL));
	buf_free(&b);
	free(lbox);
	free(lout);
	free(sentinel);
}

/* Failed: dest holds the untouched archive and nothing else (no temp
 * file, nothing unpacked before the bad entry). */
static void check_refused(const char *name, int rc, int want, const struct buf *err,
			  const char *want_in_err)
{
	char *kept = xasprintf("%s/%s", dest, name), *orig = xasprintf("%s/%s", arc, name);
	char *ldest = list(dest);

	printf("# %s: refused\n", name);
	CHECK_INT(rc, want);
	CHECK(err->len && strstr(err->data, want_in_err) && !strchr(err->data, '\n'));
	CHECK_STR(ldest, name);
	CHECK(same_file(kept, orig));
	check_box(name);
	free(ldest);
	free(kept);
	free(orig);
}

/* ---- tests ----------------------------------------------------------- */

static void test_good(void)
{
	static const char *const good[] = {
		"good.tar", "good.tar.gz", "good.tgz", "good.tar.xz", "good.tar.bz2", "good.zip",
	};
	struct buf err = BUF_INIT;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		int rc = run(good[i], &roomy, &err);
		printf("# %s: unpacked\n", good[i]);
		CHECK_INT(rc, 0);
		CHECK(same_tree(src, dest));   /* also: archive gone, no temp file */
		CHECK_INT(mode_of("bin/run.sh"), 0755);
		CHECK_INT(mode_of("setuid.bin"), 0755);
		CHECK_INT(mode_of("private.txt"), 0644);
		CHECK_INT(mode_of("MLmodel"), 0644);
		CHECK_INT(mode_of("a/b/c"), 0755);
		CHECK_INT(mode_of("модель"), 0755);
		check_box(good[i]);
	}
	buf_free(&err);
}

static void test_links(void)
{
	struct buf err = BUF_INIT, b = BUF_INIT;
	char *model = xasprintf("%s/v1/model.pkl", dest), *copy = xasprintf("%s/copy.pkl", dest);
	char *latest = xasprintf("%s/latest", dest), *dup = xasprintf("%s/dup.txt", dest);
	char *archive = xasprintf("%s/links.tar", dest), *xdir = xasprintf("%s/v1", dest);
	char *listing, target[64] = "";
	struct stat sm, sc;
	ssize_t n;

	CHECK_INT(run("links.tar", &roomy, &err), 0);
	n = readlink(latest, target, sizeof target - 1);
	target[n > 0 ? n : 0] = '\0';
	CHECK_STR(target, "v1/model.pkl");
	CHECK(!stat(model, &sm) && !stat(copy, &sc) && sm.st_ino == sc.st_ino);
	CHECK(!slurp(dup, &b) && !strcmp(b.data, "second"));
	CHECK(access(archive, F_OK) < 0 && errno == ENOENT);
	listing = list(dest);
	CHECK_STR(listing, "copy.pkl,dup.txt,latest,v1");   /* no temp file left */
	free(listing);
	listing = list(xdir);
	CHECK_STR(listing, "model.pkl,self");
	free(listing);
	check_box("links.tar");
	free(model), free(copy), free(latest), free(dup), free(archive), free(xdir);
	buf_free(&err);
	buf_free(&b);
}

static void test_hostile(void)
{
	static const struct {
		const char *archive;
		int want;
		const char *in_err;    /* the entry or the reason */
	} cases[] = {
		{ "dotdot.tar", EXIT_UNSAFE, "../evil" },
		{ "abs.tar", EXIT_UNSAFE, "absolute path" },
		{ "dotdot-mid.tar", EXIT_UNSAFE, "a/../../evil" },
		{ "symlink-abs.tar", EXIT_UNSAFE, "entry link is a symbolic link to /" },
		{ "symlink-up.tar", EXIT_UNSAFE, "outside DEST" },
		{ "symlink-chain.tar", EXIT_UNSAFE, "d/m" },
		{ "symlink-parent.tar", EXIT_UNSAFE, "never follows links" },
		{ "hardlink-abs.tar", EXIT_UNSAFE, "/etc/passwd" },
		{ "hardlink-up.tar", EXIT_UNSAFE, "../x" },
		{ "hardlink-dir.tar", EXIT_UNSAFE, "hard link" },
		{ "hardlink-missing.tar", EXIT_UNSAFE, "not-unpacked" },
		{ "chardev.tar", EXIT_UNSAFE, "character device" },
		{ "blockdev.tar", EXIT_UNSAFE, "block device" },
		{ "fifo.tar", EXIT_UNSAFE, "FIFO" },
		{ "ctrl.tar", EXIT_UNSAFE, "control character" },
		{ "longname.tar", EXIT_UNSAFE, "longer than 255" },
		{ "replace-type.tar", EXIT_UNSAFE, "twice" },
		{ "clash.tar", EXIT_UNSAFE, "before unpacking" },
		{ "dotdot.zip", EXIT_UNSAFE, "../evil" },
		{ "empty.tar", EXIT_INTEGRITY, "no files" },
		{ "truncated.tgz", EXIT_INTEGRITY, "runcated" },
		{ "garbage.tar.gz", EXIT_INTEGRITY, "corrupt" },
	};
	struct buf err = BUF_INIT;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = run(cases[i].archive, &roomy, &err);
		check_refused(cases[i].archive, rc, cases[i].want, &err, cases[i].in_err);
	}
	buf_free(&err);
}

/* The bomb guard stops early: far less than the archive's 1 GiB (or
 * 512 MiB in 16 MiB files) is ever written with a 100 MiB limit. */
static void test_bombs(void)
{
	static const char *const bombs[] = { "bomb.tar.gz", "bomb-many.tar.gz" };
	const struct unpack_limits small = { 100LL << 20, 1000 };
	const struct unpack_limits few = { 1LL << 30, 10 };
	struct buf err = BUF_INIT;

	for (size_t i = 0; i < 2; i++) {
		long long before = bytes_written(), written;
		int rc = run(bombs[i], &small, &err);
		written = bytes_written() - before;
		printf("# %s: wrote %lld bytes\n", bombs[i], written);
		CHECK(before >= 0 && written < (110LL << 20));
		check_refused(bombs[i], rc, EXIT_INTEGRITY, &err, "INITC_MAX_UNPACK_BYTES");
	}
	check_refused("many.tar", run("many.tar", &few, &err), EXIT_INTEGRITY, &err,
		      "INITC_MAX_UNPACK_ENTRIES");
	buf_free(&err);
}

/* A write error (here EFBIG from RLIMIT_FSIZE: root ignores permissions)
 * is EXIT_LOCALIO naming the path, with everything rolled back. */
static void test_write_error(void)
{
	struct rlimit old, small = { 100 * 1024, 0 };
	struct buf err = BUF_INIT;
	char *path = fresh_box("good.tar");
	int rc;

	getrlimit(RLIMIT_FSIZE, &old);
	small.rlim_max = old.rlim_max;
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &small);
	rc = unpack_archive(path, dest, &roomy, &err);
	setrlimit(RLIMIT_FSIZE, &old);
	printf("# write error: %s\n", err.data);
	check_refused("good.tar", rc, EXIT_LOCALIO, &err, "a/b/c/weights.bin: File too large");

	buf_reset(&err);
	CHECK_INT(unpack_archive(path, "/nonexistent/dest", &roomy, &err), EXIT_LOCALIO);
	CHECK(err.len && strstr(err.data, "/nonexistent/dest"));
	buf_reset(&err);
	CHECK_INT(unpack_archive("/nonexistent/x.tar", dest, &roomy, &err), EXIT_LOCALIO);
	free(path);
	buf_free(&err);
}

static void test_limits_env(void)
{
	static const struct {
		const char *bytes, *entries;
		long long want_bytes, want_entries;   /* -1: invalid */
	} cases[] = {
		{ NULL, NULL, 64LL << 30, 1000000 },
		{ "", "", 64LL << 30, 1000000 },
		{ "10G", "200000", 10LL << 30, 200000 },
		{ "500M", "1", 500LL << 20, 1 },
		{ "123456", NULL, 123456, 1000000 },
		{ "2KiB", NULL, 2048, 1000000 },
		{ "1t", NULL, 1LL << 40, 1000000 },
		{ "1.5G", NULL, -1, 1000000 },
		{ "-5", "0", -1, -1 },
		{ "10X", "10k", -1, -1 },
		{ "99999999999T", " 7", -1, -1 },
	};
	const char *archive = "never-opened.tar";
	struct buf err = BUF_INIT;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct unpack_limits lim;
		if (cases[i].bytes)
			setenv("INITC_MAX_UNPACK_BYTES", cases[i].bytes, 1);
		else
			unsetenv("INITC_MAX_UNPACK_BYTES");
		if (cases[i].entries)
			setenv("INITC_MAX_UNPACK_ENTRIES", cases[i].entries, 1);
		else
			unsetenv("INITC_MAX_UNPACK_ENTRIES");
		unpack_default_limits(&lim);
		CHECK_INT(lim.max_total_bytes, cases[i].want_bytes);
		CHECK_INT(lim.max_entries, cases[i].want_entries);
		if (cases[i].want_bytes > 0 && cases[i].want_entries > 0)
			continue;
		buf_reset(&err);
		CHECK_INT(unpack_archive(archive, dest, &lim, &err), EXIT_USAGE);
		CHECK(err.len && strstr(err.data, cases[i].want_bytes < 0 ?
					"INITC_MAX_UNPACK_BYTES" : "INITC_MAX_UNPACK_ENTRIES"));
	}
	unsetenv("INITC_MAX_UNPACK_BYTES");
	unsetenv("INITC_MAX_UNPACK_ENTRIES");
	buf_free(&err);
}

static void test_is_archive(void)
{
	static const struct {
		const char *name;
		int want;
	} cases[] = {
		{ "model.tar", 1 }, { "model.tar.gz", 1 }, { "m.tgz", 1 }, { "m.tar.bz2", 1 },
		{ "m.tbz2", 1 }, { "m.tar.xz", 1 }, { "m.txz", 1 }, { "m.tar.zst", 1 },
		{ "M.ZIP", 1 }, { "model.pkl", 0 }, { "model.gz", 0 }, { ".tar", 0 },
		{ "tar", 0 }, { "model.tar.gz.part", 0 }, { "", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		printf("# unpack_is_archive(\"%s\")\n", cases[i].name);
		CHECK_INT(unpack_is_archive(cases[i].name), cases[i].want);
	}
}

static int setup(void)
{
	const char *script = getenv("UNPACK_FIXTURE");
	char *cmd;
	int rc;

	if (!script)
		script = "tests/fixtures/make-archives.py";
	strcpy(root, "/tmp/test_unpack.XXXXXX");
	if (!mkdtemp(root) || access(script, R_OK)) {
		printf("not ok - need %s (run from the repository root) and a temp dir\n", script);
		return -1;
	}
	snprintf(arc, sizeof arc, "%s/arc", root);
	snprintf(box, sizeof box, "%s/box", root);
	snprintf(dest, sizeof dest, "%s/dest", box);
	snprintf(outside, sizeof outside, "%s/outside", box);
	snprintf(src, sizeof src, "%s/src", arc);
	cmd = xasprintf("/usr/bin/python3 %s %s %s", script, arc, box);
	rc = system(cmd);
	free(cmd);
	if (rc) {
		printf("not ok - %s failed (status %d)\n", script, rc);
		return -1;
	}
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	unsetenv("INITC_MAX_UNPACK_BYTES");
	unsetenv("INITC_MAX_UNPACK_ENTRIES");
	if (setup())
		return 1;
	test_is_archive();
	test_good();
	test_links();
	test_hostile();
	test_bombs();
	test_write_error();
	test_limits_env();
	rm_tree(root);
	return T_DONE();
}
