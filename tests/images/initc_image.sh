# shellcheck shell=bash
# The init image (Dockerfile.init, built by `make images`) run the way the
# operators run it, against the loopback S3 server behind the
# signature-checking gateway:
#   Seldon Core v1: args [<modelUri>, /mnt/models], UID 8888, read-only
#     root, the model secret's keys as variables (envFrom), an emptyDir
#     (0777) at /mnt/models, a termination-log file at /dev/termination-log;
#   KServe: UID 1000, several <uri> <dest> pairs, its AWS_* variables;
#   Seldon Core 2: the same binary as `rclone` on the image's PATH.
# The secret reaches the container through --env-file, never argv.
set -u
. "$(dirname "$0")/lib.sh"
. "$IMAGES_ROOT/tests/lib/s3env.sh"
FIX=$IMAGES_ROOT/tests/fixtures/models

s3env_start
s3env_mkbucket models
s3env_put_tree models mlflow/xgboost "$FIX/xgboost"
s3env_put_tree models mlflow/sklearn "$FIX/sklearn"
w=$S3ENV_DIR/images
mkdir -p "$w"

# A secret's keys, as envFrom gives them to the container.
s3env_rclone_env S3 >"$w/secret.env"
sed "s|^RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=.*|RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=WrongSecretForTheTest0123456789abcdefXYZ|" \
	"$w/secret.env" >"$w/wrong.env"

# A fresh pod: an emptyDir and an empty termination-log file (kubelet
# creates it world-writable before the container starts).
new_pod() { # name
	engine_user_dir "$w/$1/models"
	: >"$w/$1/termination-log"
	chmod 0666 "$w/$1/termination-log"
}

seldon_run() { # pod env-file model-uri [extra engine flags...]
	local pod=$1 envfile=$2 uri=$3
	shift 3
	# shellcheck disable=SC2086 # ENGINE_RUN is a command line
	$ENGINE_RUN --rm "${SELDON_V1[@]}" --env-file "$envfile" "$@" \
		-v "$w/$pod/models:/mnt/models" \
		-v "$w/$pod/termination-log:/dev/termination-log" \
		"$INIT_IMAGE" "$uri" /mnt/models >"$w/$pod.out" 2>"$w/$pod.err"
}

# Object reads (GET or HEAD of a key, listings aside) in the gateway log
# after MARK.
object_reads() { # mark
	tail -n "+$(($1 + 1))" "$S3GATE_LOG" | grep -E '"method": "(GET|HEAD)"' | grep -vc 'list-type'
}

one_line() { # file description: non-empty, one line
	local n
	n=$(grep -c '' "$1") # lines, the last one with or without its newline
	echo "# $1: $(head -c 300 "$1")"
	if [ "$n" -eq 1 ]; then pass "$2"; else
		flunk "$2 ($n lines)"; sed 's/^/    | /' "$1" | head -5
	fi
}

# --- Seldon Core v1 ---------------------------------------------------
new_pod seldon
mark=$(s3env_log_mark)
seldon_run seldon "$w/secret.env" s3://models/mlflow/xgboost
expect_rc 0 $? "Seldon v1: the init image downloads s3://models/mlflow/xgboost as UID 8888 on a read-only root"
same_tree "$FIX/xgboost" "$w/seldon/models" "Seldon v1: /mnt/models holds the model's exact files"
check "Seldon v1: the files belong to UID 8888" \
	test "$(stat -c %u "$w/seldon/models/MLmodel")" = 8888
s3env_assert_all_signed "$mark" || _assert_failed=1
check "Seldon v1: a success leaves the termination log empty" test ! -s "$w/seldon/termination-log"

mark=$(s3env_log_mark)
seldon_run seldon "$w/secret.env" s3://models/mlflow/xgboost
expect_rc 0 $? "Seldon v1: a restarted init container over the same volume"
check "Seldon v1: the restart reads no object again" test "$(object_reads "$mark")" = 0
check "Seldon v1: the restart did list the prefix (the gateway saw it)" \
	test "$(tail -n "+$((mark + 1))" "$S3GATE_LOG" | grep -c 'list-type')" -ge 1
expect_grep 'files=0 ' "$w/seldon.err" "Seldon v1: the restart logs that it transferred no file"
same_tree "$FIX/xgboost" "$w/seldon/models" "Seldon v1: the tree is unchanged after the restart"

# Failures: the one-line reason in the mounted termination log.
new_pod wrongkey
seldon_run wrongkey "$w/wrong.env" s3://models/mlflow/xgboost
expect_rc 3 $? "Seldon v1: a wrong secret key fails as an auth error"
one_line "$w/wrongkey/termination-log" "Seldon v1 wrong key: the termination log holds one line"
expect_grep 'SignatureDoesNotMatch|secret|credential|signature' "$w/wrongkey/termination-log" \
	"Seldon v1 wrong key: the reason names the signature or the credentials"
