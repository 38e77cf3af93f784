#!/usr/bin/python3
"""tls_forward: terminate TLS on 127.0.0.1 and pipe the bytes to a plain
TCP upstream (the S3 test gateway), so the chroot test can prove that the
static initc verifies a server certificate against the CA bundle at the
path a scratch image has, with nothing else in its root.

Binds 127.0.0.1 only, on a free port written to --port-file; exits after
--max-seconds whatever happens, so a dead test never leaves it behind.
"""

import argparse
import os
import socket
import ssl
import sys
import threading
import time


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve_one(conn, ctx, upstream):
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError) as e:
        # A client that refuses our certificate ends here: say so, it is
        # what a failing test needs to show.
        print(f"tls_forward: handshake failed: {e}", file=sys.stderr, flush=True)
        conn.close()
        return
    host, port = upstream.rsplit(":", 1)
    try:
        up = socket.create_connection((host, int(port)), timeout=30)
    except OSError as e:
        print(f"tls_forward: upstream {upstream}: {e}", file=sys.stderr, flush=True)
        tls.close()
        return
    threading.Thread(target=pipe, args=(up, tls), daemon=True).start()
    pipe(tls, up)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cert", required=True, help="server certificate (PEM)")
    p.add_argument("--key", required=True, help="its private key (PEM)")
    p.add_argument("--upstream", required=True, metavar="127.0.0.1:PORT")
    p.add_argument("--port-file", required=True)
    p.add_argument("--max-seconds", type=float, default=300)
    args = p.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.settimeout(1.0)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(f"{srv.getsockname()[1]}\n")
    os.replace(args.port_file + ".tmp", args.port_file)

    end = time.monotonic() + args.max_seconds
    while time.monotonic() < end:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve_one, args=(conn, ctx, args.upstream),
                         daemon=True).start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
