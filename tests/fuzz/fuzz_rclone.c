/* rclone configuration as initc reads it. The input is text:
 *   - the whole input is also the rclone.conf file (RCLONE_CONFIG);
 *   - a line "RCLONE_<...>=value" is also exported before remote_resolve
 *     (and removed after);
 *   - a line starting with ',' is the connection string of remote "fz";
 *   - every line goes through the value parsers (duration, size, bool). */
#include <stdio.h>
#include <unistd.h>

#include "fuzz.h"
#include "log.h"
#include "rclone_config.h"

#define MAX_VARS 16

static char conf_path[4096];

static void remove_conf(void)
{
	unlink(conf_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(conf_path, sizeof conf_path, "%s/fuzz-rclone-%ld.conf", fuzz_tmpdir(),
		 (long)getpid());
	setenv("RCLONE_CONFIG", conf_path, 1);
	atexit(remove_conf);
	return 0;
}

static void write_conf(const uint8_t *data, size_t size)
{
	FILE *f = fopen(conf_path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
}

static void value_parsers(const char *s)
{
	long long n;
	int b;
	(void)parse_rclone_duration(s, &n);
	(void)parse_rclone_size(s, &n);
	(void)parse_rclone_bool(s, &b);
}

static void resolve(const char *name, const char *params)
{
	struct remote r;
	struct buf err = BUF_INIT, origin = BUF_INIT;
	int on;

	if (remote_resolve(name, params, &r, &err) == 0) {
		for (size_t i = 0; i < s3_noptions; i++)
			(void)remote_get(&r, s3_options[i].name, &origin);
		(void)remote_get_bool(&r, "force_path_style", 0, &on, &err);
		(void)remote_check_options(&r, &err);
	}
	remote_free(&r);
	buf_free(&origin);
	buf_free(&err);
}

static void ini(const char *section)
{
	struct kv *kvs;
	size_t n;
	struct buf err = BUF_INIT;
	if (ini_read_section(conf_path, section, &kvs, &n, &err) >= 0)
		kv_free(kvs, n);
	buf_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *p = text, *line;
	char *vars[MAX_VARS];
	const char *params = NULL;
	size_t nvars = 0;

	write_conf(data, size);
	while ((line = fuzz_next_line(&p))) {
		char *eq = strchr(line, '=');
		value_parsers(line);
		if (line[0] == ',' && !params) {
			params = line + 1;
		} else if (!strncmp(line, "RCLONE_", 7) && eq && eq > line + 7 && nvars < MAX_VARS) {
			*eq = '\0'; /* RCLONE_CONFIG itself stays ours: it names the file */
			if (strcmp(line, "RCLONE_CONFIG") && setenv(line, eq + 1, 1) == 0)
				vars[nvars++] = line;
		}
	}
	ini("fz");
	ini("s3");
	resolve("fz", params);
	resolve(":s3", params);
	for (size_t i = 0; i < nvars; i++)
		unsetenv(vars[i]);
	log_forget_secrets();
	free(text);
	return 0;
}
