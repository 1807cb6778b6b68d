// `supervise decode` and `supervise send` as a black box, on logs of real supervise runs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LAUNCH, SUPERVISE, isElf, killQuietly, sleep, until, SLACK } from './procs.ts';
import { realRun, ESCAPEE, DOUBLE_FORKED } from './real-run.ts';
import { recordLog, EXPECTED_RECORDS, type RecordedLog } from './record-log.ts';
import { nodeCodec } from '../codec/node.ts';
import {
  decodeAll,
  encodeEventsLog,
  encodeStatus,
  escaped,
  StreamDecoder,
  type ControlEvent,
  type StatusEvent,
} from '../codec/index.ts';
import {
  encodeControlRef,
  encodeStatusRef,
  encodeEventsRef,
  concatBytes,
  type IdentityRef,
  type ResourcesRef,
} from './helpers.ts';
import { syntheticLog } from './synthetic-log.ts';

function run(args: string[], input?: Uint8Array) {
  const r = spawnSync(SUPERVISE, args, { input, encoding: 'buffer', timeout: 10_000 * SLACK });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString(), bytes: r.stdout };
}
const lines = (s: string) => s.split('\n').filter(Boolean);
const noStack = (stderr: string) => assert.not.match(stderr, /\n\s+at /, 'a stack trace on stderr');

/** Each case of `cases` (a byte of `bytes` set to a value) makes decode stop with the error,
 *  exit 1, after the good records before it (`good(offset)` of them). */
function expectStops(bytes: Uint8Array, cases: Array<[number, number, RegExp]>, good: (offset: number) => number) {
  for (const [offset, value, error] of cases) {
    const bad = bytes.slice();
    bad[offset] = value;
    const r = run(['decode'], bad);
    assert.is(r.status, 1);
    assert.match(r.stderr, error);
    assert.equal(lines(r.stdout).length, good(offset), `the good records before it: ${r.stdout}`);
  }
}

/** What each child of record-log.ts's tree ends with, in the order of its commands. */
const ENDINGS = [
  'exited 0',
  'exited 3',
  'killed SIGKILL',
  'dumped SIGSEGV',
  'killed SIGTERM',
  'exited 0',
  'killed SIGTERM',
];

let log: RecordedLog;

// ---
const Real = suite('decoding a log of a real supervise run');
Real.before(async () => {
  log = await recordLog();
});

Real('should print one timestamped line per record of an events log, naming how each child ended', () => {
  assert.is(log.count, EXPECTED_RECORDS);
  const r = run(['decode', '-'], log.events);
  assert.is(r.stderr, '');
  assert.is(r.status, 0);
  const out = lines(r.stdout);
  assert.is(out.length, log.pids.length + EXPECTED_RECORDS);
  for (const l of out) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}pid \d+ {2}\S/);
  log.pids.forEach((pid, i) => {
    assert.ok(out.includes(out.find((l) => l.endsWith(`pid ${pid}  spawned`))!), `spawned ${pid}`);
    assert.ok(
      out.some((l) => l.endsWith(`pid ${pid}  ${ENDINGS[i]}`)),
      `pid ${pid} ${ENDINGS[i]} in\n${r.stdout}`,
    );
  });
  assert.ok(
    out.some((l) => / pid \d+ {2}exited 7$/.test(l)),
    'the adopted orphan exited 7',
  );
});

Real('should print the raw status stream without timestamps, same records in the same order', () => {
  const raw = run(['decode'], log.raw);
  assert.is(raw.status, 0);
  const events = lines(run(['decode'], log.events).stdout).filter((l) => !l.endsWith('spawned'));
  assert.equal(
    lines(raw.stdout),
    events.map((l) => l.replace(/^\S+Z {2}/, '')),
  );
});

