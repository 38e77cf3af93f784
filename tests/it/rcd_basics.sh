#!/usr/bin/env bash
# initc rcd, what only initc does and what a sidecar must survive (the
# agent's call sequence against Debian's rclone is rcd_diff.sh; copies
# that verify, race, crash or meet a changing object are rcd_copy.sh):
# the name rclone with the ServerConfig's exact arguments, its liveness
# probe and its refusals; remotes kept across a restart in a 0600 rclone
# INI file; secrets never in the log (debug level too), in an error's
# echoed input or in /proc/PID/cmdline, while config/get returns them as
# rclone does; basic auth and the 403 without --rc-no-auth; the paths it
# refuses; one msg=rc line per call.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
. "$here/../lib/rcd.sh"
. "$here/../lib/rcd_assert.sh"
INITC=$(realpath "${INITC:-$here/../../build/initc}")

trap 'rcd_stop_all' EXIT # s3env_start keeps this and adds its own
s3env_start >/dev/null
s3env_mkbucket models
w=$S3ENV_DIR/w
RCD_OUT=$w/answers
mkdir -p "$w/bin" "$w/cfg" "$RCD_OUT" "$w/src/sub"
ln -s "$INITC" "$w/bin/rclone"
RCLONE=$w/bin/rclone
echo model >"$w/src/model.joblib"
head -c 300000 /dev/urandom >"$w/src/sub/weights.bin"
s3env_put_tree models m "$w/src"

# run_for NAME CMD...: run a command that must exit (not serve), bounded
run_for() {
	local name=$1
	shift
	timeout 60 "$@" >"$w/$name.stdout" 2>"$w/$name.stderr"
}

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- 1. the name rclone ---------------------------------------------------------
# The ServerConfig's arguments in its order (rcd_start would add its own
# --rc-addr last).
: >"$w/r.log"
timeout 900 "$RCLONE" rcd --rc-no-auth --config="$w/cfg/r.conf" --rc-addr=127.0.0.1:0 \
	--max-buffer-memory=64M 2>"$w/r.log" &
RCD_PIDS+=($!)
wait_for '[ -n "$(rcd_port_in "$w/r.log")" ] || ! kill -0 '"$!" "rclone rcd to serve"
port=$(rcd_port_in "$w/r.log")
[ -n "$port" ] || { flunk "rclone rcd with the ServerConfig's arguments did not serve:"; cat "$w/r.log"; assert_done; }
pass "rclone rcd --rc-no-auth --config=F --rc-addr=127.0.0.1:0 --max-buffer-memory=64M serves"
r=http://127.0.0.1:$port
expect_grep 'msg="serving the rclone rc API".* no_auth=true max_buffer_memory=67108864' "$w/r.log" \
	"rcd: the flags are read (no auth, 64M of buffers)"

run_for noop "$RCLONE" rc --url "$r" rc/noop
expect_rc 0 $? "rclone rc --url URL rc/noop (the liveness probe)"
note_call "$r" rc/noop 200
run_for echo "$RCLONE" rc --url "$r/" rc/noop a=b 'c=d=e'
expect_rc 0 $? "rclone rc rc/noop with key=value parameters"
cp "$w/echo.stdout" "$RCD_OUT/echo.out"
jcheck "rc/noop echoes the key=value parameters" echo 'j == {"a": "b", "c": "d=e"}'
note_call "$r" rc/noop 200
run_for missing "$RCLONE" rc --url "$r" no/such/method
expect_rc 1 $? "rclone rc of an unknown method: exit 1, as rclone"
note_call "$r" no/such/method 404
expect_grep 'rc: the call failed.*command=no/such/method status=404' "$w/missing.stderr" \
	"rclone rc of an unknown method: the status is said"

dead=$(free_port)
run_for dead "$RCLONE" rc --url "http://127.0.0.1:$dead" rc/noop
expect_rc 5 $? "rclone rc where nothing listens"
expect_grep "cannot reach the rc server.*url=http://127.0.0.1:$dead/rc/noop.*give --url" "$w/dead.stderr" \
	"rclone rc where nothing listens: the message names the URL and what to do"

