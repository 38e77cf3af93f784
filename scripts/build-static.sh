#!/bin/sh
# Build a fully static, stripped initc at build-static/initc: no program
# interpreter, no shared libraries, runnable in a FROM scratch image.
# `make static` and Dockerfile.init's builder stage both run this script,
# so the image and a local build come from the same steps.
#
# Where each library comes from (all Debian bookworm):
#   libyaml, expat, jansson, zlib, xz, bzip2, zstd: the static archives Debian's
#     -dev packages ship, used as they are.
#   OpenSSL: Debian's libcrypto.a carries every algorithm, engines and the
#     legacy ciphers: 3.9 MB of a 6 MiB budget. Rebuilt from Debian's source
#     package as a TLS 1.2/1.3 client library: no engines, modules, legacy
#     ciphers, DTLS, SRP, CMS, OCSP... (about 2.5 minutes on 2 cores).
#   libcurl: Debian's libcurl.a is built with GSSAPI, LDAP, IDN, PSL,
#     nghttp2, brotli, SSH and RTMP, whose static archives Debian does not
#     all ship. Rebuilt from Debian's source package (its patches, less the
#     GnuTLS/NSS ones, as debian/rules does for the OpenSSL flavour) with
#     HTTP/HTTPS over that OpenSSL and nothing else.
#   libarchive: Debian's links ACLs, xattrs, nettle, libxml2, lz4 and iconv;
#     rebuilt from its source package with only the readers' compressors.
#   ISA-L (CRC-32 and CRC-32C): Debian ships no static archive; built from
#     its source package, libisal (nasm for its assembly). Only its CRC objects end
#     up in initc (--gc-sections).
#   libmicrohttpd (the HTTP server of `initc rcd`): Debian's libmicrohttpd.a
#     is built with HTTPS, so it needs GnuTLS, of which Debian ships no
#     static archive. Rebuilt from its source package (its patch applied)
#     for plain HTTP on the pod's loopback/cluster network, as rclone rcd
#     serves it: no HTTPS, digest auth, Upgrade or PostProcessor; basic auth
#     (--rc-user/--rc-pass), epoll, threads and error messages kept.
#
# Why glibc and not musl: glibc 2.36 has the "files" and "dns" NSS modules
# inside libc itself, so a static getaddrinfo() reads /etc/hosts and asks
# the nameservers of /etc/resolv.conf (search list, ndots) without
# dlopen()ing anything, as long as no /etc/nsswitch.conf names another
# module: a scratch image has none, and Kubernetes mounts only hosts,
# resolv.conf and hostname. (In an image that does have one, glibc would
# try to load that image's libnss_*.so: keep initc on scratch.) The linker
# still warns that getaddrinfo "requires at runtime the shared libraries";
# that is about those other modules, and tests/static/chroot-test.sh proves
# resolution by /etc/hosts and by DNS in an empty root. musl was the other
# choice, but bookworm's musl 1.2.3 has no DNS-over-TCP fallback (the
# Alpine-in-Kubernetes failures on large answers; fixed in 1.2.4) and
# every library, zlib to expat, would have to be compiled here too. What
# static glibc does dlopen() is iconv's gconv modules: libarchive is built
# --without-iconv so it uses its own UTF-8 conversions instead.
#
# Everything is cached under build-static/ (Debian sources, library builds,
# objects); a rerun rebuilds only what changed. Delete build-static/src to
# fetch newer Debian sources.
#
# Usage: build-static.sh [libs|all]; "libs" stops after the libraries
# (Dockerfile.init caches them in a layer of their own).
# Environment: STATIC_DIR (default build-static), STATIC_JOBS (default 2),
# CC (default cc). Prints one "ok - ..." line per stage, or "not ok - ..."
# with the end of that stage's log, and exits non-zero on failure.
# The flag lists below are split into words on purpose.
# shellcheck disable=SC2086
set -eu

