// The cgroup v2 layer of `--cgroup` (docs/guarantees.md, "Layers"): a leaf cgroup for the
// tree, made in supervise's own cgroup v2 directory, which is found from /proc/self/cgroup
// (the `0::PATH` line) and /proc/self/mountinfo (where cgroup2 is mounted; never assumed
// to be /sys/fs/cgroup). CMD moves itself into the leaf before execve (spawn's
// SPAWN_CGROUP_PROCS), so whatever it starts is born there; tear-down writes cgroup.kill
// (Linux 5.14: every member SIGKILLed by the kernel, setuid ones and forks racing the kill
// included) before the subreaper's pass; at exit supervise waits for `populated 0` in
// cgroup.events and removes the leaf. No decision about children is made here: core.ts
// says when to kill, main.ts when to make and remove the leaf.

import { open, read, write, close, mkdir, rmdir, poll, getpid, monotonicMs } from './linux';
import { O_RDONLY, O_WRONLY, POLLPRI } from './sys';
import { decimal, digits } from './decimal';
import {
  ENOENT, EEXIST, EBADF, TOTALS_CPU, TOTALS_USER_CPU, TOTALS_SYSTEM_CPU, TOTALS_MEMORY_PEAK, TOTALS_PIDS_PEAK,
} from './protocol';

/** The directory the leaf is made in (supervise's own cgroup), NUL-terminated, or 0. */
let parent: usize = 0;
/** The leaf's path, NUL-terminated, or 0 without the layer. */
let leaf: usize = 0;
let leafLen: i32 = 0;
/** The leaf's cgroup.procs (for spawn) and cgroup.kill, open for writing, or -1. */
let procsFd: i32 = -1;
let killFd: i32 = -1;
/** The leaf's cgroup.procs, NUL-terminated. */
let procsName: usize = 0;
/** cgroup.kill written in this run. */
let killed = false;

/** How long cgroupRemove() waits for the leaf to empty before it leaves it in place. */
const EMPTY_WAIT_MS: i64 = 10000;

/** Called by main.ts for --cgroup, before CMD starts: finds a writable cgroup v2 directory
 *  and makes the leaf `supervise.PID` in it. -> 0, or -errno: -ENOENT when there is no
 *  cgroup2 mount showing supervise's cgroup (or the kernel has no cgroup.kill), else the
 *  error of mkdir (EACCES, EROFS: not writable here) or of opening the leaf's files. */
export function cgroupCreate(): i32 {
  let own = ownCgroup();
  if (own == 0) return -ENOENT;
  parent = own;
  let base = join(own, '/supervise.');
  let path = join(base, getpid().toString());
  let r = mkdir(path, 0o755);
  // A leaf of a SIGKILLed supervise whose pid this one got: empty, so it can go.
  if (r == -EEXIST && rmdir(path) == 0) r = mkdir(path, 0o755);
  if (r < 0) return r;
  leaf = path;
  leafLen = cLength(path);
  procsName = join(path, '/cgroup.procs');
  procsFd = open(procsName, O_WRONLY, 0);
  killFd = procsFd < 0 ? procsFd : open(join(path, '/cgroup.kill'), O_WRONLY, 0);
  if (procsFd < 0 || killFd < 0) {
    let err = procsFd < 0 ? procsFd : killFd;
    if (procsFd >= 0) close(procsFd);
    procsFd = -1;
    killFd = -1;
    rmdir(path);
    leaf = 0;
    return err;
  }
  return 0;
}

/** The leaf's path (NUL-terminated), or 0 without the layer. */
export function cgroupPath(): usize {
  return leaf;
}

/** The fd spawn() writes "0" to in the child (SPAWN_CGROUP_PROCS), or 0 without the layer. */
export function cgroupProcs(): i32 {
  return procsFd > 0 ? procsFd : 0;
}

/** Called by gather.ts (protocol mode): moves process `pid` into the leaf (its decimal
 *  written to cgroup.procs; the kernel moves the whole thread group). -> 0 | -errno (-ESRCH:
 *  gone; -EPERM, -EACCES: not ours to move; -EBADF without the layer). The kernel answers 0
 *  without moving a process that is exiting. */
