// The codec: the one home of every rule about the bytes supervise reads and writes
// (ARCHITECTURE.md, "The codec"): codec.wasm (the same file supervise uses) for both record
// kinds, the names of signals, errnos and record kinds (names.ts), the events-log format,
// and the text `supervise decode` prints. Used by cli/ (decode, send), lib/, web/ and the
// tests. No Node API: the caller hands in the Wasm (a URL or Response in browsers, bytes
// or a compiled module in Node: node.ts) and the bytes. test/layers.test.ts checks that.
import {
  STATUS_SIZE,
  CONTROL_SIZE,
  SIGCHLD,
  SIGNO_SUPERVISE,
  KIND_EXITED,
  KIND_KILLED,
  KIND_DUMPED,
  KIND_TRAPPED,
  KIND_STOPPED,
  KIND_CONTINUED,
  KIND_SPAWNED,
  KIND_SPAWN_FAILED,
  KIND_STARTED,
  KIND_LAYERS,
  KIND_TOTALS,
  LAYER_CGROUP,
  LAYER_PID_NS,
  LAYERS_PATH,
  LAYERS_CHUNK,
  TOTALS_CPU,
  TOTALS_USER_CPU,
  TOTALS_SYSTEM_CPU,
  TOTALS_MEMORY_PEAK,
  TOTALS_PIDS_PEAK,
  ERR_FIELD,
  ERR_SIGNO,
  ERR_CODE,
  ERR_PADDING,
  ERR_PID,
  ERR_ERRNO,
  ERR_EXIT_STATUS,
  ERR_SIGNAL,
  ERR_TIME,
  ERR_LENGTH,
  EVENTS_MAGIC,
  EVENTS_VERSION,
  EVENTS_HEADER_SIZE,
  EVENTS_ENTRY_SIZE,
  EVENTS_V1,
  EVENTS_V1_ENTRY_SIZE,
  EVENTS_TIME,
  EVENTS_RECORD,
  EVENTS_VERSION_AT,
  EVENTS_ENTRY_SIZE_AT,
  EVENTS_START,
  EVENTS_PPID,
  EVENTS_PGID,
  EVENTS_SID,
  EVENTS_COMM,
  EVENTS_COMM_SIZE,
  EVENTS_IDENTITY,
  EVENTS_V2,
  EVENTS_V2_ENTRY_SIZE,
  EVENTS_V3,
  EVENTS_V3_ENTRY_SIZE,
  EVENTS_USER_CPU,
  EVENTS_SYSTEM_CPU,
  EVENTS_MAX_RSS,
  EVENTS_MINOR_FAULTS,
  EVENTS_MAJOR_FAULTS,
  EVENTS_VOLUNTARY_CS,
  EVENTS_INVOLUNTARY_CS,
  EVENTS_FS_READ,
  EVENTS_FS_WRITE,
  EVENTS_RESOURCES,
  EVENTS_FLAGS,
  EVENTS_FLAG_TORN_DOWN,
  EVENTS_FLAG_GRACE_DEADLINE,
  EVENTS_FLAG_SIGNALLED,
  EVENTS_FLAG_WAIT_ALL,
  EVENTS_FLAGS_KNOWN,
} from '../assembly/protocol.ts';
import type * as protocol from '../assembly/protocol.ts';
import { errnoName, signalName } from './names.ts';

export { errnoName, signalName, signalNumber } from './names.ts';

/** codec.wasm's exports (assembly/codec-entry.ts); pointers are byte offsets into
 *  `memory`. test/codec.test.ts checks this against the types asc generates
 *  (dist/codec.d.ts) and the module's export list. */
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
  encodeStatus(
    signo: number,
    errno: number,
    code: number,
    pid: number,
    uid: number,
    status: number,
    utime: bigint,
    stime: bigint,
  ): number;
  /** -> pointer to 8 bytes in the codec's output buffer (valid until the next call). */
  encodeControl(pid: number, sig: number): number;
  /** KIND_* (> 0) or ERR_* (< 0), see assembly/protocol.ts. */
  statusKind(p: number): number;
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
  [ERR_FIELD]: 'invalid field of a layers or totals record',
};

// --- loading codec.wasm

/** What codec.wasm can be loaded from: a URL (fetched, compiled while it streams), a
 *  Response, its bytes, or a compiled module. */
export type WasmSource = URL | string | Response | BufferSource | WebAssembly.Module;

/** A codec instance over a compiled codec.wasm (synchronous; each has its own state). */
export function instantiateCodec(module: WebAssembly.Module): CodecExports {
  const { imports, attach } = codecImports();
  return attach(new WebAssembly.Instance(module, imports));
}

/** codec.wasm's imports (env.abort, which reads its message from the instance's memory),
 *  and attach(), which types the instance's exports and lets abort see its memory. */
function codecImports() {
  let memory: WebAssembly.Memory | undefined;
  const attach = (instance: WebAssembly.Instance): CodecExports => {
    const exports = instance.exports as unknown as CodecExports;
    memory = exports.memory;
    return exports;
  };
  return { imports: { env: { abort: abortImport('codec.wasm', () => memory) } }, attach };
}