expect_no_grep "$S3_SECRET_KEY" "$w/wrongkey/termination-log" "Seldon v1 wrong key: no secret in the termination log"
expect_no_grep "WrongSecretForTheTest" "$w/wrongkey/termination-log" "Seldon v1 wrong key: not even the wrong secret"
expect_no_grep "WrongSecretForTheTest" "$w/wrongkey.err" "Seldon v1 wrong key: no secret in the container's log"
check "Seldon v1 wrong key: no file of the model on the volume (initc's lock aside)" \
	test -z "$(find "$w/wrongkey/models" -mindepth 1 ! -name .initc.lock)"

new_pod missing
seldon_run missing "$w/secret.env" s3://models/mlflow/nope
expect_rc 4 $? "Seldon v1: a missing model fails as not found"
one_line "$w/missing/termination-log" "Seldon v1 missing model: the termination log holds one line"
expect_grep 'nothing found at s3://models/mlflow/nope' "$w/missing/termination-log" \
	"Seldon v1 missing model: the reason names the URI"

new_pod unfit
seldon_run unfit "$w/secret.env" s3://models/mlflow/xgboost -e INITC_SERVER=XGBOOST_SERVER
expect_rc 8 $? "Seldon v1: the MLflow xgboost model for XGBOOST_SERVER fails in the init container"
one_line "$w/unfit/termination-log" "Seldon v1 unfit model: the termination log holds one line"
expect_grep 'XGBOOST_SERVER loads model.bst but this MLflow model stores its booster in model.xgb' \
	"$w/unfit/termination-log" "Seldon v1 unfit model: the reason names both file names"

# The root really is read-only: a DEST outside the volume is a local I/O
# error that names the folder, not a crash.
new_pod rootfs
# shellcheck disable=SC2086
$ENGINE_RUN --rm "${SELDON_V1[@]}" --env-file "$w/secret.env" \
	-v "$w/rootfs/termination-log:/dev/termination-log" \
	"$INIT_IMAGE" s3://models/mlflow/xgboost /models >"$w/rootfs.out" 2>"$w/rootfs.err"
expect_rc 7 $? "Seldon v1: a DEST on the read-only root fails as local I/O"
expect_grep '/models' "$w/rootfs/termination-log" "Seldon v1 read-only root: the reason names the folder"

# --- Seldon Core 2: the image's second name ------------------------------
# The ServerConfig runs the rclone sidecar as `command: [rclone]` and probes
# it with `exec: rclone rc rc/noop`: `rclone` must be found through the
# image's own PATH (a scratch image has none unless it sets one) and be
# initc, the entrypoint staying /initc for v1 and KServe.
check "Seldon Core 2: the entrypoint is still /initc" \
	test "$(engine_inspect '{{.Config.Entrypoint}}' "$INIT_IMAGE")" = "[/initc]"
# shellcheck disable=SC2086 # ENGINE_RUN is a command line
$ENGINE_RUN --rm "${READ_ONLY[@]}" --entrypoint rclone "$INIT_IMAGE" --version \
	>"$w/rclone-name.out" 2>"$w/rclone-name.err"
expect_rc 0 $? "Seldon Core 2: \`rclone --version\` finds rclone on the image's PATH"
expect_grep '^initc [0-9]' "$w/rclone-name.out" "Seldon Core 2: the \`rclone\` it runs is initc"
expect_grep '^libmicrohttpd [0-9]' "$w/rclone-name.out" \
	"Seldon Core 2: the image's initc carries libmicrohttpd (the rcd server)"
# The name is a link to /initc, not a copy that could drift from it.
ctr=initc-image-names-$$
$ENGINE create --name "$ctr" "$INIT_IMAGE" >/dev/null 2>"$w/create.err"
$ENGINE export "$ctr" 2>>"$w/create.err" | tar -tvf - usr/local/bin/rclone >"$w/names" 2>>"$w/create.err"
engine_rm "$ctr"
expect_grep '^l.* usr/local/bin/rclone -> /initc$' "$w/names" \
	"Seldon Core 2: /usr/local/bin/rclone is a link to /initc"

# The sidecar as Seldon Core 2's ServerConfig runs it: `rclone rcd` with
# the ServerConfig's own arguments as UID/GID 1000, its liveness probe
# `rclone rc rc/noop` inside the container (no network of its own, so
# 5572 is its own port), then, on the host network, the agent's calls: a
# remote created in /rclone/rclone.conf, a copy into the shared volume.
ctr=initc-image-probe-$$
# shellcheck disable=SC2086 # ENGINE_RUN_NONET is a command line
$ENGINE_RUN_NONET -d --name "$ctr" --user 1000:1000 --entrypoint rclone "$INIT_IMAGE" \
	rcd --rc-no-auth --config=/rclone/rclone.conf --rc-addr=0.0.0.0:5572 --max-buffer-memory=64M \
	>/dev/null 2>"$w/probe.err"
probe_rc=1
for _ in $(seq 1 600); do # the probe itself is the event waited on
	if $ENGINE exec "$ctr" rclone rc rc/noop >"$w/probe.out" 2>>"$w/probe.err"; then
		probe_rc=0
		break
	fi
	sleep 0.1
