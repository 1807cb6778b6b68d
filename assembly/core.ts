// The decisions of supervise (ARCHITECTURE.md, "Invariants"): which control records to
// carry out, when to reap, what to write, when to kill the tree and when to exit. No I/O of
// its own: the kernel is reached only through the imports of linux.ts, so a fake kernel can
// drive it. The loop (main.ts) calls init() once, then control()/controlEof()/signal() (or,
// in launch mode, launch() and the launch calls) as events arrive, and pump() after each of
// them; pump() says what to wait for next. They are exported too (core-entry.ts), for the
// fake-kernel tests (test/core.test.ts), with mainCode() and mainStatus(), which only those
// tests call.

import {
  STATUS_SIZE, SI_PID, SI_CODE, SI_STATUS, SI_UTIME, SI_STIME, RUSAGE_SIZE, SIGNAL_MAX,
  P_ALL, P_PID, WNOHANG, WEXITED, WNOWAIT, ECHILD, EAGAIN, ENOENT, EPERM,
  FLAG_EXIT, FLAG_WANT_WRITABLE, FLAG_TEARDOWN, FLAG_MAIN_EXITED,
  SIGCHLD, SIGINT, SIGQUIT, SIGTERM, SIGKILL, SIGWINCH, SIGPIPE, SIGXFSZ, EXIT_SIGNAL_BASE,
  SI_SIGNO, SI_ERRNO, SIGNO_SUPERVISE, SUP_SPAWNED, SUP_SPAWN_FAILED, CLD_EXITED,
  SUP_LAYERS, SUP_TOTALS, SI_UID, LAYERS_PATH, LAYERS_CHUNK, LAYERS_PATH_MAX,
  LAUNCH_START_GRACE, EXIT_TIMEOUT, EXIT_NOT_FOUND, EXIT_CANNOT_RUN,
  EVENTS_FLAG_TORN_DOWN, EVENTS_FLAG_GRACE_DEADLINE, EVENTS_FLAG_SIGNALLED,
} from './protocol';
import {
  REPORT_BAD_PID, REPORT_BAD_SIGNAL, REPORT_KILL_FAILED, REPORT_PARTIAL_CONTROL,
  REPORT_STATUS_GONE, REPORT_WAIT_FAILED, REPORT_CHILDREN_FAILED,
  REPORT_REFUSED_COUNT, REFUSALS_SHOWN,
} from './report';
import { waitid, kill, children, getpgid } from './linux';
import { SI_KERNEL } from './sys';
import { statusReady, statusWake, statusFlush, writeStatus, logging, logIdentify, logResources } from './io';
import { report } from './say';
import {
  INPUT_CAPACITY, inputBuffer, controlFeed, controlNext, controlPending, controlReset,
  controlPid, controlSignal,
} from './codec';
import { pidsInit, isKilled, markKilled, forgetPid, tracked, isSignalled, markSignalled } from './pids';
import { cgroupKill, cgroupTotals, cgroupPath } from './cgroup';

/** Children listed per children() call at first; grown (doubling) up to CHILDREN_MAX. */
const CHILDREN_INITIAL: i32 = 1024;
/** The most pids one tear-down pass lists (4 MiB); any others are killed by the next pass. */
const CHILDREN_MAX: i32 = 1 << 20;
const USEC_PER_SEC: i64 = 1000000;

/** The record being reaped and written: waitid's siginfo_t, then the pending record. */
const record: usize = memory.data(STATUS_SIZE, 16);
const rusage: usize = memory.data(RUSAGE_SIZE, 16);
/** siginfo_t for the WNOWAIT probe of a control record (never written out). */
const probe: usize = memory.data(STATUS_SIZE, 16);

let childBuf: usize = memory.data(CHILDREN_INITIAL << 2, 16);
let childCap: i32 = CHILDREN_INITIAL;

let selfPid: i32 = 0;
let mainPid: i32 = 0;
let ticksPerSec: i64 = 100;

