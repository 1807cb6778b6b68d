// Subprocess: one command under its own supervise, driven through fd 3 (a socketpair
// libuv makes for the fourth stdio entry). Status records come in on it, control records
// go out on it, and its EOF is the end of the whole tree. With the `resources` option, fd 4
// (a fifth stdio entry) carries the run's events log (`--events-fd 4`): what each reaped
// process cost. Nothing here waits on the supervise process itself: another part of the
// app may reap it.
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { findBinary, packageRoot } from '../pkg/binary.ts';
import path from 'node:path';
import type { Socket } from 'node:net';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { commandLine } from './command.ts';
import { Channel, Costs, EventLog, type ExitStatus, type ChannelRecord } from './events.ts';
import {
  esrch,
  maxBufferError,
  settle,
  startFailure,
  SubprocessError,
  type Outcome,
  type Output,
  type CgroupTotals,
  type Overflow,
  type Result,
} from './errors.ts';
import {
  checkArguments,
  killSignalNumber,
  normalize,
  resourcesPipe,
  splitArguments,
  treeValues,
  type AllOutput,
  type NoOptions,
  type Normalized,
  type Options,
  type ResultOutput,
} from './options.ts';
import { Collector, HELD, streamLines } from './output.ts';
import type { PipeMethod } from './pipe.ts';
import { signalName } from '../codec/index.ts';
import { launchArgv } from '../codec/argv.ts';
import { cgroupRecord, killLeaf, leafOf } from './cgroup.ts';
import { PIPED, VerboseLog } from './verbose.ts';

/** Options of subprocess.iterable(). */
export interface IterableOptions {
  /** Which output to read lines of (default 'stdout'; 'all' needs the `all` option). */
  from?: 'stdout' | 'stderr' | 'all';
  /** Keep each line's '\n' (default false). */
  preserveNewlines?: boolean;
}

/** A running command and everything it starts. Awaitable: resolves to a Result, or
 *  rejects with a SubprocessError (unless `reject: false`). Async-iterable: the lines of
 *  its stdout. `T` is the type of its collected output (see OutputOf). */
