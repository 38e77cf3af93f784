/* CRC-64/NVME; see crc64nvme.h.
 * Parameters: polynomial 0xAD93D23594C93659, reflected (so the tables use
 * its bit reversal 0x9A6C9329AC4BC9B5), initial value and final xor all
 * ones; "123456789" gives 0xAE8B14860A799888.
 *
 * Two ways, one answer (the unit tests hold them to Python's):
 *  - folding with carry-less multiplication (PCLMULQDQ, x86-64 CPUs since
 *    2010): 16-byte blocks are folded forward with constants x^e mod P,
 *    four streams at a time, about 0.05 s of CPU per GiB;
 *  - slicing by 16 with tables, everywhere else and for the last bytes,
 *    about 0.55 s per GiB.
 * The constants are computed from the polynomial at first use, not
 * written out. */
#include "crc64nvme.h"

#include <pthread.h>
#include <string.h>

#define POLY 0xAD93D23594C93659ULL            /* x^64 implied */
#define POLY_REFLECTED 0x9A6C9329AC4BC9B5ULL

/* table[k][b]: the CRC of byte b followed by k zero bytes. 32 KiB. */
static uint64_t table[16][256];
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

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

/* The register without the inversions, over len bytes. */
static uint64_t crc_tables(uint64_t crc, const unsigned char *p, size_t len)
{
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
	return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* Folding a 16-byte block A = A1 x^64 + A0 (A1: its first 8 bytes) forward
 * by D bits replaces it with A1 (x^(D+64) mod P) + A0 (x^D mod P). In the
 * reflected order a 64 x 64 carry-less product comes out one bit short of
 * 128, so the constants are x^(D+63) and x^(D-1), bit-reversed. */
static uint64_t fold_lo[2], fold_hi[2]; /* [0]: D = 128 bits, [1]: D = 512 */
static int have_clmul;

static uint64_t x_pow_mod(unsigned e) /* x^e mod P, normal bit order */
{
	uint64_t r = 1;
	while (e--)
		r = r >> 63 ? (r << 1) ^ POLY : r << 1;
	return r;
}

static uint64_t reverse64(uint64_t v)
{
	uint64_t r = 0;
	for (int i = 0; i < 64; i++, v >>= 1)
		r = r << 1 | (v & 1);
	return r;
}

static void make_fold_constants(void)
{
	static const unsigned d[2] = { 128, 512 };
	for (int i = 0; i < 2; i++) {
		fold_lo[i] = reverse64(x_pow_mod(d[i] + 63));
		fold_hi[i] = reverse64(x_pow_mod(d[i] - 1));
	}
	__builtin_cpu_init();
	have_clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

__attribute__((target("pclmul,sse4.1")))
static __m128i fold(__m128i x, __m128i k, __m128i next)
{
	return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00),
					   _mm_clmulepi64_si128(x, k, 0x11)), next);
}

/* len >= 16: fold everything into the last 16-byte block, then let the
 * tables finish with it and the tail. */
__attribute__((target("pclmul,sse4.1")))
static uint64_t crc_clmul(uint64_t crc, const unsigned char *p, size_t len)
{
	__m128i k1 = _mm_set_epi64x((long long)fold_hi[0], (long long)fold_lo[0]);
	__m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p),
				  _mm_cvtsi64_si128((long long)crc));
	p += 16, len -= 16;
	if (len >= 64) { /* four streams, 64 bytes apart */
		__m128i k4 = _mm_set_epi64x((long long)fold_hi[1], (long long)fold_lo[1]);
		__m128i x1 = _mm_loadu_si128((const __m128i *)p);
		__m128i x2 = _mm_loadu_si128((const __m128i *)(p + 16));
		__m128i x3 = _mm_loadu_si128((const __m128i *)(p + 32));
		p += 48, len -= 48;
		for (; len >= 64; p += 64, len -= 64) {
			x = fold(x, k4, _mm_loadu_si128((const __m128i *)p));
			x1 = fold(x1, k4, _mm_loadu_si128((const __m128i *)(p + 16)));
			x2 = fold(x2, k4, _mm_loadu_si128((const __m128i *)(p + 32)));
			x3 = fold(x3, k4, _mm_loadu_si128((const __m128i *)(p + 48)));
		}
		x = fold(fold(fold(x, k1, x1), k1, x2), k1, x3);
	}
	for (; len >= 16; p += 16, len -= 16)
		x = fold(x, k1, _mm_loadu_si128((const __m128i *)p));
	unsigned char last[16];
	_mm_storeu_si128((__m128i *)last, x);
	return crc_tables(crc_tables(0, last, 16), p, len);
}
#else
static int have_clmul;
static void make_fold_constants(void)
{
}
static uint64_t crc_clmul(uint64_t crc, const unsigned char *p, size_t len)
{
	return crc_tables(crc, p, len);
}
#endif

static void init(void)
{
	make_table();
	make_fold_constants();
}

uint64_t crc64nvme_with(int use_clmul, uint64_t crc, const void *data, size_t len)
{
	pthread_once(&init_once, init);
	crc = ~crc;
	if (use_clmul && have_clmul && len >= 16)
		crc = crc_clmul(crc, data, len);
	else
		crc = crc_tables(crc, data, len);
	return ~crc;
}

uint64_t crc64nvme(uint64_t crc, const void *data, size_t len)
{
	return crc64nvme_with(1, crc, data, len);
}