# A parent make's variables (make CFLAGS=... static) must not leak into
# the libraries' own makes.
unset MAKEFLAGS MFLAGS MAKELEVEL
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
B=${STATIC_DIR:-$root/build-static}
case $B in /*) ;; *) B=$root/$B ;; esac
JOBS=${STATIC_JOBS:-2}
CC=${CC:-cc}
P=$B/prefix
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
MAX_BYTES=$((6 * 1024 * 1024))

# The tools and the static archives this build uses; a Debian package each.
build_pkgs="gcc make pkg-config dpkg-dev patch autoconf automake libtool perl
file binutils libyaml-dev libexpat1-dev libjansson-dev zlib1g-dev liblzma-dev
libbz2-dev libzstd-dev ca-certificates util-linux nasm"

# A TLS client for curl and the digests initc computes (SHA-256, MD5,
# HMAC). Every "no-" below is code initc never runs; the default provider
# is linked in, so no module is ever loaded from disk.
ssl_flags="no-shared no-tests no-module no-legacy no-engine no-dso
no-dynamic-engine no-afalgeng no-autoload-config no-ui-console no-comp no-ct
no-dtls no-sctp no-srp no-srtp no-psk no-ssl3 no-tls1 no-tls1_1
no-nextprotoneg no-ssl-trace no-gost no-idea no-rc2 no-rc4 no-rc5 no-md4
no-mdc2 no-whirlpool no-seed no-camellia no-aria no-sm2 no-sm3 no-sm4 no-bf
no-cast no-des no-dsa no-blake2 no-siphash no-siv no-ocb no-scrypt no-ec2m
no-cms no-ts no-ocsp no-cmp no-rfc3779 no-async no-padlockeng no-capieng
no-unit-test"

# Only what initc speaks: HTTP and HTTPS through OpenSSL, proxies kept
# (clusters often need HTTPS_PROXY), IPv6 kept (IPv6-only clusters exist).
curl_flags="--disable-shared --enable-static --disable-dependency-tracking
--with-openssl=$P --with-ca-bundle=$CA_BUNDLE --without-ca-path
--disable-openssl-auto-load-config --enable-threaded-resolver
--disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp
--disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap
--disable-smb --disable-smtp --disable-gopher --disable-mqtt --disable-manual
--disable-ntlm --disable-ntlm-wb --disable-tls-srp --disable-alt-svc
--disable-websockets --disable-cookies --disable-mime --disable-netrc
--disable-hsts --disable-doh --disable-dnsshuffle --disable-unix-sockets
--disable-get-easy-options --disable-progress-meter --without-gssapi
--without-libidn2 --without-libpsl --without-brotli --without-zstd --without-zlib --without-nghttp2
--without-ngtcp2 --without-nghttp3 --without-quiche --without-msh3
--without-librtmp --without-libssh2 --without-libssh --without-wolfssh
--without-libgsasl --without-hyper --without-zsh-functions-dir
--without-fish-functions-dir"

# Readers for tar, zip and friends with gzip, bzip2, xz and zstd; no ACLs,
# xattrs, crypto, XML (xar) or iconv (see above).
archive_flags="--disable-shared --enable-static --disable-dependency-tracking
--disable-bsdtar --disable-bsdcpio --disable-bsdcat --disable-acl
--disable-xattr --without-iconv --without-libb2 --without-lz4 --without-lzo2
--without-openssl --without-nettle --without-mbedtls --without-xml2
--without-expat --without-cng --with-zlib --with-bz2lib --with-lzma
--with-zstd"

# One line: configure writes CFLAGS into each Makefile, where a line break
# ends the variable: OpenSSL, libarchive and ISA-L were built without
# -D_FORTIFY_SOURCE=2 (libarchive without its own warning and visibility flags too).
lib_cflags="-Os -ffunction-sections -fdata-sections -fstack-protector-strong -D_FORTIFY_SOURCE=2"

stage="" log=""
on_exit() {
	rc=$?
	if [ -n "$stage" ]; then
		exec 1>&3 2>&4
		echo "not ok - $stage (exit $rc; log: $log)"
		tail -n 30 "$log" | sed 's/^/    /' >&2
		[ "$rc" -ne 0 ] || rc=1
	fi
	exit "$rc"
}
trap on_exit EXIT
# Run a stage with its output in its own log; on_exit reports a failure.
begin() {
	stage=$1 log=$B/log/$2.log
	exec 3>&1 4>&2 >"$log" 2>&1
}
done_ok() {
	exec 1>&3 2>&4
	stage=""
	echo "ok - $1"
}

need_pkgs() {
	missing=""
	for p in $build_pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'ok installed' || missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	echo "installing:$missing"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends $missing
}

# apt with its own state under build-static/apt: the system's deb lines
# turned into deb-src, so the system's apt configuration is never touched.
apt_src() { # apt-get or apt-cache, then its arguments
	tool=$1
	shift
	"$tool" -q -o Dir::Etc::SourceList="$B/apt/sources.list" \
		-o Dir::Etc::SourceParts="$B/apt/parts" \
		-o Dir::State::Lists="$B/apt/lists" \
		-o Dir::Cache="$B/apt/cache" -o APT::Sandbox::User=root "$@"
}

apt_src_setup() {
	mkdir -p "$B/apt/parts" "$B/apt/lists/partial" "$B/apt/cache/archives/partial"
	if [ -f /etc/apt/sources.list ]; then
		sed -n 's/^deb[[:space:]]/deb-src /p' /etc/apt/sources.list
	fi >"$B/apt/sources.list"
	for f in /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^deb[[:space:]]/deb-src /p' "$f"
	done >>"$B/apt/sources.list"
	rm -f "$B/apt/parts/"*
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed 's/^Types:.*/Types: deb-src/' "$f" >"$B/apt/parts/$(basename "$f")"
	done
	apt_src apt-get update
}

