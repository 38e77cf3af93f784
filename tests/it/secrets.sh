#!/usr/bin/env bash
# secrets: every failure path initc has, run with known secret values at
# debug log level; no 8-byte piece of any may appear in stdout, stderr or
# the termination log (nor of their base64 form, for the SSE-C key).
# Secrets long (200 bytes) and short (10), in variables, config files and
# connection strings: quoted, unquoted, malformed, and over 1 KiB so the
# log cuts them. tests/it/secrets_argv.sh reads /proc/PID/cmdline.
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
head -c 2000000 /dev/urandom >"$w/src/model.bin"
printf 'flavors: {}\n' >"$w/src/MLmodel"
s3env_put_tree models m "$w/src"
TOKEN=SessTok-9f8e7d6c5b4a-known
SSE_KEY=SseCustKey-0123456789abcdefABCDE # 32 bytes
SSE_B64=$(printf '%s' "$SSE_KEY" | base64 -w0)
WRONG=WrongSecret-ZZtop-4242-known
LONG=$(head -c 300 /dev/urandom | base64 -w0 | tr -d '=' | head -c 200) # distinct each run
SHORT=sK3y$(head -c 30 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c 6)
# a secret with ':' (rclone's config accepts any byte), and one shaped
# like an option name, as MinIO's minio123 is
COLON=wJal:rXUtnFEMIK7MDENG/$(head -c 30 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c 12)
NAMELIKE=minio$(head -c 30 /dev/urandom | base64 -w0 | tr -dc 'a-z0-9' | head -c 6)
tok_ep=$(s3env_start_gate tok.log --session-token "other-token-$$") || exit 1
secrets=("$S3_SECRET_KEY" "$TOKEN" "$SSE_KEY" "$SSE_B64" "$WRONG" "$LONG" "$SHORT" "$COLON" "$NAMELIKE")

# Common environment: debug logs, a termination log, quick failures.
export INITC_LOG_LEVEL=debug INITC_TERMINATION_LOG=$w/term RCLONE_LOW_LEVEL_RETRIES=2 \
	RCLONE_CONTIMEOUT=2s RCLONE_TIMEOUT=2s
s3env_rclone_env S3 >/dev/null

n=0
# run WANT_RC NAME [VAR=VALUE...] -- INITC ARGS...
run() {
	local want=$1 name=$2 vars=() rc i
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
	shift
	n=$((n + 1))
	rm -f "$w/term"
	env "${vars[@]}" "$INITC" "$@" >"$w/$n.out" 2>"$w/$n.err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then pass "$name: exit $rc"; else
		flunk "$name: exit $rc, want $want"; sed 's/^/    | /' "$w/$n.err" | grep -v progress | tail -3; fi
	[ -s "$w/$n.err" ] || flunk "$name: printed nothing on stderr"
	cp "$w/term" "$w/$n.term" 2>/dev/null
	for i in out err term; do
		SECRET_WHAT=$name assert_no_secret_pieces "$w/$n.$i" "${secrets[@]}"
	done
}

src=s3://models/m
run 3 "wrong secret key" "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=$WRONG" -- --no-verify "$src" "$w/out/1"
run 4 "object not found" -- --no-verify s3://models/nope "$w/out/2"
run 5 "network: nothing listens" RCLONE_CONFIG_S3_ENDPOINT=http://127.0.0.1:1 -- --no-verify "$src" "$w/out/3"
fault_set '[{"method": "GET", "path": "/models/m/model", "action": "bad_range", "times": 0}]'
run 6 "integrity: wrong Content-Range" RCLONE_MULTI_THREAD_CUTOFF=1Mi -- --no-verify "$src" "$w/out/4"
fault_set '[{"method": "GET", "path": "/models/m/model", "action": "status", "status": 503, "times": 0}]'
run 5 "network: 503 SlowDown until retries run out" -- --no-verify "$src" "$w/out/5"
fault_clear
run 2 "config error next to the secrets" RCLONE_TRANSFERS=abc -- --no-verify "$src" "$w/out/6"
run 2 "typo in the secret's variable name" "RCLONE_CONFIG_S3_SECRET_ACCES_KEY=$WRONG" -- --no-verify "$src" "$w/out/7"
run 2 "only one of the keys" RCLONE_CONFIG_S3_ACCESS_KEY_ID= -- --no-verify "$src" "$w/out/8"
run 2 "bad endpoint next to the secrets" RCLONE_CONFIG_S3_ENDPOINT=ftp://x -- --no-verify "$src" "$w/out/9"
conn=":s3,provider=Minio,endpoint='$S3_ENDPOINT',access_key_id=$S3_ACCESS_KEY,secret_access_key=$WRONG:models/m"
run 3 "connection string with a wrong secret" -- --no-verify "$conn" "$w/out/10"
conn=":s3,provider=Minio,endpoint='http://127.0.0.1:1',access_key_id=$S3_ACCESS_KEY,secret_access_key=$S3_SECRET_KEY:models/m"
run 5 "connection string, network failure" -- --no-verify "$conn" "$w/out/11"
run 2 "connection string with a typo" -- --no-verify \
	":s3,provider=Minio,endpoint='http://127.0.0.1:1',secret_acess_key=$S3_SECRET_KEY:models/m" "$w/out/12"
