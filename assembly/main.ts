// The supervise program: set-up and the event loop. main() is all a host runs; it reaches
// the kernel only through linux.ts and leaves every decision about children to core.ts.
//
//   protocol mode (no arguments): control records on fd 0, status records on fd 1;
//   launch mode (`[options] -- CMD`): spawns CMD, forwards signals, ends with it.
//
// The loop is one epoll_wait (its timeout the nearest deadline: --timeout, --grace), then
// one function per source: the signal pipe, the control fd, the timers; then the core's
// pump(), whose result says what to wait for next.

import {
  SIGCHLD, SIGKILL, SIGNAL_MAX, EINTR, EAGAIN, EPERM, ENOENT, EBADF, ENOSPC, PID_MAX_LIMIT,
  SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGCONT, SIGURG, SIGWINCH,
  FLAG_EXIT, FLAG_WANT_WRITABLE, LAUNCH_START_GRACE,
  EXIT_USAGE, EXIT_FAILURE, EXIT_FRONT_END,
  EVENTS_MAGIC, EVENTS_VERSION, EVENTS_HEADER_SIZE, EVENTS_ENTRY_SIZE, EVENTS_VERSION_AT,
  EVENTS_ENTRY_SIZE_AT, EVENTS_FLAG_WAIT_ALL, LAYER_SUBREAPER, LAYER_CGROUP, LAYER_PID_NS,
} from './protocol';
import {
  EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP,
  O_RDONLY, O_RDWR, O_CREAT, O_APPEND, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER,
} from './sys';
import {
  getpid, getuid, geteuid, getgid, clockTicks, getChildSubreaper, setChildSubreaper,
  children, spawn, signals, epollCreate, epollCtl, epollWait, read, write, open, close,
  fileSize, fdGiven, setCloexec, monotonicMs, callerSignals, SIGNAL_RECORD_SIZE, SIGNAL_SIGNO,
  SIGNAL_CODE, SIGNAL_PID, SPAWN_SELF, SPAWN_MOUNT_PROC, SPAWN_FLAGS, SPAWN_PDEATHSIG,
  SPAWN_CLONE_FLAGS, SPAWN_UID_MAP, SPAWN_GID_MAP, SPAWN_IGNORED, SPAWN_MASK, SPAWN_CGROUP_PROCS, SPAWN_OPTIONS_SIZE,
  CALLER_IGNORED, CALLER_BLOCKED, CALLER_SIGNALS_SIZE,
} from './linux';
import { argc, loadArgs, parseLaunch, parseDuration, arg, argLength, argVector, option, cmdIndex, hasCommand } from './args';
import { gather } from './gather';
import {
  LAUNCH_OPTIONS, FLAG, DURATION, FILE, INNER, OPT_STATUS_FD, OPT_CONTROL_FD, OPT_WAIT_ALL, OPT_GRACE,
  OPT_TIMEOUT, OPT_TIMEOUT_SIGNAL, OPT_EVENTS, OPT_PID_NS, OPT_CGROUP, OPT_MAX_PIDS, OPT_MAX_MEMORY, OPT_VERBOSE,
  OPT_EVENTS_FD,
} from './options';
import { decimal } from './decimal';
import { cgroupCreate, cgroupProcs, cgroupRemove, cgroupPath, cgroupPathLength, cgroupLimit, cgroupParent } from './cgroup';
import {
  init, controlBuffer, controlCapacity, control, controlEof, signal, launch, spawned,
  spawnFailed, launchSignal, timeout, graceExpired, pump, exitCode, layers,
} from './core';
import { ioInit, statusWritable, logStarted } from './io';
import * as say from './say';

const MAX_EVENTS: i32 = 64;
const events: usize = memory.data(MAX_EVENTS << 3, 8);
/** 32 signal records: a read takes whole ones (the pipe holds whole records only). */
const SIGBUF: i32 = 32 * SIGNAL_RECORD_SIZE;
const sigbuf: usize = memory.data(SIGBUF, 8);
const scratch: usize = memory.data(256, 8);
/** What the caller left ignored and blocked (callerSignals()): CMD's, and not caught. */
const callerSigs: usize = memory.data(CALLER_SIGNALS_SIZE, 8);
/** The yargs front end's scratch buffer (duration()). */
const ARGBUF: i32 = 4096;
const argbuf: usize = memory.data(ARGBUF);

