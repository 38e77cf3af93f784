/* prebake: read an MLflow model's environment files and write a folder
 * with a Dockerfile that bakes that environment, plus the serving stack
 * held to the model's pins, into an image. See prebake/README.md. */
#include "audit.h"
#include "deps.h"
#include "emit.h"
#include "envload.h"
#include "exitcode.h"
#include "log.h"
#include "outdir.h"
#include "targets.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PREBAKE_VERSION "0.1.0"

struct cli {
	const char *input, *output, *env_manager;
	struct bake_opts bake;
	int strict, force, quiet;
};

static const char usage_text[] =
	"usage: prebake [options] MODEL_DIR|conda.yaml|python_env.yaml -o OUT_DIR\n"
	"  -o, --output DIR          folder to write (Dockerfile and what it copies)\n"
	"  -t, --target NAME         serving stack: mlserver (default) or seldon\n"
	"      --server-version V    version of the serving packages (mlserver 1.6.1,\n"
	"                            seldon-core 1.18.2 by default)\n"
	"      --env-manager M       auto (default), conda or virtualenv\n"
	"      --builder-image IMG   image of the build stage\n"
	"      --runtime-image IMG   image of the runtime stage\n"
	"      --bake-model          copy the model into the image (no init container)\n"
	"      --strict              fail unless python and every dependency are exact\n"
	"      --force               replace OUT_DIR even if prebake did not write it\n"
	"  -q, --quiet               print errors and warnings only\n"
	"  -h, --help                this text\n"
	"      --version             print the version\n";

static int usage_error(const char *fmt, const char *arg)
{
	fputs("prebake: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n", stderr);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

/* Values that end up inside the Dockerfile: no quotes, spaces or newlines. */
static int safe_token(const char *s, const char *extra)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return 0;
	return 1;
}

enum { OPT_SERVER_VERSION = 256, OPT_ENV_MANAGER, OPT_BUILDER, OPT_RUNTIME, OPT_BAKE,
       OPT_STRICT, OPT_FORCE, OPT_VERSION };

static const struct option long_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "target", required_argument, NULL, 't' },
	{ "server-version", required_argument, NULL, OPT_SERVER_VERSION },
	{ "env-manager", required_argument, NULL, OPT_ENV_MANAGER },
	{ "builder-image", required_argument, NULL, OPT_BUILDER },
	{ "runtime-image", required_argument, NULL, OPT_RUNTIME },
	{ "bake-model", no_argument, NULL, OPT_BAKE },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static int parse_option(struct cli *c, int opt)
{
	switch (opt) {
	case 'o': c->output = optarg; return 0;
	case 't':
		c->bake.target = target_find(optarg);
		return c->bake.target ? 0 : usage_error("unknown --target \"%s\"; use mlserver or seldon", optarg);
	case OPT_SERVER_VERSION:
		/* the image tag's "v1.17.1" is the release 1.17.1 to pip too */
		c->bake.server_version = (optarg[0] == 'v' || optarg[0] == 'V') &&
					 isdigit((unsigned char)optarg[1]) ? optarg + 1 : optarg;
		return safe_token(optarg, ".+-") ? 0 :
			usage_error("--server-version \"%s\" is not a version like 1.6.1", optarg);
	case OPT_ENV_MANAGER:
		c->env_manager = optarg;
		return !strcmp(optarg, "auto") || !strcmp(optarg, "conda") || !strcmp(optarg, "virtualenv") ?
			0 : usage_error("unknown --env-manager \"%s\"; use auto, conda or virtualenv", optarg);
	case OPT_BUILDER:
	case OPT_RUNTIME:
		*(opt == OPT_BUILDER ? &c->bake.builder_image : &c->bake.runtime_image) = optarg;
		return safe_token(optarg, "._-/:@") ? 0 :
			usage_error("image \"%s\" is not an image reference like name:tag", optarg);
	case OPT_BAKE: c->bake.bake_model = 1; return 0;
	case OPT_STRICT: c->strict = 1; return 0;
	case OPT_FORCE: c->force = 1; return 0;
	case 'q': c->quiet = 1; return 0;
	case 'h': fputs(usage_text, stdout); exit(EXIT_OK);
	case OPT_VERSION: printf("prebake %s\n", PREBAKE_VERSION); exit(EXIT_OK);
	default: return usage_error("%s", "unknown option");
	}
}