run 2 "malformed connection string" -- --no-verify ":s3,secret_access_key='$S3_SECRET_KEY:models/m" "$w/out/13"
# An unquoted endpoint ends the parameters at its first ':': refused, and
# the message names the parameter, never a value.
for s in "$LONG" "$SHORT"; do
	conn=":s3,provider=Minio,endpoint=$S3_ENDPOINT,access_key_id=$S3_ACCESS_KEY,secret_access_key=$s"
	run 2 "unquoted endpoint, secret of ${#s} bytes" -- --no-verify "$conn:models/m" "$w/out/13b"
	grep -q 'parameter 2 (endpoint)' "$w/$n.err" || flunk "the refusal names endpoint: $(tail -1 "$w/$n.err")"
	run 2 "unquoted endpoint, quoted secret of ${#s} bytes" -- --no-verify \
		":s3,provider=Minio,endpoint=$S3_ENDPOINT,secret_access_key='$s',session_token=$TOKEN:models/m" \
		"$w/out/13c"
	run 2 "unquoted endpoint before SSE-C keys" -- --no-verify \
		":s3,endpoint=$S3_ENDPOINT,sse_customer_key=$SSE_KEY,sse_customer_key_base64=$SSE_B64,secret_access_key=$s:models/m" \
		"$w/out/13d"
	run 2 "unterminated quote, secret of ${#s} bytes" -- --no-verify \
		":s3,provider=Minio,secret_access_key=\"$s,endpoint='http://127.0.0.1:1':models/m" "$w/out/13e"
done
# An unquoted secret holding ':' before a clean-looking bucket path: the
# second ':' is the tell; refused, never sent as a bucket name.
run 2 "unquoted secret holding ':'" -- --no-verify \
	":s3,provider=Minio,endpoint='http://127.0.0.1:1',access_key_id=K,secret_access_key=$COLON:models/m" \
	"$w/out/13g"
expect_grep 'parameter 4 \(secret_access_key\) holds a' "$w/$n.err" "the refusal names the secret's parameter"
# Near misses that parse as local paths, or as no option at all: the
# values of secret options are registered wherever they stand.
for near in "::s3,provider=Minio,secret_access_key=$LONG:models/m" \
	" :s3,provider=Minio,secret_access_key=$LONG:models/m" \
	":s3;provider=Minio,secret_access_key=$LONG:models/m" \
	"my/remote,secret_access_key=$SHORT:b" "/mnt/models,Secret-Access-Key=$COLON"; do
	run 4 "near miss: ${near:0:24}..." -- --no-verify "$near" "$w/out/13n"
done
run 4 "check, near miss" -- check "::s3,provider=Minio,secret_access_key=$LONG:models/m"
run 2 "an unknown option holding a connection string" -- \
	--src=":s3,provider=Minio,secret_access_key=$LONG:models/m" "$w/out/13o"
expect_grep 'arg=--src ' "$w/$n.err" "the unknown option is named up to its '='"
run 2 "unknown short option in a cluster" -- -vé "$w/out/13p" "$w/out/13p"
expect_grep 'arg="?- followed by byte 0xc3' "$w/$n.err" "the bad letter is named, not argv[0]"
# A value pasted without its name, shaped like an option name: never
# echoed, neither in the refusal nor in the log of the URI.
run 2 "a name-shaped value without its name" -- --no-verify \
	":s3,provider=Minio,endpoint='$S3_ENDPOINT',access_key_id=$S3_ACCESS_KEY,$NAMELIKE:models/m" "$w/out/13q"
