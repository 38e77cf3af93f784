/* Reading conda.yaml, python_env.yaml and pip requirement files into a
 * struct env; see envload.h. Every file is read through a struct
 * env_files (env_files_local: the filesystem); YAML goes through
 * common/yamldoc. */
#include "envload.h"
#include "exitcode.h"
#include "yamldoc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_INCLUDE_DEPTH 8
#define MAX_REQ_FILE_BYTES (1u << 20)

/* Where a pip line comes from: the file as shown, and how files are read. */
struct origin {
	const struct env_files *fs;
	const char *show_dir;  /* its folder, relative to the model ("" = top) */
	const char *show;      /* file name shown in messages */
	int line, col;
	int depth;
};

enum opt_kind { OPT_REQFILE, OPT_CONSTRAINT, OPT_EDITABLE, OPT_VALUE, OPT_FLAG };

/* The pip options a requirements file may hold. */
static const struct pip_option {
	const char *long_name;
	const char *short_name;
	enum opt_kind kind;
} pip_options[] = {
	{ "--requirement", "-r", OPT_REQFILE },
	{ "--constraint", "-c", OPT_CONSTRAINT },
	{ "--editable", "-e", OPT_EDITABLE },
	{ "--index-url", "-i", OPT_VALUE },
	{ "--extra-index-url", NULL, OPT_VALUE },
	{ "--find-links", "-f", OPT_VALUE },
	{ "--trusted-host", NULL, OPT_VALUE },
	{ "--no-binary", NULL, OPT_VALUE },
	{ "--only-binary", NULL, OPT_VALUE },
	{ "--pre", NULL, OPT_FLAG },
	{ "--prefer-binary", NULL, OPT_FLAG },
	{ "--no-index", NULL, OPT_FLAG },
};

static int load_reqfile(struct env *env, const char *ref, const struct origin *from,
			enum dep_role role, struct buf *err);

static char *path_join(const char *dir, const char *name)
{
	if (name[0] == '/' || !*dir || !strcmp(dir, "."))
		return xstrdup(name);
	return xasprintf("%s/%s", dir, name);
}

static char *dir_of(const char *path)
{
	char *copy = xstrdup(path);
	char *d = xstrdup(dirname(copy));
	free(copy);
	return d;
}

static void add_input(struct env *env, const char *path, const char *show)
{
	if (!strlist_has(&env->input_names, show)) {
		strlist_add(&env->inputs, path);
		strlist_add(&env->input_names, show);
	}
}

static const struct pip_option *find_option(const char *line, const char **value)
{
	for (size_t i = 0; i < sizeof pip_options / sizeof *pip_options; i++) {
		const struct pip_option *o = &pip_options[i];
		size_t n = strlen(o->long_name);
		const char *v = NULL;
		if (!strncmp(line, o->long_name, n) &&
		    (!line[n] || line[n] == '=' || isspace((unsigned char)line[n])))
			v = line + n + (line[n] == '=');
		else if (o->short_name && !strncmp(line, o->short_name, 2) && line[1] && line[2] != '-')
			v = line + 2;  /* "-r file" and "-rfile" */
		if (!v)
			continue;
		while (isspace((unsigned char)*v) || *v == '=')
			v++;
		*value = v;
		return o;
	}
	return NULL;
}

/* "name==1 --hash=sha256:..": the requirement ends where options start. */
static size_t requirement_len(const char *line)
{
	for (const char *p = line; *p; p++)
		if (isspace((unsigned char)*p) && p[1] == '-' && p[2] == '-')
			return (size_t)(p - line);
	return strlen(line);
}

/* A wheel named by its path: pip opens it relative to its working
 * directory, which MLflow sets to the model folder (virtualenv: a copy of
 * it holding the requirements; conda: the folder of conda.yaml). It must
 * be there, and it is hashed with the other inputs. */
/* What a wheel path may hold, so that it means the same in a COPY line
 * and in .dockerignore (no spaces, $, globs or quotes). */
