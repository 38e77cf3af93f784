"""prebake's pip grammar held against packaging (Debian python3-packaging
23.0) line by line; run by tests/it/prebake_grammar.sh.

usage: pep508_oracle.py PREBAKE WORKDIR

Each corpus line goes into a requirements.txt that a python_env.yaml pulls
in with -r; prebake runs on it (--quiet) and its pin audit is read back.
For PEP 508 lines packaging's Requirement is the oracle: both must accept
or both refuse, and when both accept, the PEP 503 name, the specifier set
and the marker must agree. Lines pip reads by its own rules (bare URLs,
wheel paths, -e) are checked against what pip does. Prints ok / not ok
lines; exits 1 on any not ok.
"""
import itertools
import os
import re
import subprocess
import sys

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

# --- the corpus -------------------------------------------------------------

NAMES = [
    "numpy", "Scikit_Learn", "ruamel.yaml", "a", "A1", "zope.interface",
    "x-y_z.w", "a_", "9x", "-a", "a-", ".a", "a.", "a..b", "_a", "na\u00efve", "a$b",
    "a" * 200,
]
OPERATORS = ["==", "!=", "~=", "<=", ">=", "<", ">", "==="]
VERSIONS = [
    "1", "1.0", "1.0.0", "1.*", "1.0.*", "1!2.0", "1.0a1", "1.0b2", "1.0rc1",
    "1.0c1", "1.0alpha1", "1.0-beta.2", "1.0.post1", "1.0-1", "1.0post",
    "1.0rev3", "1.0r", "1.0.dev0", "1.0dev", "1.0+abc", "1.0+abc.5",
    "1.0+ABC-1_x", "1.0+", "v1.0", "V1.0", "1.0a1.post2.dev3", "1.0.*.1",
    "abc", "1..0", "1.0-", "1.0_a1", "01.02", "1.0RC1", "1.0.*+x", "1.0+x.*",
    "1.0 ", " 1.0", "2.0-weird_",
]
HANDWRITTEN = [
    # versions: several clauses, spacing, the old parenthesised form
    "numpy>=1.24,<2", "numpy >= 1.24 , < 2", "numpy>=1.24,", "numpy>=1.24,,<2",
    "numpy,>=1", "numpy>=1.0 <2.0", "numpy (>=1.24,<2)", "numpy(>=1.24)",
    "numpy ( >=1.24 )", "numpy ()", "numpy (>=1", "numpy >=1)", "numpy (==1.0) (==2.0)",
    "numpy==", "numpy >=", "numpy>>1", "numpy=1.0", "numpy=>1", "numpy~=1",
    "numpy~=1.4.2", "numpy === 1.0-x", "numpy===", "numpy===1.0,<2",
    "numpy==1.0\t", "numpy\t==\t1.0", "  numpy==1.0  ",
    # extras
    "mlflow[gateway]==2.17.2", "mlflow[ gateway , extras ]", "mlflow[]", "mlflow[ ]",
    "mlflow[a b]", "mlflow[a,]", "mlflow[,a]", "mlflow[a", "mlflow [a]>=1",
    "mlflow[a.b-c_d]", "mlflow[-a]", "mlflow[a]]",
    # markers
    "pandas==2.1.4 ; python_version >= \"3.9\"",
    "pandas; python_version>='3.9'",
    "pandas ;python_version>'3.9' and sys_platform=='linux'",
    "pandas ; (os_name == 'nt' or os.name == \"posix\") and platform_machine != 'arm64'",
    "pandas ; 'linux' in sys_platform",
    "pandas ; 'win' not in sys_platform",
    "pandas ; sys_platform notin 'win'",
    "pandas ; extra == 'test'",
    "pandas ; python_full_version ~= '3.10.2'",
    "pandas ; implementation_name == 'cpython' or implementation_version >= '3'",
    "pandas ; platform.python_implementation == 'CPython'",
    "pandas ; python_implementation == 'CPython'",
    "pandas ; platform_release >= '5' and platform_system == 'Linux' and platform_version != 'x'",
    "pandas ; ((python_version < '3.12'))",
    "pandas ; (python_version < '3.12'",
    "pandas ; python_version < '3.12')",
    "pandas ; python_version",
    "pandas ; python_version <",
    "pandas ; python_version = '3'",
    "pandas ; unknown_var == '1'",
    "pandas ; python_version < 3.12",
    "pandas ; python_version < '3.12' and",
    "pandas ; python_version < '3.12' xor os_name == 'nt'",
    "pandas ; python_version<'3.12'and os_name=='nt'",
    "pandas ; python_version<'3.12'andos_name=='nt'",
    "pandas ; 'a' == 'b'",
    "pandas ; python_version === '3.12'",
    "pandas==1.0;python_version>'3'",
    # name @ URL
    "x @ https://h/x-0.3.1-py3-none-any.whl",
    "x@https://h/x-0.3.1-py3-none-any.whl",
    "x @ https://h/x.tar.gz ; sys_platform == 'linux'",
    "x[extra] @ https://h/x.zip",
    "x @ git+https://github.com/o/x.git@main",
    "x @ git+ssh://git@github.com/o/x.git@3f786850e387550fdab836ed7e6dc881de23001b",
    "x @ https:///nohost",
    "x @ notaurl",
    "x @ ",
    "x @",
    "x==1.0 @ https://h/x-1.0-py3-none-any.whl",
    "x @ https://h/x.whl extra-words",
    "x @ https://h/x.whl ; python_version > '3' junk",
    # nothing like a name
    "==2.0", "[extra]", "(a)", "a b", "a==1.0 b", "a;", "a #", "a==1.0 # comment",
]

