#!/usr/bin/env node
// Runs every uvu test file in its own Node process (through tsx), each bounded in time,
// and prints the sum over all of them as the last line: `N passed, M failed`. The black-box
// suites (the executable and the library) run once per host: native (bin/supervise, when
// it is built) and Node (bin/supervise-node), chosen by SUPERVISE_HOST in their env.
// Usage: node scripts/run-tests.mjs [FILE_OR_SUBSTRING ...]   (TEST_TIMEOUT=seconds per file)
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// A bound for a hung file, not a speed goal: the conformance matrix alone took 500 s per host
// at load 200 on 2 cores, so the bound leaves room for a machine busier still.
const timeoutSec = Number(process.env.TEST_TIMEOUT || 1800);
const filters = process.argv.slice(2);
const files = readdirSync(path.join(root, 'test'))
  .filter((f) => f.endsWith('.test.ts'))
  .sort()
  .map((f) => path.join('test', f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));

const BLACK_BOX = [
  'cli',
  'cli-errors',
  'conformance',
  'launch',
  'dropin',
  'reliability',
  'lib',
  'decode',
  'trace',
  'report',
  'lib-pipe',
  'lib-template',
  'lib-api',
  'cgroup',
].map((n) => path.join('test', `${n}.test.ts`));

/** Whether bin/supervise is the native host (an ELF executable, not the link to supervise-node). */
function nativeBuilt() {
  try {
    const fd = openSync(path.join(root, 'bin/supervise'), 'r');
    const head = Buffer.alloc(4);
    const n = readSync(fd, head, 0, 4, 0);
    closeSync(fd);
    return n === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } catch {
    return false;
  }
}
const hosts = nativeBuilt() ? ['native', 'node'] : ['node'];
if (hosts.length === 1) {
  process.stdout.write(
    'native host not built (bin/supervise is not an ELF executable; see `make build`): the black-box suites run on the Node host only\n',
  );
}
const runs = files.flatMap((file) => (BLACK_BOX.includes(file) ? hosts.map((host) => ({ file, host })) : [{ file }]));

function runFile({ file, host }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...(host ? { SUPERVISE_HOST: host } : {}) },
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    const timer = setTimeout(() => {
      process.stdout.write(`\n${label({ file, host })}: timed out after ${timeoutSec}s, killing it\n`);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, timeoutSec * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const num = (label) => Number((out.match(new RegExp(`${label}:\\s+(\\d+)`)) || [])[1] ?? NaN);
      const total = num('Total'),
        passed = num('Passed'),
        skipped = num('Skipped');
      if (Number.isNaN(total) || Number.isNaN(passed)) {
        // The file crashed before uvu printed its summary: that is one failure at least.
        resolve({ file, host, passed: Number.isNaN(passed) ? 0 : passed, failed: 1, skipped: 0, code, signal });
        return;
      }
      let failed = total - passed;
      if (failed === 0 && code !== 0) failed = 1; // exited non-zero for a reason uvu did not count
      resolve({ file, host, passed, failed, skipped, code, signal });
    });
  });
}

let passed = 0,
  failed = 0,
  skipped = 0;
const rows = [];
const label = ({ file, host }) => (host ? `${file} [${host}]` : file);
for (const run of runs) {
  process.stdout.write(`\n### ${label(run)}\n`);
  const r = await runFile(run);
  rows.push(r);
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
}
process.stdout.write('\nsuite                                       passed  failed  skipped\n');
for (const r of rows) {
  process.stdout.write(
    `${label(r).padEnd(43)} ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.skipped).padStart(7)}\n`,
  );
}
if (files.length === 0) {
  failed = 1;
  process.stdout.write('no test files matched\n');
}
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed ? 1 : 0);
