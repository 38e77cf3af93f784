# shellcheck shell=bash
# Assertions for integration tests: each prints one "ok - ..." or
# "not ok - ..." line (tests/run counts them) and records failures so the
# script can exit non-zero at the end with `assert_done`.
_assert_failed=0
_assert_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

pass() { echo "ok - $*"; }
flunk() { echo "not ok - $*"; _assert_failed=1; }

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	local what=$1; shift
	if "$@"; then pass "$what"; else flunk "$what"; fi
}

# sanitized BINARY: built with ASan or UBSan (make check-asan)?
sanitized() { grep -q -a -e __asan_init -e __ubsan_handle "$1" 2>/dev/null; }

# expect_rc WANT GOT DESCRIPTION
expect_rc() {
	if [ "$2" -eq "$1" ]; then pass "$3 (exit $2)"; else flunk "$3: exit $2, want $1"; fi
}

# expect_grep PATTERN FILE DESCRIPTION: FILE contains the extended regex.
expect_grep() {
	if grep -Eq -- "$1" "$2"; then pass "$3"; else
		flunk "$3: no match for /$1/ in:"; sed 's/^/    | /' "$2" | head -20
	fi
}

expect_no_grep() {
	if grep -Fq -- "$1" "$2"; then flunk "$3: found '$1'"; else pass "$3"; fi
}

# same_tree A B DESCRIPTION: same files with the same bytes (initc's own
# lock and archive record in DEST aside).
same_tree() {
	local out
	if out=$(diff -r -x .initc.lock -x .initc.unpacked "$1" "$2" 2>&1); then pass "$3"; else
		flunk "$3"; printf '%s\n' "$out" | head -10 | sed 's/^/    | /'
	fi
}

# no_temp_files DIR DESCRIPTION: no initc temporary file below DIR.
no_temp_files() {
	local left
	left=$(find "$1" \( -name '*.initc.partial' -o -name '.initc-*.partial' \
		-o -name '.initc-*.staging' \) 2>/dev/null | head -5)
	if [ -z "$left" ]; then pass "$2"; else flunk "$2: $left"; fi
}

# wait_for TEST DESCRIPTION: poll an event (the shell test TEST) for up
# to 60 s, ten times far more than it takes on a loaded 2-core machine;
# flunks with DESCRIPTION on time-out.
wait_for() {
	local i
	for ((i = 0; i < 6000; i++)); do eval "$1" && return 0; sleep 0.01; done
	flunk "timed out waiting for: $2"
	return 1
}

# partial_in DIR: a download's temporary file is there (initc is writing).
partial_in() { compgen -G "$1/.initc-*.partial" >/dev/null; }

# assert_no_secret_pieces FILE SECRET...: no 8-byte piece of any SECRET
# (a shorter SECRET: none of it whole) is in FILE, which may be a copy of
# /proc/PID/cmdline; a missing FILE passes. $SECRET_WHAT, when set, names
# the case in the ok / not ok line.
assert_no_secret_pieces() {
	local file=$1 found
	shift
	if found=$(/usr/bin/python3 "$_assert_lib/secret_pieces.py" "$file" "$@"); then
		pass "${SECRET_WHAT:+$SECRET_WHAT: }no piece of a secret in $(basename "$file")"
	else
		flunk "${SECRET_WHAT:+$SECRET_WHAT: }pieces of a secret in $file: ${found//$'\n'/ }"
	fi
}

assert_done() { exit "$_assert_failed"; }
