// The features table of `make compare`: for each feature, which of child_process, execa,
// nano-spawn, tinyexec and supervise has it, found by running each library. Every library
// gets the same request in execa's words (an option named as execa names it, a method
// called as execa's is) translated only where the library spells the same thing another
// way (AbortSignal: `cancelSignal`/`signal`; tinyexec's child_process options under
// `nodeOptions`), and the outcome decides: an option a library does not know is simply
// ignored by it, and the run shows that. child_process is its promise-less functions:
// execFile (which has maxBuffer, timeout, signal, shell), spawn, spawnSync.
import { execFile, spawn as cpSpawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { $ as execa$, execa, execaSync } from 'execa';
import nanoSpawn from 'nano-spawn';
import { x, xSync } from 'tinyexec';
import * as supervise from '../lib/index.ts';
import { alive, killQuietly, sleep, stderrOf } from '../test/procs.ts';

type Opts = { [k: string]: unknown };
/** What a run gave: resolved or not, and the fields a feature looks at. */
interface Outcome {
  ok: boolean;
  stdout?: unknown;
  all?: unknown;
  error?: { [k: string]: unknown };
}
/** A subprocess as the library returns it (awaitable, maybe iterable, maybe pipeable). */
type Sub = PromiseLike<unknown> & {
  pipe?: (file: string, args: string[]) => PromiseLike<unknown>;
  [Symbol.asyncIterator]?: () => AsyncIterator<unknown>;
};
interface Lib {
  /** Starts file with args and options in execa's words (the library's own `all` field too). */
  start(file: string, args: string[], o?: Opts): Sub;
  /** Reads the fields of a settled result or error. */
  fields(r: unknown): Outcome;
  $?: (t: TemplateStringsArray, ...v: unknown[]) => PromiseLike<unknown>;
  sync?: (file: string, args: string[]) => unknown;
}

const obj = (r: unknown) => (r ?? {}) as { [k: string]: unknown };
export const LIBS: { [name: string]: Lib } = {
  child_process: {
    start(file, args, o = {}) {
      const { cancelSignal, ...rest } = o;
      return new Promise((resolve, reject) => {
        execFile(file, args, { ...rest, signal: cancelSignal as AbortSignal }, (error, stdout, stderr) =>
          error ? reject(Object.assign(error, { stdout, stderr })) : resolve({ stdout, stderr }),
        );
      });
    },
    fields: (r) => ({ ok: true, stdout: obj(r).stdout }),
    sync: (file, args) => ({ stdout: spawnSync(file, args, { encoding: 'utf8' }).stdout }),
  },
  execa: {
    start: (file, args, o) => execa(file, args, o) as unknown as Sub,
    fields: (r) => ({ ok: true, stdout: obj(r).stdout, all: obj(r).all }),
    $: (t, ...v) => execa$(t, ...(v as string[])),
    sync: (file, args) => execaSync(file, args),
  },
  'nano-spawn': {
    start(file, args, o = {}) {
      const { cancelSignal, ...rest } = o;
      return nanoSpawn(file, args, { ...rest, signal: cancelSignal as AbortSignal }) as unknown as Sub;
    },
    fields: (r) => ({ ok: true, stdout: obj(r).stdout, all: obj(r).output }),
  },
  tinyexec: {
    start(file, args, o = {}) {
      const { cancelSignal, timeout, cwd, env, shell, ...rest } = o;
      return x(file, args, {
        ...rest,
        timeout: timeout as number,
        signal: cancelSignal as AbortSignal,
        throwOnError: true,
        nodeOptions: { cwd: cwd as string, env: env as NodeJS.ProcessEnv, shell: shell as boolean },
      }) as unknown as Sub;
    },
    fields: (r) => ({ ok: true, stdout: obj(r).stdout }),
    sync: (file, args) => xSync(file, args),
  },
  supervise: {
    start(file, args, o = {}) {
      const { cancelSignal, ...rest } = o;
      return supervise.spawn(file, args, { ...rest, signal: cancelSignal as AbortSignal }) as unknown as Sub;
    },
    fields: (r) => ({ ok: true, stdout: obj(r).stdout, all: obj(r).all }),
    $: (t, ...v) => supervise.$(t, ...(v as string[])),
    sync: syncOf(supervise),
  },
};

/** The library's synchronous spawn, if it exports one (`spawnSync`). */
function syncOf(lib: object): Lib['sync'] {
  const f = (lib as { spawnSync?: (file: string, args: string[]) => unknown }).spawnSync;
  return f && ((file, args) => f(file, args));
}

/** Settles `p` into an Outcome, bounded by `ms` (then: not ok, error 'timed out'). */
async function outcome(lib: Lib, p: PromiseLike<unknown>, ms = 8000): Promise<Outcome & { ms: number }> {
  const t = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const capped = new Promise<Outcome>((r) => {
    timer = setTimeout(() => r({ ok: false, error: { message: 'timed out' } }), ms);
  });
  const settled = Promise.resolve(p).then(
    (r) => lib.fields(r),
    (e) => ({ ...lib.fields(e), ok: false, error: obj(e) }),
  );
  const r = await Promise.race([settled, capped]);
  clearTimeout(timer);
  return { ...r, ms: Date.now() - t };
}

const text = (v: unknown) => (typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString() : undefined);

/** A verdict: has it or not, and what the run showed when that is worth saying. */
type Verdict = { has: boolean; note?: string };
type Check = (lib: Lib, name: string) => Promise<Verdict>;

/** node_modules/.bin/feature-probe in a temp dir (for preferLocal), removed at exit. */
const probeDir = mkdtempSync(path.join(os.tmpdir(), 'supervise-features-'));
mkdirSync(path.join(probeDir, 'node_modules/.bin'), { recursive: true });
writeFileSync(path.join(probeDir, 'node_modules/.bin/feature-probe'), '#!/bin/sh\necho local\n');
chmodSync(path.join(probeDir, 'node_modules/.bin/feature-probe'), 0o755);

export const FEATURES: Array<[string, string, Check]> = [
  [
    'maxBuffer',
    '100 kB written with `maxBuffer: 1000`: fails',
    async (lib) => {
      const r = await outcome(lib, lib.start('head', ['-c', '100000', '/dev/zero'], { maxBuffer: 1000 }));
      return { has: !r.ok };
    },
  ],
  [
    'strip final newline',
    '`echo a` gives `a`',
    async (lib) => ({ has: text((await outcome(lib, lib.start('echo', ['a']))).stdout) === 'a' }),
  ],
  [
    'lines',
    '`lines: true` gives an array of lines',
    async (lib) => {
      const r = await outcome(lib, lib.start('printf', ['a\\nb\\n'], { lines: true }));
      return { has: Array.isArray(r.stdout) && r.stdout.join() === 'a,b' };
    },
  ],
  [
    'all (stdout + stderr interleaved)',
    '`all: true`: one field with both',
    async (lib, name) => {
      const r = await outcome(lib, lib.start('sh', ['-c', 'echo o; echo e >&2'], { all: true }));
      const all = text(r.all) ?? '';
      return { has: all.includes('o') && all.includes('e'), note: name === 'nano-spawn' ? '`output`' : undefined };
    },
  ],
  [
    'async line iteration',
    '`for await (const line of subprocess)`',
    async (lib) => {
      const sub = lib.start('printf', ['a\\nb\\n']);
      if (typeof sub[Symbol.asyncIterator] !== 'function') {
        await outcome(lib, sub);
        return { has: false };
      }
      const lines: unknown[] = [];
      for await (const l of sub as AsyncIterable<unknown>) lines.push(l);
      await outcome(lib, sub);
      return { has: lines.join() === 'a,b' };
    },
  ],
  [
    '.pipe()',
    "`subprocess.pipe('cat')` gives the source's output",
    async (lib) => {
      const sub = lib.start('echo', ['p']);
      if (typeof sub.pipe !== 'function') {
        await outcome(lib, sub);
        return { has: false };
      }
      return { has: text((await outcome(lib, sub.pipe('cat', []))).stdout)?.trim() === 'p' };
    },
  ],
  [
    'template `$`',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Markdown of a template, not one
    '`` $`printf %s ${x}` `` with x = `a b` gives `a b`',
    async (lib) => {
      if (!lib.$) return { has: false, note: 'no export' };
      return { has: text((await outcome(lib, lib.$`printf %s ${'a b'}`)).stdout) === 'a b' };
    },
  ],
  [
    'shell',
    '`shell: true` runs `echo a && echo b`',
    async (lib) => {
      const r = await outcome(lib, lib.start('echo a && echo b', [], { shell: true }));
      return { has: text(r.stdout)?.trim() === 'a\nb' };
    },
  ],
  [
    'preferLocal',
    '`preferLocal: true` finds `node_modules/.bin/feature-probe` of cwd',
    async (lib) => {
      const r = await outcome(lib, lib.start('feature-probe', [], { preferLocal: true, cwd: probeDir }));
      return { has: text(r.stdout)?.trim() === 'local' };
    },
  ],
  [
    'verbose',
    "`verbose: 'short'` prints the command on stderr",
    async (lib) => {
      const said = await stderrOf(() => outcome(lib, lib.start('echo', ['verbose-probe'], { verbose: 'short' })));
      return { has: said.includes('echo verbose-probe') };
    },
  ],
  [
    'sync variant',
    'a synchronous function runs `echo s`',
    async (lib) => {
      if (!lib.sync) return { has: false, note: 'no export' };
      return { has: text(obj(lib.sync('echo', ['s'])).stdout)?.trim() === 's' };
    },
  ],
  [
    'timeout',
    '`sleep 5.31` with `timeout: 200` fails within 3 s',
    async (lib) => {
      const r = await outcome(lib, lib.start('sleep', ['5.31'], { timeout: 200 }));
      return { has: !r.ok && r.ms < 3000 };
    },
  ],
  [
    'AbortSignal',
    '`sleep 5.32` aborted after 100 ms fails within 3 s',
    async (lib) => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const r = await outcome(lib, lib.start('sleep', ['5.32'], { cancelSignal: ac.signal }));
      return { has: !r.ok && r.ms < 3000 };
    },
  ],
  [
    'kills the tree when the main child exits',
    'a background `sleep 5.33` is dead 0.3 s after `await`',
    async (lib) => {
      const r = await outcome(lib, lib.start('sh', ['-c', 'sleep 5.33 >/dev/null 2>&1 & echo $!']));
      const pid = Number(text(r.stdout));
      await sleep(300);
      const survived = pid > 0 && alive(pid);
      killQuietly(pid);
      return { has: pid > 0 && !survived };
    },
  ],
  [
    'forceful kill reported',
    'a child ignoring SIGTERM, `timeout: 200, forceKillAfterDelay: 300`: the error says it was SIGKILLed',
    async (lib) => {
      const r = await outcome(
        lib,
        lib.start('sh', ['-c', 'trap "" TERM; exec sleep 5.34'], { timeout: 200, forceKillAfterDelay: 300 }),
      );
      const field = ['isForcefullyKilled', 'isForcefullyTerminated'].find((f) => r.error?.[f] === true);
      return { has: field !== undefined, note: field && `\`${field}\`` };
    },
  ],
];