/** The AssemblyScript string at `ptr` in `memory` (UTF-16LE, its byte length as a u32 at
 *  ptr - 4), or '' for 0. The one decoder of them: the codec's abort, the Node host's
 *  (cli/wasm.ts) and the fake kernel's (test/fake-kernel.ts) use it. */
function wasmString(memory: WebAssembly.Memory | undefined, ptr: number): string {
  if (!ptr || !memory) return '';
  const length = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  const units = new Uint16Array(memory.buffer, ptr, length >>> 1);
  let text = '';
  for (let at = 0; at < units.length; at += 4096) text += String.fromCharCode(...units.subarray(at, at + 4096));
  return text;
}

/** AssemblyScript's env.abort(message, file, line, column) for module `name`: throws
 *  `NAME aborted: MESSAGE at FILE:LINE:COLUMN`, its strings read from `memory()`. */
export function abortImport(name: string, memory: () => WebAssembly.Memory | undefined) {
  return (message: number, file: number, line: number, column: number): never => {
    const m = memory();
    throw new Error(`${name} aborted: ${wasmString(m, message)} at ${wasmString(m, file)}:${line}:${column}`);
  };
}

/** A codec instance from `source`: a URL or Response goes through
 *  WebAssembly.instantiateStreaming (compiled while it downloads) when the server labels
 *  it application/wasm; bytes (Node: readFile) or a module are instantiated directly. */
export async function loadCodec(source: WasmSource): Promise<CodecExports> {
  if (typeof source === 'string' || source instanceof URL) source = await fetch(source);
  if (typeof Response !== 'undefined' && source instanceof Response) {
    if (!source.ok) throw new Error(`codec.wasm: ${source.status} ${source.statusText} from ${source.url}`);
    const streaming = (source.headers.get('content-type') ?? '').startsWith('application/wasm');
    const { imports, attach } = codecImports();
    if (streaming && WebAssembly.instantiateStreaming) {
      return attach((await WebAssembly.instantiateStreaming(source, imports)).instance);
    }
    source = await source.arrayBuffer();
  }
  return instantiateCodec(
    source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source as BufferSource),
  );
}

// --- decoded records

/** The value of every KIND_* constant of assembly/protocol.ts. */
type KindNumber = (typeof protocol)[Extract<keyof typeof protocol, `KIND_${string}`>];

/** The name of every record kind, by its KIND_* value. A KIND_* added to protocol.ts fails
 *  to compile here until it has a name; a name added here fails to compile in every
 *  `switch` that ends in unhandledKind() (the codec, describe(), the trace, the viewer,
 *  the library) until each handles it (ARCHITECTURE.md, "Adding a record kind"). */
const KIND_NAME_OF = {
  [KIND_EXITED]: 'exited',
  [KIND_KILLED]: 'killed',
  [KIND_DUMPED]: 'dumped',
  [KIND_TRAPPED]: 'trapped',
  [KIND_STOPPED]: 'stopped',
  [KIND_CONTINUED]: 'continued',
  [KIND_SPAWNED]: 'spawned',
  [KIND_SPAWN_FAILED]: 'spawn-failed',
  [KIND_STARTED]: 'started',
  [KIND_LAYERS]: 'layers',
  [KIND_TOTALS]: 'totals',
} as const satisfies Record<KindNumber, string>;

export type StatusKindName = (typeof KIND_NAME_OF)[KindNumber];

/** The name of each KIND_* that statusKind() returns (assembly/protocol.ts). */
export const KIND_NAMES: Readonly<Record<number, StatusKindName>> = KIND_NAME_OF;

/** The `default:` of a switch over record kinds: `kind` is `never` when every kind has its
 *  case, so a kind without one is a compile error here; at run time (a kind from a newer
 *  codec.wasm than this code) it throws. */
export function unhandledKind(kind: never): never {
  throw new Error(`record kind ${JSON.stringify(kind)} is not handled`);
}

/** Events logs version 2: the process as /proc/PID/stat showed it while supervise could
 *  still see it (a zombie not reaped yet; for `spawned`, just after the exec; for
 *  `started`, supervise itself). */
export interface ProcInfo {
  /** Its name (the kernel's comm: at most 15 bytes, decoded as UTF-8); '' when unknown. */
  comm: string;
  /** When it started, in microseconds since the Unix epoch; 0 when unknown. */
  start: number;
  ppid: number;
  /** Its process group and session. */
  pgid: number;
  sid: number;
}

/** Events logs version 3: what a reaped process cost, from the struct rusage of the
 *  `waitid` that reaped it (its own figures: a child's children are theirs). The names
 *  and units are those of Node's `process.resourceUsage()`. */
