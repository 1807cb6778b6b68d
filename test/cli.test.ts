// The supervise executable in protocol mode, as a black box, with real process trees.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  ESCAPES,
  LAUNCH,
  ROOT,
  SUPERVISE,
  alive,
  burst,
  bystander,
  cleanupAll,
  isRoot,
  sleep,
  startTree,
  stillAlive,
  until,
  within,
  type Tree,
  SLACK,
} from './procs.ts';

const CLD_EXITED = 1,
  CLD_KILLED = 2;
const SIGKILL = 9,
  SIGWINCH = 28;

const ESCAPE_PIDS = 8;

async function escapeTree(): Promise<Tree> {
  const t = await startTree(ESCAPES);
  await until(() => t.announced.length >= ESCAPE_PIDS, 10_000, 'the escape set to start');
  return t;
}

async function assertAllDead(t: Tree, how: string): Promise<void> {
  await within(t.oracleClosed, 10_000, `every process of the tree to die (${how})`);
  // A dying process closes its files before it turns zombie: under load the oracle's EOF
  // can come first, so give the last ones a moment.
  const pids = [...t.announced, ...t.children];
  await until(() => !pids.some(stillAlive), 2000, 'the dying to turn zombie').catch(() => {});
  for (const pid of pids) assert.not.ok(stillAlive(pid), `pid ${pid} survived ${how}`);
}

// 500 children of one parent that exits: they are adopted, then all exit at once.
const EXIT_500 = burst(500);

// ---
const Records = suite('status records');
Records.after.each(cleanupAll);

Records('should report `exit 3` with every siginfo_t field as the kernel filled it', async () => {
  const t = await startTree(['sleep 0.4; exit 3']);
  const [r] = await t.waitRecords(1);
  assert.is(r.signo, 17);
  assert.is(r.errno, 0);
  assert.is(r.code, CLD_EXITED);
  assert.is(r.pid, t.children[0]);
  assert.is(r.uid, process.getuid!());
  assert.is(r.status, 3);
  assert.ok(r.utime >= 0n && r.stime >= 0n);
  assert.ok(r.padding, 'bytes outside the fields are zero');
  const { code } = await within(t.exited, 5000, 'supervise to exit with no child left');
  assert.is(code, 0);
  assert.is(t.stderr.replace(/pids:.*\n/, ''), '');
});

Records('should report a child that was already dead before supervise started', async () => {
  const t = await startTree(['exit 7']);
  const [r] = await t.waitRecords(1);
  assert.is(r.pid, t.children[0]);
  assert.is(r.status, 7);
  assert.is((await within(t.exited, 5000, 'exit')).code, 0);
});

Records('should report 500 children exiting at once, each exactly once', async () => {
  const t = await startTree([EXIT_500]);
  await until(() => t.announced.length === 500, 15_000, '500 children to start');
  const forked = new Map(t.announced.map((pid, i) => [pid, i % 200]));
  await until(() => t.records.length >= 501, 15_000, '501 records');
  await within(t.exited, 5000, 'supervise to exit');
  const seen = new Map<number, number>();
  for (const r of t.records) seen.set(r.pid, (seen.get(r.pid) ?? 0) + 1);
  for (const [pid, status] of forked) {
    assert.is(seen.get(pid), 1, `pid ${pid} reported once`);
    assert.is(t.records.find((r) => r.pid === pid)!.status, status);
  }
  assert.is(t.records.length, 501);
});

Records('should not lose a record while the reader stalls for a second (fds 0 and 1 one socket)', async () => {
  const t = await startTree([EXIT_500, 'sleep 73.3'], { shared: true, paused: true });
  await until(() => t.announced.length === 500, 15_000, '500 children to start');
  await sleep(1000); // all 500 have exited; nobody reads
  assert.ok(alive(t.pid), 'supervise is alive while its reader stalls');
  t.resume();
  await until(() => t.records.length >= 501, 15_000, '501 records after the stall');
  const pids = new Set(t.announced);
  assert.is(t.records.filter((r) => pids.has(r.pid)).length, 500);
  t.closeControl();
  await assertAllDead(t, 'control EOF after the stall');
  assert.is((await within(t.exited, 5000, 'exit')).code, 0);
});

// ---
const Control = suite('control records');
Control.after.each(cleanupAll);

Control('should kill a child through the control channel (CLD_KILLED, status 9)', async () => {
  const t = await startTree(['sleep 72.1']);
  t.send(t.children[0], SIGKILL);
  const [r] = await t.waitRecords(1);
  assert.is(r.pid, t.children[0]);
  assert.is(r.code, CLD_KILLED);
  assert.is(r.status, 9);
});

