// The Node host (cli/host.ts, cli/wasm.ts) where only it can fail: an exception out of an
// addon call (a fault injected at the import boundary by test/fixtures/node-fault.ts) must
// end in the last resort, SIGKILL for every child and every orphan adopted, exit 70, no
// survivor; an abort in the core must say what and where.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ROOT, killQuietly, newlyAnnounced, stillAlive, until, within } from './procs.ts';
import { loadCore, type LinuxImports } from '../cli/wasm.ts';

const FAULT = path.join(ROOT, 'test/fixtures/node-fault.ts');
/** CMD (pid 1 of 4), a child, an orphan (its parent has exited) and one in its own session. */
const TREE =
  "echo $$ >&3; sleep 9.41 & echo $! >&3; sh -c 'sleep 9.42 & echo $! >&3'; setsid sleep 9.43 & echo $! >&3; wait";

interface Run {
  pid: number;
  announced: number[];
  stderr(): string;
  exited: Promise<number | null>;
  /** EOF on the oracle (fd 3 of every tree process): all of them are dead. */
  oracleClosed: Promise<void>;
  kill(): void;
}

function start(fault: string): Run {
  const p = spawn(process.execPath, ['--import', 'tsx', FAULT, '--', 'sh', '-c', TREE], {
    cwd: ROOT,
    env: { ...process.env, SUPERVISE_FAULT: fault },
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const announced: number[] = [];
  let text = '';
  let stderr = '';
  p.stderr!.on('data', (d) => (stderr += d));
  const oracle = p.stdio[3] as Readable;
  oracle.on('data', (d) => {
    text += d;
    announced.push(...newlyAnnounced(text.slice(0, text.lastIndexOf('\n') + 1), announced));
  });
  return {
    pid: p.pid!,
    announced,
    stderr: () => stderr,
    exited: new Promise((resolve) => p.on('exit', (code) => resolve(code))),
    oracleClosed: new Promise((resolve) => oracle.on('close', () => resolve())),
    kill: () => {
      p.kill('SIGKILL');
      // Once the oracle has closed every announced pid may be another process's.
      if (!oracle.closed) for (const pid of announced) killQuietly(pid);
    },
  };
}

/** The parent pid of `pid` (field 4 of /proc/PID/stat), 0 once it is gone. */
function ppidOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

// ---
const Fault = suite('a fault at the import boundary (Node host)');

Fault('should kill the whole tree and exit 70 when a forwarding kill throws', async () => {
  const run = start('kill:1');
  try {
    await until(() => run.announced.length === 4, 10_000, 'the tree');
    // The orphan's parent has exited and supervise adopted it (not a guessed 0.3 s).
    await until(() => ppidOf(run.announced[2]) === run.pid, 10_000, 'supervise to adopt the orphan');
    process.kill(run.pid, 'SIGWINCH'); // forwarded to CMD: the first kill() throws
    assert.is(await within(run.exited, 10_000, 'supervise to exit'), 70);
    await within(run.oracleClosed, 5_000, 'every tree process to die');
    assert.equal(run.announced.filter(stillAlive), []);
    assert.is(run.stderr(), 'supervise: internal error: injected fault in kill (call 1)\n');
  } finally {
    run.kill();
  }
});

Fault('should exit 70 with nothing left when spawning CMD throws', async () => {
  const run = start('spawn:1');
  try {
    assert.is(await within(run.exited, 10_000, 'supervise to exit'), 70);
    await within(run.oracleClosed, 5_000, 'the oracle to close');
    assert.equal(run.announced, []);
    assert.is(run.stderr(), 'supervise: internal error: injected fault in spawn (call 1)\n');
  } finally {
    run.kill();
  }
});

for (const [kind, sig] of [
  ['segv', 11],
  ['abort', 6],
] as const) {
  Fault(`should kill the whole tree and exit 70 on a fatal signal of its own (${kind})`, async () => {
    const run = start(`kill:1:${kind}`);
    try {
      await until(() => run.announced.length === 4, 10_000, 'the tree');
      process.kill(run.pid, 'SIGWINCH'); // forwarded to CMD: the first kill() faults
      assert.is(await within(run.exited, 10_000, 'supervise to exit'), 70);
      await within(run.oracleClosed, 5_000, 'every tree process to die');
      assert.equal(run.announced.filter(stillAlive), []);
      assert.match(
        run.stderr(),
        // (process.abort() prints Node's own stack traces first)
        new RegExp(`^supervise: internal error: fatal signal ${sig} \\(si_code -?\\d+\\): killing the tree$`, 'm'),
      );
    } finally {
      run.kill();
    }
  });
}

Fault.run();

// ---
const Abort = suite('core.wasm aborts (Node host)');

Abort("should throw the abort's message and place, read from the core's memory", () => {
  // Every import fails, and argument 0 claims 1 GiB: the core's allocator aborts.
  const linux = new Proxy(
    {},
    { get: (_, name) => (name === 'argLen' ? (i: number) => (i === 0 ? 2 ** 30 : -1) : () => -1) },
  );
  const core = loadCore(() => linux as LinuxImports);
  assert.throws(
    () => core.main(),
    (err: Error) => /^core\.wasm aborted: Allocation too large at ~lib\/rt\/stub\.ts:\d+:\d+$/.test(err.message),
  );
});

Abort.run();
