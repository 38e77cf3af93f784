/* Output folder writing, model copying and input hashing; see outdir.h. */
#include "outdir.h"
#include "exitcode.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_WALK_DEPTH 32
/* Set explicitly, whatever the umask: Dockerfile COPY keeps the build
 * context's modes, and the image's non-root user must read the model and
 * the files prebake wrote. */
#define FILE_MODE 0644
#define DIR_MODE 0755

static int io_fail(struct buf *err, const char *what, const char *path)
{
	buf_reset(err);
	buf_printf(err, "%s %s: %s; check the path and its permissions", what, path,
		   strerror(errno));
	return EXIT_LOCALIO;
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	return xasprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

/* Where the output really goes. The temporary folders are made beside
 * it, so rename stays on one file system, and -o ., -o a/.. and out/
 * name the folder they point at rather than a name rename cannot move. */
struct outpath {
	char *parent;   /* real path of the folder that holds it */
	char *name;     /* its last name there */
	char *full;     /* parent/name */
	int via_link;   /* -o named a symlink to it */
};

static void outpath_free(struct outpath *o)
{
	free(o->parent);
	free(o->name);
	free(o->full);
}

/* Split a real path (taken over) into folder and last name; "/" has none. */
static int split_real(char *real, struct outpath *o)
{
	char *slash = strrchr(real, '/');
	if (!slash || !slash[1]) {
		free(real);
		return -1;
	}
	o->parent = slash == real ? xstrdup("/") : xstrndup(real, (size_t)(slash - real));
	o->name = xstrdup(slash + 1);
	o->full = real;
	return 0;
}

/* The real folder above clean plus its last name, which is not followed
 * (it may not exist yet) unless it is . or .. */
static char *real_out(const char *clean)
{
	const char *slash = strrchr(clean, '/');
	const char *last = slash ? slash + 1 : clean;
	if (!strcmp(last, ".") || !strcmp(last, ".."))
		return realpath(clean, NULL);
	char *dir = !slash ? xstrdup(".") :
		slash == clean ? xstrdup("/") : xstrndup(clean, (size_t)(slash - clean));
	char *real = realpath(dir, NULL);
	char *full = real ? join(real, last) : NULL;
	free(dir);
	free(real);
	return full;
}

/* A symlink is followed only to a folder; what it points at is replaced
 * and the link stays. */
static int resolve_out(const char *path, struct outpath *o, struct buf *err)
{
	char *clean = xstrdup(path), *real = NULL;
	size_t n = strlen(clean);
	struct stat st;
	int rc = 0;

	while (n > 1 && clean[n - 1] == '/')  /* out/ names out, even a link */
		clean[--n] = '\0';
	memset(o, 0, sizeof *o);
	o->via_link = !lstat(clean, &st) && S_ISLNK(st.st_mode);
	if (o->via_link && (stat(clean, &st) || !S_ISDIR(st.st_mode)))
		rc = buf_fail(err, EXIT_LOCALIO, "%s is a symlink to something other than a folder; remove it "
			    "or pick another -o", path);
	else if (!(real = o->via_link ? realpath(clean, NULL) : real_out(clean)))
		rc = io_fail(err, "cannot create a folder beside", path);
	else if (split_real(real, o))
		rc = buf_fail(err, EXIT_LOCALIO, "cannot write the output as \"%s\"; name a folder below it", path);
	free(clean);
	return rc;
}

/* What the model walk leaves out: the output folder and prebake's own
 * temporaries beside it, which sit inside the model folder when -o does,
 * and would otherwise be baked into the next output, and so on. */
struct walk_skip {
	int has_out, has_parent;
	struct stat out, parent;
	char *name;
};

static void skip_init(struct walk_skip *s, const char *outpath)
{
	struct outpath o;
	struct buf ignored = BUF_INIT;

	memset(s, 0, sizeof *s);
	/* an -o that cannot be resolved is reported by outdir_write */
	if (outpath && !resolve_out(outpath, &o, &ignored)) {
		s->has_out = !stat(o.full, &s->out);
		s->has_parent = !stat(o.parent, &s->parent);
		s->name = o.name;
		o.name = NULL;
		outpath_free(&o);
	}
	buf_free(&ignored);
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* .NAME.prebake-XXXXXX or .NAME.prebake-old-XXXXXX, X as mkdtemp fills them */
static int temp_name(const char *entry, const char *name)
{
	size_t n = strlen(name);
	if (entry[0] != '.' || strncmp(entry + 1, name, n) ||
	    strncmp(entry + 1 + n, ".prebake-", 9))
		return 0;
	const char *rest = entry + 1 + n + 9;
	if (!strncmp(rest, "old-", 4))
		rest += 4;
	if (strlen(rest) != 6)
		return 0;
	for (; *rest; rest++)
		if (!isalnum((unsigned char)*rest))
			return 0;
	return 1;
}

/* here: the folder that holds name; st: name itself */
static int skipped(const struct walk_skip *s, const struct stat *here, const char *name,
		   const struct stat *st)
{
	if (!S_ISDIR(st->st_mode))
		return 0;
	if (s->has_out && same_file(st, &s->out))
		return 1;
	return s->has_parent && same_file(here, &s->parent) && temp_name(name, s->name);
}

struct walk {
	const char *root;
	struct walk_skip skip;
	struct strlist *out;
	struct buf *err;
};

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);  /* bytes, not the locale */
}

