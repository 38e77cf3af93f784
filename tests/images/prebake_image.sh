# shellcheck shell=bash
# The prebake image (Dockerfile.prebake, built by `make images`) on every
# golden case of tests/fixtures/prebake, as a CI job runs it: its default
# user (no --user), a read-only root, the model mounted read-only and an
# output folder any UID may write. The output must be the golden's, byte
# for byte.
set -u
. "$(dirname "$0")/lib.sh"
. "$IMAGES_ROOT/tests/lib/golden.sh"
cd "$IMAGES_ROOT" || exit 1

w=$(mktemp -d "${TMPDIR:-/tmp}/prebake-image.XXXXXX") || exit 1
trap 'rm -rf "$w"' EXIT

user=$(engine_inspect '{{.Config.User}}' "$PREBAKE_IMAGE")
check "the prebake image's default user is not root ($user)" test -n "$user" -a "${user%%:*}" != 0 -a "${user%%:*}" != root

n=0
while read -r -a c; do
	name=${c[0]} dir=${c[1]} args=("${c[@]:2}")
	engine_user_dir "$w/$name"
	# shellcheck disable=SC2086 # ENGINE_RUN is a command line
	if $ENGINE_RUN --rm "${READ_ONLY[@]}" -v "$PWD/$dir:/w/in:ro" -v "$w/$name:/w/out" \
		"$PREBAKE_IMAGE" "/w/in/${args[0]}" "${args[@]:1}" -o "/w/out/result" \
		>"$w/$name.log" 2>&1 &&
		diff -r "$dir/expected" "$w/$name/result" >"$w/$name.diff"; then
		n=$((n + 1))
	else
		flunk "$name: the prebake image did not write the golden output:"
		head -5 "$w/$name.log" "$w/$name.diff" 2>/dev/null | sed 's/^/    | /'
	fi
	owner=$(stat -c %u "$w/$name/result/Dockerfile" 2>/dev/null)
	[ -z "$owner" ] || [ "$owner" != 0 ] || flunk "$name: the output belongs to root"
done < <(golden_cases)
if [ "$n" -gt 0 ] && [ "$n" -eq "$(golden_cases | wc -l)" ]; then
	pass "all $n golden cases written byte for byte by the image, as its default user, on a read-only root"
else
	flunk "$n of $(golden_cases | wc -l) golden cases matched"
fi

# A model folder the image cannot read is a clear error, not a crash.
engine_user_dir "$w/none"
# shellcheck disable=SC2086
$ENGINE_RUN --rm "${READ_ONLY[@]}" -v "$w/none:/w/out" "$PREBAKE_IMAGE" /w/in/missing -o /w/out/x \
	>"$w/none.log" 2>&1
expect_rc 2 $? "a missing model folder is refused (usage)"
expect_grep 'missing' "$w/none.log" "the error names the path"
assert_done
