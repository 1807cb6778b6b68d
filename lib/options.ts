// The options of spawn() and spawnSync(), their defaults, and how they become
// child_process options. Named and behaving as execa 9's unless a guarantee of supervise
// needs otherwise (each such case says so).
import { signalNumber } from '../codec/index.ts';
import type { LaunchValues } from '../codec/argv.ts';
import { SIGNAL_MAX, SIGTERM } from '../assembly/protocol.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmRunPathEnv } from 'npm-run-path';
import type { Readable, Stream, Writable } from 'node:stream';

/** Where a standard stream of the child goes: as child_process's stdio entries. */
export type StdioOption = 'pipe' | 'inherit' | 'ignore' | number | Stream | Readable | Writable;

/** An option execa 9 lets differ by stream: one value for both, or an object by stream
 *  (`{stdout: false}`; `fd1`/`fd2` name the same streams; `all` sets both, below the names
 *  of one stream). A stream the object leaves out gets the option's default. */
export type PerStream<T> =
  | T
  | { readonly stdout?: T; readonly stderr?: T; readonly all?: T; readonly fd1?: T; readonly fd2?: T };

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
   *  (Uint8Arrays, as execa 9). `lines` does nothing with a binary one ('buffer', 'hex',
   *  'base64', 'base64url', 'latin1', 'ascii'), as in execa. */
  encoding?: BufferEncoding | 'buffer';
  /** Remove one final newline ('\n' or '\r\n') from `stdout`, `stderr` and `all`, and the
   *  newline of every line with `lines` (default true); per stream: `{stdout: false}`. */
  stripFinalNewline?: PerStream<boolean>;
  /** Split `stdout`, `stderr` and `all` into arrays of lines (default false); per stream:
   *  `{stderr: true}` (`all` is lines when either stream is). */
  lines?: PerStream<boolean>;
  /** Also collect stdout and stderr together, in the order they arrive: `result.all`, and
   *  the stream `subprocess.all` (default false). */
  all?: boolean;
  /** Most output kept per stream (default 100_000_000): characters with a text encoding,
   *  bytes with 'buffer', lines with `lines`. Beyond it the whole tree is SIGKILLed (as
   *  close() does), the output kept so far is truncated to the limit, and the command
   *  fails with `isMaxBuffer: true`. (execa sends killSignal to the main child; supervise
   *  ends the tree, so nothing keeps writing.) Per stream: `{stdout: 1000}`; `all` keeps
   *  the sum of the two. */
  maxBuffer?: PerStream<number>;
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
  /** Milliseconds; then `timeoutSignal` (default `killSignal`), and `forceKillAfterDelay`
   *  later close(). */
  timeout?: number;
  /** Aborting it does what `timeout` does, and marks the result isCanceled; the abort's
   *  reason is the error's `cause` and its message the error's `originalMessage` (execa 9). */
  cancelSignal?: AbortSignal;
  /** execa 8's name of `cancelSignal` (cancelSignal wins when both are given). */
  signal?: AbortSignal;
  /** Sent to the main child on abort, on timeout (unless `timeoutSignal`) and by `kill()`
   *  without a signal (default 'SIGTERM'). */
  killSignal?: NodeJS.Signals | string | number;
  /** Sent to the main child when `timeout` expires, as `timeout -s` (supervise's
   *  `--timeout-signal`): takes precedence over `killSignal` for the timeout alone (default:
   *  `killSignal`); `forceKillAfterDelay` later the whole tree, whatever the signal. Not execa's. */
  timeoutSignal?: NodeJS.Signals | string | number;
  /** Milliseconds after killSignal before the whole tree is SIGKILLed (default 5000;
   *  false: never). When it fires, `isForcefullyTerminated` is true. */
  forceKillAfterDelay?: number | false;
  /** When the main child exits: 'kill-tree' (default) SIGKILLs what it left behind,
   *  'wait-tree' waits for every descendant. */
  onMainExit?: 'kill-tree' | 'wait-tree';
  /** Run the tree in a cgroup v2 leaf of its own where one is writable (supervise's
   *  `--cgroup`; docs/cli.md): the kernel's `cgroup.kill` ends it, setuid members included,
   *  and if supervise itself is SIGKILLed the library kills the leaf. Default false. */
  cgroup?: boolean;
  /** At most this many processes in the tree at once (supervise's `--max-pids`: the leaf's
   *  `pids.max`; implies `cgroup`). Where it cannot be set (no writable cgroup v2, or the
   *  pids controller not enabled for the leaf) the command fails without starting, and
   *  supervise's message, which names what is missing, is in its stderr. */
  maxPids?: number;
  /** At most this many bytes of memory for the whole tree (supervise's `--max-memory`, in
   *  KiB rounded up: the leaf's `memory.max`; implies `cgroup`); fails like maxPids. */
  maxMemory?: number;
  /** Reject on failure (default true); false: always resolve, on failure with the
   *  SubprocessError itself (`failed: true`), as execa does. */
  reject?: boolean;
  /** Fill `result.resources` and each status's `resources` (CPU, peak RSS, faults, context
   *  switches of every reaped process): supervise writes its events log on a fifth pipe,
   *  fd 4 (`--events-fd 4`). Default false: no fd 4, and `resources` is undefined
   *  everywhere. Named after the field it fills, as execa's `all` fills `result.all`. */
  resources?: boolean;
}

