#!/usr/bin/python3
"""aws_standins: loopback stand-ins for the services the AWS credential
chain calls, on one port:

  STS        POST / Action=AssumeRoleWithWebIdentity (form body, or query)
             checks Version, RoleArn (--role-arn) and WebIdentityToken (the
             content of --token-file, read at each call), answers STS's XML
  container  any other GET with Authorization equal to the content of
             --container-token-file (read at each call), answers JSON
  IMDSv2     PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds),
             then GET /latest/meta-data/iam/security-credentials/[ROLE] with
             X-aws-ec2-metadata-token; a GET without the token is refused
             with 401, as IMDS does when IMDSv1 is off

Keys are issued by plan: --plan sts=903,3600 makes the first STS call hand
out keys that expire 903 s after the call and every later call keys valid
for an hour; an entry that is a word (AccessDenied, InvalidIdentityToken,
ExpiredTokenException, Throttling, or an HTTP status such as 500) answers
that error instead (http401, http500... for the container and IMDS
endpoints).  Hostile entries: echo (STS answers 200 with an
<ErrorResponse> whose Message repeats the token it was sent; the
container endpoint a JSON failure repeating its Authorization), drip (the
headers, then one byte of the body every 0.4 s, never finishing), and
slowN:ENTRY (waits N seconds, then answers as ENTRY).  The n-th plan entry of a service always issues the
same key pair, so two clients asking in turn (botocore, then initc) get
the same access key id.  Every issued pair is appended to --keys-file as a
JSON line that s3gate.py --keys-file accepts.

--log gets one JSON line per request: service, method, path, the request's
parameters and headers of interest with every secret replaced by its
length and whether it matched, the status, and the access key id issued.
Binds --bind (127.0.0.1) only; exits after --max-seconds or when
--watch-pid is gone.  Run with Debian's /usr/bin/python3.
"""

import argparse
import datetime
import hashlib
import http.server
import json
import os
import re
import socketserver
import sys
import threading
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape

