// `supervise report [FILE|-] [--format text|json]`: the answers an events log holds for each
// run in it (codec/report.ts), as a screen of text or one JSON document. Reading is the
// codec's StreamDecoder, as `supervise decode` does; a truncated or corrupt log gives the
// report of the records before the error, then the error (exit 1).
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { DecodeError, StreamDecoder, type ControlEvent, type StatusEvent } from '../codec/index.ts';
import { formatReport, report } from '../codec/report.ts';
import { nodeCodec } from '../codec/node.ts';
import type { DecodeOutput } from './decode.ts';

export interface ReportOptions {
  /** A path, or '-' / undefined for stdin. */
  file?: string;
  format?: 'text' | 'json';
}

const stdio: DecodeOutput = {
  out: (text) =>
    new Promise<void>((resolve, reject) => {
      process.stdout.on('error', () => {}); // EPIPE (| head) reaches the callback
      process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
    }),
  err: (text) => {
    process.stderr.write(text);
  },
};

/** Reads the log, prints its report -> exit status (0, or 1 on bad input). */
export async function reportCommand(opts: ReportOptions, io: DecodeOutput = stdio, input?: Readable): Promise<number> {
  const name = !opts.file || opts.file === '-' ? 'stdin' : opts.file;
  let source: Readable | undefined;
  const decoder = new StreamDecoder(nodeCodec(), 'auto');
  const records: StatusEvent[] = [];
  const keep = (batch: Array<StatusEvent | ControlEvent>) => {
    for (const r of batch) if ('kind' in r) records.push(r);
  };
  let failure: unknown = null;
  try {
    source = input ?? (name === 'stdin' ? process.stdin : createReadStream(opts.file!));
    try {
      for await (const chunk of source) keep(decoder.push(chunk as Uint8Array));
      decoder.end();
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      keep((err as DecodeError & { records?: Array<StatusEvent | ControlEvent> }).records ?? []);
      failure = err;
    }
    if (decoder.format !== 'events' && !(failure && decoder.format === null)) {
      io.err(
        `supervise: report: ${name}: not an events log (a raw status stream has no times or identities: ` +
          'write one with supervise --events FILE -- CMD)\n',
      );
      return 1;
    }
    const runs = report(records, decoder.eventsVersion);
    if (opts.format === 'json') await io.out(`${JSON.stringify({ runs }, null, 2)}\n`);
    else await io.out(runs.map(formatReport).join('\n'));
    if (failure) throw failure;
    return 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return 0;
    io.err(`supervise: report: ${name}: ${message(err)}\n`);
    return 1;
  } finally {
    if (source && source !== process.stdin) source.destroy();
  }
}

function message(err: unknown): string {
  if (err instanceof DecodeError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e?.code && e.syscall) return `${e.code}: cannot ${e.syscall === 'open' ? 'open' : 'read'} it`;
  return e?.message ?? String(err);
}
