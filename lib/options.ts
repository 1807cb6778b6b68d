// The options of spawn() and spawnSync(), their defaults, and how they become
// child_process options. Named and behaving as execa 9's unless a guarantee of supervise
// needs otherwise (each such case says so).
import { signalNumber as codecSignalNumber } from '../codec/index.ts';
import { SIGNAL_MAX, SIGTERM } from '../assembly/protocol.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmRunPathEnv } from 'npm-run-path';
import type { Readable, Stream, Writable } from 'node:stream';

/** Where a standard stream of the child goes: as child_process's stdio entries. */
export type StdioOption = 'pipe' | 'inherit' | 'ignore' | number | Stream | Readable | Writable;

/** What `verbose` prints on stderr: nothing, the command and its end, or those and the output. */
export type Verbose = 'none' | 'short' | 'full';

/** Options of spawn() and spawnSync(). */
export interface Options {
  /** Working directory of the child (default: process.cwd()); also `result.cwd`. */
  cwd?: string | URL;
  /** Environment variables of the child, added to process.env's (default: process.env
   *  itself); the whole environment with `extendEnv: false`. */
  env?: NodeJS.ProcessEnv;
  /** Whether `env` extends process.env (default true, as execa's) or replaces it (false, as
   *  child_process's `env`). */
  extendEnv?: boolean;
  stdin?: StdioOption;
  stdout?: StdioOption;
  stderr?: StdioOption;
  /** All three at once (a single value) or [stdin, stdout, stderr]. */
  stdio?: StdioOption | [StdioOption, StdioOption, StdioOption];
  /** Written to stdin, which is then closed (stdin must be 'pipe'). */
  input?: string | Buffer | Uint8Array;
  /** How piped stdout/stderr are collected: a text encoding (default 'utf8') or 'buffer'
   *  (Uint8Arrays, as execa 9; `lines` then does nothing). */
  encoding?: BufferEncoding | 'buffer';
  /** Remove one final newline ('\n' or '\r\n') from `stdout`, `stderr` and `all`, and the
   *  newline of every line with `lines` (default true). */
  stripFinalNewline?: boolean;
  /** Split `stdout`, `stderr` and `all` into arrays of lines (default false). */
  lines?: boolean;
  /** Also collect stdout and stderr together, in the order they arrive: `result.all`, and
   *  the stream `subprocess.all` (default false). */
  all?: boolean;
  /** Most output kept per stream (default 100_000_000): characters with a text encoding,
   *  bytes with 'buffer', lines with `lines`. Beyond it the whole tree is SIGKILLed (as
   *  close() does), the output kept so far is truncated to the limit, and the command
   *  fails with `isMaxBuffer: true`. (execa sends killSignal to the main child; supervise
   *  ends the tree, so nothing keeps writing.) */
  maxBuffer?: number;
  /** Run the command through a shell: true for /bin/sh, or the shell's path. The file and
   *  arguments are joined by spaces into one `-c` script, as in execa. The shell and
   *  everything it starts are the tree, under the same guarantees. */
  shell?: boolean | string | URL;
  /** Look for the command in `node_modules/.bin` of `localDir` and of each of its parent
   *  directories, then in the directory of the running Node, before PATH (default false). */
  preferLocal?: boolean;
  /** Where `preferLocal` starts looking (default: `cwd`). */
  localDir?: string | URL;
  /** 'short': print the command on stderr when it starts, and how it ended with its
   *  duration; 'full': also every line of its piped stdout and stderr (default 'none').
   *  As execa prints them: `[HH:MM:SS.mmm] [N] $ command`, `[..] [N] ✔ (done in 12ms)`. */
  verbose?: Verbose;
  /** Milliseconds; then `killSignal`, and `forceKillAfterDelay` later close(). */
  timeout?: number;
  /** Aborting it does what `timeout` does, and marks the result isCanceled; the abort's
   *  reason is the error's `cause` and its message the error's `originalMessage` (execa 9). */
  cancelSignal?: AbortSignal;
  /** execa 8's name of `cancelSignal` (cancelSignal wins when both are given). */
  signal?: AbortSignal;
  /** Sent to the main child on timeout, abort and by `kill()` without a signal (default 'SIGTERM'). */
  killSignal?: NodeJS.Signals | string | number;
  /** Milliseconds after killSignal before the whole tree is SIGKILLed (default 5000;
   *  false: never). When it fires, `isForcefullyTerminated` is true. */
  forceKillAfterDelay?: number | false;
  /** When the main child exits: 'kill-tree' (default) SIGKILLs what it left behind,
   *  'wait-tree' waits for every descendant. */
  onMainExit?: 'kill-tree' | 'wait-tree';
  /** Reject on failure (default true); false: always resolve, on failure with the
   *  SubprocessError itself (`failed: true`), as execa does. */
  reject?: boolean;
}

/** The type of `stdout`, `stderr` and `all` that options `O` give: Uint8Array with
 *  `encoding: 'buffer'`, string[] with `lines: true`, else string (a union when the
 *  options' type does not say). */
export type OutputOf<O extends Options> = [Prop<O, 'encoding'>] extends ['buffer']
  ? Uint8Array
  : 'buffer' extends Prop<O, 'encoding'>
    ? Uint8Array | string | string[]
    : [Prop<O, 'lines'>] extends [true]
      ? string[]
      : [Prop<O, 'lines'>] extends [false | undefined]
        ? string
        : string | string[];
/** OutputOf<O>, and `undefined` when the options may leave stdout or stderr unpiped
 *  ('inherit', 'ignore', an fd or a stream), as execa types them. */
