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
# Modes are set, not left to the umask: COPY keeps the context's modes and
# the image's user is not root, so everything must be world-readable.
M=$FIX/mlflow2-virtualenv/model
cp -r "$M" "$tmp/um-model" && mkdir "$tmp/um-model/sub" && echo w >"$tmp/um-model/sub/w.bin"
chmod 600 "$tmp/um-model/sub/w.bin" "$tmp/um-model/MLmodel" && chmod 700 "$tmp/um-model/sub"
(umask 077 && "$PREBAKE" "$tmp/um-model" -o "$tmp/um" -t seldon --bake-model -q) 2>"$tmp/err.log"
modes=$(find "$tmp/um" -exec stat -c '%a %F %n' {} + 2>&1)
if [ -f "$tmp/um/MLflowModel.py" ] && [ -f "$tmp/um/model/sub/w.bin" ] &&
	[ "$(echo "$modes" | wc -l)" -ge 12 ] &&
	! echo "$modes" | grep -v -e '^644 regular file ' -e '^755 directory '; then
	ok "under umask 077 every file is 0644 and every folder 0755"
else
	not_ok "modes under umask 077: $(cat "$tmp/err.log") $(echo "$modes" | grep -v -e '^644 regular file ' -e '^755 directory ' | head -3)"
fi

# -o inside the model folder with --bake-model: neither the output nor
# prebake's temporaries beside it end up in the next output.
cp -r "$M" "$tmp/nest"
nest_ok=1
for i in 1 2 3; do
	if [ "$i" -eq 2 ]; then  # what a failed swap may leave behind
		mkdir "$tmp/nest/.out.prebake-old-Ab3xY9" && echo stale >"$tmp/nest/.out.prebake-old-Ab3xY9/x"
	fi
	if [ "$i" -eq 3 ]; then  # relative, with a trailing slash, from inside
		(cd "$tmp/nest" && "$PREBAKE" . -o ./out/ --bake-model -q) 2>"$tmp/err.log"
	else
		"$PREBAKE" "$tmp/nest" -o "$tmp/nest/out" --bake-model -q 2>"$tmp/err.log"
	fi || { nest_ok=0; not_ok "run $i inside the model folder: $(cat "$tmp/err.log")"; }
	cp -r "$tmp/nest/out" "$tmp/nest-run$i"
done
rm -r "$tmp/nest/.out.prebake-old-Ab3xY9"
if [ "$nest_ok" = 1 ] && diff -r "$tmp/nest-run1" "$tmp/nest-run2" >/dev/null &&
	diff -r "$tmp/nest-run1" "$tmp/nest-run3" >/dev/null; then
	ok "three runs with -o inside the model folder give the same output"
else
	not_ok "runs with -o inside the model folder differ"
fi
if diff <(cd "$M" && find . | sort) <(cd "$tmp/nest/out/model" && find . | sort) >/dev/null; then
	ok "the baked model holds the model's files and no earlier output"
else
	not_ok "the baked model differs from the model: $(cd "$tmp/nest/out/model" && find . | head -5)"
fi
if [ -z "$(ls -A "$tmp/nest" | grep prebake)" ] && [ "$(ls "$tmp/nest" | wc -l)" -eq 6 ]; then
	ok "no temporary folders are left in the model folder"
else
	not_ok "the model folder holds: $(ls -A "$tmp/nest")"
fi

# -o . from an empty folder, then from inside the folder prebake wrote.
mkdir "$tmp/dot"
if (cd "$tmp/dot" && "$PREBAKE" "$M" -o . -q) 2>"$tmp/err.log" && [ -f "$tmp/dot/pin-audit.txt" ]; then
	ok "-o . writes into an empty current folder"
else
	not_ok "-o . in an empty folder: $(cat "$tmp/err.log")"
fi
if (cd "$tmp/dot" && "$PREBAKE" "$M" -o . -t seldon -q) 2>"$tmp/err.log" &&
	[ -f "$tmp/dot/MLflowModel.py" ] && [ -f "$tmp/dot/pin-audit.txt" ]; then
	ok "-o . replaces the prebake folder it is run from"
else
	not_ok "-o . in a prebake folder: $(cat "$tmp/err.log")"
fi
# -o DIR/.. names DIR's parent, under the same rules.
mkdir -p "$tmp/up/in" && echo keep >"$tmp/up/in/notes.txt"
expect "-o a/.. that is not prebake's is refused" 7 "up/in/.. exists and was not written by prebake" \
	-- "$M" -o "$tmp/up/in/.."
