#!/usr/bin/env bash
# localfault: the destination fails locally. DEST on a 2 MiB tmpfs that a
# 3 MiB model does not fit, a read-only mount, a folder that cannot be
# created, an unwritable DEST for a non-root user. Each gives exit 7 with a
# message naming the path, and leaves no temporary file behind.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
INITC=${INITC:-$here/../../build/initc}

mnt=$(mktemp -d "${TMPDIR:-/tmp}/localfault.XXXXXX") || exit 1
trap 'umount "$mnt" 2>/dev/null; rmdir "$mnt" 2>/dev/null' EXIT # s3env_start chains it
s3env_start >/dev/null || exit 1
s3env_mkbucket models
w=$S3ENV_DIR/w
mkdir -p "$w/src/sub" "$w/arch"
head -c $((3 * 1024 * 1024)) /dev/urandom >"$w/src/model.bin"
printf 'flavors: {}\n' >"$w/src/MLmodel"
echo small >"$w/src/sub/a.txt"
s3env_put_tree models m "$w/src"
head -c $((3 * 1024 * 1024)) /dev/zero >"$w/arch/zeros.bin" # 3 MiB unpacked, tiny packed
tar -czf "$w/model.tar.gz" -C "$w/arch" zeros.bin
s3env_put models a/model.tar.gz "$w/model.tar.gz"
s3env_rclone_env S3 >/dev/null
export INITC_TERMINATION_LOG=$w/termination-log RCLONE_LOW_LEVEL_RETRIES=2

if ! mount -t tmpfs -o size=2m,mode=0755 initc-test "$mnt" 2>"$w/mount.err"; then
	# only a non-root run may skip them; as root (CI) a failed mount is a failure
	if [ "$(id -u)" -ne 0 ]; then
		pass "# SKIP tmpfs cases: mount -t tmpfs needs root ($(head -1 "$w/mount.err"))"
	else
		flunk "tmpfs cases: mount -t tmpfs failed as root: $(head -1 "$w/mount.err")"
	fi
	mounted=0
else
	mounted=1
fi

if [ "$mounted" = 1 ]; then
	# 1. disk full: the 3 MiB object does not fit in 2 MiB
	"$INITC" --no-verify s3://models/m "$mnt/full" 2>"$w/log1"
	expect_rc 7 $? "disk full"
	expect_grep 'level=error .*cannot write [^ ]*/full/model\.bin: No space left on device' "$w/log1" \
		"disk full names the file and the cause"
	expect_grep 'No space left on device' "$w/termination-log" "termination log says why"
	no_temp_files "$mnt" "disk full: no temporary file left"
	check "disk full: no incomplete model.bin at its final path" test ! -e "$mnt/full/model.bin"
	used=$(df -k --output=used "$mnt" | tail -1 | tr -d ' ')
	if [ "$used" -lt 100 ]; then pass "disk full: the space was given back (${used} KiB used)"; else
		flunk "disk full: ${used} KiB still used"; fi
	rm -rf "${mnt:?}"/*

	# 2. an archive that fits packed but not unpacked
	"$INITC" --no-verify s3://models/a/model.tar.gz "$mnt/arch" 2>"$w/log2"
	expect_rc 7 $? "archive larger than the disk once unpacked"
	expect_grep 'level=error .*(No space left on device|zeros\.bin)' "$w/log2" "unpack failure names the cause"
	check "unpack: no partial zeros.bin at its final path" test ! -e "$mnt/arch/zeros.bin"
	left=$(find "$mnt/arch" -mindepth 1 ! -name model.tar.gz ! -name .initc.lock | head -3)
	if [ -z "$left" ]; then pass "unpack: no temporary file left"; else flunk "unpack left: $left"; fi
	rm -rf "${mnt:?}"/*

	# 3. a read-only mount
	mkdir -p "$mnt/ro"
	mount -o remount,ro "$mnt"
	"$INITC" --no-verify s3://models/m "$mnt/ro" 2>"$w/log3"
	expect_rc 7 $? "read-only DEST"
	expect_grep "level=error .*destination $mnt/ro is not a writable folder: Read-only file system" \
		"$w/log3" "read-only DEST named, with the cause"
	"$INITC" --no-verify s3://models/m "$mnt/ro/new/deeper" 2>"$w/log4"
	expect_rc 7 $? "DEST to be created on a read-only mount"
	expect_grep 'Read-only file system' "$w/log4" "missing DEST on a read-only mount explained"
	mount -o remount,rw "$mnt"
	no_temp_files "$mnt" "read-only: no temporary file left"
fi

# 4. a folder that cannot be created: a file stands where sub/ must go
mkdir -p "$w/blocked"
echo 'in the way' >"$w/blocked/sub"
"$INITC" --no-verify s3://models/m "$w/blocked" 2>"$w/log5"
expect_rc 7 $? "a file where a folder must be created"
expect_grep 'level=error .*cannot create folder [^ ]*/blocked/sub' "$w/log5" "the folder is named"
no_temp_files "$w/blocked" "blocked folder: no temporary file left"
check "blocked folder: the file in the way is untouched" grep -q 'in the way' "$w/blocked/sub"

# 5. an unwritable DEST for a non-root user (as Seldon's USER 8888 would be)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	mkdir -p "$w/ro-user" && chmod 555 "$w/ro-user"
	chmod 755 "$w" "$S3ENV_DIR"
	setpriv --reuid=65534 --regid=65534 --clear-groups env INITC_TERMINATION_LOG= \
		"$INITC" --no-verify s3://models/m "$w/ro-user" 2>"$w/log6"
	expect_rc 7 $? "DEST not writable by the user initc runs as"
	expect_grep 'is not a writable folder: Permission denied' "$w/log6" "permission problem explained"
	check "nothing written in the unwritable DEST" test -z "$(ls -A "$w/ro-user")"
else
	pass "non-root case skipped: needs root and setpriv to drop privileges"
fi
assert_done
