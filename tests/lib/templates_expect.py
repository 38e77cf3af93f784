#!/usr/bin/python3
"""Assertions on a rendered templates/ tree, for tests/it/templates.sh.

usage: templates_expect.py OUTDIR VALUES

Parses every document with PyYAML, compares the kinds and apiVersions of
each folder with the table below, and checks that the values from VALUES
landed where they must (images, model URI, namespaces). Prints one
"ok - ..." / "not ok - ..." line per assertion; exit 1 if any failed.
"""
import hashlib
import json
import os
import sys

import yaml

# folder -> sorted (apiVersion, kind) of the documents it must contain
EXPECTED = {
    "seldon-v1": [("machinelearning.seldon.io/v1", "SeldonDeployment")] * 2
    + [("v1", "ConfigMap"), ("v1", "Secret")],
    "kserve": [("serving.kserve.io/v1alpha1", "ClusterStorageContainer"),
               ("serving.kserve.io/v1beta1", "InferenceService"),
               ("v1", "Secret"), ("v1", "ServiceAccount")],
    "seldon-v2/centralized": [("mlops.seldon.io/v1alpha1", "Model"),
                              ("mlops.seldon.io/v1alpha1", "Server"),
                              ("mlops.seldon.io/v1alpha1", "ServerConfig"), ("v1", "Secret")],
    "seldon-v2/per-namespace": [("mlops.seldon.io/v1alpha1", "Model"),
                                ("mlops.seldon.io/v1alpha1", "SeldonRuntime"),
                                ("mlops.seldon.io/v1alpha1", "Server"),
                                ("mlops.seldon.io/v1alpha1", "ServerConfig"),
                                ("v1", "Namespace"), ("v1", "Secret")],
}

# Seldon Core 2.10.2's ServerConfig mlserver (SeldonIO/seldon-core v2.10.2
# k8s/yaml/components.yaml): its rclone container, less the image, written
# out so a difference shows; and the SHA-256 of its whole spec (JSON, sorted
# keys, no spaces) with that image set to "INITC_IMAGE". mlserver-initc must
# equal it but for the rclone image: the agent relies on the rest.
STOCK_RCLONE = {
    "name": "rclone", "command": ["rclone"],
    "args": ["rcd", "--rc-no-auth", "--config=/rclone/rclone.conf", "--rc-addr=0.0.0.0:5572",
             "--max-buffer-memory=$(MAX_BUFFER_MEMORY)"],
    "env": [{"name": "RCLONE_LOG_LEVEL", "value": "INFO"},
            {"name": "MAX_BUFFER_MEMORY", "value": "64M"}],
    "imagePullPolicy": "IfNotPresent",
    "lifecycle": {"preStop": {"httpGet": {"path": "terminate", "port": 9007}}},
    "livenessProbe": {"exec": {"command": ["rclone", "rc", "rc/noop"]}, "failureThreshold": 1,
                      "initialDelaySeconds": 5, "periodSeconds": 5, "successThreshold": 1,
                      "timeoutSeconds": 1},
    "ports": [{"containerPort": 5572, "name": "rclone", "protocol": "TCP"}],
    "readinessProbe": {"failureThreshold": 3, "initialDelaySeconds": 5, "periodSeconds": 5,
                       "successThreshold": 1, "tcpSocket": {"port": 5572}, "timeoutSeconds": 1},
    "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "50m", "memory": "128Mi"}},
    "volumeMounts": [{"mountPath": "/mnt/agent", "name": "mlserver-models"}],
}
STOCK_SPEC_SHA256 = "8eb7b1b523d125c0df7eb0329fa6d39b47573cf7c1e0c44c1401e7dcce585cca"

failed = 0


def report(ok, what):
    global failed
    print("%s - %s" % ("ok" if ok else "not ok", what))
    failed += not ok


