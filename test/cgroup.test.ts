// `--cgroup` (assembly/cgroup.ts) as a black box, with real cgroups: where this machine has
// a writable cgroup v2 (found here from /proc/self/mountinfo, as supervise does, never
// assumed to be /sys/fs/cgroup), CMD runs in a leaf of supervise's own cgroup, tear-down
// kills the leaf with cgroup.kill, and the leaf is gone at exit. Every tree process inherits
// the "oracle" pipe as fd 3: EOF on our end means every one of them is dead. The setuid and
// delegation cases need root (to make a setuid copy, and a leaf delegated to another uid);
// each case says why when it skips.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  LAUNCH,
  SUPERVISE,
  alive,
  catches,
  isRoot,
  killQuietly,
  noteBirth,
  stillAlive,
  until,
  within,
} from './procs.ts';
import { spawn as superviseSpawn, spawnSync as superviseSpawnSync, type SubprocessError } from '../lib/index.ts';
import { decodeAll, type StatusEvent } from '../codec/index.ts';
import { nodeCodec } from '../codec/node.ts';

/** The directory of this process's cgroup v2, from /proc/self/cgroup's `0::PATH` and the
 *  cgroup2 line of /proc/self/mountinfo (ROOT, MOUNTPOINT), or null. */
function ownCgroup(): string | null {
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('0::'));
  if (!line) return null;
  const cg = line.slice(3);
  for (const m of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = m.split(' ');
    const dash = f.indexOf('-', 6);
    if (dash < 0 || f[dash + 1] !== 'cgroup2') continue;
    const root = f[3];
    const mount = f[4].replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(Number.parseInt(o, 8)));
    if (root !== '/' && cg !== root && !cg.startsWith(`${root}/`)) continue;
    const rest = root === '/' ? cg : cg.slice(root.length);
    return rest === '/' || rest === '' ? mount : path.join(mount, rest);
  }
  return null;
}

/** Whether `dir` takes a new sub-cgroup (tried and removed at once). */
function writable(dir: string | null): boolean {
  if (!dir) return false;
  const probe = path.join(dir, `supervise-test-probe.${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

const OWN = ownCgroup();
const WRITABLE = writable(OWN);
const NO_CGROUP = OWN
  ? `${OWN}, this process's cgroup v2, is not writable here`
  : 'no cgroup v2 hierarchy shows this process (no cgroup2 line in /proc/self/mountinfo)';
const NOBODY = 65534;

interface Run {
  proc: ChildProcess;
  stdout: string;
  stderr: string;
  oracleClosed: Promise<void>;
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];
const pidsToKill = new Set<number>();
const dirsToRemove: string[] = [];

/** Starts `argv` with fd 3 as the oracle pipe (inherited by the whole tree). */
function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env });
  started.push(proc);
  const r: Run = {
    proc,
    stdout: '',
    stderr: '',
    oracleClosed: new Promise((resolve) => {
      const oracle = proc.stdio[3] as Readable;
      oracle.on('data', () => {});
      oracle.on('close', () => resolve());
    }),
    exited: new Promise((resolve) => proc.on('exit', (code) => resolve(code))),
  };
  proc.stdout!.on('data', (b: Buffer) => {
    r.stdout += b.toString();
  });
  proc.stderr!.on('data', (b: Buffer) => {
    r.stderr += b.toString();
  });
  return r;
}

/** A directory under the own cgroup, delegated to `uid` as systemd's Delegate=yes does
 *  (the directory and its cgroup.procs, cgroup.threads, cgroup.subtree_control). */
function delegated(uid: number): string {
  const dir = path.join(OWN!, `supervise-test-delegated.${process.pid}.${dirsToRemove.length}`);
  mkdirSync(dir);
  dirsToRemove.push(dir);
  for (const f of ['', 'cgroup.procs', 'cgroup.threads', 'cgroup.subtree_control']) {
    chownSync(path.join(dir, f), uid, uid);
  }
  return dir;
}

/** argv that moves itself into cgroup `dir` (as root), then runs `argv` as uid NOBODY. */
function asNobodyIn(dir: string, argv: string[]): string[] {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return [
    'sh',
    '-c',
    `echo $$ > ${dir}/cgroup.procs && exec setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups ${quoted}`,
  ];
}

