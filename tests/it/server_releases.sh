#!/usr/bin/env bash
# Server data per release (issue 13): the seed's MLflow xgboost model
# (conda.yaml pins mlflow==2.17.2, pandas==2.0.3) on Seldon Core 1.17.1's
# MLFLOW_SERVER, whose requirements.txt (mlflow <= 2.5.0, pandas <= 2.0.0)
# pip installs over the model's environment at start-up. initc names both
# moves before any server starts: as the init container, and as a CI check
# of a whole bucket, over the loopback S3 server. Plus a release where the
# pins fit, a library newer than a release's range, unknown releases,
# `initc servers`, and prebake saying the same as initc.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
INITC=${INITC:-$here/../../build/initc}
PREBAKE=${PREBAKE:-$here/../../build/prebake}
FIX=$here/../fixtures/models
unset INITC_SERVER INITC_REQUIREMENTS INITC_FIX INITC_STRICT

s3env_start >/dev/null || exit 1
s3env_mkbucket mlflow
w=$S3ENV_DIR/w
art=$w/tree/mlflow-artifacts
mkdir -p "$art/1/seed/artifacts" "$art/1/fits/artifacts" "$art/2/sk/artifacts"
cp -r "$FIX/xgboost" "$art/1/seed/artifacts/model"
# a model whose pins every 1.18 release keeps: mlflow inside >=2.9.2,<3.0,
# pandas at or under 2.0.0
cp -r "$FIX/xgboost" "$art/1/fits/artifacts/model"
sed -i -e 's/mlflow==2.17.2/mlflow==2.10.0/' -e 's/pandas==2.0.3/pandas==1.5.3/' \
	"$art/1/fits/artifacts/model/conda.yaml" "$art/1/fits/artifacts/model/requirements.txt"
sed -i 's/^mlflow_version: .*/mlflow_version: 2.10.0/' "$art/1/fits/artifacts/model/MLmodel"
cp -r "$FIX/sklearn" "$art/2/sk/artifacts/model"
s3env_put_tree mlflow "" "$w/tree"
s3env_rclone_env S3 >/dev/null
export INITC_TERMINATION_LOG=$w/termination-log
seed=s3://mlflow/mlflow-artifacts/1/seed/artifacts/model
moves='mlflow==2.17.2 (conda.yaml:7:5) would become 2.5.0 (the release installs mlflow<=2.5.0); pandas==2.0.3 (conda.yaml:9:5) would become 2.0.0 (the release installs pandas<=2.0.0)'

# 1. the seed, as the init container: both moves named, exit 0 (a warning)
INITC_SERVER=MLFLOW_SERVER:1.17.1 "$INITC" "$seed" "$w/dest1" 2>"$w/log1"
expect_rc 0 $? "seed model on MLFLOW_SERVER:1.17.1: a warning, the pod may start"
expect_grep 'level=warn .*msg="the server would not run the model as it was saved" server=MLFLOW_SERVER release=1.17.1' \
	"$w/log1" "the warning names the server and its release"
check "the warning names both moves with both versions" grep -qF -- "$moves" "$w/log1"
expect_grep 'installs its own requirements \(SeldonIO/seldon-core@v1\.17\.1:servers/mlflowserver/mlflowserver/requirements\.txt\)' \
	"$w/log1" "the warning names the file and tag the requirements come from"
expect_grep 'no MLFLOW_SERVER release initc knows keeps them all: bake the model.s environment into the image with prebake --target seldon --server-version 1\.17\.1' \
	"$w/log1" "the warning says what to do"
expect_grep 'msg="model fits server" server=MLFLOW_SERVER release=1.17.1' "$w/log1" "the folder itself fits"

# 2. --strict / INITC_STRICT=1: the same warning fails with exit 11
: >"$INITC_TERMINATION_LOG"
INITC_SERVER=MLFLOW_SERVER:1.17.1 INITC_STRICT=1 "$INITC" "$seed" "$w/dest2" 2>"$w/log2"
expect_rc 11 $? "INITC_STRICT=1 makes the moved pins fail"
check "the termination log holds the moves" grep -qF -- "$moves" "$INITC_TERMINATION_LOG"
"$INITC" --strict --server MLFLOW_SERVER:v1.17.1 "$seed" "$w/dest3" 2>"$w/log3"
expect_rc 11 $? "--strict with the image tag spelled v1.17.1"
INITC_STRICT=maybe "$INITC" --server MLFLOW_SERVER:1.17.1 "$seed" "$w/dest4" 2>"$w/log4"
expect_rc 2 $? "INITC_STRICT=maybe is refused before any download"

