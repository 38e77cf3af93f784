# shellcheck shell=sh
# Sourced by scripts/images, scripts/install-deps and tests/images/*: find
# a container engine that works on this machine and the flags it needs.
#   engine_pick        sets ENGINE: docker, podman or buildah
#   engine_probe_run   sets, from one run of a local image:
#     ENGINE_BUILD       the build command (base images never pulled)
#     ENGINE_RUN         "$ENGINE run --network host" and what every run
#                        needs here (runtime, ulimits): the tests' servers
#                        listen on the host's 127.0.0.1
#     ENGINE_RUN_NONET   the same with no network at all
# Detected, not assumed: a local Docker engine that answers wins (not
# podman's docker shim); podman's runtime and ulimits are probed.

engine_say() { echo "images: $*" >&2; }

# A Docker engine answers here (bounded: a stuck socket must not hang make).
engine_docker_answers() {
	command -v docker >/dev/null 2>&1 || return 1
	docker --version 2>/dev/null | grep -qi podman && return 1
	timeout 20 docker info >/dev/null 2>&1
}

engine_pick() {
	if engine_docker_answers; then
		ENGINE=docker
	elif command -v podman >/dev/null 2>&1; then
		ENGINE=podman
	elif command -v buildah >/dev/null 2>&1; then
		ENGINE=buildah
	else
		engine_say "no container engine: run scripts/install-deps images (podman, runc)" \
			"or start a Docker engine"
		return 1
	fi
	engine_set_flags ""
}

engine_set_flags() { # podman's run flags (runtime, ulimits)
	case $ENGINE in
	docker)
		ENGINE_BUILD="docker build --network host"
		ENGINE_RUN="docker run --network host"
		ENGINE_RUN_NONET="docker run --network none" ;;
	podman)
		# a build's RUN steps need the runtime that runs, not the ulimits
		ENGINE_BUILD="podman build --pull=never --network host $(engine_runtime_of "$1")"
		ENGINE_RUN="podman run --network host $1"
		ENGINE_RUN_NONET="podman run --network none $1" ;;
	buildah)
		ENGINE_BUILD="buildah bud --pull=never --isolation chroot --network host"
		ENGINE_RUN="" ENGINE_RUN_NONET="" ;;
	esac
}

engine_runtime_of() { # flags: the --runtime X among them
	echo "$1" | sed -n 's/.*\(--runtime [^ ]*\).*/\1/p'
}

engine_try_run() { # flags image (flags: a word list, split on purpose)
	# shellcheck disable=SC2086
	podman run --rm --network host $1 "$2" true >/dev/null 2>"$_engine_err"
}

# This shell's hard limit NAME ("Max processes", "Max open files").
engine_hard_limit() {
	awk -v name="$1" 'index($0, name) == 1 {
		split(substr($0, length(name) + 1), f, " "); print f[2] }' /proc/self/limits |
		sed 's/^unlimited$/1048576/'
}

# The first flags under which `true` runs in image $1: podman's default
# runtime first (crun where it works), then runc; the default ulimits,
# then lower ones: runc cannot raise a limit above what the sandbox lets
# it set (seen: nproc 32768 passes where the shell's hard limit 96362
# fails), so nproc halves from the hard limit until a run passes.
engine_probe_run() {
	case $ENGINE in
	docker) return 0 ;;
	buildah) engine_say "buildah builds but cannot run the tests' containers: install podman"; return 1 ;;
	esac
	_engine_err=$(mktemp "${TMPDIR:-/tmp}/engine-probe.XXXXXX") || return 1
	_engine_nofile=$(engine_hard_limit "Max open files")
	_engine_found=""
	for _engine_rt in "" "--runtime runc"; do
		_engine_flags=$_engine_rt
		engine_try_run "$_engine_flags" "$1" && _engine_found=1 && break
		_engine_nproc=$(engine_hard_limit "Max processes")
		while [ "$_engine_nproc" -ge 1024 ]; do
			_engine_flags="$_engine_rt --ulimit nofile=$_engine_nofile:$_engine_nofile"
			_engine_flags="$_engine_flags --ulimit nproc=$_engine_nproc:$_engine_nproc"
			engine_try_run "$_engine_flags" "$1" && _engine_found=1 && break 2
			_engine_nproc=$((_engine_nproc / 2))
		done
	done
	if [ -z "$_engine_found" ]; then
		engine_say "podman cannot run a container here; its last error:"
		cat "$_engine_err" >&2
		rm -f "$_engine_err"
		return 1
	fi
	rm -f "$_engine_err"
	engine_set_flags "$_engine_flags"
}

engine_has_image() {
	engine_inspect '{{.Id}}' "$1" >/dev/null 2>&1
}

engine_pull() { # bounded: a black-holed registry must not hang make
	timeout 300 "$ENGINE" pull -q "$1"
}

engine_import() { # name label, then a tar of a root filesystem on stdin
	case $ENGINE in
	docker) docker import --change "LABEL $2" - "$1" ;;
	podman) podman import --quiet --change "LABEL $2" - "$1" ;;
	buildah) engine_say "buildah cannot import a root filesystem; install podman"; return 1 ;;
	esac
}

engine_inspect() { # go-template image
	case $ENGINE in
	buildah) buildah inspect --type image -f "$1" "$2" ;;
	*) "$ENGINE" image inspect -f "$1" "$2" ;;
	esac
}

# Remove containers (by name) and images, quietly: for clean-ups.
engine_rm() { # container...
	case $ENGINE in
	podman) podman rm -f -t 0 "$@" ;;
	docker) docker rm -f "$@" ;;
	esac >/dev/null 2>&1
	return 0
}

engine_rmi() { # image...
	$ENGINE rmi -f "$@" >/dev/null 2>&1
	return 0
}
