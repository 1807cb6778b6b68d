// Launch mode (`supervise [options] -- CMD [ARG...]`) as a black box, with real process trees.
// Every tree process inherits the "oracle" socket as fd 3 (supervise passes it through to
// CMD): EOF on our end means every one of them is dead. Tree scripts announce their pids
// with `echo $$ >&3`, so cleanup can kill them by pid.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  ESCAPES,
  SUPERVISE,
  alive,
  catches,
  isRoot,
  killQuietly,
  noteBirth,
  stillAlive,
  parseStatus,
  sleep,
  until,
  within,
  type StatusRecord,
  SLACK,
} from './procs.ts';
import { parseArgs, launchArgv, type LaunchOptions } from '../cli/args.ts';
import { runCore } from '../cli/host.ts';
import { loadCore, type LinuxImports } from '../cli/wasm.ts';
import { EXIT_FRONT_END } from '../assembly/protocol.ts';
import * as options from '../assembly/options.ts';

const SUP_SPAWNED = 0x5301,
  SUP_SPAWN_FAILED = 0x5302,
  CLD_EXITED = 1,
  CLD_KILLED = 2;

interface Run {
  proc: ChildProcess;
  pid: number;
  announced: number[];
  stdout: string;
  stderr: string;
  records: StatusRecord[];
  raw: Buffer;
  stdin: Writable;
  oracleClosed: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  started: number;
  cleanup(): Promise<void>;
}

const live = new Set<Run>();

/** Starts bin/supervise with `args`; fd 3 is the oracle, fd 4 (with statusFd) a socket for
 *  status records. Resolves once supervise has installed its signal handlers. */
async function launch(args: string[], opts: { statusFd?: boolean; waitReady?: boolean } = {}): Promise<Run> {
  const stdio: Array<'pipe' | 'ignore'> = ['pipe', 'pipe', 'pipe', 'pipe'];
  if (opts.statusFd) stdio.push('pipe');
  const proc = spawn(SUPERVISE, args, { stdio });
  const oracle = proc.stdio[3] as Readable;
  let oracleDone = false;
  const run: Run = {
    proc,
    pid: proc.pid!,
    announced: [],
    stdout: '',
    stderr: '',
    records: [],
    raw: Buffer.alloc(0),
    stdin: proc.stdin!,
    started: Date.now(),
    oracleClosed: new Promise((r) => {
      const done = () => {
        oracleDone = true;
        r();
      };
      oracle.on('end', done);
      oracle.on('close', done);
    }),
    exited: new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal, at: Date.now() }))),
    async cleanup() {
      live.delete(run);
      // Once the oracle has closed every announced process is dead, and its pid may be
      // another test's by now (pids wrap fast on a busy machine).
      if (!oracleDone) for (const pid of run.announced) killQuietly(pid);
      run.proc.kill('SIGKILL');
      await Promise.race([run.exited, sleep(3000)]);
    },
  };
  proc.stdin!.on('error', () => {});
  let text = '';
  oracle.on('data', (d) => {
    text += d;
    const lines = text.split('\n');
    text = lines.pop()!;
    for (const l of lines)
      if (/^\d+$/.test(l.trim())) {
        run.announced.push(Number(l));
        noteBirth(Number(l));
      }
  });
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (d) => {
    run.stdout += d;
  });
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (d) => {
    run.stderr += d;
  });
  if (opts.statusFd) {
    (proc.stdio[4] as Readable).on('data', (d: Buffer) => {
      run.raw = Buffer.concat([run.raw, d]);
      while (run.records.length * 128 + 128 <= run.raw.length) {
        run.records.push(parseStatus(run.raw.subarray(run.records.length * 128, run.records.length * 128 + 128)));
      }
    });
  }
  live.add(run);
  if (opts.waitReady !== false) {
    await until(
      () => catches(run.pid, 15) || proc.exitCode !== null || proc.signalCode !== null,
      10_000,
      'supervise to start',
    );
  }
  return run;
}

async function cleanupAll(): Promise<void> {
  for (const r of [...live]) await r.cleanup();
}

