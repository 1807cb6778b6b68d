// `make check`'s formatters (Biome with biome.json, clang-format with .clang-format) reject
// a misformatted file and accept it once formatted: the configurations bite.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, SLACK } from './procs.ts';

const BIOME = path.join(ROOT, 'node_modules/.bin/biome');
const Check = suite('make check');
let dir: string;

Check.before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-check-'));
});
Check.after(() => rmSync(dir, { recursive: true, force: true }));

/** `biome ci` over `file` with the project's configuration -> its status and output. */
function biome(file: string) {
  const r = spawnSync(BIOME, ['ci', '--colors=off', '--vcs-enabled=false', `--config-path=${ROOT}/biome.json`, file], {
    encoding: 'utf8',
    timeout: 30_000 * SLACK,
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

Check('should reject misformatted TypeScript, and pass it once formatted', () => {
  const file = path.join(dir, 'bad.ts');
  writeFileSync(file, 'export const x = {a:1,\n b:2}\n');
  const bad = biome(file);
  assert.is.not(bad.status, 0);
  assert.match(bad.out, /File content differs from formatting output/);
  writeFileSync(file, 'export const x = { a: 1, b: 2 };\n');
  assert.is(biome(file).status, 0, biome(file).out);
});

Check('should reject a lint error (a useless escape that changed a help text)', () => {
  const file = path.join(dir, 'lint.ts');
  writeFileSync(file, "export const help = 'a terminal\\'s ^C, ^\\ and resize';\n");
  const r = biome(file);
  assert.is.not(r.status, 0);
  assert.match(r.out, /noUselessEscapeInString/);
});

const clang = spawnSync('clang-format', ['--version']).status === 0;
(clang ? Check : Check.skip)('should reject misformatted C++ (clang-format --dry-run --Werror)', () => {
  copyFileSync(path.join(ROOT, '.clang-format'), path.join(dir, '.clang-format'));
  const file = path.join(dir, 'bad.cc');
  writeFileSync(file, 'int  f( int x ){return x;}\n');
  const bad = spawnSync('clang-format', ['--dry-run', '--Werror', file], { encoding: 'utf8' });
  assert.is.not(bad.status, 0);
  assert.match(bad.stderr, /code should be clang-formatted/);
  writeFileSync(file, 'int f(int x) { return x; }\n');
  assert.is(spawnSync('clang-format', ['--dry-run', '--Werror', file]).status, 0);
});
if (!clang)
  process.stdout.write('test/check.test.ts: no clang-format (make check installs it as root): the C++ case skips\n');

Check.run();
