#!/usr/bin/env bash
# initc against a real S3 server (s3rver) behind a gateway where botocore
# checks every request's SigV4 signature.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
INITC=${INITC:-$here/../../build/initc}

s3env_start >/dev/null || exit 1
s3env_mkbucket models
w=$S3ENV_DIR/w
mkdir -p "$w/src/iris/sub dir/deeper" "$w/src/iris2"
head -c 300000 /dev/urandom >"$w/src/iris/model.xgb"
printf 'flavors: {}\n' >"$w/src/iris/MLmodel"
: >"$w/src/iris/empty.bin"
for name in 'with space.txt' 'plus+sign.txt' 'eq=ual.txt' 'per%cent.txt' 'tilde~.txt' 'ünïcødé ✓.txt'; do
	echo "$name" >"$w/src/iris/sub dir/$name"
done
head -c 5000 /dev/urandom >"$w/src/iris/sub dir/deeper/nested.bin"
echo "must not be fetched" >"$w/src/iris2/other.txt"
s3env_put_tree models mlflow "$w/src"
s3env_rclone_env S3 >/dev/null
export INITC_TERMINATION_LOG=$w/termination-log

# 1. a prefix is a folder: everything below it, byte for byte, nothing of iris2
"$INITC" --no-verify s3://models/mlflow/iris "$w/out" 2>"$w/log1"
expect_rc 0 $? "download s3://models/mlflow/iris"
same_tree "$w/src/iris" "$w/out" "tree equal to the source (spaces, + = % ~, unicode, nested, empty file)"
check "models/iris did not pull models/iris2" test ! -e "$w/out/other.txt"
no_temp_files "$w/out" "no temporary file left"
expect_grep 'msg="download complete".*files=10 ' "$w/log1" "summary line counts 10 files"
expect_grep 'mbs=[0-9.]+' "$w/log1" "summary gives a rate"
expect_no_grep 'level=error' "$w/log1" "a successful --no-verify run logs no error"
check "a successful run writes no termination message" test ! -s "$w/termination-log"
s3env_assert_all_signed

# 2. a second run transfers nothing
mark=$(s3env_log_mark)
"$INITC" --no-verify s3://models/mlflow/iris "$w/out" 2>"$w/log2"
expect_rc 0 $? "second run"
gets=$(tail -n +"$((mark + 1))" "$S3GATE_LOG" | grep -c '"method": *"GET"' || true)
lists=$(tail -n +"$((mark + 1))" "$S3GATE_LOG" | grep -c 'list-type=2' || true)
if [ "$gets" -eq "$lists" ]; then pass "second run sent only the listing ($lists GET)"; else
	flunk "second run sent $gets GETs for $lists listings"; fi
expect_grep 'skipped=10' "$w/log2" "second run skipped all 10 files"

# 3. one object, named by its key, lands inside DEST
"$INITC" --no-verify s3://models/mlflow/iris/model.xgb "$w/single" 2>/dev/null
expect_rc 0 $? "single object"
check "single object lands at DEST/model.xgb" cmp -s "$w/src/iris/model.xgb" "$w/single/model.xgb"

# 4. large objects in ranged parts (cutoff lowered), byte-identical, signed
head -c $((6 * 1024 * 1024 + 123)) /dev/urandom >"$w/big.bin"
s3env_put models big/model.bin "$w/big.bin"
mark=$(s3env_log_mark)
RCLONE_MULTI_THREAD_CUTOFF=1Mi RCLONE_MULTI_THREAD_STREAMS=4 "$INITC" --no-verify \
	s3://models/big "$w/big" 2>"$w/log4"
expect_rc 0 $? "large object in 4 ranged parts"
check "large object byte-identical" cmp -s "$w/big.bin" "$w/big/model.bin"
ranged=$(tail -n +"$((mark + 1))" "$S3GATE_LOG" | grep -c '"status": *206' || true)
if [ "$ranged" -eq 4 ]; then pass "4 ranged GETs answered 206"; else flunk "$ranged ranged GETs, want 4"; fi
s3env_assert_all_signed "$mark"