#define WHEEL_PATH_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-/"

static int check_local_wheel(struct env *env, const struct dep *d, const struct env_files *fs,
			     struct buf *err)
{
	char *path = path_join(env->base_dir ? env->base_dir : ".", d->local);
	enum env_file_type type = ENV_FILE_OTHER;
	int missing = fs->type_of(fs->ctx, path, 0, &type), rc = 0;
	if (strspn(d->local, WHEEL_PATH_CHARS) != strlen(d->local))
		rc = buf_fail(err, EXIT_INPUT, "%s: the wheel path \"%s\" holds characters a Dockerfile "
			  "COPY line would read as spaces, variables or patterns; rename it with "
			  "letters, digits and . _ + - /", d->where, d->local);
	else if (missing || type != ENV_FILE_REGULAR)  /* a symlink could point anywhere */
		rc = buf_fail(err, EXIT_INPUT, "%s: the wheel \"%s\" is not a file in the model folder "
			  "(%s: %s); pip reads it relative to the model folder, so ship it there",
			  d->where, d->local, path, missing ? strerror(-missing) :
			  type == ENV_FILE_SYMLINK ? "a symlink" : "not a regular file");
	else
		add_input(env, path, d->local);
	free(path);
	return rc;
}

static int add_requirement(struct env *env, const char *line, size_t req_len,
			   const struct origin *from, enum dep_role role, struct buf *err)
{
	struct dep *d = deplist_push(&env->pip);
	char *req = xstrndup(line, req_len);
	struct buf why = BUF_INIT;
	int bad = pip_req_parse(req, d, &why);

	free(req);
	d->role = role;
	free(d->text);
	d->text = xstrdup(line);
	d->where = xasprintf("%s:%d:%d", from->show, from->line, from->col);
	if (bad) {
		buf_fail(err, EXIT_INPUT, "%s: %s", d->where, why.data);
		buf_free(&why);
		return EXIT_INPUT;
	}
	buf_free(&why);
	if (role == ROLE_CONSTRAINT && (d->url || d->local))
		return buf_fail(err, EXIT_INPUT, "%s: a constraint cannot be a %s (\"%s\"); "
			    "move it to the requirements", d->where, d->url ? "URL" : "file", line);
	return d->local ? check_local_wheel(env, d, from->fs, err) : 0;
}

/* An index or find-links location outside the build: a path or file:. */
static int is_local_location(const struct pip_option *o, const char *value)
{
	int location = !strcmp(o->long_name, "--find-links") || !strcmp(o->long_name, "--index-url") ||
		       !strcmp(o->long_name, "--extra-index-url");
	return location && (!strstr(value, "://") || !strncmp(value, "file:", 5));
}

static int pip_option_line(struct env *env, const char *line, const struct origin *from,
			   enum dep_role role, struct buf *err)
{
	const char *value = NULL;
	const struct pip_option *o = find_option(line, &value);

