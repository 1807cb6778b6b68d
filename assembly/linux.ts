// The kernel, as core.wasm sees it: the imports of module "linux", declared here and
// implemented by the two hosts (host/native.cc over shim/linux.cc; cli/host.ts over the
// addon) or by a fake kernel in test/. Only numbers cross: pointers and lengths into this
// module's memory, results >= 0 or -errno. Nothing here decides anything; every import is
// one system call, or one of the few system-level helpers named as such (children, spawn,
// signals). codec.wasm never imports this file.

// --- the process

/** getpid(2). */
// @ts-ignore: decorator
@external("linux", "getpid")
export declare function getpid(): i32;

/** getpgid(2): pid's process group (pid 0: this process's) | -errno. 0 when the group's
 *  leader is outside this PID namespace (so two processes whose groups both began outside
 *  it compare equal). */
// @ts-ignore: decorator
@external("linux", "getpgid")
export declare function getpgid(pid: i32): i32;

/** getuid(2), geteuid(2), getgid(2) (the id maps of --pid-ns). */
// @ts-ignore: decorator
@external("linux", "getuid")
export declare function getuid(): i32;
// @ts-ignore: decorator
@external("linux", "geteuid")
export declare function geteuid(): i32;
// @ts-ignore: decorator
@external("linux", "getgid")
export declare function getgid(): i32;

/** sysconf(_SC_CLK_TCK). */
// @ts-ignore: decorator
@external("linux", "clockTicks")
export declare function clockTicks(): i32;

/** prctl(PR_GET_CHILD_SUBREAPER) -> 0/1 | -errno. */
// @ts-ignore: decorator
@external("linux", "getChildSubreaper")
export declare function getChildSubreaper(): i32;

/** prctl(PR_SET_CHILD_SUBREAPER, on) -> 0 | -errno. */
// @ts-ignore: decorator
@external("linux", "setChildSubreaper")
export declare function setChildSubreaper(on: i32): i32;

/** The host's arguments after the program name: the byte length of argument i (no NUL),
 *  or -1 when there are fewer than i + 1. */
// @ts-ignore: decorator
@external("linux", "argLen")
export declare function argLen(i: i32): i32;

/** Copies the bytes of argument i (argLen(i) of them, no NUL) to `buf`. */
// @ts-ignore: decorator
@external("linux", "argRead")
export declare function argRead(i: i32, buf: usize): void;

// --- children

/** waitid(2) as the raw system call: zeroes, then fills 128 bytes at `info` and, when
 *  `rusage` is not 0, a struct rusage (144 bytes) there. 0 or -errno. */
// @ts-ignore: decorator
@external("linux", "waitid")
export declare function waitid(idtype: i32, id: i32, info: usize, options: i32, rusage: usize): i32;

/** kill(2). 0 or -errno. */
// @ts-ignore: decorator
@external("linux", "kill")
export declare function kill(pid: i32, sig: i32): i32;

/** The pids of this process's children (every thread's /proc children list, or a scan
 *  of /proc where the kernel has no such list), written as int32 at `buf`, at most
 *  `capacity` of them. Returns how many there are (which may be more than `capacity`:
 *  call again with a larger buffer) or -errno. */
// @ts-ignore: decorator
@external("linux", "children")
export declare function children(buf: usize, capacity: i32): i32;

/** children() for process `pid`'s children (`pid` 0: this process), same convention; 0
 *  when `pid` is gone (--cgroup in protocol mode lists the tree its owner started). */
// @ts-ignore: decorator
@external("linux", "childrenOf")
export declare function childrenOf(pid: i32, buf: usize, capacity: i32): i32;

// The SPAWN_* bits and the struct SpawnOptions at `opts`: sys.ts (plain constants, which
// cli/host.ts imports too).
export {
  SPAWN_SELF, SPAWN_MOUNT_PROC, SPAWN_FLAGS, SPAWN_PDEATHSIG, SPAWN_CLONE_FLAGS, SPAWN_UID_MAP,
  SPAWN_GID_MAP, SPAWN_IGNORED, SPAWN_MASK, SPAWN_CGROUP_PROCS, SPAWN_OPTIONS_SIZE,
} from './sys';

/** fork (or clone with namespace flags) + execve of argv[0], looked up along PATH as
 *  execvp does, with this process's environment. `argv`: argc pointers (u32) to
 *  NUL-terminated strings. In the child: every signal disposition SIG_DFL but those of
 *  SPAWN_IGNORED (SIG_IGN), the mask SPAWN_MASK, fds as inherited (CLOEXEC ones closed),
 *  the other options at `opts`. -> the child's pid once execve succeeded, or -errno
 *  (that child is reaped already). */
// @ts-ignore: decorator
@external("linux", "spawn")
export declare function spawn(argv: usize, argc: i32, opts: usize): i32;

// --- signals

// SIGNAL_RECORD_*: one caught signal in the pipe of signals(), sys.ts.
export { SIGNAL_RECORD_SIZE, SIGNAL_SIGNO, SIGNAL_CODE, SIGNAL_PID } from './sys';

/** Installs a handler for each of the `count` signal numbers (int32) at `list` that
 *  writes one SIGNAL_RECORD_SIZE record per signal caught to a non-blocking CLOEXEC pipe,
 *  in one write(2) (atomic: the pipe holds whole records only; when it is full a record
 *  is dropped whole), then unblocks them (a signal blocked and pending since exec is
 *  delivered now, into the pipe). -> the pipe's read end | -errno. */