static int walk_dir(struct walk *w, const char *rel, const struct stat *here, int depth);

static int walk_entry(struct walk *w, const char *rel, const struct stat *here,
		      const char *name, int depth)
{
	char *sub = *rel ? xasprintf("%s/%s", rel, name) : xstrdup(name);
	char *full = xasprintf("%s/%s", w->root, sub);
	struct stat st, target;
	int rc = 0;

	if (lstat(full, &st))
		rc = io_fail(w->err, "cannot stat", full);
	else if (skipped(&w->skip, here, name, S_ISLNK(st.st_mode) && !stat(full, &target) ?
			 &target : &st))
		rc = 0;
	else if (S_ISLNK(st.st_mode))  /* it may leave the model, or loop */
		rc = buf_fail(w->err, EXIT_INPUT, "%s is a symlink; a baked model holds only files and "
				  "folders. Replace it with what it points to", full);
	else if (S_ISDIR(st.st_mode) && depth >= MAX_WALK_DEPTH)
		rc = buf_fail(w->err, EXIT_INPUT, "%s is more than %d folders deep; flatten the model",
				  full, MAX_WALK_DEPTH);
	else if (S_ISDIR(st.st_mode))
		rc = walk_dir(w, sub, &st, depth + 1);
	else if (S_ISREG(st.st_mode))
		strlist_add(w->out, sub);
	free(sub);
	free(full);
	return rc;
}

static int walk_dir(struct walk *w, const char *rel, const struct stat *here, int depth)
{
	char *dir = *rel ? xasprintf("%s/%s", w->root, rel) : xstrdup(w->root);
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, by_name), rc = 0;

	if (n < 0)
		rc = io_fail(w->err, "cannot list", dir);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (!rc && strcmp(name, ".") && strcmp(name, ".."))
			rc = walk_entry(w, rel, here, name, depth);
		free(names[i]);
	}
	free(names);
	free(dir);
	return rc;
}

int model_files(const char *dir, const char *outpath, struct strlist *out, struct buf *err)
{
	struct walk w = { .root = dir, .out = out, .err = err };
	struct stat st;
	int rc;

	if (stat(dir, &st))
		return io_fail(err, "cannot stat", dir);
	skip_init(&w.skip, outpath);
	rc = walk_dir(&w, "", &st, 0);
	free(w.skip.name);
	return rc;
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

int inputs_sha256(const struct env *env, const struct buf *model_sums, const char *settings,
		  char out[SHA256_HEX_LEN + 1], struct buf *err)
{
	struct buf text = BUF_INIT;
	int rc = 0;

	/* sha256sum-style lines: the hash does not depend on where files are */
	for (size_t i = 0; i < env->inputs.n && !rc; i++)
		rc = hash_file_line(&text, env->inputs.v[i], env->input_names.v[i], err);
	if (model_sums && model_sums->len)
		buf_add(&text, model_sums->data, model_sums->len);
	buf_adds(&text, settings);
	if (!rc)
		digest_sha256_hex(text.data, text.len, out);
	buf_free(&text);
	return rc;
}

/* A new file with FILE_MODE, or -1 with err filled. */
static int create_file(const char *path, struct buf *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, FILE_MODE);
	if (fd < 0) {
		io_fail(err, "cannot create", path);
		return -1;
	}
	if (fchmod(fd, FILE_MODE)) {  /* open's mode went through the umask */
		io_fail(err, "cannot chmod", path);
		close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t put = write(fd, data, len);
		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return -1;
		data += put;
		len -= (size_t)put;
	}
	return 0;
}

