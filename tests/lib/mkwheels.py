#!/usr/bin/env python3
"""Write a PEP 503 package index of small wheels, for image builds to resolve.

    mkwheels.py --data FILE [--index NAME] OUTDIR

writes OUTDIR/<normalized-name>/<wheel> for every entry of FILE that belongs
to index NAME; OUTDIR then serves as a "simple" index over plain HTTP
(`python3 -m http.server`: its folder listings are valid simple pages).
Unlike tests/lib/mkindex.py (a flat --find-links folder of stubs with real
metadata) an entry here may carry console scripts and modules with code, and
the build tools come as the real wheels of Debian.

Format of FILE: one entry is a block of lines; "wheel" or "debian" starts it.
  wheel NAME VERSION       a small wheel written here (py3-none-any)
  debian NAME VERSION      a real wheel: /usr/share/python-wheels/NAME-VERSION-*
                           (pip, setuptools), else the distribution Debian
                           installed in /usr/lib/python3/dist-packages
                           (python3-wheel), repacked; VERSION must match
  index NAME               the entry is only in index NAME (repeatable);
                           without it, in every index
  requires-python SPEC     Requires-Python
  requires-dist REQ        one Requires-Dist (PEP 508)
  console-script CMD = MODULE:FUNC
  module DOTTED [FILE]     a module of the wheel: FILE's text (relative to
                           FILE's folder) or, without FILE, a stub; every
                           package on its way gets an __init__.py stub
The first part of NAME (lower-cased, "-" and "." made "_") is always a
package, with __version__. Blank lines and "#" comments are ignored.
The wheels are byte-for-byte the same on every run. Standard library only.
"""
import argparse
import base64
import glob
import hashlib
import os
import re
import shutil
import sys
import zipfile

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
DEBIAN_WHEELS = "/usr/share/python-wheels"
DEBIAN_SITE = "/usr/lib/python3/dist-packages"
NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
VERSION_RE = re.compile(r"^[0-9][0-9A-Za-z.+!]*$")
DOTTED_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
SCRIPT_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*=\s*([A-Za-z0-9_.]+:[A-Za-z0-9_.]+)$")
KEYS_WHEEL = {"requires-python", "requires-dist", "console-script", "module"}


class DataError(Exception):
    pass


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(path):
    entries, cur = [], None
    base = os.path.dirname(os.path.abspath(path))
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = re.sub(r"(^|\s+)#.*$", "", raw).strip()
            if not line:
                continue
            where = "%s:%d" % (path, lineno)
            key, _, rest = line.partition(" ")
            rest = rest.strip()
            if key in ("wheel", "debian"):
                parts = rest.split()
                if len(parts) != 2 or not NAME_RE.match(parts[0]) \
                        or not VERSION_RE.match(parts[1]):
                    raise DataError("%s: want '%s NAME VERSION'" % (where, key))
                cur = {"kind": key, "name": parts[0], "version": parts[1],
                       "index": set(), "requires_python": None, "requires": [],
                       "scripts": [], "modules": [], "line": where}
                entries.append(cur)
                continue
            if cur is None:
                raise DataError("%s: %r before any wheel/debian line" % (where, key))
            if not rest:
                raise DataError("%s: %r needs a value" % (where, key))
            if key in KEYS_WHEEL and cur["kind"] != "wheel":
                raise DataError("%s: a debian entry is the real wheel; no %s" % (where, key))
            if key == "index":
                cur["index"].add(rest)
            elif key == "requires-python":
                cur["requires_python"] = rest
            elif key == "requires-dist":
                cur["requires"].append(rest)
            elif key == "console-script":
                m = SCRIPT_RE.match(rest)
                if not m:
                    raise DataError("%s: want 'console-script CMD = MODULE:FUNC'" % where)
                cur["scripts"].append((m.group(1), m.group(2)))
            elif key == "module":
                parts = rest.split()
                if len(parts) > 2 or not DOTTED_RE.match(parts[0]):
                    raise DataError("%s: want 'module DOTTED [FILE]'" % where)
                src = os.path.join(base, parts[1]) if len(parts) == 2 else None
                cur["modules"].append((parts[0], src))
            else:
                raise DataError("%s: unknown key %r" % (where, key))
    return entries


def selected(entries, index):
    out, seen = [], {}
    for e in entries:
        if index is not None and e["index"] and index not in e["index"]:
            continue
        k = (canonical(e["name"]), e["version"])
        if k in seen:
            raise DataError("%s: %s %s is already at %s in index %s"
                            % (e["line"], e["name"], e["version"], seen[k], index))
        seen[k] = e["line"]
        out.append(e)
    return out


def record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def write_wheel(path, files, info):
    """files: {archive path: bytes}; RECORD is added under info."""
    record_path = info + "/RECORD"
    record = "".join("%s,%s,%d\n" % (p, record_hash(d), len(d))
                     for p, d in sorted(files.items()))
    files = dict(files)
    files[record_path] = (record + record_path + ",,\n").encode()
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as z:
        for p in sorted(files, key=lambda p: (p == record_path, p)):
            zi = zipfile.ZipInfo(p, date_time=ZIP_DATE)
            zi.external_attr = 0o644 << 16
            zi.create_system = 3
            z.writestr(zi, files[p])
    os.replace(tmp, path)


def wheel_meta():
    return (b"Wheel-Version: 1.0\nGenerator: mkwheels\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n\n")


