#!/usr/bin/env bash
# What prebake writes, resolved by a real pip: the environment stage of each
# emitted Dockerfile runs here (tests/lib/run_env_stage.py: same COPY and RUN
# lines, Debian's Python 3.11 and pip 23.0.1 in a venv, conda replaced by a
# venv holding the conda packages) against a local index of wheels that carry
# the real dependency metadata of seldon-core, MLServer, MLflow and the
# packages they cap (tests/fixtures/pyindex/packages.txt).
#   - compatible models build, every exact pin the model made is in the
#     final lock, every package conda installed keeps its version;
#   - a model pin the serving stack cannot accept fails the build, and the
#     failure names the package;
#   - the serving stack's caps on packages the model never pinned never fail
#     a compatible model.
# Not resolved here: pip-edge-cases (it names hosts that do not exist; its
# grammar is prebake_grammar's), and the model's python version (every case
# runs under the machine's 3.11: markers and Requires-Python are judged there).
set -u
cd "$(dirname "$0")/../.."
PREBAKE=${PREBAKE:-$PWD/build/prebake}
PY=/usr/bin/python3
FIX=$PWD/tests/fixtures/prebake-resolve
. tests/lib/golden.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/prebake-resolve.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=1; }

if ! $PY -c 'import venv, ensurepip, yaml' 2>/dev/null; then
	not_ok "Debian's python3-venv and python3-yaml are needed: run scripts/install-deps test"
	exit 1
fi
$PY tests/lib/mkindex.py "$tmp/index" >/dev/null 2>&1 || { not_ok "building the local index"; exit 1; }
export PIP_NO_INDEX=1 PIP_FIND_LINKS=$tmp/index PIP_CONFIG_FILE=/dev/null \
	PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_PROGRESS_BAR=off

# name==version lines of a file, PEP 503 names, markers and comments dropped
exact_pins() {
	sed -e 's/[[:space:]]*#.*//' -e '/;/d' "$1" | grep -E '^[A-Za-z0-9._-]+==[^*]+$' |
		awk -F'==' '{ n = tolower($1); gsub(/[-_.]+/, "-", n); print n "==" $2 }' | sort -u
}

# pins_kept NAME LOCK FILE...: every exact pin of FILEs is in LOCK
pins_kept() {
	local name=$1 lock=$2 missing
	shift 2
	missing=$(comm -23 <(cat "$@" | exact_pins /dev/stdin) <(exact_pins "$lock"))
	if [ -z "$missing" ]; then
		ok "$name: every exact pin is in the final lock ($(cat "$@" | exact_pins /dev/stdin | wc -l) pins)"
	else
		not_ok "$name: pins moved or missing in the final lock: $(echo $missing)"
	fi
}