export function cgroupJoin(pid: i32): i32 {
  if (procsFd < 0) return -EBADF;
  let n = digits(joinBuf, pid);
  store<u8>(joinBuf + <usize>n, 0x0a); // as `echo PID > cgroup.procs` writes it
  let r = write(procsFd, joinBuf, n + 1);
  return r < 0 ? r : 0;
}
const joinBuf: usize = memory.data(16);

/** The leaf's cgroup.procs (NUL-terminated), or 0 without the layer: gather.ts reads it. */
export function cgroupProcsFile(): usize {
  return leaf == 0 ? 0 : procsName;
}

/** Called by core.ts at each tear-down pass: writes cgroup.kill the first time. -> 1 when
 *  the kernel killed the leaf (0 without the layer, or if the write failed). */
export function cgroupKill(): i32 {
  if (killFd < 0) return 0;
  if (!killed) killed = write(killFd, memory.data<u8>([0x31]), 1) == 1;
  return killed ? 1 : 0;
}

/** Called by main.ts at exit (every child reaped): waits until cgroup.events says
 *  `populated 0` (writing cgroup.kill again while it does not: a process moved in from
 *  outside the tree) and removes the leaf. -> 0, or -errno of rmdir (-EBUSY: still
 *  populated after EMPTY_WAIT_MS; the leaf is left). */
export function cgroupRemove(): i32 {
  if (leaf == 0) return 0;
  close(procsFd);
  let events = join(leaf, '/cgroup.events');
  let until = monotonicMs() + EMPTY_WAIT_MS;
  let buf = heap.alloc(256);
  while (true) {
    let fd = open(events, O_RDONLY, 0);
    if (fd < 0) break;
    let n = read(fd, buf, 256);
    if (n <= 0 || !populated(buf, n) || monotonicMs() >= until) {
      close(fd);
      break;
    }
    write(killFd, memory.data<u8>([0x31]), 1);
    // kernfs wakes a poller with POLLPRI when the file changed since it was read.
    poll(fd, POLLPRI, 100);
    close(fd);
  }
  close(killFd);
  let r = rmdir(leaf);
  if (r == 0) leaf = 0;
  return r;
}

/** Called by core.ts when the last child is reaped, before main.ts removes the leaf: what
 *  the whole tree cost, into the totals record at `rec` (TOTALS_*): cpu.stat's
 *  usage_usec, user_usec and system_usec (every cgroup v2 has them, with or without the cpu
 *  controller), memory.peak and pids.peak (-1 where the controller is not enabled for the
 *  leaf, or the kernel has no such file). false without a leaf, or when cpu.stat cannot be
 *  read (nothing is written then). */
export function cgroupTotals(rec: usize): bool {
  if (leaf == 0) return false;
  let stat = readAll(join(leaf, '/cpu.stat'));
  if (stat == 0) return false;
  store<i64>(rec + TOTALS_CPU, statField(stat, lastLen, 'usage_usec'));
  store<i64>(rec + TOTALS_USER_CPU, statField(stat, lastLen, 'user_usec'));
  store<i64>(rec + TOTALS_SYSTEM_CPU, statField(stat, lastLen, 'system_usec'));
  store<i64>(rec + TOTALS_MEMORY_PEAK, numberFile(join(leaf, '/memory.peak')));
  store<i64>(rec + TOTALS_PIDS_PEAK, numberFile(join(leaf, '/pids.peak')));
  return true;
}

/** The number after `key ` at the start of a line of the `len` bytes at p; 0 without one. */
function statField(p: usize, len: i32, key: string): i64 {
  let at = 0;
  while (at < len) {
    let end = lineEnd(p, at, len);
    if (end - at > key.length && same(p + <usize>at, key.length, key) && load<u8>(p + <usize>(at + key.length)) == 0x20) {
      return max<i64>(0, decimal(p + <usize>(at + key.length + 1), end - at - key.length - 1));
    }
    at = end + 1;
  }
  return 0;
}

/** The number a (NUL-terminated path) file holds, or -1 when it cannot be read. */
function numberFile(path: usize): i64 {
  let p = readAll(path);
  if (p == 0 || lastLen == 0) return -1;
  let n = decimal(p, lastLen);
  return n;
}

