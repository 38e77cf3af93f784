#!/usr/bin/env bash
# aws_creds: the AWS credential chain (env, web identity, shared files,
# container, IMDSv2) against loopback stand-ins of STS, the container
# endpoint and IMDS (tests/lib/aws_standins.py), with botocore's resolver
# (tests/lib/aws_creds_oracle.py) as the oracle: the same environment must
# give the same provider and the same access key, STS must receive the
# same parameters from both, and the keys must download the model through
# a gateway that accepts only the keys the stand-ins issued. Then
# precedence, failures, the refresh of keys about to expire, and no secret
# (nor any 8-byte piece of one) in any output.
#
# Run as root, the test moves into a network namespace of its own so the
# container endpoint's fixed address 169.254.170.2 can be served on its
# loopback (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI); elsewhere that one
# case is skipped.
set -u
if [ -z "${INITC_TEST_NETNS:-}" ] && [ "$(id -u)" = 0 ] && unshare --net true 2>/dev/null; then
	INITC_TEST_NETNS=1 exec unshare --net bash "$0" "$@"
fi
netns=0
if [ -n "${INITC_TEST_NETNS:-}" ] && ip link set lo up && ip addr add 169.254.170.2/32 dev lo; then
	netns=1
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
INITC=${INITC:-$here/../../build/initc}
PY=/usr/bin/python3

s3env_start || exit 1
s3env_mkbucket models
w=$S3ENV_DIR/w
mkdir -p "$w/src" "$w/runs" "$w/home/.aws" "$w/r"
head -c 300000 /dev/urandom >"$w/src/model.bin"
printf 'flavors: {}\n' >"$w/src/MLmodel"
s3env_put_tree models m "$w/src"
head -c 200000 /dev/urandom >"$w/r/a.bin"
head -c 200000 /dev/urandom >"$w/r/b.bin"
s3env_put_tree models r "$w/r"

# The gateway initc talks to: only the gate's own key and the keys the
# stand-ins issue (appended to $KEYS), which it re-reads as they come.
KEYS=$S3ENV_DIR/keys.jsonl
FAULTS=$S3ENV_DIR/faults.json
: >"$KEYS"
echo '[]' >"$FAULTS"
GLOG=$S3ENV_DIR/gate.log
gate=$(s3env_start_gate "$GLOG" --keys-file "$KEYS" --faults "$FAULTS") || exit 1

