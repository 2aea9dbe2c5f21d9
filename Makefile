# kmm — top-level build.  `make` builds the library and the kmm tool,
# `make run` boots the default machine, `make test` builds and runs every
# test (plain, under ASan+UBSan, the concurrent stress under TSan, and a
# short run of each fuzz target), `make test-valgrind` the use-after-free
# proofs under valgrind, `make fuzz` builds the libFuzzer targets,
# `make bench` runs the benchmarks.

CC       ?= cc
DEBUG    ?= 1
PREFIX   ?= /usr/local
VERSION  := 0.1.0

WARN     := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes
# libtracecmd's headers (src/trace/trace_dat.c) include libtracefs's and libtraceevent's by bare name
TRACE_INC:= -I/usr/include/trace-cmd -I/usr/include/tracefs -I/usr/include/traceevent
BASEFLAGS:= -std=gnu11 -g -fPIC -pthread -Iinclude -Isrc $(TRACE_INC) -DKMM_DEBUG=$(DEBUG) -DKMM_VERSION=\"$(VERSION)\" $(WARN)
CFLAGS   ?= -O2
ALL_CFLAGS = $(BASEFLAGS) $(CFLAGS)
LDLIBS   := -pthread -lm -ldl -lzstd -lz
# libfdt reads device trees (arch/fdt.c), libtracecmd and libtraceevent read
# trace.dat (trace/trace_dat.c); kept out of LDLIBS so the sanitizer builds,
# which set LDLIBS on the command line, link them too.
DEPLIBS  := -lfdt -ltracecmd -ltraceevent

