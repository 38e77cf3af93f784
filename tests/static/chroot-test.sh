#!/usr/bin/env bash
# chroot-test.sh: the static initc in the situation of a FROM scratch image
# in a pod. It checks what the binary is (static, no interpreter, stripped,
# at most 6 MiB, which libraries are inside), then copies it into an empty
# root holding only /etc/hosts, a CA bundle and a writable /mnt/models and
# runs it there with `env -i`, as UID 8888, in a root it cannot write to:
# a model from the loopback S3 gateway by a host name from /etc/hosts, the
# same packed as .tar.gz/.tar.xz/.tar.bz2/.tar.zst/.zip, by a service name
# through resolv.conf and DNS, and over HTTPS against the root's CA bundle;
# and the failures that prove those paths were the ones taken.
# tests/static/README.md says what this proves and what it does not.
# Needs root (chroot) and `make static` first; `make check-static` does both.
# One "ok - ..." / "not ok - ..." line per assertion; exits non-zero on failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
repo=$PWD
BIN=${STATIC_INITC:-$repo/build-static/initc}
# The unstripped link output: its symbol table says what is linked in.
FULL=${STATIC_INITC_FULL:-$repo/build-static/obj/initc.full}
MAX_BYTES=$((6 * 1024 * 1024))
HOST=minio.test    # a made-up name only the root's /etc/hosts knows
RUN_UID=8888       # Seldon's initializer UID, as in Dockerfile.init
TIMEOUT=120        # seconds for one initc run
PY=/usr/bin/python3  # Debian's, as tests/lib uses