/** The real uid of pid (/proc/PID/status), or -1. */
function realUid(pid: number): number {
  const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : -1;
}

/** A world-readable temporary directory (uid NOBODY runs what is in it). */
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-cgroup-'));
  chmodSync(dir, 0o755);
  return dir;
}

async function cleanup(): Promise<void> {
  for (const pid of pidsToKill) killQuietly(pid);
  pidsToKill.clear();
  for (const p of started) if (p.exitCode === null && p.signalCode === null) killQuietly(p.pid!);
  started.length = 0;
  for (const dir of dirsToRemove.splice(0).reverse()) {
    // A leaf supervise left (a failed case) first, then the directory itself.
    try {
      for (const leaf of readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
        killQuietly(Number(leaf));
      }
    } catch {
      // gone
    }
    await until(() => !existsSync(dir) || tryRmdir(dir), 2000, `${dir} to be removed`).catch(() => {});
  }
}

function tryRmdir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

// ---

const Cgroup = suite('--cgroup');
Cgroup.after.each(cleanup);

/** The `layers` record of a run whose tree is held by the subreaper and the cgroup leaf `leaf`. */
function leafLayers(leaf: string) {
  return {
    subreaper: true,
    cgroup: true,
    pidNamespace: false,
    pathLength: Buffer.byteLength(leaf),
    pathOffset: 0,
    path: leaf,
  };
}

Cgroup('should run CMD in a leaf of its own cgroup and remove the leaf at exit', async () => {
  if (!WRITABLE) return console.log(`skipped: ${NO_CGROUP}`);
  const r = run([SUPERVISE, '--cgroup', '--', 'sh', '-c', 'cat /proc/self/cgroup; exit 7']);
  assert.is(await within(r.exited, 10_000, 'supervise to exit'), 7, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.startsWith('0::'))!;
  const own = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('0::'))!
    .slice(3);
  assert.is(line, `0::${path.join(own, `supervise.${r.proc.pid}`)}`);
  assert.not.ok(existsSync(path.join(OWN!, `supervise.${r.proc.pid}`)), 'the leaf is removed');
  assert.is(r.stderr, '');
});

/** A shell loop that burns some CPU (a fixed amount of work, not of time), in CMD and in a
 *  grandchild of it. */
const BURN = 'i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done';

Cgroup(
  'should write the layers record first and the totals record last, on the status fd and in the events log',
  async () => {
    if (!WRITABLE) return console.log(`skipped: ${NO_CGROUP}`);
    const dir = tempDir();
    dirsToRemove.push(dir);
    const log = path.join(dir, 'events.log');
    const status = path.join(dir, 'status.bin');
    const r = run([
      'sh',
      '-c',
      `exec ${SUPERVISE} --cgroup --events ${log} --status-fd 4 -- sh -c '(${BURN}) & ${BURN}; wait' 4>${status}`,
    ]);
    assert.is(await within(r.exited, 60_000, 'supervise to exit'), 0, r.stderr);
    const events = decodeAll(nodeCodec(), readFileSync(log));
    assert.is(events.error, null);
    const entries = events.records as StatusEvent[];
    const sup = entries[0].pid;
    const leaf = path.join(OWN!, `supervise.${sup}`);
    assert.equal(
      entries.map((e) => e.kind),
      ['started', 'layers', 'spawned', 'exited', 'totals'], // sh waits for its subshell itself
    );
    assert.equal(entries[1].layers, leafLayers(leaf));
    const totals = entries.at(-1)!;
    assert.is(totals.pid, sup);
    // The tree's CPU time covers every process of it: about what the reaped ones cost each.
    // About: the two are different clocks (cpu.stat counts from the write to cgroup.procs, a
    // reaped process's rusage from its fork, scaled from ticks); under load they were seen
    // 12% apart (68 ms for the tree, 77 ms for the processes, at load 50).
    const own = entries.reduce(
      (n, e) => n + (e.resources ? e.resources.userCPUTime + e.resources.systemCPUTime : 0),
      0,
    );
    const t = totals.totals!;
    assert.ok(t.cpuTime > 0 && t.cpuTime >= own * 0.5, `tree ${t.cpuTime} us, processes ${own} us`);
    assert.ok(
      t.userCPUTime + t.systemCPUTime > 0 && t.userCPUTime + t.systemCPUTime <= t.cpuTime * 1.1 + 10_000,
      JSON.stringify(t),
    );
    // Where the memory and pids controllers are not enabled for the leaf, no peak is claimed.
    const controllers = readFileSync(path.join(OWN!, 'cgroup.subtree_control'), 'utf8');
    if (!/\bmemory\b/.test(controllers)) assert.is(t.memoryPeak, undefined);
    if (!/\bpids\b/.test(controllers)) assert.is(t.pidsPeak, undefined);
    // The status fd says the same, without the events log's own `started`.
    const st = decodeAll(nodeCodec(), readFileSync(status), 'status').records as StatusEvent[];
    assert.equal(
      st.map((e) => e.kind),
      entries.slice(1).map((e) => e.kind),
    );
    assert.equal(st.at(-1)!.totals, t);
    assert.not.ok(existsSync(leaf), 'the leaf is removed');
  },
);

