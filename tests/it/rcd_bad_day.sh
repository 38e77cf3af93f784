#!/usr/bin/env bash
# initc rcd on a bad day, the paths an adversarial review found:
#   1. two copies from local folders at once (one thread each) give each
#      destination exactly its own source;
#   2. a copy that fails verification while another copy into the same
#      fresh dstFs waits for the lock: the waiting copy succeeds and keeps
#      its files, whichever of the two takes the lock first (the old code
#      removed the folder after letting go of the lock; that window cannot
#      be forced from outside, so this asserts the promise in both orders);
#   3. --config in a folder the sidecar cannot write (a Secret mounted
#      there): the API works on, from a private 0600 file, and the log
#      names it;
#   4. secrets of remote types initc does not read, secrets nested in a
#      refused parameter, and the password of an http(s) srcFs appear in
#      no answer and no log line; nor in the init container's error;
#   5. operations/purge refuses the root folder.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
. "$here/../lib/rcd.sh"
. "$here/../lib/rcd_assert.sh"
INITC=${INITC:-$here/../../build/initc}

trap 'rcd_stop_all; kill "$holder_pid" 2>/dev/null' EXIT
holder_pid=
s3env_start >/dev/null || exit 1
s3env_mkbucket models
w=$S3ENV_DIR/w
RCD_OUT=$w/answers
mkdir -p "$w" "$RCD_OUT"

copy_json() { printf '{"srcFs":"%s","dstFs":"%s","createEmptySrcDirs":true}' "$1" "$2"; }
remote_json() { # name endpoint
	printf '{"name":"%s","type":"s3","parameters":{"provider":"Minio","endpoint":"%s","access_key_id":"%s","secret_access_key":"%s","region":"us-east-1"},"opt":null}' \
		"$1" "$2" "$S3_ACCESS_KEY" "$S3_SECRET_KEY"
}
# lines_at_least FILE PATTERN N: FILE has N lines matching PATTERN (for wait_for)
lines_at_least() { [ "$(grep -c -e "$2" "$1" 2>/dev/null)" -ge "$3" ]; }

# ---- 1. local copies at once -----------------------------------------------------------
for side in a b; do
	mkdir -p "$w/local-$side/sub"
	for ((i = 0; i < 300; i++)); do
		printf '%s %d\n' "$side" "$i" >"$w/local-$side/sub/$side-$i.txt"
	done
done
rcd_start L "$w/l.log" "$INITC" rcd --rc-no-auth --config="$w/l.conf" || assert_done
for round in 1 2 3; do
	pids=()
	for side in a b; do
		rcd_call "$RCD_URL_L" sync/copy "$(copy_json "$w/local-$side" "$w/l$round-$side")" \
			>"$w/l$round-$side.answer" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	for side in a b; do
		check "round $round, local folder $side: 200" \
			test "$(rcd_status "$(cat "$w/l$round-$side.answer")")" = 200
		check "round $round, local folder $side: the copy is that folder, file for file" \
			diff -r "$w/local-$side" "$w/l$round-$side"
	done
done
rcd_stop_all

# ---- 2. a failed copy and a waiting one, one fresh dstFs -------------------------------
# good: an sklearn model with its settings; bad: settings naming a model.bst
# that is not there. Whichever runs second meets the other's files: good
# replaces the settings and passes, bad replaces them and fails.
mkdir -p "$w/good" "$w/bad"
head -c 5000 /dev/urandom >"$w/good/model.joblib"
printf '{"implementation": "mlserver_sklearn.SKLearnModel"}\n' >"$w/good/model-settings.json"
printf '{"implementation": "mlserver_xgboost.XGBoostModel", "parameters": {"uri": "./model.bst"}}\n' \
	>"$w/bad/model-settings.json"
s3env_put_tree models good "$w/good"
s3env_put_tree models bad "$w/bad"
rcd_start V "$w/v.log" env INITC_SERVER=mlserver:1.7.1 "$INITC" rcd --rc-no-auth --config="$w/v.conf" ||
	assert_done
call v-remote "$RCD_URL_V" config/create "$(remote_json s3 "$S3_ENDPOINT")"
expect_status 200 v-remote "the s3 remote is created"
for order in bad-first good-first; do
	dst=$w/shared-$order
	mkdir -p "$dst"
	# The test holds the lock first: both copies wait on it, then race.
	rm -f "$w/fifo-$order"
	mkfifo "$w/fifo-$order"
	exec 7<>"$w/fifo-$order"
	flock "$dst/.initc.lock" -c 'echo held; read -r _ <&7' >"$w/holder-$order" 2>&1 &
	holder_pid=$!
	wait_for 'lines_at_least "$w/holder-$order" held 1' "$order: the test holding the lock"
	before=$(grep -c "waiting for another initc run" "$w/v.log")
	first=${order%-first}
	if [ "$first" = bad ]; then second=good; else second=bad; fi
	rcd_call "$RCD_URL_V" sync/copy "$(copy_json "s3:models/$first" "$dst")" >"$w/$order-$first.answer" 2>&1 &
	p1=$!
	wait_for 'lines_at_least "$w/v.log" "waiting for another initc run" $((before + 1))' "$order: the first waiter"
	rcd_call "$RCD_URL_V" sync/copy "$(copy_json "s3:models/$second" "$dst")" >"$w/$order-$second.answer" 2>&1 &
	p2=$!
	wait_for 'lines_at_least "$w/v.log" "waiting for another initc run" $((before + 2))' "$order: the second waiter"
	echo go >&7 # release: the two copies race for the lock
	exec 7>&-
	wait "$holder_pid" "$p1" "$p2"
	check "$order: the good copy answers 200" \
		test "$(rcd_status "$(cat "$w/$order-good.answer")")" = 200
	check "$order: the bad copy answers 500" \
		test "$(rcd_status "$(cat "$w/$order-bad.answer")")" = 500
	check "$order: dstFs holds the good copy's model, whole" cmp "$w/good/model.joblib" "$dst/model.joblib"
	check "$order: nothing of initc's left in dstFs" \
		test -z "$(find "$dst" -name '.initc*' 2>/dev/null)"
