// core.wasm's decisions (init, control, pump, ...) against a fake kernel (test/fake-kernel.ts),
// called one by one as main() would: scripted cases, then random histories. Its messages
// are the exact lines it writes to fd 2 (assembly/say.ts); test/loop.test.ts runs main().
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  FLAG_EXIT,
  FLAG_WANT_WRITABLE,
  FLAG_TEARDOWN,
  FLAG_MAIN_EXITED,
  ERR_LENGTH,
  CLD_EXITED,
  CLD_KILLED,
  LAUNCH_START_GRACE,
  SUP_SPAWNED,
  SUP_SPAWN_FAILED,
} from '../assembly/protocol.ts';
import { REFUSALS_SHOWN } from '../assembly/report.ts';
import { ERRNO_NAMED, errnoName } from '../codec/names.ts';
import { encodeControlRef, decodeStatusRef, statusPaddingIsZero, concatBytes, statusKindRef } from './helpers.ts';
import {
  FakeKernel,
  SENDER,
  coreModule,
  EAGAIN,
  EPIPE,
  ENOENT,
  World,
  worldActions,
  plain,
  type WorldAction,
  type CoreWasm,
} from './fake-kernel.ts';

const TICKS = 100;
const INT_MIN = -0x80000000;
const INT_MAX = 0x7fffffff;

interface Harness {
  k: FakeKernel;
  core: CoreWasm;
  /** Sends control bytes through controlBuffer(): the records handled. */
  send(bytes: Uint8Array): number;
  /** Sends whole control records in one chunk. */
  request(...records: Array<[number, number]>): number;
  pump(): number;
}

function setup(opts: { main?: (k: FakeKernel) => number; pidMax?: number; firstPid?: number } = {}): Harness {
  const k = new FakeKernel({ self: 100, parent: 50, firstPid: opts.firstPid ?? 200 });
  const core = k.instantiate();
  const main = opts.main ? opts.main(k) : 0;
  core.init(k.self, main, TICKS, opts.pidMax ?? 32768);
  const send = (bytes: Uint8Array) => {
    new Uint8Array(core.memory.buffer, core.controlBuffer(), bytes.length).set(bytes);
    k.phase = 'control';
    try {
      return core.control(bytes.length);
    } finally {
      k.phase = '';
    }
  };
  return {
    k,
    core,
    send,
    request: (...records) => send(concatBytes(records.map(([pid, sig]) => encodeControlRef(pid, sig)))),
    pump: () => {
      k.phase = 'pump';
      k.callsLeft = 100000; // far more than any history here needs
      try {
        return core.pump();
      } finally {
        k.phase = '';
      }
    },
  };
}

/** Clock ticks of `us` microseconds, truncated like the kernel's SIGCHLD. */
const ticksOf = (us: number) => BigInt(Math.floor(us / 1e6) * TICKS + Math.floor(((us % 1e6) * TICKS) / 1e6));

/** [pid, code, status] of every record written. */
const summary = (k: FakeKernel) =>
  k.records().map((r) => {
    const f = decodeStatusRef(r);
    return [f.pid, f.code, f.status];
  });

const killsOf = (k: FakeKernel) => k.kills.map((c) => [c.pid, c.sig]);

// ---

const exports = suite('the core module');

exports("should export main, the front end's duration parser and the decisions the fake kernel drives", () => {
  const names = WebAssembly.Module.exports(coreModule())
    .map((e) => e.name)
    .sort();
  assert.equal(names, [
    'argBuffer',
    'control',
    'controlBuffer',
    'controlCapacity',
    'controlEof',
    'duration',
    'exitCode',
    'graceExpired',
    'init',
    'launch',
    'launchSignal',
    'main',
    'mainCode',
    'mainStatus',
    'memory',
    'pump',
    'signal',
    'spawnFailed',
    'spawned',
    'timeout',
  ]);
});

exports('should import only the system calls of assembly/linux.ts and env.abort', () => {
  const names = WebAssembly.Module.imports(coreModule())
    .map((i) => `${i.module}.${i.name}`)
    .sort();
  assert.equal(names, ['env.abort', ...Object.keys(new FakeKernel().linux).map((n) => `linux.${n}`)].sort());
});

exports('should offer a 64 KiB control buffer and refuse lengths outside it', () => {
  const { core } = setup();
  assert.is(core.controlCapacity(), 65536);
  assert.is(core.control(-1), ERR_LENGTH);
  assert.is(core.control(65537), ERR_LENGTH);
  assert.is(core.control(0), 0);
});

// ---

const reaping = suite('reaping and status records');

reaping('should write one exact record for a child that exits 3', () => {
  const h = setup();
  const pid = h.k.spawn();
  const proc = h.k.procs.get(pid)!;
  h.k.exit(pid, 3);
  const flags = h.pump();
  assert.is(flags, FLAG_EXIT);
  const records = h.k.records();
  assert.is(records.length, 1);
  assert.is(h.k.written.length, 128);
  assert.equal(decodeStatusRef(records[0]), {
    signo: 17,
    errno: 0,
    code: CLD_EXITED,
    pid,
    uid: 1000,
    status: 3,
    utime: ticksOf(proc.utimeUs),
    stime: ticksOf(proc.stimeUs),
  });
  assert.ok(statusPaddingIsZero(records[0]));
  assert.is(statusKindRef(records[0]), 1);
  assert.equal(h.k.violations, []);
});

