// The options of spawn(), their defaults, and how they become child_process options.
import { signalNumber as codecSignalNumber } from '../codec/index.ts';
import { SIGNAL_MAX } from '../assembly/protocol.ts';
import type { Readable, Stream, Writable } from 'node:stream';

/** Where a standard stream of the child goes: as child_process's stdio entries. */
export type StdioOption = 'pipe' | 'inherit' | 'ignore' | number | Stream | Readable | Writable;

/** Options of spawn(). */
export interface Options {
  /** Working directory of the child. */
  cwd?: string | URL;
  /** Environment of the child (default: process.env). */
  env?: NodeJS.ProcessEnv;
  stdin?: StdioOption;
  stdout?: StdioOption;
  stderr?: StdioOption;
  /** All three at once (a single value) or [stdin, stdout, stderr]. */
  stdio?: StdioOption | [StdioOption, StdioOption, StdioOption];
  /** Written to stdin, which is then closed (stdin must be 'pipe'). */
  input?: string | Buffer | Uint8Array;
  /** How piped stdout/stderr are collected: a text encoding (default 'utf8') or 'buffer'. */
  encoding?: BufferEncoding | 'buffer';
  /** Milliseconds; then `killSignal`, and `forceKillAfterDelay` later close(). */
  timeout?: number;
  /** Aborting it does what `timeout` does, and marks the result isCanceled. */
  signal?: AbortSignal;
  /** Sent to the main child on timeout or abort (default 'SIGTERM'). */
  killSignal?: NodeJS.Signals | string | number;
  /** Milliseconds after killSignal before the whole tree is SIGKILLed (default 5000;
   *  false: never). */
  forceKillAfterDelay?: number | false;
  /** When the main child exits: 'kill-tree' (default) SIGKILLs what it left behind,
   *  'wait-tree' waits for every descendant. */
  onMainExit?: 'kill-tree' | 'wait-tree';
  /** Reject on failure (default true); false: always resolve with the Result. */
  reject?: boolean;
}

/** Options with every default applied. */
export interface Normalized {
  cwd: string | URL | undefined;
  env: NodeJS.ProcessEnv | undefined;
  stdio: [StdioOption, StdioOption, StdioOption];
  input: string | Buffer | Uint8Array | undefined;
  encoding: BufferEncoding | 'buffer';
  timeout: number;
  signal: AbortSignal | undefined;
  killSignal: number;
  forceKillAfterDelay: number | false;
  waitAll: boolean;
  reject: boolean;
}

/** Applies the defaults and checks the values a caller is likely to get wrong. */
export function normalize(o: Options = {}): Normalized {
  const all = Array.isArray(o.stdio) ? o.stdio : [o.stdio, o.stdio, o.stdio];
  const stdio: [StdioOption, StdioOption, StdioOption] = [
    o.stdin ?? all[0] ?? 'pipe',
    o.stdout ?? all[1] ?? 'pipe',
    o.stderr ?? all[2] ?? 'pipe',
  ];
  if (o.input !== undefined && stdio[0] !== 'pipe') {
    throw new TypeError("spawn(): `input` needs `stdin: 'pipe'`");
  }
  if (o.onMainExit !== undefined && o.onMainExit !== 'kill-tree' && o.onMainExit !== 'wait-tree') {
    throw new TypeError(`spawn(): onMainExit must be 'kill-tree' or 'wait-tree', not ${String(o.onMainExit)}`);
  }
  const timeout = o.timeout ?? 0;
  if (!(timeout >= 0)) throw new TypeError(`spawn(): timeout must be >= 0, not ${timeout}`);
  return {
    cwd: o.cwd,
    env: o.env,
    stdio,
    input: o.input,
    encoding: o.encoding ?? 'utf8',
    timeout,
    signal: o.signal,
    killSignal: signalNumber(o.killSignal ?? 'SIGTERM'),
    forceKillAfterDelay: o.forceKillAfterDelay ?? 5000,
    waitAll: o.onMainExit === 'wait-tree',
    reject: o.reject ?? true,
  };
}

/** 'SIGTERM' (or any name `supervise send` takes, 'SIGRTMIN+2' included) or 15 -> 15;
 *  throws a TypeError for anything else. */
export function signalNumber(sig: NodeJS.Signals | string | number): number {
  const n = typeof sig === 'number' ? sig : typeof sig === 'string' ? codecSignalNumber(sig) : null;
  if (n === null || !Number.isInteger(n) || n < 0 || n > SIGNAL_MAX)
    throw new TypeError(`unknown signal: ${String(sig)}`);
  return n;
}