/** Runs every check on every library -> rows of [feature, ...one cell per library]. */
export async function featureRows(): Promise<{ head: string[]; rows: string[][]; how: string[] }> {
  const names = Object.keys(LIBS);
  const rows: string[][] = [];
  for (const [feature, , check] of FEATURES) {
    const row = [feature];
    for (const name of names) {
      let v: Verdict;
      try {
        v = await check(LIBS[name], name);
      } catch (e) {
        v = { has: false, note: `threw: ${(e as Error).message.split('\n')[0].slice(0, 40)}` };
      }
      row.push(`${v.has ? 'yes' : 'no'}${v.note ? ` (${v.note})` : ''}`);
    }
    rows.push(row);
    process.stderr.write(`${row.join(' | ')}\n`);
  }
  rmSync(probeDir, { recursive: true, force: true });
  return { head: ['feature', ...names], rows, how: FEATURES.map(([f, how]) => `${f}: ${how}`) };
}

/** The child_process floor of a pipeline: each stage's stdin the previous one's stdout. */
export function childProcessPipeline(stages: Array<[string, string[]]>): Promise<string> {
  let prev: ReturnType<typeof cpSpawn> | undefined;
  for (const [file, args] of stages) {
    const next = cpSpawn(file, args, { stdio: [prev ? prev.stdout! : 'ignore', 'pipe', 'ignore'] });
    prev?.stdout?.destroy(); // the next stage's copy is the only reader
    prev = next;
  }
  const last = prev!;
  let out = '';
  last.stdout!.on('data', (d) => {
    out += d;
  });
  return new Promise((r) => last.on('close', () => r(out)));
}
