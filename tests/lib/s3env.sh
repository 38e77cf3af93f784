# shellcheck shell=bash
# s3env.sh: an S3 test environment for integration tests (bash, sourced).
#
#   . "$(dirname "$0")/../lib/s3env.sh"
#   s3env_start                      # s3rver + a SigV4-verifying s3gate
#   s3env_mkbucket models
#   s3env_put models "iris/model.pkl" ./model.pkl
#   s3env_rclone_env S3 >/dev/null   # RCLONE_CONFIG_S3_* for the gateway
#   "$INITC" s3://models/iris "$dir"
#   s3env_assert_all_signed          # prints ok/not ok
#
# s3env_start exports:
#   S3_ENDPOINT    http://127.0.0.1:P  the verifying gateway (point tools here)
#   S3_UPSTREAM    http://127.0.0.1:P  s3rver itself (unsigned set-up only)
#   S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION   the keys the gateway accepts
#   S3GATE_LOG     the gateway's JSON-lines log, one line per request
#   S3ENV_DIR      a private temp dir, removed at exit (tests may use it)
# Functions:
#   s3env_start [s3gate options]   start both servers (about 0.7 s)
#   s3env_start_gate LOG [opts]    one more gateway on the same s3rver (e.g.
#                                  --allow-anonymous, --session-token T,
#                                  --no-if-match); prints its URL
#   s3env_mkbucket B; s3env_put B KEY FILE; s3env_put_tree B PREFIX DIR
#   s3env_put_multipart B KEY FILE [PART_SIZE]
#                                  a multipart upload (parts of PART_SIZE
#                                  bytes, default 5 MiB): the object's ETag
#                                  is S3's "<hex>-N", not its MD5
#   s3env_uri_encode KEY           SigV4 percent-encoding of an S3 key
#   s3env_log_mark                 position in S3GATE_LOG, for the next two
#   s3env_sig_summary [MARK]       "ok=N bad=N anonymous=N"
#   s3env_assert_all_signed [MARK] prints ok/not ok; returns 1 on not ok
#   s3env_rclone_env REMOTE        export + print RCLONE_CONFIG_<REMOTE>_*
#   s3env_stop                     stop servers, remove S3ENV_DIR
# Settings: S3ENV_MAX_SECONDS (900) bounds the servers' lifetime,
# S3ENV_PYTHON (/usr/bin/python3, which has python3-botocore).
#
# Clean-up: s3env_start adds s3env_stop to the EXIT trap (keeping the trap
# already set).  A test that sets its own EXIT trap afterwards must call
# s3env_stop in it.  Both servers also run under `timeout` and a watchdog
# stops them within a second or two of the test shell dying.
#
# Sourcing this file clears AWS_*, RCLONE_* and the CA-bundle variables
# these machines export (AWS_CA_BUNDLE breaks rclone on http endpoints), so
# a test sees only what it sets itself.

S3ENV_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
S3ENV_ROOT=$(cd "$S3ENV_LIB/../.." && pwd)
S3ENV_PYTHON=${S3ENV_PYTHON:-/usr/bin/python3}
S3ENV_MAX_SECONDS=${S3ENV_MAX_SECONDS:-900}
S3ENV_START_TIMEOUT=15

unset AWS_CA_BUNDLE SSL_CERT_FILE CURL_CA_BUNDLE
for _s3env_var in $(compgen -e); do
	case $_s3env_var in AWS_* | RCLONE_*) unset "$_s3env_var" ;; esac
done
unset _s3env_var

s3env_die() {
	echo "not ok - s3env: $*"
	exit 1
}

# Percent-encode an S3 key the SigV4 way: every UTF-8 byte except
# A-Z a-z 0-9 - . _ ~ and /, upper-case hex.
s3env_uri_encode() {
	local LC_ALL=C s=$1 out='' c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~/-]) out+=$c ;;
		*) printf -v c '%%%02X' "'$c"; out+=$c ;;
		esac
	done
	printf '%s\n' "$out"
}