export interface Resources {
  /** User and system CPU time, microseconds. */
  userCPUTime: number;
  systemCPUTime: number;
  /** Peak resident set size (ru_maxrss), KiB. */
  maxRSS: number;
  /** Page faults served without I/O (minor) and with it (major). */
  minorPageFault: number;
  majorPageFault: number;
  /** Context switches: the process waited (voluntary), the scheduler took the CPU (involuntary). */
  voluntaryContextSwitches: number;
  involuntaryContextSwitches: number;
  /** Blocks read and written by the file system (ru_inblock, ru_oublock), 512 bytes each. */
  fsRead: number;
  fsWrite: number;
}

/** The offset of each Resources field within a version 3 entry, in the order of the layout. */
export const RESOURCE_FIELDS: ReadonlyArray<readonly [keyof Resources, number]> = [
  ['userCPUTime', EVENTS_USER_CPU],
  ['systemCPUTime', EVENTS_SYSTEM_CPU],
  ['maxRSS', EVENTS_MAX_RSS],
  ['minorPageFault', EVENTS_MINOR_FAULTS],
  ['majorPageFault', EVENTS_MAJOR_FAULTS],
  ['voluntaryContextSwitches', EVENTS_VOLUNTARY_CS],
  ['involuntaryContextSwitches', EVENTS_INVOLUNTARY_CS],
  ['fsRead', EVENTS_FS_READ],
  ['fsWrite', EVENTS_FS_WRITE],
];

/** Events logs version 3: what supervise did to the process, and (on `started`) how the run
 *  was launched; each present only when true. */
export interface EntryFlags {
  /** supervise SIGKILLed it at tear-down (it was alive when tear-down reached it). */
  killedAtTeardown?: true;
  /** ... at the tear-down the --grace deadline began (it outlived the deadline). */
  graceDeadline?: true;
  /** supervise forwarded it a signal (TERM, INT, --timeout's, a control record's). */
  signalled?: true;
  /** On `started`: the run waits for every process (--wait-all). */
  waitAll?: true;
}

const FLAG_NAMES: ReadonlyArray<readonly [keyof EntryFlags, number]> = [
  ['killedAtTeardown', EVENTS_FLAG_TORN_DOWN],
  ['graceDeadline', EVENTS_FLAG_GRACE_DEADLINE],
  ['signalled', EVENTS_FLAG_SIGNALLED],
  ['waitAll', EVENTS_FLAG_WAIT_ALL],
];

/** A `layers` record: which kill mechanisms hold the tree (docs/guarantees.md, "Layers"),
 *  and the cgroup leaf's path, carried 80 bytes per record. */
export interface Layers {
  /** The subreaper: always. */
  subreaper: true;
  /** A cgroup v2 leaf of the tree's own (--cgroup). */
  cgroup: boolean;
  /** A PID namespace (--pid-ns). */
  pidNamespace: boolean;
  /** The leaf path's length in bytes (0 without a leaf), and where this record's part of it starts. */
  pathLength: number;
  pathOffset: number;
  /** The whole path (UTF-8), on the record that completes it (the only one when it fits in
   *  80 bytes); '' without a leaf; absent on the records before. */
  path?: string;
}

/** A `totals` record: what the whole tree cost, from its cgroup leaf, read before the leaf
 *  was removed (names and units of Node's process.resourceUsage() where it has them). */
export interface Totals {
  /** cpu.stat usage_usec, user_usec, system_usec: microseconds. */
  cpuTime: number;
  userCPUTime: number;
  systemCPUTime: number;
  /** memory.peak in bytes and pids.peak; undefined where the controller was not enabled. */
  memoryPeak?: number;
  pidsPeak?: number;
}

/** One status record, decoded. Plain JSON-able data. */
export interface StatusEvent {
  /** Byte offset of the record (of its entry, in an events log) in the input. */
  offset: number;
  /** Events logs: when supervise wrote it, in microseconds since the Unix epoch. */
  time?: number;
  kind: StatusKindName;
  pid: number;
  /** si_signo, si_code, si_errno, si_uid, si_status as written. */
  signo: number;
  code: number;
  errno: number;
  uid: number;
  status: number;
  /** CLD_EXITED: the exit status. */
  exitCode?: number;
  /** Killed, dumped, trapped, stopped, continued: the signal's name. */
  signal?: string;
  /** Spawn failed: the errno's name. */
  errnoName?: string;
  /** si_utime, si_stime in clock ticks: a number, or a decimal string beyond 2^53. */
  utime: number | string;
  stime: number | string;
  /** Events logs version 2: the process's identity (absent in version 1 logs and raw
   *  streams, and where supervise could not read it). */
  proc?: ProcInfo;
  /** Events logs version 3, records that reaped a process (exited, killed, dumped): what
   *  it cost. */
  resources?: Resources;
  /** Events logs version 3: the entry's flags, when any is set. */
  flags?: EntryFlags;
  /** `layers` records: the mechanisms and the leaf's path. */
  layers?: Layers;
  /** `totals` records: the tree's CPU time and peaks. */
  totals?: Totals;
}

/** One control record, decoded. */
export interface ControlEvent {
  offset: number;
  pid: number;
  signal: number;
  signalName: string;
}

/** What a stream holds: raw status records, an events log, or control records. */
export type StreamFormat = 'status' | 'events' | 'control';