if [ -f "$tmp/up/in/notes.txt" ] && "$PREBAKE" "$M" -o "$tmp/up/in/.." --force -q 2>"$tmp/err.log" &&
	[ -f "$tmp/up/Dockerfile" ] && [ ! -e "$tmp/up/in" ]; then
	ok "-o a/.. with --force replaces a's parent"
else
	not_ok "-o a/.. --force: $(cat "$tmp/err.log")"
fi

# -o through a symlink to a prebake folder replaces the folder, keeps the link.
"$PREBAKE" "$M" -o "$tmp/real-out" -q
ln -s real-out "$tmp/link-out"
if "$PREBAKE" "$M" -o "$tmp/link-out/" -t seldon -q 2>"$tmp/err.log" &&
	[ -L "$tmp/link-out" ] && [ "$(readlink "$tmp/link-out")" = real-out ] &&
	[ -d "$tmp/real-out" ] && [ ! -L "$tmp/real-out" ] && [ -f "$tmp/real-out/MLflowModel.py" ]; then
	ok "-o via a symlink to a prebake folder replaces the folder and keeps the link"
else
	not_ok "-o via a symlink to a prebake folder: $(cat "$tmp/err.log")"
fi
ln -s out.log "$tmp/link-file"
expect "-o via a symlink to a file is refused" 7 "link-file is a symlink to something other than a folder" \
	-- "$M" -o "$tmp/link-file"
mkdir "$tmp/mine" && echo keep >"$tmp/mine/notes.txt" && ln -s mine "$tmp/link-mine"
expect "--force does not reach through a symlink to a folder prebake did not write" 7 \
	"link-mine is a symlink to .*/mine, which was not written by prebake" \
	-- "$M" -o "$tmp/link-mine" --force
if [ -L "$tmp/link-file" ] && [ -f "$tmp/out.log" ] && [ -L "$tmp/link-mine" ] &&
	[ "$(ls -A "$tmp/mine")" = notes.txt ]; then
	ok "refused symlinks and what they point at are untouched"
else
	not_ok "a refused symlink or its target was changed"
fi
if [ -z "$(find "$tmp" -name '.*.prebake-*')" ]; then
	ok "no temporary folder is left anywhere"
else
	not_ok "temporary folders left: $(find "$tmp" -name '.*.prebake-*')"
fi

# --- what the environment needs, and the serving stack's python range ---
E=$tmp/envs
mkdir -p "$E"
# venv_model DIR PYTHON LINE...: a python_env.yaml with -r requirements.txt
venv_model() {
	local d=$1 py=$2
	shift 2
	mkdir -p "$d"
	printf 'python: %s\ndependencies:\n- -r requirements.txt\n' "$py" >"$d/python_env.yaml"
	printf '%s\n' "$@" >"$d/requirements.txt"
}
venv_model "$E/py312" 3.12.1 mlflow==2.17.2
expect "python above MLServer 1.6.1's Requires-Python" 11 \
	'python_env.yaml:1:9: python 3.12.1 is outside mlserver 1.6.1.s Requires-Python ">=3.9,<3.12"' \
	-- "$E/py312/python_env.yaml" -o "$tmp/o"
expect "python below it" 11 'python 3.8.10 is outside mlserver 1.6.1.s Requires-Python' \
	-- "$FIX/mlflow1-conda-seldon/model" -o "$tmp/o"
if "$PREBAKE" "$E/py312/python_env.yaml" -t seldon -o "$tmp/o" -q 2>"$tmp/err.log"; then
	ok "python 3.12.1 fits seldon-core 1.18.2 (Requires-Python >=3.6)"
else
	not_ok "python 3.12.1 on seldon: $(cat "$tmp/err.log")"
fi
expect "an unknown release: python not checked, and it says so" 0 \
	'Requires-Python of mlserver 1.3.5 is not known to prebake; python 3.12.1 is not checked' \
	-- "$E/py312/python_env.yaml" -o "$tmp/o" --server-version 1.3.5

