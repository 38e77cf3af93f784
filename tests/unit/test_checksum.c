/* The digest table (initc/checksum.h), CRC-64/NVME (initc/crc64nvme.c),
 * the choice of check and composite checksums (initc/integrity.h).
 * Expected values come from Python, not from this code: the catalogue's
 * check values ("123456789") and, for the 100,000-byte buffer below,
 * tests/lib/sums.py (zlib, python3-crc32c, hashlib and a bit-by-bit
 * CRC-64/NVME):
 *   d = bytes(((i * 2654435761) >> 13) & 255 for i in range(100000))
 *   sums.value(algo, d); sums.composite(algo, d, [40000, 40000, 20000]) */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checksum.h"
#include "crc64nvme.h"
#include "exitcode.h"
#include "integrity.h"
#include "t.h"

#define N 100000

static unsigned char data[N];

static const struct sum_algo *algo(const char *name)
{
	for (size_t i = 0; sum_s3_algo(i); i++)
		if (!strcmp(sum_name(sum_s3_algo(i)), name))
			return sum_s3_algo(i);
	return sum_md5();
}

/* S3's base64 of the digest of data[0..n), fed in uneven pieces. */
static void value(const char *name, size_t n, char out[64])
{
	const struct sum_algo *a = algo(name);
	struct sum_ctx *s = sum_new(a);
	unsigned char d[SUM_MAX_LEN];
	for (size_t off = 0, step = 1; off < n; off += step, step = step * 3 + 1)
		sum_add(s, data + off, off + step <= n ? step : n - off);
	sum_end(s, d);
	sum_free(s);
	sum_base64_encode(d, sum_len(a), out);
}

static void test_check_values(void)
{
	CHECK(crc64nvme(0, "123456789", 9) == 0xAE8B14860A799888ULL);
	CHECK(crc64nvme(crc64nvme(0, "1234", 4), "56789", 5) == 0xAE8B14860A799888ULL);
	CHECK(crc64nvme(0, "", 0) == 0);
	memcpy(data, "123456789", 9);
	char v[64];
	value("crc32", 9, v);
	CHECK_STR(v, "y/Q5Jg==");   /* 0xCBF43926 */
	value("crc32c", 9, v);
	CHECK_STR(v, "4waSgw==");   /* 0xE3069283 */
	value("crc64nvme", 9, v);
	CHECK_STR(v, "rosUhgp5mIg="); /* 0xAE8B14860A799888 */
}

static void test_buffer_values(void)
{
	static const char *const want[][2] = {
		{ "crc64nvme", "RDXzOpTvgRg=" }, { "crc32c", "pQ0r8A==" }, { "crc32", "y6TY1Q==" },
		{ "sha1", "X5fEw/0MuUBn8ljZZjV759tI7Ms=" },
		{ "sha256", "2n2VLEMYO/bTOpEQyVW7IyJ9fcklgZ0/V5zi4B6BtgM=" },
		{ "md5", "axI3u0w0syaEIhODBqnaAA==" },
	};
	char v[64];
	for (size_t i = 0; i < N; i++)
		data[i] = (unsigned char)(((unsigned long long)i * 2654435761ULL) >> 13);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		value(want[i][0], N, v);
		CHECK_STR(v, want[i][1]);
	}
}

/* Both ways of CRC-64/NVME: every length up to 300 at every alignment (the
 * folding's four streams, its single blocks and the tables' tail), and
 * the whole buffer against Python's value. */
static void test_crc64_ways(void)
{
	int differ = 0;
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len <= 300; len++)
			differ += crc64nvme_with(1, 0x1234, data + off, len) !=
				  crc64nvme_with(0, 0x1234, data + off, len);
	CHECK_INT(differ, 0);
	CHECK(crc64nvme_with(0, 0, data, N) == 0x4435F33A94EF8118ULL); /* RDXzOpTvgRg= */
	CHECK(crc64nvme_with(1, 0, data, N) == 0x4435F33A94EF8118ULL);
	CHECK(crc64nvme_with(1, crc64nvme_with(1, 0, data, 4097), data + 4097, N - 4097) ==
	      0x4435F33A94EF8118ULL);
}

