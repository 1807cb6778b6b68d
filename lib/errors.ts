// What a finished subprocess reports: Result on success, SubprocessError otherwise.
// The message says what happened in one line, as execa's does.
import { errnoName } from '../codec/index.ts';
import type { ExitStatus } from './events.ts';

/** What `await spawn(...)` resolves to (and what a SubprocessError carries). */
export interface Result<T = string | Buffer> {
  /** The command as run: file and arguments joined by spaces. */
  command: string;
  /** The main child's exit code, or undefined if a signal ended it or it never ran. */
  exitCode: number | undefined;
  /** The signal that ended the main child ('SIGTERM', 'SIGRTMIN+2'...), or undefined. */
  signal: string | undefined;
  /** stdout/stderr collected when piped (strings, or Buffers with `encoding: 'buffer'`). */
  stdout: T | undefined;
  stderr: T | undefined;
  /** From spawn() to the end of the tree. */
  durationMs: number;
  /** The `timeout` option fired. */
  timedOut: boolean;
  /** The `signal` option (AbortSignal) aborted. */
  isCanceled: boolean;
  /** The main child's status; undefined if it could not be started. */
  status: ExitStatus | undefined;
}

/** Thrown by `await spawn(...)` on a non-zero exit, a signal, a timeout, an abort, or a
 *  failed start (then `code` is the errno name, e.g. 'ENOENT', as with child_process). */
export class SubprocessError extends Error implements Result {
  command!: string;
  exitCode!: number | undefined;
  signal!: string | undefined;
  stdout!: string | Buffer | undefined;
  stderr!: string | Buffer | undefined;
  durationMs!: number;
  timedOut!: boolean;
  isCanceled!: boolean;
  status!: ExitStatus | undefined;
  /** 'ENOENT', 'EACCES'... when the command could not be started. */
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  spawnargs?: string[];

  constructor(message: string, result: Result, cause?: Error) {
    super(message, cause ? { cause } : undefined);
    this.name = 'SubprocessError';
    Object.assign(this, result);
  }
}

/** The error for a command that could not be started (`spawn nosuchcmd ENOENT`), with
 *  the fields child_process gives it. `errno` is positive, as in a status record. */
export function spawnError(file: string, args: readonly string[], errno: number, result: Result): SubprocessError {
  const code = errnoName(errno);
  const error = new SubprocessError(`spawn ${file} ${code}`, result);
  error.code = code;
  error.errno = -errno;
  error.syscall = `spawn ${file}`;
  error.path = file;
  error.spawnargs = [...args];
  return error;
}

/** The error for a finished command that did not succeed, or undefined if it did. */
export function failure(result: Result): SubprocessError | undefined {
  const what = result.timedOut
    ? 'timed out'
    : result.isCanceled
      ? 'was canceled'
      : result.signal
        ? `was killed with ${result.signal}`
        : result.exitCode !== 0
          ? `failed with exit code ${result.exitCode}`
          : undefined;
  if (!what) return undefined;
  const after =
    result.timedOut || result.isCanceled
      ? ` (${result.signal ? `killed with ${result.signal}` : `exit code ${result.exitCode}`})`
      : '';
  return new SubprocessError(`Command ${what}${after}: ${result.command}`, result);
}

/** An Error with `code: 'ESRCH'`, as process.kill() throws for a gone pid. */
export function esrch(pid: number | undefined): Error {
  return Object.assign(new Error(`kill ESRCH: process ${pid ?? '(never started)'} has been reaped`), {
    code: 'ESRCH',
    errno: -3,
    syscall: 'kill',
  });
}
