#!/usr/bin/env bash
# `initc SRC DEST` verifies the model it just downloaded against the server
# named by --server / INITC_SERVER (the seeds' MLflow xgboost model on
# XGBOOST_SERVER), and --fix / INITC_FIX=1 applies the safe fix.
set -u
cd "$(dirname "$0")/../.."
INITC=${INITC:-$PWD/build/initc}
FIX=$PWD/tests/fixtures/models
work=$(mktemp -d "${TMPDIR:-/tmp}/verify_download.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
unset INITC_SERVER INITC_REQUIREMENTS INITC_FIX
export INITC_TERMINATION_LOG=$work/termination-log

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; failed=1; }
expect_rc() { # want got what
	if [ "$1" -eq "$2" ]; then ok "$3 (exit $2)"; else not_ok "$3: exit $2, want $1; $(tail -3 "$work/err")"; fi
}
expect_line() { # file fixed-string what
	if grep -Fq -- "$2" "$1"; then ok "$3"; else not_ok "$3: \"$2\" not in $(cat "$1")"; fi
}
fresh() { rm -rf "$work/dest" && mkdir "$work/dest" && : >"$INITC_TERMINATION_LOG"; }

fresh
INITC_SERVER=XGBOOST_SERVER "$INITC" "$FIX/xgboost" "$work/dest" 2>"$work/err"
expect_rc 8 $? "MLflow xgboost model for XGBOOST_SERVER fails the init container"
expect_line "$INITC_TERMINATION_LOG" "XGBOOST_SERVER loads model.bst but this MLflow model stores its booster in model.xgb: use implementation MLFLOW_SERVER, or the MLServer xgboost runtime with a model-settings.json {\"parameters\":{\"uri\":\"./model.xgb\"}}" \
	"termination log names the file found, the file wanted and the fixes"
expect_line "$INITC_TERMINATION_LOG" "or rename model.xgb to model.bst" "termination log offers the rename"
expect_line "$INITC_TERMINATION_LOG" "do not add a model_file_name parameter: XGBOOST_SERVER's constructor rejects it" \
	"termination log warns off model_file_name"
expect_line "$INITC_TERMINATION_LOG" "the model was saved with xgboost 2.0.3 but XGBOOST_SERVER 1.18.2 (seldonio/xgboostserver:1.18.2) installs xgboost==1.4.2" \
	"termination log names the model's xgboost and the newest release's"
expect_line "$work/err" 'msg="no server release given; judging against the newest known" server=XGBOOST_SERVER release=1.18.2' \
	"the release judged against is logged"

# the model was saved with xgboost 2.0.3, the server installs 1.4.2: a
# rename would only move the crash into the server, so --fix makes none
fresh
"$INITC" --server XGBOOST_SERVER --fix "$FIX/xgboost" "$work/dest" 2>"$work/err"
expect_rc 8 $? "--fix refuses the rename for a server whose xgboost is older than the model's"
if [ -e "$work/dest/model.bst" ]; then not_ok "--fix linked model.bst anyway"; else ok "no model.bst was made"; fi
expect_line "$INITC_TERMINATION_LOG" "which cannot be relied on to read it: re-save the model with xgboost==1.4.2" \
	"termination log says why no fix helps"

# the same model saved with the server's xgboost: the rename is safe
mkdir -p "$work/xgb142"
cp -r "$FIX/xgboost/." "$work/xgb142/"
sed -i 's/xgb_version: 2.0.3/xgb_version: 1.4.2/' "$work/xgb142/MLmodel"
fresh
"$INITC" --server XGBOOST_SERVER --fix "$work/xgb142" "$work/dest" 2>"$work/err"
expect_rc 0 $? "--fix makes XGBOOST_SERVER load a model saved with its own xgboost"
if [ "$work/dest/model.bst" -ef "$work/dest/model.xgb" ]; then ok "--fix linked model.bst to model.xgb"; else not_ok "--fix did not link model.bst"; fi
expect_line "$work/err" 'msg="fix: linked model file under the name the server loads"' "--fix says what it wrote"

fresh
INITC_SERVER=mlserver-xgboost INITC_FIX=1 "$INITC" "$FIX/xgboost" "$work/dest" 2>"$work/err"
expect_rc 0 $? "INITC_FIX=1 with mlserver-xgboost"
expect_line "$work/dest/model-settings.json" '{"implementation":"mlserver_xgboost.XGBoostModel","parameters":{"uri":"./model.xgb"}}' \
	"model-settings.json points at model.xgb"
if ls -A "$work/dest" | grep -v -e "^\.initc\.lock$" -e "^\.initc\.fixed$" | grep -q initc; then not_ok "temporary file left in DEST"; else ok "no temporary file left"; fi

fresh
INITC_SERVER=MLFLOW_SERVER "$INITC" "$FIX/xgboost" "$work/dest" 2>"$work/err"
expect_rc 0 $? "MLFLOW_SERVER loads the MLflow folder"
expect_line "$work/err" 'msg="model fits server" server=MLFLOW_SERVER' "fit is logged"

fresh
"$INITC" "$FIX/xgboost" "$work/dest" 2>"$work/err"
expect_rc 0 $? "no target: succeed"
expect_line "$work/err" 'as_is=MLFLOW_SERVER,mlserver-mlflow,kserve-mlflow,mlserver needs_fix=mlserver-xgboost,kserve-xgboost' \
	"no target: which servers load it as-is, which need a fix"

fresh
INITC_SERVER=XGBOST_SERVER "$INITC" "$FIX/xgboost" "$work/dest" 2>"$work/err"
expect_rc 2 $? "unknown INITC_SERVER is a usage error"
expect_line "$work/err" 'did you mean XGBOOST_SERVER?' "unknown server suggests the nearest"

fresh
INITC_REQUIREMENTS=scikit-learn "$INITC" "$FIX/sklearn" "$work/dest" 2>"$work/err"
expect_rc 2 $? "INITC_REQUIREMENTS=scikit-learn is refused"
expect_line "$work/err" 'did you mean sklearn?' "scikit-learn: did you mean sklearn"

fresh
"$INITC" --requirements sklearn "$FIX/sklearn" "$work/dest" 2>"$work/err"
expect_rc 0 $? "--requirements sklearn: mlserver-sklearn loads model.pkl"

fresh
"$INITC" "$FIX/broken_missing_data" "$work/dest" 2>"$work/err"
expect_rc 8 $? "a model whose data file is missing fails even without a target"
expect_line "$INITC_TERMINATION_LOG" 'MLmodel:4:11: flavor python_function names data: model.xgb, which is not in' \
	"missing file named with its MLmodel position"

fresh
"$INITC" "$FIX/broken_bad_yaml" "$work/dest" 2>"$work/err"
expect_rc 10 $? "malformed MLmodel is EXIT_INPUT"
expect_line "$INITC_TERMINATION_LOG" 'MLmodel:7:15: invalid YAML' "bad YAML as file:line:column"

exit $failed
