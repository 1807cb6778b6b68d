// The arm64 executable on an emulated arm64 kernel (make test-arm64; scripts/arm64-vm.sh):
// build/supervise-linux-arm64, cross-compiled from the same translated C, shim and host,
// boots in qemu-system-aarch64 with Debian's arm64 kernel and an initramfs of
// busybox-static, /init (test/arm64/init: launch mode in busybox sh) and a static arm64
// owner (test/arm64/owner.c: protocol mode). Each scenario prints `RESULT name PASS|FAIL`
// on the console; one this test expects and does not see is NOT RUN, and fails.
// Skips, saying why, when the tools cannot be had (not root: no apt-get of qemu, the
// kernel, the cross compiler).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './procs.ts';

/** Every scenario of test/arm64/init and owner.c, in the order they run. */
const SCENARIOS = [
  'runs',
  'exit-status',
  'grandchild-killed',
  'signal-forwarded',
  'exit-record',
  'control-kill',
  'eof-teardown',
];

type Outcome = { state: 'PASS' | 'FAIL' | 'NOT RUN'; detail: string };

let skip = '';
const outcomes = new Map<string, Outcome>();
let console_ = '';

const Arm64 = suite('arm64 (qemu-system-aarch64, a real arm64 kernel)');
Arm64.before(() => {
  const make = spawnSync('make', ['--no-print-directory', 'arm64'], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
  if (make.status !== 0) {
    skip = `make arm64 failed (the cross compiler: g++-aarch64-linux-gnu): ${make.stdout}${make.stderr}`.trim();
    return;
  }
  const prepare = spawnSync('sh', ['scripts/arm64-vm.sh', 'prepare'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (prepare.status === 3) {
    skip = prepare.stderr.trim();
    return;
  }
  assert.is(prepare.status, 0, prepare.stderr);
  const started = Date.now();
  const boot = spawnSync('sh', ['scripts/arm64-vm.sh', 'boot'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 330_000,
    env: { ...process.env, ARM64_VM_TIMEOUT: '300' },
  });
  console_ = boot.stdout + boot.stderr;
  writeFileSync(path.join(ROOT, 'build/arm64-vm/console.log'), console_);
  for (const m of console_.matchAll(/^RESULT (\S+) (PASS|FAIL) ?(.*?)\r?$/gm))
    outcomes.set(m[1], { state: m[2] as 'PASS' | 'FAIL', detail: m[3] });
  const kernel = /^ARM64 BEGIN (.*?)\r?$/m.exec(console_)?.[1] ?? 'did not start';
  console.log(
    `  arm64 VM: ${kernel}, ${((Date.now() - started) / 1000).toFixed(1)} s (console: build/arm64-vm/console.log)`,
  );
  for (const name of SCENARIOS) {
    const o = outcomes.get(name) ?? { state: 'NOT RUN', detail: '' };
    console.log(`  ${name.padEnd(18)} ${o.state.padEnd(8)} ${o.detail}`);
  }
});

for (const name of SCENARIOS) {
  Arm64(`should pass ${name} on arm64`, () => {
    if (skip) {
      console.log(`  (skipped: ${skip})`);
      return;
    }
    const o = outcomes.get(name);
    assert.ok(o, `${name}: NOT RUN (the console's tail: ${console_.slice(-800)})`);
    assert.is(o.state, 'PASS', `${name}: ${o.detail}`);
  });
}

Arm64('should see no scenario it does not know', () => {
  for (const name of outcomes.keys()) assert.ok(SCENARIOS.includes(name), `unexpected scenario ${name}`);
});

Arm64.run();
