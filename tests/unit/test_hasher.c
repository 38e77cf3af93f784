/* The MD5 thread (initc/hasher.h): the digest of a file written in
 * uneven steps and hashed through mappings that start off page
 * boundaries equals OpenSSL's one-shot MD5; asking for more bytes than
 * the file holds is an error, not a fault. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "digest.h"
#include "hasher.h"
#include "t.h"

#define SIZE ((19 << 20) + 4097) /* over two 8 MiB windows, not page aligned */

static void md5_hex(const unsigned char *data, size_t len, char hex[33])
{
	unsigned char md[16];
	unsigned int mdlen = 16;
	EVP_Digest(data, len, md, &mdlen, EVP_md5(), NULL);
	hex_lower(md, 16, hex);
}

static int hasher_finish_hex(struct hasher *h, long long total, char hex[33])
{
	unsigned char md[SUM_MAX_LEN];
	int rc = hasher_finish(h, total, md);
	if (!rc)
		hex_lower(md, 16, hex);
	return rc;
}

static int temp_file(void)
{
	char path[] = "/tmp/test_hasher.XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

static void test_steps(void)
{
	unsigned char *data = malloc(SIZE);
	char want[33], got[33] = "";
	for (size_t i = 0; i < SIZE; i++)
		data[i] = (unsigned char)(i * 2654435761u >> 13);
	md5_hex(data, SIZE, want);

	int fd = temp_file();
	CHECK(fd >= 0);
	struct hasher *h = hasher_start(fd, sum_md5());
	CHECK(h != NULL);
	long long done = 0, step = 1;
	while (done < SIZE) { /* 1, 3, 7 ... bytes: spans end anywhere in a page */
		long long n = step < SIZE - done ? step : SIZE - done;
		CHECK(pwrite(fd, data + done, (size_t)n, done) == (ssize_t)n);
		done += n;
		hasher_advance(h, done);
		step = step * 2 + 1;
	}
	CHECK_INT(hasher_finish_hex(h, SIZE, got), 0);
	CHECK_STR(got, want);
	close(fd);
	free(data);
}

static void test_short_file(void)
{
	char hex[33];
	int fd = temp_file();
	CHECK(fd >= 0);
	CHECK(pwrite(fd, "only this", 9, 0) == 9);
	struct hasher *h = hasher_start(fd, sum_md5());
	CHECK(h != NULL);
	errno = 0;
	CHECK_INT(hasher_finish_hex(h, 4096 * 3, hex), -1); /* the file has 9 bytes */
	CHECK(errno != 0);
	close(fd);
}

int main(void)
{
	test_steps();
	test_short_file();
	return T_DONE();
}