Real('should print JSON lines with the decoded fields with --json', () => {
  const r = run(['decode', '--json'], log.events);
  assert.is(r.status, 0);
  const recs = lines(r.stdout).map((l) => JSON.parse(l));
  const killed = recs.find((x) => x.pid === log.pids[2] && x.kind === 'killed');
  assert.is(killed.signal, 'SIGKILL');
  assert.is(killed.status, 9);
  assert.is(killed.signo, 17);
  assert.type(killed.time, 'number');
  assert.match(killed.iso, /Z$/);
  const exited = recs.find((x) => x.pid === log.pids[1] && x.kind === 'exited');
  assert.is(exited.exitCode, 3);
  assert.is(recs[0].offset, 16);
  assert.is(recs[1].offset, 16 + 256);
});

Real('should decode from a file path the same as from stdin', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-decode-'));
  try {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(dir, 'log.supv'), log.events);
    assert.is(run(['decode', path.join(dir, 'log.supv')]).stdout, run(['decode'], log.events).stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Real('should agree with the codec decodeAll in-process', () => {
  const { records, error } = decodeAll(nodeCodec(), log.events);
  assert.is(error, null);
  const json = lines(run(['decode', '--json'], log.events).stdout).map((l) => JSON.parse(l));
  assert.equal(
    json.map(({ iso: _iso, ...rest }) => rest),
    records,
  );
});

Real.run();

// ---
const Kinds = suite('every kind of record');

Kinds('should print spawned, spawn failed, stopped, continued and trapped records', () => {
  const codec = nodeCodec();
  const recs = [
    encodeStatus(codec, { signo: 0, code: 0x5301, pid: 4242 }),
    encodeStatus(codec, { signo: 0, code: 0x5302, errno: 2 }),
    encodeStatusRef({ signo: 17, code: 5, pid: 7, status: 19 }),
    encodeStatusRef({ signo: 17, code: 6, pid: 7, status: 18 }),
    encodeStatusRef({ signo: 17, code: 4, pid: 7, status: 5 }),
    encodeStatusRef({ signo: 17, code: 2, pid: 8, status: 36 }),
  ];
  const r = run(['decode'], concatBytes(recs));
  assert.is(r.status, 0);
  assert.equal(lines(r.stdout), [
    'pid 4242  spawned',
    'pid 0  spawn failed ENOENT',
    'pid 7  stopped SIGSTOP',
    'pid 7  continued SIGCONT',
    'pid 7  trapped SIGTRAP',
    'pid 8  killed SIGRTMIN+2',
  ]);
  const log1 = encodeEventsLog([
    {
      time: Date.UTC(2026, 10, 22, 10, 0, 1, 234) * 1000 + 567,
      record: encodeStatusRef({ signo: 17, code: 1, pid: 4242, status: 3 }),
    },
  ]);
  assert.is(run(['decode'], log1).stdout, '2026-11-22T10:00:01.234Z  pid 4242  exited 3\n');
});

Kinds.run();

// ---
const Bad = suite('truncated and corrupt input');

Bad('should print the whole records of a truncated stream, then name the offset and exit 1', () => {
  const two = concatBytes([
    encodeStatusRef({ signo: 17, code: 1, pid: 5, status: 1 }),
    encodeStatusRef({ signo: 17, code: 1, pid: 6, status: 2 }),
  ]);
  const r = run(['decode'], concatBytes([two, new Uint8Array(50)]));
  assert.is(r.status, 1);
  assert.is(r.stdout, 'pid 5  exited 1\npid 6  exited 2\n');
  assert.is(r.stderr, 'supervise: decode: stdin: truncated record (50 of 128 bytes) at byte offset 256\n');
});

Bad('should stop at a corrupt record, naming its offset and what is wrong with it', () => {
  const bad = encodeStatusRef({ signo: 17, code: 1, pid: 6, status: 2 });
  bad[100] = 1;
  const r = run(
    ['decode'],
    concatBytes([
      encodeStatusRef({ signo: 17, code: 1, pid: 5, status: 1 }),
      bad,
      encodeStatusRef({ signo: 17, code: 1, pid: 7 }),
    ]),
  );
  assert.is(r.status, 1);
  assert.is(r.stdout, 'pid 5  exited 1\n');
  assert.is(r.stderr, 'supervise: decode: stdin: invalid status record (non-zero padding) at byte offset 128\n');
});

Bad('should reject an events log of another version or entry size, and a cut header', () => {
  const good = encodeEventsRef(2, [{ time: 1, record: encodeStatusRef({ signo: 17, code: 1, pid: 5 }) }]);
  const v4 = good.slice();
  v4[8] = 4;
  let r = run(['decode'], v4);
  assert.is(r.status, 1);
  assert.match(r.stderr, /unsupported events log version 4 \(this decoder reads 1, 2 and 3\) at byte offset 8\n$/);
  const v3 = good.slice();
  v3[8] = 3; // a version 3 header with version 2's entry size
  assert.match(
    run(['decode'], v3).stderr,
    /entry size 176 in an events log version 3 \(expected 256\) at byte offset 12\n$/,
  );
  const big = good.slice();
  big[12] = 200;
  assert.match(
    run(['decode'], big).stderr,
    /entry size 200 in an events log version 2 \(expected 176\) at byte offset 12\n$/,
  );
  const v1 = good.slice();
  v1[8] = 1; // a version 1 header with version 2's entry size
  assert.match(
    run(['decode'], v1).stderr,
    /entry size 176 in an events log version 1 \(expected 136\) at byte offset 12\n$/,
  );
  r = run(['decode'], good.subarray(0, 10));
  assert.is(r.stderr, 'supervise: decode: stdin: truncated events header (10 of 16 bytes) at byte offset 0\n');
  r = run(['decode'], good.subarray(0, 100));
  assert.is(r.stderr, 'supervise: decode: stdin: truncated record (84 of 176 bytes) at byte offset 16\n');
  const old = encodeEventsRef(1, [{ time: 1, record: encodeStatusRef({ signo: 17, code: 1, pid: 5 }) }]);
  r = run(['decode'], old.subarray(0, 100));
  assert.is(r.stderr, 'supervise: decode: stdin: truncated record (84 of 136 bytes) at byte offset 16\n');
});

Bad('should never print a stack trace, whatever the input', () => {
  for (const input of [
    new Uint8Array([0x53, 0x55]),
    Uint8Array.from({ length: 300 }, (_, i) => i * 7),
    new Uint8Array(0),
  ]) {
    const r = run(['decode'], input);
    noStack(r.stderr);
    assert.ok(r.status === 0 || r.status === 1);
  }
  const r = run(['decode', '/nonexistent/log']);
  assert.is(r.status, 1);
  assert.is(r.stderr, 'supervise: decode: /nonexistent/log: ENOENT: cannot open it\n');
  const truncated = run(['decode', '--control'], concatBytes([encodeControlRef(5, 15), new Uint8Array(4)]));
  assert.is(truncated.stdout, 'pid 5 <- SIGTERM\n');
  assert.is(truncated.stderr, 'supervise: decode: stdin: truncated record (4 of 8 bytes) at byte offset 8\n');
});

Bad.run();

// ---
const V2 = suite('events log version 2: names, start times, escapes');

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0) * 1000;
const SHELL = { ppid: 90, pgid: 90, sid: 80 };
const v2Entries = (): Array<{ time: number; record: Uint8Array; proc?: IdentityRef }> => [
  {
    time: T0,
    record: encodeStatusRef({ signo: 0, code: 0x5303, pid: 100 }),
    proc: { start: T0 - 5000, comm: 'supervise', ...SHELL },
  },
  {
    time: T0 + 10,
    record: encodeStatusRef({ signo: 0, code: 0x5301, pid: 101 }),
    proc: { start: T0 + 5, comm: 'sh', ...SHELL, ppid: 100 },
  },
  {
    time: T0 + 2_000_000,
    record: encodeStatusRef({ signo: 17, code: 2, pid: 102, status: 9 }),
    proc: { start: T0 + 1_000_000, comm: 'daemon', ppid: 100, pgid: 102, sid: 102 },
  },
  {
    time: T0 + 2_500_000,
    record: encodeStatusRef({ signo: 17, code: 1, pid: 103, status: 4 }),
    proc: { start: T0 + 1_500_000, comm: 'job', ppid: 100, pgid: 103, sid: 80 },
  },
  { time: T0 + 2_600_000, record: encodeStatusRef({ signo: 17, code: 1, pid: 104 }) }, // identity unknown
  {
    time: T0 + 3_000_000,
    record: encodeStatusRef({ signo: 17, code: 1, pid: 101, status: 0 }),
    proc: { start: T0 + 5, comm: 'sh', ...SHELL, ppid: 100 },
  },
];

V2('should decode what the reference writes: the identity of each process, none where unknown', () => {
  const bytes = encodeEventsRef(2, v2Entries());
  const { records, error, format } = decodeAll(nodeCodec(), bytes);
  assert.is(error, null);
  assert.is(format, 'events');
  const st = records as StatusEvent[];
  assert.equal(
    st.map((e) => [e.kind, e.pid, e.offset]),
    [
      ['started', 100, 16],
      ['spawned', 101, 16 + 176],
      ['killed', 102, 16 + 2 * 176],
      ['exited', 103, 16 + 3 * 176],
      ['exited', 104, 16 + 4 * 176],
      ['exited', 101, 16 + 5 * 176],
    ],
  );
  assert.equal(st[2].proc, { comm: 'daemon', start: T0 + 1_000_000, ppid: 100, pgid: 102, sid: 102 });
  assert.is(st[4].proc, undefined);
  assert.equal(st[0].proc, { comm: 'supervise', start: T0 - 5000, ...SHELL });
  // The codec's own writer gives the same bytes; version 1 the same records without identity.
  const entries = v2Entries().map((e) => ({ ...e, proc: e.proc && { ...e.proc } }));
  assert.equal(encodeEventsLog(entries, 2), bytes);
  const v1 = decodeAll(nodeCodec(), encodeEventsRef(1, v2Entries()));
  assert.is(v1.error, null);
  assert.equal(
    (v1.records as StatusEvent[]).map((e) => [e.kind, e.pid, e.time, e.proc]),
    st.map((e) => [e.kind, e.pid, e.time, undefined]),
  );
  assert.equal(encodeEventsLog(entries, 1), encodeEventsRef(1, v2Entries()));
});

V2("should say which processes left the command's session or process group (escaped)", () => {
  const { records } = decodeAll(nodeCodec(), encodeEventsRef(2, v2Entries()));
  const st = records as StatusEvent[];
  const ref = st[0];
  assert.equal(
    st.map((e) => escaped(e, ref)),
    [false, false, true, true, false, false],
  );
  assert.is(escaped(st[2], undefined), false, 'no reference: cannot say');
  const r = run(['decode'], encodeEventsRef(2, v2Entries()));
  assert.is(r.status, 0);
  assert.equal(lines(r.stdout), [
    '2026-12-01T09:00:00.000Z  pid 100 (supervise)  started',
    '2026-12-01T09:00:00.000Z  pid 101 (sh)  spawned',
    '2026-12-01T09:00:02.000Z  pid 102 (daemon)  killed SIGKILL  escaped',
    '2026-12-01T09:00:02.500Z  pid 103 (job)  exited 4  escaped',
    '2026-12-01T09:00:02.600Z  pid 104  exited 0',
    '2026-12-01T09:00:03.000Z  pid 101 (sh)  exited 0',
  ]);
});

V2('should print the identity, its start time and whether it escaped in --json', () => {
  const r = run(['decode', '--json'], encodeEventsRef(2, v2Entries()));
  assert.is(r.status, 0);
  const recs = lines(r.stdout).map((l) => JSON.parse(l));
  assert.equal(recs[2].proc, { comm: 'daemon', start: T0 + 1_000_000, ppid: 100, pgid: 102, sid: 102 });
  assert.is(recs[2].startIso, '2026-12-01T09:00:01.000Z');
  assert.is(recs[2].escaped, true);
  assert.is(recs[5].escaped, false);
  assert.is(recs[0].kind, 'started');
  assert.ok(!('proc' in recs[4]) && !('escaped' in recs[4]), 'unknown identity: no fields');
});

V2('should stop at a corrupt identity with its byte offset, after the good records', () => {
  const bytes = encodeEventsRef(2, v2Entries());
  const at = (i: number) => 16 + i * 176;
  const cases: Array<[number, number, RegExp]> = [
    [at(3) + 173, 1, /non-zero padding\) at byte offset 717\n$/],
    [at(3) + 143, 0x80, /negative start time\) at byte offset 680\n$/],
    [at(3) + 151, 0xff, /negative process id\) at byte offset 692\n$/],
    [at(3) + 170, 0x41, /bytes after the end of comm\) at byte offset 714\n$/],
  ];
  expectStops(bytes, cases, () => 3);
  const cut = run(['decode'], bytes.subarray(0, at(2) + 150));
  assert.is(cut.status, 1);
  assert.is(lines(cut.stdout).length, 2);
  assert.is(cut.stderr, `supervise: decode: stdin: truncated record (150 of 176 bytes) at byte offset ${at(2)}\n`);
});