/** Why decoding stopped: the byte offset and the reason. Decoders throw nothing else. */
export class DecodeError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${reason} at byte offset ${offset}`);
    this.name = 'DecodeError';
  }
}

/** Whether process `e` left the session or the process group of `ref`, the run's latest
 *  `started` record (supervise itself, whose group and session its command starts in):
 *  the processes a kill of that process group would have missed. false when either
 *  identity is unknown (version 1 logs, raw streams). The one rule of it: `supervise
 *  decode`, the trace export and the viewer all ask here. */
export function escaped(e: StatusEvent, ref: StatusEvent | undefined): boolean {
  const p = e.proc;
  const r = ref?.proc;
  if (!p || !r || e.kind === 'started') return false;
  return p.sid !== r.sid || p.pgid !== r.pgid;
}

/** The text `supervise decode` prints for a record: `2026-11-22T10:00:01.234Z  pid 4242  exited 3`;
 *  from a version 2 log `... pid 4242 (sleep)  exited 3`, and `  escaped` at the end when
 *  escaped(e, ref). */
export function formatEvent(e: StatusEvent | ControlEvent, ref?: StatusEvent): string {
  if (!('kind' in e)) return `pid ${e.pid} <- ${e.signalName}`;
  const when = e.time === undefined ? '' : `${isoTime(e.time)}  `;
  const name = e.proc?.comm ? ` (${e.proc.comm})` : '';
  return `${when}pid ${e.pid}${name}  ${describe(e)}${escaped(e, ref) ? '  escaped' : ''}`;
}

/** "exited 3", "killed SIGKILL", "spawned", "spawn failed ENOENT", "started". */
export function describe(e: StatusEvent): string {
  switch (e.kind) {
    case 'exited':
      return `exited ${e.exitCode}`;
    case 'spawned':
    case 'started':
      return e.kind;
    case 'spawn-failed':
      return `spawn failed ${e.errnoName}`;
    case 'layers':
      return `layers ${layerNames(e.layers!)}`;
    case 'totals':
      return `totals ${totalsText(e.totals!)}`;
    case 'killed':
    case 'dumped':
    case 'trapped':
    case 'stopped':
    case 'continued':
      return `${e.kind} ${e.signal}`;
    default:
      return unhandledKind(e.kind);
  }
}

/** "subreaper, cgroup v2 /sys/fs/cgroup/x/supervise.42, pid namespace"; a part of a long
 *  path before the record that completes it: "(leaf path bytes 0..79 of 130)". */
export function layerNames(l: Layers): string {
  if (l.path === undefined)
    return `(leaf path bytes ${l.pathOffset}..${l.pathOffset + LAYERS_CHUNK - 1} of ${l.pathLength})`;
  const names = ['subreaper'];
  if (l.cgroup) names.push(`cgroup v2 ${l.path}`);
  if (l.pidNamespace) names.push('pid namespace');
  return names.join(', ');
}

/** "cpu 1.234567s (user 1.000000s, system 0.234567s), memory peak 5242880 bytes, pids peak 3". */
export function totalsText(t: Totals): string {
  const s = (us: number) => `${(us / 1e6).toFixed(6)}s`;
  let text = `cpu ${s(t.cpuTime)} (user ${s(t.userCPUTime)}, system ${s(t.systemCPUTime)})`;
  if (t.memoryPeak !== undefined) text += `, memory peak ${t.memoryPeak} bytes`;
  if (t.pidsPeak !== undefined) text += `, pids peak ${t.pidsPeak}`;
  return text;
}

/** ISO 8601 with milliseconds, from microseconds since the epoch. */
export function isoTime(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  return Number.isNaN(d.getTime()) ? `@${us}us` : d.toISOString();
}

// --- the streaming decoder

const MAGIC = Uint8Array.from(EVENTS_MAGIC);

/** How many of the first bytes notALog() shows. */
export const NOT_A_LOG_SHOWN = 12;

/** notALog(first) when `first`, the first 4 or more bytes of an input, can start neither
 *  an events log (the magic) nor a status stream (si_signo SIGCHLD or supervise's own);
 *  null when they can, or when fewer than 4 bytes do not tell. */
export function notALogReason(first: Uint8Array): string | null {
  if (first.length < 4) return null;
  if (first.subarray(0, MAGIC.length).every((b, i) => b === MAGIC[i])) return null;
  const signo = new DataView(first.buffer, first.byteOffset, 4).getInt32(0, true);
  return signo === SIGCHLD || signo === SIGNO_SUPERVISE ? null : notALog(first);
}

/** The reason a DecodeError gives for input that is neither an events log nor a status
 *  stream, from its first bytes: `not a supervise log or status stream (starts with
 *  "<html>\n<he")`, or the bytes in hex when they are not printable text. */
export function notALog(first: Uint8Array): string {
  const head = first.subarray(0, NOT_A_LOG_SHOWN);
  const text = head.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d);
  const shown = text
    ? JSON.stringify(String.fromCharCode(...head))
    : `bytes ${Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
  return `not a supervise log or status stream (starts with ${shown})`;
}

