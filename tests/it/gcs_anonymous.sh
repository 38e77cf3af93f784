#!/usr/bin/env bash
# gcs_anonymous: rclone's google cloud storage remotes with anonymous = true
# (Seldon Core 2's remote gs, for public buckets such as gs://seldon-models)
# are read over the XML API, unsigned. The remote's endpoint points at a
# gateway that lets unsigned requests through to the test S3 server, which
# answers the XML API's ListObjects V1 as Google does. Every form rclone
# accepts selects the backend (its name, its prefix gcs, the name without
# spaces; environment, connection string, config file, flag variables); a
# remote that would read with credentials or not anonymously, an unknown
# option, and a type initc does not read are refused with exit 2 before any
# request; a missing bucket or prefix is exit 4, as for s3.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
INITC=${INITC:-$here/../../build/initc}

s3env_start >/dev/null || exit 1
s3env_mkbucket models
w=$S3ENV_DIR/w
mkdir -p "$w/src/sub dir"
head -c 300000 /dev/urandom >"$w/src/model.bin"
printf 'flavors: {}\n' >"$w/src/MLmodel"
echo 'nested' >"$w/src/sub dir/a+b.txt"
: >"$w/src/empty.bin"
s3env_put_tree models scv2/iris "$w/src"
# an object stored gzip-encoded: written as stored, as rclone does
# without decompress (GCS would gunzip it for a reader that does not say
# Accept-Encoding: gzip; test_s3_request checks that initc says it)
printf 'gzip-encoded model bytes\n' | gzip -9n >"$w/enc.gz"
curl -q -sS -f -o /dev/null --max-time 30 -H 'Content-Encoding: gzip' \
	-H 'Content-Type: application/octet-stream' -T "$w/enc.gz" \
	"$S3_UPSTREAM/models/scv2/enc/weights.bin" || s3env_die "could not upload the gzip-encoded object"
export INITC_TERMINATION_LOG=$w/term

GCS=$(s3env_start_gate anon.log --allow-anonymous) || s3env_die "the anonymous gateway did not start"
ALOG=$S3ENV_DIR/anon.log

amark() { wc -l <"$ALOG" | tr -d ' '; }
# unsigned MARK WHAT: every request since MARK reached the gateway with no
# Authorization header (s3gate's verdict "anonymous", no access key id),
# and there was at least one.
unsigned() {
	local n anon
	n=$(tail -n +"$(($1 + 1))" "$ALOG" | wc -l)
	anon=$(tail -n +"$(($1 + 1))" "$ALOG" | grep -c '"verdict": "anonymous"')
	if [ "$n" -gt 0 ] && [ "$n" -eq "$anon" ] && ! tail -n +"$(($1 + 1))" "$ALOG" | grep -q '"akid"'; then
		pass "$2: all $n requests unsigned, no Authorization header"
	else
		flunk "$2: $anon of $n requests unsigned"
		tail -n +"$(($1 + 1))" "$ALOG" | head -5 | sed 's/^/    | /'
	fi
}

n=0
# run COMMAND...: COMMAND with one more argument, a fresh DEST $w/out$n;
# its stderr in $w/$n.err
run() {
	n=$((n + 1))
	rm -f "$w/term"
	"$@" "$w/out$n" >"$w/$n.out" 2>"$w/$n.err"
}

# 1. Seldon Core 2's remote: type "google cloud storage", anonymous=true
mark=$(amark)
run env RCLONE_CONFIG_GS_TYPE="google cloud storage" RCLONE_CONFIG_GS_ANONYMOUS=true \
	RCLONE_CONFIG_GS_ENDPOINT="$GCS" "$INITC" --no-verify gs://models/scv2/iris
expect_rc 0 $? "type \"google cloud storage\", anonymous=true (environment)"
same_tree "$w/src" "$w/out$n" "the model tree, byte for byte"
no_temp_files "$w/out$n" "no temporary file left"
unsigned "$mark" "environment form"
expect_grep 'msg=listing .*style=path list=v1 config="rclone remote gs \(environment, google cloud storage, anonymous\)"' \
	"$w/$n.err" "the listing line says path style, ListObjects V1, anonymous"
