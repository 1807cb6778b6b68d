// `supervise decode [FILE|-]` and `supervise send PID SIGNAL`: the codec at a shell.
// Decoding is the codec's StreamDecoder (codec/index.ts) over codec.wasm, chunk by chunk as input
// arrives, so it works on a pipe or fifo while supervise is still writing.
import { createReadStream, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { isatty } from 'node:tty';
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
import { SIGNAL_MAX, EVENTS_MAGIC, PID_MAX_LIMIT } from '../assembly/protocol.ts';
import {
  EMPTY_INPUT,
  SEND_TO_TERMINAL,
  badPid,
  badSignal,
  decodeFailed,
  ioFailed,
  notControl,
  sendFailed,
} from './messages.ts';

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
  // --control of an events log (its magic, which no control stream starts with: its pid
  // would be 1448105299, above any pid_max) decodes the log it is.
  let decoder = new StreamDecoder(nodeCodec(), opts.control ? 'control' : 'auto');
  let head: Uint8Array | null = opts.control ? new Uint8Array(0) : null; // --control: the first bytes
  let seen = 0; // bytes read
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
      for await (let chunk of source as AsyncIterable<Uint8Array>) {
        seen += chunk.length;
        if (head) {
          head = concat(head, chunk);
          if (head.length < EVENTS_MAGIC.length) continue;
          chunk = head;
          head = null;
          if (EVENTS_MAGIC.every((b, i) => chunk[i] === b)) decoder = new StreamDecoder(nodeCodec(), 'auto');
        }
        let records: Array<StatusEvent | ControlEvent>;
        try {
          records = decoder.push(chunk);
          const first = records[0];
          if (first && first.offset === 0 && !('kind' in first) && !plausibleControl(first))
            throw inputError(notControl(`pid ${first.pid}, signal ${first.signal}`));
        } catch (err) {
          if (err instanceof DecodeError) await io.out(show((err as DecodeError & { records: [] }).records ?? []));
          throw err;
        }
        if (records.length) await io.out(show(records));
      }
      if (head?.length) decoder.push(head);
      if (seen === 0) throw inputError(EMPTY_INPUT);
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
    io.err(decodeFailed(name, message(err)));
    return 1;
  } finally {
    if (source !== process.stdin) source.destroy();
  }
}

/** A DecodeError about the input as a whole: no byte offset in its message. */
function inputError(reason: string): DecodeError {
  const err = new DecodeError(0, reason);
  err.message = reason;
  return err;
}

/** Whether a control record could be meant for a supervise: a pid 1..PID_MAX_LIMIT and a
 *  signal 0..SIGNAL_MAX (the core refuses the rest). decode checks the first one only: a
 *  control stream may carry refusable records, a file that is no control stream rarely
 *  starts with one. */
function plausibleControl(r: ControlEvent): boolean {
  return r.pid >= 1 && r.pid <= PID_MAX_LIMIT && r.signal >= 0 && r.signal <= SIGNAL_MAX;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
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
  if (e?.code && e.syscall) return ioFailed(e.code, e.syscall);
  return e?.message ?? String(err);
}

/** The pid and signal of `send`, checked: a usage error's first line (messages.ts), or the values. */
export function parseSend(pidText: string, signalText: string): { pid: number; signal: number } | string {
  if (!/^\d+$/.test(pidText) || Number(pidText) < 1 || Number(pidText) > 0x7fffffff) return badPid(pidText);
  const signal = signalNumber(signalText);
  if (signal === null) return badSignal(signalText, SIGNAL_MAX);
  return { pid: Number(pidText), signal };
}

/** `send`: one 8-byte control record on fd 1 (written whole: 8 bytes < PIPE_BUF), refused
 *  when fd 1 is a terminal unless `force` (as gzip refuses to write compressed data there). */
export function send(pid: number, signal: number, fd = 1, force = false): number {
  if (!force && isatty(fd)) {
    process.stderr.write(SEND_TO_TERMINAL);
    return 1;
  }
  const record = encodeControl(nodeCodec(), pid, signal);
  try {
    writeSync(fd, record);
    return 0;
  } catch (err) {
    process.stderr.write(sendFailed((err as Error).message));
    return 1;
  }
}
