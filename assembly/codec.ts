// The protocol codec: control records (8 bytes) and status records (128-byte siginfo_t),
// encoded and decoded in place, with reassembly of records split across reads.
// No imports: codec.wasm runs in browsers too, and core.wasm uses it for control input.
//
// Memory is static (memory.data); nothing is ever freed. A record pointer returned by
// statusNext()/controlNext() is valid until the next feed or reset of either stream (it
// may point into the shared input buffer); encodeStatus()/encodeControl() return their
// own buffer, overwritten by the next call of the same encoder.

import {
  CONTROL_SIZE, CONTROL_PID, CONTROL_SIGNAL,
  STATUS_SIZE, SI_SIGNO, SI_ERRNO, SI_CODE, SI_PID, SI_UID, SI_STATUS, SI_UTIME, SI_STIME,
  SIGCHLD, SIGNO_SUPERVISE, SUP_SPAWNED, SUP_SPAWN_FAILED, SUP_STARTED, SUP_LAYERS, SUP_TOTALS, SIGNAL_MAX, ERRNO_MAX,
  CLD_EXITED, CLD_KILLED, CLD_DUMPED, CLD_TRAPPED, CLD_STOPPED, CLD_CONTINUED,
  KIND_SPAWNED, KIND_SPAWN_FAILED, KIND_STARTED, KIND_LAYERS, KIND_TOTALS,
  LAYER_SUBREAPER, LAYERS_KNOWN, LAYERS_PATH, LAYERS_CHUNK, LAYERS_PATH_MAX,
  TOTALS_CPU, TOTALS_USER_CPU, TOTALS_SYSTEM_CPU, TOTALS_MEMORY_PEAK, TOTALS_PIDS_PEAK, TOTALS_END,
  ERR_FIELD, ERR_SIGNO, ERR_CODE, ERR_PADDING, ERR_PID, ERR_ERRNO, ERR_EXIT_STATUS, ERR_SIGNAL, ERR_TIME,
  ERR_LENGTH,
} from './protocol';

/** Bytes the host may copy into inputBuffer() per feed: a multiple of both record sizes. */
export const INPUT_CAPACITY: i32 = 65536;

const input: usize = memory.data(INPUT_CAPACITY, 16);
const statusOut: usize = memory.data(STATUS_SIZE, 16);
const controlOut: usize = memory.data(CONTROL_SIZE, 16);

/** Reassembles fixed-size records from chunks fed through the input buffer. */
class RecordStream {
  /** Bytes of a record split across feeds, kept until the next feed completes it. */
  partial: usize;
  /** The record completed from `partial` by the last feed, handed out first. */
  joined: usize;
  /** How many bytes of `partial` are filled (0 <= have < size). */
  have: i32 = 0;
  joinedReady: bool = false;
  /** Next whole record in the input buffer, and how many are left there. */
  cursor: usize = 0;
  remaining: i32 = 0;

  constructor(public size: i32, storage: usize) {
    this.partial = storage;
    this.joined = storage + <usize>size;
  }

  /** The host put `len` new bytes at the input buffer: returns the whole records ready. */
  feed(len: i32): i32 {
    if (len < 0 || len > INPUT_CAPACITY) return ERR_LENGTH;
    let size = this.size;
    let at = 0;
    this.joinedReady = false;
    if (this.have > 0) {
      at = min(size - this.have, len);
      memory.copy(this.partial + <usize>this.have, input, <usize>at);
      this.have += at;
      if (this.have == size) {
        memory.copy(this.joined, this.partial, <usize>size);
        this.joinedReady = true;
        this.have = 0;
      }
    }
    let whole = (len - at) / size;
    let rest = len - at - whole * size;
    this.cursor = input + <usize>at;
    this.remaining = whole;
    if (rest > 0) {
      if (this.have != 0) unreachable(); // a partial record is either completed or all of len
      memory.copy(this.partial, this.cursor + <usize>(whole * size), <usize>rest);
      this.have = rest;
    }
    return whole + i32(this.joinedReady);
  }

  /** The next whole record, or 0 when the last feed's records are all taken. */
  next(): usize {
    if (this.joinedReady) {
      this.joinedReady = false;
      return this.joined;
    }
    if (this.remaining <= 0) return 0;
    let p = this.cursor;
    this.cursor += <usize>this.size;
    this.remaining--;
    return p;
  }

  reset(): void {
    this.have = 0;
    this.joinedReady = false;
    this.remaining = 0;
  }
}

const statusStream = new RecordStream(STATUS_SIZE, memory.data(2 * STATUS_SIZE, 16));
const controlStream = new RecordStream(CONTROL_SIZE, memory.data(2 * CONTROL_SIZE, 16));

// --- the shared input buffer

/** Called by the host once: where to copy each chunk read before a feed. */
export function inputBuffer(): usize {
  return input;
}

/** Called by the host once: the most bytes one feed may pass. */
export function inputCapacity(): i32 {
  return INPUT_CAPACITY;
}

// --- status stream (lib/ and web/ reading supervise's output)

