# Sourced by scripts/images and tests/images/*: find a container engine
# that works on this machine and the flags it needs. Sets
#   ENGINE        docker, podman or buildah (buildah builds, never runs)
#   ENGINE_BUILD  the build command, base images never pulled
#   ENGINE_RUN    the run command ("" with buildah)
# Detected, not assumed: a Docker engine that answers wins; podman's
# runtime and ulimits are probed with one run of a local image.

engine_say() { echo "images: $*" >&2; }

# Pick the engine; no run is probed yet (no image may exist yet).
engine_pick() {
	if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
		ENGINE=docker
	elif command -v podman >/dev/null 2>&1; then
		ENGINE=podman
	elif command -v buildah >/dev/null 2>&1; then
		ENGINE=buildah
	else
		engine_say "no container engine: install podman (apt-get install podman runc)" \
			"or start a Docker engine"
		return 1
	fi
	case $ENGINE in
	docker) ENGINE_BUILD="docker build" ;;
	podman) ENGINE_BUILD="podman build --pull=never --network host" ;;
	buildah) ENGINE_BUILD="buildah bud --pull=never --isolation chroot --network host" ;;
	esac
	ENGINE_RUN=""
}

# The first run flags under which `true` runs in $1: podman's default
# runtime first (crun where it works), then runc; the default ulimits,
# then lower ones: runc cannot raise a limit above what the sandbox lets
# it set (seen: nproc 32768 passes where the shell's hard limit 96362
# fails), so nproc halves from the hard limit until a run passes.
engine_try_run() { # flags image (flags: a word list, split on purpose)
	# shellcheck disable=SC2086
	podman run --rm --network host $1 "$2" true >/dev/null 2>"$engine_probe_err"
}

# This shell's hard limit NAME ("Max processes", "Max open files").
engine_hard_limit() {
	awk -v name="$1" 'index($0, name) == 1 { n = split(substr($0, length(name) + 1), f, " "); print f[2] }' /proc/self/limits
}

engine_probe_run() {
	image=$1
	case $ENGINE in
	docker) ENGINE_RUN="docker run"; return 0 ;;
	buildah) return 1 ;;
	esac
	engine_probe_err=${TMPDIR:-/tmp}/engine-probe.$$
	nofile=$(engine_hard_limit "Max open files")
	[ "$nofile" = unlimited ] && nofile=1048576
	for runtime in "" "--runtime runc"; do
		flags=$runtime
		engine_try_run "$flags" "$image" && found=1 && break
		nproc=$(engine_hard_limit "Max processes")
		[ "$nproc" = unlimited ] && nproc=1048576
		while [ "$nproc" -ge 1024 ]; do
			flags="$runtime --ulimit nofile=$nofile:$nofile --ulimit nproc=$nproc:$nproc"
			engine_try_run "$flags" "$image" && found=1 && break 2
			nproc=$((nproc / 2))
		done
	done
	if [ -z "${found:-}" ]; then
		engine_say "podman cannot run a container here; its last error:"
		cat "$engine_probe_err" >&2
		rm -f "$engine_probe_err"
		return 1
	fi
	rm -f "$engine_probe_err"
	ENGINE_RUN="podman run --network host $flags"
}

engine_has_image() {
	case $ENGINE in
	docker) docker image inspect "$1" >/dev/null 2>&1 ;;
	podman) podman image exists "$1" ;;
	buildah) buildah inspect --type image "$1" >/dev/null 2>&1 ;;
	esac
}

engine_pull() {
	case $ENGINE in
	docker) docker pull -q "$1" ;;
	podman) podman pull -q "$1" ;;
	buildah) buildah pull -q "$1" ;;
	esac
}

engine_import() { # name, then a tar of a root filesystem on stdin
	case $ENGINE in
	docker) docker import --change "LABEL $2" - "$1" ;;
	podman) podman import --quiet --change "LABEL $2" - "$1" ;;
	buildah) engine_say "buildah cannot import a root filesystem; install podman"; return 1 ;;
	esac
}

engine_inspect() { # go-template image
	case $ENGINE in
	docker) docker image inspect -f "$1" "$2" ;;
	podman) podman image inspect -f "$1" "$2" ;;
	buildah) buildah inspect --type image -f "$1" "$2" ;;
	esac
}
