#!/usr/bin/env bash
# Seldon Core 2 Servers as targets (`--server mlserver`, `--server triton`,
# as `initc rcd` judges a copy with INITC_SERVER): local artifacts laid out
# as Core 2's agent receives them. MLServer: the runtime model-settings.json
# names, judged at the Server's release (files, library versions), an
# implementation initc does not model, none named, none at all (what the
# agent writes from the Model's requirements), version folders. Triton:
# config.pbtxt at the top and <version>/ folders, the backend's file.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
INITC=${INITC:-$here/../../build/initc}
PY=/usr/bin/python3
FIX=$here/../fixtures/models

w=$(mktemp -d "${TMPDIR:-/tmp}/verify_v2_server.XXXXXX") || exit 1
trap 'rm -rf "$w"' EXIT
export INITC_TERMINATION_LOG=$w/term
unset INITC_SERVER INITC_REQUIREMENTS INITC_FIX INITC_STRICT

# run NAME ARGS...: `initc ARGS` with stdout in $w/NAME.out, stderr in
# $w/NAME.err; the exit code in $rc.
run() {
	local name=$1
	shift
	"$INITC" "$@" >"$w/$name.out" 2>"$w/$name.err"
	rc=$?
}

settings() { # folder json
	printf '%s\n' "$2" >"$1/model-settings.json"
}

# ---- MLServer: model-settings.json names the runtime -------------------------

cp -r "$FIX/sklearn" "$w/sk"
settings "$w/sk" '{"implementation":"mlserver_sklearn.SKLearnModel","parameters":{"uri":"./model.pkl"}}'
run sk check --server mlserver "$w/sk"
expect_rc 0 "$rc" "mlserver: settings naming the sklearn runtime and its file fit"
expect_grep 'ok +model-settings.json names mlserver_sklearn.SKLearnModel: mlserver-sklearn loads model.pkl' \
	"$w/sk.out" "the row names the runtime the implementation selects and the file"
expect_grep 'server=mlserver release=1\.7\.1 image=seldonio/mlserver:1\.7\.1' "$w/sk.err" \
	"no release given: the newest MLServer release initc knows, logged"

# The library-version case: MLServer 1.6.1 pins scikit-learn 1.5.0, the
# model was saved with 1.5.2.
run sk161 check --server mlserver:1.6.1 "$w/sk"
expect_rc 8 "$rc" "mlserver:1.6.1: a model saved with a newer scikit-learn does not fit"
expect_grep 'saved with scikit-learn 1\.5\.2 but mlserver-sklearn 1\.6\.1 \(seldonio/mlserver:1\.6\.1\) installs scikit-learn==1\.5\.0' \
	"$w/sk161.out" "the message names both versions and the image"
expect_grep 'or run mlserver-sklearn release .*1\.7\.1' "$w/sk161.out" \
	"and the releases that take it"
run sk169 check --server mlserver:1.6.9 "$w/sk"
expect_rc 2 "$rc" "an MLServer release initc does not know is refused"
expect_grep 'nearest known: 1\.6\.1 or 1\.7\.1' "$w/sk169.err" "naming the nearest ones"

cp -r "$FIX/sklearn" "$w/skx"
settings "$w/skx" '{"implementation":"mlserver_xgboost.XGBoostModel"}'
run skx check --server mlserver "$w/skx"
expect_rc 8 "$rc" "mlserver: the xgboost runtime on a sklearn model does not fit"
expect_grep 'fail +model-settings.json names mlserver_xgboost.XGBoostModel: mlserver-xgboost loads model.bst, model.json or model.ubj but this folder holds no xgboost model' \
	"$w/skx.out" "the reason names the implementation, the runtime and its files"

cp -r "$FIX/sklearn" "$w/hf"
settings "$w/hf" '{"implementation":"mlserver_huggingface.HuggingFaceRuntime","parameters":{"extra":{"task":"text-generation"}}}'
run hf check --server mlserver "$w/hf"
expect_rc 0 "$rc" "mlserver: an implementation initc does not model is accepted"
expect_grep 'ok +model-settings.json names implementation mlserver_huggingface.HuggingFaceRuntime, which initc does not model: accepted, not judged' \
	"$w/hf.out" "and says it was not judged"

