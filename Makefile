# Plain GNU make: everything builds into build/ (build/san with SANITIZE).
#   make                 build node library, store, tools, tests
#   make test            unit + integration tests, ends "N passed, N failed"
#   make test SANITIZE=address,undefined   the same under ASan+UBSan
#   make demo            the main job: see README.md
#   make deb             the Debian package (make test-deb: install it here)
#   make test-mixed      a province of this build and the previous release's
#                        (built from git into build/old): tests/mixed.sh
#   make bench | bench-province | bench-nation | fuzz | memcheck | clean

CC	?= cc
CFLAGS	?= -O2 -g
WARN	 = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wformat=2 -Wvla \
	   -Wwrite-strings -fno-common
HARDEN	 = -fstack-protector-strong -D_FORTIFY_SOURCE=2
LIBS	 = -lzmq -llmdb -lsodium -lprotobuf-c -linih -ljansson -lpthread

# make V=1 shows the commands.
Q	 = $(if $(V),,@)

B	 = build
ifdef SANITIZE
B	 = build/san
SANFLAGS = -fsanitize=$(SANITIZE) -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
HARDEN	 = -fstack-protector-strong
endif

# Generated headers are system headers: their macros are not held to our
# warnings (-Wcast-qual fires in protoc-c's INIT macros).
CPPFLAGS = -D_GNU_SOURCE -Inode/lib -Inode/view -Istore -isystem $(B)/proto
ALL_CFLAGS = $(CFLAGS) $(WARN) $(HARDEN) $(SANFLAGS) $(CPPFLAGS)
LDFLAGS	+= $(SANFLAGS)

# Debian packages the build, the tests and the demo need.
DEB_PKGS = gcc make pkg-config libzmq3-dev liblmdb-dev lmdb-utils \
	   libsodium-dev libprotobuf-c-dev protobuf-c-compiler libcmocka-dev \
	   libinih-dev libjansson-dev clang libclang-rt-14-dev jq groff-base \
	   swaks postfix faketime libxml2-dev

