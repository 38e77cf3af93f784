# shellcheck shell=bash
# rcd_assert.sh: calls to an rc server whose answers the test keeps, and
# assertions on them (bash, sourced after assert.sh and rcd.sh).
#   call NAME URL PATH JSON [CURL ARGS]
#                              rcd_call's output in $RCD_OUT/NAME.out, the
#                              status in $st; "path=PATH status=N" noted
#                              for the server at URL
#   note_call URL PATH STATUS  note a call made another way (rclone rc)
#   expect_status WANT NAME DESCRIPTION
#   jcheck DESCRIPTION NAME EXPR
#                              the Python expression EXPR is true of j, the
#                              JSON answer in $RCD_OUT/NAME.out
#   expect_rc_lines LOG URL DESCRIPTION
#                              LOG has exactly one msg=rc line per call
#                              noted for URL, in order, with its path and
#                              status
# RCD_OUT must name a directory (the test's own).

_rcd_calls() { printf '%s/calls.%s' "$RCD_OUT" "${1##*:}"; }

note_call() { printf 'path=%s status=%s\n' "$2" "$3" >>"$(_rcd_calls "$1")"; }

call() {
	local name=$1 url=$2 path=$3 json=$4
	shift 4
	curl -sS -X POST -H 'Content-Type: application/json' --data-binary "$json" \
		-w '\nstatus=%{http_code}\n' "$@" "$url/$path" >"$RCD_OUT/$name.out" 2>&1
	st=$(rcd_status "$(cat "$RCD_OUT/$name.out")")
	note_call "$url" "$path" "$st"
}

expect_status() {
	if [ "$st" = "$1" ]; then pass "$3 ($1)"; else
		flunk "$3: status ${st:-none}, want $1:"; head -c 600 "$RCD_OUT/$2.out" | sed 's/^/    | /'
	fi
}

jcheck() {
	if /usr/bin/python3 - "$RCD_OUT/$2.out" "$3" <<'EOF'; then pass "$1"; else
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
cut = text.rfind("\nstatus=")
j = json.loads(text[:cut] if cut >= 0 else text)
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
		flunk "$1: not true of the answer: $3"; head -c 600 "$RCD_OUT/$2.out" | sed 's/^/    | /'
	fi
}

expect_rc_lines() {
	local got want
	want=$(cat "$(_rcd_calls "$2")" 2>/dev/null)
	got=$(grep -E ' msg=rc( |$)' "$1" | sed -E 's/.* msg=rc path=([^ ]*) status=([0-9]+).*/path=\1 status=\2/')
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		pass "$3 ($(printf '%s\n' "$want" | wc -l) calls)"
	else
		flunk "$3: the calls and the msg=rc lines differ:"
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -20 | sed 's/^/    | /'
	fi
}