const ESCAPE_PIDS = 8 + 1; // + CMD itself

/** CMD: announces itself, starts the escape set, then runs `then` (default: waits for
 *  stdin to close, then exits 0). */
function escapeCmd(then = 'read x; exit 0'): string[] {
  return ['sh', '-c', `echo $$ >&3; for e in "$@"; do sh -c "$e" & done; ${then}`, 'sh', ...ESCAPES];
}

async function escapeRun(args: string[], then?: string): Promise<Run> {
  const r = await launch([...args, '--', ...escapeCmd(then)]);
  await until(() => r.announced.length >= ESCAPE_PIDS, 10_000, 'the escape set to start');
  return r;
}

async function assertAllDead(r: Run, how: string): Promise<void> {
  await within(r.oracleClosed, 10_000, `every process of the tree to die (${how})`);
  // A dying process closes its files before it turns zombie: under load the oracle's EOF
  // can come first, so give the last ones a moment.
  await until(() => !r.announced.some(stillAlive), 2000, 'the dying to turn zombie').catch(() => {});
  for (const pid of r.announced) assert.not.ok(stillAlive(pid), `pid ${pid} survived ${how}`);
}

/** Runs supervise to completion: status, stdout, stderr. */
function runSync(args: string[], input?: string) {
  return spawnSync(SUPERVISE, args, { input, encoding: 'utf8', timeout: 15_000 * SLACK });
}

// ---
const Teardown = suite('tear-down of the escape set');
Teardown.after.each(cleanupAll);

Teardown('should kill everything CMD left behind when CMD exits, and exit with its code', async () => {
  const r = await escapeRun([], 'read x; exit 9');
  r.stdin.end();
  await assertAllDead(r, 'the exit of CMD');
  assert.is((await within(r.exited, 5000, 'exit')).code, 9);
});

Teardown('should wait with --wait-all until the last descendant exits on its own', async () => {
  // The escape set with short sleeps; CMD exits at once.
  const late = [
    'sleep 0.61 & echo $! >&3',
    '(sleep 0.72 & echo $! >&3) &',
    'nohup sleep 0.83 >/dev/null 2>&1 & echo $! >&3',
    'setsid sleep 0.94 & echo $! >&3',
    'nohup setsid sleep 1.07 >/dev/null 2>&1 & echo $! >&3',
    "sh -c 'sleep 1.29 & echo $! >&3' &",
  ];
  const r = await launch([
    '--wait-all',
    '--',
    'sh',
    '-c',
    `echo $$ >&3; for e in "$@"; do sh -c "$e"; done; exit 4`,
    'sh',
    ...late,
  ]);
  await until(() => r.announced.length >= 7, 10_000, 'the tree');
  // Which descendants live when Node hears of supervise's exit (not a time gap between the
  // exit and the oracle's EOF: a loaded machine can hold Node between the two events).
  const livingAtExit = r.exited.then(() => r.announced.filter(stillAlive));
  const { code, at } = await within(r.exited, 10_000, 'exit');
  assert.is(code, 4);
  assert.equal(await livingAtExit, [], 'supervise exited while a descendant lived');
  await within(r.oracleClosed, 1000, 'the oracle');
  assert.ok(at - r.started >= 1200, `supervise exited after ${at - r.started} ms, before the last sleep`);
});

Teardown('should forward SIGTERM to CMD, which dies of it, kill what it left and exit 143', async () => {
  const r = await escapeRun([]);
  process.kill(r.pid, 'SIGTERM');
  await assertAllDead(r, 'SIGTERM');
  assert.is((await within(r.exited, 5000, 'exit')).code, 143);
});

Teardown('should SIGTERM CMD on --timeout, kill the tree and exit 124', async () => {
  const r = await escapeRun(['--timeout', '800ms']);
  const { code, at } = await within(r.exited, 10_000, 'exit');
  assert.is(code, 124);
  assert.ok(at - r.started >= 750, 'not before the timeout');
  await assertAllDead(r, '--timeout');
});

