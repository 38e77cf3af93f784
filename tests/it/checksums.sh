#!/usr/bin/env bash
# Integrity at line rate: S3's additional checksums (full-object and
# composite), rclone's md5chksum, the ETag's MD5 last, and SSE-KMS/SSE-C
# objects whose ETag is no MD5. The gateway emulates AWS (s3gate.py
# --checksums); the uploads are botocore's (put_sums.py) and rclone's, and
# every expected value comes from Python (tests/lib/sums.py: zlib,
# python3-crc32c, hashlib, a bit-by-bit CRC-64/NVME), never from initc.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
. "$here/../lib/fault.sh"
INITC=${INITC:-$here/../../build/initc}
PY=$S3ENV_PYTHON
put() { "$PY" -B "$here/../lib/put_sums.py" "$@" >/dev/null; }

fault_start --checksums >/dev/null || exit 1
s3env_mkbucket models
s3env_rclone_env S3 >/dev/null
w=$S3ENV_DIR/w
mkdir -p "$w"
export INITC_LOG_LEVEL=debug
# splits objects above 1 MiB into ranged GETs
SPLIT=(env RCLONE_MULTI_THREAD_CUTOFF=1Mi RCLONE_MULTI_THREAD_STREAMS=4)

head -c 200001 /dev/urandom >"$w/small"
head -c 1700003 /dev/urandom >"$w/big"

# get NAME KEY [env...]: download s3://models/KEY into $w/out-NAME; rc in $rc
get() {
	local name=$1 key=$2
	shift 2
	"$@" "$INITC" --no-verify "s3://models/$key" "$w/out-$name" 2>"$w/log-$name"
	rc=$?
}

verified() { # name key file label what
	expect_rc 0 "$rc" "$5: downloaded"
	check "$5: byte-identical" cmp -s "$3" "$w/out-$1/$(basename "$2")"
	expect_grep "file complete.*verified=$4( |\$)" "$w/log-$1" "$5: verified=$4"
}

failed() { # name key algo-label what
	expect_rc 6 "$rc" "$4: exit 6 (EXIT_INTEGRITY)"
	expect_grep "$2: the $3 of the downloaded bytes is .* but the store's .* says .*run again" \
		"$w/log-$1" "$4: the message names the object, $3, both values and 'run again'"
	check "$4: no file at the final name" test ! -e "$w/out-$1/$(basename "$2")"
	no_temp_files "$w/out-$1" "$4: no temporary file left"
}

# 1. full-object checksums, each algorithm: small (inline digest) and split
# (ranged GETs: the checksum comes from one HEAD)
for algo in crc64nvme crc32c crc32 sha1 sha256; do
	put models "full/$algo/small" "$w/small" "$algo"
	put models "full/$algo/big" "$w/big" "$algo"
	get "full-$algo-small" "full/$algo/small"
	verified "full-$algo-small" "full/$algo/small" "$w/small" "$algo" "$algo full-object, small"
	mark=$(s3env_log_mark)
	get "full-$algo-big" "full/$algo/big" "${SPLIT[@]}"
	verified "full-$algo-big" "full/$algo/big" "$w/big" "$algo" "$algo full-object, split"
	heads=$(tail -n +"$((mark + 1))" "$S3GATE_LOG" | grep '"method": "HEAD"' | grep -c '"checksum_mode": "ENABLED"')
	ranged=$(tail -n +"$((mark + 1))" "$S3GATE_LOG" | grep -c '"method": "GET".*"status": 206' || true)
	if [ "$heads" -eq 1 ] && [ "$ranged" -ge 2 ]; then
		pass "$algo split: one HEAD with checksum mode, $ranged ranged GETs"
	else
		flunk "$algo split: $heads HEADs with checksum mode, $ranged ranged GETs"
	fi
done
# whole-object GETs ask for checksums, ranged ones do not
asked=$(grep '"method": "GET", "path": "/models/full' "$S3GATE_LOG" | grep '"status": 200' | grep -c checksum_mode || true)
plain=$(grep '"method": "GET", "path": "/models/full' "$S3GATE_LOG" | grep '"status": 200' | grep -vc checksum_mode || true)
[ "$asked" -eq 5 ] && [ "$plain" -eq 0 ] && pass "every whole-object GET sent x-amz-checksum-mode" ||
	flunk "whole-object GETs: $asked with checksum mode, $plain without"