Cgroup("should say which layers held in --verbose's line and in supervise report", async () => {
  if (!WRITABLE) return console.log(`skipped: ${NO_CGROUP}`);
  const dir = tempDir();
  dirsToRemove.push(dir);
  const log = path.join(dir, 'events.log');
  const r = run([SUPERVISE, '--verbose', '--cgroup', '--events', log, '--', 'sh', '-c', BURN]);
  assert.is(await within(r.exited, 60_000, 'supervise to exit'), 0, r.stderr);
  const leaf = path.join(OWN!, `supervise.${r.proc.pid}`);
  assert.is(r.stderr, `supervise: layers: subreaper, cgroup v2 ${leaf}\n`);
  const rep = run([SUPERVISE, 'report', log]);
  assert.is(await within(rep.exited, 60_000, 'report'), 0, rep.stderr);
  assert.ok(rep.stdout.includes(`layers: subreaper, cgroup v2 ${leaf}\n`), rep.stdout);
  const time = String.raw`\d+(\.\d+)? (µs|ms|s|min|h)`; // report's durations: "24 ms", "1.67 s", "0 s"
  assert.match(
    rep.stdout,
    new RegExp(String.raw`\nwhole tree \(its cgroup\): CPU ${time}[^\n]* \(user ${time}[^\n]*, system ${time}[^\n]*\)`),
  );
  // Without a mechanism beyond the subreaper: no layers record, the line says so.
  const plain = run([SUPERVISE, '--verbose', '--events', log, '--', 'true']);
  assert.is(await within(plain.exited, 60_000, 'supervise to exit'), 0);
  assert.is(plain.stderr, 'supervise: layers: subreaper\n');
  const json = run([SUPERVISE, 'report', '--format', 'json', log]);
  assert.is(await within(json.exited, 60_000, 'report'), 0, json.stderr);
  const runs = JSON.parse(json.stdout).runs;
  assert.is(runs[0].layers.path, leaf);
  assert.ok(runs[0].tree.cpuTime > 0);
  assert.equal([runs[1].layers, runs[1].tree], [null, null]);
});