/** Decodes one stream chunk by chunk (any split gives the same records). The format is
 *  `control`, `status`, `events`, or `auto`: an events log when the input starts with the
 *  magic "SUPVEVTS", else raw status records. push() returns the whole records completed
 *  by a chunk; on a corrupt record it throws a DecodeError whose `records` holds the good
 *  ones of that chunk before it, and every later push() throws it again. end() throws for
 *  a truncated record or header. */
export class StreamDecoder {
  /** The format, once known. */
  format: StreamFormat | null;
  private readonly codec: CodecExports;
  private offset = 0; // bytes pushed so far
  private head: Uint8Array = new Uint8Array(0); // events: header bytes, entry bytes not yet whole
  private headerDone = false;
  /** Events: the header's version and entry size. */
  private version = 0;
  /** An events log's version (1, 2, 3), once its header is read; 0 before and for other formats. */
  get eventsVersion(): number {
    return this.version;
  }
  private entrySize = EVENTS_ENTRY_SIZE;
  private failed: DecodeError | null = null;

  constructor(codec: CodecExports, format: StreamFormat | 'auto' = 'auto') {
    this.codec = codec;
    this.format = format === 'auto' ? null : format;
    codec.statusReset();
    codec.controlReset();
  }

  /** The records completed by `chunk`. */
  push(chunk: Uint8Array): Array<StatusEvent | ControlEvent> {
    if (this.failed) throw this.failed;
    const out: Array<StatusEvent | ControlEvent> = [];
    try {
      this.pushInto(chunk, out);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.failed = err;
      (err as DecodeError & { records?: unknown }).records = out;
      throw err;
    }
    return out;
  }

  /** At the end of input: throws if a record (or the header) is incomplete. */
  end(): void {
    if (this.failed) throw this.failed;
    if (this.format === null) {
      try {
        this.detect(true);
      } catch (err) {
        if (err instanceof DecodeError) this.failed = err;
        throw err;
      }
    }
    const c = this.codec;
    let pending = 0;
    let size = 0;
    if (this.format === 'status') {
      pending = c.statusPending();
      size = STATUS_SIZE;
    } else if (this.format === 'control') {
      pending = c.controlPending();
      size = CONTROL_SIZE;
    } else if (!this.headerDone) {
      throw (this.failed = new DecodeError(
        0,
        `truncated events header (${this.head.length} of ${EVENTS_HEADER_SIZE} bytes)`,
      ));
    } else {
      pending = this.head.length;
      size = this.entrySize;
    }
    if (pending) {
      throw (this.failed = new DecodeError(this.offset - pending, `truncated record (${pending} of ${size} bytes)`));
    }
  }

  private pushInto(chunk: Uint8Array, out: Array<StatusEvent | ControlEvent>): void {
    if (this.format === null) {
      this.head = concat(this.head, chunk);
      this.offset += chunk.length;
      if (!this.detect(false)) return;
      chunk = this.head;
      this.head = new Uint8Array(0);
      this.offset -= chunk.length;
    }
    if (this.format === 'events') {
      this.pushEvents(chunk, out);
      return;
    }
    const c = this.codec;
    const cap = c.inputCapacity();
    const status = this.format === 'status';
    const size = status ? STATUS_SIZE : CONTROL_SIZE;
    for (let at = 0; at < chunk.length; at += cap) {
      const piece = chunk.subarray(at, at + cap);
      new Uint8Array(c.memory.buffer, c.inputBuffer(), piece.length).set(piece);
      // The first record completed by this piece starts this many bytes before it.
      const pending = status ? c.statusPending() : c.controlPending();
      let recordAt = this.offset - pending;
      const ready = status ? c.statusFeed(piece.length) : c.controlFeed(piece.length);
      if (ready < 0) throw new DecodeError(this.offset, CODEC_ERRORS[ready] ?? `codec error ${ready}`);
      for (let p = status ? c.statusNext() : c.controlNext(); p !== 0; p = status ? c.statusNext() : c.controlNext()) {
        out.push(status ? this.statusEvent(p, recordAt) : controlEvent(c, p, recordAt));
        recordAt += size;
      }
      this.offset += piece.length;
    }
  }

  /** Decides the format from the first bytes: true once known. Input that is neither an
   *  events log nor status records is refused here (notALogReason()), once its first
   *  NOT_A_LOG_SHOWN bytes are in (the message shows them: the same for any split) or at
   *  its end: a text file fails at once, not after 128 bytes (a file being followed may
   *  never have them). */
  private detect(atEnd: boolean): boolean {
    const h = this.head;
    const n = Math.min(h.length, MAGIC.length);
    for (let i = 0; i < n; i++) {
      if (h[i] !== MAGIC[i]) {
        if (h.length < 4 && !atEnd) return false;
        if (notALogReason(h) !== null || h.length < 4) {
          if (h.length < NOT_A_LOG_SHOWN && !atEnd) return false;
          const err = new DecodeError(0, notALog(h));
          err.message = err.reason; // the start of the input: no offset to name
          throw err;
        }
        this.format = 'status';
        return true;
      }
    }
    if (h.length >= MAGIC.length) this.format = 'events';
    else if (atEnd) {
      this.format = 'status';
      // A short prefix of the magic: decode it as what it is, a truncated status record.
      const c = this.codec;
      new Uint8Array(c.memory.buffer, c.inputBuffer(), h.length).set(h);
      c.statusFeed(h.length);
    }
    return this.format !== null;
  }

