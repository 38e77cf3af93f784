#!/usr/bin/env bash
# json_output: every JSON initc writes (--fix's model-settings.json,
# `initc check --json`, `initc servers --json`) goes through one escaper:
# a file name made to close the string and add a field stays one string,
# and names with quotes, control bytes or bytes that are no UTF-8 still
# give JSON that Python's json module reads (strictly, as UTF-8).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
INITC=${INITC:-$here/../../build/initc}
PY=/usr/bin/python3
FIX=$here/../fixtures/models

w=$(mktemp -d "${TMPDIR:-/tmp}/json_output.XXXXXX") || exit 1
trap 'rm -rf "$w"' EXIT
export INITC_TERMINATION_LOG=$w/term

# --fix with a model file named to inject "implementation": the file
# holds the fixture's LightGBM booster; MLServer's LightGBM runtime loads
# it through model-settings.json.
evil='x"},"implementation":"evil.Mod","z":{"a":".lgb'
mkdir -p "$w/src"
cp "$FIX/lightgbm/model.lgb" "$w/src/$evil"
"$INITC" --server mlserver-lightgbm --fix "$w/src" "$w/out" >"$w/fix.out" 2>"$w/fix.err"
expect_rc 0 $? "--fix writes model-settings.json for the model file"
check "the settings hold exactly implementation and parameters.uri, the name as one string" \
	"$PY" - "$w/out/model-settings.json" "$evil" <<'PY'
import json, sys
with open(sys.argv[1], "rb") as f:
    doc = json.loads(f.read())
ok = (sorted(doc) == ["implementation", "parameters"]
      and doc["implementation"] == "mlserver_lightgbm.LightGBMModel"
      and sorted(doc["parameters"]) == ["uri"]
      and doc["parameters"]["uri"] == "./" + sys.argv[2])
if not ok:
    print("# got:", doc)
sys.exit(0 if ok else 1)
PY
check "the file the settings name is in DEST" test -f "$w/out/$evil"

# A name JSON cannot carry byte for byte: no fix, no settings file.
mkdir -p "$w/src2"
cp "$FIX/lightgbm/model.lgb" "$w/src2/model"$'\xff'".lgb"
"$INITC" --server mlserver-lightgbm --fix "$w/src2" "$w/out2" >"$w/fix2.out" 2>"$w/fix2.err"
expect_rc 8 $? "--fix refuses a model file whose name is not UTF-8"
expect_grep 'not UTF-8' "$w/fix2.err" "the refusal says why"
check "no model-settings.json was written" test ! -e "$w/out2/model-settings.json"

# check --json over folders and files named with quotes, backslashes,
# control bytes and bytes that are no UTF-8.
root=$w/tree$'\x01\t'
for name in 'plain' 'quo"te' 'back\slash' $'new\nline' $'ctl\x01\x1f\x7f' $'bad\xff\xfe' $'cut\xe2\x82'; do
	mkdir -p "$root/$name"
	cp "$FIX/sklearn/"* "$root/$name/"
	cp "$FIX/sklearn/model.pkl" "$root/$name/$name.pkl"
done
valid_json() { # file, what; prints the number of models
	"$PY" -c 'import json, sys; d = json.loads(open(sys.argv[1], "rb").read()); print(len(d.get("models", d.get("servers", []))))' "$1"
}
"$INITC" check --recursive --json "$root" >"$w/check.json" 2>"$w/check.err"
rc=$?
check "check --recursive --json ran (exit $rc)" test "$rc" -eq 0 -o "$rc" -eq 8
models=$(valid_json "$w/check.json")
check "check --recursive --json is valid JSON" test -n "$models"
check "it lists the 7 model folders (got ${models:-none})" test "${models:-0}" -eq 7
check "names come back as written where they are UTF-8" "$PY" - "$w/check.json" <<'PY'
import json, sys
doc = json.loads(open(sys.argv[1], "rb").read())
paths = {m["path"] for m in doc["models"]}
want = {"plain", 'quo"te', "back\\slash", "new\nline", "ctl\x01\x1f\x7f", "bad\ufffd\ufffd",
        "cut\ufffd\ufffd"}
if paths != want:
    print("# got:", sorted(paths))
sys.exit(0 if paths == want and doc["root"].endswith("tree\x01\t") else 1)
PY
for name in 'quo"te' $'bad\xff\xfe'; do
	"$INITC" check --json "$root/$name" >"$w/one.json" 2>"$w/one.err"
	check "check --json on a folder named $(printf '%q' "$name") is valid JSON" test -n "$(valid_json "$w/one.json")"
done
"$INITC" servers --json >"$w/servers.json" 2>"$w/servers.err"
expect_rc 0 $? "servers --json"
servers=$(valid_json "$w/servers.json")
check "servers --json is valid JSON with servers (${servers:-none})" test "${servers:-0}" -gt 5
# A secret that is also JSON text: each value is redacted before it is
# escaped, and the document stays JSON (redacted whole, "server":null
# became "server":***).
for secret in null '"root":' '{"root"'; do
	AWS_SECRET_ACCESS_KEY=$secret "$INITC" check --json "$FIX/lightgbm" >"$w/sj.out" 2>"$w/sj.err"
	check "check --json with the secret $secret registered is JSON" "$PY" -c \
		'import json, sys; json.loads(open(sys.argv[1], "rb").read())' "$w/sj.out"
done
assert_done