# usage errors: exit 2, naming what was wrong, never serving
refuse() { # name grep-pattern description cmd...
	local name=$1 pattern=$2 what=$3
	shift 3
	run_for "$name" "$@"
	expect_rc 2 $? "$what"
	expect_grep "$pattern" "$w/$name.stderr" "$what: the message names it"
}
refuse copy 'only serves and calls the rc API.*command=copy' "rclone copy a b" "$RCLONE" copy a b
refuse bogus 'unknown rcd option.*arg=--bogus' "rclone rcd --bogus" \
	"$RCLONE" rcd --rc-addr=127.0.0.1:0 --bogus
refuse extra 'rcd takes no arguments.*arg=extra-arg' "rclone rcd extra-arg" \
	"$RCLONE" rcd --rc-addr=127.0.0.1:0 extra-arg
refuse maxbuf 'max-buffer-memory is not a size.*arg=x' "initc rcd --max-buffer-memory=x" \
	"$INITC" rcd --rc-addr=127.0.0.1:0 --max-buffer-memory=x
refuse nopass 'both --rc-user and --rc-pass' "--rc-user without --rc-pass" \
	"$INITC" rcd --rc-addr=127.0.0.1:0 --rc-user=someone
run_for version "$RCLONE" version
expect_rc 0 $? "rclone version"
expect_grep '^initc [0-9]' "$w/version.stdout" "rclone version says it is initc (initc -V's lines)"

