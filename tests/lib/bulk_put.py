"""Upload many small objects to s3rver over one keep-alive connection
(anonymous PUTs; set-up for benchmarks, not a client under test).
usage: bulk_put.py HOST:PORT BUCKET PREFIX COUNT SIZE"""
import http.client
import os
import sys

hostport, bucket, prefix, count, size = sys.argv[1:6]
host, port = hostport.split(":")
conn = http.client.HTTPConnection(host, int(port), timeout=60)
for i in range(int(count)):
    body = os.urandom(int(size))
    conn.request("PUT", f"/{bucket}/{prefix}/f{i:05d}.bin", body=body,
                 headers={"Content-Length": str(len(body))})
    resp = conn.getresponse()
    resp.read()
    if resp.status != 200:
        sys.exit(f"PUT {i} failed: {resp.status}")
