#!/usr/bin/env bash
# Every libFuzzer target builds and runs for a few seconds on its seed
# corpus without a crash, so `make check` catches a broken target quickly;
# `make fuzz` (tests/fuzz/run) is the long run. The committed corpus must
# not change: the runner fuzzes a scratch copy.
#   FUZZ_SMOKE_SECONDS (5)  time per target
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
root=$(cd "$here/../.." && pwd)
corpus=$root/tests/fuzz/corpus

fingerprint() { (cd "$corpus" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }
before=$(fingerprint)
ntargets=$(find "$root/tests/fuzz" -maxdepth 1 -name 'fuzz_*.c' | wc -l)

out=$(mktemp "${TMPDIR:-/tmp}/fuzz-smoke.XXXXXX")
trap 'rm -f "$out"' EXIT
FUZZ_SECONDS=${FUZZ_SMOKE_SECONDS:-5} timeout 600 "$root/tests/fuzz/run" >"$out" 2>&1
rc=$?
cat "$out" # its ok / not ok lines are this test's
expect_rc 0 "$rc" "tests/fuzz/run with every target"
nok=$(grep -c '^ok - fuzz .*: [0-9][0-9]* executions' "$out")
if [ "$nok" -eq "$ntargets" ]; then pass "all $ntargets targets ran"; else
	flunk "$nok of $ntargets targets reported executions"; fi
if [ "$(fingerprint)" = "$before" ]; then pass "the committed seed corpus is unchanged"; else
	flunk "tests/fuzz/corpus changed during the run"; fi
assert_done
