// The native shim (build/Release/shim.node), typed. One function per system call, no
// policy: every call returns a number >= 0 on success or -errno on failure, and throws
// a TypeError only when called with the wrong arguments. Loaded in this one place.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export interface Shim {
  /** getpid(2). */
  getpid(): number;
  /** getpgid(2): pid's process group (pid 0: this process's) | -errno; 0 when the group's
   *  leader is outside this PID namespace. */
  getpgid(pid: number): number;
  /** prctl(PR_SET_CHILD_SUBREAPER, on) -> 0 | -errno; prctl(PR_GET_CHILD_SUBREAPER) -> 0/1 | -errno. */
  setChildSubreaper(on: boolean): number;
  getChildSubreaper(): number;
  /** kill(2) -> 0 | -errno. */
  kill(pid: number, sig: number): number;
  /** The raw waitid system call (5 arguments). `info` (>= 128 bytes) is zeroed, then
   *  filled by the kernel in place; `rusage` (>= 144 bytes), when given, receives the
   *  struct rusage. -> 0 | -errno. With WNOHANG and nothing to report, info's si_pid is 0. */
  waitid(idtype: number, id: number, info: Uint8Array, options: number, rusage?: Uint8Array): number;
  /** The pids in /proc/self/task/<tid>/children for every thread, written into `out`
   *  (as many as fit). -> the total count | -errno (-ENOENT without CONFIG_PROC_CHILDREN). */
  readChildren(out: Int32Array): number;
  /** Fallback for readChildren: scans /proc/<pid>/stat for processes whose parent is
   *  this process. Same result convention. */
  scanChildren(out: Int32Array): number;
  /** readChildren, or scanChildren where the kernel has no children lists (-ENOENT).
   *  Same result convention. The core's `children` import. */
  listChildren(out: Int32Array): number;
  /** listChildren for process `pid`'s children (0: this process): 0 when `pid` is gone.
   *  Same result convention. The core's `childrenOf` import (--cgroup in protocol mode). */
  listChildrenOf(pid: number, out: Int32Array): number;
  /** The last-resort tear-down after a failure of ours (a trap or an exception out of
   *  the core): SIGKILLs every child of this process, reaps, and repeats until none is
   *  left (orphans adopted meanwhile included); blocks while a child lives. Kills every
   *  child of the caller, whoever started it, and blocks every signal in the calling
   *  thread first (they stay blocked): exit right after. -> 70, the exit status to use. */
  lastResort(): number;
  /** Installs one sigaction handler (SA_SIGINFO|SA_RESTART|SA_NOCLDSTOP|SA_ONSTACK) for
   *  each of `signals` that writes a 16-byte record (int32 signo, si_code, the sender's
   *  si_pid when si_code <= 0 else 0, 0; native order) to a non-blocking CLOEXEC pipe in
   *  one write, and unblocks them in the calling thread. The first call creates the pipe;
   *  later calls add signals. -> the pipe's read end | -errno. A record is dropped whole
   *  when the pipe is full (a wake-up is pending then anyway). A synchronous fault of this
   *  process (SEGV, BUS, ILL, FPE, TRAP, SYS from the kernel, or any of those and ABRT sent
   *  by itself) ends in lastResort() inside the handler instead. */
  signalPipe(signals: number[]): number;
  /** epoll_create1(EPOLL_CLOEXEC) -> fd | -errno. */
  epollCreate(): number;
  /** epoll_ctl(epfd, op, fd, {events, data.fd = fd}) -> 0 | -errno. */
  epollCtl(epfd: number, op: number, fd: number, events: number): number;
  /** epoll_wait: writes (fd, events) pairs into `out` (length / 2 events at most).
   *  -> the number of events | -errno. timeoutMs -1 blocks. Not retried on EINTR: a
   *  signal caught by a handler (signalPipe's) returns -EINTR, even with SA_RESTART. */
  epollWait(epfd: number, out: Int32Array, timeoutMs: number): number;
  /** poll(2) on one fd -> revents (0 on timeout) | -errno (-EINTR as epollWait). */
  poll(fd: number, events: number, timeoutMs: number): number;
  /** read(2) / write(2) on a raw fd, into/from buf[offset, offset+length). -> bytes | -errno. */
  read(fd: number, buf: Uint8Array, offset: number, length: number): number;
  write(fd: number, buf: Uint8Array, offset: number, length: number): number;
  /** close(2) -> 0 | -errno. */
  close(fd: number): number;
  /** fcntl(F_GETFL/F_SETFL O_NONBLOCK) -> 0 | -errno; setCloexec: FD_CLOEXEC. */
  setNonblocking(fd: number, on: boolean): number;
  setCloexec(fd: number, on: boolean): number;
  /** sysconf(_SC_CLK_TCK). */
  clockTicks(): number;
  /** fcntl(F_GETFD) -> the FD_* flags (FD_CLOEXEC = 1), >= 0 when `fd` is open | -errno. */
  fdFlags(fd: number): number;
  /** CLOCK_REALTIME in microseconds since the epoch; CLOCK_MONOTONIC in milliseconds. */
  realtimeUs(): bigint;
  /** CLOCK_BOOTTIME in microseconds since boot. */
  boottimeUs(): bigint;
  monotonicMs(): bigint;
  /** pipe2(O_CLOEXEC): fds[0] = read end, fds[1] = write end. -> 0 | -errno. For the shim
   *  tests (Node makes no raw pipe fds), as setNonblocking is. */
  pipe(fds: Int32Array): number;
  /** socketpair(AF_UNIX, type | SOCK_CLOEXEC) -> 0 | -errno: the tests' channels. */
  socketPair(type: number, fds: Int32Array): number;
  /** shutdown(2) (0 SHUT_RD, 1 SHUT_WR, 2 SHUT_RDWR) -> 0 | -errno: the tests' readers. */
  shutdown(fd: number, how: number): number;
  /** getsockopt(SO_TYPE): 1 SOCK_STREAM, 2 SOCK_DGRAM, 5 SOCK_SEQPACKET | -errno. */
  socketType(fd: number): number;
  /** sendmmsg(2) of `count` messages of `size` bytes from buf[offset...], MSG_DONTWAIT |
   *  MSG_NOSIGNAL, at most 64 -> messages sent | -errno. */
  sendMessages(fd: number, buf: Uint8Array, offset: number, size: number, count: number): number;
  /** This process's ignored signals and blocked mask now, bit n - 1 for signal n. */
  readSignalState(): [ignored: bigint, blocked: bigint];
  /** fork + execve done in C. `file` is looked up along PATH as execvp does (PATH from
   *  `envp` when given, else from this process's environment, default
   *  /usr/local/bin:/usr/bin:/bin; a file without a #! line runs with /bin/sh). `envp`
   *  null: this process's environment. In the child: every signal disposition SIG_DFL
   *  but opts.ignored's SIG_IGN, opts.mask blocked, then child fd i = opts.fds[i] (a negative entry closes
   *  fd i; fds not listed are inherited unless CLOEXEC), setsid(), chdir(cwd), and
   *  prctl(PR_SET_PDEATHSIG) (the child kills itself at once if this process is already
   *  gone). -> the child's pid once execve succeeded, or -errno (-ENOENT, -EACCES, or
   *  the errno of a step above; that child is reaped already). */
  spawn(file: string, argv: string[], envp: string[] | null, opts?: SpawnOptions): number;
}

