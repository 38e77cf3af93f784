/* CRC-64/NVME, slicing by 16; see crc64nvme.h.
 * Parameters: polynomial 0xAD93D23594C93659, reflected (so the tables use
 * its bit reversal 0x9A6C9329AC4BC9B5), initial value and final xor all
 * ones; "123456789" gives 0xAE8B14860A799888. */
#include "crc64nvme.h"

#include <pthread.h>
#include <string.h>

#define POLY_REFLECTED 0x9A6C9329AC4BC9B5ULL

/* table[k][b]: the CRC of byte b followed by k zero bytes. 32 KiB, built
 * once on first use (a constant of that size would be 2,000 lines). */
static uint64_t table[16][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void make_table(void)
{
	for (int b = 0; b < 256; b++) {
		uint64_t c = (uint64_t)b;
		for (int i = 0; i < 8; i++)
			c = c & 1 ? (c >> 1) ^ POLY_REFLECTED : c >> 1;
		table[0][b] = c;
	}
	for (int k = 1; k < 16; k++)
		for (int b = 0; b < 256; b++)
			table[k][b] = (table[k - 1][b] >> 8) ^ table[0][table[k - 1][b] & 0xff];
}

/* Little-endian load: the reflected CRC eats the lowest byte first. */
static uint64_t load64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

uint64_t crc64nvme(uint64_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	pthread_once(&table_once, make_table);
	crc = ~crc;
	for (; len >= 16; len -= 16, p += 16) {
		uint64_t lo = load64(p) ^ crc, hi = load64(p + 8);
		crc = table[15][lo & 0xff] ^ table[14][(lo >> 8) & 0xff] ^
		      table[13][(lo >> 16) & 0xff] ^ table[12][(lo >> 24) & 0xff] ^
		      table[11][(lo >> 32) & 0xff] ^ table[10][(lo >> 40) & 0xff] ^
		      table[9][(lo >> 48) & 0xff] ^ table[8][lo >> 56] ^
		      table[7][hi & 0xff] ^ table[6][(hi >> 8) & 0xff] ^
		      table[5][(hi >> 16) & 0xff] ^ table[4][(hi >> 24) & 0xff] ^
		      table[3][(hi >> 32) & 0xff] ^ table[2][(hi >> 40) & 0xff] ^
		      table[1][(hi >> 48) & 0xff] ^ table[0][hi >> 56];
	}
	while (len--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}
