// The two Wasm modules (dist/codec.wasm, dist/core.wasm), typed and loaded in this one
// place. Compiled once per process (synchronously: start-up speed), instantiated per call.
// Only numbers cross the boundary; the core's imports get fresh views over memory.buffer
// on every call, since memory growth detaches old ones.
import { existsSync, readFileSync } from 'node:fs';
import { instantiateSync, type ASUtil } from '@assemblyscript/loader';
import { fileURLToPath } from 'node:url';
import { instantiateCodec, type CodecExports } from '../lib/codec.ts';

export { CODEC_ERRORS, type CodecExports } from '../lib/codec.ts';

/** core.wasm: the whole supervise program (assembly/). Called by cli/host.ts. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  /** Runs supervise on the host's arguments (argLen/argRead) -> the exit status, or -1
   *  (EXIT_FRONT_END) when the argv is for the yargs front end. */
  main(): number;
  /** A 4 KiB scratch buffer for duration(). */
  argBuffer(): number;
  /** The duration text of `len` bytes at argBuffer() -> milliseconds, or -1 if malformed. */
  duration(len: number): number;
}

/** The "linux" imports of core.wasm, as assembly/linux.ts declares them (its doc comments
 *  are the spec): numbers in, numbers out, pointers into the instance's memory; results
 *  >= 0 or -errno. None may throw for a failing system call. */
export interface LinuxImports {
  getpid(): number;
  getpgid(pid: number): number;
  getuid(): number;
  geteuid(): number;
  getgid(): number;
  clockTicks(): number;
  getChildSubreaper(): number;
  setChildSubreaper(on: number): number;
  argLen(i: number): number;
  argRead(i: number, buf: number): void;
  waitid(idtype: number, id: number, info: number, options: number, rusage: number): number;
  kill(pid: number, sig: number): number;
  children(buf: number, capacity: number): number;
  spawn(argv: number, argc: number, opts: number): number;
  signals(list: number, count: number): number;
  epollCreate(): number;
  epollCtl(ep: number, op: number, fd: number, events: number): number;
  epollWait(ep: number, out: number, max: number, timeoutMs: number): number;
  poll(fd: number, events: number, timeoutMs: number): number;
  read(fd: number, buf: number, len: number): number;
  write(fd: number, buf: number, len: number): number;
  open(path: number, flags: number, mode: number): number;
  close(fd: number): number;
  fileSize(fd: number): number;
  fileType(fd: number): number;
  fdGiven(fd: number): number;
  setCloexec(fd: number, on: number): number;
  realtimeUs(): bigint;
  monotonicMs(): bigint;
}

const modules = new Map<string, WebAssembly.Module>();

/** The path of dist/<name>.wasm, found from cli/ (tsx), dist/ or dist/chunks/ (the
 *  bundle). The error lists every path tried. */
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

/** A fresh codec instance (its own memory and stream state), from lib/codec.ts. */
export function loadCodec(): CodecExports {
  return instantiateCodec(wasmModule('codec'));
}

/** A fresh core instance. `linux` builds its imports; `buffer()` is the instance's
 *  memory.buffer, to be read again on every call (memory growth detaches old views).
 *  An abort in the core throws an Error naming its message and place. */
export function loadCore(linux: (buffer: () => ArrayBuffer) => LinuxImports): CoreExports {
  let core: (CoreExports & ASUtil) | undefined;
  const imports = linux(() => core!.memory.buffer) as unknown as Record<string, (...a: unknown[]) => unknown>;
  const module = wasmModule('core');
  // Bound one by one: `imports` may be a class instance (the fake kernel in test/).
  const bound: WebAssembly.ModuleImports = {};
  for (const { module: m, name } of WebAssembly.Module.imports(module)) {
    if (m !== 'linux') continue;
    if (typeof imports[name] !== 'function') throw new Error(`core.wasm imports linux.${name}: the host has no such function`);
    bound[name] = imports[name].bind(imports) as WebAssembly.ImportValue;
  }
  // AssemblyScript's env.abort(message, file, line, column): its strings, read by the loader.
  const text = (ptr: number) => (ptr && core ? core.__getString(ptr) : '');
  const abort = (message: number, file: number, line: number, column: number): never => {
    throw new Error(`core.wasm aborted: ${text(message)} at ${text(file)}:${line}:${column}`);
  };
  core = instantiateSync<Record<string, unknown>>(module, { env: { abort }, linux: bound }).exports as unknown as CoreExports & ASUtil;
  return core;
}
