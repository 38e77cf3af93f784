# shellcheck shell=bash
# scripts/images on a bad day, making a base image of its own name (the
# real base is left alone): a debootstrap killed earlier left proc mounted
# inside the root, and two runs start at once. One makes the base, the
# other waits and finds it; the mount is gone; apt works inside the base
# with only Debian's sources. A bad IMAGE_TAG never reaches the engine.
set -u
. "$(dirname "$0")/lib.sh"
cd "$IMAGES_ROOT" || exit 1

base=localhost/initc-images-test:$$
w=$(mktemp -d "${TMPDIR:-/tmp}/images-script.XXXXXX") || exit 1
root=$IMAGES_ROOT/build-images/rootfs
trap 'umount -l "$root/proc" 2>/dev/null; engine_rmi "$base"; rm -rf "$w"' EXIT

if [ "$(id -u)" -ne 0 ]; then
	pass "# SKIP the leftover mount needs root (mount)"
else
	# what a debootstrap killed mid-run leaves behind
	mkdir -p "$root/proc"
	mount -t tmpfs none "$root/proc"
fi
INITC_BASE_IMAGE=$base scripts/images base >"$w/a.log" 2>&1 &
a=$!
INITC_BASE_IMAGE=$base scripts/images base >"$w/b.log" 2>&1 &
b=$!
wait "$a"
expect_rc 0 $? "two runs making the base at once: the first exits 0"
wait "$b"
expect_rc 0 $? "two runs making the base at once: the second exits 0"
cat "$w/a.log" "$w/b.log" >"$w/both.log"
check "one of them made the base, once" test "$(grep -c "made $base locally" "$w/both.log")" = 1
expect_grep "waiting for another scripts/images making $base" "$w/both.log" "the other one said it waits"
check "no mount left under build-images/" test -z "$(awk -v p="$IMAGES_ROOT/build-images/" 'index($2, p) == 1' /proc/self/mounts)"
check "the root folder is gone" test ! -e "$root"
expect_grep 'debootstrap --variant=minbase' <(engine_inspect '{{.Labels}}' "$base") "the base's label says how it was made"
# shellcheck disable=SC2086,SC2016 # ENGINE_RUN is a command line; the container's shell expands
$ENGINE_RUN --rm "$base" sh -c 'cat /etc/apt/sources.list.d/* && apt-get update -qq && echo apt-update-ok' \
	>"$w/apt.log" 2>&1
expect_grep '^apt-update-ok$' "$w/apt.log" "apt-get update works inside the base"
check "the base lists at most the mirror and its security suite" test "$(grep -c '^URIs:' "$w/apt.log")" -le 2

IMAGE_TAG='x;id' scripts/images >"$w/tag.log" 2>&1
expect_rc 2 $? "a bad IMAGE_TAG is refused before any build"
expect_grep "IMAGE_TAG='x;id' is not an image tag" "$w/tag.log" "the message names the tag"
assert_done
