#!/usr/bin/env bash
# s3gate_selftest: the verifying gateway of tests/lib/s3gate.py accepts what
# botocore, curl --aws-sigv4 and rclone sign, and refuses every request that
# was altered after signing, signed with the wrong key, or not signed.
# It also checks what s3gate adds to s3rver: 412 for a stale If-Match, the
# "replace" fault, multipart ETags (s3env_put_multipart).
# If this test fails, no other S3 integration test can be trusted.
# shellcheck disable=SC2119 # s3env_* functions take optional arguments
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/s3env.sh

failures=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failures=$((failures + 1)); }
expect() { # what, command...: passes when the command succeeds
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

command -v rclone >/dev/null || { fail "rclone is not installed (apt-get install rclone)"; exit 1; }
"$S3ENV_PYTHON" -c 'import botocore' 2>/dev/null ||
	{ fail "python3-botocore is not installed"; exit 1; }

s3env_start
export S3_ANON_ENDPOINT S3_TOKEN_ENDPOINT S3_SESSION_TOKEN=selftest-session-token-42
S3_ANON_ENDPOINT=$(s3env_start_gate anon.log --allow-anonymous) || s3env_die "anonymous gateway did not start"
S3_TOKEN_ENDPOINT=$(s3env_start_gate token.log --session-token "$S3_SESSION_TOKEN") ||
	s3env_die "session-token gateway did not start"
export S3_NO_IF_MATCH_ENDPOINT S3_FAULT_ENDPOINT S3_FAULT_FILE=$S3ENV_DIR/faults.json
S3_NO_IF_MATCH_ENDPOINT=$(s3env_start_gate no-if-match.log --no-if-match) ||
	s3env_die "--no-if-match gateway did not start"
S3_FAULT_ENDPOINT=$(s3env_start_gate fault.log --faults "$S3_FAULT_FILE") ||
	s3env_die "fault gateway did not start"

# --- fixtures, uploaded straight to s3rver -----------------------------------
export S3_BUCKET=selftest FIXTURES=$S3ENV_DIR/fixtures
mkdir -p "$FIXTURES/iris/sub" "$FIXTURES/iris2" "$FIXTURES/keys"
printf 'hello through the gateway\n' >"$FIXTURES/plain.txt"
head -c 33554432 /dev/urandom >"$FIXTURES/big.bin" # streamed, 32 MiB
printf 'flavors: {}\n' >"$FIXTURES/iris/MLmodel"
head -c 4096 /dev/urandom >"$FIXTURES/iris/model.pkl"
printf 'name: mlflow-env\n' >"$FIXTURES/iris/sub/conda.yaml"
printf 'not part of iris\n' >"$FIXTURES/iris2/decoy.txt"
s3env_mkbucket "$S3_BUCKET"
s3env_put "$S3_BUCKET" plain.txt "$FIXTURES/plain.txt"
s3env_put "$S3_BUCKET" big.bin "$FIXTURES/big.bin"
s3env_put_tree "$S3_BUCKET" models/iris "$FIXTURES/iris"
s3env_put_tree "$S3_BUCKET" models/iris2 "$FIXTURES/iris2"
# Keys S3 signers most often get wrong; each object holds its own key.
export SPECIAL_KEYS='with space.txt
a+b=c.txt
100%.txt
tilde~name.txt
ünïcødé/ключ 文件.txt
q?x=1&y=#frag[1]{2}.txt'
# (s3rver itself folds '.' and '..' segments and answers 404 for '//', so
# those cannot be tested here.)
n=0
while IFS= read -r key; do
	n=$((n + 1))
	printf '%s' "$key" >"$FIXTURES/keys/$n"
	s3env_put "$S3_BUCKET" "$key" "$FIXTURES/keys/$n"
done <<<"$SPECIAL_KEYS"
# Multipart uploads: ETags "<hex>-3" and "<hex>-1", not MD5s.
head -c $((2 * 1048576 + 12345)) /dev/urandom >"$FIXTURES/parts.bin"
s3env_put_multipart "$S3_BUCKET" multipart/parts.bin "$FIXTURES/parts.bin" 1048576
s3env_put_multipart "$S3_BUCKET" "multipart/one part.txt" "$FIXTURES/plain.txt"
# The replace fault swaps swap.bin for these.
head -c 2000000 /dev/urandom >"$FIXTURES/swap.bin"
head -c 3000000 /dev/urandom >"$FIXTURES/swap-new.bin"
head -c $((3 * 1048576 + 5)) /dev/urandom >"$FIXTURES/swap-multipart.bin"
s3env_put "$S3_BUCKET" swap.bin "$FIXTURES/swap.bin"
[ -s "$S3GATE_LOG" ] && fail "set-up requests went through the gateway"

# --- botocore: what it signs passes, what was altered after signing fails ----
"$S3ENV_PYTHON" - <<'EOF'
import datetime, hashlib, os, sys, urllib.error, urllib.parse, urllib.request
import botocore.auth, botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

env = os.environ
bucket, fixtures = env["S3_BUCKET"], env["FIXTURES"]
failed = 0

def report(ok, what):
    global failed
    print(("ok - " if ok else "not ok - ") + what, flush=True)
    failed += not ok

def client(endpoint=env["S3_ENDPOINT"], key=env["S3_ACCESS_KEY"],
           secret=env["S3_SECRET_KEY"], region="us-east-1", token=None,
           unsigned=False):
    cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                 signature_version=UNSIGNED if unsigned else "s3v4")
    return botocore.session.get_session().create_client(
        "s3", endpoint_url=endpoint, region_name=region, config=cfg,
        aws_access_key_id=key, aws_secret_access_key=secret,
        aws_session_token=token)

