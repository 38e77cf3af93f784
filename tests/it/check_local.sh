#!/usr/bin/env bash
# `initc check` and `initc servers` on local folders: one row per MLflow
# model under an MLflow-artifacts-like tree, exit codes, --json.
set -u
cd "$(dirname "$0")/../.."
INITC=${INITC:-$PWD/build/initc}
FIX=$PWD/tests/fixtures/models
work=$(mktemp -d "${TMPDIR:-/tmp}/check_local.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; failed=1; }
expect_rc() { # want got what
	if [ "$1" -eq "$2" ]; then ok "$3 (exit $2)"; else not_ok "$3: exit $2, want $1"; fi
}
expect_line() { # file regex what
	if grep -Eq -- "$2" "$1"; then ok "$3"; else not_ok "$3: no line matching /$2/ in $(cat "$1")"; fi
}

# An MLflow tracking server's artifact layout: <exp>/<run>/artifacts/model.
art=$work/bucket/mlflow-artifacts
mkdir -p "$art/1/aaa111/artifacts" "$art/1/bbb222/artifacts" "$art/2/ccc333/artifacts" \
	"$art/2/ddd444/artifacts"
cp -r "$FIX/xgboost" "$art/1/aaa111/artifacts/model"
cp -r "$FIX/sklearn" "$art/1/bbb222/artifacts/model"
cp -r "$FIX/broken_missing_data" "$art/2/ccc333/artifacts/model"
cp -r "$FIX/pytorch" "$art/2/ddd444/artifacts/model"
echo "run notes" >"$art/2/ddd444/artifacts/notes.txt"

"$INITC" check --recursive "$art" >"$work/out" 2>"$work/err"
expect_rc 8 $? "check --recursive fails when one model is broken"
expect_line "$work/out" '^MODEL +FLAVORS +STATUS +DETAIL' "table header"
expect_line "$work/out" '^1/aaa111/artifacts/model +python_function,xgboost +ok +loads as-is: MLFLOW_SERVER,mlserver-mlflow,kserve-mlflow,mlserver; after a fix: mlserver-xgboost,kserve-xgboost' \
	"xgboost row lists the servers that load it"
expect_line "$work/out" '^1/bbb222/artifacts/model +python_function,sklearn +ok +loads as-is: MLFLOW_SERVER,mlserver-sklearn' \
	"sklearn row"
expect_line "$work/out" '^2/ccc333/artifacts/model +python_function,xgboost +fail +.*2/ccc333/artifacts/model/MLmodel:4:11: flavor python_function names data: model.xgb, which is not in' \
	"missing data file row names the file and the MLmodel position"
expect_line "$work/out" '^2/ddd444/artifacts/model +python_function,pytorch +ok' "pytorch row"
rows=$(grep -c '/artifacts/model ' "$work/out")
expect_rc 4 "$rows" "one row per model, none for other files"

"$INITC" check --recursive --server XGBOOST_SERVER "$art/1" >"$work/out" 2>"$work/err"
expect_rc 8 $? "check --server XGBOOST_SERVER fails on the MLflow xgboost model"
expect_line "$work/out" 'aaa111/artifacts/model .* fail +XGBOOST_SERVER loads model.bst but this MLflow model stores its booster in model.xgb: use implementation MLFLOW_SERVER' \
	"seed 002 message names both files and the fixes"
expect_line "$work/out" 'bbb222/artifacts/model .* fail +XGBOOST_SERVER loads model.bst but this folder holds no xgboost model' \
	"sklearn model cannot go to XGBOOST_SERVER"
expect_line "$work/out" 'and the model was saved with xgboost 2.0.3 but XGBOOST_SERVER 1.18.2 \(seldonio/xgboostserver:1.18.2\) installs xgboost==1.4.2' \
	"the newest release's xgboost is named, and a newer model is a misfit"

"$INITC" check -r --server mlflow_server "$art/1" >"$work/out" 2>"$work/err"
expect_rc 0 $? "both models load on MLFLOW_SERVER (name matched case-insensitively)"

"$INITC" check --recursive --json "$art" >"$work/json" 2>"$work/err"
expect_rc 8 $? "--json keeps the exit code"
if /usr/bin/python3 - "$work/json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows = {m["path"]: m for m in d["models"]}
assert d["failed"] == 1, d["failed"]
assert rows["1/aaa111/artifacts/model"]["status"] == "ok"
assert rows["1/aaa111/artifacts/model"]["flavors"] == ["python_function", "xgboost"]
assert "XGBOOST_SERVER" in rows["1/aaa111/artifacts/model"]["servers"]["no"]
assert "mlserver-xgboost" in rows["1/aaa111/artifacts/model"]["servers"]["fix"]
assert rows["2/ccc333/artifacts/model"]["status"] == "fail"
assert "model.xgb" in rows["2/ccc333/artifacts/model"]["detail"]
assert len(rows) == 4
PY
then ok "--json parses and holds one object per model"; else not_ok "--json output: $(cat "$work/json")"; fi

"$INITC" check "$FIX/broken_bad_yaml" >"$work/out" 2>"$work/err"
expect_rc 10 $? "bad YAML is malformed input"
expect_line "$work/out" 'broken_bad_yaml/MLmodel:7:15: invalid YAML' "bad YAML reported as file:line:column"

"$INITC" check --server XGBOST_SERVER "$FIX/xgboost" >"$work/out" 2>"$work/err"
expect_rc 2 $? "unknown server name is a usage error"
expect_line "$work/err" 'did you mean XGBOOST_SERVER' "unknown server suggests the nearest name"

"$INITC" check --requirements scikit-learn "$FIX/sklearn" >"$work/out" 2>"$work/err"
expect_rc 2 $? "requirement scikit-learn is refused"
expect_line "$work/err" 'did you mean sklearn' "scikit-learn suggests sklearn"

"$INITC" check --requirements sklearn,mlflow "$FIX/sklearn" >"$work/out" 2>"$work/err"
expect_rc 0 $? "requirements sklearn,mlflow fit the MLflow sklearn model"
expect_line "$work/out" 'requirements "sklearn,mlflow" schedule on mlserver' "requirements land on mlserver"

"$INITC" check "$FIX/triton" >"$work/out" 2>"$work/err"
expect_rc 0 $? "a Triton repository checks fine"
expect_line "$work/out" '^TRITON_SERVER +ok +TRITON_SERVER loads the Triton repository \(model iris\)' \
	"per-server table for one folder"

"$INITC" check -r "$FIX/triton" >"$work/out" 2>"$work/err"
expect_rc 4 $? "--recursive with no MLmodel below is not found"

"$INITC" servers >"$work/out" 2>"$work/err"
expect_rc 0 $? "initc servers"
expect_line "$work/out" '^XGBOOST_SERVER +seldon-v1 +1.10.0 to 1.18.2 \(17\) +xgboost==1.4.2 +model.bst' "servers lists XGBOOST_SERVER and its releases"
expect_line "$work/out" '^mlserver-sklearn +mlserver .*model.joblib, model.pickle or model.pkl; or model-settings.json parameters.uri' \
	"servers lists the MLServer sklearn runtime"
"$INITC" servers --json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["servers"]) >= 16; assert "sklearn" in d["seldon_v2_capabilities"]["mlserver"]' \
	&& ok "servers --json parses" || not_ok "servers --json"

