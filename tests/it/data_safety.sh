#!/usr/bin/env bash
# data_safety: the paths production takes over one volume, against the
# real S3 server. Kubernetes restarts a failed init container over the same
# emptyDir; two pods share a ReadWriteMany volume; a listing lies; a link
# is planted in DEST. After each: exit 0 with exactly the model, or the
# documented exit code with nothing wrong at a final name.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
. "$here/../lib/fault.sh"
INITC=${INITC:-$here/../../build/initc}

fault_start >/dev/null || exit 1
s3env_mkbucket models
w=$S3ENV_DIR/w
mkdir -p "$w"
s3env_rclone_env S3 >/dev/null
export INITC_TERMINATION_LOG=$w/termination-log RCLONE_LOW_LEVEL_RETRIES=3

# tree_sum DIR: one line per model file (initc's own lock/record aside)
tree_sum() {
	(cd "$1" && find . -type f ! -name .initc.lock ! -name .initc.unpacked -print0 |
		sort -z | xargs -0 -r sha256sum)
}


make_tar() { # archive.tar.gz dir
	tar -czf "$1" -C "$2" .
}

# ---- 1. archives and reruns ---------------------------------------------------
mkdir -p "$w/v1" "$w/v2"
echo v1 >"$w/v1/model.pkl"
echo only-in-v1 >"$w/v1/old-only.txt"
printf 'flavors: {}\n' >"$w/v1/MLmodel"
echo v2 >"$w/v2/model.pkl"
echo new >"$w/v2/new.txt"
printf 'flavors: {}\n' >"$w/v2/MLmodel"
make_tar "$w/v1.tar.gz" "$w/v1"
make_tar "$w/v2.tar.gz" "$w/v2"
s3env_put models arch/model.tar.gz "$w/v1.tar.gz"
a=$w/out/arch
"$INITC" --no-verify s3://models/arch/model.tar.gz "$a" 2>"$w/a1.log"
expect_rc 0 $? "archive: first run unpacks"
same_tree "$w/v1" "$a" "archive: DEST holds v1's tree, the archive is gone"
stamp1=$(stat -c %Y.%i "$a/model.pkl")
"$INITC" --no-verify s3://models/arch/model.tar.gz "$a" 2>"$w/a2.log"
expect_rc 0 $? "archive: a restart over the unpacked DEST exits 0"
expect_grep 'already unpacked' "$w/a2.log" "archive: the restart knows the tree is this archive's"
check "archive: the restart touched nothing" test "$(stat -c %Y.%i "$a/model.pkl")" = "$stamp1"
same_tree "$w/v1" "$a" "archive: still exactly v1"

s3env_put models arch/model.tar.gz "$w/v2.tar.gz"
"$INITC" --no-verify s3://models/arch/model.tar.gz "$a" 2>"$w/a3.log"
expect_rc 0 $? "archive: a changed archive is unpacked over the old tree"
same_tree "$w/v2" "$a" "archive: exactly v2, none of v1's files, no archive"
"$INITC" --no-verify s3://models/arch/model.tar.gz "$a" 2>"$w/a4.log"
expect_rc 0 $? "archive: and a restart after that exits 0"
same_tree "$w/v2" "$a" "archive: still exactly v2"
no_temp_files "$a" "archive: no temporary file or staging folder left"

# a file DEST held from elsewhere is not replaced by an archive's tree
b=$w/out/foreign
mkdir -p "$b" && echo mine >"$b/model.pkl"
"$INITC" --no-verify s3://models/arch/model.tar.gz "$b" 2>"$w/b1.log"
expect_rc 9 $? "archive: a name DEST held before is refused"
check "archive: the user's file is untouched" test "$(cat "$b/model.pkl")" = mine
"$INITC" --no-verify s3://models/arch/model.tar.gz "$b" 2>"$w/b2.log"
expect_rc 9 $? "archive: the rerun refuses again instead of exiting 0 with the archive packed"

# an archive whose tree holds its own name would clash with itself on the
# next run: refused at once, plainly
mkdir -p "$w/self/model.tar.gz" && echo x >"$w/self/model.tar.gz/inner"
make_tar "$w/self.tar.gz" "$w/self"
s3env_put models self/model.tar.gz "$w/self.tar.gz"
"$INITC" --no-verify s3://models/self/model.tar.gz "$w/out/self" 2>"$w/self.log"
expect_rc 9 $? "an archive holding an entry of its own name: refused"
expect_grep 'of its own name' "$w/self.log" "an archive holding an entry of its own name: the message says so"

