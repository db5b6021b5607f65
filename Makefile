# shardrouter — top-level build.
#
#   make                 build/shardrouter and build/shardctl
#   make test            unit tests and fuzz corpus replay (seconds, no servers)
#   make check           unit tests, fuzz corpus replay, integration tests
#                        against real MariaDB servers
#   make bench           classifier and shard-map lookup microbenchmarks, then
#                        sysbench: direct vs HAProxy TCP vs shardrouter
#   make bench-classify  the classifier microbenchmark alone
#   make bench-lookup    the shard-map lookup microbenchmark alone
#   make fuzz            libFuzzer harnesses (clang, ASan+UBSan), FUZZ_TIME=60
#                        seconds each (FUZZ_ONLY="fuzz_relay ..." picks some);
#                        new corpus in build/fuzz/corpus-new, crashes in
#                        build/fuzz/crashes; `make check` replays the seeds
#   make demo            testbed + router in the foreground on 127.0.0.1:6033
#   make deps            apt-install whatever is missing (root, Debian 12)
#   make install         PREFIX=/usr/local DESTDIR=
#   make SANITIZE=address,undefined check
#
# Libraries come from pkg-config; warnings are errors.

CC       ?= cc
PKGS     := libmariadb libconfig libxxhash libcrypto
PREFIX   ?= /usr/local
DESTDIR  ?=
SANITIZE ?=
VERSION  := 0.1.0

OPT      ?= -O2
CFLAGS   ?= -g
CFLAGS   += $(OPT) -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
            -Wstrict-prototypes -Wmissing-prototypes -Wshadow -Wpointer-arith \
            -D_GNU_SOURCE -DSHARDROUTER_VERSION='"$(VERSION)"' \
            -Iinclude -MMD -MP
LDLIBS   += -lpthread

# pkg-config is consulted only when a build target needs it, so `make deps`
# works on a machine where the -dev packages are not there yet.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

ifneq ($(SANITIZE),)
OBJDIR   := build/obj-san
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=$(SANITIZE)
else
OBJDIR   := build/obj
endif