let tearingDown = false;
let exitStatus: i32 = 0;
let mainReaped = false;
let mainCodeValue: i32 = 0;
let mainStatusValue: i32 = 0;
/** The status reader went away: reap without writing from now on. */
let readerGone = false;
let childrenFailed = false;
/** Bytes of `record` already written, or -1 when no record is pending. */
let written: i32 = -1;
/** supervise's own records waiting for `record` (whole records), written in order before
 *  the next reap: one slot would let a second own record overwrite the first, or a record
 *  half written. A run queues at most 54: the layers records of a 4095-byte leaf path (52),
 *  spawned or spawn failed, the totals; a queue full means a new kind queues more than it
 *  should (an abort). */
const OWN_MAX: i32 = 64;
const OWN_ENTRY: i32 = STATUS_SIZE;
const ownQueue: usize = memory.data(OWN_MAX * OWN_ENTRY, 16);
let ownHead: i32 = 0;
let ownCount: i32 = 0;
/** Control records refused as malformed (bad pid or signal) so far. */
let refused: u32 = 0;
/** The totals record (--cgroup) is queued: the next ECHILD ends the run. */
let totalsDone = false;

// Launch mode (launch() called): the policy of `supervise -- CMD`.
let launchMode = false;
let waitAll = false;
let hasGrace = false;
/** The first TERM/INT (or the timeout's signal) that started a grace period, or 0. */
let pendingSignal: i32 = 0;
/** TERM/INT (the timeout's signal included) received while the main child lived. */
let stopRequests: i32 = 0;
let timedOut = false;
/** The tear-down began at the --grace deadline (graceExpired()). */
let graceTeardown = false;

/** With --grace, the TERM/INT that ends the wait at once (counting the first). */
const FORCE_AT: i32 = 3;

/** Called by the host once, before anything else (and by tests to start afresh):
 *  mainPid = the launched command (launch mode) or 0 (protocol mode); clockTicks =
 *  sysconf(_SC_CLK_TCK); pidMax = /proc/sys/kernel/pid_max (sizes the pid bitmaps). */
export function init(self: i32, main: i32, clockTicks: i32, pidMax: i32): void {
  selfPid = self;
  mainPid = main > 0 ? main : 0;
  ticksPerSec = clockTicks > 0 ? <i64>clockTicks : 100;
  tearingDown = false;
  exitStatus = 0;
  mainReaped = false;
  mainCodeValue = 0;
  mainStatusValue = 0;
  readerGone = false;
  childrenFailed = false;
  written = -1;
  ownHead = 0;
  ownCount = 0;
  refused = 0;
  totalsDone = false;
  launchMode = false;
  waitAll = false;
  hasGrace = false;
  pendingSignal = 0;
  stopRequests = 0;
  timedOut = false;
  graceTeardown = false;
  controlReset();
  pidsInit(pidMax);
}

// --- control records

/** Called by the host once: where to read control bytes (then call control(len)). */
export function controlBuffer(): usize {
  return inputBuffer();
}

/** Called by the host once: the most bytes one control() call may pass (64 KiB). */
export function controlCapacity(): i32 {
  return INPUT_CAPACITY;
}

/** Called by the host after reading `len` bytes into controlBuffer(): carries out each
 *  whole record (with the leftover of earlier calls) and returns how many it handled,
 *  or ERR_LENGTH if len is out of range. */
export function control(len: i32): i32 {
  let n = controlFeed(len);
  if (n < 0) return n;
  for (let p = controlNext(); p != 0; p = controlNext()) {
    request(controlPid(p), controlSignal(p));
  }
  return n;
}

/** One control record: signal pid only if it is our child right now (ARCHITECTURE.md,
 *  invariant 1). */
function request(pid: i32, sig: i32): void {
  if (pid <= 0) {
    refuse(REPORT_BAD_PID, pid, sig);
    return;
  }
  if (sig < 0 || sig > SIGNAL_MAX) {
    refuse(REPORT_BAD_SIGNAL, pid, sig);
    return;
  }
  if (pid == selfPid) return; // never our own child
  if (mainReaped && pid == mainPid) return; // launch mode: that pid is no longer the command
  signalChild(pid, sig);
}

