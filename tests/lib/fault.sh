# shellcheck shell=bash
# fault.sh: scripted faults for integration tests (bash, sourced after
# s3env.sh).
#
#   fault_start                 s3env_start with a gateway reading the fault
#                               rules of $FAULT_FILE (tests/lib/s3gate.py,
#                               class Faults, documents the rule format)
#   fault_set '[{...}, ...]'    replace the rules (atomic rename: the gateway
#                               re-reads them and restarts its counters)
#   fault_clear                 no faults
#   fault_count ACTION [MARK]   requests the gateway applied ACTION to since
#                               line MARK of S3GATE_LOG (s3env_log_mark)
#   fault_s3rver_kill           SIGKILL s3rver (the upstream), as a crash
#   fault_s3rver_start          start it again on the same port and data dir
#
# Exports FAULT_FILE and FAULT_DIR (removed at exit, like S3ENV_DIR).

fault_start() { # [more s3gate options]
	# S3ENV_DIR does not exist before s3env_start: the rules file lives in
	# a directory of our own, removed by the EXIT trap set below.
	FAULT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fault.XXXXXX") || return 1
	export FAULT_DIR FAULT_FILE=$FAULT_DIR/faults.json
	echo '[]' >"$FAULT_FILE"
	s3env_start --faults "$FAULT_FILE" "$@" || return 1
	local old_trap
	old_trap=$(trap -p EXIT)
	old_trap=${old_trap#"trap -- '"}
	old_trap=${old_trap%"' EXIT"}
	# shellcheck disable=SC2064 # expand now: the directory name is fixed
	trap "rm -rf '$FAULT_DIR'; ${old_trap//"'\\''"/"'"}" EXIT
}

fault_set() { # json
	printf '%s\n' "$1" >"$FAULT_FILE.tmp" && mv -f "$FAULT_FILE.tmp" "$FAULT_FILE"
}

fault_clear() { fault_set '[]'; }

fault_count() { # action [mark]
	tail -n +"$((${2:-0} + 1))" "$S3GATE_LOG" | grep -c "\"fault\": \"$1\"" || true
}

# The s3rver process: the `node` child of the `timeout` s3env started it
# under (the first tracked pid whose command line names s3rver).
_fault_s3rver_pid() {
	local pid child
	while read -r pid; do
		grep -qa s3rver "/proc/$pid/cmdline" 2>/dev/null || continue
		child=$(pgrep -P "$pid" | head -1)
		echo "${child:-$pid}"
		return 0
	done <"$S3ENV_DIR/pids"
	return 1
}

fault_s3rver_kill() {
	local pid i
	pid=$(_fault_s3rver_pid) || { echo "fault: no s3rver to kill" >&2; return 1; }
	kill -9 "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
	echo "fault: s3rver $pid survived SIGKILL" >&2
	return 1
}

fault_s3rver_start() {
	local bin=$S3ENV_ROOT/tests/node_modules/.bin/s3rver port=${S3_UPSTREAM##*:} pid i
	: >"$S3ENV_DIR/s3rver2.out"
	NODE_OPTIONS=--openssl-legacy-provider timeout "$S3ENV_MAX_SECONDS" \
		node "$bin" -d "$S3ENV_DIR/data" -a 127.0.0.1 -p "$port" --silent \
		>"$S3ENV_DIR/s3rver2.out" 2>"$S3ENV_DIR/s3rver2.err" </dev/null &
	pid=$!
	disown "$pid" 2>/dev/null
	echo "$pid" >>"$S3ENV_DIR/pids" # s3env_stop kills it
	for ((i = 0; i < 200; i++)); do # bounded: 10 s
		grep -q 'listening' "$S3ENV_DIR/s3rver2.out" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "fault: s3rver did not restart on port $port:" >&2
	cat "$S3ENV_DIR/s3rver2.err" >&2
	return 1
}