reaping('should reap children that died before the first pump', () => {
  const h = setup();
  const a = h.k.spawn();
  const b = h.k.spawn();
  h.k.exit(b, 0);
  h.k.crash(a, 11);
  assert.is(h.pump(), FLAG_EXIT);
  assert.equal(summary(h.k), [
    [b, CLD_EXITED, 0],
    [a, CLD_KILLED, 11],
  ]);
});

reaping('should not exit while a child is alive', () => {
  const h = setup();
  const a = h.k.spawn();
  assert.is(h.pump(), 0);
  assert.is(h.pump(), 0);
  h.k.exit(a, 0);
  assert.is(h.pump(), FLAG_EXIT);
});

reaping('should report adopted orphans like children', () => {
  const h = setup();
  const a = h.k.spawn();
  const g = h.k.spawn(a);
  h.k.exit(a, 1);
  assert.is(h.pump(), 0); // g is ours now, alive
  assert.ok(h.k.isChild(g));
  h.k.exit(g, 2);
  assert.is(h.pump(), FLAG_EXIT);
  assert.equal(summary(h.k), [
    [a, 1, 1],
    [g, 1, 2],
  ]);
});

reaping('should leave zombies unreaped while the reader is stalled, then deliver them in order', () => {
  const h = setup();
  const pids = [h.k.spawn(), h.k.spawn(), h.k.spawn()];
  h.k.reader = 'blocked';
  h.k.exit(pids[1], 1);
  h.k.exit(pids[0], 0);
  h.k.crash(pids[2], 15);
  assert.is(h.pump(), FLAG_WANT_WRITABLE);
  assert.is(h.pump(), FLAG_WANT_WRITABLE);
  assert.equal(h.k.reaped, []);
  assert.equal(h.k.zombies().sort(), [...pids].sort());
  assert.equal(h.k.written, []);
  h.k.reader = 'ready';
  assert.is(h.pump(), FLAG_EXIT);
  assert.equal(summary(h.k), [
    [pids[1], 1, 1],
    [pids[0], 1, 0],
    [pids[2], 2, 15],
  ]);
  assert.equal(h.k.violations, []);
});

reaping('should finish records cut short by the status fd', () => {
  const h = setup();
  const pids = [h.k.spawn(), h.k.spawn()];
  h.k.maxWrite = 50;
  for (const p of pids) h.k.exit(p, 4);
  assert.is(h.pump(), FLAG_EXIT);
  assert.is(h.k.written.length, 256);
  assert.equal(summary(h.k), [
    [pids[0], 1, 4],
    [pids[1], 1, 4],
  ]);
});

reaping('should keep a record that met EAGAIN and write it once writable', () => {
  const h = setup();
  const pids = [h.k.spawn(), h.k.spawn()];
  for (const p of pids) h.k.exit(p, 5);
  h.k.writeResults = [-EAGAIN];
  assert.is(h.pump(), FLAG_WANT_WRITABLE);
  assert.is(h.k.reaped.length, 1); // the second waits in the kernel
  assert.is(h.k.written.length, 0);
  assert.is(h.pump(), FLAG_EXIT);
  assert.equal(summary(h.k), [
    [pids[0], 1, 5],
    [pids[1], 1, 5],
  ]);
});

reaping('should keep the rest of a half-written record across a stall', () => {
  const h = setup();
  const a = h.k.spawn();
  h.k.exit(a, 6);
  h.k.writeResults = [100, -EAGAIN];
  assert.is(h.pump(), FLAG_WANT_WRITABLE);
  assert.is(h.k.written.length, 100);
  h.k.reader = 'blocked';
  assert.is(h.pump(), FLAG_WANT_WRITABLE);
  h.k.reader = 'ready';
  assert.is(h.pump(), FLAG_EXIT);
  assert.equal(summary(h.k), [[a, 1, 6]]);
  assert.equal(h.k.violations, []);
});

reaping('should drop a pending record when the reader goes away, and reap on', () => {
  const h = setup();
  const pids = [h.k.spawn(), h.k.spawn()];
  for (const p of pids) h.k.exit(p, 0);
  h.k.writeResults = [60, -EAGAIN];
  assert.is(h.pump(), FLAG_WANT_WRITABLE);
  h.k.reader = 'gone';
  assert.is(h.pump(), FLAG_EXIT);
  assert.equal(
    h.k.reaped.map((r) => r.pid),
    pids,
  );
  assert.is(h.k.written.length, 60);
  assert.equal(h.k.stderr, []); // the owner closing its end is the usual way to end: no word
  assert.equal(h.k.violations, []);
});

reaping('should keep reaping without writing once the reader is gone', () => {
  const h = setup();
  const pids = [h.k.spawn(), h.k.spawn(), h.k.spawn()];
  h.k.exit(pids[0], 0);
  assert.is(h.pump(), 0);
  h.k.reader = 'gone';
  h.k.exit(pids[1], 0);
  assert.is(h.pump(), 0);
  h.k.exit(pids[2], 0);
  assert.is(h.pump(), FLAG_EXIT);
  assert.equal(
    h.k.reaped.map((r) => r.pid),
    pids,
  );
  assert.equal(summary(h.k), [[pids[0], 1, 0]]);
  assert.equal(h.k.stderr, []); // the owner closing its end is the usual way to end: no word
});

