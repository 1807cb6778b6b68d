// What a finished subprocess reports: a Result on success, a SubprocessError otherwise,
// both built by settle() from what spawn() or spawnSync() saw. Fields and messages as
// execa 9's ("Command failed with exit code 3: false").
import { statSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { errnoName } from '../codec/index.ts';
import { ESRCH } from '../assembly/protocol.ts';
import type { ExitStatus, Resources } from './events.ts';
import { signalDescription } from './signals.ts';

/** Collected output: a string, a Uint8Array (`encoding: 'buffer'`) or lines (`lines: true`). */
export type Output = string | string[] | Uint8Array;

/** What `await spawn(...)` and spawnSync() give (and what a SubprocessError carries). */
/** `T`: the type of `stdout` and `stderr`, `undefined` included when the options may leave
 *  one of them unpiped (see OutputOf); `A`: the type of `all` (see AllOutput: `undefined`
 *  without the `all` option, as execa types it). */
export interface Result<
  T extends Output | undefined = Output | undefined,
  A extends Output | undefined = T | undefined,
> {
  /** The command as run: file and arguments joined by spaces (before `shell` wraps it). */
  command: string;
  /** The same, each argument quoted for a POSIX shell where it needs it (shell-quote), so
   *  it can be pasted into one; what `verbose` and error messages print. */
  escapedCommand: string;
  /** The child's working directory (the `cwd` option, else process.cwd()). */
  cwd: string;
  /** The main child's exit code, or undefined if a signal ended it or it never ran. */
  exitCode: number | undefined;
  /** The signal that ended the main child ('SIGTERM', 'SIGRTMIN+2'...), or undefined. */
  signal: string | undefined;
  /** What `signal` means ('Termination'), or undefined. */
  signalDescription: string | undefined;
  /** stdout/stderr collected when piped: strings, Uint8Arrays (`encoding: 'buffer'`) or
   *  arrays of lines (`lines: true`); undefined when not piped. */
  stdout: T;
  stderr: T;
  /** stdout and stderr interleaved in arrival order, with `all: true`; else undefined. */
  all: A;
  /** From spawn() to the end of the tree, in milliseconds. */
  durationMs: number;
  /** The command did not succeed (always false on a resolved Result unless `reject: false`). */
  failed: boolean;
  /** The `timeout` option fired. */
  timedOut: boolean;
  /** The `signal` option (AbortSignal) aborted. */
  isCanceled: boolean;
  /** A signal ended the main child (`signal` is set). */
  isTerminated: boolean;
  /** `forceKillAfterDelay` expired with the main child alive: the tree was SIGKILLed. */
  isForcefullyTerminated: boolean;
  /** The same as isForcefullyTerminated (the name of docs/library.md's first draft, kept). */
  isForcefullyKilled: boolean;
  /** Output went past `maxBuffer`: the tree was SIGKILLed, the output truncated. */
  isMaxBuffer: boolean;
  /** The main child's status; undefined if it could not be started. */
  status: ExitStatus | undefined;
  /** With the `resources` option, what the main child cost (user and system CPU µs, peak
   *  RSS KiB, faults, context switches, blocks: Node's process.resourceUsage() names), from
   *  the rusage of its reaping; undefined without the option or if it never ran. */
  resources: Resources | undefined;
  /** With `cgroup: true` where the tree ran in a cgroup v2 leaf of its own: the leaf's
   *  path and what the whole tree cost (every process, reaped by supervise or not), read
   *  by supervise before it removed the leaf; undefined otherwise. */
  cgroup: CgroupTotals | undefined;
}

/** The tree's cgroup v2 leaf and its totals (supervise's `layers` and `totals` records). */
export interface CgroupTotals {
  /** The leaf's path (supervise removed it at exit). */
  path: string;
  /** CPU time of the whole tree (cpu.stat usage_usec, user_usec, system_usec), microseconds;
   *  undefined when supervise ended before it read them. */
  cpuTime: number | undefined;
  userCPUTime: number | undefined;
  systemCPUTime: number | undefined;
  /** memory.peak (bytes) and pids.peak, where their controllers were enabled for the leaf. */
  memoryPeak: number | undefined;
  pidsPeak: number | undefined;
}

/** Thrown by `await spawn(...)` (and spawnSync()) on a non-zero exit, a signal, a timeout,
 *  an abort, too much output, or a failed start (then `code` is the errno name, e.g.
 *  'ENOENT', as with child_process). The message is shortMessage, then stderr and stdout
 *  (or all). */
export class SubprocessError<
    T extends Output | undefined = Output | undefined,
    A extends Output | undefined = T | undefined,
  >
  extends Error
  implements Result<T, A>
{
  command!: string;
  escapedCommand!: string;
  cwd!: string;
  exitCode!: number | undefined;
  signal!: string | undefined;
  signalDescription!: string | undefined;
  stdout!: T;
  stderr!: T;
  all!: A;
  durationMs!: number;
  failed!: boolean;
  timedOut!: boolean;
  isCanceled!: boolean;
  isTerminated!: boolean;
  isForcefullyTerminated!: boolean;
  isForcefullyKilled!: boolean;
  isMaxBuffer!: boolean;
  status!: ExitStatus | undefined;
  cgroup!: CgroupTotals | undefined;
  resources!: Resources | undefined;
  /** What happened and the command, without the output: 'Command failed with exit code 3: false'. */
  shortMessage!: string;
  /** The message of the underlying error ('spawn nosuchcmd ENOENT'), when there is one. */
  originalMessage: string | undefined;
  /** 'ENOENT', 'EACCES'... when the command could not be started. */
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  spawnargs?: string[];

  constructor(message: string, result: Result<T, A>, cause?: unknown) {
    super(message, cause !== undefined ? { cause } : undefined);
    this.name = 'SubprocessError';
    Object.assign(this, result);
  }
}

/** The `maxBuffer` overflow: which stream went past how much of what. */
export interface Overflow {
  stream: 'stdout' | 'stderr';
  limit: number;
  unit: 'characters' | 'bytes' | 'lines';
}

/** Everything a finished command's Result is made of; what spawn() and spawnSync() fill in. */
export interface Outcome<T extends Output | undefined = Output | undefined> {
  command: string;
  escapedCommand: string;
  cwd: string;
  durationMs: number;
  status: ExitStatus | undefined;
  stdout: T | undefined;
  stderr: T | undefined;
  all: T | undefined;
  timedOut: boolean;
  isCanceled: boolean;
  isForcefullyTerminated: boolean;
  overflow: Overflow | undefined;
  /** A failed start ('spawn-failed' record, or Node's own spawn error): errno (positive)
   *  and its name. */
  start?: { errno: number; code: string };
  /** The tree's cgroup leaf and totals, with `cgroup: true` where it had one. */
  cgroup?: CgroupTotals;
  /** The error behind the failure, if any (Node's spawn error, supervise lost, an abort's
   *  reason, a stream's error, kill(error)). */
  cause?: unknown;
  /** `cause` fails the command even if the main child exited 0 (a stream's error, kill(error)). */
  failedBy?: boolean;
  /** Options the messages quote. */
  timeout: number;
  forceKillAfterDelay: number | false;
  killSignal: string;
  spawnArgs: readonly string[];
  file: string;
}

/** The Result of `o`, or the SubprocessError saying why it is not a success. */
export function settle<T extends Output | undefined>(o: Outcome<T>): Result<T> | SubprocessError<T> {
  const signal = o.status?.signal;
  const result: Result<T> = {
    command: o.command,
    escapedCommand: o.escapedCommand,
    cwd: o.cwd,
    exitCode: o.status?.exitCode,
    signal,
    signalDescription: signalDescription(signal),
    stdout: o.stdout as T, // undefined only when not piped, which T then includes
    stderr: o.stderr as T,
    all: o.all,
    durationMs: o.durationMs,
    failed: false,
    timedOut: o.timedOut,
    isCanceled: o.isCanceled,
    isTerminated: signal !== undefined,
    isForcefullyTerminated: o.isForcefullyTerminated,
    isForcefullyKilled: o.isForcefullyTerminated,
    isMaxBuffer: o.overflow !== undefined,
    status: o.status,
    cgroup: o.cgroup,
    resources: o.status?.resources,
  };
  const code = o.start?.code;
  const prefix = why(o, result, code);
  if (prefix === undefined) return result;
  result.failed = true;
  const originalMessage =
    code !== undefined
      ? `${cwdProblem(o.cwd)}${o.start!.errno === 0 && o.cause instanceof Error ? o.cause.message : `spawn ${o.file} ${code}`}`
      : o.cause !== undefined
        ? causeMessage(o.cause)
        : undefined;
  const shortMessage = `${prefix}: ${o.escapedCommand}${originalMessage ? `\n${escapeLines(originalMessage)}` : ''}`;
  const parts = o.all !== undefined ? [o.all] : [o.stderr, o.stdout];
  const message = [shortMessage, ...parts.map(text)].filter(Boolean).join('\n\n');
  const error = new SubprocessError<T, T | undefined>(message, result, o.cause);
  error.shortMessage = shortMessage;
  error.originalMessage = originalMessage && escapeLines(originalMessage);
  if (code !== undefined) {
    error.code = code;
    error.errno = -o.start!.errno;
    error.syscall = `spawn ${o.file}`;
    error.path = o.file;
    error.spawnargs = [...o.spawnArgs];
  }
  return error;
}

/** execa's first words for a failure, or undefined for a success. */
function why(o: Outcome, r: Result, code: string | undefined): string | undefined {
  const forceful = o.isForcefullyTerminated
    ? ` and was forcefully terminated after ${o.forceKillAfterDelay} milliseconds`
    : '';
  if (o.timedOut) return `Command timed out after ${o.timeout} milliseconds${forceful}`;
  if (o.isCanceled) return `Command was canceled${forceful}`;
  if (o.overflow) return `Command's ${o.overflow.stream} was larger than ${o.overflow.limit} ${o.overflow.unit}`;
  if (code !== undefined) return `Command failed with ${code}`;
  if (o.isForcefullyTerminated)
    return `Command was killed with ${o.killSignal} (${signalDescription(o.killSignal)})${forceful}`;
  if (r.signal !== undefined) return `Command was killed with ${r.signal} (${r.signalDescription})`;
  if (!o.status) return 'Command failed';
  if (r.exitCode !== 0 || o.failedBy) return `Command failed with exit code ${r.exitCode}`;
  return undefined;
}

/** The cause's message as `originalMessage` gives it (undefined when empty), as execa's. */
function causeMessage(cause: unknown): string | undefined {
  const m = stripVTControlCharacters(String((cause as { message?: unknown } | null)?.message ?? cause));
  return m === '' ? undefined : m;
}

/** What is wrong with `cwd` when a command could not start, as execa says it ('' if nothing). */
function cwdProblem(cwd: string): string {
  if (cwd === process.cwd()) return '';
  try {
    return statSync(cwd).isDirectory() ? '' : `The "cwd" option is not a directory: ${cwd}.\n`;
  } catch (error) {
    return `The "cwd" option is invalid: ${cwd}.\n${(error as Error).message}\n`;
  }
}

/** Output as the message shows it: text, final newline removed. */
function text(out: Output | undefined): string {
  if (out === undefined) return '';
  const s = Array.isArray(out) ? out.join('\n') : typeof out === 'string' ? out : Buffer.from(out).toString();
  return escapeLines(stripNewline(s));
}

/** Text as a message shows it, as execa 9 does: ANSI sequences removed, and on each line the
 *  characters a terminal would act on (controls, separators other than the space, and
 *  other invisible ones) written as escapes: '\t' -> '\\t', '\x01' -> '\\u0001'. */
export function escapeLines(text: string): string {
  return stripVTControlCharacters(text)
    .split('\n')
    .map((line) => line.replace(INVISIBLE, escapeCharacter))
    .join('\n');
}

const INVISIBLE = /[\p{Separator}\p{Other}]/gu;
const NAMED_ESCAPES: { [c: string]: string } = {
  ' ': ' ',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function escapeCharacter(c: string): string {
  const named = NAMED_ESCAPES[c];
  if (named !== undefined) return named;
  const code = c.codePointAt(0)!;
  return code > 0xffff ? `\\U${code.toString(16)}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The cause of a maxBuffer failure: execa's originalMessage is 'maxBuffer exceeded'. */
export function maxBufferError(): Error {
  return Object.assign(new Error('maxBuffer exceeded'), { name: 'MaxBufferError' });
}

/** `s` without one final '\n' or '\r\n' (what `stripFinalNewline` does). */
export function stripNewline(s: string): string {
  return s.endsWith('\r\n') ? s.slice(0, -2) : s.endsWith('\n') ? s.slice(0, -1) : s;
}

/** A failed start as Outcome.start: 'ENOENT' for 2; `fallback` (Node's code) when errno is 0. */
export function startFailure(errno: number, fallback?: string): { errno: number; code: string } {
  return { errno, code: errno ? errnoName(errno) : (fallback ?? 'UNKNOWN') };
}

/** An Error with `code: 'ESRCH'`, as process.kill() throws for a gone pid. */
export function esrch(pid: number | undefined): Error {
  return Object.assign(new Error(`kill ESRCH: process ${pid ?? '(never started)'} has been reaped`), {
    code: 'ESRCH',
    errno: -ESRCH,
    syscall: 'kill',
  });
}