# 4a. parts no larger than RCLONE_MULTI_THREAD_CHUNK_SIZE: 7 of them, 2 at a time
mark=$(s3env_log_mark)
RCLONE_MULTI_THREAD_CUTOFF=1Mi RCLONE_MULTI_THREAD_STREAMS=2 RCLONE_MULTI_THREAD_CHUNK_SIZE=1Mi \
	INITC_LOG_LEVEL=debug "$INITC" --no-verify s3://models/big "$w/chunked" 2>"$w/log4a"
expect_rc 0 $? "large object in 1 MiB chunks"
check "chunked object byte-identical" cmp -s "$w/big.bin" "$w/chunked/model.bin"
ranged=$(tail -n +"$((mark + 1))" "$S3GATE_LOG" | grep -c '"status": *206' || true)
if [ "$ranged" -eq 7 ]; then pass "7 ranged GETs of at most 1 MiB"; else flunk "$ranged ranged GETs, want 7"; fi
expect_grep 'file complete.*verified=etag-md5' "$w/log4a" "MD5 checked across the chunks"

# 4b. a large object whose MD5 is checked on the hasher thread (>= 32 MiB)
head -c $((40 * 1024 * 1024 + 7)) /dev/urandom >"$w/huge.bin"
s3env_put models huge/model.bin "$w/huge.bin"
RCLONE_MULTI_THREAD_CUTOFF=8Mi RCLONE_MULTI_THREAD_STREAMS=4 INITC_LOG_LEVEL=debug \
	INITC_PROGRESS_INTERVAL=1ms "$INITC" --no-verify s3://models/huge "$w/huge" 2>"$w/log4b"
expect_rc 0 $? "40 MiB object in 4 ranged parts, MD5 on the hasher thread"
check "40 MiB object byte-identical" cmp -s "$w/huge.bin" "$w/huge/model.bin"
expect_grep 'file complete.*verified=etag-md5' "$w/log4b" "its MD5 was checked against the ETag"
mark=$(s3env_log_mark)
RCLONE_MULTI_THREAD_CUTOFF=8Mi RCLONE_MULTI_THREAD_CHUNK_SIZE=4Mi INITC_LOG_LEVEL=debug \
	"$INITC" --no-verify s3://models/huge "$w/huge4" 2>"$w/log4c"
expect_rc 0 $? "40 MiB object in 4 MiB chunks, MD5 on the hasher thread"
check "40 MiB object in chunks byte-identical" cmp -s "$w/huge.bin" "$w/huge4/model.bin"
ranged=$(tail -n +"$((mark + 1))" "$S3GATE_LOG" | grep -c '"status": *206' || true)
if [ "$ranged" -eq 11 ]; then pass "11 ranged GETs of at most 4 MiB"; else flunk "$ranged ranged GETs, want 11"; fi
expect_grep 'file complete.*verified=etag-md5' "$w/log4c" "its MD5 was checked by the thread across 11 parts"
expect_grep 'msg=progress bytes=[0-9]+ total=41943047 files_done=[0-9]+ rate_mbs=[0-9.]+' "$w/log4b" \
	"progress lines give bytes, total and rate"

# 4b'. a plain http(s) file (s3rver serves GETs without signatures)
"$INITC" --no-verify "$S3_UPSTREAM/models/mlflow/iris/model.xgb" "$w/http" 2>"$w/logh"
expect_rc 0 $? "a plain http:// file"
check "the http file lands at DEST/model.xgb, byte-identical" cmp -s "$w/src/iris/model.xgb" "$w/http/model.xgb"
"$INITC" --no-verify "$S3_UPSTREAM/models/mlflow/iris/nope.bin" "$w/http404" 2>/dev/null
expect_rc 4 $? "a missing http file is not found"
check "nothing written for a missing http file" test ! -e "$w/http404/nope.bin"