# 3. the same model on 1.18.2: mlflow 2.17.2 is inside >=2.9.2,<3.0, pandas still moves
INITC_SERVER=MLFLOW_SERVER:1.18.2 "$INITC" "$seed" "$w/dest5" 2>"$w/log5"
expect_rc 0 $? "seed model on MLFLOW_SERVER:1.18.2"
expect_no_grep 'mlflow==2.17.2 (conda.yaml:7:5) would become' "$w/log5" "1.18.2 keeps mlflow 2.17.2"
expect_grep 'would move 1 of the model.s pins: pandas==2\.0\.3 \(conda\.yaml:9:5\) would become 2\.0\.0' \
	"$w/log5" "1.18.2 still moves pandas"

# 4. a release where the pins fit: nothing to say; 1.17.1 names the releases that keep them
INITC_SERVER=MLFLOW_SERVER:1.18.0 INITC_STRICT=1 "$INITC" s3://mlflow/mlflow-artifacts/1/fits/artifacts/model \
	"$w/dest6" 2>"$w/log6"
expect_rc 0 $? "pins inside MLFLOW_SERVER 1.18.0's requirements pass even with --strict"
expect_no_grep 'would not run the model as it was saved' "$w/log6" "no warning when the pins fit"
INITC_SERVER=MLFLOW_SERVER:1.17.1 "$INITC" s3://mlflow/mlflow-artifacts/1/fits/artifacts/model "$w/dest7" 2>"$w/log7"
expect_grep 'mlflow==2\.10\.0 \(conda\.yaml:7:5\) would become 2\.5\.0.*run MLFLOW_SERVER release 1\.18\.0 to 1\.18\.2, which keeps them' \
	"$w/log7" "1.17.1 moves mlflow 2.10.0 and names the releases that keep it"

# 5. a CI check of the bucket before an upgrade: a row per model, the findings under it
"$INITC" check --recursive --server MLFLOW_SERVER:1.17.1 s3://mlflow/mlflow-artifacts >"$w/out8" 2>"$w/log8"
expect_rc 0 $? "check --recursive: warnings alone exit 0"
expect_grep '^1/seed/artifacts/model +python_function,xgboost +ok ' "$w/out8" "the seed model's row"
check "its warning line names both moves" grep -qF -- "$moves" "$w/out8"
n=$(grep -c 'would move' "$w/out8")
expect_rc 3 "$n" "all three models pin something 1.17.1 moves (seed, fits, sklearn)"
"$INITC" check --recursive --strict --json --server MLFLOW_SERVER:1.17.1 s3://mlflow/mlflow-artifacts \
	>"$w/out9" 2>"$w/log9"
expect_rc 11 $? "check --strict: the warnings fail the CI job with exit 11"
if "$S3ENV_PYTHON" - "$w/out9" "$moves" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["server"] == "MLFLOW_SERVER" and d["release"] == "1.17.1", d
rows = {m["path"]: m for m in d["models"]}
seed = rows["1/seed/artifacts/model"]
assert seed["status"] == "ok", seed
assert sys.argv[2] in seed["warning"], seed["warning"]
PY
then pass "--json carries the release and each model's warning"; else flunk "--json: $(head -c 600 "$w/out9")"; fi
"$INITC" check --recursive --server MLFLOW_SERVER:1.18.2 s3://mlflow/mlflow-artifacts/1/fits >"$w/out10" 2>"$w/log10"
expect_rc 0 $? "the fitting model on 1.18.2"
expect_no_grep 'warn' "$w/out10" "no warning row for it"

# 6. a library newer than the release's range fails a server that loads the file itself
"$INITC" check --server XGBOOST_SERVER:1.17.1 "$FIX/xgboost" >"$w/out11" 2>"$w/log11"
expect_rc 8 $? "xgboost 2.0.3 model on XGBOOST_SERVER 1.17.1 (xgboost==1.4.2) fails"
expect_grep 'the model was saved with xgboost 2\.0\.3 but XGBOOST_SERVER 1\.17\.1 \(seldonio/xgboostserver:1\.17\.1\) installs xgboost==1\.4\.2' \
	"$w/out11" "the release's real numbers are named"
