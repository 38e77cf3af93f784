#!/usr/bin/python3
"""Replay Seldon Core 2's agent against an rclone rc server, and compare.

    rcd_agent.py replay URL TRANSCRIPT --config FILE --dst-root DIR --keep DIR
        Plays the agent's calls (seldon-core v2, scheduler/pkg/agent/rclone/
        rclone.go and rclone_config.go; repository/model_repository.go) against
        URL and writes what came back to TRANSCRIPT (JSON): every request and
        answer, the --config file after each config call, and each copied tree
        (kept under --keep/<model> as the agent copies it to its model repo
        before purging).  The S3 remote comes from S3_ENDPOINT, S3_ACCESS_KEY
        and S3_SECRET_KEY in the environment (never argv).
    rcd_agent.py expect TRANSCRIPT
        Checks a transcript of Debian's rclone 1.60 against what that release
        was seen to answer (REFERENCE below): the reference must be what the
        comparison assumes.  Prints ok / not ok lines.
    rcd_agent.py compare REF GOT
        Compares two transcripts call by call: status, JSON (an error's text
        may differ: its keys, status, path and input must not; both texts are
        printed), config files (sections in order, key = value), trees byte
        for byte.  Prints ok / not ok lines; "# note" lines for differences
        the agent cannot see (Content-Type, mtimes).

The agent is mirrored, not improved: a config/get answer of {} means
"create", anything else "update"; a failed sync/copy re-sends the whole
configuration and tries once more; after a copy the destination must exist.
"""
import gzip
import hashlib
import http.client
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import urllib.parse

CALL_TIMEOUT = 60  # seconds; a copy of this test's data takes well under 2
DST_MARK = "$DST"


class AgentError(Exception):
    """What the agent would log and give up on."""


# --- what the agent sends -------------------------------------------------

def go_json(value):
    """Go's json.Marshal: compact, struct order as given, HTML escapes."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text.encode()


def fnv32a(text):
    h = 2166136261
    for b in text.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def go_quote(value):
    """createUriWithConfig: a value with ':' or ',' goes in "..." with
    inner quotes doubled; any other value goes as it is."""
    if ":" in value or "," in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def inline_uri(uri, secret):
    """The agent's connection string: the first occurrence of the URI's
    remote name is replaced by ':type,k=v,...'.  Go ranges over a map in
    random order; sorted keys keep both servers' requests identical."""
    name = uri[:uri.index(":")]
    if secret["name"] != name:
        raise AgentError(f"name from URI ({name}) does not match secret ({secret['name']})")
    conn = ":" + secret["type"] + "".join(
        f",{k}={go_quote(v)}" for k, v in sorted(secret["parameters"].items()))
    return uri.replace(name, conn, 1)


def create_body(secret):
    return {"name": secret["name"], "type": secret["type"],
            "parameters": dict(sorted(secret["parameters"].items())), "opt": None}


def update_body(secret):
    return {"name": secret["name"],
            "parameters": dict(sorted(secret["parameters"].items())), "opt": None}


# --- what comes back ------------------------------------------------------

def parse_rclone_ini(text):
    """Sections in file order, each a dict (key order is Go map order in
    rclone's own file, so it is not compared)."""
    sections = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            sections.append([line[1:-1], {}])
        elif "=" in line and sections and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            sections[-1][1][key.strip()] = value.strip()
    return sections


def config_snapshot(path):
    try:
        st = os.stat(path)
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except FileNotFoundError:
        return {"exists": False}
    return {"exists": True, "mode": "%04o" % stat.S_IMODE(st.st_mode),
            "sections": parse_rclone_ini(text)}


def tree_snapshot(root):
    """Every directory and file below root: kind, bytes' SHA-256, mode, mtime."""
    if not os.path.lexists(root):
        return None
    entries = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            st = os.lstat(full)
            entry = {"mode": "%04o" % stat.S_IMODE(st.st_mode)}
            if stat.S_ISDIR(st.st_mode):
                entry["kind"] = "dir"
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as f:
                    entry.update(kind="file", size=st.st_size, mtime=int(st.st_mtime),
                                 sha256=hashlib.sha256(f.read()).hexdigest())
            else:
                entry["kind"] = "other"
            entries[rel] = entry
    return entries


