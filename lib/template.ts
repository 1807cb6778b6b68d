// The `$` template interface: `` $`cmd ${arg} ${[a, b]}` `` runs `cmd` with arguments and no
// shell. The rules are execa's (its lib/methods/template.js): the literal parts split on
// spaces, tabs and newlines as typed (an escape such as `\n` or `\t` stays inside its
// argument), a backslash before a newline joins the lines, an interpolated value is one whole
// argument (an array several), glued to any literal text it touches. Nothing is quoted or
// unquoted: there is no shell to quote for.
import type { Result } from './errors.ts';
import type { AllOutput, NoOptions, Options, ResultOutput } from './options.ts';
import { spawn, type Subprocess } from './spawn.ts';
import { spawnSync } from './sync.ts';

/** What `${...}` may hold in a template: a string or number (one argument), a Result (its
 *  stdout, one argument), or an array of those (one argument each). */
export type TemplateValue = TemplateScalar | readonly TemplateScalar[];
type TemplateScalar = string | number | { stdout?: unknown; then?: never };

/** Options `A` with those of `B` over them (the type of `$(a)(b)`). */
type Merge<A, B> = Omit<A, keyof B> & B;

/** `$`: runs a template as a command (`` $`ls -l ${dir}` ``), or a file with arguments
 *  (`$('ls', ['-l'])`); `$(options)` returns a `$` with those options bound (merged with
 *  the ones bound already, `env` key by key). Options default to execa's script ones:
 *  `stdin: 'inherit'` unless `input`, `stdin` or `stdio` is given, and `preferLocal: true`.
 *  `$.sync` (alias `$.s`) is the same over spawnSync(). */
export interface TemplateFunction<O extends Options = NoOptions> {
  (template: TemplateStringsArray, ...values: readonly TemplateValue[]): Subprocess<ResultOutput<O>, AllOutput<O>>;
  <const P extends Options = NoOptions>(
    file: string,
    args?: readonly string[],
    options?: P,
  ): Subprocess<ResultOutput<Merge<O, P>>, AllOutput<Merge<O, P>>>;
  <const P extends Options = NoOptions>(
    file: string,
    options: P,
  ): Subprocess<ResultOutput<Merge<O, P>>, AllOutput<Merge<O, P>>>;
  <const P extends Options>(options: P): TemplateFunction<Merge<O, P>>;
  /** `` $.sync`cmd` ``: spawnSync(), whose tree is gone when it returns. */
  sync: SyncTemplateFunction<O>;
  s: SyncTemplateFunction<O>;
}

/** `$.sync`: TemplateFunction over spawnSync(): a Result instead of a Subprocess. */
export interface SyncTemplateFunction<O extends Options = NoOptions> {
  (template: TemplateStringsArray, ...values: readonly TemplateValue[]): Result<ResultOutput<O>, AllOutput<O>>;
  <const P extends Options = NoOptions>(
    file: string,
    args?: readonly string[],
    options?: P,
  ): Result<ResultOutput<Merge<O, P>>, AllOutput<Merge<O, P>>>;
  <const P extends Options = NoOptions>(
    file: string,
    options: P,
  ): Result<ResultOutput<Merge<O, P>>, AllOutput<Merge<O, P>>>;
  <const P extends Options>(options: P): SyncTemplateFunction<Merge<O, P>>;
}

/** The command and arguments a template stands for: [file, args]. Throws a TypeError for an
 *  empty template, an invalid escape or a value that is not a string, a number, a Result or
 *  an array of those. */
export function parseTemplate(template: TemplateStringsArray, values: readonly unknown[]): [string, string[]] {
  let tokens: string[] = [];
  template.forEach((cooked, i) => {
    if (cooked === undefined) throw new TypeError(`Invalid backslash sequence: ${template.raw[i]}`);
    const { words, leading, trailing } = splitLiteral(cooked, template.raw[i]);
    tokens = join(tokens, words, leading);
    if (i < values.length) {
      const value = values[i];
      tokens = join(tokens, Array.isArray(value) ? value.map(argument) : [argument(value)], trailing);
    }
  });
  if (tokens.length === 0) throw new TypeError('Template script must not be empty');
  const [file, ...args] = tokens;
  return [file, args];
}

/** Whether `value` is the strings array of a tagged template (`` f`...` `` passes one). */
export function isTemplate(value: unknown): value is TemplateStringsArray {
  return Array.isArray(value) && Array.isArray((value as { raw?: unknown }).raw);
}

const SPACES = new Set([' ', '\t', '\r', '\n']);
/** Characters after the backslash of an escape of fixed length: \xHH, \uHHHH. */
const ESCAPE_LENGTH: { [c: string]: number } = { x: 3, u: 5 };

/** One literal part split on whitespace typed as such (read from `raw`, so an escaped `\n`
 *  is a character of its word, not a separator); whether it starts or ends with a separator. */