/** Signals pid only if it is our unreaped child (alive or zombie). */
function signalChild(pid: i32, sig: i32): void {
  // Is pid our child (alive or zombie)? WNOWAIT reaps nothing, so until the kill below
  // pid stays ours and cannot be recycled.
  memory.fill(probe, 0, STATUS_SIZE);
  let r = waitid(P_PID, pid, probe, WEXITED | WNOHANG | WNOWAIT, 0);
  if (r == -ECHILD) return; // not our child: refused without a word
  if (r < 0) {
    report(REPORT_WAIT_FAILED, r, pid);
    return;
  }
  r = kill(pid, sig);
  if (r < 0) report(REPORT_KILL_FAILED, pid, r);
  else markSignalled(pid);
}

/** Reports a malformed record: one by one for the first REFUSALS_SHOWN, then only the
 *  count, at each power of two, so that hostile input cannot flood stderr. */
function refuse(what: i32, pid: i32, sig: i32): void {
  refused++;
  if (refused <= <u32>REFUSALS_SHOWN) report(what, pid, sig);
  else if ((refused & (refused - 1)) == 0) report(REPORT_REFUSED_COUNT, <i32>refused, 0);
}

/** Called by the host when the control fd reaches EOF or hangs up: starts tear-down. */
export function controlEof(): void {
  let left = controlPending();
  if (left > 0) report(REPORT_PARTIAL_CONTROL, left, 0);
  if (refused > <u32>REFUSALS_SHOWN && (refused & (refused - 1)) != 0) {
    report(REPORT_REFUSED_COUNT, <i32>refused, 0);
  }
  controlReset();
  tearingDown = true;
}

// --- signals and tear-down

/** Called by the host in protocol mode for each signal it caught, in order, with its
 *  si_code and sender (the signal pipe's record): 1 if it starts tear-down (one of the
 *  reference's fatal signals, not sent by this process itself; exitCode() becomes
 *  128 + signo), else 0 (ignored). SIGCHLD needs nothing more than the pump() after it. */
export function signal(signo: i32, code: i32, sender: i32): i32 {
  if (signo == SIGCHLD || ownSignal(signo, code, sender) || !fatal(signo)) return 0;
  force(signo);
  return 1;
}

/** The signals catern's supervise takes as a tear-down request (its "deathsigs"): every
 *  signal whose default action ends the process but STKFLT and the real-time ones (HUP
 *  INT QUIT ILL TRAP ABRT BUS FPE USR1 SEGV USR2 PIPE ALRM TERM XCPU XFSZ VTALRM PROF IO
 *  PWR SYS), bit n - 1 for signal n. */
const FATAL: u64 = 0x77807eff;

/** Whether signal signo asks supervise to end the tree: protocol mode at any time, launch
 *  mode once there is no command to forward it to. The others are ignored then. */
function fatal(signo: i32): bool {
  return signo >= 1 && signo <= 31 && ((FATAL >> <u64>(signo - 1)) & 1) != 0;
}

/** What the kernel raises for a write of ours: SIGPIPE to a gone reader, SIGXFSZ past the
 *  file-size limit (si_code SI_USER, si_pid ours). The write returns EPIPE or EFBIG too,
 *  and is handled there; the signal asks for nothing. Only those two: any other signal
 *  from our own pid was sent before exec, by the program that became supervise (a TERM
 *  left pending for it), and is taken as any other. (A fault of ours, or an abort, never
 *  reaches here: the shim tears down in its handler.) */
function ownSignal(signo: i32, code: i32, sender: i32): bool {
  return (signo == SIGPIPE || signo == SIGXFSZ) && code <= 0 && sender == selfPid;
}

