// `supervise decode [FILE|-]` and `supervise send PID SIGNAL`: the codec at a shell.
// Decoding is the codec's StreamDecoder (codec/index.ts) over codec.wasm, chunk by chunk as input
// arrives, so it works on a pipe or fifo while supervise is still writing.
import { createReadStream, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  DecodeError,
  StreamDecoder,
  encodeControl,
  escaped,
  formatEvent,
  isoTime,
  signalNumber,
  type ControlEvent,
  type StatusEvent,
} from '../codec/index.ts';
import { TraceBuilder, TraceError, type TraceEvent } from '../codec/trace.ts';
import { nodeCodec } from '../codec/node.ts';
import { SIGNAL_MAX } from '../assembly/protocol.ts';

export interface DecodeOptions {
  /** A path, or '-' / undefined for stdin. */
  file?: string;
  /** text (default): formatEvent lines; json: toJson lines; trace: one Trace Event Format
   *  document (codec/trace.ts). `json: true` is `format: 'json'`. */
  format?: 'text' | 'json' | 'trace';
  json?: boolean;
  control?: boolean;
}

/** Where output goes (stdout by default; tests pass their own). */
export interface DecodeOutput {
  out(text: string): Promise<void> | void;
  err(text: string): void;
}

let stdoutWatched = false;
const stdio: DecodeOutput = {
  out: (text) =>
    new Promise<void>((resolve, reject) => {
      // A write's error reaches its callback; the stream's 'error' event (EPIPE once the
      // reader of `| head` left) must not end the process with a stack trace.
      if (!stdoutWatched) process.stdout.on('error', () => {});
      stdoutWatched = true;
      process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
    }),
  err: (text) => {
    process.stderr.write(text);
  },
};

/** Decodes a stream to one line per record -> exit status (0, or 1 on bad input). */
export async function decode(opts: DecodeOptions, io: DecodeOutput = stdio, input?: Readable): Promise<number> {
  const name = !opts.file || opts.file === '-' ? 'stdin' : opts.file;
  const source = input ?? (name === 'stdin' ? process.stdin : createReadStream(opts.file!));
  const decoder = new StreamDecoder(nodeCodec(), opts.control ? 'control' : 'auto');
  const format = opts.json ? 'json' : (opts.format ?? 'text');
  let ref: StatusEvent | undefined; // the latest `started` record: escapes are measured from it
  const trace = format === 'trace' ? new TraceBuilder() : null;
  let traceOpen = false; // `{"traceEvents":[` written
  const traceText = (events: TraceEvent[]) => {
    const text = events.map((t) => JSON.stringify(t)).join(',\n');
    if (!text) return '';
    const head = traceOpen ? ',\n' : '{"traceEvents":[\n';
    traceOpen = true;
    return head + text;
  };
  const show = (records: Array<StatusEvent | ControlEvent>) => {
    if (trace) {
      if (records.length && !('kind' in records[0])) throw new TraceError(records[0].offset);
      return traceText((records as StatusEvent[]).flatMap((r) => trace.push(r)));
    }
    return records
      .map((r) => {
        if ('kind' in r && r.kind === 'started') ref = r;
        return `${format === 'json' ? toJson(r, ref) : formatEvent(r, ref)}\n`;
      })
      .join('');
  };
  /** The end of the trace document: what finish() adds, and the closing of the JSON. */
  const traceEnd = async () => {
    if (!trace) return;
    if (decoder.format === 'status' || decoder.format === 'control') throw new TraceError(0);
    const rest = traceText(trace.finish());
    await io.out(`${traceOpen ? rest : '{"traceEvents":['}\n],"displayTimeUnit":"ms"}\n`);
  };
  try {
    try {
      for await (const chunk of source) {
        let records: Array<StatusEvent | ControlEvent>;
        try {
          records = decoder.push(chunk as Uint8Array);
        } catch (err) {
          if (err instanceof DecodeError) await io.out(show((err as DecodeError & { records: [] }).records ?? []));
          throw err;
        }
        if (records.length) await io.out(show(records));
      }
      decoder.end();
    } catch (err) {
      // A trace stays one valid JSON document: what came before a corrupt record, closed.
      if (err instanceof DecodeError && decoder.format === 'events') await traceEnd();
      throw err;
    }
    await traceEnd();
    return 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return 0; // the reader left (| head)
    io.err(`supervise: decode: ${name}: ${message(err)}\n`);
    return 1;
  } finally {
    if (source !== process.stdin) source.destroy();
  }
}

/** A JSON line: the decoded fields, plus `iso` when the record has a time, and with the
 *  process's identity (events log version 2) `startIso` (when its start time is known) and
 *  `escaped` (escaped() from `ref`, the run's latest `started` record). */
export function toJson(r: StatusEvent | ControlEvent, ref?: StatusEvent): string {
  if (!('kind' in r) || r.time === undefined) return JSON.stringify(r);
  const extra: { iso: string; startIso?: string; escaped?: boolean } = { iso: isoTime(r.time) };
  if (r.proc) {
    if (r.proc.start > 0) extra.startIso = isoTime(r.proc.start);
    extra.escaped = escaped(r, ref);
  }
  return JSON.stringify({ ...r, ...extra });
}

function message(err: unknown): string {
  if (err instanceof DecodeError || err instanceof TraceError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e?.code && e.syscall) return `${e.code}: cannot ${e.syscall === 'open' ? 'open' : 'read'} it`;
  return e?.message ?? String(err);
}

/** The pid and signal of `send`, checked: an error message, or the values. */
export function parseSend(pidText: string, signalText: string): { pid: number; signal: number } | string {
  if (!/^\d+$/.test(pidText) || Number(pidText) < 1 || Number(pidText) > 0x7fffffff) {
    return `PID must be a positive integer, got '${pidText}'`;
  }
  const signal = signalNumber(signalText);
  if (signal === null)
    return `SIGNAL must be a signal name (TERM, SIGKILL, ...) or a number 0..${SIGNAL_MAX}, got '${signalText}'`;
  return { pid: Number(pidText), signal };
}

/** `send`: one 8-byte control record on fd 1 (written whole: 8 bytes < PIPE_BUF). */
export function send(pid: number, signal: number, fd = 1): number {
  const record = encodeControl(nodeCodec(), pid, signal);
  try {
    writeSync(fd, record);
    return 0;
  } catch (err) {
    process.stderr.write(`supervise: send: cannot write the control record: ${(err as Error).message}\n`);
    return 1;
  }
}