	if (!o)
		return buf_fail(err, EXIT_INPUT, "%s:%d:%d: pip option \"%s\" is not supported in a "
			    "baked environment; remove it (prebake takes -r, -c, -e, index, "
			    "find-links and binary options)",
			    from->show, from->line, from->col, line);
	if (o->kind != OPT_FLAG && !*value)
		return buf_fail(err, EXIT_INPUT, "%s:%d:%d: %s needs a value",
			    from->show, from->line, from->col, o->long_name);
	switch (o->kind) {
	case OPT_REQFILE:  /* pip: -r inside a -c file still names requirements */
		return load_reqfile(env, value, from, role == ROLE_CONSTRAINT ? ROLE_INSTALL : role,
				    err);
	case OPT_CONSTRAINT:
		return load_reqfile(env, value, from, ROLE_CONSTRAINT, err);
	case OPT_EDITABLE: {
		int rc = add_requirement(env, value, requirement_len(value), from, role, err);
		/* pip installs only a source folder or a VCS URL in editable mode */
		if (!rc && env->pip.v[env->pip.n - 1].local)
			rc = buf_fail(err, EXIT_INPUT, "%s:%d:%d: a wheel cannot be installed editable "
				  "(-e); drop the -e", from->show, from->line, from->col);
		return rc;
	}
	case OPT_VALUE: {
		if (is_local_location(o, value))
			return buf_fail(err, EXIT_INPUT, "%s:%d:%d: %s %s is a folder on this machine, which "
				    "the image build cannot see; serve it over http(s), or ship the "
				    "wheels in the model folder and list each .whl", from->show,
				    from->line, from->col, o->long_name, value);
		char *opt = xasprintf("%s %s", o->long_name, value);
		if (!strlist_has(&env->pip_options, opt))
			strlist_add(&env->pip_options, opt);
		free(opt);
		return 0;
	}
	case OPT_FLAG:
		if (!strlist_has(&env->pip_options, o->long_name))
			strlist_add(&env->pip_options, o->long_name);
		return 0;
	}
	return 0;
}

/* One logical pip line (continuations joined, comment still attached). */
static int pip_line(struct env *env, const char *raw, const struct origin *from,
		    enum dep_role role, struct buf *err)
{
	struct buf line = BUF_INIT;
	int rc = 0;

	/* '#' starts a comment at the line start or after a space (not in URLs) */
	for (const char *p = raw; *p; p++) {
		if (*p == '#' && (p == raw || isspace((unsigned char)p[-1])))
			break;
		buf_addc(&line, *p);
	}
	while (line.len && isspace((unsigned char)line.data[line.len - 1]))
		line.data[--line.len] = '\0';
	const char *text = line.data ? line.data : "";
	while (isspace((unsigned char)*text))
		text++;
	if (*text == '-')
		rc = pip_option_line(env, text, from, role, err);
	else if (*text)
		rc = add_requirement(env, text, requirement_len(text), from, role, err);
	buf_free(&line);
	return rc;
}

/* Where Python's str.splitlines() ends a line; pip splits requirement
 * files with it. "\r\n" comes before "\r". */
static const char *const line_ends[] = {
	"\r\n", "\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e",
	"\xc2\x85", "\xe2\x80\xa8", "\xe2\x80\xa9",
};

/* The length of the line at p, without its end; *next: the next line. */
static size_t physical_line(const char *p, const char **next)
{
	size_t n = 0;
	for (; p[n]; n++)
		for (size_t i = 0; i < sizeof line_ends / sizeof *line_ends; i++) {
			size_t k = strlen(line_ends[i]);
			if (!strncmp(p + n, line_ends[i], k)) {
				*next = p + n + k;
				return n;
			}
		}
	*next = p + n;
	return n;
}

/* pip's COMMENT_RE matched at the line start: a whole-line comment. */
static int is_comment_line(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && isspace((unsigned char)p[i]))
		i++;
	return i < n && p[i] == '#';
}

static int logical_line(struct env *env, struct buf *line, int lineno, struct origin *at,
			enum dep_role role, struct buf *err)
{
	const char *s = line->data ? line->data : "";
	at->line = lineno;
	at->col = 1 + (int)strspn(s, " \t");
	int rc = pip_line(env, s, at, role, err);
	buf_reset(line);
	return rc;
}

/* Walk a requirements file as pip's join_lines does: a line ending in
 * '\' goes on with the next one (backslashes at both its ends dropped),
 * but a whole-line comment ends the run even when it ends in '\', so it
 * cannot swallow the next requirement. "numpy # c \" is no whole-line
 * comment: pip joins it, and its comment eats the next line too. */
static int parse_reqfile_text(struct env *env, const char *text, struct origin *at,
			      enum dep_role role, struct buf *err)
{
	struct buf logical = BUF_INIT;
	int lineno = 0, start = 0, pending = 0, rc = 0;
	const char *next;