export type ResultOutput<O extends Options> = OutputOf<O> | NotPiped<O>;
type NotPiped<O extends Options> = [Prop<O, 'stdout'> | Prop<O, 'stderr'> | StdioValues<Prop<O, 'stdio'>>] extends [
  'pipe' | undefined,
]
  ? never
  : undefined;
type StdioValues<S> = S extends readonly unknown[] ? S[1] | S[2] : S;
/** O[K], or undefined when O has no K (a conditional on `{ k?: V }` would be a weak type). */
type Prop<O, K extends PropertyKey> = K extends keyof O ? O[K] : undefined;

/** The options' type when none are given: OutputOf it is string. */
export type NoOptions = { encoding?: undefined; lines?: undefined };

/** `(file, options)` as execa takes it, or `(file, args?, options?)` -> [args, options]. */
export function splitArguments<O>(args: unknown, options: O): [readonly string[], O] {
  if (args !== undefined && args !== null && typeof args === 'object' && !Array.isArray(args)) {
    return [[], args as O];
  }
  return [(args ?? []) as readonly string[], options];
}

/** Checks spawn()'s and spawnSync()'s file and args -> the args as strings (numbers are
 *  stringified, as execa does). An empty file is left to the promise, as execa reports it. */
export function checkArguments(name: string, file: unknown, args: unknown): string[] {
  if (typeof file !== 'string') throw new TypeError(`${name}(): file must be a string, not ${String(file)}`);
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string' || typeof a === 'number')) {
    throw new TypeError(`${name}(): args must be an array of strings (or numbers): ${String(args)}`);
  }
  return args.map(String);
}

/** Options with every default applied. */
export interface Normalized {
  /** The working directory as a path (process.cwd() when not given). */
  cwd: string;
  /** The cwd to hand child_process: undefined when the caller gave none. */
  spawnCwd: string | undefined;
  env: NodeJS.ProcessEnv | undefined;
  stdio: [StdioOption, StdioOption, StdioOption];
  input: string | Buffer | Uint8Array | undefined;
  encoding: BufferEncoding | 'buffer';
  stripFinalNewline: boolean;
  lines: boolean;
  all: boolean;
  maxBuffer: number;
  shell: string | undefined;
  verbose: Verbose;
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
  stdio.forEach((value, fd) => {
    if (!isStdio(value)) {
      throw new TypeError(
        `spawn(): ${STDIO_NAMES[fd]} must be 'pipe', 'inherit', 'ignore', a file descriptor or a stream, not ${String(value)}`,
      );
    }
  });
  const force = o.forceKillAfterDelay ?? 5000;
  if (force !== false && !(typeof force === 'number' && force >= 0)) {
    throw new TypeError(`spawn(): forceKillAfterDelay must be >= 0 or false, not ${String(force)}`);
  }
  const signal = o.cancelSignal ?? o.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`spawn(): cancelSignal must be an AbortSignal, not ${String(signal)}`);
  }
  const timeout = o.timeout ?? 0;
  if (!(timeout >= 0)) throw new TypeError(`spawn(): timeout must be >= 0, not ${timeout}`);
  const maxBuffer = o.maxBuffer ?? 100_000_000;
  if (!(maxBuffer >= 0)) throw new TypeError(`spawn(): maxBuffer must be >= 0, not ${maxBuffer}`);
  const verbose = o.verbose ?? 'none';
  if (verbose !== 'none' && verbose !== 'short' && verbose !== 'full') {
    throw new TypeError(`spawn(): verbose must be 'none', 'short' or 'full', not ${String(verbose)}`);
  }
  const spawnCwd = o.cwd === undefined ? undefined : toPath(o.cwd);
  const cwd = spawnCwd === undefined ? process.cwd() : path.resolve(spawnCwd);
  const given = o.env === undefined || o.extendEnv === false ? o.env : { ...process.env, ...o.env };
  const env = o.preferLocal
    ? npmRunPathEnv({ env: given ?? process.env, cwd: o.localDir ? toPath(o.localDir) : cwd })
    : given;
  return {
    cwd,
    spawnCwd,
    env,
    stdio,
    input: o.input,
    encoding: o.encoding ?? 'utf8',
    stripFinalNewline: o.stripFinalNewline ?? true,
    lines: o.lines ?? false,
    all: o.all ?? false,
    maxBuffer,
    shell: o.shell === true ? '/bin/sh' : o.shell ? toPath(o.shell) : undefined,
    verbose,
    timeout,
    signal,
    killSignal: signalNumber(o.killSignal ?? SIGTERM), // a number: no name to look up
    forceKillAfterDelay: force,
    waitAll: o.onMainExit === 'wait-tree',
    reject: o.reject ?? true,
  };
}

const STDIO_NAMES = ['stdin', 'stdout', 'stderr'];

/** Whether child_process takes `value` as a stdio entry the library supports. */
function isStdio(value: unknown): boolean {
  if (value === 'pipe' || value === 'inherit' || value === 'ignore') return true;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0;
  return value !== null && typeof value === 'object' && typeof (value as Stream).pipe === 'function';
}

function toPath(p: string | URL): string {
  return typeof p === 'string' ? p : fileURLToPath(p);
}

/** 'SIGTERM' (or any name `supervise send` takes, 'SIGRTMIN+2' included) or 15 -> 15;
 *  throws a TypeError for anything else. */
export function signalNumber(sig: NodeJS.Signals | string | number): number {
  const n = typeof sig === 'number' ? sig : typeof sig === 'string' ? codecSignalNumber(sig) : null;
  if (n === null || !Number.isInteger(n) || n < 0 || n > SIGNAL_MAX)
    throw new TypeError(`unknown signal: ${String(sig)}`);
  return n;
}