# the booster under the name KServe loads, saved with xgboost 2.0.3
mkdir -p "$w/kxgb"
cp -r "$FIX/xgboost/." "$w/kxgb/"
mv "$w/kxgb/model.xgb" "$w/kxgb/model.bst"
sed -i 's/data: model.xgb/data: model.bst/' "$w/kxgb/MLmodel"
"$INITC" check --server kserve-xgboost:0.11.0 "$w/kxgb" >"$w/out12" 2>"$w/log12"
expect_rc 8 $? "xgboost 2.0.3 model on kserve-xgboost 0.11.0 (xgboost ~1.7.5) fails"
expect_grep 'kserve-xgboost 0\.11\.0 \(kserve/xgbserver:v0\.11\.0\) installs xgboost~1\.7\.5.*or run kserve-xgboost release 0\.12\.0 to 0\.13\.1' \
	"$w/out12" "it names the KServe releases whose xgboost (~2.0.2) admits it"
"$INITC" check --server kserve-xgboost:0.13.1 "$w/kxgb" >"$w/out12b" 2>"$w/log12b"
expect_rc 0 $? "the same model on kserve-xgboost 0.13.1 (xgboost ~2.0.2)"
"$INITC" check --server mlserver-xgboost:1.6.1 "$FIX/xgboost" >"$w/out13" 2>"$w/log13"
expect_rc 8 $? "mlserver-xgboost 1.6.1 still needs model-settings.json for model.xgb (a fix, exit 8)"
expect_grep 'mlserver-xgboost loads model.bst, model.json or model.ubj but this MLflow model stores its booster in model.xgb' \
	"$w/out13" "MLServer 1.6.1's xgboost 2.0.3 reads the model: only the name is wrong"
expect_no_grep 'cannot be relied on' "$w/out13" "no version complaint for xgboost==2.0.3"

# 7. unknown releases: exit 2, the nearest known named
"$INITC" check --server MLFLOW_SERVER:1.17.3 "$FIX/xgboost" >"$w/out14" 2>"$w/log14"
expect_rc 2 $? "MLFLOW_SERVER:1.17.3 is not a release"
expect_grep 'MLFLOW_SERVER has no release \\"1\.17\.3\\" in initc.s table; nearest known: 1\.17\.1 or 1\.18\.0' \
	"$w/log14" "the nearest releases are named"
INITC_SERVER=XGBOOST_SERVER:0.5 "$INITC" "$seed" "$w/dest15" 2>"$w/log15"
expect_rc 2 $? "an init container with an unknown release fails before downloading"
expect_grep 'nearest known: 1\.10\.0' "$w/log15" "below the oldest: the oldest is named"
check "nothing was downloaded" test ! -e "$w/dest15/MLmodel"
"$INITC" check --server MLFLOW_SERVERR:1.17.1 "$FIX/xgboost" >"$w/out16" 2>"$w/log16"
expect_rc 2 $? "a misspelt name with a release"
expect_grep 'did you mean MLFLOW_SERVER' "$w/log16" "the name is suggested"

# 8. no release: the newest known, and the log says which
INITC_SERVER=MLFLOW_SERVER "$INITC" "$seed" "$w/dest17" 2>"$w/log17"
expect_rc 0 $? "no release given"
expect_grep 'msg="no server release given; judging against the newest known" server=MLFLOW_SERVER release=1\.18\.2 image=seldonio/mlflowserver:1\.18\.2' \
	"$w/log17" "the newest release is logged with its image"

# 9. initc servers: releases per server, each with its source
"$INITC" servers MLFLOW_SERVER >"$w/out18" 2>&1
expect_rc 0 $? "initc servers MLFLOW_SERVER"
n=$(grep -cE '^1\.1[0-8]\.[0-9]+ +seldonio/mlflowserver:' "$w/out18")
expect_rc 17 "$n" "17 Seldon Core releases from 1.10.0 to 1.18.2"
expect_grep '^1\.17\.1 +seldonio/mlflowserver:1\.17\.1 +MLmodel +.*mlflow<=2\.5\.0 pandas<=2\.0\.0' "$w/out18" \
	"the seed's release as its requirements.txt says"
"$INITC" servers --json >"$w/out19" 2>&1
expect_rc 0 $? "initc servers --json"
if "$S3ENV_PYTHON" - "$w/out19" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
src = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+@[^:]+:.+$")
count = 0
for s in d["servers"]:
    if s["family"] == "seldon-v2":  # releases of other rows (mlserver), or none (triton)
        continue
    assert s["releases"], s["name"]
    for r in s["releases"]:
        count += 1
        assert src.match(r["loads_source"]) and src.match(r["image_source"]), (s["name"], r)
        assert (r["requires_source"] is None) == (not r["requires"]), (s["name"], r)
        if r["requires_source"]:
            assert src.match(r["requires_source"]), (s["name"], r)
