// `supervise report FILE` as a black box, on the events logs of real runs whose answers the
// test knows: a main command that ignores TERM (killed at the --grace deadline), a setsid
// escapee, a CPU burner and a ~100 MB allocator (orphans supervise reaps itself, so their
// figures are theirs), and a --wait-all run kept waiting by an orphan. Every process carries
// a name of its own (a link to sleep or python: comm is the name exec'd) and a distinctive
// sleep; every pid is killed and every directory removed at the end.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SUPERVISE, SLACK, killQuietly, within } from './procs.ts';
import { encodeEventsRef, encodeStatusRef } from './helpers.ts';
import type { RunReport } from '../codec/report.ts';

const sleepBin = spawnSync('sh', ['-c', 'command -v sleep']).stdout.toString().trim();
// python3 may be a launcher script (pyenv): the interpreter itself, so that a link names it.
const python = spawnSync('python3', ['-c', 'import os, sys; print(os.path.realpath(sys.executable))'])
  .stdout.toString()
  .trim();

function run(args: string[], input?: Uint8Array) {
  const r = spawnSync(SUPERVISE, args, { input, encoding: 'buffer', timeout: 20_000 * SLACK });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

interface Recorded {
  dir: string;
  file: string;
  exitCode: number | null;
  pids: Record<string, number>;
  main: number;
}

const dirs: string[] = [];
const started: number[] = [];

/** Runs supervise with `options` over `sh -c script` in a new directory holding links
 *  stubborn/escapee/lingerer -> sleep and cpu-burner/allocator -> python; each member
 *  writes its pid to NAME.pid. Waits (bounded) for supervise to exit. */
async function record(options: string[], script: string): Promise<Recorded> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-report-'));
  dirs.push(dir);
  for (const name of ['stubborn', 'escapee', 'lingerer']) symlinkSync(sleepBin, path.join(dir, name));
  for (const name of ['cpu-burner', 'allocator']) symlinkSync(python, path.join(dir, name));
  const file = path.join(dir, 'run.supv');
  const p = spawn(SUPERVISE, ['--events', file, ...options, '--', 'sh', '-c', `cd ${dir}\n${script}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  started.push(p.pid!);
  const exited = new Promise<number | null>((r) => p.on('exit', r));
  const exitCode = await within(exited, 30_000 * SLACK, 'supervise to exit');
  const pids: Record<string, number> = {};
  for (const name of ['stubborn', 'escapee', 'lingerer', 'cpu-burner', 'allocator']) {
    const f = path.join(dir, `${name}.pid`);
    if (existsSync(f)) {
      pids[name] = Number(readFileSync(f, 'utf8'));
      started.push(pids[name]);
    }
  }
  return { dir, file, exitCode, pids, main: pids.stubborn ?? 0 };
}

/** A CPU burner: 0.6 s of its own CPU time (process_time), then a file saying so. */
const BURN = `import os, time
open('cpu-burner.pid', 'w').write(str(os.getpid()))
t = time.process_time()
while time.process_time() - t < 0.6: pass
open('burned', 'w').close()`;
/** An allocator: 100 MiB written byte by byte (resident, not just mapped), then a file. */
const ALLOC = `import os
open('allocator.pid', 'w').write(str(os.getpid()))
x = bytearray(b'\\x01') * (100 * 1024 * 1024)
open('allocated', 'w').close()`;

const Report = suite('supervise report on real runs');
let grace: Recorded;
let waiting: Recorded;

Report.before(async () => {
  // The main command ignores TERM; it double-forks the burner and the allocator (orphans:
  // supervise reaps them), starts a setsid escapee, waits for the two to finish their work,
  // asks supervise to stop (TERM to $PPID, forwarded to it and ignored) and becomes
  // `stubborn`: the --grace deadline passes and tear-down kills it and the escapee.
  grace = await record(
    ['--grace', '1s'],
    [
      "trap '' TERM",
      'echo $$ > stubborn.pid',
      'setsid ./escapee 41.37 & echo $! > escapee.pid',
      `(./cpu-burner -c "${BURN.replaceAll('"', '\\"')}" &)`,
      `(./allocator -c "${ALLOC.replaceAll('"', '\\"')}" &)`,
      'until [ -e burned ] && [ -e allocated ]; do sleep 0.0137; done',
      'kill -TERM $PPID',
      'exec ./stubborn 41.38',
    ].join('\n'),
  );
  // --wait-all: the main command exits 0 at once; an orphan keeps the run waiting.
  waiting = await record(
    ['--wait-all'],
    ['(./lingerer 1.37 & echo $! > lingerer.pid)', 'until [ -e lingerer.pid ]; do sleep 0.0137; done', 'exit 0'].join(
      '\n',
    ),
  );
});

Report.after(() => {
  for (const pid of started) killQuietly(pid);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const json = (file: string): RunReport[] => {
  const r = run(['report', '--format', 'json', file]);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  return JSON.parse(r.stdout).runs;
};

Report('should answer for the --grace run: main command, escapee, kills, deadline, top CPU and memory', () => {
  assert.is(grace.exitCode, 137, 'the main command died of the SIGKILL at the deadline');
  const [r] = json(grace.file);
  const { stubborn, escapee } = grace.pids;
  const burner = grace.pids['cpu-burner'];
  const allocator = grace.pids.allocator;
  assert.ok(stubborn && escapee && burner && allocator, JSON.stringify(grace.pids));
  assert.is(r.version, 3);
  assert.is(r.waitAll, false);
  assert.equal(
    [r.main?.pid, r.main?.comm, r.main?.status, r.main?.killedAtGraceDeadline],
    [stubborn, 'stubborn', 'killed SIGKILL', true],
  );
  assert.ok(r.main!.durationUs > 0);
  assert.is(r.processes, 4, 'stubborn, escapee, cpu-burner, allocator');
  assert.equal(
    r.escapees!.map((p) => [p.pid, p.comm]),
    [[escapee, 'escapee']],
  );
  assert.ok(r.escapees![0].lifetimeUs! > 0);
  const pids = (ps: Array<{ pid: number }> | null) => ps!.map((p) => p.pid).sort((a, b) => a - b);
  assert.equal(
    pids(r.killedAtTeardown),
    [stubborn, escapee].sort((a, b) => a - b),
  );
  assert.is(r.graceDeadline, true);
  assert.equal(
    pids(r.aliveAtGraceDeadline),
    [stubborn, escapee].sort((a, b) => a - b),
  );
  assert.equal(
    r.aliveAtGraceDeadline!.filter((p) => p.signalled).map((p) => p.pid),
    [stubborn],
    'supervise forwarded the TERM to the main command only',
  );
  assert.is(r.keptWaiting, null);
  // The burner is first, or second behind the allocator: filling 100 MiB took more than the
  // burner's 0.6 s of CPU once at load ~50 (page faults), so only the order is asserted.
  const cpus = r.topCpu!.map((p) => p.cpuUs!);
  assert.equal(
    cpus,
    [...cpus].sort((a, b) => b - a),
    'the list is by CPU time, most first',
  );
  const top2 = r.topCpu!.slice(0, 2).map((p) => p.pid);
  assert.ok(top2[0] === burner || (top2[0] === allocator && top2[1] === burner), `top by CPU: ${top2}`);
  const burned = r.topCpu!.find((p) => p.pid === burner)!;
  assert.ok(burned.cpuUs! >= 600_000, `at least the 0.6 s it burned: ${burned.cpuUs}`);
  assert.is(r.topRss![0].pid, allocator, 'the allocator had the largest peak RSS');
  assert.ok(r.topRss![0].resources!.maxRSS >= 100 * 1024, `at least 100 MiB: ${r.topRss![0].resources!.maxRSS} KiB`);
  const killed = r.topCpu!.find((p) => p.pid === escapee);
  assert.ok(!killed || killed.cpuUs! < 600_000, 'a sleeper does not outrank the burner');
});

Report('should say the same as text, one answer per line', () => {
  const r = run(['report', grace.file]);
  assert.is(r.status, 0, r.stderr);
  const { stubborn, escapee } = grace.pids;
  const text = r.stdout;
  assert.match(text, /^run of supervise \d+, \d{4}-\d\d-\d\dT[\d:.]+Z, /);
  assert.match(
    text,
    new RegExp(
      `\\nmain command: stubborn \\(pid ${stubborn}\\) killed SIGKILL after .*\\(killed at the --grace deadline\\)\\n`,
    ),
  );
  assert.match(text, /\nprocesses: 4 reaped\n/);
  assert.match(
    text,
    new RegExp(`\\nescaped the main command's session or process group: 1\\n {4}escapee \\(pid ${escapee}\\) lived `),
  );
  assert.match(text, /\nkilled by supervise at tear-down: 2\n/);
  assert.match(text, /\nalive at the --grace deadline \(killed then\): 2\n/);
  assert.match(
    text,
    new RegExp(`stubborn \\(pid ${stubborn}\\) aged [^\\n]*, ignored the TERM supervise forwarded\\n`),
  );
  assert.match(text, /\nkept the run waiting: no one \(not --wait-all/);
  assert.match(text, /\ntop by CPU time[^\n]*:\n( {4}allocator \(pid \d+\) [^\n]*\n)? {4}cpu-burner \(pid \d+\) /);
  assert.match(text, /\ntop by peak RSS:\n {4}allocator \(pid \d+\) 1\d\d\.\d MiB\n/);
});

Report('should name who kept a --wait-all run waiting, and for how long', () => {
  assert.is(waiting.exitCode, 0);
  const [r] = json(waiting.file);
  const lingerer = waiting.pids.lingerer;
  assert.is(r.waitAll, true);
  assert.equal([r.main?.comm, r.main?.status], ['sh', 'exited 0']);
  assert.equal(
    r.keptWaiting!.map((p) => [p.pid, p.comm, p.status]),
    [[lingerer, 'lingerer', 'exited 0']],
  );
  assert.ok(r.keptWaiting![0].waitedUs > 0);
  assert.ok(r.keptWaiting![0].lifetimeUs! >= 1_370_000, `it slept 1.37 s: ${r.keptWaiting![0].lifetimeUs}`);
  assert.equal(r.killedAtTeardown, []);
  assert.is(r.graceDeadline, false);
  const text = run(['report', waiting.file]).stdout;
  assert.match(
    text,
    new RegExp(`\\nkept the run waiting \\(--wait-all\\): 1, [^\\n]+\\n {4}lingerer \\(pid ${lingerer}\\) ended `),
  );
});

Report('should report each run of an appended log, and read older logs for what they can say', () => {
  const both = new Uint8Array([...readFileSync(grace.file), ...readFileSync(waiting.file).subarray(16)]);
  const file = path.join(grace.dir, 'both.supv');
  writeFileSync(file, both);
  const runs = json(file);
  assert.equal(
    runs.map((r) => r.main?.status),
    ['killed SIGKILL', 'exited 0'],
  );
  // A version 2 log: names and escapes, nothing of resources or tear-down.
  const v2 = encodeEventsRef(2, [
    {
      time: 1e15,
      record: encodeStatusRef({ signo: 0, code: 0x5303, pid: 10 }),
      proc: { start: 1e15, comm: 'supervise', ppid: 1, pgid: 1, sid: 1 },
    },
    {
      time: 1e15 + 5,
      record: encodeStatusRef({ signo: 0, code: 0x5301, pid: 11 }),
      proc: { start: 1e15 + 1, comm: 'make', ppid: 10, pgid: 1, sid: 1 },
    },
    {
      time: 2e15,
      record: encodeStatusRef({ signo: 17, code: 2, pid: 12, status: 9 }),
      proc: { start: 1e15 + 9, comm: 'daemon', ppid: 10, pgid: 12, sid: 12 },
    },
    {
      time: 2e15 + 1,
      record: encodeStatusRef({ signo: 17, code: 1, pid: 11, status: 2 }),
      proc: { start: 1e15 + 1, comm: 'make', ppid: 10, pgid: 1, sid: 1 },
    },
  ]);
  const r = run(['report'], v2);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /\nmain command: make \(pid 11\) exited 2 after /);
  assert.match(r.stdout, /\nescaped the main command's session or process group: 1\n {4}daemon \(pid 12\) lived /);
  assert.match(r.stdout, /\nkilled by supervise at tear-down: unknown \(events log version 2; version 3 says\)\n/);
  assert.match(r.stdout, /\ntop by CPU time: unknown \(events log version 2; version 3 says\)\n/);
});

Report('should refuse a raw status stream, and end a truncated log with the report before it and exit 1', () => {
  const raw = run(['report'], encodeStatusRef({ signo: 17, code: 1, pid: 5 }));
  assert.is(raw.status, 1);
  assert.is(raw.stdout, '');
  assert.match(raw.stderr, /^supervise: report: stdin: not an events log/);
  const bytes = readFileSync(grace.file);
  const cut = run(['report'], bytes.subarray(0, bytes.length - 100));
  assert.is(cut.status, 1);
  assert.match(cut.stdout, /^run of supervise /);
  assert.match(cut.stderr, /^supervise: report: stdin: truncated record \(156 of 256 bytes\) at byte offset \d+\n$/);
  const missing = run(['report', path.join(grace.dir, 'none.supv')]);
  assert.is(missing.status, 1);
  assert.match(missing.stderr, /ENOENT: cannot open it\n$/);
});

Report.run();