/** Called by main.ts for a limit (--max-pids: `pids.max`, --max-memory: `memory.max`):
 *  writes `text` to the leaf's file `name`. -> 0 | -errno (-ENOENT: its controller is not enabled for the
 *  leaf, i.e. not in the parent's cgroup.subtree_control). */
export function cgroupLimit(name: string, text: string): i32 {
  if (leaf == 0) return -ENOENT;
  let fd = open(join(leaf, '/' + name), O_WRONLY, 0);
  if (fd < 0) return fd;
  let p = join(0, text);
  let r = write(fd, p, text.length);
  close(fd);
  return r < 0 ? r : 0;
}

/** The directory the leaf is made in (for messages), NUL-terminated, or 0. */
export function cgroupParent(): usize {
  return parent;
}

/** The length of the leaf's path (for messages). */
export function cgroupPathLength(): i32 {
  return leafLen;
}

// --- finding supervise's own cgroup v2 directory

/** The directory of this process's cgroup v2 (mount point + path), NUL-terminated, or 0. */
function ownCgroup(): usize {
  let cg = readAll('/proc/self/cgroup');
  if (cg == 0) return 0;
  let cgLen = lastLen;
  // The v2 line: "0::PATH".
  let path: usize = 0;
  let pathLen = 0;
  let at = 0;
  while (at < cgLen) {
    let end = lineEnd(cg, at, cgLen);
    if (end - at >= 3 && load<u8>(cg + <usize>at) == 0x30 && load<u8>(cg + <usize>at + 1) == 0x3a
      && load<u8>(cg + <usize>at + 2) == 0x3a) {
      path = cg + <usize>at + 3;
      pathLen = end - at - 3;
      break;
    }
    at = end + 1;
  }
  if (path == 0 || pathLen == 0 || load<u8>(path) != 0x2f) return 0;

  let mi = readAll('/proc/self/mountinfo');
  if (mi == 0) return 0;
  let miLen = lastLen;
  at = 0;
  while (at < miLen) {
    let end = lineEnd(mi, at, miLen);
    let dir = cgroup2Dir(mi + <usize>at, end - at, path, pathLen);
    if (dir != 0) return dir;
    at = end + 1;
  }
  return 0;
}

/** One mountinfo line ("ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE
 *  SOURCE SUPER"): when it is a cgroup2 mount whose ROOT contains the cgroup PATH, the
 *  directory MOUNTPOINT + (PATH - ROOT), NUL-terminated; else 0. */
