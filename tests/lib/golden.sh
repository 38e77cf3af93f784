# shellcheck shell=bash
# golden.sh: the prebake golden cases, for the tests that run prebake on
# each (sourced). golden_cases prints one line per tests/fixtures/prebake
# case that has an args file: "NAME DIR INPUT FLAGS...", INPUT relative to
# DIR. Read it with:
#   while read -r -a c; do name=${c[0]} dir=${c[1]} args=("${c[@]:2}"); ...; done < <(golden_cases)
golden_cases() {
	local dir
	for dir in tests/fixtures/prebake/*/; do
		dir=${dir%/}
		[ -f "$dir/args" ] && printf '%s %s %s\n' "${dir##*/}" "$dir" "$(head -1 "$dir/args")"
	done
}
