/* The remotes of `initc rcd`: config/create, update, get, delete,
 * listremotes and dump over the --config file. Every call reads the file
 * whole and a change writes it whole, under one lock, through destdir's
 * temporary-then-rename with mode 0600 (it holds keys), in rclone's INI
 * format, so a restarted sidecar keeps its remotes and the downloads read
 * them through the one config reader (rclone_config.c). */
#include "rcd.h"
#include "destdir.h"
#include "exitcode.h"
#include "fsutil.h"
#include "log.h"
#include "rclone_config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a change answers when the file must be written. */
#define STORE_CHANGED (RCD_OK + 1)

static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;
static char *store_path; /* the --config file, set once before serving */

/* Is value, set as option key of a remote of this type, a secret? A
 * backend initc reads says so in its table (an option it does not know
 * counts as one); for any other type initc cannot tell an account key
 * from a region, so every value is, but booleans and numbers, which no
 * credential is and which redacted would blank every "true" in the log. */
static int secret_option(const char *type, const char *key, const char *value)
{
	const struct rbackend *b = type ? rbackend_find(type) : NULL;
	const struct ropt *o = b ? ropt_find_in(b, key) : NULL;
	int flag;
	if (!strcmp(key, "type"))
		return 0;
	if (b)
		return !o || o->kind == ROPT_SECRET || o->credential;
	return parse_rclone_bool(value, &flag) && strspn(value, "0123456789.-") != strlen(value);
}

static const char *section_type(const struct ini_section *sec)
{
	for (size_t i = 0; i < sec->n; i++)
		if (!strcmp(sec->kv[i].key, "type"))
			return sec->kv[i].value;
	return NULL;
}

static void register_section_secrets(const struct ini_section *sec)
{
	const char *type = section_type(sec);
	for (size_t i = 0; i < sec->n; i++)
		if (secret_option(type, sec->kv[i].key, sec->kv[i].value))
			log_add_secret(sec->kv[i].value);
}

/* What rclone writes and initc's reader reads back the same: no line
 * breaks, no spaces at either end (the reader trims), no opening quote
 * (rclone's reader would take it off). */
static const char *unstorable(const char *v)
{
	size_t len = strlen(v);
	if (strpbrk(v, "\r\n"))
		return "holds a line break";
	if (len && (v[0] == ' ' || v[0] == '\t' || v[len - 1] == ' ' || v[len - 1] == '\t'))
		return "starts or ends with a space";
	if (v[0] == '"' || v[0] == '`' || v[0] == '\'')
		return "starts with a quote";
	return NULL;
}

/* A remote's name as rclone allows it: letters, digits, _ - . + @ and
 * space, not starting with '-' or a space, not ending with a space. */
static int name_ok(const char *name)
{
	size_t len = strlen(name);
	if (!len || len > 200 || name[0] == '-' || name[0] == ' ' || name[len - 1] == ' ')
		return 0;
	for (const char *p = name; *p; p++)
		if (!(((unsigned char)*p >= 0x80) || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("_-.+@ ", *p)))
			return 0;
	return 1;
}

static int key_ok(const char *key)
{
	if (!*key || strlen(key) > 100)
		return 0;
	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-'))
			return 0;
	return 1;
}

/* The folder of the --config file ("." for a bare name). */
static char *store_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

static int store_writable(const char *path)
{
	char *dir = store_dir(path);
	int ok = !mkdir_p(dir, 0700) && !faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS);
	free(dir);
	return ok;
}

static int store_write(const struct ini *ini, struct buf *err);

/* --config in a folder the sidecar cannot write (a Secret mounted over
 * /rclone): rclone keeps its remotes in memory then, and the agent runs
 * on. initc keeps them in a private file in $TMPDIR, starting from what
 * --config holds, until the sidecar restarts; the log says so. */