done
rcd_stop_all

# ---- 3. a read-only config folder ------------------------------------------------------
ro=$w/ro
mkdir -p "$ro"
printf '[old]\ntype = s3\nprovider = Minio\nendpoint = %s\n\n' "$S3_ENDPOINT" >"$ro/rclone.conf"
cp "$ro/rclone.conf" "$w/ro-before.conf"
chmod 0555 "$ro"
mkdir -p "$w/tmp"
chmod 0777 "$w/tmp"
as_other=() ro_initc=$INITC
if [ "$(id -u)" = 0 ]; then # root writes a 0555 folder: run the sidecar as nobody
	as_other=(setpriv --reuid 65534 --regid 65534 --clear-groups)
	chmod 0755 "$w" "$S3ENV_DIR"
	ro_initc=$w/initc # where nobody can run it, whatever the checkout's folders allow
	cp "$INITC" "$ro_initc"
	chmod 0755 "$ro_initc"
fi
rcd_start R "$w/r.log" env TMPDIR="$w/tmp" "${as_other[@]}" "$ro_initc" rcd --rc-no-auth \
	--config="$ro/rclone.conf" || assert_done
call r-create "$RCD_URL_R" config/create \
	'{"name":"gs","type":"google cloud storage","parameters":{"anonymous":"true"},"opt":null}'
expect_status 200 r-create "read-only config folder: config/create answers 200, as rclone's"
call r-list "$RCD_URL_R" config/listremotes '{}'
jcheck "the remotes are the file's and the new one" r-list 'sorted(j["remotes"]) == ["gs", "old"]'
expect_grep 'config folder not writable.*temporary=' "$w/r.log" "the log says where the remotes are kept"
temp=$(sed -n 's/.*config folder not writable.* temporary="\{0,1\}\([^" ]*\).*/\1/p' "$w/r.log" | head -1)
check "that file is in TMPDIR, mode 0600" test "$(stat -c %a "$temp" 2>/dev/null)" = 600
check "the --config file is unchanged" cmp "$ro/rclone.conf" "$w/ro-before.conf"
rcd_stop_all
chmod 0755 "$ro"

# ---- 4. secrets ------------------------------------------------------------------------
rcd_start S "$w/s.log" "$INITC" rcd --rc-no-auth --config="$w/s.conf" || assert_done
call s-azure "$RCD_URL_S" config/create \
	'{"name":"az","type":"azureblob","parameters":{"account":"acct-Azure4417","key":"AzureKey-0x5eCr3t"},"opt":null}'
expect_status 200 s-azure "a remote of a type initc does not read is created"
call s-nested "$RCD_URL_S" config/create \
	'{"name":"x","type":"s3","parameters":{"provider":"Minio","sse":{"kms_key_id":"Nested-Kms-9911"}},"opt":null}'
expect_status 400 s-nested "a parameter that is an object is refused"
call s-azure-copy "$RCD_URL_S" sync/copy "$(copy_json az:container/model "$w/s-az")"
expect_status 500 s-azure-copy "a copy from it fails"
jcheck "naming the type" s-azure-copy '"azureblob" in j["error"]'
call s-http "$RCD_URL_S" sync/copy \
	"$(copy_json "https://modeluser:Http-Pa55word@127.0.0.1:9/models/m" "$w/s-http")"
check "an https srcFs with userinfo fails" test "$st" != 200
call s-update "$RCD_URL_S" config/update '{"name":"az","parameters":{"sas_url":"https://a.example/?sig=Sas-Sig-7781"}}'
expect_status 200 s-update "config/update of that remote"
rcd_stop_all
INITC_LOG_FORMAT=logfmt "$INITC" "https://modeluser:Http-Pa55word@127.0.0.1:9/models/m.bin" "$w/init-dest" \
	>"$w/init.out" 2>&1
check "the init container fails on that URL" test $? -ne 0
for secret in AzureKey-0x5eCr3t acct-Azure4417 Nested-Kms-9911 Http-Pa55word Sas-Sig-7781; do
	check "$secret is in no answer" sh -c "! grep -rqF -e '$secret' '$RCD_OUT'/s-*.out"
	check "$secret is in no log line" sh -c "! grep -qF -e '$secret' '$w/s.log' '$w/init.out'"
done
check "the sidecar's log still says true where it means true" \
	grep -q 'remote created.*name=az' "$w/s.log"

# ---- 5. purge of / ---------------------------------------------------------------------
rcd_start P "$w/p.log" "$INITC" rcd --rc-no-auth --config="$w/p.conf" || assert_done
call p-root "$RCD_URL_P" operations/purge '{"fs":"/","remote":""}'
expect_status 500 p-root "operations/purge of / is refused"
call p-root2 "$RCD_URL_P" operations/purge "{\"fs\":\"$w/..\",\"remote\":\"$(printf '../%.0s' 1 2 3 4 5 6 7 8)\"}"
check "a remote climbing out of fs is refused" test "$st" = 400 -o "$st" = 500
check "the folders are still there" test -d "$w/local-a" -a -d /usr/bin
rcd_stop_all
assert_done