/** Called by the host after exit. Protocol mode: 0, or 128 + signo when a fatal signal
 *  started tear-down. Launch mode: 124 after a timeout; 127/126 when the command could not
 *  start; 128 + signo when signal N came after the main child's exit and cut the wait for
 *  the rest short; else the main child's exit code, or 128 + the signal that killed it
 *  (137 when supervise SIGKILLed it: --grace expired, or the third TERM/INT). */
export function exitCode(): i32 {
  if (!launchMode) return exitStatus;
  if (timedOut) return EXIT_TIMEOUT;
  if (exitStatus != 0) return exitStatus;
  if (!mainReaped) return 0;
  return mainCodeValue == CLD_EXITED ? mainStatusValue : EXIT_SIGNAL_BASE + mainStatusValue;
}

/** For the tests (main.ts needs only exitCode()), once FLAG_MAIN_EXITED is set: the main
 *  child's si_code (CLD_EXITED, CLD_KILLED, CLD_DUMPED); 0 before. */
export function mainCode(): i32 {
  return mainCodeValue;
}

/** For the tests, once FLAG_MAIN_EXITED is set: the main child's si_status (exit code or
 *  signal); 0 before. */
export function mainStatus(): i32 {
  return mainStatusValue;
}

// --- launch mode (`supervise [options] -- CMD`)

/** Called by the host in launch mode, right after init(): from now on signals go
 *  through launchSignal(), the main child's exit ends the tree unless `wait` (--wait-all),
 *  and a TERM/INT starts the host's grace timer when `grace` (--grace > 0). */
export function launch(wait: i32, grace: i32): void {
  launchMode = true;
  waitAll = wait != 0;
  hasGrace = grace != 0;
}

/** Called by the host in launch mode once the command started (pid = init()'s main pid):
 *  queues the SUP_SPAWNED record, written before any other. */
export function spawned(): void {
  queueOwn(SUP_SPAWNED, 0, mainPid);
}

/** Called by the host in launch mode when the command could not be started (errno > 0):
 *  queues the SUP_SPAWN_FAILED record and ends supervise with 127 (ENOENT) or 126. */
export function spawnFailed(errno: i32): void {
  queueOwn(SUP_SPAWN_FAILED, errno, 0);
  exitStatus = errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
  tearingDown = true;
}

/** Called by the host before spawned()/spawnFailed() (protocol mode: before the loop) when
 *  a mechanism beyond the subreaper was asked for: queues the layers records (SUP_LAYERS): `bits`
 *  (LAYER_*) and the leaf's path (`len` bytes at `path`; 0 without a leaf), 80 bytes per
 *  record (docs/protocol.md, "supervise's own records"). */
export function layers(bits: i32, path: usize, len: i32): void {
  if (len > LAYERS_PATH_MAX) len = 0; // the kernel's PATH_MAX: never longer
  let at = 0;
  do {
    let rec = queueOwn(SUP_LAYERS, 0, selfPid);
    store<i32>(rec + SI_STATUS, bits);
    store<i32>(rec + SI_UID, len);
    store<i64>(rec + SI_UTIME, <i64>at);
    memory.copy(rec + LAYERS_PATH, path + <usize>at, <usize>min(len - at, LAYERS_CHUNK));
    at += LAYERS_CHUNK;
  } while (at < len);
}

/** Queues one of supervise's own records (si_signo 0): sweep() writes it after the record
 *  pending now, if any, and before it reaps again. -> the queued record (zero beyond
 *  these fields), for the kinds with more. */
function queueOwn(code: i32, errno: i32, pid: i32): usize {
  assert(ownCount < OWN_MAX, 'own record queue full');
  let at = ownQueue + <usize>(((ownHead + ownCount) % OWN_MAX) * OWN_ENTRY);
  memory.fill(at, 0, STATUS_SIZE);
  store<i32>(at + SI_SIGNO, SIGNO_SUPERVISE);
  store<i32>(at + SI_CODE, code);
  store<i32>(at + SI_ERRNO, errno);
  store<i32>(at + SI_PID, pid);
  ownCount++;
  return at;
}