def error_of(call):
    """(http status, S3 error code) of a call expected to fail."""
    try:
        call()
    except ClientError as e:
        return (e.response["ResponseMetadata"]["HTTPStatusCode"],
                e.response["Error"]["Code"])
    return (200, "no error")

def expect_error(what, call, status, code):
    got = error_of(call)
    report(got == (status, code), f"{what} -> {status} {code} (got {got[0]} {got[1]})")

def fixture(name):
    with open(os.path.join(fixtures, name), "rb") as f:
        return f.read()

def upstream_status(key):
    url = env["S3_UPSTREAM"] + "/" + bucket + "/" + urllib.parse.quote(key)
    try:
        return urllib.request.urlopen(url, timeout=30).status
    except urllib.error.HTTPError as e:
        return e.code

s3 = client()

def list_keys(**kw):
    keys, token = [], None
    while True:
        page = s3.list_objects_v2(Bucket=bucket, **kw,
                                  **({"ContinuationToken": token} if token else {}))
        keys += [o["Key"] for o in page.get("Contents", [])]
        token = page.get("NextContinuationToken")
        if not token:
            return keys

want = ["models/iris/MLmodel", "models/iris/model.pkl", "models/iris/sub/conda.yaml"]
got = list_keys(Prefix="models/iris/")
report(sorted(got) == want, f"botocore ListObjectsV2 passes the gateway ({len(got)} keys)")
got = list_keys(Prefix="models/", MaxKeys=1)
report(len(got) == 4, f"ListObjectsV2 paginated one key a page, continuation tokens signed ({len(got)} keys)")

body = s3.get_object(Bucket=bucket, Key="plain.txt")["Body"].read()
report(body == fixture("plain.txt"), "botocore GetObject passes and returns the object")
head = s3.head_object(Bucket=bucket, Key="plain.txt")
report(head["ContentLength"] == len(fixture("plain.txt")), "botocore HeadObject passes with the object's Content-Length")

r = s3.get_object(Bucket=bucket, Key="plain.txt", Range="bytes=6-12")
report(r["ResponseMetadata"]["HTTPStatusCode"] == 206 and r["Body"].read() == fixture("plain.txt")[6:13]
       and r["ContentRange"] == f"bytes 6-12/{len(fixture('plain.txt'))}",
       "a signed GET with Range passes and returns 206 with that slice")

digest = hashlib.sha256()
stream = s3.get_object(Bucket=bucket, Key="big.bin")["Body"]
for piece in iter(lambda: stream.read(1 << 20), b""):
    digest.update(piece)