# Distinctive secrets: none may appear, nor any 8-byte piece of one.
rand() { $PY -c "import secrets,sys; print(sys.argv[1] + secrets.token_urlsafe(int(sys.argv[2])))" "$1" "$2"; }
WEB_TOKEN=$(rand eyJ 600)
BAD_TOKEN=$(rand eyJ 300)
CONTAINER_TOKEN=$(rand pi 90)
printf '%s' "$WEB_TOKEN" >"$w/token"
printf '%s' "$BAD_TOKEN" >"$w/bad-token"
printf '%s' "$CONTAINER_TOKEN" >"$w/container-token"
ROLE=arn:aws:iam::111122223333:role/models-reader
closed=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# standin NAME [options]: start a stand-in, print its URL.
standin() {
	local name=$1 pid port i
	shift
	timeout "$S3ENV_MAX_SECONDS" $PY "$here/../lib/aws_standins.py" --port-file "$w/$name.port" \
		--log "$w/$name.log" --keys-file "$KEYS" --token-file "$w/token" \
		--container-token-file "$w/container-token" --role-arn "$ROLE" \
		--max-seconds "$S3ENV_MAX_SECONDS" --watch-pid $$ "$@" \
		>"$w/$name.out" 2>"$w/$name.err" </dev/null &
	pid=$!
	disown "$pid" 2>/dev/null
	_s3env_track "$pid"
	for ((i = 0; i < 300; i++)); do
		[ -s "$w/$name.port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	port=$(cat "$w/$name.port" 2>/dev/null) || { cat "$w/$name.err" >&2; return 1; }
	printf 'http://127.0.0.1:%s\n' "$port"
}
std=$(standin std --imds-role models-node-role) || exit 1
noroll=$(standin norole --imds-role '') || exit 1

base=(PATH="$PATH" HOME="$w/home" INITC_LOG_LEVEL=debug INITC_TERMINATION_LOG="$w/term"
	RCLONE_LOW_LEVEL_RETRIES=2 RCLONE_CONTIMEOUT=2s
	AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$closed")
kserve=(AWS_ENDPOINT_URL="$gate" AWS_REGION=us-east-1)
webid=(AWS_WEB_IDENTITY_TOKEN_FILE="$w/token" AWS_ROLE_ARN="$ROLE" AWS_ENDPOINT_URL_STS="$std")

# oracle VAR=VALUE...: botocore's answer, as one JSON line.
oracle() { env -i "${base[@]}" "$@" $PY "$here/../lib/aws_creds_oracle.py" 2>/dev/null; }
json() { $PY -c "import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ''))" "$1" "$2"; }

# initc_run NAME VAR=VALUE... -- ARGS: run initc; $w/runs/NAME.{out,err,term}, rc in $rc.
n=0
initc_run() {
	local name=$1 vars=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
	shift
	rm -f "$w/term"
	env -i "${base[@]}" "${vars[@]}" "$INITC" "$@" >"$w/runs/$name.out" 2>"$w/runs/$name.err"
	rc=$?
	cp "$w/term" "$w/runs/$name.term" 2>/dev/null || : >"$w/runs/$name.term"
}

# akids MARK PATH-REGEX: access key ids of the gate's requests since MARK.
akids() {
	tail -n +"$(($1 + 1))" "$GLOG" | $PY -c '
import json, re, sys
for line in sys.stdin:
    e = json.loads(line)
    if re.search(sys.argv[1], e["path"]):
        print(e.get("akid", "-"), e.get("status", "-"))' "$2"
}
mark() { wc -l <"$1"; }

# key_digests AKID: {"secret_sha256", "token_sha256"} of the key pair with
# that access key id (issued by a stand-in, or the gate's own), as the
# oracle prints them.
key_digests() {
	$PY - "$KEYS" "$1" "$S3_ACCESS_KEY" "$S3_SECRET_KEY" <<'PY'
import hashlib, json, sys
keys, akid, own_ak, own_sk = sys.argv[1:]
d = lambda v: hashlib.sha256(v.encode()).hexdigest() if v else ""
rows = [json.loads(l) for l in open(keys)]
k = next((r for r in reversed(rows) if r["access_key"] == akid), None)
if k is None and akid == own_ak:
    k = {"secret_key": own_sk, "session_token": None}
print(json.dumps({"secret_sha256": d(k["secret_key"]), "token_sha256": d(k["session_token"])}
                 if k else {}, sort_keys=True))
PY
}

# expect_provider NAME PROVIDER METHOD VARS... : botocore and initc agree,
# and initc's download through the gate is byte for byte the model. The
# same key pair: botocore's access key id on every request initc signed,
# botocore's secret key and token (compared as digests with the pair the
# stand-in issued) and every one of initc's requests accepted by the gate,
# which verifies the signature with that secret and the token.
# With EXPECT_FROM=standin the verdict is the stand-in's instead of
# botocore's (a setting botocore 1.29 lacks): the key it issued to the
# one request whose Authorization matched.
expect_provider() {
	local name=$1 provider=$2 method=$3 got ak gm sm used statuses want_d got_d
	shift 3
	gm=$(mark "$GLOG")
	local slog=${STANDIN_LOG:-$w/std.log}
	sm=$(mark "$slog")
	if [ "${EXPECT_FROM:-botocore}" = botocore ]; then
		got=$(oracle "$@")
		ak=$(json "$got" access_key)
		if [ "$(json "$got" method)" = "$method" ] && [ -n "$ak" ]; then
			pass "$name: botocore resolves $method"
		else
			flunk "$name: botocore says $got, want method $method"
		fi
		want_d=$(key_digests "$ak")
		got_d=$($PY -c 'import json,sys; d=json.loads(sys.argv[1]); print(json.dumps({k: d.get(k) for k in ("secret_sha256", "token_sha256")}, sort_keys=True))' "$got")
		check "$name: botocore's secret key and session token are the issued pair's (digests)" \
			test "$want_d" = "$got_d"
	fi
	initc_run "$name" "$@" -- --no-verify s3://models/m "$w/out/$name"
	expect_rc 0 "$rc" "$name: initc downloads"
	if [ "${EXPECT_FROM:-botocore}" = standin ]; then
		ak=$(tail -n +"$((sm + 1))" "$slog" | $PY -c '
import json, sys
hits = [e for e in map(json.loads, sys.stdin) if e["service"] == "container"]
ok = [e["issued"] for e in hits if (e.get("authorization") or {}).get("matches") and "issued" in e]
print(ok[0] if len(hits) == 1 and len(ok) == 1 else "none")')
		check "$name: the stand-in got one request, with the right Authorization, and issued $ak" \
			test "$ak" != none
	fi
	expect_grep "msg=\"AWS credentials\" provider=\"?$provider\"? method=$method " \
		"$w/runs/$name.err" "$name: initc logs provider $provider ($method)"
	used=$(akids "$gm" '^/models' | awk '{print $1}' | sort -u | tr '\n' ' ')
	statuses=$(akids "$gm" '^/models' | awk '{print $2}' | sort -u | tr '\n' ' ')
	if [ "$used" = "$ak " ]; then pass "$name: every request signed with the expected key ($ak)"; else
		flunk "$name: requests signed with '$used', the expected key is '$ak'"; fi
	check "$name: the gate accepted every request (signature by the same secret, the same token): $statuses" \
		eval '[[ "$statuses" =~ ^(2[0-9][0-9] )+$ ]]'
	check "$name: the files are the model, byte for byte" \
		cmp -s "$w/src/model.bin" "$w/out/$name/model.bin"
}

# sts_params MARK: the STS requests' parameters since MARK, one JSON line
# each (RoleSessionName generated by a client shown as its form).
sts_params() {
	tail -n +"$(($1 + 1))" "$w/std.log" | $PY -c '
import json, re, sys
for line in sys.stdin:
    e = json.loads(line)
    if e["service"] != "sts":
        continue
    p = e["params"]
    p["RoleSessionName"] = re.sub(r"^(botocore|initc)-session-\d+$", "<generated>", p.get("RoleSessionName", ""))
    print(json.dumps({"method": e["method"], "content_type": e["content_type"], "signed": e["signed"], "params": p}, sort_keys=True))'
}

# same_sts_request NAME VARS...: botocore's STS request and initc's carry
# the same parameters (the token: same length, and the one expected).
same_sts_request() {
	local name=$1 sm
	shift
	sm=$(mark "$w/std.log")
	expect_provider "$name" "web identity" assume-role-with-web-identity "$@"
	mapfile -t reqs < <(sts_params "$sm")
	if [ "${#reqs[@]}" -eq 2 ] && [ "${reqs[0]}" = "${reqs[1]}" ] &&
		grep -q '"matches": true' <<<"${reqs[0]}" && grep -q '"signed": false' <<<"${reqs[0]}"; then
		pass "$name: initc's STS request has botocore's method, parameters and token, unsigned"
	else
		flunk "$name: STS requests differ:"; printf '    | %s\n' "${reqs[@]}"
	fi
}

# ---- each provider --------------------------------------------------------
expect_provider env env env "${kserve[@]}" AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" \
	AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
same_sts_request web-identity "${kserve[@]}" "${webid[@]}" AWS_ROLE_SESSION_NAME=initc-test-session
same_sts_request web-identity-generated-session "${kserve[@]}" "${webid[@]}"
same_sts_request web-identity-empty-session-name "${kserve[@]}" "${webid[@]}" AWS_ROLE_SESSION_NAME=
rclone_env=(RCLONE_CONFIG_S3_TYPE=s3 RCLONE_CONFIG_S3_PROVIDER=Minio RCLONE_CONFIG_S3_ENV_AUTH=true
	RCLONE_CONFIG_S3_ENDPOINT="$gate" AWS_REGION=us-east-1)
same_sts_request web-identity-rclone-env-auth "${rclone_env[@]}" "${webid[@]}"
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$S3_ACCESS_KEY" \
	"$S3_SECRET_KEY" >"$w/home/.aws/credentials"
expect_provider shared-credentials "shared files" shared-credentials-file "${kserve[@]}"
printf '[profile cfg]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$S3_ACCESS_KEY" \
	"$S3_SECRET_KEY" >"$w/home/.aws/config"
expect_provider shared-config "shared files" config-file "${kserve[@]}" AWS_PROFILE=cfg
printf '[profile irsa]\nrole_arn = %s\nweb_identity_token_file = %s\n' "$ROLE" "$w/token" \
	>"$w/home/.aws/config"
same_sts_request web-identity-profile "${kserve[@]}" AWS_PROFILE=irsa AWS_ENDPOINT_URL_STS="$std"
rm -f "$w/home/.aws/credentials" "$w/home/.aws/config"
full=(AWS_CONTAINER_CREDENTIALS_FULL_URI="$std/container/v1/credentials")
# AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE is newer than botocore 1.29 (it
# came with EKS Pod Identity, November 2023): the stand-in judges.
EXPECT_FROM=standin expect_provider container-full-uri container container-role "${kserve[@]}" \
	"${full[@]}" AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$w/container-token"
expect_provider container-token-variable container container-role "${kserve[@]}" "${full[@]}" \
	AWS_CONTAINER_AUTHORIZATION_TOKEN="$CONTAINER_TOKEN"
EXPECT_FROM=standin expect_provider container-token-file-wins container container-role "${kserve[@]}" "${full[@]}" \
	AWS_CONTAINER_AUTHORIZATION_TOKEN="$BAD_TOKEN" AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$w/container-token"
if [ "$netns" = 1 ]; then
	# the fixed address, port 80, only inside this test's network namespace
	timeout "$S3ENV_MAX_SECONDS" $PY "$here/../lib/aws_standins.py" --bind 169.254.170.2 --port 80 \
		--port-file "$w/rel.port" --log "$w/rel.log" --keys-file "$KEYS" \
		--container-token-file "$w/container-token" --max-seconds "$S3ENV_MAX_SECONDS" \
		--watch-pid $$ >/dev/null 2>&1 </dev/null &
	_s3env_track $!
	wait_for '[ -s "$w/rel.port" ]' "the stand-in on 169.254.170.2:80 started"
	: >>"$w/rel.log"
	EXPECT_FROM=standin STANDIN_LOG="$w/rel.log" expect_provider container-relative-uri container \
		container-role "${kserve[@]}" \
		AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/pod \
		AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$w/container-token"
	check "container-relative-uri: the request went to 169.254.170.2 with the token" \
		grep -q '"path": "/v2/credentials/pod".*"matches": true\|"matches": true.*"path": "/v2/credentials/pod"' "$w/rel.log"
else
	pass "container-relative-uri # SKIP needs root for a network namespace holding 169.254.170.2"
fi
imds=(AWS_EC2_METADATA_SERVICE_ENDPOINT="$std")
expect_provider imds IMDS iam-role "${kserve[@]}" "${imds[@]}"
check "imds: every metadata GET carried the session token (IMDSv2)" \
	$PY -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1])]; g=[x for x in e if x["service"]=="imds" and x["method"]=="GET"]; sys.exit(not g or not all(x["token"] for x in g) or not any(x["method"]=="PUT" and x["ttl"]=="21600" for x in e))' "$w/std.log"