reaping('should take EPIPE from a write as the reader gone and drop that record', () => {
  const h = setup();
  const pids = [h.k.spawn(), h.k.spawn()];
  for (const p of pids) h.k.exit(p, 0);
  h.k.writeResults = [-EPIPE];
  assert.is(h.pump(), FLAG_EXIT);
  assert.is(h.k.reaped.length, 2);
  assert.equal(h.k.written, []);
  assert.equal(h.k.stderr, []); // the owner closing its end is the usual way to end: no word
  assert.is(h.k.waitCalls, 3);
});

// ---

const control = suite('control records');

control('should carry out a signal to a child (killed by 9)', () => {
  const h = setup();
  const a = h.k.spawn();
  const b = h.k.spawn();
  assert.is(h.request([a, 9]), 1);
  assert.equal(killsOf(h.k), [[a, 9]]);
  assert.is(h.pump(), 0);
  assert.equal(summary(h.k), [[a, CLD_KILLED, 9]]);
  assert.ok(h.k.procs.get(b)!.state === 'alive');
});

control('should make no kill call for pid 0, -1, INT_MIN, a sibling, itself or pid 1', () => {
  const h = setup();
  h.k.spawn();
  const sibling = h.k.add(60, h.k.parent).pid;
  const records: Array<[number, number]> = [
    [0, 9],
    [-1, 9],
    [INT_MIN, 9],
    [sibling, 9],
    [h.k.self, 9],
    [1, 9],
    [h.k.parent, 9],
    [99999, 9],
  ];
  assert.is(h.request(...records), records.length);
  assert.equal(h.k.kills, []);
  assert.equal(h.k.stderr, [
    'supervise: refused a control record for pid 0 (signal 9): pids <= 0 are never signalled',
    'supervise: refused a control record for pid -1 (signal 9): pids <= 0 are never signalled',
    'supervise: refused a control record for pid -2147483648 (signal 9): pids <= 0 are never signalled',
  ]);
});

control('should refuse signals outside 0..64 and pass 0 and 64', () => {
  const h = setup();
  const a = h.k.spawn();
  h.request([a, 65], [a, -1], [a, INT_MAX], [a, INT_MIN], [a, 0], [a, 64]);
  assert.equal(killsOf(h.k), [
    [a, 0],
    [a, 64],
  ]);
  assert.equal(
    h.k.stderr,
    [65, -1, INT_MAX, INT_MIN].map(
      (sig) => `supervise: refused a control record for pid ${a}: ${sig} is not a signal number`,
    ),
  );
});

control('should report the first malformed records one by one, then only a count (no stderr flood)', () => {
  const h = setup();
  h.k.spawn();
  const records: Array<[number, number]> = Array.from({ length: 100 }, () => [0, 9]);
  h.request(...records);
  assert.equal(h.k.kills, []);
  const count = (n: number) =>
    `supervise: refused ${n} malformed control records so far (only the first ${REFUSALS_SHOWN} are shown one by one)`;
  assert.equal(h.k.stderr, [
    ...Array.from(
      { length: REFUSALS_SHOWN },
      () => 'supervise: refused a control record for pid 0 (signal 9): pids <= 0 are never signalled',
    ),
    count(16),
    count(32),
    count(64),
  ]);
  h.core.controlEof();
  assert.equal(h.k.stderr.at(-1), count(100));
});

control('should not signal a grandchild until it is adopted', () => {
  const h = setup();
  const a = h.k.spawn();
  const g = h.k.spawn(a);
  h.request([g, 15]);
  assert.equal(h.k.kills, []);
  h.k.exit(a, 0);
  h.request([g, 15]);
  assert.equal(killsOf(h.k), [[g, 15]]);
});

control('should refuse a reaped child, and signal a zombie that is still unreaped', () => {
  const h = setup();
  const a = h.k.spawn();
  const b = h.k.spawn();
  h.k.exit(a, 0);
  h.request([a, 15]); // zombie: still ours, kill is harmless
  assert.equal(killsOf(h.k), [[a, 15]]);
  h.pump();
  h.request([a, 15]);
  assert.equal(killsOf(h.k), [[a, 15]]);
  assert.ok(h.k.procs.get(b));
});

control('should reassemble a record split across calls', () => {
  const h = setup();
  const a = h.k.spawn();
  const bytes = concatBytes([encodeControlRef(a, 15), encodeControlRef(a, 0)]);
  assert.is(h.send(bytes.subarray(0, 3)), 0);
  assert.equal(h.k.kills, []);
  assert.is(h.send(bytes.subarray(3, 11)), 1);
  assert.equal(killsOf(h.k), [[a, 15]]);
  assert.is(h.send(bytes.subarray(11)), 1);
  assert.equal(killsOf(h.k), [
    [a, 15],
    [a, 0],
  ]);
});