/** Called by the host after copying `len` bytes of the status stream to inputBuffer():
 *  the number of whole records now ready (ERR_LENGTH if len is out of range). Records of
 *  an earlier feed not yet taken are dropped. */
export function statusFeed(len: i32): i32 {
  return statusStream.feed(len);
}

/** Called by the host after statusFeed(): the next record (128 bytes) or 0. */
export function statusNext(): usize {
  return statusStream.next();
}

/** Called by the host at EOF: bytes of a trailing partial status record (0 = clean end). */
export function statusPending(): i32 {
  return statusStream.have;
}

/** Called by the host to start a new status stream. */
export function statusReset(): void {
  statusStream.reset();
}

// --- control stream (core.wasm reading its owner's requests; tests)

/** Called by the host after copying `len` bytes of the control stream to inputBuffer():
 *  the number of whole records now ready (ERR_LENGTH if len is out of range). */
export function controlFeed(len: i32): i32 {
  return controlStream.feed(len);
}

/** Called by the host after controlFeed(): the next record (8 bytes) or 0. */
export function controlNext(): usize {
  return controlStream.next();
}

/** Called by the host at EOF: bytes of a trailing partial control record. */
export function controlPending(): i32 {
  return controlStream.have;
}

/** Called by the host to start a new control stream. */
export function controlReset(): void {
  controlStream.reset();
}

// --- fields of a record at p (from statusNext/controlNext, an encoder, or inputBuffer())

/** Called by lib/ and web/ to read a status record's fields. */
export function statusSigno(p: usize): i32 { return load<i32>(p + SI_SIGNO); }
/** Called by lib/ and web/ to read a status record's fields. */
export function statusErrno(p: usize): i32 { return load<i32>(p + SI_ERRNO); }
/** Called by lib/ and web/ to read a status record's fields. */
export function statusCode(p: usize): i32 { return load<i32>(p + SI_CODE); }
/** Called by lib/ and web/ to read a status record's fields. */
export function statusPid(p: usize): i32 { return load<i32>(p + SI_PID); }
/** Called by lib/ and web/ to read a status record's fields. */
export function statusUid(p: usize): i32 { return load<i32>(p + SI_UID); }
/** Called by lib/ and web/ to read a status record's fields. */
export function statusStatus(p: usize): i32 { return load<i32>(p + SI_STATUS); }
/** Called by lib/ and web/ to read a status record's fields (clock ticks, a BigInt in JS). */
export function statusUtime(p: usize): i64 { return load<i64>(p + SI_UTIME); }
/** Called by lib/ and web/ to read a status record's fields (clock ticks, a BigInt in JS). */
export function statusStime(p: usize): i64 { return load<i64>(p + SI_STIME); }
/** Called by the core and tests to read a control record's fields. */
export function controlPid(p: usize): i32 { return load<i32>(p + CONTROL_PID); }
/** Called by the core and tests to read a control record's fields. */
export function controlSignal(p: usize): i32 { return load<i32>(p + CONTROL_SIGNAL); }

// --- encoders

/** Called by codec/index.ts encodeStatus() (the tests' records and scripts/biglog.ts;
 *  supervise itself writes what waitid fills in): a status record in the codec's output buffer (128
 *  bytes, padding zeroed), valid until the next encodeStatus(). */
export function encodeStatus(
  signo: i32, errno: i32, code: i32, pid: i32, uid: i32, status: i32, utime: i64, stime: i64,
): usize {
  let p = statusOut;
  memory.fill(p, 0, STATUS_SIZE);
  store<i32>(p + SI_SIGNO, signo);
  store<i32>(p + SI_ERRNO, errno);
  store<i32>(p + SI_CODE, code);
  store<i32>(p + SI_PID, pid);
  store<i32>(p + SI_UID, uid);
  store<i32>(p + SI_STATUS, status);
  store<i64>(p + SI_UTIME, utime);
  store<i64>(p + SI_STIME, stime);
  return p;
}

/** Called by lib/ and tests: a control record in the codec's output buffer (8 bytes),
 *  valid until the next encodeControl(). */
export function encodeControl(pid: i32, sig: i32): usize {
  store<i32>(controlOut + CONTROL_PID, pid);
  store<i32>(controlOut + CONTROL_SIGNAL, sig);
  return controlOut;
}

// --- validation

// @ts-ignore: decorator
@inline function isSignal(n: i32): bool {
  return n >= 1 && n <= SIGNAL_MAX;
}

/** Whether the bytes siginfo_t leaves unused (12..15, 28..31, 48..127) are all zero. */
function paddingIsZero(p: usize): bool {
  if (load<u32>(p + 12) | load<u32>(p + 28)) return false;
  for (let o: usize = 48; o < <usize>STATUS_SIZE; o += 8) {
    if (load<u64>(p + o)) return false;
  }
  return true;
}

/** Called by lib/, web/ and tests for each status record: its KIND_* (> 0), or the first
 *  ERR_* (< 0) it breaks, in the order the ERR_* constants are declared. Never traps. */
