#!/usr/bin/env bash
# hostile_config: an invalid value in any configuration variable initc reads
# ends with exit 2 and one error line naming the variable (or the rclone
# option it sets), before any request is sent and with nothing written.
# The endpoint is a closed port: reaching the network would fail with 5.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
INITC=${INITC:-$here/../../build/initc}
w=$(mktemp -d "${TMPDIR:-/tmp}/hostile_config.XXXXXX") || exit 1
trap 'rm -rf "$w"' EXIT
mkdir -p "$w/jail/sentinel" "$w/logs"
echo precious >"$w/jail/sentinel/file"
snapshot() { (cd "$w/jail" && find . -path ./dest -prune -o -print | sort); }
before=$(snapshot)

base=(PATH="$PATH" HOME="$w" RCLONE_CONFIG_S3_TYPE=s3 RCLONE_CONFIG_S3_PROVIDER=Minio
	RCLONE_CONFIG_S3_ENDPOINT=http://127.0.0.1:1 RCLONE_CONFIG_S3_ACCESS_KEY_ID=AKIDEXAMPLE
	RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=hostile-config-secret-0123 INITC_TERMINATION_LOG="$w/logs/term")

# VAR=VALUE [VAR=VALUE...]|regex the error line must match (names the variable or option)
cases='RCLONE_TRANSFERS=abc|RCLONE_TRANSFERS=abc is not valid
RCLONE_TRANSFERS=0|RCLONE_TRANSFERS=0 is not valid
RCLONE_LOW_LEVEL_RETRIES=-1|RCLONE_LOW_LEVEL_RETRIES
RCLONE_TIMEOUT=5x|RCLONE_TIMEOUT=5x is not valid
RCLONE_CONTIMEOUT=1y|RCLONE_CONTIMEOUT
RCLONE_MULTI_THREAD_CUTOFF=big|RCLONE_MULTI_THREAD_CUTOFF
RCLONE_MULTI_THREAD_STREAMS=many|RCLONE_MULTI_THREAD_STREAMS
RCLONE_MULTI_THREAD_CHUNK_SIZE=huge|RCLONE_MULTI_THREAD_CHUNK_SIZE=huge is not valid
RCLONE_NO_CHECK_CERTIFICATE=maybe|RCLONE_NO_CHECK_CERTIFICATE
RCLONE_CA_CERT=/nonexistent/ca.pem|RCLONE_CA_CERT=/nonexistent/ca.pem cannot be read
INITC_PROGRESS_INTERVAL=often|INITC_PROGRESS_INTERVAL
INITC_NO_UNPACK=perhaps|INITC_NO_UNPACK
INITC_MAX_UNPACK_BYTES=lots|INITC_MAX_UNPACK_BYTES=lots is not valid
INITC_MAX_UNPACK_ENTRIES=-5|INITC_MAX_UNPACK_ENTRIES
INITC_LOG_LEVEL=loud|INITC_LOG_LEVEL=loud is not valid
INITC_FIX=maybe|INITC_FIX=maybe is not valid
INITC_SERVER=nope|unknown server name .*nope.* \(from --server or INITC_SERVER\)
INITC_REQUIREMENTS=,,|requirements=,,
RCLONE_CONFIG_S3_TYPE=sftp|remote s3 has type=sftp
RCLONE_CONFIG_S3_LIST_VERSION=3|RCLONE_CONFIG_S3_LIST_VERSION=3: use 1, 2
RCLONE_CONFIG_S3_LIST_URL_ENCODE=sometimes|RCLONE_CONFIG_S3_LIST_URL_ENCODE=sometimes
RCLONE_CONFIG_S3_FORCE_PATH_STYLE=maybe|RCLONE_CONFIG_S3_FORCE_PATH_STYLE=maybe
RCLONE_CONFIG_S3_ENV_AUTH=perhaps|RCLONE_CONFIG_S3_ENV_AUTH
RCLONE_CONFIG_S3_REQUESTER_PAYS=xyz|RCLONE_CONFIG_S3_REQUESTER_PAYS
RCLONE_CONFIG_S3_ENDPOINT=ftp://x|RCLONE_CONFIG_S3_ENDPOINT=ftp://x
RCLONE_CONFIG_S3_ENDPOINT=http://|RCLONE_CONFIG_S3_ENDPOINT=http:// has no host
RCLONE_CONFIG_S3_SSE_CUSTOMER_KEY_BASE64=!!!|RCLONE_CONFIG_S3_SSE_CUSTOMER_KEY_BASE64 must be a 256-bit key
RCLONE_CONFIG_S3_SSE_CUSTOMER_KEY=short-key|RCLONE_CONFIG_S3_SSE_CUSTOMER_KEY must be a 256-bit key: 32 bytes
RCLONE_CONFIG_S3_REGION=eu/west-1|RCLONE_CONFIG_S3_REGION=eu/west-1 is not a region
RCLONE_CONFIG_S3_REGION=us-east-1.evil.example|RCLONE_CONFIG_S3_REGION=us-east-1.evil.example is not a region
RCLONE_CONFIG_S3_SSE_CUSTOMER_KEY=0123456789abcdef0123456789abcdef RCLONE_CONFIG_S3_SSE_CUSTOMER_ALGORITHM=aws:kms|RCLONE_CONFIG_S3_SSE_CUSTOMER_ALGORITHM must be AES256
RCLONE_CONFIG_S3_SSE_CUSTOMER_KEY=0123456789abcdef0123456789abcdef RCLONE_CONFIG_S3_SSE_CUSTOMER_KEY_MD5=abc|RCLONE_CONFIG_S3_SSE_CUSTOMER_KEY_MD5 must be the base64 MD5
RCLONE_IGNORE_CHECKSUM=maybe|RCLONE_IGNORE_CHECKSUM=maybe is not valid
RCLONE_CONFIG_S3_ENDIPONT=http://x|did you mean endpoint
S3_VERIFY_SSL=maybe|S3_VERIFY_SSL=maybe is not valid
S3_USER_VIRTUAL_BUCKET=maybe|S3_USER_VIRTUAL_BUCKET
awsAnonymousCredential=maybe|awsAnonymousCredential'