report(digest.hexdigest() == hashlib.sha256(fixture("big.bin")).hexdigest(),
       "a 32 MiB object streams through the gateway intact")

for key in env["SPECIAL_KEYS"].split("\n"):
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        ok = body == key.encode()
    except ClientError as e:
        ok = False
        print(f"#   {e}")
    report(ok, f"key {key!r} signed by botocore passes and names the right object")

# Alter the request after botocore signed it, on its way to the wire.
def after_signing(c, event, change):
    c.meta.events.register("before-send.s3." + event, lambda request, **_: change(request))

def flip_signature(request):
    auth = request.headers["Authorization"]
    if isinstance(auth, bytes):
        auth = auth.decode()
    last = "0" if auth[-1] != "0" else "1"
    request.headers["Authorization"] = auth[:-1] + last

c = client(); after_signing(c, "GetObject", flip_signature)
expect_error("one character of the signature changed",
             lambda: c.get_object(Bucket=bucket, Key="plain.txt"), 403, "SignatureDoesNotMatch")

def retarget(request):
    request.url = request.url.replace("plain.txt", "big.bin")
c = client(); after_signing(c, "GetObject", retarget)
expect_error("path changed after signing (to an object that exists)",
             lambda: c.get_object(Bucket=bucket, Key="plain.txt"), 403, "SignatureDoesNotMatch")

def requery(request):
    request.url = request.url.replace("prefix=models%2Firis%2F", "prefix=models%2F")
c = client(); after_signing(c, "ListObjectsV2", requery)
expect_error("query string changed after signing",
             lambda: c.list_objects_v2(Bucket=bucket, Prefix="models/iris/"), 403, "SignatureDoesNotMatch")

def add_range(request):
    request.headers["Range"] = "bytes=0-1"
c = client(); after_signing(c, "GetObject", add_range)
r = c.get_object(Bucket=bucket, Key="plain.txt")
report(r["ResponseMetadata"]["HTTPStatusCode"] == 206,
       "an unsigned extra header (Range) is not checked, but is forwarded")

expect_error("wrong access key id",
             lambda: client(key="AKIDNOTTHEONE").get_object(Bucket=bucket, Key="plain.txt"),
             403, "InvalidAccessKeyId")
expect_error("right key id, wrong secret",
             lambda: client(secret="x" * 40).get_object(Bucket=bucket, Key="plain.txt"),
             403, "SignatureDoesNotMatch")
expect_error("signed for another region",
             lambda: client(region="eu-west-1").get_object(Bucket=bucket, Key="plain.txt"),
             400, "AuthorizationHeaderMalformed")
expect_error("unsigned botocore request without --allow-anonymous",
             lambda: client(unsigned=True).get_object(Bucket=bucket, Key="plain.txt"),
             403, "AccessDenied")

s3.put_object(Bucket=bucket, Key="uploaded/ok.bin", Body=b"signed upload " * 1000)
report(upstream_status("uploaded/ok.bin") == 200, "a signed PutObject passes and reaches s3rver")

def swap_body(request):
    original = request.body.read() if hasattr(request.body, "read") else request.body
    request.body = b"X" * len(original)
c = client(); after_signing(c, "PutObject", swap_body)
expect_error("body changed after signing its sha256",
             lambda: c.put_object(Bucket=bucket, Key="uploaded/forged.bin", Body=b"original " * 1000),
             400, "XAmzContentSHA256Mismatch")
report(upstream_status("uploaded/forged.bin") == 404, "the forged body never reached s3rver")

tok = client(endpoint=env["S3_TOKEN_ENDPOINT"], token=env["S3_SESSION_TOKEN"])
report(tok.get_object(Bucket=bucket, Key="plain.txt")["Body"].read() == fixture("plain.txt"),
       "--session-token: a request carrying the signed token passes")
expect_error("--session-token: a request without the token",
             lambda: client(endpoint=env["S3_TOKEN_ENDPOINT"]).get_object(Bucket=bucket, Key="plain.txt"),
             403, "InvalidToken")
expect_error("--session-token: a request with another token",
             lambda: client(endpoint=env["S3_TOKEN_ENDPOINT"], token="other").get_object(Bucket=bucket, Key="plain.txt"),
             403, "InvalidToken")