# ---- precedence -----------------------------------------------------------
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$S3_ACCESS_KEY" \
	"$S3_SECRET_KEY" >"$w/home/.aws/credentials"
expect_provider env-beats-web-identity env env "${kserve[@]}" "${webid[@]}" \
	AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
expect_provider web-identity-beats-shared-files "web identity" assume-role-with-web-identity \
	"${kserve[@]}" "${webid[@]}"
expect_provider shared-files-beat-container "shared files" shared-credentials-file "${kserve[@]}" \
	"${full[@]}" AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$w/container-token"
rm -f "$w/home/.aws/credentials"
expect_provider container-beats-imds container container-role "${kserve[@]}" "${full[@]}" \
	AWS_CONTAINER_AUTHORIZATION_TOKEN="$CONTAINER_TOKEN" "${imds[@]}"
got=$(oracle "${kserve[@]}" "${imds[@]}" AWS_EC2_METADATA_DISABLED=true)
initc_run imds-disabled "${kserve[@]}" "${imds[@]}" AWS_EC2_METADATA_DISABLED=true -- \
	--no-verify s3://models/m "$w/out/imds-disabled"
if [ "$rc" = 3 ] && [ "$(json "$got" error)" = NoCredentials ] &&
	grep -q 'IMDS: AWS_EC2_METADATA_DISABLED=true' "$w/runs/imds-disabled.err"; then
	pass "AWS_EC2_METADATA_DISABLED=true: neither botocore nor initc asks IMDS (exit 3)"