run 2 "a secret holding ',' before a name-shaped piece" -- --no-verify \
	":s3,provider=Minio,endpoint='$S3_ENDPOINT',access_key_id=$S3_ACCESS_KEY,secret_access_key=Xy12,$NAMELIKE:models/m" \
	"$w/out/13r"
# `initc check` reads a connection string without an endpoint (from the
# flag variable) as remote, as initc SRC DEST does, not as a directory.
n=$((n + 1))
RCLONE_S3_ENDPOINT=$S3_ENDPOINT "$INITC" check --json \
	":s3,provider=Minio,access_key_id=$S3_ACCESS_KEY,secret_access_key=$S3_SECRET_KEY:models/m" \
	>"$w/$n.out" 2>"$w/$n.err"
expect_rc 10 $? "check, connection string with no '://' in it: the model's MLmodel is judged"
expect_grep '"root":.*"path":"\."' "$w/$n.out" "check listed the remote model"
expect_no_grep 'not a directory' "$w/$n.err" "check did not take it for a directory"
for i in out err; do
	SECRET_WHAT="check, no '://'" assert_no_secret_pieces "$w/$n.$i" "${secrets[@]}"
done
# Over 1 KiB: the log cuts long values; the secret lies across the cut.
pad=$(head -c 2000 /dev/zero | tr '\0' d)
for at in 930 1000 1010 1020; do
	for s in "$LONG" "$SHORT"; do
		for ep in "'http://127.0.0.1:1'" http://127.0.0.1:1; do # quoted, then malformed
			head=":s3,provider=Minio,endpoint=$ep,access_key_id=K,description="
			conn="$head${pad:0:$((at - ${#head} - 19))},secret_access_key=$s:models/m"
			want=2
			[ "${ep:0:1}" = "'" ] && want=5
			run $want "${#conn}-byte connection string, endpoint $ep, secret at byte $at" -- \
				--no-verify "$conn" "$w/out/13f"
		done
	done
done
run 3 "connection string with a session token" -- --no-verify \
	":s3,provider=Minio,endpoint='$tok_ep',access_key_id=$S3_ACCESS_KEY,secret_access_key=$S3_SECRET_KEY,session_token=$TOKEN:models/m" \
	"$w/out/13h"
run 5 "connection string with SSE-C keys, network failure" -- --no-verify \
	":s3,provider=Minio,endpoint='http://127.0.0.1:1',access_key_id=K,sse_customer_key='$SSE_KEY',secret_access_key=$LONG:models/m" \
	"$w/out/13i"
run 5 "connection string with a base64 SSE-C key, network failure" -- --no-verify \
	":s3,provider=Minio,endpoint=\"http://127.0.0.1:1\",access_key_id=K,sse_customer_key_base64=$SSE_B64,secret_access_key=$SHORT:models/m" \
	"$w/out/13j"
run 3 "long secret, wrong" "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=$LONG" -- --no-verify "$src" "$w/out/13k"
run 3 "short secret, wrong" "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=$SHORT" -- --no-verify "$src" "$w/out/13l"
run 3 "check, connection string with a wrong secret" -- check --json \
	":s3,provider=Minio,endpoint='$S3_ENDPOINT',access_key_id=$S3_ACCESS_KEY,secret_access_key=$LONG:models/m"
run 2 "check, malformed connection string" -- check \
	":s3,provider=Minio,endpoint=$S3_ENDPOINT,secret_access_key=$SHORT:models/m"
run 10 "verification refuses the downloaded model" INITC_SERVER=SKLEARN_SERVER -- "$src" "$w/out/14"
kserve=(-u RCLONE_CONFIG_S3_TYPE "AWS_ENDPOINT_URL=$S3_ENDPOINT" "AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY")
run 3 "KServe variables, wrong secret" "${kserve[@]}" "AWS_SECRET_ACCESS_KEY=$WRONG" -- --no-verify "$src" "$w/out/15"
run 4 "KServe variables, not found" "${kserve[@]}" "AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY" -- --no-verify \
	s3://models/nope "$w/out/16"