# a FIFO planted where the archive record goes does not hang the run
mkdir -p "$w/out/fifo" && mkfifo "$w/out/fifo/.initc.unpacked"
timeout 120 "$INITC" --no-verify s3://models/arch/model.tar.gz "$w/out/fifo" 2>"$w/fifo.log"
expect_rc 0 $? "a FIFO at .initc.unpacked: the run ends and unpacks"
same_tree "$w/v2" "$w/out/fifo" "a FIFO at .initc.unpacked: exactly the tree"

# an archive whose unpack is refused (an entry leaving DEST) is refused again
python3 - "$w/evil.tar.gz" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    for name, data in (("ok.txt", b"fine\n"), ("../evil.txt", b"evil\n")):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
EOF
s3env_put models evil/model.tar.gz "$w/evil.tar.gz"
e=$w/out/evil
for run in 1 2; do
	"$INITC" --no-verify s3://models/evil/model.tar.gz "$e" 2>"$w/e$run.log"
	expect_rc 9 $? "hostile archive, run $run: refused (exit 9), never exit 0 with it packed"
	cp "$INITC_TERMINATION_LOG" "$w/e$run.term"
done
expect_grep 'evil\.txt' "$w/e1.term" "hostile archive: the termination log names the entry"
check "hostile archive: the restart's termination log gives the same first reason, not a consequence" \
	cmp -s "$w/e1.term" "$w/e2.term"
check "hostile archive: nothing escaped" test ! -e "$w/out/evil.txt"
check "hostile archive: nothing unpacked at a final name" test ! -e "$e/ok.txt"

# killed during the unpack: the rerun finishes it
mkdir -p "$w/big"
head -c $((400 * 1024 * 1024)) /dev/zero >"$w/big/zeros.bin"
echo small >"$w/big/small.txt"
tar -cf - -C "$w/big" . | gzip -1 >"$w/big.tar.gz"
s3env_put models big/model.tar.gz "$w/big.tar.gz"
k=$w/out/killed-unpack
"$INITC" --no-verify s3://models/big/model.tar.gz "$k" 2>"$w/k1.log" &
pid=$!
if wait_for 'compgen -G "$k/.initc-*.staging" >/dev/null' "the unpack to start"; then
	kill -9 "$pid"
fi
wait "$pid" 2>/dev/null
check "killed unpack: the archive is still there, packed" test -e "$k/model.tar.gz"
"$INITC" --no-verify s3://models/big/model.tar.gz "$k" 2>"$w/k2.log"
expect_rc 0 $? "killed unpack: the rerun exits 0"
same_tree "$w/big" "$k" "killed unpack: the rerun unpacked the whole tree, archive removed"
no_temp_files "$k" "killed unpack: the staging folder is gone"
expect_no_grep 'files=1 ' "$w/k2.log" "killed unpack: the complete archive was not downloaded again"
rm -rf "$k" "$w/big" "$w/big.tar.gz"

# ---- 2. killed mid-download, and two runs on one DEST ---------------------------
mkdir -p "$w/src"
head -c $((6 * 1024 * 1024)) /dev/urandom >"$w/src/model.bin"
head -c 100000 /dev/urandom >"$w/src/small.bin"
printf 'flavors: {}\n' >"$w/src/MLmodel"
s3env_put_tree models m "$w/src"
OBJ='"method": "GET", "path": "/models/m/model\\.bin"'
export RCLONE_MULTI_THREAD_CUTOFF=1Mi RCLONE_MULTI_THREAD_STREAMS=2

d=$w/out/killed-download
fault_set "[{$OBJ, \"action\": \"slow\", \"rate\": 400000, \"times\": 0}]"
"$INITC" --no-verify s3://models/m "$d" 2>"$w/d1.log" &
pid=$!
if wait_for 'partial_in "$d"' "a temporary file"; then
	kill -9 "$pid"
fi
wait "$pid" 2>/dev/null
check "killed download: model.bin is not at its final name" test ! -e "$d/model.bin"
fault_clear
"$INITC" --no-verify s3://models/m "$d" 2>"$w/d2.log"
expect_rc 0 $? "killed download: the rerun exits 0"
same_tree "$w/src" "$d" "killed download: DEST is exactly the model"
no_temp_files "$d" "killed download: the dead run's temporary file was swept"

