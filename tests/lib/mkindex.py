#!/usr/bin/env python3
"""Write a local package index of small fake wheels for pip.

    mkindex.py [--data FILE] OUTDIR

reads tests/fixtures/pyindex/packages.txt (or FILE; its header documents the
format) and writes into OUTDIR one NAME-VERSION-py3-none-any.whl per entry,
whose METADATA carries the entry's Requires-Python, Provides-Extra and
Requires-Dist, and which installs one stub module. pip uses OUTDIR with
PIP_NO_INDEX=1 PIP_FIND_LINKS=OUTDIR. The wheels are byte-for-byte the same
on every run (fixed timestamps, sorted entries, stored uncompressed).
Standard library only.
"""
import argparse
import os
import re
import sys

from mkwheels import write_wheel  # one way to write a wheel (same folder)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "fixtures", "pyindex", "packages.txt")
NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
VERSION_RE = re.compile(r"^[0-9][0-9A-Za-z.+!]*$")
IMPORT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
KEYS_ANY = {"requires-python", "source", "import"}
KEYS_PACKAGE = {"requires-dist", "provides-extra"}


class DataError(Exception):
    pass


def parse(path):
    """Entries as dicts: kind, name, version, requires_python, extras,
    requires, source, import_name, line."""
    entries = []
    cur = None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            # A trailing " # comment" (no PEP 508 text here needs " #").
            line = re.sub(r"\s+#.*$", "", line)
            key, _, rest = line.partition(" ")
            rest = rest.strip()
            where = "%s:%d" % (path, lineno)
            if key in ("package", "leaf"):
                parts = rest.split()
                if len(parts) != 2:
                    raise DataError("%s: want '%s NAME VERSION'" % (where, key))
                name, version = parts
                if not NAME_RE.match(name):
                    raise DataError("%s: bad name %r" % (where, name))
                if not VERSION_RE.match(version):
                    raise DataError("%s: bad version %r" % (where, version))
                cur = {"kind": key, "name": name, "version": version,
                       "requires_python": None, "extras": [], "requires": [],
                       "source": [], "import_name": None, "line": where}
                entries.append(cur)
                continue
            if cur is None:
                raise DataError("%s: %r before any package/leaf line" % (where, key))
            if not rest:
                raise DataError("%s: %r needs a value" % (where, key))
            if key in KEYS_PACKAGE and cur["kind"] != "package":
                raise DataError("%s: a leaf has no %s (its dependencies are omitted)"
                                % (where, key))
            if key == "requires-python":
                if cur["requires_python"] is not None:
                    raise DataError("%s: second requires-python" % where)
                cur["requires_python"] = rest
            elif key == "requires-dist":
                cur["requires"].append(rest)
            elif key == "provides-extra":
                cur["extras"].append(rest)
            elif key == "source":
                cur["source"].append(rest)
            elif key == "import":
                if not IMPORT_RE.match(rest):
                    raise DataError("%s: bad module name %r" % (where, rest))
                cur["import_name"] = rest
            else:
                raise DataError("%s: unknown key %r" % (where, key))
    seen = {}
    for e in entries:
        if e["kind"] == "package" and not e["source"]:
            raise DataError("%s: package %s %s has no source line"
                            % (e["line"], e["name"], e["version"]))
        k = (canonical(e["name"]), e["version"])
        if k in seen:
            raise DataError("%s: %s %s already at %s" % (e["line"], e["name"],
                                                          e["version"], seen[k]))
        seen[k] = e["line"]
    return entries


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_name(name):
    """The distribution name as a wheel filename writes it."""
    return re.sub(r"[-_.]+", "_", name)


def module_name(e):
    return e["import_name"] or re.sub(r"[-.]+", "_", e["name"]).lower()


def metadata(e):
    lines = ["Metadata-Version: 2.1",
             "Name: " + e["name"],
             "Version: " + e["version"],
             "Summary: fake wheel of the local test index (tests/fixtures/pyindex)"]
    if e["requires_python"]:
        lines.append("Requires-Python: " + e["requires_python"])
    lines += ["Provides-Extra: " + x for x in e["extras"]]
    lines += ["Requires-Dist: " + r for r in e["requires"]]
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def build_wheel(e, outdir):
    dist = wheel_name(e["name"])
    info = "%s-%s.dist-info" % (dist, e["version"])
    mod = module_name(e)
    init = ('"""Stub installed by the fake %s %s wheel of tests/fixtures/pyindex."""\n'
            '__version__ = "%s"\n' % (e["name"], e["version"], e["version"])).encode()
    files = {
        mod + "/__init__.py": init,
        info + "/METADATA": metadata(e),
        info + "/WHEEL": (b"Wheel-Version: 1.0\nGenerator: mkindex\n"
                          b"Root-Is-Purelib: true\nTag: py3-none-any\n\n"),
        info + "/top_level.txt": (mod + "\n").encode(),
    }
    filename = "%s-%s-py3-none-any.whl" % (dist, e["version"])
    write_wheel(os.path.join(outdir, filename), files, info)
    return filename


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=DEFAULT_DATA,
                    help="package list (default: tests/fixtures/pyindex/packages.txt)")
    ap.add_argument("--list", action="store_true",
                    help="print NAME VERSION KIND per entry instead of writing wheels")
    ap.add_argument("outdir", nargs="?")
    args = ap.parse_args(argv)
    try:
        entries = parse(args.data)
    except (OSError, DataError) as err:
        print("mkindex: %s" % err, file=sys.stderr)
        return 1
    if args.list:
        for e in entries:
            print(e["name"], e["version"], e["kind"])
        return 0
    if not args.outdir:
        ap.error("OUTDIR is required")
    os.makedirs(args.outdir, exist_ok=True)
    for e in entries:
        build_wheel(e, args.outdir)
    print("mkindex: %d wheels in %s" % (len(entries), args.outdir), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
