# shellcheck shell=bash
# What prebake writes, built for real with the container engine (python_env /
# virtualenv models; conda cannot be built here, no conda channel is
# reachable):
#   - the Python base image: the Debian base plus Debian's python3, venv and
#     pip (tests/fixtures/prebake-build/python-base.Dockerfile), given to the
#     emitted Dockerfile as BUILDER_IMAGE and RUNTIME_IMAGE;
#   - two package indexes served by one http.server on 127.0.0.1, of small wheels
#     built here (tests/lib/mkwheels.py, tests/fixtures/prebake-build/
#     packages.txt) with the seeds' dependency shapes: the model pins
#     mlflow==2.17.2 and pandas==2.0.3; seldon-core 1.17.1 (what serving.txt
#     names for --target seldon --server-version 1.17.1) needs mlflow<=2.5.0
#     and pandas<=2.0.0 in "conflict", and has no caps in "compatible";
#   - the index reaches the build only through the build arguments
#     PIP_INDEX_URL (with a password), PIP_EXTRA_INDEX_URL (another one) and
#     PIP_TRUSTED_HOST, under a host name (--add-host) that pip ignores unless
#     trusted, as it would a mirror's plain-http name.
# It shows: the conflicting build fails at build time naming the package, and
# leaves no image; the compatible one builds, `pip list` in the image shows
# every pin of the model's requirements.txt exactly, the image runs as UID
# 1000 (and under an arbitrary UID in group 0), neither password nor index
# URL is in its config, labels, history or saved bytes, and its default CMD
# (a stand-in seldon-core-microservice that the fake seldon-core installs,
# tests/fixtures/prebake-build/stand-in/) answers every probe of probes.yaml,
# on the path and port written there.
#
# Clean-up: every container and image this test makes is named after
# prebake-build-test-$$ and removed at exit, on INT/TERM/HUP too, and by a
# watchdog if this shell is killed outright; the index server and the
# container also stop by themselves after PREBAKE_BUILD_MAX_SECONDS. The
# Python base image is NOT removed: it is cached between runs (about 15 s to
# build) and rebuilt when its Dockerfile or the Debian base changes.
set -u
. "$(dirname "$0")/lib.sh"
cd "$IMAGES_ROOT" || exit 1
PREBAKE=${PREBAKE:-$PWD/build/prebake}
PY=/usr/bin/python3 # Debian's: http.server and mkwheels (Debian's wheels)
FIX=$PWD/tests/fixtures/prebake-build
PYTHON_IMAGE=localhost/prebake-test-python:3.11
TARGET=(--target seldon --server-version 1.17.1)
MAX_SECONDS=${PREBAKE_BUILD_MAX_SECONDS:-900}
PROBE_SECONDS=60 # the startupProbe allows 300; the stand-in needs about 1

id=prebake-build-test-$$
tag=localhost/$id
w=$(mktemp -d "${TMPDIR:-/tmp}/prebake-build.XXXXXX") || exit 1

