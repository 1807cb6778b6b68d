// Status records (fd 3, supervise -> us) decoded by the codec (codec/: the same decoder,
// names and rules as `supervise decode`), control records encoded by it, and the log of
// reaped processes that events() replays to every iterator.
import {
  StreamDecoder,
  encodeControl,
  unhandledKind,
  type CodecExports,
  type Layers,
  type Resources,
  type StatusEvent,
  type Totals,
} from '../codec/index.ts';
import { nodeCodec } from '../codec/node.ts';

/** How one process of the tree ended. */
export interface ExitStatus {
  pid: number;
  kind: 'exited' | 'killed' | 'dumped';
  /** Set when kind is 'exited'. */
  exitCode: number | undefined;
  /** Set when kind is 'killed' or 'dumped': the name `supervise decode` prints ('SIGKILL',
   *  'SIGRTMIN+2'). */
  signal: string | undefined;
  /** With the `resources` option, what the process cost (CPU, peak RSS, faults, context
   *  switches, blocks), as the rusage of its reaping says it, with Node's
   *  process.resourceUsage() names; absent without the option, or when supervise could not
   *  say (its events stream ended first). */
  resources?: Resources;
}

export type { Resources };

/** One decoded record: the main child started or failed to, or a process was reaped. */
export type ChannelRecord =
  | { type: 'spawned'; pid: number }
  | { type: 'spawn-failed'; errno: number }
  | { type: 'reaped'; status: ExitStatus }
  | { type: 'layers'; layers: Layers }
  | { type: 'totals'; totals: Totals }
  | { type: 'other' }; // stopped/continued/trapped: supervise does not send them today

/** Codec instances no Channel is using. Instantiating codec.wasm takes ~0.2 ms, a tenth
 *  of a spawn: a Channel takes one from here and gives it back at release(), so a run of
 *  spawns instantiates once (and 50 at a time, 50 times). An instance holds the partial
 *  record of one stream, so two live Channels never share one. */
const idle: CodecExports[] = [];
const IDLE_MAX = 16;

/** The codec of one fd 3: feed() every chunk of status records as it comes; control()
 *  encodes a control record; release() once the stream has ended. */
export class Channel {
  readonly #codec: CodecExports = idle.pop() ?? nodeCodec();
  readonly #decoder = new StreamDecoder(this.#codec, 'status'); // resets the codec's state
  #released = false;

  /** -> the records completed by `chunk`; throws a DecodeError on bytes that are not a
   *  status record. Nothing once released. */
  feed(chunk: Uint8Array): ChannelRecord[] {
    if (this.#released) return [];
    return this.#decoder.push(chunk).map((e) => toRecord(e as StatusEvent));
  }

  /** The stream has ended: the codec instance goes back to the pool. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (idle.length < IDLE_MAX) idle.push(this.#codec);
  }

  /** The 8-byte control record asking supervise to send `sig` to `pid`. */
  control(pid: number, sig: number): Uint8Array {
    return encodeControl(this.#codec, pid, sig);
  }
}

function toRecord(e: StatusEvent): ChannelRecord {
  switch (e.kind) {
    case 'spawned':
      return { type: 'spawned', pid: e.pid };
    case 'spawn-failed':
      return { type: 'spawn-failed', errno: e.errno };
    case 'exited':
    case 'killed':
    case 'dumped':
      return { type: 'reaped', status: { pid: e.pid, kind: e.kind, exitCode: e.exitCode, signal: e.signal } };
    case 'layers':
      return e.layers!.path === undefined ? { type: 'other' } : { type: 'layers', layers: e.layers! };
    case 'totals':
      return { type: 'totals', totals: e.totals! };
    case 'trapped':
    case 'stopped':
    case 'continued':
    case 'started':
      return { type: 'other' };
    default:
      return unhandledKind(e.kind);
  }
}

/** fd 4, the events log of the run (`--events-fd 4`): the resources of each reaped
 *  process, joined to fd 3's reaped records in order (supervise logs a record once it has
 *  written it to fd 3, so both streams hold the same reaped processes in the same order).
 *  status() takes fd 3's, feed() fd 4's bytes; `out` gets each status once its entry has
 *  come (or once fd 4 has ended, then without resources). */
export class Costs {
  // Taken at the first chunk of fd 4: without the `resources` option there is none.
  #codec: CodecExports | undefined;
  #decoder: StreamDecoder | undefined;
  readonly #out: (status: ExitStatus) => void;
  #statuses: ExitStatus[] = [];
  #costs: Array<{ pid: number; resources: Resources | undefined }> = [];
  #ended = false;

  constructor(out: (status: ExitStatus) => void) {
    this.#out = out;
  }

  /** A reaped record of fd 3. */
  status(status: ExitStatus): void {
    if (this.#ended) this.#out(status);
    else {
      this.#statuses.push(status);
      this.#match();
    }
  }

  /** A chunk of fd 4: an events log from its header on. Bytes that are not one end the
   *  join (the statuses go on, without resources). */
  feed(chunk: Uint8Array): void {
    if (this.#ended) return;
    let events: StatusEvent[];
    try {
      if (!this.#decoder) {
        this.#codec = idle.pop() ?? nodeCodec();
        this.#decoder = new StreamDecoder(this.#codec, 'events');
      }
      events = this.#decoder.push(chunk) as StatusEvent[];
    } catch {
      this.end();
      return;
    }
    for (const e of events)
      if (e.kind === 'exited' || e.kind === 'killed' || e.kind === 'dumped')
        this.#costs.push({ pid: e.pid, resources: e.resources });
    this.#match();
  }

  /** fd 4 has ended (or never was): what waits goes out as it is. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const s of this.#statuses.splice(0)) this.#out(s);
    this.#costs = [];
    if (this.#codec && idle.length < IDLE_MAX) idle.push(this.#codec);
  }

  #match(): void {
    while (this.#statuses.length > 0 && this.#costs.length > 0) {
      const s = this.#statuses.shift()!;
      const c = this.#costs.shift()!;
      if (c.pid !== s.pid) {
        // Not the same order after all: no guess at whose figures these are.
        this.#statuses.unshift(s);
        this.end();
        return;
      }
      if (c.resources) s.resources = c.resources;
      this.#out(s);
    }
  }
}

/** Every reaped process in order; each iterator replays it from the start, then waits. */
export class EventLog {
  #items: ExitStatus[] = [];
  #ended = false;
  #wake: Array<() => void> = [];

  push(status: ExitStatus): void {
    this.#items.push(status);
    this.#notify();
  }

  end(): void {
    this.#ended = true;
    this.#notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ExitStatus, void, undefined> {
    for (let i = 0; ; i++) {
      while (i >= this.#items.length && !this.#ended) await new Promise<void>((r) => this.#wake.push(r));
      if (i >= this.#items.length) return;
      yield this.#items[i];
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const w of wake) w();
  }
}
