#!/usr/bin/env bash
# `initc check --recursive` over a bucket of mixed MLflow models on the
# loopback S3 server (s3rver behind the SigV4-verifying gateway): one row
# per model, the big files checked by listing only, every request signed.
set -u
cd "$(dirname "$0")/../.."
INITC=${INITC:-$PWD/build/initc}
FIX=$PWD/tests/fixtures/models
. tests/lib/s3env.sh
failed=0

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; failed=1; }
expect_rc() { # want got what
	if [ "$1" -eq "$2" ]; then ok "$3 (exit $2)"; else not_ok "$3: exit $2, want $1; $(tail -3 "$work/err")"; fi
}
expect_line() { # file regex what
	if grep -Eq -- "$2" "$1"; then ok "$3"; else not_ok "$3: no line matching /$2/ in $(cat "$1")"; fi
}

s3env_start
work=$S3ENV_DIR
s3env_mkbucket mlflow
art=$work/tree/mlflow-artifacts
mkdir -p "$art/1/aaa111/artifacts" "$art/1/bbb222/artifacts" "$art/2/ccc333/artifacts" \
	"$art/2/ddd444/artifacts" "$art/3/eee555/artifacts"
cp -r "$FIX/xgboost" "$art/1/aaa111/artifacts/model"
cp -r "$FIX/sklearn" "$art/1/bbb222/artifacts/model"
cp -r "$FIX/broken_missing_data" "$art/2/ccc333/artifacts/model"
cp -r "$FIX/lightgbm" "$art/2/ddd444/artifacts/model"
cp -r "$FIX/broken_bad_yaml" "$art/3/eee555/artifacts/model"
# A big file is checked by listing, never downloaded.
head -c 3000000 /dev/zero >"$art/1/aaa111/artifacts/model/model.xgb"
s3env_put_tree mlflow "" "$work/tree"
s3env_rclone_env S3 >/dev/null

mark=$(s3env_log_mark)
"$INITC" check --recursive s3://mlflow/mlflow-artifacts >"$work/out" 2>"$work/err"
expect_rc 10 $? "a malformed MLmodel in the bucket makes the check fail with EXIT_INPUT"
expect_line "$work/out" '^1/aaa111/artifacts/model +python_function,xgboost +ok +loads as-is: MLFLOW_SERVER,mlserver-mlflow,kserve-mlflow,mlserver; after a fix: mlserver-xgboost,kserve-xgboost' \
	"xgboost model row"
expect_line "$work/out" '^1/bbb222/artifacts/model +python_function,sklearn +ok +loads as-is: MLFLOW_SERVER,mlserver-sklearn' \
	"sklearn model row"
expect_line "$work/out" '^2/ccc333/artifacts/model +python_function,xgboost +fail +.*MLmodel:4:11: flavor python_function names data: model.xgb, which is not in' \
	"missing data file row"
expect_line "$work/out" '^2/ddd444/artifacts/model +lightgbm,python_function +ok' "lightgbm model row"
expect_line "$work/out" '^3/eee555/artifacts/model +- +error +.*MLmodel:7:15: invalid YAML' \
	"bad YAML row as file:line:column"
rows=$(grep -c '/artifacts/model ' "$work/out")
expect_rc 5 "$rows" "one row per model"
"$S3ENV_PYTHON" - "$S3GATE_LOG" "$mark" <<'PY' && ok "only metadata files were downloaded" || not_ok "check downloaded a model file"
import json, sys
lines = open(sys.argv[1]).readlines()[int(sys.argv[2]):]
gets = [json.loads(l)["path"] for l in lines if json.loads(l)["method"] == "GET"]
bad = [p for p in gets if "?" not in p and not p.split("?")[0].endswith(("MLmodel", "model-settings.json", "config.pbtxt"))]
sys.exit(1 if bad else 0)
PY
s3env_assert_all_signed "$mark" || failed=1

"$INITC" check --recursive --json --server XGBOOST_SERVER s3://mlflow/mlflow-artifacts/1 >"$work/json" 2>"$work/err"
expect_rc 8 $? "XGBOOST_SERVER target: the MLflow models do not fit"
if "$S3ENV_PYTHON" - "$work/json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows = {m["path"]: m for m in d["models"]}
assert d["server"] == "XGBOOST_SERVER"
assert d["failed"] == 2, d
x = rows["aaa111/artifacts/model"]
# saved with xgboost 2.0.3; every Seldon v1 release installs 1.4.2
assert x["status"] == "fail", x
assert d["release"] == "1.18.2", d
assert "XGBOOST_SERVER loads model.bst but this MLflow model stores its booster in model.xgb" in x["detail"]
assert "saved with xgboost 2.0.3 but XGBOOST_SERVER 1.18.2" in x["detail"], x
assert rows["bbb222/artifacts/model"]["status"] == "fail"
PY
then ok "--json rows for the XGBOOST_SERVER target"; else not_ok "--json: $(cat "$work/json")"; fi

"$INITC" check --recursive --server MLFLOW_SERVER s3://mlflow/mlflow-artifacts/1 >"$work/out" 2>"$work/err"
expect_rc 0 $? "MLFLOW_SERVER target: both models of experiment 1 fit"

"$INITC" check s3://mlflow/mlflow-artifacts/1/aaa111/artifacts/model >"$work/out" 2>"$work/err"
expect_rc 0 $? "one model by URI"
expect_line "$work/out" '^XGBOOST_SERVER +no +XGBOOST_SERVER loads model.bst' "per-server table for a remote model"
expect_line "$work/out" '^mlserver-xgboost +fix +mlserver-xgboost loads model.bst' "a runtime whose xgboost reads it needs only a fix"

"$INITC" check --recursive s3://mlflow/nothing-here >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" -ne 0 ] && ok "empty prefix fails (exit $rc)" || not_ok "empty prefix succeeded"

exit $failed
