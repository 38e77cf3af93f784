# shellcheck shell=bash
# rcd.sh: start an rc server (initc rcd, or Debian's rclone rcd) on
# 127.0.0.1 and call it, for integration tests (bash, sourced after
# assert.sh).
#   rcd_start NAME LOG CMD...   start CMD (its stderr to LOG) with
#                               --rc-addr=127.0.0.1:0 added; waits for its
#                               "serving" line; sets RCD_URL_<NAME> and
#                               RCD_PID_<NAME> (the server's own PID);
#                               rcd_stop_all stops them (call it at exit)
#   rcd_call URL PATH JSON      POST JSON to URL/PATH: prints the body, then
#                               a last line "status=N"
#   rcd_status OUTPUT           the N of rcd_call's last line
# Both servers are told port 0 and their listening port is read off
# their log: initc logs "serving ... port=N", rclone "Serving remote
# control on http://127.0.0.1:N/".

RCD_PIDS=()
rcd_stop_all() {
	local p
	for p in "${RCD_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${RCD_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	RCD_PIDS=()
}

rcd_port_in() {
	sed -n -e 's/.*msg="serving the rclone rc API".* port=\([0-9]*\).*/\1/p' \
		-e 's|.*Serving remote control on http://[^:]*:\([0-9]*\)/.*|\1|p' "$1" | head -1
}

rcd_start() {
	local name=$1 log=$2 i port
	shift 2
	INITC_LOG_LEVEL=info timeout 900 "$@" --rc-addr=127.0.0.1:0 2>"$log" &
	local pid=$!
	RCD_PIDS+=("$pid")
	for ((i = 0; i < 6000; i++)); do
		port=$(rcd_port_in "$log")
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	if [ -z "$port" ]; then
		flunk "$name did not start serving:"; sed 's/^/    | /' "$log" | head -20
		return 1
	fi
	printf -v "RCD_URL_$name" 'http://127.0.0.1:%s' "$port"
	# the server itself, not timeout(1) that runs it: its memory is measured
	printf -v "RCD_PID_$name" '%s' "$(pgrep -P "$pid" | head -1)"
}

rcd_call() {
	curl -sS -X POST -H 'Content-Type: application/json' --data-binary "$3" \
		-w '\nstatus=%{http_code}\n' "$1/$2"
}

rcd_status() { printf '%s\n' "$1" | sed -n 's/^status=//p' | tail -1; }