let launchMode = false;
let signalFd: i32 = -1;
let ep: i32 = -1;
let ctlFd: i32 = -1;
let outFd: i32 = -1;
let controlOpen = false;
/** epoll watches the control fd; false for a regular file or /dev/null (read until EOF). */
let controlPolled = false;
/** What epoll watches on the control fd and on the status fd (one entry if they are one). */
let controlInterest: i32 = 0;
let statusInterest: i32 = 0;
/** Deadlines on CLOCK_MONOTONIC in ms, or -1. */
let timeoutAt: i64 = -1;
let graceAt: i64 = -1;

/** Called by the host, once: runs supervise and returns its exit status, or
 *  EXIT_FRONT_END when the arguments are for the full command line (cli/args.ts). */
export function main(): i32 {
  loadArgs();
  // No arguments, or protocol mode's options alone (`supervise --cgroup`): protocol mode,
  // every option unset but those.
  if (!parseLaunch()) return EXIT_FRONT_END;
  launchMode = hasCommand;
  // Before supervise opens any fd of its own: a closed 0, 1 or 2 would be taken by the
  // signal pipe, and an fd number nobody passed would name one of ours.
  if (!reserveStdio()) return EXIT_FAILURE;
  if (launchMode) {
    ctlFd = option(OPT_CONTROL_FD);
    outFd = option(OPT_STATUS_FD);
    // The protocol fds are ours: CMD must not inherit them (it would keep EOF away).
    if (!ownFd('status-fd', outFd) || !ownFd('control-fd', ctlFd)) return EXIT_USAGE;
    if (option(OPT_EVENTS_FD) >= 0 && option(OPT_EVENTS) != 0) {
      say.eventsTwice();
      return EXIT_USAGE;
    }
    if (!ownFd('events-fd', option(OPT_EVENTS_FD))) return EXIT_USAGE;
  } else {
    ctlFd = 0;
    outFd = 1;
  }
  // Until the handlers are in place a fatal signal would end supervise with its tree alive;
  // a host keeps the inherited mask until then, so one pending since exec arrives now.
  signalFd = catchSignals();
  if (signalFd < 0) {
    say.cannotCatchSignals(signalFd);
    return EXIT_FAILURE;
  }
  if (!prepare()) return EXIT_FAILURE;
  let eventsFd = -1;
  if (launchMode && option(OPT_EVENTS) != 0) {
    eventsFd = openEvents();
    if (eventsFd < 0) return EXIT_FAILURE;
  } else if (launchMode && option(OPT_EVENTS_FD) >= 0) {
    eventsFd = eventsStream(option(OPT_EVENTS_FD));
    if (eventsFd < 0) return EXIT_FAILURE;
  }
  if (!startLoop()) return EXIT_FAILURE;
  // A limit that cannot be had: launch mode has started nothing yet and exits 1; protocol
  // mode's children are there already, so it tears them down as at control EOF (their
  // records go out as ever) and then exits 1, never leaving the tree to whoever inherits it.
  let limitFailed = !useCgroup();
  if (limitFailed && launchMode) return EXIT_FAILURE;
  // Protocol mode: the children were started by the owner, outside the leaf; move them in.
  if (!launchMode && cgroupPath() != 0) gather();

  let pid = launchMode ? spawnCommand() : 0;
  init(getpid(), pid > 0 ? pid : 0, clockTicks(), readNumber('/proc/sys/kernel/pid_max', PID_MAX_LIMIT));
  ioInit(outFd, eventsFd);
  // Which kill mechanisms hold the tree: a record when one beyond the subreaper was asked
  // for (before any other record), and a line with --verbose.
  let cgroupAsked = option(OPT_CGROUP) != 0 || option(OPT_MAX_PIDS) > 0 || option(OPT_MAX_MEMORY) > 0;
  let leaf = cgroupPath();
  let bits = LAYER_SUBREAPER | (leaf != 0 ? LAYER_CGROUP : 0) | (launchMode && option(OPT_PID_NS) != 0 && pid > 0 ? LAYER_PID_NS : 0);
  if (cgroupAsked || (launchMode && option(OPT_PID_NS) != 0)) layers(bits, leaf, leaf != 0 ? cgroupPathLength() : 0);
  if (option(OPT_VERBOSE) != 0 && (pid > 0 || !launchMode)) say.layers(bits, leaf);
  if (limitFailed) {
    controlOpen = false;
    controlEof();
    loop();
    return EXIT_FAILURE;
  }
  if (launchMode) {
    launch(option(OPT_WAIT_ALL), option(OPT_GRACE) > 0 ? 1 : 0);
    if (pid < 0) {
      if (option(OPT_PID_NS) != 0) say.cannotSpawnInNamespace(arg(cmdIndex), argLength(cmdIndex), pid);
      else say.cannotSpawn(arg(cmdIndex), argLength(cmdIndex), pid);
      spawnFailed(-pid);
    } else {
      spawned();
      if (option(OPT_TIMEOUT) > 0) timeoutAt = monotonicMs() + <i64>option(OPT_TIMEOUT);
    }
  }
  return loop();
}