# Two pods on a ReadWriteMany volume, each PID 1 in its own PID namespace:
# the second waits for the first, then finds everything complete.
if [ "$(id -u)" -eq 0 ] && unshare --pid --fork true 2>/dev/null; then
	c=$w/out/concurrent
	fault_set "[{$OBJ, \"action\": \"slow\", \"rate\": 2000000, \"times\": 0}]"
	unshare --pid --fork "$INITC" --no-verify s3://models/m "$c" 2>"$w/c1.log" &
	pid1=$!
	wait_for 'partial_in "$c"' "the first run to write"
	unshare --pid --fork "$INITC" --no-verify s3://models/m "$c" 2>"$w/c2.log" &
	pid2=$!
	wait "$pid1"
	expect_rc 0 $? "two runs on one DEST: the first exits 0"
	wait "$pid2"
	expect_rc 0 $? "two runs on one DEST: the second exits 0"
	fault_clear
	expect_grep 'waiting for another initc run.*holder="?pid=1 ' "$w/c2.log" \
		"two runs on one DEST: the second said it waits, and for whom (PID 1 of another namespace)"
	expect_grep 'download complete.* files=0 skipped=3 ' "$w/c2.log" \
		"two runs on one DEST: the second transferred nothing"
	same_tree "$w/src" "$c" "two runs on one DEST: exactly the model"
	no_temp_files "$c" "two runs on one DEST: no temporary file left"
else
	pass "# SKIP two runs in separate PID namespaces: needs root and unshare"
fi

# An object replaced while its parts download (a multipart ETag: no MD5
# would catch a splice). With If-Match the server refuses the later parts
# (412); a server that ignores If-Match is caught by the changed ETag.
# Either way initc starts the file again once and ends with the new
# object whole; a second change fails, naming the key.
head -c $((6 * 1024 * 1024)) /dev/urandom >"$w/r1.bin"
head -c $((6 * 1024 * 1024 + 77)) /dev/urandom >"$w/r2.bin"
head -c $((5 * 1024 * 1024)) /dev/urandom >"$w/r3.bin"
ROBJ='"method": "GET", "path": "/models/r/model\\.bin", "range": "^bytes=0-"'
REPLACE2="{$ROBJ, \"action\": \"replace\", \"file\": \"$w/r2.bin\", \"multipart\": true, \"part_size\": 1048576, \"times\": 1}"
REPLACE3="{$ROBJ, \"action\": \"replace\", \"file\": \"$w/r3.bin\", \"multipart\": true, \"part_size\": 1048576, \"times\": 1}"
export RCLONE_MULTI_THREAD_CHUNK_SIZE=1Mi # 6 parts, 2 at a time: later parts follow the change
no_if_match_ep=$(s3env_start_gate no-if-match.log --no-if-match --faults "$FAULT_FILE") ||
	s3env_die "the --no-if-match gateway did not start"
for variant in if-match no-if-match; do
	ep=$S3_ENDPOINT
	[ "$variant" = no-if-match ] && ep=$no_if_match_ep
	s3env_put_multipart models r/model.bin "$w/r1.bin" 1048576
	out=$w/out/replaced-$variant
	fault_set "[$REPLACE2]"
	RCLONE_CONFIG_S3_ENDPOINT=$ep "$INITC" --no-verify s3://models/r "$out" 2>"$w/r-$variant.log"
	expect_rc 0 $? "replaced mid-download ($variant): exit 0"
	check "replaced mid-download ($variant): model.bin is the new object, whole" \
		cmp -s "$w/r2.bin" "$out/model.bin"
	expect_grep 'object changed during the download' "$w/r-$variant.log" \
		"replaced mid-download ($variant): the change was seen and the file started again"
	no_temp_files "$out" "replaced mid-download ($variant): no temporary file left"

	s3env_put_multipart models r/model.bin "$w/r1.bin" 1048576
	out=$w/out/replaced-twice-$variant
	fault_set "[$REPLACE2, $REPLACE3]"
	RCLONE_CONFIG_S3_ENDPOINT=$ep "$INITC" --no-verify s3://models/r "$out" 2>"$w/r2-$variant.log"
	expect_rc 6 $? "replaced twice ($variant): exit 6"
	expect_grep 'level=error.*r/model\.bin.*changed again' "$w/r2-$variant.log" \
		"replaced twice ($variant): the error names the key and says it changed again"
	check "replaced twice ($variant): nothing at the final name" test ! -e "$out/model.bin"
	fault_clear
done
expect_grep '"status": 412' "$S3GATE_LOG" "replaced mid-download: the server refused a stale If-Match (412)"

# an object with an MD5 ETag replaced by a multipart upload mid-download:
# the new ETag is no MD5, so the file is checked by size, not failed
s3env_put models r/model.bin "$w/r1.bin"
fault_set "[$REPLACE2]"
"$INITC" --no-verify s3://models/r "$w/out/to-multipart" 2>"$w/tm.log"
expect_rc 0 $? "single-part object replaced by a multipart one: exit 0"
check "single-part object replaced by a multipart one: the new bytes" cmp -s "$w/r2.bin" "$w/out/to-multipart/model.bin"
fault_clear

