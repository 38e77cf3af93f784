#!/usr/bin/python3
"""dns_answer: a one-name DNS server on 127.0.0.1:53 (UDP), so the chroot
test can resolve a name the way a pod does: through /etc/resolv.conf's
nameserver and search list, not /etc/hosts.

Answers A queries for --name with 127.0.0.1, an empty NOERROR for other
types of that name (AAAA), NXDOMAIN for everything else. Every question
is appended to --log as "TYPE NAME". Exits after --max-seconds.
"""

import argparse
import socket
import struct
import sys
import time

TYPE_A = 1
TYPE_NAMES = {1: "A", 28: "AAAA"}


def parse_question(msg):
    """Return (name, qtype, end offset of the question) of a query."""
    labels, i = [], 12
    while msg[i]:
        n = msg[i]
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    qtype, _qclass = struct.unpack("!HH", msg[i + 1:i + 5])
    return ".".join(labels).lower(), qtype, i + 5


def answer(msg, want):
    qid, flags = struct.unpack("!HH", msg[:4])
    name, qtype, end = parse_question(msg)
    rd = flags & 0x0100
    if name != want:
        rcode, answers = 3, b""  # NXDOMAIN
    elif qtype == TYPE_A:
        # A pointer to the question's name, type A, class IN, TTL 5.
        rcode = 0
        answers = struct.pack("!HHHIH", 0xC00C, TYPE_A, 1, 5, 4) + socket.inet_aton("127.0.0.1")
    else:
        rcode, answers = 0, b""
    header = struct.pack("!HHHHHH", qid, 0x8000 | 0x0400 | rd | 0x0080 | rcode,
                         1, 1 if answers else 0, 0, 0)
    return header + msg[12:end] + answers, name, qtype


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--name", required=True, help="the one name that resolves")
    p.add_argument("--log", required=True)
    p.add_argument("--ready-file", required=True, help="created once bound")
    p.add_argument("--max-seconds", type=float, default=300)
    args = p.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 53))
    sock.settimeout(1.0)
    open(args.ready_file, "w").close()
    end = time.monotonic() + args.max_seconds
    with open(args.log, "a", buffering=1) as log:
        while time.monotonic() < end:
            try:
                msg, peer = sock.recvfrom(512)
            except socket.timeout:
                continue
            try:
                reply, name, qtype = answer(msg, args.name.lower())
            except (IndexError, struct.error):
                continue  # not a query we understand: no answer
            log.write(f"{TYPE_NAMES.get(qtype, qtype)} {name}\n")
            sock.sendto(reply, peer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