families = {s["family"] for s in d["servers"]}
assert families == {"seldon-v1", "mlserver", "kserve", "seldon-v2"}, families
assert count >= 250, count
PY
then pass "every release row of every server has a source reference"; else flunk "servers --json: $(head -c 400 "$w/out19")"; fi
"$INITC" servers NO_SUCH_SERVER >"$w/out20" 2>&1
expect_rc 2 $? "initc servers with an unknown name"

# 10. prebake says what initc says, from the same table
"$PREBAKE" "$FIX/xgboost" --env-manager conda --target seldon --server-version 1.17.1 -o "$w/baked" \
	>/dev/null 2>"$w/log21"
expect_rc 0 $? "prebake --target seldon --server-version 1.17.1"
check "prebake names the same two moves as initc" grep -qF -- "$moves" "$w/log21"
expect_grep 'the stock MLFLOW_SERVER 1\.17\.1 image \(seldonio/mlflowserver:1\.17\.1\) would not keep 2 of the model.s pins' \
	"$w/log21" "prebake names the stock image"
check "the baked image keeps the model's pins" grep -qx 'pandas==2.0.3' "$w/baked/constraints.txt"
# a model that leaves pandas open gets the release's pandas
mkdir -p "$w/nopandas"
cp -r "$FIX/xgboost/." "$w/nopandas/"
sed -i '/pandas/d' "$w/nopandas/conda.yaml" "$w/nopandas/requirements.txt"
"$PREBAKE" "$w/nopandas" --env-manager conda --target seldon --server-version 1.17.1 -o "$w/baked2" \
	>/dev/null 2>"$w/log22"
expect_rc 0 $? "prebake a model without a pandas pin"
check "pandas is held where MLFLOW_SERVER 1.17.1 holds it" grep -qx 'pandas<=2.0.0' "$w/baked2/constraints.txt"
expect_grep '^# \(from SeldonIO/seldon-core@v1\.17\.1:servers/mlflowserver/mlflowserver/requirements\.txt\)' \
	"$w/baked2/constraints.txt" "constraints.txt names the source"

# 11. odd and hostile environment files (the review's cases)
variant() { # name: a copy of the seed model to edit
	rm -rf "$w/v/$1"; mkdir -p "$w/v/$1"; cp -r "$FIX/xgboost/." "$w/v/$1/"
}
pip_line() { # model line: add a line to conda.yaml's pip list
	LINE=$2 /usr/bin/python3 - "$w/v/$1/conda.yaml" <<'PY'
import os, sys
p = sys.argv[1]
text = open(p).read().replace("  - scikit-learn==1.5.2\n", "  - scikit-learn==1.5.2\n  - " + os.environ["LINE"] + "\n")
open(p, "w").write(text)
PY
}
# a line the shared reader cannot take, quoting an index token: the pins are
# not compared (a warning), and the token never shows
variant tok
pip_line tok 'foo @ https://user:tok3nSECRET9@pypi.example.com/foo-1.0-py3-none-any.whl junk'
: >"$INITC_TERMINATION_LOG"
INITC_SERVER=MLFLOW_SERVER:1.17.1 INITC_STRICT=1 "$INITC" "$w/v/tok" "$w/dest23" >"$w/out23" 2>&1
expect_rc 11 $? "an environment file initc cannot read is a warning (11 under --strict)"
expect_grep "but the model's pins were not compared: conda.yaml:[0-9]+:[0-9]+: " "$w/out23" "the warning says why"
"$INITC" check --json --server MLFLOW_SERVER:1.17.1 "$w/v/tok" >>"$w/out23" 2>&1
"$INITC" check "$w/v/tok" >>"$w/out23" 2>&1
expect_no_grep 'tok3nSECRET9' "$w/out23" "the index token is in no log, report or JSON"
expect_no_grep 'tok3nSECRET9' "$INITC_TERMINATION_LOG" "nor in the termination log"
expect_grep '^mlserver-xgboost +fix ' "$w/out23" "an unread env file does not mark the other servers"
# what prebake refuses for a bake, a server still builds: not a broken model
variant hashes
printf -- '--require-hashes\n' >>"$w/v/hashes/requirements.txt"
pip_line hashes '--require-hashes'
"$INITC" check --server MLFLOW_SERVER:1.17.1 "$w/v/hashes" >"$w/out24" 2>&1
expect_rc 0 $? "--require-hashes in the model's files: exit 0, as before issue 13"
expect_grep 'pins were not compared' "$w/out24" "and a warning"
# a pin under a marker is not judged; a -c constraint on an installed package is
variant mk
printf 'mlflow==2.5.0\nxgboost==2.0.3\npandas==2.0.3 ; sys_platform == "win32"\npandas\n-c constraints.txt\n' \
	>"$w/v/mk/requirements.txt"