// @ts-ignore: decorator
@external("linux", "signals")
export declare function signals(list: usize, count: i32): i32;

/** The signals the caller of this process left ignored and blocked, as the host found
 *  them before it changed any (CALLER_SIGNALS_SIZE bytes at `out`: CALLER_IGNORED,
 *  CALLER_BLOCKED, u64 each, bit n - 1 for signal n). A host that cannot know them
 *  (Node resets both before any code of ours runs) writes zeros. */
// @ts-ignore: decorator
@external("linux", "callerSignals")
export declare function callerSignals(out: usize): void;
export { CALLER_IGNORED, CALLER_BLOCKED, CALLER_SIGNALS_SIZE } from './sys';

// --- fds

/** epoll_create1(EPOLL_CLOEXEC) -> fd | -errno. */
// @ts-ignore: decorator
@external("linux", "epollCreate")
export declare function epollCreate(): i32;

/** epoll_ctl(ep, op, fd, { events, data.fd = fd }) -> 0 | -errno. */
// @ts-ignore: decorator
@external("linux", "epollCtl")
export declare function epollCtl(ep: i32, op: i32, fd: i32, events: i32): i32;

/** epoll_wait: writes (fd, events) int32 pairs at `out`, at most `max` of them.
 *  timeoutMs -1 blocks. -> the number of events | -errno (-EINTR after a signal). */
// @ts-ignore: decorator
@external("linux", "epollWait")
export declare function epollWait(ep: i32, out: usize, max: i32, timeoutMs: i32): i32;

/** poll(2) on one fd -> revents (0 on timeout) | -errno. */
// @ts-ignore: decorator
@external("linux", "poll")
export declare function poll(fd: i32, events: i32, timeoutMs: i32): i32;

/** read(2), retried on EINTR. -> bytes | -errno. */
// @ts-ignore: decorator
@external("linux", "read")
export declare function read(fd: i32, buf: usize, len: i32): i32;

/** write(2), retried on EINTR. -> bytes | -errno. */
// @ts-ignore: decorator
@external("linux", "write")
export declare function write(fd: i32, buf: usize, len: i32): i32;

/** open(2) of the NUL-terminated path at `path`, O_CLOEXEC added. -> fd | -errno. */
// @ts-ignore: decorator
@external("linux", "open")
export declare function open(path: usize, flags: i32, mode: i32): i32;

/** mkdir(2) of the NUL-terminated path at `path` (a cgroup leaf). 0 | -errno. */
// @ts-ignore: decorator
@external("linux", "mkdir")
export declare function mkdir(path: usize, mode: i32): i32;

/** rmdir(2) of the NUL-terminated path at `path`. 0 | -errno. */
// @ts-ignore: decorator
@external("linux", "rmdir")
export declare function rmdir(path: usize): i32;

/** close(2). 0 | -errno. */
// @ts-ignore: decorator
@external("linux", "close")
export declare function close(fd: i32): i32;

/** fstat(2)'s st_size (at most 2^31 - 1) | -errno. */
// @ts-ignore: decorator
@external("linux", "fileSize")
export declare function fileSize(fd: i32): i32;

/** fstat(2)'s st_mode & S_IFMT (S_IFIFO 0o010000, S_IFSOCK 0o140000, S_IFREG, ...) | -errno. */
// @ts-ignore: decorator
@external("linux", "fileType")
export declare function fileType(fd: i32): i32;

/** getsockopt(SO_TYPE): SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET | -errno (-ENOTSOCK). */
// @ts-ignore: decorator
@external("linux", "socketType")
export declare function socketType(fd: i32): i32;

/** sendmmsg(2): `count` messages of `size` bytes each, one after another from `buf`, with
 *  MSG_DONTWAIT | MSG_NOSIGNAL (never blocks; at most 64 a call). -> messages sent (the
 *  first ones, each whole) | -errno (-EAGAIN: none fitted). */
// @ts-ignore: decorator
@external("linux", "sendRecords")
export declare function sendRecords(fd: i32, buf: usize, size: i32, count: i32): i32;

/** 0 when `fd` is open and was given to this process (inherited, not one the host's own
 *  runtime opened for itself), else -EBADF. */
// @ts-ignore: decorator
@external("linux", "fdGiven")
export declare function fdGiven(fd: i32): i32;

/** fcntl(F_SETFD) FD_CLOEXEC on or off. 0 | -errno. */
// @ts-ignore: decorator
@external("linux", "setCloexec")
export declare function setCloexec(fd: i32, on: i32): i32;

// --- time

/** CLOCK_REALTIME in microseconds since the Unix epoch. */
// @ts-ignore: decorator
@external("linux", "realtimeUs")
export declare function realtimeUs(): i64;

/** CLOCK_BOOTTIME in microseconds since boot (the clock of /proc/PID/stat's starttime). */
// @ts-ignore: decorator
@external("linux", "boottimeUs")
export declare function boottimeUs(): i64;

/** CLOCK_MONOTONIC in milliseconds. */
// @ts-ignore: decorator
@external("linux", "monotonicMs")
export declare function monotonicMs(): i64;