# Remove what this test made (idempotent): background commands, the
# container, the images, the temp dir.
release() {
	local pid
	# The index server first: a build running now then fails at its next
	# request. The build is waited for, not killed: a killed `podman build`
	# leaves its RUN process and working container behind.
	pid=$(cat "$w/server.pid" 2>/dev/null) && kill "$pid" 2>/dev/null
	if pid=$(cat "$w/bg.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; then
		echo "# waiting for the running $ENGINE command to end (index stopped)" >&2
		timeout 180 tail --pid="$pid" -f /dev/null ||
			{ kill "$pid" 2>/dev/null && echo "# killed it after 180 s" >&2; }
	fi
	engine_rm "$id-serve"
	engine_rmi "$tag-conflict" "$tag-compatible"
	rm -rf "$w"
}
cleanup() {
	trap - EXIT INT TERM HUP
	kill "${watchdog:-}" 2>/dev/null
	release
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
# If this shell dies without running its trap (SIGKILL), clean up anyway.
(
	trap '' INT HUP
	tail --pid=$$ -f /dev/null 2>/dev/null
	release
) >/dev/null 2>&1 </dev/null &
watchdog=$!

# bg_run LOG CMD...: CMD with its output in LOG, in the background so that a
# signal reaches the trap at once (release() then waits for CMD); CMD's status.
bg_run() {
	local log=$1
	shift
	local pid rc
	"$@" >"$log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$w/bg.pid"
	wait "$pid"
	rc=$?
	rm -f "$w/bg.pid"
	return "$rc"
}

show() { sed 's/^/    | /' "$@" | tail -25; }

# name==version lines of a requirements file, names normalized (PEP 503).
exact_pins() {
	sed -e 's/[[:space:]]*#.*//' -e 's/[[:space:]]//g' -e '/;/d' "$1" |
		grep -E '^[A-Za-z0-9._-]+==[^*]+$' |
		awk -F'==' '{ n = tolower($1); gsub(/[-_.]+/, "-", n); print n "==" $2 }' | sort -u
}

# PATH PORT of one probe (startupProbe, ...) of probes.yaml.
probe_of() {
	awk -v want="$1:" '/^[^ #]/ { in_probe = ($1 == want) }
		in_probe && $1 == "path:" { path = $2 } in_probe && $1 == "port:" { port = $2 }
		END { if (path != "" && port != "") print path, port }' "$2"
}


if ! [ -x "$PREBAKE" ]; then
	flunk "prebake is built ($PREBAKE; run make)"
	exit 1
fi
if ! $PY -c 'import http.server, venv, ensurepip' 2>/dev/null; then
	flunk "Debian's python3 with python3-venv ($PY)"
	exit 1
fi
model_python=$(sed -n 's/^python:[[:space:]]*\([0-9.]*\).*/\1/p' "$FIX/model/python_env.yaml")

# podman: no layer cache (it would keep stage 1 with the build arguments,
# and leave intermediate images). ENGINE_BUILD has --network host: the
# index is on the host's 127.0.0.1.
build_flags=()
[ "$ENGINE" = podman ] && build_flags+=(--layers=false)

# ---------------------------------------------------------------- base image
# Rebuilt only when its Dockerfile or the Debian base changed (the label).
key=$({ cat "$FIX/python-base.Dockerfile"; engine_inspect '{{.Id}}' "$INITC_BASE_IMAGE"; } |
	sha256sum | cut -c1-64)
if [ "$(engine_inspect '{{index .Labels "io.prebake.test.key"}}' "$PYTHON_IMAGE" 2>/dev/null)" != "$key" ]; then
	old=$(engine_inspect '{{.Id}}' "$PYTHON_IMAGE" 2>/dev/null)
	mkdir "$w/empty"
	# shellcheck disable=SC2086 # ENGINE_BUILD is a command line
	if ! bg_run "$w/base.log" $ENGINE_BUILD "${build_flags[@]}" -f "$FIX/python-base.Dockerfile" \
		--build-arg BASE_IMAGE="$INITC_BASE_IMAGE" --label "io.prebake.test.key=$key" \
		-t "$PYTHON_IMAGE" "$w/empty"; then
		flunk "the Python base image builds from $INITC_BASE_IMAGE:"
		show "$w/base.log"
		exit 1
	fi
	# the image it replaced, unless something still uses it
	[ -z "$old" ] || $ENGINE rmi "$old" >/dev/null 2>&1 # not -f: it may be in use
fi
# shellcheck disable=SC2086
base_python=$($ENGINE_RUN --rm "$PYTHON_IMAGE" \
	python -c 'import ensurepip, platform, venv; print(platform.python_version())' 2>&1)
if [ "$base_python" = "$model_python" ]; then
	pass "the Python base image ($PYTHON_IMAGE) has python, venv and ensurepip at the model's python $model_python"
else
	flunk "the Python base image has the model's python $model_python: $base_python"
	exit 1
fi

# ---------------------------------------------------------------- the index
for index in conflict compatible; do
	if ! $PY tests/lib/mkwheels.py --data "$FIX/packages.txt" --index "$index" \
		"$w/index/$index/simple" 2>"$w/mkwheels.log"; then
		flunk "the $index index is written:"
		show "$w/mkwheels.log"
		exit 1
	fi
done
mkdir -p "$w/index/extra/simple" # PIP_EXTRA_INDEX_URL: empty, asked for every name
timeout "$MAX_SECONDS" $PY -u -m http.server --bind 127.0.0.1 --directory "$w/index" 0 \
	>"$w/http.out" 2>"$w/http.log" </dev/null &
server=$!
echo "$server" >"$w/server.pid"
port=
for ((i = 0; i < 600; i++)); do # until it prints its port; 30 s at most
	port=$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9][0-9]*\) .*/\1/p' "$w/http.out")
	[ -n "$port" ] && break
	kill -0 "$server" 2>/dev/null || break
	sleep 0.05
