// Status records (fd 3, supervise -> us) decoded by the codec (codec/: the same decoder,
// names and rules as `supervise decode`), control records encoded by it, and the log of
// reaped processes that events() replays to every iterator.
import {
  StreamDecoder,
  encodeControl,
  unhandledKind,
  type CodecExports,
  type Layers,
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
}

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