export function statusKind(p: usize): i32 {
  let signo = load<i32>(p + SI_SIGNO);
  let code = load<i32>(p + SI_CODE);
  let pid = load<i32>(p + SI_PID);
  let errno = load<i32>(p + SI_ERRNO);
  let status = load<i32>(p + SI_STATUS);
  if (signo == SIGNO_SUPERVISE) {
    if (code == SUP_LAYERS) return layersKind(p, pid, errno, status);
    if (code == SUP_TOTALS) return totalsKind(p, pid, errno, status);
    if (code != SUP_SPAWNED && code != SUP_SPAWN_FAILED && code != SUP_STARTED) return ERR_CODE;
    if (!paddingIsZero(p)) return ERR_PADDING;
    if (code != SUP_SPAWN_FAILED) { // spawned, started: si_pid is a process
      if (pid <= 0) return ERR_PID;
      if (errno != 0) return ERR_ERRNO;
      return code == SUP_SPAWNED ? KIND_SPAWNED : KIND_STARTED;
    }
    if (pid != 0) return ERR_PID;
    if (errno < 1 || errno > ERRNO_MAX) return ERR_ERRNO;
    return KIND_SPAWN_FAILED;
  }
  if (signo != SIGCHLD) return ERR_SIGNO;
  if (code < CLD_EXITED || code > CLD_CONTINUED) return ERR_CODE;
  if (!paddingIsZero(p)) return ERR_PADDING;
  if (pid <= 0) return ERR_PID;
  if (errno != 0) return ERR_ERRNO;
  if (code == CLD_EXITED) {
    if (<u32>status > 255) return ERR_EXIT_STATUS;
  } else if (code == CLD_TRAPPED) {
    if (<u32>status > 0xffff || !isSignal(status & 0x7f)) return ERR_SIGNAL;
  } else if (!isSignal(status)) {
    return ERR_SIGNAL; // CLD_KILLED, CLD_DUMPED, CLD_STOPPED, CLD_CONTINUED
  }
  if (load<i64>(p + SI_UTIME) < 0 || load<i64>(p + SI_STIME) < 0) return ERR_TIME;
  return code; // KIND_EXITED..KIND_CONTINUED equal CLD_EXITED..CLD_CONTINUED (protocol.ts)
}

/** A layers record (SUP_LAYERS): the bytes before the chunk that siginfo leaves unused and
 *  si_stime zero, a process in si_pid, the subreaper among the layers, a path length and a
 *  chunk offset that agree, the chunk without a NUL and zero after the path's end. */
function layersKind(p: usize, pid: i32, errno: i32, bits: i32): i32 {
  if (load<u32>(p + 12) | load<u32>(p + 28) || load<u64>(p + SI_STIME)) return ERR_PADDING;
  let len = load<i32>(p + SI_UID);
  let at = load<i64>(p + SI_UTIME);
  let here = len > 0 && at >= 0 && at < <i64>len ? min(<i32>(<i64>len - at), LAYERS_CHUNK) : 0;
  for (let i = here; i < LAYERS_CHUNK; i++) if (load<u8>(p + <usize>(LAYERS_PATH + i))) return ERR_PADDING;
  if (pid <= 0) return ERR_PID;
  if (errno != 0) return ERR_ERRNO;
  if ((bits & LAYER_SUBREAPER) == 0 || (bits & ~LAYERS_KNOWN) != 0) return ERR_FIELD;
  if (len < 0 || len > LAYERS_PATH_MAX || at < 0 || at % LAYERS_CHUNK != 0) return ERR_FIELD;
  if (len == 0 ? at != 0 : at >= <i64>len) return ERR_FIELD;
  for (let i = 0; i < here; i++) if (load<u8>(p + <usize>(LAYERS_PATH + i)) == 0) return ERR_FIELD;
  return KIND_LAYERS;
}

/** A totals record (SUP_TOTALS): zero outside its fields, a process in si_pid, CPU times
 *  not negative, each peak -1 (unknown) or more. */
function totalsKind(p: usize, pid: i32, errno: i32, status: i32): i32 {
  if (load<u32>(p + 12) | load<u32>(p + 28) || load<u64>(p + SI_UTIME) || load<u64>(p + SI_STIME)) return ERR_PADDING;
  for (let o: usize = TOTALS_END; o < <usize>STATUS_SIZE; o += 8) if (load<u64>(p + o)) return ERR_PADDING;
  if (pid <= 0) return ERR_PID;
  if (errno != 0) return ERR_ERRNO;
  if (load<i64>(p + TOTALS_CPU) < 0 || load<i64>(p + TOTALS_USER_CPU) < 0 || load<i64>(p + TOTALS_SYSTEM_CPU) < 0) return ERR_TIME;
  if (status != 0 || load<i32>(p + SI_UID) != 0) return ERR_FIELD;
  if (load<i64>(p + TOTALS_MEMORY_PEAK) < -1 || load<i64>(p + TOTALS_PIDS_PEAK) < -1) return ERR_FIELD;
  return KIND_TOTALS;
}