done
if [ -z "$port" ]; then
	flunk "the package index serves on 127.0.0.1:"
	show "$w/http.out" "$w/http.log"
	exit 1
fi
secret=pw$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
secret2=pw$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
# pip trusts 127.0.0.0/8 and localhost without being told; not this name.
index_name=prebake-index.test
host=$index_name:$port

# ---------------------------------------------------------------- prebake
cp -R "$FIX/model" "$w/model"
chmod -R a+rX "$w/model" # the image's user reads it, as from an init container
"$PREBAKE" "$w/model" -o "$w/out" "${TARGET[@]}" >"$w/prebake.log" 2>&1
expect_rc 0 $? "prebake writes the build folder (${TARGET[*]})"
pins=$(exact_pins "$w/model/requirements.txt")
serving_pins=$(exact_pins "$w/out/serving.txt" 2>/dev/null)
if [ -z "$pins" ] || [ -z "$serving_pins" ] || ! [ -f "$w/out/Dockerfile" ]; then
	flunk "the model has exact pins and prebake wrote a Dockerfile and a pinned serving.txt:"
	show "$w/prebake.log"
	exit 1
fi

# build INDEX: the emitted Dockerfile, unchanged, against that index. The
# URLs with their passwords reach the engine through its environment
# (--build-arg NAME takes the value from there), never its argv, which ps
# shows to every user.
build() {
	# shellcheck disable=SC2086
	PIP_INDEX_URL="http://prebake:$secret@$host/$1/simple" \
		PIP_EXTRA_INDEX_URL="http://extra:$secret2@$host/extra/simple" \
		bg_run "$w/build-$1.log" $ENGINE_BUILD "${build_flags[@]}" \
		--build-arg BUILDER_IMAGE="$PYTHON_IMAGE" \
		--build-arg RUNTIME_IMAGE="$PYTHON_IMAGE" \
		--build-arg PIP_INDEX_URL \
		--build-arg PIP_EXTRA_INDEX_URL \
		--build-arg PIP_TRUSTED_HOST="$index_name" \
		--add-host "$index_name:127.0.0.1" \
		-t "$tag-$1" "$w/out"
}

# ---------------------------------------------------------------- conflict
build conflict
rc=$?
log=$w/build-conflict.log
if [ "$rc" -ne 0 ]; then
	pass "conflict: the build fails (exit $rc)"
else
	flunk "conflict: the build fails, but it passed with seldon-core needing mlflow<=2.5.0 and pandas<=2.0.0:"
	show "$log"
fi
named=
for pin in $pins; do
	name=${pin%%==*}
	if grep -Eiq "^ *seldon-core [0-9.]+ depends on $name *(<|<=|==|!=|~=)" "$log" &&
		grep -Fiq "requested (constraint) $pin" "$log"; then
		named="$named $pin"
	fi
done
if [ -n "$named" ] && grep -q 'ResolutionImpossible' "$log"; then
	pass "conflict: pip refuses at build time, naming the model's pin and seldon-core's cap:$named"
else
	flunk "conflict: pip's ResolutionImpossible names a pinned package (${pins//$'\n'/ }) and seldon-core's cap on it:"
	show "$log"
fi
if engine_has_image "$tag-conflict"; then
	# shellcheck disable=SC2086
	moved=$($ENGINE_RUN --rm "$tag-conflict" python -m pip list --format=freeze 2>&1 |
		grep -iE "^($(cut -d= -f1 <<<"$pins" | paste -sd'|'))==" | grep -vxiF "$pins")
	flunk "conflict: no image is made, but $tag-conflict exists (pins moved to: ${moved//$'\n'/ })"
else
	pass "conflict: no image is made"