control('should reassemble records fed one byte at a time', () => {
  const h = setup();
  const kids = [h.k.spawn(), h.k.spawn(), h.k.spawn()];
  const bytes = concatBytes(kids.map((p) => encodeControlRef(p, 10)));
  let handled = 0;
  for (const b of bytes) handled += h.send(Uint8Array.of(b));
  assert.is(handled, 3);
  assert.equal(
    killsOf(h.k),
    kids.map((p) => [p, 10]),
  );
});

control('should report a failing kill and go on', () => {
  const h = setup();
  const a = h.k.spawn();
  const b = h.k.spawn();
  h.k.refuse.add(a);
  h.request([a, 15], [b, 15]);
  assert.equal(killsOf(h.k), [
    [a, 15],
    [b, 15],
  ]);
  assert.equal(h.k.stderr, [`supervise: could not signal pid ${a}: EPERM; going on`]);
});

// ---

const teardown = suite('tear-down');

/** self -> c1 -> g1 -> gg1, c1 -> g2 (setsid), c2 -> g3, c2 -> d -> e with d exited
 *  (e double-forked: adopted already; d a zombie of c2's), plus a sibling of the supervisor. */
function tree(h: Harness) {
  const k = h.k;
  const c1 = k.spawn(),
    c2 = k.spawn();
  const g1 = k.spawn(c1),
    g2 = k.spawn(c1),
    g3 = k.spawn(c2),
    d = k.spawn(c2);
  const gg1 = k.spawn(g1),
    e = k.spawn(d);
  k.exit(d, 0);
  const sibling = k.add(60, k.parent).pid;
  return { c1, c2, g1, g2, g3, d, gg1, e, sibling };
}

teardown('should kill a tree of several generations, generation by generation, on control EOF', () => {
  const h = setup();
  const t = tree(h);
  assert.is(h.pump(), 0);
  assert.equal(summary(h.k), []); // d is c2's zombie, not ours
  assert.ok(h.k.isChild(t.e));
  h.send(encodeControlRef(t.c1, 9).subarray(0, 3));
  h.core.controlEof();
  assert.equal(h.k.stderr, ['supervise: the control stream ended inside a record (3 of 8 bytes); ignored']);
  assert.equal(h.k.kills, []);
  assert.is(h.pump(), FLAG_EXIT | FLAG_TEARDOWN);
  const gen1 = [t.c1, t.c2, t.e].sort((a, b) => a - b);
  const gen2 = [t.g1, t.g2, t.g3].sort((a, b) => a - b);
  assert.equal(
    killsOf(h.k),
    [...gen1, ...gen2, t.gg1].map((p) => [p, 9]),
  );
  // A whole generation is killed before the first of it is reaped.
  assert.equal(
    h.k.log.slice(0, 3),
    gen1.map((p) => `kill ${p} 9`),
  );
  assert.ok(h.k.kills.every((c) => c.wasChild));
  assert.equal(h.k.livingDescendants(), []);
  assert.equal(h.k.childPids(), []);
  assert.ok(h.k.procs.get(t.sibling)!.state === 'alive');
  assert.equal(
    summary(h.k)
      .map((r) => r[0])
      .sort(),
    [t.d, ...gen1, ...gen2, t.gg1].sort(),
  );
  assert.is(h.core.exitCode(), 0);
});

teardown('should kill the tree while the reader is stalled, and not kill zombies twice', () => {
  const h = setup();
  const t = tree(h);
  h.k.reader = 'blocked';
  h.core.controlEof();
  assert.is(h.pump(), FLAG_WANT_WRITABLE | FLAG_TEARDOWN);
  assert.equal(h.k.livingDescendants(), []);
  const killed = h.k.kills.length;
  assert.is(killed, 8); // 7 living processes and d, adopted as a zombie when c2 died
  assert.ok(h.k.kills.every((c) => c.wasChild && c.sig === 9));
  assert.is(h.pump(), FLAG_WANT_WRITABLE | FLAG_TEARDOWN);
  assert.is(h.k.kills.length, killed);
  assert.equal(h.k.reaped, []);
  h.k.reader = 'ready';
  assert.is(h.pump(), FLAG_EXIT | FLAG_TEARDOWN);
  assert.is(h.k.records().length, 8);
  assert.ok(h.k.procs.get(t.sibling));
  assert.equal(h.k.violations, []);
});

teardown('should kill a recycled pid adopted during tear-down', () => {
  const h = setup();
  const a = h.k.spawn();
  const b = h.k.spawn();
  h.k.refuse.add(b); // keeps the tree from ending
  h.core.controlEof();
  assert.is(h.pump(), FLAG_TEARDOWN);
  assert.ok(!h.k.procs.has(a));
  h.k.spawnAs(a, b); // a's pid comes back in the tree, then is orphaned to us
  h.k.refuse.delete(b);
  h.k.exit(b, 0);
  assert.is(h.pump(), FLAG_EXIT | FLAG_TEARDOWN);
  assert.equal(killsOf(h.k), [
    [a, 9],
    [b, 9],
    [a, 9],
  ]);
  assert.is(new Set(h.k.kills.map((c) => c.serial)).size, 3);
});

// The reference's fatal set (its "deathsigs"): every signal whose default action ends a
// process but STKFLT (16) and the real-time ones.
const FATAL = [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 29, 30, 31];

