// `.pipe()`: one subprocess's output into another's stdin, as a shell pipeline does. Every
// stage is a Subprocess under its own supervise, so each keeps its guarantees: when a stage's
// main child exits, what it left behind is killed, and its `await` settles once its whole
// tree is gone. The destination returned settles like execa's pipe: once every stage has
// settled, with the destination's Result whose `pipedFrom` holds the sources' Results;
// it rejects if any stage failed (the destination's error first, as bash's pipefail).
//
// The bytes: a destination started by `.pipe(file, ...)` gets the source's stdout pipe itself
// as its stdin (child_process duplicates the fd), and this process closes its own copy, so
// the data never passes through JS and the source sees EPIPE/SIGPIPE when the destination
// stops reading, as in a shell. That needs the source's output untouched so far (nothing
// read from it yet: `.pipe()` called in the tick that spawned it); otherwise, for
// `from: 'all'`, and for a destination already running, the chunks are copied in JS
// (stream.pipe), and the copy stops, closing the source's stream, when the destination's
// stdin closes.
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { Output, Result } from './errors.ts';
import type { AllOutput, NoOptions, Options, ResultOutput } from './options.ts';
import { definePipe, spawn, Subprocess } from './spawn.ts';
import { PIPED } from './verbose.ts';
import {
  isOptions,
  isTemplate,
  mergeOptions,
  parseTemplate,
  pipeTemplateOptions,
  type TemplateValue,
} from './template.ts';

/** Options of `.pipe()` about the connection. */
export interface PipeOptions {
  /** Which output of the source goes to the destination's stdin: 'stdout' (default),
   *  'stderr', or 'all' (both, interleaved as they come). */
  from?: 'stdout' | 'stderr' | 'all';
}

/** What a destination of `.pipe()` settles with: its own Result, and those of the
 *  subprocesses piped into it (each with its own `pipedFrom`, empty for the first). */
export type PipedResult<
  T extends Output | undefined = Output | undefined,
  A extends Output | undefined = T | undefined,
> = Result<T, A> & { pipedFrom: PipedResult[] };

/** A destination of `.pipe()`: the destination Subprocess itself, whose `await` settles
 *  only once every stage has, with a PipedResult (rejecting if any stage failed). */
export type Piped<
  T extends Output | undefined = Output | undefined,
  A extends Output | undefined = T | undefined,
> = Subprocess<T, A> & PromiseLike<PipedResult<T, A>>;

/** `.pipe(options)` followed by a template. */
export type PipeTemplate<T extends Output | undefined, A extends Output | undefined = T | undefined> = (
  template: TemplateStringsArray,
  ...values: readonly TemplateValue[]
) => Piped<T, A>;

/** `subprocess.pipe(...)`: connects its stdout (see PipeOptions `from`) to a destination's
 *  stdin and returns the destination. The destination: another Subprocess (its stdin must be
 *  'pipe'), a file with arguments and options (started here with the source's pipe as
 *  stdin), or a template (`` .pipe`grep ${word}` ``, `` .pipe(options)`...` ``). The
 *  destination's stdin is the source's output: its `stdin` and `input` options are ignored,
 *  as execa does. */
export interface PipeMethod {
  <T extends Output | undefined, A extends Output | undefined>(
    destination: Subprocess<T, A>,
    options?: PipeOptions,
  ): Piped<T, A>;
  <const O extends Options & PipeOptions = NoOptions>(
    file: string,
    args?: readonly string[],
    options?: O,
  ): Piped<ResultOutput<O>, AllOutput<O>>;
  <const O extends Options & PipeOptions = NoOptions>(file: string, options: O): Piped<ResultOutput<O>, AllOutput<O>>;
  (template: TemplateStringsArray, ...values: readonly TemplateValue[]): Piped<string, undefined>;
  <const O extends Options & PipeOptions>(options: O): PipeTemplate<ResultOutput<O>, AllOutput<O>>;
}