check "no ranged GET sent x-amz-checksum-mode" \
	sh -c "! grep '\"status\": 206' '$S3GATE_LOG' | grep -q checksum_mode"

# 2. a large file: the digest runs on the hasher thread (>= 32 MiB)
head -c $((33 * 1024 * 1024 + 5)) /dev/urandom >"$w/huge"
put models full/huge "$w/huge" crc64nvme
get huge full/huge
verified huge full/huge "$w/huge" crc64nvme "33 MiB crc64nvme (hasher thread)"
put models full/huge-crc32c "$w/huge" crc32c --wrong
get huge-bad full/huge-crc32c "${SPLIT[@]}"
failed huge-bad full/huge-crc32c crc32c "33 MiB split, wrong crc32c"

# 3. multipart uploads: composite (equal parts, unequal parts) and
# full-object (CRCs only, as S3 allows)
for algo in crc32c crc32 sha1 sha256; do
	put models "comp/$algo/equal" "$w/big" "$algo" --parts 524288,524288,524288,127139
	put models "comp/$algo/unequal" "$w/big" "$algo" --parts 300000,900000,500003
	get "comp-$algo-equal" "comp/$algo/equal"
	verified "comp-$algo-equal" "comp/$algo/equal" "$w/big" "$algo-composite" "$algo composite, equal parts"
	mark=$(s3env_log_mark)
	get "comp-$algo-unequal" "comp/$algo/unequal" "${SPLIT[@]}"
	verified "comp-$algo-unequal" "comp/$algo/unequal" "$w/big" "$algo-composite" \
		"$algo composite, unequal parts, split"
	parts=$(tail -n +"$((mark + 1))" "$S3GATE_LOG" | grep -c '"method": "HEAD", "path": "[^"]*?partNumber=' || true)
	[ "$parts" -eq 4 ] && pass "$algo unequal parts: part 1, then each of the 3 parts asked" ||
		flunk "$algo unequal parts: $parts HEADs with partNumber, expected 4"
done
mark=$(s3env_log_mark)
get comp-equal-again comp/crc32c/equal
parts=$(tail -n +"$((mark + 1))" "$S3GATE_LOG" | grep -c 'partNumber=' || true)
[ "$parts" -eq 1 ] && pass "equal parts: one HEAD of part 1 is enough" ||
	flunk "equal parts: $parts partNumber requests, expected 1"
for algo in crc64nvme crc32c crc32; do
	put models "mpfull/$algo" "$w/big" "$algo" --parts 600000,600000,500003 --full-object
	get "mpfull-$algo" "mpfull/$algo" "${SPLIT[@]}"
	verified "mpfull-$algo" "mpfull/$algo" "$w/big" "$algo" "$algo FULL_OBJECT multipart"
done

# 4. corruption: the store's value and the bytes disagree
put models bad/small "$w/small" crc64nvme --wrong
get bad-small bad/small
failed bad-small bad/small crc64nvme "small, wrong crc64nvme"
put models bad/split "$w/big" sha1 --wrong
get bad-split bad/split "${SPLIT[@]}"
failed bad-split bad/split sha1 "split, wrong sha1"
put models bad/comp "$w/big" sha256 --parts 524288,524288,524288,127139 --wrong
get bad-comp bad/comp
failed bad-comp bad/comp sha256-composite "composite, wrong part checksum"
put models bad/mpfull "$w/big" crc32c --parts 600000,1100003 --full-object --wrong
get bad-mpfull bad/mpfull
failed bad-mpfull bad/mpfull crc32c "FULL_OBJECT multipart, wrong crc32c"

# 5. SSE-KMS: the ETag is no MD5 and never fails the object
put models kms/plain "$w/small" none --kms
etag=$(curl -sI "$S3_UPSTREAM/models/kms/plain" | tr -d '\r"' | sed -n 's/^[Ee][Tt]ag: //p')
md5=$(md5sum <"$w/small" | cut -d' ' -f1)
[ -n "$etag" ] && [ "$etag" != "$md5" ] && pass "the KMS object's ETag ($etag) is not its MD5" ||
	flunk "the KMS object's ETag is '$etag', its MD5 $md5"
