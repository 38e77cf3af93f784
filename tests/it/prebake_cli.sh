#!/usr/bin/env bash
# prebake's command line: exit codes, file:line:col in errors, --strict,
# the output folder written all at once, the summary the demo prints.
set -u
cd "$(dirname "$0")/../.."
PREBAKE=${PREBAKE:-$PWD/build/prebake}
FIX=$PWD/tests/fixtures/prebake
tmp=$(mktemp -d "${TMPDIR:-/tmp}/prebake-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=1; }

# expect NAME CODE PATTERN -- ARGS...: exit code and a stderr line matching PATTERN
expect() {
	local name=$1 code=$2 pattern=$3
	shift 4
	"$PREBAKE" "$@" >"$tmp/out.log" 2>"$tmp/err.log"
	local rc=$?
	if [ "$rc" -ne "$code" ]; then
		not_ok "$name: exit $rc, want $code: $(head -3 "$tmp/err.log")"
	elif ! grep -Eq -- "$pattern" "$tmp/err.log"; then
		not_ok "$name: stderr lacks /$pattern/: $(head -3 "$tmp/err.log")"
	else
		ok "$name (exit $code)"
	fi
}

expect "no arguments is a usage error" 2 "no input given" -- 
expect "missing -o is a usage error" 2 "no output folder" -- "$FIX/mlflow2-virtualenv/model"
expect "unknown target" 2 'unknown --target "triton"' -- "$FIX/mlflow2-virtualenv/model" -o "$tmp/o" -t triton
expect "a folder without MLmodel" 10 "no MLmodel file" -- "$FIX/errors" -o "$tmp/o"
expect "two pip: sections name the second one" 10 "two-pip.yaml:9:3: second pip: section.*merge them" \
	-- "$FIX/errors/two-pip.yaml" -o "$tmp/o"
expect "broken YAML names line and column" 10 "bad-yaml.yaml:6:4: invalid YAML" \
	-- "$FIX/errors/bad-yaml.yaml" -o "$tmp/o"
expect "a requirement without a name" 10 'bad-pip.yaml:4:5: cannot read a package name in "==2.0"' \
	-- "$FIX/errors/bad-pip.yaml" -o "$tmp/o"
expect "an unsupported pip option" 10 'bad-option.yaml:3:5: pip option "--no-deps"' \
	-- "$FIX/errors/bad-option.yaml" -o "$tmp/o"
expect "a missing -r file" 10 'missing-req.yaml:3:5: cannot read "does-not-exist.txt"' \
	-- "$FIX/errors/missing-req.yaml" -o "$tmp/o"
expect "--strict refuses ranges and unpinned, one line each" 11 \
	"mlflow1-conda-seldon/model/conda.yaml:10:5: pandas is not pinned exactly" \
	-- "$FIX/mlflow1-conda-seldon/model" -o "$tmp/o" -t seldon --strict
expect "--strict wants python pinned" 11 "conda.yaml:5:5: python is not pinned exactly" \
	-- "$FIX/conda-file-direct/conda.yaml" -o "$tmp/o" --strict
expect "--bake-model needs a model folder" 2 "needs a model folder" \
	-- "$FIX/conda-file-direct/conda.yaml" -o "$tmp/o" --bake-model
expect "--env-manager must match a lone file" 2 "conda file but --env-manager virtualenv" \
	-- "$FIX/conda-file-direct/conda.yaml" -o "$tmp/o" --env-manager virtualenv
expect "an image name that would break the Dockerfile" 2 "not an image reference" \
	-- "$FIX/mlflow2-virtualenv/model" -o "$tmp/o" --runtime-image 'x y'

# No failure above may leave the folder or a temporary beside it.
if [ -z "$(ls -A "$tmp" | grep -v -e '^out.log$' -e '^err.log$')" ]; then
	ok "failed runs leave nothing behind"
else
	not_ok "failed runs left: $(ls -A "$tmp")"
fi

# --strict passes a fully pinned virtualenv model.
if "$PREBAKE" "$FIX/mlflow2-virtualenv/model" -o "$tmp/strict" --strict -q 2>"$tmp/err.log" &&
	[ -f "$tmp/strict/Dockerfile" ]; then
	ok "--strict accepts an exactly pinned model"
else
	not_ok "--strict refused a pinned model: $(cat "$tmp/err.log")"
fi

# The demo's form: prebake DIR -o OUT prints the audit, the files and the probes.
"$PREBAKE" "$FIX/mlflow2-virtualenv/model" -o "$tmp/demo" >"$tmp/out.log" 2>&1
for want in "^PACKAGE +FROM +SPEC +PIN +WHERE" "^scikit-learn +pip +==1.3.2 +exact +requirements.txt:4:1" \
	"^9 exact, 0 range, 0 unpinned" "^wrote $tmp/demo " "^  Dockerfile" \
	"^startupProbe:" "path: /v2/health/ready" "docker build -t IMAGE $tmp/demo"; do
	if grep -Eq -- "$want" "$tmp/out.log"; then ok "summary shows /$want/"
	else not_ok "summary lacks /$want/"; fi
done
if grep -q "port: 9000" <("$PREBAKE" "$FIX/mlflow2-virtualenv/model" -o "$tmp/seldon" -t seldon) &&
	grep -q "path: /health/ping" "$tmp/seldon/probes.yaml"; then
	ok "seldon target probes /health/ping on 9000"
else
	not_ok "seldon target probes wrong"
fi

# An existing folder prebake did not write is kept unless --force.
mkdir "$tmp/precious" && echo keep >"$tmp/precious/notes.txt"
expect "an unrelated existing folder is refused" 7 "exists and was not written by prebake" \
	-- "$FIX/mlflow2-virtualenv/model" -o "$tmp/precious"
if [ "$(cat "$tmp/precious/notes.txt")" = keep ] && [ ! -e "$tmp/precious/Dockerfile" ]; then
	ok "the refused folder is untouched"
else
	not_ok "the refused folder was changed"
fi
if "$PREBAKE" "$FIX/mlflow2-virtualenv/model" -o "$tmp/precious" --force -q &&
	[ -f "$tmp/precious/Dockerfile" ] && [ ! -e "$tmp/precious/notes.txt" ]; then
	ok "--force replaces it"
else
	not_ok "--force did not replace the folder"
fi
# A failed run keeps the previous good output in place.
cp -r "$tmp/precious" "$tmp/before"
"$PREBAKE" "$FIX/errors/two-pip.yaml" -o "$tmp/precious" 2>/dev/null
if diff -r "$tmp/before" "$tmp/precious" >/dev/null; then
	ok "a failed run leaves the earlier output as it was"
else
	not_ok "a failed run changed the earlier output"
fi
# An unwritable parent is a local I/O error.
if [ "$(id -u)" -ne 0 ]; then
	mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
	expect "unwritable parent" 7 "cannot create a folder beside" -- "$FIX/mlflow2-virtualenv/model" -o "$tmp/ro/out"
else
	expect "parent that is a file" 7 "cannot create a folder beside" -- "$FIX/mlflow2-virtualenv/model" -o "$tmp/out.log/x"
fi

# --server-version and image overrides land in the files.
"$PREBAKE" "$FIX/mlflow2-virtualenv/model" -o "$tmp/ver" -q --server-version 1.5.0 \
	--builder-image python:3.10.12-bookworm --runtime-image python:3.10.12-slim-bookworm
if grep -qx "mlserver==1.5.0" "$tmp/ver/serving.txt" && grep -qx "mlserver-mlflow==1.5.0" "$tmp/ver/serving.txt" &&
	grep -qx "ARG BUILDER_IMAGE=python:3.10.12-bookworm" "$tmp/ver/Dockerfile" &&
	grep -qx "ARG RUNTIME_IMAGE=python:3.10.12-slim-bookworm" "$tmp/ver/Dockerfile"; then
	ok "--server-version and --*-image are honoured"
else
	not_ok "overrides not in the output"
fi
# The label hash follows the inputs: change one pin, get another hash.
cp -r "$FIX/mlflow2-virtualenv/model" "$tmp/m2"
sed -i 's/numpy==1.26.4/numpy==1.26.3/' "$tmp/m2/requirements.txt"
"$PREBAKE" "$tmp/m2" -o "$tmp/m2out" -q
h1=$(grep -o 'inputs.sha256="[0-9a-f]*"' "$FIX/mlflow2-virtualenv/expected/Dockerfile")
h2=$(grep -o 'inputs.sha256="[0-9a-f]*"' "$tmp/m2out/Dockerfile")
if [ -n "$h1" ] && [ -n "$h2" ] && [ "$h1" != "$h2" ]; then
	ok "inputs hash changes with the inputs"
else
	not_ok "inputs hash did not change ($h1 / $h2)"
fi
# pip's hash-checking mode: one --hash means every requirement needs one.
mkdir "$tmp/hashes"
printf 'python: 3.10.12\ndependencies:\n  - -r requirements.txt\n' >"$tmp/hashes/python_env.yaml"
printf 'numpy==1.26.4 --hash=sha256:%064d\npandas==2.1.4\n' 0 >"$tmp/hashes/requirements.txt"
if "$PREBAKE" "$tmp/hashes/python_env.yaml" -o "$tmp/hashes/out" -q 2>"$tmp/err.log" &&
	grep -q "1 of 2 requirements carry --hash" "$tmp/err.log" &&
	grep -q "^numpy==1.26.4 --hash=sha256:0*$" "$tmp/hashes/out/requirements.txt" &&
	grep -qx "numpy==1.26.4" "$tmp/hashes/out/constraints.txt"; then
	ok "partial --hash use is warned about; hashes stay in requirements, not constraints"
else
	not_ok "partial --hash handling: $(cat "$tmp/err.log")"
fi
# MLmodel text that would break out of a Dockerfile label is not copied in.
cp -r "$FIX/mlflow2-virtualenv/model" "$tmp/evil"
sed -i 's/^mlflow_version: .*/mlflow_version: "2.0\\"\\nRUN curl evil"/' "$tmp/evil/MLmodel"
if "$PREBAKE" "$tmp/evil" -o "$tmp/evil-out" -q 2>"$tmp/err.log" &&
	grep -q 'is not a version; ignoring it' "$tmp/err.log" &&
	grep -q 'io.prebake.mlflow-version="unknown"' "$tmp/evil-out/Dockerfile" &&
	! grep -q "curl evil" "$tmp/evil-out/Dockerfile"; then
	ok "a hostile mlflow_version is refused, not pasted into the Dockerfile"
else
	not_ok "hostile mlflow_version reached the Dockerfile"
fi
exit $failed
