"""Checksums as S3 computes them, from Python's own libraries: the oracle
of the integrity tests (never initc's code).

CRC-64/NVME is computed bit by bit from its definition (polynomial
0xAD93D23594C93659, reflected, initial value and final xor all ones), so
it shares nothing with initc's table-driven one; CRC-32 comes from zlib,
CRC-32C from python3-crc32c, SHA-1/SHA-256/MD5 from hashlib. Values are
S3's: the big-endian digest in base64; a composite one is the checksum of
the parts' digests laid end to end, followed by "-N".

    python3 sums.py ALGO FILE [PART_SIZE ...]   prints the value
"""
import base64
import hashlib
import sys
import zlib

ALGOS = ("crc64nvme", "crc32c", "crc32", "sha1", "sha256")
POLY_REFLECTED = 0x9A6C9329AC4BC9B5  # 0xAD93D23594C93659 bit-reversed
MASK64 = (1 << 64) - 1


def _crc64nvme_table():
    table = []
    for b in range(256):
        c = b
        for _ in range(8):
            c = (c >> 1) ^ POLY_REFLECTED if c & 1 else c >> 1
        table.append(c)
    return table


_T64 = None


def crc64nvme(data, crc=0):
    """Bytewise (the table is one byte of the bitwise definition)."""
    global _T64
    if _T64 is None:
        _T64 = _crc64nvme_table()
    crc ^= MASK64
    for b in data:
        crc = (crc >> 8) ^ _T64[(crc ^ b) & 0xFF]
    return crc ^ MASK64


def crc64nvme_bitwise(data):
    """The definition itself, one bit at a time (slow: short inputs)."""
    crc = MASK64
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ POLY_REFLECTED if crc & 1 else crc >> 1
    return crc ^ MASK64


def digest(algo, data):
    """Raw big-endian digest bytes."""
    if algo == "crc32":
        return zlib.crc32(data).to_bytes(4, "big")
    if algo == "crc32c":
        import crc32c
        return crc32c.crc32c(data).to_bytes(4, "big")
    if algo == "crc64nvme":
        return crc64nvme(data).to_bytes(8, "big")
    return hashlib.new(algo, data).digest()


def value(algo, data):
    return base64.b64encode(digest(algo, data)).decode()


def composite(algo, data, sizes):
    assert sum(sizes) == len(data)
    parts, off = b"", 0
    for n in sizes:
        parts += digest(algo, data[off:off + n])
        off += n
    return "%s-%d" % (base64.b64encode(digest(algo, parts)).decode(), len(sizes))


if __name__ == "__main__":
    algo, path = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        body = f.read()
    sizes = [int(x) for x in sys.argv[3:]]
    print(composite(algo, body, sizes) if sizes else value(algo, body))