	for (const char *p = text; *p && !rc; p = next) {
		size_t n = physical_line(p, &next);
		int comment = is_comment_line(p, n);
		if (!pending)
			start = lineno + 1;
		lineno++;
		if (n && p[n - 1] == '\\' && !comment) {
			size_t a = strspn(p, "\\"), b = n;
			while (b > a && p[b - 1] == '\\')
				b--;
			buf_add(&logical, p + a, b - a);
			pending = 1;
			continue;
		}
		if (comment)
			buf_addc(&logical, ' ');  /* pip's too: "x \" + "# c" stays a comment */
		buf_add(&logical, p, n);
		rc = logical_line(env, &logical, start, at, role, err);
		pending = 0;
	}
	if (pending && !rc)
		rc = logical_line(env, &logical, start, at, role, err);
	buf_free(&logical);
	return rc;
}

/* pip decodes by byte-order mark: UTF-8's is skipped; UTF-16 (and
 * UTF-32) text is not read here. */
static int skip_bom(const char **text, const char *show, struct buf *err)
{
	if (!strncmp(*text, "\xef\xbb\xbf", 3))
		*text += 3;
	else if (!strncmp(*text, "\xff\xfe", 2) || !strncmp(*text, "\xfe\xff", 2))
		return buf_fail(err, EXIT_INPUT, "%s: UTF-16 text; save it as UTF-8", show);
	return 0;
}

static int load_reqfile(struct env *env, const char *ref, const struct origin *from,
			enum dep_role role, struct buf *err)
{
	if (from->depth >= MAX_INCLUDE_DEPTH)
		return buf_fail(err, EXIT_INPUT, "%s:%d:%d: -r/-c files nest deeper than %d levels "
			    "(a cycle?); flatten them", from->show, from->line, from->col,
			    MAX_INCLUDE_DEPTH);
	char *show = path_join(from->show_dir, ref);
	const char *why = NULL;
	char *inside = model_relative(show, &why);
	char *path = inside ? path_join(env->base_dir, inside) : NULL;
	struct buf text = BUF_INIT;
	int rc;

	/* MLflow copies requirement files into the model; one outside it is
	 * not the model's, and could be any file of this machine */
	if (!inside) {
		rc = buf_fail(err, EXIT_INPUT, "%s:%d:%d: \"%s\" is %s; requirement files must be "
			  "inside the model folder: copy it there", from->show, from->line,
			  from->col, ref, why);
	} else if ((rc = from->fs->read(from->fs->ctx, path, MAX_REQ_FILE_BYTES, &text, err))) {
		if (rc < 0)
			rc = buf_fail(err, EXIT_INPUT, "%s:%d:%d: cannot read \"%s\": %s; ship it "
				  "beside the model or fix the path", from->show, from->line,
				  from->col, ref, rc == -EINVAL ? "not a regular file" : strerror(-rc));
	} else {
		char *show_dir = dir_of(show);
		struct origin at = { from->fs, strcmp(show_dir, ".") ? show_dir : "", show, 0, 0,
				     from->depth + 1 };
		const char *body = text.data ? text.data : "";
		add_input(env, path, show);
		rc = skip_bom(&body, show, err);
		if (!rc)
			rc = parse_reqfile_text(env, body, &at, role, err);
		free(show_dir);
	}
	buf_free(&text);
	free(inside);
	free(path);
	free(show);
	return rc;
}