# Last: botocore now signs with a clock 20 minutes slow.
class SlowClock(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
class DatetimeModule:
    datetime = SlowClock
botocore.auth.datetime = DatetimeModule
expect_error("x-amz-date 20 minutes off",
             lambda: client().get_object(Bucket=bucket, Key="plain.txt"), 403, "RequestTimeTooSkewed")
sys.exit(2 if failed else 0)  # 2: failures already reported
EOF
case $? in
0) ;;
2) failures=$((failures + 1)) ;;
*) fail "the botocore checks ran to the end (see the traceback above)" ;;
esac

# --- what the log says about those requests ----------------------------------
summary=$(s3env_sig_summary)
case $summary in
"ok=0 "* | *" bad=0 "*) fail "the log counts both ok and bad requests ($summary)" ;;
*) pass "the log counts both ok and bad requests ($summary)" ;;
esac
expect "a bad request's log line carries botocore's canonical request" \
	grep -q '"canonical_request": "GET\\n/selftest/plain.txt\\n' "$S3GATE_LOG"
# shellcheck disable=SC2016 # expanded by the inner bash
expect "no log or error output contains the secret key" \
	bash -c '! grep -rqF -- "$S3_SECRET_KEY" "$S3ENV_DIR"/*.log "$S3ENV_DIR"/*.err "$S3ENV_DIR"/*.out'

# --- curl, unsigned and with its own SigV4 signer ------------------------------
body=$(curl -q -s -w '%{http_code}' "$S3_ENDPOINT/$S3_BUCKET/plain.txt")
case $body in
*"<Code>AccessDenied</Code>"*403) pass "unsigned curl GET -> 403 AccessDenied" ;;
*) fail "unsigned curl GET -> 403 AccessDenied (got: $body)" ;;
esac
body=$(curl -q -s "$S3_ANON_ENDPOINT/$S3_BUCKET/plain.txt")
expect "--allow-anonymous: the unsigned GET is forwarded" [ "$body" = "$(cat "$FIXTURES/plain.txt")" ]
expect "--allow-anonymous: the log calls it anonymous" grep -q '"verdict": "anonymous"' "$S3ENV_DIR/anon.log"

mark=$(s3env_log_mark)
sigv4=(--aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
curl -q -sS -f -o "$S3ENV_DIR/curl.out" "${sigv4[@]}" "$S3_ENDPOINT/$S3_BUCKET/a%2Bb%3Dc.txt"
expect "curl --aws-sigv4 GET of 'a+b=c.txt' passes" [ "$(cat "$S3ENV_DIR/curl.out")" = "a+b=c.txt" ]
head -c 3000000 /dev/urandom >"$S3ENV_DIR/upload.bin"
curl -q -sS -f -o /dev/null "${sigv4[@]}" -T "$S3ENV_DIR/upload.bin" "$S3_ENDPOINT/$S3_BUCKET/uploaded/curl.bin"
curl -q -sS -f -o "$S3ENV_DIR/back.bin" "$S3_UPSTREAM/$S3_BUCKET/uploaded/curl.bin"
expect "curl --aws-sigv4 PUT of 3 MB (Expect: 100-continue) arrives intact" cmp -s "$S3ENV_DIR/upload.bin" "$S3ENV_DIR/back.bin"
s3env_assert_all_signed "$mark" || failures=$((failures + 1))

# --- rclone 1.60 through the gateway -------------------------------------------
mark=$(s3env_log_mark)
s3env_rclone_env S3 >/dev/null
out=$S3ENV_DIR/rclone-out
if RCLONE_CONFIG=/dev/null timeout 60 rclone copy "S3:$S3_BUCKET/models/iris" "$out" 2>"$S3ENV_DIR/rclone.err"; then
	pass "rclone copy of a prefix through the gateway succeeds"
else
	fail "rclone copy of a prefix through the gateway succeeds: $(tail -3 "$S3ENV_DIR/rclone.err")"
fi
expect "rclone copied exactly the prefix's files, byte for byte" diff -r "$FIXTURES/iris" "$out"
s3env_assert_all_signed "$mark" || failures=$((failures + 1))

# --- If-Match, the replace fault, multipart ETags ----------------------------
"$S3ENV_PYTHON" - <<'EOF'
import hashlib, json, os, sys, threading, time
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

env = os.environ
bucket, fixtures = env["S3_BUCKET"], env["FIXTURES"]
failed = 0

def report(ok, what):
    global failed
    print(("ok - " if ok else "not ok - ") + what, flush=True)
    failed += not ok

def client(endpoint):
    cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
    return botocore.session.get_session().create_client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", config=cfg,
        aws_access_key_id=env["S3_ACCESS_KEY"],
        aws_secret_access_key=env["S3_SECRET_KEY"])