failed=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=$((failed + 1)); }
check() { # description command...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
lacks() { ! grep -q "$@"; }
refused() { [ "$1" -ne 0 ] && [ "$1" -ne 124 ]; } # 124: timeout killed it
indent() { sed 's/^/#   /'; }

if [ ! -x "$BIN" ]; then
	not_ok "$BIN exists (run: make static)"
	exit 1
fi

# --- what the binary is -----------------------------------------------
info=$(file -b "$BIN")
echo "# file: $info"
check "file says statically linked" grep -q 'statically linked' <<<"$info"
check "file says stripped" grep -q ', stripped' <<<"$info"
dyn=$(LC_ALL=C readelf -d "$BIN" 2>&1)
check "readelf -d: no dynamic section" grep -q 'no dynamic section' <<<"$dyn"
check "readelf -d: no NEEDED library" lacks NEEDED <<<"$dyn"
check "readelf -l: no program interpreter (INTERP)" lacks INTERP <<<"$(readelf -l "$BIN")"
size=$(stat -c %s "$BIN")
check "size $size bytes ($((size / 1024)) KiB) is at most 6 MiB" [ "$size" -le "$MAX_BYTES" ]

# One symbol per library that initc must carry inside.
if [ -f "$FULL" ]; then
	syms=$(nm "$FULL" 2>/dev/null | awk '{print $NF}')
	for lib in libcurl:curl_easy_perform OpenSSL:SSL_CTX_new \
		libarchive:archive_read_next_header libyaml:yaml_parser_parse \
		expat:XML_Parse jansson:json_loadb zlib:inflate \
		libmicrohttpd:MHD_get_version; do
		check "${lib%%:*} is linked in (${lib#*:})" grep -qx "${lib#*:}" <<<"$syms"
	done
	# Debian's libmicrohttpd.a would need GnuTLS; build-static.sh's has no HTTPS.
	check "no GnuTLS inside (libmicrohttpd built without HTTPS)" lacks -i '^gnutls_' <<<"$syms"
else
	not_ok "$FULL exists (the unstripped binary build-static.sh keeps)"
fi
# The version banners compiled in (initc --version, when it has one, says
# the same from the libraries themselves).
echo "# version strings inside:"
strings -n 6 "$BIN" | grep -E '^(OpenSSL 3\.[0-9.]+ |libarchive 3\.|expat_2\.)' | sort -u | indent
for f in build-static/src/openssl.version build-static/src/curl.version \
	build-static/src/libarchive.version build-static/src/libmicrohttpd.version; do
	[ -f "$f" ] && echo "#   $(basename "$f" .version) $(cat "$f") (Debian source)"
done

if [ "$(id -u)" != 0 ]; then
	not_ok "the chroot run needs root (chroot, --userspec)"
	exit 1
fi

# --- the empty root --------------------------------------------------
# shellcheck source=SCRIPTDIR/../lib/s3env.sh
. tests/lib/s3env.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/initc-chroot.XXXXXX")
tls_pid="" dns_pid=""
cleanup() {
	[ -n "$tls_pid" ] && kill "$tls_pid" 2>/dev/null
	[ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
# shellcheck disable=SC2119 # no gateway options
s3env_start # keeps our trap and adds its own clean-up

# A small MLflow model, one file larger than a read buffer.
model=$work/model
mkdir -p "$model/sub"
cat >"$model/MLmodel" <<'EOF'
artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.10.12
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.3.0
mlflow_version: 2.9.2
EOF
printf 'python: 3.10.12\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n' >"$model/python_env.yaml"
printf 'channels:\n- conda-forge\ndependencies:\n- python=3.10.12\n- pip\n- pip:\n  - mlflow==2.9.2\n  - scikit-learn==1.3.0\nname: mlflow-env\n' >"$model/conda.yaml"
printf 'mlflow==2.9.2\nscikit-learn==1.3.0\n' >"$model/requirements.txt"
head -c 3000000 /dev/urandom >"$model/model.pkl"
head -c 1000 /dev/urandom >"$model/sub/extra.bin"
s3env_mkbucket models
s3env_put_tree models iris "$model"

# The test CA and a certificate for $HOST, for the HTTPS run.
pki=$work/pki
mkdir -p "$pki"
if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$pki/ca.key" -out "$pki/ca.crt" -days 2 -subj "/CN=initc test CA" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
	>"$pki/log" 2>&1 ||
	! openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$pki/srv.key" -out "$pki/srv.csr" -subj "/CN=$HOST" >>"$pki/log" 2>&1 ||
	! openssl x509 -req -in "$pki/srv.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
		-CAcreateserial -days 2 -out "$pki/srv.crt" \
		-extfile <(printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$HOST") \
		>>"$pki/log" 2>&1; then
	indent <"$pki/log"
	not_ok "made a test CA and a certificate for $HOST"
	exit 1
fi

# The root: owned by root and read-only for everyone but the destination,
# which belongs to the UID initc runs as (a pod's emptyDir).
root=$work/root
make_root() { # CA bundle, [/etc/hosts line], [/etc/resolv.conf content]
	chmod -R u+w "$root" 2>/dev/null
	rm -rf "$root"
	mkdir -p "$root/etc/ssl/certs" "$root/mnt/models"
	cp "$BIN" "$root/initc"
	printf '%s\n' "${2-127.0.0.1 $HOST}" >"$root/etc/hosts"
	[ -z "${3:-}" ] || printf '%s\n' "$3" >"$root/etc/resolv.conf"
	cp "$1" "$root/etc/ssl/certs/ca-certificates.crt"
	chown "$RUN_UID:$RUN_UID" "$root/mnt/models"
	chmod -R a-w "$root/etc"
	chmod 0555 "$root" "$root/mnt" "$root/initc"
}
outside_dest() { (cd "$root" && find . -path ./mnt/models -prune -o -print | sort); }

# Run the static initc in the root with nothing but the rclone variables
# for the remote S3 at the given endpoint.
run_initc() { # endpoint [uri]
	timeout "$TIMEOUT" env -i \
		RCLONE_CONFIG_S3_TYPE=s3 RCLONE_CONFIG_S3_PROVIDER=Minio \
		RCLONE_CONFIG_S3_ENDPOINT="$1" \
		RCLONE_CONFIG_S3_ACCESS_KEY_ID="$S3_ACCESS_KEY" \
		RCLONE_CONFIG_S3_SECRET_ACCESS_KEY="$S3_SECRET_KEY" \
		RCLONE_CONFIG_S3_REGION="$S3_REGION" \
		RCLONE_LOW_LEVEL_RETRIES=2 RCLONE_CONTIMEOUT=10s \
		"$(command -v chroot)" --userspec="$RUN_UID:$RUN_UID" "$root" \
		/initc "${2:-s3://models/iris}" /mnt/models >"$work/initc.log" 2>&1
}

# Every file of the model arrived, byte for byte.
same_files() {
	local f rel bad=0
	while IFS= read -r f; do
		rel=${f#"$model"/}
		if [ ! -f "$root/mnt/models/$rel" ]; then
			echo "#   missing: $rel"
			bad=1
		elif [ "$(sha256sum <"$f")" != "$(sha256sum <"$root/mnt/models/$rel")" ]; then
			echo "#   sha256 differs: $rel"
			bad=1
		fi
	done < <(find "$model" -type f | sort)
	return "$bad"
}

download_case() { # label endpoint [make_root arguments]
	local label=$1 endpoint=$2 before rc
	shift 2
	make_root "${@:-$pki/ca.crt}"
	before=$(outside_dest)
	run_initc "$endpoint"
	rc=$?
	check "$label: chroot /initc s3://models/iris /mnt/models exits 0 (got $rc)" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || indent <"$work/initc.log"
	check "$label: every file arrived, sha256-identical" same_files
	check "$label: nothing written outside /mnt/models" \
		[ "$before" = "$(outside_dest)" ]
}

gate_port=${S3_ENDPOINT##*:}
echo "# root: /initc /etc/hosts ($HOST -> 127.0.0.1) /etc/ssl/certs/ca-certificates.crt /mnt/models (uid $RUN_UID)"

# --- HTTP by host name -------------------------------------------------
mark=$(s3env_log_mark)
download_case "http://$HOST" "http://$HOST:$gate_port"
s3env_assert_all_signed "$mark" | sed 's/^\(not \)\{0,1\}ok - /&http: /'
[ "${PIPESTATUS[0]}" -eq 0 ] || failed=$((failed + 1))

# --- archives unpack with the libraries inside, no programs around ----
# Each compressor libarchive was built with, on a single-archive download.
for fmt in tar.gz tar.xz tar.bz2 tar.zst zip; do
	arc=$work/model.$fmt
	case $fmt in
	tar.gz) tar -C "$model" -czf "$arc" . ;;
	tar.xz) tar -C "$model" -cJf "$arc" . ;;
	tar.bz2) tar -C "$model" -cjf "$arc" . ;;
	tar.zst) command -v zstd >/dev/null && tar -C "$model" --zstd -cf "$arc" . ;;
	zip) (cd "$model" && "$PY" -m zipfile -c "$arc" .) ;;
	esac >/dev/null 2>&1 || { echo "# skipped .$fmt: cannot make one here"; continue; }
	s3env_put models "packed/model.$fmt" "$arc"
	make_root "$pki/ca.crt"
	run_initc "http://$HOST:$gate_port" "s3://models/packed/model.$fmt"
	rc=$?
	check "model.$fmt: downloaded and unpacked in the empty root (exit $rc)" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || indent <"$work/initc.log"
	check "model.$fmt: every unpacked file sha256-identical" same_files
	check "model.$fmt: the archive itself is gone" [ ! -e "$root/mnt/models/model.$fmt" ]
done

# --- the name comes from /etc/hosts, nothing else ---------------------
make_root "$pki/ca.crt" "127.0.0.1 localhost"
run_initc "http://$HOST:$gate_port"
rc=$?
check "without $HOST in /etc/hosts: refused (exit $rc, not 0, no timeout)" refused "$rc"
check "without $HOST in /etc/hosts: no model file written" \
	[ ! -e "$root/mnt/models/model.pkl" ]

# --- a Kubernetes service name: resolv.conf's search list and DNS ------
# glibc's static getaddrinfo must ask the nameserver itself (no NSS module
# to load). Port 53 is needed; a machine that has it taken skips this.
svc=s3-gateway
fqdn=$svc.models.svc.cluster.local
"$PY" tests/static/dns_answer.py --name "$fqdn" --log "$work/dns.log" \
	--ready-file "$work/dns.ready" --max-seconds 300 2>"$work/dns.err" &
dns_pid=$!
for ((i = 0; i < 100; i++)); do
	[ -e "$work/dns.ready" ] && break
	kill -0 "$dns_pid" 2>/dev/null || break
	sleep 0.1
done
if [ -e "$work/dns.ready" ]; then
	download_case "http://$svc (DNS, search list)" "http://$svc:$gate_port" \
		"$pki/ca.crt" "127.0.0.1 localhost" \
		"$(printf 'search models.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.0.0.1\noptions ndots:5')"
	check "http://$svc: the name was asked of the DNS server as $fqdn" \
		grep -qx "A $fqdn" "$work/dns.log"
else
	echo "# skipped the DNS case: 127.0.0.1:53 not available: $(tail -n 1 "$work/dns.err")"
fi
kill "$dns_pid" 2>/dev/null

# --- HTTPS by host name, the certificate checked against the bundle ---
"$PY" tests/static/tls_forward.py --cert "$pki/srv.crt" --key "$pki/srv.key" \
	--upstream "127.0.0.1:$gate_port" --port-file "$work/tls.port" \
	--max-seconds 300 2>"$work/tls.err" &
tls_pid=$!
for ((i = 0; i < 100; i++)); do
	[ -s "$work/tls.port" ] && break
	kill -0 "$tls_pid" 2>/dev/null || break
	sleep 0.1
done
if [ -s "$work/tls.port" ]; then
	tls_port=$(cat "$work/tls.port")
	download_case "https://$HOST" "https://$HOST:$tls_port"

	# The same with a bundle that does not hold our CA: must be refused.
	make_root /etc/ssl/certs/ca-certificates.crt
	run_initc "https://$HOST:$tls_port"
	rc=$?
	check "https with a bundle lacking the test CA: refused (exit $rc, not 0, no timeout)" \
		refused "$rc"
	check "https with a bundle lacking the test CA: no model file written" \
		[ ! -e "$root/mnt/models/model.pkl" ]
	check "https refusal happened in the TLS handshake" \
		grep -q 'handshake failed' "$work/tls.err"
else
	indent <"$work/tls.err"
	not_ok "the TLS forwarder started"
fi

# --- what initc says about itself, from inside the root ----------------
make_root "$pki/ca.crt"
timeout 10 env -i "$(command -v chroot)" --userspec="$RUN_UID:$RUN_UID" "$root" \
	/initc --version >"$work/version" 2>&1
rc=$?
echo "# chroot /initc --version:"
indent <"$work/version"
check "initc --version runs in the empty root (exit $rc)" [ "$rc" -eq 0 ]
for lib in libcurl OpenSSL libarchive libyaml expat jansson libmicrohttpd; do
	check "initc --version names $lib" grep -q "$lib" "$work/version"
done
# The HTTP server of `initc rcd`: the version build-static.sh built from
# Debian's source package, not another one found on the way.
mhd_src=$(cut -d- -f1 build-static/src/libmicrohttpd.version 2>/dev/null)
check "initc --version prints the line libmicrohttpd ${mhd_src:-?} (Debian's source)" \
	grep -qx "libmicrohttpd ${mhd_src:-?}" "$work/version"

[ "$failed" -eq 0 ]
