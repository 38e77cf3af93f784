#!/usr/bin/env bash
# faults: initc through a gateway that resets, stalls, truncates, lies about
# ranges and answers 503/500 (with Retry-After too), and across an S3 server
# killed mid-download.
# Each case must end with DEST byte-identical to the source (sha256) or with
# the documented exit code, no *.initc.partial left and no incomplete file
# at a final path. Prints a table: case | outcome | retries | seconds.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
. "$here/../lib/fault.sh"
INITC=${INITC:-$here/../../build/initc}

fault_start >/dev/null || exit 1
s3env_mkbucket models
w=$S3ENV_DIR/w
mkdir -p "$w/src"
# 4 MiB + a bit: above the 1Mi cutoff, so 4 ranged parts of ~1 MiB
head -c $((4 * 1024 * 1024 + 4321)) /dev/urandom >"$w/src/model.bin"
head -c 300000 /dev/urandom >"$w/src/small.bin" # one stream
printf 'flavors: {}\n' >"$w/src/MLmodel"
s3env_put_tree models m "$w/src"
s3env_rclone_env S3 >/dev/null
export RCLONE_MULTI_THREAD_CUTOFF=1Mi RCLONE_MULTI_THREAD_STREAMS=4 RCLONE_TIMEOUT=2s \
	RCLONE_CONTIMEOUT=2s RCLONE_LOW_LEVEL_RETRIES=10 INITC_TERMINATION_LOG=$w/termination-log
(cd "$w/src" && sha256sum -- * | sort -k2) >"$w/src.sha256"
sums=$w/src.sha256 # what finish_case compares DEST with

table=()

# run_case NAME WANT_RC RULES [VAR=VALUE...]: WANT_RC 0 means "identical copy".
run_case() {
	local name=$1 want=$2 rules=$3 dest=$w/out/$1 log=$w/$1.log mark start rc secs retries
	shift 3
	fault_set "$rules"
	mark=$(s3env_log_mark)
	start=$(date +%s%N)
	env "$@" "$INITC" --no-verify s3://models/m "$dest" 2>"$log"
	rc=$?
	secs=$((($(date +%s%N) - start) / 1000000))
	fault_clear
	finish_case "$name" "$want" "$rc" "$secs" "$mark"
}

# finish_case NAME WANT_RC RC MILLISECONDS MARK: the assertions and the table row.
finish_case() {
	local name=$1 want=$2 rc=$3 secs dest=$w/out/$1 log=$w/$1.log mark=$5 retries outcome faults f n
	secs=$(printf '%d.%02d' $(($4 / 1000)) $(($4 % 1000 / 10)))
	# the summary counts retried parts; listing retries are logged apart
	retries=$(sed -n 's/.*msg="download complete".* retries=\([0-9]*\).*/\1/p' "$log")
	[ -n "$retries" ] || retries=$(grep 'msg=retrying' "$log" | grep -c ' path=')
	n=$(grep 'msg=retrying' "$log" | grep -c ' request=')
	[ "$n" -eq 0 ] || retries="$retries+${n}L"
	faults=$(tail -n +"$((mark + 1))" "$S3GATE_LOG" | grep -c '"fault"' || true)
	if [ "$faults" -gt 0 ]; then pass "$name: the gateway injected the fault ($faults requests)"; else
		flunk "$name: no request was faulted (the case tests nothing)"; fi
	no_temp_files "$dest" "$name: no temporary file left"
	if [ "$want" -eq 0 ]; then
		if [ "$rc" -eq 0 ] && (cd "$dest" && sha256sum -- * | sort -k2) | cmp -s - "$sums"; then
			outcome=identical
			pass "$name: DEST is byte-identical to the source (sha256)"
		else
			outcome="exit $rc"
			flunk "$name: exit $rc, DEST differs from the source"
			grep -E 'level=(error|warn)' "$log" | head -5 | sed 's/^/    | /'
		fi
	else
		outcome="exit $rc"
		expect_rc "$want" "$rc" "$name: fails with the documented code"
		expect_grep 'level=error.*exit_code='"$want" "$log" "$name: one error line names the failure"
		# whatever is at a final path must be complete
		for f in "$dest"/*; do
			[ -e "$f" ] || continue
			if grep -q " ${f##*/}\$" "$sums" &&
				[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$(grep " ${f##*/}\$" "$sums" | cut -d' ' -f1)" ]; then
				:
			else
				flunk "$name: ${f##*/} is at its final path but incomplete"
				outcome="$outcome, incomplete ${f##*/}"
			fi
		done
		pass "$name: no incomplete file at a final path"
	fi
	table+=("$(printf '%-22s | %-12s | %7s | %7s' "$name" "$outcome" "$retries" "$secs")")
}

OBJ='"method": "GET", "path": "/models/m/model\\.bin"'
SMALL='"method": "GET", "path": "/models/m/small\\.bin"'
LIST='"method": "GET", "path": "[?&]list-type=2"'

