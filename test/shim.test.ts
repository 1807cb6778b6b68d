// The native shim against the real kernel: each call with harmless arguments and exact
// results. Children are started with shim.spawn only (never child_process: libuv would
// reap them), waited for with bounded WNOHANG polls, and killed and reaped by pid.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { loadShim } from '../cli/shim.ts';
import {
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  EPOLLIN,
  EPOLLOUT,
  POLLIN,
  POLLOUT,
  POLLHUP,
  POLLNVAL,
  CLONE_NEWPID,
  CLONE_NEWNS,
} from '../assembly/sys.ts';
import {
  STATUS_SIZE,
  RUSAGE_SIZE,
  SI_SIGNO,
  SI_ERRNO,
  SI_CODE,
  SI_PID,
  SI_UID,
  SI_STATUS,
  SIGCHLD,
  CLD_EXITED,
  CLD_KILLED,
  P_ALL,
  P_PID,
  WEXITED,
  WNOHANG,
  WNOWAIT,
  EPERM,
  ESRCH,
  ECHILD,
  EAGAIN,
  EPIPE,
  EINTR,
  EINVAL,
} from '../assembly/protocol.ts';

const shim = loadShim();
const ADDON = fileURLToPath(new URL('../build/Release/shim.node', import.meta.url));
const ENOENT = 2;
const EBADF = 9;
const EACCES = 13;
const EEXIST = 17;
const SIGKILL = 9;
const SIGUSR2 = 12;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
/** The environment for child `node`s, without anything that would preload tsx. */
const NODE_ENV = Object.entries(process.env)
  .filter(([k]) => k !== 'NODE_OPTIONS')
  .map(([k, v]) => `${k}=${v}`);

// ---

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
const i32 = (b: Uint8Array, offset: number) => view(b).getInt32(offset, true);
const i64 = (b: Uint8Array, offset: number) => Number(view(b).getBigInt64(offset, true));

function pipe(): [number, number] {
  const fds = new Int32Array(2);
  assert.is(shim.pipe(fds), 0);
  return [fds[0], fds[1]];
}

/** Polls waitid(P_PID, WNOHANG) until `pid` has exited (at most `ms`), reaps it and
 *  returns its siginfo. `adopting`: ECHILD means "not our child yet", keep polling. */
async function reap(pid: number, ms = 3000, adopting = false): Promise<Uint8Array> {
  const info = new Uint8Array(STATUS_SIZE);
  const deadline = Date.now() + ms;
  for (;;) {
    const r = shim.waitid(P_PID, pid, info, WEXITED | WNOHANG);
    if (r === 0 && i32(info, SI_PID) === pid) return info;
    if (r !== 0 && !(adopting && r === -ECHILD)) throw new Error(`waitid(P_PID, ${pid}) = ${r}`);
    if (Date.now() > deadline) throw new Error(`child ${pid} still there after ${ms} ms`);
    await delay(5);
  }
}

/** Kills `pid` if it is still our child and reaps it. For finally blocks. */
async function stop(pid: number): Promise<void> {
  if (pid <= 0) return;
  const info = new Uint8Array(STATUS_SIZE);
  if (shim.waitid(P_PID, pid, info, WEXITED | WNOHANG | WNOWAIT) === -ECHILD) return;
  shim.kill(pid, SIGKILL);
  await reap(pid);
}

/** Reads `fd` until EOF (each read bounded by poll), as text. */
function readAll(fd: number, ms = 3000): string {
  const deadline = Date.now() + ms;
  const buf = new Uint8Array(4096);
  let text = '';
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0 || pollRetry(fd, POLLIN, left) === 0) throw new Error(`no EOF on fd ${fd}`);
    const n = shim.read(fd, buf, 0, buf.length);
    if (n === 0) return text;
    if (n < 0) throw new Error(`read(${fd}) = ${n}`);
    text += Buffer.from(buf.subarray(0, n)).toString();
  }
}

/** Runs `node -e code` with stdout on a pipe; returns the pid and the pipe's read end. */
function spawnNode(code: string, stdin = 0): { pid: number; out: number } {
  const [r, w] = pipe();
  const pid = shim.spawn(process.execPath, [process.execPath, '-e', code], NODE_ENV, {
    fds: [stdin, w, 2],
  });
  shim.close(w);
  assert.ok(pid > 0, `spawn node = ${pid}`);
  return { pid, out: r };
}

/** Waits until `sleep` (pid) sits in clock_nanosleep (x86-64 syscall 230): past the
 *  dynamic loader, whose fds come and go. */
async function asleep(pid: number, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fs.readFileSync(`/proc/${pid}/syscall`, 'utf8').startsWith('230 ')) {
    if (Date.now() > deadline) throw new Error(`${pid} never slept`);
    await delay(5);
  }
}

/** poll(2), again after -EINTR (a handler of signalPipe's ran in this thread). */
function pollRetry(fd: number, events: number, ms: number): number {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = shim.poll(fd, events, Math.max(0, deadline - Date.now()));
    if (r !== -EINTR) return r;
  }
}

