// Pid bookkeeping of the core: one bit per pid in linear memory, for pids 1..limit-1.
// A pid at or above the limit (or <= 0) is "not tracked": every query says no and every
// update is a no-op, so a surprising pid from the kernel can never reach memory out of
// bounds; the core treats it as never killed (it gets one SIGKILL per tear-down pass).
//
// killed: SIGKILL already sent during this tear-down (cleared when the pid is reaped, so a
//         recycled pid adopted later is killed again).
// signalled: supervise sent it a signal of the owner's (forwarded, a control record's), for
//         the events log's EVENTS_FLAG_SIGNALLED (cleared when the pid is reaped).

import { PID_MAX_LIMIT } from './protocol';

/** Bits per map; one more than the largest pid tracked. */
let limit: i32 = 0;
/** The killed map: limit bits, rounded up to 8 bytes. */
let killedMap: usize = 0;
/** The signalled map, the same size. */
let signalledMap: usize = 0;
/** Bytes allocated for each map (kept across init() calls, reused when big enough). */
let mapBytes: usize = 0;

// @ts-ignore: decorator
@inline function byteOf(map: usize, pid: i32): usize {
  return map + (<usize>pid >> 3);
}

// @ts-ignore: decorator
@inline function bitOf(pid: i32): u8 {
  return <u8>(<i32>1 << (pid & 7));
}

/** Whether pid has bits in the maps. */
// @ts-ignore: decorator
@inline export function tracked(pid: i32): bool {
  return pid > 0 && pid < limit;
}

/** Whether SIGKILL was sent to pid in this tear-down (false if pid is not tracked). */
// @ts-ignore: decorator
@inline export function isKilled(pid: i32): bool {
  return tracked(pid) && (load<u8>(byteOf(killedMap, pid)) & bitOf(pid)) != 0;
}

/** Remembers that SIGKILL was sent to pid (no-op if pid is not tracked). */
// @ts-ignore: decorator
@inline export function markKilled(pid: i32): void {
  if (tracked(pid)) store<u8>(byteOf(killedMap, pid), load<u8>(byteOf(killedMap, pid)) | bitOf(pid));
}

/** Whether supervise signalled pid since it was last reaped (false if pid is not tracked). */
// @ts-ignore: decorator
@inline export function isSignalled(pid: i32): bool {
  return tracked(pid) && (load<u8>(byteOf(signalledMap, pid)) & bitOf(pid)) != 0;
}

/** Remembers that supervise sent pid a signal (no-op if pid is not tracked). */
// @ts-ignore: decorator
@inline export function markSignalled(pid: i32): void {
  if (tracked(pid)) store<u8>(byteOf(signalledMap, pid), load<u8>(byteOf(signalledMap, pid)) | bitOf(pid));
}

/** Forgets everything about pid: it was reaped, its number may come back as another process. */
// @ts-ignore: decorator
@inline export function forgetPid(pid: i32): void {
  if (!tracked(pid)) return;
  store<u8>(byteOf(killedMap, pid), load<u8>(byteOf(killedMap, pid)) & ~bitOf(pid));
  store<u8>(byteOf(signalledMap, pid), load<u8>(byteOf(signalledMap, pid)) & ~bitOf(pid));
}

/** Sizes the maps for pids below pidMax (clamped to 2..PID_MAX_LIMIT; 0 or less means the
 *  limit) and clears them. Memory comes from the heap once and is reused by later calls. */
export function pidsInit(pidMax: i32): void {
  limit = pidMax <= 0 || pidMax > PID_MAX_LIMIT ? PID_MAX_LIMIT : max(pidMax, 2);
  let bytes = ((<usize>limit + 63) >> 6) << 3;
  if (bytes > mapBytes) {
    killedMap = heap.alloc(bytes);
    signalledMap = heap.alloc(bytes);
    mapBytes = bytes;
  }
  memory.fill(killedMap, 0, mapBytes);
  memory.fill(signalledMap, 0, mapBytes);
}