static int write_file(const char *path, const void *data, size_t len, struct buf *err)
{
	int fd = create_file(path, err);
	if (fd < 0)
		return EXIT_LOCALIO;
	int bad = write_all(fd, data, len) || fsync(fd);
	if (close(fd) || bad)
		return io_fail(err, "cannot write", path);
	return 0;
}

/* A folder with DIR_MODE; one already there (made for an earlier file
 * of the same folder) is fine when may_exist. */
static int make_dir(const char *path, int may_exist, struct buf *err)
{
	if (mkdir(path, DIR_MODE))
		return may_exist && errno == EEXIST ? 0 : io_fail(err, "cannot create", path);
	return chmod(path, DIR_MODE) ? io_fail(err, "cannot chmod", path) : 0;
}

/* The folders above root/rel, made as needed. */
static int mkdir_parents(const char *root, const char *rel, struct buf *err)
{
	int rc = 0;
	for (const char *s = strchr(rel, '/'); s && !rc; s = strchr(s + 1, '/')) {
		char *dir = xasprintf("%s/%.*s", root, (int)(s - rel), rel);
		rc = make_dir(dir, 1, err);
		free(dir);
	}
	return rc;
}

/* Copy from to a new file to; with sum, the SHA-256 of the bytes copied. */
static int copy_file(const char *from, const char *to, char sum[SHA256_HEX_LEN + 1],
		     struct buf *err)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), rc = 0;
	if (in < 0)
		return io_fail(err, "cannot read", from);
	int outfd = create_file(to, err);
	if (outfd < 0) {
		close(in);
		return EXIT_LOCALIO;
	}
	struct sha256_stream *hash = sum ? sha256_stream_new() : NULL;
	char chunk[65536];
	ssize_t got = 0;
	while (!rc && (got = read(in, chunk, sizeof chunk)) > 0) {
		if (hash)
			sha256_stream_add(hash, chunk, (size_t)got);
		if (write_all(outfd, chunk, (size_t)got))
			rc = io_fail(err, "cannot write", to);
	}
	if (got < 0 && !rc)
		rc = io_fail(err, "cannot read", from);
	if (close(outfd) && !rc)
		rc = io_fail(err, "cannot write", to);
	if (hash)
		sha256_stream_hex(hash, sum);
	close(in);
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

/* The names temp_name() recognises. */
static char *sibling_template(const struct outpath *o, const char *what)
{
	char *leaf = xasprintf(".%s.%s-XXXXXX", o->name, what);
	char *t = join(o->parent, leaf);
	free(leaf);
	return t;
}

/* Refuse what may not be replaced. --force does not reach through a
 * symlink: the folder it points at is somewhere -o did not name. */
static int check_replace(const struct outpath *o, const char *path, int force, struct buf *err)
{
	struct stat st;
	if (lstat(o->full, &st))
		return io_fail(err, "cannot stat", path);
	if (!S_ISDIR(st.st_mode))
		return buf_fail(err, EXIT_LOCALIO, "%s exists and is not a folder; remove it or pick another -o",
			      path);
	if (o->via_link && !replaceable(o->full, 0))
		return buf_fail(err, EXIT_LOCALIO, "%s is a symlink to %s, which was not written by prebake; "
			      "remove the link, pick another -o, or pass --force with -o %s",
			      path, o->full, o->full);
	if (!replaceable(o->full, force))
		return buf_fail(err, EXIT_LOCALIO, "%s exists and was not written by prebake; remove it, pick "
			      "another -o, or pass --force to replace it", path);
	return 0;
}

static int swap_into_place(const char *tmp, const struct outpath *o, const char *path,
			   int force, struct buf *err)
{
	if (access(o->full, F_OK) && errno == ENOENT)
		return rename(tmp, o->full) ? io_fail(err, "cannot rename into", path) : 0;
	int rc = check_replace(o, path, force, err);
	if (rc)
		return rc;
	char *old = sibling_template(o, "prebake-old");
	if (!mkdtemp(old))
		rc = io_fail(err, "cannot create a folder beside", path);
	else if (rename(o->full, old))  /* replaces the empty old */
		rc = io_fail(err, "cannot move aside", path);
	else if (rename(tmp, o->full)) {
		rc = io_fail(err, "cannot rename into", path);
		if (rename(old, o->full)) { /* keep the previous output where it now is */
			buf_printf(err, "; the previous %s is kept at %s", path, old);
			free(old);
			return rc;
		}
	}
	rm_tree(old);
	free(old);
	return rc;
}