teardown("should tear down on each of the reference's fatal signals and exit with 128 + signo", () => {
  for (const sig of FATAL) {
    const h = setup();
    tree(h);
    for (const other of [17, 16, 18, 23, 28, 34, 40, 64]) assert.is(h.core.signal(other, 0, SENDER), 0, `${other}`);
    assert.is(h.pump() & FLAG_TEARDOWN, 0);
    assert.is(h.core.signal(sig, 0, SENDER), 1, `${sig}`);
    assert.is(h.pump(), FLAG_EXIT | FLAG_TEARDOWN);
    assert.is(h.core.exitCode(), 128 + sig);
    assert.equal(h.k.livingDescendants(), []);
  }
});

teardown(
  "should not take a SIGPIPE or SIGXFSZ supervise's own write raised (SI_USER from itself) as a tear-down",
  () => {
    const h = setup();
    tree(h);
    for (const sig of [13, 25]) assert.is(h.core.signal(sig, 0, h.k.self), 0, `${sig}`);
    assert.is(h.pump() & FLAG_TEARDOWN, 0);
    // Any other signal from its own pid was sent before exec (a TERM left pending): taken.
    const g = setup();
    tree(g);
    assert.is(g.core.signal(15, 0, g.k.self), 1);
    // The same signals from another process (kill -PIPE) are the reference's tear-down.
    assert.is(h.core.signal(13, 0, SENDER), 1);
    assert.is(h.pump(), FLAG_EXIT | FLAG_TEARDOWN);
    assert.is(h.core.exitCode(), 128 + 13);
  },
);

teardown('should keep the first fatal signal as the exit code', () => {
  const h = setup();
  h.k.spawn();
  h.core.signal(2, 0, SENDER);
  h.core.signal(15, 0, SENDER);
  h.pump();
  assert.is(h.core.exitCode(), 130);
});

teardown('should kill more children than the first children() buffer holds, each once', () => {
  const h = setup();
  const pids = Array.from({ length: 3000 }, () => h.k.spawn());
  h.core.controlEof();
  assert.is(h.pump(), FLAG_EXIT | FLAG_TEARDOWN);
  assert.equal(
    h.k.kills.map((c) => c.pid).sort((a, b) => a - b),
    pids,
  );
  assert.is(h.k.records().length, 3000);
});

teardown('should report a children() failure once and keep reaping', () => {
  const h = setup();
  const a = h.k.spawn();
  h.k.childrenError = -ENOENT;
  h.core.controlEof();
  assert.is(h.pump(), FLAG_TEARDOWN);
  assert.is(h.pump(), FLAG_TEARDOWN);
  assert.equal(h.k.stderr, ['supervise: cannot list children: ENOENT']);
  h.k.exit(a, 0);
  assert.is(h.pump(), FLAG_EXIT | FLAG_TEARDOWN);
});

teardown("should name every errno in its messages as the codec's errnoName() does", () => {
  for (let errno = 1; errno <= ERRNO_NAMED + 2; errno++) {
    const h = setup();
    h.k.spawn();
    h.k.childrenError = -errno;
    h.core.controlEof();
    h.pump();
    assert.equal(h.k.stderr, [`supervise: cannot list children: ${errnoName(errno)}`]);
  }
});

teardown('should report a child it cannot kill once, and exit when it dies', () => {
  const h = setup();
  const a = h.k.spawn();
  const b = h.k.spawn();
  h.k.refuse.add(a);
  h.core.controlEof();
  assert.is(h.pump(), FLAG_TEARDOWN);
  assert.is(h.pump(), FLAG_TEARDOWN);
  assert.equal(killsOf(h.k), [
    [a, 9],
    [b, 9],
  ]);
  assert.equal(h.k.stderr, [`supervise: could not signal pid ${a}: EPERM; going on`]);
  h.k.exit(a, 0);
  assert.is(h.pump(), FLAG_EXIT | FLAG_TEARDOWN);
});

teardown('should kill pids at or above pidMax once per pass without looping', () => {
  const h = setup({ pidMax: 300 });
  const low = h.k.spawn();
  const high = h.k.spawnAs(400);
  h.k.spawnAs(401, high);
  h.k.reader = 'blocked';
  h.core.controlEof();
  assert.is(h.pump(), FLAG_WANT_WRITABLE | FLAG_TEARDOWN);
  assert.equal(h.k.livingDescendants(), []);
  assert.ok(h.k.kills.every((c) => c.wasChild && c.sig === 9));
  assert.is(h.k.kills.filter((c) => c.pid === low).length, 1);
  const before = h.k.kills.length;
  assert.is(h.pump(), FLAG_WANT_WRITABLE | FLAG_TEARDOWN);
  assert.ok(h.k.kills.length - before <= 2); // only the untracked zombies again
  h.k.reader = 'ready';
  assert.is(h.pump(), FLAG_EXIT | FLAG_TEARDOWN);
  assert.is(h.k.records().length, 3);
});

