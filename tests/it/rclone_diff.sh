#!/usr/bin/env bash
# Differential test: Debian's rclone and initc, given the same
# RCLONE_CONFIG_S3_* variables and the same URI, must produce the same
# tree with the same bytes (rclone is the reference for how the
# configuration and the URI are read).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
INITC=${INITC:-$here/../../build/initc}

command -v rclone >/dev/null || { flunk "rclone is not installed (scripts/install-deps test)"; assert_done; }
s3env_start >/dev/null || exit 1
s3env_mkbucket artifacts
src=$S3ENV_DIR/src
model=$src/1/abc123/artifacts/model
mkdir -p "$model/sub dir/more" "$src/1/abc123/artifacts/model2"
head -c 200000 /dev/urandom >"$model/model.xgb"
printf 'artifact_path: model\nflavors:\n  xgboost:\n    data: model.xgb\n' >"$model/MLmodel"
printf 'name: mlflow-env\ndependencies:\n- python=3.10.12\n' >"$model/conda.yaml"
: >"$model/empty"
for name in 'a b.txt' 'c+d.txt' 'e=f.txt' 'g%h.txt' 'i~j.txt' 'ключ.txt' '日本.bin'; do
	head -c $((RANDOM % 3000)) /dev/urandom >"$model/sub dir/$name"
done
for i in $(seq 1 40); do head -c $((RANDOM % 5000)) /dev/urandom >"$model/sub dir/more/f$i"; done
echo sibling >"$src/1/abc123/artifacts/model2/x"
s3env_put_tree artifacts mlflow-artifacts "$src"

s3env_rclone_env S3 >/dev/null
# s3rver ignores encoding-type=url (FACTS §6) but rclone decodes listed keys
# whenever it asked for that encoding, which mangles keys with '+' or '%'.
# initc decodes only when the answer says EncodingType=url. To compare the
# two on such keys, both get list_url_encode=false.
export RCLONE_CONFIG_S3_LIST_URL_ENCODE=false
uri=s3://artifacts/mlflow-artifacts/1/abc123/artifacts/model
mark=$(s3env_log_mark)
rclone copy "$uri" "$S3ENV_DIR/by-rclone" 2>"$S3ENV_DIR/rclone.log"
expect_rc 0 $? "rclone copy $uri"
"$INITC" --no-verify "$uri" "$S3ENV_DIR/by-initc" 2>"$S3ENV_DIR/initc.log"
expect_rc 0 $? "initc $uri"
same_tree "$S3ENV_DIR/by-rclone" "$S3ENV_DIR/by-initc" "initc and rclone produce the same tree and bytes"
same_tree "$model" "$S3ENV_DIR/by-initc" "and both equal the uploaded model"
n_rclone=$(find "$S3ENV_DIR/by-rclone" -type f | wc -l)
n_initc=$(find "$S3ENV_DIR/by-initc" -type f ! -name .initc.lock | wc -l)
if [ "$n_rclone" -eq "$n_initc" ] && [ "$n_initc" -eq 51 ]; then pass "both wrote 51 files"; else
	flunk "rclone wrote $n_rclone files, initc $n_initc, want 51"; fi
s3env_assert_all_signed "$mark"

# the same single object, addressed by its key
rclone copy "$uri/model.xgb" "$S3ENV_DIR/one-rclone" 2>/dev/null
"$INITC" --no-verify "$uri/model.xgb" "$S3ENV_DIR/one-initc" 2>/dev/null
same_tree "$S3ENV_DIR/one-rclone" "$S3ENV_DIR/one-initc" "a single object lands in the same place"

# a remote name rclone would not find is not found by initc either
env -u RCLONE_CONFIG_S3_TYPE rclone lsf "$uri" >/dev/null 2>&1
rclone_rc=$?
env -u RCLONE_CONFIG_S3_TYPE "$INITC" --no-verify "$uri" "$S3ENV_DIR/none" 2>/dev/null
initc_rc=$?
if [ "$rclone_rc" -ne 0 ] && [ "$initc_rc" -ne 0 ]; then
	pass "without RCLONE_CONFIG_S3_TYPE neither finds the remote (rclone $rclone_rc, initc $initc_rc)"
else
	flunk "without RCLONE_CONFIG_S3_TYPE: rclone $rclone_rc, initc $initc_rc"
fi

# lower-case remote names read upper-case variables, in both
for v in $(compgen -e); do case $v in RCLONE_CONFIG_S3_*) export "RCLONE_CONFIG_MY_STORE_${v#RCLONE_CONFIG_S3_}=${!v}"; unset "$v" ;; esac; done
rclone copy "my_store:artifacts/mlflow-artifacts/1/abc123/artifacts/model" "$S3ENV_DIR/lc-rclone" 2>/dev/null
expect_rc 0 $? "rclone with remote my_store from RCLONE_CONFIG_MY_STORE_*"
"$INITC" --no-verify "my_store:artifacts/mlflow-artifacts/1/abc123/artifacts/model" "$S3ENV_DIR/lc-initc" 2>/dev/null
expect_rc 0 $? "initc with remote my_store from RCLONE_CONFIG_MY_STORE_*"
same_tree "$S3ENV_DIR/lc-rclone" "$S3ENV_DIR/lc-initc" "remote names with '_' read the same"
assert_done