def read_values(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                k, _, v = line.partition("=")
                out[k.strip()] = v.strip()
    return out


def load_folder(root, folder):
    docs, bad = [], []
    base = os.path.join(root, folder)
    for name in sorted(os.listdir(base)):
        path = os.path.join(base, name)
        if not name.endswith(".yaml"):
            continue
        try:
            with open(path, encoding="utf-8") as f:
                docs += [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            bad.append("%s: %s" % (path, e))
    return docs, bad


def get(obj, *keys):
    for k in keys:
        obj = obj[k] if isinstance(obj, dict) and k in obj else (
            obj[k] if isinstance(obj, list) and isinstance(k, int) and k < len(obj) else None)
    return obj


def check_serverconfig(folder, scs, server, v):
    sc = get(scs, 0) or {}
    name = get(sc, "metadata", "name")
    report(len(scs) == 1 and get(server, "spec", "serverConfig") == name,
           "%s: the Server runs on the folder's one ServerConfig (%s)" % (folder, name))
    report(get(sc, "metadata", "namespace") == v["SELDON_CONTROLLER_NAMESPACE"],
           "%s: ServerConfig %s is in SELDON_CONTROLLER_NAMESPACE, where the controller reads it"
           % (folder, name))
    spec = json.loads(json.dumps(get(sc, "spec") or {}))
    rclone = [c for c in get(spec, "podSpec", "containers") or [] if c.get("name") == "rclone"]
    image = rclone[0].pop("image", None) if rclone else None
    report(image == v["INITC_IMAGE"], "%s: the rclone container runs INITC_IMAGE" % folder)
    for c in rclone:
        c["env"] = [e for e in c.get("env") or [] if not e.get("name", "").startswith("INITC_")]
    same = rclone == [STOCK_RCLONE]
    report(same, "%s: the rclone container is Seldon 2.10.2's but for its image%s"
           % (folder, "" if same else " (got %s)" % rclone))
    for c in rclone:
        c["image"] = "INITC_IMAGE"
        c["env"] = STOCK_RCLONE["env"]
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    report(digest == STOCK_SPEC_SHA256,
           "%s: the rest of ServerConfig %s is Seldon 2.10.2's mlserver unchanged%s"
           % (folder, name, "" if digest == STOCK_SPEC_SHA256 else " (spec sha256 %s)" % digest))


def main(root, values_path):
    v = read_values(values_path)
    by_kind = {}
    for folder, want in EXPECTED.items():
        docs, bad = load_folder(root, folder)
        report(docs and not bad, "%s: every document parses as YAML%s"
               % (folder, "".join("; " + b for b in bad)))
        got = sorted((d.get("apiVersion"), d.get("kind")) for d in docs)
        report(got == sorted(want), "%s: kinds and apiVersions as expected%s"
               % (folder, "" if got == sorted(want) else " (want %s, got %s)" % (sorted(want), got)))
        for d in docs:
            by_kind.setdefault((folder, d.get("kind")), []).append(d)
    uri = "s3://%s/%s" % (v["MODEL_BUCKET"], v["MODEL_PATH"])

    sdeps = by_kind.get(("seldon-v1", "SeldonDeployment"), [])
    graphs = [get(s, "spec", "predictors", 0, "graph") or {} for s in sdeps]
    report(graphs and all(g.get("modelUri") == uri for g in graphs),
           "seldon-v1: every graph modelUri is %s" % uri)
    report(graphs and all(g.get("storageInitializerImage") == v["INITC_IMAGE"] for g in graphs),
           "seldon-v1: every graph storageInitializerImage is INITC_IMAGE")
    images = [get(s, "spec", "predictors", 0, "componentSpecs", 0, "spec", "containers", 0, "image")
              for s in sdeps]
    report(v["PREBAKED_SELDON_IMAGE"] in images, "seldon-v1: the prebaked SeldonDeployment runs PREBAKED_SELDON_IMAGE")
    secrets = by_kind.get(("seldon-v1", "Secret"), [])
    sd = get(secrets, 0, "stringData") or {}
    report(sd.get("RCLONE_CONFIG_S3_ENDPOINT") == v["S3_ENDPOINT"] and sd.get("RCLONE_CONFIG_S3_TYPE") == "s3",
           "seldon-v1: Secret defines remote S3 with S3_ENDPOINT")
    report(all(get(d, "metadata", "namespace") == v["MODEL_NAMESPACE"] for d in sdeps + secrets),
           "seldon-v1: SeldonDeployments and Secret are in MODEL_NAMESPACE")
    cm = get(by_kind.get(("seldon-v1", "ConfigMap"), []), 0) or {}
    report(get(cm, "metadata", "namespace") == v["SELDON_SYSTEM_NAMESPACE"],
           "seldon-v1: seldon-config is patched in SELDON_SYSTEM_NAMESPACE")

    csc = get(by_kind.get(("kserve", "ClusterStorageContainer"), []), 0) or {}
    report(get(csc, "spec", "container", "image") == v["INITC_IMAGE"], "kserve: ClusterStorageContainer runs INITC_IMAGE")
    report(get(csc, "spec", "container", "securityContext", "readOnlyRootFilesystem") is True,
           "kserve: initc runs with a read-only root filesystem")
    isvc = get(by_kind.get(("kserve", "InferenceService"), []), 0) or {}
    report(get(isvc, "spec", "predictor", "model", "storageUri") == uri, "kserve: InferenceService storageUri is %s" % uri)

    for pattern, ns_key in (("centralized", "SELDON_CENTRAL_NAMESPACE"), ("per-namespace", "SELDON_NAMESPACE")):
        folder = "seldon-v2/" + pattern
        server = get(by_kind.get((folder, "Server"), []), 0) or {}
        model = get(by_kind.get((folder, "Model"), []), 0) or {}
        report(get(server, "spec", "podSpec", "containers", 0, "image") == v["PREBAKED_IMAGE"],
               "%s: Server runs PREBAKED_IMAGE" % folder)
        report(get(model, "spec", "storageUri") == uri and get(model, "metadata", "name") == v["MODEL_NAME"],
               "%s: Model %s loads %s" % (folder, v["MODEL_NAME"], uri))
        docs = [d for (f, k), ds in by_kind.items()
                if f == folder and k not in ("Namespace", "ServerConfig") for d in ds]
        report(docs and all(get(d, "metadata", "namespace") == v[ns_key] for d in docs),
               "%s: every object but the ServerConfig is in %s" % (folder, ns_key))
        check_serverconfig(folder, by_kind.get((folder, "ServerConfig"), []), server, v)
    report(not by_kind.get(("seldon-v2/centralized", "SeldonRuntime")),
           "seldon-v2/centralized: ships no SeldonRuntime (the central one is installed by Helm)")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
