// Linux numbers (x86-64) the program uses beyond those of the wire protocol (protocol.ts):
// epoll, poll, open flags, clone flags, and the structs of the linux imports (linux.ts
// re-exports those). Errno and signal numbers are all in protocol.ts (lib/ and web/ may
// import it, not this file). Plain constants, shared with the TypeScript
// hosts and tests (ARCHITECTURE.md, "The Wasm contract").

export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;
export const EPOLLIN = 0x001;
export const EPOLLOUT = 0x004;
export const EPOLLERR = 0x008;
export const EPOLLHUP = 0x010;

export const POLLIN = 0x001;
export const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0x40;
export const O_APPEND = 0x400;

export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;

/** siginfo si_code values: sent by kill(2), or by the kernel (a terminal's INT, QUIT, WINCH). */
export const SI_USER = 0;
export const SI_KERNEL = 0x80;

// --- the structs of the linux imports (assembly/linux.ts)

/** spawn() option bits (SpawnOptions.flags). */
/** Run this supervise again, as the host itself was started (native: /proc/self/exe;
 *  Node: node, its flags and the script); argv[0] is then ignored. */
export const SPAWN_SELF = 1;
/** Mount a fresh proc on /proc in the child (after making / private); needs CLONE_NEWNS. */
export const SPAWN_MOUNT_PROC = 2;
// struct SpawnOptions at `opts`: five 32-bit fields.
export const SPAWN_FLAGS = 0; // i32: SPAWN_* bits
export const SPAWN_PDEATHSIG = 4; // i32: prctl(PR_SET_PDEATHSIG) in the child, 0: none
export const SPAWN_CLONE_FLAGS = 8; // i32: CLONE_NEW* (0: a plain fork)
export const SPAWN_UID_MAP = 12; // u32: NUL-terminated uid_map text (CLONE_NEWUSER) or 0
export const SPAWN_GID_MAP = 16; // u32: NUL-terminated gid_map text or 0
export const SPAWN_IGNORED = 20; // u64: signals SIG_IGN in the child (bit n - 1: signal n)
export const SPAWN_MASK = 28; // u64: the child's blocked mask
export const SPAWN_OPTIONS_SIZE = 36;

/** One caught signal in the pipe of signals(), little-endian int32s: signo, si_code
 *  (SI_USER 0 from kill(2), SI_KERNEL 0x80 from a terminal, SI_QUEUE, SI_TKILL, ...), the
 *  sender's pid when si_code <= 0 (else 0), then 0. */
export const SIGNAL_RECORD_SIZE = 16;
export const SIGNAL_SIGNO = 0;
export const SIGNAL_CODE = 4;
export const SIGNAL_PID = 8;

/** callerSignals(): two u64 at `out`, bit n - 1 for signal n. */
export const CALLER_IGNORED = 0;
export const CALLER_BLOCKED = 8;
export const CALLER_SIGNALS_SIZE = 16;

/** socketType() results. */
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_SEQPACKET = 5;