Teardown('should send --timeout-signal (timeout -s) at --timeout instead of TERM, and exit 124', async () => {
  // A name goes through the front end, a number through the core's own parser: CMD (sleep,
  // INT at its default action from exec on) dies of SIGINT, as its status record says.
  for (const sig of ['INT', 'SIGINT', '2']) {
    const r = await launch(
      [
        '--status-fd',
        '4',
        '--timeout',
        '0.3s',
        '--timeout-signal',
        sig,
        '--',
        'sh',
        '-c',
        'echo $$ >&3; exec sleep 41.37',
      ],
      { statusFd: true },
    );
    assert.is((await within(r.exited, 10_000, 'exit')).code, 124, sig);
    await until(() => r.records.length >= 2, 5000, 'the two records');
    const [spawned, reaped] = r.records;
    assert.equal(
      [spawned.code, reaped.signo, reaped.code, reaped.pid, reaped.status],
      [SUP_SPAWNED, 17, CLD_KILLED, spawned.pid, 2],
      sig,
    );
    await r.cleanup();
  }
});

Teardown('should let a TERM-trapping CMD finish inside --grace, then kill the rest', async () => {
  // A grace period far longer than a loaded machine needs for the trap.
  const r = await escapeRun(['--grace', '90s'], `trap 'echo trapped; sleep 0.3; exit 7' TERM; read x & wait`);
  process.kill(r.pid, 'SIGTERM');
  const t0 = Date.now();
  const { code, at } = await within(r.exited, 10_000, 'exit');
  assert.is(code, 7, 'CMD exit code');
  assert.ok(at - t0 < 45_000, 'did not wait for the grace period to end');
  assert.match(r.stdout, /trapped/);
  await assertAllDead(r, 'CMD exit inside the grace period');
});

Teardown('should SIGKILL the whole tree when --grace expires, and exit 137 (CMD died of SIGKILL)', async () => {
  const r = await escapeRun(['--grace', '700ms'], `trap 'echo trapped' TERM; sleep 76.1 & wait; sleep 76.2`);
  process.kill(r.pid, 'SIGTERM');
  const t0 = Date.now();
  const { code, at } = await within(r.exited, 10_000, 'exit');
  assert.is(code, 137);
  assert.ok(at - t0 >= 650, `killed after ${at - t0} ms, before the grace period ended`);
  assert.match(r.stdout, /trapped/);
  await assertAllDead(r, 'the end of the grace period');
});

// ---
const Status = suite('exit status');

Status('should exit with every code 0-255 of CMD', async () => {
  const codes = Array.from({ length: 256 }, (_, i) => i);
  const bad: string[] = [];
  const one = (code: number) =>
    new Promise<void>((resolve) => {
      const p = spawn(SUPERVISE, ['--', 'sh', '-c', `exit ${code}`], { stdio: 'ignore' });
      const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
      p.on('exit', (c) => {
        clearTimeout(timer);
        if (c !== code) bad.push(`${code} -> ${c}`);
        resolve();
      });
    });
  const workers = Array.from({ length: 6 }, async () => {
    for (let c = codes.shift(); c !== undefined; c = codes.shift()) await one(c);
  });
  await Promise.all(workers);
  assert.equal(bad, []);
});

Status('should exit 128+N when CMD dies of TERM, HUP, QUIT, KILL or ABRT', async () => {
  const results = await Promise.all(
    [15, 1, 3, 9, 6].map(
      (n) =>
        new Promise<[number, number | null]>((resolve) => {
          const p = spawn(SUPERVISE, ['--', 'sh', '-c', `ulimit -c 0; kill -${n} $$`], { stdio: 'ignore' });
          p.on('exit', (c) => resolve([n, c]));
        }),
    ),
  );
  for (const [n, c] of results) assert.is(c, 128 + n, `signal ${n}`);
});

Status('should exit 127 with a message when CMD is not found', () => {
  const r = runSync(['--', 'no-such-command-4711', 'x']);
  assert.is(r.status, 127);
  assert.is(r.stderr, 'supervise: no-such-command-4711: No such file or directory\n');
  assert.is(r.stdout, '');
});