cp -r "$FIX/sklearn" "$w/noimpl"
settings "$w/noimpl" '{"parameters":{"uri":"./model.pkl"}}'
run noimpl check --server mlserver "$w/noimpl"
expect_rc 8 "$rc" "mlserver: model-settings.json without implementation does not load"
expect_grep 'names no implementation: MLServer requires one and the agent keeps the file as it is; add "implementation": "mlserver_sklearn.SKLearnModel"' \
	"$w/noimpl.out" "the fix names the implementation that loads the folder"

# MLServer's and Core 2's mlflow settings point at the folder itself.
cp -r "$FIX/sklearn" "$w/mlf"
settings "$w/mlf" '{"implementation":"mlserver_mlflow.MLflowRuntime","parameters":{"uri":"./"}}'
run mlf check --server mlserver "$w/mlf"
expect_rc 0 "$rc" "mlserver: the mlflow runtime with parameters.uri ./ fits"
expect_grep 'mlserver-mlflow loads the MLflow folder' "$w/mlf.out" "the folder is the model"
run mlfr check --server mlserver-mlflow "$w/mlf"
expect_rc 0 "$rc" "mlserver-mlflow itself takes parameters.uri ./ as the folder"

# ---- MLServer: no model-settings.json -----------------------------------------

run nos check --server mlserver "$FIX/sklearn"
expect_rc 0 "$rc" "mlserver: no settings, the agent writes them from the requirements"
expect_grep 'loads with requirement mlflow \(the agent writes \{"implementation":"mlserver_mlflow.MLflowRuntime","parameters":\{"uri":"./"\}\}\) or sklearn \(the agent writes \{"implementation":"mlserver_sklearn.SKLearnModel","parameters":\{"uri":"./model.pkl"\}\}\)' \
	"$w/nos.out" "naming each requirement that loads it and the settings written"

run nosreq check --server mlserver:1.6.1 --requirements sklearn "$FIX/sklearn"
expect_rc 8 "$rc" "mlserver:1.6.1 with requirement sklearn: the agent's settings load a too new model"
expect_grep 'no model-settings.json: for requirement sklearn the agent writes \{"implementation":"mlserver_sklearn.SKLearnModel","parameters":\{"uri":"./model.pkl"\}\}; mlserver-sklearn loads model.pkl .*installs scikit-learn==1\.5\.0' \
	"$w/nosreq.out" "the reason follows the agent's settings to the library version"

run nosreq2 check --server mlserver --requirements huggingface "$FIX/sklearn"
expect_rc 8 "$rc" "requirement huggingface: the agent writes no settings"
expect_grep "none of which \"huggingface\" names: the load fails \(\"Can't create model-settings from requirements\"\): add a model-settings.json \{\"implementation\":\"mlserver_sklearn.SKLearnModel\",\"parameters\":\{\"uri\":\"./model.pkl\"\}\}" \
	"$w/nosreq2.out" "the reason quotes Core 2's error and gives the settings to add"

run onnxreq check --server mlserver --requirements onnx "$FIX/sklearn"
expect_rc 2 "$rc" "a requirement the mlserver Server lacks is refused"
expect_grep 'requirement \\"onnx\\" is no capability of a Seldon Core v2 mlserver Server' "$w/onnxreq.err" \
	"naming the requirement"

# An XGBoost booster saved as model.ubj: MLServer's runtime knows the
# name, the agent's Glob (*.json, *.bst) does not.
mkdir "$w/ubj"
cp "$FIX/xgboost_bst/model.bst" "$w/ubj/model.ubj"
run ubj check --server mlserver:1.6.1 "$w/ubj"
expect_rc 8 "$rc" "mlserver: a booster only the runtime's names find"
expect_grep 'xgboost: the agent finds no \*\.json or \*\.bst at the top and fails the load\): add a model-settings.json \{"implementation":"mlserver_xgboost.XGBoostModel","parameters":\{"uri":"./model.ubj"\}\} \(initc --fix writes it\)' \
	"$w/ubj.out" "the fix is the exact model-settings.json"
run ubjfix --server mlserver:1.6.1 --fix "$w/ubj" "$w/ubj.dest"
expect_rc 0 "$rc" "--fix writes it after the download"
check "the written settings are what the message said" "$PY" - "$w/ubj.dest/model-settings.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
sys.exit(0 if doc == {"implementation": "mlserver_xgboost.XGBoostModel",
                      "parameters": {"uri": "./model.ubj"}} else 1)
PY
run ubjre check --server mlserver:1.6.1 "$w/ubj.dest"
expect_rc 0 "$rc" "the fixed folder fits"