/** Fields of /proc/<pid>/stat after the command: [state, ppid, pgrp, session, ...]. */
function statFields(pid: number): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function statusField(pid: number | 'self', key: string): string {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${key}:`));
  return (line ?? '').slice(key.length + 1).trim();
}

function fdFlags(fd: number): number {
  const fdinfo = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  return parseInt(/^flags:\s+([0-7]+)/m.exec(fdinfo)![1], 8);
}

function unusedPid(): number {
  const max = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  for (let pid = max - 1; pid > 1; pid--) if (!fs.existsSync(`/proc/${pid}`)) return pid;
  throw new Error('no unused pid');
}

function children(read: (out: Int32Array) => number): number[] {
  const out = new Int32Array(4096);
  const n = read(out);
  assert.ok(n >= 0 && n <= out.length, `children = ${n}`);
  return [...out.subarray(0, n)].sort((a, b) => a - b);
}

function usage(fn: () => unknown, signature: string): void {
  assert.throws(fn, (e: unknown) => e instanceof TypeError && e.message.startsWith(`Usage: ${signature}`));
}

// ---

const processes = suite('process calls');

processes('getpid returns the pid Node knows', () => {
  assert.is(shim.getpid(), process.pid);
});

processes(
  "getpgid gives its own group for 0 and for its pid, a child's own after setsid, -ESRCH for an unused pid",
  async () => {
    const ps = Number(
      fs
        .readFileSync('/proc/self/stat', 'utf8')
        .replace(/^.*\) /s, '')
        .split(' ')[2],
    );
    assert.is(shim.getpgid(0), ps);
    assert.is(shim.getpgid(process.pid), ps);
    assert.is(shim.getpgid(unusedPid()), -ESRCH);
    const pid = shim.spawn('/bin/sleep', ['sleep', '5.17'], null, { setsid: true });
    assert.ok(pid > 0);
    try {
      assert.is(shim.getpgid(pid), pid);
    } finally {
      await stop(pid);
    }
    usage(() => (shim.getpgid as (p: unknown) => number)('1'), 'getpgid(pid: number)');
  },
);

processes('kill with signal 0 to itself returns 0', () => {
  assert.is(shim.kill(process.pid, 0), 0);
});

processes('kill with signal 0 to an unused pid returns -ESRCH', () => {
  assert.is(shim.kill(unusedPid(), 0), -ESRCH);
});

processes('kill with signal 0 to pid 1 returns 0 as root and -EPERM otherwise', () => {
  assert.is(shim.kill(1, 0), process.getuid?.() === 0 ? 0 : -EPERM);
});

processes('kill with an invalid signal returns -EINVAL', () => {
  assert.is(shim.kill(process.pid, 65), -EINVAL);
});

processes('kill without numbers throws a TypeError naming its signature', () => {
  usage(() => (shim.kill as (...a: unknown[]) => number)(process.pid), 'kill(pid, sig)');
  usage(() => (shim.kill as (...a: unknown[]) => number)('1', 0), 'kill(pid, sig)');
  usage(() => shim.kill(1.5, 0), 'kill(pid, sig)');
});

processes('the child subreaper flag round-trips through prctl', () => {
  const before = shim.getChildSubreaper();
  assert.ok(before === 0 || before === 1);
  try {
    assert.is(shim.setChildSubreaper(true), 0);
    assert.is(shim.getChildSubreaper(), 1);
    assert.is(shim.setChildSubreaper(false), 0);
    assert.is(shim.getChildSubreaper(), 0);
  } finally {
    shim.setChildSubreaper(before === 1);
  }
  usage(() => (shim.setChildSubreaper as (on: unknown) => number)(1), 'setChildSubreaper(on: boolean)');
});

processes('clockTicks returns sysconf(_SC_CLK_TCK), 100 on Linux', () => {
  assert.is(shim.clockTicks(), 100);
});

processes('realtimeUs and monotonicMs are BigInts on the clocks Node reads', () => {
  const before = BigInt(Date.now()) * 1000n;
  const us = shim.realtimeUs();
  const after = BigInt(Date.now() + 1) * 1000n;
  assert.is(typeof us, 'bigint');
  assert.ok(us >= before && us <= after, `${before} <= ${us} <= ${after}`);
  const hr = process.hrtime.bigint() / 1000000n; // CLOCK_MONOTONIC in libuv too
  const ms = shim.monotonicMs();
  assert.is(typeof ms, 'bigint');
  assert.ok(ms >= hr && ms <= hr + 50n, `${hr} <= ${ms}`);
});

processes.run();

// ---

const waiting = suite('waitid');

waiting('waitid(P_ALL) in a process without children returns -ECHILD', async () => {
  // This process has a child of tsx's (esbuild), so ask a plain node.
  const code = `const s = require(${JSON.stringify(ADDON)});
    process.stdout.write(String(s.waitid(0, 0, new Uint8Array(128), 5)));`;
  const { pid, out } = spawnNode(code);
  try {
    assert.is(readAll(out, 5000), String(-ECHILD));
    assert.is(i32(await reap(pid), SI_STATUS), 0);
  } finally {
    shim.close(out);
    await stop(pid);
  }
});

waiting('waitid(P_PID) of a process that is not a child returns -ECHILD', () => {
  assert.is(shim.waitid(P_PID, process.ppid, new Uint8Array(128), WEXITED | WNOHANG), -ECHILD);
});

waiting('waitid fills siginfo of an exited child, first without reaping it (WNOWAIT)', async () => {
  const pid = shim.spawn('/bin/sh', ['sh', '-c', 'exit 3'], null, {});
  assert.ok(pid > 0);
  try {
    const info = new Uint8Array(STATUS_SIZE).fill(0xff);
    const rusage = new Uint8Array(RUSAGE_SIZE);
    const deadline = Date.now() + 3000;
    while (shim.waitid(P_PID, pid, info, WEXITED | WNOHANG | WNOWAIT, rusage) === 0 && i32(info, SI_PID) === 0) {
      assert.ok(Date.now() < deadline, 'sh -c "exit 3" did not exit');
      await delay(5);
    }
    const expected = new Uint8Array(STATUS_SIZE);
    view(expected).setInt32(SI_SIGNO, SIGCHLD, true);
    view(expected).setInt32(SI_CODE, CLD_EXITED, true);
    view(expected).setInt32(SI_PID, pid, true);
    view(expected).setInt32(SI_UID, process.getuid!(), true);
    view(expected).setInt32(SI_STATUS, 3, true);
    assert.equal([...info], [...expected], 'every other byte zeroed (si_utime/si_stime too)');
    assert.is(i32(info, SI_ERRNO), 0);
    assert.ok(children((o) => shim.readChildren(o)).includes(pid), 'WNOWAIT left it reapable');

    rusage.fill(0);
    assert.is(shim.waitid(P_PID, pid, info, WEXITED, rusage), 0);
    assert.equal([...info], [...expected]);
    assert.ok(i64(rusage, 32) > 0, 'ru_maxrss of the child is filled');
    assert.is(shim.waitid(P_PID, pid, info, WEXITED | WNOHANG), -ECHILD, 'reaped');
    assert.not.ok(children((o) => shim.readChildren(o)).includes(pid));
  } finally {
    await stop(pid);
  }
});

waiting('waitid reports a child killed by SIGKILL as CLD_KILLED with status 9', async () => {
  const pid = shim.spawn('sleep', ['sleep', '7.3'], null, {});
  assert.ok(pid > 0);
  try {
    assert.is(shim.kill(pid, SIGKILL), 0);
    const info = await reap(pid);
    assert.is(i32(info, SI_SIGNO), SIGCHLD);
    assert.is(i32(info, SI_CODE), CLD_KILLED);
    assert.is(i32(info, SI_STATUS), SIGKILL);
  } finally {
    await stop(pid);
  }
});

waiting('waitid with WNOHANG on a live child returns 0 with si_pid 0', async () => {
  const pid = shim.spawn('sleep', ['sleep', '5.7'], null, {});
  assert.ok(pid > 0);
  try {
    const info = new Uint8Array(STATUS_SIZE).fill(0xff);
    assert.is(shim.waitid(P_PID, pid, info, WEXITED | WNOHANG), 0);
    assert.is(i32(info, SI_PID), 0);
    assert.is(i32(info, SI_SIGNO), 0);
  } finally {
    await stop(pid);
  }
});

waiting('waitid with buffers too small throws a TypeError naming its signature', () => {
  const sig = 'waitid(idtype, id, info, options, rusage?)';
  usage(() => shim.waitid(P_ALL, 0, new Uint8Array(127), WEXITED | WNOHANG), sig);
  usage(() => shim.waitid(P_ALL, 0, new Uint8Array(128), WEXITED | WNOHANG, new Uint8Array(143)), sig);
  usage(() => shim.waitid(P_ALL, 0, new Int32Array(32) as unknown as Uint8Array, WEXITED), sig);
});

waiting.run();

// ---

const listing = suite('readChildren, scanChildren, listChildren and lastResort');

listing('readChildren lists a spawned child until it is reaped, and scanChildren agrees', async () => {
  const pid = shim.spawn('sleep', ['sleep', '7.3'], null, {});
  assert.ok(pid > 0);
  try {
    const listed = children((o) => shim.readChildren(o));
    assert.ok(listed.includes(pid));
    assert.equal(
      children((o) => shim.scanChildren(o)),
      listed,
    );
    const one = new Int32Array(1);
    assert.is(shim.readChildren(one), listed.length, 'the total count, more than fit');
    assert.ok(listed.includes(one[0]));
    assert.is(shim.scanChildren(new Int32Array(0)), listed.length);
    shim.kill(pid, SIGKILL);
    await reap(pid);
    assert.not.ok(children((o) => shim.readChildren(o)).includes(pid));
    assert.not.ok(children((o) => shim.scanChildren(o)).includes(pid));
  } finally {
    await stop(pid);
  }
});

listing('readChildren lists the children of every thread, not only the main one', async () => {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const s = require(${JSON.stringify(ADDON)});
     const tid = require('node:fs').readlinkSync('/proc/thread-self').split('/').pop();
     parentPort.postMessage([s.spawn('sleep', ['sleep', '7.3'], null, {}), tid]);
     parentPort.once('message', () => parentPort.close());`,
    { eval: true },
  );
  let pid = -1;
  try {
    const [child, tid] = await Promise.race([
      new Promise<[number, string]>((resolve) => worker.once('message', resolve)),
      delay(5000).then(() => Promise.reject(new Error('worker did not answer'))),
    ]);
    pid = child;
    assert.ok(pid > 0);
    const own = fs.readFileSync(`/proc/self/task/${tid}/children`, 'utf8').split(' ').map(Number);
    assert.ok(own.includes(pid), 'the worker thread is its parent');
    const main = fs.readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').split(' ').map(Number);
    assert.not.ok(main.includes(pid));
    assert.ok(children((o) => shim.readChildren(o)).includes(pid));
    assert.ok(children((o) => shim.scanChildren(o)).includes(pid));
  } finally {
    await stop(pid); // waitid reaps children of any thread of the process
    worker.postMessage('done');
    await Promise.race([new Promise((resolve) => worker.once('exit', resolve)), delay(3000)]);
    await worker.terminate();
  }
});