static int pip_list(struct env *env, const struct ynode *list, const struct origin *file,
		    enum dep_role role, struct buf *err)
{
	if (list->kind != YNODE_SEQ)
		return buf_fail(err, EXIT_INPUT, "%s:%d:%d: expected a list of pip requirements, "
			    "found %s", file->show, list->line, list->col,
			    ydoc_kind_name(list->kind));
	for (size_t i = 0; i < ydoc_len(list); i++) {
		const struct ynode *item = ydoc_val(list, i);
		struct origin at = *file;
		at.line = item->line;
		at.col = item->col;
		if (item->kind != YNODE_SCALAR)
			return buf_fail(err, EXIT_INPUT, "%s:%d:%d: a pip requirement must be a "
				    "string, found %s", file->show, item->line, item->col,
				    ydoc_kind_name(item->kind));
		if (strpbrk(item->value, "\r\n"))
			return buf_fail(err, EXIT_INPUT, "%s:%d:%d: a pip requirement spans several "
				    "lines; write one requirement per list item", file->show,
				    item->line, item->col);
		int rc = pip_line(env, item->value, &at, role, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* "=3.10.12", "==3.8", "3.8.10 h1234": the version text of a python spec. */
static char *python_version_of(const char *spec)
{
	while (*spec == '=' || isspace((unsigned char)*spec))
		spec++;
	return xstrndup(spec, strcspn(spec, " \t="));
}

static int conda_item(struct env *env, const struct ynode *item, const struct origin *file,
		      const struct ynode **pip_seen, struct buf *err)
{
	if (item->kind == YNODE_MAP && ydoc_get(item, "pip")) {
		if (*pip_seen)
			return buf_fail(err, EXIT_INPUT, "%s:%d:%d: second pip: section (the first is "
				    "at line %d); conda honours only the last, so merge them into one",
				    file->show, item->line, item->col, (*pip_seen)->line);
		*pip_seen = item;
		return pip_list(env, ydoc_get(item, "pip"), file, ROLE_INSTALL, err);
	}
	if (item->kind != YNODE_SCALAR || !ydoc_str(item))
		return buf_fail(err, EXIT_INPUT, "%s:%d:%d: a conda dependency must be a string like "
			    "\"numpy=1.24.3\" or a {pip: [...]} map, found %s", file->show,
			    item->line, item->col, ydoc_kind_name(item->kind));
	struct dep *d = deplist_push(&env->conda);
	struct buf why = BUF_INIT;
	d->where = xasprintf("%s:%d:%d", file->show, item->line, item->col);
	if (conda_spec_parse(item->value, d, &why)) {
		buf_fail(err, EXIT_INPUT, "%s: %s", d->where, why.data);
		buf_free(&why);
		return EXIT_INPUT;
	}
	buf_free(&why);
	if (!strcmp(d->key, "python") && !env->python) {
		env->python = python_version_of(d->spec);
		env->python_pin = d->pin;
		env->python_where = xstrdup(d->where);
	}
	return 0;
}

/* A YAML file read through fs, with common/yamldoc's messages; *rc 0.
 * NULL with *rc set (EXIT_INPUT, or the store's exit code) and err filled. */
static struct ynode *load_yaml(const struct env_files *fs, const char *path, int *rc,
			       struct buf *err)
{
	struct buf text = BUF_INIT;
	struct ynode *root = NULL;
	int got = fs->read(fs->ctx, path, YDOC_MAX_BYTES, &text, err);

	*rc = got > 0 ? got : EXIT_INPUT;
	if (got == -EFBIG)
		buf_fail(err, EXIT_INPUT, "%s:1:1: file is larger than %u bytes, refusing to parse it",
			 path, YDOC_MAX_BYTES);
	else if (got < 0)
		buf_fail(err, EXIT_INPUT, "%s: cannot open: %s", path,
			 got == -EINVAL ? "not a regular file" : strerror(-got));
	else if (!got && (root = ydoc_load_mem(path, text.data ? text.data : "", text.len, err)))
		*rc = 0;
	buf_free(&text);
	return root;
}

static int load_conda(struct env *env, const char *path, const struct origin *file,
		      struct buf *err)
{
	const struct ynode *pip_seen = NULL;
	int rc = 0;
	struct ynode *root = load_yaml(file->fs, path, &rc, err);

	if (!root)
		return rc;
	add_input(env, path, file->show);
	env->kind = ENV_CONDA;
	const struct ynode *channels = ydoc_get(root, "channels");
	const struct ynode *deps = ydoc_get(root, "dependencies");
	if (root->kind != YNODE_MAP || !deps || deps->kind != YNODE_SEQ) {
		rc = buf_fail(err, EXIT_INPUT, "%s:%d:%d: no \"dependencies:\" list; a conda "
			  "environment file needs one (python=X.Y.Z, pip, and a pip: section)",
			  file->show, root->line, root->col);
		goto out;
	}
	for (size_t i = 0; i < ydoc_len(channels); i++) {
		const char *ch = ydoc_str(ydoc_val(channels, i));
		if (ch && !strlist_has(&env->channels, ch))
			strlist_add(&env->channels, ch);
	}
	for (size_t i = 0; i < ydoc_len(deps) && !rc; i++)
		rc = conda_item(env, ydoc_val(deps, i), file, &pip_seen, err);
out:
	ydoc_free(root);
	return rc;
}

static enum pin_class python_pin_of(const char *v)
{
	int dots = 0;
	for (const char *p = v; *p; p++) {
		if (*p == '.')
			dots++;
		else if (!isdigit((unsigned char)*p))
			return PIN_RANGE;
	}
	return dots >= 2 ? PIN_EXACT : PIN_RANGE;
}

static int load_python_env(struct env *env, const char *path, const struct origin *file,
			   struct buf *err)
{
	int rc = 0;
	struct ynode *root = load_yaml(file->fs, path, &rc, err);

	if (!root)
		return rc;
	add_input(env, path, file->show);
	env->kind = ENV_VIRTUALENV;
	const struct ynode *py = ydoc_get(root, "python");
	if (!ydoc_str(py)) {
		rc = buf_fail(err, EXIT_INPUT, "%s:%d:%d: no \"python:\" version; add the version "
			  "the model was trained with, e.g. python: 3.10.12",
			  file->show, py ? py->line : root->line, py ? py->col : root->col);
		goto out;
	}
	env->python = xstrdup(ydoc_str(py));
	env->python_pin = python_pin_of(env->python);
	env->python_where = xasprintf("%s:%d:%d", file->show, py->line, py->col);
	static const struct { const char *key; enum dep_role role; } lists[] = {
		{ "build_dependencies", ROLE_BUILD },
		{ "dependencies", ROLE_INSTALL },
	};
	for (size_t i = 0; i < sizeof lists / sizeof *lists && !rc; i++) {
		const struct ynode *l = ydoc_get(root, lists[i].key);
		if (l)
			rc = pip_list(env, l, file, lists[i].role, err);
	}
out:
	ydoc_free(root);
	return rc;
}

/* path: where fs finds the file (env->base_dir "/" show); show: the same,
 * relative to the model, for messages and -r/-c. */
static int load_env_file(const struct env_files *fs, struct env *env, const char *path,
			 const char *show, enum env_kind kind, struct buf *err)
{
	char *show_dir = dir_of(show);
	struct origin file = { fs, strcmp(show_dir, ".") ? show_dir : "", show, 1, 1, 0 };
	int rc = kind == ENV_CONDA ? load_conda(env, path, &file, err)
				   : load_python_env(env, path, &file, err);
	free(env->env_file);
	env->env_file = xstrdup(show);
	free(show_dir);
	return rc;
}

/* Does a conda env need conda for more than python and pip? */
static int needs_conda(const struct env_files *fs, const char *dir, const char *path,
		       const char *show)
{
	struct env probe = { .base_dir = xstrdup(dir) };
	struct buf err = BUF_INIT;
	int need = 1;
	if (!load_env_file(fs, &probe, path, show, ENV_CONDA, &err)) {
		need = 0;
		for (size_t i = 0; i < probe.conda.n; i++)
			if (strcmp(probe.conda.v[i].key, "python") && strcmp(probe.conda.v[i].key, "pip"))
				need = 1;
	}
	env_free(&probe);
	buf_free(&err);
	return need;
}

struct env_refs {
	const struct ynode *conda, *virtualenv;
};

static int mlmodel_env_refs(const struct ynode *mlmodel, const char *show,
			    struct env_refs *refs, struct buf *err)
{
	const struct ynode *pyfunc = ydoc_get(ydoc_get(mlmodel, "flavors"), "python_function");
	if (!pyfunc)
		return buf_fail(err, EXIT_INPUT, "%s:%d:%d: no flavors.python_function; MLServer's "
			    "mlflow runtime and the Seldon wrapper load models through pyfunc, so "
			    "log the model with an MLflow flavor that writes it", show,
			    mlmodel->line, mlmodel->col);
	const struct ynode *envn = ydoc_get(pyfunc, "env");
	if (envn && envn->kind == YNODE_SCALAR) {
		refs->conda = envn;  /* MLflow 1.x: env: conda.yaml */
	} else if (envn && envn->kind == YNODE_MAP) {
		refs->conda = ydoc_get(envn, "conda");
		refs->virtualenv = ydoc_get(envn, "virtualenv");
	}
	return 0;
}

/* The environment file MLmodel names (or MLflow's default name): *name as
 * written, *path where fs finds it, *show_path the same as messages show
 * it. MLflow writes it inside the model folder; a name that leaves it
 * could be any file of this machine. */
static int env_file_ref(const struct ynode *ref, const char *fallback, const char *dir,
			const char **name, char **path, char **show_path, struct buf *err)
{
	const char *why = NULL;
	char *inside;

	*name = ydoc_str(ref) ? ydoc_str(ref) : fallback;
	if (!(inside = model_relative(*name, &why)))
		return buf_fail(err, EXIT_INPUT, "MLmodel:%d:%d: the environment file \"%s\" is %s; "
			    "it must be inside the model folder, where MLflow writes it",
			    ref->line, ref->col, *name, why);
	*path = path_join(dir, inside);
	*show_path = path_join(dir, *name);
	free(inside);
	return 0;
}

static int is_regular(const struct env_files *fs, const char *path)
{
	enum env_file_type type;
	return !fs->type_of(fs->ctx, path, 1, &type) && type == ENV_FILE_REGULAR;
}

static int load_model_dir(const struct env_files *fs, struct env *env, const char *dir,
			  const char *manager, struct buf *err)
{
	char *mlpath = path_join(dir, "MLmodel");
	struct ynode *mlmodel = NULL;
	struct env_refs refs = { 0 };
	const char *conda_name, *venv_name;
	char *conda = NULL, *venv = NULL, *show_conda = NULL, *show_venv = NULL;
	const char *shown_dir = *dir ? dir : ".";  /* "": the root of a tree */
	int rc;

	env->base_dir = xstrdup(dir);
	env->model_dir = xstrdup(dir);
	if (!is_regular(fs, mlpath)) {
		rc = buf_fail(err, EXIT_INPUT, "%s: no MLmodel file; pass the folder MLflow wrote "
			  "(with MLmodel), or a conda.yaml or python_env.yaml", shown_dir);
		goto out;
	}
	mlmodel = load_yaml(fs, mlpath, &rc, err);
	if (!mlmodel)
		goto out;
	add_input(env, mlpath, "MLmodel");
	if (ydoc_get_str(mlmodel, "mlflow_version"))
		env->mlflow_version = xstrdup(ydoc_get_str(mlmodel, "mlflow_version"));
	rc = mlmodel_env_refs(mlmodel, "MLmodel", &refs, err);
	/* old models may not name their env: take what MLflow would have written */
	if (!rc)
		rc = env_file_ref(refs.conda, "conda.yaml", dir, &conda_name, &conda, &show_conda,
				  err);
	if (!rc)
		rc = env_file_ref(refs.virtualenv, "python_env.yaml", dir, &venv_name, &venv,
				  &show_venv, err);
	if (rc)
		goto out;
	int have_conda = is_regular(fs, conda), have_venv = is_regular(fs, venv);
	int use_venv;
	if (manager && !strcmp(manager, "conda"))
		use_venv = 0;
	else if (manager && !strcmp(manager, "virtualenv"))
		use_venv = 1;
	else
		use_venv = have_venv && !(have_conda && needs_conda(fs, dir, conda, conda_name));
	if (use_venv ? !have_venv : !have_conda) {
		rc = buf_fail(err, EXIT_INPUT, "%s: the model has no %s environment file (%s); "
			  "pick another --env-manager or log the model with one", shown_dir,
			  use_venv ? "virtualenv" : "conda", use_venv ? show_venv : show_conda);
		goto out;
	}
	rc = use_venv ? load_env_file(fs, env, venv, venv_name, ENV_VIRTUALENV, err)
		      : load_env_file(fs, env, conda, conda_name, ENV_CONDA, err);
out:
	ydoc_free(mlmodel);
	free(mlpath);
	free(conda);
	free(venv);
	free(show_conda);
	free(show_venv);
	return rc;
}

/* A lone YAML file: python_env.yaml has a top-level python: key. */
static int load_single_file(const struct env_files *fs, struct env *env, const char *path,
			    const char *manager, struct buf *err)
{
	int rc;
	struct ynode *root = load_yaml(fs, path, &rc, err);
	if (!root)
		return rc;
	enum env_kind kind = ydoc_get(root, "python") && !ydoc_get(root, "channels") ?
		ENV_VIRTUALENV : ENV_CONDA;
	ydoc_free(root);
	if (manager && strcmp(manager, "auto") &&
	    strcmp(manager, kind == ENV_CONDA ? "conda" : "virtualenv"))
		return buf_fail(err, EXIT_USAGE, "%s is a %s file but --env-manager %s was asked; "
			    "drop the flag or pass the other file", path,
			    kind == ENV_CONDA ? "conda" : "python_env", manager);
	char *copy = xstrdup(path);
	env->base_dir = dir_of(path);
	rc = load_env_file(fs, env, path, basename(copy), kind, err);
	free(copy);
	return rc;
}

int env_load_with(const struct env_files *fs, const char *input, const char *manager,
		  struct env *env, struct buf *err)
{
	enum env_file_type type;
	int rc = fs->type_of(fs->ctx, input, 1, &type);
	if (rc)
		return buf_fail(err, EXIT_USAGE, "%s: %s; pass a model folder, conda.yaml or "
			    "python_env.yaml", input, strerror(-rc));
	if (type == ENV_FILE_DIR)
		return load_model_dir(fs, env, input, manager, err);
	return load_single_file(fs, env, input, manager, err);
}

int env_load(const char *input, const char *manager, struct env *env, struct buf *err)
{
	return env_load_with(&env_files_local, input, manager, env, err);
}

/* --- env_files_local: the filesystem --- */

/* A regular file only: a FIFO would hang the run, a device never end. */
static int local_read(void *ctx, const char *path, size_t max, struct buf *out,
		      struct buf *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), rc = 0;
	struct stat st;
	char chunk[8192];

	(void)ctx;
	(void)err;  /* a file's failures are errno values */
	buf_reset(out);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	while (!rc) {
		ssize_t got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = got ? -errno : 0;
			break;
		}
		if ((size_t)got > max - out->len)
			rc = -EFBIG;
		else
			buf_add(out, chunk, (size_t)got);
	}
	close(fd);
	return rc;
}

static int local_type_of(void *ctx, const char *path, int follow, enum env_file_type *type)
{
	struct stat st;

	(void)ctx;
	if (follow ? stat(path, &st) : lstat(path, &st))
		return -errno;
	*type = S_ISREG(st.st_mode) ? ENV_FILE_REGULAR : S_ISDIR(st.st_mode) ? ENV_FILE_DIR :
		S_ISLNK(st.st_mode) ? ENV_FILE_SYMLINK : ENV_FILE_OTHER;
	return 0;
}

const struct env_files env_files_local = { NULL, local_read, local_type_of };