Control('should signal an adopted orphan', async () => {
  const t = await startTree(["sh -c 'sleep 72.2 & echo $! >&3'"]);
  await until(() => t.announced.length === 1, 5000, 'the orphan');
  await t.waitRecords(1); // the intermediate shells are gone: the sleep is adopted
  const orphan = t.announced[0];
  t.send(orphan, SIGKILL);
  await until(() => t.records.some((r) => r.pid === orphan), 5000, 'the orphan record');
  const r = t.records.find((x) => x.pid === orphan)!;
  assert.is(r.code, CLD_KILLED);
  assert.is(r.status, 9);
});

Control('should refuse a sibling, its parent, pid 1, pid 0, pid -1 and INT_MIN', async () => {
  let winches = 0;
  const onWinch = () => {
    winches++;
  };
  process.on('SIGWINCH', onWinch);
  const b = bystander();
  try {
    await b.ready;
    const t = await startTree(['sleep 72.3']);
    for (const pid of [b.pid, process.pid, 1, 0, -1, -2147483648]) t.send(pid, SIGWINCH);
    t.send(t.children[0], SIGKILL); // proves the records before it were read
    await t.waitRecords(1);
    await sleep(200);
    assert.equal(b.got(), [], 'the bystander got nothing');
    assert.is(winches, 0, 'the parent (this test) got nothing');
    assert.ok(alive(b.pid));
    assert.match(t.stderr, /pid 0 /);
    assert.match(t.stderr, /pid -1 /);
  } finally {
    process.off('SIGWINCH', onWinch);
    b.kill();
  }
});

Control('should parse records written one byte at a time on a stream socket', async () => {
  const t = await startTree(['sleep 72.4']);
  const rec = Buffer.alloc(8);
  rec.writeInt32LE(t.children[0], 0);
  rec.writeInt32LE(SIGKILL, 4);
  for (const byte of rec) {
    t.control.write(Buffer.from([byte]));
    await sleep(15);
  }
  const [r] = await t.waitRecords(1);
  assert.is(r.pid, t.children[0]);
  assert.is(r.status, 9);
});

Control('should survive garbage and a trailing partial record, signalling nothing', async () => {
  let winches = 0;
  const onWinch = () => {
    winches++;
  };
  process.on('SIGWINCH', onWinch);
  try {
    const t = await startTree(['sleep 72.5 & echo $! >&3; wait']);
    await until(() => t.announced.length === 1, 5000, 'the tree');
    t.control.write(Buffer.from('garbage! this is not a control stream at all....', 'latin1'));
    t.control.write(Buffer.alloc(64, 0xff));
    t.control.write(Buffer.from([1, 2, 3]));
    await sleep(300);
    assert.ok(alive(t.pid), 'supervise is alive');
    assert.ok(alive(t.announced[0]), 'the tree is untouched');
    t.closeControl();
    await assertAllDead(t, 'control EOF');
    assert.is((await within(t.exited, 5000, 'exit')).code, 0);
    assert.match(t.stderr, /ended inside a record \(3 of 8 bytes\)/);
    assert.is(winches, 0);
  } finally {
    process.off('SIGWINCH', onWinch);
  }
});

// ---
const Teardown = suite('tear-down');
Teardown.after.each(cleanupAll);

Teardown('should kill background, nested, nohup, setsid and double-forked members on control EOF', async () => {
  const t = await escapeTree();
  t.closeControl();
  await assertAllDead(t, 'control EOF');
  assert.is((await within(t.exited, 5000, 'exit')).code, 0);
});

for (const [sig, num] of [
  ['SIGTERM', 15],
  ['SIGINT', 2],
  ['SIGHUP', 1],
] as const) {
  Teardown(`should tear the tree down on ${sig} and exit ${128 + num}`, async () => {
    const t = await escapeTree();
    process.kill(t.pid, sig);
    await assertAllDead(t, sig);
    assert.is((await within(t.exited, 5000, 'exit')).code, 128 + num);
  });
}

Teardown('should finish tear-down when the status reader is gone early', async () => {
  const t = await escapeTree();
  (t.proc.stdout as Readable).destroy();
  await sleep(100);
  t.closeControl();
  await assertAllDead(t, 'control EOF without a reader');
});

Teardown('should tear down a nested supervise whole', async () => {
  const inner = `sleep 74.2 | python3 ${LAUNCH} --pass-fd 3 ${SUPERVISE} 'sleep 74.3 & echo $! >&3; wait' >/dev/null`;
  const t = await startTree([inner]);
  await until(() => t.announced.length === 1, 10_000, 'the inner tree');
  await sleep(300);
  t.closeControl();
  await assertAllDead(t, 'control EOF of the outer supervise');
});

// ---
const Env = suite('environment');
Env.after.each(cleanupAll);

