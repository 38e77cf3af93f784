/* Output folder writing, model copying and input hashing; see outdir.h. */
#include "fsutil.h"
#include "outdir.h"
#include "exitcode.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_WALK_DEPTH 32

static int io_fail(struct buf *err, const char *what, const char *path)
{
	buf_reset(err);
	buf_printf(err, "%s %s: %s; check the path and its permissions", what, path,
		   strerror(errno));
	return EXIT_LOCALIO;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);  /* bytes, not the locale */
}

static int walk(const char *root, const char *rel, int depth, struct strlist *out,
		struct buf *err)
{
	char *dir = *rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, by_name), rc = 0;

	if (n < 0)
		rc = io_fail(err, "cannot list", dir);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (!rc && strcmp(name, ".") && strcmp(name, "..")) {
			char *sub = *rel ? xasprintf("%s/%s", rel, name) : xstrdup(name);
			char *full = xasprintf("%s/%s", root, sub);
			struct stat st;
			if (stat(full, &st))
				rc = io_fail(err, "cannot stat", full);
			else if (S_ISDIR(st.st_mode) && depth < MAX_WALK_DEPTH)
				rc = walk(root, sub, depth + 1, out, err);
			else if (S_ISREG(st.st_mode))
				strlist_add(out, sub);
			free(sub);
			free(full);
		}
		free(names[i]);
	}
	free(names);
	free(dir);
	return rc;
}

int model_files(const char *dir, struct strlist *out, struct buf *err)
{
	return walk(dir, "", 0, out, err);
}

static int hash_file_line(struct buf *text, const char *path, const char *name,
			  struct buf *err)
{
	char hex[SHA256_HEX_LEN + 1];
	if (digest_file_sha256_hex(path, hex))
		return io_fail(err, "cannot read", path);
	buf_printf(text, "%s  %s\n", hex, name);
	return 0;
}

int inputs_sha256(const struct env *env, const struct strlist *model, const char *settings,
		  char out[SHA256_HEX_LEN + 1], struct buf *err)
{
	struct buf text = BUF_INIT;
	int rc = 0;

	/* sha256sum-style lines: the hash does not depend on where files are */
	for (size_t i = 0; i < env->inputs.n && !rc; i++)
		rc = hash_file_line(&text, env->inputs.v[i], env->input_names.v[i], err);
	for (size_t i = 0; model && i < model->n && !rc; i++) {
		char *path = xasprintf("%s/%s", env->model_dir, model->v[i]);
		char *name = xasprintf("model/%s", model->v[i]);
		rc = hash_file_line(&text, path, name, err);
		free(path);
		free(name);
	}
	buf_adds(&text, settings);
	if (!rc)
		digest_sha256_hex(text.data, text.len, out);
	buf_free(&text);
	return rc;
}

static int write_file(const char *path, const void *data, size_t len, struct buf *err)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return io_fail(err, "cannot create", path);
	size_t put = fwrite(data, 1, len, f);
	int bad = put != len || fflush(f) || fsync(fileno(f));
	if (fclose(f) || bad)
		return io_fail(err, "cannot write", path);
	return 0;
}

/* The folders above root/rel, made as needed. */
static int mkdir_parents(const char *root, const char *rel, struct buf *err)
{
	const char *slash = strrchr(rel, '/');
	if (!slash)
		return 0;
	char *dir = xasprintf("%s/%.*s", root, (int)(slash - rel), rel);
	int rc = mkdir_p(dir, 0755) ? io_fail(err, "cannot create", dir) : 0;
	free(dir);
	return rc;
}