static void test_base64(void)
{
	unsigned char out[SUM_MAX_LEN];
	CHECK_INT(sum_base64_decode("rosUhgp5mIg=", out, sizeof out), 8);
	CHECK(out[0] == 0xAE && out[7] == 0x88);
	CHECK_INT(sum_base64_decode("4waSgw==", out, sizeof out), 4);
	CHECK_INT(sum_base64_decode("4waSg", out, sizeof out), -1);   /* not a multiple of 4 */
	CHECK_INT(sum_base64_decode("4w*Sgw==", out, sizeof out), -1);
	CHECK_INT(sum_base64_decode("", out, sizeof out), -1);
	CHECK_INT(sum_base64_decode("2n2VLEMYO/bTOpEQyVW7IyJ9fcklgZ0/V5zi4B6BtgM=", out, 4), -1);
}

static void choose(const struct hdrs *amz, const char *etag, int sse_c, int ignore,
		   struct check *c)
{
	struct check_input in = { amz, etag, sse_c, ignore, 1, "k" };
	struct buf err = BUF_INIT;
	CHECK_INT(check_choose(&in, c, &err), 0);
	buf_free(&err);
}

/* A header the store sent that cannot be read fails the object, naming
 * the header, its value and what to do; never the next method. */
static void refused(const struct hdrs *amz, const char *header, const char *value)
{
	struct check_input in = { amz, "0123456789abcdef0123456789abcdef", 0, 0, 1, "m/k" };
	struct check c;
	struct buf err = BUF_INIT;
	CHECK_INT(check_choose(&in, &c, &err), EXIT_INTEGRITY);
	CHECK(err.data && strstr(err.data, "m/k: ") && strstr(err.data, header) &&
	      strstr(err.data, value) && strstr(err.data, "upload it again") &&
	      strstr(err.data, "RCLONE_IGNORE_CHECKSUM=true"));
	buf_free(&err);
}

static void test_unreadable(void)
{
	static const char *const bad[][2] = {
		{ "x-amz-checksum-crc64nvme", "not base64!" },
		{ "x-amz-checksum-crc64nvme", "KhCA7g==" },          /* 4 bytes, not 8 */
		{ "x-amz-checksum-crc32", "KhCA7g==-x" },
		{ "x-amz-checksum-crc32", "KhCA7g==-0" },
		{ "x-amz-checksum-crc32", "KhCA7g==-" },
		{ "x-amz-checksum-crc32c", "KhCA7g==--3" },
		{ "x-amz-meta-md5chksum", "KhCA7g==" },               /* 4 bytes, not 16 */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct hdrs h = { 0 };
		hdrs_set(&h, "x-amz-checksum-sha256", "2n2VLEMYO/bTOpEQyVW7IyJ9fcklgZ0/V5zi4B6BtgM=");
		hdrs_set(&h, bad[i][0], bad[i][1]);
		refused(&h, bad[i][0], bad[i][1]);
		hdrs_free(&h);
	}
	struct hdrs h = { 0 };
	hdrs_set(&h, "x-amz-checksum-crc32", "KhCA7g==-3"); /* -N: a composite */
	hdrs_set(&h, "x-amz-checksum-type", "FULL_OBJECT");
	refused(&h, "x-amz-checksum-crc32", "KhCA7g==-3");
	hdrs_set(&h, "x-amz-checksum-crc32", "KhCA7g==");
	hdrs_set(&h, "x-amz-checksum-type", "COMPOSITE");
	refused(&h, "x-amz-checksum-crc32", "KhCA7g==");
	hdrs_set(&h, "x-amz-checksum-type", "full_object"); /* agrees: taken */
	struct check c;
	choose(&h, "", 0, 0, &c);
	CHECK_STR(c.label, "crc32");
	hdrs_free(&h);
}