  private pushEvents(chunk: Uint8Array, out: Array<StatusEvent | ControlEvent>): void {
    const buf = this.head.length ? concat(this.head, chunk) : chunk;
    const base = this.offset - this.head.length; // input offset of buf[0]
    this.offset += chunk.length;
    let at = 0;
    if (!this.headerDone) {
      if (buf.length < EVENTS_HEADER_SIZE) {
        this.head = buf.slice();
        return;
      }
      const view = new DataView(buf.buffer, buf.byteOffset, EVENTS_HEADER_SIZE);
      const version = view.getUint32(EVENTS_VERSION_AT, true);
      const entry = view.getUint32(EVENTS_ENTRY_SIZE_AT, true);
      const expected = entrySizeOf(version);
      if (expected === 0)
        throw new DecodeError(
          base + EVENTS_VERSION_AT,
          `unsupported events log version ${version} (this decoder reads ${VERSIONS_READ})`,
        );
      if (entry !== expected)
        throw new DecodeError(
          base + EVENTS_ENTRY_SIZE_AT,
          `unexpected entry size ${entry} in an events log version ${version} (expected ${expected})`,
        );
      this.headerDone = true;
      this.version = version;
      this.entrySize = entry;
      at = EVENTS_HEADER_SIZE;
    }
    const c = this.codec;
    const input = c.inputBuffer();
    const size = this.entrySize;
    for (; at + size <= buf.length; at += size) {
      const view = new DataView(buf.buffer, buf.byteOffset + at, size);
      const time = Number(view.getBigInt64(EVENTS_TIME, true));
      new Uint8Array(c.memory.buffer, input, STATUS_SIZE).set(
        buf.subarray(at + EVENTS_RECORD, at + EVENTS_RECORD + STATUS_SIZE),
      );
      const e = this.statusEvent(input, base + at, base + at + EVENTS_RECORD);
      e.time = time;
      if (this.version !== EVENTS_V1) {
        const proc = readIdentity(view, buf.subarray(at, at + size), base + at);
        if (proc) e.proc = proc;
      }
      if (this.version === EVENTS_V3) readResources(view, e, base + at);
      out.push(e);
    }
    this.head = buf.slice(at);
  }

  /** Decodes the status record at codec pointer p (entry at `offset`, record at `recordAt`). */
  private statusEvent(p: number, offset: number, recordAt = offset): StatusEvent {
    const e = decodeStatusAt(this.codec, p, offset, recordAt);
    if (e.kind === 'layers') this.joinPath(e.layers!, p);
    return e;
  }

  /** The parts of a leaf path so far (layers records), and where the next one starts. */
  private path: Uint8Array | null = null;
  private pathNext = 0;

  /** A layers record's part of the path: the record that completes it gets `path`. */
  private joinPath(l: Layers, p: number): void {
    if (l.pathLength === 0) {
      l.path = '';
      return;
    }
    if (l.pathOffset === 0) {
      this.path = new Uint8Array(l.pathLength);
      this.pathNext = 0;
    }
    if (!this.path || this.path.length !== l.pathLength || l.pathOffset !== this.pathNext) {
      this.path = null; // a part out of order: this path stays unknown
      return;
    }
    const n = Math.min(LAYERS_CHUNK, l.pathLength - l.pathOffset);
    this.path.set(new Uint8Array(this.codec.memory.buffer, p + LAYERS_PATH, n), l.pathOffset);
    this.pathNext += n;
    if (this.pathNext === l.pathLength) {
      l.path = utf8.decode(this.path);
      this.path = null;
    }
  }
}

/** The entry size of events log version `version`, or 0 for a version this decoder does not read. */
function entrySizeOf(version: number): number {
  return version === EVENTS_V1
    ? EVENTS_V1_ENTRY_SIZE
    : version === EVENTS_V2
      ? EVENTS_V2_ENTRY_SIZE
      : version === EVENTS_V3
        ? EVENTS_V3_ENTRY_SIZE
        : 0;
}

/** The versions this decoder reads, for its error message. */
const VERSIONS_READ = `${EVENTS_V1}, ${EVENTS_V2} and ${EVENTS_V3}`;

/** Kinds of record that reaped a process: only they carry resources. */
const REAPED: ReadonlySet<StatusKindName> = new Set(['exited', 'killed', 'dumped']);

/** The resources and flags of a version 3 entry (`view` over it, at input offset `at`)
 *  into `e`; throws a DecodeError for a negative figure, figures on a record that reaped
 *  nothing, an unknown flag or non-zero padding. */
