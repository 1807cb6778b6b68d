// The system calls supervise needs, as plain C++ functions: one per call, no policy, no
// N-API types. Each returns a result >= 0 or -errno and never exits or aborts the process.
// addon.cc exposes them to JavaScript (cli/shim.ts types them).
#ifndef SUPERVISE_SHIM_LINUX_H_
#define SUPERVISE_SHIM_LINUX_H_

#include <stddef.h>
#include <stdint.h>

#include "constants.h"  // PROTO_* and SYS_*: assembly/protocol.ts and sys.ts (scripts/constants-h.ts)

namespace shim {

// Sizes of the kernel structs callers pass as raw bytes (x86-64).
constexpr size_t kSiginfoSize = PROTO_STATUS_SIZE;
constexpr size_t kRusageSize = PROTO_RUSAGE_SIZE;

int GetPid();
// getpgid(2): pid's process group (0: the caller's) | -errno. 0 when that group's leader
// is outside the caller's PID namespace.
int GetPgid(int pid);

// prctl(PR_SET_CHILD_SUBREAPER / PR_GET_CHILD_SUBREAPER): 0 | 0/1, or -errno.
int SetChildSubreaper(bool on);
int GetChildSubreaper();

int Kill(int pid, int sig);

// The raw waitid system call with its fifth argument. Zeroes the kSiginfoSize bytes at
// `info` first; `rusage` (kRusageSize bytes) may be null.
int Waitid(int idtype, int id, void* info, int options, void* rusage);

// This process's children: /proc/self/task/<tid>/children of every thread, or (Scan)
// every /proc/<pid>/stat whose ppid is getpid(). Writes up to `capacity` pids and
// returns how many there are in all, which may be more than `capacity`.
int ReadChildren(int32_t* out, size_t capacity);
int ScanChildren(int32_t* out, size_t capacity);
// ReadChildren, or ScanChildren where the kernel has no children lists (-ENOENT).
int ListChildren(int32_t* out, size_t capacity);
// The same for process `pid`'s children (0: this process): /proc/<pid>/task/<tid>/children,
// or every /proc/<p>/stat whose ppid is `pid`. ListChildrenOf: 0 when `pid` is gone.
int ReadChildrenOf(int pid, int32_t* out, size_t capacity);
int ScanChildrenOf(int pid, int32_t* out, size_t capacity);
int ListChildrenOf(int pid, int32_t* out, size_t capacity);

// The exit status of LastResort (EX_SOFTWARE).
constexpr int kLastResortStatus = PROTO_EXIT_INTERNAL;
// The tear-down after a failure of ours (a trap, an abort): SIGKILLs every child, reaps,
// and repeats until waitid says ECHILD, so that orphans adopted as their parents die go
// too. Blocks in waitid while a child lives (one that cannot be killed, or could not be
// listed), never spins, with every signal blocked (none can end it half-way).
// -> kLastResortStatus.
int LastResort();

// One caught signal in the signal pipe: written whole by one write(2), so the pipe only
// ever holds whole records (a full pipe drops the record, never part of it).
struct SignalRecord {
  int32_t signo;
  int32_t code;  // the siginfo's si_code: SI_USER (kill), SI_KERNEL (a terminal), ...
  int32_t pid;   // the sender's si_pid when si_code <= 0 (kill, sigqueue, tgkill), else 0
  int32_t unused;
};
static_assert(sizeof(SignalRecord) == SYS_SIGNAL_RECORD_SIZE, "assembly/sys.ts SIGNAL_RECORD_SIZE");

// Installs a handler for each of `signals` that writes a SignalRecord to a non-blocking
// CLOEXEC pipe, and unblocks them in the calling thread. The first call creates the
// pipe. -> its read end. A synchronous fault of this process (SIGSEGV, SIGBUS, SIGILL,
// SIGFPE, SIGTRAP, SIGSYS with a kernel si_code, or SIGABRT/any of those sent by this
// process to itself, as abort() does) cannot return to the program: the handler writes
// one line to stderr and ends in LastResort() instead (exit kLastResortStatus).
int SignalPipe(const int* signals, size_t count);

// The signal state this process has now: the signals whose disposition is SIG_IGN and
// the blocked mask, bit n - 1 for signal n (as /proc/PID/status's SigIgn and SigBlk).
void ReadSignalState(uint64_t* ignored, uint64_t* blocked);

// sigprocmask(SIG_SETMASK) of the calling thread through the raw system call (so glibc's
// 32 and 33 are left as `mask` says too), bit n - 1 for signal n.
void SetSignalMask(uint64_t mask);

// socketpair(AF_UNIX, type | SOCK_CLOEXEC): for the tests' channels. -> 0 | -errno.
int SocketPair(int type, int fds[2]);
// shutdown(2): SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2 (the tests' readers that go away).
int Shutdown(int fd, int how);
// getsockopt(SO_TYPE): SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5 | -errno (-ENOTSOCK).
int SocketType(int fd);
// sendmmsg(2) of `count` messages of `size` bytes each, read one after another from `buf`,
// with MSG_DONTWAIT | MSG_NOSIGNAL (at most 64 per call) -> messages sent | -errno.
int SendMessages(int fd, const void* buf, size_t size, size_t count);

// pipe2(O_CLOEXEC): fds[0] read end, fds[1] write end.
int Pipe(int fds[2]);

int EpollCreate();
int EpollCtl(int epfd, int op, int fd, uint32_t events);
// Writes (fd, events) pairs into `out`, at most `max_events` of them (capped at 256).
int EpollWait(int epfd, int32_t* out, int max_events, int timeout_ms);
// poll(2) on one fd -> revents (0 on timeout).
int Poll(int fd, int events, int timeout_ms);

// read(2) / write(2), retried on EINTR.
int Read(int fd, void* buf, size_t length);
int Write(int fd, const void* buf, size_t length);
int Close(int fd);
// open(2) with O_CLOEXEC added, retried on EINTR -> fd.
int Open(const char* path, int flags, int mode);
// fstat(2)'s st_size, at most INT32_MAX.
int FileSize(int fd);
// fstat(2)'s st_mode & S_IFMT | -errno.
int FileType(int fd);
// fcntl(F_GETFD) -> the FD_* flags: >= 0 when `fd` is open.
int FdFlags(int fd);
// O_NONBLOCK on or off (the shim tests' pipes; supervise itself never sets it).
int SetNonblocking(int fd, bool on);
int SetCloexec(int fd, bool on);
int ClockTicks();
// CLOCK_REALTIME in microseconds since the epoch; CLOCK_MONOTONIC in milliseconds.
int64_t RealtimeUs();
// CLOCK_BOOTTIME in microseconds since boot (the clock of /proc/PID/stat's starttime).
int64_t BoottimeUs();
int64_t MonotonicMs();
// mkdir(2) / rmdir(2) of a NUL-terminated path (a cgroup leaf) -> 0 | -errno.
int Mkdir(const char* path, int mode);
int Rmdir(const char* path);
int GetUid();
int GetEuid();
int GetGid();

struct SpawnOptions {
  const char* cwd = nullptr;  // chdir in the child when not null
  const int* fds = nullptr;   // child fd i = fds[i] (< 0: closed), for i < nfds
  size_t nfds = 0;
  int pdeathsig = 0;  // prctl(PR_SET_PDEATHSIG) in the child when not 0
  bool setsid = false;
  // clone(2) namespace flags (CLONE_NEWPID, CLONE_NEWUSER, CLONE_NEWNS); 0: plain fork.
  int clone_flags = 0;
  // With CLONE_NEWUSER: written to /proc/self/{uid_map,gid_map} by the child (after
  // "deny" to setgroups), e.g. "1000 1000 1\n". Null: not written.
  const char* uid_map = nullptr;
  const char* gid_map = nullptr;
  // Mount a fresh proc on /proc in the child (after making / private recursively), so
  // that /proc shows the child's PID namespace. Needs CLONE_NEWNS.
  bool mount_proc = false;
  // The child's signal state before execve: these signals SIG_IGN (bit n - 1 for signal
  // n; glibc's 32 and 33 never), every other SIG_DFL; this blocked mask.
  uint64_t ignored = 0;
  uint64_t mask = 0;
  // An fd open for writing on a cgroup v2 directory's cgroup.procs: the child writes "0"
  // to it first thing (it moves itself there before execve, so before CMD can fork). < 0:
  // stays where it is.
  int cgroup_procs_fd = -1;
};

// fork + execve of `file`, looked up along PATH as execvp does (PATH from `envp` when
// given, else from the environment). `argv` and `envp` end with a null pointer; `envp`
// null means this process's environment. -> the child's pid, or -errno when it could not
// be started (the child is then reaped already). With CLONE_NEWPID in clone_flags, the
// parent-died check after PR_SET_PDEATHSIG cannot be made (getppid() is 0 in the new
// namespace).
int Spawn(const char* file, char* const argv[], char* const envp[], const SpawnOptions& options);

}  // namespace shim

#endif  // SUPERVISE_SHIM_LINUX_H_