else
	flunk "AWS_EC2_METADATA_DISABLED=true: initc exit $rc, botocore $got"
fi

# ---- failures ---------------------------------------------------------------
# expect_failure NAME RC REGEX VARS...: initc fails with RC, one error line
# matching REGEX, and nothing in DEST.
expect_failure() {
	local name=$1 want=$2 regex=$3 start
	shift 3
	start=$(date +%s%N)
	initc_run "$name" "$@" -- --no-verify s3://models/m "$w/out/$name"
	elapsed_ms=$((($(date +%s%N) - start) / 1000000))
	if [ "$rc" = "$want" ] && grep -Eq "level=error .*$regex" "$w/runs/$name.err" &&
		grep -Eq "$regex" "$w/runs/$name.term"; then
		pass "$name: exit $want, the error and the termination log say what was wrong"
	else
		flunk "$name: exit $rc (want $want), error:"; grep level=error "$w/runs/$name.err" | sed 's/^/    | /'
	fi
	check "$name: nothing written in DEST" test -z "$(find "$w/out/$name" -type f ! -name '.initc*' 2>/dev/null)"
}
expect_failure bad-token 3 'InvalidIdentityToken' "${kserve[@]}" "${webid[@]}" \
	AWS_WEB_IDENTITY_TOKEN_FILE="$w/bad-token"
check "bad-token: botocore fails too" test "$(json "$(oracle "${kserve[@]}" "${webid[@]}" \
	AWS_WEB_IDENTITY_TOKEN_FILE="$w/bad-token")" error)" != ""
expect_failure unreadable-token-file 3 'cannot read AWS_WEB_IDENTITY_TOKEN_FILE=.*/nonexistent' \
	"${kserve[@]}" "${webid[@]}" AWS_WEB_IDENTITY_TOKEN_FILE="$w/nonexistent"
expect_failure token-file-is-a-directory 3 'cannot read AWS_WEB_IDENTITY_TOKEN_FILE=.*: Is a directory' \
	"${kserve[@]}" "${webid[@]}" AWS_WEB_IDENTITY_TOKEN_FILE="$w/home"
expect_failure token-file-without-role 2 'AWS_ROLE_ARN' "${kserve[@]}" \
	AWS_WEB_IDENTITY_TOKEN_FILE="$w/token"
expect_failure container-disallowed-host 2 'AWS_CONTAINER_CREDENTIALS_FULL_URI=http://10.1.2.3/creds.*169.254.170.2' \
	"${kserve[@]}" AWS_CONTAINER_CREDENTIALS_FULL_URI=http://10.1.2.3/creds
expect_failure container-wrong-token 3 'container: GET .* HTTP 401' "${kserve[@]}" "${full[@]}" \
	AWS_CONTAINER_AUTHORIZATION_TOKEN="$BAD_TOKEN"
expect_failure imds-no-role 3 'IMDS: no IAM role attached' "${kserve[@]}" \
	AWS_EC2_METADATA_SERVICE_ENDPOINT="$noroll"
expect_failure nothing-at-all 3 'no AWS credentials found \(env: AWS_ACCESS_KEY_ID unset; web identity: AWS_WEB_IDENTITY_TOKEN_FILE unset; shared files: no \[default\] in [^;]*; container: no AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI; IMDS: PUT http://127.0.0.1:[0-9]+/latest/api/token: [^)]*\)' \
	"${kserve[@]}"
if [ "$elapsed_ms" -lt 5000 ]; then pass "nothing-at-all: failed in ${elapsed_ms} ms (IMDS refused at once)"; else
	flunk "nothing-at-all: took ${elapsed_ms} ms"; fi
printf '[profile proc]\ncredential_process = /bin/false\n[profile sso]\nsso_session = corp\nsso_account_id = 1\n[sso-session corp]\nsso_region = eu-west-1\n' \
	>"$w/home/.aws/config"
expect_failure credential-process-refused 2 'profile proc in .*uses an external credential process \(credential_process\)' \
	"${kserve[@]}" AWS_PROFILE=proc
expect_failure sso-refused 2 'profile sso in .*uses AWS IAM Identity Center \(SSO\) \(sso_' \
	"${kserve[@]}" AWS_PROFILE=sso
rm -f "$w/home/.aws/config"

# STS throttling is retried as any request is (400 Throttling, then keys).
url=$(standin throttled --plan sts=Throttling,3600) || exit 1
initc_run throttled "${kserve[@]}" "${webid[@]}" AWS_ENDPOINT_URL_STS="$url" -- --no-verify \
	s3://models/m "$w/out/throttled"
expect_rc 0 "$rc" "throttled: initc downloads after STS throttled it once"
check "throttled: STS was asked twice, and initc logged the retry" eval \
	'[ "$(grep -c "\"service\": \"sts\"" "$w/throttled.log")" = 2 ] && grep -q "level=warn .*msg=retrying .*Throttling" "$w/runs/throttled.err"'

