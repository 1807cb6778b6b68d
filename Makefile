# supervise: build, test, demo. Every target does the set-up it needs on a fresh clone
# with only Node 20, npm, python3, make and g++.

NODE      ?= node
NPM       ?= npm
BIN       := node_modules/.bin
# node-gyp finds Node's headers under /usr on Debian's node; elsewhere it uses its default.
NODEDIR   := $(if $(wildcard /usr/include/node/node_api.h),--nodedir=/usr,)
DEPS      := node_modules/.package-lock.json
ADDON     := build/Release/shim.node
WASM      := dist/codec.wasm dist/core.wasm
CLI       := dist/supervise.js
# The npm package's bin entry (bin/supervise.js): finds the native executable (pkg/).
LAUNCH    := dist/launch.js
LIB       := dist/lib/codec.js dist/lib/index.js dist/types/lib/index.d.ts dist/types/codec/index.d.ts
WEB       := dist/web/index.html dist/web/app.js dist/web/style.css dist/web/codec.wasm
FUZZ_SECONDS ?= 60

# The native host: dist/core.wasm through wasm2c (Debian's wabt) + shim/linux.cc +
# host/native.cc, one static executable; build/supervise-fault is the same with the fault
# injection of the tests. Bounds checks in the translated code instead of the runtime's
# SIGSEGV handler and its 8 GiB reservation per memory (WASM_RT_MEMCHECK_SIGNAL_HANDLER=0).
WASM2C    ?= wasm2c
# Debian packages for the commands a target needs, installed when missing and root.
APT_INSTALL := sh scripts/apt-install.sh
WASM_RT   := /usr/share/wabt/wasm2c
NATIVE    := build/supervise
NATIVE_FAULT := build/supervise-fault
NATIVE_DIR := build/native
NATIVE_OBJ := $(NATIVE_DIR)/core.o $(NATIVE_DIR)/wasm-rt-impl.o $(NATIVE_DIR)/linux.o
# The node that runs the full CLI (bin/supervise-node) for --help, usage errors, decode, send.
NATIVE_NODE := $(shell command -v $(NODE) 2>/dev/null)
# The numbers of assembly/protocol.ts and sys.ts as C macros (scripts/constants-h.ts), for
# the shim, the native host and the addon (binding.gyp): the C++ side restates none; and
# the Node flags of bin/supervise-node's #! line, for the native host.
CONSTANTS_H := build/gen/constants.h
NATIVE_CFLAGS := -O2 -DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0 -I$(NATIVE_DIR) -I$(WASM_RT) -I$(dir $(CONSTANTS_H))
NATIVE_CXXFLAGS := $(NATIVE_CFLAGS) -std=c++17 -Wall -Wextra -Werror \
  $(if $(NATIVE_NODE),-DSUPERVISE_NODE='"$(NATIVE_NODE)"')
# Static (start-up 1.5 ms vs 2.4 ms dynamic) where a static libc is installed; evaluated
# when linking only.
NATIVE_LDFLAGS = $(shell echo 'int main(void) { return 0; }' | $(CC) -static -x c - -o /dev/null \
  2>/dev/null && echo -static || echo -static-libstdc++ -static-libgcc)

.PHONY: fault-host all build test check lint format stress demo clean bench compare web fuzz chromium peers wabt FORCE

all: build
build: $(DEPS) $(ADDON) $(WASM) $(CLI) $(LAUNCH) $(LIB) $(WEB) bin/supervise fault-host

$(DEPS): package.json
	$(NPM) install --no-audit --no-fund --ignore-scripts
	@touch $@

