// Piped output as execa collects it: decoded as it comes (StringDecoder, so a character
// split across chunks stays whole), optionally split into lines, without its final newline,
// and never more than maxBuffer per stream: past it, the collector keeps what fits and
// reports the overflow once (spawn.ts then tears the tree down).
import { constants } from 'node:buffer';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { stripNewline, type Output, type Overflow } from './errors.ts';
import type { Normalized, StreamOptions } from './options.ts';

/** Splits text into lines across chunks: '\n' ends a line; without `preserveNewlines` the
 *  '\n' (or '\r\n') is dropped. */
export class LineSplitter {
  #partial = '';
  constructor(readonly preserveNewlines: boolean) {}

  /** -> the lines `chunk` completes. */
  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      let line = this.#partial + chunk.slice(start, end + 1);
      this.#partial = '';
      if (!this.preserveNewlines) line = line.slice(0, line.endsWith('\r\n') ? -2 : -1);
      lines.push(line);
      start = end + 1;
    }
    if (start < chunk.length) this.#partial += chunk.slice(start);
    return lines;
  }

  /** Characters of the line not ended yet. */
  get pending(): number {
    return this.#partial.length;
  }

  /** -> the last line when it has no newline (at the end of the stream). */
  end(): string[] {
    const last = this.#partial;
    this.#partial = '';
    return last ? [last] : [];
  }
}

/** Collects one stream (stdout, stderr, or both as `all`) under the options' encoding,
 *  lines, stripFinalNewline and maxBuffer. */
export class Collector {
  readonly #o: Normalized;
  readonly #s: StreamOptions; // this stream's stripFinalNewline, lines and maxBuffer
  readonly #limit: number;
  readonly #text: boolean;
  #decoder: StringDecoder | undefined; // made at the first chunk (most streams get none)
  readonly #splitter: LineSplitter | undefined;
  readonly #parts: unknown[] = []; // Buffers, strings or arrays of lines, by the mode
  #size = 0; // characters, bytes or lines kept
  /** Set once the stream went past the limit; nothing more is kept. */
  overflow: Overflow | undefined;

  /** `all` keeps up to the sum of both streams' maxBuffer (it holds both) and never
   *  overflows by itself: stdout's and stderr's collectors say when output went past. */
  constructor(
    o: Normalized,
    readonly stream: 'stdout' | 'stderr' | 'all',
  ) {
    this.#o = o;
    this.#s = o.streams[stream];
    const binary = o.encoding === 'buffer';
    // No more than one string (or Buffer) can hold, whatever maxBuffer says (Infinity).
    const most = binary ? constants.MAX_LENGTH : constants.MAX_STRING_LENGTH;
    this.#limit = Math.min(this.#s.maxBuffer, most);
    this.#text = !binary;
    // An unknown encoding throws here, as the StringDecoder made at once did.
    if (!binary && !Buffer.isEncoding(o.encoding)) new StringDecoder(o.encoding as BufferEncoding);
    this.#splitter = this.#s.lines && !binary ? new LineSplitter(!this.#s.stripFinalNewline) : undefined;
  }

