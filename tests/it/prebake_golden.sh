#!/usr/bin/env bash
# Golden outputs: for every tests/fixtures/prebake/<case>/ with an `args`
# file (the input, relative to the case, then flags), prebake must write
# exactly <case>/expected/, and write it again byte for byte.
# Regenerate after a deliberate change, then READ the diff before keeping it:
#   UPDATE_GOLDEN=1 PREBAKE=/path/to/prebake tests/it/prebake_golden.sh
set -u
cd "$(dirname "$0")/../.."
PREBAKE=${PREBAKE:-$PWD/build/prebake}
. tests/lib/golden.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/prebake-golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=1; }

while read -r -a c; do
	name=${c[0]} dir=${c[1]} args=("${c[@]:2}")
	out="$tmp/$name"
	if ! "$PREBAKE" "$dir/${args[0]}" "${args[@]:1}" -o "$out" >"$tmp/$name.log" 2>&1; then
		not_ok "$name: prebake failed: $(tail -3 "$tmp/$name.log")"
		continue
	fi
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		rm -rf "$dir/expected"
		cp -r "$out" "$dir/expected"
		ok "$name: golden rewritten (review it: git diff $dir/expected)"
		continue
	fi
	if diff -r "$dir/expected" "$out" >"$tmp/$name.diff"; then
		ok "$name: output matches $dir/expected"
	else
		not_ok "$name: output differs from golden: $(head -20 "$tmp/$name.diff")"
	fi
	# Same inputs, same bytes: again from another working directory and
	# through a relative path, into an existing prebake folder.
	rel=$(realpath --relative-to="$tmp" "$dir/${args[0]}")
	if (cd "$tmp" && "$PREBAKE" "$rel" "${args[@]:1}" -o "$name" -q) >/dev/null 2>&1 &&
		diff -r "$dir/expected" "$out" >/dev/null; then
		ok "$name: second run from another directory is byte-identical"
	else
		not_ok "$name: second run differs or failed"
	fi
done < <(golden_cases)
exit $failed