get kms-plain kms/plain
verified kms-plain kms/plain "$w/small" size-only "SSE-KMS, no checksum"
expect_grep 'verified=size-only reason=sse-kms' "$w/log-kms-plain" "SSE-KMS: the log says why"
put models kms/crc "$w/big" crc32c --kms
get kms-crc kms/crc "${SPLIT[@]}"
verified kms-crc kms/crc "$w/big" crc32c "SSE-KMS with crc32c, split"
put models kms/md5chksum "$w/small" none --kms --md5chksum right
get kms-md5chksum kms/md5chksum
verified kms-md5chksum kms/md5chksum "$w/small" md5chksum "SSE-KMS with md5chksum"

# 6. SSE-C: read with customer keys, the ETag is no MD5 either
ssec=(env RCLONE_CONFIG_S3_SSE_CUSTOMER_ALGORITHM=AES256
	RCLONE_CONFIG_S3_SSE_CUSTOMER_KEY=SseCustKey-0123456789abcdefABCDE)
put models ssec/plain "$w/small" none --sse-c SseCustKey-0123456789abcdefABCDE
get ssec-plain ssec/plain "${ssec[@]}"
verified ssec-plain ssec/plain "$w/small" size-only "SSE-C, no checksum"
expect_grep 'verified=size-only reason=sse-c' "$w/log-ssec-plain" "SSE-C: the log says why"
put models ssec/crc "$w/small" crc64nvme --sse-c SseCustKey-0123456789abcdefABCDE
get ssec-crc ssec/crc "${ssec[@]}"
verified ssec-crc ssec/crc "$w/small" crc64nvme "SSE-C with crc64nvme"
# the keys alone say it: an object whose answer names no encryption
put models ssec/md5etag "$w/small" none
get ssec-md5etag ssec/md5etag "${ssec[@]}"
expect_grep 'verified=size-only reason=sse-c' "$w/log-ssec-md5etag" \
	"read with SSE-C keys: the ETag is not taken for an MD5"

# 7. rclone's multipart upload: its X-Amz-Meta-Md5chksum
head -c $((6 * 1024 * 1024 + 77)) /dev/urandom >"$w/rclone.bin"
rclone --config /dev/null copyto "$w/rclone.bin" s3:models/rclone/model.bin \
	--s3-upload-cutoff 1M --s3-chunk-size 5M 2>"$w/rclone.log"
expect_rc 0 $? "rclone uploads in parts"
etag=$(curl -sI "$S3_UPSTREAM/models/rclone/model.bin" | tr -d '\r"' | sed -n 's/^[Ee][Tt]ag: //p')
case $etag in *-2) pass "rclone's upload has a multipart ETag ($etag)" ;;
*) flunk "rclone's upload has ETag '$etag', expected one of 2 parts" ;; esac
get rclone rclone/model.bin "${SPLIT[@]}"
verified rclone rclone/model.bin "$w/rclone.bin" md5chksum "rclone multipart upload"

# 8. preference: the cheapest strong one present
put models pref/crc-and-bad-md5chksum "$w/small" crc32 --md5chksum wrong
get pref1 pref/crc-and-bad-md5chksum
verified pref1 pref/crc-and-bad-md5chksum "$w/small" crc32 "a checksum before md5chksum"
put models pref/bad-md5chksum "$w/small" none --md5chksum wrong
get pref2 pref/bad-md5chksum
failed pref2 pref/bad-md5chksum md5chksum "md5chksum before the ETag (a wrong one fails)"
put models pref/etag "$w/small" none
get pref3 pref/etag
verified pref3 pref/etag "$w/small" etag-md5 "the ETag's MD5 when nothing else"

