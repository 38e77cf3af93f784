#!/usr/bin/env bash
# pyindex_selftest: the local package index of tests/fixtures/pyindex
# (fake wheels built by tests/lib/mkindex.py, carrying the real dependency
# metadata of seldon-core, MLServer, mlflow, requests, Flask, ...) builds
# deterministically, is closed under its principal packages' requirements,
# and makes Debian's pip 23.0.1 resolve as it would on PyPI:
# - seldon-core 1.18.2 alone, mlserver 1.6.1 + mlserver-mlflow 1.6.1 +
#   mlflow 2.17.2, and mlflow 2.17.2 + seldon-core 1.18.2 in ONE pip run all
#   resolve with `pip check` clean;
# - the defect the index exists to show: mlflow 2.17.2 installed ALONE takes
#   the newest urllib3 (2.x), Flask 3, click 8.1, ...; installing
#   seldon-core 1.18.2 on top under a freeze of that environment (-c) fails,
#   and without -c pip silently downgrades what the model was installed with.
# If this test fails, no test that runs pip on the index can be trusted.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/assert.sh

# Debian's Python and pip (not a pyenv or other python3 first on PATH).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
if ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
	flunk "python3 venv/ensurepip missing (apt-get install python3-venv python3-pip python3-packaging)"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pyindex.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
idx=$tmp/index

# --- the index -----------------------------------------------------------------
start=$(date +%s%N)
if "$PY" tests/lib/mkindex.py "$idx" 2>"$tmp/mkindex.err"; then
	ms=$((($(date +%s%N) - start) / 1000000))
	wheels=$(find "$idx" -name '*.whl' | wc -l)
	pass "mkindex.py builds the index ($wheels wheels, ${ms} ms)"
	if [ "$ms" -lt 5000 ]; then pass "index built in under 5 s"; else flunk "index took ${ms} ms"; fi
else
	flunk "mkindex.py failed: $(cat "$tmp/mkindex.err")"
	exit 1
fi
entries=$("$PY" tests/lib/mkindex.py --list | wc -l)
if [ "$entries" -eq "$wheels" ]; then
	pass "one wheel per entry of packages.txt ($entries)"
else
	flunk "$entries entries but $wheels wheels"
fi
"$PY" tests/lib/mkindex.py "$tmp/index2" 2>/dev/null
check "a second build is byte-for-byte the same" diff -r "$idx" "$tmp/index2"

printf 'package x 1\n\trequires-dist y\n' >"$tmp/bad.txt"
if "$PY" tests/lib/mkindex.py --data "$tmp/bad.txt" "$tmp/bad" 2>"$tmp/bad.err"; then
	flunk "a package without a source line is accepted"
else
	expect_grep 'no source line' "$tmp/bad.err" "a package without a source line is refused"
fi
printf 'leaf x 1\n\trequires-dist y\n' >"$tmp/bad.txt"
if "$PY" tests/lib/mkindex.py --data "$tmp/bad.txt" "$tmp/bad" 2>"$tmp/bad.err"; then
	flunk "a leaf with a requires-dist is accepted"
else
	expect_grep 'leaf has no requires-dist' "$tmp/bad.err" "a leaf with a requires-dist is refused"
fi

# Every Requires-Dist parses (PEP 508) and, for the markers of this Python
# with no extra, some wheel of the index satisfies it; wheels are valid.
if "$PY" -c 'import packaging.requirements' 2>/dev/null; then
	if "$PY" - "$idx" >"$tmp/closure.out" 2>&1 <<'EOF'; then
import os, re, sys, zipfile
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from packaging.utils import canonicalize_name
idx = sys.argv[1]
have, reqs, bad = {}, [], []
for fn in sorted(os.listdir(idx)):
    with zipfile.ZipFile(os.path.join(idx, fn)) as z:
        names = z.namelist()
        info = [n for n in names if n.endswith(".dist-info/METADATA")][0][:-len("/METADATA")]
        meta = z.read(info + "/METADATA").decode()
        wheel = z.read(info + "/WHEEL").decode()
        if "Tag: py3-none-any" not in wheel or "Root-Is-Purelib: true" not in wheel:
            bad.append(fn + ": WHEEL file")
        record = z.read(info + "/RECORD").decode().splitlines()
        if sorted(r.split(",")[0] for r in record) != sorted(names):
            bad.append(fn + ": RECORD does not list exactly the archive")
    f = dict(re.findall(r"^(Name|Version): (.*)$", meta, re.M))
    have.setdefault(canonicalize_name(f["Name"]), []).append(Version(f["Version"]))
    rp = re.findall(r"^Requires-Python: (.*)$", meta, re.M)
    if rp:
        SpecifierSet(rp[0])
    for r in re.findall(r"^Requires-Dist: (.*)$", meta, re.M):
        reqs.append((fn, Requirement(r)))