# Fetch and unpack (with Debian's patches) the source package $1 into
# $B/src/$1, once; its version is kept in $B/src/$1.version. A mirror can
# list a version it does not serve yet: then the next newest is tried.
fetch_src() {
	[ -f "$B/src/$1.version" ] && return 0
	rm -rf "$B/src/$1" "$B/src/$1".tmp
	for v in $(apt_src apt-cache showsrc --only-source "$1" | sed -n 's/^Version: //p' | sort -rV); do
		mkdir -p "$B/src/$1.tmp"
		(cd "$B/src/$1.tmp" && apt_src apt-get source --only-source "$1=$v") && break
		rm -rf "$B/src/$1.tmp"
	done
	[ -d "$B/src/$1.tmp" ] || { echo "no version of $1 could be fetched"; return 1; }
	echo "$v" >"$B/src/$1.version"
	mv "$B/src/$1.tmp/$1"-*/ "$B/src/$1"
	rm -rf "$B/src/$1.tmp"
}

# A library is rebuilt when its source version or its flags change.
lib_key() { echo "$(cat "$B/src/$1.version") $2 $lib_cflags $CC" | sha256sum | cut -c1-16; }
lib_fresh() { [ -f "$P/.built-$1" ] && [ "$(cat "$P/.built-$1")" = "$2" ]; }

# Configure and build in a scratch copy so the fetched tree stays pristine.
prepare_copy() {
	rm -rf "$B/work/$1"
	mkdir -p "$B/work"
	cp -a "$B/src/$1" "$B/work/$1"
	cd "$B/work/$1"
}

build_openssl() {
	prepare_copy openssl
	CC=$CC CFLAGS="$lib_cflags" ./Configure --prefix="$P" --libdir=lib \
		--openssldir=/etc/ssl $ssl_flags
	make -j"$JOBS" build_libs
	make install_dev
	cd "$root"
}

build_curl() {
	prepare_copy curl
	# debian/rules builds the OpenSSL flavour without the last two patches.
	for p in 99_nss.patch 90_gnutls.patch; do
		patch -R -p1 <"debian/patches/$p"
	done
	autoreconf -fi
	PKG_CONFIG_PATH="$P/lib/pkgconfig" PKG_CONFIG_LIBDIR="$P/lib/pkgconfig" \
		CC=$CC CFLAGS="$lib_cflags" ./configure --prefix="$P" $curl_flags
	make -j"$JOBS" -C lib
	make -C lib install
	make -C include install
	make install-pkgconfigDATA
	cd "$root"
}

build_libarchive() {
	prepare_copy libarchive
	sh build/autogen.sh
	CC=$CC CFLAGS="$lib_cflags" ./configure --prefix="$P" $archive_flags
	make -j"$JOBS" libarchive.la
	make install-libLTLIBRARIES install-includeHEADERS install-pkgconfigDATA
	cd "$root"
}

# Plain HTTP/1.1 for `initc rcd`. The agent sends JSON bodies, so no
# PostProcessor (form decoding: the one part Debian had to patch for a DoS);
# rclone's --rc-user/--rc-pass need basic auth, nothing needs digest auth
# or protocol upgrades. Messages stay: MHD's errors say why a bind failed.
mhd_flags="--disable-shared --enable-static --disable-dependency-tracking
--disable-nls --disable-doc --disable-examples --disable-curl
--enable-https=no --without-gnutls --disable-dauth --disable-httpupgrade
--disable-postprocessor --enable-epoll=yes --with-threads=posix"

build_libmicrohttpd() {
	prepare_copy libmicrohttpd
	CC=$CC CFLAGS="$lib_cflags" ./configure --prefix="$P" $mhd_flags
	make -j"$JOBS" -C src/microhttpd libmicrohttpd.la
	make -C src/microhttpd install-libLTLIBRARIES
	make -C src/include install
	make install-pkgconfigDATA
	cd "$root"
}

# ISA-L's library only: no igzip program, no tests.
isal_flags="--disable-shared --enable-static --disable-dependency-tracking"

build_libisal() {
	prepare_copy libisal
	sh autogen.sh
	CC=$CC CFLAGS="$lib_cflags" ./configure --prefix="$P" $isal_flags
	make -j"$JOBS" libisal.la
	make install-libLTLIBRARIES install-nobase_includeHEADERS install-pkgincludeHEADERS \
		install-pkgconfigDATA
	cd "$root"
}

pc() { PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --static "$@" libcurl libarchive yaml-0.1 expat jansson openssl libisal libmicrohttpd; }

