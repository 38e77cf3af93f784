#!/usr/bin/python3
"""Assertions on a rendered templates/ tree, for tests/it/templates.sh.

usage: templates_expect.py OUTDIR VALUES

Parses every document with PyYAML, compares the kinds and apiVersions of
each folder with the table below, and checks that the values from VALUES
landed where they must (images, model URI, namespaces). Prints one
"ok - ..." / "not ok - ..." line per assertion; exit 1 if any failed.
"""
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
                              ("mlops.seldon.io/v1alpha1", "Server"), ("v1", "Secret")],
    "seldon-v2/per-namespace": [("mlops.seldon.io/v1alpha1", "Model"),
                                ("mlops.seldon.io/v1alpha1", "SeldonRuntime"),
                                ("mlops.seldon.io/v1alpha1", "Server"),
                                ("v1", "Namespace"), ("v1", "Secret")],
}

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
        docs = [d for (f, _), ds in by_kind.items() if f == folder for d in ds if d.get("kind") != "Namespace"]
        report(docs and all(get(d, "metadata", "namespace") == v[ns_key] for d in docs),
               "%s: every object is in %s" % (folder, ns_key))
    report(not by_kind.get(("seldon-v2/centralized", "SeldonRuntime")),
           "seldon-v2/centralized: ships no SeldonRuntime (the central one is installed by Helm)")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