V2('should stop quietly, status 0, when its reader leaves (| head -1), in every format', () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'supervise-decode-')), 'big.supv');
  try {
    writeFileSync(file, syntheticLog({ records: 20_000 }).bytes);
    for (const format of ['text', 'json', 'trace']) {
      const r = spawnSync(
        'sh',
        ['-c', `"$0" decode --format ${format} "$1" | head -1 >/dev/null; echo "$?"`, SUPERVISE, file],
        {
          encoding: 'utf8',
          timeout: 20_000 * SLACK,
        },
      );
      noStack(r.stderr);
      assert.is(r.stderr, '', `${format}: ${r.stderr}`);
      assert.is(r.stdout, '0\n', format);
    }
    // The negative control: the same command with its reader left in place exits 0 too, and
    // prints every record.
    const all = spawnSync(SUPERVISE, ['decode', file], {
      encoding: 'utf8',
      timeout: 20_000 * SLACK,
      maxBuffer: 1 << 26,
    });
    assert.is(all.status, 0);
    assert.is(lines(all.stdout).length, 20_000);
  } finally {
    rmSync(path.dirname(file), { recursive: true, force: true });
  }
});

V2('should decode a synthetic 100,000-record log, every split alike (test/synthetic-log.ts)', () => {
  const log = syntheticLog({ records: 100_000 });
  assert.is(log.bytes.length, 16 + 100_000 * 256);
  const codec = nodeCodec();
  const whole = decodeAll(codec, log.bytes);
  assert.is(whole.error, null);
  const st = whole.records as StatusEvent[];
  assert.is(st.length, 100_000);
  assert.is(st[0].kind, 'started');
  assert.is(st[1].pid, log.mainPid);
  assert.equal(
    st.filter((e) => escaped(e, st[0])).map((e) => e.pid),
    log.escaped,
  );
  assert.ok(
    st.every((e) => e.proc && e.proc.start <= e.time!),
    'every process started before its record',
  );
  const d = new StreamDecoder(codec);
  const parts: Array<StatusEvent | ControlEvent> = [];
  for (let at = 0; at < log.bytes.length; at += 65_537) parts.push(...d.push(log.bytes.subarray(at, at + 65_537)));
  d.end();
  assert.equal(parts, st);
});

