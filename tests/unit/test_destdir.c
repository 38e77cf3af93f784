/* The one way to write below DEST (common/destdir.h): folders opened
 * without following links, random O_EXCL temporary names, renameat, the
 * sweep of a dead run's leftovers, and the lock a second run waits on. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "destdir.h"
#include "exitcode.h"
#include "t.h"

static char root[] = "/tmp/test_destdir.XXXXXX";

static char *at(const char *rel)
{
	return xasprintf("%s/%s", root, rel);
}

static void put(const char *rel, const char *text)
{
	char *path = at(rel);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

static int exists(const char *rel)
{
	struct stat st;
	char *path = at(rel);
	int rc = !lstat(path, &st);
	free(path);
	return rc;
}

static size_t count_entries(const char *rel)
{
	char *path = at(rel);
	DIR *d = opendir(path);
	struct dirent *de;
	size_t n = 0;
	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	free(path);
	return n;
}

static void test_names(void)
{
	regex_t re;
	char seen[200][64];
	int unique = 1, shaped = 1;
	regcomp(&re, "^\\.initc-[0-9a-f]{16}\\.partial$", REG_EXTENDED | REG_NOSUB);
	for (int i = 0; i < 200; i++) {
		destdir_random_name(seen[i], sizeof seen[i], DESTDIR_TEMP_PREFIX, DESTDIR_TEMP_SUFFIX);
		shaped &= !regexec(&re, seen[i], 0, NULL, 0);
		for (int j = 0; j < i; j++)
			unique &= strcmp(seen[i], seen[j]) != 0;
	}
	regfree(&re);
	CHECK(shaped);
	CHECK(unique);
}

static void test_write(struct destdir *d)
{
	struct dest_file f;
	struct buf err = BUF_INIT;
	CHECK_INT(dest_file_create(d, "a/b/model.bin", &f, &err), 0);
	CHECK(!strncmp(f.tmp, DESTDIR_TEMP_PREFIX, strlen(DESTDIR_TEMP_PREFIX)));
	CHECK(write(f.fd, "bytes", 5) == 5);
	CHECK(!exists("a/b/model.bin")); /* nothing at the final name before the commit */
	CHECK_INT(dest_file_commit(&f, &err), 0);
	CHECK(exists("a/b/model.bin"));
	CHECK_INT(count_entries("a/b"), 1); /* the temporary name is gone */

	/* a discarded file leaves nothing */
	CHECK_INT(dest_file_create(d, "a/b/other.bin", &f, &err), 0);
	dest_file_discard(&f);
	CHECK_INT(count_entries("a/b"), 1);
	buf_free(&err);
}

static void test_links_refused(struct destdir *d)
{
	struct dest_file f;
	struct buf err = BUF_INIT;
	struct stat st;
	char *outside = xasprintf("%s.outside", root);
	mkdir(outside, 0755);
	char *link = at("sub");
	CHECK_INT(symlink(outside, link), 0);

	CHECK_INT(dest_file_create(d, "sub/x", &f, &err), EXIT_UNSAFE);
	CHECK(err.data && strstr(err.data, "symbolic link"));
	CHECK(err.data && strstr(err.data, "/sub"));
	buf_reset(&err);
	CHECK_INT(dest_file_create(d, "sub/deeper/x", &f, &err), EXIT_UNSAFE);
	CHECK(rmdir(outside) == 0); /* still empty: nothing went through the link */
	CHECK_INT(destdir_stat(d, "sub/x", &st, NULL), EXIT_UNSAFE);

	/* a file where a folder goes */
	put("plain", "x");
	buf_reset(&err);
	CHECK_INT(dest_file_create(d, "plain/x", &f, &err), EXIT_LOCALIO);
	CHECK(err.data && strstr(err.data, "a file is in the way"));
	unlink(link);
	free(link);
	free(outside);
	buf_free(&err);
}

static void test_sweep(struct destdir *d)
{
	char *dir = at(".initc-0123456789abcdef.staging");
	mkdir(dir, 0755);
	put(".initc-0123456789abcdef.staging/model.pkl", "half");
	put(".initc-fedcba9876543210.partial", "half");
	put("a/.3.45.initc.partial", "an older release's name");
	put("a/.initc-unpack-1-2", "an older release's unpack name");
	put(".initc-keep", "not a temporary name");
	put("a/model.partial", "the user's");
	char *outside = xasprintf("%s.outside2", root);
	char *outside_tmp = xasprintf("%s/.initc-00000000000000aa.partial", outside);
	mkdir(outside, 0755);
	FILE *f = fopen(outside_tmp, "w");
	if (f)
		fclose(f);
	char *link = at("linked");
	CHECK_INT(symlink(outside, link), 0);

	destdir_sweep(d);
	CHECK(!exists(".initc-0123456789abcdef.staging"));
	CHECK(!exists(".initc-fedcba9876543210.partial"));
	CHECK(!exists("a/.3.45.initc.partial"));
	CHECK(!exists("a/.initc-unpack-1-2"));
	CHECK(exists(".initc-keep"));
	CHECK(exists("a/model.partial"));
	CHECK(access(outside_tmp, F_OK) == 0); /* the sweep never follows a link */
	unlink(outside_tmp);
	rmdir(outside);
	unlink(link);
	free(link);
	free(outside_tmp);
	free(outside);
	free(dir);
}

/* A second run waits for the first, says so (and for whom), then goes on.
 * Each step waits on a pipe, never on a clock. */
static void test_lock(void)
{
	int go[2], held[2], errpipe[2];
	CHECK(!pipe(go) && !pipe(held) && !pipe(errpipe));
	pid_t first = fork();
	if (first == 0) {
		struct destdir d;
		struct buf err = BUF_INIT;
		char c;
		if (destdir_open(&d, root, &err) || destdir_lock(&d, &err))
			_exit(1);
		if (write(held[1], "h", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		destdir_close(&d);
		_exit(0);
	}
	char c;
	CHECK(read(held[0], &c, 1) == 1);
	pid_t second = fork();
	if (second == 0) {
		struct destdir d;
		struct buf err = BUF_INIT;
		dup2(errpipe[1], 2);
		if (destdir_open(&d, root, &err) || destdir_lock(&d, &err))
			_exit(1);
		fprintf(stderr, "second has the lock\n");
		destdir_close(&d);
		_exit(0);
	}
	close(errpipe[1]);
	FILE *log = fdopen(errpipe[0], "r");
	char line[512];
	int waited = 0, got = 0;
	while (log && fgets(line, sizeof line, log)) {
		if (strstr(line, "waiting for another initc run") && strstr(line, "holder=")) {
			waited = 1;
			CHECK(write(go[1], "g", 1) == 1); /* now let the first one go */
		}
		if (strstr(line, "second has the lock"))
			got = waited;
	}
	CHECK(waited);
	CHECK(got);
	int status;
	CHECK(waitpid(first, &status, 0) == first && WIFEXITED(status) && !WEXITSTATUS(status));
	CHECK(waitpid(second, &status, 0) == second && WIFEXITED(status) && !WEXITSTATUS(status));
	if (log)
		fclose(log);
}

int main(void)
{
	struct destdir d;
	struct buf err = BUF_INIT;
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	test_names();
	CHECK_INT(destdir_open(&d, root, &err), 0);
	test_write(&d);
	test_links_refused(&d);
	test_sweep(&d);
	destdir_close(&d);
	test_lock();
	char *cmd = xasprintf("rm -rf '%s'", root);
	CHECK(system(cmd) == 0);
	free(cmd);
	buf_free(&err);
	return T_DONE();
}