# The download path (initc's init container and `initc rcd` call the same
# check): the one-line reason goes to the termination log.
rm -f "$w/term"
INITC_SERVER=mlserver run skxdl "$w/skx" "$w/skx.dest"
expect_rc 8 "$rc" "INITC_SERVER=mlserver: a download that cannot load fails"
check "the termination log holds one line" test "$(wc -l <"$w/term")" -eq 1
expect_grep '^model-settings.json names mlserver_xgboost.XGBoostModel: mlserver-xgboost loads' "$w/term" \
	"the reason is in the termination log"

# ---- MLServer: version folders ------------------------------------------------

mkdir -p "$w/ver/1" "$w/ver/2"
cp "$FIX/sklearn/"* "$w/ver/1/"
cp "$FIX/sklearn/"* "$w/ver/2/"
settings "$w/ver/1" '{"implementation":"mlserver_sklearn.SKLearnModel"}'
settings "$w/ver/2" '{"implementation":"mlserver_xgboost.XGBoostModel"}'
run ver check --server mlserver "$w/ver"
expect_rc 8 "$rc" "mlserver: the agent takes the highest numbered folder, here a misfit"
expect_grep 'fail +the agent picks 2/ \(the highest numbered folder holding model-settings.json.*mlserver-xgboost loads' \
	"$w/ver.out" "the reason names the folder picked"
settings "$w/ver/2" '{"implementation":"mlserver_sklearn.SKLearnModel"}'
run ver2 check --server mlserver "$w/ver"
expect_rc 0 "$rc" "and fits once that folder does"
settings "$w/ver" '{"implementation":"mlserver_xgboost.XGBoostModel"}'
run ver3 check --server mlserver "$w/ver"
expect_rc 8 "$rc" "settings at the top win over version folders"
expect_grep 'fail +model-settings.json names mlserver_xgboost' "$w/ver3.out" "the top's settings are judged"

# ---- Triton: config.pbtxt at the top, <version>/ below --------------------------

pb() { # folder lines...
	local d=$1
	shift
	printf '%s\n' "$@" >"$d/config.pbtxt"
}
mkdir -p "$w/tr/1"
cp "$FIX/triton/iris/1/model.onnx" "$w/tr/1/"
pb "$w/tr" 'name: "iris"' 'backend: "onnxruntime"' 'max_batch_size: 8'
run tr check --server triton "$w/tr"
expect_rc 0 "$rc" "triton: config.pbtxt and 1/model.onnx fit"
expect_grep 'ok +triton runs backend onnxruntime \(from config.pbtxt\) and loads 1/model.onnx' "$w/tr.out" \
	"the row names the backend and the file"
pb "$w/tr" 'name: "another"' 'backend: "onnxruntime"'
run trname check --server triton "$w/tr"
expect_rc 0 "$rc" "triton: the agent rewrites the name, another one fits"

mkdir -p "$w/tr/3"
cp "$FIX/triton/iris/1/model.onnx" "$w/tr/3/model.pt"
run tr3 check --server triton "$w/tr"
expect_rc 8 "$rc" "triton: the highest version folder lacks the backend's file"
expect_grep 'loads model.onnx from 3/, which lacks it: it holds model.pt; give the model file that name, or name it in config.pbtxt.s default_model_filename' \
	"$w/tr3.out" "the reason names the folder, the file wanted and the one there"
pb "$w/tr" 'platform: "pytorch_libtorch"'
run trpt check --server triton "$w/tr"
expect_rc 0 "$rc" "triton: platform pytorch_libtorch loads 3/model.pt"
rm -r "$w/tr/3"
run trpt1 check --server triton "$w/tr"
expect_rc 8 "$rc" "triton: platform pytorch_libtorch and only model.onnx"
expect_grep 'triton runs backend pytorch \(from config.pbtxt\) and loads model.pt from 1/, which lacks it: it holds model.onnx' \
	"$w/trpt1.out" "the platform decides the file"

pb "$w/tr" 'backend: "onnxruntime"' 'default_model_filename: "iris.onnx"'
mv "$w/tr/1/model.onnx" "$w/tr/1/iris.onnx"
run trdmf check --server triton "$w/tr"
expect_rc 0 "$rc" "triton: default_model_filename names the file"
expect_grep 'loads 1/iris.onnx' "$w/trdmf.out" "that file is loaded"
mv "$w/tr/1/iris.onnx" "$w/tr/1/model.onnx"

rm "$w/tr/config.pbtxt"
run trnocfg check --server triton "$w/tr"
expect_rc 0 "$rc" "triton: no config.pbtxt, Triton tells onnxruntime by model.onnx"
expect_grep 'told by the files: the agent writes a config.pbtxt holding only the name' "$w/trnocfg.out" \
	"the row says how the backend was found"

