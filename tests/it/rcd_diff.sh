#!/usr/bin/env bash
# Differential test: Seldon Core 2's agent, replayed call for call
# (tests/lib/rcd_agent.py), against Debian's `rclone rcd` (1.60, the
# reference) and `initc rcd`, both on the same S3 test server.  Statuses,
# JSON, the --config file after each config call and every copied tree
# must agree; an error's text may differ (both are printed).  rclone's own
# half is checked against what 1.60 was seen to answer, so a changed
# reference fails here instead of silently moving the target.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
. "$here/../lib/rcd.sh"
INITC=${INITC:-$here/../../build/initc}
agent=("$S3ENV_PYTHON" -B "$here/../lib/rcd_agent.py")

command -v rclone >/dev/null || { flunk "rclone is not installed (scripts/install-deps test)"; assert_done; }
s3env_start >/dev/null || exit 1
trap 'rcd_stop_all; s3env_stop' EXIT

# The model: files, a 0-byte file, names with a space and UTF-8, a 6 MiB
# object (initc splits it into ranges), empty directories that exist in S3
# only as "dir/" marker keys, and a sibling prefix that must not be copied.
src=$S3ENV_DIR/src
mkdir -p "$src/sub dir" "$src/emptydir" "$src/nested/deeper"
head -c 300000 /dev/urandom >"$src/model.pkl"
head -c 6291456 /dev/urandom >"$src/big.bin"
printf 'artifact_path: model\nflavors:\n  sklearn: {}\n' >"$src/MLmodel"
: >"$src/empty.txt"
printf 'a b\n' >"$src/sub dir/a b.txt"
printf 'utf8\n' >"$src/sub dir/ключ.txt"
s3env_mkbucket models
s3env_put_tree models iris "$src"
put_marker() { # key: a 0-byte object whose key ends in '/'
	curl -q -sS -f -o /dev/null --max-time 30 -X PUT --data-binary '' \
		"$S3_UPSTREAM/models/$(s3env_uri_encode "$1")" || s3env_die "could not put marker $1"
}
for key in iris/emptydir/ "iris/sub dir/" iris/nested/ iris/nested/deeper/; do put_marker "$key"; done
printf 'sibling\n' >"$S3ENV_DIR/sibling"
s3env_put models iris2/x "$S3ENV_DIR/sibling"
printf 'bst\n' >"$S3ENV_DIR/model.bst"
s3env_put models single/model.bst "$S3ENV_DIR/model.bst"

# One server, one replay: $1 names it, the rest is its command line.
replay() { # name cmd...
	local name=$1 dir=$S3ENV_DIR/$1 url_var mark
	shift
	mkdir -p "$dir/dst" "$dir/keep"
	# A remote left from an earlier life: the agent's start-up deletes it.
	printf '[stale]\ntype = s3\nprovider = Minio\n\n' >"$dir/rclone.conf"
	chmod 600 "$dir/rclone.conf"
	rcd_start "$name" "$dir/server.log" "$@" --rc-no-auth --config="$dir/rclone.conf" || return 1
	url_var=RCD_URL_$name
	mark=$(s3env_log_mark)
	if ! timeout 600 "${agent[@]}" replay "${!url_var}" "$dir/transcript.json" \
		--config "$dir/rclone.conf" --dst-root "$dir/dst" --keep "$dir/keep" 2>"$dir/agent.err"; then
		flunk "$name: the agent replay failed:"; sed 's/^/    | /' "$dir/agent.err" | tail -20
		return 1
	fi
	pass "$name: the agent's sequence ran to its end"
	s3env_assert_all_signed "$mark" | sed "s/^\(not \)\{0,1\}ok - /&$name: /"
	same_tree "$src" "$dir/keep/iris" "$name: the named-remote copy equals the model (markers as empty dirs)"
	same_tree "$src" "$dir/keep/iris-inline" "$name: the connection-string copy equals the model"
	local left
	left=$(find "$dir/dst" -mindepth 1 -maxdepth 1 -printf '%f ' | head -c 200)
	if [ -z "$left" ]; then pass "$name: every copy was purged"; else
		flunk "$name: left in the copy area: $left"; fi
}

# rclone 1.60 rejects --max-buffer-memory: the sidecar's flag is left out.
replay RCLONE rclone rcd &&
	{ "${agent[@]}" expect "$S3ENV_DIR/RCLONE/transcript.json" || _assert_failed=1; }
rcd_stop_all

if ! "$INITC" rcd --help >/dev/null 2>&1; then
	flunk "initc rcd not available ($INITC rcd --help fails): only rclone's half ran"
	assert_done
fi
replay INITC "$INITC" rcd &&
	{ "${agent[@]}" compare "$S3ENV_DIR/RCLONE/transcript.json" "$S3ENV_DIR/INITC/transcript.json" ||
		_assert_failed=1; }
rcd_stop_all
# RCD_DIFF_KEEP=DIR keeps both transcripts for a closer look.
[ -n "${RCD_DIFF_KEEP:-}" ] && mkdir -p "$RCD_DIFF_KEEP" &&
	for name in RCLONE INITC; do cp "$S3ENV_DIR/$name/transcript.json" "$RCD_DIFF_KEEP/$name.json"; done
if [ "$_assert_failed" -ne 0 ]; then # the servers' own words, for the failures above
	for name in RCLONE INITC; do
		echo "# $name log (last 15 lines):"
		tail -15 "$S3ENV_DIR/$name/server.log" 2>/dev/null | sed 's/^/#   /'
	done
fi
assert_done