/** The type of `stdout`, `stderr` and `all` that options `O` give: Uint8Array with
 *  `encoding: 'buffer'`, string[] with `lines: true`, else string (a union when the
 *  options' type does not say). */
export type OutputOf<O extends Options> = [Prop<O, 'encoding'>] extends ['buffer']
  ? Uint8Array
  : 'buffer' extends Prop<O, 'encoding'>
    ? Uint8Array | string | string[]
    : [Prop<O, 'encoding'>] extends [BinaryEncoding]
      ? string
      : [Prop<O, 'lines'>] extends [true]
        ? string[]
        : [Prop<O, 'lines'>] extends [false | undefined]
          ? string
          : string | string[];
/** The text encodings `lines` does nothing with, as execa's BINARY_ENCODINGS. */
type BinaryEncoding = 'hex' | 'base64' | 'base64url' | 'latin1' | 'binary' | 'ascii';
const BINARY_ENCODINGS: ReadonlySet<string> = new Set([
  'buffer',
  'hex',
  'base64',
  'base64url',
  'latin1',
  'binary',
  'ascii',
]);
/** OutputOf<O>, and `undefined` when the options may leave stdout or stderr unpiped
 *  ('inherit', 'ignore', an fd or a stream), as execa types them. */
export type ResultOutput<O extends Options> = OutputOf<O> | NotPiped<O>;
type NotPiped<O extends Options> = [Prop<O, 'stdout'> | Prop<O, 'stderr'> | StdioValues<Prop<O, 'stdio'>>] extends [
  'pipe' | undefined,
]
  ? never
  : undefined;
/** The type of `all` that options `O` give, as execa types it: `undefined` without
 *  `all: true`, else ResultOutput<O> (a union when the options' type does not say). */
export type AllOutput<O extends Options> = [Prop<O, 'all'>] extends [true]
  ? ResultOutput<O>
  : [Prop<O, 'all'>] extends [false | undefined]
    ? undefined
    : ResultOutput<O> | undefined;
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
  all: boolean;
  /** stripFinalNewline, lines and maxBuffer of each stream; `all`'s as execa derives them:
   *  lines if either stream's, stripped if either piped stream is, the sum of the limits. */
  streams: Record<'stdout' | 'stderr' | 'all', StreamOptions>;
  shell: string | undefined;
  verbose: Verbose;
  timeout: number;
  signal: AbortSignal | undefined;
  killSignal: number;
  /** What the timeout sends: `timeoutSignal`, else killSignal. */
  timeoutSignal: number;
  forceKillAfterDelay: number | false;
  waitAll: boolean;
  cgroup: boolean;
  /** --max-pids, --max-memory (KiB); 0: none. */
  maxPids: number;
  maxMemoryKiB: number;
  reject: boolean;
  /** Whether supervise writes the events log on fd 4 (the `resources` option). */
  resources: boolean;
}

/** The options of one collected stream. */
export interface StreamOptions {
  stripFinalNewline: boolean;
  /** Split into lines (false with a binary encoding, where execa ignores `lines`). */
  lines: boolean;
  maxBuffer: number;
}

/** A PerStream option -> its value for stdout and for stderr (execa's order: a stream's
 *  name, then fd1/fd2, then `all`, then the default). An unknown key is a TypeError. */
function perStream<T>(name: string, value: PerStream<T> | undefined, fallback: T): [T, T] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const v = (value ?? fallback) as T;
    return [v, v];
  }
  for (const key of Object.keys(value)) {
    if (!['stdout', 'stderr', 'all', 'fd1', 'fd2'].includes(key))
      throw new TypeError(`spawn(): ${name}.${key} is not a stream: use ${name}.stdout, ${name}.stderr or ${name}.all`);
  }
  const o = value as { stdout?: T; stderr?: T; all?: T; fd1?: T; fd2?: T };
  return [o.stdout ?? o.fd1 ?? o.all ?? fallback, o.stderr ?? o.fd2 ?? o.all ?? fallback];
}