/** Called by the full command line (cli/args.ts): where to write a duration's text. */
export function argBuffer(): usize {
  return argbuf;
}

/** Called by the full command line after writing `len` bytes at argBuffer(): the
 *  duration in milliseconds, or -1 if it is not one ("500ms", "10s", "2m", "1h", "3"). */
export function duration(len: i32): i32 {
  return len < 0 || len > ARGBUF ? -1 : parseDuration(argbuf, len);
}

// --- set-up

/** Catches every signal but those left at their default action (below) or ignored by the
 *  caller (they stay ignored, for supervise and CMD: nohup, a shell's background job),
 *  and SIGCHLD whatever the caller did with it. Left at their default: KILL and STOP
 *  (they cannot be caught); 32 and 33 (glibc's); TSTP, TTIN and TTOU (the terminal stops
 *  supervise with CMD); in protocol mode CONT, URG and WINCH (their default is to do
 *  nothing; launch mode catches them to forward them). SIGPIPE is caught too: one that
 *  supervise's own write raised is told apart by its sender (core.ts ownSignal), and the
 *  host ignores it until then. -> the signal pipe | -errno. */
function catchSignals(): i32 {
  callerSignals(callerSigs);
  let ignored = load<u64>(callerSigs, CALLER_IGNORED);
  let n = 0;
  for (let s = 1; s <= SIGNAL_MAX; s++) {
    if (s == SIGKILL || s == SIGSTOP || s == 32 || s == 33) continue;
    if (s == SIGTSTP || s == SIGTTIN || s == SIGTTOU) continue;
    if (!launchMode && (s == SIGCONT || s == SIGURG || s == SIGWINCH)) continue;
    if (s != SIGCHLD && ((ignored >> <u64>(s - 1)) & 1) != 0) continue;
    store<i32>(scratch + (<usize>(n++) << 2), s);
  }
  return signals(scratch, n);
}

/** Fds 0, 1 and 2 closed at exec are opened on /dev/null (stdin: at EOF at once, which
 *  in protocol mode is a tear-down request; stdout and stderr: written to nowhere), as the
 *  kernel's lowest-free-fd rule would otherwise hand them to the first fd supervise opens.
 *  false (with a message) if one stays closed. */
function reserveStdio(): bool {
  for (let fd = 0; fd <= 2; fd++) {
    if (fdGiven(fd) == 0) continue;
    let r = open(cstring('/dev/null'), O_RDWR, 0);
    if (r >= 0 && r != fd) close(r);
    if (r != fd) {
      say.stdioClosed(fd, r < 0 ? r : -EBADF);
      return false;
    }
  }
  return true;
}