def build(e, outdir):
    dist = re.sub(r"[-_.]+", "_", e["name"])
    info = "%s-%s.dist-info" % (dist, e["version"])
    top = re.sub(r"[-.]+", "_", e["name"]).lower()
    doc = ('"""Stub of the fake %s %s wheel (tests/lib/mkwheels.py)."""\n'
           % (e["name"], e["version"])).encode()
    files = {top + "/__init__.py": doc + ('__version__ = "%s"\n' % e["version"]).encode()}
    tops = {top}
    for dotted, src in e["modules"]:
        parts = dotted.split(".")
        tops.add(parts[0])
        for i in range(1, len(parts)):
            files.setdefault("/".join(parts[:i]) + "/__init__.py", doc)
        if src is None:
            files["/".join(parts) + ".py"] = doc
        else:
            with open(src, "rb") as f:
                files["/".join(parts) + ".py"] = f.read()
    meta = ["Metadata-Version: 2.1", "Name: " + e["name"], "Version: " + e["version"],
            "Summary: small wheel of a test index (tests/lib/mkwheels.py)"]
    if e["requires_python"]:
        meta.append("Requires-Python: " + e["requires_python"])
    meta += ["Requires-Dist: " + r for r in e["requires"]]
    files[info + "/METADATA"] = ("\n".join(meta) + "\n\n").encode()
    files[info + "/WHEEL"] = wheel_meta()
    files[info + "/top_level.txt"] = "".join(t + "\n" for t in sorted(tops)).encode()
    if e["scripts"]:
        files[info + "/entry_points.txt"] = ("[console_scripts]\n" + "".join(
            "%s = %s\n" % s for s in e["scripts"]) + "\n").encode()
    path = os.path.join(outdir, "%s-%s-py3-none-any.whl" % (dist, e["version"]))
    write_wheel(path, files, info)
    return path


def egg_requires(text):
    """requires.txt of an .egg-info as Requires-Dist lines."""
    out, marker = [], ""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("["):
            extra, _, cond = line[1:-1].partition(":")
            marks = (['extra == "%s"' % extra] if extra else []) + ([cond] if cond else [])
            marker = marks[0] if len(marks) == 1 else " and ".join("(%s)" % m for m in marks)
            continue
        out.append(line + ("; " + marker if marker else ""))
    return out


def repack(e, outdir):
    """Debian's installed distribution (e.g. python3-wheel, which ships no
    .whl) as a wheel: its files as installed, without bytecode."""
    dist = re.sub(r"[-_.]+", "_", e["name"])
    installed = {}  # version -> info folder of this distribution
    for p in glob.glob(os.path.join(DEBIAN_SITE, "*-info")):
        m = re.match(r"^(.+)-([^-]+?)(\.(egg|dist)-info)$", os.path.basename(p))
        if m and canonical(m.group(1)) == canonical(e["name"]):
            installed[m.group(2)] = p
    if e["version"] not in installed:
        raise DataError("%s: neither a wheel in %s nor an installed %s %s (installed: %s)"
                        % (e["line"], DEBIAN_WHEELS, e["name"], e["version"],
                           ", ".join(sorted(installed)) or "none"))
    src = installed[e["version"]]
    read = lambda n: open(os.path.join(src, n), encoding="utf-8").read() \
        if os.path.exists(os.path.join(src, n)) else ""
    info = "%s-%s.dist-info" % (dist, e["version"])
    files = {}
    if src.endswith(".dist-info"):
        meta = read("METADATA")
    else:
        # PKG-INFO is METADATA; an .egg-info keeps Requires-Dist apart,
        # in requires.txt: add them to the header block, as text.
        meta = read("PKG-INFO")
        head, sep, body = meta.partition("\n\n")
        if not re.search(r"(?m)^Requires-Dist:", head):
            head += "".join("\nRequires-Dist: " + r for r in egg_requires(read("requires.txt")))
        meta = head + (sep or "\n\n") + body
    files[info + "/METADATA"] = meta.encode()
    files[info + "/WHEEL"] = wheel_meta()
    for n in ("entry_points.txt", "top_level.txt"):
        if read(n):
            files[info + "/" + n] = read(n).encode()
    for top in read("top_level.txt").split():
        root = os.path.join(DEBIAN_SITE, top)
        if os.path.isfile(root + ".py"):
            files[top + ".py"] = open(root + ".py", "rb").read()
            continue
        for d, subdirs, names in os.walk(root):
            subdirs[:] = sorted(s for s in subdirs if s != "__pycache__")
            for n in sorted(names):
                if not n.endswith((".pyc", ".pyo")):
                    p = os.path.join(d, n)
                    files[os.path.relpath(p, DEBIAN_SITE)] = open(p, "rb").read()
    path = os.path.join(outdir, "%s-%s-py3-none-any.whl" % (dist, e["version"]))
    write_wheel(path, files, info)
    return path


def debian(e, outdir):
    wheels = glob.glob(os.path.join(DEBIAN_WHEELS, "%s-%s-*.whl"
                                    % (re.sub(r"[-_.]+", "_", e["name"]), e["version"])))
    if wheels:
        path = os.path.join(outdir, os.path.basename(wheels[0]))
        shutil.copyfile(wheels[0], path)
        return path
    return repack(e, outdir)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--index", help="write only the entries of this index")
    ap.add_argument("outdir")
    args = ap.parse_args(argv)
    try:
        entries = selected(parse(args.data), args.index)
        for e in entries:
            d = os.path.join(args.outdir, canonical(e["name"]))
            os.makedirs(d, exist_ok=True)
            (build if e["kind"] == "wheel" else debian)(e, d)
    except (OSError, DataError) as err:
        print("mkwheels: %s" % err, file=sys.stderr)
        return 1
    print("mkwheels: %d wheels in %s" % (len(entries), args.outdir), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