V2.run();

// ---
const V3 = suite('events log version 3: resources and flags');

const burner: ResourcesRef = {
  utimeUs: 2_345_678,
  stimeUs: 12_000,
  maxrssKiB: 102_500,
  minflt: 25_700,
  majflt: 3,
  nvcsw: 11,
  nivcsw: 250,
  inblock: 16,
  oublock: 8,
};
const v3Entries = () => {
  const [started, spawned, daemon, job, unknown, main] = v2Entries();
  return [
    { ...started, flags: 8 }, // --wait-all
    spawned,
    { ...daemon, res: { ...burner, utimeUs: 40 }, flags: 1 | 2 }, // killed at the grace deadline
    { ...job, res: burner },
    { ...unknown, res: { ...burner, maxrssKiB: 0 } },
    { ...main, res: { ...burner, utimeUs: 1 }, flags: 4 },
  ];
};

V3('should decode the resources of reaped processes and the flags, and encode the same bytes', () => {
  const bytes = encodeEventsRef(3, v3Entries());
  const { records, error } = decodeAll(nodeCodec(), bytes);
  assert.is(error, null);
  const st = records as StatusEvent[];
  assert.equal(
    st.map((e) => e.offset),
    [0, 1, 2, 3, 4, 5].map((i) => 16 + i * 256),
  );
  assert.equal(st[3].resources, {
    userCPUTime: 2_345_678,
    systemCPUTime: 12_000,
    maxRSS: 102_500,
    minorPageFault: 25_700,
    majorPageFault: 3,
    voluntaryContextSwitches: 11,
    involuntaryContextSwitches: 250,
    fsRead: 16,
    fsWrite: 8,
  });
  assert.is(st[0].resources, undefined, 'started reaped nothing');
  assert.is(st[1].resources, undefined, 'spawned reaped nothing');
  assert.equal(st[0].flags, { waitAll: true });
  assert.equal(st[2].flags, { killedAtTeardown: true, graceDeadline: true });
  assert.equal(st[5].flags, { signalled: true });
  assert.is(st[3].flags, undefined);
  assert.equal(st[2].proc, { comm: 'daemon', start: T0 + 1_000_000, ppid: 100, pgid: 102, sid: 102 });
  const again = encodeEventsLog(
    st.map((e, i) => ({ time: e.time!, record: bytes.subarray(16 + i * 256 + 8, 16 + i * 256 + 136), ...e })),
  );
  assert.equal(again, bytes);
  // The same log as version 2: the same records, without resources or flags.
  const v2 = decodeAll(nodeCodec(), encodeEventsRef(2, v3Entries())).records as StatusEvent[];
  assert.equal(
    v2,
    st.map(({ resources: _r, flags: _f, offset, ...rest }, i) => ({ ...rest, offset: 16 + i * 176 })),
  );
});