# ---- 2. a restart keeps the remotes -------------------------------------------------
conf=$w/cfg-a/a.conf # alone in its folder: nothing else may appear there
mkdir "$w/cfg-a"
rcd_start A "$w/a.log" env INITC_LOG_LEVEL=debug "$INITC" rcd --rc-no-auth --config="$conf" || assert_done
a=$RCD_URL_A
call mk-s3 "$a" config/create '{"name":"s3","type":"s3","parameters":{"provider":"Minio","endpoint":"'"$S3_ENDPOINT"'","access_key_id":"'"$S3_ACCESS_KEY"'","secret_access_key":"'"$S3_SECRET_KEY"'","region":"us-east-1"},"opt":null}'
expect_status 200 mk-s3 "config/create of an s3 remote"
call mk-gs "$a" config/create '{"name":"gs","type":"google cloud storage","parameters":{"anonymous":"true"},"opt":null}'
expect_status 200 mk-gs "config/create of the agent's default remote gs"
call up-gs "$a" config/update '{"name":"gs","parameters":{"bucket_policy_only":true},"opt":null}'
expect_status 200 up-gs "config/update of gs"
call mk-old "$a" config/create '{"name":"old","type":"s3","parameters":{}}'
call rm-old "$a" config/delete '{"name":"old"}'
expect_status 200 rm-old "config/delete of a stale remote"
rcd_stop_all # SIGTERM
expect_grep 'msg=stopping signal=15' "$w/a.log" "SIGTERM stops the server"
check "after SIGTERM the config file is mode 0600" test "$(stat -c %a "$conf")" = 600
check "no temporary file beside the config file" test "$(ls -A "$w/cfg-a")" = a.conf
if /usr/bin/python3 - "$conf" "$S3_ENDPOINT" "$S3_ACCESS_KEY" "$S3_SECRET_KEY" <<'EOF'; then
import configparser, sys
path, endpoint, akid, secret = sys.argv[1:]
c = configparser.ConfigParser(interpolation=None, delimiters=("=",))
c.optionxform = str
c.read(path, encoding="utf-8")
text = open(path, encoding="utf-8").read()
want = {
    "s3": {"type": "s3", "provider": "Minio", "endpoint": endpoint, "access_key_id": akid,
           "secret_access_key": secret, "region": "us-east-1"},
    "gs": {"type": "google cloud storage", "anonymous": "true", "bucket_policy_only": "true"},
}
got = {s: dict(c[s]) for s in c.sections()}
ok = got == want and "[s3]\ntype = s3\n" in text and "[gs]\ntype = google cloud storage\n" in text
if not ok:
    print(got, repr(text), file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
	pass "the config file is rclone's INI: [name], key = value, type first, what was created"
else
	flunk "the config file is not rclone's INI of the remotes created"
fi

rcd_start B "$w/b.log" env INITC_LOG_LEVEL=debug "$INITC" rcd --rc-no-auth --config="$conf" || assert_done
b=$RCD_URL_B
call get-s3 "$b" config/get '{"name":"s3"}'
expect_status 200 get-s3 "restarted: config/get s3"
jcheck "restarted: config/get s3 returns its parameters, the secret too (as rclone)" get-s3 \
	'j == {"type": "s3", "provider": "Minio", "endpoint": "'"$S3_ENDPOINT"'", "access_key_id": "'"$S3_ACCESS_KEY"'", "secret_access_key": "'"$S3_SECRET_KEY"'", "region": "us-east-1"}'
call get-gs "$b" config/get '{"name":"gs"}'
jcheck "restarted: config/get gs has the update" get-gs \
	'j == {"type": "google cloud storage", "anonymous": "true", "bucket_policy_only": "true"}'
call list "$b" config/listremotes '{}'
jcheck "restarted: listremotes returns gs and s3, not the deleted one" list 'sorted(j["remotes"]) == ["gs", "s3"]'
call copy-b "$b" sync/copy '{"srcFs":"s3:models/m","dstFs":"'"$w/out-b"'","createEmptySrcDirs":true}'
expect_status 200 copy-b "restarted: a copy from the kept remote"
same_tree "$w/src" "$w/out-b" "restarted: the copy is the source's tree"

mkdir "$w/a-dir"
refuse confdir "cannot read rclone config file $w/a-dir" "a config file that is a directory: exit 2 at start" \
	"$INITC" rcd --rc-no-auth --config="$w/a-dir" --rc-addr=127.0.0.1:0
if [ "$(id -u)" = 0 ]; then
	pass "# SKIP an unreadable config file: root reads any file (the directory case above stands for it)"
else
	printf '[x]\ntype = s3\n' >"$w/locked.conf" && chmod 000 "$w/locked.conf"
	refuse conflocked "$w/locked.conf" "a config file that cannot be read: exit 2 at start" \
		"$INITC" rcd --rc-no-auth --config="$w/locked.conf" --rc-addr=127.0.0.1:0
fi

# ---- 3. secrets ---------------------------------------------------------------------
# B runs at debug level. Secrets of a remote made over the API and of
# connection strings, in successful and failing calls.
api_secret=Api/SeCrEt+OfA+rEmOtE/0123456789abcdefXYZ
cs_bad=CoNn/StRiNg+SeCrEt/9876543210zyxwvuQRS
call mk-bad "$b" config/create '{"name":"wrongkey","type":"s3","parameters":{"provider":"Minio","endpoint":"'"$S3_ENDPOINT"'","access_key_id":"'"$S3_ACCESS_KEY"'","secret_access_key":"'"$api_secret"'"}}'
expect_status 200 mk-bad "config/create of a remote with another secret"
call get-bad "$b" config/get '{"name":"wrongkey"}'
jcheck "config/get returns the secret of a remote made over the API" get-bad \
	'j["secret_access_key"] == "'"$api_secret"'"'
call copy-bad "$b" sync/copy '{"srcFs":"wrongkey:models/m","dstFs":"'"$w/out-bad"'"}'
expect_status 500 copy-bad "a copy from a remote with a wrong secret fails"
cs_ok=":s3,provider=Minio,endpoint='$S3_ENDPOINT',access_key_id=$S3_ACCESS_KEY,secret_access_key='$S3_SECRET_KEY':models/m"
call copy-cs "$b" sync/copy '{"srcFs":"'"$cs_ok"'","dstFs":"'"$w/out-cs"'"}'
expect_status 200 copy-cs "a copy from a connection string with its secret inline"
cs_wrong=":s3,provider=Minio,endpoint='$S3_ENDPOINT',access_key_id=$S3_ACCESS_KEY,secret_access_key='$cs_bad':models/m"
call copy-cs-bad "$b" sync/copy '{"srcFs":"'"$cs_wrong"'","dstFs":"'"$w/out-cs-bad"'"}'
expect_status 500 copy-cs-bad "a copy from a connection string with a wrong secret fails"
jcheck "the failed copy's answer echoes its input" copy-cs-bad '"dstFs" in j["input"] and "srcFs" in j["input"]'
SECRET_WHAT="failed copy from a connection string, echoed input" \
	assert_no_secret_pieces "$RCD_OUT/copy-cs-bad.out" "$cs_bad"
call no-dst "$b" sync/copy '{"srcFs":"'"$cs_wrong"'"}'
expect_status 400 no-dst "sync/copy without dstFs"
SECRET_WHAT="sync/copy without dstFs, echoed input" \
	assert_no_secret_pieces "$RCD_OUT/no-dst.out" "$cs_bad"
# Refused creates and updates echo parameters that hold a secret: the
# refusal must not send it back (nor log it). A secret of its own per
# case: one registered by an earlier call would be redacted anyway.
refused_secrets=()
refused() { # name description path json-with-@SECRET@ want-status
	local secret="NeVeR/EcHoEd+$1/aAbBcCdDeEfF0123"
	refused_secrets+=("$secret")
	call "$1" "$b" "$3" "${4//@SECRET@/$secret}"
	expect_status "$5" "$1" "$2"
	SECRET_WHAT="$2, echoed input" assert_no_secret_pieces "$RCD_OUT/$1.out" "$secret"
}
refused cr-name "config/create with an invalid name (500, as rclone 1.60)" config/create \
	'{"name":"-bad","type":"s3","parameters":{"secret_access_key":"@SECRET@"}}' 500
refused cr-key "config/create with a bad option name before the secret" config/create \
	'{"name":"x","type":"s3","parameters":{"bad key":"v","secret_access_key":"@SECRET@"}}' 400
refused cr-value "config/create with a bad value after the secret" config/create \
	'{"name":"x","type":"s3","parameters":{"secret_access_key":"@SECRET@","z":"a\nb"}}' 400
refused cr-notype "config/create without a type" config/create \
	'{"name":"x","parameters":{"secret_access_key":"@SECRET@"}}' 400
refused up-missing "config/update of a remote that does not exist (500, as rclone 1.60)" config/update \
	'{"name":"nosuch","parameters":{"secret_access_key":"@SECRET@"}}' 500
refused up-name "config/update with an invalid name (500, as rclone 1.60)" config/update \
	'{"name":" bad","parameters":{"session_token":"@SECRET@"}}' 500
call list-after "$b" config/listremotes '{}'
jcheck "the refused creates and updates changed no remote" list-after \
	'sorted(j["remotes"]) == ["gs", "s3", "wrongkey"]'
SECRET_WHAT="rcd's log at debug level (API remote, connection strings, refused creates)" \
	assert_no_secret_pieces "$w/b.log" "$S3_SECRET_KEY" "$api_secret" "$cs_bad" "${refused_secrets[@]}"
SECRET_WHAT="rcd's log at debug level before the restart" \
	assert_no_secret_pieces "$w/a.log" "$S3_SECRET_KEY"
expect_grep 'level=debug' "$w/b.log" "the log was at debug level (the secrets check saw it)"

# ---- 9. paths it refuses ------------------------------------------------------------
call dst-remote "$b" sync/copy '{"srcFs":"s3:models/m","dstFs":"s3:models/elsewhere"}'
expect_status 400 dst-remote "dstFs given as a remote"
jcheck "dstFs given as a remote: the error says it is not a local folder" dst-remote \
	'"not a local folder" in j["error"] and j["status"] == 400 and j["path"] == "sync/copy"'
call purge-missing "$b" operations/purge '{"fs":"'"$w/no-such-dir"'","remote":""}'
expect_status 404 purge-missing "operations/purge of a missing directory"
call purge-up "$b" operations/purge '{"fs":"'"$w/out-b"'","remote":"../"}'
expect_status 400 purge-up "operations/purge of ../"
check "operations/purge of ../ removed nothing" test -f "$w/out-b/model.joblib" -a -d "$w/cfg-a"
call purge "$b" operations/purge '{"fs":"'"$w/out-b"'","remote":""}'
expect_status 200 purge "operations/purge of the copy"
check "operations/purge removed the copy" test ! -e "$w/out-b"
curl -sS -o /dev/null -w '%{http_code}' "$b/rc/noop" >"$w/get.status" 2>&1
check "a GET is refused with 404, as rclone 1.60 (it serves no files)" test "$(cat "$w/get.status")" = 404
note_call "$b" rc/noop 404

# ---- 4. auth ------------------------------------------------------------------------
rc_pass=Rc/PaSsWoRd+hIdDeN/InCmDlInE0123
rcd_start P "$w/p.log" "$INITC" rcd --config="$w/cfg/p.conf" --rc-user=agent --rc-pass="$rc_pass" || assert_done
p=$RCD_URL_P
cp "/proc/$RCD_PID_P/cmdline" "$w/p.cmdline"
check "the server's cmdline is readable" test -s "$w/p.cmdline"
SECRET_WHAT="--rc-pass" assert_no_secret_pieces "$w/p.cmdline" "$rc_pass"
for path in rc/noop config/listremotes; do
	f=${path//\//-}
	call "anon-$f" "$p" "$path" '{}'
	expect_status 401 "anon-$f" "--rc-user/--rc-pass: $path without credentials"
	call "wrong-$f" "$p" "$path" '{}' --user agent:wrong
	expect_status 401 "wrong-$f" "--rc-user/--rc-pass: $path with a wrong password"
	call "auth-$f" "$p" "$path" '{}' --user "agent:$rc_pass"
	expect_status 200 "auth-$f" "--rc-user/--rc-pass: $path with the credentials"
done
run_for rc-auth "$RCLONE" rc --url "$p" --user agent --pass "$rc_pass" config/listremotes
expect_rc 0 $? "rclone rc --user --pass against it"
note_call "$p" config/listremotes 200
SECRET_WHAT="the auth server's log" assert_no_secret_pieces "$w/p.log" "$rc_pass"

rcd_start N "$w/n.log" "$INITC" rcd --config="$w/cfg/n.conf" || assert_done
n=$RCD_URL_N
call n-get "$n" config/get '{"name":"s3"}'
expect_status 403 n-get "neither --rc-no-auth nor a user: config/get"
jcheck "the 403 says to set up auth or --rc-no-auth" n-get '"--rc-no-auth" in j["error"]'
call n-copy "$n" sync/copy '{"srcFs":"s3:models/m","dstFs":"'"$w/out-n"'"}'
expect_status 403 n-copy "neither --rc-no-auth nor a user: sync/copy"
check "the refused copy wrote nothing" test ! -e "$w/out-n"
call n-noop "$n" rc/noop '{}'
expect_status 200 n-noop "neither --rc-no-auth nor a user: rc/noop (the probe) still answers"

# ---- 10. the log --------------------------------------------------------------------
expect_rc_lines "$w/r.log" "$r" "rclone rcd: one msg=rc line per call, with path and status"
expect_rc_lines "$w/a.log" "$a" "rcd A: one msg=rc line per call, with path and status"
expect_rc_lines "$w/b.log" "$b" "rcd B (debug level): one msg=rc line per call, with path and status"
expect_rc_lines "$w/n.log" "$n" "rcd without auth: one msg=rc line per call, the 403s too"
expect_rc_lines "$w/p.log" "$p" "rcd with basic auth: one msg=rc line per call, the 401s too"
expect_grep "msg=\"download complete\" src=s3:models/m dest=$w/out-b files=2 skipped=0 bytes=300006 seconds=[0-9.]+ mbs=[0-9.]+" \
	"$w/b.log" "a copy logs its bytes, seconds and MB/s"
expect_grep "msg=\"copy done\" src=s3:models/m dst=$w/out-b seconds=[0-9.]+ exit_code=0" "$w/b.log" \
	"a copy logs its end"
expect_grep "msg=\"copy failed\" src=wrongkey:models/m dst=$w/out-bad seconds=[0-9.]+ exit_code=3 reason=" \
	"$w/b.log" "a failed copy logs its reason"
check "every log line is logfmt (time= level= prog= msg=)" \
	test -z "$(cat "$w"/[rabpn].log | grep -v '^time=[^ ]* level=[a-z]* prog=[a-z-]* msg=')"
rcd_stop_all
assert_done