expect_grep 'files verified.*etag-md5=4' "$w/$n.err" "every file verified against its ETag (the MD5)"
check "the listing was V1 (no list-type=2)" sh -c "! tail -n +$((mark + 1)) '$ALOG' | grep -q list-type"
check "the main (signing) gateway saw nothing" test "$(wc -l <"$S3GATE_LOG")" -eq 0
k=$n

# 2. the prefix gcs, and the name without spaces, in the environment
for type in gcs googlecloudstorage; do
	mark=$(amark)
	run env RCLONE_CONFIG_PUB_TYPE=$type RCLONE_CONFIG_PUB_ANONYMOUS=true \
		RCLONE_CONFIG_PUB_ENDPOINT="$GCS" "$INITC" --no-verify pub:models/scv2/iris
	expect_rc 0 $? "type=$type"
	same_tree "$w/src" "$w/out$n" "type=$type: the same tree"
	unsigned "$mark" "type=$type"
done

# 3. connection strings, as Seldon Core 2's agent inlines a Model's secret:
#    the prefix and the backend's name with its spaces
for remote in ':gcs' ':google cloud storage'; do
	mark=$(amark)
	run "$INITC" --no-verify "$remote,anonymous=true,endpoint='$GCS':models/scv2/iris"
	expect_rc 0 $? "connection string $remote"
	same_tree "$w/src" "$w/out$n" "connection string $remote: the same tree"
	unsigned "$mark" "connection string $remote"
done
# a bare flag is true, and rclone's JSON API base URL names the same host
run "$INITC" --no-verify ":gcs,anonymous,endpoint='$GCS/storage/v1/':models/scv2/iris"
expect_rc 0 $? "bare anonymous, endpoint with the JSON API's /storage/v1/"
same_tree "$w/src" "$w/out$n" "JSON API endpoint: the same tree"
expect_grep "msg=listing .*endpoint=$GCS style" "$w/$n.err" "requests go to the host, not to /storage/v1"

# 4. a config file section
cat >"$w/rclone.conf" <<EOF
[gcsfile]
type = google cloud storage
anonymous = true
endpoint = $GCS
bucket_policy_only = true
object_acl = publicRead
location = europe-west1
storage_class = STANDARD
directory_markers = true
project_number = 123456789
no_check_bucket = true
encoding = Slash,CrLf,InvalidUtf8,Dot
EOF
mark=$(amark)
run env RCLONE_CONFIG="$w/rclone.conf" "$INITC" --no-verify gcsfile:models/scv2/iris
expect_rc 0 $? "config file section, with the options that concern writers"
same_tree "$w/src" "$w/out$n" "config file: the same tree"
unsigned "$mark" "config file"

# 5. rclone's flag variables carry the backend's prefix: RCLONE_GCS_*,
#    whichever name the type is written with
run env RCLONE_CONFIG_GS_TYPE="google cloud storage" RCLONE_GCS_ANONYMOUS=true \
	RCLONE_GCS_ENDPOINT="$GCS" "$INITC" --no-verify gs://models/scv2/iris
expect_rc 0 $? "RCLONE_GCS_ANONYMOUS and RCLONE_GCS_ENDPOINT"
same_tree "$w/src" "$w/out$n" "flag variables: the same tree"

# 6. anonymous wins over credentials set beside it, as in rclone's NewFs
mark=$(amark)
run env RCLONE_CONFIG_GS_TYPE=gcs RCLONE_CONFIG_GS_ANONYMOUS=true RCLONE_CONFIG_GS_ENDPOINT="$GCS" \
	RCLONE_CONFIG_GS_CLIENT_ID=leftover-client.apps.googleusercontent.com \
	RCLONE_CONFIG_GS_ENV_AUTH=true "$INITC" --no-verify gs://models/scv2/iris
expect_rc 0 $? "anonymous=true with client_id and env_auth beside it"
unsigned "$mark" "anonymous beside credentials"

