# shellcheck shell=bash
# The init image on an operator's bad day, run as Seldon Core v1 runs it
# (UID 8888, read-only root, the secret as variables, the volume at
# /mnt/models): a pod killed mid-download and restarted over the same
# volume, two pods on one volume at once, the object replaced while it
# downloads, a hostile listing. tests/it/data_safety.sh covers the same
# paths on the bare binary; here they cross real containers: separate
# mount and PID namespaces sharing one volume, each run as PID 1.
set -u
. "$(dirname "$0")/lib.sh"
. "$IMAGES_ROOT/tests/lib/s3env.sh"
. "$IMAGES_ROOT/tests/lib/fault.sh"

fault_start >/dev/null || exit 1
w=$S3ENV_DIR/bad-day
mkdir -p "$w/src"
head -c $((6 * 1024 * 1024)) /dev/urandom >"$w/src/model.bin"
printf 'flavors: {}\n' >"$w/src/MLmodel"
s3env_mkbucket models
s3env_put_tree models m "$w/src"
OBJ='"method": "GET", "path": "/models/m/model\\.bin"'

s3env_rclone_env S3 >"$w/secret.env"
# split model.bin into 1 MiB parts, two at a time: later parts follow
# whatever happened to the first ones
printf '%s\n' RCLONE_MULTI_THREAD_CUTOFF=1Mi RCLONE_MULTI_THREAD_CHUNK_SIZE=1Mi \
	RCLONE_MULTI_THREAD_STREAMS=2 >>"$w/secret.env"

pods=()
trap 'engine_rm "${pods[@]}"; s3env_stop; rm -rf "$FAULT_DIR"' EXIT

# start_pod NAME VOLUME: a detached init container; its exit code comes
# from `$ENGINE wait NAME`, its log from `$ENGINE logs NAME`.
start_pod() {
	pods+=("$1")
	# shellcheck disable=SC2086 # ENGINE_RUN is a command line
	$ENGINE_RUN -d --name "$1" "${SELDON_V1[@]}" --env-file "$w/secret.env" \
		-v "$2:/mnt/models" "$INIT_IMAGE" --no-verify s3://models/m /mnt/models >/dev/null
}
pod_rc() { $ENGINE wait "$1" 2>/dev/null | tail -n 1; }


id=initc-bad-day-$$

# --- a pod killed mid-download, restarted over the same volume ----------
v=$w/killed
engine_user_dir "$v"
fault_set "[{$OBJ, \"action\": \"slow\", \"rate\": 400000, \"times\": 0}]"
start_pod "$id-k1" "$v"
wait_for 'partial_in "$v"' "the killed pod's temporary file" &&
	$ENGINE kill -s KILL "$id-k1" >/dev/null 2>&1
pod_rc "$id-k1" >/dev/null
check "killed pod: model.bin is not at its final name" test ! -e "$v/model.bin"
fault_clear
start_pod "$id-k2" "$v"
rc=$(pod_rc "$id-k2")
expect_rc 0 "${rc:-1}" "killed pod: the restarted init container exits 0"
same_tree "$w/src" "$v" "killed pod: the volume holds exactly the model"
no_temp_files "$v" "killed pod: the dead run's temporary file was swept"

# --- two pods on one volume at once --------------------------------------
v=$w/shared
engine_user_dir "$v"
fault_set "[{$OBJ, \"action\": \"slow\", \"rate\": 2000000, \"times\": 0}]"
start_pod "$id-a" "$v"
wait_for 'partial_in "$v"' "the first pod to write"
start_pod "$id-b" "$v"
rc_a=$(pod_rc "$id-a") rc_b=$(pod_rc "$id-b")
fault_clear
expect_rc 0 "${rc_a:-1}" "two pods on one volume: the first exits 0"
expect_rc 0 "${rc_b:-1}" "two pods on one volume: the second exits 0"
$ENGINE logs "$id-b" >"$w/b.log" 2>&1
expect_grep 'waiting for another initc run' "$w/b.log" "two pods on one volume: the second waited for the first"
expect_grep 'download complete.* files=0 ' "$w/b.log" "two pods on one volume: the second transferred nothing"
same_tree "$w/src" "$v" "two pods on one volume: exactly the model"
no_temp_files "$v" "two pods on one volume: no temporary file left"

# --- the object replaced while it downloads ------------------------------
head -c $((6 * 1024 * 1024 + 77)) /dev/urandom >"$w/new.bin"
v=$w/replaced
engine_user_dir "$v"
fault_set "[{$OBJ, \"range\": \"^bytes=0-\", \"action\": \"replace\", \"file\": \"$w/new.bin\", \"multipart\": true, \"part_size\": 1048576, \"times\": 1}]"
start_pod "$id-r" "$v"
rc=$(pod_rc "$id-r")
fault_clear
expect_rc 0 "${rc:-1}" "object replaced mid-download: exit 0"
check "object replaced mid-download: model.bin is the new object, whole" cmp -s "$w/new.bin" "$v/model.bin"
no_temp_files "$v" "object replaced mid-download: no temporary file left"

# --- a hostile listing ----------------------------------------------------
v=$w/hostile
engine_user_dir "$v"
: >"$w/hostile.term"
chmod 0666 "$w/hostile.term"
fault_set '[{"method": "GET", "path": "[?&]list-type=2", "action": "add_listing", "contents": [{"key": "zzzzzz/m/evil", "size": 5, "etag": "x"}], "times": 0}]'
# shellcheck disable=SC2086
$ENGINE_RUN --rm "${SELDON_V1[@]}" --env-file "$w/secret.env" -v "$v:/mnt/models" \
	-v "$w/hostile.term:/dev/termination-log" "$INIT_IMAGE" --no-verify s3://models/m /mnt/models \
	>/dev/null 2>"$w/hostile.log"
expect_rc 6 $? "hostile listing (a key outside the prefix): refused"
fault_clear
check "hostile listing: nothing written to the volume" test -z "$(find "$v" -type f ! -name .initc.lock)"
check "hostile listing: the termination log holds one line" test "$(grep -c '' "$w/hostile.term")" = 1
expect_grep 'zzzzzz/m/evil' "$w/hostile.term" "hostile listing: the reason names the key"

# --- no secret in anything the pods printed ------------------------------
for p in "${pods[@]}"; do $ENGINE logs "$p" 2>&1; done >"$w/all.log"
cat "$w/hostile.log" "$w/hostile.term" >>"$w/all.log"
expect_no_grep "$S3_SECRET_KEY" "$w/all.log" "no secret key in any pod's log or termination log"
assert_done
