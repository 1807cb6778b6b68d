// The codec and the core modules as Node finds them on disk (dist/codec.wasm,
// dist/core.wasm): the only file of codec/ that uses a Node API (ARCHITECTURE.md, "The
// codec"); browsers never import it. Used by cli/ and lib/ alike, so neither needs the
// other. Compiled once per process, synchronously (start-up speed); instantiated per call.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { instantiateCodec, type CodecExports } from './index.ts';

const modules = new Map<string, WebAssembly.Module>();

/** The path of dist/<name>.wasm, found from codec/ (sources), dist/, dist/lib/ or
 *  dist/chunks/ (the bundles). The error lists every path tried. */
export function wasmFile(name: 'codec' | 'core'): string {
  const tried: string[] = [];
  for (const rel of [`./${name}.wasm`, `../${name}.wasm`, `../dist/${name}.wasm`]) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(file)) return file;
    tried.push(file);
  }
  throw new Error(`supervise: ${name}.wasm not built (run \`make build\`); tried ${tried.join(', ')}`);
}

/** The compiled module dist/<name>.wasm, compiled once per process. */
export function wasmModule(name: 'codec' | 'core'): WebAssembly.Module {
  let module = modules.get(name);
  if (!module) {
    module = new WebAssembly.Module(readFileSync(wasmFile(name)));
    modules.set(name, module);
  }
  return module;
}

/** A fresh codec instance (its own memory and stream state). */
export function nodeCodec(): CodecExports {
  return instantiateCodec(wasmModule('codec'));
}