/** Options of Shim.spawn. */
export interface SpawnOptions {
  /** Working directory of the child. */
  cwd?: string;
  /** Child fd i = fds[i]; a negative entry closes fd i in the child. */
  fds?: number[];
  /** Signal the child receives when the thread that spawned it ends (0: none). */
  pdeathsig?: number;
  /** Start a new session (and process group) for the child. */
  setsid?: boolean;
  /** clone(2) namespace flags (CLONE_NEWPID, CLONE_NEWUSER, CLONE_NEWNS) instead of fork.
   *  With CLONE_NEWPID the pdeathsig race check is skipped (getppid() is 0 there). */
  cloneFlags?: number;
  /** With CLONE_NEWUSER: the child writes these to /proc/self/uid_map and gid_map (after
   *  "deny" to /proc/self/setgroups), e.g. "1000 1000 1". */
  uidMap?: string;
  gidMap?: string;
  /** Mount a new proc on /proc (after making / private); needs CLONE_NEWNS. */
  mountProc?: boolean;
  /** Signals SIG_IGN in the child (bit n - 1 for signal n; 32 and 33 never); others SIG_DFL. */
  ignored?: bigint;
  /** The child's blocked mask (default: none). */
  mask?: bigint;
  /** An fd open for writing on a cgroup's cgroup.procs: the child writes "0" to it before
   *  anything else, so it is in that cgroup before execve. */
  cgroupProcs?: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** From cli/ (tsx, tests) and from dist/ (the bundle) the package root is one up; from
 *  dist/chunks/ two. */
const ADDON_PATHS = ['../build/Release/shim.node', '../../build/Release/shim.node'];

/** Whether the addon is built (`make`; the npm package has none: the native executable
 *  serves it, and the yargs front end runs without the addon). */
export function hasShim(): boolean {
  return ADDON_PATHS.some((rel) => existsSync(path.resolve(here, rel)));
}

/** Loads the addon; the error lists every path tried. */
export function loadShim(): Shim {
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const rel of ADDON_PATHS) {
    const p = path.resolve(here, rel);
    tried.push(p);
    try {
      return require(p) as Shim;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    }
  }
  throw new Error(`supervise: native shim not built (run \`make build\`); tried ${tried.join(', ')}`);
}
