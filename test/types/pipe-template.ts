// A consumer of the types of .pipe() and $ (lib/pipe.ts, lib/template.ts), compiled (never
// run) by `tsc --noEmit` in make check: every signature called as a user would, the types
// it gives pinned with Equal<>, misuse marked @ts-expect-error.
import {
  $,
  type PipedResult,
  type Piped,
  type Result,
  spawn,
  type Subprocess,
  type SyncTemplateFunction,
  type TemplateFunction,
} from 'supervise';
import { type Equal, expect } from './equal.ts';

export async function pipeAndTemplate(): Promise<void> {
  // .pipe(file, args?, options?): the destination's output type follows its options.
  const wc = spawn('seq', ['3']).pipe('grep', ['1']).pipe('wc', ['-l']);
  expect<Equal<typeof wc, Piped<string, undefined>>>();
  const r = await wc;
  expect<Equal<typeof r, PipedResult<string, undefined>>>();
  expect<Equal<typeof r.pipedFrom, PipedResult[]>>();
  const lines = await spawn('seq', ['3']).pipe('cat', [], { lines: true, from: 'stdout' });
  expect<Equal<typeof lines.stdout, string[]>>();
  const bytes = await spawn('seq', ['3']).pipe('cat', [], { encoding: 'buffer', from: 'all' });
  expect<Equal<typeof bytes.stdout, Uint8Array>>();
  // .pipe(subprocess, options?) keeps the destination's type.
  const dest = spawn('cat', [], { lines: true });
  expect<Equal<typeof dest, Subprocess<string[], undefined>>>();
  expect<Equal<ReturnType<typeof spawn>['pipe'] extends object ? true : false, true>>();
  const into = spawn('echo', ['x']).pipe(dest, { from: 'stderr' });
  expect<Equal<typeof into, Piped<string[], undefined>>>();
  // .pipe`template` and .pipe(options)`template`.
  const word = 'b';
  const viaTemplate = spawn('echo', ['a b']).pipe`grep ${word} ${['-e', 'a']}`;
  expect<Equal<typeof viaTemplate, Piped<string, undefined>>>();
  const bound = spawn('echo', ['a']).pipe({ cwd: '/', lines: true })`cat`;
  expect<Equal<typeof bound, Piped<string[], undefined>>>();
  // The destination is a Subprocess: kill(), close(), pid, its own pipe().
  into.kill();
  await into.close();
  void into.pid;
  void into.pipe('cat');
  // @ts-expect-error from is 'stdout', 'stderr' or 'all'
  spawn('echo').pipe('cat', [], { from: 'fd3' });
  // @ts-expect-error the destination is a Subprocess, a file, a template or options
  spawn('echo').pipe(42);

  // $: a template, a file with arguments, bound options.
  const t = $`echo ${'a b'} ${['c', 'd']} ${1} ${await $`echo x`}`;
  expect<Equal<typeof t, Subprocess<string, undefined>>>();
  const f = $('ls', ['-l'], { cwd: '/' });
  expect<Equal<typeof f, Subprocess<string, undefined>>>();
  const $lines = $({ lines: true, cwd: '/tmp' });
  const lb = $lines('ls', [], { encoding: 'buffer' });
  expect<Equal<typeof lb, Subprocess<Uint8Array, undefined>>>();
  const l = await $lines`ls`;
  expect<Equal<typeof l.stdout, string[]>>();
  const back = await $lines({ lines: false })`ls`;
  expect<Equal<typeof back.stdout, string>>();
  const fn: TemplateFunction = $;
  void fn;
  // $ results pipe.
  const p = await $`seq 10`.pipe`grep 1`;
  expect<Equal<typeof p, PipedResult<string, undefined>>>();
  // @ts-expect-error a Subprocess is awaited first: ${await sub}
  $`echo ${spawn('echo')}`;
  // @ts-expect-error a boolean is no argument
  $`echo ${true}`;

  // $.sync / $.s: a Result, bound the same.
  const s = $.sync`echo ${'x'}`;
  expect<Equal<typeof s, Result<string, undefined>>>();
  const sl = $({ lines: true }).sync`seq 2`;
  expect<Equal<typeof sl, Result<string[], undefined>>>();
  const sf = $.s('pwd', [], { encoding: 'buffer' });
  expect<Equal<typeof sf, Result<Uint8Array, undefined>>>();
  const sync: SyncTemplateFunction = $.sync;
  void sync({ cwd: '/' })`pwd`;
}
