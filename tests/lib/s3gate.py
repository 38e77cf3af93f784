#!/usr/bin/python3
"""s3gate: a SigV4-verifying HTTP/1.1 proxy in front of an S3 test server.

s3rver accepts any well-formed signature (and unsigned requests), so tests
of a hand-written signer learn nothing from it.  s3gate sits in between:
it rebuilds every request exactly as it arrived (raw path, raw query, the
headers named in SignedHeaders), lets botocore's S3SigV4Auth compute the
signature, and only forwards requests botocore agrees with.  Forwarded
requests lose their credentials, so s3rver serves them as anonymous ones.

Bodies move in CHUNK-sized pieces, never held whole in memory: responses
and UNSIGNED-PAYLOAD uploads stream through; an upload whose sha256 was
signed is spooled to a temporary file and checked before it is forwarded.
One JSON line per request goes to --log; secrets are never written.

s3rver 3.7.1 ignores If-Match; s3gate answers 412 for it as S3 does (see
if_match_fails), unless --no-if-match shows what such a server does.

--keys-file FILE accepts more key pairs than --access-key: JSON lines
{"access_key", "secret_key", "session_token", "expiration"} (expiration in
ISO 8601 or epoch seconds, null for never), re-read when the file changes,
as the credential stand-ins (aws_standins.py) issue keys.  A request signed
with an expired one is refused as S3 does (403 ExpiredToken); the log
names the access key id that signed each request ("akid"), never a secret.
s3rver knows nothing of S3's additional checksums nor of SSE-KMS; with
--checksums s3gate plays AWS's part (see Checksums):
  - it records the checksum a PutObject carries (x-amz-checksum-<algo>,
    algo one of crc64nvme crc32c crc32 sha1 sha256), and for a multipart
    upload the algorithm and type of CreateMultipartUpload
    (x-amz-checksum-algorithm, x-amz-checksum-type: COMPOSITE, the
    default, or FULL_OBJECT), each UploadPart's size and checksum, and,
    at CompleteMultipartUpload, the object's value: for COMPOSITE the
    checksum of the parts' checksums followed by "-N" (computed here with
    sums.py), for FULL_OBJECT the value the Complete request carries;
    the object gets S3's multipart ETag "<md5 of the part MD5s>-N";
  - a GET or HEAD with "x-amz-checksum-mode: ENABLED" gets
    x-amz-checksum-<algo> and x-amz-checksum-type, except a ranged GET or
    a ?partNumber request (S3 sends none for those);
  - a GET or HEAD with ?partNumber=K of a multipart object is answered
    from the recorded part sizes: that part's bytes (s3rver is asked for
    their range), its size, and x-amz-mp-parts-count;
  - an object uploaded with "x-amz-server-side-encryption: aws:kms" (or
    aws:kms:dsse) is served with that header and an ETag that is not its
    MD5, as S3 does; one uploaded with SSE-C keys likewise, with
    x-amz-server-side-encryption-customer-algorithm (s3rver encrypts
    nothing: the keys are not checked);
  - the log line of a GET or HEAD has "checksum_mode" when the request
    asked for checksums.
A record holds only while the object keeps the ETag it was given: an
object replaced by other means (straight to s3rver) is served plainly.
s3rver itself stores and returns x-amz-meta-* (rclone's md5chksum).

Run with Debian's /usr/bin/python3 (python3-botocore).
"""

import argparse
import datetime
import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import re
import socket
import socketserver
import struct
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape

from botocore.auth import S3SigV4Auth, SIGNED_HEADERS_BLACKLIST
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CHUNK = 64 * 1024
SPOOL_MEMORY = 8 * 1024 * 1024  # larger signed uploads spool to disk
MAX_SKEW = datetime.timedelta(minutes=15)
ALGORITHM = "AWS4-HMAC-SHA256"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
# Headers a signature must cover: without them a replayed or redirected
# request would still verify.
REQUIRED_SIGNED = ("host", "x-amz-content-sha256", "x-amz-date")
# Headers s3gate removes before forwarding: s3rver would check the
# credentials against its own S3RVER key and refuse ours.
STRIP_UPSTREAM = {"authorization", "x-amz-security-token", "x-amz-date"}
# Per-connection headers (RFC 9110 7.6.1): they describe one hop, not the
# message, so each side of the proxy sets its own.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te",
              "trailer", "transfer-encoding", "upgrade", "expect"}
HEX64 = re.compile(r"^[0-9a-f]{64}$")
PRINTABLE_ASCII = re.compile(r"^[\x21-\x7e]+$")
NO_BODY_STATUS = {204, 304}


class Config:
    """What every handler thread reads: set once in main(), then frozen."""
    upstream_host = "127.0.0.1"
    upstream_port = 0
    access_key = ""
    secret_key = ""
    session_token = None
    region = "us-east-1"
    allow_anonymous = False
    if_match = True
    upstream_data = None  # s3rver's -d directory, for multipart ETags
    keys_file = None
    checksums = False     # emulate S3's additional checksums and SSE-KMS
    log = None
    log_lock = threading.Lock()


def log_json(entry):
    """Append one JSON line to --log; a lock keeps threads' lines whole."""
    if Config.log is None:
        return
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True)
    with Config.log_lock:
        Config.log.write(line + "\n")
        Config.log.flush()


class Verdict:
    """Outcome of checking one request's signature.

    kind is "ok", "bad" or "anonymous"; for a rejected request status and
    code give the S3 error to send, why says what was wrong.
    """

    def __init__(self, kind, status=200, code=None, why=None):
        self.kind = kind
        self.status = status
        self.code = code
        self.why = why
        self.canonical_request = None
        self.string_to_sign = None
        self.signature_provided = None

    @property
    def rejected(self):
        return self.code is not None


def bad(status, code, why):
    return Verdict("bad", status, code, why)


class KeyRing:
    """The key pairs of --keys-file, reloaded when the file changes."""
    lock = threading.Lock()
    stamp = None
    keys = {}

    @classmethod
    def load(cls):
        try:
            st = os.stat(Config.keys_file)
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp == cls.stamp:
            return
        keys = {}
        if stamp is not None:
            with open(Config.keys_file, encoding="utf-8") as f:
                for line in f:
                    if not line.strip():
                        continue
                    k = json.loads(line)
                    keys[k["access_key"]] = (k["secret_key"], k.get("session_token"),
                                             expiry_epoch(k.get("expiration")))
        cls.stamp, cls.keys = stamp, keys

    @classmethod
    def lookup(cls, akid):
        """(secret, token, expiration epoch or None) for akid, or None."""
        if akid == Config.access_key:
            return Config.secret_key, Config.session_token, None
        if Config.keys_file is None:
            return None
        with cls.lock:
            cls.load()
            return cls.keys.get(akid)


def expiry_epoch(value):
    if value is None or isinstance(value, (int, float)):
        return value
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def parse_authorization(value):
    """Split 'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...'.

    Returns a dict of the three fields, or a string saying what is malformed.
    """
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        return f"algorithm is {algorithm!r}, expected {ALGORITHM}"
    fields = {}
    for part in rest.split(","):
        name, eq, val = part.strip().partition("=")
        if not eq:
            return f"component {part.strip()!r} has no '='"
        fields[name] = val
    missing = [f for f in ("Credential", "SignedHeaders", "Signature")
               if f not in fields]
    if missing:
        return "missing " + ", ".join(missing)
    return fields