/** The launch options spawn() and spawnSync() both pass from the caller's (rows of the
 *  table, codec/argv.ts launchArgv): the tree's lifetime and cgroup layer, and fd 4's events
 *  log with `resources` (then a fifth stdio pipe: resourcesPipe()). */
export function treeValues(o: Normalized): LaunchValues {
  return {
    'wait-all': o.waitAll,
    cgroup: o.cgroup,
    'max-pids': o.maxPids,
    'max-memory': o.maxMemoryKiB,
    'events-fd': o.resources ? 4 : undefined,
  };
}

/** fd 4's stdio entry after fd 3's, with `resources`; none without. */
export function resourcesPipe(o: Normalized): ['pipe'] | [] {
  return o.resources ? ['pipe'] : [];
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
  const maxBuffer = perStream('maxBuffer', o.maxBuffer, 100_000_000);
  for (const m of maxBuffer) if (!(m >= 0)) throw new TypeError(`spawn(): maxBuffer must be >= 0, not ${m}`);
  const encoding = o.encoding ?? 'utf8';
  const binary = BINARY_ENCODINGS.has(encoding);
  const lines = perStream('lines', o.lines, false).map((l) => l && !binary);
  const strip = perStream('stripFinalNewline', o.stripFinalNewline, true);
  // all: stripped when a stream it interleaves is (execa 9.6's getStripFinalNewline)
  const piped = [stdio[1] === 'pipe', stdio[2] === 'pipe'];
  const streams: Normalized['streams'] = {
    stdout: { stripFinalNewline: strip[0], lines: lines[0], maxBuffer: maxBuffer[0] },
    stderr: { stripFinalNewline: strip[1], lines: lines[1], maxBuffer: maxBuffer[1] },
    all: {
      stripFinalNewline: (piped[0] && strip[0]) || (piped[1] && strip[1]),
      lines: lines[0] || lines[1],
      maxBuffer: maxBuffer[0] + maxBuffer[1],
    },
  };
  const verbose = o.verbose ?? 'none';
  if (verbose !== 'none' && verbose !== 'short' && verbose !== 'full') {
    throw new TypeError(`spawn(): verbose must be 'none', 'short' or 'full', not ${String(verbose)}`);
  }
  const killSignal = killSignalNumber(o.killSignal ?? SIGTERM); // a number: no name to look up
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
    encoding,
    all: o.all ?? false,
    streams,
    shell: o.shell === true ? '/bin/sh' : o.shell ? toPath(o.shell) : undefined,
    verbose,
    timeout,
    signal,
    killSignal,
    timeoutSignal: o.timeoutSignal === undefined ? killSignal : timeoutSignalNumber(o.timeoutSignal),
    forceKillAfterDelay: force,
    waitAll: o.onMainExit === 'wait-tree',
    cgroup: o.cgroup === true || o.maxPids !== undefined || o.maxMemory !== undefined,
    maxPids: positive('maxPids', o.maxPids),
    maxMemoryKiB: Math.ceil(positive('maxMemory', o.maxMemory) / 1024),
    reject: o.reject ?? true,
    resources: o.resources === true,
  };
}

/** A limit's value: a positive safe integer, or 0 when not given. */
function positive(name: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0)
    throw new TypeError(`spawn(): ${name} must be a positive integer, not ${String(v)}`);
  return v;
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

/** As killSignalNumber(), but 1 and up: 0 sends nothing (supervise's `--timeout-signal`
 *  refuses it as well). */
function timeoutSignalNumber(sig: NodeJS.Signals | string | number): number {
  const n = killSignalNumber(sig);
  if (n === 0) throw new TypeError('spawn(): timeoutSignal must be a signal, not 0');
  return n;
}

/** 'SIGTERM' (or any name `supervise send` takes, 'SIGRTMIN+2' included) or 15 -> 15;
 *  throws a TypeError for anything else. */
export function killSignalNumber(sig: NodeJS.Signals | string | number): number {
  const n = typeof sig === 'number' ? sig : typeof sig === 'string' ? signalNumber(sig) : null;
  if (n === null || !Number.isInteger(n) || n < 0 || n > SIGNAL_MAX)
    throw new TypeError(`unknown signal: ${String(sig)}`);
  return n;
}