listing('listChildren lists a spawned child as readChildren does, with the total count', async () => {
  const pid = shim.spawn('sleep', ['sleep', '7.4'], null, {});
  assert.ok(pid > 0);
  try {
    const listed = children((o) => shim.listChildren(o));
    assert.ok(listed.includes(pid));
    assert.equal(
      listed,
      children((o) => shim.readChildren(o)),
    );
    assert.is(shim.listChildren(new Int32Array(0)), listed.length);
    shim.kill(pid, SIGKILL);
    await reap(pid);
    assert.not.ok(children((o) => shim.listChildren(o)).includes(pid));
  } finally {
    await stop(pid);
  }
});

listing('readChildren, scanChildren and listChildren throw a TypeError without an Int32Array', () => {
  usage(() => shim.readChildren(new Uint8Array(4) as unknown as Int32Array), 'readChildren(out: Int32Array)');
  usage(() => shim.scanChildren([] as unknown as Int32Array), 'scanChildren(out: Int32Array)');
  usage(() => shim.listChildren(null as unknown as Int32Array), 'listChildren(out: Int32Array)');
});

// lastResort kills every child of its caller: it runs in a Node of its own, a subreaper
// whose child `sh` sleeps (exec) with a background `sleep` of its own (the grandchild).
listing('lastResort kills a child and the grandchild it orphans, reaps both and returns 70', async () => {
  const code = `const fs = require('node:fs');
    const s = require(${JSON.stringify(ADDON)});
    s.setChildSubreaper(true);
    const f = new Int32Array(2); s.pipe(f);
    const child = s.spawn('sh', ['sh', '-c', 'sleep 7.41 & echo $!; exec sleep 7.42'], null, { fds: [0, f[1], 2] });
    s.close(f[1]);
    let line = ''; const b = Buffer.alloc(64);
    while (!line.includes('\\n')) { const n = fs.readSync(f[0], b); if (n === 0) break; line += b.toString('utf8', 0, n); }
    const grandchild = Number(line);
    const before = new Int32Array(16); const n = s.listChildren(before);
    const status = s.lastResort();
    const after = s.listChildren(new Int32Array(16));
    // Looked at here, at once: after this process ends, a busy machine may give the pids away.
    const alive = [child, grandchild].filter((p) => fs.existsSync('/proc/' + p));
    const info = new Uint8Array(128);
    process.stdout.write(JSON.stringify({ child, grandchild, before: [...before.subarray(0, n)], status, after,
      alive, waitid: s.waitid(0, 0, info, 4 | 1) }));`;
  const { pid, out } = spawnNode(code);
  let result: {
    child: number;
    grandchild: number;
    before: number[];
    status: number;
    after: number;
    alive: number[];
    waitid: number;
  };
  try {
    result = JSON.parse(readAll(out, 10000));
    assert.is(i32(await reap(pid, 10000), SI_STATUS), 0);
  } finally {
    shim.close(out);
    await stop(pid);
  }
  assert.ok(result.child > 0 && result.grandchild > 0, JSON.stringify(result));
  assert.equal(result.before, [result.child], 'only the child was ours before');
  assert.is(result.status, 70);
  assert.is(result.after, 0, 'no child left');
  assert.is(result.waitid, -ECHILD);
  assert.equal(result.alive, [], 'the child and the grandchild are gone');
});