def check_scope(credential, amz_date):
    """Check 'AKID/yyyymmdd/region/s3/aws4_request' against our settings."""
    parts = credential.split("/")
    if len(parts) != 5:
        return bad(400, "AuthorizationHeaderMalformed",
                   f"Credential {credential!r} must be "
                   "AKID/yyyymmdd/region/s3/aws4_request")
    akid, date, region, service, terminator = parts
    key = KeyRing.lookup(akid)
    if key is None:
        return bad(403, "InvalidAccessKeyId",
                   f"access key id {akid!r} is not the configured one")
    if key[2] is not None and time.time() >= key[2]:
        return bad(403, "ExpiredToken",
                   f"the provided token for {akid} has expired")
    if region != Config.region:
        return bad(400, "AuthorizationHeaderMalformed",
                   f"credential scope region is {region!r}, "
                   f"this endpoint expects {Config.region!r}")
    if service != "s3" or terminator != "aws4_request":
        return bad(400, "AuthorizationHeaderMalformed",
                   f"credential scope ends {service}/{terminator}, "
                   "expected s3/aws4_request")
    if date != amz_date[:8]:
        return bad(403, "SignatureDoesNotMatch",
                   f"credential scope date {date} differs from "
                   f"x-amz-date {amz_date}")
    return None


def check_date(amz_date):
    try:
        when = datetime.datetime.strptime(amz_date, AMZ_DATE_FORMAT)
    except ValueError:
        return bad(403, "AccessDenied",
                   f"x-amz-date {amz_date!r} is not yyyymmddThhmmssZ")
    skew = abs(datetime.datetime.utcnow() - when)
    if skew > MAX_SKEW:
        return bad(403, "RequestTimeTooSkewed",
                   f"x-amz-date {amz_date} is {int(skew.total_seconds())} s "
                   "from the server clock (limit 900 s)")
    return None


def check_signed_set(signed, headers, required_token):
    """The header names in SignedHeaders: required ones, present ones."""
    for name in REQUIRED_SIGNED:
        if name not in signed:
            return bad(403, "AccessDenied",
                       f"header {name!r} must be signed "
                       f"(SignedHeaders={';'.join(signed)})")
    for name in signed:
        if name in SIGNED_HEADERS_BLACKLIST:
            return bad(403, "SignatureDoesNotMatch",
                       f"header {name!r} is signed, but S3 signers never "
                       "sign it (proxies rewrite it); drop it from "
                       "SignedHeaders")
        if headers.get(name) is None:
            return bad(403, "SignatureDoesNotMatch",
                       f"signed header {name!r} is not in the request")
    token = headers.get("x-amz-security-token")
    if token is not None and "x-amz-security-token" not in signed:
        return bad(403, "AccessDenied",
                   "x-amz-security-token is sent but not signed")
    if required_token is not None:
        if token is None:
            return bad(403, "InvalidToken",
                       "this endpoint requires x-amz-security-token")
        if not hmac.compare_digest(token, required_token):
            return bad(403, "InvalidToken",
                       "x-amz-security-token is not the configured token")
    return None


def botocore_request(method, target, headers, signed, amz_date):
    """The request as botocore would have built it, from what was received.

    S3SigV4Auth takes the path as-is and the query split on '&' without
    re-encoding, so the raw target reproduces exactly what was sent.
    Only the signed headers go in: botocore signs every header it is given.
    """
    url = "http://" + (headers.get("host") or "") + target
    request = AWSRequest(method=method, url=url)
    for name in signed:
        for value in headers.get_all(name):
            request.headers[name] = value
    request.context["timestamp"] = amz_date
    return request


def verify(method, target, headers, entry=None):
    """Decide whether botocore agrees with the request's signature.

    entry (the request's log line) gets the access key id that signed it.
    """
    if not PRINTABLE_ASCII.match(target):
        return bad(400, "InvalidURI",
                   "the request target holds raw spaces, control or "
                   "non-ASCII bytes; percent-encode them (UTF-8, %XX)")
    auth_value = headers.get("authorization")
    if auth_value is None:
        if "X-Amz-Signature" in target:
            return bad(403, "AccessDenied",
                       "presigned (query string) URLs are not supported "
                       "by s3gate; sign with the Authorization header")
        if Config.allow_anonymous:
            return Verdict("anonymous")
        v = Verdict("anonymous", 403, "AccessDenied",
                    "unsigned request; s3gate was started without "
                    "--allow-anonymous")
        return v
    fields = parse_authorization(auth_value)
    if isinstance(fields, str):
        return bad(400, "AuthorizationHeaderMalformed",
                   "Authorization header: " + fields)
    amz_date = headers.get("x-amz-date") or ""
    signed = fields["SignedHeaders"].split(";")
    akid = fields["Credential"].split("/")[0]
    if entry is not None:
        entry["akid"] = akid
    problem = check_scope(fields["Credential"], amz_date)
    if problem:
        return problem
    secret, token, _ = KeyRing.lookup(akid)
    problem = check_signed_set(signed, headers, token) or check_date(amz_date)
    if problem:
        return problem
    payload = headers.get("x-amz-content-sha256")
    if payload.startswith("STREAMING-"):
        return bad(501, "NotImplemented",
                   f"x-amz-content-sha256 {payload} (aws-chunked) is not "
                   "supported by s3gate; send UNSIGNED-PAYLOAD or the hash")
    if not target.startswith("/"):
        return bad(400, "InvalidURI",
                   f"request target {target!r} must start with '/'")
    creds = Credentials(akid, secret, token)
    signer = S3SigV4Auth(creds, "s3", Config.region)
    request = botocore_request(method, target, headers, signed, amz_date)
    verdict = Verdict("ok")
    verdict.canonical_request = signer.canonical_request(request)
    verdict.string_to_sign = signer.string_to_sign(
        request, verdict.canonical_request)
    verdict.signature_provided = fields["Signature"]
    expected = signer.signature(verdict.string_to_sign, request)
    botocore_signed = signer.signed_headers(signer.headers_to_sign(request))
    if botocore_signed != fields["SignedHeaders"]:
        verdict.kind, verdict.status = "bad", 403
        verdict.code = "SignatureDoesNotMatch"
        verdict.why = (f"SignedHeaders {fields['SignedHeaders']!r} is not "
                       f"the sorted lower-case list {botocore_signed!r}")
    elif not hmac.compare_digest(expected, fields["Signature"]):
        verdict.kind, verdict.status = "bad", 403
        verdict.code = "SignatureDoesNotMatch"
        verdict.why = ("signature differs from the one botocore computes; "
                       "compare canonical_request with yours")
    return verdict


def error_xml(code, message, resource, verdict=None):
    """An S3-style <Error> document; for signature mismatches it carries the
    canonical request and string to sign, as S3 itself does."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<Error>',
             f"<Code>{escape(code)}</Code>",
             f"<Message>{escape(message)}</Message>",
             f"<Resource>{escape(resource)}</Resource>",
             f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId>"]
    if verdict is not None and verdict.canonical_request is not None:
        parts.append(f"<AWSAccessKeyId>{escape(Config.access_key)}"
                     "</AWSAccessKeyId>")
        parts.append(f"<StringToSign>{escape(verdict.string_to_sign)}"
                     "</StringToSign>")
        parts.append(f"<SignatureProvided>{escape(verdict.signature_provided)}"
                     "</SignatureProvided>")
        parts.append(f"<CanonicalRequest>{escape(verdict.canonical_request)}"
                     "</CanonicalRequest>")
    parts.append("</Error>")
    return "".join(parts).encode("utf-8")


# ---- If-Match ----------------------------------------------------------------
#
# s3rver 3.7.1 implements If-None-Match but ignores If-Match, so a client
# that pins an object version with it would never learn the object changed.
# S3 and MinIO answer 412 PreconditionFailed; s3gate does the same from the
# ETag of the upstream answer, before any fault rule sees the request.

PRECONDITION_MESSAGE = ("At least one of the pre-conditions you specified "
                        "did not hold")


def etag_matches(if_match, etag):
    """'*' or any of the listed tags; quotes do not count, as S3 accepts
    If-Match with or without them."""
    tags = [tag.strip().strip('"') for tag in if_match.split(",")]
    return "*" in tags or etag.strip().strip('"') in tags


def if_match_fails(method, target, headers, response):
    """Why this GET or HEAD must be answered 412, or None to relay it.

    S3 checks If-Match before Range and If-None-Match, so a 416 (a range
    past the end of an object replaced by a shorter one) or a 304 becomes
    412 too; s3rver sends no ETag with those, a HEAD asks for it.  A 404
    stays a 404: S3 reports a missing key whatever its If-Match.
    """
    wanted = headers.get("if-match")
    if not Config.if_match or method not in ("GET", "HEAD") or wanted is None:
        return None
    if response.status in (200, 206):
        etag = response.getheader("etag")
    elif response.status in (304, 416):
        etag = current_etag(target)
    else:
        return None
    if etag is None or etag_matches(wanted, etag):
        return None
    return f"If-Match {wanted} does not match the ETag {etag}"


def current_etag(target):
    """The object's ETag from an unconditional HEAD, None if it has none."""
    conn = http.client.HTTPConnection(Config.upstream_host,
                                      Config.upstream_port, timeout=300)
    try:
        conn.request("HEAD", target.split("?")[0])
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    return response.getheader("etag") if response.status == 200 else None