/** Checks what supervise stands on: a /proc of this PID namespace, and being a child
 *  subreaper (set here if the parent did not). */
function prepare(): bool {
  let fd = open(cstring('/proc/self/stat'), O_RDONLY, 0);
  if (fd == -ENOENT) {
    say.noProc();
    return false;
  }
  if (fd < 0) {
    say.cannotReadStat(fd);
    return false;
  }
  let n = read(fd, scratch, 32);
  close(fd);
  if (n < 0) {
    say.cannotReadStat(n);
    return false;
  }
  // In a PID namespace with the parent's /proc, the pids there are not the ones kill() takes.
  if (decimal(scratch, n) != <i64>getpid()) {
    say.foreignProc();
    return false;
  }
  if (getChildSubreaper() == 1) return true;
  let r = setChildSubreaper(1);
  if (r < 0) {
    say.cannotSubreap(r);
    return false;
  }
  return true;
}

/** --cgroup, and --max-pids, --max-memory (which imply it): the leaf for CMD (protocol mode: for the
 *  children its owner started, gather.ts), with its limits. Without
 *  a writable cgroup v2, --cgroup goes on with the subreaper alone (saying so); a limit that
 *  cannot be set stops supervise (false, with a message naming what is missing). */
function useCgroup(): bool {
  let maxPids = option(OPT_MAX_PIDS);
  let maxMemory = option(OPT_MAX_MEMORY);
  if (option(OPT_CGROUP) == 0 && maxPids <= 0 && maxMemory <= 0) return true;
  let r = cgroupCreate();
  if (r < 0) {
    if (maxPids <= 0 && maxMemory <= 0) {
      say.noCgroup(r);
      return true;
    }
    say.cannotLimit(maxPids > 0 ? '--max-pids' : '--max-memory', r);
    return false;
  }
  if (maxPids > 0) {
    r = cgroupLimit('pids.max', maxPids.toString());
    if (r < 0) {
      say.noController('--max-pids', 'pids', cgroupParent(), r);
      cgroupRemove();
      return false;
    }
  }
  if (maxMemory > 0) {
    r = cgroupLimit('memory.max', maxMemory.toString() + 'K');
    if (r < 0) {
      say.noController('--max-memory', 'memory', cgroupParent(), r);
      cgroupRemove();
      return false;
    }
  }
  return true;
}

/** --status-fd / --control-fd: must be an fd we were given; marked CLOEXEC for CMD. */
function ownFd(name: string, fd: i32): bool {
  if (fd < 0) return true;
  let r = fdGiven(fd);
  if (r == 0) r = setCloexec(fd, 1);
  if (r < 0) {
    say.badFd(name, fd, r);
    return false;
  }
  return true;
}

/** Opens (creates) the events log for appending: writes the header if it is empty, else
 *  checks that it is a log of the version supervise writes, ending on a whole entry (an
 *  older log, or another file, would be corrupted by what follows); then the `started`
 *  entry of this run. */
function openEvents(): i32 {
  let eventsFile = <usize>option(OPT_EVENTS);
  let fd = open(eventsFile, O_RDWR | O_APPEND | O_CREAT, 0o644);
  if (fd < 0) {
    say.cannotOpenEvents(eventsFile, fd);
    return -1;
  }
  let h = scratch;
  let size = fileSize(fd);
  if (size == 0) {
    for (let i = 0; i < 8; i++) store<u8>(h + <usize>i, <u8>EVENTS_MAGIC[i]);
    store<u32>(h, EVENTS_VERSION, EVENTS_VERSION_AT);
    store<u32>(h, EVENTS_ENTRY_SIZE, EVENTS_ENTRY_SIZE_AT);
    size = write(fd, h, EVENTS_HEADER_SIZE);
    if (size >= 0 && size != EVENTS_HEADER_SIZE) size = -ENOSPC;
  } else if (size > 0) {
    let n = read(fd, h, EVENTS_HEADER_SIZE); // O_APPEND: the offset is still 0 for reading
    if (n >= 0 && !ourLog(h, n, size)) {
      say.eventsNotOurs(eventsFile);
      close(fd);
      return -1;
    }
    if (n < 0) size = n;
  }
  if (size >= 0) size = logStarted(fd, getpid(), clockTicks(), option(OPT_WAIT_ALL) != 0 ? EVENTS_FLAG_WAIT_ALL : 0);
  if (size < 0) {
    say.cannotOpenEvents(eventsFile, size);
    close(fd);
    return -1;
  }
  return fd;
}