# 7. one object, and an object stored gzip-encoded, as stored
run env RCLONE_CONFIG_GS_TYPE=gcs RCLONE_CONFIG_GS_ANONYMOUS=true RCLONE_CONFIG_GS_ENDPOINT="$GCS" \
	"$INITC" --no-verify gs://models/scv2/iris/model.bin
expect_rc 0 $? "one object"
check "one object lands at DEST/model.bin" cmp -s "$w/src/model.bin" "$w/out$n/model.bin"
run env RCLONE_CONFIG_GS_TYPE=gcs RCLONE_CONFIG_GS_ANONYMOUS=true RCLONE_CONFIG_GS_ENDPOINT="$GCS" \
	"$INITC" --no-verify gs://models/scv2/enc
expect_rc 0 $? "an object stored with Content-Encoding: gzip"
check "it is written as stored (gzip bytes, not gunzipped)" cmp -s "$w/enc.gz" "$w/out$n/weights.bin"

gs_env=(RCLONE_CONFIG_GS_TYPE=gcs RCLONE_CONFIG_GS_ANONYMOUS=true RCLONE_CONFIG_GS_ENDPOINT="$GCS")

# 8. more than a page (1000 keys): ListObjects V1 goes on with marker=
"$S3ENV_PYTHON" "$S3ENV_LIB/bulk_put.py" "${S3_UPSTREAM#http://}" models many 1003 64 ||
	s3env_die "could not upload 1003 objects"
mark=$(amark)
run env "${gs_env[@]}" "$INITC" --no-verify gs://models/many
expect_rc 0 $? "1003 objects, two listing pages"
check "all 1003 files written" test "$(find "$w/out$n" -name 'f*.bin' | wc -l)" -eq 1003
expect_grep 'files verified.*etag-md5=1003' "$w/$n.err" "each verified against its MD5"
pages=$(tail -n +"$((mark + 1))" "$ALOG" | grep -c '"path": "/models/?')
marked=$(tail -n +"$((mark + 1))" "$ALOG" | grep -c '"path": "/models/?[^"]*marker=many%2Ff00999.bin')
if [ "$pages" -eq 2 ] && [ "$marked" -eq 1 ]; then pass "two pages, the second after the first's last key"; else
	flunk "$pages listing pages, $marked with marker=many/f00999.bin"; fi

# 9. not found, as for s3
run env "${gs_env[@]}" "$INITC" --no-verify gs://models/scv2/nope
expect_rc 4 $? "a missing prefix"
expect_grep 'nothing found at gs://models/scv2/nope' "$w/$n.err" "the missing prefix is named"
run env "${gs_env[@]}" "$INITC" --no-verify gs://no-such-bucket/scv2/iris
expect_rc 4 $? "a missing bucket"
expect_grep 'NoSuchBucket' "$w/$n.err" "the missing bucket is named by the store's code"
check "nothing written for a missing bucket" test ! -e "$w/out$n/model.bin"

# 10. a bucket that is not public: the store refuses an anonymous reader
#    (the main gateway refuses unsigned requests), exit 3 and what to do
run env RCLONE_CONFIG_GS_TYPE=gcs RCLONE_CONFIG_GS_ANONYMOUS=true \
	RCLONE_CONFIG_GS_ENDPOINT="$S3_ENDPOINT" "$INITC" --no-verify gs://models/scv2/iris
expect_rc 3 $? "a bucket that refuses anonymous readers"
expect_grep 'refused an anonymous reader: the bucket is not public.*HMAC keys' "$w/$n.err" \
	"the message says the bucket is not public and what to do for a private one"