# ---- fault injection ---------------------------------------------------------
#
# --faults FILE names a JSON list of rules, re-read whenever the file changes
# (write it to a temporary name and rename it, so a half-written file is
# never read).  Each forwarded request is matched against the rules in order;
# the first rule that matches and still has uses left acts on it.
#
#   match:   "method" (exact), "path" (regex searched in the request target,
#            query included), "range" (true: only requests with a Range
#            header, false: only without, a string: regex on its value),
#            "skip" (let this many matching requests through first),
#            "checksum_mode" (true: only requests carrying
#            x-amz-checksum-mode, false: only without),
#            "times" (act on this many, default 1; 0 = every one)
#   actions: "reset"        status and headers, "after" body bytes, then RST
#            "truncate"     same but a clean close (FIN): short body, correct
#                           Content-Length
#            "stall"        "after" bytes, sleep "seconds", then the rest
#                           (logged when the stall begins)
#            "slow"         the whole body at "rate" bytes/s
#            "status"       answer "status" (503) with S3 error "code"
#                           (SlowDown) instead of the upstream answer, with
#                           a Retry-After header when "retry_after" is set
#                           (sent as given: seconds or an HTTP-date)
#            "ignore_range" 200 with the whole object to a Range request
#            "bad_range"    relay, Content-Range shifted by "shift" (1) bytes
#            "add_listing"  insert "xml" (raw) and <Contents> built from
#                           "contents" [{key, size, etag}] before the
#                           listing's closing tag
#            "body"         answer "status" (200) with "head" + "item" x
#                           "count" + "tail" (streamed: any size)
#            "replace"      relay the answer, and PUT the local file "file"
#                           to the same bucket/key straight to the upstream
#                           (unsigned), or to "key" (/bucket/key as on the
#                           wire) when set: on a listing, the object then
#                           changes between the listing and its GET;
#                           with "multipart": true as a
#                           multipart upload of "part_size" (5 MiB) parts,
#                           whose ETag is S3's "<hex>-N", not an MD5 (needs
#                           --upstream-data).  The new object is in place
#                           before the answer's last byte goes out: requests
#                           for that path already forwarded finish with the
#                           old bytes (S3 swaps objects atomically, s3rver
#                           rewrites its file in place), every later one
#                           waits and sees the new object.  Logged with
#                           "replaced": the new ETag.
#            "hold"         relay the answer unchanged once the key that
#                           signed the request (--keys-file) expires in
#                           less than "within" seconds (at most 120 s);
#                           without "within", at once (with "until_served")
#            "rewrite"      relay the answer with the headers of "headers"
#                           {name: value} set, or removed when null
#   common:  "delay" seconds to wait before answering; "until_served" N:
#            first wait (at most 120 s) until N GET answers (2xx) for the
#            same path went out since the rules were read (an event, e.g.
#            "the last part was served", not a clock).
#   "after" is a byte count or [lo, hi] for a random offset in that range.
# Every request a rule acted on is logged with "fault": the action.
# A GET or HEAD refused 412 by the If-Match emulation never reaches them.

FAULT_ACTIONS = {"reset", "truncate", "stall", "slow", "status",
                 "ignore_range", "bad_range", "add_listing", "body",
                 "replace", "hold", "rewrite"}
LISTING_MAX = 16 * 1024 * 1024  # add_listing holds the upstream answer
PART_SIZE = 5 * 1024 * 1024  # S3's smallest part (but the last)


class Faults:
    """The rules of --faults FILE, reloaded when the file changes."""
    path = None
    lock = threading.Lock()
    stamp = None
    rules = []
    seen = []   # matching requests per rule since the file last changed

    @classmethod
    def load(cls):
        """Re-read the file if it changed; called with the lock held."""
        try:
            st = os.stat(cls.path)
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp == cls.stamp:
            return
        cls.stamp, cls.rules, cls.seen = stamp, [], []
        Served.reset()
        if stamp is None:
            return
        try:
            with open(cls.path, encoding="utf-8") as f:
                rules = json.load(f)
            if not isinstance(rules, list):
                raise ValueError("the top level must be a list of rules")
            for i, rule in enumerate(rules):
                if rule.get("action") not in FAULT_ACTIONS:
                    raise ValueError(f"rule {i}: action {rule.get('action')!r} "
                                     f"is not one of {sorted(FAULT_ACTIONS)}")
                if "path" in rule:
                    rule["path_re"] = re.compile(rule["path"])
                if isinstance(rule.get("range"), str):
                    rule["range_re"] = re.compile(rule["range"])
                if rule["action"] == "replace":
                    check_replace(rule, i)
        except (OSError, ValueError, re.error) as e:
            print(f"s3gate: --faults {cls.path}: {e}; no faults are active",
                  file=sys.stderr, flush=True)
            return
        cls.rules, cls.seen = rules, [0] * len(rules)

    @classmethod
    def pick(cls, method, target, range_header, checksum_mode=None):
        """The rule acting on this request, or None."""
        if cls.path is None:
            return None
        with cls.lock:
            cls.load()
            for i, rule in enumerate(cls.rules):
                if not rule_matches(rule, method, target, range_header,
                                    checksum_mode):
                    continue
                cls.seen[i] += 1
                n = cls.seen[i] - rule.get("skip", 0)
                times = rule.get("times", 1)
                if n >= 1 and (times == 0 or n <= times):
                    return rule
        return None


def check_replace(rule, i):
    """A replace rule that cannot work is refused when the file is read,
    not discovered when the fault fires."""
    if not isinstance(rule.get("file"), str):
        raise ValueError(f"rule {i}: replace needs \"file\", a local path")
    if "key" in rule and not (isinstance(rule["key"], str)
                              and rule["key"].count("/") >= 2
                              and rule["key"].startswith("/")):
        raise ValueError(f"rule {i}: replace's \"key\" is /bucket/key")
    if rule.get("multipart") and Config.upstream_data is None:
        raise ValueError(f"rule {i}: a multipart replace needs "
                         "--upstream-data (s3rver's -d directory)")


def rule_matches(rule, method, target, range_header, checksum_mode=None):
    if "method" in rule and rule["method"] != method:
        return False
    if "checksum_mode" in rule and rule["checksum_mode"] != (checksum_mode is not None):
        return False
    if "path_re" in rule and not rule["path_re"].search(target):
        return False
    want = rule.get("range")
    if want is True and range_header is None:
        return False
    if want is False and range_header is not None:
        return False
    if "range_re" in rule and not rule["range_re"].search(range_header or ""):
        return False
    return True


