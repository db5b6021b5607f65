# shardrouter — top-level build.
#
#   make                 build/shardrouter and build/shardctl
#   make test            unit tests (cmocka, seconds, no servers)
#   make check           unit + integration tests against real MariaDB servers
#   make bench           sysbench: direct vs HAProxy TCP vs shardrouter
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
SHARDMAP_SRC := $(filter-out shardmap/shardctl.c,$(wildcard shardmap/*.c))
UNIT_SRC     := $(wildcard tests/unit/test_*.c)

ROUTER_OBJ   := $(ROUTER_SRC:%.c=$(OBJDIR)/%.o)
SHARDMAP_OBJ := $(SHARDMAP_SRC:%.c=$(OBJDIR)/%.o)
UNIT_BIN     := $(UNIT_SRC:tests/unit/%.c=build/tests/%)

.PHONY: all test check bench demo deps install uninstall clean format lint-man check-docs
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

build/shardctl: $(OBJDIR)/shardmap/shardctl.o build/libshardmap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

build/tests/%: $(OBJDIR)/tests/unit/%.o build/librouter.a build/libshardmap.a
	@mkdir -p build/tests
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS) $(LDLIBS)

# Unit tests: every binary prints TAP; tests/tap-total sums them up.
test: all $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN) | tests/tap-total

check-docs:
	@tests/check-docs.sh

# Everything: docs lint, unit tests, integration tests on a real testbed.
check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@tests/check.sh $(UNIT_BIN)

bench: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/bench.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo.sh

deps:
	@tests/deps.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man5 \
	           $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/doc/shardrouter
	install -m 0755 build/shardrouter build/shardctl $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 conf/*.conf $(DESTDIR)$(PREFIX)/share/doc/shardrouter/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/shardrouter $(DESTDIR)$(PREFIX)/bin/shardctl
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man5/,$(notdir $(wildcard man/*.5)))
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man8/,$(notdir $(wildcard man/*.8)))
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/shardrouter

format:
	clang-format -i include/*.h router/*.c shardmap/*.c tests/unit/*.c

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