listing.run();

// ---

const signals = suite('signalPipe');

signals('signalPipe delivers a SIGUSR2 sent to this process by kill(2) as one record (12, SI_USER, our pid)', () => {
  const fd = shim.signalPipe([SIGUSR2]);
  assert.ok(fd >= 0);
  assert.is(fdFlags(fd) & (O_NONBLOCK | O_CLOEXEC), O_NONBLOCK | O_CLOEXEC);
  const buf = new Uint8Array(64);
  assert.is(shim.read(fd, buf, 0, buf.length), -EAGAIN, 'empty');
  process.kill(process.pid, 'SIGUSR2');
  assert.is(pollRetry(fd, POLLIN, 2000), POLLIN);
  assert.is(shim.read(fd, buf, 0, buf.length), 16);
  assert.equal([i32(buf, 0), i32(buf, 4), i32(buf, 8), i32(buf, 12)], [SIGUSR2, 0, process.pid, 0]); // SI_USER
});

signals(
  "signalPipe keeps each signal's record whole: 300 SIGUSR2 from another process read as 16-byte records",
  async () => {
    const fd = shim.signalPipe([SIGUSR2]);
    const buf = new Uint8Array(4096);
    while (shim.read(fd, buf, 0, buf.length) > 0); // drain
    // Standard signals coalesce while one is pending: count records, not signals.
    const r = spawnSync('sh', ['-c', `i=0; while [ $i -lt 300 ]; do kill -USR2 ${process.pid}; i=$((i+1)); done`]);
    assert.is(r.status, 0);
    await delay(50);
    let records = 0;
    // Reads of a multiple of the record size, as the core's: the shim writes each record
    // whole (16 < PIPE_BUF), so every read ends on a record's end however many pile up.
    for (let n = shim.read(fd, buf, 0, 4096); n > 0; n = shim.read(fd, buf, 0, 4096)) {
      assert.is(n % 16, 0, `${n} bytes read: whole records only`);
      for (let at = 0; at < n; at += 16) {
        assert.equal([i32(buf, at), i32(buf, at + 4), i32(buf, at + 12)], [SIGUSR2, 0, 0]);
        assert.ok(i32(buf, at + 8) > 0 && i32(buf, at + 8) !== process.pid, 'the sender: the shell');
      }
      records += n / 16;
    }
    assert.ok(records >= 1, `${records} records`);
  },
);