static int copy_file(const char *from, const char *to, struct buf *err)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), rc = 0;
	if (in < 0)
		return io_fail(err, "cannot read", from);
	int outfd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (outfd < 0) {
		close(in);
		return io_fail(err, "cannot create", to);
	}
	char chunk[65536];
	ssize_t got;
	while ((got = read(in, chunk, sizeof chunk)) > 0 && !rc)
		if (write(outfd, chunk, (size_t)got) != got)
			rc = io_fail(err, "cannot write", to);
	if (got < 0 && !rc)
		rc = io_fail(err, "cannot read", from);
	if (close(outfd) && !rc)
		rc = io_fail(err, "cannot write", to);
	close(in);
	return rc;
}

static int copy_model(const char *tmp, const char *model_dir, const struct strlist *model,
		      struct buf *err)
{
	char *root = xasprintf("%s/model", tmp);
	int rc = mkdir(root, 0755) ? io_fail(err, "cannot create", root) : 0;
	for (size_t i = 0; i < model->n && !rc; i++) {
		char *from = xasprintf("%s/%s", model_dir, model->v[i]);
		char *to = xasprintf("%s/%s", root, model->v[i]);
		rc = mkdir_parents(root, model->v[i], err);
		if (!rc)
			rc = copy_file(from, to, err);
		free(from);
		free(to);
	}
	free(root);
	return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* May an existing folder at path be replaced? */
static int replaceable(const char *path, int force)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int entries = 0;
	if (!d)
		return 0;
	while ((e = readdir(d)))
		entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	char *marker = xasprintf("%s/pin-audit.txt", path);
	int ours = access(marker, F_OK) == 0;
	free(marker);
	return force || ours || entries == 0;
}

static char *sibling_template(const char *path, const char *what)
{
	char *a = xstrdup(path), *b = xstrdup(path);
	char *t = xasprintf("%s/.%s.%s-XXXXXX", dirname(a), basename(b), what);
	free(a);
	free(b);
	return t;
}

static int swap_into_place(const char *tmp, const char *path, int force, struct buf *err)
{
	struct stat st;
	if (lstat(path, &st)) {
		if (errno != ENOENT)
			return io_fail(err, "cannot stat", path);
		return rename(tmp, path) ? io_fail(err, "cannot rename into", path) : 0;
	}
	if (!S_ISDIR(st.st_mode) || !replaceable(path, force)) {
		buf_reset(err);
		buf_printf(err, "%s exists and was not written by prebake; remove it, pick "
			   "another -o, or pass --force to replace it", path);
		return EXIT_LOCALIO;
	}
	char *old = sibling_template(path, "prebake-old");
	int rc = 0;
	if (!mkdtemp(old))
		rc = io_fail(err, "cannot create a folder beside", path);
	else if (rename(path, old))  /* replaces the empty old */
		rc = io_fail(err, "cannot move aside", path);
	else if (rename(tmp, path)) {
		rc = io_fail(err, "cannot rename into", path);
		if (rename(old, path)) { /* keep the previous output where it now is */
			buf_printf(err, "; the previous %s is kept at %s", path, old);
			free(old);
			return rc;
		}
	}
	rm_tree(old);
	free(old);
	return rc;
}

int outdir_write(const char *path, const struct outset *files, const char *model_dir,
		 const struct strlist *model, int force, struct buf *err)
{
	char *tmp = sibling_template(path, "prebake");
	int rc = 0;

	if (!mkdtemp(tmp)) {
		rc = io_fail(err, "cannot create a folder beside", path);
		free(tmp);
		return rc;
	}
	for (size_t i = 0; i < files->n && !rc; i++) {
		char *name = xasprintf("%s/%s", tmp, files->v[i].name);
		rc = write_file(name, files->v[i].body.data ? files->v[i].body.data : "",
				files->v[i].body.len, err);
		free(name);
	}
	if (!rc && model)
		rc = copy_model(tmp, model_dir, model, err);
	if (!rc && chmod(tmp, 0755))
		rc = io_fail(err, "cannot chmod", tmp);
	if (!rc)
		rc = swap_into_place(tmp, path, force, err);
	if (rc)
		rm_tree(tmp);
	free(tmp);
	return rc;
}
