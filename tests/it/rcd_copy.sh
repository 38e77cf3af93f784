#!/usr/bin/env bash
# initc rcd's sync/copy where a sidecar must hold: verification after the
# copy (INITC_SERVER on the sidecar), a remote type initc does not read,
# two copies into one dstFs at once, a sidecar killed (-9) mid-copy and
# restarted, and objects that change between the listing and the GET or
# while their parts download, through a gateway that honours If-Match and
# one that ignores it. The bytes in dstFs are always a whole object (old or
# new) or the call fails: never 200 with a splice. Events, not clocks: a
# temporary file appearing, a lock waited for, the gateway's replace fault.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
. "$here/../lib/fault.sh"
. "$here/../lib/rcd.sh"
. "$here/../lib/rcd_assert.sh"
INITC=${INITC:-$here/../../build/initc}

trap 'rcd_stop_all' EXIT # fault_start keeps this and adds its own
fault_start >/dev/null || exit 1
s3env_mkbucket models
w=$S3ENV_DIR/w
RCD_OUT=$w/answers
mkdir -p "$w" "$RCD_OUT"
no_if_match=$(s3env_start_gate no-if-match.log --no-if-match --faults "$FAULT_FILE") ||
	s3env_die "the --no-if-match gateway did not start"

remote_json() { # name endpoint
	printf '{"name":"%s","type":"s3","parameters":{"provider":"Minio","endpoint":"%s","access_key_id":"%s","secret_access_key":"%s","region":"us-east-1"},"opt":null}' \
		"$1" "$2" "$S3_ACCESS_KEY" "$S3_SECRET_KEY"
}
copy_json() { printf '{"srcFs":"%s","dstFs":"%s","createEmptySrcDirs":true}' "$1" "$2"; }

# nothing of initc's (lock, temporary file) left below DIR
clean_dst() { # dir description
	no_temp_files "$1" "$2: no temporary file left"
	check "$2: no .initc.lock left" test -z "$(find "$1" -name '.initc*' 2>/dev/null)"
}

# ---- 5. verification after the copy -------------------------------------------------
mkdir -p "$w/sk-ok" "$w/sk-xgb"
head -c 5000 /dev/urandom >"$w/sk-ok/model.joblib"
head -c 5000 /dev/urandom >"$w/sk-xgb/model.xgb"
s3env_put_tree models sk/ok "$w/sk-ok"
s3env_put_tree models sk/xgb "$w/sk-xgb"
rcd_start V "$w/v.log" env INITC_SERVER=mlserver-sklearn "$INITC" rcd --rc-no-auth --config="$w/v.conf" ||
	assert_done
v=$RCD_URL_V
expect_grep 'msg="serving the rclone rc API".* verify=mlserver-sklearn' "$w/v.log" "the sidecar says it verifies for mlserver-sklearn"
call v-s3 "$v" config/create "$(remote_json s3 "$S3_ENDPOINT")"
call v-ok "$v" sync/copy "$(copy_json s3:models/sk/ok "$w/v-ok")"
expect_status 200 v-ok "mlserver-sklearn: a folder with model.joblib copies"
same_tree "$w/sk-ok" "$w/v-ok" "mlserver-sklearn: the copy is the model"
call v-xgb "$v" sync/copy "$(copy_json s3:models/sk/xgb "$w/v-xgb")"
expect_status 500 v-xgb "mlserver-sklearn: a folder with only model.xgb fails the copy"
jcheck "the failure is one line naming the file the server wants (model.joblib)" v-xgb \
	'"\n" not in j["error"] and "model.joblib" in j["error"] and "mlserver-sklearn" in j["error"]'
check "the failed copy's destination is gone" test ! -e "$w/v-xgb"
expect_grep 'msg="copy failed" src=s3:models/sk/xgb .*reason=.*model\.joblib' "$w/v.log" \
	"the sidecar's log has the reason"
call v-noop "$v" rc/noop '{}'
expect_status 200 v-noop "the sidecar serves on after a failed verification"
expect_rc_lines "$w/v.log" "$v" "the verifying sidecar: one msg=rc line per call"
rcd_stop_all
# The templates' setting: INITC_SERVER=mlserver:1.7.1, a whole Core 2
# mlserver Server, the runtime chosen by each model's model-settings.json.
mkdir -p "$w/ms-ok" "$w/ms-bad"
printf '{"implementation": "mlserver_sklearn.SKLearnModel"}\n' >"$w/ms-ok/model-settings.json"
cp "$w/sk-ok/model.joblib" "$w/ms-ok/"
printf '{"implementation": "mlserver_xgboost.XGBoostModel", "parameters": {"uri": "./model.bst"}}\n' \
	>"$w/ms-bad/model-settings.json"
cp "$w/sk-ok/model.joblib" "$w/ms-bad/"
s3env_put_tree models ms/ok "$w/ms-ok"
s3env_put_tree models ms/bad "$w/ms-bad"
rcd_start M "$w/m.log" env INITC_SERVER=mlserver:1.7.1 "$INITC" rcd --rc-no-auth --config="$w/m.conf" ||
	assert_done
