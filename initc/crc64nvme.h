/* CRC-64/NVME (the checksum S3 adds to every upload since December 2024,
 * header x-amz-checksum-crc64nvme). No Debian library has it: ISA-L 2.30
 * lacks it (its crc64 functions use other polynomials), zlib has only
 * CRC-32, so it is written here: carry-less multiplication where the CPU
 * has it, tables elsewhere. */
#ifndef INITC_CRC64NVME_H
#define INITC_CRC64NVME_H

#include <stddef.h>
#include <stdint.h>

/* The CRC of crc's bytes followed by these: start with 0, feed the
 * previous result back to continue (like zlib's crc32). */
uint64_t crc64nvme(uint64_t crc, const void *data, size_t len);
/* The same by one way only (use_clmul 0: the tables), for the tests. */
uint64_t crc64nvme_with(int use_clmul, uint64_t crc, const void *data, size_t len);

#endif