/** The oldest queued own record into `record`, pending. */
function takeOwn(): void {
  let at = ownQueue + <usize>(ownHead * OWN_ENTRY);
  memory.copy(record, at, STATUS_SIZE);
  ownHead = (ownHead + 1) % OWN_MAX;
  ownCount--;
  // spawned: the command, just started; the others: unknown (layers and totals are
  // supervise's, whose identity the `started` entry has).
  logIdentify(load<i32>(record + SI_CODE) == SUP_SPAWNED ? load<i32>(record + SI_PID) : 0);
  written = 0;
}

/** Called by the host in launch mode for each signal it caught, in order, instead of
 *  signal(), with its si_code: forwards it to the main child while that is an unreaped
 *  child (the same probe-then-kill as a control record), unless the child got its own copy
 *  (commandGotItsOwn). Nothing ends by itself: supervise waits for the main child, whose
 *  exit ends the tree. TERM and INT (the first starts the wait) -> LAUNCH_START_GRACE when
 *  the host has a grace timer to start (then graceExpired()); with one, the third TERM/INT
 *  kills the tree at once. After the main child is gone, a fatal() signal tears the rest
 *  down at once (exit status 128 + signo). A signal this process sent itself (ownSignal)
 *  is neither forwarded nor acted on. */
export function launchSignal(signo: i32, code: i32, sender: i32): i32 {
  if (signo == SIGCHLD || signo <= 0 || signo > SIGNAL_MAX || ownSignal(signo, code, sender)) return 0;
  if (mainReaped || mainPid == 0) { // gone, or never started: nothing to forward to
    if (fatal(signo)) force(signo);
    return 0;
  }
  if (!commandGotItsOwn(signo, code)) signalChild(mainPid, signo);
  if (signo != SIGTERM && signo != SIGINT) return 0;
  return stopRequested(signo);
}

/** A terminal sends INT (^C), QUIT (^\) and WINCH to its whole foreground process group,
 *  with si_code SI_KERNEL; supervise got one, so its group is that group: the main child
 *  got its own copy when it is in the same group (the group it starts in, unless it moved
 *  itself, as an interactive shell does). Anything else (kill(2), sigqueue, HUP from a
 *  hang-up, which reaches the session leader alone) is forwarded. */
function commandGotItsOwn(signo: i32, code: i32): bool {
  if (code != SI_KERNEL) return false;
  if (signo != SIGINT && signo != SIGQUIT && signo != SIGWINCH) return false;
  let ours = getpgid(0);
  let its = getpgid(mainPid);
  return ours >= 0 && its >= 0 && ours == its;
}

/** Called by the host in launch mode when --timeout expires: signo (--timeout-signal,
 *  TERM unless told) to the main child, then as launchSignal() of a TERM (it starts
 *  --grace's deadline, whatever the signal); the exit status will be 124. */
export function timeout(signo: i32): i32 {
  timedOut = true;
  if (mainReaped || mainPid == 0) {
    force(signo);
    return 0;
  }
  signalChild(mainPid, signo);
  return stopRequested(signo);
}

/** Called by the host when the grace timer started on LAUNCH_START_GRACE expires: kills
 *  whatever is left. The exit status stays the main child's (128 + 9 when this killed
 *  it), or 124 after a timeout. */
export function graceExpired(): void {
  if (!tearingDown) graceTeardown = true;
  tearingDown = true;
}

/** A TERM/INT for the main child: with --grace, the first starts the deadline and the
 *  FORCE_AT-th ends it at once; without, the main child decides (as tini, dumb-init). */
function stopRequested(signo: i32): i32 {
  stopRequests++;
  if (!hasGrace) return 0;
  if (pendingSignal == 0) {
    pendingSignal = signo;
    return LAUNCH_START_GRACE;
  }
  if (stopRequests >= FORCE_AT) tearingDown = true;
  return 0;
}

