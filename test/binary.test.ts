// pkg/binary.ts: where the supervise executable is found at run time (SUPERVISE_BINARY,
// the platform package, the one make built), the ELF machine check, and the package's own
// version wherever the cwd is.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BINARY_ENV, elfMachine, findBinary, packageRoot, packageVersion } from '../pkg/binary.ts';
import { ROOT, isElf } from './procs.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'supervise-binary-'));
const VERSION = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
const native = isElf(path.join(ROOT, 'bin/supervise'));

/** A file that starts as an ELF executable for `machine` would (64-bit, little-endian). */
function elfHead(name: string, machine: number): string {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2; // ELFCLASS64
  b[5] = 1; // ELFDATA2LSB
  b[6] = 1;
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(machine, 18);
  const file = path.join(tmp, name);
  writeFileSync(file, b, { mode: 0o755 });
  return file;
}

const Lookup = suite('the executable lookup');
Lookup.after(() => rmSync(tmp, { recursive: true, force: true }));

Lookup('should read the ELF machine, not only the magic', () => {
  assert.is(elfMachine(elfHead('x64', 62)), 62);
  assert.is(elfMachine(elfHead('arm64', 183)), 183);
  assert.is(elfMachine(path.join(ROOT, 'bin/supervise-node')), undefined, 'a script');
  assert.is(elfMachine(path.join(tmp, 'missing')), undefined);
  if (native) assert.is(elfMachine(path.join(ROOT, 'bin/supervise')), process.arch === 'arm64' ? 183 : 62);
});

Lookup('should take SUPERVISE_BINARY first, and refuse one for another machine', () => {
  const mine = elfHead('mine', process.arch === 'arm64' ? 183 : 62);
  assert.equal(findBinary({ [BINARY_ENV]: mine }), { file: mine, source: 'env' });
  const foreign = elfHead('foreign', process.arch === 'arm64' ? 62 : 183);
  assert.throws(
    () => findBinary({ [BINARY_ENV]: foreign }),
    (e: Error) => /SUPERVISE_BINARY .*foreign: an ELF executable for machine (62|183), not (62|183)/.test(e.message),
  );
  assert.throws(() => findBinary({ [BINARY_ENV]: path.join(tmp, 'missing') }), /missing/);
  assert.throws(() => findBinary({ [BINARY_ENV]: path.join(ROOT, 'bin/supervise-node') }), /not an ELF executable/);
});

Lookup('should find the executable make built, for this machine only', () => {
  if (!native) {
    console.log('  (bin/supervise is not the native host here: no wasm2c; its case is not run)');
    assert.throws(() => findBinary({}), /no supervise executable for linux-/);
    return;
  }
  assert.equal(findBinary({}, process.arch), { file: path.join(ROOT, 'bin/supervise'), source: 'built' });
});

Lookup('should name the platform and the exact fix when nothing fits', () => {
  const other = process.arch === 'arm64' ? 'x64' : 'arm64';
  let message = '';
  try {
    findBinary({}, other);
  } catch (err) {
    message = (err as Error).message;
  }
  assert.match(message, `no supervise executable for linux-${other}`);
  assert.match(message, `@supervise/linux-${other}: not installed`);
  assert.match(message, `npm install @supervise/linux-${other}@${VERSION}`);
  assert.match(message, 'SUPERVISE_BINARY');
  assert.match(message, `make -C ${ROOT} build`);
  assert.throws(() => findBinary({}, 'riscv64'), /no supervise executable exists for linux-riscv64/);
});

Lookup("should know the package's own root and version", () => {
  assert.is(packageRoot(), ROOT);
  assert.is(packageVersion(), VERSION);
});

Lookup("should print the package's own version, not the one nearest the cwd", () => {
  writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'other', version: '9.9.9' }));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/supervise-node'), '--version'], {
    cwd: tmp,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), VERSION);
});

Lookup.run();
