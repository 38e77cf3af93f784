#!/usr/bin/python3
"""Run the environment stage (`FROM ... AS env`) of a Dockerfile prebake
wrote, on this machine, as a builder would: the same COPY and RUN lines,
with the stage's two folders moved under WORK (/opt/env -> WORK/env,
/tmp/prebake -> WORK/ctx) and `python` being the given interpreter.

conda cannot be solved here (no channel is reachable), so
`micromamba create --prefix P --file F` is replaced by a venv at P into
which pip installs F's conda packages at their conda versions, from the
same local index; `micromamba clean` does nothing. Everything else runs
exactly as written, under /bin/sh like Docker's RUN.

usage: run_env_stage.py OUT_DIR WORK [--python /usr/bin/python3]
The caller points pip at its index (PIP_NO_INDEX, PIP_FIND_LINKS).
Exit status: that of the first failing RUN, else 0."""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys

import yaml

# conda packages that are not Python distributions (nothing for pip)
CONDA_ONLY = {"python", "pip", "libgomp", "mkl", "_openmp_mutex", "libgcc-ng",
              "libstdcxx-ng", "openssl", "ca-certificates"}
# conda name -> the distribution name pip sees
CONDA_TO_PIP = {"pytorch": "torch", "py-xgboost": "xgboost"}


def logical_lines(text):
    """Dockerfile instructions: continuations joined, comments dropped."""
    out, cur = [], ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not cur):
            continue
        if raw.endswith("\\"):
            cur += raw[:-1]
            continue
        out.append(cur + raw)
        cur = ""
    if cur:
        out.append(cur)
    return out


def env_stage(lines):
    inside, stage = False, []
    for line in lines:
        word = line.split(None, 1)[0].upper()
        if word == "FROM":
            if inside:
                break
            inside = bool(re.search(r"\bAS\s+env\s*$", line, re.I))
            continue
        if inside:
            stage.append(line)
    if not stage:
        sys.exit("run_env_stage: no `FROM ... AS env` stage in the Dockerfile")
    return stage


def conda_to_pip(spec):
    """One conda MatchSpec as a pip requirement, or None if not a pip package."""
    spec = spec.split("::", 1)[-1].strip()
    m = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
    name, rest = m.group(1).lower(), m.group(2).strip()
    if name in CONDA_ONLY:
        return None
    name = CONDA_TO_PIP.get(name, name)
    if not rest or rest == "*":
        return name
    if rest.startswith("=="):
        return name + "==" + rest[2:].split("=")[0].split()[0]
    if rest.startswith("="):
        ver, _, build = rest[1:].partition("=")
        exact = ver.count(".") >= 2 or build
        return name + ("==" + ver if exact else "==" + ver + ".*")
    if rest[0] in "<>!~":
        return name + rest.replace(" ", "")
    ver = rest.split()[0]
    return name + ("==" + ver if "*" not in ver else "==" + ver)


def conda_stand_in(prefix, env_file, cwd):
    with open(os.path.join(cwd, env_file)) as f:
        doc = yaml.safe_load(f)
    reqs = [r for r in (conda_to_pip(d) for d in doc.get("dependencies", [])
                        if isinstance(d, str)) if r]
    cmd = "python -m venv " + prefix
    if reqs:
        cmd += " && %s/bin/python -m pip install %s" % (
            prefix, " ".join(shlex.quote(r) for r in reqs))
    return cmd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("work")
    ap.add_argument("--python", default="/usr/bin/python3")
    a = ap.parse_args()
    work = os.path.abspath(a.work)
    if re.search(r"[\s'\"\\$]", work):
        sys.exit("run_env_stage: WORK must be a plain path (it is spliced into shell lines)")
    moves = {"/opt/env": os.path.join(work, "env"), "/tmp/prebake": os.path.join(work, "ctx")}

    def move(s):
        for old, new in moves.items():
            s = re.sub(re.escape(old) + r"(?=/|\s|$)", new, s)
        return s

    shim = os.path.join(work, "bin")
    os.makedirs(shim, exist_ok=True)
    for name in ("python", "python3"):
        link = os.path.join(shim, name)
        if not os.path.lexists(link):
            os.symlink(a.python, link)
    env = dict(os.environ)
    env["PATH"] = shim + ":" + env.get("PATH", "/usr/bin:/bin")
    cwd = work
    with open(os.path.join(a.out, "Dockerfile")) as f:
        stage = env_stage(logical_lines(f.read()))
    for line in stage:
        word, _, rest = line.partition(" ")
        word = word.upper()
        rest = rest.strip()
        if word in ("USER", "ARG", "LABEL"):
            continue
        if word == "ENV":
            for tok in shlex.split(rest):
                k, _, v = tok.partition("=")
                env[k] = move(v)
        elif word == "WORKDIR":
            cwd = move(rest)
            os.makedirs(cwd, exist_ok=True)
        elif word == "COPY":
            args = shlex.split(rest)
            if any(x.startswith("--") for x in args):
                sys.exit("run_env_stage: COPY flags are not supported here: " + line)
            dest = move(args[-1])
            if not dest.startswith(work + "/"):
                sys.exit("run_env_stage: COPY outside the stage's folders: " + line)
            for src in args[:-1]:
                target = os.path.join(dest, os.path.basename(src)) if dest.endswith("/") else dest
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copyfile(os.path.join(a.out, src), target)
        elif word == "RUN":
            cmd = re.sub(r"micromamba create --yes --prefix (\S+) --file (\S+)",
                         lambda m: conda_stand_in(m.group(1), m.group(2), cwd), move(rest))
            cmd = re.sub(r"micromamba clean [^&]*", "true ", cmd)
            print("== RUN " + cmd.replace(work, "WORK"), flush=True)
            rc = subprocess.call(["/bin/sh", "-c", cmd], cwd=cwd, env=env)
            if rc:
                print("== RUN failed with status %d" % rc, flush=True)
                return rc
        else:
            sys.exit("run_env_stage: unexpected instruction in the env stage: " + word)
    return 0


if __name__ == "__main__":
    sys.exit(main())
