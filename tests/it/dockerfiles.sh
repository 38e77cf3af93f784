#!/usr/bin/env bash
# Every Dockerfile prebake emits for the fixtures, and the repository's own
# Dockerfile.prebake / Dockerfile.init (those that exist), through a real
# Dockerfile parser (dockerfile-utils) and every RUN through `bash -n`.
# Docker itself cannot run here, so this is the check around the build.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/golden.sh
PREBAKE=${PREBAKE:-$PWD/build/prebake}
LINT=$PWD/tests/lib/dockerlint.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/prebake-lint.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=1; }

if [ ! -d tests/node_modules/dockerfile-utils ]; then
	not_ok "tests/node_modules/dockerfile-utils missing: run scripts/install-deps test"
	exit 1
fi

lint() { # name file
	if "$LINT" "$2" >"$tmp/lint.log" 2>&1; then
		ok "$1 passes dockerfile-utils and bash -n"
	else
		not_ok "$1: $(head -5 "$tmp/lint.log")"
	fi
}

# The linter itself must catch breakage, or a pass means nothing.
printf 'FROM debian:12.8-slim\nRUNN echo hi\nCOPY only-one-arg\n' >"$tmp/broken-syntax"
if "$LINT" "$tmp/broken-syntax" >"$tmp/lint.log" 2>&1; then
	not_ok "linter accepted a broken Dockerfile"
elif grep -q "broken-syntax:2:1: error: Unknown instruction: RUNN" "$tmp/lint.log"; then
	ok "linter rejects a broken Dockerfile and names file:line"
else
	not_ok "linter failed without naming the line: $(head -3 "$tmp/lint.log")"
fi
printf 'FROM debian:12.8-slim\nRUN if true; then \\\n    echo hi \\\n && echo unterminated\nCMD ["true"]\n' >"$tmp/broken-shell"
if "$LINT" "$tmp/broken-shell" >"$tmp/lint.log" 2>&1; then
	not_ok "bash -n accepted an unterminated if in RUN"
elif grep -q "broken-shell:2: RUN is not valid shell" "$tmp/lint.log"; then
	ok "RUN check rejects broken shell across continuation lines"
else
	not_ok "RUN check failed oddly: $(head -3 "$tmp/lint.log")"
fi

# mlflow1-conda-seldon's python 3.8.10 is below MLServer 1.6.1's
# Requires-Python (>=3.9,<3.12): prebake refuses that pair (exit 11).
n=0
while read -r -a c; do
	name=${c[0]} dir=${c[1]} args=("${c[@]:2}")
	for target in mlserver seldon; do
		out="$tmp/$name-$target"
		if [ "$name-$target" = mlflow1-conda-seldon-mlserver ]; then
			"$PREBAKE" "$dir/${args[0]}" "${args[@]:1}" --target "$target" -o "$out" -q 2>"$tmp/err.log"
			rc=$?
			if [ "$rc" = 11 ] && grep -q 'python 3.8.10 is outside mlserver 1.6.1.s Requires-Python' "$tmp/err.log"; then
				ok "$name --target $target: refused, python below the stack's Requires-Python"
			else
				not_ok "$name --target $target: want exit 11 naming Requires-Python, got $rc: $(head -3 "$tmp/err.log")"
			fi
			continue
		fi
		if "$PREBAKE" "$dir/${args[0]}" "${args[@]:1}" --target "$target" -o "$out" -q 2>"$tmp/err.log"; then
			lint "$name --target $target" "$out/Dockerfile"
			n=$((n + 1))
		else
			not_ok "$name --target $target: prebake failed: $(head -3 "$tmp/err.log")"
		fi
	done
done < <(golden_cases)
[ "$n" -gt 0 ] && ok "linted $n emitted Dockerfiles" || not_ok "no emitted Dockerfile was linted"

for f in Dockerfile.prebake Dockerfile.init; do
	if [ -f "$f" ]; then lint "$f" "$f"; else not_ok "$f is missing"; fi
done
exit $failed