  /** Keeps what fits of `chunk` -> true the first time the limit is passed. */
  push(chunk: Buffer): boolean {
    if (this.overflow) return false;
    if (!this.#text) return this.#keep(chunk, chunk.length, (n) => chunk.subarray(0, n));
    this.#decoder ??= new StringDecoder(this.#o.encoding as BufferEncoding);
    const s = this.#decoder.write(chunk);
    if (!this.#splitter) return this.#keep(s, s.length, (n) => s.slice(0, n));
    const lines = this.#splitter.push(s);
    if (this.#keep(lines, lines.length, (n) => lines.slice(0, n))) return true;
    // A line without end is held whole: past maxBuffer characters it overflows too.
    const most = Math.min(this.#s.maxBuffer, constants.MAX_STRING_LENGTH);
    if (this.#splitter.pending <= most || this.stream === 'all') return false;
    this.overflow = { stream: this.stream, limit: most, unit: 'characters' };
    return true;
  }

  /** The output once the stream has ended. */
  result(): Output {
    if (this.#text && !this.overflow) {
      const rest = this.#decoder?.end() ?? '';
      if (!this.#splitter) this.#keep(rest, rest.length, (n) => rest.slice(0, n));
      else {
        const lines = [...this.#splitter.push(rest), ...this.#splitter.end()];
        this.#keep(lines, lines.length, (n) => lines.slice(0, n));
      }
    }
    if (this.#splitter) return (this.#parts as string[][]).flat();
    if (!this.#text) {
      // A plain Uint8Array, as execa 9 gives (a Buffer is one, with more methods).
      const b = Buffer.concat(this.#parts as Buffer[]);
      const end = !this.#s.stripFinalNewline || b.at(-1) !== 0x0a ? b.length : b.length - (b.at(-2) === 0x0d ? 2 : 1);
      return new Uint8Array(b.buffer, b.byteOffset, end);
    }
    const s = (this.#parts as string[]).join('');
    return this.#s.stripFinalNewline ? stripNewline(s) : s;
  }

  #keep<P>(part: P, size: number, head: (n: number) => P): boolean {
    if (this.#size + size <= this.#limit) {
      if (size > 0) this.#parts.push(part);
      this.#size += size;
      return false;
    }
    const room = this.#limit - this.#size;
    if (room > 0) this.#parts.push(head(room));
    this.#size = this.#limit;
    const unit = this.#splitter ? 'lines' : this.#text ? 'characters' : 'bytes';
    if (this.stream === 'all') return false; // truncated only: stdout and stderr say it
    this.overflow = { stream: this.stream, limit: this.#limit, unit };
    return true;
  }
}

/** The streams streamLines() has paused (spawn.ts's keepFlowing() leaves them paused). */
export const HELD = new WeakSet<Readable>();

/** Characters of lines that may wait unread in streamLines() before the stream is paused. */
const HIGH_WATER = 1 << 20;

/** The lines of `stream` from this call on (listening starts at once, not at the first
 *  next()), as they come. At most about HIGH_WATER
 *  characters wait unread: beyond, the stream is paused until the loop catches up, so a slow
 *  loop slows the child down rather than growing the app's memory. Leaving the loop early
 *  stops listening and resumes the stream (the collectors and the child go on). */
export function streamLines(
  stream: Readable,
  encoding: BufferEncoding,
  preserveNewlines: boolean,
): AsyncGenerator<string, void, undefined> {
  const queue: string[] = [];
  let head = 0; // queue[head] is the next line to give
  let queued = 0; // characters in queue[head..]
  let paused = false;
  let ended = stream.closed; // iterated after the end: nothing more will come
  let wake: (() => void) | undefined;
  const decoder = new StringDecoder(encoding);
  const splitter = new LineSplitter(preserveNewlines);
  const add = (lines: string[]) => {
    for (const l of lines) {
      queue.push(l);
      queued += l.length;
    }
    wake?.();
  };
  const onData = (c: Buffer) => {
    add(splitter.push(decoder.write(c)));
    if (queued > HIGH_WATER && !paused) {
      paused = true;
      HELD.add(stream);
      stream.pause();
    }
  };
  const onClose = () => {
    ended = true;
    add([...splitter.push(decoder.end()), ...splitter.end()]);
  };
  stream.on('data', onData);
  stream.once('close', onClose);
  return read();
  async function* read(): AsyncGenerator<string, void, undefined> {
    try {
      for (;;) {
        while (head === queue.length && !ended) await new Promise<void>((r) => (wake = r));
        if (head === queue.length) return;
        const line = queue[head++];
        queued -= line.length;
        if (head > 1024 && head * 2 > queue.length) {
          queue.splice(0, head); // drop what was given, now and then
          head = 0;
        }
        if (paused && queued <= HIGH_WATER / 2) {
          paused = false;
          HELD.delete(stream);
          stream.resume();
        }
        yield line;
      }
    } finally {
      stream.off('data', onData);
      stream.off('close', onClose);
      if (paused) {
        HELD.delete(stream);
        stream.resume();
      }
    }
  }
}