fi

# ---------------------------------------------------------------- compatible
image=$tag-compatible
if build compatible && engine_has_image "$image"; then
	pass "compatible: the emitted Dockerfile builds with the index from build arguments"
else
	flunk "compatible: the emitted Dockerfile builds:"
	show "$w/build-compatible.log"
	assert_done
fi
fetched=yes
for pin in $pins; do
	name=${pin%%==*}
	grep -Eq "\"GET /compatible/simple/$name/ HTTP/[0-9.]+\" 200" "$w/http.log" &&
		grep -Eq "\"GET /compatible/simple/$name/${name//-/_}-${pin#*==}-py3-none-any.whl HTTP/[0-9.]+\" 200" \
			"$w/http.log" || fetched=
done
if [ -n "$fetched" ]; then
	pass "compatible: pip read the index of PIP_INDEX_URL and fetched every pinned wheel from it (the server's log)"
else
	flunk "compatible: pip fetched the pinned wheels from PIP_INDEX_URL; the server's log:"
	show "$w/http.log"
fi
expect_grep '"GET /extra/simple/' "$w/http.log" \
	"compatible: pip asked PIP_EXTRA_INDEX_URL too (the server's log)"

# shellcheck disable=SC2086
$ENGINE_RUN --rm "$image" python -m pip list --format=freeze >"$w/pip-list" 2>&1
installed=$(exact_pins "$w/pip-list")
missing=
for pin in $pins $serving_pins; do
	grep -qxF "$pin" <<<"$installed" ||
		missing="$missing $pin (has: $(grep "^${pin%%==*}==" <<<"$installed" || echo none))"
done
if [ -z "$missing" ] && [ -n "$installed" ]; then
	pass "compatible: pip list in the image holds every pin of requirements.txt and serving.txt exactly: ${pins//$'\n'/ } ${serving_pins//$'\n'/ }"
else
	flunk "compatible: pip list in the image holds every pin; moved or missing:$missing"
	show "$w/pip-list"
fi

# shellcheck disable=SC2086,SC2016 # the container's shell expands
ids=$($ENGINE_RUN --rm "$image" sh -c 'echo "$(id -u):$(id -g)"' 2>&1)
user=$(engine_inspect '{{.Config.User}}' "$image")
check "compatible: the image runs as UID 1000 in group 0 (USER $user, id $ids)" \
	test "$ids" = 1000:0 -a "$user" = 1000
# OpenShift: any UID in group 0 can use the environment and the home.
# shellcheck disable=SC2086,SC2016
out=$($ENGINE_RUN --rm --user 123456:0 "$image" \
	sh -c 'python -c "import MLflowModel, mlflow.pyfunc, pandas, seldon_core" && touch "$HOME/w" && id -u' 2>&1)
check "compatible: an arbitrary UID in group 0 imports the model class and writes HOME ($out)" \
	test "$out" = 123456

# Neither password nor index URL in the image: config (env, labels), history,
# saved bytes; nor the build arguments' names in its config and history (the
# bytes do hold them: setuptools' installer.py reads PIP_INDEX_URL). Each
# search also finds something that is there, so it is known to read what it
# searches.
leaks=(-e "$secret" -e "$secret2" -e "$host" -e "127.0.0.1:$port")
names=(-e PIP_INDEX_URL -e PIP_EXTRA_INDEX_URL -e PIP_TRUSTED_HOST)
leak_check() { # what file marker [names]
	local what=$1 file=$2 marker=$3 found pats=("${leaks[@]}") also=
	[ "${4:-}" = names ] && pats+=("${names[@]}") also=", no PIP_* build argument"
	found=$(grep -aoF "${pats[@]}" "$file" | sort | uniq -c)
	if [ -n "$found" ]; then
		flunk "compatible: no build argument in the image's $what; found: ${found//$'\n'/,}"
	elif ! grep -aqF -e "$marker" "$file"; then
		flunk "compatible: the image's $what was read (it lacks '$marker')"
	else
		pass "compatible: no password or index URL$also in the image's $what"
	fi
}
$ENGINE image inspect "$image" >"$w/inspect.json" 2>&1
leak_check "config (env, labels)" "$w/inspect.json" io.prebake.inputs.sha256 names
$ENGINE history --no-trunc --format '{{.CreatedBy}}' "$image" >"$w/history" 2>&1
leak_check history "$w/history" useradd names
# One pass over the saved image (its layers are plain tars).
marker=site-packages/seldon_core/microservice.py
$ENGINE save "$image" 2>/dev/null | grep -aoF "${leaks[@]}" -e "$marker" >"$w/saved-hits"
leak_check "saved bytes ($ENGINE save)" "$w/saved-hits" "$marker"
# What a CI job prints: pip names its indexes with the password masked.
for index in conflict compatible; do
	expect_grep 'Looking in indexes: .*prebake:\*\*\*\*@' "$w/build-$index.log" \
		"$index: the build log names the index with its password masked"
	expect_no_grep "$secret" "$w/build-$index.log" "$index: no index password in the build log"
	expect_no_grep "$secret2" "$w/build-$index.log" "$index: no extra-index password in the build log"