STS_ERRORS = {  # code: (status, message)
    "AccessDenied": (403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"),
    "InvalidIdentityToken": (400, "Incorrect token audience"),
    "ExpiredTokenException": (400, "Token expired: current date/time is past exp"),
    "Throttling": (400, "Rate exceeded"),
    "InternalFailure": (500, "Internal failure"),
}
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
IMDS_TTL_MAX = 21600


class Config:
    role_arn = None
    token_file = None
    container_token_file = None
    imds_role = None
    plans = {}
    seed = ""
    keys_file = None
    log = None
    lock = threading.Lock()
    calls = {}        # service: credential answers given so far
    imds_tokens = set()


def log_json(entry):
    if Config.log is None:
        return
    with Config.lock:
        Config.log.write(json.dumps(entry, sort_keys=True) + "\n")
        Config.log.flush()


def read_secret(path):
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return None


def secret_summary(got, want):
    """What the log may say about a secret: its length and whether it matched."""
    if got is None:
        return None
    return {"len": len(got), "matches": want is not None and got == want}


def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def next_entry(service):
    """The plan entry for this call (the last one repeats) and its index."""
    with Config.lock:
        n = Config.calls.get(service, 0)
        Config.calls[service] = n + 1
    plan = Config.plans.get(service, ["3600"])
    i = min(n, len(plan) - 1)
    return i, plan[i]


def issue(service, index, lifetime):
    """The key pair of plan entry index, valid lifetime seconds from now."""
    h = hashlib.sha256(f"{Config.seed}/{service}/{index}".encode()).hexdigest()
    key = {"access_key": f"ASIA{service[:3].upper()}{index}{h[:10].upper()}",
           "secret_key": h[10:50],
           "session_token": "FwoG" + hashlib.sha256(h.encode()).hexdigest() + h,
           "expiration": iso(time.time() + lifetime)}
    if Config.keys_file:
        with Config.lock, open(Config.keys_file, "a", encoding="utf-8") as f:
            f.write(json.dumps(key) + "\n")
    return key


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def answer(self, status, body, ctype, entry):
        data = body.encode() if isinstance(body, str) else body
        entry["status"] = status
        log_json(entry)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_POST(self):
        self.dispatch()

    def do_GET(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def dispatch(self):
        entry = {"t": round(time.time(), 3), "method": self.command,
                 "path": self.path.split("?")[0]}
        body = self.read_body()
        path = entry["path"]
        if path.startswith("/latest/"):
            entry["service"] = "imds"
            return self.imds(path, entry)
        if self.command == "POST" or "Action=" in self.path:
            entry["service"] = "sts"
            return self.sts(body, entry)
        entry["service"] = "container"  # any other GET: the URIs are the agent's
        return self.container(entry)

    # ---- STS -------------------------------------------------------------
    def sts(self, body, entry):
        query = urllib.parse.urlsplit(self.path).query
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace") or query,
                                     keep_blank_values=True)
        params = {k: v[0] if len(v) == 1 else v for k, v in form.items()}
        token = params.get("WebIdentityToken")
        logged = {k: v for k, v in params.items() if k != "WebIdentityToken"}
        expected = read_secret(Config.token_file)
        logged["WebIdentityToken"] = secret_summary(token, expected)
        entry["params"] = logged
        entry["content_type"] = self.headers.get("Content-Type")
        entry["signed"] = "Authorization" in self.headers
        if (params.get("Action") != "AssumeRoleWithWebIdentity"
                or params.get("Version") != "2011-06-15"):
            return self.sts_error("InvalidAction", 400, "Action or Version is wrong", entry)
        if not SESSION_NAME.match(params.get("RoleSessionName", "")):
            return self.sts_error("ValidationError", 400, "bad RoleSessionName", entry)
        if token is None or expected is None or token != expected:
            return self.sts_error("InvalidIdentityToken", 400,
                                  "The web identity token is not valid", entry)
        if params.get("RoleArn") != Config.role_arn:
            return self.sts_error("AccessDenied", 403,
                                  "Not authorized to perform sts:AssumeRoleWithWebIdentity",
                                  entry)
        index, plan = next_entry("sts")
        plan = self.hostile(plan, entry, token)
        if plan is None:
            return
        if not plan.isdigit():
            status, message = STS_ERRORS.get(plan, (400, "planned failure"))
            return self.sts_error(plan, status, message, entry)
        key = issue("sts", index, int(plan))
        entry["issued"], entry["expiration"] = key["access_key"], key["expiration"]
        doc = ('<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/'
               '2011-06-15/"><AssumeRoleWithWebIdentityResult>'
               '<SubjectFromWebIdentityToken>system:serviceaccount:models:initc'
               '</SubjectFromWebIdentityToken><Audience>sts.amazonaws.com</Audience>'
               f'<AssumedRoleUser><Arn>{escape(Config.role_arn)}/x</Arn><AssumedRoleId>'
               'AROASTANDIN:x</AssumedRoleId></AssumedRoleUser><Credentials>'
               f'<AccessKeyId>{key["access_key"]}</AccessKeyId>'
               f'<SecretAccessKey>{key["secret_key"]}</SecretAccessKey>'
               f'<SessionToken>{key["session_token"]}</SessionToken>'
               f'<Expiration>{key["expiration"]}</Expiration></Credentials>'
               '<Provider>oidc.eks.local</Provider></AssumeRoleWithWebIdentityResult>'
               f'<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>'
               '</AssumeRoleWithWebIdentityResponse>')
        self.answer(200, doc, "text/xml", entry)

    def hostile(self, plan, entry, secret):
        """Carry out a hostile plan entry; the entry left to answer, or None."""
        m = re.match(r"^slow(\d+):(.*)$", plan)
        if m:
            entry["slow"] = int(m.group(1))
            time.sleep(int(m.group(1)))
            plan = m.group(2)
        if plan == "echo":
            entry["error"] = "echo"
            if entry["service"] == "sts":
                self.sts_error("InvalidIdentityToken", 200, f"token {secret} is not valid", entry)
            else:
                self.answer(200, json.dumps({"Code": "Denied", "Message": f"bad {secret}"}),
                            "application/json", entry)
            return None
        if plan == "drip":
            entry["error"] = "drip"
            log_json(dict(entry, status=200))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.4)
            except OSError:
                return None
        return plan

    def sts_error(self, code, status, message, entry):
        entry["error"] = code
        doc = ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
               f'<Type>Sender</Type><Code>{escape(code)}</Code><Message>{escape(message)}'
               f'</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>')
        self.answer(status, doc, "text/xml", entry)

    # ---- the container endpoint -------------------------------------------
    def container(self, entry):
        got = self.headers.get("Authorization")
        expected = read_secret(Config.container_token_file)
        entry["authorization"] = secret_summary(got, expected)
        if expected is not None and got != expected:
            entry["error"] = "Unauthorized"
            return self.answer(401, '{"Message":"invalid authorization token"}',
                               "application/json", entry)
        self.credentials_json("container", entry, extra={"RoleArn": "arn:aws:iam::1:role/r"})

    def credentials_json(self, service, entry, extra=None):
        index, plan = next_entry(service)
        plan = self.hostile(plan, entry, self.headers.get("Authorization"))
        if plan is None:
            return
        if not plan.isdigit():  # "http401", "http500": that status
            status = int(plan[4:]) if plan.startswith("http") and plan[4:].isdigit() else 500
            entry["error"] = plan
            return self.answer(status, json.dumps({"Message": "planned failure"}),
                               "application/json", entry)
        key = issue(service, index, int(plan))
        entry["issued"], entry["expiration"] = key["access_key"], key["expiration"]
        doc = dict(extra or {})
        doc.update({"AccessKeyId": key["access_key"], "SecretAccessKey": key["secret_key"],
                    "Token": key["session_token"], "Expiration": key["expiration"]})
        self.answer(200, json.dumps(doc), "application/json", entry)

    # ---- IMDSv2 ----------------------------------------------------------
    def imds(self, path, entry):
        if path == "/latest/api/token":
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            entry["ttl"] = ttl
            if self.command != "PUT" or not ttl or not ttl.isdigit() \
                    or not 0 < int(ttl) <= IMDS_TTL_MAX:
                return self.answer(400, "", "text/plain", entry)
            token = "AQAE" + uuid.uuid4().hex + uuid.uuid4().hex  # no shared prefix: 8-byte scans
            with Config.lock:
                Config.imds_tokens.add(token)
            entry["issued_token"] = token  # for the test's secret scan of initc's output
            return self.answer(200, token, "text/plain", entry)
        token = self.headers.get("X-aws-ec2-metadata-token")
        entry["token"] = token is not None and token in Config.imds_tokens
        if self.command != "GET" or not entry["token"]:
            return self.answer(401, "", "text/plain", entry)  # IMDSv1 refused
        prefix = "/latest/meta-data/iam/security-credentials/"
        if not path.startswith(prefix) or not Config.imds_role:
            return self.answer(404, "", "text/plain", entry)
        role = path[len(prefix):]
        if role == "":
            return self.answer(200, Config.imds_role, "text/plain", entry)
        if role != Config.imds_role:
            return self.answer(404, "", "text/plain", entry)
        self.credentials_json("imds", entry, extra={
            "Code": "Success", "LastUpdated": iso(time.time()), "Type": "AWS-HMAC"})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def watchdog(max_seconds, watch_pid):
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if watch_pid:
            try:
                os.kill(watch_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass
    os._exit(0)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--role-arn", default="arn:aws:iam::111122223333:role/models-reader")
    p.add_argument("--token-file", help="the web identity token STS accepts")
    p.add_argument("--container-token-file",
                   help="the Authorization value the container endpoint wants")
    p.add_argument("--imds-role", default="", help="IMDS's role; empty: none (404)")
    p.add_argument("--plan", action="append", default=[], metavar="SERVICE=E1,E2",
                   help="per service (sts, container, imds): lifetimes in seconds or "
                   "error names, in call order (default 3600)")
    p.add_argument("--seed", default=uuid.uuid4().hex,
                   help="makes the issued keys differ between runs")
    p.add_argument("--keys-file", help="append each issued key pair here (JSON lines)")
    p.add_argument("--log")
    p.add_argument("--max-seconds", type=float, default=900)
    p.add_argument("--watch-pid", type=int, default=0)
    a = p.parse_args(argv)
    Config.role_arn, Config.token_file = a.role_arn, a.token_file
    Config.container_token_file, Config.imds_role = a.container_token_file, a.imds_role
    Config.keys_file, Config.seed = a.keys_file, a.seed
    for spec in a.plan:
        service, _, entries = spec.partition("=")
        Config.plans[service] = entries.split(",")
    if a.log:
        Config.log = open(a.log, "a", encoding="utf-8")
    server = Server((a.bind, a.port), Handler)
    threading.Thread(target=watchdog, args=(a.max_seconds, a.watch_pid), daemon=True).start()
    if a.port_file:
        tmp = f"{a.port_file}.tmp"
        with open(tmp, "w") as f:
            f.write(f"{server.server_address[1]}\n")
        os.replace(tmp, a.port_file)
    server.serve_forever(poll_interval=0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
