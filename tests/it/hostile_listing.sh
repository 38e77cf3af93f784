#!/usr/bin/env bash
# hostile_listing: ListObjects answers an attacker (or a broken store) could
# send: keys with '..', absolute paths, encoded NUL and control bytes,
# malformed XML, a 1 GB listing, a 1 MiB key, endless pagination. s3rver
# normalises such keys when storing them, so the gateway injects them into
# its answers. Each must end with a one-line error naming the problem, the
# documented exit code, bounded memory, and nothing written outside DEST.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
. "$here/../lib/fault.sh"
INITC=${INITC:-$here/../../build/initc}

fault_start >/dev/null || exit 1
s3env_mkbucket models
w=$S3ENV_DIR/w
mkdir -p "$w/src" "$w/jail/sentinel/deep"
printf 'flavors: {}\n' >"$w/src/MLmodel"
s3env_put_tree models h/m "$w/src"
echo precious >"$w/jail/sentinel/deep/file"
s3env_rclone_env S3 >/dev/null
export INITC_TERMINATION_LOG=$w/logs/termination-log RCLONE_LOW_LEVEL_RETRIES=2
snapshot() { (cd "$w" && find . -path ./jail/dest -prune -o -path ./logs -prune -o -print | sort); }
mkdir -p "$w/logs"
before=$(snapshot)

LIST='"method": "GET", "path": "[?&]list-type=2"'
# hostile NAME WANT_RC ERROR_REGEX RULE: DEST is $w/jail/dest
hostile() {
	local name=$1 want=$2 regex=$3 log=$w/logs/$1.log mem
	fault_set "[{$LIST, $4, \"times\": 0}]"
	rm -rf "$w/jail/dest"
	rm -f "$INITC_TERMINATION_LOG"
	/usr/bin/time -f 'maxrss_kb=%M' -o "$w/logs/$name.mem" \
		"$INITC" --no-verify s3://models/h/m "$w/jail/dest" 2>"$log"
	expect_rc "$want" $? "$name"
	expect_grep "level=error prog=initc msg=.*$regex" "$log" "$name: the error names the problem"
	if [ "$(grep -c 'level=error' "$log")" -eq 1 ] && [ "$(wc -l <"$INITC_TERMINATION_LOG")" -eq 1 ]; then
		pass "$name: one error line, one-line termination message"
	else
		flunk "$name: $(grep -c 'level=error' "$log") error lines, termination log:"
		sed 's/^/    | /' "$INITC_TERMINATION_LOG" | head -5
	fi
	mem=$(sed -n 's/^maxrss_kb=//p' "$w/logs/$name.mem")
	# far below the 1 GB listing below, with room for sanitizer builds
	if [ "${mem:-999999}" -lt 300000 ]; then pass "$name: bounded memory (max RSS ${mem} KiB)"; else
		flunk "$name: max RSS ${mem:-?} KiB"; fi
	if [ -z "$(find "$w/jail/dest" -type f ! -name .initc.lock 2>/dev/null)" ] && [ "$(snapshot)" = "$before" ]; then
		pass "$name: nothing written, inside or outside DEST"
	else
		flunk "$name: files appeared:"
		diff <(echo "$before") <(snapshot) | head -5 | sed 's/^/    | /'
		find "$w/jail/dest" -type f ! -name .initc.lock | head -5 | sed 's/^/    | /'
	fi
}

add() { # contents JSON list -> an add_listing rule
	printf '"action": "add_listing", "contents": %s' "$1"
}

hostile dotdot 9 'refusing object key .*h/m/\.\./\.\./escape\.txt.*\.\.' \
	"$(add '[{"key": "h/m/../../escape.txt", "size": 9}]')"
hostile absolute 9 'refusing object key .*h/m//x.*absolute' "$(add '[{"key": "h/m//x", "size": 9}]')"
hostile dot-segment 9 "refusing object key .*h/m/a/\./b.*'\.'" "$(add '[{"key": "h/m/a/./b", "size": 9}]')"
hostile encoded-dotdot 9 'refusing object key .*h/m/\.\./\.\./x' \
	'"action": "add_listing", "xml": "<EncodingType>url</EncodingType><Contents><Key>h/m/%2E%2E/%2E%2E/x</Key><Size>1</Size></Contents>"'
hostile encoded-nul 6 'h/m/a%00b.*encodes a NUL byte' \
	'"action": "add_listing", "xml": "<EncodingType>url</EncodingType><Contents><Key>h/m/a%00b</Key><Size>1</Size></Contents>"'
hostile encoded-newline 9 'refusing object key .*h/m/a\\nb.*control character' \
	'"action": "add_listing", "xml": "<EncodingType>url</EncodingType><Contents><Key>h/m/a%0Ab</Key><Size>1</Size></Contents>"'
hostile char-reference 6 'malformed XML in the listing.*invalid character' \
	'"action": "add_listing", "xml": "<Contents><Key>h/m/a&#1;b</Key><Size>1</Size></Contents>"'
hostile malformed-xml 6 'malformed XML in the listing at line 1' \
	'"action": "body", "head": "<?xml version=\"1.0\"?><ListBucketResult><Contents><Key>h/m/x</Key>"'
hostile not-xml 6 'malformed XML in the listing' '"action": "body", "head": "{\"this\": \"is json\"}"'
# 1 GB of well-formed objects: refused at the 64 MiB page limit, never held
hostile enormous-listing 6 'larger than 67108865 bytes' \
	'"action": "body", "head": "<?xml version=\"1.0\"?><ListBucketResult>", "item": "<Contents><Key>h/m/k</Key><Size>1</Size><ETag>x</ETag></Contents>", "count": 16000000, "tail": "</ListBucketResult>"'
hostile huge-key 6 'longer than 4096 bytes' \
	"\"action\": \"body\", \"head\": \"<ListBucketResult><Contents><Key>h/m/\", \"item\": \"k\", \"count\": 1048576, \"tail\": \"</Key><Size>1</Size></Contents></ListBucketResult>\""
# a store that always says "truncated" and hands back the same token
hostile endless-pages 6 'continuation token did not change' \
	'"action": "body", "head": "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>same</NextContinuationToken><Contents><Key>h/m/a</Key><Size>1</Size></Contents></ListBucketResult>"'

n=$(tail -n 200 "$S3GATE_LOG" | grep -c '"fault"' || true)
if [ "$n" -ge 12 ]; then pass "the gateway injected every hostile answer ($n)"; else flunk "only $n hostile answers were sent"; fi
assert_done