# ---- refresh ------------------------------------------------------------------
# The first keys expire 905 s after STS issued them: 5 s after they enter
# initc's 900 s refresh window. The gate holds its answer for a.bin until
# the key that signed it is 1 s inside the window; b.bin is signed next
# (RCLONE_TRANSFERS=1), so initc must refresh first.
refresh_case() { # name, sts plan, want: refreshed|kept
	local name=$1 plan=$2 want=$3 url gm sm first second calls
	url=$(standin "$name" --plan "sts=$plan") || return 1
	printf '[{"action": "hold", "path": "^/models/r/a.bin", "within": 899, "times": 1}]\n' >"$FAULTS"
	gm=$(mark "$GLOG")
	initc_run "$name" "${kserve[@]}" "${webid[@]}" AWS_ENDPOINT_URL_STS="$url" RCLONE_TRANSFERS=1 -- \
		--no-verify s3://models/r "$w/out/$name"
	echo '[]' >"$FAULTS"
	expect_rc 0 "$rc" "$name: initc downloads"
	check "$name: both files byte for byte" eval 'cmp -s "$w/r/a.bin" "$w/out/$name/a.bin" && cmp -s "$w/r/b.bin" "$w/out/$name/b.bin"'
	first=$(akids "$gm" '^/models/r/a.bin' | awk '{print $1}')
	second=$(akids "$gm" '^/models/r/b.bin' | awk '{print $1}')
	calls=$(grep -c '"service": "sts"' "$w/$name.log")
	mapfile -t issued < <($PY -c 'import json,sys; [print(json.loads(l)["issued"]) for l in open(sys.argv[1]) if "issued" in json.loads(l)]' "$w/$name.log")
	check "$name: STS was called twice" test "$calls" = 2
	check "$name: a.bin was signed with the first keys" test "$first" = "${issued[0]:-none}"
	if [ "$want" = refreshed ]; then
		check "$name: b.bin was signed with the refreshed keys" test "$second" = "${issued[1]:-none}"
		expect_grep 'msg="AWS credentials refreshed" provider="web identity"' "$w/runs/$name.err" \
			"$name: initc logs the refresh"
		# once initc signed with the refreshed keys, it never went back to the old ones
		local order
		order=$(akids "$gm" '^/models' | awk '{print $1}' | uniq | tr '\n' ' ')
		check "$name: the old keys were never used after the refreshed ones (order: $order)" \
			test "$order" = "$first $second "
	else
		check "$name: b.bin was still signed with the first keys" test "$second" = "$first"
		expect_grep 'level=warn .*msg="refreshing the AWS credentials failed: keeping the current ones" provider="web identity"' \
			"$w/runs/$name.err" "$name: initc warns and keeps the keys"
	fi
}
refresh_case refresh 905,3600 refreshed
refresh_case refresh-fails 905,AccessDenied kept

# Keys that expire 62 s after issue, and STS refusing every refresh: they
# are used while more than a minute is left (the warning), then initc
# stops rather than sign with keys about to expire. The gate holds a.bin
# until 59 s are left.
url=$(standin expiring --plan sts=62,AccessDenied) || exit 1
printf '[{"action": "hold", "path": "^/models/r/a.bin", "within": 59, "times": 1}]\n' >"$FAULTS"
gm=$(mark "$GLOG")
initc_run expiring "${kserve[@]}" "${webid[@]}" AWS_ENDPOINT_URL_STS="$url" RCLONE_TRANSFERS=1 -- \
	--no-verify s3://models/r "$w/out/expiring"
echo '[]' >"$FAULTS"
expect_rc 3 "$rc" "expiring: keys that could not be refreshed before their last minute end the run"
expect_grep 'level=error .*the AWS credentials from web identity expire at [0-9T:-]+Z and could not be refreshed: .*AccessDenied' \
	"$w/runs/expiring.err" "expiring: the error names the provider, the expiry and STS's refusal"
check "expiring: b.bin was never requested (nothing signed with keys in their last minute)" \
	test -z "$(akids "$gm" '^/models/r/b.bin')"
check "expiring: a.bin, complete, is there; b.bin is not" \
	eval 'cmp -s "$w/r/a.bin" "$w/out/expiring/a.bin" && test ! -e "$w/out/expiring/b.bin"'
check "expiring: STS was asked at the start, in the window, and in the last minute" \
	test "$(grep -c '"service": "sts"' "$w/expiring.log")" = 3

# Which path an s3:// URI without a remote s3 takes: region and profile
# variables alone never select KServe's; IRSA's variables do only when no
# rclone remote is defined, so a misnamed remote gets the precise message.
expect_failure misnamed-remote 2 'remote ..?s3..? is not defined.*remotes defined in the environment: MINIO' \
	RCLONE_CONFIG_MINIO_TYPE=s3 RCLONE_CONFIG_MINIO_ENDPOINT="$gate" AWS_REGION=us-east-1 \
	"${webid[@]}"
expect_failure region-alone 2 'remote ..?s3..? is not defined' AWS_REGION=eu-west-1 AWS_PROFILE=default
check "region-alone: not taken for KServe's credential chain" \
	eval '! grep -q "no AWS credentials found" "$w/runs/region-alone.err"'

# Configured keys go into headers as they are: a control character is
# refused (exit 2) naming where it was set, before any request.
gm=$(mark "$GLOG")
expect_failure token-crlf 2 'AWS_SESSION_TOKEN holds a control character' "${kserve[@]}" \
	AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" \
	AWS_SESSION_TOKEN=$'tok\r\nX-Injected: yes\r\nX-More: 1'
expect_failure secret-newline 2 'secret_access_key of remote s3 \(RCLONE_CONFIG_S3_SECRET_ACCESS_KEY\) ends with a line break: .*kubectl create secret --from-file' \
	RCLONE_CONFIG_S3_TYPE=s3 RCLONE_CONFIG_S3_PROVIDER=Minio RCLONE_CONFIG_S3_ENDPOINT="$gate" \
	RCLONE_CONFIG_S3_ACCESS_KEY_ID="$S3_ACCESS_KEY" RCLONE_CONFIG_S3_SECRET_ACCESS_KEY="$S3_SECRET_KEY"$'\n'
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = a\033b\n' \
	"$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$w/home/.aws/credentials"