venv_model "$E/gomp" 3.10.12 lightgbm==4.5.0 'git+https://github.com/example/lib.git@3f786850e387550fdab836ed7e6dc881de23001b#egg=lib'
"$PREBAKE" "$E/gomp/python_env.yaml" -o "$tmp/gomp" -q 2>/dev/null
runtime=$(sed -n '/^FROM \${RUNTIME_IMAGE}/,$p' "$tmp/gomp/Dockerfile" 2>/dev/null)
if grep -q 'apt-get install --yes --no-install-recommends libgomp1' <<<"$runtime" &&
	[ "$(grep -m1 -n '^USER root' <<<"$runtime" | cut -d: -f1)" -lt \
	  "$(grep -m1 -n 'apt-get' <<<"$runtime" | cut -d: -f1)" ]; then
	ok "LightGBM: the runtime stage installs libgomp1, as root"
else
	not_ok "LightGBM: no libgomp1 in the runtime stage: $runtime"
fi
if sed -n '/AS env$/,/^FROM \${RUNTIME_IMAGE}/p' "$tmp/gomp/Dockerfile" |
	grep -q 'command -v git >/dev/null 2>&1 || { apt-get update'; then
	ok "a git+ requirement: the builder gets git if it lacks it"
else
	not_ok "a git+ requirement: no git for the builder"
fi
if ! grep -q 'libgomp1\|command -v git' "$tmp/real-out/Dockerfile"; then
	ok "a model without them gets neither"
else
	not_ok "libgomp1 or git added to a model that needs neither"
fi

# The runtime stage: root before useradd (a non-root --runtime-image), the
# labels last with the inputs hash at the very end (builders that cache per
# instruction keep every layer when only the hash changes), and the Seldon
# wrapper's ports as the image EXPOSEs them.
"$PREBAKE" "$FIX/mlflow1-conda-seldon/model" -t seldon -o "$tmp/sel" -q 2>/dev/null
runtime=$(sed -n '/^FROM \${RUNTIME_IMAGE}/,$p' "$tmp/sel/Dockerfile")
if [ "$(sed -n 2p <<<"$runtime")" = "USER root" ] &&
	tail -1 <<<"$runtime" | grep -q '^      io.prebake.inputs.sha256="[0-9a-f]\{64\}"$' &&
	[ "$(grep -c '^[A-Z]' <<<"$(sed -n '/^LABEL/,$p' <<<"$runtime")")" = 1 ]; then
	ok "runtime stage: USER root first, the LABEL last with the inputs hash at its end"
else
	not_ok "runtime stage order: $runtime"
fi
if grep -q 'PREDICTIVE_UNIT_GRPC_SERVICE_PORT=9500' <<<"$runtime" &&
	grep -q '^EXPOSE 9000 9500 6000$' <<<"$runtime"; then
	ok "seldon: the gRPC port the image exposes (9500) is the one the wrapper listens on"
else
	not_ok "seldon ports: $runtime"
fi

# conda's own mlflow: no false "does not list mlflow", no pip hold on top.
mkdir -p "$E/condamlflow"
cp "$FIX/mlflow2-virtualenv/model/MLmodel" "$E/condamlflow/"
printf 'channels: [conda-forge]\ndependencies:\n- python=3.10.12\n- conda-forge::mlflow=2.17.2\n- numpy=1.26.4\n' \
	>"$E/condamlflow/conda.yaml"
"$PREBAKE" "$E/condamlflow" --env-manager conda -o "$tmp/cm" -q 2>"$tmp/err.log"
if [ $? = 0 ] && ! grep -q 'mlflow' "$tmp/err.log" && ! grep -q '^mlflow==' "$tmp/cm/constraints.txt"; then
	ok "conda-forge::mlflow=2.17.2 counts as the model's mlflow (no warning, no pip hold)"
else
	not_ok "conda mlflow: $(cat "$tmp/err.log"; grep mlflow "$tmp/cm/constraints.txt")"
fi
printf 'dependencies:\n- python=3.10.12\n- numpy=1.26.4=py310hb13e2d6_0\n' >"$E/nochannels.yaml"
expect "no channels: conda-forge, said aloud, naming a build string" 0 \
	'names no channels:; the image uses conda-forge.*nochannels.yaml:3:3: numpy asks for build py310hb13e2d6_0' \
	-- "$E/nochannels.yaml" -o "$tmp/o"
# OUT may never be (or hold) the model's folder: replacing it would delete it.
cp -r "$FIX/mlflow2-virtualenv/model" "$E/keep"
expect "-o . --force inside the model folder is refused" 7 "holds the model's files" \
	-- "$E/keep" -o "$E/keep/." --force
expect "-o above the model folder is refused too" 7 "holds the model's files" \
	-- "$E/keep/python_env.yaml" -o "$E" --force