static int parse_cli(struct cli *c, int argc, char **argv)
{
	int opt, rc;
	c->bake.target = target_default();
	while ((opt = getopt_long(argc, argv, "o:t:qh", long_options, NULL)) != -1)
		if ((rc = parse_option(c, opt)))
			return rc;
	if (optind != argc - 1)
		return usage_error("%s", optind >= argc ? "no input given: pass a model folder, "
				   "conda.yaml or python_env.yaml" : "give exactly one input");
	c->input = argv[optind];
	if (!c->output)
		return usage_error("%s", "no output folder: pass -o OUT_DIR");
	return 0;
}

/* pip's hash-checking mode starts with the first --hash and then wants
 * one on every requirement of that install. */
static void warn_partial_hashes(const struct env *env)
{
	size_t total, hashed = audit_hashed(env, &total);
	if (hashed && hashed < total)
		fprintf(stderr, "prebake: warning: %zu of %zu requirements carry --hash; pip will "
			"refuse the install unless every one does. Hash them all or none\n",
			hashed, total);
}

/* The model was pickled by one mlflow; another may not load it. */
static void warn_mlflow_pin(const struct env *env)
{
	const struct dep *d = audit_find_mlflow(env);
	if (!env->mlflow_version)
		return;
	if (d && d->source == DEP_CONDA) {
		if (d->pin != PIN_EXACT)
			fprintf(stderr, "prebake: warning: %s: mlflow is not pinned exactly but MLmodel "
				"was written by mlflow %s; conda will pick a version (pin it as "
				"mlflow=%s)\n", d->where, env->mlflow_version, env->mlflow_version);
		return;
	}
	if (!audit_mlflow_hold(env))
		return;
	if (d)
		fprintf(stderr, "prebake: warning: %s: mlflow is not pinned but MLmodel was written "
			"by mlflow %s; constraints.txt holds it at mlflow==%s (pin it in the model's "
			"environment too)\n", d->where, env->mlflow_version, env->mlflow_version);
	else
		fprintf(stderr, "prebake: warning: %s does not list mlflow; constraints.txt holds "
			"the serving stack's mlflow at %s, the version in MLmodel\n", env->env_file,
			env->mlflow_version);
}

/* Without channels: conda-forge, since micromamba has no default channel.
 * A build string names a build of one channel, which may not exist there. */
static void warn_no_channels(const struct env *env)
{
	const struct dep *built = NULL;
	if (env->kind != ENV_CONDA || env->channels.n)
		return;
	for (size_t i = 0; i < env->conda.n && !built; i++)
		if (env->conda.v[i].build && !env->conda.v[i].channel)
			built = &env->conda.v[i];
	fprintf(stderr, "prebake: warning: %s names no channels:; the image uses conda-forge "
		"(micromamba has no default channel). Add a channels: list", env->env_file);
	if (built)
		fprintf(stderr, ": %s: %s asks for build %s, which only exists on the channel "
			"that made it (an Anaconda build will not resolve on conda-forge)",
			built->where, built->name, built->build);
	fputs("\n", stderr);
}

/* Both bounds of the serving stack's Requires-Python: a python outside
 * them cannot install it, and the build would fail at pip's step. */
static int check_python(const struct cli *c, const struct env *env)
{
	const struct target *t = c->bake.target;
	const char *ver = bake_version(&c->bake);
	const char *requires = target_requires_python(t, ver);
	if (!env->python || (env->kind == ENV_CONDA && env->python_pin == PIN_RANGE &&
			     strpbrk(env->python, "<>!|*,")))
		return 0;  /* conda chooses: nothing to compare */
	if (!requires) {
		fprintf(stderr, "prebake: warning: the Requires-Python of %s %s is not known to "
			"prebake; python %s is not checked against it\n", t->packages[0], ver,
			env->python);
		return 0;
	}
	int fits = python_satisfies(env->python, requires);
	if (fits != 0)
		return 0;  /* fits, or not a version prebake can compare */
	fprintf(stderr, "prebake: %s: python %s is outside %s %s's Requires-Python \"%s\"; "
		"the build would fail at pip. Pick a python that fits, or another "
		"--server-version\n", env->python_where ? env->python_where : env->env_file,
		env->python, t->packages[0], ver, requires);
	return EXIT_POLICY;
}