# Wait until FILE holds a line matching the sed expression, print the
# capture.  Bounded by S3ENV_START_TIMEOUT; fails early if PID died.
_s3env_wait_port() { # file sed-expr pid what
	local i got
	for ((i = 0; i < S3ENV_START_TIMEOUT * 20; i++)); do
		got=$(sed -n "$2" "$1" 2>/dev/null)
		[ -n "$got" ] && { printf '%s\n' "$got"; return 0; }
		kill -0 "$3" 2>/dev/null || break
		sleep 0.05
	done
	echo "s3env: $4 did not start; its output:" >&2
	cat "$S3ENV_DIR"/*.err >&2 2>/dev/null
	return 1
}

_s3env_track() { echo "$1" >>"$S3ENV_DIR/pids"; }

# Start one more gateway in front of the same s3rver, e.g. with
# --allow-anonymous, --session-token T or --no-if-match; prints its
# endpoint URL.  The first argument names its log file (inside S3ENV_DIR
# unless absolute).  --upstream-data lets its replace faults give
# multipart uploads S3's ETags.
s3env_start_gate() { # log [s3gate options...]
	local log=$1 name pid port
	shift
	case $log in /*) ;; *) log=$S3ENV_DIR/$log ;; esac
	name=$(basename "$log" .log)
	rm -f "$S3ENV_DIR/$name.port"
	S3GATE_SECRET_KEY=$S3_SECRET_KEY timeout "$S3ENV_MAX_SECONDS" \
		"$S3ENV_PYTHON" "$S3ENV_LIB/s3gate.py" \
		--upstream "${S3_UPSTREAM#http://}" \
		--access-key "$S3_ACCESS_KEY" --region "$S3_REGION" \
		--port-file "$S3ENV_DIR/$name.port" --log "$log" \
		--upstream-data "$S3ENV_DIR/data" \
		--max-seconds "$S3ENV_MAX_SECONDS" --watch-pid "$S3ENV_SHELL" "$@" \
		>"$S3ENV_DIR/$name.out" 2>"$S3ENV_DIR/$name.err" </dev/null &
	pid=$!
	disown "$pid" 2>/dev/null # a test's bare `wait` must not wait for us
	_s3env_track "$pid"
	port=$(_s3env_wait_port "$S3ENV_DIR/$name.port" 's/^\([0-9][0-9]*\)$/\1/p' "$pid" "s3gate ($name)") || return 1
	printf 'http://127.0.0.1:%s\n' "$port"
}

_s3env_start_s3rver() {
	local bin=$S3ENV_ROOT/tests/node_modules/.bin/s3rver pid port
	[ -e "$bin" ] || s3env_die "$bin is missing; run scripts/install-deps test"
	mkdir -p "$S3ENV_DIR/data"
	# The legacy provider: s3rver's ListObjectsV2 continuation tokens use
	# a cipher Node >= 17 disabled; without it pagination answers 500.
	NODE_OPTIONS=--openssl-legacy-provider timeout "$S3ENV_MAX_SECONDS" \
		node "$bin" -d "$S3ENV_DIR/data" -a 127.0.0.1 -p 0 --silent \
		>"$S3ENV_DIR/s3rver.out" 2>"$S3ENV_DIR/s3rver.err" </dev/null &
	pid=$!
	disown "$pid" 2>/dev/null
	_s3env_track "$pid"
	port=$(_s3env_wait_port "$S3ENV_DIR/s3rver.out" \
		's/^S3rver listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$pid" s3rver) || return 1
	export S3_UPSTREAM=http://127.0.0.1:$port
}

# Stops the servers if the test shell is killed without running traps.
_s3env_watchdog() {
	local shell=$S3ENV_SHELL dir=$S3ENV_DIR end=$((SECONDS + S3ENV_MAX_SECONDS)) pid
	(
		trap - EXIT
		set +e
		while kill -0 "$shell" 2>/dev/null && [ -d "$dir" ] && [ "$SECONDS" -lt "$end" ]; do
			sleep 1
		done
		[ -f "$dir/pids" ] && while read -r pid; do kill "$pid"; done <"$dir/pids"
		rm -rf "$dir"
	) >/dev/null 2>&1 </dev/null &
	disown $! 2>/dev/null
}

s3env_start() { # [s3gate options for the main gateway...]
	local old_trap
	S3ENV_SHELL=$$
	export S3ENV_DIR
	S3ENV_DIR=$(mktemp -d "${TMPDIR:-/tmp}/s3env.XXXXXX") || s3env_die "mktemp failed"
	export S3_ACCESS_KEY=initc-test-AKID
	export S3_SECRET_KEY=Ts3/gAteSEcret+k3y0nlyF0rTests/9x8Y7wQz
	export S3_REGION=us-east-1
	old_trap=$(trap -p EXIT)
	old_trap=${old_trap#"trap -- '"}
	old_trap=${old_trap%"' EXIT"}
	# shellcheck disable=SC2064 # expand now: the old trap text is fixed
	trap "s3env_stop; ${old_trap//"'\\''"/"'"}" EXIT
	# A signal must run the EXIT trap too (unless the test handles it).
	[ -n "$(trap -p HUP)" ] || trap 'exit 129' HUP
	[ -n "$(trap -p INT)" ] || trap 'exit 130' INT
	[ -n "$(trap -p TERM)" ] || trap 'exit 143' TERM
	_s3env_watchdog
	_s3env_start_s3rver || s3env_die "s3rver did not start within ${S3ENV_START_TIMEOUT}s"
	export S3GATE_LOG=$S3ENV_DIR/s3gate.log
	S3_ENDPOINT=$(s3env_start_gate "$S3GATE_LOG" "$@") ||
		s3env_die "s3gate did not start within ${S3ENV_START_TIMEOUT}s"
	export S3_ENDPOINT
	# Both must answer HTTP, not just have a socket.
	curl -q -s -o /dev/null --max-time 5 "$S3_UPSTREAM/" || s3env_die "s3rver at $S3_UPSTREAM does not answer"
	curl -q -s -o /dev/null --max-time 5 "$S3_ENDPOINT/" || s3env_die "s3gate at $S3_ENDPOINT does not answer"
	: >"$S3GATE_LOG" # that probe is not a request of the test
}

s3env_stop() {
	[ -n "${S3ENV_DIR:-}" ] && [ -d "$S3ENV_DIR" ] || return 0
	local pid i
	if [ -f "$S3ENV_DIR/pids" ]; then
		# "|| :" everywhere: this runs from traps, maybe under set -e.
		while read -r pid; do kill "$pid" 2>/dev/null || :; done <"$S3ENV_DIR/pids"
		while read -r pid; do # bounded: 2 s each, then SIGKILL
			for ((i = 0; i < 40; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
			kill -9 "$pid" 2>/dev/null || :
		done <"$S3ENV_DIR/pids"
	fi
	rm -rf "$S3ENV_DIR"
	return 0
}

# Set-up goes straight to s3rver, unsigned: the gateway only sees what the
# test is about.
s3env_mkbucket() { # name
	curl -q -sS -f -o /dev/null --max-time 30 -X PUT "$S3_UPSTREAM/$1" ||
		s3env_die "could not create bucket '$1' on $S3_UPSTREAM"
}

s3env_put() { # bucket key file
	[ -f "$3" ] || s3env_die "s3env_put: '$3' is not a file"
	# --path-as-is keeps '..' and '//' in keys; -g keeps [] {} literal.
	curl -q -sS -f -g --path-as-is -o /dev/null --max-time 300 \
		-H 'Content-Type: application/octet-stream' -T "$3" \
		"$S3_UPSTREAM/$1/$(s3env_uri_encode "$2")" ||
		s3env_die "could not upload '$3' as s3://$1/$2"
}

# CreateMultipartUpload, UploadPart per PART_SIZE bytes, Complete: the code
# the gateway's "replace" fault uses (s3gate.put_multipart).  s3rver would
# give the object the MD5 of its bytes as ETag; that code stores S3's
# multipart ETag in its place, so tests meet an ETag that is not an MD5.
s3env_put_multipart() { # bucket key file [part_size]
	local part_size=${4:-5242880}
	[ -f "$3" ] || s3env_die "s3env_put_multipart: '$3' is not a file"
	# -B: no __pycache__ in tests/lib
	"$S3ENV_PYTHON" -B - "$S3ENV_LIB" "${S3_UPSTREAM#http://}" "$S3ENV_DIR/data" \
		"/$1/$(s3env_uri_encode "$2")" "$3" "$part_size" <<'EOF' ||
import sys
lib, upstream, data, target, path, part_size = sys.argv[1:]
sys.path.insert(0, lib)
import s3gate
host, _, port = upstream.rpartition(":")
s3gate.Config.upstream_host, s3gate.Config.upstream_port = host, int(port)
s3gate.Config.upstream_data = data
s3gate.put_multipart(target, path, int(part_size))
EOF
		s3env_die "could not upload '$3' as s3://$1/$2 in parts of $part_size bytes"
}

s3env_put_tree() { # bucket prefix dir: dir/a/b -> prefix/a/b
	local bucket=$1 prefix=$2 dir=${3%/} f
	[ -d "$dir" ] || s3env_die "s3env_put_tree: '$dir' is not a directory"
	case $prefix in '' | */) ;; *) prefix=$prefix/ ;; esac
	while IFS= read -r -d '' f; do
		s3env_put "$bucket" "$prefix${f#"$dir"/}" "$f"
	done < <(find "$dir" -type f -print0 | sort -z)
}