/** Tear-down forced by signal signo: the exit status says so (the first one wins). */
function force(signo: i32): void {
  if (exitStatus == 0) exitStatus = EXIT_SIGNAL_BASE + signo;
  tearingDown = true;
}

// --- the pump

/** Called by the host after init() and after every event (control bytes, EOF, a signal,
 *  the status fd becoming writable): does all the work possible now without blocking and
 *  returns FLAG_* bits saying what to do next. */
export function pump(): i32 {
  statusWake();
  let flags = 0;
  while (true) {
    let progress = tearingDown ? killChildren() : false;
    let swept = sweep();
    if (swept & FLAG_EXIT) {
      flags = FLAG_EXIT;
      break;
    }
    flags = swept & FLAG_WANT_WRITABLE;
    // Reaping can make orphans ours and killing can make zombies: only a tear-down needs
    // another look, and only after this pass changed something (each tracked pid is
    // killed once, each reap is a real death, so this ends).
    if (!tearingDown || !(progress || (swept & SWEEP_REAPED))) break;
  }
  // Records gathered for one write go out now; what a full fd cut short keeps supervise
  // here (no exit before the last record is out) until it is writable again.
  if (statusFlush() == 0) flags = (flags & ~FLAG_EXIT) | FLAG_WANT_WRITABLE;
  if (tearingDown) flags |= FLAG_TEARDOWN;
  if (mainReaped) flags |= FLAG_MAIN_EXITED;
  return flags;
}

/** sweep() result bit, beside FLAG_EXIT and FLAG_WANT_WRITABLE: something was reaped. */
const SWEEP_REAPED = 0x100;

/** SIGKILLs every child not killed yet in this tear-down; true if a tracked pid was
 *  newly killed. */
function killChildren(): bool {
  // With --cgroup the kernel kills the whole leaf first, at once (setuid members and forks
  // racing the kill included); this pass then kills whatever left the leaf. A member the
  // subreaper may not signal (EPERM: setuid) is the kernel's then, and not reported.
  let leafKilled = cgroupKill() != 0;
  let n = listChildren();
  if (n < 0) {
    if (!childrenFailed) report(REPORT_CHILDREN_FAILED, n, 0);
    childrenFailed = true;
    return false;
  }
  let progress = false;
  for (let i = 0; i < n; i++) {
    let pid = load<i32>(childBuf + (<usize>i << 2));
    if (pid <= 0 || pid == selfPid || isKilled(pid)) continue;
    let r = kill(pid, SIGKILL);
    if (r < 0 && !(leafKilled && r == -EPERM)) report(REPORT_KILL_FAILED, pid, r);
    else if (tracked(pid)) progress = true;
    markKilled(pid);
  }
  return progress;
}

/** children() into childBuf, growing it while the list does not fit: how many pids are
 *  in childBuf now, or -errno. */
function listChildren(): i32 {
  let n = children(childBuf, childCap);
  while (n > childCap && childCap < CHILDREN_MAX) {
    let cap = childCap;
    while (cap < n && cap < CHILDREN_MAX) cap <<= 1;
    // The stub runtime never frees; doubling keeps the waste below the final size.
    childBuf = heap.alloc(<usize>cap << 2);
    childCap = cap;
    n = children(childBuf, childCap);
  }
  return min(n, childCap);
}

/** Reaps and writes records while the reader keeps up: FLAG_EXIT when no child is left,
 *  FLAG_WANT_WRITABLE when stopped by the reader, plus SWEEP_REAPED. */