n=0
while IFS='|' read -r setting regex; do
	n=$((n + 1))
	log=$w/logs/$n.log
	rm -rf "$w/jail/dest"
	read -r -a settings <<<"$setting"
	env -i "${base[@]}" "${settings[@]}" "$INITC" s3://models/m "$w/jail/dest" 2>"$log" >"$w/logs/$n.out"
	rc=$?
	if [ "$rc" -eq 2 ] && [ "$(grep -c 'level=error' "$log")" -eq 1 ] &&
		grep -Eq -- "level=error .*$regex" "$log" && ! grep -q 'msg=listing' "$log"; then
		pass "$setting: exit 2 before any request, the error names it"
	else
		flunk "$setting: exit $rc; want 2 and one error line matching /$regex/:"
		sed 's/^/    | /' "$log" | head -5
	fi
done <<<"$cases"
if [ -z "$(find "$w/jail/dest" -type f 2>/dev/null)" ] && [ "$(snapshot)" = "$before" ]; then
	pass "nothing was written inside or outside DEST ($n settings)"
else
	flunk "files appeared: $(find "$w/jail" -newer "$w/jail/sentinel/file" | head -5)"
fi
# the same for KServe's variables, used when no rclone remote is named s3
for setting in AWS_ENDPOINT_URL=ftp://x AWS_ENDPOINT_URL=http:// S3_VERIFY_SSL=maybe \
	AWS_DEFAULT_REGION=us-east-1.evil.example AWS_REGION=eu_west/1; do
	env -i PATH="$PATH" HOME="$w" AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=hostile-config-secret-0123 \
		AWS_ENDPOINT_URL=http://127.0.0.1:1 "$setting" "$INITC" s3://models/m "$w/jail/kdest" 2>"$w/logs/k.log"
	rc=$?
	name=${setting%%=*}
	if [ "$rc" -eq 2 ] && grep -Eq "level=error .*($name|${name,,}|endpoint)" "$w/logs/k.log"; then
		pass "KServe $setting: exit 2 naming it"
	else
		flunk "KServe $setting: exit $rc"; sed 's/^/    | /' "$w/logs/k.log" | head -3
	fi
done
if grep -rq 'hostile-config-secret-0123' "$w/logs"; then flunk "the secret key appeared in a log"; else
	pass "the secret key never appeared in any output"; fi
assert_done