V3('should print the resources and flags in --json', () => {
  const r = run(['decode', '--json'], encodeEventsRef(3, v3Entries()));
  assert.is(r.status, 0);
  const recs = lines(r.stdout).map((l) => JSON.parse(l));
  assert.is(recs[3].resources.userCPUTime, 2_345_678);
  assert.is(recs[3].resources.maxRSS, 102_500);
  assert.equal(recs[2].flags, { killedAtTeardown: true, graceDeadline: true });
  assert.ok(!('resources' in recs[1]), 'spawned: no resources');
});

V3('should stop at a corrupt resource figure or flag with its byte offset, after the good records', () => {
  const bytes = encodeEventsRef(3, v3Entries());
  const at = (i: number) => 16 + i * 256;
  const cases: Array<[number, number, RegExp]> = [
    [at(3) + 199, 0x80, new RegExp(`negative resource figure\\) at byte offset ${at(3) + 192}\n$`)],
    [at(3) + 248, 0x10, new RegExp(`unknown flag\\) at byte offset ${at(3) + 248}\n$`)],
    [at(3) + 253, 1, new RegExp(`non-zero padding\\) at byte offset ${at(3) + 252}\n$`)],
    [at(1) + 176, 1, new RegExp(`resources on a record that reaped nothing\\) at byte offset ${at(1) + 176}\n$`)],
  ];
  expectStops(bytes, cases, (offset) => (offset > at(3) ? 3 : 1));
});