teardown('should track pids up to the kernel limit with a full-size bitmap', () => {
  for (const pidMax of [4194304, 0, -1, 99999999]) {
    const h = setup({ pidMax });
    const top = h.k.spawnAs(4194303);
    h.k.reader = 'blocked';
    h.core.controlEof();
    assert.is(h.pump(), FLAG_WANT_WRITABLE | FLAG_TEARDOWN);
    assert.is(h.pump(), FLAG_WANT_WRITABLE | FLAG_TEARDOWN);
    assert.equal(killsOf(h.k), [[top, 9]]); // tracked: killed once, not once per pump
    h.k.reader = 'ready';
    assert.is(h.pump(), FLAG_EXIT | FLAG_TEARDOWN);
  }
});

// ---

const launch = suite('main child tracking (launch mode)');

launch('should remember the main child status and refuse its pid once reaped', () => {
  let main = 0;
  const h = setup({ main: (k) => (main = k.spawn()) });
  const other = h.k.spawn();
  h.request([main, 0]);
  assert.equal(killsOf(h.k), [[main, 0]]);
  assert.is(h.core.mainCode(), 0);
  h.k.exit(main, 7);
  assert.is(h.pump(), FLAG_MAIN_EXITED);
  assert.is(h.core.mainCode(), CLD_EXITED);
  assert.is(h.core.mainStatus(), 7);
  h.k.spawnAs(main); // the pid comes back as an adopted process
  h.request([main, 9], [other, 0]);
  assert.equal(killsOf(h.k), [
    [main, 0],
    [other, 0],
  ]);
  assert.is(h.pump(), FLAG_MAIN_EXITED);
  h.k.exit(other, 0);
  h.k.exit(main, 0);
  assert.is(h.pump(), FLAG_EXIT | FLAG_MAIN_EXITED);
  assert.is(h.core.mainStatus(), 7); // the recycled pid does not overwrite it
});

launch('should report a main child killed by a signal', () => {
  let main = 0;
  const h = setup({ main: (k) => (main = k.spawn()) });
  h.request([main, 15]);
  assert.is(h.pump(), FLAG_EXIT | FLAG_MAIN_EXITED);
  assert.is(h.core.mainCode(), CLD_KILLED);
  assert.is(h.core.mainStatus(), 15);
});

// ---

const launchPolicy = suite('launch mode decisions');

/** A launch-mode core: main child + a grandchild-like second child (an adopted orphan). */
function launched(opts: { waitAll?: boolean; grace?: boolean } = {}) {
  let main = 0;
  const h = setup({ main: (k) => (main = k.spawn()) });
  const orphan = h.k.spawn();
  h.core.launch(opts.waitAll ? 1 : 0, opts.grace ? 1 : 0);
  h.core.spawned();
  return { h, main, orphan };
}

launchPolicy('should write the spawned record before any other', () => {
  const { h, main } = launched();
  h.k.exit(main, 0);
  h.pump();
  const records = h.k.records().map((r) => decodeStatusRef(r));
  assert.equal(records[0], {
    signo: 0,
    errno: 0,
    code: SUP_SPAWNED,
    pid: main,
    uid: 0,
    status: 0,
    utime: 0n,
    stime: 0n,
  });
  assert.equal([records[1].signo, records[1].pid], [17, main]);
});

launchPolicy('should kill the rest of the tree when the main child exits, and exit with its code', () => {
  const { h, main, orphan } = launched();
  h.k.exit(main, 42);
  assert.is(h.pump() & FLAG_EXIT, FLAG_EXIT);
  assert.equal(killsOf(h.k), [[orphan, 9]]);
  assert.is(h.core.exitCode(), 42);
});

launchPolicy('should exit 128 + N when the main child died of signal N', () => {
  const { h, main } = launched();
  h.k.crash(main, 6);
  h.pump();
  assert.is(h.core.exitCode(), 134);
});

launchPolicy('should wait for the rest with --wait-all', () => {
  const { h, main, orphan } = launched({ waitAll: true });
  h.k.exit(main, 3);
  assert.is(h.pump(), FLAG_MAIN_EXITED);
  assert.equal(killsOf(h.k), []);
  h.k.exit(orphan, 0);
  assert.is(h.pump() & FLAG_EXIT, FLAG_EXIT);
  assert.is(h.core.exitCode(), 3);
});

launchPolicy('should forward every signal to the main child only, while it is unreaped', () => {
  const { h, main } = launched({ waitAll: true });
  for (const sig of [28, 18, 23, 10]) assert.is(h.core.launchSignal(sig, 0, SENDER), 0);
  assert.is(h.core.launchSignal(17, 0, SENDER), 0);
  assert.is(h.core.launchSignal(1, 0, SENDER), 0); // a zombie now (USR1 killed it in the fake kernel): still ours
  const expected = [
    [main, 28],
    [main, 18],
    [main, 23],
    [main, 10],
    [main, 1],
  ];
  assert.equal(killsOf(h.k), expected);
  h.pump(); // reaped: its pid is no longer the command
  assert.is(h.core.launchSignal(28, 0, SENDER), 0);
  assert.equal(killsOf(h.k), expected);
});

launchPolicy('should forward INT without a grace period and end with the main child it killed (exit 130)', () => {
  const { h, main, orphan } = launched();
  assert.is(h.core.launchSignal(2, 0, SENDER), 0);
  assert.is(h.pump() & (FLAG_EXIT | FLAG_TEARDOWN), FLAG_EXIT | FLAG_TEARDOWN);
  assert.equal(killsOf(h.k)[0], [main, 2]);
  assert.ok(killsOf(h.k).some(([p, s]) => p === orphan && s === 9));
  assert.is(h.core.exitCode(), 130);
});