call m-s3 "$RCD_URL_M" config/create "$(remote_json s3 "$S3_ENDPOINT")"
call m-ok "$RCD_URL_M" sync/copy "$(copy_json s3://models/ms/ok "$w/m-ok")"
expect_status 200 m-ok "mlserver:1.7.1: an sklearn model with its model-settings.json copies"
same_tree "$w/ms-ok" "$w/m-ok" "mlserver:1.7.1: the copy is the model"
call m-bad "$RCD_URL_M" sync/copy "$(copy_json s3://models/ms/bad "$w/m-bad")"
expect_status 500 m-bad "mlserver:1.7.1: settings naming a model.bst that is not there fail the copy"
jcheck "the reason names the missing model.bst, on one line" m-bad \
	'"\n" not in j["error"] and "model.bst" in j["error"]'
check "that failed copy's destination is gone" test ! -e "$w/m-bad"
rcd_stop_all
for server in bogus:INITC_SERVER mlserver-sklern:'did you mean mlserver-sklearn'; do
	INITC_SERVER=${server%%:*} timeout 60 "$INITC" rcd --rc-no-auth --config="$w/v.conf" \
		--rc-addr=127.0.0.1:0 2>"$w/bad-server.log"
	expect_rc 2 $? "INITC_SERVER=${server%%:*}: rcd exits at start"
	expect_grep "unknown server name.*${server#*:}" "$w/bad-server.log" \
		"INITC_SERVER=${server%%:*}: the message names ${server#*:}"
done

# ---- 6. a remote type initc does not read ------------------------------------------
# Objects split in 1 MiB parts, 2 at a time, from here on: parts follow a change.
rcd_start C "$w/c.log" env RCLONE_MULTI_THREAD_CUTOFF=1Mi RCLONE_MULTI_THREAD_CHUNK_SIZE=1Mi \
	RCLONE_MULTI_THREAD_STREAMS=2 RCLONE_LOW_LEVEL_RETRIES=3 \
	"$INITC" rcd --rc-no-auth --config="$w/c.conf" || assert_done
c=$RCD_URL_C
call c-s3 "$c" config/create "$(remote_json s3 "$S3_ENDPOINT")"
call c-s3n "$c" config/create "$(remote_json s3n "$no_if_match")"
call mk-sftp "$c" config/create '{"name":"box","type":"sftp","parameters":{"host":"127.0.0.1","user":"u"},"opt":null}'
expect_status 200 mk-sftp "config/create type sftp is accepted (the agent exits otherwise)"
call copy-sftp "$c" sync/copy "$(copy_json box:models/m "$w/sftp-out")"
expect_status 500 copy-sftp "a copy from an sftp remote fails"
jcheck "the failure names the type" copy-sftp '"sftp" in j["error"]'
check "the failed copy made no destination" test ! -e "$w/sftp-out"

# ---- 7. two copies into one dstFs at once; a sidecar killed mid-copy -----------------
mkdir -p "$w/conc/sub"
head -c $((8 << 20)) /dev/urandom >"$w/conc/a.bin"
head -c $((3 << 20)) /dev/urandom >"$w/conc/b.bin"
echo text >"$w/conc/sub/c.txt"
s3env_put_tree models conc "$w/conc"
# The first part of a.bin at 300 kB/s: the first copy holds dstFs for
# seconds, and the second, sent once the first writes, must wait for it.
fault_set '[{"method": "GET", "path": "/models/conc/a\\.bin$", "range": "^bytes=0-", "action": "slow", "rate": 300000}]'
call same-1 "$c" sync/copy "$(copy_json s3:models/conc "$w/same")" &
first=$!
wait_for 'partial_in "$w/same"' "the first copy to write into dstFs"
call same-2 "$c" sync/copy "$(copy_json s3:models/conc "$w/same")" &
second=$!
wait "$first"
wait "$second"
fault_clear
st=$(rcd_status "$(cat "$RCD_OUT/same-1.out")")
expect_status 200 same-1 "two copies into one dstFs: the first"
st=$(rcd_status "$(cat "$RCD_OUT/same-2.out")")
expect_status 200 same-2 "two copies into one dstFs: the second"
expect_grep "waiting for another initc run on the same destination.*dest=$w/same" "$w/c.log" \
	"two copies into one dstFs: the second waited for the first (they overlapped)"
same_tree "$w/conc" "$w/same" "two copies into one dstFs: the source's tree, byte for byte"
clean_dst "$w/same" "two copies into one dstFs"

