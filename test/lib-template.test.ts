// The `$` template: how a template becomes a file and arguments (execa's rules), and `$`
// running real commands: arrays, bound options, piping between `$` results.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { $, spawn } from '../lib/index.ts';
import { parseTemplate } from '../lib/template.ts';
import { ANNOUNCE, stillAlive, announcedIn, killQuietly } from './procs.ts';

const parse = (t: TemplateStringsArray, ...v: unknown[]) => parseTemplate(t, v);

const Parse = suite('lib: $ template parsing');

Parse('should split the literal parts on whitespace and keep every value whole', () => {
  assert.equal(parse`echo  a   b`, ['echo', ['a', 'b']]);
  assert.equal(parse`echo ${'a b'} ${"it's"} ${'"q"'} ${'$HOME'} ${'*'}`, [
    'echo',
    ['a b', "it's", '"q"', '$HOME', '*'],
  ]);
  assert.equal(
    parse`
      echo
      one
    `,
    ['echo', ['one']],
  );
});

Parse('should expand an array to one argument per element, and glue values to adjacent text', () => {
  assert.equal(parse`ls ${['-l', 'a b']} end`, ['ls', ['-l', 'a b', 'end']]);
  assert.equal(parse`cmd --x=${'y z'} pre${1}post ${[]}`, ['cmd', ['--x=y z', 'pre1post']]);
  assert.equal(parse`cmd a${['b', 'c']}d`, ['cmd', ['ab', 'cd']]);
  assert.equal(parse`${'my cmd'} ${''}`, ['my cmd', ['']]);
});

Parse('should keep escapes inside their argument and join lines after a backslash', () => {
  assert.equal(parse`echo a\nb c\tz \x41\u0042\u{43}`, ['echo', ['a\nb', 'c\tz', 'ABC']]);
  assert.equal(
    parse`echo a\
b`,
    ['echo', ['ab']],
  );
  assert.equal(parse`echo \  x`, ['echo', [' ', 'x']]);
});

Parse('should take a Result as its stdout, and refuse an empty template or another value', () => {
  assert.equal(parse`echo ${{ stdout: 'out put' }}`, ['echo', ['out put']]);
  assert.equal(parse`echo ${{ stdout: Buffer.from('b') }}`, ['echo', ['b']]);
  assert.throws(() => parse` `, /must not be empty/);
  assert.throws(() => parse`echo ${{}}`, /Unexpected object/);
  assert.throws(() => parse`echo ${true}`, /Unexpected boolean/);
  assert.throws(() => parse`echo ${{ then() {} }}`, /await it first/);
  assert.throws(() => parse`echo ${{ stdout: undefined }}`, /Missing result.stdout/);
});

// ---

const Run = suite('lib: $');

Run('should run a template with arrays and no shell, as the shell would with quoting', async () => {
  const files = ['a b', '$HOME', "it's"];
  const r = await $`printf %s\n ${files}`;
  const shell = execFileSync('sh', ['-c', `printf '%s\\n' 'a b' '$HOME' "it's"`], { encoding: 'utf8' });
  assert.is(String(r.stdout).replace(/\n$/, ''), shell.replace(/\n$/, ''));
  assert.is(r.command, "printf %s\n a b $HOME it's");
});

Run('should bind options with $(options), merging env key by key, and take a file and arguments', async () => {
  const $tmp = $({ cwd: '/tmp', env: { ...process.env, A: '1' } });
  const r = await $tmp({ env: { B: '2' } })`sh -c ${'pwd; echo "$A$B"'}`;
  assert.is(String(r.stdout).trim(), '/tmp\n12');
  const f = await $tmp('sh', ['-c', 'pwd'], { cwd: '/' });
  assert.is(String(f.stdout).trim(), '/');
  const i = await $({ input: 'fed\n' })`cat`;
  assert.is(String(i.stdout).trim(), 'fed');
  assert.throws(() => ($ as unknown as (x: number) => unknown)(1), /first argument must be/);
});

Run('should give resources with $({ resources: true }) (bound, and to $.sync), and none without', async () => {
  const $r = $({ resources: true });
  const r = await $r`sh -c ${'exit 0'}`;
  assert.ok(r.resources && r.resources.maxRSS > 0, JSON.stringify(r.resources));
  const s = $r.sync`true`;
  assert.ok(s.resources && s.resources.maxRSS > 0, JSON.stringify(s.resources));
  assert.is((await $`true`).resources, undefined);
  assert.is($.sync`true`.resources, undefined);
});

Run('should pipe between $ results, and take a Result as an argument', async () => {
  const r = await $`seq 200`.pipe`grep 7`.pipe`wc -l`;
  assert.is(String(r.stdout).trim(), '38');
  assert.is(r.pipedFrom[0].command, 'grep 7');
  const name = await $`echo ${'a b'}`;
  const again = await $`printf [%s] ${name}`;
  assert.match(String(again.stdout), /^\[a b\n?\]$/);
  const last = spawn('cat');
  const s = await $`echo via`.pipe(last);
  assert.is(String(s.stdout).trim(), 'via');
});

Run("should find node_modules/.bin of cwd first (preferLocal by default, as execa's $)", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-template-'));
  try {
    mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
    writeFileSync(path.join(dir, 'node_modules/.bin/template-probe'), '#!/bin/sh\necho "local $1"\n');
    chmodSync(path.join(dir, 'node_modules/.bin/template-probe'), 0o755);
    const r = await $({ cwd: dir })`template-probe ${'x y'}`;
    assert.is(String(r.stdout).trim(), 'local x y');
    assert.is(String($({ cwd: dir }).sync`template-probe z`.stdout).trim(), 'local z');
    // a template piped from a $ result finds it too (execa's deep script option)
    const piped = await $({ cwd: dir })`echo w`.pipe({ cwd: dir })`sh -c ${'cat >/dev/null; template-probe'}`;
    assert.is(String(piped.stdout).trim(), 'local');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---

const Sync = suite('lib: $.sync');

Sync('should run a template synchronously, with arrays and bound options', () => {
  const r = $.sync`printf %s, ${['a b', 'c']}`;
  assert.is(r.stdout, 'a b,c,');
  assert.is(r.exitCode, 0);
  const w = $({ cwd: '/tmp' }).sync`pwd`;
  assert.is(w.stdout, '/tmp');
  assert.is($.s({ cwd: '/' })('pwd').stdout, '/');
  assert.throws(
    () => $.sync`sh -c ${'exit 3'}`,
    (e: Error & { exitCode?: number }) => e.exitCode === 3,
  );
});

Sync('should return only once its tree is gone: a setsid grandchild included', () => {
  const r = $.sync`sh -c ${`${ANNOUNCE}; setsid sleep 31.91 >/dev/null 2>&1 & announce $!`}`;
  const [pid] = announcedIn(String(r.stdout));
  assert.ok(pid > 0, `the grandchild's pid: ${r.stdout}`);
  const left = stillAlive(pid);
  killQuietly(pid);
  assert.is(left, false, `setsid sleep 31.91 (${pid}) outlived $.sync`);
});

Parse.run();
Run.run();
Sync.run();