function splitLiteral(cooked: string, raw: string): { words: string[]; leading: boolean; trailing: boolean } {
  if (raw.length === 0) return { words: [], leading: false, trailing: false };
  const words: string[] = [];
  let start = 0;
  for (let c = 0, r = 0; c < cooked.length; c++, r++) {
    const ch = raw[r];
    if (SPACES.has(ch)) {
      if (start !== c) words.push(cooked.slice(start, c));
      start = c + 1;
    } else if (ch === '\\') {
      const next = raw[r + 1];
      if (next === '\n') {
        c--; // a line continuation: nothing in cooked
        r++;
      } else if (next === 'u' && raw[r + 2] === '{') {
        r = raw.indexOf('}', r + 3);
      } else {
        r += ESCAPE_LENGTH[next] ?? 1;
      }
    }
  }
  const trailing = start === cooked.length;
  if (!trailing) words.push(cooked.slice(start));
  return { words, leading: SPACES.has(raw[0]), trailing };
}

/** tokens + next, the first of next glued to the last of tokens unless a separator stood between. */
function join(tokens: string[], next: string[], separated: boolean): string[] {
  if (separated || tokens.length === 0 || next.length === 0) return [...tokens, ...next];
  return [...tokens.slice(0, -1), `${tokens[tokens.length - 1]}${next[0]}`, ...next.slice(1)];
}

function argument(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value !== null && typeof value === 'object' && 'stdout' in value && !('then' in value)) {
    const { stdout } = value as { stdout: unknown };
    if (typeof stdout === 'string') return stdout;
    if (stdout instanceof Uint8Array) return Buffer.from(stdout).toString();
    throw new TypeError('Missing result.stdout in template expression (was stdout piped?)');
  }
  if (value !== null && typeof value === 'object' && 'then' in value) {
    throw new TypeError('Unexpected subprocess in template expression: await it first (its Result is one argument)');
  }
  throw new TypeError(`Unexpected ${typeof value} in template expression`);
}

/** Bound options + new ones: shallow, except `env`, merged key by key (as execa does). */
export function mergeOptions(bound: Options, options: Options): Options {
  const merged: Options = { ...bound, ...options };
  if (bound.env && options.env) merged.env = { ...bound.env, ...options.env };
  return merged;
}

export function isOptions(value: unknown): value is Options {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** execa's script defaults: stdin from the terminal unless the options feed it, and
 *  node_modules/.bin on PATH. */
function scriptOptions(o: Options): Options {
  const stdin =
    o.input === undefined && o.stdio === undefined && o.stdin === undefined ? { stdin: 'inherit' as const } : {};
  return { preferLocal: true, ...stdin, ...o };
}

type Run<R> = (file: string, args: readonly string[], options: Options) => R;

/** A `$` (run = spawn) or a `$.sync` (run = spawnSync) with `bound` options. */
function bind<R, F>(run: Run<R>, bound: Options, more: (f: F, bound: Options) => F): F {
  function $(first: TemplateStringsArray | string | Options, ...rest: unknown[]): R | F {
    if (isTemplate(first)) {
      const [file, args] = parseTemplate(first, rest);
      return run(file, args, scriptOptions(bound));
    }
    if (typeof first === 'string') {
      // (file, options) without args, as spawn() takes it
      const [args = [], options = {}] = (isOptions(rest[0]) ? [[], rest[0]] : rest) as [
        readonly string[] | undefined,
        Options | undefined,
      ];
      return run(first, args, scriptOptions(mergeOptions(bound, options)));
    }
    if (isOptions(first)) return bind(run, mergeOptions(bound, first), more);
    throw new TypeError(`$: the first argument must be a template, a file or an options object, not ${String(first)}`);
  }
  return more($ as F, bound);
}

const runSync: Run<Result> = (file, args, options) => spawnSync(file, args, options);
const runAsync: Run<Subprocess> = (file, args, options) => {
  const sub = spawn(file, args, options);
  FROM_SCRIPT.add(sub);
  return sub;
};

/** The subprocesses `$` started: a template piped from one of them gets `preferLocal: true`
 *  too (execa's deep script option; `stdin: 'inherit'` is not carried, the pipe is stdin). */
const FROM_SCRIPT = new WeakSet<Subprocess>();

/** The options a `.pipe` template of `source` starts from. */
export function pipeTemplateOptions(source: Subprocess): Options {
  return FROM_SCRIPT.has(source) ? { preferLocal: true } : {};
}

/** `` $`cmd ${arg}` ``: see TemplateFunction. */
export const $: TemplateFunction = bind<Subprocess, TemplateFunction>(runAsync, {}, (f, bound) => {
  const sync = bind<Result, SyncTemplateFunction>(runSync, bound, (g) => g);
  return Object.assign(f, { sync, s: sync });
});