def fixture(name):
    with open(os.path.join(fixtures, name), "rb") as f:
        return f.read()

def md5_etag(data):
    return '"' + hashlib.md5(data).hexdigest() + '"'

def multipart_etag(data, part_size):
    parts = [data[i:i + part_size] for i in range(0, len(data), part_size)] or [b""]
    digests = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(digests).hexdigest()}-{len(parts)}"'

def status_of(call):
    """(http status, S3 error code) of a call; (200, "") when it succeeds."""
    try:
        r = call()
        return (r["ResponseMetadata"]["HTTPStatusCode"], "")
    except ClientError as e:
        return (e.response["ResponseMetadata"]["HTTPStatusCode"],
                e.response["Error"]["Code"])

def get(c, key, **kw):
    r = c.get_object(Bucket=bucket, Key=key, **kw)
    return r["ETag"], r["Body"].read()

def set_faults(rules):
    # A rename: the gateway never reads a half-written rules file.
    tmp = env["S3_FAULT_FILE"] + ".tmp"
    with open(tmp, "w") as f:
        json.dump(rules, f)
    os.replace(tmp, env["S3_FAULT_FILE"])

s3 = client(env["S3_ENDPOINT"])
plain = fixture("plain.txt")
etag = s3.head_object(Bucket=bucket, Key="plain.txt")["ETag"]
stale = '"0123456789abcdef0123456789abcdef"'

# --- If-Match: 412 when stale, as S3 and MinIO answer; s3rver ignores it
got = status_of(lambda: s3.get_object(Bucket=bucket, Key="plain.txt", IfMatch=stale))
report(got == (412, "PreconditionFailed"), f"GET with a stale If-Match -> 412 PreconditionFailed (got {got})")
got = status_of(lambda: s3.get_object(Bucket=bucket, Key="plain.txt", IfMatch=stale, Range="bytes=0-3"))
report(got == (412, "PreconditionFailed"), f"ranged GET with a stale If-Match -> 412 PreconditionFailed (got {got})")
got = status_of(lambda: s3.head_object(Bucket=bucket, Key="plain.txt", IfMatch=stale))
report(got[0] == 412, f"HEAD with a stale If-Match -> 412 (got {got})")
# S3 checks If-Match before Range and If-None-Match; s3rver answers these
# without an ETag.
got = status_of(lambda: s3.get_object(Bucket=bucket, Key="plain.txt", IfMatch=stale, Range="bytes=1000-1999"))
report(got == (412, "PreconditionFailed"), f"a range past the end with a stale If-Match -> 412, not 416 (got {got})")
got = status_of(lambda: s3.get_object(Bucket=bucket, Key="plain.txt", IfMatch=etag, Range="bytes=1000-1999"))
report(got == (416, "InvalidRange"), f"the same range with the current ETag -> 416 InvalidRange (got {got})")
got = status_of(lambda: s3.get_object(Bucket=bucket, Key="plain.txt", IfMatch=stale, IfNoneMatch=etag))
report(got == (412, "PreconditionFailed"), f"a stale If-Match with a matching If-None-Match -> 412, not 304 (got {got})")
got = status_of(lambda: s3.get_object(Bucket=bucket, Key="plain.txt", IfMatch=etag, IfNoneMatch=etag))
report(got[0] == 304, f"the current ETag in both -> 304 (got {got})")
report(get(s3, "plain.txt", IfMatch=etag) == (etag, plain), "GET with the current ETag as If-Match -> 200 and the object")
report(get(s3, "plain.txt", IfMatch=etag.strip('"'))[1] == plain, "GET with the current ETag unquoted as If-Match -> 200")
report(get(s3, "plain.txt", IfMatch="*")[1] == plain, "GET with If-Match: * -> 200")
got = status_of(lambda: s3.head_object(Bucket=bucket, Key="plain.txt", IfMatch=etag))
report(got == (200, ""), f"HEAD with the current ETag as If-Match -> 200 (got {got})")
got = status_of(lambda: s3.head_object(Bucket=bucket, Key="plain.txt", IfMatch="*"))
report(got == (200, ""), f"HEAD with If-Match: * -> 200 (got {got})")
got = status_of(lambda: s3.get_object(Bucket=bucket, Key="no-such-key", IfMatch=stale))
report(got == (404, "NoSuchKey"), f"a stale If-Match on a missing key -> 404 NoSuchKey, not 412 (got {got})")
lax = client(env["S3_NO_IF_MATCH_ENDPOINT"])
report(get(lax, "plain.txt", IfMatch=stale) == (etag, plain),
       "--no-if-match: a GET with a stale If-Match is relayed (200), as s3rver answers")