n = 0
for fn, r in reqs:
    if r.marker is not None and not r.marker.evaluate({"extra": ""}):
        continue
    n += 1
    vs = have.get(canonicalize_name(r.name), [])
    if not any(r.specifier.contains(v, prereleases=True) for v in vs):
        bad.append("%s: %s has no match in %s" % (fn, r, sorted(map(str, vs))))
print("%d requirements checked" % n)
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF
		pass "every Requires-Dist parses and is satisfiable in the index ($(head -1 "$tmp/closure.out"))"
	else
		flunk "index not closed or malformed:"
		sed 's/^/    | /' "$tmp/closure.out" | head -20
	fi
else
	flunk "python3-packaging is missing (apt-get install python3-packaging): closure not checked"
fi

# --- pip against the index -----------------------------------------------------
export PIP_NO_INDEX=1 PIP_FIND_LINKS=$idx PIP_CONFIG_FILE=/dev/null
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_COLOR=1 PIP_NO_INPUT=1
unset PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_REQUIRE_VIRTUALENV PIP_USER PYTHONPATH

# Fresh venvs of Debian's Python with its own pip, made at once (each takes
# seconds); mkvenv waits for one.
for v in v0 v1 v2 v3 v4; do
	("$PY" -m venv "$tmp/$v" >"$tmp/$v.log" 2>&1; echo $? >"$tmp/$v.rc") &
done
wait
mkvenv() { # DIR: the venv is there
	[ "$(cat "$1.rc")" = 0 ] || { flunk "python3 -m venv failed: $(tail -3 "$1.log")"; exit 1; }
}
version_of() { # VENV NAME: the installed version, or "-"
	"$1/bin/python" -c 'import sys, importlib.metadata as m; print(m.version(sys.argv[1]))' "$2" 2>/dev/null || echo -
}
expect_version() { # VENV NAME WANT WHAT
	local got
	got=$(version_of "$1" "$2")
	if [ "$got" = "$3" ]; then pass "$4: $2 $got"; else flunk "$4: $2 is $got, want $3"; fi
}
pip_ok() { # VENV WHAT ARGS...: pip install succeeds and pip check is clean
	local v=$1 what=$2
	shift 2
	if "$v/bin/pip" install "$@" >"$tmp/pip.out" 2>&1; then
		pass "$what resolves"
	else
		flunk "$what does not resolve:"
		sed 's/^/    | /' "$tmp/pip.out" | tail -15
		return 1
	fi
	if "$v/bin/pip" check >"$tmp/check.out" 2>&1; then
		pass "$what: pip check is clean"
	else
		flunk "$what: pip check:"
		sed 's/^/    | /' "$tmp/check.out" | head -10
	fi
}

mkvenv "$tmp/v0"
pipv=$("$tmp/v0/bin/pip" --version | awk '{print $2}')
pass "venv pip is $pipv, setuptools $(version_of "$tmp/v0" setuptools)"

# seldon-core alone: its caps hold.
if pip_ok "$tmp/v0" "seldon-core==1.18.2" seldon-core==1.18.2; then
	expect_version "$tmp/v0" urllib3 1.26.20 "seldon-core alone"
	expect_version "$tmp/v0" protobuf 3.20.3 "seldon-core alone"
	expect_version "$tmp/v0" Flask 2.2.5 "seldon-core alone"
	expect_version "$tmp/v0" setuptools 66.1.1 "seldon-core alone keeps the venv's"
fi

# MLServer's stack with mlflow.
mkvenv "$tmp/v1"
if pip_ok "$tmp/v1" "mlserver==1.6.1 mlserver-mlflow==1.6.1 mlflow==2.17.2" \
	mlserver==1.6.1 mlserver-mlflow==1.6.1 mlflow==2.17.2; then
	expect_version "$tmp/v1" pydantic 2.7.1 "mlserver stack"
	expect_version "$tmp/v1" fastapi 0.110.0 "mlserver stack"
	expect_version "$tmp/v1" urllib3 2.2.3 "mlserver stack"
fi