for (const mode of ['ignore', 'block'] as const) {
  Env(
    `should report children when the parent's SIGCHLD was ${mode === 'ignore' ? 'SIG_IGN' : 'blocked'} at exec`,
    async () => {
      const t = await startTree(['sleep 1.37; exit 5'], { sigchld: mode });
      const [r] = await t.waitRecords(1);
      assert.is(r.status, 5);
      assert.is((await within(t.exited, 5000, 'exit')).code, 0);
    },
  );
}

Env('should open every fd of its own close-on-exec', async () => {
  const t = await startTree(['sleep 73.1']);
  await sleep(700); // past start-up
  const flags = readdirSync(`/proc/${t.pid}/fdinfo`)
    .map(Number)
    .filter((fd) => fd > 2)
    .map((fd) => {
      const info = readFileSync(`/proc/${t.pid}/fdinfo/${fd}`, 'utf8');
      return {
        fd,
        target: readlinkSync(`/proc/${t.pid}/fd/${fd}`),
        cloexec: (parseInt(/flags:\s+(\d+)/.exec(info)![1], 8) & 0o2000000) !== 0,
      };
    });
  for (const f of flags) assert.ok(f.cloexec, `fd ${f.fd} (${f.target}) is not close-on-exec`);
});

Env('should start with an empty environment and from any directory', async () => {
  const r = spawnSync('env', ['-i', SUPERVISE], { cwd: '/', input: '', timeout: 10_000 * SLACK });
  assert.is(r.status, 0, String(r.stderr));
  assert.is(r.stdout.length, 0);
});

Env("should run docs/protocol.md's Python example as documented", () => {
  const readme = readFileSync(`${ROOT}/docs/protocol.md`, 'utf8');
  const code = /```python\n([\s\S]*?)```/.exec(readme)![1];
  const r = spawnSync('python3', ['-c', code], { cwd: ROOT, timeout: 20_000 * SLACK, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^pid \d+: code 1 status 0\npid \d+: code 1 status 3\ntorn down: \d+\n$/);
});

Env('should print usage for --help and refuse unknown arguments', () => {
  const help = spawnSync(SUPERVISE, ['--help'], { timeout: 10_000 * SLACK, encoding: 'utf8' });
  assert.is(help.status, 0);
  assert.match(help.stdout, /Usage: supervise/);
  const bad = spawnSync(SUPERVISE, ['--no-such-option'], { timeout: 10_000 * SLACK, encoding: 'utf8' });
  assert.is(bad.status, 125);
  assert.match(bad.stderr, /^supervise: unrecognized option '--no-such-option'\n/);
});

Env("should keep launch mode's options to launch mode: decode and view neither list nor take them", () => {
  const top = spawnSync(SUPERVISE, ['--help'], { timeout: 10_000 * SLACK, encoding: 'utf8' });
  assert.match(top.stdout, /--events/);
  for (const cmd of ['decode', 'view']) {
    const help = spawnSync(SUPERVISE, [cmd, '--help'], { timeout: 10_000 * SLACK, encoding: 'utf8' });
    assert.is(help.status, 0);
    assert.match(help.stdout, new RegExp(`supervise ${cmd}`));
    assert.not.match(help.stdout, /--events|--grace|--status-fd/, `${cmd} --help`);
  }
  const bad = spawnSync(SUPERVISE, ['decode', '--grace', '1s', '/dev/null'], {
    timeout: 10_000 * SLACK,
    encoding: 'utf8',
  });
  assert.is(bad.status, 125);
  assert.match(bad.stderr, /^supervise: unrecognized option '--grace'\n/);
});

const RootOnly = isRoot
  ? Env
  : (name: string, _fn: unknown) => {
      console.log(`skipped (needs root): ${name}`);
      Env.skip(name);
    };

RootOnly('should not let a recycled pid be signalled (root: ns_last_pid)', async () => {
  // Taking a freed pid can miss when something else on the machine takes it first: then
  // the scenario is set up again (a new tree, a new freed pid), at most ten times (three
  // were lost in a row with two other test runs forking beside this one).
  for (let attempt = 1; ; attempt++) {
    const t = await startTree(['sleep 75.1', 'exit 0']);
    const reaped = t.children[1];
    await until(() => t.records.some((r) => r.pid === reaped), 5000, 'the short child to be reaped');
    const b = bystander('python3', reaped);
    try {
      await b.ready;
      if (b.pid !== reaped && attempt < 10) continue;
      assert.is(b.pid, reaped, 'a bystander took the reaped pid');
      t.send(reaped, SIGWINCH);
      t.send(reaped, SIGKILL);
      t.send(t.children[0], SIGKILL);
      await until(() => t.records.length >= 2, 5000, 'the control records to be handled');
      await sleep(100);
      assert.equal(b.got(), []);
      assert.ok(alive(b.pid), 'the process that took the pid is alive');
      return;
    } finally {
      b.kill();
      await t.cleanup();
    }
  }
});

Records.run();
Control.run();
Teardown.run();
Env.run();