got = status_of(lambda: lax.head_object(Bucket=bucket, Key="plain.txt", IfMatch=stale))
report(got == (200, ""), f"--no-if-match: a HEAD with a stale If-Match is relayed (got {got})")

# --- multipart uploads (s3env_put_multipart): ETag "<hex>-N", not an MD5
parts = fixture("parts.bin")
want = multipart_etag(parts, 1048576)
report(get(s3, "multipart/parts.bin") == (want, parts),
       f"a multipart upload of 3 parts has S3's ETag {want} and its bytes")
report(want.endswith('-3"') and want != md5_etag(parts), "that ETag ends in -3 and is not the MD5")
got = s3.list_objects_v2(Bucket=bucket, Prefix="multipart/")["Contents"]
report([(o["Key"], o["ETag"]) for o in got] == [("multipart/one part.txt", multipart_etag(plain, 5242880)),
                                                ("multipart/parts.bin", want)],
       "ListObjectsV2 shows the same multipart ETags (default part size: one part, -1)")
report(get(s3, "multipart/parts.bin", IfMatch=want)[1] == parts, "If-Match with a multipart ETag -> 200")

# --- the replace fault: the next request sees the new object
fs3 = client(env["S3_FAULT_ENDPOINT"])
old, new = fixture("swap.bin"), fixture("swap-new.bin")
set_faults([{"method": "GET", "path": "^/selftest/swap\\.bin", "range": True,
             "action": "replace", "file": os.path.join(fixtures, "swap-new.bin")}])
r = fs3.get_object(Bucket=bucket, Key="swap.bin", Range="bytes=0-99999")
report(r["ETag"] == md5_etag(old) and r["Body"].read() == old[:100000],
       "replace: the ranged GET it acts on gets the old object's bytes and ETag")
report(get(fs3, "swap.bin") == (md5_etag(new), new),
       "replace: the next GET returns the new bytes and the new ETag")
got = status_of(lambda: fs3.get_object(Bucket=bucket, Key="swap.bin", Range="bytes=100000-199999",
                                       IfMatch=md5_etag(old)))
report(got == (412, "PreconditionFailed"), f"replace: a ranged GET pinned to the old ETag -> 412 (got {got})")
report(get(s3, "swap.bin")[0] == md5_etag(new), "replace: the object changed on s3rver, not only in this gateway")

mp = fixture("swap-multipart.bin")
want = multipart_etag(mp, 1048576)
set_faults([{"method": "GET", "path": "^/selftest/swap\\.bin", "range": True, "action": "replace",
             "file": os.path.join(fixtures, "swap-multipart.bin"), "multipart": True, "part_size": 1048576}])
r = fs3.get_object(Bucket=bucket, Key="swap.bin", Range="bytes=0-9")
report(r["Body"].read() == new[:10], "replace, multipart: the ranged GET it acts on gets the previous bytes")
report(get(fs3, "swap.bin") == (want, mp) and want.endswith('-4"'),
       f"replace, multipart: the next GET returns the new bytes with ETag {want}")