/** The `pipe` method of `source` (Subprocess calls it once, for its own `pipe` field,
 *  through definePipe below: lib/spawn.ts cannot import this file, which imports it). */
export function pipeMethod(source: Subprocess): PipeMethod {
  function pipe(first: unknown, ...rest: unknown[]): unknown {
    if (isTemplate(first)) return pipeFile(source, ...parseTemplate(first, rest), pipeTemplateOptions(source));
    if (typeof first === 'string') {
      // (file, options) without args, as spawn() takes it
      const [args = [], options = {}] = (isOptions(rest[0]) ? [[], rest[0]] : rest) as [
        readonly string[] | undefined,
        (Options & PipeOptions) | undefined,
      ];
      return pipeFile(source, first, args, options);
    }
    if (first instanceof Subprocess) return pipeSubprocess(source, first, (rest[0] ?? {}) as PipeOptions);
    if (isOptions(first)) {
      return (template: TemplateStringsArray, ...values: unknown[]) => {
        if (!isTemplate(template))
          throw new TypeError('.pipe(options) must be followed by a template: .pipe(options)`cmd`');
        return pipeFile(source, ...parseTemplate(template, values), mergeOptions(pipeTemplateOptions(source), first));
      };
    }
    throw new TypeError(
      `.pipe(): the destination must be a Subprocess, a file, a template or an options object, not ${String(first)}`,
    );
  }
  return pipe as PipeMethod;
}

/** The source streams `from` names (a TypeError if one is not piped). */
function sourceStreams(source: Subprocess, from: PipeOptions['from'] = 'stdout'): Readable[] {
  if (from !== 'stdout' && from !== 'stderr' && from !== 'all') {
    throw new TypeError(`.pipe(): from must be 'stdout', 'stderr' or 'all', not ${String(from)}`);
  }
  const names = from === 'all' ? (['stdout', 'stderr'] as const) : [from];
  return names.map((name) => {
    const stream = source[name];
    if (stream && HANDED.has(stream)) {
      throw new TypeError(
        `.pipe(): the source's ${name} went to an earlier .pipe() destination, whose stdin it is (${source.command})`,
      );
    }
    if (!stream) throw new TypeError(`.pipe(): the source's ${name} is not piped (${source.command})`);
    return stream;
  });
}

/** The source streams whose pipe is a destination's stdin now (closed here). */
const HANDED = new WeakSet<Readable>();

/** Whether nothing of `stream` has been read yet, so its fd can be handed over whole. */
function untouched(stream: Readable): boolean {
  return stream.readableLength === 0 && (stream as Socket).bytesRead === 0 && !stream.readableEnded;
}

function pipeFile(source: Subprocess, file: string, args: readonly string[], options: Options & PipeOptions): Piped {
  const { from, ...spawnOptions } = options;
  const streams = sourceStreams(source, from);
  if (streams.length === 1 && untouched(streams[0])) {
    const destination = spawn(file, args, { ...spawnOptions, stdin: streams[0], input: undefined, [PIPED]: true });
    HANDED.add(streams[0]);
    streams[0].destroy(); // our copy of the read end: the destination's is the only one now
    return settleTogether(destination, source);
  }
  const destination = spawn(file, args, { ...spawnOptions, stdin: 'pipe', input: undefined, [PIPED]: true });
  return pipeSubprocess(source, destination, { from });
}

function pipeSubprocess(source: Subprocess, destination: Subprocess, options: PipeOptions): Piped {
  const streams = sourceStreams(source, options.from);
  const stdin = destination.stdin;
  if (!stdin || stdin.writableEnded) {
    throw new TypeError(`.pipe(): the destination's stdin is not 'pipe' or is closed (${destination.command})`);
  }
  copy(streams, stdin);
  return pipedView(destination, source);
}

/** The source streams copied into each destination's stdin, and how many are still open. */
const COPIES = new WeakMap<Writable, { streams: Readable[]; open: number }>();

/** Copies every stream into `stdin`, ended once every source copied into it (by this call
 *  or an earlier one) has closed; once `stdin` closes (the destination stopped reading) the
 *  copies stop and the sources' streams are closed. */