PROTOS	 = $(wildcard proto/*.proto)
PROTO_C	 = $(PROTOS:proto/%.proto=$(B)/proto/%.pb-c.c)
PROTO_H	 = $(PROTO_C:.c=.h)
PROTO_O	 = $(PROTO_C:.c=.o)

# The parts, each an archive, each linking only those below it:
#   node/      the daemon; every file but its entry point goes into
#              libdaemon.a, which only the daemon and the tests link
#   node/view/ a store read as documents and replies, for the daemon and
#              node-ctl -d; node/lib/ what every program shares (names,
#              keys, records, certificates, config, logs, the control
#              client): both go into libnode.a, which the tools link
#   store/     the LMDB layer: libstore.a
# Only the daemon's files and the tests see node/'s headers, so a tool
# cannot call into the daemon. The gateway's parsers live with it in
# tools/mailgw/; its unit tests and fuzz target link them from libgw.a.
DAEMON_SRC = $(filter-out node/main.c,$(wildcard node/*.c))
DAEMON_O = $(DAEMON_SRC:%.c=$(B)/obj/%.o)
NODE_SRC = $(wildcard node/lib/*.c node/view/*.c)
NODE_O	 = $(NODE_SRC:%.c=$(B)/obj/%.o)
STORE_SRC = $(wildcard store/*.c)
STORE_O	 = $(STORE_SRC:%.c=$(B)/obj/%.o)
GW_SRC	 = tools/mailgw/smtp.c tools/mailgw/gw_cfg.c
GW_O	 = $(GW_SRC:%.c=$(B)/obj/%.o)
LIBDAEMON = $(B)/libdaemon.a
LIBNODE	 = $(B)/libnode.a
LIBSTORE = $(B)/libstore.a
LIBGW	 = $(B)/libgw.a
TEST_LIBS = $(LIBDAEMON) $(LIBGW) $(LIBNODE) $(LIBSTORE)

# A tool is tools/NAME.c, or the files of tools/NAME/ for a larger one.
TOOLS	 = $(patsubst tools/%.c,$(B)/%,$(wildcard tools/*.c))
TOOL_DIRS = $(patsubst tools/%/main.c,%,$(wildcard tools/*/main.c))
TOOLS	+= $(TOOL_DIRS:%=$(B)/%)
UNIT	 = $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))
HELPERS	 = $(patsubst tests/helpers/%.c,$(B)/tests/%,$(wildcard tests/helpers/*.c))
BENCH	 = $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/*.c))
# bench/*_load.c and *_sim.c are load clients the scripts drive, not
# benchmarks.
BENCH_RUN = $(filter-out %_load %_sim,$(BENCH))

# Fuzz targets always build with clang's libFuzzer, ASan and UBSan.
FUZZ_CC	 = clang
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	   -fno-sanitize-recover=all -D_GNU_SOURCE \
	   -Inode -Inode/lib -Inode/view -Istore -Itools/mailgw \
	   -Itools/node-ctl $(XML_CFLAGS) -Ibuild/fuzz/proto
FUZZ	 = $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZTIME ?= 60

all: $(B)/node $(TOOLS) $(UNIT) $(HELPERS)

# Installs the Debian packages of list $(1) that are missing.
define apt_install
	@missing=; for p in $(1); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
		    grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && \
		echo "postfix postfix/main_mailer_type select No configuration" | \
		    $$sudo debconf-set-selections && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
		    $$missing >/dev/null || exit 1; \
	fi
endef

deps:
	$(call apt_install,$(DEB_PKGS))

$(B)/proto/%.pb-c.c $(B)/proto/%.pb-c.h: proto/%.proto | deps
	@mkdir -p $(@D)
	@echo "  PROTOC  $<"
	$(Q)protoc-c --c_out=$(B)/proto -Iproto $<

# Generated code gets the warnings it was written for, not ours.
$(B)/proto/%.pb-c.o: $(B)/proto/%.pb-c.c
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -Wall -Werror $(CPPFLAGS) -c -o $@ $<

$(B)/obj/node/main.o $(DAEMON_O): CPPFLAGS += -Inode
$(B)/obj/tests/%.o $(B)/obj/bench/%.o: CPPFLAGS += -Inode -Itools/mailgw \
    -Itests/helpers

# node-ctl reads DXL (db import) with libxml2; nothing else links it.
XML_CFLAGS = -isystem /usr/include/libxml2
XML_LIBS = -lxml2
$(B)/obj/tools/node-ctl/%.o: CPPFLAGS += $(XML_CFLAGS)
$(B)/node-ctl: LIBS += $(XML_LIBS)

$(B)/obj/%.o: %.c $(PROTO_H) | deps
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBDAEMON): $(DAEMON_O)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBNODE): $(NODE_O) $(PROTO_O)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBSTORE): $(STORE_O)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBGW): $(GW_O)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(B)/node: $(B)/obj/node/main.o $(LIBDAEMON) $(LIBNODE) $(LIBSTORE)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/%: $(B)/obj/tools/%.o $(LIBNODE) $(LIBSTORE)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# The multi-file tools: build/NAME from every tools/NAME/*.c.
define tool_dir
$(B)/$(1): $(patsubst %.c,$(B)/obj/%.o,$(wildcard tools/$(1)/*.c)) \
    $(LIBNODE) $(LIBSTORE)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LIBS)
endef
$(foreach t,$(TOOL_DIRS),$(eval $(call tool_dir,$(t))))

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(TEST_LIBS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

$(B)/tests/%: $(B)/obj/tests/helpers/%.o $(TEST_LIBS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# A child's end of a link (tests/helpers/child/), for the programs that
# play a node below another: evil_peer and bench/nation_sim.
CHILD_O	 = $(patsubst %.c,$(B)/obj/%.o,$(wildcard tests/helpers/child/*.c))

# evil_peer is too large for one file: its repair modes are in
# tests/helpers/evil/, linked before the libraries they use.
EVIL_O	 = $(patsubst %.c,$(B)/obj/%.o,$(wildcard tests/helpers/evil/*.c))
$(B)/tests/evil_peer: $(B)/obj/tests/helpers/evil_peer.o $(EVIL_O) \
    $(CHILD_O) $(TEST_LIBS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/bench/%: $(B)/obj/bench/%.o $(TEST_LIBS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/bench/nation_sim: $(B)/obj/bench/nation_sim.o $(CHILD_O) $(TEST_LIBS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# The fuzz build has its own objects (clang, sanitizers) in an archive, so
# a target links only what it uses.
FUZZ_O	 = $(patsubst %.c,build/fuzz/obj/%.o,$(DAEMON_SRC) $(NODE_SRC) \
	   $(STORE_SRC) $(GW_SRC) tools/node-ctl/dxl.c) \
	   $(PROTOS:proto/%.proto=build/fuzz/obj/proto/%.pb-c.o)

build/fuzz/proto/%.pb-c.c: proto/%.proto | deps
	@mkdir -p $(@D)
	$(Q)protoc-c --c_out=build/fuzz/proto -Iproto $<

build/fuzz/obj/proto/%.pb-c.o: build/fuzz/proto/%.pb-c.c
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS:-fsanitize=fuzzer,%=-fsanitize=fuzzer-no-link,%) -c -o $@ $<

build/fuzz/obj/%.o: %.c $(PROTOS:proto/%.proto=build/fuzz/proto/%.pb-c.c)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS:-fsanitize=fuzzer,%=-fsanitize=fuzzer-no-link,%) -c -o $@ $<

build/fuzz/libfuzz.a: $(FUZZ_O)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

build/fuzz/%: tests/fuzz/%.c build/fuzz/libfuzz.a
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $(LIBS) $(XML_LIBS)

test check: all $(FUZZ)
	@B=$(B) FUZZ_SECONDS=10 tests/run

unit: $(UNIT)
	@B=$(B) tests/run unit

integration: all
	@B=$(B) tests/run integration

fuzz: $(FUZZ)
	@for f in $(FUZZ); do \
		t=$${f##*/}; mkdir -p build/fuzz/corpus/$$t; \
		$$f -max_total_time=$(FUZZTIME) build/fuzz/corpus/$$t \
		    tests/fuzz/corpus/$$t || exit 1; \
	done

memcheck: $(UNIT)
	@for t in $(UNIT); do \
		valgrind -q --error-exitcode=1 --leak-check=full $$t || exit 1; \
	done

# bench_province.sh runs 209 nodes for minutes, bench_nation.sh a root
# and 62 simulated provinces: their own targets.
BENCH_SH = $(filter-out bench/bench_province.sh bench/bench_nation.sh, \
	   $(wildcard bench/bench_*.sh))
bench: all $(BENCH)
	@for b in $(BENCH_RUN); do $$b || exit 1; done
	@for s in $(BENCH_SH); do B=$(B) bash $$s || exit 1; done

bench-province: all $(B)/bench/commit_rate
	@B=$(B) bash bench/bench_province.sh

bench-nation: all $(B)/bench/nation_sim $(B)/bench/verify_rate \
    $(B)/bench/commit_rate
	@B=$(B) bash bench/bench_nation.sh

# tests/mixed.sh builds the previous release (0.3.0) from git
# history into build/old (OLD_REV= picks another commit) and runs nodes
# of both builds in one province; not part of make test.
test-mixed: $(B)/node $(B)/node-ctl $(B)/node-key
	@B=$(B) tests/run mixed

demo: all
	@B=$(B) tools/demo.sh

# make install: the programs, the unit, the man pages and the examples.
# The unit and the man pages name the paths of the default install
# (/usr/local); they are written with those of this one. The package
# (make deb) puts the daemons, node and mailgw, in SBINDIR=/usr/sbin.
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(BINDIR)
UNITDIR	?= $(PREFIX)/lib/systemd/system
MANDIR	?= $(PREFIX)/share/man
DOCDIR	?= $(PREFIX)/share/doc/node
DAEMONS	 = $(B)/node $(B)/mailgw
MAN1	 = $(wildcard tools/man/*.1)
MAN8	 = $(wildcard tools/man/*.8)
INSTALL_PATHS = sed -e 's,/usr/local/bin/node,$(SBINDIR)/node,g' \
	   -e 's,/usr/local/share/doc/node,$(DOCDIR),g'

# What a machine runs: the daemon and the tools, no tests.
bins: $(DAEMONS) $(TOOLS)

install: bins
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)/examples \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(B)/install
	install -m 755 $(DAEMONS) $(DESTDIR)$(SBINDIR)/
	install -m 755 $(filter-out $(DAEMONS),$(TOOLS)) $(DESTDIR)$(BINDIR)/
	for f in tools/systemd/node@.service $(MAN1) $(MAN8); do \
		$(INSTALL_PATHS) $$f >$(B)/install/$${f##*/} || exit 1; \
	done
	install -m 644 $(B)/install/node@.service $(DESTDIR)$(UNITDIR)/
	install -m 644 tools/examples/*.conf $(DESTDIR)$(DOCDIR)/examples/
	install -m 644 $(MAN1:tools/man/%=$(B)/install/%) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(MAN8:tools/man/%=$(B)/install/%) $(DESTDIR)$(MANDIR)/man8/

# make deb: the Debian package, node_VERSION_ARCH.deb at the top (see
# tools/deb.sh and debian/); its version is the project's, NODE_VERSION,
# unless DEB_VERSION is given.
NODE_VERSION := $(shell sed -n \
	   's/^.define[[:space:]]*NODE_VERSION[[:space:]]*"\([^"]*\)".*/\1/p' \
	   node/node.h)
DEB_VERSION ?= $(NODE_VERSION)
# What make deb needs besides debian/control's Build-Depends, which
# apt-get build-dep installs.
DEB_TOOLS = dpkg-dev debhelper fakeroot lintian

deb-deps:
	$(call apt_install,$(DEB_TOOLS))
	@dpkg-checkbuilddeps >/dev/null 2>&1 || { \
		sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "installing the Build-Depends of debian/control"; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get build-dep -y \
		    -qq ./ >/dev/null; }

deb: deb-deps
	@tools/deb.sh $(DEB_VERSION)

# Installs the package on this machine, enrols two offices from it,
# upgrades, removes and purges it (root; not part of make test).
test-deb: deb
	@bash tests/deb.sh node_$(DEB_VERSION)_$$(dpkg --print-architecture).deb \
	    $(DEB_VERSION)

clean:
	rm -rf build

.PHONY: all deps test check unit integration fuzz memcheck bench bench-province \
	bench-nation demo clean bins install deb deb-deps test-deb test-mixed
.SECONDARY:

# Not those of the old release's tree in build/old (make test-mixed),
# which name objects of the same paths as ours.
-include $(shell find $(B) -path build/old -prune -o -name '*.d' -print \
	   2>/dev/null)
