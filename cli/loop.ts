// The event loop of the supervise executable: wires shim calls into core.wasm's imports
// and wakes the core when something happens. No decisions here: what to reap, whom to
// signal and when to exit are the core's (assembly/core.ts).
import { readFileSync, writeSync } from 'node:fs';
import {
  EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD,
  POLLOUT, POLLERR, POLLHUP, POLLNVAL,
  type Shim,
} from './shim.ts';
import { loadCore, type CoreExports } from './wasm.ts';
import {
  EAGAIN, EINTR, EPIPE, EPERM,
  FLAG_EXIT, FLAG_WANT_WRITABLE, LAUNCH_START_GRACE, STATUS_SIZE,
  EVENTS_ENTRY_SIZE, EVENTS_TIME, EVENTS_RECORD,
} from '../assembly/protocol.ts';
import * as R from '../assembly/report.ts';
import { errnoName } from './errors.ts';

/** Every signal whose default action would end supervise and that can be caught:
 *  supervise must never die of one without tearing its tree down. (32 and 33 belong to
 *  glibc; SIGPIPE stays ignored, as Node sets it, so a gone reader is an EPIPE.) */
export const CAUGHT_SIGNALS = [
  1, 2, 3, 10, 12, 14, 15, 16, 24, 25, 26, 27, 29, 30, 31,
  ...Array.from({ length: 31 }, (_, i) => 34 + i),
];
/** Caught in launch mode only, to be forwarded: SIGCONT, SIGURG, SIGWINCH (their default
 *  is to do nothing, or to continue). The stop signals (TSTP, TTIN, TTOU) keep their
 *  default: the terminal stops supervise and CMD together. */
export const LAUNCH_EXTRA_SIGNALS = [18, 23, 28];
export const SIGCHLD = 17;
const ENOENT = 2;
const EMFILE = 24;
const ENFILE = 23;

export interface LoopOptions {
  shim: Shim;
  controlFd: number;
  statusFd: number;
  /** The launched command's pid (launch mode), 0 in protocol mode. */
  mainPid?: number;
  /** The signal pipe from catchSignals(). */
  signalFd: number;
  /** Launch mode: what was started and the timers of the host. */
  launch?: LaunchState;
  /** An events file (opened O_APPEND|O_CLOEXEC, header written): every status record
   *  is appended to it with a timestamp. */
  eventsFd?: number;
}

export interface LaunchState {
  /** 0 when the command was spawned (mainPid), else the errno of the failure. */
  spawnErrno: number;
  waitAll: boolean;
  /** --grace and --timeout in ms (0: none). */
  graceMs: number;
  timeoutMs: number;
}

export class SetupError extends Error {}

/** Catches every signal supervise handles, as early as possible: until this runs, a
 *  SIGTERM finds Node's defaults and ends supervise with its tree alive. The handler
 *  only queues the signal number on a pipe; the loop reads it. -> the pipe's read end. */
export function catchSignals(shim: Shim, extra: number[] = []): number {
  const fd = shim.signalPipe([SIGCHLD, ...CAUGHT_SIGNALS, ...extra]);
  if (fd < 0) throw new SetupError(`cannot install signal handlers: ${errnoName(fd)}`);
  return fd;
}

function say(line: string): void {
  try {
    writeSync(2, `supervise: ${line}\n`);
  } catch {
    // stderr gone: nothing to tell anyone.
  }
}

/** Checks what supervise stands on: /proc, and being a child subreaper (set here if the
 *  parent did not). Throws SetupError with a message for the user. */
export function prepare(shim: Shim): void {
  let stat: string;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Only a missing /proc is "not mounted"; EMFILE (a tiny `ulimit -n`) and the like
    // must be named as what they are.
    if (code === 'ENOENT') {
      throw new SetupError('/proc is not mounted: supervise needs it to find the processes it adopts');
    }
    throw new SetupError(
      `cannot read /proc/self/stat: ${code ?? (err as Error).message}` +
        (code === 'EMFILE' || code === 'ENFILE' ? ' (too many open files: raise `ulimit -n`)' : ''),
    );
  }
  // In a PID namespace with the parent's /proc, the pids there are not the ones kill() takes.
  if (parseInt(stat, 10) !== shim.getpid()) {
    throw new SetupError('/proc belongs to another PID namespace: mount one for this namespace (e.g. unshare --pid --fork --mount-proc)');
  }
  if (shim.getChildSubreaper() === 1) return;
  const r = shim.setChildSubreaper(true);
  if (r < 0) {
    throw new SetupError(
      `cannot become a child subreaper: prctl(PR_SET_CHILD_SUBREAPER) failed with ${errnoName(r)}` +
        (r === -EPERM ? ' (a sandbox forbids it)' : ''),
    );
  }
}