if [ -f "$E/keep/MLmodel" ] && [ -f "$E/keep/requirements.txt" ]; then
	ok "the model folder is intact"
else
	not_ok "the model folder lost files: $(ls "$E/keep")"
fi

# Locations the image build cannot see are refused, not silently ignored.
venv_model "$E/findlinks" 3.10.12 '-f ./wheels' cloudpickle==3.0.0
expect "--find-links to a local folder" 10 'requirements.txt:1:1: --find-links ./wheels is a folder on this machine' \
	-- "$E/findlinks/python_env.yaml" -o "$tmp/o"
venv_model "$E/fileindex" 3.10.12 '--extra-index-url file:///srv/simple' cloudpickle==3.0.0
expect "an index at file:" 10 'extra-index-url file:///srv/simple is a folder on this machine' \
	-- "$E/fileindex/python_env.yaml" -o "$tmp/o"
# pip reads -r inside a -c file as requirements: so does prebake.
venv_model "$E/rinc" 3.10.12 '-c constraints.txt'
printf -- '-r more.txt\n' >"$E/rinc/constraints.txt"
printf 'cloudpickle==3.0.0\n' >"$E/rinc/more.txt"
if "$PREBAKE" "$E/rinc/python_env.yaml" -o "$tmp/rinc" -q 2>"$tmp/err.log" &&
	grep -qx 'cloudpickle==3.0.0' "$tmp/rinc/requirements.txt"; then
	ok "-r inside a -c file names requirements, as in pip"
else
	not_ok "-r inside -c: $(cat "$tmp/err.log" "$tmp/rinc/requirements.txt" 2>&1)"
fi
# Wheel paths: only what a COPY line and .dockerignore read the same way,
# and never a symlink.
mkdir -p "$E/wsp/my wheels" "$E/wlink/wheels"
venv_model "$E/wsp" 3.10.12 'my wheels/x-1.0-py3-none-any.whl'
echo PK >"$E/wsp/my wheels/x-1.0-py3-none-any.whl"
expect "a wheel path with a space" 10 'the wheel path "my wheels/x-1.0-py3-none-any.whl" holds characters' \
	-- "$E/wsp/python_env.yaml" -o "$tmp/o"
venv_model "$E/wlink" 3.10.12 'wheels/x-1.0-py3-none-any.whl'
ln -s /etc/hostname "$E/wlink/wheels/x-1.0-py3-none-any.whl"
expect "a wheel that is a symlink" 10 'wheels/x-1.0-py3-none-any.whl" is not a file in the model folder .*a symlink' \
	-- "$E/wlink/python_env.yaml" -o "$tmp/o"
# --bake-model copies files and folders only: a symlink could leave the
# model or loop.
cp -r "$FIX/mlflow2-virtualenv/model" "$E/linked"
ln -s /etc "$E/linked/certs"
expect "--bake-model refuses a symlink in the model" 10 'linked/certs is a symlink' \
	-- "$E/linked" -o "$tmp/o" --bake-model
# -o . replaces the folder the shell stands in: say so.
mkdir -p "$E/here"
(cd "$E/here" && "$PREBAKE" "$FIX/mlflow2-virtualenv/model" -o . -q) 2>"$tmp/err.log"
if grep -q 'was your current folder and has been replaced by a new one; run cd "$PWD"' "$tmp/err.log" &&
	[ -f "$E/here/Dockerfile" ]; then
	ok "-o . says the current folder was replaced"
else
	not_ok "-o . without a note: $(cat "$tmp/err.log")"
fi

# --- an operator's bad day: killed runs, two runs at once, hostile files ---
# wait_for CMD...: poll until CMD succeeds (an event), at most about 60 s
wait_for() {
	local i
	for i in $(seq 600); do "$@" && return 0; sleep 0.1; done
	return 1
}
# A killed run leaves its temporary folder (with a baked model, as large as
# the model); the next run over the same output removes it.
mkdir -p "$E/bad" "$E/bad/.out.prebake-Ab12Cd/model" "$E/bad/.out.prebake-old-Ef34Gh"
head -c 1048576 /dev/zero >"$E/bad/.out.prebake-Ab12Cd/model/big.bin"
mkdir -p "$E/bad/.other.prebake-Zz99Yy"
if "$PREBAKE" "$FIX/mlflow2-virtualenv/model" -o "$E/bad/out" -q 2>"$tmp/err.log" &&
	[ -f "$E/bad/out/Dockerfile" ] && [ ! -e "$E/bad/.out.prebake-Ab12Cd" ] &&
	[ ! -e "$E/bad/.out.prebake-old-Ef34Gh" ] && [ -d "$E/bad/.other.prebake-Zz99Yy" ]; then
	ok "the next run removes what a killed run left beside the output (and only that output's)"