/* What the stock image of the chosen release would have done to the
 * model's pins (initc's words, from the same table): the reason to bake.
 * A note: -q leaves it out. */
static void report_release(const struct cli *c, const struct env *env)
{
	const struct target *t = c->bake.target;
	const char *ver = bake_version(&c->bake);
	const struct server_release *r = target_release(t, ver);
	struct buf moves = BUF_INIT;

	if (!r) {
		if (!c->quiet)
				fprintf(stderr, "prebake: note: initc's release table has no %s %s; the "
				"serving stack's other versions are left to pip (`initc servers %s` "
				"lists the releases it knows)\n", t->server, ver, t->server);
		return;
	}
	if (!t->stock_installs_over_env)
		return;  /* its stock image runs its own stack, not the model's env */
	size_t max = env->conda.n + env->pip.n + 1;
	struct model_pin *pins = xcalloc(max, sizeof *pins);
	size_t moved = release_moves(r, pins, env_exact_pins(env, pins, max), &moves);
	if (moved && !c->quiet)
		fprintf(stderr, "prebake: note: the stock %s %s image (%s) would not keep %zu of "
			"the model's pins: %s; the baked image keeps them all\n", r->server,
			r->version, r->image, moved, moves.data);
	free(pins);
	buf_free(&moves);
}

/* Checks on the environment that do not stop the build but deserve a word. */
static int check_env(const struct cli *c, struct env *env)
{
	if (env->kind == ENV_VIRTUALENV && !safe_token(env->python, ".")) {
		fprintf(stderr, "prebake: %s: python \"%s\" is not a version like 3.10.12; the "
			"image tag python:VERSION needs one\n", env->python_where, env->python);
		return EXIT_INPUT;
	}
	/* both end up in Dockerfile comments and labels */
	if (strpbrk(env->env_file, "\r\n\"\\")) {
		fprintf(stderr, "prebake: MLmodel names an environment file with quotes or line "
			"breaks in its name; rename the file\n");
		return EXIT_INPUT;
	}
	if (env->mlflow_version && !safe_token(env->mlflow_version, ".+-")) {
		fprintf(stderr, "prebake: warning: MLmodel mlflow_version \"%s\" is not a version; "
			"ignoring it\n", env->mlflow_version);
		free(env->mlflow_version);
		env->mlflow_version = NULL;
	}
	if (c->bake.bake_model && !env->model_dir) {
		fprintf(stderr, "prebake: --bake-model needs a model folder (with MLmodel), "
			"not %s\n", c->input);
		return EXIT_USAGE;
	}
	if (!env->python)
		fprintf(stderr, "prebake: warning: %s does not name python; conda will pick "
			"one. Add python=X.Y.Z\n", env->env_file);
	int rc = check_python(c, env);
	if (rc)
		return rc;
	warn_no_channels(env);
	warn_partial_hashes(env);
	warn_mlflow_pin(env);
	report_release(c, env);
	return 0;
}

static char *settings_text(const struct cli *c, const struct env *env)
{
	const struct bake_opts *o = &c->bake;
	char *builder = o->builder_image ? xstrdup(o->builder_image) : emit_default_builder(env);
	char *runtime = o->runtime_image ? xstrdup(o->runtime_image) : emit_default_runtime(env);
	char *s = xasprintf("prebake=%s\ntarget=%s\nserver-version=%s\nenv-manager=%s\n"
			    "builder-image=%s\nruntime-image=%s\nbake-model=%d\n",
			    PREBAKE_VERSION, o->target->name,
			    bake_version(o),
			    env->kind == ENV_CONDA ? "conda" : "virtualenv", builder, runtime,
			    o->bake_model);
	free(builder);
	free(runtime);
	return s;
}

static void print_summary(const struct cli *c, const struct env *env, const struct outset *files,
			  const char *sha)
{
	struct buf probes = BUF_INIT;
	printf("\nwrote %s (%s environment from %s, target %s, inputs sha256 %.12s):\n",
	       c->output, env->kind == ENV_CONDA ? "conda" : "virtualenv", env->env_file,
	       c->bake.target->name, sha);
	for (size_t i = 0; i < files->n; i++)
		printf("  %s\n", files->v[i].name);
	if (c->bake.bake_model)
		printf("  model/\n");
	printf("build it with: docker build -t IMAGE %s\n\n", c->output);
	emit_probes(c->bake.target, &probes);
	fputs(probes.data, stdout);
	buf_free(&probes);
}