def byte_offset(after, default):
    if after is None:
        return default
    if isinstance(after, list):
        return random.randint(int(after[0]), int(after[1]))
    return int(after)


def fault_hook(handler, exchange, upstream_response):
    """Apply the --faults rule matching this request, if any.

    Called once per forwarded request, after the upstream answered and
    before anything was sent to the client.  exchange is the request's log
    entry (method, path, verdict; "fault" is added).  Returns True when the
    fault answered the client itself (it then set exchange["status"] and
    called handler.commit_log()); False lets the response be relayed
    unchanged.
    """
    rule = Faults.pick(handler.command, handler.path,
                       handler.headers.get("range"),
                       handler.headers.get("x-amz-checksum-mode"))
    if rule is None:
        return False
    exchange["fault"] = rule["action"]
    time.sleep(float(rule.get("delay", 0)))
    if "until_served" in rule:
        exchange["served_before"] = Served.wait(handler.path.split("?")[0],
                                                int(rule["until_served"]))
    if rule["action"] == "hold":
        if "within" in rule:
            hold_until_expiring(exchange.get("akid"), float(rule["within"]))
        return False  # then relayed as it is
    try:
        FAULT_HANDLERS[rule["action"]](handler, exchange, upstream_response,
                                       rule)
    except (OSError, http.client.HTTPException) as e:
        # The client gave up (a stall it timed out on) or the upstream died.
        exchange["error"] = f"fault {rule['action']}: {e}"
        handler.close_connection = True
    handler.commit_log()
    return True


class Served:
    """GET answers (2xx) sent per path since the fault rules were read:
    what "until_served" waits for."""
    cond = threading.Condition()
    count = {}

    @classmethod
    def reset(cls):
        with cls.cond:
            cls.count = {}

    @classmethod
    def note(cls, entry):
        if entry.get("method") != "GET" or not 200 <= entry.get("status", 0) < 300:
            return
        path = entry.get("path", "").split("?")[0]
        with cls.cond:
            cls.count[path] = cls.count.get(path, 0) + 1
            cls.cond.notify_all()

    @classmethod
    def wait(cls, path, n, limit=120):
        """Until n answers for path went out (at most limit s); how many."""
        deadline = time.time() + limit
        with cls.cond:
            while cls.count.get(path, 0) < n and time.time() < deadline:
                cls.cond.wait(max(0.0, deadline - time.time()))
            return cls.count.get(path, 0)


def fault_rewrite(handler, exchange, response, rule):
    """Relay the answer with some headers set or removed (a store whose
    HEAD describes another object, or lacks its ETag)."""
    change = {name.lower(): value for name, value in rule.get("headers", {}).items()}
    headers = [(n, v) for n, v in response.msg.items() if n.lower() not in change]
    headers += [(n, str(v)) for n, v in change.items() if v is not None]
    send_head(handler, exchange, response.status, headers, response.reason)
    if handler.command == "HEAD" or response.status in NO_BODY_STATUS:
        response.read()
    else:
        relay_part(handler, exchange, response, None, last=True)


def hold_until_expiring(akid, within, limit=120):
    """The "hold" fault: keep the answer until the key that signed the
    request expires within `within` seconds (a server-side clock wait, so
    a test can wait on the event that follows).  At most `limit` s."""
    key = KeyRing.lookup(akid) if akid else None
    if key is None or key[2] is None:
        return
    deadline = time.time() + limit
    while key[2] - time.time() >= within and time.time() < deadline:
        time.sleep(0.05)


def send_head(handler, exchange, status, headers, reason=None):
    """Status line and headers, hop-by-hop ones left out."""
    handler.send_response_only(status, reason)
    for name, value in headers:
        if name.lower() not in HOP_BY_HOP:
            handler.send_header(name, value)
    if 200 <= status < 300:  # what --checksums adds to the upstream answer
        for name, value in handler.extra_headers:
            handler.send_header(name, value)
    if handler.close_connection:
        handler.send_header("Connection", "close")
    handler.end_headers()
    exchange["status"] = status


