"""Upload a file through the S3 gateway with botocore, the way the AWS
SDKs do, carrying an S3 additional checksum.

    put_sums.py BUCKET KEY FILE ALGO [--parts N,N,...] [--full-object]
                [--wrong] [--kms] [--sse-c KEY] [--md5chksum right|wrong|VALUE]
                [--value VALUE]

Environment: S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION.
ALGO is crc64nvme, crc32c, crc32, sha1, sha256 or none. For CRC32, SHA-1
and SHA-256 botocore computes the checksums itself (ChecksumAlgorithm);
Debian's botocore 1.29 has no CRC-64/NVME and needs awscrt (not in
Debian) for CRC-32C, so those values come from sums.py and are sent as
headers, signed like the rest. --parts uploads in parts of these sizes
(their sum must be the file's size): COMPOSITE by default, FULL_OBJECT
with --full-object (the whole file's value sent with Complete). --wrong
sends a value one bit off (the whole-object value, or part 1's), as
an upload whose bytes changed on the way would have. --kms asks for
SSE-KMS, --sse-c KEY SSE-C with that 32-byte key. --md5chksum stores
rclone's X-Amz-Meta-Md5chksum (base64 of the file's MD5, or of another
MD5 with "wrong", or VALUE as it is). --value sends VALUE verbatim as the
single-part checksum header (a store's unreadable value, for tests).
Prints the value S3 will report for the object.
"""
import argparse
import base64
import hashlib
import os
import sys

import botocore.session
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sums  # noqa: E402

BOTOCORE_COMPUTES = ("crc32", "sha1", "sha256")


def flip(value):
    raw = bytearray(base64.b64decode(value))
    raw[-1] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def client():
    session = botocore.session.get_session()
    return session.create_client(
        "s3", endpoint_url=os.environ["S3_ENDPOINT"],
        region_name=os.environ.get("S3_REGION", "us-east-1"),
        aws_access_key_id=os.environ["S3_ACCESS_KEY"],
        aws_secret_access_key=os.environ["S3_SECRET_KEY"],
        config=Config(s3={"addressing_style": "path"},
                      retries={"max_attempts": 1}))


def add_headers(c, operation, headers):
    """Headers for the next call of operation, added before it is signed."""
    def hook(request, **_):
        for name, value in headers.items():
            request.headers[name] = value
    c.meta.events.register_first(f"before-sign.s3.{operation}", hook,
                                 unique_id=f"put_sums-{operation}")


def drop_hook(c, operation):
    c.meta.events.unregister(f"before-sign.s3.{operation}",
                             unique_id=f"put_sums-{operation}")


def checksum_args(c, operation, algo, data, wrong, verbatim=None):
    """Call arguments (or headers) that make the request carry algo."""
    drop_hook(c, operation)
    if algo == "none":
        return {}
    if verbatim is not None:
        add_headers(c, operation, {"x-amz-checksum-" + algo: verbatim})
        return {}
    if algo in BOTOCORE_COMPUTES and not wrong:
        return {"ChecksumAlgorithm": algo.upper()}
    value = sums.value(algo, data)
    add_headers(c, operation, {"x-amz-checksum-" + algo:
                               flip(value) if wrong else value})
    return {}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("bucket")
    p.add_argument("key")
    p.add_argument("file")
    p.add_argument("algo", choices=sums.ALGOS + ("none",))
    p.add_argument("--parts")
    p.add_argument("--full-object", action="store_true")
    p.add_argument("--wrong", action="store_true")
    p.add_argument("--kms", action="store_true")
    p.add_argument("--sse-c", metavar="KEY")
    p.add_argument("--md5chksum")
    p.add_argument("--value")
    a = p.parse_args()
    with open(a.file, "rb") as f:
        data = f.read()
    c = client()
    sse = {"ServerSideEncryption": "aws:kms"} if a.kms else {}
    if a.sse_c:
        sse = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": a.sse_c}
    if a.md5chksum:
        md5 = hashlib.md5(data + (b"x" if a.md5chksum == "wrong" else b"")).digest()
        value = base64.b64encode(md5).decode()
        sse["Metadata"] = {"md5chksum": value if a.md5chksum in ("right", "wrong")
                           else a.md5chksum}
    if not a.parts:
        args = checksum_args(c, "PutObject", a.algo, data, a.wrong, a.value)
        c.put_object(Bucket=a.bucket, Key=a.key, Body=data, **args, **sse)
        print(sums.value(a.algo, data) if a.algo != "none" else "")
        return
    sizes = [int(n) for n in a.parts.split(",")]
    if sum(sizes) != len(data):
        sys.exit(f"parts {sizes} do not add up to {len(data)} bytes")
    create = {}
    if a.algo != "none":
        create["x-amz-checksum-algorithm"] = a.algo.upper()
        create["x-amz-checksum-type"] = "FULL_OBJECT" if a.full_object else "COMPOSITE"
    add_headers(c, "CreateMultipartUpload", create)
    upload = c.create_multipart_upload(Bucket=a.bucket, Key=a.key, **sse)["UploadId"]
    done, off = [], 0
    for n, size in enumerate(sizes, 1):
        piece = data[off:off + size]
        off += size
        wrong = a.wrong and n == 1 and not a.full_object
        args = checksum_args(c, "UploadPart", a.algo, piece, wrong)
        r = c.upload_part(Bucket=a.bucket, Key=a.key, UploadId=upload, PartNumber=n,
                          Body=piece, **args)
        done.append({"PartNumber": n, "ETag": r["ETag"]})
    drop_hook(c, "UploadPart")
    if a.full_object and a.algo != "none":
        value = sums.value(a.algo, data)
        add_headers(c, "CompleteMultipartUpload",
                    {"x-amz-checksum-" + a.algo: flip(value) if a.wrong else value})
    c.complete_multipart_upload(Bucket=a.bucket, Key=a.key, UploadId=upload,
                                MultipartUpload={"Parts": done})
    if a.algo == "none":
        print("")
    elif a.full_object:
        print(sums.value(a.algo, data))
    else:
        print(sums.composite(a.algo, data, sizes))


if __name__ == "__main__":
    main()
