/* logfmt logging and secret redaction (common/log.h): a registered secret
 * must never reach stderr or the termination log, in whole or in part. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "t.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define SECRET_HEAD "wJalrXUt"   /* enough of it to matter */

static int saved_stderr = -1;
static char capture_path[64];

/* Send fd 2 to a temp file until capture_end(), which returns its text. */
static void capture_start(void)
{
	strcpy(capture_path, "/tmp/test_log.XXXXXX");
	fflush(stderr);
	int fd = mkstemp(capture_path);
	if (fd < 0) {
		perror("mkstemp");
		exit(1);
	}
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static char *read_file(const char *path)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t got;
	FILE *f = fopen(path, "r");
	while (f && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, got);
	if (f)
		fclose(f);
	return buf_steal(&b);
}

static char *capture_end(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	char *text = read_file(capture_path);
	unlink(capture_path);
	return text;
}

static void test_format(void)
{
	log_set_program("initc");
	capture_start();
	log_kv(LOG_INFO, "model downloaded", "files=%d bytes=%lld", 3, 1024LL);
	log_kv(LOG_WARN, "retrying", NULL);
	char *out = capture_end();
	CHECK(!strncmp(out, "time=", 5));
	CHECK(strstr(out, "Z level=info prog=initc msg=\"model downloaded\" files=3 bytes=1024\n") != NULL);
	CHECK(strstr(out, "level=warn prog=initc msg=retrying\n") != NULL);
	free(out);

	/* below the level: nothing */
	log_set_level(LOG_WARN);
	CHECK_INT(log_get_level(), LOG_WARN);
	capture_start();
	log_kv(LOG_INFO, "quiet", NULL);
	log_kv(LOG_DEBUG, "quieter", NULL);
	log_kv(LOG_ERROR, "loud", NULL);
	out = capture_end();
	CHECK(strstr(out, "quiet") == NULL);
	CHECK(strstr(out, "level=error") != NULL);
	free(out);
	log_set_level(LOG_INFO);
}