V3.run();

// ---
const Run = suite('the log of a real run: names, start times, escapes (supervise --events FILE -- ...)');

Run(
  'should name each process of a tree, with plausible ordered start times, and mark the setsid one escaped',
  async () => {
    const r = await realRun();
    try {
      assert.is(r.exitCode, 0);
      const { records, error } = decodeAll(nodeCodec(), r.bytes);
      assert.is(error, null);
      const st = records as StatusEvent[];
      const started = st[0];
      assert.is(started.kind, 'started');
      assert.is(started.pid, r.supervisePid);
      const main = st.find((e) => e.kind === 'spawned')!;
      const mainExit = st.find((e) => e.kind === 'exited' && e.pid === main.pid)!;
      const [escapee, dbl] = [r.escapee, r.doubleForked].map(
        (pid) => st.find((e) => e.pid === pid && e.kind === 'killed')!,
      );
      assert.ok(escapee && dbl, `both members' records in ${JSON.stringify(st.map((e) => [e.pid, e.kind]))}`);
      assert.equal(
        [started, main, mainExit, escapee, dbl].map((e) => e.proc?.comm),
        [isElf(SUPERVISE) ? 'supervise' : 'node', 'sh', 'sh', ESCAPEE, DOUBLE_FORKED],
      );
      // Start times: each in the test's window (to the tick: 10 ms), supervise first, then its
      // command, then what the command started; each before its record.
      const tick = 10_000;
      for (const e of [started, main, escapee, dbl]) {
        assert.ok(e.proc!.start >= r.before - tick && e.proc!.start <= r.after, `${e.proc!.comm} start in the window`);
        assert.ok(e.proc!.start <= e.time!, `${e.proc!.comm} started before its record`);
      }
      assert.ok(started.proc!.start <= main.proc!.start, 'supervise before its command');
      assert.ok(main.proc!.start <= escapee.proc!.start && main.proc!.start <= dbl.proc!.start, 'the command first');
      assert.is(mainExit.proc!.start, main.proc!.start);
      // Escapes: the setsid member only (the double-forked one stayed in the group).
      assert.equal(
        [main, mainExit, escapee, dbl].map((e) => escaped(e, started)),
        [false, false, true, false],
      );
      assert.is(escapee.proc!.sid, escapee.pid);
      assert.is(dbl.proc!.pgid, started.proc!.pgid);
      const text = lines(run(['decode', r.file]).stdout);
      assert.ok(
        text.some((l) => l.endsWith(`pid ${r.escapee} (${ESCAPEE})  killed SIGKILL  escaped`)),
        text.join('\n'),
      );
      assert.ok(
        text.some((l) => l.endsWith(`pid ${r.doubleForked} (${DOUBLE_FORKED})  killed SIGKILL`)),
        text.join('\n'),
      );
    } finally {
      r.cleanup();
    }
  },
);