signals('signalPipe called again adds signals and returns the same fd', () => {
  const fd = shim.signalPipe([SIGUSR2]);
  assert.is(shim.signalPipe([SIGCHLD]), fd);
  assert.is(shim.signalPipe([]), fd);
});

signals('SIGCHLD from a child exit arrives as a record (17, CLD_EXITED)', async () => {
  const fd = shim.signalPipe([SIGCHLD]);
  const buf = new Uint8Array(256);
  while (shim.read(fd, buf, 0, buf.length) > 0); // drain
  const pid = shim.spawn('/bin/sh', ['sh', '-c', 'exit 0'], null, {});
  assert.ok(pid > 0);
  try {
    assert.is(pollRetry(fd, POLLIN, 3000), POLLIN);
    const n = shim.read(fd, buf, 0, buf.length);
    assert.ok(n >= 8 && n % 8 === 0);
    const records = Array.from({ length: n / 8 }, (_, i) => [i32(buf, 8 * i), i32(buf, 8 * i + 4)]);
    assert.ok(
      records.some(([sig, code]) => sig === SIGCHLD && code === 1),
      JSON.stringify(records),
    );
    assert.is(i32(await reap(pid), SI_STATUS), 0);
  } finally {
    await stop(pid);
  }
});

signals('signalPipe refuses SIGKILL with -EINVAL and non-numbers with a TypeError', () => {
  assert.is(shim.signalPipe([SIGKILL]), -EINVAL);
  assert.is(shim.signalPipe([65]), -EINVAL);
  usage(() => shim.signalPipe(['SIGCHLD'] as unknown as number[]), 'signalPipe(signals: number[])');
  usage(() => (shim.signalPipe as (s: unknown) => number)(17), 'signalPipe(signals: number[])');
});

signals.run();

// ---

const fds = suite('fds, epoll and poll');

fds('pipe returns two CLOEXEC fds and close closes each once', () => {
  const [r, w] = pipe();
  assert.is(fdFlags(r) & O_CLOEXEC, O_CLOEXEC);
  assert.is(fdFlags(w) & O_CLOEXEC, O_CLOEXEC);
  assert.is(shim.close(r), 0);
  assert.is(shim.close(w), 0);
  assert.is(shim.close(r), -EBADF);
  usage(() => shim.pipe(new Int32Array(1)), 'pipe(fds: Int32Array)');
});

fds('setNonblocking and setCloexec switch the flags both ways', () => {
  const [r, w] = pipe();
  try {
    assert.is(shim.setNonblocking(r, true), 0);
    assert.is(fdFlags(r) & O_NONBLOCK, O_NONBLOCK);
    assert.is(shim.setNonblocking(r, false), 0);
    assert.is(fdFlags(r) & O_NONBLOCK, 0);
    assert.is(shim.setCloexec(w, false), 0);
    assert.is(fdFlags(w) & O_CLOEXEC, 0);
    assert.is(shim.setCloexec(w, true), 0);
    assert.is(fdFlags(w) & O_CLOEXEC, O_CLOEXEC);
    assert.is(shim.setNonblocking(-1, true), -EBADF);
    assert.is(shim.fdFlags(w), 1, 'FD_CLOEXEC');
    assert.is(shim.setCloexec(w, false), 0);
    assert.is(shim.fdFlags(w), 0);
    assert.is(shim.fdFlags(-1), -EBADF);
    usage(() => (shim.setCloexec as (fd: number, on: unknown) => number)(w, 1), 'setCloexec(fd, on: boolean)');
  } finally {
    shim.close(r);
    shim.close(w);
  }
});

fds('write and read move bytes through a pipe within the given range', () => {
  const [r, w] = pipe();
  try {
    assert.is(shim.write(w, new Uint8Array([0, 0, 1, 2, 3, 0]), 2, 3), 3);
    const whole = new Uint8Array([7, 7, 10, 11]);
    assert.is(shim.write(w, whole.subarray(2), 0, 2), 2, 'a view with a byteOffset');
    const out = new Uint8Array(8).fill(9);
    assert.is(shim.read(r, out, 1, 7), 5);
    assert.equal([...out], [9, 1, 2, 3, 10, 11, 9, 9]);
    assert.is(shim.read(r, out, 8, 0), 0, 'an empty range at the end is allowed');
    assert.is(shim.setNonblocking(r, true), 0);
    assert.is(shim.read(r, out, 0, 8), -EAGAIN);
  } finally {
    shim.close(r);
    shim.close(w);
  }
});