# The number of lines in the gateway log: pass it to s3env_sig_summary or
# s3env_assert_all_signed to look only at requests made after this point.
s3env_log_mark() {
	wc -l <"$S3GATE_LOG" | tr -d ' '
}

_s3env_log_report() { # mode mark
	"$S3ENV_PYTHON" - "$S3GATE_LOG" "$1" "${2:-0}" <<'EOF'
import json, sys
path, mode, mark = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, encoding="utf-8") as f:
    entries = [json.loads(line) for line in f.readlines()[mark:]]
counts = {"ok": 0, "bad": 0, "anonymous": 0}
for e in entries:
    counts[e["verdict"]] = counts.get(e["verdict"], 0) + 1
if mode == "summary":
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    sys.exit(0)
unverified = [e for e in entries if e["verdict"] != "ok"]
n = len(entries)
if n == 0:
    print("not ok - no request reached the S3 gateway")
    sys.exit(1)
if not unverified:
    print(f"ok - every request ({n}) was signed and botocore agrees")
    sys.exit(0)
print(f"not ok - {len(unverified)} of {n} requests were not verified "
      f"(ok={counts['ok']} bad={counts['bad']} anonymous={counts['anonymous']})")
for e in unverified[:10]:
    print(f"#   {e['method']} {e['path']} -> {e['status']} {e['verdict']}: "
          f"{e.get('why', '')}")
    for line in e.get("canonical_request", "").split("\n") if "canonical_request" in e else []:
        print(f"#     | {line}")
sys.exit(1)
EOF
}

s3env_sig_summary() { # [mark]
	_s3env_log_report summary "${1:-0}"
}

s3env_assert_all_signed() { # [mark]
	_s3env_log_report assert "${1:-0}"
}

# Export RCLONE_CONFIG_<REMOTE>_* describing the gateway and print them as
# NAME=VALUE lines (test values only).  Call it without $(...) to export:
#   s3env_rclone_env S3 >/dev/null;  "$INITC" s3://bucket/dir "$out"
s3env_rclone_env() { # remote
	local remote=${1^^} name value
	case $remote in '' | *[!A-Z0-9_]*)
		s3env_die "s3env_rclone_env: remote name '$1' must be letters, digits, '_'" ;;
	esac
	for name in TYPE=s3 PROVIDER=Minio "ENDPOINT=$S3_ENDPOINT" \
		"ACCESS_KEY_ID=$S3_ACCESS_KEY" "SECRET_ACCESS_KEY=$S3_SECRET_KEY" \
		"REGION=$S3_REGION"; do
		value=${name#*=}
		name=RCLONE_CONFIG_${remote}_${name%%=*}
		export "$name=$value"
		printf '%s=%s\n' "$name" "$value"
	done
}
