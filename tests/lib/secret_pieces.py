#!/usr/bin/python3
"""secret_pieces.py FILE SECRET...: print every 8-byte piece of a SECRET
that FILE holds (one per line, at most 5), exit 1 if there is one.

A redaction that misses part of a secret (a cut line, a value split by
a quote, an argv overwritten only in part) leaves a piece behind, so the
whole secret is not what is looked for: any 8 consecutive bytes of it
are. A secret shorter than 8 bytes is looked for whole. FILE may hold
NUL bytes (/proc/PID/cmdline); a missing FILE holds nothing."""
import sys

PIECE = 8


def pieces(secret):
    if len(secret) <= PIECE:
        return {secret}
    return {secret[i:i + PIECE] for i in range(len(secret) - PIECE + 1)}


def main():
    path, secrets = sys.argv[1], sys.argv[2:]
    try:
        with open(path, "rb") as f:
            text = f.read()
    except FileNotFoundError:
        return 0
    found = []
    for secret in secrets:
        for piece in sorted(pieces(secret.encode())):
            if piece and piece in text:
                found.append(piece.decode(errors="replace"))
    for piece in found[:5]:
        print(piece)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
