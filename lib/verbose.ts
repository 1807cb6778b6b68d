// The `verbose` option: lines on stderr as execa prints them (without its colours),
//   [12:03:04.567] [0] $ echo 'a b'
//   [12:03:04.570] [0]   a b                       (verbose: 'full', each output line)
//   [12:03:04.571] [0] ✔ (done in 4ms)
// or, on failure, ✘ and the short message before the duration (⚠ with `reject: false`).
import prettyMs from 'pretty-ms';
import { stripVTControlCharacters } from 'node:util';
import type { Result } from './errors.ts';
import type { SubprocessError } from './errors.ts';
import { LineSplitter } from './output.ts';
import type { Layers } from '../codec/index.ts';

let nextId = 0;

/** Set in the options of a destination `.pipe()` starts: `verbose` then begins its line
 *  with '|' rather than '$', as execa does. */
export const PIPED = Symbol('supervise.piped');

/** The log of one command: start() when it starts, line() per output line ('full'),
 *  end() with its Result or SubprocessError. */
export class VerboseLog {
  readonly #id = String(nextId++);
  readonly #reject: boolean;

  constructor(reject: boolean) {
    this.#reject = reject;
  }

  start(escapedCommand: string, piped = false): void {
    this.#print(piped ? '|' : '$', escapedCommand);
  }

  /** A LineSplitter feeding line() for one stream. */
  splitter(): (chunk: string | undefined) => void {
    const s = new LineSplitter(false);
    return (chunk) => {
      for (const l of chunk === undefined ? s.end() : s.push(chunk)) this.line(l);
    };
  }

  /** Which kill mechanisms hold the tree (supervise's layers record, with `cgroup: true`). */
  layers(l: Layers): void {
    const names = ['subreaper'];
    if (l.cgroup) names.push(`cgroup v2 (${l.path})`);
    if (l.pidNamespace) names.push('pid namespace');
    this.#print(
      ' ',
      `layers: ${names.join(', ')}${l.cgroup ? '' : "; no cgroup v2 leaf (none was writable: see supervise's message)"}`,
    );
  }

  line(text: string): void {
    this.#print(' ', stripVTControlCharacters(text).replaceAll('\t', '  '));
  }

  end(r: Result | SubprocessError): void {
    const icon = !r.failed ? '✔' : this.#reject ? '✘' : '⚠';
    if (r.failed) this.#print(icon, (r as SubprocessError).shortMessage);
    this.#print(icon, `(done in ${prettyMs(r.durationMs)})`);
  }

  #print(icon: string, message: string): void {
    const d = new Date();
    const t = `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(d.getMilliseconds(), 3)}`;
    const lines = message.split('\n').map((m) => `[${t}] [${this.#id}] ${icon} ${m}\n`);
    process.stderr.write(lines.join(''));
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