# 11. refusals: exit 2, before any request, nothing written, the message
#     names what is wrong and what to do
# refused WHAT REGEX COMMAND...
refused() {
	local what=$1 regex=$2 mark
	shift 2
	mark=$(amark)
	run "$@"
	expect_rc 2 $? "$what is refused"
	expect_grep "level=error .*$regex" "$w/$n.err" "$what: the message"
	expect_grep "$regex" "$w/term" "$what: the termination log"
	check "$what: no request was sent" test "$(amark)" -eq "$mark"
	check "$what: nothing was written" test ! -e "$w/out$n/model.bin"
}
ONLY='initc reads Google Cloud Storage only anonymously \(anonymous = true\).*HMAC keys.*https://storage.googleapis.com'
SA_SECRET='{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----SA-SECRET-0123456789"}'
refused "a service account's credentials" \
	"remote gs \(type=gcs, from the environment\) sets service_account_credentials \(RCLONE_CONFIG_GS_SERVICE_ACCOUNT_CREDENTIALS\) and not anonymous = true.*$ONLY" \
	env RCLONE_CONFIG_GS_TYPE=gcs RCLONE_CONFIG_GS_ENDPOINT="$GCS" \
	RCLONE_CONFIG_GS_SERVICE_ACCOUNT_CREDENTIALS="$SA_SECRET" "$INITC" --no-verify gs://models/scv2/iris
expect_no_grep 'SA-SECRET-0123456789' "$w/$n.err" "the service account's key is not in the log"
expect_no_grep 'SA-SECRET-0123456789' "$w/term" "nor in the termination log"
refused "service_account_file" "sets service_account_file \(RCLONE_CONFIG_GS_SERVICE_ACCOUNT_FILE\).*$ONLY" \
	env RCLONE_CONFIG_GS_TYPE=gcs RCLONE_CONFIG_GS_SERVICE_ACCOUNT_FILE=/var/secrets/sa.json \
	RCLONE_CONFIG_GS_ENDPOINT="$GCS" "$INITC" --no-verify gs://models/scv2/iris
refused "env_auth=true" "sets env_auth \(RCLONE_CONFIG_GS_ENV_AUTH\).*$ONLY" \
	env RCLONE_CONFIG_GS_TYPE=gcs RCLONE_CONFIG_GS_ENV_AUTH=true RCLONE_CONFIG_GS_ANONYMOUS=false \
	RCLONE_CONFIG_GS_ENDPOINT="$GCS" "$INITC" --no-verify gs://models/scv2/iris
refused "an OAuth token" "sets token \(connection string parameter token\).*add anonymous=true to the connection string" \
	"$INITC" --no-verify ":gcs,token='{\"access_token\":\"ya29.OAUTH-SECRET-42\"}',endpoint='$GCS':models/scv2/iris"
expect_no_grep 'OAUTH-SECRET-42' "$w/$n.err" "the token is not in the log"
refused "anonymous=false" "sets anonymous=false \(RCLONE_CONFIG_GS_ANONYMOUS\); initc reads Google Cloud Storage only anonymously.*: set RCLONE_CONFIG_GS_ANONYMOUS=true.*HMAC keys" \
	env RCLONE_CONFIG_GS_TYPE="google cloud storage" RCLONE_CONFIG_GS_ANONYMOUS=false \
	RCLONE_CONFIG_GS_ENDPOINT="$GCS" "$INITC" --no-verify gs://models/scv2/iris
refused "anonymous unset" "does not set anonymous = true: rclone would log in with OAuth.*$ONLY" \
	env RCLONE_CONFIG_GS_TYPE=gcs RCLONE_CONFIG_GS_ENDPOINT="$GCS" "$INITC" --no-verify gs://models/scv2/iris
refused "anonymous=maybe" "RCLONE_CONFIG_GS_ANONYMOUS=maybe is not a boolean" \
	env RCLONE_CONFIG_GS_TYPE=gcs RCLONE_CONFIG_GS_ANONYMOUS=maybe \
	RCLONE_CONFIG_GS_ENDPOINT="$GCS" "$INITC" --no-verify gs://models/scv2/iris
refused "decompress=true" "rclone option decompress is set .*gunzip.*unset it" \
	env "${gs_env[@]}" RCLONE_CONFIG_GS_DECOMPRESS=true "$INITC" --no-verify gs://models/scv2/iris
refused "user_project" "rclone option user_project is set .*requester-pays.*unset it" \
	env "${gs_env[@]}" RCLONE_CONFIG_GS_USER_PROJECT=my-project "$INITC" --no-verify gs://models/scv2/iris
