#!/usr/bin/env bash
# Local sources (a mounted PVC): a folder is copied like a prefix, links to
# files are copied as files, a dangling link or unreadable folder is an
# error rather than a silently missing file, and a second run skips.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
INITC=${INITC:-$here/../../build/initc}
w=$(mktemp -d "${TMPDIR:-/tmp}/initc-local.XXXXXX")
trap 'chmod -R u+rwx "$w" 2>/dev/null; rm -rf "$w"' EXIT
export INITC_TERMINATION_LOG=$w/term

mkdir -p "$w/pvc/model/sub" "$w/pvc/blobs"
head -c 50000 /dev/urandom >"$w/pvc/blobs/abc123"
printf 'flavors: {}\n' >"$w/pvc/model/MLmodel"
echo nested >"$w/pvc/model/sub/a.txt"
ln -s ../blobs/abc123 "$w/pvc/model/model.bin"

"$INITC" --no-verify "$w/pvc/model" "$w/out" 2>"$w/log1"
expect_rc 0 $? "copy a local folder"
check "a link to a file is copied as the file" cmp -s "$w/pvc/blobs/abc123" "$w/out/model.bin"
check "the copy is a regular file" test -f "$w/out/model.bin" -a ! -L "$w/out/model.bin"
check "nested files copied" cmp -s "$w/pvc/model/sub/a.txt" "$w/out/sub/a.txt"
expect_grep 'msg="download complete".* files=3 ' "$w/log1" "summary counts 3 files"

"$INITC" --no-verify "$w/pvc/model/MLmodel" "$w/one" 2>/dev/null
expect_rc 0 $? "copy one local file"
check "one file lands inside DEST" test -f "$w/one/MLmodel"

ln -s ../blobs/missing "$w/pvc/model/dangling.bin"
"$INITC" --no-verify "$w/pvc/model" "$w/out2" 2>"$w/log2"
expect_rc 7 $? "a dangling link is an error"
expect_grep 'dangling.bin is a symbolic link to nothing' "$w/log2" "the dangling link is named"
rm "$w/pvc/model/dangling.bin"

"$INITC" --no-verify "$w/pvc/nope" "$w/out3" 2>"$w/log3"
expect_rc 4 $? "a missing local source is not found"
# an unreadable folder (root reads everything, so run as nobody then)
mkdir "$w/pvc/model/locked" && chmod 000 "$w/pvc/model/locked"
as_user=()
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$w" && chmod -R a+rX "$w/pvc" && chmod 000 "$w/pvc/model/locked"
	mkdir -m 777 "$w/out4"
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
"${as_user[@]}" env INITC_TERMINATION_LOG= "$INITC" --no-verify "$w/pvc/model" "$w/out4/dest" 2>"$w/log4"
expect_rc 7 $? "an unreadable folder is an error"
expect_grep 'cannot read .*locked' "$w/log4" "the unreadable folder is named"
no_temp_files "$w" "no temporary file left anywhere"
assert_done