# Where prebake follows pip rather than packaging: the line, whether
# prebake accepts it, and why.
KEPT = {
    "numpy===": (False, "=== with no version matches no release, so the build would "
                 "fail: prebake refuses it (packaging 23 takes an empty arbitrary version)"),
    "a;": (True, "pip splits the marker off at the first ';' and drops an empty one; "
           "packaging wants a marker after ';'"),
    "x @ https://h/x.whl;python_version>'3'": (
        True, "pip splits the marker off at the first ';' (\"; \" only after a bare URL), "
        "so the URL ends there; packaging's URL runs to the next space"),
    "x @ https://h/a;b/x.whl": (
        False, "the same split leaves pip the marker \"b/x.whl\", which it refuses; "
        "packaging reads one URL"),
    "a #": (True, "a requirements-file comment: pip strips it before the requirement "
            "is read; packaging sees a stray '#'"),
    "a==1.0 # comment": (True, "the same: pip strips the comment"),
}

# pip's own forms, not PEP 508: (line, files to create, accept?, name, pin, local)
WHEEL = "wheels/x-1.0-py3-none-any.whl"
COMMIT = "3f786850e387550fdab836ed7e6dc881de23001b"
PIP_FORMS = [
    (f"git+https://github.com/o/x.git@{COMMIT}#egg=x", [], True, "x", "exact", None),
    ("git+https://github.com/o/x.git@main#egg=x", [], True, "x", "unpinned", None),
    ("git+https://github.com/o/x.git#egg=x ; python_version > '3'", [], True, "x", "unpinned", None),
    ("https://h/p/x-1.0-py3-none-any.whl", [], True, "x", "exact", None),
    ("https://h/simple/", [], False, None, None, None),  # pip names it from metadata; prebake cannot
    ("file:///opt/x-1.0-py3-none-any.whl", [], False, None, None, None),
    (WHEEL, [WHEEL], True, "x", "exact", WHEEL),
    ("./" + WHEEL, [WHEEL], True, "x", "exact", WHEEL),
    ("x-1.0-py3-none-any.whl", ["x-1.0-py3-none-any.whl"], True, "x", "exact",
     "x-1.0-py3-none-any.whl"),
    (WHEEL + " ; python_version >= '3'", [WHEEL], True, "x", "exact", WHEEL),
    (WHEEL + "[extra]", [WHEEL], True, "x", "exact", WHEEL),
    ("wheels/missing-1.0-py3-none-any.whl", [], False, None, None, None),
    ("../x-1.0-py3-none-any.whl", [], False, None, None, None),
    ("/tmp/x-1.0-py3-none-any.whl", [], False, None, None, None),
    ("wheels/x-1.0.tar.gz", ["wheels/x-1.0.tar.gz"], False, None, None, None),
    ("wheels/x.whl", ["wheels/x.whl"], False, None, None, None),
    ("./src", ["src/setup.py"], False, None, None, None),
    ("-e ./src", ["src/setup.py"], False, None, None, None),
    ("-e " + WHEEL, [WHEEL], False, None, None, None),
    ("x @ ./" + WHEEL, [WHEEL], False, None, None, None),
]


def corpus():
    lines = list(NAMES)
    lines += [n + "==1.0" for n in NAMES]
    lines += ["pkg" + op + v for op, v in itertools.product(OPERATORS, VERSIONS)]
    lines += HANDWRITTEN + list(KEPT)
    return list(dict.fromkeys(lines))


# --- running prebake --------------------------------------------------------

def run_prebake(prebake, work, case, line, files=()):
    model = os.path.join(work, f"m{case}")
    os.makedirs(model)
    for f in files:
        path = os.path.join(model, f)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(b"PK\x05\x06" + b"\0" * 18)
    with open(os.path.join(model, "python_env.yaml"), "w") as fh:
        fh.write("python: 3.10.12\ndependencies:\n- -r requirements.txt\n")
    with open(os.path.join(model, "requirements.txt"), "w", encoding="utf-8") as fh:
        fh.write(line + "\n")
    out = os.path.join(work, f"o{case}")
    proc = subprocess.run([prebake, os.path.join(model, "python_env.yaml"), "-o", out,
                           "--quiet"], capture_output=True)
    if proc.returncode not in (0, 10):
        raise RuntimeError(f"prebake exited {proc.returncode} on {line!r}: {proc.stderr!r}")
    if proc.returncode:
        return None, proc.stderr.decode("utf-8", "replace").strip()
    with open(os.path.join(out, "pin-audit.txt"), "rb") as fh:
        return audit_rows(fh.read()), ""


