#!/usr/bin/python3
"""bench_serve: one object over plain HTTP as S3 serves it, for make bench's
checksum figures: the bytes go out with sendfile(2), so the server costs
little and the client's time is what is measured.

    bench_serve.py --file PATH --bucket B --key K --etag E
                   [--checksum NAME=VALUE ...] --port-file F
                   --max-seconds S --watch-pid P

Answers, anonymously, on 127.0.0.1 only:
  GET /B?list-type=2&prefix=...   a ListObjectsV2 page with K when it
                                  starts with the prefix
  GET or HEAD /B/K                the file, with Range (one range: 206)
                                  and If-Match (412); with
                                  "x-amz-checksum-mode: ENABLED" and no
                                  Range, x-amz-checksum-NAME: VALUE and
                                  x-amz-checksum-type: FULL_OBJECT, as S3
Anything else is 404. Exits after --max-seconds or when --watch-pid ends.
"""
import argparse
import http.server
import os
import socketserver
import sys
import threading
import time
import urllib.parse
from xml.sax.saxutils import escape


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    args = None

    def log_message(self, *_):
        pass

    def reply(self, status, headers, body=b""):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def do_GET(self):
        a = self.args
        path, _, query = self.path.partition("?")
        path = urllib.parse.unquote(path)
        q = urllib.parse.parse_qs(query)
        if path in (f"/{a.bucket}", f"/{a.bucket}/") and "list-type" in q:
            return self.listing(q.get("prefix", [""])[0])
        if path != f"/{a.bucket}/{a.key}":
            return self.reply(404, [("Content-Length", "0")])
        if self.headers.get("if-match", a.etag).strip('"') != a.etag:
            return self.reply(412, [("Content-Length", "0")])
        size = os.path.getsize(a.file)
        first, last, status = 0, size - 1, 200
        rng = self.headers.get("range")
        if rng:
            lo, _, hi = rng.removeprefix("bytes=").partition("-")
            first, last = int(lo), min(int(hi) if hi else size - 1, size - 1)
            status = 206
        headers = [("Content-Length", str(last + 1 - first)), ("ETag", f'"{a.etag}"'),
                   ("Last-Modified", "Thu, 01 Jan 2026 00:00:00 GMT"),
                   ("Content-Type", "application/octet-stream")]
        if status == 206:
            headers.append(("Content-Range", f"bytes {first}-{last}/{size}"))
        mode = (self.headers.get("x-amz-checksum-mode") or "").upper()
        if mode == "ENABLED" and not rng:
            for item in a.checksum:
                name, _, value = item.partition("=")
                headers.append((f"x-amz-checksum-{name}", value))
                headers.append(("x-amz-checksum-type", "FULL_OBJECT"))
        self.reply(status, headers)
        if self.command == "HEAD":
            return
        self.wfile.flush()
        with open(a.file, "rb") as f:
            offset, left = first, last + 1 - first
            while left > 0:
                sent = os.sendfile(self.connection.fileno(), f.fileno(), offset, left)
                if sent <= 0:
                    break
                offset += sent
                left -= sent

    do_HEAD = do_GET

    def listing(self, prefix):
        a = self.args
        size = os.path.getsize(a.file)
        item = "" if not a.key.startswith(prefix) else (
            f"<Contents><Key>{escape(a.key)}</Key><Size>{size}</Size>"
            f"<ETag>&quot;{a.etag}&quot;</ETag>"
            "<LastModified>2026-01-01T00:00:00.000Z</LastModified></Contents>")
        doc = ('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult>'
               f"<Name>{a.bucket}</Name><Prefix>{escape(prefix)}</Prefix>"
               f"<KeyCount>{1 if item else 0}</KeyCount><IsTruncated>false</IsTruncated>"
               f"{item}</ListBucketResult>").encode()
        self.reply(200, [("Content-Length", str(len(doc))),
                         ("Content-Type", "application/xml")], doc)


def watchdog(max_seconds, pid):
    end = time.monotonic() + max_seconds
    while time.monotonic() < end:
        if pid:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
        time.sleep(0.5)
    os._exit(0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--file", required=True)
    p.add_argument("--bucket", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--etag", required=True)
    p.add_argument("--checksum", action="append", default=[])
    p.add_argument("--port-file", required=True)
    p.add_argument("--max-seconds", type=float, default=900)
    p.add_argument("--watch-pid", type=int, default=0)
    Handler.args = p.parse_args()
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=watchdog, daemon=True,
                     args=(Handler.args.max_seconds, Handler.args.watch_pid)).start()
    tmp = Handler.args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.replace(tmp, Handler.args.port_file)
    server.serve_forever(poll_interval=0.5)


if __name__ == "__main__":
    sys.exit(main())