run_case reset-random 0 "[{$OBJ, \"range\": true, \"action\": \"reset\", \"after\": [1, 1000000], \"times\": 4}]"
run_case reset-at-headers 0 "[{$OBJ, \"action\": \"reset\", \"after\": 0, \"times\": 2}]"
run_case slowdown-burst 0 "[{$OBJ, \"action\": \"status\", \"status\": 503, \"code\": \"SlowDown\", \"times\": 5}]"
run_case slowdown-listing 0 "[{$LIST, \"action\": \"status\", \"status\": 503, \"code\": \"SlowDown\", \"times\": 3}]"
# Retry-After: 1 on a listing is honoured: the wait logged is the second
# asked for (plus at most a tenth of jitter), not the 100-200 ms backoff.
# The logged wait is asserted, not the wall clock, which a slow machine
# would stretch anyway.
run_case retry-after-listing 0 "[{$LIST, \"action\": \"status\", \"status\": 503, \"code\": \"SlowDown\", \"retry_after\": 1, \"times\": 1}]"
wait_ms=$(sed -n 's/.*msg=retrying request=.* wait_ms=\([0-9]*\) .*/\1/p' "$w/retry-after-listing.log")
if [ "$(printf '%s\n' "$wait_ms" | wc -w)" -eq 1 ] && [ "$wait_ms" -ge 1000 ] && [ "$wait_ms" -le 1100 ]; then
	pass "retry-after-listing: the listing was retried after the 1 s asked for (wait_ms=$wait_ms)"
else
	flunk "retry-after-listing: want one listing retry with 1000 <= wait_ms <= 1100, got '${wait_ms//$'\n'/ }'"
	grep 'msg=retrying' "$w/retry-after-listing.log" | sed 's/^/    | /'
fi
run_case error-500 0 "[{\"method\": \"GET\", \"path\": \"/models/m/\", \"action\": \"status\", \"status\": 500, \"code\": \"InternalError\", \"times\": 3}]"
run_case stall-over-timeout 0 "[{$OBJ, \"range\": true, \"action\": \"stall\", \"after\": 200000, \"seconds\": 5, \"times\": 1}]"
# without the idle timeout the copy would still be identical, 5 s later: the
# retry is what shows RCLONE_TIMEOUT=2s cut the stalled transfer
expect_grep 'msg=retrying.*no data for 2 s \(RCLONE_TIMEOUT\)' "$w/stall-over-timeout.log" \
	"stall-over-timeout: the stalled transfer was cut and retried"
run_case truncate-ranged 0 "[{$OBJ, \"range\": true, \"action\": \"truncate\", \"times\": 3}]"
run_case truncate-single 0 "[{$SMALL, \"action\": \"truncate\", \"after\": 123457, \"times\": 1}]"
run_case full-body-to-range 0 "[{$OBJ, \"range\": true, \"action\": \"ignore_range\", \"times\": 1}]"
# the first part is complete before the others learn the server ignores ranges
run_case full-body-late 0 "[{$OBJ, \"range\": \"^bytes=[1-9]\", \"action\": \"ignore_range\", \"delay\": 1.5, \"times\": 0}]"
run_case wrong-content-range 0 "[{$OBJ, \"range\": true, \"action\": \"bad_range\", \"shift\": 1, \"times\": 2}]"
run_case wrong-range-always 6 "[{$OBJ, \"range\": true, \"action\": \"bad_range\", \"shift\": -7, \"times\": 0}]" \
	RCLONE_LOW_LEVEL_RETRIES=3
run_case slowdown-forever 5 "[{$OBJ, \"action\": \"status\", \"status\": 503, \"times\": 0}]" \
	RCLONE_LOW_LEVEL_RETRIES=3
run_case stall-forever 5 "[{$SMALL, \"action\": \"stall\", \"after\": 1000, \"seconds\": 8, \"times\": 0}]" \
	RCLONE_LOW_LEVEL_RETRIES=2

# The S3 server killed mid-download and restarted on the same port and data
# folder. The gateway reads the body slowly, so the kill lands while s3rver
# is still sending: 8 MiB parts are more than the socket buffers hold.
name=server-restart
mkdir -p "$w/big"
head -c $((32 * 1024 * 1024)) /dev/urandom >"$w/big/model.bin"
s3env_put models r/model.bin "$w/big/model.bin"
(cd "$w/big" && sha256sum -- *) >"$w/big.sha256"
sums=$w/big.sha256
fault_set '[{"method": "GET", "path": "/models/r/model\\.bin", "action": "slow", "rate": 2000000, "times": 4}]'
mark=$(s3env_log_mark)
start=$(date +%s%N)
"$INITC" --no-verify s3://models/r "$w/out/$name" 2>"$w/$name.log" &
initc_pid=$!
sleep 1.2
if fault_s3rver_kill; then
	pass "$name: s3rver killed while initc was downloading"
	sleep 1.5
	check "$name: s3rver restarted on the same port" fault_s3rver_start
else
	flunk "$name: could not kill s3rver"
fi
for ((i = 0; i < 600; i++)); do kill -0 "$initc_pid" 2>/dev/null || break; sleep 0.1; done
kill "$initc_pid" 2>/dev/null
wait "$initc_pid"
rc=$?
fault_clear
check "$name: initc met the dead server (a retry was logged)" grep -q 'msg=retrying' "$w/$name.log"
finish_case "$name" 0 "$rc" $((($(date +%s%N) - start) / 1000000)) "$mark"

echo "# case                   | outcome      | retries | seconds"
printf '# %s\n' "${table[@]}"
assert_done
