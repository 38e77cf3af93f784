# shellcheck shell=bash
# Sourced by tests/images/*.sh (run by `make check-images`, after
# `make images`): the assertions of tests/lib/assert.sh, and the engine of
# scripts/engine.sh with its run flags probed on this machine.
#   IMAGE_TAG        the tag `make images` built (dev)
#   INIT_IMAGE       initc:$IMAGE_TAG      PREBAKE_IMAGE  prebake:$IMAGE_TAG
#   INITC_BASE_IMAGE the Debian base scripts/images made or pulled
#   ENGINE, ENGINE_BUILD, ENGINE_RUN, ENGINE_RUN_NONET   as scripts/engine.sh sets them
#   READ_ONLY        run flags for a read-only root as Kubernetes gives it
#   SELDON_V1, KSERVE  run flags of each operator's init container
IMAGES_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$IMAGES_ROOT/tests/lib/assert.sh"
. "$IMAGES_ROOT/scripts/engine.sh"
IMAGE_TAG=${IMAGE_TAG:-dev}
INIT_IMAGE=${INIT_IMAGE:-initc:$IMAGE_TAG}
PREBAKE_IMAGE=${PREBAKE_IMAGE:-prebake:$IMAGE_TAG}
INITC_BASE_IMAGE=${INITC_BASE_IMAGE:-docker.io/library/debian:bookworm-slim}

engine_pick || { flunk "a container engine (install podman or start docker)"; exit 1; }
engine_probe_run "$INITC_BASE_IMAGE" || { flunk "$ENGINE can run a container here"; exit 1; }
for _img in "$INIT_IMAGE" "$PREBAKE_IMAGE"; do
	engine_has_image "$_img" || { flunk "$_img exists (run: make images)"; exit 1; }
done
unset _img

# readOnlyRootFilesystem: no writable /tmp either (podman's --read-only
# alone would add tmpfs mounts that a pod does not have).
READ_ONLY=(--read-only)
[ "$ENGINE" = podman ] && READ_ONLY+=(--read-only-tmpfs=false)

# How the operators run an init container: Seldon Core v1 as UID 8888,
# KServe as UID 1000, both on a read-only root.
SELDON_V1=(--user 8888 "${READ_ONLY[@]}")
KSERVE=(--user 1000 "${READ_ONLY[@]}")

# engine_user_dir DIR: a folder any UID may write, as an emptyDir is (0777).
engine_user_dir() { mkdir -p "$1" && chmod 0777 "$1"; }