launchPolicy('should ask for the grace timer on TERM, once, then kill on graceExpired()', () => {
  const { h, main, orphan } = launched({ waitAll: true, grace: true });
  h.k.refuse.add(main); // ignores TERM
  assert.is(h.core.launchSignal(15, 0, SENDER), LAUNCH_START_GRACE);
  assert.is(h.core.launchSignal(2, 0, SENDER), 0, 'one grace period');
  assert.is(h.pump() & FLAG_TEARDOWN, 0);
  h.k.refuse.delete(main);
  h.core.graceExpired();
  assert.is(h.pump() & FLAG_EXIT, FLAG_EXIT);
  assert.ok(killsOf(h.k).some(([p, s]) => p === orphan && s === 9));
  assert.is(h.core.exitCode(), 137, 'the main child died of the SIGKILL');
});

launchPolicy('should wait for a main child that ignores TERM without --grace, forwarding each, forcing nothing', () => {
  const { h, main } = launched();
  h.k.refuse.add(main);
  for (let i = 0; i < 5; i++) assert.is(h.core.launchSignal(15, 0, SENDER), 0);
  assert.is(h.pump() & (FLAG_EXIT | FLAG_TEARDOWN), 0);
  assert.equal(
    killsOf(h.k),
    Array.from({ length: 5 }, () => [main, 15]),
  );
  h.k.refuse.delete(main);
  h.k.exit(main, 0);
  assert.is(h.pump() & FLAG_EXIT, FLAG_EXIT);
  assert.is(h.core.exitCode(), 0);
});

launchPolicy(
  "should skip a terminal's INT/QUIT/WINCH (SI_KERNEL) only when the main child shares its process group",
  () => {
    const { h, main } = launched({ waitAll: true });
    h.k.refuse.add(main);
    for (const sig of [2, 3, 28]) h.core.launchSignal(sig, 0x80, SENDER);
    assert.equal(killsOf(h.k), []);
    for (const sig of [15, 1, 10]) h.core.launchSignal(sig, 0x80, SENDER); // not a terminal's
    for (const sig of [2, 3, 28]) h.core.launchSignal(sig, -1, SENDER); // SI_QUEUE
    h.k.procs.get(main)!.pgid = main;
    for (const sig of [2, 3, 28]) h.core.launchSignal(sig, 0x80, SENDER);
    assert.equal(
      killsOf(h.k).map(([, s]) => s),
      [15, 1, 10, 2, 3, 28, 2, 3, 28],
    );
  },
);

launchPolicy('should exit with the main child code when it finishes inside the grace period', () => {
  const { h, main } = launched({ grace: true });
  assert.is(h.core.launchSignal(15, 0, SENDER), LAUNCH_START_GRACE); // the fake main dies of it
  h.pump();
  assert.is(h.core.exitCode(), 143); // it died of TERM: 128 + 15 from its own status
  const b = launched({ grace: true });
  b.h.k.refuse.add(b.main);
  b.h.core.launchSignal(15, 0, SENDER);
  b.h.k.refuse.delete(b.main);
  b.h.k.exit(b.main, 7);
  b.h.pump();
  assert.is(b.h.core.exitCode(), 7);
  assert.ok(main > 0);
});

launchPolicy(
  'should send the main child the signal timeout() is given (--timeout-signal: TERM, INT) and exit 124',
  () => {
    for (const sig of [15, 2]) {
      const { h, main } = launched({ grace: true });
      h.k.refuse.add(main);
      assert.is(h.core.timeout(sig), LAUNCH_START_GRACE);
      assert.equal(killsOf(h.k), [[main, sig]]);
      h.k.refuse.delete(main);
      h.core.graceExpired();
      assert.is(h.pump() & FLAG_EXIT, FLAG_EXIT);
      assert.is(h.core.exitCode(), 124);
    }
  },
);

launchPolicy('should write a spawn-failed record and exit 127 (ENOENT) or 126 (others)', () => {
  for (const [errno, code] of [
    [2, 127],
    [13, 126],
    [8, 126],
  ]) {
    const h = setup();
    h.core.launch(0, 0);
    h.core.spawnFailed(errno);
    assert.is(h.pump() & FLAG_EXIT, FLAG_EXIT);
    assert.equal(
      h.k.records().map((r) => decodeStatusRef(r)),
      [{ signo: 0, errno, code: SUP_SPAWN_FAILED, pid: 0, uid: 0, status: 0, utime: 0n, stime: 0n }],
    );
    assert.is(h.core.exitCode(), code);
  }
});

launchPolicy('should write every own record queued, in order, none over another', () => {
  let main = 0;
  const h = setup({ main: (k) => (main = k.spawn()) });
  h.core.launch(0, 0);
  h.core.spawned();
  h.core.spawnFailed(13); // never both in one run today: the second own record a slot would lose
  h.k.exit(main, 0);
  assert.is(h.pump() & FLAG_EXIT, FLAG_EXIT);
  assert.equal(summary(h.k), [
    [main, SUP_SPAWNED, 0],
    [0, SUP_SPAWN_FAILED, 0],
    [main, CLD_EXITED, 0],
  ]);
  assert.is(decodeStatusRef(h.k.records()[1]).errno, 13);
});