/** Runs until the core says no child is left; resolves to the exit status. */
export function runLoop(opts: LoopOptions): Promise<number> {
  const { shim, controlFd, statusFd } = opts;
  const mainPid = opts.mainPid ?? 0;

  let childrenFallback = false;
  let statusGone = false;
  const eventsFd = opts.eventsFd ?? -1;
  // With an events file the records go on after the status reader is gone (or without one).
  let statusBroken = statusFd < 0;
  const entry = new Uint8Array(EVENTS_ENTRY_SIZE);
  const entryView = new DataView(entry.buffer);
  const logRecord = (rec: Uint8Array) => {
    const us = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
    entryView.setBigInt64(EVENTS_TIME, us, true);
    entry.set(rec, EVENTS_RECORD);
    try {
      writeSync(eventsFd, entry);
    } catch (err) {
      say(`cannot write the events file: ${(err as Error).message}`);
    }
  };
  const core: CoreExports = loadCore({
    waitid: (idtype, id, info, options, rusage) => shim.waitid(idtype, id, info, options, rusage ?? undefined),
    kill: (pid, sig) => shim.kill(pid, sig),
    children: (out) => {
      if (!childrenFallback) {
        const n = shim.readChildren(out);
        if (n !== -ENOENT) return n;
        childrenFallback = true; // a kernel without CONFIG_PROC_CHILDREN
      }
      return shim.scanChildren(out);
    },
    statusReady: () => {
      if (statusBroken) return eventsFd >= 0 ? 1 : -EPIPE;
      let revents: number;
      do revents = shim.poll(statusFd, POLLOUT, 0);
      while (revents === -EINTR);
      if (revents < 0 || revents & (POLLERR | POLLHUP | POLLNVAL)) {
        if (eventsFd < 0) return revents < 0 ? revents : -EPIPE;
        statusBroken = true;
        return 1;
      }
      return revents & POLLOUT ? 1 : 0;
    },
    writeStatus: (record) => {
      let r = record.length;
      if (!statusBroken) {
        r = shim.write(statusFd, record, 0, record.length);
        if (r < 0 && r !== -EAGAIN && eventsFd >= 0) {
          statusBroken = true;
          r = record.length;
        }
      }
      // `record` is the rest of one record: the whole one ends where it ends.
      if (r === record.length && eventsFd >= 0) {
        logRecord(new Uint8Array(record.buffer, record.byteOffset + record.length - STATUS_SIZE, STATUS_SIZE));
      }
      return r;
    },
    report: (what, a, b) => {
      switch (what) {
        case R.REPORT_BAD_PID:
          return say(`refused a control record for pid ${a} (signal ${b}): pids <= 0 are never signalled`);
        case R.REPORT_BAD_SIGNAL:
          return say(`refused a control record for pid ${a}: ${b} is not a signal number`);
        case R.REPORT_KILL_FAILED:
          return say(`could not signal pid ${a}: ${errnoName(b)}; going on`);
        case R.REPORT_REFUSED_COUNT:
          return say(`refused ${a >>> 0} malformed control records so far (only the first ${R.REFUSALS_SHOWN} are shown one by one)`);
        case R.REPORT_PARTIAL_CONTROL:
          return say(`the control stream ended inside a record (${a} of 8 bytes); ignored`);
        case R.REPORT_STATUS_GONE:
          // The owner closed its end (the usual way to end a tree): nothing to say.
          statusGone = true;
          return;
        case R.REPORT_WAIT_FAILED:
          return say(`waitid failed: ${errnoName(a)}`);
        case R.REPORT_CHILDREN_FAILED:
          return say(`cannot list children: ${errnoName(a)}`);
        default:
          return say(`report ${what} ${a} ${b}`);
      }
    },
  });

  let pidMax = 4194304; // the kernel's upper limit, if pid_max cannot be read (EMFILE)
  try {
    pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) || pidMax;
  } catch {
    // keep the upper limit: the bitmaps are only larger
  }
  core.init(shim.getpid(), mainPid, shim.clockTicks(), pidMax);
  const launch = opts.launch;
  if (launch) {
    core.launch(launch.waitAll ? 1 : 0, launch.graceMs > 0 ? 1 : 0);
    if (launch.spawnErrno) core.spawnFailed(launch.spawnErrno);
    else core.spawned();
  }

  const { signalFd } = opts;

  const ep = shim.epollCreate();
  if (ep < 0) throw new SetupError(`epoll_create1: ${errnoName(ep)}`);
  shim.epollCtl(ep, EPOLL_CTL_ADD, signalFd, EPOLLIN);

  // What epoll watches, per fd (control and status may be one fd: a socketpair end).
  const interest = new Map<number, number>();
  const watchFd = (fd: number, ev: number): number => {
    const cur = interest.get(fd) ?? 0;
    if (cur === ev) return 0;
    const r = shim.epollCtl(ep, cur === 0 ? EPOLL_CTL_ADD : ev === 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD, fd, ev);
    if (r === 0) ev === 0 ? interest.delete(fd) : interest.set(fd, ev);
    return r;
  };

  // The control fd: epoll refuses regular files and /dev/null (EPERM); those never
  // block, so they are read on every wake until EOF.
  let controlOpen = controlFd >= 0;
  let controlPolled = false;
  if (controlOpen) {
    const r = watchFd(controlFd, EPOLLIN);
    controlPolled = r === 0;
    if (r < 0 && r !== -EPERM) throw new SetupError(`cannot watch the control fd ${controlFd}: ${errnoName(r)}`);
  }

  // Tear-down depends on listing children (opendir /proc + one stat at a time): if that
  // fails now (EMFILE with a tiny `ulimit -n`), it would fail at tear-down and leave the
  // tree alive, so refuse to start instead.
  {
    const probe = new Int32Array(1);
    let n = childrenFallback ? shim.scanChildren(probe) : shim.readChildren(probe);
    if (n === -ENOENT && !childrenFallback) n = shim.scanChildren(probe);
    if (n < 0) {
      shim.close(ep);
      throw new SetupError(
        `cannot list children: ${errnoName(n)}` +
          (n === -EMFILE || n === -ENFILE ? ' (too many open files: raise `ulimit -n`)' : ''),
      );
    }
  }

  const events = new Int32Array(64);
  const sigbuf = new Uint8Array(256);

  return new Promise<number>((resolve) => {
    let watcher: { close(): void } | undefined;
    let done = false;
    // Launch mode's timers (--timeout, --grace): the decisions stay in the core.
    const timers = new Set<NodeJS.Timeout>();
    const after = (ms: number, fn: () => void) => {
      const t = setTimeout(() => {
        timers.delete(t);
        if (done) return;
        fn();
        iterate();
      }, ms);
      timers.add(t);
    };
    const startGrace = () => after(launch!.graceMs, () => core.graceExpired());
    if (launch && !launch.spawnErrno && launch.timeoutMs > 0) {
      after(launch.timeoutMs, () => {
        if (core.timeout() & LAUNCH_START_GRACE) startGrace();
      });
    }

    const finish = (code: number) => {
      done = true;
      for (const t of timers) clearTimeout(t);
      watcher?.close();
      shim.close(ep);
      resolve(code);
    };

    const readControl = () => {
      const cap = core.controlCapacity();
      const n = shim.read(controlFd, new Uint8Array(core.memory.buffer), core.controlBuffer(), cap);
      if (n > 0) {
        core.control(n);
      } else if (n === -EAGAIN || n === -EINTR) {
        // nothing now
      } else {
        // EOF, or an error that ends the stream all the same (ECONNRESET, EIO).
        controlOpen = false;
        core.controlEof();
      }
    };

    const iterate = () => {
      if (done) return;
      try {
        step();
      } catch (err) {
        // A bug of ours must not end supervise with its tree alive: say it, tear down.
        say(`internal error: ${(err as Error).stack ?? err}`);
        core.teardown();
      }
    };

    const step = () => {
      let n: number;
      do n = shim.epollWait(ep, events, 0);
      while (n === -EINTR);
      let controlReady = controlOpen && !controlPolled;
      for (let i = 0; i < n; i++) {
        if (events[2 * i] === controlFd && events[2 * i + 1] & (EPOLLIN | EPOLLHUP | EPOLLERR)) controlReady = true;
      }

      for (;;) {
        const k = shim.read(signalFd, sigbuf, 0, sigbuf.length);
        if (k <= 0) break;
        for (let i = 0; i < k; i++) {
          const signo = sigbuf[i];
          if (signo === SIGCHLD) continue; // the pump below sweeps
          if (launch) {
            if (core.launchSignal(signo) & LAUNCH_START_GRACE) startGrace();
          } else core.signal(signo);
        }
      }
      if (controlReady && controlOpen) readControl();

      const flags = core.pump();
      if (flags & FLAG_EXIT) return finish(core.exitCode());

      // The status fd is watched only while a record waits for it (back-pressure).
      const want = (flags & FLAG_WANT_WRITABLE) !== 0 && !statusGone ? EPOLLOUT : 0;
      const control = controlOpen && controlPolled ? EPOLLIN : 0;
      if (statusFd === controlFd) {
        if (statusFd >= 0) watchFd(statusFd, control | want);
      } else {
        if (controlFd >= 0) watchFd(controlFd, control);
        if (statusFd >= 0) watchFd(statusFd, want); // EPERM for a regular file: always writable anyway
      }
      // A control fd epoll cannot watch is read until EOF without waiting.
      if (controlOpen && !controlPolled) setImmediate(iterate);
    };

    watcher = shim.watch(ep, iterate);
    iterate(); // the start-up sweep: children that died before the handler was installed
  });
}
