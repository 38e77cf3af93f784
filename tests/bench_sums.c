/* make bench's CPU cost of each digest in initc's table (checksum.h):
 * seconds of CPU per GiB, over a 64 MiB buffer fed 16 times in 1 MiB
 * pieces (the hasher's window). With a file argument, prints S3's base64
 * crc64nvme of it instead (for the bench server's header). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "checksum.h"

#define BUF (64 << 20)
#define ROUNDS 16
#define PIECE (1 << 20)

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int file_value(const char *path, const struct sum_algo *a)
{
	unsigned char chunk[PIECE], d[SUM_MAX_LEN];
	char b64[64];
	size_t got;
	FILE *f = fopen(path, "rb");
	if (!f)
		return 1;
	struct sum_ctx *s = sum_new(a);
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		sum_add(s, chunk, got);
	fclose(f);
	sum_end(s, d);
	sum_free(s);
	sum_base64_encode(d, sum_len(a), b64);
	printf("%s\n", b64);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2)
		return file_value(argv[1], sum_s3_algo(0));
	unsigned char *buf = malloc(BUF), d[SUM_MAX_LEN];
	for (size_t i = 0; i < BUF; i++)
		buf[i] = (unsigned char)((i * 2654435761u) >> 13);
	for (size_t i = 0; sum_s3_algo(i) || i == 5; i++) {
		const struct sum_algo *a = i < 5 ? sum_s3_algo(i) : sum_md5();
		struct sum_ctx *s = sum_new(a);
		double t0 = cpu_seconds();
		for (int r = 0; r < ROUNDS; r++)
			for (size_t off = 0; off < BUF; off += PIECE)
				sum_add(s, buf + off, PIECE);
		sum_end(s, d);
		double per_gib = (cpu_seconds() - t0) / ((double)BUF * ROUNDS / (1 << 30));
		printf("  %-10s %6.3f s of CPU per GiB\n", sum_name(a), per_gib);
		sum_free(s);
	}
	free(buf);
	return 0;
}