# The defect: the model's environment first, the serving stack after.
mkvenv "$tmp/v2"
if pip_ok "$tmp/v2" "mlflow==2.17.2 alone" mlflow==2.17.2; then
	expect_version "$tmp/v2" urllib3 2.2.3 "mlflow alone takes the newest"
	expect_version "$tmp/v2" Flask 3.0.3 "mlflow alone takes the newest"
	expect_version "$tmp/v2" click 8.1.7 "mlflow alone takes the newest"
	expect_version "$tmp/v2" protobuf 5.28.3 "mlflow alone takes the newest"
	"$tmp/v2/bin/pip" freeze --all >"$tmp/freeze.txt"
	if "$tmp/v2/bin/pip" install seldon-core==1.18.2 -c "$tmp/freeze.txt" >"$tmp/pip.out" 2>&1; then
		flunk "seldon-core==1.18.2 -c <freeze of mlflow alone> resolved"
	else
		# pip reports the first conflict it meets: Flask<3.0.0.
		expect_grep 'ResolutionImpossible' "$tmp/pip.out" "seldon-core==1.18.2 -c <freeze of mlflow alone> fails"
		expect_grep 'seldon-core 1.18.2 depends on Flask<3.0.0' "$tmp/pip.out" \
			"  ... naming the first conflict pip meets, Flask<3.0.0"
	fi
	# Each capped package alone in the constraints is itself a conflict.
	for p in urllib3 Flask Werkzeug click protobuf PyYAML; do
		grep -i "^$p==" "$tmp/freeze.txt" >"$tmp/c.txt"
		if "$tmp/v2/bin/pip" install seldon-core==1.18.2 -c "$tmp/c.txt" >"$tmp/pip.out" 2>&1; then
			flunk "seldon-core==1.18.2 -c '$(cat "$tmp/c.txt")' resolved"
		else
			# (pip writes the name as seldon-core spells it: werkzeug)
			if grep -Eiq "seldon-core 1\.18\.2 depends on ${p}[<>=]" "$tmp/pip.out"; then
				pass "seldon-core==1.18.2 -c '$(cat "$tmp/c.txt")' fails naming $p"
			else
				flunk "seldon-core==1.18.2 -c '$(cat "$tmp/c.txt")' fails, not naming $p:"
				sed -n '/conflict is caused/,/^$/p' "$tmp/pip.out" | sed 's/^/    | /'
			fi
		fi
	done
	# Without -c, pip quietly downgrades the model's environment.
	if pip_ok "$tmp/v2" "seldon-core==1.18.2 on top of mlflow alone, no -c" seldon-core==1.18.2; then
		expect_version "$tmp/v2" urllib3 1.26.20 "  ... downgraded from 2.2.3"
		expect_version "$tmp/v2" numpy 1.26.4 "  ... downgraded from 2.1.2"
		expect_version "$tmp/v2" Flask 2.2.5 "  ... downgraded from 3.0.3"
	fi
fi

# The fix: one pip run with both.
mkvenv "$tmp/v3"
if pip_ok "$tmp/v3" "mlflow==2.17.2 seldon-core==1.18.2 in one run" mlflow==2.17.2 seldon-core==1.18.2; then
	expect_version "$tmp/v3" urllib3 1.26.20 "one run"
	expect_version "$tmp/v3" Flask 2.2.5 "one run"
	expect_version "$tmp/v3" Werkzeug 2.2.3 "one run"
	expect_version "$tmp/v3" click 8.0.4 "one run"
	expect_version "$tmp/v3" protobuf 3.20.3 "one run"
	expect_version "$tmp/v3" PyYAML 6.0.1 "one run"
	expect_version "$tmp/v3" prometheus-client 0.8.0 "one run"
	expect_version "$tmp/v3" mlflow-skinny 2.17.2 "one run"
fi

# mlflow 1.x with seldon-core 1.18.1.
mkvenv "$tmp/v4"
if pip_ok "$tmp/v4" "mlflow==1.30.1 seldon-core==1.18.1 in one run" mlflow==1.30.1 seldon-core==1.18.1; then
	expect_version "$tmp/v4" pandas 1.5.3 "mlflow 1.30.1"
	expect_version "$tmp/v4" protobuf 3.20.3 "mlflow 1.30.1"
fi
# pip reads the Requires-Python the wheels carry: one this Python does not
# meet is refused (mlserver 1.6.1 says >=3.9,<3.12; no Python 3.12 here).
printf 'package not-for-311 1.0\n\tsource (selftest)\n\trequires-python <3.11\n' >"$tmp/py.txt"
"$PY" tests/lib/mkindex.py --data "$tmp/py.txt" "$tmp/pyidx" 2>/dev/null
if "$tmp/v4/bin/pip" install --dry-run --find-links "$tmp/pyidx" not-for-311 >"$tmp/pip.out" 2>&1; then
	flunk "a wheel with Requires-Python <3.11 installs on $("$PY" -V)"
else
	expect_grep 'requires a different Python|Requires-Python|No matching distribution' "$tmp/pip.out" \
		"a wheel with Requires-Python <3.11 is refused on $("$PY" -V)"
fi

assert_done
