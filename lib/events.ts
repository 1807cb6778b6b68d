// Status records (fd 3, supervise -> us) decoded with the codec Wasm, and the log of
// reaped processes that events() replays to every iterator.
import { loadCodec, CODEC_ERRORS, type CodecExports } from '../cli/wasm.ts';
import {
  KIND_EXITED, KIND_KILLED, KIND_DUMPED, KIND_SPAWNED, KIND_SPAWN_FAILED,
} from '../assembly/protocol.ts';
import { signalName } from './options.ts';

/** How one process of the tree ended. */
export interface ExitStatus {
  pid: number;
  kind: 'exited' | 'killed' | 'dumped';
  /** Set when kind is 'exited'. */
  exitCode: number | undefined;
  /** Set when kind is 'killed' or 'dumped' (a name such as 'SIGKILL'). */
  signal: NodeJS.Signals | undefined;
}

/** One decoded record: the main child started or failed to, or a process was reaped. */
export type Record =
  | { type: 'spawned'; pid: number }
  | { type: 'spawn-failed'; errno: number }
  | { type: 'reaped'; status: ExitStatus }
  | { type: 'other' }; // stopped/continued/trapped: supervise does not send them today

/** Splits the byte stream of fd 3 into records: feed() every chunk as it comes. */
export class RecordReader {
  #codec: CodecExports = loadCodec();

  /** -> the records completed by `chunk`; throws on bytes that are not a status record. */
  feed(chunk: Uint8Array): Record[] {
    const out: Record[] = [];
    const c = this.#codec;
    const capacity = c.inputCapacity();
    for (let at = 0; at < chunk.length; at += capacity) {
      const part = chunk.subarray(at, at + capacity);
      new Uint8Array(c.memory.buffer, c.inputBuffer(), part.length).set(part);
      const n = c.statusFeed(part.length);
      if (n < 0) throw new Error(`supervise: bad status stream: ${CODEC_ERRORS[n] ?? n}`);
      for (let p = c.statusNext(); p !== 0; p = c.statusNext()) out.push(this.#decode(p));
    }
    return out;
  }

  /** Bytes of an incomplete record left at EOF (0 when the stream ended cleanly). */
  pending(): number {
    return this.#codec.statusPending();
  }

  #decode(p: number): Record {
    const c = this.#codec;
    const kind = c.statusKind(p);
    if (kind < 0) throw new Error(`supervise: bad status record: ${CODEC_ERRORS[kind] ?? kind}`);
    const pid = c.statusPid(p);
    const status = c.statusStatus(p);
    switch (kind) {
      case KIND_SPAWNED: return { type: 'spawned', pid };
      case KIND_SPAWN_FAILED: return { type: 'spawn-failed', errno: c.statusErrno(p) };
      case KIND_EXITED: return { type: 'reaped', status: { pid, kind: 'exited', exitCode: status, signal: undefined } };
      case KIND_KILLED:
      case KIND_DUMPED:
        return {
          type: 'reaped',
          status: { pid, kind: kind === KIND_KILLED ? 'killed' : 'dumped', exitCode: undefined, signal: signalName(status) },
        };
      default: return { type: 'other' };
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