else
	not_ok "leftovers of a killed run: $(ls -a "$E/bad"; cat "$tmp/err.log")"
fi
# Two runs on one output take turns: the second waits, says so, then writes.
# the holder is one process (exec), so killing it releases the lock
(exec 9<"$E/bad" && flock 9 && touch "$tmp/locked" && exec sleep 600) &
holder=$!
wait_for test -e "$tmp/locked"
"$PREBAKE" "$FIX/mlflow2-virtualenv/model" -o "$E/bad/out" -t seldon -q 2>"$tmp/wait.log" &
waiter=$!
if wait_for grep -q "waiting for another prebake writing in $E/bad" "$tmp/wait.log"; then
	ok "a run that finds the output's folder locked says it waits"
else
	not_ok "no waiting message: $(cat "$tmp/wait.log")"
fi
kill $holder
wait $holder 2>/dev/null
if wait $waiter && [ -f "$E/bad/out/MLflowModel.py" ]; then
	ok "it then writes its output"
else
	not_ok "the waiting run failed: $(cat "$tmp/wait.log")"
fi
"$PREBAKE" "$FIX/mlflow2-virtualenv/model" -o "$tmp/refA" -q 2>/dev/null
"$PREBAKE" "$FIX/mlflow2-virtualenv/model" -o "$tmp/refB" -t seldon -q 2>/dev/null
bad_rounds=0
for i in 1 2 3 4 5; do
	"$PREBAKE" "$FIX/mlflow2-virtualenv/model" -o "$E/bad/out" -q 2>"$tmp/a.log" &
	a=$!
	"$PREBAKE" "$FIX/mlflow2-virtualenv/model" -o "$E/bad/out" -t seldon -q 2>"$tmp/b.log" &
	b=$!
	wait $a && wait $b || bad_rounds=$((bad_rounds + 1))
	diff -rq "$E/bad/out" "$tmp/refA" >/dev/null 2>&1 ||
		diff -rq "$E/bad/out" "$tmp/refB" >/dev/null 2>&1 || bad_rounds=$((bad_rounds + 1))
done
if [ $bad_rounds = 0 ] && [ -z "$(find "$E/bad" -maxdepth 1 -name '.out.prebake-*')" ]; then
	ok "two runs at once on one output, five times: both succeed, one whole output, no leftovers"
else
	not_ok "concurrent runs: $bad_rounds bad rounds; $(cat "$tmp/a.log" "$tmp/b.log"; ls -a "$E/bad")"
fi
# Requirement files are the model's: not a FIFO (it would hang the run),
# not a file outside the model folder (it could be any file here).
venv_model "$E/fifo" 3.10.12 '-r more.txt'
mkfifo "$E/fifo/more.txt"
expect "a FIFO named by -r is refused at once" 10 'cannot read "more.txt": not a regular file' \
	-- "$E/fifo/python_env.yaml" -o "$tmp/o"
venv_model "$E/outside" 3.10.12 '-r /proc/self/environ'
expect "-r outside the model folder (absolute)" 10 '"/proc/self/environ" is an absolute path; requirement files must be inside the model folder' \
	-- "$E/outside/python_env.yaml" -o "$tmp/o"
venv_model "$E/outside2" 3.10.12 '-c ../../etc/passwd'
expect "-c outside the model folder (..)" 10 'leaves the model folder' \
	-- "$E/outside2/python_env.yaml" -o "$tmp/o"
# An error quoting an index URL never shows its password.
venv_model "$E/secret" 3.10.12 '--index https://alice:s3cr3tTOKEN@pypi.corp/simple' 'x==1'
"$PREBAKE" "$E/secret/python_env.yaml" -o "$tmp/o" >"$tmp/out.log" 2>"$tmp/err.log"
if [ $? = 10 ] && grep -q 'https://\*\*\*@pypi.corp' "$tmp/err.log" &&
	! grep -q s3cr3tTOKEN "$tmp/err.log" "$tmp/out.log"; then
	ok "an error quoting an index URL hides its password"
else
	not_ok "password in an error: $(cat "$tmp/err.log")"
fi
exit $failed