done

# ---------------------------------------------------------------- serving
# The image's default CMD, detached, the model read-only in /mnt/models, where
# Seldon v1's init container leaves it; every probe of probes.yaml made from
# inside, on its path and port.
model_dir=/mnt/models
serve_flags=(-d --name "$id-serve" -v "$w/model:$model_dir:ro")
[ "$ENGINE" = podman ] && serve_flags+=(--timeout "$MAX_SECONDS")
# Runs with no network at all: nothing clashes with the host's ports; the
# probes are made from inside the container.
# shellcheck disable=SC2086 # ENGINE_RUN_NONET is a command line
if ! $ENGINE_RUN_NONET "${serve_flags[@]}" "$image" >"$w/serve.out" 2>&1; then
	flunk "compatible: the image starts with its default CMD:"
	show "$w/serve.out"
	assert_done
fi
poll='import sys, time, urllib.error, urllib.request
url = "http://127.0.0.1:%s%s" % (sys.argv[2], sys.argv[1])
deadline = time.monotonic() + float(sys.argv[3])
while True:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            print(r.status, url, r.read(100).decode(errors="replace"))
            sys.exit(0 if r.status == 200 else 1)
    except urllib.error.HTTPError as e:  # the server is up: 4xx is final
        print(e.code, url)
        if e.code < 500 or time.monotonic() > deadline:
            sys.exit(1)
    except OSError as e:  # not listening yet
        if time.monotonic() > deadline:
            print("no answer from %s in %s s: %s" % (url, sys.argv[3], e))
            sys.exit(1)
    time.sleep(0.1)'
start=$SECONDS
for probe in startupProbe readinessProbe livenessProbe; do
	read -r path pport <<<"$(probe_of "$probe" "$w/out/probes.yaml")"
	if [ -z "${pport:-}" ]; then
		flunk "probes.yaml has a $probe with an httpGet path and port"
		continue
	fi
	limit=5
	[ "$probe" = startupProbe ] && limit=$PROBE_SECONDS
	if out=$($ENGINE exec "$id-serve" python -c "$poll" "$path" "$pport" "$limit" 2>&1) &&
		[ "${out%% *}" = 200 ]; then
		pass "serving: the $probe of probes.yaml answers 200 (GET $path on port $pport, $((SECONDS - start)) s after start)"
	else
		flunk "serving: the $probe of probes.yaml answers 200 on $path port $pport: $out"
		$ENGINE logs "$id-serve" >"$w/serve.log" 2>&1
		show "$w/serve.log"
	fi
done
$ENGINE exec "$id-serve" cat /proc/1/status >"$w/pid1" 2>&1
$ENGINE logs "$id-serve" >"$w/serve.log" 2>&1
if grep -Eq '^Uid:[[:space:]]+1000[[:space:]]' "$w/pid1" &&
	grep -qxF "stand-in: MLflowModel from /opt/seldon/MLflowModel.py loaded $model_dir" "$w/serve.log"; then
	pass "serving: the server runs as UID 1000, and its MLflowModel (PYTHONPATH) loaded the model in $model_dir"
else
	flunk "serving: the server runs as UID 1000 and loaded MLflowModel:"
	show "$w/pid1" "$w/serve.log"
fi
assert_done