fds('write to a pipe without reader returns -EPIPE (Node ignores SIGPIPE)', () => {
  assert.is(statusField('self', 'SigIgn').length, 16);
  assert.ok((BigInt(`0x${statusField('self', 'SigIgn')}`) >> 12n) & 1n, 'SIGPIPE is ignored by Node');
  const [r, w] = pipe();
  shim.close(r);
  assert.is(shim.write(w, new Uint8Array(1), 0, 1), -EPIPE);
  shim.close(w);
  assert.is(shim.write(w, new Uint8Array(1), 0, 1), -EBADF);
  assert.is(shim.read(w, new Uint8Array(1), 0, 1), -EBADF);
});

fds('read and write outside the buffer throw a TypeError naming their signature', () => {
  const buf = new Uint8Array(8);
  usage(() => shim.read(0, buf, 5, 4), 'read(fd, buf, offset, length)');
  usage(() => shim.read(0, buf, -1, 1), 'read(fd, buf, offset, length)');
  usage(() => shim.read(0, buf, 0, 9), 'read(fd, buf, offset, length)');
  usage(() => shim.read(0, buf, 0.5, 1), 'read(fd, buf, offset, length)');
  usage(() => shim.write(1, buf, 9, 0), 'write(fd, buf, offset, length)');
  usage(() => shim.write(1, new Int8Array(8) as unknown as Uint8Array, 0, 1), 'write(fd, buf, offset, length)');
  usage(() => (shim.write as (...a: unknown[]) => number)(1, buf, 0), 'write(fd, buf, offset, length)');
});

fds('poll returns POLLOUT on a writable pipe, POLLIN with data, POLLHUP after the writer closes', () => {
  const [r, w] = pipe();
  try {
    assert.is(shim.poll(w, POLLOUT, 0), POLLOUT);
    assert.is(shim.poll(r, POLLIN, 0), 0, 'timeout');
    shim.write(w, new Uint8Array([1]), 0, 1);
    assert.is(shim.poll(r, POLLIN, 0), POLLIN);
    shim.read(r, new Uint8Array(1), 0, 1);
    shim.close(w);
    assert.is(shim.poll(r, POLLIN, 0), POLLHUP);
    assert.is(shim.poll(999999, POLLIN, 0), POLLNVAL);
  } finally {
    shim.close(r);
  }
});

fds('epoll create, ctl and wait report a readable pipe as (fd, events) pairs', () => {
  const ep = shim.epollCreate();
  const [r, w] = pipe();
  try {
    assert.ok(ep >= 0);
    assert.is(fdFlags(ep) & O_CLOEXEC, O_CLOEXEC);
    const out = new Int32Array(8).fill(-1);
    assert.is(shim.epollCtl(ep, EPOLL_CTL_ADD, r, EPOLLIN), 0);
    assert.is(shim.epollCtl(ep, EPOLL_CTL_ADD, r, EPOLLIN), -EEXIST);
    assert.is(shim.epollWait(ep, out, 0), 0);
    shim.write(w, new Uint8Array([5]), 0, 1);
    assert.is(shim.epollWait(ep, out, 1000), 1);
    assert.equal([...out.subarray(0, 2)], [r, EPOLLIN]);
    assert.is(shim.epollCtl(ep, EPOLL_CTL_ADD, w, EPOLLOUT | (1 << 31)), 0, 'EPOLLET as a negative int32');
    assert.is(shim.epollWait(ep, out, 0), 2);
    const got = new Map([
      [out[0], out[1]],
      [out[2], out[3]],
    ]);
    assert.equal(
      got,
      new Map([
        [r, EPOLLIN],
        [w, EPOLLOUT],
      ]),
    );
    assert.is(shim.epollWait(ep, out.subarray(0, 2), 0), 1, 'one pair of room: one event');
    assert.is(shim.epollCtl(ep, EPOLL_CTL_MOD, r, EPOLLOUT), 0);
    assert.is(shim.epollCtl(ep, EPOLL_CTL_DEL, w, 0), 0);
    assert.is(shim.epollWait(ep, out, 0), 0);
    assert.is(shim.epollCtl(ep, EPOLL_CTL_DEL, r, 0), 0);
    assert.is(shim.epollCtl(ep, EPOLL_CTL_DEL, r, 0), -ENOENT);
    assert.is(shim.epollWait(r, out, 0), -EINVAL, 'not an epoll fd');
    usage(() => shim.epollWait(ep, new Int32Array(1), 0), 'epollWait(epfd, out, timeoutMs)');
    usage(() => shim.epollCtl(ep, EPOLL_CTL_ADD, r, 2 ** 32), 'epollCtl(epfd, op, fd, events)');
  } finally {
    shim.close(r);
    shim.close(w);
    shim.close(ep);
  }
});

fds.run();

// ---

const spawning = suite('spawn');

