/* --fix: write what makes the server load the model as it is, either a
 * model-settings.json naming the model file or a second name for the file
 * the server looks for. */
#include "verify_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "log.h"

/* Write data to dir/name through a temporary name and rename(2), so a
 * server never sees half a file. */
static int write_atomic(const char *dir, const char *name, const char *data, size_t len)
{
	char *tmp = xasprintf("%s/.%s.initc-XXXXXX", dir, name);
	char *final = xasprintf("%s/%s", dir, name);
	int fd = mkstemp(tmp), rc = 0;

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0 ||
	    fchmod(fd, 0644) != 0) {
		log_kv(LOG_ERROR, "cannot write fix", "file=%s error=%s hint=%s", log_q(final),
		       log_q(strerror(errno)), log_q("make the model folder writable"));
		rc = EXIT_LOCALIO;
	}
	if (fd >= 0 && close(fd) != 0 && !rc)
		rc = EXIT_LOCALIO;
	if (!rc && rename(tmp, final) != 0) {
		log_kv(LOG_ERROR, "cannot rename fix into place", "file=%s error=%s",
		       log_q(final), log_q(strerror(errno)));
		rc = EXIT_LOCALIO;
	}
	if (rc && fd >= 0)
		unlink(tmp);
	free(tmp);
	free(final);
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
	char *json = xasprintf("{\"implementation\":\"%s\",\"parameters\":{\"uri\":\"./%s\"}}\n",
			       p->implementation, v->fix_from);
	int rc = write_atomic(dir, "model-settings.json", json, strlen(json));
	if (!rc)
		log_kv(LOG_INFO, "fix: wrote model-settings.json", "file=%s/model-settings.json "
		       "content=%s server=%s", log_q(dir), log_q(json), p->name);
	free(json);
	return rc;
}

/* A hard link costs no space; a copy is the fallback where links fail. */
static int fix_link(const char *dir, const struct verdict *v, const struct profile *p)
{
	char *from = xasprintf("%s/%s", dir, v->fix_from);
	char *tmp = xasprintf("%s/.%s.initc-link", dir, v->fix_to);
	char *to = xasprintf("%s/%s", dir, v->fix_to);
	int rc = 0;

	unlink(tmp);
	if (link(from, tmp) != 0) {
		struct buf data = BUF_INIT;
		FILE *f = fopen(from, "rb");
		char chunk[65536];
		size_t got;
		while (f && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_add(&data, chunk, got);
		if (!f || ferror(f))
			rc = EXIT_LOCALIO;
		if (f)
			fclose(f);
		if (!rc)
			rc = write_atomic(dir, v->fix_to, data.data ? data.data : "", data.len);
		buf_free(&data);
	} else if (rename(tmp, to) != 0) {
		unlink(tmp);
		rc = EXIT_LOCALIO;
	}
	if (rc)
		log_kv(LOG_ERROR, "cannot link model file", "from=%s to=%s error=%s", log_q(from),
		       log_q(to), log_q(strerror(errno)));
	else
		log_kv(LOG_INFO, "fix: linked model file under the name the server loads",
		       "file=%s same_as=%s server=%s", log_q(to), log_q(from), p->name);
	free(from);
	free(tmp);
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

/* A file renamed for a library too old to read it only moves the crash
 * from the init container to the server: not a safe fix. */
int refuse_fix(const struct model *m, const struct profile *p, const struct verdict *v)
{
	log_kv(LOG_ERROR, "fix not applied: the server's library is older than the model's",
	       "server=%s model=%s reason=%s", p->name, log_q(m->label), log_q(v->warn.data));
	log_termination("%s; --fix not applied because the %s", v->why.data, v->warn.data);
	return EXIT_VERIFY;
}
