/* prebake end to end on one environment file: the input is written as
 * conda.yaml, or as python_env.yaml when it has a top-level python: key
 * (env_load tells them apart itself). Text after a line "#--" goes to
 * requirements.txt beside it, for -r references. Then the pin audit and
 * the Dockerfile, as prebake builds them. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "emit.h"
#include "envload.h"
#include "fuzz.h"
#include "targets.h"

static char dir[4000], env_path[4096], req_path[4096];

static void remove_files(void)
{
	unlink(env_path);
	unlink(req_path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof dir, "%s/fuzz-prebake-%ld", fuzz_tmpdir(), (long)getpid());
	snprintf(env_path, sizeof env_path, "%s/conda.yaml", dir);
	snprintf(req_path, sizeof req_path, "%s/requirements.txt", dir);
	mkdir(dir, 0700);
	atexit(remove_files);
	return 0;
}

static void write_file(const char *path, const char *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
}

static void bake(const struct env *env)
{
	struct buf table = BUF_INIT, err = BUF_INIT;
	struct audit_counts counts;
	struct outset out = { 0 };
	struct bake_opts o = { .target = target_default() };

	audit_table(env, &table, &counts);
	(void)audit_strict(env, &err);
	emit_all(env, &o, "0000000000000000000000000000000000000000000000000000000000000000", &out);
	outset_free(&out);
	buf_free(&table);
	buf_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *cut = memmem(text, size, "\n#--\n", 5);
	size_t env_len = cut ? (size_t)(cut - text) : size;
	struct env env = { 0 };
	struct buf err = BUF_INIT;

	write_file(env_path, text, env_len);
	if (cut)
		write_file(req_path, cut + 5, size - env_len - 5);
	else
		unlink(req_path);
	if (env_load(env_path, NULL, &env, &err) == 0)
		bake(&env);
	else if (!err.len)
		abort(); /* a refusal says why */
	env_free(&env);
	buf_free(&err);
	return 0;
}