let tmp = '';
spawning.before(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'supervise-shim-')));
  fs.writeFileSync(path.join(tmp, 'plain'), '#!/bin/sh\nexit 0\n', { mode: 0o644 });
  fs.mkdirSync(path.join(tmp, 'denied'));
  fs.writeFileSync(path.join(tmp, 'denied', 'sh'), '#!/bin/sh\nexit 0\n', { mode: 0o644 });
  fs.writeFileSync(path.join(tmp, 'myprog'), '#!/bin/sh\nexit 4\n', { mode: 0o755 });
  fs.writeFileSync(path.join(tmp, 'noshebang'), 'exit 6\n', { mode: 0o755 });
});
spawning.after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Spawns and waits for the exit status (CLD_EXITED expected). */
async function exitStatus(file: string, argv: string[], envp: string[] | null, opts = {}): Promise<number> {
  const pid = shim.spawn(file, argv, envp, opts);
  if (pid < 0) return pid;
  try {
    const info = await reap(pid);
    assert.is(i32(info, SI_CODE), CLD_EXITED);
    return i32(info, SI_STATUS);
  } finally {
    await stop(pid);
  }
}

spawning('spawn of a missing file returns -ENOENT, by path and along PATH', async () => {
  assert.is(shim.spawn('/nonexistent/supervise-x', ['x'], null, {}), -ENOENT);
  assert.is(shim.spawn('supervise-no-such-command', ['x'], null, {}), -ENOENT);
  assert.is(shim.spawn('', [''], null, {}), -ENOENT);
  assert.is(shim.spawn('sh', ['sh', '-c', 'exit 0'], ['PATH=/nonexistent'], {}), -ENOENT, "envp's PATH");
  assert.not.ok(
    children((o) => shim.readChildren(o)).some((pid) => statFields(pid)[0] === 'Z'),
    'no zombie left',
  );
});

spawning('spawn of a file that is not executable returns -EACCES', () => {
  assert.is(shim.spawn(path.join(tmp, 'plain'), ['plain'], null, {}), -EACCES);
  assert.is(shim.spawn('sh', ['sh'], [`PATH=${tmp}/denied`], {}), -EACCES);
});

spawning('spawn looks up PATH as execvp does', async () => {
  assert.is(await exitStatus('sh', ['sh', '-c', 'exit 5'], null), 5);
  assert.is(await exitStatus('sh', ['sh', '-c', 'exit 5'], [`PATH=${tmp}/denied:/usr/bin:/bin`]), 5, 'past EACCES');
  assert.is(await exitStatus('sh', ['sh', '-c', 'exit 5'], ['FOO=bar']), 5, 'default PATH');
  assert.is(await exitStatus('myprog', ['myprog'], ['PATH=/nonexistent:'], { cwd: tmp }), 4, 'empty = cwd');
  assert.is(await exitStatus(path.join(tmp, 'noshebang'), ['noshebang'], null), 6, 'no #!: /bin/sh');
});

spawning('spawn passes argv and exactly the given environment', async () => {
  const [r, w] = pipe();
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell's ${HOME-unset}
  const pid = shim.spawn('sh', ['sh', '-c', 'echo "$0|$1|$FOO|${HOME-unset}"', 'zero', 'one two'], ['FOO=bar baz'], {
    fds: [0, w, 2],
  });
  shim.close(w);
  try {
    assert.ok(pid > 0);
    assert.is(readAll(r), 'zero|one two|bar baz|unset\n');
    assert.is(i32(await reap(pid), SI_STATUS), 0);
  } finally {
    shim.close(r);
    await stop(pid);
  }
});

spawning('spawn maps child fd i to fds[i], swaps included, and closes negative entries', async () => {
  const [ra, wa] = pipe();
  const [rb, wb] = pipe();
  const [rc, wc] = pipe();
  const map: number[] = [];
  map[0] = 0;
  map[1] = wa; // stdout to pipe a
  map[2] = 2;
  map[3] = -1;
  map[4] = wb;
  map[wa] = wb; // wa and wb swap places
  map[wb] = wa;
  map[wc] = wc; // same number: CLOEXEC must be cleared
  for (let i = 0; i < map.length; i++) if (map[i] === undefined) map[i] = -1;
  const pid = shim.spawn('sleep', ['sleep', '7.3'], null, { fds: map });
  try {
    assert.ok(pid > 0);
    await asleep(pid);
    const link = (p: number | string, fd: number) => fs.readlinkSync(`/proc/${p}/fd/${fd}`);
    // Above the map, the child inherits what is not CLOEXEC here (a test runner's fds).
    const inherited = fs
      .readdirSync('/proc/self/fd')
      .map(Number)
      .filter((fd) => fd >= map.length && fs.existsSync(`/proc/self/fdinfo/${fd}`) && !(fdFlags(fd) & O_CLOEXEC))
      .sort((a, b) => a - b);
    const expected = [
      ...map.flatMap((src, i) => (src >= 0 ? [[i, link('self', src)]] : [])),
      ...inherited.map((fd) => [fd, link('self', fd)]),
    ];
    const actual = fs
      .readdirSync(`/proc/${pid}/fd`)
      .map(Number)
      .sort((a, b) => a - b)
      .map((fd) => [fd, link(pid, fd)]);
    assert.equal(actual, expected);
  } finally {
    await stop(pid);
    for (const fd of [ra, wa, rb, wb, rc, wc]) shim.close(fd);
  }
});

spawning('spawn connects fds to pipes the parent reads', async () => {
  const [r, w] = pipe();
  const pid = shim.spawn('/bin/sh', ['sh', '-c', 'echo out; echo err >&2'], null, { fds: [0, w, w] });
  shim.close(w);
  try {
    assert.ok(pid > 0);
    assert.is(readAll(r), 'out\nerr\n');
    assert.is(i32(await reap(pid), SI_STATUS), 0);
  } finally {
    shim.close(r);
    await stop(pid);
  }
});

