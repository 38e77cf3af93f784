#!/usr/bin/env bash
# prebake_static: the fully static prebake that Dockerfile.prebake ships
# FROM scratch. It must have no dynamic section, and, copied into an empty
# root holding nothing but itself and a model, run as the image's UID
# 65532 and write exactly the golden output of every tests/fixtures/prebake
# case: the situation of `docker run ... prebake /w/model -o /w/out`.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/assert.sh
. tests/lib/golden.sh
BUILD=${BUILD:-build}
BIN=$BUILD/prebake-static
RUN_UID=65532

if [ ! -x "$BIN" ]; then
	case $BUILD in
	*asan*) pass "# SKIP $BIN: sanitizer builds cannot link statically"; assert_done ;;
	*) flunk "$BIN is missing: make $BIN"; assert_done ;;
	esac
fi
if [ "$(id -u)" -ne 0 ]; then
	pass "# SKIP chroot needs root"
	assert_done
fi

check "file says statically linked" sh -c "file '$BIN' | grep -q 'statically linked'"
check "readelf -d: no dynamic section" sh -c "readelf -d '$BIN' 2>&1 | grep -q 'no dynamic section'"
check "readelf -l: no program interpreter" sh -c "! readelf -l '$BIN' | grep -q INTERP"

root=$(mktemp -d "${TMPDIR:-/tmp}/prebake-static.XXXXXX") || exit 1
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root" # mktemp makes it 0700: UID 65532 must get in
cp "$BIN" "$root/prebake"
mkdir -p "$root/w"
n=0
while read -r -a c; do
	name=${c[0]} dir=${c[1]} args=("${c[@]:2}")
	rm -rf "${root:?}/w/$name"
	cp -r "$dir" "$root/w/$name"
	rm -rf "$root/w/$name/expected"
	chown -R "$RUN_UID:$RUN_UID" "$root/w"
	if chroot --userspec="$RUN_UID:$RUN_UID" "$root" /prebake "/w/$name/${args[0]}" "${args[@]:1}" \
		-o "/w/$name/out" >"$root/$name.log" 2>&1 &&
		diff -r "$dir/expected" "$root/w/$name/out" >"$root/$name.diff"; then
		n=$((n + 1))
	else
		flunk "$name: the static prebake in an empty root did not write the golden output:"
		head -5 "$root/$name.log" "$root/$name.diff" 2>/dev/null | sed 's/^/    | /'
	fi
done < <(golden_cases)
if [ "$n" -gt 0 ]; then pass "$n golden cases written byte for byte in an empty root as UID $RUN_UID"; else
	flunk "no golden case ran"; fi
if [ -z "$(find "$root" -mindepth 1 -maxdepth 1 ! -name prebake ! -name w ! -name '*.log' ! -name '*.diff')" ]; then
	pass "nothing was written outside /w"
else
	flunk "written outside /w: $(find "$root" -mindepth 1 -maxdepth 1 | head -5)"
fi
assert_done