class Server:
    """One keep-alive connection, as Go's http.DefaultClient keeps one."""

    HEADERS = {"User-Agent": "Go-http-client/1.1", "Content-Type": "application/json",
               "Accept-Encoding": "gzip"}

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.conn = None

    def _connect(self):
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=CALL_TIMEOUT)

    def request(self, method, path, body, headers):
        for attempt in (1, 2):  # Go resends once when a kept-alive connection was closed
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        if resp.getheader("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        if resp.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), data


class Recorder:
    """Calls the server and keeps every exchange, with the destination root
    replaced by $DST so two servers' transcripts compare."""

    def __init__(self, url, config_path, dst_root):
        self.url, self.config_path, self.dst_root = url, config_path, dst_root
        self.entries = []
        self.phase = "start"
        self.lock = threading.Lock()

    def norm(self, text):
        return text.replace(self.dst_root, DST_MARK)

    def call(self, path, body, method="POST", headers=None, server=None, raw=None):
        server = server or Server(self.url)
        data = raw if raw is not None else (go_json(body) if body is not None else None)
        status, hdrs, resp = server.request(method, path, data, headers or Server.HEADERS)
        text = resp.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(self.norm(text))
        except ValueError:
            parsed = None
        entry = {"phase": self.phase, "method": method, "path": path,
                 "request": self.norm(data.decode()) if data else "",
                 "status": status, "content_type": hdrs.get("content-type", ""),
                 "text": self.norm(text), "json": parsed}
        if path.startswith("/config/"):
            entry["config"] = config_snapshot(self.config_path)
        with self.lock:
            self.entries.append(entry)
        return entry

    def note(self, **fields):
        with self.lock:
            self.entries.append(dict(phase=self.phase, **fields))


class Agent:
    """The agent's RCloneClient, call for call."""

    def __init__(self, rec, dst_root, keep_root):
        self.rec, self.dst_root, self.keep_root = rec, dst_root, keep_root
        self.server = Server(rec.url)
        self.secrets = []

    def call(self, path, body):
        e = self.rec.call(path, body, server=self.server)
        if e["status"] != 200:
            raise AgentError(f"Failed rclone request path:{path} status {e['status']}")
        return e["json"]

    def ready(self):
        self.call("/rc/noop", {"foo": "bar"})

    def config(self, secret):
        got = self.call("/config/get", {"name": secret["name"]})
        if got is None:
            raise AgentError("config/get answer is not JSON")
        path, body = ("/config/update", update_body(secret)) if len(got) else \
            ("/config/create", create_body(secret))
        self.call(path, body)
        return secret["name"]

    def list_remotes(self):
        got = self.call("/config/listremotes", {})
        return (got or {}).get("remotes") or []

    def load_configuration(self, secrets=None):
        if secrets is not None:
            self.secrets = secrets
        added = [self.config(s) for s in self.secrets]
        try:  # deleteUnusedRcloneConfiguration: its error is only logged
            for name in self.list_remotes():
                if name not in added:
                    self.call("/config/delete", {"name": name})
        except AgentError as err:
            self.rec.note(agent_log=f"Failed to delete unused Rclone configuration: {err}")
        self.list_remotes()

    def copy(self, model, uri, secret=None):
        src = inline_uri(uri, secret) if secret else uri
        dst = f"{self.dst_root}/{fnv32a(model + '-' + uri)}"
        body = {"srcFs": src, "dstFs": dst, "createEmptySrcDirs": True}
        try:
            self.call("/sync/copy", body)
        except AgentError:  # copyWithConfigResync
            self.load_configuration()
            self.call("/sync/copy", body)
        exists = os.path.isdir(dst)
        self.rec.note(model=model, dst_exists=exists, tree=tree_snapshot(dst))
        if not exists:
            raise AgentError(f"Failed to download from {uri} any files")
        return dst

    def download(self, model, uri, secret=None):
        """DownloadModelVersion: copy, keep the files, purge the copy."""
        dst = self.copy(model, uri, secret)
        shutil.copytree(dst, os.path.join(self.keep_root, model), symlinks=True)
        self.call("/operations/purge", {"fs": dst, "remote": ""})
        self.rec.note(model=model, purged=not os.path.lexists(dst))


# --- the sequence ---------------------------------------------------------

def secrets_from_env():
    params = {"provider": "Minio", "env_auth": "false",
              "access_key_id": os.environ["S3_ACCESS_KEY"],
              "secret_access_key": os.environ["S3_SECRET_KEY"],
              "endpoint": os.environ["S3_ENDPOINT"]}
    gs = {"name": "gs", "type": "google cloud storage", "parameters": {"anonymous": "true"}}
    s3 = {"name": "s3", "type": "s3", "parameters": params}
    extra = {"name": "extra", "type": "s3", "parameters": {"provider": "Minio", "env_auth": "true"}}
    minio = {"name": "minio", "type": "s3", "parameters": params}
    s3_region = {"name": "s3", "type": "s3", "parameters": dict(params, region="us-east-1")}
    return gs, s3, extra, minio, s3_region


def agent_phases(agent):
    """(phase, action) in the agent's order; an action may raise AgentError,
    which ends that phase as the agent would end it."""
    gs, s3, extra, minio, s3_region = secrets_from_env()
    return [
        ("ready", agent.ready),
        ("startup", lambda: agent.load_configuration([gs, s3, extra])),
        ("named", lambda: agent.download("iris", "s3://models/iris")),
        ("inline", lambda: agent.download("iris-inline", "s3://models/iris", s3)),
        ("inline-colon", lambda: agent.download("iris-minio", "minio:models/iris", minio)),
        ("existing-dst", lambda: (agent.copy("iris-twice", "s3://models/iris"),
                                  agent.download("iris-twice", "s3://models/iris"))),
        ("missing-prefix", lambda: agent.download("nosuch", "s3://models/nosuch")),
        ("missing-bucket", lambda: agent.download("nobucket", "s3://nobucket/iris")),
        ("single-object", lambda: agent.download("single", "s3://models/single/model.bst")),
        ("config-change", lambda: agent.load_configuration([gs, s3_region])),
        ("named-after-change", lambda: agent.download("iris-2", "s3://models/iris")),
        ("concurrent", lambda: concurrent_downloads(agent)),
        ("purge-missing", lambda: agent.call("/operations/purge",
                                             {"fs": agent.dst_root + "/0", "remote": ""})),
        ("delete", lambda: (agent.call("/config/delete", {"name": "s3"}),
                            agent.call("/config/delete", {"name": "nosuch"}),
                            agent.list_remotes())),
    ]


def concurrent_downloads(agent):
    """The agent loads models at once, each on its own connection."""
    errors = []

    def one(model):
        try:
            Agent(agent.rec, agent.dst_root, agent.keep_root).download(model, "s3://models/iris")
        except (AgentError, OSError) as err:
            errors.append(f"{model}: {err}")
    threads = [threading.Thread(target=one, args=(f"conc-{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(CALL_TIMEOUT * 3)
    if errors:
        raise AgentError("; ".join(sorted(errors)))


# Not the agent's calls, but what a client meets when it goes wrong.
PROTOCOL = [
    ("unknown-method", "POST", "/no/such", b"{}"),
    ("get-not-post", "GET", "/rc/noop", None),
    ("body-not-json", "POST", "/rc/noop", b"not json"),
    ("empty-body", "POST", "/rc/noop", b""),
    ("missing-dstFs", "POST", "/sync/copy", b'{"srcFs":"s3:models/iris"}'),
    ("missing-name", "POST", "/config/get", b"{}"),
    ("core-version", "POST", "/core/version", b"{}"),
]


def replay(url, out, config_path, dst_root, keep_root):
    rec = Recorder(url, config_path, dst_root)
    agent = Agent(rec, dst_root, keep_root)
    rec.phase = "preseeded"
    rec.note(config=config_snapshot(config_path))
    for phase, action in agent_phases(agent):
        rec.phase = phase
        try:
            action()
        except AgentError as err:
            rec.note(agent_error=rec.norm(str(err)))
        except (OSError, http.client.HTTPException) as err:  # Go's url.Error
            rec.note(agent_error=f"transport: {type(err).__name__}: {rec.norm(str(err))}")
    for phase, method, path, raw in PROTOCOL:
        rec.phase = "protocol/" + phase
        rec.call(path, None, method=method, raw=raw,
                 headers={} if method == "GET" else Server.HEADERS)
    rec.phase = "rclone-rc"
    cli = subprocess.run(["rclone", "rc", "--url", url.rstrip("/") + "/", "rc/noop"],
                         capture_output=True, timeout=CALL_TIMEOUT)
    rec.note(cli_stdout=cli.stdout.decode(), cli_exit=cli.returncode)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(rec.entries, f, indent=1)


# --- checks ---------------------------------------------------------------

# What Debian's rclone 1.60.1 answered (see /tmp/rcd_shapes.md): per phase,
# the calls (method path -> status) and the agent's outcome.
REFERENCE = {
    "ready": (["/rc/noop 200"], None),
    "startup": (["/config/get 200", "/config/create 200"] * 3 +
                ["/config/listremotes 200", "/config/delete 200", "/config/listremotes 200"], None),
    "named": (["/sync/copy 200", "/operations/purge 200"], None),
    "inline": (["/sync/copy 200", "/operations/purge 200"], None),
    "inline-colon": (["/sync/copy 200", "/operations/purge 200"], None),
    "existing-dst": (["/sync/copy 200", "/sync/copy 200", "/operations/purge 200"], None),
    "missing-prefix": (["/sync/copy 200"], "Failed to download from s3://models/nosuch any files"),
    "missing-bucket": (["/sync/copy 404"] + ["/config/get 200", "/config/update 200"] * 3 +
                       ["/config/listremotes 200"] * 2 + ["/sync/copy 404"],
                       "Failed rclone request path:/sync/copy status 404"),
    "single-object": (["/sync/copy 500"] + ["/config/get 200", "/config/update 200"] * 3 +
                      ["/config/listremotes 200"] * 2 + ["/sync/copy 500"],
                      "Failed rclone request path:/sync/copy status 500"),
    "config-change": (["/config/get 200", "/config/update 200"] * 2 +
                      ["/config/listremotes 200", "/config/delete 200", "/config/listremotes 200"], None),
    "named-after-change": (["/sync/copy 200", "/operations/purge 200"], None),
    "concurrent": (["/sync/copy 200"] * 3 + ["/operations/purge 200"] * 3, None),
    "purge-missing": (["/operations/purge 404"], "Failed rclone request path:/operations/purge status 404"),
    "delete": (["/config/delete 200", "/config/delete 200", "/config/listremotes 200"], None),
    "protocol/unknown-method": (["/no/such 404"], None),
    "protocol/get-not-post": (["/rc/noop 404"], None),
    "protocol/body-not-json": (["/rc/noop 400"], None),
    "protocol/empty-body": (["/rc/noop 400"], None),
    "protocol/missing-dstFs": (["/sync/copy 400"], None),
    "protocol/missing-name": (["/config/get 400"], None),
    "protocol/core-version": (["/core/version 200"], None),
}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def by_phase(entries):
    phases = {}
    for e in entries:
        phases.setdefault(e["phase"], []).append(e)
    return phases


def calls_of(entries):
    return [e for e in entries if "path" in e]


def outcome_of(entries):
    errs = [e["agent_error"] for e in entries if "agent_error" in e]
    return errs[0] if errs else None


def say(line):
    """Print a report line; the test's secret key never reaches the log
    (transcripts keep it: config/get answers with it, as rclone does)."""
    secret = os.environ.get("S3_SECRET_KEY")
    print(line.replace(secret, "<S3_SECRET_KEY>") if secret else line)


class Report:
    def __init__(self):
        self.failed = 0

    def ok(self, cond, what, detail=()):
        say(("ok - " if cond else "not ok - ") + what)
        if not cond:
            self.failed += 1
            for line in detail:
                say("#   " + line)
        return cond


def call_summary(entries):
    return sorted(f"{e['path']} {e['status']}" for e in calls_of(entries))


def expect(path):
    rep, phases = Report(), by_phase(load(path))
    for phase, (calls, outcome) in REFERENCE.items():
        got = phases.get(phase, [])
        rep.ok(call_summary(got) == sorted(calls) and outcome_of(got) == outcome,
               f"rclone {phase}: calls and outcome as rclone 1.60 answered them",
               [f"calls {call_summary(got)}", f"want  {sorted(calls)}",
                f"outcome {outcome_of(got)!r}, want {outcome!r}"])
    expect_state(rep, phases)
    return rep.failed


def remotes_after(entries):
    lists = [e["json"]["remotes"] for e in calls_of(entries)
             if e["path"] == "/config/listremotes" and e["json"]]
    return lists[-1] if lists else None


def expect_state(rep, phases):
    rep.ok(remotes_after(phases.get("startup", [])) == ["gs", "s3", "extra"],
           "rclone startup: the stale remote is gone, gs s3 extra remain in that order",
           [f"got {remotes_after(phases.get('startup', []))}"])
    cfg = [e["config"] for e in calls_of(phases.get("config-change", []))]
    last = cfg[-1] if cfg else {}
    s3 = dict(last.get("sections", [])).get("s3", {})
    rep.ok(last.get("mode") == "0600" and s3.get("region") == "us-east-1",
           "rclone config-change: the file is 0600 and s3 gained region", [f"got {last}"])
    trees = [e["tree"] for e in phases.get("named", []) if "tree" in e]
    rep.ok(bool(trees) and trees[0] and trees[0].get("emptydir", {}).get("kind") == "dir",
           "rclone named: a directory marker became an empty directory", [f"got {trees}"])
    rep.ok(phases.get("rclone-rc", [{}])[0].get("cli_exit") == 0,
           "rclone rc rc/noop against rclone rcd exits 0", [f"got {phases.get('rclone-rc')}"])


def json_shape(e):
    """What must agree: a success's whole JSON; an error's keys, status,
    path and input (its text is rclone's or initc's own words); of
    core/version, the keys (the values name each program)."""
    j = e["json"]
    if not isinstance(j, dict):
        return j
    if e["path"] == "/core/version":
        return sorted(j)
    if e["status"] == 200:
        return j
    return {"keys": sorted(j), "status": j.get("status"), "path": j.get("path"),
            "input": j.get("input")}


def said(e):
    """An answer on one line: its JSON compact, else its text."""
    if e["json"] is not None:
        return json.dumps(e["json"], ensure_ascii=False, separators=(",", ":"))
    return json.dumps(e["text"])


def compare_call(rep, label, a, b, content_types):
    detail = [f"rclone: {a['status']} {said(a)}", f"initc:  {b['status']} {said(b)}"]
    same = a["status"] == b["status"] and json_shape(a) == json_shape(b)
    if "config" in a and a["config"] != b.get("config"):
        same = False
        detail += [f"rclone config file after: {a['config']}", f"initc config file after:  {b.get('config')}"]
    rep.ok(same, f"{label}: same status ({a['status']}), JSON" +
           (" and config file after it" if "config" in a else ""), detail)
    if same and a["text"] != b["text"]:
        say(f"# {label}: the words differ: rclone {said(a)} / initc {said(b)}")
    content_types.add((a["content_type"], b["content_type"]))


def tree_diff(a, b):
    if a is None or b is None:
        return [] if a == b else [f"rclone tree {a is not None}, initc tree {b is not None}"]
    out = [f"only in rclone: {k}" for k in sorted(set(a) - set(b))]
    out += [f"only in initc: {k}" for k in sorted(set(b) - set(a))]
    for k in sorted(set(a) & set(b)):
        x = {f: v for f, v in a[k].items() if f != "mtime"}
        y = {f: v for f, v in b[k].items() if f != "mtime"}
        if x != y:
            out.append(f"{k}: rclone {x}, initc {y}")
    return out


def notes_of(entries, unordered):
    notes = [e for e in entries if "path" not in e]
    if unordered:  # concurrent copies finish in any order
        notes.sort(key=lambda e: (e.get("model", ""), "tree" not in e))
    return notes


def compare_notes(rep, phase, a, b):
    na, nb = notes_of(a, phase == "concurrent"), notes_of(b, phase == "concurrent")
    for x, y in zip(na, nb):
        if "tree" in x:
            diff = tree_diff(x["tree"], y.get("tree"))
            rep.ok(not diff and x["dst_exists"] == y.get("dst_exists"),
                   f"{phase} {x['model']}: same destination tree, byte for byte", diff[:20])
            mt = [k for k in (x["tree"] or {}) if (y.get("tree") or {}).get(k, {}).get("mtime")
                  not in (None, x["tree"][k].get("mtime"))]
            if mt:
                say(f"# note {phase} {x['model']}: mtimes differ on {mt[:5]}")
        elif "purged" in x:
            rep.ok(x["purged"] == y.get("purged"), f"{phase} {x['model']}: purge removed the copy alike")
        elif "cli_exit" in x:
            rep.ok((x["cli_exit"], x["cli_stdout"]) == (y.get("cli_exit"), y.get("cli_stdout")),
                   "rclone rc rc/noop: same stdout and exit status",
                   [f"rclone: {x['cli_exit']} {x['cli_stdout']!r}",
                    f"initc:  {y.get('cli_exit')} {y.get('cli_stdout')!r}"])
        elif "config" in x:
            rep.ok(x["config"] == y.get("config"), f"{phase}: same config file before any call")
    if not phase.startswith(("protocol/", "rclone-rc", "preseeded")):
        rep.ok(outcome_of(a) == outcome_of(b), f"{phase}: the agent ends the same way",
               [f"rclone: {outcome_of(a)!r}", f"initc:  {outcome_of(b)!r}"])


def request_key(e):
    return (e["method"], e["path"], e["request"])


def compare_phase(rep, phase, a, b, content_types):
    ca, cb = calls_of(a), calls_of(b)
    if phase == "concurrent":  # threads interleave: compare as sets
        ca, cb = sorted(ca, key=request_key), sorted(cb, key=request_key)
    if ca or cb:
        rep.ok([request_key(e) for e in ca] == [request_key(e) for e in cb],
               f"{phase}: the agent made the same calls ({len(ca)})",
               [f"rclone: {[e['path'] for e in ca]}", f"initc:  {[e['path'] for e in cb]}"])
    for i, (x, y) in enumerate(zip(ca, cb), 1):
        if request_key(x) == request_key(y):
            compare_call(rep, f"{phase} #{i} {x['method']} {x['path']}", x, y, content_types)
    compare_notes(rep, phase, a, b)


def compare(ref_path, got_path):
    rep = Report()
    ref, got = by_phase(load(ref_path)), by_phase(load(got_path))
    content_types = set()
    for phase, entries in ref.items():
        compare_phase(rep, phase, entries, got.get(phase, []), content_types)
    for pair in sorted(content_types):
        if pair[0] != pair[1]:  # the agent reads the body whatever the type
            say(f"# note: Content-Type rclone {pair[0]!r}, initc {pair[1]!r}")
    return rep.failed


def main(argv):
    if len(argv) >= 3 and argv[1] == "replay":
        opts = dict(zip(argv[4::2], argv[5::2]))
        replay(argv[2], argv[3], opts["--config"], opts["--dst-root"], opts["--keep"])
        return 0
    if len(argv) == 3 and argv[1] == "expect":
        return 1 if expect(argv[2]) else 0
    if len(argv) == 4 and argv[1] == "compare":
        return 1 if compare(argv[2], argv[3]) else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