# 4c. the MD5 check bites: change stored bytes behind s3rver's back (same
# size, old ETag), for a small object (inline MD5) and a large one (thread)
corrupt() { # key: invert one byte in the middle of s3rver's stored object
	local f="$S3ENV_DIR/data/models/$1._S3rver_object"
	[ -f "$f" ] || return 1
	/usr/bin/python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(0, 2); mid = f.tell() // 2; f.seek(mid); b = f.read(1)
    f.seek(mid); f.write(bytes([b[0] ^ 0xFF]))' "$f"
}
if corrupt big/model.bin && corrupt huge/model.bin; then
	for obj in big huge; do
		RCLONE_MULTI_THREAD_CUTOFF=1Mi RCLONE_LOW_LEVEL_RETRIES=2 "$INITC" --no-verify \
			"s3://models/$obj" "$w/bad-$obj" 2>"$w/log-bad-$obj"
		expect_rc 6 $? "corrupted $obj object: MD5 mismatch"
		expect_grep 'etag-md5 of the downloaded bytes is [0-9a-f]{32} but the store.s ETag says' "$w/log-bad-$obj" \
			"the $obj mismatch is explained"
		check "no $obj file at the final path" test ! -e "$w/bad-$obj/model.bin"
		no_temp_files "$w/bad-$obj" "no temporary $obj file left"
	done
	# rclone's --ignore-checksum: the size is still checked, the MD5 is not
	RCLONE_IGNORE_CHECKSUM=true "$INITC" --no-verify s3://models/big "$w/nomd5" 2>/dev/null
	expect_rc 0 $? "RCLONE_IGNORE_CHECKSUM=true skips the MD5 check (size still equal)"
else
	flunk "could not find s3rver's stored objects under $S3ENV_DIR/data"
fi

# 4c'. requester-pays and SSE-C headers are sent and signed (s3rver ignores
# them; the gateway's botocore check covers every signed header)
mark=$(s3env_log_mark)
RCLONE_CONFIG_S3_REQUESTER_PAYS=true RCLONE_CONFIG_S3_SSE_CUSTOMER_KEY=SseCustKey-0123456789abcdefABCDE \
	RCLONE_MULTI_THREAD_CUTOFF=1Mi "$INITC" --no-verify s3://models/mlflow/iris "$w/sse" 2>/dev/null
expect_rc 0 $? "requester_pays and an SSE-C key"
same_tree "$w/src/iris" "$w/sse" "requester-pays/SSE-C download equal"
s3env_assert_all_signed "$mark"

# 4d. a cutoff of 0 splits nothing too small to split: tiny and empty objects
RCLONE_MULTI_THREAD_CUTOFF=0 "$INITC" --no-verify s3://models/mlflow/iris "$w/cut0" 2>/dev/null
expect_rc 0 $? "RCLONE_MULTI_THREAD_CUTOFF=0 with tiny and empty objects"
same_tree "$w/src/iris" "$w/cut0" "cutoff 0 download equal"

# 4e. --server on the command line wins over a bad INITC_SERVER
INITC_SERVER=bogus "$INITC" --server MLFLOW_SERVER s3://models/mlflow/iris "$w/srv" 2>"$w/log4e"
rc=$?
if ! grep -q 'unknown server name' "$w/log4e"; then pass "--server overrides INITC_SERVER (exit $rc)"; else
	flunk "--server did not override INITC_SERVER=bogus"; fi
INITC_SERVER=bogus "$INITC" s3://models/mlflow/iris "$w/srv2" 2>"$w/log4f"
expect_rc 2 $? "a bad INITC_SERVER alone fails before downloading"
check "nothing downloaded for a bad INITC_SERVER" test ! -e "$w/srv2/MLmodel"

