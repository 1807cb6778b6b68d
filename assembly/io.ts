// Where status records go: the status fd (back-pressure: written only when it can take
// one without blocking) and, with --events, the events log (each record with its time and
// the identity of its process, identity.ts). core.ts calls statusReady(), writeStatus()
// and, before it reaps a child or writes a record of its own, logging()/logIdentify();
// main.ts calls logStarted() and ioInit().

import {
  STATUS_SIZE, EVENTS_ENTRY_SIZE, EVENTS_TIME, EVENTS_RECORD, EINTR, EAGAIN, EPIPE, ENOSPC,
  EVENTS_IDENTITY, SI_SIGNO, SI_CODE, SI_PID, SIGNO_SUPERVISE, SUP_STARTED, EVENTS_FLAGS, EVENTS_USER_CPU,
  EVENTS_SYSTEM_CPU, EVENTS_MAX_RSS, EVENTS_MINOR_FAULTS, EVENTS_MAJOR_FAULTS, EVENTS_VOLUNTARY_CS,
  EVENTS_INVOLUNTARY_CS, EVENTS_FS_READ, EVENTS_FS_WRITE, RU_UTIME, RU_STIME, RU_MAXRSS,
  RU_MINFLT, RU_MAJFLT, RU_NVCSW, RU_NIVCSW, RU_INBLOCK, RU_OUBLOCK,
} from './protocol';
import { POLLOUT, POLLERR, POLLHUP, POLLNVAL, SOCK_STREAM } from './sys';
import { poll, write, sendRecords, socketType, realtimeUs, boottimeUs, fileType } from './linux';
import { identityInit, identify } from './identity';
import { cannotWriteEvents } from './say';

/** The status fd (protocol mode: 1; launch mode: --status-fd or -1). */
let statusFd: i32 = 1;
/** The events log (--events) or -1. */
let eventsFd: i32 = -1;
/** Entries gathered for one write to the log: written when 32 are there and when a pump
 *  ends (statusFlush()), so a burst costs one write per 32 entries, as on the status fd. */
const EVENTS_BATCH: i32 = 32;
const eventsBatch: usize = memory.data(EVENTS_BATCH * EVENTS_ENTRY_SIZE, 16);
let eventsLen: i32 = 0;
/** The status fd is gone (or there is none) while the events log still wants records. */
let statusBroken = false;
let eventsBroken = false;
/** The next entry of the log; its identity is the pending record's process (logIdentify),
 *  its resources and flags what reaping it said (logResources). */
const entry: usize = memory.data(EVENTS_ENTRY_SIZE, 16);

/** Records one "writable" answer of poll() lets through before the next poll. A pipe that
 *  polls writable has a free page (4096 bytes: 32 records) and a stream or seqpacket
 *  socket at least three quarters of its send buffer, so these records can be written
 *  without blocking; they are gathered and written at once when 32 are there or the pump
 *  ends (statusFlush()), so a burst costs one waitid per record and one system call per
 *  32. A tty or another device is polled before every record and written at once. */
const RECORDS_PER_POLL: i32 = 32;
const S_IFMT = 0o170000;
const S_IFIFO = 0o010000;
const S_IFSOCK = 0o140000;
/** How records go out on the status fd (docs/protocol.md, "Framing"):
 *  BYTES: a pipe or a stream socket, a byte stream: a batch is one write(2);
 *  MESSAGES: a seqpacket or datagram socket, where one write is one message and a reader
 *    takes one record per recv: each record its own message, a batch one sendmmsg(2);
 *  EACH: anything else (a tty, a file, a device): each record written at once. */
const EACH: i32 = 0;
const BYTES: i32 = 1;
const MESSAGES: i32 = 2;
let framing: i32 = EACH;
/** Records that may still be written without asking poll() again. */
let credit: i32 = 0;
/** Records gathered for one write (framing BYTES or MESSAGES): bytes queued, bytes written so far. */
const batch: usize = memory.data(RECORDS_PER_POLL * STATUS_SIZE, 16);
let batchLen: i32 = 0;
let batchSent: i32 = 0;
/** A flush was cut short (a short write, EAGAIN): the rest goes before anything else. */
let stalled = false;
/** The error of a flush that found the reader gone, for the next statusReady(). */
let lostError: i32 = 0;

/** Called by main.ts once, before the first pump(). */
export function ioInit(status: i32, events: i32): void {
  statusFd = status;
  eventsFd = events;
  statusBroken = status < 0;
  eventsBroken = false;
  eventsLen = 0;
  let type = status >= 0 ? fileType(status) & S_IFMT : 0;
  framing = type == S_IFIFO ? BYTES : type != S_IFSOCK ? EACH : socketType(status) == SOCK_STREAM ? BYTES : MESSAGES;
  credit = 0;
  batchLen = 0;
  batchSent = 0;
  stalled = false;
  lostError = 0;
}

