// core.wasm, typed and instantiated for the Node host (cli/host.ts) and the tests. Only
// numbers cross the boundary (ARCHITECTURE.md, "The Wasm contract"); the core's imports
// get fresh views over memory.buffer on every call, since memory growth detaches old ones.
import { abortImport } from '../codec/index.ts';
import { wasmModule } from '../codec/node.ts';

/** core.wasm's exports (assembly/core-entry.ts) a host uses. test/codec.test.ts checks
 *  this against the types asc generates (dist/core.d.ts). */
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
  childrenOf(pid: number, buf: number, capacity: number): number;
  spawn(argv: number, argc: number, opts: number): number;
  signals(list: number, count: number): number;
  callerSignals(out: number): void;
  epollCreate(): number;
  epollCtl(ep: number, op: number, fd: number, events: number): number;
  epollWait(ep: number, out: number, max: number, timeoutMs: number): number;
  poll(fd: number, events: number, timeoutMs: number): number;
  read(fd: number, buf: number, len: number): number;
  write(fd: number, buf: number, len: number): number;
  open(path: number, flags: number, mode: number): number;
  close(fd: number): number;
  mkdir(path: number, mode: number): number;
  rmdir(path: number): number;
  fileSize(fd: number): number;
  fileType(fd: number): number;
  socketType(fd: number): number;
  sendRecords(fd: number, buf: number, size: number, count: number): number;
  fdGiven(fd: number): number;
  setCloexec(fd: number, on: number): number;
  realtimeUs(): bigint;
  boottimeUs(): bigint;
  monotonicMs(): bigint;
}

/** A fresh core instance. `linux` builds its imports; `buffer()` is the instance's
 *  memory.buffer, to be read again on every call (memory growth detaches old views).
 *  An abort in the core throws an Error naming its message and place. */
export function loadCore(linux: (buffer: () => ArrayBuffer) => LinuxImports): CoreExports {
  let memory: WebAssembly.Memory | undefined;
  const imports = linux(() => memory!.buffer) as unknown as Record<string, (...a: unknown[]) => unknown>;
  const module = wasmModule('core');
  // Bound one by one: `imports` may be a class instance (the fake kernel in test/).
  const bound: WebAssembly.ModuleImports = {};
  for (const { module: m, name } of WebAssembly.Module.imports(module)) {
    if (m !== 'linux') continue;
    if (typeof imports[name] !== 'function')
      throw new Error(`core.wasm imports linux.${name}: the host has no such function`);
    bound[name] = imports[name].bind(imports) as WebAssembly.ImportValue;
  }
  const env = { abort: abortImport('core.wasm', () => memory) };
  const core = new WebAssembly.Instance(module, { env, linux: bound }).exports as unknown as CoreExports;
  memory = core.memory;
  return core;
}
