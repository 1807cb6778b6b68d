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
LIB       := dist/lib/index.js dist/types/lib/index.d.ts
ASC_FLAGS := --runtime stub --optimizeLevel 3 --initialMemory 2 --maximumMemory 512 --textFile

.PHONY: all build test demo clean lint bench compare

all: build
build: $(DEPS) $(ADDON) $(WASM) $(CLI) $(LIB)

$(DEPS): package.json
	$(NPM) install --no-audit --no-fund
	@touch $@

$(ADDON): binding.gyp $(wildcard shim/*.cc shim/*.h) $(DEPS)
	$(BIN)/node-gyp rebuild $(NODEDIR) --silent
	@touch $@

dist/codec.wasm: assembly/codec-entry.ts $(wildcard assembly/*.ts) $(DEPS)
	@mkdir -p dist
	$(BIN)/asc $< -o $@ $(ASC_FLAGS) $(@:.wasm=.wat)

dist/core.wasm: assembly/core-entry.ts $(wildcard assembly/*.ts) $(DEPS)
	@mkdir -p dist
	$(BIN)/asc $< -o $@ $(ASC_FLAGS) $(@:.wasm=.wat)

$(CLI): $(wildcard cli/*.ts lib/*.ts assembly/protocol.ts assembly/report.ts) $(DEPS)
	$(BIN)/esbuild cli/supervise.ts --bundle --platform=node --format=esm --target=node20 \
	  --splitting --outdir=dist --entry-names=[name] --chunk-names=chunks/[name]-[hash] \
	  --external:*.node --log-level=warning

# The library (`import { spawn } from 'supervise'`): one ESM bundle, and declarations whose
# relative imports name the .js files a consumer's TypeScript resolves to .d.ts.
dist/lib/index.js: $(wildcard lib/*.ts cli/wasm.ts assembly/protocol.ts) $(DEPS)
	$(BIN)/esbuild lib/index.ts --bundle --platform=node --format=esm --target=node20 \
	  --outfile=$@ --log-level=warning

dist/types/lib/index.d.ts: $(wildcard lib/*.ts cli/wasm.ts assembly/protocol.ts) tsconfig.lib.json $(DEPS)
	$(BIN)/tsc -p tsconfig.lib.json
	sed -i -E "s#(from '\.\.?/[^']*)\.ts'#\1.js'#" dist/types/*/*.d.ts

test: build
	$(NODE) scripts/run-tests.mjs

lint: $(DEPS)
	$(BIN)/tsc -p tsconfig.json

bench: build
	$(NODE) --import tsx bench/core.ts

# The library against child_process, execa, nano-spawn and tinyexec (README: Side by side).
compare: build
	$(NODE) --import tsx bench/compare.ts

demo: build
	$(NODE) --import tsx scripts/demo.ts

clean:
	rm -rf build dist
