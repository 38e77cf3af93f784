/* --fix: write what makes the server load the model as it is, either a
 * model-settings.json naming the model file or a second name for the file
 * the server looks for. Both go through common/destdir, the one way to
 * write below DEST: no symlink in the model folder is ever followed. */
#include "verify_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "destdir.h"
#include "exitcode.h"
#include "log.h"
#include "plan.h"

#define SETTINGS "model-settings.json"
/* What --fix wrote, one name a line, in DEST: a second name made for a
 * file is a snapshot of it, stale once the file is downloaded anew, so
 * the next run removes these names before it downloads (and a --fix run
 * makes them again from the new files). */
#define FIXED_RECORD ".initc.fixed"
#define FIXED_MAX (64 << 10)

/* Add name to the record (through destdir, like every write below DEST). */
static void remember_fix(const struct destdir *d, const char *name)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	destdir_read_file(d, FIXED_RECORD, FIXED_MAX, &text);
	buf_printf(&text, "%s\n", name);
	destdir_write_file(d, FIXED_RECORD, text.data, text.len, &err);
	buf_free(&text);
	buf_free(&err);
}

void verify_fix_forget(const struct destdir *d)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	if (destdir_read_file(d, FIXED_RECORD, FIXED_MAX, &text) == -1) {
		buf_free(&text);
		return;
	}
	for (char *save = NULL, *name = strtok_r(text.data ? text.data : "", "\n", &save); name;
	     name = strtok_r(NULL, "\n", &save)) {
		const char *slash = strrchr(name, '/');
		char *dir = slash ? xstrndup(name, (size_t)(slash - name)) : xstrdup("");
		int fd;
		/* only names a fix could have written: never a path that leaves DEST */
		if (!plan_check_relpath(name, name, &err) && !destdir_dir(d, dir, 0, &fd, &err)) {
			if (!unlinkat(fd, slash ? slash + 1 : name, 0))
				log_kv(LOG_INFO, "removed what --fix made last time", "file=%s",
				       log_q(name));
			close(fd);
		}
		buf_reset(&err);
		free(dir);
	}
	unlinkat(d->fd, FIXED_RECORD, 0);
	buf_free(&text);
	buf_free(&err);
}

/* The settings are a few dozen bytes: a short write means the disk is full. */
static int write_settings(int fd, const char *json)
{
	size_t len = strlen(json);
	ssize_t n = write(fd, json, len);
	if (n >= 0 && (size_t)n != len)
		errno = ENOSPC;
	return n == (ssize_t)len && !fchmod(fd, 0644) && !fsync(fd) ? 0 : -1;
}

/* Write json as dir/model-settings.json under a temporary name and rename
 * it into place, so a server never sees half a file and a symlink planted
 * at that name is replaced, never written through. */
static int create_settings(const char *dir, const char *json)
{
	char *path = xasprintf("%s/" SETTINGS, dir);
	struct buf err = BUF_INIT;
	struct destdir d;
	struct dest_file f;
	int rc = destdir_open(&d, dir, &err);

	if (!rc)
		rc = dest_file_create(&d, SETTINGS, &f, &err);
	if (!rc)
		remember_fix(&d, SETTINGS);
	if (!rc && write_settings(f.fd, json)) {
		buf_adds(&err, strerror(errno));
		dest_file_discard(&f);
		rc = EXIT_LOCALIO;
	}
	if (rc)
		log_kv(LOG_ERROR, "cannot write fix", "file=%s error=%s hint=%s", log_q(path),
		       log_q(err.data), log_q("make the model folder writable"));
	else if ((rc = dest_file_commit(&f, &err)))
		log_kv(LOG_ERROR, "cannot rename fix into place", "file=%s error=%s", log_q(path),
		       log_q(err.data));
	destdir_close(&d);
	buf_free(&err);
	free(path);
	return rc;
}

static int fix_settings(const char *dir, const struct model *m, const struct profile *p,
			const struct verdict *v)
{
	if (m->has_settings) {
		log_kv(LOG_ERROR, "model-settings.json exists without parameters.uri",
		       "file=%s/model-settings.json hint=%s", log_q(dir),
		       log_q("initc does not rewrite your settings: add \"uri\": \"./FILE\" "
			     "to its parameters"));
		return EXIT_VERIFY;
	}
	if (!json_utf8_valid(v->fix_from)) { /* JSON could only name another file */
		log_kv(LOG_ERROR, "fix not applied: the model file's name is not UTF-8",
		       "file=%s hint=%s", log_q(v->fix_from),
		       log_q("model-settings.json cannot name it: rename the file"));
		return EXIT_VERIFY;
	}
	struct buf json = BUF_INIT;
	json_settings(&json, v->fix_implementation ? v->fix_implementation : p->implementation,
		      v->fix_from);
	buf_addc(&json, '\n');
	int rc = create_settings(dir, json.data);
	if (!rc)
		log_kv(LOG_INFO, "fix: wrote model-settings.json", "file=%s/model-settings.json "
		       "content=%s server=%s", log_q(dir), log_q(json.data), p->name);
	buf_free(&json);
	return rc;
}

/* A hard link costs no space; dest_file_link copies where links fail. */
static int fix_link(const char *dir, const struct verdict *v, const struct profile *p)
{
	char *from = xasprintf("%s/%s", dir, v->fix_from);
	char *to = xasprintf("%s/%s", dir, v->fix_to);
	struct buf err = BUF_INIT;
	struct destdir d;
	int rc = destdir_open(&d, dir, &err);

	if (!rc)
		remember_fix(&d, v->fix_to);
	if (!rc)
		rc = dest_file_link(&d, v->fix_from, v->fix_to, &err);
	if (rc)
		log_kv(LOG_ERROR, "cannot link model file", "from=%s to=%s error=%s", log_q(from),
		       log_q(to), log_q(err.data));
	else
		log_kv(LOG_INFO, "fix: linked model file under the name the server loads",
		       "file=%s same_as=%s server=%s", log_q(to), log_q(from), p->name);
	destdir_close(&d);
	buf_free(&err);
	free(from);
	free(to);
	return rc;
}

int apply_fix(const char *dir, const struct model *m, const struct profile *p,
	      const struct verdict *v)
{
	if (v->fix == FIX_SETTINGS)
		return fix_settings(dir, m, p, v);
	if (v->fix == FIX_LINK)
		return fix_link(dir, v, p);
	log_kv(LOG_ERROR, "no automatic fix for this layout", "server=%s reason=%s", p->name,
	       log_q(v->why.data));
	return EXIT_VERIFY;
}