/** Called by core.ts at the start of each pump(): the first record of every wake-up asks
 *  poll() again (so a reader's state is never older than the event that woke us). */
export function statusWake(): void {
  credit = 0;
}

/** Whether one status record can be written now: 1 yes, 0 not now (wait for the fd to be
 *  writable), -errno the reader is gone. With an events log, records go on (to the log)
 *  after the status reader is gone, or without one. */
export function statusReady(): i32 {
  if (statusBroken) return eventsFd >= 0 ? 1 : -EPIPE;
  if (stalled || lostError < 0) {
    let flushed = statusFlush(); // the rest of a batch a short write left behind goes first
    if (flushed == 0) return 0;
    if (flushed < 0) return eventsFd >= 0 ? 1 : flushed;
  }
  if (credit > 0) {
    credit--;
    return 1;
  }
  let revents: i32;
  do revents = poll(statusFd, POLLOUT, 0);
  while (revents == -EINTR);
  if (revents < 0 || (revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
    if (eventsFd < 0) return revents < 0 ? revents : -EPIPE;
    statusBroken = true;
    return 1;
  }
  if ((revents & POLLOUT) == 0) return 0;
  if (framing != EACH) credit = RECORDS_PER_POLL - 1;
  return 1;
}

/** Writes the rest of one status record (it ends at ptr + len): bytes written or -errno.
 *  Once the whole record is out, it is appended to the events log. */
export function writeStatus(ptr: usize, len: i32): i32 {
  if (framing != EACH && !statusBroken && len == STATUS_SIZE && batchLen < RECORDS_PER_POLL * STATUS_SIZE) {
    memory.copy(batch + <usize>batchLen, ptr, STATUS_SIZE);
    batchLen += STATUS_SIZE;
    if (eventsFd >= 0) logRecord(ptr);
    if (batchLen == RECORDS_PER_POLL * STATUS_SIZE) statusFlush();
    return len;
  }
  let r = len;
  if (!statusBroken) {
    r = write(statusFd, ptr, len);
    if (r != len) credit = 0; // a short write or an error: ask poll() next time
    if (r < 0 && r != -EAGAIN && eventsFd >= 0) {
      statusBroken = true;
      r = len;
    }
  }
  if (r == len && eventsFd >= 0) logRecord(ptr + <usize>len - STATUS_SIZE);
  return r;
}

/** Called by core.ts when a pump ends (and by statusReady()): writes what the batch holds.
 *  1: nothing left to write; 0: a short write left some (wait for the fd to be writable);
 *  -errno: the reader is gone (the batch is dropped). */
export function statusFlush(): i32 {
  eventsFlush();
  if (stalled && batchSent < batchLen) {
    // Cut short before: the fd was full then. Write only once poll() says it has room.
    let revents: i32;
    do revents = poll(statusFd, POLLOUT, 0);
    while (revents == -EINTR);
    if (revents >= 0 && (revents & (POLLERR | POLLHUP | POLLNVAL)) == 0 && (revents & POLLOUT) == 0) return 0;
  }
  while (batchSent < batchLen) {
    let left = batchLen - batchSent;
    let r: i32;
    if (framing == MESSAGES) {
      r = sendRecords(statusFd, batch + <usize>batchSent, STATUS_SIZE, left / STATUS_SIZE);
      if (r > 0) r *= STATUS_SIZE; // whole messages only: never a record split
    } else {
      r = write(statusFd, batch + <usize>batchSent, left);
    }
    if (r == left) {
      batchSent = batchLen;
      continue;
    }
    if (r > 0) batchSent += r; // short: the fd is nearly full, so wait until it is writable
    credit = 0;
    if (r >= 0 || r == -EAGAIN) {
      stalled = true;
      return 0;
    }
    stalled = false;
    batchLen = batchSent = 0; // EPIPE, EBADF, ...: nobody reads them any more
    if (eventsFd >= 0) statusBroken = true;
    lostError = r;
    return r;
  }
  batchLen = batchSent = 0;
  stalled = false;
  if (lostError < 0) {
    let e = lostError;
    lostError = 0;
    return e;
  }
  return 1;
}

/** Whether the status fd is still written (the loop watches it only then). */
export function statusWritable(): bool {
  return !statusBroken;
}

/** Called by main.ts once the log `fd` is open, before ioInit(): the time base of start
 *  times (boot time from CLOCK_REALTIME - CLOCK_BOOTTIME, `ticks` = sysconf(_SC_CLK_TCK)),
 *  then the `started` entry, whose identity is supervise's own (pid `self`). -> 0 or -errno. */
export function logStarted(fd: i32, self: i32, ticks: i32, flags: u32): i32 {
  identityInit(realtimeUs() - boottimeUs(), ticks);
  memory.fill(entry, 0, EVENTS_ENTRY_SIZE);
  store<u32>(entry + EVENTS_FLAGS, flags);
  store<i64>(entry + EVENTS_TIME, realtimeUs());
  store<i32>(entry + EVENTS_RECORD + SI_SIGNO, SIGNO_SUPERVISE);
  store<i32>(entry + EVENTS_RECORD + SI_CODE, SUP_STARTED);
  store<i32>(entry + EVENTS_RECORD + SI_PID, self);
  identify(self, entry);
  let r = write(fd, entry, EVENTS_ENTRY_SIZE);
  memory.fill(entry, 0, EVENTS_ENTRY_SIZE);
  return r == EVENTS_ENTRY_SIZE ? 0 : r < 0 ? r : -ENOSPC;
}

/** Whether records go to an events log (core.ts then looks before it reaps). */
export function logging(): bool {
  return eventsFd >= 0 && !eventsBroken;
}

/** Called by core.ts for the record it is about to queue (a child it has not reaped yet,
 *  its command just started): reads pid's identity for that record's entry. */
export function logIdentify(pid: i32): void {
  if (logging()) identify(pid, entry);
}

const USEC_PER_SEC: i64 = 1000000;

/** Called by core.ts for the child it just reaped: the struct rusage at `ru` (waitid's) and
 *  the EVENTS_FLAG_* bits of that child, for the pending record's entry. */
export function logResources(ru: usize, flags: u32): void {
  if (!logging()) return;
  store<i64>(entry + EVENTS_USER_CPU, load<i64>(ru + RU_UTIME) * USEC_PER_SEC + load<i64>(ru + RU_UTIME, 8));
  store<i64>(entry + EVENTS_SYSTEM_CPU, load<i64>(ru + RU_STIME) * USEC_PER_SEC + load<i64>(ru + RU_STIME, 8));
  store<i64>(entry + EVENTS_MAX_RSS, load<i64>(ru + RU_MAXRSS));
  store<i64>(entry + EVENTS_MINOR_FAULTS, load<i64>(ru + RU_MINFLT));
  store<i64>(entry + EVENTS_MAJOR_FAULTS, load<i64>(ru + RU_MAJFLT));
  store<i64>(entry + EVENTS_VOLUNTARY_CS, load<i64>(ru + RU_NVCSW));
  store<i64>(entry + EVENTS_INVOLUNTARY_CS, load<i64>(ru + RU_NIVCSW));
  store<i64>(entry + EVENTS_FS_READ, load<i64>(ru + RU_INBLOCK));
  store<i64>(entry + EVENTS_FS_WRITE, load<i64>(ru + RU_OUBLOCK));
  store<u32>(entry + EVENTS_FLAGS, flags);
}

function logRecord(record: usize): void {
  if (eventsBroken) return;
  store<i64>(entry + EVENTS_TIME, realtimeUs());
  memory.copy(entry + EVENTS_RECORD, record, STATUS_SIZE);
  memory.copy(eventsBatch + <usize>eventsLen, entry, EVENTS_ENTRY_SIZE);
  eventsLen += EVENTS_ENTRY_SIZE;
  // The next record's own, or unknown (and nothing reaped, until logResources says so).
  memory.fill(entry + EVENTS_IDENTITY, 0, EVENTS_ENTRY_SIZE - EVENTS_IDENTITY);
  if (eventsLen == EVENTS_BATCH * EVENTS_ENTRY_SIZE) eventsFlush();
}

/** Appends the gathered entries to the log (one write). */
function eventsFlush(): void {
  if (eventsLen == 0) return;
  let len = eventsLen;
  eventsLen = 0;
  if (eventsBroken) return;
  // A pipe or socket (--events-fd) may take part of a batch (a signal in a blocking
  // write) or none yet (non-blocking): the rest follows, once it can (the reader reads). A file takes it all, or the disk is full (-ENOSPC next).
  let done = 0;
  let r = 0;
  while (done < len) {
    r = write(eventsFd, eventsBatch + <usize>done, len - done);
    if (r == -EINTR) continue;
    if (r == -EAGAIN && poll(eventsFd, POLLOUT, -1) >= 0) continue; // a non-blocking one: wait
    if (r <= 0) break;
    done += r;
  }
  if (done != len) {
    cannotWriteEvents(r < 0 ? r : -ENOSPC);
    eventsBroken = true;
  }
}