Run.run();

// ---
const Stream = suite('streaming');

Stream('should print each record as it arrives on a pipe, before the input ends', async () => {
  const p = spawn(SUPERVISE, ['decode'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => {
    out += d;
  });
  try {
    const rec = encodeStatusRef({ signo: 17, code: 2, pid: 99, status: 15 });
    p.stdin.write(rec.subarray(0, 60));
    await sleep(150);
    assert.is(out, '');
    p.stdin.write(rec.subarray(60));
    await until(() => out === 'pid 99  killed SIGTERM\n', 5000, 'the first line');
    p.stdin.end();
    await new Promise((r) => p.on('exit', r));
    assert.is(p.exitCode, 0);
  } finally {
    p.kill('SIGKILL');
  }
});

Stream.run();

// ---
const Send = suite('supervise send');

Send('should write one 8-byte control record for a name or a number', () => {
  for (const [sig, num] of [
    ['TERM', 15],
    ['SIGKILL', 9],
    ['usr1', 10],
    ['15', 15],
    ['0', 0],
    ['RTMIN+2', 36],
  ] as const) {
    const r = run(['send', '4242', sig]);
    assert.is(r.status, 0);
    assert.equal(new Uint8Array(r.bytes), encodeControlRef(4242, num), sig);
  }
  assert.is(run(['decode', '--control'], run(['send', '4242', 'TERM']).bytes).stdout, 'pid 4242 <- SIGTERM\n');
});

Send('should refuse a bad pid or signal with a usage error', () => {
  for (const [pid, sig, what] of [
    ['0', 'TERM', 'PID'],
    ['abc', 'TERM', 'PID'],
    ['12', 'NOPE', 'SIGNAL'],
    ['12', '65', 'SIGNAL'],
  ]) {
    const r = run(['send', pid, sig]);
    assert.is(r.status, 125);
    assert.is(r.stdout, '');
    assert.match(
      r.stderr,
      new RegExp(`^supervise: send: ${what} must be.*\nTry 'supervise --help' for more information.\n$`),
    );
  }
});

Send('should drive a real supervise through a fifo, with decode reading its status stream', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-fifo-'));
  const fifo = path.join(dir, 'control');
  spawnSync('mkfifo', [fifo]);
  // Hold the fifo open for writing ourselves (O_RDWR does not block), so supervise sees
  // EOF only when we close it.
  const hold = openSync(fifo, constants.O_RDWR);
  const sh = spawn('sh', ['-c', `python3 ${LAUNCH} ${SUPERVISE} 'exec sleep 30' < ${fifo} | ${SUPERVISE} decode`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '',
    err = '';
  sh.stdout.on('data', (d) => {
    out += d;
  });
  sh.stderr.on('data', (d) => {
    err += d;
  });
  let child = 0;
  try {
    await until(() => /pids: \d+/.test(err), 10_000, 'the launcher');
    child = Number(/pids: (\d+)/.exec(err)![1]);
    await sleep(400); // supervise starting
    const r = spawnSync('sh', ['-c', `${SUPERVISE} send ${child} TERM > ${fifo}`]);
    assert.is(r.status, 0, r.stderr.toString());
    await until(() => out.includes('\n'), 10_000, 'the status line');
    assert.is(out, `pid ${child}  killed SIGTERM\n`);
    closeSync(hold);
    await until(() => sh.exitCode !== null, 10_000, 'supervise and decode to exit');
    assert.is(sh.exitCode, 0);
  } finally {
    try {
      closeSync(hold);
    } catch {
      /* closed */
    }
    if (child) killQuietly(child);
    sh.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

Send.run();

// ---
const Module = suite('the codec module (package.json exports "./codec")');

Module('should load from its package name in Node, from bytes, and decode as the CLI does', async () => {
  const { readFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const js = readFileSync(fileURLToPath(import.meta.resolve('supervise/codec')), 'utf8');
  assert.not.match(js, /from ["']node:|require\(/, 'no Node APIs in the bundle');
  const mod = await import('supervise/codec');
  const codec = await mod.loadCodec(readFileSync(fileURLToPath(import.meta.resolve('supervise/codec.wasm'))));
  const bytes = concatBytes([encodeStatusRef({ signo: 17, code: 3, pid: 12, status: 11 }), new Uint8Array(3)]);
  const r = mod.decodeAll(codec, bytes);
  assert.equal(
    r.records.map((e) => mod.formatEvent(e)),
    ['pid 12  dumped SIGSEGV'],
  );
  assert.is(r.error!.message, 'truncated record (3 of 128 bytes) at byte offset 128');
});

Module.run();