launchPolicy('should queue an own record behind a half-written one, not over it', () => {
  let main = 0;
  const h = setup({ main: (k) => (main = k.spawn()) });
  const orphan = h.k.spawn();
  h.core.launch(1, 0);
  h.k.exit(orphan, 3);
  h.k.writeResults = [100, -EAGAIN];
  assert.is(h.pump(), FLAG_WANT_WRITABLE);
  assert.is(h.k.written.length, 100);
  h.core.spawned();
  h.k.exit(main, 0);
  assert.is(h.pump() & FLAG_EXIT, FLAG_EXIT);
  assert.equal(summary(h.k), [
    [orphan, CLD_EXITED, 3],
    [main, SUP_SPAWNED, 0],
    [main, CLD_EXITED, 0],
  ]);
  assert.equal(h.k.violations, []);
});

// ---

const random = suite('random histories');

type Action = WorldAction | { t: 'eof' } | { t: 'signal'; signo: number } | { t: 'pump' };

const action: fc.Arbitrary<Action> = fc.oneof<fc.MaybeWeightedArbitrary<Action>[]>(
  ...worldActions(),
  { weight: 1, arbitrary: fc.constant({ t: 'eof' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('signal' as const), signo: fc.constantFrom(1, 2, 3, 15, 17, 10, 28) }, plain),
  },
  { weight: 2, arbitrary: fc.constant({ t: 'pump' as const }) },
);
interface History {
  launch: boolean;
  pidMax: number;
  initial: number;
  actions: Action[];
  end: 'eof' | 'signal';
}
const history: fc.Arbitrary<History> = fc.record(
  {
    launch: fc.boolean(),
    pidMax: fc.constantFrom(250, 300, 32768),
    initial: fc.integer({ min: 1, max: 6 }),
    actions: fc.array(action, { minLength: 5, maxLength: 80, size: 'max' }),
    end: fc.constantFrom<'eof' | 'signal'>('eof', 'signal'),
  },
  plain,
);

/** Runs one history against a fresh core, one decision call per action, pumping after each. */
function runHistory({ launch, pidMax, initial, actions, end }: History): void {
  let main = 0;
  let mainSerial = 0;
  const h = setup({
    pidMax,
    firstPid: pidMax < 1000 ? pidMax - 8 : 200, // some pids reach pidMax: untracked
    main: launch
      ? (k) => {
          main = k.spawn();
          mainSerial = k.procs.get(main)!.serial;
          return main;
        }
      : undefined,
  });
  const k = h.k;
  const world = new World(k, true);
  if (main) world.seen.add(main);
  for (let i = 0; i < initial; i++) world.seen.add(k.spawn());
  let firstFatal = 0;
  let flags = 0;
  const pump = () => {
    flags = h.pump();
    assert.ok((flags & ~15) === 0, `flags ${flags}`);
  };
  for (const a of actions) {
    if (a.t === 'eof') h.core.controlEof();
    else if (a.t === 'signal') {
      if (h.core.signal(a.signo, 0, SENDER) === 1 && firstFatal === 0) firstFatal = a.signo;
    } else if (a.t !== 'pump') {
      for (const chunk of world.apply(a)) h.send(chunk);
    }
    pump();
    if (flags & FLAG_EXIT) break;
  }
  // The end: tear-down, a reader that reads (unless gone), deaths delivered at once.
  if (!(flags & FLAG_EXIT)) {
    if (end === 'eof') h.core.controlEof();
    else if (h.core.signal(15, 0, SENDER) === 1 && firstFatal === 0) firstFatal = 15;
    world.settle();
    pump();
  }
  assert.ok(flags & FLAG_EXIT, 'tear-down reached FLAG_EXIT in one pump once deaths and writes go through');
  world.check();
  // Tear-down SIGKILLs each tracked process once.
  const teardownKills = k.kills.filter((c) => c.phase === 'pump' && c.pid < pidMax).map((c) => c.serial);
  assert.is(new Set(teardownKills).size, teardownKills.length, 'a process SIGKILLed twice by tear-down');
  // Launch mode: the main pid is refused once the main child was reaped.
  if (launch) {
    assert.ok(flags & FLAG_MAIN_EXITED);
    const late = k.kills.filter((c) => c.phase === 'control' && c.pid === main && c.serial !== mainSerial);
    assert.equal(late, [], 'a control record reached a recycled main pid');
  }
  assert.is(h.core.exitCode(), firstFatal ? 128 + firstFatal : 0);
}

random('should keep every invariant over a few hundred random histories', () => {
  fc.assert(fc.property(history, runHistory), { numRuns: 400 });
});

random('should keep every invariant in long histories with big trees', () => {
  fc.assert(
    fc.property(
      history.map((h) => ({ ...h, actions: [...h.actions, ...h.actions] })),
      runHistory,
    ),
    { numRuns: 50 },
  );
});

exports.run();
reaping.run();
control.run();
teardown.run();
launch.run();
launchPolicy.run();
random.run();