Cgroup('should stop a fork storm with cgroup.kill: no survivor, the leaf removed', async () => {
  if (!WRITABLE) return console.log(`skipped: ${NO_CGROUP}`);
  // The storm outlives CMD (the outer sh, which TERM ends): supervise's tear-down races it.
  const storm = 'while :; do sleep 61.31 & done';
  const r = run([SUPERVISE, '--cgroup', '--', 'sh', '-c', `sh -c '${storm}' & echo go; wait`]);
  const leaf = path.join(OWN!, `supervise.${r.proc.pid}`);
  const members = () => {
    try {
      return readFileSync(path.join(leaf, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  await until(() => members().length >= 50, 10_000, 'the storm to make 50 processes in the leaf');
  for (const pid of members()) pidsToKill.add(pid);
  r.proc.kill('SIGTERM');
  await within(r.oracleClosed, 10_000, 'every process of the storm to die (the oracle pipe closed)');
  assert.is(await within(r.exited, 10_000, 'supervise to exit'), 128 + 15, r.stderr);
  assert.not.ok(existsSync(leaf), 'the leaf is removed');
});

Cgroup(
  'should kill a setuid-root descendant of a non-root supervise (a delegated leaf), which survives the subreaper alone',
  async () => {
    if (!WRITABLE) return console.log(`skipped: ${NO_CGROUP}`);
    if (!isRoot)
      return console.log('skipped: needs root (a setuid-root copy of setpriv, and a cgroup delegated to another uid)');
    const dir = tempDir();
    try {
      // A setuid-root copy of setpriv makes every uid of `sleep` 0: a process the non-root
      // supervise may not signal (a setuid copy of sleep itself keeps the caller's real uid).
      const suid = path.join(dir, 'setpriv');
      copyFileSync('/usr/bin/setpriv', suid);
      chmodSync(suid, 0o4755);
      const cmd = `${suid} --reuid=0 --regid=0 --clear-groups sleep 33.71 & echo $!; wait $!`;
      for (const layer of [true, false]) {
        const argv = [SUPERVISE, ...(layer ? ['--cgroup'] : []), '--', 'sh', '-c', cmd];
        const r = run(asNobodyIn(delegated(NOBODY), argv));
        await until(() => r.stdout.endsWith('\n'), 10_000, 'the sleep');
        const pid = Number(r.stdout);
        pidsToKill.add(pid);
        await until(() => realUid(pid) === 0, 10_000, 'the setuid sleep to run with real uid 0');
        r.proc.kill('SIGTERM'); // forwarded to the sh, whose exit tears the tree down
        if (layer) {
          await within(r.oracleClosed, 10_000, 'the setuid sleep to die (the oracle pipe closed)');
          assert.is(await within(r.exited, 10_000, 'supervise to exit'), 128 + 15, r.stderr);
          assert.not.ok(alive(pid));
          assert.is(r.stderr, '');
        } else {
          await until(() => r.stderr.includes(`could not signal pid ${pid}: EPERM`), 10_000, 'the EPERM report');
          assert.ok(alive(pid), 'the setuid sleep survives the subreaper alone');
          killQuietly(pid); // as root
          await within(r.oracleClosed, 10_000, 'the oracle pipe to close');
          await within(r.exited, 10_000, 'supervise to exit once the test killed the sleep');
        }
        await cleanup();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

Cgroup('should go on with the subreaper alone, saying so, where the cgroup is not writable', async () => {
  if (!OWN) return console.log(`skipped: ${NO_CGROUP}`);
  if (!isRoot) return console.log('skipped: needs root (to run supervise as another uid in a cgroup it may not write)');
  // uid NOBODY in the own cgroup, which root owns.
  const r = run([
    'setpriv',
    `--reuid=${NOBODY}`,
    `--regid=${NOBODY}`,
    '--clear-groups',
    SUPERVISE,
    '--cgroup',
    '--',
    'sh',
    '-c',
    'exit 4',
  ]);
  assert.is(await within(r.exited, 10_000, 'supervise to exit'), 4);
  assert.is(
    r.stderr,
    'supervise: --cgroup: cannot make a leaf cgroup here: Permission denied; going on with the subreaper alone\n',
  );
});

Cgroup(
  'should set pids.max with --max-pids where the pids controller is enabled, else say it is not and exit 1',
  async () => {
    if (!WRITABLE) return console.log(`skipped: ${NO_CGROUP}`);
    const enabled = readFileSync(path.join(OWN!, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('pids');
    // CMD's parent is supervise: the leaf is supervise.$PPID.
    const r = run([SUPERVISE, '--max-pids', '7', '--', 'sh', '-c', 'cat "$CG/supervise.$PPID/pids.max"'], {
      ...process.env,
      CG: OWN!,
    });
    const code = await within(r.exited, 10_000, 'supervise to exit');
    if (enabled) {
      assert.is(code, 0, r.stderr);
      assert.is(r.stdout, '7\n');
    } else {
      assert.is(code, 1);
      assert.is(
        r.stderr,
        `supervise: --max-pids: the pids controller is not enabled for cgroups under ${OWN} (its cgroup.subtree_control has no pids)\n`,
      );
      assert.is(r.stdout, '', 'CMD never started');
    }
    assert.not.ok(existsSync(path.join(OWN!, `supervise.${r.proc.pid}`)), 'no leaf left');
  },
);

Cgroup(
  'should set memory.max with --max-memory where the memory controller is enabled, else say it is not and exit 1',
  async () => {
    if (!WRITABLE) return console.log(`skipped: ${NO_CGROUP}`);
    const enabled = readFileSync(path.join(OWN!, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('memory');
    const r = run([SUPERVISE, '--max-memory', '64M', '--', 'sh', '-c', 'cat "$CG/supervise.$PPID/memory.max"'], {
      ...process.env,
      CG: OWN!,
    });
    const code = await within(r.exited, 10_000, 'supervise to exit');
    if (enabled) {
      assert.is(code, 0, r.stderr);
      assert.is(r.stdout, `${64 * 1024 * 1024}\n`);
    } else {
      assert.is(code, 1);
      assert.is(
        r.stderr,
        `supervise: --max-memory: the memory controller is not enabled for cgroups under ${OWN} (its cgroup.subtree_control has no memory)\n`,
      );
      assert.is(r.stdout, '', 'CMD never started');
    }
    assert.not.ok(existsSync(path.join(OWN!, `supervise.${r.proc.pid}`)), 'no leaf left');
  },
);

// ---

const Protocol = suite('protocol mode with --cgroup');
Protocol.after.each(cleanup);

/** This process's cgroup v2 path (`0::PATH` of /proc/PID/cgroup, relative to the namespace's
 *  root), or null once it is gone. */
function cgroupOf(pid: number | 'self'): string | null {
  try {
    const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    return line ? line.slice(3) : null;
  } catch {
    return null;
  }
}

interface Owned {
  proc: ChildProcess;
  /** supervise's pid: examples/launch.py execs it in place. */
  pid: number;
  status: () => Buffer;
  stderr: () => string;
  /** The pids the tree announced on the oracle (fd 3), as they came. */
  announced: () => number[];
  oracleClosed: Promise<void>;
  exited: Promise<number | null>;
}

/** An owner as docs/protocol.md has it (examples/launch.py): it becomes a child subreaper,
 *  starts `cmds` (each `sh -c CMD`, the oracle as fd 3), then execs supervise with `args`;
 *  our pipes are its fd 0 (control: ending it is the tear-down) and fd 1 (status). */
function owned(args: string[], cmds: string[]): Owned {
  const argv = [LAUNCH, '--pass-fd', '3', ...args.flatMap((a) => ['--arg', a]), SUPERVISE, ...cmds];
  const proc = spawn('python3', argv, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  started.push(proc);
  const chunks: Buffer[] = [];
  let stderr = '';
  let oracle = '';
  proc.stdout!.on('data', (b: Buffer) => chunks.push(b));
  proc.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const o: Owned = {
    proc,
    pid: proc.pid!,
    status: () => Buffer.concat(chunks),
    stderr: () => stderr,
    announced: () =>
      oracle
        .slice(0, oracle.lastIndexOf('\n') + 1)
        .split('\n')
        .filter(Boolean)
        .map(Number),
    oracleClosed: new Promise((resolve) => {
      const r = proc.stdio[3] as Readable;
      r.on('data', (b: Buffer) => {
        oracle += b.toString();
      });
      r.on('close', () => resolve());
    }),
    exited: new Promise((resolve) => proc.on('exit', (code) => resolve(code))),
  };
  return o;
}

/** The tree the owner starts before it execs supervise: a shell (which becomes `sleep
 *  4141.36`) with a background child and a setsid double-forked grandchild, which re-parents
 *  to the owner (a subreaper: supervise, once it execs). Each announces its pid on the
 *  oracle. The sleeps outlast every bound of the tests: only a kill ends them. */
const TREE = `echo $$ >&3; sleep 4141.37 & echo $! >&3; setsid sh -c 'sleep 4141.38 & echo $! >&3'; exec sleep 4141.36`;

/** The command line of a process ('' once it is gone). */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Waits for the tree's three pids, each one its `sleep 4141.3x` (the shell has exec'd, so
 *  the setsid shell in between has exited and been reaped by it: before that it is a fourth
 *  member, which a tear-down may catch), and supervise's first record -> the pids and the
 *  records. */
async function treeUp(o: Owned): Promise<{ pids: number[]; records: StatusEvent[] }> {
  await until(() => o.announced().length === 3, 10_000, 'the tree to announce its three pids');
  const pids = o.announced();
  for (const pid of pids) {
    noteBirth(pid);
    pidsToKill.add(pid);
  }
  await until(
    () => pids.every((pid) => /^sleep 4141\.3[678] $/.test(cmdline(pid))),
    10_000,
    'the tree to settle: three sleeps, the shells gone',
  );
  await until(() => o.status().length >= 128 || o.proc.exitCode !== null, 10_000, "supervise's first record");
  return { pids, records: decodeAll(nodeCodec(), o.status(), 'status').records as StatusEvent[] };
}

Protocol(
  'should move every process its owner started into the leaf: layers record first, tear-down on EOF, totals last',
  async () => {
    if (!WRITABLE) return console.log(`skipped: ${NO_CGROUP}`);
    const o = owned(['--cgroup'], [TREE]);
    const { pids, records } = await treeUp(o);
    const leaf = path.join(OWN!, `supervise.${o.pid}`);
    assert.is(records[0].kind, 'layers', 'the first record');
    assert.equal(records[0].layers, leafLayers(leaf));
    // The layers record is written once the tree is gathered: every member is in the leaf,
    // supervise itself is not (its cgroup.kill would end it before its last records).
    const inLeaf = path.join(cgroupOf('self')!, `supervise.${o.pid}`);
    for (const pid of pids) assert.is(cgroupOf(pid), inLeaf, `pid ${pid}`);
    assert.is(cgroupOf(o.pid), cgroupOf('self'), 'supervise stays in its own cgroup');
    o.proc.stdin!.end(); // control EOF: the tear-down
    await within(o.oracleClosed, 10_000, 'every process of the tree to die (the oracle pipe closed)');
    assert.is(await within(o.exited, 10_000, 'supervise to exit'), 0, o.stderr());
    const all = decodeAll(nodeCodec(), o.status(), 'status');
    assert.is(all.error, null);
    const kinds = (all.records as StatusEvent[]).map((e) => e.kind);
    assert.is(kinds[0], 'layers');
    assert.is(kinds.at(-1), 'totals');
    const reaped = (all.records as StatusEvent[]).filter((e) => e.kind !== 'layers' && e.kind !== 'totals');
    assert.equal(reaped.map((e) => e.pid).sort(), [...pids].sort(), 'one record per process, adopted ones included');
    assert.not.ok(existsSync(leaf), 'the leaf is removed');
    assert.not.match(o.stderr(), /supervise:/);
  },
);

Protocol(
  'should leave the owner the leaf to kill when supervise is SIGKILLed; without --cgroup the tree survives',
  async () => {
    if (!WRITABLE) return console.log(`skipped: ${NO_CGROUP}`);
    for (const layer of [true, false]) {
      const o = owned(layer ? ['--cgroup'] : [], [TREE]);
      // Without --cgroup supervise writes nothing until a child dies: wait for its handlers.
      const { pids } = layer
        ? await treeUp(o)
        : await until(() => o.announced().length === 3, 10_000, 'the three pids').then(() => ({
            pids: o.announced(),
          }));
      for (const pid of pids) pidsToKill.add(pid);
      // SIGCHLD's handler is the first supervise installs, the last real-time signal's the last.
      if (!layer) await until(() => catches(o.pid, 17) && catches(o.pid, 64), 10_000, 'supervise to run');
      o.proc.kill('SIGKILL');
      await within(o.exited, 10_000, 'supervise to die');
      if (layer) {
        // What an owner does when the status fd ends without the totals record.
        const all = decodeAll(nodeCodec(), o.status(), 'status').records as StatusEvent[];
        assert.not.ok(
          all.some((e) => e.kind === 'totals'),
          'no totals record',
        );
        const leaf = all[0].layers!.path!;
        dirsToRemove.push(leaf);
        writeFileSync(path.join(leaf, 'cgroup.kill'), '1');
        await within(o.oracleClosed, 10_000, 'every process of the tree to die (the oracle pipe closed)');
        // A killed process closes its fds before it is a zombie: the oracle may close first.
        await until(() => !pids.some(stillAlive), 10_000, 'each process of the tree to be dead');
        for (const pid of pids) assert.not.ok(stillAlive(pid), `pid ${pid}`);
      } else {
        for (const pid of pids)
          assert.ok(stillAlive(pid), `pid ${pid} outlives a SIGKILLed supervise without --cgroup`);
        for (const pid of pids) killQuietly(pid);
        await within(o.oracleClosed, 10_000, 'the oracle pipe to close once the test killed the tree');
      }
      await cleanup();
    }
  },
);

Protocol(
  'should tear its children down and exit 1 when a limit cannot be set (never leave a tree it was asked to bound)',
  async () => {
    if (!WRITABLE) return console.log(`skipped: ${NO_CGROUP}`);
    if (readFileSync(path.join(OWN!, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('pids')) {
      return console.log(`skipped: the pids controller is enabled under ${OWN}: --max-pids can be set here`);
    }
    const o = owned(['--max-pids', '7'], [TREE]);
    // No control EOF from us: supervise ends the tree by itself, maybe before all of it
    // announced itself; the oracle's EOF says that every process that held it is dead.
    try {
      await within(o.oracleClosed, 10_000, 'every process of the tree to die (the oracle pipe closed)');
    } finally {
      for (const pid of o.announced()) pidsToKill.add(pid); // cleanup's, if it failed
    }
    assert.is(await within(o.exited, 10_000, 'supervise to exit'), 1);
    assert.is(
      o.stderr().replace(/^pids: [\d ]+\n/, ''), // examples/launch.py's line
      `supervise: --max-pids: the pids controller is not enabled for cgroups under ${OWN} (its cgroup.subtree_control has no pids)\n`,
    );
    const all = decodeAll(nodeCodec(), o.status(), 'status');
    assert.is(all.error, null);
    const reaped = (all.records as StatusEvent[]).filter((e) => e.kind !== 'layers' && e.kind !== 'totals');
    // The shell is supervise's child from the start: its record is there, whatever it had started.
    const shell = Number(/^pids: (\d+)/.exec(o.stderr())![1]);
    assert.ok(
      reaped.some((e) => e.pid === shell),
      `the shell's record: ${reaped.map((e) => e.pid)}`,
    );
    for (const pid of o.announced()) {
      assert.ok(
        reaped.some((e) => e.pid === pid),
        `a record for announced pid ${pid}`,
      );
    }
    assert.not.ok(existsSync(path.join(OWN!, `supervise.${o.pid}`)), 'no leaf left');
  },
);

// ---

const Library = suite('the library with cgroup: true');
Library.after.each(cleanup);

/** The library's tree (a background and a setsid sleep beside the main child) with its
 *  supervise SIGKILLed once the tree is up -> the tree's pids, each still alive or not
 *  once the library says the tree is over. */
async function killedSupervisor(cgroup: boolean): Promise<{ pids: number[]; survivors: number[] }> {
  // No pipe the sleeps would hold open: the end of the tree is fd 3's EOF alone.
  const sub = superviseSpawn('sh', ['-c', 'sleep 41.61 & setsid sleep 41.62 & wait'], {
    cgroup,
    stdio: 'ignore',
    reject: false,
  });
  const main = await within(sub.spawned, 10_000, 'the main child');
  const children = () => readFileSync(`/proc/${main}/task/${main}/children`, 'utf8').split(' ').filter(Boolean);
  await until(() => children().length === 2, 10_000, 'the two sleeps');
  const stat = readFileSync(`/proc/${main}/stat`, 'utf8');
  const supervisor = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  // The tree: the main child and its sleeps (children of main, the setsid one included).
  const pids = [
    main,
    ...readFileSync(`/proc/${main}/task/${main}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  ];
  for (const pid of pids) {
    noteBirth(pid);
    pidsToKill.add(pid);
  }
  assert.is(pids.length, 3, 'the main child and two sleeps');
  process.kill(supervisor, 'SIGKILL');
  await within(Promise.resolve(sub), 10_000, 'the library to see the end of the tree');
  // The main child's pdeathsig (SIGKILL) is on its way without cgroup: wait for it.
  await until(() => !stillAlive(main), 10_000, 'the main child to die by its pdeathsig');
  return { pids, survivors: pids.filter(stillAlive) };
}

Library('should kill the tree of a SIGKILLed supervise through the leaf, which survives without it', async () => {
  if (!WRITABLE) return console.log(`skipped: ${NO_CGROUP}`);
  const withLeaf = await killedSupervisor(true);
  assert.equal(withLeaf.survivors, [], `pids ${withLeaf.pids} with cgroup: true`);
  await cleanup();
  const without = await killedSupervisor(false);
  assert.is(without.survivors.length, 2, `both sleeps outlive a SIGKILLed supervise without cgroup (${without.pids})`);
});

Library("should say which layers hold the tree in verbose's log", async () => {
  if (!WRITABLE) return console.log(`skipped: ${NO_CGROUP}`);
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    // cat lives until its stdin ends: the leaf is there when the library looks.
    const sub = superviseSpawn('cat', [], { cgroup: true, verbose: 'short', stdio: ['pipe', 'ignore', 'ignore'] });
    await within(sub.spawned, 10_000, 'the main child');
    sub.stdin!.end();
    await within(Promise.resolve(sub), 10_000, 'the end of the tree');
  } finally {
    process.stderr.write = write;
  }
  const layers = lines.find((l) => l.includes('layers:'));
  assert.ok(layers?.includes(`layers: subreaper, cgroup v2 (${OWN}/supervise.`), lines.join(''));
});

Library("should give the leaf's path and the tree's totals in the Result (spawn and spawnSync)", async () => {
  if (!WRITABLE) return console.log(`skipped: ${NO_CGROUP}`);
  const r = await superviseSpawn('sh', ['-c', `(${BURN}) & ${BURN}; wait`], { cgroup: true });
  const cg = r.cgroup!;
  assert.ok(cg, 'result.cgroup');
  assert.match(cg.path, new RegExp(`^${OWN!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/supervise\\.\\d+$`));
  assert.not.ok(existsSync(cg.path), 'the leaf is removed');
  assert.ok(cg.cpuTime! > 0 && cg.userCPUTime! >= 0 && cg.systemCPUTime! >= 0, JSON.stringify(cg));
  const s = superviseSpawnSync('sh', ['-c', BURN], { cgroup: true });
  assert.ok(s.cgroup && s.cgroup.cpuTime! > 0, JSON.stringify(s.cgroup));
  const without = await superviseSpawn('true', [], {});
  assert.is(without.cgroup, undefined);
});

Library(
  'should take maxPids and maxMemory (the table, --max-pids/--max-memory): the limit, or the error naming the missing controller',
  async () => {
    const controllers =
      OWN && existsSync(path.join(OWN, 'cgroup.subtree_control'))
        ? readFileSync(path.join(OWN, 'cgroup.subtree_control'), 'utf8')
        : '';
    for (const [option, controller] of [
      ['maxPids', 'pids'],
      ['maxMemory', 'memory'],
    ] as const) {
      const value = option === 'maxPids' ? 4 : 64 << 20;
      if (WRITABLE && new RegExp(`\\b${controller}\\b`).test(controllers)) {
        // The controller is there: the leaf's pids.max / memory.max holds the value while
        // the tree runs (memory in bytes: the KiB supervise wrote).
        const file = controller === 'pids' ? 'pids.max' : 'memory.max';
        const opts = option === 'maxPids' ? { maxPids: value } : { maxMemory: value };
        const r = await superviseSpawn('sh', ['-c', `cat ${OWN}/supervise.$PPID/${file}`], { ...opts, reject: false });
        assert.is(r.stdout, String(value), `${option}: ${r.stderr}`);
        continue;
      }
      const opts = option === 'maxPids' ? { maxPids: value } : { maxMemory: value };
      const r = (await superviseSpawn('true', [], { ...opts, reject: false })) as SubprocessError<string>;
      assert.ok(r.failed, option);
      assert.is(r.status, undefined, `${option}: the command never started`);
      const why = WRITABLE
        ? `the ${controller} controller is not enabled for cgroups under ${OWN}`
        : `--${controller === 'pids' ? 'max-pids' : 'max-memory'}: `;
      assert.ok(r.stderr.includes(why), `${option}: ${r.stderr}`);
      assert.ok(r.message.includes(why), "the error message carries supervise's");
      const s = superviseSpawnSync('true', [], { ...opts, reject: false });
      assert.ok(s.failed && String(s.stderr).includes(why), `spawnSync ${option}: ${s.stderr}`);
    }
    assert.throws(() => superviseSpawn('true', [], { maxPids: 0 }), /maxPids must be a positive integer/);
    assert.throws(() => superviseSpawnSync('true', [], { maxMemory: 1.5 }), /maxMemory must be a positive integer/);
  },
);

Cgroup.run();
Protocol.run();
Library.run();