# 5. not found, and the remote that does not exist
"$INITC" --no-verify s3://models/nope "$w/nf" 2>"$w/log5"
expect_rc 4 $? "missing prefix"
expect_grep 'nothing found at s3://models/nope' "$w/log5" "missing prefix named"
expect_grep 'nothing found' "$w/termination-log" "termination log holds the reason"
"$INITC" --no-verify mys3:models/mlflow/iris "$w/nr" 2>"$w/log6"
expect_rc 2 $? "undefined remote"
expect_grep 'remote \\"mys3\\" is not defined: set RCLONE_CONFIG_MYS3_TYPE=s3' "$w/log6" \
	"undefined remote says which variables define it"
expect_grep 'remotes defined in the environment: S3' "$w/log6" "and which remotes exist"

# 6. a typo in a variable name is caught with the nearest known one
RCLONE_CONFIG_S3_ENDPIONT=http://x "$INITC" --no-verify s3://models/mlflow/iris "$w/typo" 2>"$w/log7"
expect_rc 2 $? "typo in RCLONE_CONFIG_S3_ENDPIONT"
expect_grep 'did you mean endpoint \(ENDPOINT\)' "$w/log7" "suggests ENDPOINT"

# 7. wrong secret: auth failure, and the secret is never printed
RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=not-the-secret-XYZZY "$INITC" --no-verify \
	s3://models/mlflow/iris "$w/auth" 2>"$w/log8"
expect_rc 3 $? "wrong secret"
expect_grep 'SignatureDoesNotMatch' "$w/log8" "auth error names S3's code"
expect_no_grep 'not-the-secret-XYZZY' "$w/log8" "secret absent from the log"
expect_no_grep 'not-the-secret-XYZZY' "$w/termination-log" "secret absent from the termination log"
expect_no_grep "$S3_SECRET_KEY" "$w/log1" "real secret absent from a successful run's log"

# 8. a key with .. is refused by name, nothing written outside DEST
s3env_put models 'evil/m/../../escape.txt' "$w/src/iris/MLmodel"
"$INITC" --no-verify s3://models/evil/m "$w/evil/dest" 2>"$w/log9"
rc=$?
if [ -e "$w/escape.txt" ] || [ -e "$w/evil/escape.txt" ]; then flunk "a .. key wrote outside DEST"; else
	pass "a .. key wrote nothing outside DEST"; fi
if [ "$rc" -eq 9 ]; then
	expect_grep 'refusing object key \\"evil/m/\.\./escape\.txt\\"' "$w/log9" "the .. key is refused by name"
else
	# s3rver may normalise the key when storing it; then the listing has no ..
	keys=$(curl -s "$S3_UPSTREAM/models?prefix=evil/" | grep -o '<Key>[^<]*</Key>')
	case $keys in *..*) flunk "a .. key was listed but initc exited $rc" ;;
	*) pass "s3rver stored the key without .. ($keys); the unit tests cover the refusal" ;; esac
fi

# 8a. a source path with '..' is requested exactly as it was signed: libcurl
# folds "/../" segments unless told not to (CURLOPT_PATH_AS_IS), and then
# sends another path than the signature covers. s3rver folds the segment
# itself when storing and serving (the object is dots/x), so what is asserted
# is the path the gateway received and botocore's verdict on it.
echo dots >"$w/dots.txt"
s3env_put models 'dots/m/../x' "$w/dots.txt"
mark=$(s3env_log_mark)
"$INITC" --no-verify s3://models/dots/m/../x "$w/dots" 2>"$w/log9a"
expect_rc 0 $? "a source path with .. is fetched"
check "its object is written whole" cmp -s "$w/dots.txt" "$w/dots/x"
for method in HEAD GET; do
	n=$(tail -n +"$((mark + 1))" "$S3GATE_LOG" |
		grep -c "\"method\": \"$method\", \"path\": \"/models/dots/m/\.\./x\", \"status\": 200, .*\"verdict\": \"ok\"")
	if [ "$n" -ge 1 ]; then pass "$method went out as /models/dots/m/../x, the path signed (botocore agrees)"
	else flunk "no $method of /models/dots/m/../x that botocore accepted:"
		tail -n +"$((mark + 1))" "$S3GATE_LOG" | sed 's/^/    | /'
	fi