# A GET already forwarded when the replace fires keeps the old object whole
# (S3 swaps atomically; s3rver would rewrite the file under it): the stall
# holds it in flight, its log line says it is, then the replace fires.
set_faults([{"method": "GET", "path": "^/selftest/swap\\.bin", "range": False,
             "action": "stall", "after": 1000, "seconds": 1},
            {"method": "GET", "path": "^/selftest/swap\\.bin", "range": True,
             "action": "replace", "file": os.path.join(fixtures, "swap-new.bin")}])
stalled = {}
reader = threading.Thread(target=lambda: stalled.update(r=get(client(env["S3_FAULT_ENDPOINT"]), "swap.bin")))
reader.start()
fault_log = os.path.join(env["S3ENV_DIR"], "fault.log")
for _ in range(600):  # an event, bounded at 30 s: the stall is logged as it begins
    with open(fault_log) as f:
        if '"fault": "stall"' in f.read():
            break
    time.sleep(0.05)
fs3.get_object(Bucket=bucket, Key="swap.bin", Range="bytes=0-9")["Body"].read()
reader.join()
report(stalled.get("r") == (want, mp),
       "replace: a GET in flight when it fires still gets the old object, whole, with its ETag")
report(get(fs3, "swap.bin") == (md5_etag(new), new), "replace: and the GET after it the new one")
set_faults([])
sys.exit(2 if failed else 0)  # 2: failures already reported
EOF
case $? in
0) ;;
2) failures=$((failures + 1)) ;;
*) fail "the If-Match and replace checks ran to the end (see the traceback above)" ;;
esac
expect "a 412 is logged with \"precondition\": the If-Match and the ETag" \
	grep -q '"precondition": "If-Match .* does not match the ETag .*"status": 412' "$S3GATE_LOG"
expect "the replace fault is logged with the new ETag" \
	grep -q '"fault": "replace".*"replaced": "\\"[0-9a-f]*-4\\""' "$S3ENV_DIR/fault.log"
if grep -q '"precondition"' "$S3ENV_DIR/no-if-match.log"; then
	fail "the --no-if-match gateway logged no precondition"
else
	pass "the --no-if-match gateway logged no precondition"
fi

# --- the gateway does not outlive its limits -----------------------------------
# Events, not clocks: the gateway says why it exits; `timeout` and the
# polling loops below are safety nets 30-60 times the usual 0.5-2 s, so
# only a gateway that never exits fails, not a slow machine.
S3GATE_SECRET_KEY=x timeout 60 "$S3ENV_PYTHON" tests/lib/s3gate.py --upstream "${S3_UPSTREAM#http://}" \
	--access-key k --max-seconds 1 >/dev/null 2>"$S3ENV_DIR/max-seconds.err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q -- '--max-seconds .* reached' "$S3ENV_DIR/max-seconds.err"; then
	pass "--max-seconds 1 makes the gateway exit by itself"
else
	fail "--max-seconds 1 makes the gateway exit by itself (exit $rc, 124: killed by timeout 60)"
fi
# A parent shell that starts a gateway and dies without stopping it; it
# dies once the port file shows the gateway (and its watchdog) are up.
bash -c 'S3GATE_SECRET_KEY=x "$0" tests/lib/s3gate.py --upstream 127.0.0.1:1 --access-key k \
	--port-file "$1" >/dev/null 2>&1 & echo $! >"$2"
	for ((i = 0; i < 600; i++)); do [ -s "$1" ] && exit 0; sleep 0.05; done; exit 1' \
	"$S3ENV_PYTHON" "$S3ENV_DIR/orphan.port" "$S3ENV_DIR/orphan.pid" ||
	fail "the orphan gateway wrote no port file within 30 s"
orphan=$(cat "$S3ENV_DIR/orphan.pid") orphan_gone=no
for ((i = 0; i < 600; i++)); do # the watchdog looks every 0.5 s
	kill -0 "$orphan" 2>/dev/null || { orphan_gone=yes; break; }
	sleep 0.05
done
[ "$orphan_gone" = yes ] || kill "$orphan" 2>/dev/null
expect "the gateway exits when its parent dies" [ "$orphan_gone" = yes ]

[ "$failures" -eq 0 ]