/** --events-fd: the log is a stream the caller reads (made CLOEXEC by ownFd()), so it
 *  starts with the header, then the `started` entry of this run, as a new file would. */
function eventsStream(fd: i32): i32 {
  let h = scratch;
  for (let i = 0; i < 8; i++) store<u8>(h + <usize>i, <u8>EVENTS_MAGIC[i]);
  store<u32>(h, EVENTS_VERSION, EVENTS_VERSION_AT);
  store<u32>(h, EVENTS_ENTRY_SIZE, EVENTS_ENTRY_SIZE_AT);
  let r = write(fd, h, EVENTS_HEADER_SIZE);
  if (r >= 0 && r != EVENTS_HEADER_SIZE) r = -ENOSPC;
  if (r >= 0) r = logStarted(fd, getpid(), clockTicks(), option(OPT_WAIT_ALL) != 0 ? EVENTS_FLAG_WAIT_ALL : 0);
  if (r < 0) {
    say.cannotWriteEvents(r);
    return -1;
  }
  return fd;
}

/** Whether the `n` header bytes at h and the file size are those of a log supervise writes. */
function ourLog(h: usize, n: i32, size: i32): bool {
  if (n != EVENTS_HEADER_SIZE) return false;
  for (let i = 0; i < 8; i++) if (load<u8>(h + <usize>i) != <u8>EVENTS_MAGIC[i]) return false;
  return load<u32>(h, EVENTS_VERSION_AT) == EVENTS_VERSION && load<u32>(h, EVENTS_ENTRY_SIZE_AT) == EVENTS_ENTRY_SIZE
    && (size - EVENTS_HEADER_SIZE) % EVENTS_ENTRY_SIZE == 0;
}

/** epoll for the signal pipe and the control fd, and a first listing of children: tear-down
 *  depends on it (if it fails now, with a tiny `ulimit -n`, it would fail at tear-down and
 *  leave the tree alive), so supervise refuses to start without it. */
function startLoop(): bool {
  ep = epollCreate();
  if (ep < 0) {
    say.cannotEpoll(ep);
    return false;
  }
  epollCtl(ep, EPOLL_CTL_ADD, signalFd, EPOLLIN);
  controlOpen = ctlFd >= 0;
  if (controlOpen) {
    // epoll refuses regular files and /dev/null (EPERM): those never block.
    let r = epollCtl(ep, EPOLL_CTL_ADD, ctlFd, EPOLLIN);
    controlPolled = r == 0;
    if (controlPolled) controlInterest = EPOLLIN;
    if (r < 0 && r != -EPERM) {
      say.cannotWatchControl(ctlFd, r);
      return false;
    }
  }
  let n = children(scratch, 1);
  if (n < 0) {
    say.cannotListChildren(n);
    return false;
  }
  return true;
}

/** Starts CMD with pdeathsig SIGKILL -> its pid | -errno. With --pid-ns, CMD's parent is
 *  a second supervise, PID 1 of new PID and mount namespaces with their own /proc (and a
 *  user namespace unless root): when it dies, even by SIGKILL through pdeathsig, the kernel
 *  kills everything in the namespace. It forwards signals to CMD (not PID 1, so CMD keeps
 *  default dispositions) and reaps every orphan; it exits with CMD's status. */