Status('should exit 126 when CMD is not executable', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-'));
  try {
    const file = path.join(dir, 'not-executable');
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, 0o644);
    const r = runSync(['--', file]);
    assert.is(r.status, 126);
    assert.is(r.stderr, `supervise: ${file}: Permission denied\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Status('should print a two-line usage error on stderr and exit 125; --help on stdout, 0', () => {
  for (const args of [
    ['--grace', 'soon', '--', 'true'],
    ['--status-fd', 'x', '--', 'true'],
    ['--timeout-signal', 'NOPE', '--', 'true'],
    ['--timeout-signal', '0', '--', 'true'],
    ['--timeout-signal=65', '--', 'true'],
    ['--wait-all'],
    ['--', ''],
    ['sleep', '1'],
  ]) {
    const r = runSync(args);
    assert.is(r.status, 125, args.join(' '));
    assert.match(r.stderr, /^supervise: [^\n]+\nTry 'supervise --help' for more information.\n$/);
    assert.is(r.stdout, '');
  }
  // An fd number supervise was not given (open in it as one of Node's own, maybe).
  for (const fd of ['9', '3', '77']) {
    const r = runSync(['--status-fd', fd, '--', 'true']);
    assert.is(r.status, 125, `--status-fd ${fd}`);
    assert.is(
      r.stderr,
      `supervise: --status-fd ${fd}: not an fd supervise was given (Bad file descriptor)\nTry 'supervise --help' for more information.\n`,
    );
  }
  assert.match(runSync(['--timeout-signal', 'NOPE', '--', 'true']).stderr, /--timeout-signal: 'NOPE' is not a signal/);
  const help = runSync(['--help']);
  assert.is(help.status, 0);
  assert.match(help.stdout, /supervise \[options\] -- CMD/);
  assert.match(help.stdout, /--timeout/);
});

// ---
const Passing = suite('pass-through');
Passing.after.each(cleanupAll);

Passing('should leave a pipeline unchanged: seq | supervise -- grep 7 | wc -l', () => {
  const plain = spawnSync('sh', ['-c', 'seq 1 200000 | grep 7 | wc -l'], { encoding: 'utf8' });
  const sup = spawnSync('sh', ['-c', `seq 1 200000 | ${SUPERVISE} -- grep 7 | wc -l`], {
    encoding: 'utf8',
    timeout: 15_000 * SLACK,
  });
  assert.is(sup.stdout.trim(), plain.stdout.trim());
  assert.is(sup.stdout.trim(), '81902');
});

// One signal at a time: the next is sent once CMD has printed the last. Two standard signals
// pending at once in supervise are taken lowest number first (the kernel's order, not the
// sender's: SIGCONT, 18, before SIGWINCH, 28), so a fixed pause between kills was a guess
// that lost on a loaded machine.
Passing('should forward every caught signal to CMD, each as itself, in the order it takes them', async () => {
  const names = ['HUP', 'USR1', 'USR2', 'WINCH', 'CONT', 'ALRM', 'URG', 'QUIT', 'INT', 'TERM'];
  const r = await launch([
    '--grace',
    '5s',
    '--',
    'python3',
    '-c',
    [
      'import signal, sys, time',
      'def on(n, f):',
      '    print(signal.Signals(n).name, flush=True)',
      '    if n == signal.SIGTERM: sys.exit(0)',
      ...names.map((n) => `signal.signal(signal.SIG${n}, on)`),
      'print("ready", flush=True)',
      'time.sleep(77.1)', // outlasts the ten signals at any load: it ends by the TERM
    ].join('\n'),
  ]);
  // The whole line: with PYTHONUNBUFFERED (set on the CI machine) print() writes 'ready' and
  // its newline apart, and a handler run in between merged the two lines.
  await until(() => r.stdout.includes('ready\n'), 10_000, 'the signal printer');
  const printed = () => r.stdout.match(/SIG[A-Z0-9]+/g) ?? [];
  for (const [i, n] of names.entries()) {
    process.kill(r.pid, `SIG${n}` as NodeJS.Signals);
    await until(
      () => printed().length >= i + 1 || r.proc.exitCode !== null || r.proc.signalCode !== null,
      30_000,
      `CMD to print SIG${n}`,
    );
    if ((r.proc.exitCode !== null || r.proc.signalCode !== null) && i < names.length - 1)
      assert.unreachable(
        `supervise ended (${r.proc.exitCode ?? r.proc.signalCode}) after SIG${n}; stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`,
      );
  }
  assert.is((await within(r.exited, 10_000, 'exit')).code, 0);
  assert.equal(
    printed(),
    names.map((n) => `SIG${n}`),
  );
});

Passing('should pass inherited fds to CMD but not the status fd', async () => {
  const r = await launch(
    [
      '--status-fd',
      '4',
      '--',
      'sh',
      '-c',
      'for fd in 0 1 2 3 4 5; do [ -e /proc/$$/fd/$fd ] && echo $fd; done; echo $$ >&3',
    ],
    { statusFd: true },
  );
  await within(r.exited, 10_000, 'exit');
  const fds = r.stdout.trim().split(/\s+/).map(Number);
  for (const fd of [0, 1, 2, 3]) assert.ok(fds.includes(fd), `fd ${fd} passed`);
  assert.not.ok(fds.includes(4), 'the status fd is not passed');
});

// ---
const Records = suite('status fd and events file');
Records.after.each(cleanupAll);

Records('should write a spawned record first, then the exit of CMD, and log both to --events', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-'));
  const events = path.join(dir, 'events.log');
  try {
    const r = await launch(
      ['--status-fd', '4', '--control-fd', '4', '--events', events, '--', 'sh', '-c', 'echo $$ >&3; read x; exit 3'],
      { statusFd: true },
    );
    await until(() => r.announced.length === 1 && r.records.length >= 1, 10_000, 'the spawned record');
    const [s] = r.records;
    assert.equal(
      { ...s },
      {
        signo: 0,
        errno: 0,
        code: SUP_SPAWNED,
        pid: r.announced[0],
        uid: 0,
        status: 0,
        utime: 0n,
        stime: 0n,
        padding: true,
      },
    );
    r.stdin.end();
    assert.is((await within(r.exited, 10_000, 'exit')).code, 3);
    assert.is(r.records.length, 2);
    const e = r.records[1];
    assert.equal(
      [e.signo, e.errno, e.code, e.pid, e.uid, e.status],
      [17, 0, CLD_EXITED, r.announced[0], process.getuid!(), 3],
    );
    const log = readFileSync(events);
    assert.equal([...log.subarray(0, 8)], [...Buffer.from('SUPVEVTS')]);
    assert.is(log.readUInt32LE(8), 3);
    assert.is(log.readUInt32LE(12), 256);
    assert.is(log.length, 16 + 3 * 256, 'started (the log only), then the two records');
    assert.is(log.readInt32LE(16 + 8 + 8), 0x5303);
    for (let i = 0; i < 2; i++) {
      const at = 16 + (i + 1) * 256;
      const us = Number(log.readBigInt64LE(at));
      assert.ok(Math.abs(us / 1000 - Date.now()) < 60_000, 'a timestamp in microseconds');
      assert.ok(
        log.subarray(at + 8, at + 136).equals(r.raw.subarray(i * 128, (i + 1) * 128)),
        `entry ${i} is the record`,
      );
    }
    // Version 3: the exit's entry carries what sh cost (a real process has a peak RSS and
    // minor faults), the spawned one nothing (it reaped nothing).
    assert.ok(log.readBigInt64LE(16 + 2 * 256 + 192) > 0n, 'the peak RSS of sh, KiB');
    assert.ok(log.readBigInt64LE(16 + 2 * 256 + 200) > 0n, 'its minor faults');
    assert.is(log.readBigInt64LE(16 + 256 + 192), 0n, 'spawned: no resources');
    // A second run appends without a second header.
    assert.is(runSync(['--events', events, '--', 'true']).status, 0);
    assert.is(readFileSync(events).length, 16 + 6 * 256);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Records('should write the events log to --events-fd, which CMD does not inherit', () => {
  // fd 5 a pipe spawnSync reads: the log from its header on; CMD lists its own fds.
  const r = spawnSync(SUPERVISE, ['--events-fd', '5', '--', 'sh', '-c', 'ls /proc/self/fd; exit 4'], {
    stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'pipe'],
    timeout: 15_000 * SLACK,
  });
  assert.is(r.status, 4, String(r.stderr));
  const fds = String(r.stdout).split('\n').filter(Boolean);
  assert.ok(fds.includes('1') && fds.includes('2'), fds.join(' '));
  assert.not.ok(fds.includes('5'), `CMD holds the events fd: ${fds.join(' ')}`);
  const log = r.output[5] as Buffer;
  assert.equal([...log.subarray(0, 8)], [...Buffer.from('SUPVEVTS')]);
  assert.is(log.readUInt32LE(8), 3);
  assert.is(log.readUInt32LE(12), 256);
  assert.is(log.length, 16 + 3 * 256, 'started, spawned, exited');
  assert.equal(
    [0, 1, 2].map((i) => log.readInt32LE(16 + i * 256 + 8 + 8)),
    [0x5303, 0x5301, CLD_EXITED],
  );
  assert.is(log.readInt32LE(16 + 2 * 256 + 8 + 24), 4, 'the exit status');
  assert.ok(log.readBigInt64LE(16 + 2 * 256 + 192) > 0n, 'the peak RSS of sh, KiB');
  // One log only: --events and --events-fd together are a usage error.
  const both = spawnSync(SUPERVISE, ['--events-fd', '5', '--events', '/dev/null', '--', 'true'], {
    stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 15_000 * SLACK,
  });
  assert.is(both.status, 125);
  assert.match(both.stderr, /--events and --events-fd/);
});

Records('should write a spawn-failed record with the errno and exit 127', async () => {
  const r = await launch(['--status-fd', '4', '--', 'no-such-command-4712'], { statusFd: true, waitReady: false });
  assert.is((await within(r.exited, 10_000, 'exit')).code, 127);
  // The exit and the record's bytes are two events: read the socket to its end.
  await within(finished(r.proc.stdio[4] as Readable), 10_000, 'the end of the status socket');
  assert.is(r.records.length, 1);
  assert.equal(
    { ...r.records[0] },
    { signo: 0, errno: 2, code: SUP_SPAWN_FAILED, pid: 0, uid: 0, status: 0, utime: 0n, stime: 0n, padding: true },
  );
});

Records('should tear the tree down on control EOF', async () => {
  // The status/control socket is fd 4: closing our end is the owner going away.
  const r = await launch(['--status-fd', '4', '--control-fd', '4', '--', ...escapeCmd()], { statusFd: true });
  await until(() => r.announced.length >= ESCAPE_PIDS, 10_000, 'the escape set');
  (r.proc.stdio[4] as Readable).destroy();
  await assertAllDead(r, 'control EOF');
});

// ---
const Parse = suite('argument parsers');

Parse('should parse each launch form with yargs as its canonical argv (the one the core runs)', async () => {
  const forms: Array<[string[], LaunchOptions['values'], 'named'?]> = [
    [['--', 'true'], {}],
    [
      ['--status-fd', '3', '--control-fd', '3', '--', 'node', 'app.js', '--flag', '--', 'x'],
      { 'status-fd': 3, 'control-fd': 3 },
    ],
    [['--status-fd=3', '--control-fd=4', '--', 'cmd'], { 'status-fd': 3, 'control-fd': 4 }],
    [
      ['--wait-all', '--grace', '500ms', '--timeout', '2m', '--', 'sleep', '1'],
      { 'wait-all': true, grace: 500, timeout: 120_000 },
    ],
    [
      ['--grace=10s', '--timeout=1.5', '--events', '/tmp/x.log', '--pid-ns', '--', 'a', ''],
      { grace: 10_000, timeout: 1500, events: '/tmp/x.log', 'pid-ns': true },
    ],
    [
      ['--events=ev', '--wait-all', '--status-fd', '0', '--', 'sh', '-c', 'exit 3'],
      { events: 'ev', 'wait-all': true, 'status-fd': 0 },
    ],
    [['--grace', '1h', '--grace', '20ms', '--', 'x'], { grace: 20 }],
    [['--grace', '0.0015h', '--', 'x'], { grace: 5400 }],
    [['--grace', '0', '--', 'x'], {}],
    [['--timeout', '1s', '--timeout-signal', 'int', '--', 'x'], { timeout: 1000, 'timeout-signal': 2 }, 'named'],
    [['--timeout-signal=SIGRTMIN+2', '--', 'x'], { 'timeout-signal': 36 }, 'named'],
    [['--timeout-signal', '9', '--', 'x'], { 'timeout-signal': 9 }],
    [['--timeout-signal', 'TERM', '--', 'x'], {}, 'named'],
    [['--timeout-signal', '15', '--', 'x'], {}],
  ];
  for (const [argv, values, named] of forms) {
    const { status, options } = await parseArgs(argv);
    assert.is(status, 0);
    const cmd = argv.slice(argv.indexOf('--') + 1);
    assert.equal(options, { file: cmd[0], argv: cmd, values }, argv.join(' '));
    const again = await parseArgs(launchArgv(options!));
    assert.equal(again.options, options, `canonical form of ${argv.join(' ')}`);
    // A signal's name is the front end's alone; the canonical form carries its number.
    assert.ok(
      (named || coreTakes(argv)) && coreTakes(launchArgv(options!)),
      `the core takes ${argv.join(' ')} and its canonical form`,
    );
  }
  // A file name starting with '-' keeps its meaning in the canonical form.
  assert.equal(launchArgv({ file: 'a', argv: ['a'], values: { events: '-x' } }), ['--events', './-x', '--', 'a']);
  // What the core's fast parser leaves to yargs: main() hands them back before doing anything.
  for (const argv of [
    ['--help'],
    ['--grace', 'x', '--', 'a'],
    ['--nope', '--', 'a'],
    ['--', ''],
    ['a'],
    ['--wait-all=1', '--', 'a'],
    ['--status-fd', '-1', '--', 'a'],
    ['--events', '-x', '--', 'a'],
  ]) {
    assert.not.ok(coreTakes(argv), argv.join(' '));
  }
  assert.is(runCore(['--help']), EXIT_FRONT_END, 'the Node host passes it on');
});

Parse('should name each row of the table of options by its OPT_* index, each name once', () => {
  const indices = Object.entries(options).filter(([k]) => k.startsWith('OPT_'));
  assert.is(indices.length, options.LAUNCH_OPTIONS.length);
  for (const [k, i] of indices) {
    assert.is(`OPT_${options.LAUNCH_OPTIONS[i as number].name.replaceAll('-', '_').toUpperCase()}`, k);
  }
  const names = options.LAUNCH_OPTIONS.map((o) => o.name);
  assert.equal([...new Set(names)], names);
});

/** Whether core.wasm's parser takes argv as a launch form: its main() over a kernel where
 *  every call fails returns EXIT_FRONT_END at once for an argv it leaves to yargs, and a
 *  set-up failure (not EXIT_FRONT_END) for one it takes. */
function coreTakes(argv: string[]): boolean {
  const args = argv.map((a) => Buffer.from(a));
  const core = loadCore(
    (buffer) =>
      new Proxy({} as LinuxImports, {
        get: (_, name) => {
          if (name === 'argLen') return (i: number) => (i < args.length ? args[i].length : -1);
          if (name === 'argRead')
            return (i: number, p: number) => new Uint8Array(buffer(), p, args[i].length).set(args[i]);
          if (name === 'realtimeUs' || name === 'monotonicMs') return () => 0n;
          return () => -9; // -EBADF
        },
      }),
  );
  return core.main() !== EXIT_FRONT_END;
}

// ---
const Kill = suite('SIGKILL of supervise');
Kill.after.each(cleanupAll);

Kill('should kill CMD by pdeathsig; grandchildren that escaped survive (without --pid-ns)', async () => {
  const r = await escapeRun([]);
  const cmd = r.announced[0];
  process.kill(r.pid, 'SIGKILL');
  await until(() => !alive(cmd), 5000, 'CMD to die of pdeathsig');
  await sleep(200);
  const survivors = r.announced.slice(1).filter(stillAlive);
  assert.ok(survivors.length > 0, 'escaped grandchildren survive a SIGKILL of supervise without --pid-ns');
});

/** Every descendant of pid (outer pids), from /proc/PID/task/TID/children. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number) => {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tids) {
      let kids = '';
      try {
        kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const k of kids.trim().split(/\s+/).filter(Boolean).map(Number)) {
        out.push(k);
        visit(k);
      }
    }
  };
  visit(pid);
  return out;
}

/** Whether this machine lets us create a PID namespace (root, or user namespaces). */
const pidNsWorks = spawnSync(SUPERVISE, ['--pid-ns', '--', 'true'], { encoding: 'utf8', timeout: 15_000 * SLACK });

Kill('should leave nothing alive after a SIGKILL of supervise with --pid-ns', async () => {
  if (pidNsWorks.status !== 0) {
    console.log(`skipped (no PID namespaces here: ${pidNsWorks.stderr.trim()})`);
    return;
  }
  // Pids announced from inside the namespace mean nothing outside: find the tree by its
  // ancestry instead.
  const r = await launch(['--pid-ns', '--', ...escapeCmd()]);
  await until(() => r.announced.length >= ESCAPE_PIDS, 15_000, 'the escape set');
  const before = descendants(r.pid);
  assert.ok(before.length >= ESCAPE_PIDS + 1, `the tree runs (${before.length} processes)`);
  r.announced = []; // namespace pids: never kill them from here
  process.kill(r.pid, 'SIGKILL');
  await within(r.oracleClosed, 10_000, 'every process of the namespace to die');
  // Their files close early in exit: give the last ones a moment to become zombies.
  await until(() => before.filter(stillAlive).length === 0, 2000, `no survivor (${before.filter(stillAlive)})`);
});

Kill('should forward TERM to a shell CMD with --pid-ns (it is not PID 1) and report its status', async () => {
  if (pidNsWorks.status !== 0) return;
  const r = await launch(['--pid-ns', '--', 'sh', '-c', 'echo $$ >&3; sleep 79.1 & wait']);
  await until(() => r.announced.length === 1, 15_000, 'CMD');
  assert.ok(r.announced[0] > 1, 'CMD is not PID 1 of the namespace');
  r.announced = [];
  await sleep(200);
  process.kill(r.pid, 'SIGTERM');
  assert.is((await within(r.exited, 10_000, 'exit')).code, 143);
  await within(r.oracleClosed, 10_000, 'the namespace to die');
});

// ---
const Init = suite('as PID 1');
Init.after.each(cleanupAll);

const RootOnly = isRoot
  ? Init
  : (name: string, _fn: unknown) => {
      console.log(`skipped (needs root for unshare --pid): ${name}`);
      Init.skip(name);
    };

RootOnly('should reap 100 orphans as PID 1 of a PID namespace, leaving no zombie', async () => {
  const p = spawn(
    'unshare',
    [
      '--pid',
      '--fork',
      '--mount-proc',
      SUPERVISE,
      '--',
      'sh',
      '-c',
      'for i in $(seq 100); do (sleep 0.3 &) ; done; echo ok >&3; sleep 78.1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  (p.stdio[3] as Readable).on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
  try {
    await until(() => out.includes('ok'), 10_000, 'the orphans to start');
    // supervise is unshare's child; its children: CMD only, once the orphans are reaped.
    const sup = () => Number(readFileSync(`/proc/${p.pid}/task/${p.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    await until(() => sup() > 0, 5000, 'supervise');
    const pid = sup();
    const kids = () => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    await until(() => kids().length === 1, 5000, 'every orphan to be reaped');
    await sleep(300);
    assert.is(kids().length, 1, 'no zombie, no orphan left');
    process.kill(pid, 'SIGTERM');
    assert.is(await within(exited, 5000, 'exit'), 143);
  } finally {
    p.kill('SIGKILL');
  }
});

Teardown.run();
Status.run();
Passing.run();
Records.run();
Parse.run();
Kill.run();
Init.run();