struct outdir {
	struct outpath out;
	char *tmp;         /* the temporary folder, NULL once renamed into place */
	int lock_fd;       /* the folder holding the output, flock()ed */
	int force;
	const char *path;  /* as given, for messages */
};

/* Whoever holds the lock owns every .NAME.prebake-* beside the output:
 * those are what killed runs left, however large. */
static void sweep_leftovers(const struct outpath *o)
{
	DIR *dir = opendir(o->parent);
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		if (temp_name(e->d_name, o->name)) {
			char *path = join(o->parent, e->d_name);
			rm_tree(path);
			free(path);
		}
	}
	if (dir)
		closedir(dir);
}

static int lock_parent(struct outdir *d, struct buf *err)
{
	d->lock_fd = open(d->out.parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->lock_fd < 0)
		return io_fail(err, "cannot create a folder beside", d->path);
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) && errno == EWOULDBLOCK) {
		fprintf(stderr, "prebake: waiting for another prebake writing in %s\n", d->out.parent);
		while (flock(d->lock_fd, LOCK_EX) && errno == EINTR)
			;
	}
	return 0;
}

int outdir_open(struct outdir **out, const char *path, int force, struct buf *err)
{
	struct outdir *d = xcalloc(1, sizeof *d);
	int rc;

	d->lock_fd = -1;
	d->force = force;
	d->path = path;
	*out = d;
	if ((rc = resolve_out(path, &d->out, err)) || (rc = lock_parent(d, err)))
		return rc;
	sweep_leftovers(&d->out);
	/* refused before a large model is copied, not after */
	if (!access(d->out.full, F_OK) && (rc = check_replace(&d->out, path, force, err)))
		return rc;
	d->tmp = sibling_template(&d->out, "prebake");
	if (!mkdtemp(d->tmp)) {
		free(d->tmp);
		d->tmp = NULL;
		return io_fail(err, "cannot create a folder beside", path);
	}
	if (chmod(d->tmp, DIR_MODE))  /* mkdtemp made it 0700 */
		return io_fail(err, "cannot chmod", d->tmp);
	return 0;
}

int outdir_copy_model(struct outdir *d, const char *model_dir, const struct strlist *model,
		      struct buf *sums, struct buf *err)
{
	char *root = join(d->tmp, "model");
	int rc = make_dir(root, 0, err);
	for (size_t i = 0; i < model->n && !rc; i++) {
		char *from = xasprintf("%s/%s", model_dir, model->v[i]);
		char *to = xasprintf("%s/%s", root, model->v[i]);
		char sum[SHA256_HEX_LEN + 1];
		rc = mkdir_parents(root, model->v[i], err);
		if (!rc)
			rc = copy_file(from, to, sum, err);
		if (!rc)
			buf_printf(sums, "%s  model/%s\n", sum, model->v[i]);
		free(from);
		free(to);
	}
	free(root);
	return rc;
}

int outdir_commit(struct outdir *d, const struct outset *files, struct buf *err)
{
	int rc = 0;
	for (size_t i = 0; i < files->n && !rc; i++) {
		const struct outfile *f = &files->v[i];
		char *name = join(d->tmp, f->name);
		rc = mkdir_parents(d->tmp, f->name, err);
		if (!rc && f->copy_from)
			rc = copy_file(f->copy_from, name, NULL, err);
		else if (!rc)
			rc = write_file(name, f->body.data ? f->body.data : "", f->body.len, err);
		free(name);
	}
	if (!rc)
		rc = swap_into_place(d->tmp, &d->out, d->path, d->force, err);
	if (!rc) {
		free(d->tmp);
		d->tmp = NULL;
	}
	return rc;
}

void outdir_close(struct outdir *d)
{
	if (!d)
		return;
	if (d->tmp)
		rm_tree(d->tmp);
	if (d->lock_fd >= 0)
		close(d->lock_fd);  /* releases the flock */
	free(d->tmp);
	outpath_free(&d->out);
	free(d);
}