run trtf check --server triton "$FIX/tensorflow"
expect_rc 8 "$rc" "triton: a TF Serving layout (1/saved_model.pb) without config"
expect_grep 'Triton cannot tell the backend from the files in 1/: it looks for model.savedmodel/, model.graphdef, model.plan, model.onnx, model.xml, model.pt, model.py, and it holds saved_model.pb' \
	"$w/trtf.out" "the reason lists what Triton looks for and what is there"

mkdir -p "$w/flat"
cp "$FIX/triton/iris/1/model.onnx" "$w/flat/"
pb "$w/flat" 'backend: "onnxruntime"'
run flat check --server triton "$w/flat"
expect_rc 0 "$rc" "triton: no numbered folder, the whole artifact is the version"

mkdir -p "$w/custom/1"
pb "$w/custom" 'backend: "identity"'
run custom check --server triton "$w/custom"
expect_rc 0 "$rc" "triton: a backend initc does not model is accepted"
expect_grep 'names backend identity, which initc does not model: accepted, not judged' "$w/custom.out" \
	"and says so"

run repo check --server triton "$FIX/triton"
expect_rc 0 "$rc" "triton: a Triton repository with one model still loads"
expect_grep 'warn +the version folder is iris/1/, below the top of the artifact' "$w/repo.out" \
	"with a warning: spec.artifactVersion would not find it"
run repos check --strict --server triton "$FIX/triton"
expect_rc 11 "$rc" "--strict makes that warning fail"

run trver check --server triton:23.03 "$w/tr"
expect_rc 2 "$rc" "triton:VERSION is refused"
expect_grep 'no releases of triton' "$w/trver.err" "saying the table has none"

# ---- the names ----------------------------------------------------------------

run servers servers
expect_rc 0 "$rc" "initc servers"
expect_grep '^mlserver +seldon-v2 +1\.2\.0 to 1\.7\.1' "$w/servers.out" "lists mlserver, family seldon-v2"
expect_grep '^triton +seldon-v2 ' "$w/servers.out" "lists triton"
run servml servers mlserver
expect_rc 0 "$rc" "initc servers mlserver"
expect_grep '^  mlserver_sklearn.SKLearnModel +mlserver-sklearn$' "$w/servml.out" "implementations and runtimes"
expect_grep '^  sklearn +mlserver_sklearn.SKLearnModel +\./\*\.joblib or \./\*\.pkl or \./\*\.pickle$' \
	"$w/servml.out" "what the agent writes per requirement"
expect_grep '^1\.6\.1 +seldonio/mlserver:1\.6\.1 +scikit-learn==1\.5\.0 xgboost==2\.0\.3' "$w/servml.out" \
	"each release with the runtimes' libraries"
run servtr servers triton
expect_grep '^onnxruntime +onnxruntime_onnx +yes +model\.onnx$' "$w/servtr.out" "initc servers triton: the backends"
run near servers mlservr
expect_rc 2 "$rc" "an unknown name"
expect_grep 'did you mean mlserver\?' "$w/near.err" "gets the nearest name"
run near2 check --server tritn "$w/tr"
expect_rc 2 "$rc" "--server with an unknown name"
expect_grep 'did you mean triton\?' "$w/near2.err" "gets the nearest name too"
run json servers --json
check "servers --json holds both Core 2 Servers" "$PY" - "$w/json.out" <<'PY'
import json, sys
d = {s["name"]: s for s in json.load(open(sys.argv[1]))["servers"]}
ml, tr = d["mlserver"], d["triton"]
ok = (ml["family"] == tr["family"] == "seldon-v2"
      and ml["implementations"]["mlserver_sklearn.SKLearnModel"] == "mlserver-sklearn"
      and any(r["version"] == "1.6.1" for r in ml["releases"])
      and any(b["backend"] == "onnxruntime" and b["loads"] == ["model.onnx"] for b in tr["backends"])
      and tr["image"] == "nvcr.io/nvidia/tritonserver:23.03-py3")
sys.exit(0 if ok else 1)
PY
run cjson check --json --server mlserver:1.6.1 "$w/sk"
check "check --json names the Server and its release" "$PY" - "$w/cjson.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["server"] == "mlserver" and d["release"] == "1.6.1"
         and d["models"][0]["status"] == "fail" else 1)
PY
assert_done