static int store_move_to_temp(const struct ini *ini, struct buf *err)
{
	const char *tmpdir = getenv("TMPDIR");
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	char *temp = xasprintf("%s/initc-rclone-XXXXXX.conf", tmpdir);
	int fd = mkstemps(temp, 5);
	if (fd < 0) {
		buf_printf(err, "the config file %s cannot be written (its folder is read-only) and "
			   "neither can %s: %s; mount a writable volume (an emptyDir) on the folder "
			   "of --config", store_path, tmpdir, strerror(errno));
		free(temp);
		return EXIT_LOCALIO;
	}
	close(fd);
	log_kv(LOG_ERROR, "config folder not writable: remotes created over the API are kept in a "
	       "temporary file and lost when the sidecar restarts; mount a writable volume there",
	       "config=%s temporary=%s", log_q(store_path), log_q(temp));
	free(store_path);
	store_path = temp;
	return store_write(ini, err) == RCD_OK ? 0 : EXIT_LOCALIO;
}

int rcd_store_init(const char *path, struct buf *err)
{
	struct ini ini;
	int rc = 0;
	store_path = xstrdup(path);
	if (ini_read(store_path, &ini, err))
		return EXIT_USAGE;
	for (size_t i = 0; i < ini.n; i++)
		register_section_secrets(&ini.v[i]);
	if (!store_writable(store_path))
		rc = store_move_to_temp(&ini, err);
	ini_free(&ini);
	return rc;
}

static void ini_text(const struct ini *ini, struct buf *out)
{
	for (size_t i = 0; i < ini->n; i++) {
		buf_printf(out, "[%s]\n", ini->v[i].name);
		for (size_t k = 0; k < ini->v[i].n; k++)
			buf_printf(out, "%s = %s\n", ini->v[i].kv[k].key, ini->v[i].kv[k].value);
		buf_addc(out, '\n');
	}
}

/* Write ini over the store, atomically, 0600 (set before the first
 * byte: the keys are never readable by others). 0 or RCD_FAILED. */
static int store_write(const struct ini *ini, struct buf *err)
{
	char *dir = store_dir(store_path);
	const char *slash = strrchr(store_path, '/');
	const char *base = slash ? slash + 1 : store_path;
	struct destdir d = { .fd = -1, .lock_fd = -1 };
	struct dest_file f = { .fd = -1, .dirfd = -1 };
	struct buf text = BUF_INIT, why = BUF_INIT;
	int rc = destdir_open(&d, dir, &why);

	ini_text(ini, &text);
	if (!rc)
		rc = dest_file_create(&d, base, &f, &why);
	if (!rc && (fchmod(f.fd, 0600) || (text.len && write(f.fd, text.data, text.len) != (ssize_t)text.len) ||
		    fsync(f.fd))) {
		buf_printf(&why, "%s", strerror(errno));
		dest_file_discard(&f);
		rc = EXIT_LOCALIO;
	}
	if (!rc)
		rc = dest_file_commit(&f, &why);
	if (rc)
		buf_printf(err, "cannot write the config file %s (%s); the sidecar keeps its remotes "
			   "there: give --config a file in a writable folder", store_path,
			   why.len ? why.data : "unknown cause");
	destdir_close(&d);
	buf_free(&text);
	buf_free(&why);
	free(dir);
	return rc ? RCD_FAILED : RCD_OK;
}

/* A parameter value as rclone stores it: strings as they are, booleans
 * and numbers as text. NULL for objects, arrays and null. */
static char *param_text(json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_true(v))
		return xstrdup("true");
	if (json_is_false(v))
		return xstrdup("false");
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%g", json_real_value(v));
	return NULL;
}

static void section_set(struct ini_section *sec, const char *key, char *value)
{
	for (size_t i = 0; i < sec->n; i++)
		if (!strcmp(sec->kv[i].key, key)) {
			free(sec->kv[i].value);
			sec->kv[i].value = value;
			return;
		}
	sec->kv = xrealloc(sec->kv, (sec->n + 1) * sizeof *sec->kv);
	sec->kv[sec->n].key = xstrdup(key);
	sec->kv[sec->n].value = value;
	sec->kv[sec->n].bare = 0;
	sec->n++;
}

/* Every string inside v (an object or array is refused, but echoed in
 * the refusal's input first). */
static void register_nested_strings(json_t *v)
{
	const char *key;
	size_t i;
	json_t *item;
	if (json_is_string(v))
		log_add_secret(json_string_value(v));
	else if (json_is_object(v))
		json_object_foreach(v, key, item)
			register_nested_strings(item);
	else if (json_is_array(v))
		json_array_foreach(v, i, item)
			register_nested_strings(item);
}

