// Who a process is, for the events log (version 2): its name, start time, parent, process
// group and session from /proc/PID/stat, read while supervise can still see it (a zombie
// not yet reaped, a command just started, supervise itself). Only io.ts calls identify(), and
// only with --events: without a log nothing here runs (gather.ts reads a process's state
// through readStat(), protocol mode's --cgroup only).

import {
  EVENTS_START, EVENTS_PPID, EVENTS_PGID, EVENTS_SID, EVENTS_COMM, EVENTS_COMM_SIZE,
  EVENTS_IDENTITY, EVENTS_IDENTITY_SIZE,
} from './protocol';
import { O_RDONLY } from './sys';
import { open, read, close } from './linux';
import { digits } from './decimal';

/** /proc/PID/stat up to starttime fits easily: comm is at most 15 bytes, the 19 numbers
 *  before starttime at most 20 digits each. */
const STAT_MAX: i32 = 512;
const stat: usize = memory.data(STAT_MAX, 8);
const path: usize = memory.data(32, 8);
const USEC_PER_SEC: i64 = 1000000;
/** starttime is the 20th field after comm's ')' (state is the 1st, ppid the 2nd). */
const STARTTIME_FIELD: i32 = 20;

/** The boot time (µs since the epoch: CLOCK_REALTIME - CLOCK_BOOTTIME) and the tick rate. */
let bootUs: i64 = 0;
let ticksPerSec: i64 = 100;

/** Called by io.ts when the log is opened: what turns starttime (clock ticks since boot)
 *  into microseconds since the epoch. */
export function identityInit(boot: i64, ticks: i32): void {
  bootUs = boot;
  ticksPerSec = ticks > 0 ? <i64>ticks : 100;
}

/** Writes pid's identity into the events entry at `entry` (at EVENTS_IDENTITY), or zeros
 *  (unknown) when pid <= 0 or /proc/PID/stat cannot be read or parsed. */
export function identify(pid: i32, entry: usize): void {
  memory.fill(entry + EVENTS_IDENTITY, 0, EVENTS_IDENTITY_SIZE);
  if (pid <= 0) return;
  let n = readStat(pid, stat, STAT_MAX);
  if (n <= 0) return;
  // comm: between the first '(' and the last ')' before the fields (a name may hold
  // either). The name is at most EVENTS_COMM_SIZE - 1 bytes, so its ')' is within that
  // many bytes after the '(' (what follows, ") S 1 ...", holds no ')'): only that window
  // is searched, not the whole line (a third of the log's instructions per entry).
  let lp = -1;
  for (let i = 0; i < n; i++) {
    if (load<u8>(stat + <usize>i) == 0x28) {
      lp = i;
      break;
    }
  }
  if (lp < 0) return;
  let rp = -1;
  for (let i = min(n - 1, lp + EVENTS_COMM_SIZE); i > lp; i--) {
    if (load<u8>(stat + <usize>i) == 0x29) {
      rp = i;
      break;
    }
  }
  if (rp <= lp) return;
  // The fields after ") ": state, ppid, pgrp, session, ..., starttime.
  let at = rp + 1;
  let ppid: i64 = -1;
  let pgid: i64 = -1;
  let sid: i64 = -1;
  let start: i64 = -1;
  for (let field = 1; field <= STARTTIME_FIELD; field++) {
    while (at < n && load<u8>(stat + <usize>at) == 0x20) at++;
    let from = at;
    while (at < n && load<u8>(stat + <usize>at) != 0x20 && load<u8>(stat + <usize>at) != 0x0a) at++;
    if (at == from) return; // cut short: unknown
    if (field == 2) ppid = number(from, at);
    else if (field == 3) pgid = number(from, at);
    else if (field == 4) sid = number(from, at);
    else if (field == STARTTIME_FIELD) start = number(from, at);
  }
  if (ppid < 0 || pgid < 0 || sid < 0 || start < 0) return;
  store<i64>(entry + EVENTS_START, bootUs + start * USEC_PER_SEC / ticksPerSec);
  store<i32>(entry + EVENTS_PPID, <i32>ppid);
  store<i32>(entry + EVENTS_PGID, <i32>pgid);
  store<i32>(entry + EVENTS_SID, <i32>sid);
  let len = min(rp - lp - 1, EVENTS_COMM_SIZE - 1);
  memory.copy(entry + EVENTS_COMM, stat + <usize>(lp + 1), <usize>len);
}

/** Reads the start of /proc/PID/stat (at most `cap` bytes) into `into`: the bytes read or
 *  -errno. gather.ts reads a process's state with it too. */
export function readStat(pid: i32, into: usize, cap: i32): i32 {
  let p = path;
  const prefix = '/proc/';
  for (let i = 0; i < prefix.length; i++) store<u8>(p++, <u8>prefix.charCodeAt(i));
  p += <usize>digits(p, pid);
  const suffix = '/stat';
  for (let i = 0; i < suffix.length; i++) store<u8>(p++, <u8>suffix.charCodeAt(i));
  store<u8>(p, 0);
  let fd = open(path, O_RDONLY, 0);
  if (fd < 0) return fd;
  let n = read(fd, into, cap);
  close(fd);
  return n;
}

/** The decimal number in stat[from, to), or -1 if it is not one (a sign, a letter). */
function number(from: i32, to: i32): i64 {
  let v: i64 = 0;
  for (let i = from; i < to; i++) {
    let d = <i32>load<u8>(stat + <usize>i) - 0x30;
    if (d < 0 || d > 9 || v > (<i64>1 << 58)) return -1;
    v = v * 10 + <i64>d;
  }
  return v;
}