def relay_part(handler, exchange, response, count, rate=0, last=False,
               hold=None):
    """Copy up to count bytes (None: all) of the upstream body, counted in
    exchange["bytes"]; rate, when set, is the pace in bytes per second.
    hold, when set, is called once those bytes were read, before the final
    piece goes out.  With last, the log line is written before that piece,
    as relay_body does.  Returns the number of bytes sent."""
    sent, held = 0, b""
    exchange.setdefault("bytes", 0)
    while count is None or sent < count:
        want = CHUNK if count is None else min(CHUNK, count - sent)
        if rate:
            want = min(want, max(1, rate // 10))
        piece = response.read(want)
        if not piece:
            break
        if held:
            handler.wfile.write(held)
        held = piece
        sent += len(piece)
        exchange["bytes"] += len(piece)
        if rate:
            time.sleep(len(piece) / rate)
    if count is None and short_body(handler, response, exchange):
        last = False  # the log line goes out with the truncated body
    if hold:
        hold()
    if last:
        handler.commit_log()
    if held:
        handler.wfile.write(held)
    return sent


def short_body(handler, response, exchange):
    """The upstream closed before its Content-Length: http.client reports
    that as a plain end of body.  The client must see a short body and a
    closed connection, not wait on a keep-alive one for bytes that never
    come.  Returns True when the body was short."""
    if not response.length:
        return False
    exchange["error"] = (f"upstream closed {response.length} bytes before "
                         "the end of the body")
    handler.close_connection = True
    handler.drop_upstream()
    return True


def fault_cut(handler, exchange, response, rule):
    """reset / truncate: a correct head, part of the body, then the end."""
    handler.close_connection = True
    send_head(handler, exchange, response.status, response.msg.items(),
              response.reason)
    length = int(response.getheader("content-length") or 0)
    relay_part(handler, exchange, response,
               byte_offset(rule.get("after"), length // 2), last=True)
    if rule["action"] == "reset":
        # SO_LINGER 0: close() sends RST instead of FIN
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
        handler.connection.close()


def fault_stall(handler, exchange, response, rule):
    send_head(handler, exchange, response.status, response.msg.items(),
              response.reason)
    relay_part(handler, exchange, response, byte_offset(rule.get("after"), 0))
    handler.commit_log()  # logged when the stall begins: tests wait less
    time.sleep(float(rule.get("seconds", 10)))
    relay_part(handler, exchange, response, None, last=True)


def fault_slow(handler, exchange, response, rule):
    send_head(handler, exchange, response.status, response.msg.items(),
              response.reason)
    relay_part(handler, exchange, response, None,
               int(rule.get("rate", 1 << 20)), last=True)


def fault_status(handler, exchange, response, rule):
    # The upstream body is left unread: forward() drops that connection,
    # the client's stays usable.
    status = int(rule.get("status", 503))
    code = rule.get("code", "SlowDown" if status == 503 else "InternalError")
    headers = []
    if "retry_after" in rule:
        headers.append(("Retry-After", str(rule["retry_after"])))
        exchange["retry_after"] = str(rule["retry_after"])
    handler.send_error_xml(status, code, f"s3gate fault: {code}",
                           headers=headers)


def fault_ignore_range(handler, exchange, response, rule):
    """Answer a ranged GET with the whole object, as servers that do not
    implement Range do: ask the upstream again without the Range header."""
    handler.close_connection = True
    conn = http.client.HTTPConnection(Config.upstream_host,
                                      Config.upstream_port, timeout=300)
    try:
        headers = {name: value for name, value in handler.headers.items()
                   if name.lower() not in STRIP_UPSTREAM | HOP_BY_HOP
                   and name.lower() not in ("host", "range")}
        headers["Host"] = f"{Config.upstream_host}:{Config.upstream_port}"
        conn.request(handler.command, handler.path, headers=headers)
        whole = conn.getresponse()
        send_head(handler, exchange, whole.status, whole.msg.items(),
                  whole.reason)
        relay_part(handler, exchange, whole, None, last=True)
    finally:
        conn.close()


def fault_bad_range(handler, exchange, response, rule):
    shift = int(rule.get("shift", 1))
    headers = []
    for name, value in response.msg.items():
        m = re.match(r"bytes (\d+)-(\d+)/(\d+)$", value.strip()) \
            if name.lower() == "content-range" else None
        if m:
            first, last, total = (int(x) for x in m.groups())
            value = f"bytes {first + shift}-{last + shift}/{total}"
        headers.append((name, value))
    send_head(handler, exchange, response.status, headers, response.reason)
    relay_part(handler, exchange, response, None, last=True)


def fault_add_listing(handler, exchange, response, rule):
    doc = response.read(LISTING_MAX)
    extra = rule.get("xml", "")
    for c in rule.get("contents", []):
        extra += ("<Contents><Key>" + escape(c["key"]) + "</Key>"
                  f"<LastModified>2024-01-01T00:00:00.000Z</LastModified>"
                  f"<ETag>&quot;{escape(c.get('etag', ''))}&quot;</ETag>"
                  f"<Size>{int(c.get('size', 0))}</Size>"
                  "<StorageClass>STANDARD</StorageClass></Contents>")
    end = doc.rfind(b"</")
    if end >= 0:
        doc = doc[:end] + extra.encode("utf-8") + doc[end:]
    headers = [(n, v) for n, v in response.msg.items()
               if n.lower() not in ("content-length", "etag")]
    headers.append(("Content-Length", str(len(doc))))
    handler.close_connection = True
    send_head(handler, exchange, response.status, headers, response.reason)
    exchange["bytes"] = len(doc)
    handler.commit_log()
    handler.wfile.write(doc)


def fault_body(handler, exchange, response, rule):
    head = rule.get("head", "").encode("utf-8")
    item = rule.get("item", "").encode("utf-8")
    tail = rule.get("tail", "").encode("utf-8")
    count = int(rule.get("count", 1 if item else 0))
    handler.close_connection = True
    send_head(handler, exchange, int(rule.get("status", 200)),
              [("Content-Type", rule.get("content_type", "application/xml")),
               ("Content-Length",
                str(len(head) + len(item) * count + len(tail)))])
    if handler.command == "HEAD":
        return
    batch = max(1, CHUNK // max(1, len(item)))
    handler.wfile.write(head)
    for done in range(0, count, batch):
        handler.wfile.write(item * min(batch, count - done))
    handler.commit_log()
    handler.wfile.write(tail)


def fault_replace(handler, exchange, response, rule):
    """Relay the answer; the object is swapped before its last byte goes
    out (before its head when it has no body), so a client that got the
    whole answer finds the new object with its next request."""
    path = rule.get("key") or handler.path.split("?")[0]
    done = []

    def swap():
        if done:
            return
        done.append(True)
        handler.gate_leave()  # this request no longer reads the object
        KeyGate.wait_idle(path)
        replace_object(exchange, path, rule)

    KeyGate.close(path)
    try:
        if handler.command == "HEAD" or response.status in NO_BODY_STATUS:
            swap()
            send_head(handler, exchange, response.status, response.msg.items(),
                      response.reason)
            response.read()
        else:
            send_head(handler, exchange, response.status, response.msg.items(),
                      response.reason)
            relay_part(handler, exchange, response, None, last=True,
                       hold=swap)
    finally:
        swap()  # even when the client left: later requests expect it done
        KeyGate.reopen(path)


def replace_object(exchange, path, rule):
    try:
        exchange["replaced"] = put_object(
            path, rule["file"], bool(rule.get("multipart")),
            int(rule.get("part_size", PART_SIZE)))
    except (OSError, ValueError, http.client.HTTPException,
            UpstreamError) as e:
        exchange["error"] = f"replace: {e}"
        print(f"s3gate: replace {path}: {e}", file=sys.stderr, flush=True)


FAULT_HANDLERS = {
    "reset": fault_cut, "truncate": fault_cut, "stall": fault_stall,
    "slow": fault_slow, "status": fault_status,
    "ignore_range": fault_ignore_range, "bad_range": fault_bad_range,
    "add_listing": fault_add_listing, "body": fault_body,
    "replace": fault_replace, "rewrite": fault_rewrite,
}


class KeyGate:
    """Requests in flight per object path, and the paths a replace fault
    closed.  S3 swaps an object atomically; s3rver truncates and rewrites
    its file while other requests may still be reading it.  So a
    replacement waits until the requests already forwarded for that path
    are answered, and keeps later ones waiting until it is complete."""
    cond = threading.Condition()
    busy = {}    # path -> requests forwarded, not yet answered
    closed = {}  # path -> replace faults in progress

    @classmethod
    def enter(cls, path):
        with cls.cond:
            cls.cond.wait_for(lambda: path not in cls.closed)
            cls.busy[path] = cls.busy.get(path, 0) + 1

    @classmethod
    def leave(cls, path):
        with cls.cond:
            cls.count_down(cls.busy, path)

    @classmethod
    def close(cls, path):
        with cls.cond:
            cls.closed[path] = cls.closed.get(path, 0) + 1

    @classmethod
    def reopen(cls, path):
        with cls.cond:
            cls.count_down(cls.closed, path)

    @classmethod
    def wait_idle(cls, path):
        with cls.cond:
            cls.cond.wait_for(lambda: path not in cls.busy)

    @classmethod
    def count_down(cls, counts, path):
        """Called with cond held: one less, and wake whoever waits."""
        counts[path] -= 1
        if not counts[path]:
            del counts[path]
        cls.cond.notify_all()


# ---- uploads straight to the upstream ----------------------------------------
#
# The replace fault and s3env_put_multipart (which imports this module)
# write objects the way set-up does: unsigned, to s3rver itself.

class UpstreamError(Exception):
    pass


def upstream_call(method, target, body=b"", length=0,
                  content_type="application/octet-stream"):
    """One request on a connection of its own; the answer's head and body.
    body may be bytes or an iterable of pieces of length bytes in all."""
    conn = http.client.HTTPConnection(Config.upstream_host,
                                      Config.upstream_port, timeout=300,
                                      blocksize=CHUNK)
    try:
        conn.request(method, target, body=body,
                     headers={"Content-Type": content_type,
                              "Content-Length": str(length)})
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise UpstreamError(f"{method} {target} answered {response.status}: "
                            f"{data[:300]!r}")
    return response, data


def file_pieces(f, count, digest):
    """count bytes of f in CHUNK pieces, added to digest on the way."""
    while count > 0:
        piece = f.read(min(CHUNK, count))
        if not piece:
            raise UpstreamError(f"{f.name} shrank while it was uploaded")
        digest.update(piece)
        count -= len(piece)
        yield piece


def put_object(target, filename, multipart=False, part_size=PART_SIZE):
    """Store a local file at target (/bucket/key, percent-encoded as on the
    wire) on the upstream; returns the ETag it now has."""
    if multipart:
        return put_multipart(target, filename, part_size)
    with open(filename, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        response, _ = upstream_call("PUT", target,
                                    file_pieces(f, size, hashlib.md5()), size)
    return response.getheader("etag")


def put_multipart(target, filename, part_size=PART_SIZE):
    """CreateMultipartUpload, UploadPart for each part_size piece of the
    file, CompleteMultipartUpload; returns the ETag S3 would give it.

    s3rver 3.7.1 assembles the parts but stores the MD5 of the whole
    object as its ETag; write_multipart_etag puts S3's form in its place.
    """
    if part_size < 1:
        raise ValueError(f"part_size {part_size} must be positive")
    _, doc = upstream_call("POST", target + "?uploads")
    m = re.search(rb"<UploadId>([^<]+)</UploadId>", doc)
    if not m:
        raise UpstreamError(f"no UploadId in {doc[:300]!r}")
    upload = urllib.parse.quote(m.group(1).decode(), safe="")
    digests = []
    with open(filename, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        for number in range(1, max(1, -(-size // part_size)) + 1):
            length = min(part_size, size - (number - 1) * part_size)
            digest = hashlib.md5()
            response, _ = upstream_call(
                "PUT", f"{target}?partNumber={number}&uploadId={upload}",
                file_pieces(f, length, digest), length)
            if response.getheader("etag", "").strip('"') != digest.hexdigest():
                raise UpstreamError(f"part {number}: ETag "
                                    f"{response.getheader('etag')} is not "
                                    f"its MD5 {digest.hexdigest()}")
            digests.append(digest.hexdigest())
    doc = "".join(f'<Part><PartNumber>{n}</PartNumber><ETag>"{d}"</ETag>'
                  "</Part>" for n, d in enumerate(digests, 1))
    doc = f"<CompleteMultipartUpload>{doc}</CompleteMultipartUpload>".encode()
    upstream_call("POST", f"{target}?uploadId={upload}", doc, len(doc),
                  "application/xml")
    etag = hashlib.md5(b"".join(bytes.fromhex(d) for d in digests))
    etag = f"{etag.hexdigest()}-{len(digests)}"
    write_multipart_etag(target, etag)
    return f'"{etag}"'


def write_multipart_etag(target, etag):
    """s3rver keeps an object's ETag in '<name>._S3rver_object.md5' beside
    '<name>._S3rver_object' in its -d directory, and reads it on every
    GET, HEAD and listing."""
    if Config.upstream_data is None:
        raise UpstreamError("a multipart ETag needs --upstream-data "
                            "(s3rver's -d directory)")
    bucket, _, key = urllib.parse.unquote(target).lstrip("/").partition("/")
    *folders, name = key.split("/")
    stored = os.path.join(Config.upstream_data, bucket, *folders,
                          name + "._S3rver_object")
    if not os.path.isfile(stored):
        raise UpstreamError(f"{stored} does not exist: is --upstream-data "
                            "s3rver's -d directory?")
    tmp = f"{stored}.md5.tmp{os.getpid()}.{threading.get_ident()}"
    with open(tmp, "w") as f:
        f.write(etag)
    os.replace(tmp, stored + ".md5")  # s3rver never reads half of it


# ---- S3's additional checksums and SSE-KMS (--checksums) -------------------

CHECKSUM_ALGOS = ("crc64nvme", "crc32c", "crc32", "sha1", "sha256")
KMS_VALUES = ("aws:kms", "aws:kms:dsse")


def object_key(target):
    return urllib.parse.unquote(target.split("?")[0])


def query_of(target):
    return urllib.parse.parse_qs(target.partition("?")[2],
                                 keep_blank_values=True)


def sent_checksum(headers):
    """(algo, value) of the x-amz-checksum-<algo> header a request carries."""
    for algo in CHECKSUM_ALGOS:
        value = headers.get("x-amz-checksum-" + algo)
        if value:
            return algo, value.strip()
    return None, None


class Checksums:
    """What --checksums remembers: objects by "/bucket/key", and the
    multipart uploads under way by the same key."""
    lock = threading.Lock()
    objects = {}  # key -> {algo, value, type, parts: [sizes], kms, etag}
    uploads = {}  # key -> {algo, type, kms, parts: {n: (size, value, md5)}}

    @classmethod
    def observe(cls, method, target, headers, length, response):
        """Record what a successful upload said (before it is relayed)."""
        if response.status != 200 or method not in ("PUT", "POST", "DELETE"):
            return
        key, query = object_key(target), query_of(target)
        with cls.lock:
            if method == "DELETE":
                cls.objects.pop(key, None)
            elif method == "POST" and "uploads" in query:
                sse = (headers.get("x-amz-server-side-encryption") or "").strip()
                cls.uploads[key] = {
                    "algo": (headers.get("x-amz-checksum-algorithm") or "").lower() or None,
                    "type": (headers.get("x-amz-checksum-type") or "COMPOSITE").upper(),
                    "kms": sse in KMS_VALUES, "parts": {}}
            elif method == "PUT" and "uploadId" in query and key in cls.uploads:
                upload = cls.uploads[key]
                _, value = sent_checksum(headers)
                md5 = (response.getheader("etag") or "").strip('"')
                upload["parts"][int(query["partNumber"][0])] = (length, value, md5)
            elif method == "POST" and "uploadId" in query and key in cls.uploads:
                cls.complete(key, target, headers, cls.uploads.pop(key))
            elif method == "PUT" and "uploadId" not in query:
                cls.put(key, target, headers, response)

    @classmethod
    def put(cls, key, target, headers, response):
        algo, value = sent_checksum(headers)
        sse = (headers.get("x-amz-server-side-encryption") or "").strip()
        sse_c = headers.get("x-amz-server-side-encryption-customer-algorithm")
        etag = (response.getheader("etag") or "").strip('"')
        if sse in KMS_VALUES or sse_c:  # S3's ETag of such an object is no MD5
            etag = hashlib.md5(b"encrypted:" + etag.encode()).hexdigest()
            write_multipart_etag(target.split("?")[0], etag)
        cls.objects[key] = {"algo": algo, "value": value, "type": "FULL_OBJECT",
                            "parts": None, "kms": sse in KMS_VALUES,
                            "sse_c": sse_c, "etag": etag}

    @classmethod
    def complete(cls, key, target, headers, upload):
        import base64
        import sums
        numbers = sorted(upload["parts"])
        parts = [upload["parts"][n] for n in numbers]
        algo, value = upload["algo"], None
        if algo and upload["type"] == "FULL_OBJECT":
            _, value = sent_checksum(headers)
        elif algo:
            joined = b"".join(base64.b64decode(v) for _, v, _ in parts)
            value = "%s-%d" % (base64.b64encode(sums.digest(algo, joined)).decode(),
                               len(parts))
        md5s = b"".join(bytes.fromhex(m) for _, _, m in parts)
        etag = f"{hashlib.md5(md5s).hexdigest()}-{len(parts)}"
        write_multipart_etag(target.split("?")[0], etag)
        cls.objects[key] = {"algo": algo, "value": value, "type": upload["type"],
                            "parts": [size for size, _, _ in parts],
                            "kms": upload["kms"], "sse_c": None, "etag": etag}

    @classmethod
    def record(cls, target):
        with cls.lock:
            return cls.objects.get(object_key(target))

    @classmethod
    def part_request(cls, handler):
        """A GET or HEAD ?partNumber=K: asked of s3rver as the part's byte
        range. Returns the number of parts (None: not a part request)."""
        query = query_of(handler.path)
        if handler.command not in ("GET", "HEAD") or "partNumber" not in query:
            return None
        rec = cls.record(handler.path)
        handler.path = handler.path.split("?")[0]
        number = int(query["partNumber"][0])
        if not rec or not rec["parts"]:
            return 0  # not multipart: part 1 is the whole object
        sizes = rec["parts"]
        if not 1 <= number <= len(sizes):
            raise ValueError(f"partNumber {number} of {len(sizes)} parts")
        start = sum(sizes[:number - 1])
        del handler.headers["Range"]
        handler.headers["Range"] = f"bytes={start}-{start + sizes[number - 1] - 1}"
        return len(sizes)

    @classmethod
    def answer_headers(cls, handler, response, parts):
        """The headers AWS would add to this GET or HEAD."""
        rec = cls.record(handler.path)
        etag = (response.getheader("etag") or "").strip('"')
        if response.status not in (200, 206) or not rec or rec["etag"] != etag:
            return []
        extra = []
        if rec["kms"]:
            extra.append(("x-amz-server-side-encryption", "aws:kms"))
        if rec["sse_c"]:
            extra.append(("x-amz-server-side-encryption-customer-algorithm",
                          rec["sse_c"]))
        if parts:
            extra.append(("x-amz-mp-parts-count", str(parts)))
        mode = (handler.headers.get("x-amz-checksum-mode") or "").upper()
        if mode:
            handler.entry["checksum_mode"] = mode
        if (mode == "ENABLED" and rec["algo"] and parts is None and
                response.status == 200 and "range" not in handler.headers):
            extra.append(("x-amz-checksum-" + rec["algo"], rec["value"]))
            extra.append(("x-amz-checksum-type", rec["type"]))
        return extra


class BodyReader:
    """The client's request body as a sequence of pieces, whichever framing
    (Content-Length or chunked) it came in."""

    def __init__(self, rfile, headers):
        self.rfile = rfile
        te = (headers.get("transfer-encoding") or "").lower()
        self.chunked = "chunked" in te
        length = (headers.get("content-length") or "0").strip()
        if not length.isdigit():
            raise ValueError(f"Content-Length {length!r} is not a number")
        self.length = 0 if self.chunked else int(length)
        self.present = self.chunked or self.length > 0

    def pieces(self):
        if self.chunked:
            yield from self._chunked_pieces()
            return
        left = self.length
        while left > 0:
            data = self.rfile.read(min(CHUNK, left))
            if not data:
                raise ConnectionError("client closed during request body")
            left -= len(data)
            yield data

    def _chunked_pieces(self):
        while True:
            size_line = self.rfile.readline(1024)
            if not size_line:
                raise ConnectionError("client closed during chunked body")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                break
            left = size
            while left > 0:
                data = self.rfile.read(min(CHUNK, left))
                if not data:
                    raise ConnectionError("client closed inside a chunk")
                left -= len(data)
                yield data
            self.rfile.readline(1024)
        while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
            pass  # trailers: S3 clients send none that matter here


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300  # an idle or stalled client is dropped after this
    upstream = None
    upstream_used = 0.0
    entry = None  # the log line of the request in progress
    gate_path = None  # the object path this request holds in KeyGate
    extra_headers = ()  # added to the relayed answer (--checksums)

    def log_message(self, format, *args):
        pass  # the JSON log replaces http.server's stderr lines

    def handle_expect_100(self):
        # Answer "100 Continue" only once the signature is checked, so a
        # rejected upload is refused before its body is sent.
        self.expect_continue = True
        return True

    def do_any(self):
        entry = {"t": round(time.time(), 3), "method": self.command,
                 "path": self.path}
        self.extra_headers = ()
        # handle_expect_100 ran during parsing; it concerns this request only
        self.expecting = self.__dict__.pop("expect_continue", False)
        try:
            body = BodyReader(self.rfile, self.headers)
            verdict = verify(self.command, self.path, self.headers, entry)
        except ValueError as e:
            # The body's end is unknown: answer, then drop the connection.
            self.entry = dict(entry, verdict="bad", why=str(e))
            self.close_connection = True
            self.send_error_xml(400, "InvalidRequest", str(e))
            return
        entry["verdict"] = verdict.kind
        if verdict.why:
            entry["why"] = verdict.why
        if verdict.kind == "bad" and verdict.canonical_request is not None:
            entry["canonical_request"] = verdict.canonical_request
            entry["string_to_sign"] = verdict.string_to_sign
        self.entry = entry
        try:
            if verdict.rejected:
                self.reject(verdict, body)
            else:
                self.forward(body, entry)
        finally:
            self.gate_leave()
            self.commit_log()

    def commit_log(self):
        """Write this request's log line, once.

        Called just before the last byte of the response goes out, so a
        test that reads the log as soon as its client is done finds every
        one of its requests there.
        """
        if self.entry is not None:
            log_json(self.entry)
            Served.note(self.entry)
            self.entry = None

    def reject(self, verdict, body):
        # The body was not read: the connection cannot carry another request.
        if body.present:
            self.close_connection = True
        self.send_error_xml(verdict.status, verdict.code, verdict.why,
                            verdict)

    def send_error_xml(self, status, code, message, verdict=None,
                       headers=()):
        doc = error_xml(code, message, self.path.split("?")[0], verdict)
        self.entry["status"] = status
        self.send_response_only(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(doc)))
        for name, value in headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        if self.command == "HEAD":
            self.commit_log()
            self.end_headers()
        else:
            self.end_headers()
            self.commit_log()
            self.wfile.write(doc)

    def gate_enter(self):
        self.gate_path = self.path.split("?")[0]
        KeyGate.enter(self.gate_path)

    def gate_leave(self):
        if self.gate_path is not None:
            KeyGate.leave(self.gate_path)
            self.gate_path = None

    def finish(self):
        super().finish()
        self.drop_upstream()  # the client left: so does its upstream twin

    def drop_upstream(self):
        if self.upstream is not None:
            self.upstream.close()
            self.upstream = None

    def upstream_connection(self, fresh):
        """The upstream connection paired with this client connection.

        Node closes idle keep-alive sockets after 5 s; a request with a
        body cannot be replayed, so it gets a fresh socket when the old one
        has idled a while.
        """
        idle = time.monotonic() - self.upstream_used
        if fresh or idle > 2.0:
            self.drop_upstream()
        if self.upstream is None:
            self.upstream = http.client.HTTPConnection(
                Config.upstream_host, Config.upstream_port, timeout=300)
        return self.upstream

    def send_upstream(self, body, pieces, fresh):
        conn = self.upstream_connection(fresh)
        conn.putrequest(self.command, self.path, skip_host=True,
                        skip_accept_encoding=True)
        conn.putheader("Host", f"{Config.upstream_host}:{Config.upstream_port}")
        for name, value in self.headers.items():
            lname = name.lower()
            if lname in STRIP_UPSTREAM or lname in HOP_BY_HOP or \
               lname in ("host", "content-length"):
                continue
            conn.putheader(name, value)
        if body.chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        elif body.present:
            conn.putheader("Content-Length", str(body.length))
        conn.endheaders()
        for piece in pieces:
            conn.send(b"%x\r\n%s\r\n" % (len(piece), piece)
                      if body.chunked else piece)
        if body.chunked:
            conn.send(b"0\r\n\r\n")
        return conn.getresponse()

    def request_pieces(self, body):
        """The request body to forward, as an iterable of pieces.

        A body whose sha256 was signed is checked before any of it goes
        upstream, as S3 does: s3rver stores whatever part of an aborted
        upload it got, so a forged body must never reach it.  Such a body
        is spooled to a temporary file (memory holds at most SPOOL_MEMORY);
        an UNSIGNED-PAYLOAD body streams straight through.
        """
        if not body.present:
            return ()
        if self.expecting:
            self.send_response_only(100)
            self.end_headers()
        declared = self.headers.get("x-amz-content-sha256") or ""
        if not HEX64.match(declared):
            return body.pieces()
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)
        digest = hashlib.sha256()
        for piece in body.pieces():
            digest.update(piece)
            spool.write(piece)
        if digest.hexdigest() != declared:
            spool.close()
            raise PayloadMismatch(digest.hexdigest(), declared)
        spool.seek(0)
        return self.replay(spool)

    @staticmethod
    def replay(spool):
        with spool:
            yield from iter(lambda: spool.read(CHUNK), b"")

    def forward(self, body, entry):
        try:
            pieces = self.request_pieces(body)
        except PayloadMismatch as e:
            entry["verdict"] = "bad"
            entry["why"] = str(e)
            self.send_error_xml(400, "XAmzContentSHA256Mismatch", str(e))
            return
        parts = None
        if Config.checksums:
            try:
                parts = Checksums.part_request(self)
            except ValueError as e:
                self.send_error_xml(400, "InvalidPartNumber", str(e))
                return
        target = self.path
        self.gate_enter()  # waits while a replace fault swaps the object
        try:
            try:
                response = self.send_upstream(body, pieces, fresh=False)
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError):
                if body.present:
                    raise
                # A keep-alive socket the upstream had already closed.
                response = self.send_upstream(body, pieces, fresh=True)
        except (OSError, http.client.HTTPException) as e:
            self.close_connection = True
            self.drop_upstream()
            self.send_error_xml(502, "BadGateway",
                                f"upstream {Config.upstream_host}:"
                                f"{Config.upstream_port} failed: {e}; is "
                                "s3rver running?")
            return
        self.upstream_used = time.monotonic()
        if Config.checksums:
            Checksums.observe(self.command, target, self.headers, body.length,
                              response)
            self.extra_headers = Checksums.answer_headers(self, response, parts)
        why = if_match_fails(self.command, self.path, self.headers, response)
        if why:
            self.precondition_failed(response, entry, why)
            return
        if fault_hook(self, entry, response):
            self.drop_upstream()
            return
        self.relay_response(response, entry)

    def precondition_failed(self, response, entry, why):
        """412 in place of the upstream answer, logged with "precondition"."""
        entry["precondition"] = why
        if self.command == "HEAD" and not response.will_close:
            response.read()  # no body: the connection stays usable
        else:
            self.drop_upstream()  # a GET's body may be large: skip it
        self.send_error_xml(412, "PreconditionFailed", PRECONDITION_MESSAGE)

    def relay_response(self, response, entry):
        has_body = (self.command != "HEAD" and response.status >= 200
                    and response.status not in NO_BODY_STATUS)
        length = response.getheader("content-length")
        rechunk = has_body and length is None and response.chunked
        self.send_response_only(response.status, response.reason)
        for name, value in response.msg.items():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        for name, value in self.extra_headers:
            self.send_header(name, value)
        if rechunk:
            self.send_header("Transfer-Encoding", "chunked")
        elif has_body and length is None:
            # Body ends when the upstream closes: so must ours.
            self.close_connection = True
        if self.close_connection:
            self.send_header("Connection", "close")
        entry["status"] = response.status
        if not has_body:
            self.commit_log()
        self.end_headers()
        if has_body:
            self.relay_body(response, entry, rechunk)
        else:
            response.read()  # frees the upstream connection for reuse
        if response.will_close:
            self.drop_upstream()

    def relay_body(self, response, entry, rechunk):
        """Copy the upstream body piece by piece, the last piece held back
        until the log line is written."""
        def framed(piece):
            return b"%x\r\n%s\r\n" % (len(piece), piece) if rechunk else piece
        entry["bytes"] = 0
        held = b""
        try:
            while True:
                piece = response.read(CHUNK)
                if not piece:
                    break
                if held:
                    self.wfile.write(framed(held))
                held = piece
                entry["bytes"] += len(piece)
        except (OSError, http.client.HTTPException) as e:
            # Upstream died mid-body: the client must see a short body and
            # a closed connection, never a silently shorter object.
            entry["error"] = f"relaying body: {e}"
            self.close_connection = True
            self.drop_upstream()
            return
        if short_body(self, response, entry):
            return
        self.commit_log()
        self.wfile.write((framed(held) if held else b"")
                         + (b"0\r\n\r\n" if rechunk else b""))

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_OPTIONS = do_any


class PayloadMismatch(Exception):
    def __init__(self, actual, declared):
        super().__init__(f"body sha256 is {actual}, x-amz-content-sha256 "
                         f"declared {declared}")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def watchdog(max_seconds, watch_pid, parent):
    """Exit when the parent (or --watch-pid) is gone or time is up, so a
    crashed test never leaves a gateway behind."""
    deadline = time.monotonic() + max_seconds
    while True:
        time.sleep(0.5)
        if time.monotonic() > deadline:
            print(f"s3gate: --max-seconds {max_seconds} reached, exiting",
                  file=sys.stderr, flush=True)
            os._exit(0)
        if os.getppid() != parent:
            os._exit(0)
        if watch_pid:
            try:
                os.kill(watch_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass  # alive, owned by someone else


def write_port_file(path, port):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)  # readers never see a half-written number


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="SigV4-verifying proxy in front of an S3 test server")
    p.add_argument("--upstream", required=True, metavar="127.0.0.1:PORT",
                   help="the S3 server requests are forwarded to")
    p.add_argument("--port", type=int, default=0,
                   help="port to listen on, on 127.0.0.1 (0 = a free one)")
    p.add_argument("--port-file", help="write the chosen port here")
    p.add_argument("--access-key", required=True)
    p.add_argument("--secret-key",
                   default=os.environ.get("S3GATE_SECRET_KEY"),
                   help="secret key (default: $S3GATE_SECRET_KEY)")
    p.add_argument("--session-token",
                   help="require this x-amz-security-token, signed")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--log", help="append one JSON line per request here")
    p.add_argument("--allow-anonymous", action="store_true",
                   help="forward unsigned requests instead of 403")
    p.add_argument("--no-if-match", dest="if_match", action="store_false",
                   help="relay GET/HEAD whatever their If-Match, as s3rver "
                   "does (default: 412 when it differs from the ETag)")
    p.add_argument("--upstream-data", metavar="DIR",
                   help="s3rver's -d directory: lets multipart uploads "
                   "carry S3's multipart ETag (see put_multipart)")
    p.add_argument("--checksums", action="store_true",
                   help="emulate S3's additional checksums, ?partNumber and "
                   "SSE-KMS ETags (see the module's docstring)")
    p.add_argument("--max-seconds", type=float, default=900,
                   help="exit after this many seconds (default 900)")
    p.add_argument("--watch-pid", type=int, default=0,
                   help="also exit when this process is gone")
    p.add_argument("--keys-file", metavar="FILE",
                   help="JSON lines of more accepted keys, re-read when the "
                   "file changes (see KeyRing)")
    p.add_argument("--faults", metavar="FILE",
                   help="JSON fault rules, re-read when the file changes "
                   "(see Faults); a missing file means no faults")
    args = p.parse_args(argv)
    if not args.secret_key:
        p.error("--secret-key (or $S3GATE_SECRET_KEY) is required")
    host, _, port = args.upstream.rpartition(":")
    if not host or not port.isdigit():
        p.error(f"--upstream {args.upstream!r} must be HOST:PORT")
    args.upstream_host, args.upstream_port = host, int(port)
    return args


def main(argv):
    # Read here, not in the watchdog thread: a parent that saw the port
    # file and then died must be the one the watchdog watches.
    parent = os.getppid()
    args = parse_args(argv)
    Config.upstream_host = args.upstream_host
    Config.upstream_port = args.upstream_port
    Config.access_key = args.access_key
    Config.secret_key = args.secret_key
    Config.session_token = args.session_token
    Config.region = args.region
    Config.allow_anonymous = args.allow_anonymous
    Config.if_match = args.if_match
    Config.upstream_data = args.upstream_data
    Config.checksums = args.checksums
    if args.checksums:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    Faults.path = args.faults
    Config.keys_file = args.keys_file
    if args.log:
        Config.log = open(args.log, "a", encoding="utf-8")
    server = Server(("127.0.0.1", args.port), Handler)
    port = server.server_address[1]
    threading.Thread(target=watchdog, daemon=True,
                     args=(args.max_seconds, args.watch_pid, parent)).start()
    if args.port_file:
        write_port_file(args.port_file, port)
    print(f"s3gate listening on 127.0.0.1:{port} -> {args.upstream}",
          flush=True)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