spawning('spawn refuses fds that are not open with -EBADF and misuse with a TypeError', () => {
  assert.is(shim.spawn('sleep', ['sleep', '5.7'], null, { fds: [0, 999999] }), -EBADF);
  const sig = 'spawn(file: string, argv: string[], envp: string[] | null, opts:';
  usage(() => (shim.spawn as (...a: unknown[]) => number)(1, []), sig);
  usage(() => shim.spawn('sh', ['sh', 'a\0b'], null, {}), sig);
  usage(() => shim.spawn('sh', ['sh'], [1] as unknown as string[], {}), sig);
  usage(() => shim.spawn('sh', ['sh'], null, { fds: ['1'] as unknown as number[] }), sig);
  usage(() => shim.spawn('sh', ['sh'], null, { setsid: 1 as unknown as boolean }), sig);
  usage(() => shim.spawn('sh', ['sh'], null, { cwd: 5 as unknown as string }), sig);
});

spawning('the child starts with default signal dispositions and no blocked signals', async () => {
  assert.is.not(statusField('self', 'SigIgn'), '0000000000000000', 'Node ignores SIGPIPE and SIGXFSZ');
  shim.signalPipe([SIGUSR2]); // a handler of ours must not be inherited as anything either
  const pid = shim.spawn('sleep', ['sleep', '5.7'], null, {});
  try {
    assert.ok(pid > 0);
    await asleep(pid); // past execve and the loader
    assert.is(statusField(pid, 'SigIgn'), '0000000000000000');
    assert.is(statusField(pid, 'SigBlk'), '0000000000000000');
  } finally {
    await stop(pid);
  }
});

spawning('spawn runs the child in cwd, and reports a missing cwd as -ENOENT', async () => {
  const pid = shim.spawn('sleep', ['sleep', '7.3'], null, { cwd: tmp });
  try {
    assert.ok(pid > 0);
    assert.is(fs.readlinkSync(`/proc/${pid}/cwd`), tmp);
  } finally {
    await stop(pid);
  }
  assert.is(shim.spawn('sleep', ['sleep', '7.3'], null, { cwd: path.join(tmp, 'missing') }), -ENOENT);
});

spawning('spawn with cloneFlags NEWPID|NEWNS and mountProc makes the child PID 1 with its own /proc', async () => {
  const out = path.join(tmp, 'ns.txt');
  const pid = shim.spawn('sh', ['sh', '-c', `echo $$ $(ls /proc | grep -c '^[0-9]') > ${out}; sleep 7.37`], null, {
    cloneFlags: CLONE_NEWPID | CLONE_NEWNS,
    mountProc: true,
    pdeathsig: SIGKILL,
  });
  if (pid === -EPERM || pid === -EINVAL || pid === -28) {
    // ENOSPC: user.max_pid_namespaces
    console.log(`skipped: no PID namespaces here (${pid})`);
    return;
  }
  try {
    assert.ok(pid > 0, String(pid));
    const end = Date.now() + 5000;
    while (!(fs.existsSync(out) && fs.readFileSync(out, 'utf8').endsWith('\n')) && Date.now() < end) await delay(20);
    const [self, count] = fs.readFileSync(out, 'utf8').trim().split(' ').map(Number);
    assert.is(self, 1, 'PID 1 of the new namespace');
    assert.ok(count >= 1 && count <= 5, `its /proc shows its namespace only (${count} pids)`);
  } finally {
    await stop(pid);
  }
});

spawning('spawn with setsid starts a new session; without, the child stays in ours', async () => {
  const own = statFields(process.pid)[3];
  const a = shim.spawn('sleep', ['sleep', '7.3'], null, { setsid: true });
  const b = shim.spawn('sleep', ['sleep', '7.3'], null, {});
  try {
    assert.ok(a > 0 && b > 0);
    assert.equal(statFields(a).slice(1, 4), [String(process.pid), String(a), String(a)]);
    assert.is(statFields(b)[3], own);
  } finally {
    await stop(a);
    await stop(b);
  }
});

spawning('a child spawned with pdeathsig 9 dies with its parent and is reaped by the subreaper', async () => {
  const before = shim.getChildSubreaper();
  assert.is(shim.setChildSubreaper(true), 0);
  const code = `const s = require(${JSON.stringify(ADDON)});
    process.stdout.write(String(s.spawn('sleep', ['sleep', '5.7'], null, { pdeathsig: 9, fds: [0, -1, 2] })));`;
  const { pid, out } = spawnNode(code);
  let grandchild = -1;
  try {
    grandchild = Number(readAll(out, 5000));
    assert.ok(grandchild > 0, `grandchild ${grandchild}`);
    assert.is(i32(await reap(pid, 5000), SI_STATUS), 0, 'the intermediate node exited 0');
    const info = await reap(grandchild, 3000, true); // adopted by this process, then reaped
    assert.is(i32(info, SI_CODE), CLD_KILLED);
    assert.is(i32(info, SI_STATUS), SIGKILL);
  } finally {
    shim.close(out);
    await stop(pid);
    if (grandchild > 0 && shim.kill(grandchild, 0) === 0) {
      shim.kill(grandchild, SIGKILL);
      await reap(grandchild, 3000, true);
    }
    shim.setChildSubreaper(before === 1);
  }
});

spawning.run();