# 8b. a checksum the store sent that cannot be read fails the object
# (exit 6, the header and its value named, what to do), never the next
# method: before, each of these passed on the ETag's MD5 or the size
unreadable() { # name key header value what
	expect_rc 6 "$rc" "$5: exit 6 (EXIT_INTEGRITY)"
	expect_grep "$2: the store sent $3: [\\\\\"]*$4[\\\\\"]*, which is not .*upload it again, or set RCLONE_IGNORE_CHECKSUM=true" \
		"$w/log-$1" "$5: the message names the header, its value and what to do"
	check "$5: no file at the final name" test ! -e "$w/out-$1/$(basename "$2")"
	no_temp_files "$w/out-$1" "$5: no temporary file left"
}
put models unread/zero "$w/small" crc32 --value 'KhCA7g==-0'
get unread-zero unread/zero
unreadable unread-zero unread/zero x-amz-checksum-crc32 'KhCA7g==-0' "a composite of 0 parts"
put models unread/short "$w/small" sha256 --value 'KhCA7g=='
get unread-short unread/short
unreadable unread-short unread/short x-amz-checksum-sha256 'KhCA7g==' "a sha256 of 4 bytes"
put models unread/md5chksum "$w/small" none --md5chksum 'not*base64'
get unread-md5chksum unread/md5chksum
unreadable unread-md5chksum unread/md5chksum x-amz-meta-md5chksum 'not\*base64' \
	"an md5chksum that is no base64 (the ETag's MD5 is not taken instead)"
put models unread/split "$w/big" crc32c --value 'KhCA7g==-3'
get unread-split unread/split "${SPLIT[@]}"
unreadable unread-split unread/split x-amz-checksum-crc32c 'KhCA7g==-3' \
	"split: a composite value on a FULL_OBJECT single-part upload (from the HEAD)"
get unread-ignored unread/split env RCLONE_IGNORE_CHECKSUM=true "${SPLIT[@]}"
verified unread-ignored unread/split "$w/big" size-only "the message's way out works"

# 9. RCLONE_IGNORE_CHECKSUM=true: no checksum mode, the size only
mark=$(s3env_log_mark)
get ignore bad/small env RCLONE_IGNORE_CHECKSUM=true
verified ignore bad/small "$w/small" size-only "RCLONE_IGNORE_CHECKSUM=true"
expect_grep 'reason=ignore-checksum' "$w/log-ignore" "ignore: the log says why"
check "ignore: no request asked for checksums" \
	sh -c "! tail -n +$((mark + 1)) '$S3GATE_LOG' | grep -q checksum_mode"
get ignore-split bad/split env RCLONE_IGNORE_CHECKSUM=true "${SPLIT[@]}"
verified ignore-split bad/split "$w/big" size-only "RCLONE_IGNORE_CHECKSUM=true, split"

# 10. the split object's HEAD (the probe: the only HEAD with checksum
# mode; initc's first HEAD, which resolves the URI, has none) runs beside
# its parts. Every rule below matches the probe by its checksum-mode
# header and waits on events (parts served), never on a clock.
probe() { # key: the match for the probe of s3://models/KEY
	printf '"method": "HEAD", "checksum_mode": true, "path": "/models/%s$"' "$1"
}
# answered only once the 4 parts were served: the file waits for it and
# the digest covers every byte (parts folded before the check was known)
fault_set '[{'"$(probe full/crc32c/big)"', "action": "hold", "until_served": 4}]'
mark=$(s3env_log_mark)
get head-late full/crc32c/big "${SPLIT[@]}"
verified head-late full/crc32c/big "$w/big" crc32c "the probe answers after the last part"
check "the held request was the probe, after 4 parts" \
	sh -c "tail -n +$((mark + 1)) '$S3GATE_LOG' | grep '\"fault\": \"hold\"' |
		grep '\"checksum_mode\": \"ENABLED\"' | grep -q '\"served_before\": 4'"