# a secret without a key id is passed over, as botocore does: no credentials (exit 3)
run 3 "KServe variables, only the secret" -u RCLONE_CONFIG_S3_TYPE "AWS_ENDPOINT_URL=$S3_ENDPOINT" \
	"AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY" -- --no-verify "$src" "$w/out/17"
run 3 "session token refused" "RCLONE_CONFIG_S3_ENDPOINT=$tok_ep" "RCLONE_CONFIG_S3_SESSION_TOKEN=$TOKEN" -- \
	--no-verify "$src" "$w/out/18"
run 3 "KServe variables, long session token refused" "${kserve[@]/$S3_ENDPOINT/$tok_ep}" \
	"AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY" "AWS_SESSION_TOKEN=$LONG" -- --no-verify "$src" "$w/out/13m"
run 3 "KServe session token refused" "${kserve[@]/$S3_ENDPOINT/$tok_ep}" "AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY" \
	"AWS_SESSION_TOKEN=$TOKEN" -- --no-verify "$src" "$w/out/19"
run 5 "SSE-C key, network failure" RCLONE_CONFIG_S3_ENDPOINT=http://127.0.0.1:1 \
	"RCLONE_CONFIG_S3_SSE_CUSTOMER_KEY=$SSE_KEY" -- --no-verify "$src" "$w/out/20"
run 4 "SSE-C key (base64), not found" "RCLONE_CONFIG_S3_SSE_CUSTOMER_KEY_BASE64=$SSE_B64" -- --no-verify \
	s3://models/nope/x.bin "$w/out/21"
run 3 "SSE-C key with a wrong secret" "RCLONE_CONFIG_S3_SSE_CUSTOMER_KEY=$SSE_KEY" \
	"RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=$WRONG" -- --no-verify "$src" "$w/out/22"
cat >"$w/rclone.conf" <<CONF
[filed]
type = s3
provider = Minio
endpoint = $S3_ENDPOINT
access_key_id = $S3_ACCESS_KEY
secret_access_key = $WRONG
session_token = $TOKEN
CONF
run 3 "config file with a wrong secret and a token" "RCLONE_CONFIG=$w/rclone.conf" -- --no-verify \
	filed:models/m "$w/out/23"
printf '[filed]\ntype = s3\nsecret_acces_key = %s\n' "$WRONG" >"$w/typo.conf"
run 2 "config file with a typo" "RCLONE_CONFIG=$w/typo.conf" -- --no-verify filed:models/m "$w/out/24"
run 2 "usage error" -- "$S3_SECRET_KEY"

# local I/O, verification and unsafe-entry failures, and a secret read
# from a shared credentials file (env_auth)
printf 'x' >"$w/afile"
run 7 "local I/O: DEST below a regular file" -- --no-verify "$src" "$w/afile/dest"
s3env_put_tree models x "$here/../fixtures/models/xgboost"
run 8 "verification: model.xgb for XGBOOST_SERVER" INITC_SERVER=XGBOOST_SERVER -- s3://models/x "$w/out/26"
/usr/bin/python3 - "$w/evil.tar.gz" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    for name in ("MLmodel", "../escaped.txt"):
        data = b"flavors: {}\n"
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
PY
s3env_put models evil/model.tar.gz "$w/evil.tar.gz"
run 9 "unsafe: an archive entry leaving DEST" -- --no-verify s3://models/evil "$w/out/27"
check "the archive's ../ entry was not written outside DEST" test ! -e "$w/out/escaped.txt"
check "what was unpacked before the bad entry is gone; only the archive stays" \
	test "$(ls -A "$w/out/27" 2>/dev/null | grep -v "^\.initc\.lock$")" = model.tar.gz
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$S3_ACCESS_KEY" "$WRONG" \
	>"$w/credentials"
run 3 "env_auth: a wrong secret from the shared credentials file" RCLONE_CONFIG_S3_ACCESS_KEY_ID= \
	RCLONE_CONFIG_S3_SECRET_ACCESS_KEY= RCLONE_CONFIG_S3_ENV_AUTH=true \
	"AWS_SHARED_CREDENTIALS_FILE=$w/credentials" -- --no-verify "$src" "$w/out/28"
assert_done
