# initc and prebake. `make` builds both, `make check` runs every test,
# `make demo` runs the main job on a local S3 server, `make bench` measures.
# Missing Debian packages are installed by scripts/install-deps.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DESTDIR ?=
BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
# CI sets WERROR=-Werror; the warnings themselves are always on.
WERROR ?=
SANITIZE ?=
PKGS := libcurl openssl libarchive yaml-0.1 expat jansson libisal libmicrohttpd

WARN := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers
ALL_CFLAGS = $(WARN) $(WERROR) -D_GNU_SOURCE -Icommon -Iinitc -Iprebake $(SANITIZE) $(CFLAGS)
ALL_LDFLAGS = $(SANITIZE) $(LDFLAGS)

COMMON_SRC := $(wildcard common/*.c)
INITC_SRC := $(filter-out initc/main.c,$(wildcard initc/*.c))
PREBAKE_SRC := $(filter-out prebake/main.c,$(wildcard prebake/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
COMMON_LIB := $(BUILD)/libcommon.a
INITC_LIB := $(BUILD)/libinitc.a
PREBAKE_LIB := $(BUILD)/libprebake.a
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
LIBS_FLAGS = $$(cat $(BUILD)/pkg.libs)

.PHONY: all check check-unit check-asan check-static check-images check-valgrind demo bench install uninstall clean test-deps image-deps images static fuzz
all: $(BUILD)/initc $(BUILD)/prebake

# pkg-config runs once, after the packages are there; objects read its answer.
$(BUILD)/pkg.cflags: scripts/install-deps
	@mkdir -p $(BUILD)
	@scripts/install-deps build
	pkg-config --cflags $(PKGS) > $@.tmp && mv $@.tmp $@
	pkg-config --libs $(PKGS) > $(BUILD)/pkg.libs

$(BUILD)/obj/%.o: %.c $(BUILD)/pkg.cflags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $$(cat $(BUILD)/pkg.cflags) -MMD -MP -c -o $@ $<

$(COMMON_LIB): $(call obj,$(COMMON_SRC))
$(INITC_LIB): $(call obj,$(INITC_SRC))
$(PREBAKE_LIB): $(call obj,$(PREBAKE_SRC))
$(BUILD)/%.a:
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/initc: $(BUILD)/obj/initc/main.o $(INITC_LIB) $(COMMON_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_FLAGS) -lpthread
$(BUILD)/prebake: $(BUILD)/obj/prebake/main.o $(PREBAKE_LIB) $(COMMON_LIB)
	$(CC) $(ALL_LDFLAGS) -Wl,--as-needed -o $@ $^ $(LIBS_FLAGS)
# prebake needs only libyaml and libcrypto: Debian's static archives make a
# stripped, fully static binary for Dockerfile.prebake's FROM scratch image.
# (The linker's getaddrinfo warnings concern OpenSSL's BIO, which prebake
# never calls.)
$(BUILD)/prebake-static: $(BUILD)/obj/prebake/main.o $(PREBAKE_LIB) $(COMMON_LIB)
	$(CC) -static -s -o $@ $^ $$(pkg-config --static --libs yaml-0.1 libcrypto) 2>$@.log || \
		{ cat $@.log; exit 1; }

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(INITC_LIB) $(PREBAKE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_FLAGS) -lpthread

# keep test objects: they are intermediate files make would delete
.SECONDARY:

test-deps:
	@scripts/install-deps test

# Sanitizer runtimes cannot be linked statically: no prebake-static there.
check: all $(UNIT_BIN) $(if $(SANITIZE),,$(BUILD)/prebake-static) test-deps
	BUILD=$(BUILD) tests/run

check-unit: all $(UNIT_BIN)
	BUILD=$(BUILD) tests/run unit

# The whole suite again, built with AddressSanitizer and UBSan.
check-asan:
	$(MAKE) BUILD=build-asan CC=clang CFLAGS="-O1 -g -fno-omit-frame-pointer" \
		SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=undefined" check

demo: all test-deps
	BUILD=$(BUILD) tests/demo

bench: all test-deps $(BUILD)/bench_sums
	BUILD=$(BUILD) tests/bench

$(BUILD)/bench_sums: $(BUILD)/obj/tests/bench_sums.o $(INITC_LIB) $(COMMON_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_FLAGS) -lpthread

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(BUILD)/initc $(BUILD)/prebake $(DESTDIR)$(BINDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/initc $(DESTDIR)$(BINDIR)/prebake

# A fully static, stripped initc in build-static/ (issue: tiny static initc).
static:
	scripts/build-static.sh

check-static: static test-deps
	tests/static/chroot-test.sh

# Both images (Dockerfile.init -> initc:$(IMAGE_TAG), Dockerfile.prebake ->
# prebake:$(IMAGE_TAG)) with docker, podman or buildah, whichever works
# here; the Debian base is made with debootstrap when it cannot be pulled.
IMAGE_TAG ?= dev
export IMAGE_TAG
image-deps:
	@scripts/install-deps images

images: image-deps
	scripts/images build

# The images run as Seldon Core v1 and KServe run them, and what prebake
# writes built for real (tests/images/).
check-images: images all test-deps
	BUILD=$(BUILD) tests/run images

# libFuzzer targets (clang), each run for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
fuzz: test-deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run

# A whole download under valgrind: no leaks, no errors.
check-valgrind: all test-deps
	BUILD=$(BUILD) tests/run it valgrind

clean:
	rm -rf build build-asan build-static build-fuzz build-images

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