# a server that ignores Range and drops connections: the restarts from
# zero count as attempts, so the run ends (bounded by the retries)
s3env_put models r/model.bin "$w/r1.bin"
fault_set "[{\"method\": \"GET\", \"path\": \"/models/r/model\\\\.bin\", \"range\": false, \"action\": \"truncate\", \"after\": 100000, \"times\": 0},
	{\"method\": \"GET\", \"path\": \"/models/r/model\\\\.bin\", \"range\": true, \"action\": \"ignore_range\", \"times\": 0}]"
RCLONE_LOW_LEVEL_RETRIES=3 timeout 300 "$INITC" --no-verify s3://models/r "$w/out/no-ranges" 2>"$w/nr.log"
rc=$?
check "ranges ignored and bodies cut: the run ends with exit 5 or 6 (got $rc)" test "$rc" = 5 -o "$rc" = 6
check "ranges ignored and bodies cut: nothing at the final name" test ! -e "$w/out/no-ranges/model.bin"
check "ranges ignored and bodies cut: at most 3 attempts" test "$(grep -c 'msg=retrying' "$w/nr.log")" -le 3
fault_clear
unset RCLONE_MULTI_THREAD_CUTOFF RCLONE_MULTI_THREAD_STREAMS RCLONE_MULTI_THREAD_CHUNK_SIZE

# every GET failing while many objects wait: the files under way stay
# bounded (RCLONE_TRANSFERS), so a low descriptor limit is no exit 7
mkdir -p "$w/many"
for i in $(seq 1 120); do echo "$i" >"$w/many/f$i.txt"; done
s3env_put_tree models many "$w/many"
fault_set '[{"method": "GET", "path": "/models/many/f", "action": "status", "status": 503, "code": "SlowDown", "times": 0}]'
(ulimit -n 64 && RCLONE_LOW_LEVEL_RETRIES=3 exec "$INITC" --no-verify s3://models/many "$w/out/many") 2>"$w/many.log"
expect_rc 5 $? "120 objects all answered 503 under ulimit -n 64: the network's exit code, not 7"
fault_clear

# ---- 3. a symlink planted in DEST ------------------------------------------------
mkdir -p "$w/linksrc/sub" "$w/outside" "$w/out/planted"
echo x >"$w/linksrc/sub/x"
s3env_put_tree models l "$w/linksrc"
ln -s ../../outside "$w/out/planted/sub"
"$INITC" --no-verify s3://models/l "$w/out/planted" 2>"$w/l.log"
expect_rc 9 $? "planted symlink: refused"
expect_grep 'planted/sub is a symbolic link' "$w/l.log" "planted symlink: the message names it"
check "planted symlink: nothing written through it" test -z "$(ls -A "$w/outside")"

# an archive that lands in a subfolder is a file like any other: never
# unpacked, and a link planted where it was is refused on the rerun
mkdir -p "$w/victim" "$w/out/sub-archive"
echo precious >"$w/victim/model.tar.gz"
s3env_put models c/v1/model.tar.gz "$w/v1.tar.gz"
"$INITC" --no-verify s3://models/c "$w/out/sub-archive" 2>"$w/sa1.log"
expect_rc 0 $? "archive in a subfolder: downloaded as a file"
check "archive in a subfolder: kept packed, as listed" cmp -s "$w/v1.tar.gz" "$w/out/sub-archive/v1/model.tar.gz"
rm -rf "$w/out/sub-archive/v1" && ln -s ../../victim "$w/out/sub-archive/v1"
"$INITC" --no-verify s3://models/c "$w/out/sub-archive" 2>"$w/sa2.log"
expect_rc 9 $? "archive in a subfolder: a link planted in its place is refused"
check "archive in a subfolder: the file behind the link is untouched" \
	test "$(cat "$w/victim/model.tar.gz")" = precious

# keys named like initc's own files in DEST (its lock, its record, its
# temporary names) are refused: written, they would break the lock
mkdir -p "$w/own"
echo hello >"$w/own/.initc.lock"
echo m >"$w/own/model.bin"
s3env_put_tree models own "$w/own"
mkdir -p "$w/out/own" && : >"$w/out/own/.initc.lock"
ino=$(stat -c %i "$w/out/own/.initc.lock")
"$INITC" --no-verify s3://models/own "$w/out/own" 2>"$w/own.log"
expect_rc 9 $? "a key named .initc.lock: refused"
expect_grep 'initc keeps for itself' "$w/own.log" "a key named .initc.lock: the message says why"
check "a key named .initc.lock: the lock file is the same file" test "$(stat -c %i "$w/out/own/.initc.lock")" = "$ino"
check "a key named .initc.lock: nothing else was written" test ! -e "$w/out/own/model.bin"

# ---- 4. hostile listings ---------------------------------------------------------
LIST='"method": "GET", "path": "[?&]list-type=2"'
hostile() { # name want contents-json
	local out=$w/out/hostile-$1
	fault_set "[{$LIST, \"action\": \"add_listing\", \"contents\": $3, \"times\": 0}]"
	"$INITC" --no-verify s3://models/m "$out" 2>"$w/h-$1.log"
	expect_rc "$2" $? "hostile listing $1: exit $2"
	check "hostile listing $1: nothing written" \
		test -z "$(find "$out" -type f ! -name .initc.lock 2>/dev/null)"
	fault_clear
}
hostile outside-prefix 6 '[{"key": "zzzzzz/m/evil", "size": 5, "etag": "x"}]'
hostile shorter-than-prefix 6 '[{"key": "m", "size": 5, "etag": "x"}]'
hostile huge-sizes 6 '[{"key": "m/a", "size": 9223372036854775807, "etag": "x"}, {"key": "m/b", "size": 9223372036854775807, "etag": "x"}]'
hostile size-2-55 6 '[{"key": "m/zz", "size": 36028797018963968, "etag": "x"}]'
hostile file-and-folder 6 '[{"key": "m/model.bin/inner", "size": 5, "etag": "x"}]'
hostile folder-with-bytes 6 '[{"key": "m/x/", "size": 5, "etag": "x"}]'

# ---- 5. what --fix made goes stale with the file it names -----------------------
# XGBOOST_SERVER loads model.bst: --fix links it to MLflow's model.xgb. When
# model.xgb changes at the source, the rerun must not serve the old booster
# under the second name.
here_fix=$here/../fixtures/models/xgboost
mkdir -p "$w/xgb"
cp -r "$here_fix/." "$w/xgb/"
sed -i 's/xgb_version: 2.0.3/xgb_version: 1.4.2/' "$w/xgb/MLmodel"
"$INITC" --server XGBOOST_SERVER --fix "$w/xgb" "$w/out/fix" 2>"$w/fix1.log"
expect_rc 0 $? "--fix: model.bst made"
echo "another booster" >>"$w/xgb/model.xgb"
touch -d '2020-01-01' "$w/xgb/model.xgb"
"$INITC" --server XGBOOST_SERVER --fix "$w/xgb" "$w/out/fix" 2>"$w/fix2.log"
expect_rc 0 $? "--fix after model.xgb changed: exit 0"
check "--fix after model.xgb changed: model.bst holds the new bytes" cmp -s "$w/xgb/model.xgb" "$w/out/fix/model.bst"
echo "a third booster" >>"$w/xgb/model.xgb"
"$INITC" --server XGBOOST_SERVER "$w/xgb" "$w/out/fix" 2>"$w/fix3.log"
expect_rc 8 $? "without --fix after model.xgb changed: no stale model.bst makes it fit (exit 8)"
check "without --fix: the stale model.bst is gone" test ! -e "$w/out/fix/model.bst"

# a local file named like initc's own files is refused
echo "not a lock" >"$w/.initc.lock"
"$INITC" --no-verify "$w/.initc.lock" "$w/out/lockfile" 2>"$w/lockfile.log"
expect_rc 9 $? "a local file named .initc.lock: refused"

# ---- 6. a local source that is a link to a folder --------------------------------
mkdir -p "$w/pvc/v3/sub"
echo weights >"$w/pvc/v3/sub/w.bin"
echo m >"$w/pvc/v3/MLmodel"
ln -s v3 "$w/pvc/current"
"$INITC" --no-verify "$w/pvc/current" "$w/out/pvc" 2>"$w/pvc.log"
expect_rc 0 $? "local source through a link to a folder (/mnt/pvc/current -> v3)"
same_tree "$w/pvc/v3" "$w/out/pvc" "local source through a link: the folder's files"

# ---- every run above: no secret in any log, termination log or lock note ---------
leaks=$(grep -rlF -- "$S3_SECRET_KEY" "$w"/*.log "$w"/*.term "$INITC_TERMINATION_LOG" \
	$(find "$w/out" -name .initc.lock -o -name .initc.unpacked -o -name .initc.fixed) 2>/dev/null)
check "no run of this file printed the secret key (logs, termination logs, DEST's own files)" test -z "$leaks"
check "the logs checked for secrets are there" test "$(ls "$w"/*.log | wc -l)" -gt 30

assert_done
