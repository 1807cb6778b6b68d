// Protocol mode's `--cgroup` (docs/guarantees.md, "Which layers hold the tree"): the
// children are not supervise's to start, its owner started them before it exec'd supervise,
// so they cannot be born in the leaf as launch mode's CMD is. gather() moves them there
// afterwards: it lists every descendant (children(), then childrenOf() of each, breadth
// first), writes each one that lives outside the leaf to its cgroup.procs (cgroup.ts
// cgroupJoin()), and repeats until a pass finds none outside. A process forked by a member
// is born in the leaf; one forked by a process not moved yet is listed by the next pass;
// an orphan of one that died meanwhile re-parents to supervise (a subreaper), whose children
// are listed again at the end of each pass. Supervise itself stays outside the leaf: the
// tear-down's cgroup.kill would end it before its last records, and the leaf could not be
// removed while it is in it. main.ts calls it once, before the loop; it reaps nothing.

import { children, childrenOf, open, read, close } from './linux';
import { readStat } from './identity';
import { O_RDONLY } from './sys';
import { ESRCH, PID_MAX_LIMIT } from './protocol';
import { cgroupJoin, cgroupPath, cgroupProcsFile } from './cgroup';
import * as say from './say';

/** The passes gather() makes at most before it goes on with what it has. */
export const GATHER_PASSES: i32 = 100;
/** The most pids one pass lists (4 MiB of them). */
const TREE_MAX: i32 = 1 << 20;

/** One bit per pid: in the leaf (from its cgroup.procs, this pass), listed this pass, and
 *  refused by the kernel (never tried again). Allocated by the first gather(). */
let inLeaf: usize = 0;
let seen: usize = 0;
let refused: usize = 0;
/** The pids of this pass, breadth first: supervise's children, then theirs, ... */
let tree: usize = 0;
let treeCap: i32 = 0;

const BUF: i32 = 65536;
let buf: usize = 0;

/** Moves every descendant of supervise into the leaf (cgroupPath() must be set). -> true
 *  when a pass found none outside it (the dead and the refused aside; each refusal is a
 *  line on stderr), false when GATHER_PASSES passes did not get there (a fork storm: said
 *  on stderr; supervise goes on with what it has, its subreaper holding the rest). */
export function gather(): bool {
  let bytes = <usize>(PID_MAX_LIMIT >> 3);
  if (inLeaf == 0) {
    inLeaf = heap.alloc(bytes);
    seen = heap.alloc(bytes);
    refused = heap.alloc(bytes);
    memory.fill(refused, 0, bytes);
    treeCap = 1024;
    tree = heap.alloc(<usize>treeCap << 2);
    buf = heap.alloc(<usize>BUF);
  }
  let procs = cgroupProcsFile();
  for (let pass = 1; pass <= GATHER_PASSES; pass++) {
    memory.fill(inLeaf, 0, bytes);
    memory.fill(seen, 0, bytes);
    readMembers(procs);
    let n = listTree();
    let outside = n < 0 ? 1 : 0; // a tree too big to list whole: not a fixed point
    if (n < 0) n = -n;
    for (let i = 0; i < n; i++) {
      let pid = load<i32>(tree + (<usize>i << 2));
      if (bit(inLeaf, pid) || bit(refused, pid)) continue;
      let state = procState(pid);
      // Gone, a zombie or dead: it forks no more, and the kernel would not move it.
      if (state == 0 || state == 0x5a || state == 0x58) continue;
      let r = cgroupJoin(pid);
      if (r == -ESRCH) continue;
      if (r < 0) {
        set(refused, pid);
        say.cannotGather(pid, cgroupPath(), r);
        continue;
      }
      outside++;
    }
    // Orphans adopted while the tree was listed: their old parent was listed before it died.
    let k = children(buf, BUF >> 2);
    for (let i = 0; i < min(k, BUF >> 2); i++) {
      let pid = load<i32>(buf + (<usize>i << 2));
      if (pid > 0 && pid < PID_MAX_LIMIT && !bit(seen, pid)) outside++;
    }
    if (k > BUF >> 2) outside++;
    if (outside == 0) return true;
  }
  say.gatherOutrun(GATHER_PASSES, cgroupPath());
  return false;
}