function copy(streams: Readable[], stdin: Writable): void {
  let copies = COPIES.get(stdin);
  if (!copies) {
    const c = { streams: [] as Readable[], open: 0 };
    COPIES.set(stdin, (copies = c));
    stdin.once('close', () => {
      for (const s of c.streams) {
        s.unpipe(stdin);
        s.destroy();
      }
    });
  }
  const c = copies;
  for (const s of streams) {
    if (s.closed || s.destroyed) continue; // ended already (execa pipes nothing more from it)
    c.streams.push(s);
    c.open++;
    // Each pipe adds its listeners to stdin: many sources into one destination are meant.
    const most = stdin.getMaxListeners();
    if (most !== 0 && most !== Number.POSITIVE_INFINITY) stdin.setMaxListeners(most + 1);
    s.pipe(stdin, { end: false });
    s.once('close', () => {
      if (--c.open === 0 && !stdin.writableEnded) stdin.end();
    });
  }
  if (c.open === 0 && !stdin.writableEnded) stdin.end();
}

/** What `.pipe(destination)` returns: the destination as it is (its own `await` unchanged,
 *  as execa's), except that awaiting this view settles as a pipeline (see settlePipeline()). */
function pipedView(destination: Subprocess, source: Subprocess): Piped {
  const own = new Promise<Result>((resolve, reject) => Subprocess.prototype.then.call(destination, resolve, reject));
  own.catch(() => {});
  // Settled at once, as execa's pipe does: the destination's Result gets this source in its
  // `pipedFrom` whether or not this view is awaited.
  const settled = settlePipeline(own, [source]);
  settled.catch(() => {});
  const result = () => settled;
  const methods: { [key: string | symbol]: unknown } = {
    then: (a?: never, b?: never) => result().then(a, b),
    catch: (b?: never) => result().catch(b),
    finally: (f?: () => void) => result().finally(f),
  };
  return new Proxy(destination, {
    get(target, key) {
      if (Object.hasOwn(methods, key)) return methods[key];
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Piped;
}

/** The sources piped into each destination, in order. */
const SOURCES = new WeakMap<Subprocess, Subprocess[]>();

/** Makes `await destination` wait for every source too (see the file's head). */
function settleTogether(destination: Subprocess, source: Subprocess): Piped {
  const sources = SOURCES.get(destination);
  if (sources) {
    sources.push(source);
    return destination as Piped;
  }
  const all = [source];
  SOURCES.set(destination, all);
  const own = new Promise<Result>((resolve, reject) => Subprocess.prototype.then.call(destination, resolve, reject));
  let settled: Promise<PipedResult> | undefined;
  let counted = 0;
  const result = () => {
    if (!settled || counted !== all.length) {
      counted = all.length;
      settled = settlePipeline(own, all);
      settled.catch(() => {});
    }
    return settled;
  };
  Object.defineProperties(destination, {
    then: { value: (a?: never, b?: never) => result().then(a, b), configurable: true },
    catch: { value: (b?: never) => result().catch(b), configurable: true },
    finally: { value: (f?: () => void) => result().finally(f), configurable: true },
  });
  result();
  return destination as Piped;
}

async function settlePipeline(own: Promise<Result>, sources: Subprocess[]): Promise<PipedResult> {
  const [mine, ...theirs] = await Promise.allSettled([own, ...sources.map((s) => Promise.resolve(s))]);
  const value = (r: PromiseSettledResult<Result>) => (r.status === 'fulfilled' ? r.value : r.reason) as PipedResult;
  const result = value(mine);
  for (const r of theirs) value(r).pipedFrom ??= [];
  result.pipedFrom = [...(result.pipedFrom ?? []), ...theirs.map(value).filter((r) => !result.pipedFrom?.includes(r))];
  if (mine.status === 'rejected') throw result;
  const failed = theirs.find((r) => r.status === 'rejected');
  if (failed) throw value(failed);
  return result;
}

definePipe(pipeMethod);