done
s3env_assert_all_signed "$mark"

mark_after_bad=$(s3env_log_mark)

# 9. connection string and config file, with the environment overriding the file
unset RCLONE_CONFIG_S3_TYPE
cat >"$w/rclone.conf" <<CONF
[filed]
type = s3
provider = Minio
endpoint = http://127.0.0.1:1
access_key_id = $S3_ACCESS_KEY
secret_access_key = $S3_SECRET_KEY
CONF
RCLONE_CONFIG=$w/rclone.conf RCLONE_CONFIG_FILED_ENDPOINT=$S3_ENDPOINT \
	"$INITC" --no-verify filed:models/mlflow/iris "$w/filed" 2>/dev/null
expect_rc 0 $? "config file remote with RCLONE_CONFIG_FILED_ENDPOINT overriding the file"
same_tree "$w/src/iris" "$w/filed" "config file download equal"
env -u RCLONE_CONFIG_S3_PROVIDER -u RCLONE_CONFIG_S3_ENDPOINT "$INITC" --no-verify \
	":s3,provider=Minio,endpoint='$S3_ENDPOINT',access_key_id=$S3_ACCESS_KEY,secret_access_key=$S3_SECRET_KEY:models/mlflow/iris" \
	"$w/conn" 2>"$w/log10"
expect_rc 0 $? "connection string remote"
same_tree "$w/src/iris" "$w/conn" "connection string download equal"
expect_no_grep "$S3_SECRET_KEY" "$w/log10" "connection string secret absent from the log"

# 10. KServe's variables when no rclone remote is named s3
for v in $(compgen -e); do case $v in RCLONE_*) unset "$v" ;; esac; done
AWS_ENDPOINT_URL=$S3_ENDPOINT AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY \
	AWS_DEFAULT_REGION=$S3_REGION "$INITC" --no-verify s3://models/mlflow/iris "$w/kserve" 2>"$w/log11"
expect_rc 0 $? "KServe AWS_* variables"
same_tree "$w/src/iris" "$w/kserve" "KServe-variable download equal"
expect_grep "KServe's AWS_\* variables" "$w/log11" "log says which configuration was used"
s3env_assert_all_signed "$mark_after_bad"

# 11. session tokens are sent and signed
tok_ep=$(s3env_start_gate tok.log --session-token "tok-$$-secret")
AWS_ENDPOINT_URL=$tok_ep AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY \
	AWS_SESSION_TOKEN="tok-$$-secret" "$INITC" --no-verify s3://models/mlflow/iris "$w/tok" 2>"$w/log12"
expect_rc 0 $? "session token signed and accepted"
expect_no_grep "tok-$$-secret" "$w/log12" "session token absent from the log"

# 12. a destination that cannot be written
mkdir -p "$w/ro" && chmod 555 "$w/ro"
if [ "$(id -u)" != 0 ]; then
	AWS_ENDPOINT_URL=$S3_ENDPOINT AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY \
		"$INITC" --no-verify s3://models/mlflow/iris "$w/ro/x" 2>"$w/log13"
	expect_rc 7 $? "read-only destination"
else
	"$INITC" --no-verify s3://models/mlflow/iris /proc/initc-cannot-write 2>"$w/log13"
	expect_rc 7 $? "unwritable destination"
fi
expect_grep 'is not a writable folder' "$w/log13" "unwritable destination explained"

# 13. usage errors
"$INITC" onlyone 2>/dev/null
expect_rc 2 $? "one argument is a usage error"
"$INITC" --help | grep -q 'exit codes'
check "--help documents exit codes" test $? -eq 0
"$INITC" --version | grep -q 'libcurl'
check "--version names libcurl" test $? -eq 0
assert_done