function cgroup2Dir(line: usize, len: i32, path: usize, pathLen: i32): usize {
  let starts = memory.data(64 * 4, 4);
  let ends = memory.data(64 * 4, 4);
  let n = 0;
  let i = 0;
  while (i < len && n < 64) {
    while (i < len && load<u8>(line + <usize>i) == 0x20) i++;
    if (i >= len) break;
    store<i32>(starts + (<usize>n << 2), i);
    while (i < len && load<u8>(line + <usize>i) != 0x20) i++;
    store<i32>(ends + (<usize>(n++) << 2), i);
  }
  let dash = -1;
  for (let f = 6; f < n; f++) {
    let s = load<i32>(starts + (<usize>f << 2));
    if (load<i32>(ends + (<usize>f << 2)) - s == 1 && load<u8>(line + <usize>s) == 0x2d) {
      dash = f;
      break;
    }
  }
  if (dash < 0 || dash + 1 >= n) return 0;
  let ts = load<i32>(starts + (<usize>(dash + 1) << 2));
  if (!same(line + <usize>ts, load<i32>(ends + (<usize>(dash + 1) << 2)) - ts, 'cgroup2')) return 0;
  // ROOT: "/" or a prefix of PATH ending at a '/' (or at its end).
  let rs = load<i32>(starts + (3 << 2));
  let rootLen = load<i32>(ends + (3 << 2)) - rs;
  let root = line + <usize>rs;
  let rest = path;
  let restLen = pathLen;
  if (!(rootLen == 1 && load<u8>(root) == 0x2f)) {
    if (rootLen > pathLen) return 0;
    for (let k = 0; k < rootLen; k++) if (load<u8>(root + <usize>k) != load<u8>(path + <usize>k)) return 0;
    if (rootLen < pathLen && load<u8>(path + <usize>rootLen) != 0x2f) return 0;
    rest = path + <usize>rootLen;
    restLen = pathLen - rootLen;
  }
  let ms = load<i32>(starts + (4 << 2));
  let mountLen = load<i32>(ends + (4 << 2)) - ms;
  // MOUNTPOINT with mountinfo's octal escapes (\040 for a space) undone, then the rest of
  // PATH ("/" alone adds nothing).
  let out = heap.alloc(<usize>(mountLen + restLen + 1));
  let k = 0;
  for (let j = 0; j < mountLen; j++) {
    let c = <i32>load<u8>(line + <usize>(ms + j));
    if (c == 0x5c && j + 3 < mountLen) {
      c = ((<i32>load<u8>(line + <usize>(ms + j + 1)) - 0x30) << 6)
        | ((<i32>load<u8>(line + <usize>(ms + j + 2)) - 0x30) << 3)
        | (<i32>load<u8>(line + <usize>(ms + j + 3)) - 0x30);
      j += 3;
    }
    store<u8>(out + <usize>(k++), <u8>c);
  }
  if (!(restLen == 1 && load<u8>(rest) == 0x2f)) {
    if (k == 1 && load<u8>(out) == 0x2f) k = 0; // mounted at "/": no doubled slash
    for (let j = 0; j < restLen; j++) store<u8>(out + <usize>(k++), load<u8>(rest + <usize>j));
  }
  store<u8>(out + <usize>k, 0);
  return out;
}

// --- small helpers

/** The length of the last readAll(). */
let lastLen: i32 = 0;

/** A whole (small) file into a fresh buffer -> its address (length in lastLen), or 0. */
function readAll<T>(path: T): usize {
  let fd = open(isString<T>() ? join(0, changetype<string>(path)) : changetype<usize>(path), O_RDONLY, 0);
  if (fd < 0) return 0;
  let cap = 16384;
  let buf = heap.alloc(<usize>cap);
  let len = 0;
  while (true) {
    if (len == cap) {
      if (cap >= 4 << 20) break;
      let bigger = heap.alloc(<usize>cap << 1);
      memory.copy(bigger, buf, <usize>len);
      buf = bigger;
      cap <<= 1;
    }
    let n = read(fd, buf + <usize>len, cap - len);
    if (n <= 0) break;
    len += n;
  }
  close(fd);
  lastLen = len;
  return buf;
}

function lineEnd(p: usize, at: i32, len: i32): i32 {
  while (at < len && load<u8>(p + <usize>at) != 0x0a) at++;
  return at;
}

function same(p: usize, len: i32, s: string): bool {
  if (len != s.length) return false;
  for (let i = 0; i < len; i++) if (<i32>load<u8>(p + <usize>i) != s.charCodeAt(i)) return false;
  return true;
}

function cLength(p: usize): i32 {
  let n = 0;
  while (load<u8>(p + <usize>n) != 0) n++;
  return n;
}

/** The NUL-terminated bytes at `head` (0: none) followed by ASCII `tail`, in the heap. */
function join(head: usize, tail: string): usize {
  let h = head == 0 ? 0 : cLength(head);
  let p = heap.alloc(<usize>(h + tail.length + 1));
  if (h > 0) memory.copy(p, head, <usize>h);
  for (let i = 0; i < tail.length; i++) store<u8>(p + <usize>(h + i), <u8>tail.charCodeAt(i));
  store<u8>(p + <usize>(h + tail.length), 0);
  return p;
}

/** Whether cgroup.events' text (n bytes at p) says `populated 1`. */
function populated(p: usize, n: i32): bool {
  let key = 'populated ';
  for (let at = 0; at + key.length < n; at++) {
    if (at > 0 && load<u8>(p + <usize>(at - 1)) != 0x0a) continue;
    if (same(p + <usize>at, key.length, key)) return load<u8>(p + <usize>(at + key.length)) == 0x31;
  }
  return false;
}