ROUTER_SRC   := $(filter-out router/main.c,$(wildcard router/*.c))
SHARDMAP_SRC := $(filter-out shardmap/shardctl%.c,$(wildcard shardmap/*.c))
SHARDCTL_SRC := $(wildcard shardmap/shardctl*.c)
UNIT_SRC     := $(wildcard tests/unit/test_*.c)

ROUTER_OBJ   := $(ROUTER_SRC:%.c=$(OBJDIR)/%.o)
SHARDMAP_OBJ := $(SHARDMAP_SRC:%.c=$(OBJDIR)/%.o)
UNIT_BIN     := $(UNIT_SRC:tests/unit/%.c=build/tests/%)

.PHONY: all test check bench demo deps install uninstall clean format lint-man check-docs \
        fuzz fuzz-build fuzz-replay fuzz-seeds bench-classify bench-lookup
all: build/shardrouter build/shardctl

# Rebuild everything when the flags change (e.g. switching SANITIZE on/off).
build/.flags: FORCE
	@mkdir -p build
	@echo '$(CC) $(CFLAGS) $(LDFLAGS) $(OBJDIR)' | cmp -s - $@ || echo '$(CC) $(CFLAGS) $(LDFLAGS) $(OBJDIR)' > $@
FORCE:

$(OBJDIR)/%.o: %.c build/.flags
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

build/librouter.a: $(ROUTER_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/libshardmap.a: $(SHARDMAP_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/shardrouter: $(OBJDIR)/router/main.o build/librouter.a build/libshardmap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

build/shardctl: $(SHARDCTL_SRC:%.c=$(OBJDIR)/%.o) build/librouter.a build/libshardmap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

# Unit tests link bench_util.o too: its interposed allocator counts heap
# allocations for the tests that assert there are none per statement.
build/tests/%: $(OBJDIR)/tests/unit/%.o $(OBJDIR)/tests/bench/bench_util.o build/librouter.a \
               build/libshardmap.a
	@mkdir -p build/tests
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS) $(LDLIBS)

# ---- fuzzing -------------------------------------------------------------
# The harnesses in tests/fuzz/ are built twice:
#   - with clang and libFuzzer (make fuzz): every library source compiled
#     again into build/obj-fuzz with ASan+UBSan and coverage, harnesses in
#     build/fuzz/;
#   - with the normal compiler and flags plus tests/fuzz/replay.c (make
#     check, make test): build/fuzz-replay/<harness> runs each file of
#     tests/fuzz/corpus/<harness>/ once.
# The classifier harness is built once router/classify.c exists.
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 60
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -g -O1 -std=gnu11 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
                -DSHARDROUTER_VERSION='"$(VERSION)"' -Iinclude -MMD -MP $(FUZZ_SAN)
FUZZ_HARNESSES := fuzz_sqllex fuzz_proto fuzz_relay \
                  $(if $(wildcard router/plan.c),fuzz_plan) \
                  $(if $(wildcard router/classify.c),fuzz_classify)
FUZZ_ONLY    ?= $(FUZZ_HARNESSES)
FUZZ_OBJ     := $(ROUTER_SRC:%.c=build/obj-fuzz/%.o) $(SHARDMAP_SRC:%.c=build/obj-fuzz/%.o)
FUZZ_BIN     := $(FUZZ_HARNESSES:%=build/fuzz/%)
REPLAY_BIN   := $(FUZZ_HARNESSES:%=build/fuzz-replay/%)

build/obj-fuzz/.flags: FORCE
	@mkdir -p build/obj-fuzz
	@echo '$(FUZZ_CC) $(FUZZ_CFLAGS)' | cmp -s - $@ || echo '$(FUZZ_CC) $(FUZZ_CFLAGS)' > $@

build/obj-fuzz/%.o: %.c build/obj-fuzz/.flags
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -c -o $@ $<

build/obj-fuzz/librouter.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/fuzz/%: build/obj-fuzz/tests/fuzz/%.o build/obj-fuzz/librouter.a
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) $(LDLIBS)

build/fuzz-replay/%: $(OBJDIR)/tests/fuzz/%.o $(OBJDIR)/tests/fuzz/replay.o build/librouter.a \
                     build/libshardmap.a
	@mkdir -p build/fuzz-replay
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

# Keep the objects of these chains (make would delete them as intermediate).
.PRECIOUS: build/obj-fuzz/%.o $(OBJDIR)/tests/fuzz/%.o $(OBJDIR)/tests/bench/%.o

fuzz-build: $(FUZZ_BIN)

# Runs each harness for FUZZ_TIME seconds on its seed corpus; fails on a crash.
fuzz: $(FUZZ_ONLY:%=build/fuzz/%)
	@FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/run.sh $(FUZZ_ONLY)

fuzz-replay: $(REPLAY_BIN)
	@tests/fuzz/replay.sh | tests/tap-total

# Regenerate the seed corpora (SQL from the classifier's test tables, and
# protocol captures); the outputs are committed.
fuzz-seeds:
	@tests/fuzz/make-seeds.sh
	@/usr/bin/python3 tests/fuzz/gen-seeds.py

# ---- classifier microbenchmark --------------------------------------------
build/bench/bench_classify: $(OBJDIR)/tests/bench/bench_classify.o $(OBJDIR)/tests/bench/bench_util.o build/librouter.a \
                            build/libshardmap.a
	@mkdir -p build/bench
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

BENCH_CLASSIFY_BIN := $(if $(wildcard router/classify.c),build/bench/bench_classify)

bench-classify: $(BENCH_CLASSIFY_BIN)
	@if [ -n "$(BENCH_CLASSIFY_BIN)" ]; then $(BENCH_CLASSIFY_BIN); \
	 else echo "bench-classify: classifier not built (no router/classify.c); skipped"; fi

# ---- shard-map lookup microbenchmark ---------------------------------------
build/bench/bench_lookup: $(OBJDIR)/tests/bench/bench_lookup.o $(OBJDIR)/tests/bench/bench_util.o \
                          build/libshardmap.a
	@mkdir -p build/bench
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

bench-lookup: build/bench/bench_lookup
	@build/bench/bench_lookup

# Unit tests: every binary prints TAP; tests/tap-total sums them up. The
# fuzz corpus replay runs with them.
test: all $(UNIT_BIN) $(REPLAY_BIN)
	@{ tests/run-unit.sh $(UNIT_BIN); tests/fuzz/replay.sh; } | tests/tap-total

check-docs:
	@tests/check-docs.sh

# Everything: docs lint, unit tests, fuzz corpus replay, integration tests on
# a real testbed.
check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(REPLAY_BIN)
	@tests/check.sh $(UNIT_BIN)

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_CLASSIFY_BIN) build/bench/bench_lookup
	@tests/bench/bench.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo.sh

deps:
	@tests/deps.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man5 \
	           $(DESTDIR)$(PREFIX)/share/man/man7 $(DESTDIR)$(PREFIX)/share/man/man8 \
	           $(DESTDIR)$(PREFIX)/share/doc/shardrouter
	install -m 0755 build/shardrouter build/shardctl $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 conf/*.conf $(DESTDIR)$(PREFIX)/share/doc/shardrouter/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/shardrouter $(DESTDIR)$(PREFIX)/bin/shardctl
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man5/,$(notdir $(wildcard man/*.5)))
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man7/,$(notdir $(wildcard man/*.7)))
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man8/,$(notdir $(wildcard man/*.8)))
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/shardrouter

format:
	clang-format -i include/*.h router/*.c shardmap/*.c tests/unit/*.c tests/fuzz/*.[ch] \
	    tests/bench/*.c

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