function sweep(): i32 {
  let result = 0;
  while (true) {
    if (!readerGone) {
      let ready = statusReady();
      if (ready == 0) return result | FLAG_WANT_WRITABLE; // zombies wait in the kernel
      if (ready < 0) readerLost(ready);
    }
    if (written >= 0) {
      if (readerGone) written = -1;
      else if (!writeRest()) return result | FLAG_WANT_WRITABLE;
      continue; // finished or partly written: ask the reader again before reaping
    }
    if (ownCount > 0) {
      takeOwn();
      continue;
    }
    memory.fill(record, 0, STATUS_SIZE);
    memory.fill(rusage, 0, RUSAGE_SIZE);
    let r = logging() ? lookThenReap() : waitid(P_ALL, 0, record, WEXITED | WNOHANG, rusage);
    if (r == -ECHILD) {
      // With a cgroup leaf, what the whole tree cost goes last, before the leaf is removed.
      if (!totalsDone && (launchMode || cgroupPath() != 0)) {
        totalsDone = true;
        let rec = queueOwn(SUP_TOTALS, 0, selfPid);
        if (cgroupTotals(rec)) continue;
        ownCount--; // no leaf: nothing to say
      }
      return result | FLAG_EXIT;
    }
    if (r < 0) {
      report(REPORT_WAIT_FAILED, r, 0);
      return result;
    }
    let pid = load<i32>(record + SI_PID);
    if (pid == 0) return result; // children left, none dead yet
    result |= SWEEP_REAPED;
    reaped(pid);
    if (!readerGone) {
      written = 0;
      if (!writeRest()) return result | FLAG_WANT_WRITABLE;
    }
  }
  return unreachable();
}

/** With an events log: waitid as sweep() does, but looking first (WNOWAIT) so that the
 *  zombie's identity can be read from /proc while it is still there, then reaping that
 *  pid. 0 (record filled, si_pid 0 when none is dead yet) or -errno. */
function lookThenReap(): i32 {
  let r = waitid(P_ALL, 0, record, WEXITED | WNOHANG | WNOWAIT, 0);
  let pid = load<i32>(record + SI_PID);
  if (r < 0 || pid == 0) return r;
  logIdentify(pid);
  memory.fill(record, 0, STATUS_SIZE);
  return waitid(P_PID, pid, record, WEXITED | WNOHANG, rusage);
}

/** Bookkeeping for a child just reaped into `record`: CPU times, the events log's
 *  resources and flags, pid maps, main child. */
function reaped(pid: i32): void {
  store<i64>(record + SI_UTIME, ticks(rusage));
  store<i64>(record + SI_STIME, ticks(rusage + 16));
  if (logging()) {
    let flags: u32 = 0;
    if (isKilled(pid)) flags |= graceTeardown ? EVENTS_FLAG_TORN_DOWN | EVENTS_FLAG_GRACE_DEADLINE : EVENTS_FLAG_TORN_DOWN;
    if (isSignalled(pid)) flags |= EVENTS_FLAG_SIGNALLED;
    logResources(rusage, flags);
  }
  forgetPid(pid);
  if (pid == mainPid && !mainReaped) {
    mainReaped = true;
    mainCodeValue = load<i32>(record + SI_CODE);
    mainStatusValue = load<i32>(record + SI_STATUS);
    if (launchMode && !waitAll) tearingDown = true; // the rest of the tree goes with it
  }
}

/** A struct timeval at tv as clock ticks (truncated, as the kernel's SIGCHLD does). */
function ticks(tv: usize): i64 {
  return load<i64>(tv) * ticksPerSec + load<i64>(tv, 8) * ticksPerSec / USEC_PER_SEC;
}

/** Writes what is left of the pending record. false: it must wait for the fd to be
 *  writable; true: done, partly written (check readiness and call again), or dropped
 *  because the reader is gone. */
function writeRest(): bool {
  let r = writeStatus(record + <usize>written, STATUS_SIZE - written);
  if (r > 0) {
    written += r;
    if (written >= STATUS_SIZE) written = -1;
    return true;
  }
  if (r == 0 || r == -EAGAIN) return false;
  readerLost(r); // EPIPE, EBADF, ...
  written = -1;
  return true;
}

/** The status reader is gone (-errno): say so once, then reap without writing. */
function readerLost(err: i32): void {
  if (!readerGone) report(REPORT_STATUS_GONE, err, 0);
  readerGone = true;
}