function spawnCommand(): i32 {
  let opts = scratch;
  memory.fill(opts, 0, SPAWN_OPTIONS_SIZE);
  store<i32>(opts + SPAWN_PDEATHSIG, SIGKILL);
  store<u64>(opts + SPAWN_IGNORED, load<u64>(callerSigs, CALLER_IGNORED));
  store<u64>(opts + SPAWN_MASK, load<u64>(callerSigs, CALLER_BLOCKED));
  store<i32>(opts + SPAWN_CGROUP_PROCS, cgroupProcs());
  let n = argc - cmdIndex;
  if (option(OPT_PID_NS) == 0) return spawn(argVector(cmdIndex), n, opts);

  // The inner supervise's argv: the options its side reads (INNER), spelled as the canonical
  // argv spells them (codec/argv.ts), then CMD.
  let inner = heap.alloc(<usize>(n + 2 + 2 * LAUNCH_OPTIONS.length) << 2);
  let k = 0;
  store<u32>(inner + (<usize>(k++) << 2), <u32>cstring('supervise'));
  for (let o = 0; o < LAUNCH_OPTIONS.length; o++) {
    let row = LAUNCH_OPTIONS[o];
    let v = option(o);
    if ((<i32>row.readers & INNER) == 0 || v == <i32>row.unset) continue;
    store<u32>(inner + (<usize>(k++) << 2), <u32>cstring('--' + row.name));
    let kind = <i32>row.kind;
    if (kind == FILE) store<u32>(inner + (<usize>(k++) << 2), <u32>v);
    else if (kind != FLAG) store<u32>(inner + (<usize>(k++) << 2), <u32>cstring(v.toString() + (kind == DURATION ? 'ms' : '')));
  }
  store<u32>(inner + (<usize>(k++) << 2), <u32>cstring('--'));
  for (let i = cmdIndex; i < argc; i++) store<u32>(inner + (<usize>(k++) << 2), <u32>arg(i));
  let flags = CLONE_NEWPID | CLONE_NEWNS;
  if (geteuid() != 0) {
    flags |= CLONE_NEWUSER;
    let uid = getuid().toString(), gid = getgid().toString();
    store<u32>(opts + SPAWN_UID_MAP, <u32>cstring(uid + ' ' + uid + ' 1\n'));
    store<u32>(opts + SPAWN_GID_MAP, <u32>cstring(gid + ' ' + gid + ' 1\n'));
  }
  store<i32>(opts + SPAWN_FLAGS, SPAWN_SELF | SPAWN_MOUNT_PROC);
  store<i32>(opts + SPAWN_CLONE_FLAGS, flags);
  return spawn(inner, k, opts);
}

// --- the loop

