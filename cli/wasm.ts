// The two Wasm modules (dist/codec.wasm, dist/core.wasm), typed and loaded in this one
// place. Compiled once per process (synchronously: start-up speed), instantiated per call.
// Only numbers cross the boundary; the core's imports get fresh views over memory.buffer
// on every call, since memory growth detaches old ones.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ERR_SIGNO, ERR_CODE, ERR_PADDING, ERR_PID, ERR_ERRNO, ERR_EXIT_STATUS, ERR_SIGNAL, ERR_TIME,
  ERR_LENGTH, STATUS_SIZE, RUSAGE_SIZE,
} from '../assembly/protocol.ts';

/** codec.wasm: encode/decode records; pointers are byte offsets into `memory`. */
export interface CodecExports {
  memory: WebAssembly.Memory;
  /** Where the host copies a chunk before statusFeed/controlFeed, and how much fits. */
  inputBuffer(): number;
  inputCapacity(): number;
  /** `len` new bytes at inputBuffer() -> whole records ready, or ERR_LENGTH. */
  statusFeed(len: number): number;
  /** The next ready record's pointer, or 0. */
  statusNext(): number;
  /** Bytes of a trailing partial record. */
  statusPending(): number;
  statusReset(): void;
  controlFeed(len: number): number;
  controlNext(): number;
  controlPending(): number;
  controlReset(): void;
  statusSigno(p: number): number;
  statusErrno(p: number): number;
  statusCode(p: number): number;
  statusPid(p: number): number;
  statusUid(p: number): number;
  statusStatus(p: number): number;
  statusUtime(p: number): bigint;
  statusStime(p: number): bigint;
  controlPid(p: number): number;
  controlSignal(p: number): number;
  /** -> pointer to 128 bytes in the codec's output buffer (valid until the next call). */
  encodeStatus(signo: number, errno: number, code: number, pid: number, uid: number,
    status: number, utime: bigint, stime: bigint): number;
  /** -> pointer to 8 bytes in the codec's output buffer (valid until the next call). */
  encodeControl(pid: number, sig: number): number;
  /** KIND_* (> 0) or ERR_* (< 0), see assembly/protocol.ts. */
  statusKind(p: number): number;
}

/** core.wasm: the decisions of supervise. The host's contract is in assembly/core.ts. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  init(selfPid: number, mainPid: number, clockTicks: number, pidMax: number): void;
  controlBuffer(): number;
  controlCapacity(): number;
  /** `len` new bytes at controlBuffer() -> records handled, or ERR_LENGTH. */
  control(len: number): number;
  controlEof(): void;
  /** -> 1 if the signal started tear-down, else 0. */
  signal(signo: number): number;
  teardown(): void;
  /** Launch mode (see assembly/core.ts): policy, own records, signals, timers. */
  launch(waitAll: number, grace: number): void;
  spawned(): void;
  spawnFailed(errno: number): void;
  /** -> LAUNCH_START_GRACE when the host must start its grace timer, else 0. */
  launchSignal(signo: number): number;
  timeout(): number;
  graceExpired(): void;
  /** -> FLAG_* bits (assembly/protocol.ts). */
  pump(): number;
  exitCode(): number;
  mainCode(): number;
  mainStatus(): number;
}

/** What core.wasm needs from the kernel (assembly/linux.ts), as views into its memory.
 *  Every function returns a result >= 0 or -errno; none may throw. */
export interface CoreImports {
  /** Raw waitid: `info` (128 bytes, zeroed) and `rusage` (144 bytes, zeroed) or null. */
  waitid(idtype: number, id: number, info: Uint8Array, options: number, rusage: Uint8Array | null): number;
  kill(pid: number, sig: number): number;
  /** Writes the children's pids into `out` (as many as fit) -> their total count. */
  children(out: Int32Array): number;
  /** 1 writable, 0 not now, -errno the reader is gone. */
  statusReady(): number;
  /** write(2) of `record` (the rest of one status record) -> bytes written. */
  writeStatus(record: Uint8Array): number;
  /** A REPORT_* diagnostic (assembly/report.ts) for stderr. */
  report(what: number, a: number, b: number): void;
}

/** Words for the codec's ERR_* codes. */
export const CODEC_ERRORS: Readonly<Record<number, string>> = {
  [ERR_SIGNO]: 'unknown si_signo',
  [ERR_CODE]: 'unknown si_code',
  [ERR_PADDING]: 'non-zero padding',
  [ERR_PID]: 'invalid si_pid',
  [ERR_ERRNO]: 'invalid si_errno',
  [ERR_EXIT_STATUS]: 'exit status outside 0..255',
  [ERR_SIGNAL]: 'invalid signal number in si_status',
  [ERR_TIME]: 'negative CPU time',
  [ERR_LENGTH]: 'chunk length out of range',
};

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

/** A fresh codec instance (its own memory and stream state). */
export function loadCodec(): CodecExports {
  const box: { memory?: WebAssembly.Memory } = {};
  const instance = new WebAssembly.Instance(wasmModule('codec'), { env: { abort: abortFor(box, 'codec') } });
  const exports = instance.exports as unknown as CodecExports;
  box.memory = exports.memory;
  return exports;
}

/** A fresh core instance calling `imports` for every system call. Call init() first. */
export function loadCore(imports: CoreImports): CoreExports {
  const box: { memory?: WebAssembly.Memory } = {};
  const bytes = (ptr: number, len: number) => new Uint8Array(box.memory!.buffer, ptr, len);
  const instance = new WebAssembly.Instance(wasmModule('core'), {
    env: { abort: abortFor(box, 'core') },
    linux: {
      waitid: (idtype: number, id: number, info: number, options: number, rusage: number) =>
        imports.waitid(idtype, id, bytes(info, STATUS_SIZE), options, rusage ? bytes(rusage, RUSAGE_SIZE) : null),
      kill: (pid: number, sig: number) => imports.kill(pid, sig),
      children: (buf: number, capacity: number) =>
        imports.children(new Int32Array(box.memory!.buffer, buf, capacity)),
      statusReady: () => imports.statusReady(),
      writeStatus: (ptr: number, len: number) => imports.writeStatus(bytes(ptr, len)),
      report: (what: number, a: number, b: number) => imports.report(what, a, b),
    },
  });
  const exports = instance.exports as unknown as CoreExports;
  box.memory = exports.memory;
  return exports;
}

/** AssemblyScript's env.abort(message, file, line, column): strings are UTF-16 with their
 *  byte length 4 bytes before them. Throws, so a trap in the core surfaces as an Error. */
function abortFor(box: { memory?: WebAssembly.Memory }, name: string) {
  const text = (ptr: number): string => {
    if (!ptr || !box.memory) return '';
    const length = new Uint32Array(box.memory.buffer, ptr - 4, 1)[0];
    return Buffer.from(box.memory.buffer, ptr, length).toString('utf16le');
  };
  return (message: number, file: number, line: number, column: number): never => {
    throw new Error(`${name}.wasm aborted: ${text(message)} at ${text(file)}:${line}:${column}`);
  };
}