refused "a mistyped option (environment)" \
	"unknown rclone google cloud storage option RCLONE_CONFIG_GS_ANONYMUOS in the environment: did you mean anonymous \(ANONYMOUS\)" \
	env "${gs_env[@]}" RCLONE_CONFIG_GS_ANONYMUOS=true "$INITC" --no-verify gs://models/scv2/iris
refused "an s3 option on a gcs remote" "unknown rclone google cloud storage option provider in the connection string" \
	"$INITC" --no-verify ":gcs,anonymous,provider=GCS,endpoint='$GCS':models/scv2/iris"
printf '[gcsfile]\ntype = gcs\nanonymous = true\nendpoint = %s\nendpiont = x\n' "$GCS" >"$w/typo.conf"
refused "a mistyped option (config file)" "unknown rclone google cloud storage option endpiont in .*typo.conf section \[gcsfile\]: did you mean endpoint" \
	env RCLONE_CONFIG="$w/typo.conf" "$INITC" --no-verify gcsfile:models/scv2/iris
for type in sftp azureblob GCS 'Google Cloud Storage'; do
	refused "type=$type" "remote gs has type=$type \(from the environment\): initc reads s3 remotes .* google cloud storage" \
		env RCLONE_CONFIG_GS_TYPE="$type" RCLONE_CONFIG_GS_ANONYMOUS=true "$INITC" --no-verify gs://models/scv2/iris
done
refused "type sftp in a connection string" "remote :sftp has type=sftp \(from the connection string\)" \
	"$INITC" --no-verify ":sftp,host=example.com:models/scv2/iris"
refused "gs:// with no remote gs" "remote .*gs.* is not defined.*RCLONE_CONFIG_GS_TYPE=gcs and RCLONE_CONFIG_GS_ANONYMOUS=true" \
	"$INITC" --no-verify gs://models/scv2/iris

check "the first download is still intact" cmp -s "$w/src/model.bin" "$w/out$k/model.bin"
# ---- Seldon Core 2: the agent's remote gs, through initc rcd -----------
# The agent creates gs as in its default secret (anonymous), here with the
# endpoint pointed at the gateway, then copies gs://bucket/path.
. "$here/../lib/rcd.sh"
trap 'rcd_stop_all; s3env_stop' EXIT
if rcd_start G "$w/rcd.log" "$INITC" rcd --rc-no-auth --config="$w/rcd.conf"; then
	mark=$(amark)
	out=$(rcd_call "$RCD_URL_G" config/create "{\"name\":\"gs\",\"type\":\"google cloud storage\",\"parameters\":{\"anonymous\":\"true\",\"endpoint\":\"$GCS\"},\"opt\":null}")
	check "rcd: config/create of the agent's gs remote answers 200" test "$(rcd_status "$out")" = 200
	out=$(rcd_call "$RCD_URL_G" sync/copy "{\"srcFs\":\"gs://models/scv2/iris\",\"dstFs\":\"$w/agent/rclone/1\",\"createEmptySrcDirs\":true}")
	check "rcd: sync/copy from gs://models/scv2/iris answers 200" test "$(rcd_status "$out")" = 200
	same_tree "$w/src" "$w/agent/rclone/1" "rcd: the copy from the gs remote holds the exact tree"
	unsigned "$mark" "rcd: the copy from gs"
	out=$(rcd_call "$RCD_URL_G" config/create '{"name":"priv","type":"google cloud storage","parameters":{"env_auth":"true"},"opt":null}')
	check "rcd: a gs remote with credentials is still created (the agent must not exit)" \
		test "$(rcd_status "$out")" = 200
	out=$(rcd_call "$RCD_URL_G" sync/copy "{\"srcFs\":\"priv:models/scv2/iris\",\"dstFs\":\"$w/agent/rclone/2\"}")
	check "rcd: a copy from it fails (500), saying initc reads GCS anonymously" \
		[ "$(rcd_status "$out")" = 500 ] && grep -q anonymous <<<"$out"
	check "rcd: the failed copy made no destination" test ! -e "$w/agent/rclone/2"
fi

assert_done