/** Runs until the core says no child is left -> the exit status. */
function loop(): i32 {
  let flags = pump(); // the start-up sweep: children that died before the handler was in place
  while ((flags & FLAG_EXIT) == 0) {
    watchFds(flags);
    let n = epollWait(ep, events, MAX_EVENTS, waitTimeout());
    // -EINTR: a signal, whose record is in the pipe now.
    let controlReady = controlOpen && !controlPolled;
    let signalsReady = n < 0;
    for (let i = 0; i < n; i++) {
      let e = events + (<usize>i << 3);
      let fd = load<i32>(e);
      if (fd == signalFd) signalsReady = true;
      else if (fd == ctlFd && (load<i32>(e, 4) & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) controlReady = true;
    }
    if (signalsReady) readSignals();
    if (controlReady && controlOpen) readControl();
    fireTimers();
    flags = pump();
  }
  close(ep);
  let path = cgroupPath();
  let r = cgroupRemove();
  if (r < 0) say.cgroupLeft(path, r);
  return exitCode();
}

/** Each caught signal, in order, to the core with its si_code (SIGCHLD needs only the
 *  pump that follows). Bytes past the last whole record (never there: the shim writes
 *  whole records atomically) would be dropped. */
function readSignals(): void {
  while (true) {
    let k = read(signalFd, sigbuf, SIGBUF);
    if (k <= 0) return;
    for (let at = 0; at + SIGNAL_RECORD_SIZE <= k; at += SIGNAL_RECORD_SIZE) {
      let signo = load<i32>(sigbuf + <usize>at, SIGNAL_SIGNO);
      let code = load<i32>(sigbuf + <usize>at, SIGNAL_CODE);
      let sender = load<i32>(sigbuf + <usize>at, SIGNAL_PID);
      if (signo == SIGCHLD) continue;
      if (!launchMode) signal(signo, code, sender);
      else if ((launchSignal(signo, code, sender) & LAUNCH_START_GRACE) != 0) startGrace();
    }
    if (k < SIGBUF) return; // a short read drained the pipe: no need to ask for EAGAIN
  }
}

function readControl(): void {
  let n = read(ctlFd, controlBuffer(), controlCapacity());
  if (n > 0) {
    control(n);
  } else if (n != -EAGAIN && n != -EINTR) {
    // EOF, or an error that ends the stream all the same (ECONNRESET, EIO).
    controlOpen = false;
    controlEof();
  }
}

function startGrace(): void {
  if (graceAt < 0) graceAt = monotonicMs() + <i64>option(OPT_GRACE);
}

function fireTimers(): void {
  if (timeoutAt < 0 && graceAt < 0) return;
  let now = monotonicMs();
  if (timeoutAt >= 0 && now >= timeoutAt) {
    timeoutAt = -1;
    if ((timeout(option(OPT_TIMEOUT_SIGNAL)) & LAUNCH_START_GRACE) != 0) startGrace();
  }
  if (graceAt >= 0 && now >= graceAt) {
    graceAt = -1;
    graceExpired();
  }
}

/** epoll_wait's timeout: 0 while a control fd epoll cannot watch is read until EOF; the
 *  nearest deadline; else -1 (asleep until something happens). */
function waitTimeout(): i32 {
  if (controlOpen && !controlPolled) return 0;
  let next: i64 = timeoutAt;
  if (graceAt >= 0 && (next < 0 || graceAt < next)) next = graceAt;
  if (next < 0) return -1;
  let d = next - monotonicMs();
  return d <= 0 ? 0 : d > 0x7fffffff ? 0x7fffffff : <i32>d;
}

/** The status fd is watched only while a record waits for it (back-pressure). */
function watchFds(flags: i32): void {
  let want = (flags & FLAG_WANT_WRITABLE) != 0 && statusWritable() ? EPOLLOUT : 0;
  let ctl = controlOpen && controlPolled ? EPOLLIN : 0;
  if (outFd == ctlFd) {
    if (outFd >= 0) controlInterest = interest(outFd, controlInterest, ctl | want);
  } else {
    if (ctlFd >= 0 && controlPolled) controlInterest = interest(ctlFd, controlInterest, ctl);
    // EPERM for a regular file: always writable anyway.
    if (outFd >= 0) statusInterest = interest(outFd, statusInterest, want);
  }
}

/** Changes what epoll watches on fd from `cur` to `ev` -> what it watches now. */
function interest(fd: i32, cur: i32, ev: i32): i32 {
  if (cur == ev) return cur;
  let op = cur == 0 ? EPOLL_CTL_ADD : ev == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
  return epollCtl(ep, op, fd, ev) == 0 ? ev : cur;
}

// --- small helpers

/** A NUL-terminated copy of an ASCII string, in the heap (never freed: set-up only). */
function cstring(s: string): usize {
  let p = heap.alloc(<usize>s.length + 1);
  for (let i = 0; i < s.length; i++) store<u8>(p + <usize>i, <u8>s.charCodeAt(i));
  store<u8>(p + <usize>s.length, 0);
  return p;
}

/** The number a /proc file starts with, or `fallback` if it cannot be read. */
function readNumber(path: string, fallback: i32): i32 {
  let fd = open(cstring(path), O_RDONLY, 0);
  if (fd < 0) return fallback;
  let n = read(fd, scratch, 32);
  close(fd);
  let v = n > 0 ? decimal(scratch, n) : -1;
  return v > 0 && v <= 0x7fffffff ? <i32>v : fallback;
}