expect_failure file-token-escape 2 'aws_session_token of profile default in .*/credentials holds a control character' \
	"${kserve[@]}"
rm -f "$w/home/.aws/credentials"
check "control characters: no request reached the store" test -z "$(tail -n +"$((gm + 1))" "$GLOG")"

# The STS endpoint by region and AWS_STS_REGIONAL_ENDPOINTS, botocore
# 1.29's as the oracle (create_client('sts').meta.endpoint_url). Unset,
# initc is regional, the current SDKs' default: compared with botocore's
# "regional" (1.29 itself still defaulted to legacy). The token file is
# missing, so initc stops after choosing the endpoint (logged at debug).
sts_regions=(us-east-1 eu-west-1 ap-east-1 cn-north-1 us-iso-east-1 us-isob-east-1 us-gov-west-1
	ap-northeast-1 me-south-1 us-west-2)
mapfile -t sts_oracle < <(env -i HOME="$w/home" $PY -c '
import os, sys, botocore.session
for mode in ("regional", "legacy"):
    os.environ["AWS_STS_REGIONAL_ENDPOINTS"] = mode
    for r in sys.argv[1:]:
        c = botocore.session.get_session().create_client("sts", region_name=r,
            aws_access_key_id="a", aws_secret_access_key="b")
        print(mode, r, c.meta.endpoint_url.rstrip("/") + "/")' "${sts_regions[@]}")
# sts_endpoint_of MODE REGION: the endpoint initc chose ("unset": no variable).
sts_endpoint_of() {
	env -i "${base[@]}" AWS_ENDPOINT_URL="$gate" AWS_REGION="$2" AWS_ROLE_ARN="$ROLE" \
		AWS_WEB_IDENTITY_TOKEN_FILE="$w/nonexistent" \
		$([ "$1" = unset ] || echo AWS_STS_REGIONAL_ENDPOINTS="$1") \
		"$INITC" --no-verify s3://models/m "$w/out/sts-endpoint" >/dev/null 2>"$w/sts-endpoint.err"
	sed -n 's/.*msg="STS endpoint" url=\([^ ]*\).*/\1/p' "$w/sts-endpoint.err"
}
sts_bad=()
for line in "${sts_oracle[@]}"; do
	read -r mode region want <<<"$line"
	got=$(sts_endpoint_of "$mode" "$region")
	[ "$got" = "$want" ] || sts_bad+=("$mode $region: initc $got, botocore $want")
	if [ "$mode" = regional ]; then
		got=$(sts_endpoint_of unset "$region")
		[ "$got" = "$want" ] || sts_bad+=("unset $region: initc $got, botocore regional $want")
	fi
done
if [ "${#sts_oracle[@]}" -eq $((2 * ${#sts_regions[@]})) ] && [ "${#sts_bad[@]}" -eq 0 ]; then
	pass "STS endpoint: initc chose botocore's for ${#sts_regions[@]} regions x (regional, legacy, unset as regional)"
else
	flunk "STS endpoint: ${#sts_oracle[@]} oracle answers; differences: ${sts_bad[*]}"
fi
expect_failure sts-endpoints-bogus 2 'AWS_STS_REGIONAL_ENDPOINTS=Legacy: use regional or legacy' \
	AWS_ENDPOINT_URL="$gate" AWS_REGION=eu-west-1 "${webid[@]}" AWS_ENDPOINT_URL_STS= \
	AWS_STS_REGIONAL_ENDPOINTS=Legacy
check "sts-endpoints-bogus: botocore refuses the value too" test "$(env -i HOME="$w/home" \
	AWS_STS_REGIONAL_ENDPOINTS=Legacy $PY -c '
import botocore.session
try:
    botocore.session.get_session().create_client("sts", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b")
    print("accepted")
except Exception as e:
    print(type(e).__name__)')" = InvalidSTSRegionalEndpointsConfigError

# The store refusing keys from the chain: the hint names the identity
# whose policy to check, not the keys of an rclone secret.
printf '[{"action": "status", "status": 403, "code": "AccessDenied", "path": "^/models", "times": 0}]\n' >"$FAULTS"
expect_failure role-refused-by-store 3 'HTTP 403 AccessDenied.*the store refused the keys of the role arn:aws:iam::111122223333:role/models-reader assumed through web identity: check that the IAM policy' \
	"${kserve[@]}" "${webid[@]}"
echo '[]' >"$FAULTS"
check "role-refused-by-store: no hint about RCLONE_CONFIG_ keys" \
	eval '! grep -q "RCLONE_CONFIG_<REMOTE>_ACCESS_KEY_ID" "$w/runs/role-refused-by-store.err"'

# ---- botocore's finer points, botocore as the oracle --------------------------
# A secret alone (or with an empty key id) is passed over: web identity answers.
expect_provider secret-alone-then-web-identity "web identity" assume-role-with-web-identity \
	"${kserve[@]}" "${webid[@]}" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
expect_provider empty-key-id-then-web-identity "web identity" assume-role-with-web-identity \
	"${kserve[@]}" "${webid[@]}" AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
# A key id alone: botocore's PartialCredentialsError, initc's exit 2.
expect_failure key-id-alone 2 'AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not' \
	"${kserve[@]}" "${webid[@]}" AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY"
check "key-id-alone: botocore refuses it too (PartialCredentialsError)" test "$(json "$(oracle \
	"${kserve[@]}" "${webid[@]}" AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY")" error)" = PartialCredentialsError
# A profile named but nowhere, with IRSA set: botocore's ProfileNotFound, exit 2.
expect_failure profile-not-found-with-irsa 2 'profile nowhere \(AWS_PROFILE, or the remote.s profile\) is in neither' \
	"${kserve[@]}" "${webid[@]}" AWS_PROFILE=nowhere
check "profile-not-found-with-irsa: botocore says ProfileNotFound" test "$(json "$(oracle \
	"${kserve[@]}" "${webid[@]}" AWS_PROFILE=nowhere)" error)" = ProfileNotFound
# The token's precedence: AWS_SECURITY_TOKEN before AWS_SESSION_TOKEN, and
# aws_security_token before aws_session_token in the credentials file
# (a pair the stand-in issued, so the gate checks the token).
read -r pair_ak pair_sk pair_tok < <($PY -c 'import json,sys; k=json.loads(open(sys.argv[1]).readline()); print(k["access_key"], k["secret_key"], k["session_token"])' "$KEYS")
expect_provider env-security-token-first env env "${kserve[@]}" AWS_ACCESS_KEY_ID="$pair_ak" \
	AWS_SECRET_ACCESS_KEY="$pair_sk" AWS_SECURITY_TOKEN="$pair_tok" AWS_SESSION_TOKEN=not-the-token-0123
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = not-the-token-0123\naws_security_token = %s\n' \
	"$pair_ak" "$pair_sk" "$pair_tok" >"$w/home/.aws/credentials"
expect_provider file-security-token-first "shared files" shared-credentials-file "${kserve[@]}"
# A credentials file with a secret and no key id is passed over: the
# container endpoint answers.
printf '[default]\naws_secret_access_key = %s\n' "$S3_SECRET_KEY" >"$w/home/.aws/credentials"
expect_provider secret-only-file-then-container container container-role "${kserve[@]}" "${full[@]}" \
	AWS_CONTAINER_AUTHORIZATION_TOKEN="$CONTAINER_TOKEN"
rm -f "$w/home/.aws/credentials"
# aws-sdk-go's AWS_ACCESS_KEY / AWS_SECRET_KEY: rclone's env_auth reads
# them (the Go SDK does), KServe's path does not (boto3 does not).
expect_failure go-names-not-for-kserve 3 'no AWS credentials found \(env: AWS_ACCESS_KEY_ID unset' \
	"${kserve[@]}" AWS_ACCESS_KEY="$S3_ACCESS_KEY" AWS_SECRET_KEY="$S3_SECRET_KEY"
check "go-names-not-for-kserve: botocore finds nothing either" test "$(json "$(oracle "${kserve[@]}" \
	AWS_ACCESS_KEY="$S3_ACCESS_KEY" AWS_SECRET_KEY="$S3_SECRET_KEY")" error)" = NoCredentials
initc_run go-names-env-auth "${rclone_env[@]}" AWS_ACCESS_KEY="$S3_ACCESS_KEY" \
	AWS_SECRET_KEY="$S3_SECRET_KEY" -- --no-verify s3://models/m "$w/out/go-names-env-auth"
expect_rc 0 "$rc" "go-names-env-auth: rclone's env_auth downloads with AWS_ACCESS_KEY / AWS_SECRET_KEY"
expect_grep 'msg="AWS credentials" provider=env method=env' "$w/runs/go-names-env-auth.err" \
	"go-names-env-auth: from the env provider"

# ---- hostile and unreachable credential services ------------------------------
# STS's endpoint is AWS_ENDPOINT_URL_STS or AWS's own, never KServe's
# AWS_ENDPOINT_URL (the S3 store): no token may reach the gate. AWS's
# endpoint is made unreachable through a proxy on a closed port.
gm=$(mark "$GLOG")
initc_run sts-not-the-store "${kserve[@]}" AWS_WEB_IDENTITY_TOKEN_FILE="$w/token" AWS_ROLE_ARN="$ROLE" \
	https_proxy="http://127.0.0.1:$closed" HTTPS_PROXY="http://127.0.0.1:$closed" -- \
	--no-verify s3://models/m "$w/out/sts-not-the-store"
check "sts-not-the-store: with AWS_ENDPOINT_URL set and no AWS_ENDPOINT_URL_STS, nothing was POSTed to the S3 store" \
	test -z "$(tail -n +"$((gm + 1))" "$GLOG" | grep '"method": "POST"')"
expect_rc 5 "$rc" "sts-not-the-store: AWS's STS unreachable is a network failure (exit 5)"
expect_grep 'STS AssumeRoleWithWebIdentity at https://sts\.us-east-1\.amazonaws\.com/' \
	"$w/runs/sts-not-the-store.err" "sts-not-the-store: initc asked the regional AWS endpoint"

# Network failures keep http.c's class: exit 5, not 3.
expect_failure sts-unreachable 5 'STS AssumeRoleWithWebIdentity at http://127.0.0.1:[0-9]+/: .*(onnect|refused)' \
	"${kserve[@]}" "${webid[@]}" AWS_ENDPOINT_URL_STS="http://127.0.0.1:$closed"
expect_failure container-unreachable 5 'container: GET http://127.0.0.1:[0-9]+/creds: .*(onnect|refused)' \
	"${kserve[@]}" AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$closed/creds"

# A container endpoint that drips one byte every 0.4 s never stalls, yet
# the request ends: 3 attempts of at most 2 s each (about 7 s; the bound
# here, 70 s, is ten times that) and exit 5.
url=$(standin drip --plan container=drip) || exit 1
rm -f "$w/term"
timeout 70 env -i "${base[@]}" "${kserve[@]}" AWS_CONTAINER_CREDENTIALS_FULL_URI="$url/creds" \
	AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$w/container-token" "$INITC" --no-verify s3://models/m \
	"$w/out/drip" >"$w/runs/drip.out" 2>"$w/runs/drip.err"
rc=$?
cp "$w/term" "$w/runs/drip.term" 2>/dev/null || : >"$w/runs/drip.term"
expect_rc 5 "$rc" "drip: a container endpoint dripping its answer ends the run (exit 5, not killed at 70 s)"
check "drip: the container endpoint was asked 3 times (botocore's attempts)" \
	test "$(grep -c '"error": "drip"' "$w/drip.log")" = 3
expect_grep 'container: GET .*(imed out|Timeout)' "$w/runs/drip.err" "drip: the error says the request timed out"

# An STS error that echoes the token (1,200+ bytes, past any cut): the
# message is redacted before it is cut (the secret scan below checks
# every 8-byte piece).
url=$(standin echo --plan sts=echo) || exit 1
expect_failure sts-echoes-token 3 'STS refused: InvalidIdentityToken: token \*\*\* is not valid' \
	"${kserve[@]}" "${webid[@]}" AWS_ENDPOINT_URL_STS="$url"
url=$(standin echo-container --plan container=echo) || exit 1
expect_failure container-echoes-token 3 'the endpoint answered Code Denied: bad \*\*\*' \
	"${kserve[@]}" AWS_CONTAINER_CREDENTIALS_FULL_URI="$url/creds" \
	AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$w/container-token"

# A token file that is a FIFO with no writer: refused at once, not waited on.
mkfifo "$w/fifo-token"
start=$(date +%s)
rm -f "$w/term"
timeout 60 env -i "${base[@]}" "${kserve[@]}" "${webid[@]}" AWS_WEB_IDENTITY_TOKEN_FILE="$w/fifo-token" \
	"$INITC" --no-verify s3://models/m "$w/out/fifo" >"$w/runs/fifo.out" 2>"$w/runs/fifo.err"
rc=$?
cp "$w/term" "$w/runs/fifo.term" 2>/dev/null || : >"$w/runs/fifo.term"
expect_rc 3 "$rc" "fifo: a token file that is a FIFO fails (exit 3), not hangs"
expect_grep 'AWS_WEB_IDENTITY_TOKEN_FILE=.*/fifo-token: not a regular file' "$w/runs/fifo.err" \
	"fifo: the error says the token file is not a regular file"

# A refresh that outlasts the keys: they expire 65 s after issue, so the
# first request already asks STS again; STS takes 8 s to refuse. What is
# left (under 60 s) is measured after the refresh: initc stops instead of
# signing with keys in their last minute.
url=$(standin overrun --plan sts=65,slow8:AccessDenied) || exit 1
gm=$(mark "$GLOG")
initc_run overrun "${kserve[@]}" "${webid[@]}" AWS_ENDPOINT_URL_STS="$url" -- \
	--no-verify s3://models/m "$w/out/overrun"
expect_rc 3 "$rc" "overrun: keys whose refresh outlasted their last minute end the run (exit 3)"
expect_grep 'level=error .*the AWS credentials from web identity expire at .* and could not be refreshed: .*AccessDenied' \
	"$w/runs/overrun.err" "overrun: the error names the provider and STS's refusal"
check "overrun: no request reached the store signed with those keys" \
	test -z "$(akids "$gm" '^/models')"

# ---- secrets ----------------------------------------------------------------
# Every run above, successes and failures: no secret, nor any 8-byte piece.
mapfile -t issued_secrets < <($PY -c 'import json,sys; [print(v) for l in open(sys.argv[1]) for v in (json.loads(l)["secret_key"], json.loads(l)["session_token"])]' "$KEYS" | sort -u)
# and the IMDS session tokens the stand-ins handed out
mapfile -t imds_tokens < <(cat "$w"/*.log | $PY -c 'import json,sys; [print(e["issued_token"]) for e in map(json.loads, sys.stdin) if "issued_token" in e]' | sort -u)
check "the secret scan includes ${#imds_tokens[@]} IMDS session tokens" test "${#imds_tokens[@]}" -gt 0
issued_secrets+=("${imds_tokens[@]}")
verdict=$($PY - "$w/runs" "$WEB_TOKEN" "$BAD_TOKEN" "$CONTAINER_TOKEN" "$S3_SECRET_KEY" "${issued_secrets[@]}" <<'PY'
import os, sys
runs, secrets = sys.argv[1], sys.argv[2:]
texts = {}
for name in sorted(os.listdir(runs)):
    with open(os.path.join(runs, name), "rb") as f:
        texts[name] = f.read().decode("utf-8", "replace")
leaks = []
for s in secrets:
    for name, text in texts.items():
        hit = next((i for i in range(len(s) - 7) if s[i:i + 8] in text), None)
        if hit is not None:
            leaks.append(f"{name}: bytes {hit}..{hit + 7} of a {len(s)}-byte secret")
names = sorted({n.rsplit('.', 1)[0] for n in texts})
if leaks:
    print(f"secrets leaked: {leaks[:5]}")
else:
    print(f"no 8-byte piece of {len(secrets)} secrets (web identity and container tokens, "
          f"issued secret keys, session tokens and IMDS tokens) in stdout, stderr or the termination log "
          f"of {len(names)} runs")
PY
)
case $verdict in no\ 8-byte*) pass "$verdict" ;; *) flunk "$verdict" ;; esac
assert_done