export class Subprocess<T extends Output | undefined = Output | undefined, A extends Output | undefined = T | undefined>
  implements PromiseLike<Result<T, A>>, AsyncIterable<string>
{
  /** The command as run: file and arguments joined by spaces. */
  readonly command: string;
  /** The same, quoted for a shell (see Result.escapedCommand). */
  readonly escapedCommand: string;
  /** The main child's pid, once supervise reports it started (see `spawned`). */
  pid: number | undefined;
  /** Resolves to the pid once the command is running; rejects if it could not start. */
  readonly spawned: Promise<number>;
  /** The child's stdin, stdout and stderr when piped (else null), as child_process's. */
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** stdout and stderr in one stream, in arrival order, with `all: true` (else undefined). */
  readonly all: Readable | undefined;
  /** The main child's status once it is reaped, else undefined. */
  status: ExitStatus | undefined;
  /** Connects this subprocess's stdout to another's stdin and returns that one: see lib/pipe.ts. */
  get pipe(): PipeMethod {
    if (!pipeMethod) throw new Error('.pipe() needs lib/pipe.ts loaded (lib/index.ts loads it)');
    return (this.#pipe ??= pipeMethod(this));
  }
  #pipe: PipeMethod | undefined;

  readonly #file: string;
  readonly #args: readonly string[];
  readonly #o: Normalized;
  readonly #child: ChildProcess | undefined; // undefined when Node refused to start it
  readonly #fd3: Socket | undefined;
  readonly #channel = new Channel();
  readonly #log = new EventLog();
  readonly #costs = new Costs((s) => {
    if (s === this.status) this.#settleWait(s); // with its resources
    this.#log.push(s);
  });
  #fd3Ended = false;
  #fd4Ended = false;
  readonly #started = performance.now();
  readonly #wait: Promise<ExitStatus>;
  readonly #ended: Promise<void>;
  readonly #result: Promise<Result<T, A>>;
  readonly #verbose: VerboseLog | undefined;
  readonly #all: PassThrough | undefined;
  #settleSpawned!: (pid: number | Error) => void;
  #settleWait!: (s: ExitStatus | Error) => void;
  #endTree!: () => void;
  #start: { errno: number; code: string } | undefined;
  #cause: unknown; // the error behind a failure: an abort's reason, a stream's error, kill(error)
  #failedBy = false; // #cause fails the command even if the main child exited 0
  #queued: number[] = []; // signals asked for before the pid is known
  #timers: NodeJS.Timeout[] = [];
  #timedOut = false;
  #isCanceled = false;
  #forceful = false;
  #forceTimer: NodeJS.Timeout | undefined;
  #overflow: Overflow | undefined;
  #closing = false;
  #over = false;
  #onAbort: (() => void) | undefined; // with `signal` only

  constructor(file: string, args: readonly string[], options: Options) {
    this.#file = file;
    this.#args = args;
    const o = (this.#o = normalize(options));
    const line = commandLine(file, args, o.shell);
    this.command = line.command;
    this.escapedCommand = line.escapedCommand;
    this.spawned = new Promise<number>((resolve, reject) => {
      this.#settleSpawned = (v) => (typeof v === 'number' ? resolve(v) : reject(v));
    });
    this.#wait = new Promise<ExitStatus>((resolve, reject) => {
      this.#settleWait = (v) => (v instanceof Error ? reject(v) : resolve(v));
    });
    this.#ended = new Promise<void>((resolve) => {
      this.#endTree = resolve;
    });
    // Rejections are for whoever awaits.
    this.spawned.catch(() => {});
    this.#wait.catch(() => {});
    if (o.verbose !== 'none') {
      this.#verbose = new VerboseLog(o.reject);
      this.#verbose.start(this.escapedCommand, PIPED in options);
    }

    // What Node refuses at once (a cwd that is not a directory, an empty file name) comes
    // through the promise, as execa reports it, not as a throw.
    let early: NodeJS.ErrnoException | undefined;
    try {
      if (file === '') throw emptyFile();
      const [host, ...hostArgs] = superviseCommand();
      this.#child = spawnProcess(
        host,
        [
          ...hostArgs,
          ...launchArgv({
            'status-fd': 3,
            'control-fd': 3,
            ...treeValues(o),
          }),
          '--',
          ...line.argv,
        ],
        {
          cwd: o.spawnCwd,
          env: o.env,
          stdio: [...o.stdio, 'pipe', ...resourcesPipe(o)],
          windowsHide: true,
        },
      );
    } catch (error) {
      early = error as NodeJS.ErrnoException;
    }
    const child = this.#child;
    this.stdin = child?.stdin ?? null;
    this.stdout = child?.stdout ?? null;
    this.stderr = child?.stderr ?? null;
    this.#fd3 = child?.stdio[3] as Socket | undefined;
    this.all = this.#all = o.all && (this.stdout || this.stderr) ? new PassThrough() : undefined;

    const collected = [this.#collect(this.stdout, 'stdout'), this.#collect(this.stderr, 'stderr'), this.#collectAll()];
    if (early) {
      const error = early;
      queueMicrotask(() => this.#nodeFailed(error));
    }
    child?.on('error', (error: NodeJS.ErrnoException) => this.#nodeFailed(error));
    const fd4 = child?.stdio[4] as Socket | undefined;
    if (fd4) {
      fd4.on('data', (chunk: Buffer) => this.#costs.feed(chunk));
      fd4.on('error', () => {});
      fd4.on('end', () => fd4.destroy());
      fd4.on('close', () => {
        this.#costs.end();
        this.#fd4Ended = true;
        if (this.#fd3Ended) this.#onEnd();
      });
    } else {
      // No fd 4 (without `resources`): each status goes out as it comes.
      this.#fd4Ended = true;
      this.#costs.end();
    }
    if (this.#fd3) {
      this.#fd3.on('data', (chunk: Buffer) => this.#onData(chunk));
      this.#fd3.on('error', () => {}); // EPIPE/ECONNRESET: the 'close' that follows ends the tree
      // EOF ('end') is the end of the tree: nothing is left to signal, so the socket goes
      // at once (no shutdown of our half first). 'close' alone: after an error.
      const fd3 = this.#fd3;
      fd3.on('end', () => {
        this.#fd3Done();
        fd3.destroy();
      });
      fd3.on('close', () => this.#fd3Done());
    }
    if (this.stdin) {
      this.stdin.on('error', () => {}); // EPIPE when the child does not read its input
      if (o.input !== undefined) this.stdin.end(o.input);
    }
    if (o.timeout > 0)
      this.#timers.push(
        setTimeout(
          () =>
            this.#stop(() => {
              this.#timedOut = true;
            }, o.timeoutSignal),
          o.timeout,
        ),
      );
    if (o.signal) {
      const signal = o.signal;
      const onAbort = (this.#onAbort = () =>
        this.#stop(() => {
          this.#isCanceled = true;
          this.#cause ??= signal.reason;
        }));
      if (o.signal.aborted) queueMicrotask(onAbort);
      else o.signal.addEventListener('abort', onAbort, { once: true });
    }
    // Not caught here: a failure nobody awaits is an 'unhandledRejection', as execa's.
    this.#result = this.#finish(collected);
  }

  /** The main child's status: the same Promise on every call. Rejects if the command
   *  could not start, or if supervise ended without reporting it. */
  wait(): Promise<ExitStatus> {
    return this.#wait;
  }

  /** Asks supervise to send `signal` (default: the `killSignal` option) to the main child
   *  -> false once the child is reaped (or never started). Goes through fd 3, so a recycled
   *  pid is never hit. When `signal` is killSignal, `forceKillAfterDelay` later SIGKILLs the
   *  whole tree if the main child is still there. With an `error` (`kill(error)` or
   *  `kill(signal, error)`, as execa 9), the command fails with it as `cause`. */
  kill(signal?: NodeJS.Signals | string | number | Error, error?: Error): boolean {
    const [sig, err] = signal instanceof Error ? [undefined, signal] : [signal, error];
    if (sig !== undefined && typeof sig !== 'string' && typeof sig !== 'number') {
      throw new TypeError(`kill(): the first argument must be an Error or a signal name or number, not ${String(sig)}`);
    }
    if (err !== undefined && !(err instanceof Error)) {
      throw new TypeError(`kill(): the second argument must be an Error, not ${String(err)}`);
    }
    const n = sig === undefined ? this.#o.killSignal : killSignalNumber(sig);
    if (err && !this.#over && this.#cause === undefined) {
      this.#cause = err;
      this.#failedBy = true;
    }
    if (this.status || this.#start || this.#over) return false;
    if (this.pid === undefined) this.#queued.push(n);
    else this.#send(this.pid, n);
    if (n === this.#o.killSignal) this.#forceKillLater();
    return true;
  }

  /** As kill(), but throws an Error with `code: 'ESRCH'` once the child is reaped. */
  signal(sig: NodeJS.Signals | string | number): void {
    if (!this.kill(killSignalNumber(sig))) throw esrch(this.pid);
  }

  /** SIGKILLs the whole tree (EOF on the control fd); resolves once every process of it is
   *  gone (EOF on the status fd: supervise exits only when no child is left). The failure
   *  this causes is still what `await subprocess` rejects with, but, asked for, it is no
   *  'unhandledRejection' when nobody awaits it. */
  close(): Promise<void> {
    this.#result.catch(() => {});
    return this.#closeTree();
  }

  #closeTree(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#fd3?.end();
    }
    return this.#ended;
  }

  /** `await using sub = spawn(...)`: close() when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** One ExitStatus per reaped process of the tree (adopted orphans included), main child
   *  too; each call replays from the first. Ends with the tree. */
  events(): AsyncIterable<ExitStatus> {
    return this.#log;
  }

  /** The lines of stdout as they come (`for await (const line of subprocess)`), without
   *  their newline; the loop throws the SubprocessError if the command fails. */
  [Symbol.asyncIterator](): AsyncGenerator<string, void, undefined> {
    return this.iterable();
  }

  /** The lines of stdout, stderr or all, from this call on, as they come; once the stream
   *  ends, waits for the command and throws its SubprocessError if it failed (unless
   *  `reject: false`). Lines are decoded with `encoding` (utf8 when 'buffer'). */
  iterable({
    from = 'stdout',
    preserveNewlines = false,
  }: IterableOptions = {}): AsyncGenerator<string, void, undefined> {
    const stream = from === 'all' ? this.all : this[from];
    if (!stream) throw new TypeError(`iterable(): ${from} is not piped${from === 'all' ? ' (set all: true)' : ''}`);
    const encoding = this.#o.encoding === 'buffer' ? 'utf8' : this.#o.encoding;
    const lines = streamLines(stream, encoding, preserveNewlines); // listening from now on
    const result = this.#result;
    return (async function* () {
      yield* lines;
      await result;
    })();
  }

  /** `await subprocess`: the Result once the whole tree is gone and the piped output has
   *  ended; the SubprocessError if it failed (resolved instead with `reject: false`). */
  then<F = Result<T, A>, B = never>(
    onfulfilled?: ((value: Result<T, A>) => F | PromiseLike<F>) | null,
    onrejected?: ((reason: SubprocessError<T, A>) => B | PromiseLike<B>) | null,
  ): Promise<F | B> {
    return this.#result.then(onfulfilled, onrejected);
  }

  catch<B = never>(
    onrejected?: ((reason: SubprocessError<T, A>) => B | PromiseLike<B>) | null,
  ): Promise<Result<T, A> | B> {
    return this.#result.catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<Result<T, A>> {
    return this.#result.finally(onfinally);
  }

  #send(pid: number, sig: number): void {
    const record = this.#channel.control(pid, sig);
    if (this.#fd3 && !this.#fd3.writableEnded && !this.#fd3.destroyed) this.#fd3.write(record);
  }

  /** Timeout (timeoutSignal), abort or a stream's error (killSignal): the signal now, the
   *  whole tree after forceKillAfterDelay whatever the signal was. */
  #stop(mark: () => void, signal = this.#o.killSignal): void {
    if (this.#over || this.status) return;
    mark();
    if (this.kill(signal)) this.#forceKillLater();
  }

  /** forceKillAfterDelay after killSignal: the whole tree is SIGKILLed if the main child is
   *  still there (once per command: the first killSignal starts the clock). */
  #forceKillLater(): void {
    const delay = this.#o.forceKillAfterDelay;
    if (delay === false || this.#forceTimer) return;
    this.#forceTimer = setTimeout(() => {
      if (!this.status && !this.#closing) this.#forceful = true;
      void this.#closeTree();
    }, delay);
    this.#timers.push(this.#forceTimer);
  }

  /** An 'error' on stdout or stderr (stream.destroy(cause) included): the command fails with
   *  it, and is stopped as by a timeout, since nobody reads its output any more (execa 9). */
  #streamFailed(error: unknown): void {
    if (this.#over || this.#cause !== undefined) return;
    this.#cause = error;
    this.#failedBy = true;
    this.#stop(() => {});
  }

  /** The tree's cgroup leaf and totals (layers and totals records), with `cgroup: true`. */
  #cgroup: CgroupTotals | undefined;
  #layersSeen = false;

  #onData(chunk: Buffer): void {
    let records: ChannelRecord[];
    try {
      records = this.#channel.feed(chunk);
    } catch {
      void this.#closeTree(); // not supervise talking: end the tree rather than guess
      return;
    }
    for (const r of records) {
      if (r.type === 'layers' || r.type === 'totals') {
        this.#layersSeen ||= r.type === 'layers';
        this.#cgroup = cgroupRecord(this.#cgroup, r);
        if (r.type === 'layers') this.#verbose?.layers(r.layers);
      } else if (r.type === 'spawned') {
        this.pid = r.pid;
        this.#settleSpawned(r.pid);
        for (const sig of this.#queued.splice(0)) this.#send(r.pid, sig);
      } else if (r.type === 'spawn-failed') {
        this.#start = startFailure(r.errno);
        const error = this.#startError();
        this.#settleSpawned(error);
        this.#settleWait(error);
      } else if (r.type === 'reaped') {
        if (r.status.pid === this.pid && !this.status) this.status = r.status; // wait(): once joined
        this.#costs.status(r.status);
      }
    }
  }

  /** EOF on fd 3; the tree is over once fd 4 has ended too (supervise closes both as it
   *  exits), so that every status has its resources. */
  #fd3Done(): void {
    this.#fd3Ended = true;
    if (this.#fd4Ended) this.#onEnd();
  }

  /** EOF on fd 3: supervise has exited, so no process of the tree is left. */
  #onEnd(): void {
    if (this.#over) return;
    this.#over = true;
    for (const t of this.#timers) clearTimeout(t);
    if (this.#onAbort) this.#o.signal?.removeEventListener('abort', this.#onAbort);
    if (!this.status && !this.#start) {
      // Only then is spawned or wait() still pending (an Error's stack costs ~15 us).
      const lost = new Error(`supervise ended without reporting the status of ${this.command}`);
      this.#cause ??= lost;
      this.#settleSpawned(lost);
      this.#settleWait(lost);
    }
    this.#costs.end();
    this.#log.end();
    this.#channel.release();
    this.#child?.unref(); // its exit may never be seen (someone else may reap it)
    // With `cgroup`, a leaf left behind means supervise died before its tear-down (SIGKILL,
    // the OOM killer): the tree may live on, and the kernel kills it for the owner.
    // The path is the layers record's; derived only if supervise died before writing it.
    const leaf =
      this.#cgroup?.path ??
      (this.#o.cgroup && !this.#layersSeen && this.#child?.pid !== undefined ? leafOf(this.#child.pid) : undefined);
    if (leaf) void killLeaf(leaf).finally(() => this.#endTree());
    else this.#endTree();
  }

  /** Node could not even start supervise (EAGAIN, EMFILE...). */
  #nodeFailed(error: NodeJS.ErrnoException): void {
    if (this.#fd3 && this.pid !== undefined) return;
    const errno = typeof error.errno === 'number' ? Math.abs(error.errno) : 0;
    this.#start = startFailure(errno, error.code);
    this.#cause = error;
    const failure = this.#startError();
    this.#settleSpawned(failure);
    this.#settleWait(failure);
    this.#onEnd();
  }

  /** The error spawned and wait() reject with when the command could not start. */
  #startError(): SubprocessError {
    return settle(this.#outcome(undefined, undefined, undefined)) as SubprocessError;
  }

  #collect(stream: Readable | null, name: 'stdout' | 'stderr'): Promise<Output | undefined> {
    if (!stream) return Promise.resolve(undefined);
    const collector = new Collector(this.#o, name);
    const log = this.#o.verbose === 'full' && this.#o.encoding !== 'buffer' ? this.#verbose?.splitter() : undefined;
    const decoder = log && new StringDecoder(this.#o.encoding as BufferEncoding);
    stream.on('data', (c: Buffer | string) => {
      const bytes = typeof c === 'string' ? Buffer.from(c, stream.readableEncoding ?? 'utf8') : c; // after setEncoding()
      if (collector.push(bytes)) this.#overflowed(collector.overflow!);
      if (log) log(decoder!.write(bytes));
    });
    keepFlowing(stream);
    if (this.#all) stream.pipe(this.#all, { end: false });
    return new Promise((resolve) => {
      stream.on('error', (error) => this.#streamFailed(error));
      stream.on('close', () => {
        if (log) {
          log(decoder!.end());
          log(undefined);
        }
        resolve(collector.result());
      });
    });
  }

  /** `all: true`: stdout and stderr through one PassThrough, collected from it. */
  #collectAll(): Promise<Output | undefined> {
    const all = this.#all;
    if (!all) return Promise.resolve(undefined);
    const collector = new Collector(this.#o, 'all');
    all.on('data', (c: Buffer) => collector.push(c));
    let open = (this.stdout ? 1 : 0) + (this.stderr ? 1 : 0);
    for (const s of [this.stdout, this.stderr]) s?.on('close', () => --open === 0 && all.end());
    return new Promise((resolve) => all.on('end', () => resolve(collector.result())));
  }

  /** maxBuffer passed: the tree goes (nothing keeps writing), the error says so. */
  #overflowed(overflow: Overflow): void {
    if (this.#overflow) return;
    this.#overflow = overflow;
    this.#cause ??= maxBufferError();
    void this.#closeTree();
  }

  #outcome(stdout: Output | undefined, stderr: Output | undefined, all: Output | undefined): Outcome<T> {
    const o = this.#o;
    return {
      command: this.command,
      escapedCommand: this.escapedCommand,
      cwd: o.cwd,
      durationMs: performance.now() - this.#started,
      status: this.status,
      cgroup: this.#cgroup,
      stdout: stdout as T | undefined,
      stderr: stderr as T | undefined,
      all: all as T | undefined,
      timedOut: this.#timedOut,
      isCanceled: this.#isCanceled,
      isForcefullyTerminated: this.#forceful,
      overflow: this.#overflow,
      start: this.#start,
      cause: this.#cause,
      failedBy: this.#failedBy,
      timeout: o.timeout,
      forceKillAfterDelay: o.forceKillAfterDelay,
      killSignal: signalName(o.killSignal),
      spawnArgs: this.#args,
      file: this.#file,
    };
  }

  async #finish(collected: Promise<Output | undefined>[]): Promise<Result<T, A>> {
    const [, stdout, stderr, all] = await Promise.all([this.#ended, ...collected]);
    // `all` is undefined unless the `all` option is set: what A says.
    const r = settle(this.#outcome(stdout, stderr, all)) as Result<T, A>;
    this.#verbose?.end(r);
    if (r instanceof SubprocessError && this.#o.reject) throw r;
    return r;
  }
}

/** The error child_process.spawn() throws for an empty file name (execa reports it). */
function emptyFile(): NodeJS.ErrnoException {
  return Object.assign(new TypeError("The argument 'file' cannot be empty. Received ''"), {
    code: 'ERR_INVALID_ARG_VALUE',
  });
}

/** `stream.pipe(x)` then `stream.unpipe(x)` pauses the stream when no pipe is left; the
 *  collector still reads it, so it flows on (else a full pipe would stop the child and
 *  `await` would never settle), unless streamLines() is holding it back. */
function keepFlowing(stream: Readable): void {
  const unpipe = stream.unpipe;
  stream.unpipe = function (this: Readable, destination?: NodeJS.WritableStream) {
    unpipe.call(this, destination);
    const state = (this as unknown as { _readableState?: { pipes?: unknown[] } })._readableState;
    if (this.readableFlowing === false && state?.pipes?.length === 0 && !HELD.has(this)) this.resume();
    return this;
  };
}

/** The Node flags of `script`'s `#!/usr/bin/env -S node FLAGS` line (bin/supervise-node's
 *  are their one home: no 10 GiB Wasm reservation, one V8 worker). */
function shebangFlags(script: string): string[] {
  const line = readFileSync(script, 'utf8').split('\n', 1)[0];
  return line
    .replace(/^#!\/usr\/bin\/env -S node\s*/, '')
    .split(/\s+/)
    .filter(Boolean);
}

let command: string[] | undefined;
/** How to start supervise: the native executable pkg/binary.ts findBinary() finds
 *  (SUPERVISE_BINARY, the platform package, or bin/supervise built by make), with no Node
 *  at all; else, where the addon is built (make), the Node host, `node FLAGS
 *  bin/supervise-node`; else findBinary()'s error (the platform and the fix). Once.
 *  SUPERVISE_HOST=native|node picks the host (for tests); native then fails without one. */
export function superviseCommand(): string[] {
  if (command) return command;
  const want = process.env.SUPERVISE_HOST;
  const node = path.join(packageRoot(), 'bin/supervise-node');
  const nodeHost = () => [process.execPath, ...shebangFlags(node), node];
  if (want === 'node') return (command = nodeHost());
  try {
    return (command = [findBinary().file]);
  } catch (err) {
    if (want !== 'native' && existsSync(node) && existsSync(path.join(packageRoot(), 'build/Release/shim.node')))
      return (command = nodeHost());
    throw err;
  }
}

/** Starts `file` with `args` under its own supervise. See Subprocess and Options.
 *  `spawn(file, options)` without args works too, as with execa. */
export function spawn<const O extends Options = NoOptions>(
  file: string,
  options: O,
): Subprocess<ResultOutput<O>, AllOutput<O>>;
export function spawn<const O extends Options = NoOptions>(
  file: string,
  args?: readonly string[],
  options?: O,
): Subprocess<ResultOutput<O>, AllOutput<O>>;
export function spawn(file: string, args?: readonly string[] | Options, options: Options = {}): Subprocess {
  const [argv, o] = splitArguments(args, options);
  return new Subprocess(file, checkArguments('spawn', file, argv), o);
}

/** `.pipe()`'s maker, which lib/pipe.ts hands in as it loads: it starts destinations with
 *  spawn() and tells a Subprocess by its class, so this file cannot import it back (no
 *  import circle in lib/: test/layers.test.ts). */
let pipeMethod: ((source: Subprocess) => PipeMethod) | undefined;
export function definePipe(make: (source: Subprocess) => PipeMethod): void {
  pipeMethod = make;
}