/** The tree, breadth first, into `tree` (each pid marked in `seen`) -> how many, or minus
 *  how many when TREE_MAX cut it short. A pid that cannot be listed (gone) adds nothing. */
function listTree(): i32 {
  let cut = false;
  let n = children(tree, treeCap);
  while (n > treeCap && treeCap < TREE_MAX) {
    enlarge(0, n);
    n = children(tree, treeCap);
  }
  if (n > treeCap) {
    cut = true;
    n = treeCap;
  }
  if (n < 0) n = 0;
  for (let i = 0; i < n; i++) {
    let pid = load<i32>(tree + (<usize>i << 2));
    if (pid <= 0 || pid >= PID_MAX_LIMIT) continue;
    set(seen, pid);
    let k = childrenOf(pid, tree + (<usize>n << 2), treeCap - n);
    while (k > treeCap - n && treeCap < TREE_MAX) {
      enlarge(n, n + k);
      k = childrenOf(pid, tree + (<usize>n << 2), treeCap - n);
    }
    if (k > treeCap - n) {
      cut = true;
      k = treeCap - n;
    }
    if (k > 0) n += k;
  }
  return cut ? -n : n;
}

/** A bigger `tree` (doubled until it holds `want` pids, at most TREE_MAX), its first `n`
 *  pids kept. The stub runtime never frees; doubling keeps the waste below the final size. */
function enlarge(n: i32, want: i32): void {
  let cap = treeCap;
  while (cap < want && cap < TREE_MAX) cap <<= 1;
  let bigger = heap.alloc(<usize>cap << 2);
  memory.copy(bigger, tree, <usize>n << 2);
  tree = bigger;
  treeCap = cap;
}

/** Marks in `inLeaf` every pid of the leaf's cgroup.procs (one per line). */
function readMembers(path: usize): void {
  let fd = open(path, O_RDONLY, 0);
  if (fd < 0) return;
  let pid = -1;
  while (true) {
    let r = read(fd, buf, BUF);
    if (r <= 0) break;
    for (let i = 0; i < r; i++) {
      let c = <i32>load<u8>(buf + <usize>i) - 0x30;
      if (c >= 0 && c <= 9) {
        pid = (pid < 0 ? 0 : pid * 10) + c;
        if (pid >= PID_MAX_LIMIT) pid = PID_MAX_LIMIT;
      } else {
        if (pid > 0 && pid < PID_MAX_LIMIT) set(inLeaf, pid);
        pid = -1;
      }
    }
  }
  if (pid > 0 && pid < PID_MAX_LIMIT) set(inLeaf, pid);
  close(fd);
}

/** The state letter of /proc/PID/stat ('R', 'S', 'Z', ...), or 0 when it cannot be read.
 *  comm (at most 15 bytes, in parentheses, ')' allowed) ends at the last ')' of the first
 *  64 bytes: the fields after it are numbers. */
function procState(pid: i32): i32 {
  let n = readStat(pid, buf, 64);
  let close_ = -1;
  for (let i = 0; i < n; i++) if (load<u8>(buf + <usize>i) == 0x29) close_ = i;
  if (close_ < 0 || close_ + 2 >= n) return 0;
  return <i32>load<u8>(buf + <usize>(close_ + 2));
}

// @ts-ignore: decorator
@inline function bit(map: usize, pid: i32): bool {
  return (load<u8>(map + <usize>(pid >> 3)) & (<u8>1 << <u8>(pid & 7))) != 0;
}

// @ts-ignore: decorator
@inline function set(map: usize, pid: i32): void {
  let p = map + <usize>(pid >> 3);
  store<u8>(p, load<u8>(p) | (<u8>1 << <u8>(pid & 7)));
}