printf 'requests==2.32.3\n' >"$w/v/mk/constraints.txt"
rm "$w/v/mk/conda.yaml"
sed -i '/conda: conda.yaml/d' "$w/v/mk/MLmodel"
sed -i 's/^mlflow_version: .*/mlflow_version: 2.5.0/' "$w/v/mk/MLmodel"
"$INITC" check --server MLFLOW_SERVER:1.17.1 "$w/v/mk" >"$w/out25" 2>&1
expect_rc 0 $? "python_env model with a marker and a -c file"
expect_no_grep 'pandas==2.0.3' "$w/out25" "the win32-only pandas pin is not judged"
expect_no_grep 'would move' "$w/out25" "requests 2.32.3 is only a constraint on nothing installed"
printf 'requests\n' >>"$w/v/mk/requirements.txt"
"$INITC" check --server MLFLOW_SERVER:1.17.1 "$w/v/mk" >"$w/out26" 2>&1
expect_grep 'requests==2\.32\.3 \(constraints\.txt:1:1\) would become 2\.31\.0' "$w/out26" \
	"a -c pin of an installed package is judged"
# conda.yaml named by MLmodel but a folder: no silent fall-back to requirements.txt
variant dir
rm "$w/v/dir/conda.yaml"; mkdir "$w/v/dir/conda.yaml"; : >"$w/v/dir/conda.yaml/x"
"$INITC" check --server MLFLOW_SERVER:1.17.1 "$w/v/dir" >"$w/out27" 2>&1
expect_grep 'pins were not compared' "$w/out27" "a conda.yaml that is a folder is said, not replaced"
# control bytes in a version never reach a terminal
variant esc
pip_line esc "$(printf 'pandas==2.0.3+\033M\033M\007')"
"$INITC" check --server MLFLOW_SERVER:1.17.1 "$w/v/esc" >"$w/out28" 2>&1
if grep -q "$(printf '\033')" "$w/out28"; then flunk "an escape byte reached the output"; else pass "no escape byte in the output"; fi
# an oversized conda.yaml: the same answer over S3 and locally, no 4 MiB GET
variant big
head -c 5000000 /dev/zero | tr '\0' '#' >>"$w/v/big/conda.yaml"
mkdir -p "$w/bigtree/big"; cp -r "$w/v/big/." "$w/bigtree/big/"
s3env_put_tree mlflow "" "$w/bigtree"
"$INITC" check --server MLFLOW_SERVER:1.17.1 "$w/v/big" >"$w/out29" 2>&1
rc_local=$?
mark=$(s3env_log_mark)
"$INITC" check --server MLFLOW_SERVER:1.17.1 s3://mlflow/big >"$w/out30" 2>&1
expect_rc "$rc_local" $? "an oversized conda.yaml: the same exit over S3 as locally"
expect_grep 'pins were not compared: .*conda\.yaml.*(larger|too big|File too large)' "$w/out30" "the reason is the size"
if tail -n +"$((mark + 1))" "$S3GATE_LOG" | grep 'big/conda.yaml' | grep -q '"GET"'; then
	flunk "the oversized conda.yaml was fetched"; else pass "the oversized conda.yaml was not fetched"; fi
# bad values and empty releases
INITC_STRICT=banana "$INITC" check --server MLFLOW_SERVER:1.17.1 "$FIX/xgboost" >/dev/null 2>"$w/log31"
expect_rc 2 $? "initc check refuses INITC_STRICT=banana"
"$INITC" check --server MLFLOW_SERVER: "$FIX/xgboost" >/dev/null 2>"$w/log32"
expect_rc 2 $? "MLFLOW_SERVER: with no release is refused"
expect_grep 'names no release' "$w/log32" "and says why"
# prebake: the image tag's v, and no note for MLServer (its stock image installs nothing over the env)
"$PREBAKE" "$FIX/xgboost" --env-manager conda --target seldon --server-version v1.17.1 -o "$w/baked3" \
	>/dev/null 2>"$w/log33"
check "--server-version v1.17.1 pins seldon-core==1.17.1" grep -qx 'seldon-core==1.17.1' "$w/baked3/serving.txt"
"$PREBAKE" "$FIX/xgboost" --env-manager conda --target mlserver -o "$w/baked4" >/dev/null 2>"$w/log34"
expect_no_grep 'would not keep' "$w/log34" "no moves note for --target mlserver"
assert_done