static void test_q(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain", "plain" },
		{ "s3://b/p", "s3://b/p" },
		{ "", "\"\"" },
		{ "a b", "\"a b\"" },
		{ "a=b", "\"a=b\"" },
		{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
		{ "back\\slash", "\"back\\\\slash\"" },
		{ "two\nlines", "\"two\\nlines\"" },
		{ "tab\there", "\"tab?here\"" },
		{ "\303\274ber", "\303\274ber" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK_STR(log_q(cases[i].in), cases[i].out);

	/* two quoted values in one line are both intact */
	char line[64];
	snprintf(line, sizeof line, "%s %s", log_q("a b"), log_q("c d"));
	CHECK_STR(line, "\"a b\" \"c d\"");

	/* a long value is cut but stays one quoted token */
	char *longv = malloc(3001);
	memset(longv, 'x', 3000);
	longv[0] = ' ';
	longv[3000] = '\0';
	const char *q = log_q(longv);
	size_t len = strlen(q);
	CHECK(len > 100 && len < 1024);
	CHECK(q[0] == '"' && q[len - 1] == '"');
	free(longv);
}

static void test_redaction(void)
{
	log_add_secret(SECRET);
	capture_start();
	log_kv(LOG_ERROR, "signing with " SECRET, "secret=%s url=%s", SECRET,
	       "http://h/?X-Amz-Credential=" SECRET "&x=1");
	log_kv(LOG_ERROR, "quoted", "v=%s", log_q("a " SECRET " b"));
	char *out = capture_end();
	CHECK(strstr(out, SECRET_HEAD) == NULL);
	CHECK(strstr(out, "msg=\"signing with ***\" secret=*** url=http://h/?X-Amz-Credential=***&x=1")
	      != NULL);
	CHECK(strstr(out, "v=\"a *** b\"") != NULL);
	free(out);

	char dst[64];
	log_redact(dst, sizeof dst, "k=" SECRET ";");
	CHECK_STR(dst, "k=***;");
	log_redact(dst, 6, "k=" SECRET ";");
	CHECK_STR(dst, "k=***");

	/* the longest registered secret wins where two start at one place */
	log_add_secret("abcd1234");
	log_add_secret("abcd1234efgh");
	log_redact(dst, sizeof dst, "x abcd1234efgh y abcd1234 z");
	CHECK_STR(dst, "x *** y *** z");

	/* short strings are not secrets */
	log_add_secret("abc");
	log_redact(dst, sizeof dst, "abc");
	CHECK_STR(dst, "abc");

	log_forget_secrets();
	log_redact(dst, sizeof dst, "abcd1234");
	CHECK_STR(dst, "abcd1234");
}

/* A secret written where the 4 KiB line is cut: no part of it may show. */
static void test_redaction_at_line_end(void)
{
	char pad[4200];
	int leaked = 0;
	log_add_secret(SECRET);
	for (size_t n = 3980; n < 4090; n++) {
		memset(pad, 'p', n);
		pad[n] = '\0';
		capture_start();
		log_kv(LOG_ERROR, "x", "pad=%s key=%s", pad, SECRET);
		char *out = capture_end();
		if (strstr(out, SECRET_HEAD) && !leaked++)
			printf("# log_kv leaked a secret prefix with %zu bytes of padding\n", n);
		free(out);
	}
	CHECK_INT(leaked, 0);
	log_forget_secrets();
}

/* A secret holding characters log_q escapes (" \ newline) must still be
 * redacted once quoted. A trailing newline is the common case: a
 * Kubernetes secret made with kubectl create secret --from-file. */
static void test_redaction_of_quoted_secret(void)
{
	static const char *const secrets[] = { "pa\"ss-word99", "pa\\ss-word99", "ss-word99\n",
					       "pa ss\"word99" };
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
		log_add_secret(secrets[i]);
		capture_start();
		log_kv(LOG_ERROR, "auth failed", "secret=%s", log_q(secrets[i]));
		char *out = capture_end();
		printf("# quoted secret #%zu\n", i);
		CHECK(strstr(out, "word99") == NULL);
		free(out);
		log_forget_secrets();
	}
}

/* Every registered secret is redacted, however many there are (one per
 * remote option: keys, session tokens, SSE-C keys of several remotes). */
static void test_many_secrets(void)
{
	char secret[32];
	int leaked = 0;
	for (int i = 0; i < 24; i++) {
		snprintf(secret, sizeof secret, "secret-number-%02d-XYZ", i);
		log_add_secret(secret);
	}
	capture_start();
	for (int i = 0; i < 24; i++) {
		snprintf(secret, sizeof secret, "secret-number-%02d-XYZ", i);
		log_kv(LOG_ERROR, "x", "k=%s", secret);
	}
	char *out = capture_end();
	for (int i = 0; i < 24; i++) {
		snprintf(secret, sizeof secret, "secret-number-%02d-XYZ", i);
		if (strstr(out, secret) && !leaked++)
			printf("# secret #%d of 24 was not redacted\n", i + 1);
	}
	CHECK_INT(leaked, 0);
	free(out);
	log_forget_secrets();
}

static void test_termination_log(void)
{
	char path[] = "/tmp/test_log_term.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	setenv("INITC_TERMINATION_LOG", path, 1);
	log_add_secret(SECRET);

	log_termination("download failed: %s (exit %d)", "key " SECRET " refused", 3);
	char *text = read_file(path);
	CHECK_STR(text, "download failed: key *** refused (exit 3)\n");
	free(text);

	/* it is rewritten, not appended */
	log_termination("second");
	text = read_file(path);
	CHECK_STR(text, "second\n");
	free(text);

	/* cut at its 4 KiB limit right inside the secret */
	char pad[4200];
	int leaked = 0;
	for (size_t n = 4040; n < 4095; n++) {
		memset(pad, 'p', n);
		pad[n] = '\0';
		log_termination("%s%s", pad, SECRET);
		text = read_file(path);
		if (strstr(text, SECRET_HEAD) && !leaked++)
			printf("# termination log leaked a secret prefix with %zu bytes of padding\n", n);
		free(text);
	}
	CHECK_INT(leaked, 0);

	/* empty INITC_TERMINATION_LOG: nothing written anywhere */
	unlink(path);
	setenv("INITC_TERMINATION_LOG", "", 1);
	log_termination("nothing");
	CHECK(access(path, F_OK) != 0);
	unsetenv("INITC_TERMINATION_LOG");
	log_forget_secrets();
}

/* Does text hold any 8-byte piece of secret? */
static int holds_piece(const char *text, const char *secret)
{
	size_t len = strlen(secret);
	for (size_t i = 0; i + 8 <= len; i++) {
		char piece[9];
		memcpy(piece, secret + i, 8);
		piece[8] = '\0';
		if (strstr(text, piece))
			return 1;
	}
	return 0;
}

/* A quoted value is cut at 1 KiB: the secret is redacted before the cut,
 * so a secret across it leaves no first half (a 1,066-byte connection
 * string once showed 17 bytes of its secret). */
static void test_redaction_before_the_cut(void)
{
	char value[1400];
	int leaked = 0, leaked_msg = 0;
	log_add_secret(SECRET);
	for (size_t n = 960; n < 1040; n++) {
		memset(value, 'p', n);
		memcpy(value, "a b", 3); /* a space: log_q quotes and cuts it */
		strcpy(value + n, SECRET ",rest");
		if (holds_piece(log_q(value), SECRET) && !leaked++)
			printf("# log_q leaked a piece with %zu bytes before the secret\n", n);
		capture_start();
		log_kv(LOG_ERROR, value, "v=%s", log_q(value));
		char *out = capture_end();
		if (holds_piece(out, SECRET) && !leaked_msg++)
			printf("# log_kv leaked a piece with %zu bytes before the secret\n", n);
		free(out);
	}
	CHECK_INT(leaked, 0);
	CHECK_INT(leaked_msg, 0);
	log_forget_secrets();
}

/* argv is scrubbed in place, byte for byte, the rest left readable. */
static void test_scrub(void)
{
	char arg[] = ":s3,secret_access_key=" SECRET ",provider=Minio:bucket/" SECRET;
	size_t len = strlen(arg);
	CHECK_INT(log_scrub(arg), 0); /* nothing registered: nothing touched */
	CHECK(strstr(arg, SECRET) != NULL);
	log_add_secret(SECRET);
	CHECK_INT(log_scrub(arg), 2);
	CHECK_INT(strlen(arg), len);
	CHECK(!holds_piece(arg, SECRET));
	CHECK(!strncmp(arg, ":s3,secret_access_key=****", 26));
	CHECK(strstr(arg, "*,provider=Minio:bucket/*") != NULL);

	char *dup = log_redact_dup("x " SECRET " y");
	CHECK_STR(dup, "x *** y");
	free(dup);

	FILE *f = tmpfile();
	char text[256] = "";
	log_print_redacted(f, "line one " SECRET "\nline two\n");
	rewind(f);
	size_t got = fread(text, 1, sizeof text - 1, f);
	text[got] = '\0';
	fclose(f);
	CHECK_STR(text, "line one ***\nline two\n");
	log_forget_secrets();
}

/* Overlapping secrets: every byte any of them covers goes, whichever
 * starts first or is longest. */
static void test_overlapping_secrets(void)
{
	log_add_secret("k3yAAAA1");
	log_add_secret("AAAA1TokenBBBBBBBBBBBB");
	char *dup = log_redact_dup("<k3yAAAA1TokenBBBBBBBBBBBB>");
	CHECK_STR(dup, "<***>");
	free(dup);
	char arg[] = "x=k3yAAAA1TokenBBBBBBBBBBBB,y";
	CHECK_INT(log_scrub(arg), 1);
	CHECK_STR(arg, "x=*************************,y"); /* 25 bytes, all */
	log_add_secret("1Tok"); /* inside another: one run still */
	dup = log_redact_dup("k3yAAAA1TokenBBBBBBBBBBBB AAAA1Tok");
	CHECK_STR(dup, "*** AAAA***");
	free(dup);
	log_forget_secrets();
}

int main(void)
{
	test_format();
	test_q();
	test_redaction();
	test_redaction_at_line_end();
	test_redaction_of_quoted_secret();
	test_many_secrets();
	test_termination_log();
	test_redaction_before_the_cut();
	test_scrub();
	test_overlapping_secrets();
	return T_DONE();
}