# Triton repositories: config.pbtxt is read (not only listed)
mkdir -p "$work/tri"
cp -r "$FIX/triton" "$work/tri/good"
cp -r "$FIX/triton" "$work/tri/renamed" && mv "$work/tri/renamed/iris" "$work/tri/renamed/iris2"
"$INITC" check --server TRITON_SERVER "$work/tri/good" >"$work/out" 2>"$work/err"
expect_rc 0 $? "Triton repository whose config names its folder"
"$INITC" check --server TRITON_SERVER "$work/tri/renamed" >"$work/out" 2>"$work/err"
expect_rc 8 $? "Triton config naming another folder fails"
expect_line "$work/out" 'iris2/config.pbtxt names the model "iris" but its folder is iris2' \
	"the row names the config, its name and the folder"
cp -r "$FIX/triton" "$work/tri/tf"
sed -i 's/backend: "onnxruntime"/platform: "tensorflow_savedmodel"/' "$work/tri/tf/iris/config.pbtxt"
"$INITC" check --server kserve-onnx "$work/tri/tf" >"$work/out" 2>"$work/err"
expect_rc 8 $? "kserve-onnx refuses a Triton model that is not ONNX"
expect_line "$work/out" 'not an ONNX model: use kserve-triton' "the row says which server runs it"
"$INITC" check --server kserve-triton "$work/tri/tf" >"$work/out" 2>"$work/err"
expect_rc 0 $? "kserve-triton takes the same repository"

# a pyfunc artifact and an environment file missing from the upload
cp -r "$FIX/pyfunc_custom" "$work/noart" && rm "$work/noart/artifacts/encoder.pkl"
"$INITC" check "$work/noart" >"$work/out" 2>"$work/err"
expect_rc 8 $? "a missing pyfunc artifact fails the check"
expect_line "$work/out" 'MLmodel:[0-9]+:[0-9]+: python_function.artifacts.encoder names artifacts/encoder.pkl, which is not in' \
	"the row names the artifact and its MLmodel position"
cp -r "$FIX/sklearn" "$work/noenv" && rm "$work/noenv/conda.yaml"
"$INITC" check "$work/noenv" >"$work/out" 2>"$work/err"
expect_rc 8 $? "a missing conda.yaml fails the check"
expect_line "$work/out" 'python_function.env names conda.yaml, which is not in' "the row names the environment file"

exit $failed