def audit_rows(text):
    """The pip rows of the pin audit, cut at the header's column starts."""
    lines = text.split(b"\n")
    header = lines[0]
    starts = [header.index(w) for w in (b"PACKAGE", b"FROM", b"SPEC", b"PIN", b"WHERE")]
    rows = []
    for line in lines[1:]:
        if not line or re.match(rb"^\d+ exact", line):
            continue
        cols = [line[a:b].strip().decode() for a, b in zip(starts, starts[1:] + [None])]
        if cols[1] == "pip":
            rows.append(dict(zip(("name", "from", "spec", "pin", "where"), cols)))
    return rows


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def split_spec(spec):
    """prebake's SPEC column: "SPEC ; MARKER", "*" when no version, "@ URL"."""
    if spec.startswith("@ "):
        return "", None, spec[2:]
    version, _, marker = spec.partition(" ; ")
    return ("" if version == "*" else version), (marker or None), None


# --- checks -----------------------------------------------------------------

failed = 0


def ok(msg):
    print(f"ok - {msg}")


def not_ok(msg):
    global failed
    failed = 1
    print(f"not ok - {msg}")


def oracle(line):
    try:
        return Requirement(line), ""
    except Exception as e:  # InvalidRequirement, and InvalidSpecifier escapes too
        return None, str(e).split("\n")[0]


def compare(line, rows, why_refused):
    req, why_oracle = oracle(line)
    if line in KEPT:
        accepts, reason = KEPT[line]
        if (rows is not None) == accepts:
            ok(f"{line!r}: kept disagreement with packaging: {reason}")
        else:
            not_ok(f"{line!r}: prebake {'accepts' if rows is not None else 'refuses'}, "
                   f"want {'accept' if accepts else 'refuse'}: {reason}")
        return
    if req is None and rows is None:
        ok(f"{line!r}: both refuse ({why_refused})")
        return
    if req is None:
        not_ok(f"{line!r}: prebake accepts, packaging refuses: {why_oracle}")
        return
    if rows is None:
        not_ok(f"{line!r}: packaging accepts, prebake refuses: {why_refused}")
        return
    if len(rows) != 1:
        not_ok(f"{line!r}: {len(rows)} pip rows in the audit")
        return
    row = rows[0]
    spec, marker, url = split_spec(row["spec"])
    problems = []
    if pep503(row["name"]) != pep503(req.name):
        problems.append(f"name {row['name']!r} vs {req.name!r}")
    try:
        if str(SpecifierSet(spec)) != str(req.specifier):
            problems.append(f"specifiers {spec!r} vs {str(req.specifier)!r}")
    except Exception as e:
        problems.append(f"prebake's spec {spec!r} is no specifier set: {e}")
    # the audit hides a URL's user:password@
    want_url = re.sub(r"://[^/@ ]*@", "://***@", req.url) if req.url else None
    if url != want_url:
        problems.append(f"url {url!r} vs {want_url!r}")
    if url is None:  # the audit shows a URL line's marker nowhere
        mine = str(Marker(marker)) if marker else None
        theirs = str(req.marker) if req.marker else None
        if mine != theirs:
            problems.append(f"marker {mine!r} vs {theirs!r}")
    if problems:
        not_ok(f"{line!r}: " + "; ".join(problems))
    else:
        ok(f"{line!r}: both accept; name, specifiers and marker agree")


def check_pip_form(prebake, work, case, form):
    line, files, accept, name, pin, local = form
    rows, why = run_prebake(prebake, work, case, line, files)
    if (rows is not None) != accept:
        not_ok(f"{line!r}: prebake {'accepts' if rows is not None else 'refuses: ' + why}, "
               f"want {'accept' if accept else 'refuse'}")
        return
    if not accept:
        ok(f"{line!r}: refused as pip would (or cannot bake): {why}")
        return
    row = rows[0]
    got = (pep503(row["name"]), row["pin"])
    if got != (name, pin):
        not_ok(f"{line!r}: got {got}, want {(name, pin)}")
    elif local and row["spec"].split(" ; ")[0] != "==1.0":
        not_ok(f"{line!r}: a local wheel's spec is {row['spec']!r}, want ==1.0")
    else:
        ok(f"{line!r}: {name} {pin}, as pip reads it")


def main():
    prebake, work = sys.argv[1], sys.argv[2]
    case = 0
    for line in corpus():
        case += 1
        rows, why = run_prebake(prebake, work, case, line)
        compare(line, rows, why)
    for form in PIP_FORMS:
        case += 1
        check_pip_form(prebake, work, case, form)
    return failed


if __name__ == "__main__":
    sys.exit(main())