# the probe takes no data slot: with RCLONE_TRANSFERS=1 and the probe
# held until the 4 parts were served, the parts still run (a probe in the
# only slot waited out the gateway's 120 s limit; 30 s is 10x typical)
fault_set '[{'"$(probe full/crc32c/big)"', "action": "hold", "until_served": 4}]'
get head-slot full/crc32c/big timeout 30 env RCLONE_TRANSFERS=1 "${SPLIT[@]}"
verified head-slot full/crc32c/big "$w/big" crc32c "RCLONE_TRANSFERS=1: the probe beside the parts"
# failing with 503 once: tried again in the loop, with a part's backoff
fault_set '[{'"$(probe full/sha256/big)"', "action": "status", "status": 503, "code": "SlowDown"}]'
get head-503 full/sha256/big "${SPLIT[@]}"
verified head-503 full/sha256/big "$w/big" sha256 "the probe fails once, then answers"
expect_grep 'retrying.*HEAD s3://models/full/sha256/big' "$w/log-head-503" "the failed probe is retried"
check "the 503 went to the probe" test "$(fault_count status)" -ge 1
# failing every time: the run fails after RCLONE_LOW_LEVEL_RETRIES, naming it
fault_set '[{'"$(probe full/sha256/big)"', "action": "status", "status": 503, "code": "SlowDown",
	      "times": 0}]'
get head-dead full/sha256/big env RCLONE_LOW_LEVEL_RETRIES=2 "${SPLIT[@]}"
expect_rc 5 "$rc" "a probe that always fails: exit 5 (EXIT_NETWORK)"
expect_grep 'HEAD s3://models/full/sha256/big.*after 2 attempts' "$w/log-head-dead" \
	"the message names the HEAD and its attempts"
no_temp_files "$w/out-head-dead" "a failed probe: no temporary file left"
# a probe describing another object (ETag or size not the listing's):
# the object changed, it starts again from zero (and is then verified)
for what in 'etag:"0123456789abcdef0123456789abcdef"' 'content-length:1700004'; do
	name=${what%%:*} value=${what#*:}
	fault_set '[{'"$(probe full/crc32/big)"', "action": "rewrite",
		      "headers": {"'"$name"'": '"$(printf '%s' "$value" | "$PY" -c 'import json,sys; print(json.dumps(sys.stdin.read()))')"'}}]'
	get "head-other-$name" full/crc32/big "${SPLIT[@]}"
	verified "head-other-$name" full/crc32/big "$w/big" crc32 "a probe with another $name"
	expect_grep 'object changed during the download: starting it again from zero.*changed before the download' \
		"$w/log-head-other-$name" "a probe with another $name: the object changed, started again"
done
# a probe without an ETag cannot say which object it describes: exit 6
fault_set '[{'"$(probe full/crc32/big)"', "action": "rewrite", "headers": {"etag": null}}]'
get head-noetag full/crc32/big "${SPLIT[@]}"
expect_rc 6 "$rc" "a probe without an ETag: exit 6"
expect_grep 'full/crc32/big: the store answered its HEAD without an ETag.*RCLONE_IGNORE_CHECKSUM=true' \
	"$w/log-head-noetag" "a probe without an ETag: the message says why and what to do"
no_temp_files "$w/out-head-noetag" "a probe without an ETag: no temporary file left"
# the object replaced during its probe (34 parts of 1 MiB: the probe goes
# out with the first 4, the gateway swaps the object once those are
# answered and holds the rest): the probe describes the old object, the
# later parts get 412 and it starts again from zero
put models swap/big "$w/huge" crc64nvme
fault_set '[{'"$(probe swap/big)"', "action": "replace", "file": "'"$w/big"'"}]'
get swap swap/big "${SPLIT[@]}" RCLONE_MULTI_THREAD_CHUNK_SIZE=1Mi
expect_rc 0 "$rc" "an object replaced during its probe: downloaded"
check "replaced during its probe: the new bytes" cmp -s "$w/big" "$w/out-swap/big"
expect_grep 'object changed during the download: starting it again from zero' "$w/log-swap" \
	"replaced during its probe: started again"
check "the replace hit the probe" test "$(fault_count replace)" -eq 1
fault_clear

# 11. the info summary counts files per method
"$INITC" --no-verify s3://models/comp/crc32 "$w/out-summary" 2>"$w/log-summary"
expect_rc 0 $? "two composite objects"
expect_grep 'msg="files verified" crc32-composite=2' "$w/log-summary" "the summary counts per method"

s3env_assert_all_signed
assert_done
