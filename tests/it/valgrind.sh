#!/usr/bin/env bash
# initc and prebake under valgrind: a whole download from the loopback S3
# server (several files, one fetched in ranged parts, one archive unpacked),
# `initc check --recursive` on the local fixtures, and one prebake run.
# Each must end with no memory error and no definitely or indirectly lost
# block; "still reachable" (libcurl's and OpenSSL's global state) is fine.
# Valgrind cannot run sanitizer builds: when $INITC is one (make
# check-asan), plain binaries are built for this test in a temp folder.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
INITC=${INITC:-$root/build/initc}
PREBAKE=${PREBAKE:-$root/build/prebake}
fixtures=$root/tests/fixtures

command -v valgrind >/dev/null || { flunk "valgrind is not installed (apt-get install valgrind)"; assert_done; }

s3env_start >/dev/null || exit 1
w=$S3ENV_DIR/w
mkdir -p "$w"

if sanitized "$INITC" || sanitized "$PREBAKE"; then
	# env -u: make check-asan's CC and SANITIZE must not reach this make
	if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL nice make -s -C "$root" BUILD="$w/plain" CC=cc SANITIZE= CFLAGS="-O1 -g" \
		"$w/plain/initc" "$w/plain/prebake" >"$w/build.log" 2>&1; then
		pass "plain build for valgrind (the suite's binaries are sanitizer builds)"
		INITC=$w/plain/initc PREBAKE=$w/plain/prebake
	else
		flunk "plain build for valgrind failed:"; tail -5 "$w/build.log" | sed 's/^/    | /'
		assert_done
	fi
fi

# vg NAME COMMAND...: run under valgrind, its report in $w/NAME.vg
vg() {
	local name=$1; shift
	timeout 600 valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=no \
		--log-file="$w/$name.vg" "$@"
}

# expect_clean NAME RC WANT_RC DESCRIPTION
expect_clean() {
	local name=$1 rc=$2 want=$3 what=$4
	if [ "$rc" -eq 99 ]; then
		flunk "$what: valgrind found errors or leaks:"
		grep -E 'ERROR SUMMARY|definitely|indirectly|Invalid|uninitialised|at 0x|by 0x' \
			"$w/$name.vg" | head -30 | sed 's/^/    | /'
		return
	fi
	expect_rc "$want" "$rc" "$what"
	if grep -q 'ERROR SUMMARY: [1-9]' "$w/$name.vg"; then
		flunk "$what: valgrind reports errors"; sed 's/^/    | /' "$w/$name.vg" | head -30
	else
		pass "$what: no memory error, nothing definitely or indirectly lost"
	fi
}

# 0. the options do catch a leak: a program that loses a block must fail
printf '#include <stdlib.h>\nint main(void) { void *p = malloc(64); p = 0; return p != 0; }\n' >"$w/leak.c"
if cc -O0 -g -o "$w/leak" "$w/leak.c" 2>/dev/null; then
	vg leak "$w/leak"
	rc=$?
	if [ "$rc" -eq 99 ]; then pass "valgrind's settings catch a definitely lost block (exit 99)"; else
		flunk "a leaking program passed valgrind (exit $rc): the checks below prove nothing"; fi
fi

# The model: several files, one above the 1 MiB multi-thread cutoff so it
# is fetched in ranged parts, and separately a single archive to unpack.
src=$w/src
mkdir -p "$src/model/data" "$src/arch/m/sub"
cp "$fixtures/models/sklearn/MLmodel" "$fixtures/models/sklearn/conda.yaml" "$src/model/"
head -c 2000 /dev/urandom >"$src/model/model.pkl"
head -c $((3 * 1024 * 1024 + 17)) /dev/urandom >"$src/model/data/big.bin"
: >"$src/model/data/empty.txt"
echo "inside the archive" >"$src/arch/m/sub/readme.txt"
head -c 4096 /dev/urandom >"$src/arch/m/weights.bin"
tar -C "$src/arch/m" -czf "$w/model.tar.gz" .
s3env_mkbucket models
s3env_put_tree models vg/model "$src/model"
s3env_put models vg/archive/model.tar.gz "$w/model.tar.gz"
s3env_rclone_env S3 >/dev/null
mark=$(s3env_log_mark)

# 1. the download: two SRC DEST pairs in one run
RCLONE_MULTI_THREAD_CUTOFF=1Mi RCLONE_MULTI_THREAD_STREAMS=3 vg download "$INITC" --no-verify \
	s3://models/vg/model "$w/out" s3://models/vg/archive/model.tar.gz "$w/unpacked" \
	2>"$w/download.log"
expect_clean download $? 0 "initc download (several files, ranged parts, an archive)"
same_tree "$src/model" "$w/out" "downloaded tree equals the source"
same_tree "$src/arch/m" "$w/unpacked" "archive unpacked into DEST"
ranged=$(tail -n +"$((mark + 1))" "$S3GATE_LOG" | grep -c '"status": *206' || true)
if [ "$ranged" -ge 2 ]; then pass "the big file came in $ranged ranged parts"; else
	flunk "$ranged ranged GETs (206), want at least 2"; fi

# 2. a failing download: the error paths free what they took too
RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=wrong-secret-for-valgrind vg autherr "$INITC" --no-verify \
	s3://models/vg/model "$w/autherr" 2>/dev/null
expect_clean autherr $? 3 "initc with a wrong secret (auth error path)"

# 3. initc check --recursive over the local model fixtures (some are
# broken on purpose): same verdicts and exit code as without valgrind
"$INITC" check --recursive "$fixtures/models" >"$w/check.want" 2>/dev/null
want=$?
vg check "$INITC" check --recursive "$fixtures/models" >"$w/check.out" 2>"$w/check.log"
expect_clean check $? "$want" "initc check --recursive tests/fixtures/models"
check "initc check under valgrind printed the same verdicts" cmp -s "$w/check.want" "$w/check.out"

# 4. prebake on an MLflow model folder
vg prebake "$PREBAKE" -q "$fixtures/prebake/mlflow2-virtualenv/model" -o "$w/baked" \
	>"$w/prebake.out" 2>"$w/prebake.log"
expect_clean prebake $? 0 "prebake mlflow2-virtualenv model"
check "prebake wrote a Dockerfile" test -s "$w/baked/Dockerfile"
assert_done