done
expect_rc 0 "$probe_rc" "Seldon Core 2: the liveness probe \`rclone rc rc/noop\` passes against \`rclone rcd\` with the ServerConfig's arguments, as UID 1000"
$ENGINE logs "$ctr" >"$w/probe.log" 2>&1
engine_rm "$ctr"
expect_grep 'msg="serving the rclone rc API" addr=0.0.0.0 port=5572 config=/rclone/rclone.conf' \
	"$w/probe.log" "Seldon Core 2: rcd serves on 0.0.0.0:5572 with /rclone/rclone.conf"

engine_user_dir "$w/core2/agent"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ctr=initc-image-rcd-$$
# shellcheck disable=SC2086 # ENGINE_RUN is a command line
$ENGINE_RUN -d --name "$ctr" --user 1000:1000 --entrypoint rclone -v "$w/core2/agent:/mnt/agent" \
	"$INIT_IMAGE" rcd --rc-no-auth --config=/rclone/rclone.conf --rc-addr="127.0.0.1:$port" \
	--max-buffer-memory=64M >/dev/null 2>"$w/rcd.err"
rc_url=http://127.0.0.1:$port
wait_for 'curl -sf -X POST -H "Content-Type: application/json" -d "{}" "$rc_url/rc/noop" >/dev/null' \
	"the image's rcd to answer rc/noop"
. "$IMAGES_ROOT/tests/lib/rcd.sh"
create=$(rcd_call "$rc_url" config/create "{\"name\":\"s3\",\"type\":\"s3\",\"parameters\":{\"provider\":\"Minio\",\"env_auth\":\"false\",\"access_key_id\":\"$S3_ACCESS_KEY\",\"secret_access_key\":\"$S3_SECRET_KEY\",\"endpoint\":\"$S3_ENDPOINT\",\"region\":\"$S3_REGION\"},\"opt\":null}")
check "Seldon Core 2: config/create answers 200 (the remote is written to /rclone/rclone.conf as UID 1000)" \
	test "$(rcd_status "$create")" = 200
copy=$(rcd_call "$rc_url" sync/copy '{"srcFs":"s3://models/mlflow/xgboost","dstFs":"/mnt/agent/rclone/2166136261","createEmptySrcDirs":true}')
check "Seldon Core 2: sync/copy answers 200" test "$(rcd_status "$copy")" = 200
same_tree "$FIX/xgboost" "$w/core2/agent/rclone/2166136261" \
	"Seldon Core 2: the shared volume holds the model's exact files, nothing of initc's"
check "Seldon Core 2: no lock or temporary file of initc's in the copy (the agent moves it whole)" \
	test -z "$(find "$w/core2/agent/rclone/2166136261" -name '.initc*')"
check "Seldon Core 2: the copied files belong to UID 1000" \
	test "$(stat -c %u "$w/core2/agent/rclone/2166136261/MLmodel")" = 1000
$ENGINE exec "$ctr" rclone rc --url "$rc_url" config/get name=s3 >"$w/get.out" 2>&1
expect_grep '"type": "s3"' "$w/get.out" "Seldon Core 2: the remote is kept in the container's /rclone/rclone.conf"
$ENGINE logs "$ctr" >"$w/rcd.log" 2>&1
engine_rm "$ctr"
expect_no_grep "$S3_SECRET_KEY" "$w/rcd.log" "Seldon Core 2: the secret key is in none of rcd's log lines"

# --- KServe -------------------------------------------------------------
# KServe's storage-initializer: UID 1000, one or more <uri> <dest> pairs,
# the S3 secret as its AWS_* variables (no rclone remote).
cat >"$w/kserve.env" <<EOF
AWS_ENDPOINT_URL=$S3_ENDPOINT
AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
AWS_DEFAULT_REGION=$S3_REGION
S3_USE_HTTPS=0
EOF
engine_user_dir "$w/kserve"
mark=$(s3env_log_mark)
# shellcheck disable=SC2086
$ENGINE_RUN --rm "${KSERVE[@]}" --env-file "$w/kserve.env" \
	-v "$w/kserve:/mnt/models" "$INIT_IMAGE" \
	s3://models/mlflow/xgboost /mnt/models/xgb s3://models/mlflow/sklearn /mnt/models/skl \
	>"$w/kserve.out" 2>"$w/kserve.err"
expect_rc 0 $? "KServe: two <uri> <dest> pairs as UID 1000 on a read-only root"
same_tree "$FIX/xgboost" "$w/kserve/xgb" "KServe: the first pair's model is exact"
same_tree "$FIX/sklearn" "$w/kserve/skl" "KServe: the second pair's model is exact"
check "KServe: the files belong to UID 1000" test "$(stat -c %u "$w/kserve/skl/model.pkl")" = 1000
s3env_assert_all_signed "$mark" || _assert_failed=1
expect_no_grep "$S3_SECRET_KEY" "$w/kserve.err" "KServe: no secret in the container's log"

assert_done