B        ?= build
LIB_SRC  := $(wildcard src/*/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
TOOL_SRC := $(wildcard tools/*.c)
TOOL_OBJ := $(TOOL_SRC:%.c=$(B)/%.o)
TEST_SRC := $(filter-out tests/tsan_stress.c,$(wildcard tests/*.c))  # tsan_stress.c is a program of its own
TEST_OBJ := $(TEST_SRC:%.c=$(B)/%.o)
BENCH_SRC:= $(wildcard bench/*.c)
# libkmm-preload.so: a program's malloc family served by a kmm machine (preload/, LD_PRELOAD)
PRELOAD_SRC := $(wildcard preload/*.c)
PRELOAD_OBJ := $(PRELOAD_SRC:%.c=$(B)/%.o)

.PHONY: all run test test-plain test-asan test-valgrind test-tsan test-fuzz fuzz fuzz-targets check-deps check-libedit \
	check-zstd check-fdt check-tracecmd check-fuse check-python test-python check-valgrind check-clang bench install clean
all: $(B)/libkmm.a $(B)/libkmm.so $(B)/kmm $(B)/libkmm-preload.so $(B)/man/kmm.1

# The man pages are the commands' --help texts in roff (tools/help2man.sh): one source, no drift.
$(B)/man/kmm.1: $(B)/kmm tools/help2man.sh
	sh tools/help2man.sh $(B)/kmm $(B)/man $(VERSION)

# Every object waits for the Debian headers the build takes (check-libedit, check-zstd below).
$(B)/%.o: %.c | check-libedit check-zstd check-fdt check-tracecmd check-fuse
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(B)/libkmm.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libkmm.so: $(LIB_OBJ)
	$(CC) -shared -o $@ $^ $(LDLIBS) $(DEPLIBS)

# Only the malloc family (and sigaction, which keeps kmm's trap first) is exported: kmm's own
# names bind inside the library and never meet the program's.
# KMM_MOUNT serves the program's machine over FUSE (tools/fuse_proc.c): only kmm and the preload link libfuse3.
$(B)/libkmm-preload.so: $(PRELOAD_OBJ) $(B)/tools/fuse_proc.o $(LIB_OBJ) preload/preload.map
	$(CC) -shared -o $@ $(PRELOAD_OBJ) $(B)/tools/fuse_proc.o $(LIB_OBJ) -Wl,--version-script=preload/preload.map $(LDLIBS) $(DEPLIBS) -lfuse3

$(B)/kmm: $(TOOL_OBJ) $(B)/libkmm.a
	$(CC) $(ALL_CFLAGS) -o $@ $(TOOL_OBJ) $(B)/libkmm.a -ledit -lfuse3 $(LDLIBS) $(DEPLIBS)

# A plain program (not built with kmm) that tests/preload.sh runs under the preload.
$(B)/preload-check: tests/preload/preload_check.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 -g -pthread $(WARN) -o $@ $<

$(B)/kmm-tests: $(TEST_OBJ) $(B)/libkmm.a
	$(CC) $(ALL_CFLAGS) -o $@ $(TEST_OBJ) $(B)/libkmm.a -lcriterion $(LDLIBS) $(DEPLIBS)

-include $(LIB_OBJ:.o=.d) $(TOOL_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(PRELOAD_OBJ:.o=.d)

# The main job on the default machine: boot i386 with 4 GiB and walk through
# zones, buddy, slab, vmalloc, kmap and page faults (scenarios/demo.kmm).
run: $(B)/kmm
	./$(B)/kmm run scenarios/demo.kmm

# kmm shell edits lines with libedit (Debian's libedit-dev): install it when missing (as root).
check-libedit:
	@if [ ! -f /usr/include/histedit.h ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing libedit-dev (line editing for kmm shell)"; \
	    (apt-get install -y libedit-dev >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y libedit-dev >/dev/null)) || \
	    { echo "could not install libedit-dev"; exit 1; }; \
	  else echo "libedit-dev is missing: run 'sudo apt-get install libedit-dev'"; exit 1; fi; \
	fi

# kmm replay reads zstd and gzip traces with libzstd and zlib (Debian's
# libzstd-dev, zlib1g-dev): install them when missing (as root).
check-zstd:
	@if [ ! -f /usr/include/zstd.h ] || [ ! -f /usr/include/zlib.h ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing libzstd-dev zlib1g-dev (kmm replay reads compressed traces)"; \
	    (apt-get install -y libzstd-dev zlib1g-dev >/dev/null 2>&1 || \
	     (apt-get update >/dev/null && apt-get install -y libzstd-dev zlib1g-dev >/dev/null)) || \
	     { echo "could not install libzstd-dev zlib1g-dev"; exit 1; }; \
	  else echo "libzstd-dev or zlib1g-dev is missing: run 'sudo apt-get install libzstd-dev zlib1g-dev'"; exit 1; fi; \
	fi

# kmm boots ARM boards from device trees with libfdt, and compiles a .dts with
# dtc (Debian's libfdt-dev, device-tree-compiler): install them when missing (as root).
check-fdt:
	@if [ ! -f /usr/include/libfdt.h ] || ! command -v dtc >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing libfdt-dev device-tree-compiler (device trees of ARM boards)"; \
	    (apt-get install -y libfdt-dev device-tree-compiler >/dev/null 2>&1 || \
	     (apt-get update >/dev/null && apt-get install -y libfdt-dev device-tree-compiler >/dev/null)) || \
	     { echo "could not install libfdt-dev device-tree-compiler"; exit 1; }; \
	  else echo "libfdt-dev or device-tree-compiler is missing: run 'sudo apt-get install libfdt-dev device-tree-compiler'"; exit 1; fi; \
	fi

# kmm replay reads trace-cmd's trace.dat with libtracecmd and libtraceevent, and
# kmm record writes one with trace-cmd (Debian's libtracecmd-dev, libtraceevent-dev,
# libtracefs-dev, trace-cmd): install them when missing (as root).
TRACECMD_PKGS := libtracecmd-dev libtraceevent-dev libtracefs-dev trace-cmd
check-tracecmd:
	@if [ ! -f /usr/include/trace-cmd/trace-cmd.h ] || [ ! -f /usr/include/tracefs/tracefs.h ] || \
	    [ ! -f /usr/include/traceevent/event-parse.h ] || ! command -v trace-cmd >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing $(TRACECMD_PKGS) (kmm replay reads trace.dat, kmm record writes it)"; \
	    (apt-get install -y $(TRACECMD_PKGS) >/dev/null 2>&1 || \
	     (apt-get update >/dev/null && apt-get install -y $(TRACECMD_PKGS) >/dev/null)) || \
	     { echo "could not install $(TRACECMD_PKGS)"; exit 1; }; \
	  else echo "libtracecmd-dev or trace-cmd is missing: run 'sudo apt-get install $(TRACECMD_PKGS)'"; exit 1; fi; \
	fi

# kmm mount and KMM_MOUNT serve the views over FUSE with libfuse3, and unmount with
# fusermount3 when not root (Debian's libfuse3-dev, fuse3): install them when missing (as root).
check-fuse:
	@if [ ! -f /usr/include/fuse3/fuse.h ] || ! command -v fusermount3 >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing libfuse3-dev fuse3 (kmm mount serves the views over FUSE)"; \
	    (apt-get install -y libfuse3-dev fuse3 >/dev/null 2>&1 || \
	     (apt-get update >/dev/null && apt-get install -y libfuse3-dev fuse3 >/dev/null)) || \
	     { echo "could not install libfuse3-dev fuse3"; exit 1; }; \
	  else echo "libfuse3-dev or fuse3 is missing: run 'sudo apt-get install libfuse3-dev fuse3'"; exit 1; fi; \
	fi

# The Python module (python/kmm) is Debian's python3 with python3-cffi over libkmm.so;
# its tests are pytest's and its plots matplotlib's: install them when missing (as root).
PYTHON       := /usr/bin/python3
PYTHON_PKGS  := python3-cffi python3-pytest python3-matplotlib
check-python:
	@if ! $(PYTHON) -c 'import cffi, pytest, matplotlib' >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing $(PYTHON_PKGS) (the Python module and its tests)"; \
	    (apt-get install -y $(PYTHON_PKGS) >/dev/null 2>&1 || \
	     (apt-get update >/dev/null && apt-get install -y $(PYTHON_PKGS) >/dev/null)) || \
	     { echo "could not install $(PYTHON_PKGS)"; exit 1; }; \
	  else echo "python3-cffi, python3-pytest or python3-matplotlib is missing: run 'sudo apt-get install $(PYTHON_PKGS)'"; exit 1; fi; \
	fi

# The Python module's tests, against this build's libkmm.so (not a sanitizer build's: python3 is not built with ASan).
test-python: check-python $(B)/libkmm.so
	PYTHONPATH=$(CURDIR)/python KMM_LIB=$(abspath $(B)/libkmm.so) PYTHONDONTWRITEBYTECODE=1 MPLBACKEND=Agg \
	  $(PYTHON) -m pytest -q -p no:cacheprovider python/tests

# Criterion comes from Debian; install it when it is missing (as root).
check-deps: check-libedit check-zstd check-fdt check-tracecmd check-fuse
	@if ! command -v zstd >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing zstd (reads the reference trace)"; \
	    (apt-get install -y zstd >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y zstd >/dev/null)) || \
	    { echo "could not install zstd"; exit 1; }; \
	  else echo "zstd is missing: run 'sudo apt-get install zstd'"; exit 1; fi; \
	fi
	@if ! command -v pkg-config >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing pkg-config (a test builds a program against the installed kmm)"; \
	    (apt-get install -y pkg-config >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y pkg-config >/dev/null)) || \
	    { echo "could not install pkg-config"; exit 1; }; \
	  else echo "pkg-config is missing: run 'sudo apt-get install pkg-config'"; exit 1; fi; \
	fi
	@if ! command -v slabtop >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing procps (slabtop reads kmm's slabinfo in a test)"; \
	  apt-get install -y procps >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y procps >/dev/null) || true; \
	fi
	@missing=""; for p in python3:python3 sqlite3:sqlite3 gcc:gcc git:git; do \
	  command -v $${p%%:*} >/dev/null 2>&1 || missing="$$missing $${p#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing$$missing (tests/preload.sh runs them on kmm)"; \
	    (apt-get install -y $$missing >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y $$missing >/dev/null)) || \
	    { echo "could not install$$missing"; exit 1; }; \
	  else echo "$$missing missing: run 'sudo apt-get install$$missing'"; exit 1; fi; \
	fi
	@if [ ! -f /usr/include/criterion/criterion.h ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing libcriterion-dev (test framework)"; \
	    (apt-get install -y libcriterion-dev >/dev/null 2>&1 || \
	     (apt-get update >/dev/null && apt-get install -y libcriterion-dev >/dev/null)) || \
	     { echo "could not install libcriterion-dev"; exit 1; }; \
	  else echo "libcriterion-dev is missing: run 'sudo apt-get install libcriterion-dev'"; exit 1; fi; \
	fi

# The packages are installed first, one installer at a time; then each part builds on both cores
# (its tests run one after another; kmm-tests runs two at once itself).
test: check-deps check-clang check-python
	$(MAKE) -j2 test-plain
	$(MAKE) -j2 test-python
	$(MAKE) -j2 test-asan
	$(MAKE) -j2 test-tsan
	$(MAKE) -j2 test-fuzz

test-plain: $(B)/kmm-tests $(B)/kmm $(B)/libkmm-preload.so $(B)/preload-check
	KMM_TOOL=$(abspath $(B)/kmm) ./$(B)/kmm-tests --jobs 2
	KMM=$(abspath $(B)/kmm) sh tests/cli.sh
	PRELOAD=$(B)/libkmm-preload.so CHECK=$(B)/preload-check SAN_FLAGS="$(filter -fsanitize%,$(CFLAGS))" sh tests/preload.sh
	KMM=$(abspath $(B)/kmm) PRELOAD=$(B)/libkmm-preload.so CHECK=$(B)/preload-check SAN_FLAGS="$(filter -fsanitize%,$(CFLAGS))" sh tests/mount.sh
	B=$(B) CC="$(CC)" SAN_FLAGS="$(filter -fsanitize%,$(CFLAGS))" MAKE="$(MAKE)" sh tests/pkgconfig.sh

# Under ASan the fault sweep's n-th-call runs are 8 per scenario and injector (48 in test-plain;
# KMM_FAULT_SWEEP=full fails every call), and the per-profile tests run on i386, i386-pae, x86_64
# and arm64 (the 32-bit ARM profiles share their page-table code; tests/test_arm.c runs all the same):
# failure paths all over every scenario and every architecture's code still run under ASan, in the
# time CI allows.
test-asan:
	KMM_FAULT_SWEEP_NTH=8 KMM_TEST_PROFILES="i386 i386-pae x86_64 arm64" LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp $(MAKE) B=build-asan CFLAGS="-O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  LDLIBS="-pthread -lm -lzstd -lz -fsanitize=address,undefined" test-plain

# Memcheck told about simulated RAM (sim/track.h, -DKMM_VALGRIND=1): the proof
# that a use after free is reported runs under valgrind.  Only those tests: the
# rest of the suite reserves more host address space than valgrind grants.
test-valgrind: check-valgrind
	$(MAKE) B=build-valgrind CFLAGS="-O1 -DKMM_VALGRIND=1" build-valgrind/kmm-tests
	valgrind -q --trace-children=yes ./build-valgrind/kmm-tests --filter 'sanitize/*' --jobs 1

# valgrind and its client-request header (valgrind/memcheck.h) are Debian's valgrind package.
check-valgrind:
	@if ! command -v valgrind >/dev/null 2>&1 || [ ! -f /usr/include/valgrind/memcheck.h ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing valgrind (memcheck and valgrind/memcheck.h)"; \
	    (apt-get install -y valgrind >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y valgrind >/dev/null)) || \
	    { echo "could not install valgrind"; exit 1; }; \
	  else echo "valgrind is missing: run 'sudo apt-get install valgrind'"; exit 1; fi; \
	fi

# libFuzzer and TSan come with Debian's clang: install it and its runtimes when missing (as root).
check-clang:
	@if ! command -v clang >/dev/null 2>&1 || [ ! -d "$$(clang -print-resource-dir 2>/dev/null)/lib/linux" ] || \
	    ! ls "$$(clang -print-resource-dir)"/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing clang and libclang-rt-dev (libFuzzer, TSan)"; \
	    (apt-get install -y clang libclang-rt-dev >/dev/null 2>&1 || \
	     (apt-get update >/dev/null && apt-get install -y clang libclang-rt-dev >/dev/null)) || \
	     { echo "could not install clang and libclang-rt-dev"; exit 1; }; \
	  else echo "clang or its runtimes are missing: run 'sudo apt-get install clang libclang-rt-dev'"; exit 1; fi; \
	fi

# The concurrent stress under ThreadSanitizer: a driver of its own (Criterion forks and
# cannot run under TSan), 2 CPUs as threads.  tests/tsan.supp says why each suppression is benign.
# report_signal_unsafe=0: the host trap (src/sim/trap.c) runs the simulated page-fault handler -
# page allocator, locks, printk - inside a synchronous SIGSEGV that only a load or store to a task's
# user window raises, by design (DESIGN.md); it never interrupts the allocator or a lock holder.
TSAN_B    := build-tsan
TSAN_OPS  ?= 60000
test-tsan: check-clang
	$(MAKE) B=$(TSAN_B) CC=clang CFLAGS="-O1 $(CLANG_WARN) -fsanitize=thread -fno-omit-frame-pointer" \
	  LDLIBS="-pthread -lm -ldl -lzstd -lz -fsanitize=thread" $(TSAN_B)/tsan-stress
	TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp report_signal_unsafe=0 halt_on_error=1 second_deadlock_stack=1" \
	  ./$(TSAN_B)/tsan-stress $(TSAN_OPS)

$(B)/tsan-stress: tests/tsan_stress.c $(B)/libkmm.a
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libkmm.a $(LDLIBS) $(DEPLIBS)

# libFuzzer targets (fuzz/fuzz_NAME.c) under ASan+UBSan, in build-fuzz/; fuzz/corpus/NAME seeds them.
FUZZ_B       := build-fuzz
FUZZ_TARGETS := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 5
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# clang, unlike gcc, warns of static inline helpers a file does not use
CLANG_WARN   := -Wno-unused-function
fuzz: check-clang
	$(MAKE) B=$(FUZZ_B) CC=clang CFLAGS="-O1 $(CLANG_WARN) -fsanitize=fuzzer-no-link $(FUZZ_SAN) \
	  -fsanitize-coverage-ignorelist=$(CURDIR)/fuzz/coverage-ignore.txt" \
	  LDLIBS="-pthread -lm -ldl -lzstd -lz $(FUZZ_SAN)" fuzz-targets

fuzz-targets: $(FUZZ_TARGETS:%=$(B)/fuzz-%)

$(B)/fuzz-%: fuzz/fuzz_%.c $(B)/libkmm.a
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(B)/libkmm.a $(LDLIBS) $(DEPLIBS)

# A short bounded run of each target over its corpus (new inputs go to a scratch directory).
test-fuzz: fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
	  tmp=$$(mktemp -d); \
	  echo "fuzz-$$t: $(FUZZ_SECONDS) s over fuzz/corpus/$$t"; \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp ./$(FUZZ_B)/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -timeout=20 -max_len=4096 -print_final_stats=1 \
	    $$tmp fuzz/corpus/$$t 2>$$tmp.log || { tail -40 $$tmp.log; rm -rf $$tmp $$tmp.log; exit 1; }; \
	  grep -E "stat::number_of_executed_units|stat::new_units_added" $$tmp.log | tr '\n' ' '; echo; \
	  rm -rf $$tmp $$tmp.log; \
	done

# bench_slab dlopen()s jemalloc, mimalloc and tcmalloc as baselines (bench/preload.sh preloads them): install
# them when missing (as root); a failure only leaves their columns empty.
bench: $(B)/libkmm.a $(B)/libkmm-preload.so
	@pkgs="libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4"; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && ! dpkg -s $$pkgs >/dev/null 2>&1; then \
	  echo "installing $$pkgs (slab benchmark baselines)"; \
	  (apt-get install -y $$pkgs >/dev/null 2>&1 || \
	   (apt-get update >/dev/null 2>&1 && apt-get install -y $$pkgs >/dev/null 2>&1)) || \
	   echo "could not install $$pkgs: the slab benchmark skips them"; \
	fi; true
	@mkdir -p $(B)/bench
	$(CC) $(BASEFLAGS) -O2 -o $(B)/bench/kmm-bench $(BENCH_SRC) $(B)/libkmm.a $(LDLIBS) $(DEPLIBS) -ldl
	./$(B)/bench/kmm-bench
	PRELOAD=$(B)/libkmm-preload.so sh bench/preload.sh

# Debian's python3 looks in /usr/local/lib/python3.X/dist-packages (and /usr/lib/python3/dist-packages for /usr)
PYDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/python3/dist-packages,$(PREFIX)/lib/$(shell $(PYTHON) -c 'import sys; print("python%d.%d" % sys.version_info[:2])' 2>/dev/null || echo python3)/dist-packages)
install: all
	install -d $(DESTDIR)$(PREFIX)/include/kmm $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/kmm/*.h $(DESTDIR)$(PREFIX)/include/kmm/
	install -m 644 $(B)/libkmm.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(B)/libkmm.so $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(B)/kmm $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 $(B)/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 completion/kmm $(DESTDIR)$(PREFIX)/share/bash-completion/completions/kmm
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' kmm.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/kmm.pc
	install -d $(DESTDIR)$(PYDIR)/kmm
	install -m 644 python/kmm/*.py $(DESTDIR)$(PYDIR)/kmm/
	echo 'LIBKMM = "$(PREFIX)/lib/libkmm.so"' > $(DESTDIR)$(PYDIR)/kmm/_installed.py

clean:
	rm -rf build build-asan build-valgrind $(TSAN_B) $(FUZZ_B)
