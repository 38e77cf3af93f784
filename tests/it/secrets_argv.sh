#!/usr/bin/env bash
# secrets_argv: secrets given on the command line (in connection strings)
# are overwritten in initc's argv once read, as curl does, so
# /proc/PID/cmdline of a running initc holds no 8-byte piece of any while
# the rest stays readable. initc is held mid-listing by gateways that
# stall their answer; the command line is read when the gateway logs the
# stall (an event, not a sleep), then initc is stopped.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
. "$here/../lib/fault.sh"
INITC=${INITC:-$here/../../build/initc}

fault_start >/dev/null || exit 1
s3env_mkbucket models
w=$S3ENV_DIR/w
mkdir -p "$w/src" "$w/out"
head -c 100000 /dev/urandom >"$w/src/model.bin"
printf 'flavors: {}\n' >"$w/src/MLmodel"
s3env_put_tree models m "$w/src"

LONG=$(head -c 300 /dev/urandom | base64 -w0 | tr -d '=' | head -c 200) # distinct each run
SHORT=sK3y$(head -c 30 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c 6)
TOKEN=ArgvTok-$(head -c 60 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c 40)
SSE_KEY=ArgvSseKey-0123456789abcdefABCDE # 32 bytes
SSE_B64=$(printf '%s' "$SSE_KEY" | base64 -w0)
secrets=("$LONG" "$SHORT" "$TOKEN" "$SSE_KEY" "$SSE_B64")
# Gateways that accept the long secret, and the short one with a session
# token; both read the stall rule below.
long_ep=$(S3_SECRET_KEY=$LONG s3env_start_gate long.log --faults "$FAULT_FILE") || exit 1
short_ep=$(S3_SECRET_KEY=$SHORT s3env_start_gate short.log --faults "$FAULT_FILE" \
	--session-token "$TOKEN") || exit 1
fault_set '[{"method": "GET", "path": "list-type", "action": "stall", "after": 0,
	"seconds": 300, "times": 0}]'
export INITC_LOG_LEVEL=debug INITC_TERMINATION_LOG=$w/term

stalls() { grep -c '"fault": "stall"' "$1" 2>/dev/null; }

n=0
# held NAME GATEWAY_LOG -- INITC ARGS...: run initc until that gateway
# stalls its listing, keep a copy of /proc/PID/cmdline, stop initc; then
# no piece of a secret may be in the command line, stdout, stderr or the
# termination log, and the command line still names the bucket.
held() {
	local name=$1 log=$2 before pid
	shift 3
	n=$((n + 1))
	rm -f "$w/term"
	before=$(stalls "$log")
	"$INITC" "$@" >"$w/$n.out" 2>"$w/$n.err" &
	pid=$!
	wait_for "[ \$(stalls '$log') -gt $before ] || ! kill -0 $pid 2>/dev/null" \
		"$name: the gateway stalls the listing"
	cp "/proc/$pid/cmdline" "$w/$n.cmdline" 2>/dev/null
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	cp "$w/term" "$w/$n.term" 2>/dev/null
	if [ -s "$w/$n.cmdline" ]; then pass "$name: read the command line of the running initc"; else
		flunk "$name: initc was not running when its command line was read"
		sed 's/^/    | /' "$w/$n.err" | tail -3
	fi
	for f in cmdline out err term; do
		SECRET_WHAT=$name assert_no_secret_pieces "$w/$n.$f" "${secrets[@]}"
	done
	tr '\0' ' ' <"$w/$n.cmdline" >"$w/$n.cmdline.txt"
	expect_grep ':models/[^ ]* .*out|check.*:models/' "$w/$n.cmdline.txt" \
		"$name: the rest of the command line is readable"
	expect_grep 'secret_access_key=.?\*{8}' "$w/$n.cmdline.txt" \
		"$name: the secret's bytes are overwritten in place"
}

ak=$S3_ACCESS_KEY
held "long secret, unquoted" "$S3ENV_DIR/long.log" -- --no-verify \
	":s3,provider=Minio,endpoint='$long_ep',access_key_id=$ak,secret_access_key=$LONG:models/m" "$w/out/1"
held "short secret quoted, session token and SSE-C key" "$S3ENV_DIR/short.log" -- --no-verify \
	":s3,provider=Minio,endpoint='$short_ep',access_key_id=$ak,secret_access_key='$SHORT',session_token=\"$TOKEN\",sse_customer_key=$SSE_KEY:models/m" \
	"$w/out/2"
# The second pair is not read yet when the first one stalls: its
# secrets are overwritten all the same.
held "two pairs, base64 SSE-C key in the second" "$S3ENV_DIR/long.log" -- --no-verify \
	":s3,provider=Minio,endpoint='$long_ep',access_key_id=$ak,secret_access_key=$LONG:models/m" "$w/out/3" \
	":s3,provider=Minio,endpoint='$short_ep',access_key_id=$ak,secret_access_key=$SHORT,session_token=$TOKEN,sse_customer_key_base64=$SSE_B64:models/m" \
	"$w/out/4"
export RCLONE_CONFIG_MINIO_TYPE=s3 RCLONE_CONFIG_MINIO_PROVIDER=Minio \
	RCLONE_CONFIG_MINIO_ENDPOINT=$short_ep RCLONE_CONFIG_MINIO_ACCESS_KEY_ID=$ak
held "remote with options overridden" "$S3ENV_DIR/short.log" -- --no-verify \
	"minio,secret_access_key=$SHORT,session-token=$TOKEN:models/m" "$w/out/5"
# The list ends at its ':': the path after it, ',' and '=' included, is
# no secret and stays as written.
held "a path holding ',' and '='" "$S3ENV_DIR/long.log" -- --no-verify \
	":s3,provider=Minio,endpoint='$long_ep',access_key_id=$ak,secret_access_key=$LONG:models/grid,lr=0.001/run,final/model" \
	"$w/out/6"
expect_grep ':models/grid,lr=0\.001/run,final/model ' "$w/$n.cmdline.txt" "the path is not overwritten"
held "initc check" "$S3ENV_DIR/long.log" -- check --json \
	":s3,provider=Minio,endpoint='$long_ep',access_key_id=$ak,secret_access_key=$LONG:models/m"
assert_done
