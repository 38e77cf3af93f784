#!/usr/bin/env bash
# rclone_options: an rclone s3 option that would change what is read or
# who reads it, and that initc does not implement, is refused with exit 2
# naming it and saying what to do, before any request; set to its default
# it is accepted. server_side_encryption and sse_kms_key_id concern the
# writer (S3 decrypts SSE-S3 and SSE-KMS objects for any reader allowed
# to): accepted, and the download is the same.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
INITC=${INITC:-$here/../../build/initc}

s3env_start >/dev/null || exit 1
s3env_mkbucket models
w=$S3ENV_DIR/w
mkdir -p "$w/src"
head -c 200000 /dev/urandom >"$w/src/model.bin"
printf 'flavors: {}\n' >"$w/src/MLmodel"
s3env_put_tree models m "$w/src"
s3env_rclone_env S3 >/dev/null
export INITC_TERMINATION_LOG=$w/term

n=0
# refused OPTION VALUE: set as RCLONE_CONFIG_S3_<OPTION>, in a connection
# string and as rclone's flag variable RCLONE_S3_<OPTION>.
refused() {
	local opt=$1 value=$2 var mark how
	var=RCLONE_CONFIG_S3_${opt^^}
	for how in config connection flag; do
		n=$((n + 1))
		mark=$(s3env_log_mark)
		rm -f "$w/term"
		case $how in
		config) env "$var=$value" "$INITC" --no-verify s3://models/m "$w/out$n" ;;
		connection) "$INITC" --no-verify "s3,$opt='$value':models/m" "$w/out$n" ;;
		flag) env "RCLONE_S3_${var#RCLONE_CONFIG_S3_}=$value" "$INITC" --no-verify s3://models/m "$w/out$n" ;;
		esac >"$w/$n.out" 2>"$w/$n.err"
		expect_rc 2 $? "$opt=$value ($how) is refused"
		expect_grep "rclone option $opt is set .*initc does not implement it: .*unset it" "$w/$n.err" \
			"$opt ($how): the message names it and says what to do"
		expect_grep "rclone option $opt is set" "$w/term" "$opt ($how): so does the termination log"
		check "$opt ($how): no request was sent" test "$(tail -n +"$((mark + 1))" "$S3GATE_LOG" | wc -l)" -eq 0
		check "$opt ($how): nothing was written" test ! -e "$w/out$n/model.bin"
	done
}

refused versions true
refused version_at 2025-01-02
refused version_at 100d
refused decompress true
refused might_gzip true
refused role_arn arn:aws:iam::123456789012:role/model-reader
refused sts_endpoint https://sts.example.com
refused download_url https://cdn.example.com
refused ibm_api_key IbmApiKey-0123456789
# "off" is version_at's default, and no other's
refused role_arn off
refused download_url off
refused sts_endpoint off
refused ibm_api_key off

# accepted: their defaults, and the options of the writing side
accepted() { # VAR=VALUE...
	n=$((n + 1))
	env "$@" "$INITC" --no-verify s3://models/m "$w/out$n" >"$w/$n.out" 2>"$w/$n.err"
	expect_rc 0 $? "accepted: $*"
	check "accepted: $*: the model is downloaded" cmp -s "$w/src/model.bin" "$w/out$n/model.bin"
}
accepted RCLONE_CONFIG_S3_VERSIONS=false RCLONE_CONFIG_S3_DECOMPRESS=false \
	RCLONE_CONFIG_S3_VERSION_AT=off RCLONE_CONFIG_S3_MIGHT_GZIP=unset RCLONE_CONFIG_S3_ROLE_ARN=
accepted RCLONE_CONFIG_S3_SERVER_SIDE_ENCRYPTION=aws:kms \
	RCLONE_CONFIG_S3_SSE_KMS_KEY_ID=arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b
accepted RCLONE_CONFIG_S3_SERVER_SIDE_ENCRYPTION=AES256
accepted RCLONE_CONFIG_S3_VERSION_DELETED=true RCLONE_CONFIG_S3_ROLE_SESSION_NAME=initc
# an empty boolean is false, as rclone 1.60 reads it (force_path_style=
# gives it virtual-host addressing)
accepted RCLONE_CONFIG_S3_VERSIONS= RCLONE_CONFIG_S3_DECOMPRESS= RCLONE_CONFIG_S3_MIGHT_GZIP=
n=$((n + 1))
"$INITC" --no-verify "s3,versions=,decompress=:models/m" "$w/out$n" >"$w/$n.out" 2>"$w/$n.err"
expect_rc 0 $? "accepted: versions= and decompress= in a connection string"

# rclone's option names are case-sensitive: it ignores Versions=true
# (1.60 reads Versions=maybe without a word). initc names the option it
# refuses and the spelling rclone reads.
n=$((n + 1))
"$INITC" --no-verify "s3,Versions=true:models/m" "$w/out$n" >"$w/$n.out" 2>"$w/$n.err"
expect_rc 2 $? "Versions=true is refused"
expect_grep 'unknown rclone s3 option Versions .*rclone ignores Versions: write versions' "$w/$n.err" \
	"the message names Versions and the spelling that works"
expect_no_grep 'not shown' "$w/$n.err" "the message does not claim to hide the name it shows"

n=$((n + 1))
env RCLONE_CONFIG_S3_VERSIONS=sometimes "$INITC" --no-verify s3://models/m "$w/out$n" >"$w/$n.out" 2>"$w/$n.err"
expect_rc 2 $? "versions=sometimes is no boolean"
expect_grep 'rclone option versions \(RCLONE_CONFIG_S3_VERSIONS\) is not a boolean' "$w/$n.err" \
	"the message names the option and the variable"
assert_done
