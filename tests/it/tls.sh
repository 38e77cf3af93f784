#!/usr/bin/env bash
# TLS: verification is on by default; the CA bundle comes from
# RCLONE_CA_CERT or AWS_CA_BUNDLE; RCLONE_NO_CHECK_CERTIFICATE and KServe's
# S3_VERIFY_SSL=0 turn it off; a failed verification is not retried, a
# handshake cut short is.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/s3env.sh"
. "$here/../lib/assert.sh"
INITC=${INITC:-$here/../../build/initc}

s3env_start >/dev/null || exit 1
s3env_mkbucket models
w=$S3ENV_DIR/tls
mkdir -p "$w/src/m"
head -c 70000 /dev/urandom >"$w/src/m/model.bin"
echo meta >"$w/src/m/MLmodel.txt"
s3env_put_tree models m "$w/src/m"

# a private CA and a certificate for 127.0.0.1
pki=$w/pki
mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=initc test CA" -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$pki/srv.key" -out "$pki/srv.csr" 2>/dev/null &&
	printf 'subjectAltName=IP:127.0.0.1\n' >"$pki/ext" &&
	openssl x509 -req -in "$pki/srv.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
		-days 2 -extfile "$pki/ext" -out "$pki/srv.crt" 2>/dev/null
check "a test CA and server certificate were made" test -s "$pki/srv.crt"

gate_port=${S3_ENDPOINT##*:}
timeout 300 /usr/bin/python3 "$here/../static/tls_forward.py" --cert "$pki/srv.crt" --key "$pki/srv.key" \
	--upstream "127.0.0.1:$gate_port" --port-file "$w/port" --max-seconds 300 2>"$w/tls.err" &
tls_pid=$!
trap 'kill $tls_pid 2>/dev/null; s3env_stop' EXIT
for _ in $(seq 100); do [ -s "$w/port" ] && break; sleep 0.05; done
https=https://127.0.0.1:$(cat "$w/port")
s3env_rclone_env S3 >/dev/null
export RCLONE_CONFIG_S3_ENDPOINT=$https RCLONE_LOW_LEVEL_RETRIES=3

RCLONE_CA_CERT=$pki/ca.crt "$INITC" --no-verify s3://models/m "$w/out1" 2>"$w/log1"
expect_rc 0 $? "https with RCLONE_CA_CERT"
same_tree "$w/src/m" "$w/out1" "https download equal"

AWS_CA_BUNDLE=$pki/ca.crt "$INITC" --no-verify s3://models/m "$w/out2" 2>/dev/null
expect_rc 0 $? "https with AWS_CA_BUNDLE"

start=$SECONDS
"$INITC" --no-verify s3://models/m "$w/out3" 2>"$w/log3"
expect_rc 5 $? "an untrusted certificate fails"
expect_grep 'TLS: set RCLONE_CA_CERT or AWS_CA_BUNDLE' "$w/log3" "the failure says which variable to set"
if [ $((SECONDS - start)) -lt 3 ] && ! grep -q retrying "$w/log3"; then
	pass "a verification failure is not retried"; else flunk "a verification failure was retried"; fi
check "nothing was written on failure" test -z "$(find "$w/out3" -type f ! -name .initc.lock 2>/dev/null)"

# A handshake the server cuts short (EOF after the ClientHello: curl's
# CURLE_SSL_CONNECT_ERROR, as for a refused certificate) is the network
# failing, not the certificate: retried, and no advice about CA bundles.
timeout 60 /usr/bin/python3 - "$w/cut.port" 2>"$w/cut.err" <<'EOF' &
import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
s.settimeout(1)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(f"{s.getsockname()[1]}\n")
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
end = time.monotonic() + 55
while time.monotonic() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    c.settimeout(5)
    try:
        c.recv(4096)  # the ClientHello
    except OSError:
        pass
    c.close()
EOF
cut_pid=$!
trap 'kill $tls_pid $cut_pid 2>/dev/null; s3env_stop' EXIT
for _ in $(seq 100); do [ -s "$w/cut.port" ] && break; sleep 0.05; done
RCLONE_CONFIG_S3_ENDPOINT=https://127.0.0.1:$(cat "$w/cut.port") RCLONE_CA_CERT=$pki/ca.crt \
	"$INITC" --no-verify s3://models/m "$w/out-cut" 2>"$w/log-cut"
expect_rc 5 $? "a handshake cut short fails as a network error once retries run out"
expect_grep 'msg=retrying .*attempt=2 ' "$w/log-cut" "a handshake cut short is retried"
expect_no_grep 'TLS: set RCLONE_CA_CERT' "$w/log-cut" "a handshake cut short gives no certificate advice"
kill "$cut_pid" 2>/dev/null

# https:// in front of a plain-HTTP port (the gateway): said at once, with
# what to change, instead of retried
RCLONE_CONFIG_S3_ENDPOINT=https://${S3_ENDPOINT#http://} RCLONE_CA_CERT=$pki/ca.crt \
	"$INITC" --no-verify s3://models/m "$w/out-plain" 2>"$w/log-plain"
expect_rc 5 $? "https:// to a plain-HTTP port fails"
expect_grep 'answers plain HTTP: use http://' "$w/log-plain" "https:// to a plain-HTTP port: the message says what to change"
expect_no_grep 'msg=retrying' "$w/log-plain" "https:// to a plain-HTTP port: not retried"

RCLONE_NO_CHECK_CERTIFICATE=true "$INITC" --no-verify s3://models/m "$w/out4" 2>/dev/null
expect_rc 0 $? "RCLONE_NO_CHECK_CERTIFICATE=true skips verification"

for v in $(compgen -e); do case $v in RCLONE_CONFIG_*) unset "$v" ;; esac; done
kserve() { AWS_ENDPOINT_URL=$https AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY "$@"; }
kserve "$INITC" --no-verify s3://models/m "$w/out5" 2>/dev/null
expect_rc 5 $? "KServe variables: untrusted certificate fails"
S3_VERIFY_SSL=0 kserve "$INITC" --no-verify s3://models/m "$w/out6" 2>/dev/null
expect_rc 0 $? "KServe variables: S3_VERIFY_SSL=0 skips verification"
AWS_CA_BUNDLE=$pki/ca.crt kserve "$INITC" --no-verify s3://models/m "$w/out7" 2>/dev/null
expect_rc 0 $? "KServe variables: AWS_CA_BUNDLE trusted"
s3env_assert_all_signed
assert_done