# Compile common/*.c and initc/*.c (the set is globbed by make at run time,
# like the main Makefile) and link them statically; make's -MMD
# dependencies keep reruns incremental.
build_initc() {
	mkdir -p "$B/obj"
	flags="-std=c11 -Wall -Wextra -D_GNU_SOURCE -Icommon -Iinitc -O2 \
-ffunction-sections -fdata-sections -fstack-protector-strong \
-D_FORTIFY_SOURCE=2 $(pc --cflags)"
	libs="$(pc --libs) -pthread"
	# A change of flags or libraries must rebuild everything.
	printf '%s\n%s\n' "$flags" "$libs" >"$B/obj/flags.new"
	cmp -s "$B/obj/flags.new" "$B/obj/flags" || mv "$B/obj/flags.new" "$B/obj/flags"
	make -j"$JOBS" -f - O="$B/obj" CC="$CC" FLAGS="$flags" LIBS="$libs" <<'EOF'
SRC := $(wildcard common/*.c initc/*.c)
OBJ := $(patsubst %.c,$(O)/%.o,$(SRC))
$(O)/initc.full: $(OBJ) $(O)/flags
	$(CC) -static -Wl,--gc-sections -o $@ $(OBJ) $(LIBS)
$(O)/%.o: %.c $(O)/flags
	@mkdir -p $(@D)
	$(CC) $(FLAGS) -MMD -MP -c -o $@ $<
-include $(OBJ:.o=.d)
EOF
	strip --strip-all -o "$B/initc.tmp" "$B/obj/initc.full"
	# The previous size, so that what a change costs shows in the ok line.
	if [ -f "$B/initc" ]; then wc -c <"$B/initc"; else echo none; fi >"$B/obj/prev-size"
	mv "$B/initc.tmp" "$B/initc"
}

# A static binary has no program interpreter and no dynamic section.
check_static() {
	file "$B/initc" | tee /dev/stderr | grep -q 'statically linked'
	if readelf -l "$B/initc" | grep -q INTERP; then echo "has INTERP"; return 1; fi
	if readelf -d "$B/initc" | grep -q NEEDED; then echo "has NEEDED"; return 1; fi
	size=$(wc -c <"$B/initc")
	echo "size $size bytes, limit $MAX_BYTES"
	[ "$size" -le "$MAX_BYTES" ]
}

# Build library $1 (source package $1, function build_$1) unless the same
# version was built with the same flags; $2 is its flags, $3 what it holds.
# A library's key includes the key of OpenSSL, which curl is built on.
library() {
	base=""
	[ "$1" = openssl ] || base=$(cat "$P/.built-openssl")
	key=$(lib_key "$1" "$2 $base")
	if lib_fresh "$1" "$key"; then
		echo "ok - $1 $(cat "$B/src/$1.version") (cached)"
		return 0
	fi
	begin "build $1" "$1"
	"build_$1"
	echo "$key" >"$P/.built-$1"
	done_ok "built $1 $(cat "$B/src/$1.version"): $3"
}

case ${1:-all} in
libs | all) ;;
*) echo "usage: $0 [libs|all]  (libs: only the static libraries)" >&2; exit 2 ;;
esac

mkdir -p "$B/log" "$B/src" "$P"
# One build at a time in this directory; be gentle with shared cores.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$B/.lock"
	flock 9
fi
renice -n 10 -p $$ >/dev/null 2>&1 || :

begin "build tools and Debian static libraries" deps
need_pkgs
done_ok "build tools and Debian static libraries present"

sources="openssl curl libarchive libisal libmicrohttpd"
fetched=yes
for pkg in $sources; do
	[ -f "$B/src/$pkg.version" ] || fetched=no
done
if [ "$fetched" = no ]; then
	begin "fetch Debian source packages: $sources" fetch
	apt_src_setup
	for pkg in $sources; do fetch_src "$pkg"; done
	done_ok "fetched Debian sources: $(for pkg in $sources; do printf '%s %s ' "$pkg" "$(cat "$B/src/$pkg.version")"; done)"
fi

library openssl "$ssl_flags" "TLS 1.2/1.3 client, default provider built in"
library curl "$curl_flags" "HTTP/HTTPS over OpenSSL only"
library libarchive "$archive_flags" "readers with gzip, bzip2, xz, zstd"
library libisal "$isal_flags" "CRC-32 and CRC-32C"
library libmicrohttpd "$mhd_flags" "HTTP server, no HTTPS"
[ "${1:-all}" = libs ] && exit 0

begin "compile and link initc" initc
build_initc
done_ok "linked $B/initc from $(printf '%s\n' common/*.c initc/*.c | wc -l) sources"

begin "initc is static and at most 6 MiB" check
check_static
done_ok "initc is static, $(wc -c <"$B/initc") bytes stripped (before this build: $(cat "$B/obj/prev-size"))"
