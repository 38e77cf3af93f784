#!/usr/bin/env bash
# prebake's pip requirement grammar, line by line against packaging (the
# library pip's own parser is built on; Debian python3-packaging 23.0):
# both accept or both refuse, and agree on name, specifiers and marker.
# pip's non-PEP 508 forms (bare URLs, wheel paths, -e) are checked against
# what pip does. The corpus, the comparison and the disagreements kept
# (with their reasons) are in tests/lib/pep508_oracle.py.
set -u
cd "$(dirname "$0")/../.."
PREBAKE=${PREBAKE:-$PWD/build/prebake}
PY=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/prebake-grammar.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if ! "$PY" -c 'import packaging.requirements' 2>/dev/null; then
	echo "not ok - packaging for $PY is missing: apt-get install -y python3-packaging"
	exit 1
fi
echo "# packaging $("$PY" -c 'import packaging; print(packaging.__version__)')"
"$PY" tests/lib/pep508_oracle.py "$PREBAKE" "$tmp"