/* Messages name files relative to the model folder (as the audit does);
 * say where that folder is when it is not the current one. */
static void print_error(const struct env *env, const char *raw)
{
	char *line = url_redact_userinfo(raw);  /* an error may quote an index URL's password */
	size_t name_len = strcspn(line, ":");
	const char *dir = env->base_dir, *above = "";
	if (dir && strcmp(dir, ".") && line[name_len] == ':' && line[0] != '/') {
		char *name = xstrndup(line, name_len);
		char *path = xasprintf("%s/%s", dir, name);
		if (access(path, F_OK) == 0 && strncmp(line, dir, strlen(dir)))
			above = dir;
		free(name);
		free(path);
	}
	fprintf(stderr, "prebake: %s%s%s\n", above, *above ? "/" : "", line);
	free(line);
}

static int is_current_folder(const char *path)
{
	struct stat here, there;
	return !stat(".", &here) && !stat(path, &there) && here.st_dev == there.st_dev &&
	       here.st_ino == there.st_ino;
}

/* Replacing OUT removes what is inside it: never the model's own folder
 * (-o . --force run from inside the model would). */
static int output_holds_input(const char *output, const char *input_dir, struct buf *err)
{
	char *out = realpath(output, NULL), *in = realpath(input_dir, NULL);
	size_t n = out ? strlen(out) : 0;
	int holds = out && in && !strncmp(in, out, n) &&
		    (in[n] == '\0' || in[n] == '/' || !strcmp(out, "/"));
	if (holds) {
		buf_reset(err);
		buf_printf(err, "%s holds the model's files (%s); replacing it would delete them. "
			   "Pick an -o outside the model folder", output, input_dir);
	}
	free(out);
	free(in);
	return holds ? EXIT_LOCALIO : 0;
}

static int run(struct cli *c, struct env *env, struct buf *err)
{
	struct strlist model = { 0 };
	struct outset files = { 0 };
	struct outdir *dir = NULL;
	struct buf table = BUF_INIT, model_sums = BUF_INIT;
	char sha[SHA256_HEX_LEN + 1];
	char *settings = NULL;
	int rc = env_load(c->input, c->env_manager, env, err);

	if (rc)
		goto out;
	if ((rc = check_env(c, env)))
		goto quiet_out;
	audit_table(env, &table, NULL);
	if (!c->quiet)
		fputs(table.data, stdout);
	if (c->strict && (rc = audit_strict(env, err)))
		goto out;
	if (c->bake.bake_model && (rc = model_files(env->model_dir, c->output, &model, err)))
		goto out;
	if ((rc = output_holds_input(c->output, env->base_dir, err)))
		goto out;
	int was_cwd = is_current_folder(c->output);
	if ((rc = outdir_open(&dir, c->output, c->force, err)))
		goto out;
	/* the model's hashes come from the bytes copied: a file changing
	 * meanwhile cannot make the label disagree with the image */
	if (c->bake.bake_model &&
	    (rc = outdir_copy_model(dir, env->model_dir, &model, &model_sums, err)))
		goto out;
	settings = settings_text(c, env);
	if ((rc = inputs_sha256(env, c->bake.bake_model ? &model_sums : NULL, settings, sha, err)))
		goto out;
	emit_all(env, &c->bake, sha, &files);
	rc = outdir_commit(dir, &files, err);
	if (!rc && !c->quiet)
		print_summary(c, env, &files, sha);
	if (!rc && was_cwd)  /* the shell still stands in the old, removed one */
		fprintf(stderr, "prebake: note: %s was your current folder and has been replaced "
			"by a new one; run cd \"$PWD\" before docker build\n", c->output);
out:
	if (rc) {
		/* --strict lists several offenders, one per line */
		for (char *line = err->data, *next; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			print_error(env, line);
		}
	}
quiet_out:
	outdir_close(dir);
	buf_free(&model_sums);
	free(settings);
	outset_free(&files);
	strlist_free(&model);
	buf_free(&table);
	return rc;
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	struct env env = { 0 };
	struct buf err = BUF_INIT;
	int rc;

	log_set_program("prebake");
	if ((rc = parse_cli(&c, argc, argv)))
		return rc;
	rc = run(&c, &env, &err);
	env_free(&env);
	buf_free(&err);
	return rc;
}