static void test_choice(void)
{
	struct hdrs h = { 0 };
	struct check c;
	const char *md5 = "0123456789abcdef0123456789abcdef";

	choose(NULL, md5, 0, 0, &c);
	CHECK_STR(c.label, "etag-md5");
	choose(NULL, "0123456789abcdef0123456789abcdef-3", 0, 0, &c);
	CHECK_STR(c.label, "size-only");
	CHECK_STR(c.reason, "multipart-etag");
	choose(NULL, md5, 1, 0, &c);
	CHECK_STR(c.reason, "sse-c");
	hdrs_set(&h, "x-amz-server-side-encryption", "aws:kms");
	choose(&h, md5, 0, 0, &c);
	CHECK_STR(c.reason, "sse-kms");
	hdrs_set(&h, "x-amz-server-side-encryption", "aws:kms:dsse");
	choose(&h, md5, 0, 0, &c);
	CHECK_STR(c.reason, "sse-kms");
	hdrs_set(&h, "x-amz-server-side-encryption", "AES256"); /* SSE-S3 keeps the MD5 */
	choose(&h, md5, 0, 0, &c);
	CHECK_STR(c.label, "etag-md5");
	hdrs_set(&h, "x-amz-meta-md5chksum", "axI3u0w0syaEIhODBqnaAA==");
	choose(&h, md5, 0, 0, &c);
	CHECK_STR(c.label, "md5chksum");
	hdrs_set(&h, "x-amz-checksum-sha256", "2n2VLEMYO/bTOpEQyVW7IyJ9fcklgZ0/V5zi4B6BtgM=");
	choose(&h, md5, 0, 0, &c);
	CHECK_STR(c.label, "sha256");
	hdrs_set(&h, "x-amz-checksum-crc32", "KhCA7g==-3");
	choose(&h, md5, 0, 0, &c);
	CHECK_STR(c.label, "crc32-composite");
	CHECK_INT(c.parts, 3);
	hdrs_set(&h, "x-amz-checksum-crc64nvme", "RDXzOpTvgRg=");
	choose(&h, md5, 0, 0, &c);
	CHECK_STR(c.label, "crc64nvme");   /* the cheapest first */
	choose(&h, md5, 0, 1, &c);
	CHECK_STR(c.reason, "ignore-checksum");
	hdrs_free(&h);
}

static void test_compare(void)
{
	struct hdrs h = { 0 };
	struct check c;
	struct buf err = BUF_INIT;
	unsigned char d[SUM_MAX_LEN];
	hdrs_set(&h, "x-amz-checksum-crc32c", "pQ0r8A==");
	choose(&h, "", 0, 0, &c);
	struct sum_ctx *s = sum_new(c.algo);
	sum_add(s, data, N);
	sum_end(s, d);
	CHECK_INT(check_compare(&c, "k", d, &err), 0);
	d[3] ^= 1;
	CHECK_INT(check_compare(&c, "k", d, &err), EXIT_INTEGRITY);
	CHECK(strstr(err.data, "crc32c") && strstr(err.data, "pQ0r8A==") &&
	      strstr(err.data, "run again") && strstr(err.data, "x-amz-checksum-crc32c"));
	sum_free(s);
	buf_free(&err);
	hdrs_free(&h);
}

static void test_composite(void)
{
	static const char *const want[][2] = {
		{ "crc32c", "AshOWA==-3" }, { "crc32", "KhCA7g==-3" },
		{ "sha1", "vTnuE9QREh5wlDFHCASJv7xuYtA=-3" },
		{ "sha256", "hK6sQnGD+E1IUMr1RW+NEi8PY4C6TQd3j1+9MD0IDn0=-3" },
	};
	char path[] = "/tmp/test_checksum.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	unlink(path);
	CHECK(write(fd, data, N) == N);
	long long sizes[] = { 40000, 40000, 20000 }, other[] = { 30000, 50000, 20000 };
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		struct hdrs h = { 0 };
		struct check c;
		struct buf err = BUF_INIT;
		unsigned char got[SUM_MAX_LEN];
		char *header = xasprintf("x-amz-checksum-%s", want[i][0]);
		hdrs_set(&h, header, want[i][1]);
		choose(&h, "", 0, 0, &c);
		CHECK(c.how == CHECK_COMPOSITE);
		CHECK_INT(check_combine(fd, c.algo, sizes, 3, got), 0);
		CHECK_INT(check_compare(&c, "k", got, &err), 0);
		CHECK_INT(check_combine(fd, c.algo, other, 3, got), 0); /* other parts, other value */
		CHECK_INT(check_compare(&c, "k", got, &err), EXIT_INTEGRITY);
		CHECK(strstr(err.data, "-composite") != NULL);
		free(header);
		hdrs_free(&h);
		buf_free(&err);
	}
	long long past[] = { 60000, 60000 };
	struct check c;
	unsigned char got[SUM_MAX_LEN];
	choose(NULL, "", 0, 0, &c);
	CHECK_INT(check_combine(fd, algo("crc32c"), past, 2, got), -1); /* past the end */
	close(fd);
}

int main(void)
{
	test_check_values();
	test_buffer_values();
	test_crc64_ways();
	test_base64();
	test_choice();
	test_unreadable();
	test_compare();
	test_composite();
	return T_DONE();
}