/* Register the call's secret values first of all: any refusal echoes
 * its input, and the answer and the log must not carry them. */
static void register_param_secrets(const char *type, json_t *params)
{
	const char *key;
	json_t *v;
	json_object_foreach(params, key, v) {
		char *text = param_text(v);
		if (!text)
			register_nested_strings(v);
		else if (secret_option(type, key, text))
			log_add_secret(text);
		free(text);
	}
}

/* Check every parameter before one is set: a call changes all or nothing. */
static int params_check(json_t *params, struct buf *err)
{
	const char *key;
	json_t *v;
	if (params && !json_is_object(params) && !json_is_null(params)) {
		buf_adds(err, "parameters must be an object of option names and values");
		return RCD_BAD_PARAM;
	}
	json_object_foreach(params, key, v) {
		char *text = param_text(v);
		const char *why = !key_ok(key) ? "is not an option name" :
				  !text ? "has a value that is not a string, number or boolean" :
				  unstorable(text);
		free(text);
		if (why) {
			buf_printf(err, "parameter %s %s: rclone's config file cannot hold it", log_q(key), why);
			return RCD_BAD_PARAM;
		}
	}
	return RCD_OK;
}

static void params_apply(struct ini_section *sec, json_t *params)
{
	const char *key;
	json_t *v;
	json_object_foreach(params, key, v)
		section_set(sec, key, param_text(v));
}

static struct ini_section *section_add(struct ini *ini, const char *name)
{
	ini->v = xrealloc(ini->v, (ini->n + 1) * sizeof *ini->v);
	memset(&ini->v[ini->n], 0, sizeof ini->v[ini->n]);
	ini->v[ini->n].name = xstrdup(name);
	return &ini->v[ini->n++];
}

static void section_drop(struct ini *ini, const char *name)
{
	for (size_t i = 0; i < ini->n; i++)
		if (!strcmp(ini->v[i].name, name)) {
			free(ini->v[i].name);
			kv_free(ini->v[i].kv, ini->v[i].n);
			memmove(&ini->v[i], &ini->v[i + 1], (ini->n - i - 1) * sizeof *ini->v);
			ini->n--;
			return;
		}
}

/* Read the store, run change on it under the lock, write it when change
 * says so. The status of change, or of the write. */
typedef int (*store_change_fn)(struct ini *ini, json_t *in, json_t **out, struct buf *err);

static int with_store(store_change_fn change, json_t *in, json_t **out, struct buf *err)
{
	struct ini ini;
	int status;
	pthread_mutex_lock(&store_lock);
	if (ini_read(store_path, &ini, err)) {
		pthread_mutex_unlock(&store_lock);
		return RCD_FAILED;
	}
	status = change(&ini, in, out, err);
	if (status == STORE_CHANGED)
		status = store_write(&ini, err);
	ini_free(&ini);
	pthread_mutex_unlock(&store_lock);
	if (status != RCD_OK && *out) {
		json_decref(*out);
		*out = NULL;
	}
	return status;
}

static int remote_name(json_t *in, const char **name, struct buf *err)
{
	int rc = rcd_param_string(in, "name", name, err);
	if (!rc && !name_ok(*name)) {
		buf_printf(err, "invalid remote name %s: use letters, digits, _ - . + @ or spaces, "
			   "not starting with - or a space", log_q(*name));
		rc = RCD_FAILED; /* rclone's status for it */
	}
	return rc;
}

static int do_get(struct ini *ini, json_t *in, json_t **out, struct buf *err)
{
	const char *name;
	int rc = rcd_param_string(in, "name", &name, err);
	const struct ini_section *sec = rc ? NULL : ini_find(ini, name);
	if (rc)
		return rc;
	*out = json_object();
	for (size_t i = 0; sec && i < sec->n; i++)
		json_object_set_new(*out, sec->kv[i].key, json_string(sec->kv[i].value));
	return RCD_OK;
}