# build NAME INPUT FLAGS...: prebake, then the env stage; sets $case_dir $out $work
build() {
	local input=$2
	case_dir=$tmp/${1//[^A-Za-z0-9]/_}
	out=$case_dir/out work=$case_dir/work
	shift 2
	mkdir -p "$work"
	if ! "$PREBAKE" "$input" "$@" -o "$out" -q >"$case_dir/prebake.log" 2>&1; then
		echo "prebake failed: $(tail -3 "$case_dir/prebake.log")" >"$case_dir/stage.log"
		return 99
	fi
	$PY tests/lib/run_env_stage.py "$out" "$work" >"$case_dir/stage.log" 2>&1
}

# expect_built NAME INPUT FLAGS...
expect_built() {
	local name=$1
	if build "$@"; then
		ok "$name: the environment stage builds and pip check is clean"
		pins_kept "$name" "$work/env/prebake-lock.txt" "$out/constraints.txt"
		[ -f "$work/ctx/conda-lock.txt" ] &&
			pins_kept "$name: conda's packages" "$work/env/prebake-lock.txt" "$work/ctx/conda-lock.txt"
	else
		not_ok "$name: the environment stage failed: $(grep -iE 'error|conflict|depends' "$case_dir/stage.log" | head -8; tail -2 "$case_dir/stage.log")"
	fi
}

# expect_refused NAME REGEXES INPUT FLAGS...: the build fails, and pip's
# output matches every regex of REGEXES (separated by " && ")
expect_refused() {
	local name=$1 regexes=$2 r missing=
	shift 2
	if build "$name" "$@"; then
		not_ok "$name: built, but the model's pin conflicts with the serving stack"
		return
	fi
	while read -r r; do
		grep -Eq -- "$r" "$case_dir/stage.log" || missing="$missing /$r/"
	done < <(sed 's/ && /\n/g' <<<"$regexes")
	if [ -z "$missing" ]; then
		ok "$name: the build fails naming the conflict: $(grep -Eo -m1 -- "${regexes%% && *}" "$case_dir/stage.log")"
	else
		not_ok "$name: failed without naming$missing: $(tail -5 "$case_dir/stage.log")"
	fi
}

# Every golden case on both targets (a later --target wins), but
# mlflow1-conda-seldon on mlserver: its python 3.8.10 is below MLServer
# 1.6.1's Requires-Python and prebake refuses it (prebake_cli.sh).
while read -r -a c; do
	name=${c[0]} dir=${c[1]} args=("${c[@]:2}")
	[ "$name" = pip-edge-cases ] && continue
	for target in mlserver seldon; do
		[ "$name-$target" = mlflow1-conda-seldon-mlserver ] && continue
		expect_built "golden $name on $target" "$dir/${args[0]}" "${args[@]:1}" --target $target
	done
done < <(golden_cases)

# The serving stacks' caps on packages the model never pinned (urllib3<1.27,
# protobuf<4, click<8.1, PyYAML<=6.0.1, werkzeug<2.3, prometheus_client<0.9
# for seldon-core) never fail a compatible model (the golden cases on seldon
# above); pip left alone picks the newest of each, above the caps.
# A model range meets a stack cap: one version satisfies both.
expect_built "model ranges inside stack caps" "$FIX/ranges/python_env.yaml" --target seldon

# A model pin the stack cannot accept fails, naming the package.
expect_refused "model pins protobuf 4 on seldon-core" \
	'seldon-core 1\.18\.2 depends on protobuf<4 && requested \(constraint\) protobuf==4\.25\.5' \
	"$FIX/pin-protobuf4/python_env.yaml" --target seldon
expect_refused "model pins urllib3 2 on seldon-core" \
	'seldon-core 1\.18\.2 depends on urllib3<1\.27 && requested \(constraint\) urllib3==2\.2\.3' \
	"$FIX/pin-urllib3/python_env.yaml" --target seldon

# The conda packages the model gave a version are held at what conda
# installed; conda's own choices (unpinned packages, their dependencies)
# stay free for the serving stack, as the model never pinned them.
expect_built "conda pins held" "$FIX/conda-holds/conda.yaml" --target mlserver
expect_built "conda's unpinned protobuf on seldon-core" "$FIX/conda-unpinned/conda.yaml" --target seldon
expect_built "conda's mlflow on seldon-core" "$FIX/conda-mlflow/conda.yaml" --target seldon
if grep -qx 'mlflow==2.17.2' "$work/env/prebake-lock.txt" && grep -qx 'cloudpickle==3.0.0' "$work/env/prebake-lock.txt"; then
	ok "conda's mlflow 2.17.2 kept, and the model's cloudpickle==3.0.0 over conda's pick"
else
	not_ok "conda's mlflow or the pip pin moved: $(grep -iE '^(mlflow|cloudpickle)==' "$work/env/prebake-lock.txt")"
fi
expect_refused "conda's protobuf 4 on seldon-core" \
	'seldon-core 1\.18\.2 depends on protobuf<4 && requested \(constraint\) protobuf==4\.25\.5' \
	"$FIX/conda-moved/conda.yaml" --target seldon

# A wheel the model ships (MLflow's wheels/ folder) installs from the build
# context, at the relative path pip reads it from.
model=$tmp/wheel-model
mkdir -p "$model/wheels"
printf 'leaf bundled-lib 0.1\n' >"$tmp/bundled.txt"
$PY tests/lib/mkindex.py --data "$tmp/bundled.txt" "$model/wheels" >/dev/null 2>&1
printf 'python: 3.10.12\ndependencies:\n- -r requirements.txt\n' >"$model/python_env.yaml"
printf 'mlflow==2.17.2\nwheels/bundled_lib-0.1-py3-none-any.whl\n' >"$model/requirements.txt"
expect_built "a wheel in the model folder" "$model/python_env.yaml"
if grep -qx 'bundled-lib==0.1' "$work/env/prebake-lock.txt" 2>/dev/null; then
	ok "the model's own wheel is installed (bundled-lib==0.1)"
else
	not_ok "the model's own wheel is not in the lock: $(grep -i bundled "$work/env/prebake-lock.txt" 2>&1)"
fi

# --hash lines: pip checks every package of a run, so the hashed model
# installs first and the serving stack is held to it; a wrong hash fails.
wheel_hash() { sha256sum "$tmp/index/$1" | cut -d' ' -f1; }
model=$tmp/hashed
mkdir -p "$model"
printf 'python: 3.10.12\ndependencies:\n- -r requirements.txt\n' >"$model/python_env.yaml"
printf 'cloudpickle==3.0.0 --hash=sha256:%s\n' "$(wheel_hash cloudpickle-3.0.0-py3-none-any.whl)" \
	>"$model/requirements.txt"
expect_built "hashed requirements" "$model/python_env.yaml" --target seldon
# The training run's build tools are not model pins: MLflow writes the
# setuptools of its venv (CPython 3.11's ensurepip gives 65.5.0), and
# seldon-core needs >=65.5.1. Neither that nor pip's own tools in the
# hashed set's freeze may block the serving stack.
cp -r "$model" "$tmp/hashed-tools"
printf 'python: 3.11.7\nbuild_dependencies:\n- pip==23.0.1\n- setuptools==65.5.0\ndependencies:\n- -r requirements.txt\n' \
	>"$tmp/hashed-tools/python_env.yaml"
expect_built "hashed requirements, setuptools 65.5.0 from the training run" \
	"$tmp/hashed-tools/python_env.yaml" --target seldon
cp -r "$model" "$tmp/badhash"
printf 'cloudpickle==3.0.0 --hash=sha256:%064d\n' 0 >"$tmp/badhash/requirements.txt"
expect_refused "a wrong hash" 'DO NOT MATCH THE HASHES' "$tmp/badhash/python_env.yaml" --target seldon

exit $failed