head -c $((24 << 20)) /dev/urandom >"$w/big.bin"
s3env_put models big/model.bin "$w/big.bin"
fault_set '[{"method": "GET", "path": "/models/big/model\\.bin$", "range": "^bytes=0-", "action": "stall", "after": 100000, "seconds": 600}]'
call kill-1 "$c" sync/copy "$(copy_json s3:models/big "$w/killed")" &
victim=$!
wait_for 'partial_in "$w/killed"' "the copy to write its temporary file"
kill -9 "$RCD_PID_C"
wait "${RCD_PIDS[-1]}" 2>/dev/null # timeout(1), gone with it; quietly
wait "$victim"
check "kill -9 mid-copy: no answer came" test "$(rcd_status "$(cat "$RCD_OUT/kill-1.out")")" = 000
check "kill -9 mid-copy: a temporary file is left, as after a crash" partial_in "$w/killed"
fault_clear
rcd_start C2 "$w/c2.log" env RCLONE_MULTI_THREAD_CUTOFF=1Mi RCLONE_MULTI_THREAD_CHUNK_SIZE=1Mi \
	RCLONE_MULTI_THREAD_STREAMS=2 RCLONE_LOW_LEVEL_RETRIES=3 \
	"$INITC" rcd --rc-no-auth --config="$w/c.conf" || assert_done
c=$RCD_URL_C2
call kill-2 "$c" sync/copy "$(copy_json s3:models/big "$w/killed")"
expect_status 200 kill-2 "restarted after kill -9 (same --config): the copy again"
check "restarted after kill -9: the object's bytes" cmp -s "$w/big.bin" "$w/killed/model.bin"
clean_dst "$w/killed" "restarted after kill -9"

# ---- 8. an object that changes during the copy ----------------------------------------
# outcome NAME DST OLD NEW WHAT: 200 with OLD or NEW whole, or a failure
# with nothing at the final name; the fault must have fired.
outcome() {
	local name=$1 file=$2/model.bin old=$3 new=$4 what=$5
	st=$(rcd_status "$(cat "$RCD_OUT/$name.out")")
	if [ "$st" = 200 ] && cmp -s "$new" "$file"; then
		pass "$what: 200 with the new object whole"
	elif [ "$st" = 200 ] && cmp -s "$old" "$file"; then
		pass "$what: 200 with the old object whole"
	elif [ "$st" = 200 ]; then
		flunk "$what: 200 with bytes of neither object (size $(stat -c %s "$file" 2>/dev/null))"
	elif [ "$st" = 500 ] && [ ! -e "$file" ]; then
		pass "$what: failed (500), nothing at the final name"
	else
		flunk "$what: status $st"; head -c 600 "$RCD_OUT/$name.out" | sed 's/^/    | /'
	fi
	clean_dst "$2" "$what"
}
head -c $((6 << 20)) /dev/urandom >"$w/r1.bin"
head -c $(((6 << 20) + 77)) /dev/urandom >"$w/r2.bin"
head -c $((5 << 20)) /dev/urandom >"$w/r3.bin"
head -c 300000 /dev/urandom >"$w/s1.bin"
head -c 400007 /dev/urandom >"$w/s2.bin"
OBJ='"method": "GET", "path": "/models/r/model\\.bin", "range": "^bytes=0-"'
LIST='"method": "GET", "path": "^/models/?\\?.*prefix=r", "key": "/models/r/model.bin"'
rep() { printf '{%s, "action": "replace", "file": "%s", "multipart": true, "part_size": 1048576, "times": 1}' "$1" "$2"; }
n=0
changing() { # what remote old new rules
	local name=change-$((++n)) log=$S3GATE_LOG before seen
	[ "$2" = s3n ] && log=$S3ENV_DIR/no-if-match.log
	s3env_put_multipart models r/model.bin "$3" 1048576
	before=$(grep -c '"fault": "replace"' "$log")
	seen=$(grep -c 'msg="object changed during the download' "$w/c2.log")
	fault_set "[$5]"
	call "$name" "$c" sync/copy "$(copy_json "$2:models/r" "$w/$name")"
	fault_clear
	outcome "$name" "$w/$name" "$3" "$4" "$1"
	check "$1: the gateway replaced the object" test "$(grep -c '"fault": "replace"' "$log")" -gt "$before"
	check "$1: the sidecar saw the change" \
		test "$(grep -c 'msg="object changed during the download' "$w/c2.log")" -gt "$seen"
}
for remote in s3 s3n; do
	via="via $remote ($([ $remote = s3 ] && echo If-Match honoured || echo If-Match ignored))"
	changing "replaced while its parts download, $via" $remote "$w/r1.bin" "$w/r2.bin" "$(rep "$OBJ" "$w/r2.bin")"
	changing "replaced twice while its parts download, $via" $remote "$w/r1.bin" "$w/r3.bin" \
		"$(rep "$OBJ" "$w/r2.bin"), $(rep "$OBJ" "$w/r3.bin")"
	changing "replaced between the listing and the GETs, $via" $remote "$w/r1.bin" "$w/r2.bin" \
		"$(rep "$LIST" "$w/r2.bin")"
	changing "one-GET object replaced between the listing and its GET, $via" $remote "$w/s1.bin" "$w/s2.bin" \
		"$(rep "$LIST" "$w/s2.bin")"
done
expect_rc_lines "$w/c2.log" "$c" "the restarted sidecar: one msg=rc line per call"
rcd_stop_all
assert_done