static int do_create(struct ini *ini, json_t *in, json_t **out, struct buf *err)
{
	const char *name, *type;
	json_t *params = json_object_get(in, "parameters");
	json_t *type_value = json_object_get(in, "type");
	int rc;
	register_param_secrets(json_is_string(type_value) ? json_string_value(type_value) : NULL, params);
	rc = remote_name(in, &name, err);
	if (!rc)
		rc = rcd_param_string(in, "type", &type, err);
	if (!rc && unstorable(type)) {
		buf_printf(err, "type %s %s", log_q(type), unstorable(type));
		rc = RCD_BAD_PARAM;
	}
	if (!rc && (rc = params_check(params, err)) == RCD_OK) {
		section_drop(ini, name); /* create replaces, as rclone's does */
		struct ini_section *sec = section_add(ini, name);
		section_set(sec, "type", xstrdup(type));
		params_apply(sec, params);
		log_kv(LOG_INFO, "remote created", "name=%s type=%s", log_q(name), log_q(type));
		(void)out;
		return STORE_CHANGED;
	}
	return rc;
}

static int do_update(struct ini *ini, json_t *in, json_t **out, struct buf *err)
{
	const char *name;
	json_t *params = json_object_get(in, "parameters");
	struct ini_section *sec = NULL;
	const char *name_given = json_string_value(json_object_get(in, "name"));
	int rc;
	for (size_t i = 0; name_given && i < ini->n; i++)
		if (!strcmp(ini->v[i].name, name_given))
			sec = &ini->v[i];
	register_param_secrets(sec ? section_type(sec) : NULL, params);
	rc = remote_name(in, &name, err);
	(void)out;
	if (!rc && !sec) { /* rclone's words, then ours */
		buf_printf(err, "couldn't find type field in config: remote %s does not exist; create it "
			   "with config/create", log_q(name));
		return RCD_FAILED;
	}
	if (!rc && (rc = params_check(params, err)) == RCD_OK) {
		params_apply(sec, params);
		log_kv(LOG_INFO, "remote updated", "name=%s", log_q(name));
		return STORE_CHANGED;
	}
	return rc;
}

static int do_delete(struct ini *ini, json_t *in, json_t **out, struct buf *err)
{
	const char *name;
	int rc = rcd_param_string(in, "name", &name, err);
	(void)out;
	if (rc)
		return rc;
	if (!ini_find(ini, name))
		return RCD_OK; /* nothing to delete; rclone answers {} too */
	section_drop(ini, name);
	log_kv(LOG_INFO, "remote deleted", "name=%s", log_q(name));
	return STORE_CHANGED;
}

static int do_list(struct ini *ini, json_t *in, json_t **out, struct buf *err)
{
	json_t *names = json_array();
	(void)in;
	(void)err;
	for (size_t i = 0; i < ini->n; i++)
		json_array_append_new(names, json_string(ini->v[i].name));
	*out = json_pack("{s:o}", "remotes", names);
	return RCD_OK;
}

static int do_dump(struct ini *ini, json_t *in, json_t **out, struct buf *err)
{
	(void)in;
	(void)err;
	*out = json_object();
	for (size_t i = 0; i < ini->n; i++) {
		json_t *sec = json_object();
		for (size_t k = 0; k < ini->v[i].n; k++)
			json_object_set_new(sec, ini->v[i].kv[k].key, json_string(ini->v[i].kv[k].value));
		json_object_set_new(*out, ini->v[i].name, sec);
	}
	return RCD_OK;
}

int rcd_config_get(json_t *in, json_t **out, struct buf *err) { return with_store(do_get, in, out, err); }
int rcd_config_create(json_t *in, json_t **out, struct buf *err) { return with_store(do_create, in, out, err); }
int rcd_config_update(json_t *in, json_t **out, struct buf *err) { return with_store(do_update, in, out, err); }
int rcd_config_delete(json_t *in, json_t **out, struct buf *err) { return with_store(do_delete, in, out, err); }
int rcd_config_listremotes(json_t *in, json_t **out, struct buf *err) { return with_store(do_list, in, out, err); }
int rcd_config_dump(json_t *in, json_t **out, struct buf *err) { return with_store(do_dump, in, out, err); }