$(ADDON): binding.gyp $(wildcard shim/*.cc shim/*.h) $(CONSTANTS_H) $(DEPS)
	$(BIN)/node-gyp configure $(NODEDIR) --silent && $(BIN)/node-gyp build --silent
	@touch $@

$(CONSTANTS_H): scripts/constants-h.ts assembly/protocol.ts assembly/sys.ts bin/supervise-node $(DEPS)
	@mkdir -p $(@D)
	$(NODE) --import tsx scripts/constants-h.ts > $@.tmp && mv $@.tmp $@

# asconfig.json's targets (flags, outFile, textFile): dist/codec.wasm and dist/core.wasm,
# each with the types of its exports as asc generates them (dist/codec.d.ts, dist/core.d.ts,
# with --bindings raw; test/codec.test.ts checks the hand-written interfaces against them).
dist/codec.wasm: assembly/codec-entry.ts $(wildcard assembly/*.ts) asconfig.json $(DEPS)
	@mkdir -p dist
	$(BIN)/asc $< --target codec

dist/core.wasm: assembly/core-entry.ts $(wildcard assembly/*.ts) asconfig.json $(DEPS)
	@mkdir -p dist
	$(BIN)/asc $< --target core

# bin/supervise: a copy of the native host, or, where wasm2c cannot be had, a symlink to
# the Node host (bin/supervise-node). Redone while build/supervise is missing.
bin/supervise: bin/supervise-node dist/core.wasm host/native.cc $(wildcard shim/linux.*) \
    $(if $(wildcard $(NATIVE)),,FORCE) | wabt
	@if command -v $(WASM2C) >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(NATIVE) && rm -f $@ && cp $(NATIVE) $@; \
	else \
	  rm -f $@ && ln -s supervise-node $@ && \
	  echo "supervise: native host not built (no wasm2c, from the wabt package): the Node host serves every mode"; \
	fi

# build/supervise-fault, the native host with fault injection (test/hosts.test.ts), wherever
# the native host is built; not for make demo, which runs no test.
fault-host: bin/supervise
	@if [ -f $(NATIVE) ]; then $(MAKE) --no-print-directory $(NATIVE_FAULT); fi

# wasm2c for the native host: installed when missing and we can (root), as chromium is.
wabt:
	@$(APT_INSTALL) build "bin/supervise is the Node host" $(WASM2C)=wabt

$(NATIVE_DIR)/core.c $(NATIVE_DIR)/core.h &: dist/core.wasm
	@mkdir -p $(@D)
	$(WASM2C) $< -n core -o $(NATIVE_DIR)/core.c

# The translated code and wabt's runtime: C, with the warnings they have.
$(NATIVE_DIR)/core.o: $(NATIVE_DIR)/core.c $(NATIVE_DIR)/core.h
	$(CC) $(NATIVE_CFLAGS) -c $< -o $@

$(NATIVE_DIR)/wasm-rt-impl.o: $(WASM_RT)/wasm-rt-impl.c
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -c $< -o $@

$(NATIVE_DIR)/linux.o: shim/linux.cc shim/linux.h $(CONSTANTS_H)
	@mkdir -p $(@D)
	$(CXX) $(NATIVE_CXXFLAGS) -c $< -o $@

$(NATIVE_DIR)/native.o: host/native.cc shim/linux.h $(NATIVE_DIR)/core.h $(CONSTANTS_H)
	$(CXX) $(NATIVE_CXXFLAGS) -c $< -o $@

$(NATIVE_DIR)/native-fault.o: host/native.cc shim/linux.h $(NATIVE_DIR)/core.h $(CONSTANTS_H)
	$(CXX) $(NATIVE_CXXFLAGS) -DSUPERVISE_FAULT_INJECTION -c $< -o $@

$(NATIVE): $(NATIVE_DIR)/native.o $(NATIVE_OBJ)
	$(CXX) $(NATIVE_LDFLAGS) $^ -o $@

$(NATIVE_FAULT): $(NATIVE_DIR)/native-fault.o $(NATIVE_OBJ)
	$(CXX) $(NATIVE_LDFLAGS) $^ -o $@

# The release executables: the native host stripped, one per architecture. arm64 is the
# same translated C, shim and host cross-compiled with Debian's aarch64-linux-gnu toolchain
# (installed with apt-get when missing and root), linked statically against its glibc.
STRIP     ?= strip
CROSS     ?= aarch64-linux-gnu-
ARM64_DIR := build/arm64
ARM64_OBJ := $(ARM64_DIR)/native.o $(ARM64_DIR)/core.o $(ARM64_DIR)/wasm-rt-impl.o $(ARM64_DIR)/linux.o
.PHONY: cross-arm64 arm64 pack release

build/supervise-linux-x64: $(NATIVE)
	$(STRIP) -o $@ $<

cross-arm64:
	@$(APT_INSTALL) --required arm64 "needed for the arm64 executable" \
	  $(CROSS)g++=gcc-aarch64-linux-gnu,g++-aarch64-linux-gnu

$(ARM64_DIR)/core.o: $(NATIVE_DIR)/core.c $(NATIVE_DIR)/core.h | cross-arm64
	@mkdir -p $(@D)
	$(CROSS)gcc $(NATIVE_CFLAGS) -c $< -o $@
$(ARM64_DIR)/wasm-rt-impl.o: $(WASM_RT)/wasm-rt-impl.c | cross-arm64
	@mkdir -p $(@D)
	$(CROSS)gcc $(NATIVE_CFLAGS) -c $< -o $@
$(ARM64_DIR)/linux.o: shim/linux.cc shim/linux.h $(CONSTANTS_H) | cross-arm64
	@mkdir -p $(@D)
	$(CROSS)g++ $(NATIVE_CXXFLAGS) -c $< -o $@
$(ARM64_DIR)/native.o: host/native.cc shim/linux.h $(NATIVE_DIR)/core.h $(CONSTANTS_H) | cross-arm64
	@mkdir -p $(@D)
	$(CROSS)g++ $(NATIVE_CXXFLAGS) -c $< -o $@
build/supervise-linux-arm64: $(ARM64_OBJ)
	$(CROSS)g++ -static -s $^ -o $@

arm64: build/supervise-linux-arm64

# make test-arm64: build/supervise-linux-arm64 on a real arm64 kernel in qemu-system-aarch64
# (scripts/arm64-vm.sh prepares the kernel, busybox and the initramfs under build/arm64-vm;
# test/arm64.test.ts boots it and reads each scenario's result off the console). make test
# runs it too.
.PHONY: test-arm64
test-arm64: build
	$(NODE) scripts/run-tests.mjs test/arm64.test.ts

# make pack: the npm tarballs into build/pack (scripts/pack.ts), for this machine's
# executable and the arm64 one when it is built; make release: both executables required,
# the tarballs, supervise-linux-x64, supervise-linux-arm64 and SHA256SUMS in build/release.
# scripts/pack.ts refuses a missing executable or one for another machine.
PACK_DIR  := build/pack
RELEASE   := build/release
# Without wasm2c (no native host) make pack packs supervise alone: its tarball holds no
# executable.
pack: build
	rm -rf $(PACK_DIR)
	@if [ -f $(NATIVE) ]; then $(MAKE) --no-print-directory build/supervise-linux-x64; fi
	@if [ -f build/supervise-linux-arm64 ]; then $(MAKE) --no-print-directory build/supervise-linux-arm64; fi
	$(NODE) --import tsx scripts/pack.ts $(PACK_DIR) \
	  $$([ -f $(NATIVE) ] && echo x64=build/supervise-linux-x64) \
	  $$([ -f build/supervise-linux-arm64 ] && echo arm64=build/supervise-linux-arm64)

release: build build/supervise-linux-x64 build/supervise-linux-arm64
	rm -rf $(RELEASE)
	$(NODE) --import tsx scripts/pack.ts $(RELEASE) x64=build/supervise-linux-x64 arm64=build/supervise-linux-arm64
	cp build/supervise-linux-x64 build/supervise-linux-arm64 $(RELEASE)/
	cd $(RELEASE) && sha256sum *.tgz supervise-linux-x64 supervise-linux-arm64 > SHA256SUMS
	@cat $(RELEASE)/SHA256SUMS

# make install-matrix: the packed tarballs installed with npm, pnpm, yarn (berry) and bun,
# each with default settings and with scripts off, then in a root with no compiler and as
# PID 1 of a scratch root (scripts/install-matrix.ts; build/matrix/results.json). Its tools
# come from the npm registry; CI runs it (.ci/run), make test does not (1-3 minutes of
# installs from the registry).
.PHONY: install-matrix
# Both platform packages, as a release has them: the supervise package names both as
# optionalDependencies, and yarn resolves the other platform's too (a 404 from the registry
# for a package never published fails its install).
install-matrix: arm64
	$(MAKE) --no-print-directory pack
	$(NODE) --import tsx scripts/install-matrix.ts

$(CLI): $(wildcard cli/*.ts codec/*.ts pkg/*.ts assembly/protocol.ts assembly/sys.ts assembly/options.ts) $(DEPS)
	rm -rf dist/chunks
	$(BIN)/esbuild cli/supervise.ts --bundle --platform=node --format=esm --target=node20 \
	  --splitting --outdir=dist --entry-names=[name] --chunk-names=chunks/[name]-[hash] \
	  --external:*.node --log-level=warning

$(LAUNCH): $(wildcard pkg/*.ts) $(DEPS)
	$(BIN)/esbuild pkg/launch.ts --bundle --platform=node --format=esm --target=node20 \
	  --outfile=$@ --log-level=warning

# The library (`import { spawn } from 'supervise'`): one ESM bundle, and declarations whose
# relative imports name the .js files a consumer's TypeScript resolves to .d.ts.
dist/lib/index.js: $(wildcard lib/*.ts codec/*.ts pkg/*.ts assembly/protocol.ts assembly/options.ts) $(DEPS)
	$(BIN)/esbuild lib/index.ts --bundle --platform=node --format=esm --target=node20 \
	  --outfile=$@ --log-level=warning

dist/types/lib/index.d.ts dist/types/codec/index.d.ts &: $(wildcard lib/*.ts codec/*.ts pkg/*.ts) \
    assembly/protocol.ts assembly/options.ts tsconfig.lib.json $(DEPS)
	$(BIN)/tsc -p tsconfig.lib.json
	sed -i -E "s#((from|import) '\.\.?/[^']*)\.ts'#\1.js'#" dist/types/*/*.d.ts

# The codec as an ES module without Node APIs (package.json exports "./codec").
dist/lib/codec.js: $(wildcard codec/*.ts) assembly/protocol.ts $(DEPS)
	$(BIN)/esbuild codec/index.ts --bundle --format=esm --platform=neutral --target=es2022 \
	  --outfile=$@ --log-level=warning

# The log viewer: the codec (codec/index.ts) bundled for browsers, with the same codec.wasm
# beside it.
dist/web/app.js: $(wildcard web/*.ts codec/*.ts) assembly/protocol.ts $(DEPS)
	$(BIN)/esbuild web/app.ts --bundle --format=esm --platform=browser --target=es2022 \
	  --outfile=$@ --sourcemap --log-level=warning

dist/web/%: web/%
	@mkdir -p dist/web
	cp $< $@

dist/web/codec.wasm: dist/codec.wasm
	@mkdir -p dist/web
	cp $< $@

# `supervise view` without a file: the page opens or takes a dropped log (PORT=8080 to choose).
web: build
	$(NODE) bin/supervise-node view --no-open --port $${PORT:-0}

# test/web.test.ts drives Debian's chromium; install it when missing and we can (root).
chromium:
	@$(APT_INSTALL) test "the browser test will skip" chromium

# $(call apt-tools,WHO,TOOLS,ELSE): scripts/apt-install.sh for TOOLS named as their packages.
apt-tools = $(APT_INSTALL) $(1) "$(3)" $(2)

# test/dropin.test.ts runs its scenarios against tini and dumb-init too.
PEERS := tini dumb-init
peers:
	@$(call apt-tools,test,$(PEERS),the side-by-side test leaves them out)

test: build chromium peers fuzz-replay
	$(NODE) scripts/run-tests.mjs

fuzz: build
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(NODE) --import tsx test/fuzz.test.ts

# make fuzz-native: coverage-guided fuzzing (libFuzzer, AddressSanitizer, UBSan) of
# dist/codec.wasm translated by wasm2c, through the exports codec/index.ts uses (fuzz/README.md),
# for FUZZ_SECONDS; the corpus lives in build/fuzz-corpus (seeded by fuzz/seeds.ts from
# test/fixtures/ and valid streams the codec makes), a crash is saved as
# test/fixtures/fuzz-native-<sha1>.bin, which make test replays in the JS decoder and in
# build/fuzz/codec-replay (the same harness with a main(), built by any C++ compiler); then the
# figures (scripts/fuzz-native.sh, which runs the fuzzer and reports; `sh
# scripts/fuzz-native.sh report` says them again): executions, executions per second,
# crashes, libFuzzer's cov/ft, and llvm-cov's coverage of the translated codec over the
# corpus. clang and llvm are installed with apt-get when missing (root).
FUZZ_DIR    := build/fuzz
FUZZ_CORPUS := build/fuzz-corpus
FUZZ_MAX_LEN ?= 512
FUZZ_CLANG  ?= clang
FUZZ_FLAGS  := -DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0 -I$(FUZZ_DIR) -I$(WASM_RT)
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all
# Coverage edges of the translated codec only (not its comparisons: trace-cmp on every
# bounds check halved the executions per second; the dictionary and seeds give the values).
FUZZ_COV    := -fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp
# codec.wasm's imports, if it ever has any (env.abort): the harness binds them.
fuzz_env    = $$(grep -q Z_envZ_abort $(FUZZ_DIR)/codec.h && echo -DCODEC_IMPORTS_ENV)
FUZZ_HARNESS := fuzz/codec_fuzz.cc $(FUZZ_DIR)/codec.h $(FUZZ_DIR)/protocol.h
.PHONY: fuzz-native fuzz-replay fuzz-tools

$(FUZZ_DIR)/codec.c $(FUZZ_DIR)/codec.h &: dist/codec.wasm | wabt
	@mkdir -p $(@D)
	$(WASM2C) $< -n codec -o $(FUZZ_DIR)/codec.c

$(FUZZ_DIR)/protocol.h: $(CONSTANTS_H)
	@mkdir -p $(@D)
	cp $< $@

$(FUZZ_DIR)/protocol.dict: fuzz/protocol-h.ts assembly/protocol.ts $(DEPS)
	@mkdir -p $(@D)
	$(NODE) --import tsx fuzz/protocol-h.ts > $@.tmp && mv $@.tmp $@

# The replay tool: the system's compilers, no sanitizer; what make test runs.
$(FUZZ_DIR)/replay/codec.o: $(FUZZ_DIR)/codec.c $(FUZZ_DIR)/codec.h
	@mkdir -p $(@D)
	$(CC) -O2 $(FUZZ_FLAGS) -c $< -o $@
$(FUZZ_DIR)/replay/wasm-rt-impl.o: $(WASM_RT)/wasm-rt-impl.c
	@mkdir -p $(@D)
	$(CC) -O2 $(FUZZ_FLAGS) -c $< -o $@
$(FUZZ_DIR)/codec-replay: $(FUZZ_HARNESS) $(FUZZ_DIR)/replay/codec.o $(FUZZ_DIR)/replay/wasm-rt-impl.o
	$(CXX) -O2 -std=c++17 -Wall -Wextra -Werror $(FUZZ_FLAGS) $(fuzz_env) -DCODEC_REPLAY $< \
	  $(FUZZ_DIR)/replay/codec.o $(FUZZ_DIR)/replay/wasm-rt-impl.o -o $@

# make test: the replay tool where wasm2c is (else test/fuzz-native.test.ts says it skips).
fuzz-replay: | wabt
	@if command -v $(WASM2C) >/dev/null 2>&1; then $(MAKE) --no-print-directory $(FUZZ_DIR)/codec-replay; \
	else echo "fuzz-replay: no wasm2c: the native replay of the fuzz fixtures is skipped"; fi

fuzz-tools:
	@$(APT_INSTALL) --required fuzz-native "needed for the native fuzzer" $(FUZZ_CLANG)++=clang,llvm
	@$(APT_INSTALL) fuzz-native "no coverage report" llvm-cov=llvm llvm-profdata=llvm

# The fuzzer: coverage on the translated codec alone, the sanitizers everywhere.
$(FUZZ_DIR)/fuzzer/codec.o: $(FUZZ_DIR)/codec.c $(FUZZ_DIR)/codec.h | fuzz-tools
	@mkdir -p $(@D)
	$(FUZZ_CLANG) -O2 -g $(FUZZ_FLAGS) $(FUZZ_SAN) $(FUZZ_COV) -c $< -o $@
$(FUZZ_DIR)/fuzzer/wasm-rt-impl.o: $(WASM_RT)/wasm-rt-impl.c | fuzz-tools
	@mkdir -p $(@D)
	$(FUZZ_CLANG) -O2 -g $(FUZZ_FLAGS) $(FUZZ_SAN) -c $< -o $@
$(FUZZ_DIR)/fuzzer/codec_fuzz.o: $(FUZZ_HARNESS) | fuzz-tools
	@mkdir -p $(@D)
	$(FUZZ_CLANG)++ -O2 -g -std=c++17 -Wall -Wextra -Werror $(FUZZ_FLAGS) $(fuzz_env) $(FUZZ_SAN) -c $< -o $@
$(FUZZ_DIR)/codec-fuzz: $(FUZZ_DIR)/fuzzer/codec_fuzz.o $(FUZZ_DIR)/fuzzer/codec.o $(FUZZ_DIR)/fuzzer/wasm-rt-impl.o
	$(FUZZ_CLANG)++ $(FUZZ_SAN) -fsanitize=fuzzer $^ -o $@

# The replay tool again, with clang's source-based coverage, for llvm-cov's report.
$(FUZZ_DIR)/codec-cov: $(FUZZ_HARNESS) $(FUZZ_DIR)/codec.c $(FUZZ_DIR)/replay/wasm-rt-impl.o | fuzz-tools
	@mkdir -p $(FUZZ_DIR)/cov
	$(FUZZ_CLANG) -O1 $(FUZZ_FLAGS) -fprofile-instr-generate -fcoverage-mapping -c $(FUZZ_DIR)/codec.c \
	  -o $(FUZZ_DIR)/cov/codec.o
	$(FUZZ_CLANG)++ -O1 -std=c++17 $(FUZZ_FLAGS) $(fuzz_env) -DCODEC_REPLAY -fprofile-instr-generate $< \
	  $(FUZZ_DIR)/cov/codec.o $(FUZZ_DIR)/replay/wasm-rt-impl.o -o $@

fuzz-native: $(FUZZ_DIR)/codec-fuzz $(FUZZ_DIR)/codec-cov $(FUZZ_DIR)/protocol.dict
	@FUZZ_DIR=$(FUZZ_DIR) FUZZ_CORPUS=$(FUZZ_CORPUS) FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  FUZZ_MAX_LEN=$(FUZZ_MAX_LEN) NODE=$(NODE) sh scripts/fuzz-native.sh

# The long suites: a soak of STRESS_SECONDS (default 60) under one supervise.
STRESS_SECONDS ?= 60
stress: build
	STRESS_SECONDS=$(STRESS_SECONDS) $(NODE) --import tsx scripts/stress.ts

# make check: the type checks (tsc over codec/ cli/ lib/ web/ test/ bench/ scripts/, which
# includes the asc-generated export types of dist/*.d.ts; asc checks assembly/ when it
# compiles it), Biome's linter and formatter (biome.json: TypeScript, JSON, CSS; assembly/ is
# left to asc: decorators on functions are AssemblyScript, not TypeScript), and clang-format
# (.clang-format) over shim/, host/ and fuzz/, installed with apt-get when missing and root.
# `make format` rewrites what check would reject.
CLANG_FORMAT ?= clang-format
CXX_SOURCES := $(wildcard shim/*.cc shim/*.h host/*.cc fuzz/*.cc)
check: $(DEPS) $(WASM) $(LIB)
	$(BIN)/tsc -p tsconfig.json
	$(BIN)/biome ci --colors=off --no-errors-on-unmatched .
	@$(call apt-tools,check,$(CLANG_FORMAT),shim/ and host/ are not format-checked)
	@if command -v $(CLANG_FORMAT) >/dev/null 2>&1; then \
	  echo "$(CLANG_FORMAT) --dry-run --Werror $(CXX_SOURCES)"; \
	  $(CLANG_FORMAT) --dry-run --Werror $(CXX_SOURCES); \
	else echo "check: no $(CLANG_FORMAT): shim/ and host/ are not format-checked"; fi

# The old name of check.
lint: check

format: $(DEPS)
	$(BIN)/biome format --write .
	@if command -v $(CLANG_FORMAT) >/dev/null 2>&1; then $(CLANG_FORMAT) -i $(CXX_SOURCES); \
	else echo "format: no $(CLANG_FORMAT): shim/ and host/ left as they are"; fi

# One table (bench/table.ts) of the performance goals (bench/README.md), each as measured, its ratio, met or not:
# bin/supervise (native when built) and the Node host beside tini -s, dumb-init, the C
# reference (bench/reference.c), execa and the C baselines, all in this one run. Figures in
# bench/results.json; how to read them: bench/README.md. tini, dumb-init and hyperfine are
# installed here with apt-get when missing (root); a tool that cannot be had loses its row.
IDLE_SECONDS ?= 10
BENCH_TOOLS := tini dumb-init hyperfine
bench: build
	@$(call apt-tools,bench,$(BENCH_TOOLS),left out of the table)
	@rm -f bench/results.json
	$(NODE) --import tsx bench/core.ts
	IDLE_SECONDS=$(IDLE_SECONDS) $(NODE) --import tsx bench/side.ts
	@$(NODE) --import tsx bench/table.ts

# The library against child_process, execa, nano-spawn and tinyexec (docs/guarantees.md: Side by side with other libraries).
compare: build
	$(NODE) --import tsx bench/compare.ts

# What the demo runs: the native host and the codec (no addon, bundles or viewer to build).
demo: $(DEPS) $(WASM) bin/supervise
	$(NODE) --import tsx scripts/demo.ts

clean:
	rm -rf build dist bin/supervise