function readResources(view: DataView, e: StatusEvent, at: number): void {
  const reaped = REAPED.has(e.kind);
  const res = {} as Resources;
  for (const [name, offset] of RESOURCE_FIELDS) {
    const v = view.getBigInt64(offset, true);
    if (v < 0n) throw new DecodeError(at + offset, 'invalid events entry (negative resource figure)');
    if (!reaped && v !== 0n)
      throw new DecodeError(at + offset, 'invalid events entry (resources on a record that reaped nothing)');
    res[name] = Number(v);
  }
  if (reaped) e.resources = res;
  const bits = view.getUint32(EVENTS_FLAGS, true);
  if ((bits & ~EVENTS_FLAGS_KNOWN) !== 0)
    throw new DecodeError(at + EVENTS_FLAGS, 'invalid events entry (unknown flag)');
  if (view.getUint32(EVENTS_FLAGS + 4, true) !== 0)
    throw new DecodeError(at + EVENTS_FLAGS + 4, 'invalid events entry (non-zero padding)');
  if (bits === 0) return;
  const flags: EntryFlags = {};
  for (const [name, bit] of FLAG_NAMES) if (bits & bit) flags[name] = true;
  e.flags = flags;
}

const utf8 = new TextDecoder();

/** The identity of a version 2 entry (`view` and `bytes` over it, at input offset `at`):
 *  undefined when it is all zero (unknown); throws a DecodeError naming the first field
 *  that cannot be (a negative start time or id, bytes after comm's NUL, non-zero padding). */
function readIdentity(view: DataView, bytes: Uint8Array, at: number): ProcInfo | undefined {
  let any = false;
  for (let i = EVENTS_IDENTITY; i < EVENTS_RESOURCES; i++) {
    if (bytes[i] === 0) continue;
    if (i >= EVENTS_COMM + EVENTS_COMM_SIZE) throw new DecodeError(at + i, 'invalid events entry (non-zero padding)');
    any = true;
  }
  if (!any) return undefined;
  const start = view.getBigInt64(EVENTS_START, true);
  if (start < 0n) throw new DecodeError(at + EVENTS_START, 'invalid events entry (negative start time)');
  const ids = [EVENTS_PPID, EVENTS_PGID, EVENTS_SID].map((o) => {
    const v = view.getInt32(o, true);
    if (v < 0) throw new DecodeError(at + o, 'invalid events entry (negative process id)');
    return v;
  });
  const comm = bytes.subarray(EVENTS_COMM, EVENTS_COMM + EVENTS_COMM_SIZE);
  let end = comm.indexOf(0);
  if (end < 0) end = EVENTS_COMM_SIZE;
  for (let i = end; i < EVENTS_COMM_SIZE; i++) {
    if (comm[i] !== 0)
      throw new DecodeError(at + EVENTS_COMM + i, 'invalid events entry (bytes after the end of comm)');
  }
  return { comm: utf8.decode(comm.subarray(0, end)), start: Number(start), ppid: ids[0], pgid: ids[1], sid: ids[2] };
}

/** The status record at codec pointer `p`, decoded; throws a DecodeError naming
 *  `recordAt` if the codec rejects it. */
function decodeStatusAt(c: CodecExports, p: number, offset = 0, recordAt = offset): StatusEvent {
  const code = c.statusKind(p);
  if (code < 0) throw new DecodeError(recordAt, `invalid status record (${CODEC_ERRORS[code] ?? `error ${code}`})`);
  const kind = KIND_NAMES[code];
  if (kind === undefined) throw new DecodeError(recordAt, `invalid status record (unknown kind ${code})`);
  const e: StatusEvent = {
    offset,
    kind,
    pid: c.statusPid(p),
    signo: c.statusSigno(p),
    code: c.statusCode(p),
    errno: c.statusErrno(p),
    uid: c.statusUid(p),
    status: c.statusStatus(p),
    utime: exact(c.statusUtime(p)),
    stime: exact(c.statusStime(p)),
  };
  switch (kind) {
    case 'exited':
      e.exitCode = e.status;
      break;
    case 'trapped':
      e.signal = signalName(e.status & 0x7f); // above: the ptrace event
      break;
    case 'killed':
    case 'dumped':
    case 'stopped':
    case 'continued':
      e.signal = signalName(e.status);
      break;
    case 'spawn-failed':
      e.errnoName = errnoName(e.errno);
      break;
    case 'spawned':
    case 'started':
      break;
    case 'layers':
      e.layers = {
        subreaper: true,
        cgroup: (e.status & LAYER_CGROUP) !== 0,
        pidNamespace: (e.status & LAYER_PID_NS) !== 0,
        pathLength: e.uid,
        pathOffset: Number(c.statusUtime(p)),
      };
      break;
    case 'totals': {
      const view = new DataView(c.memory.buffer, p, STATUS_SIZE);
      const at = (o: number) => Number(view.getBigInt64(o, true));
      const peak = (o: number) => (at(o) < 0 ? undefined : at(o));
      e.totals = { cpuTime: at(TOTALS_CPU), userCPUTime: at(TOTALS_USER_CPU), systemCPUTime: at(TOTALS_SYSTEM_CPU) };
      if (peak(TOTALS_MEMORY_PEAK) !== undefined) e.totals.memoryPeak = peak(TOTALS_MEMORY_PEAK);
      if (peak(TOTALS_PIDS_PEAK) !== undefined) e.totals.pidsPeak = peak(TOTALS_PIDS_PEAK);
      break;
    }
    default:
      unhandledKind(kind);
  }
  return e;
}

