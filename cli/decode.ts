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
import { loadCodec } from '../codec/node.ts';
import { SIGNAL_MAX } from '../assembly/protocol.ts';

export interface DecodeOptions {
  /** A path, or '-' / undefined for stdin. */
  file?: string;
  json?: boolean;
  control?: boolean;
}

/** Where output goes (stdout by default; tests pass their own). */
export interface Output {
  out(text: string): Promise<void> | void;
  err(text: string): void;
}

const stdio: Output = {
  out: (text) =>
    new Promise<void>((resolve, reject) => {
      process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
    }),
  err: (text) => {
    process.stderr.write(text);
  },
};

/** Decodes a stream to one line per record -> exit status (0, or 1 on bad input). */
export async function decode(opts: DecodeOptions, io: Output = stdio, input?: Readable): Promise<number> {
  const name = !opts.file || opts.file === '-' ? 'stdin' : opts.file;
  const source = input ?? (name === 'stdin' ? process.stdin : createReadStream(opts.file!));
  const decoder = new StreamDecoder(loadCodec(), opts.control ? 'control' : 'auto');
  let ref: StatusEvent | undefined; // the latest `started` record: escapes are measured from it
  const show = (records: Array<StatusEvent | ControlEvent>) =>
    records
      .map((r) => {
        if ('kind' in r && r.kind === 'started') ref = r;
        return `${opts.json ? toJson(r, ref) : formatEvent(r, ref)}\n`;
      })
      .join('');
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
  if (err instanceof DecodeError) return err.message;
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
  const record = encodeControl(loadCodec(), pid, signal);
  try {
    writeSync(fd, record);
    return 0;
  } catch (err) {
    process.stderr.write(`supervise: send: cannot write the control record: ${(err as Error).message}\n`);
    return 1;
  }
}