/** A number when it is exact as one, else the decimal string. */
function exact(n: bigint): number | string {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n.toString();
}

function controlEvent(c: CodecExports, p: number, offset: number): ControlEvent {
  const signal = c.controlSignal(p);
  return { offset, pid: c.controlPid(p), signal, signalName: signalName(signal) };
}

/** Everything in `bytes` at once: the records before any error, and the error. */
export function decodeAll(
  codec: CodecExports,
  bytes: Uint8Array,
  format: StreamFormat | 'auto' = 'auto',
): { format: StreamFormat | null; records: Array<StatusEvent | ControlEvent>; error: DecodeError | null } {
  const d = new StreamDecoder(codec, format);
  // push() returns a new array: no spread into another (a stack overflow at ~200,000 records).
  let records: Array<StatusEvent | ControlEvent> = [];
  try {
    records = d.push(bytes);
    d.end();
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    // A failed push() carries the records before the error; a failed end() follows them.
    records = (err as DecodeError & { records?: Array<StatusEvent | ControlEvent> }).records ?? records;
    return { format: d.format, records, error: err };
  }
  return { format: d.format, records, error: null };
}

/** A control record (8 bytes) for `pid` and signal `sig`, encoded by the codec. */
export function encodeControl(c: CodecExports, pid: number, sig: number): Uint8Array {
  return new Uint8Array(c.memory.buffer, c.encodeControl(pid, sig), CONTROL_SIZE).slice();
}

/** A status record (128 bytes), encoded by the codec. */
export function encodeStatus(
  c: CodecExports,
  f: {
    signo?: number;
    errno?: number;
    code: number;
    pid?: number;
    uid?: number;
    status?: number;
    utime?: bigint;
    stime?: bigint;
  },
): Uint8Array {
  const p = c.encodeStatus(
    f.signo ?? SIGCHLD,
    f.errno ?? 0,
    f.code,
    f.pid ?? 0,
    f.uid ?? 0,
    f.status ?? 0,
    f.utime ?? 0n,
    f.stime ?? 0n,
  );
  return new Uint8Array(c.memory.buffer, p, STATUS_SIZE).slice();
}

/** One entry of an events log to encode: the time (µs since the epoch), the 128-byte
 *  record, (version 2) the process's identity, (version 3) its resources and flags. */
export interface EventsLogEntry {
  time: number;
  record: Uint8Array;
  proc?: ProcInfo;
  resources?: Resources;
  flags?: EntryFlags;
}

/** An events log from its entries, in format `version` (3, what supervise writes, by
 *  default; 2 drops the resources and flags, 1 the identities too). A comm longer than 15
 *  bytes of UTF-8 is cut there, as the kernel does. */
export function encodeEventsLog(entries: EventsLogEntry[], version: 1 | 2 | 3 = EVENTS_VERSION): Uint8Array {
  const size = entrySizeOf(version);
  const out = new Uint8Array(EVENTS_HEADER_SIZE + entries.length * size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(EVENTS_VERSION_AT, version, true);
  view.setUint32(EVENTS_ENTRY_SIZE_AT, size, true);
  const names = new Map<string, Uint8Array>();
  const encoder = new TextEncoder();
  entries.forEach((e, i) => {
    const at = EVENTS_HEADER_SIZE + i * size;
    view.setBigInt64(at + EVENTS_TIME, BigInt(Math.round(e.time)), true);
    out.set(e.record.subarray(0, STATUS_SIZE), at + EVENTS_RECORD);
    if (version === EVENTS_V3) {
      if (e.resources) {
        for (const [name, offset] of RESOURCE_FIELDS) view.setBigInt64(at + offset, BigInt(e.resources[name]), true);
      }
      let bits = 0;
      for (const [name, bit] of FLAG_NAMES) if (e.flags?.[name]) bits |= bit;
      view.setUint32(at + EVENTS_FLAGS, bits, true);
    }
    const p = e.proc;
    if (version === EVENTS_V1 || !p) return;
    view.setBigInt64(at + EVENTS_START, BigInt(Math.round(p.start)), true);
    view.setInt32(at + EVENTS_PPID, p.ppid, true);
    view.setInt32(at + EVENTS_PGID, p.pgid, true);
    view.setInt32(at + EVENTS_SID, p.sid, true);
    let comm = names.get(p.comm);
    if (!comm) {
      comm = encoder.encode(p.comm).subarray(0, EVENTS_COMM_SIZE - 1);
      names.set(p.comm, comm);
    }
    out.set(comm, at + EVENTS_COMM);
  });
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
