// The system calls behind the shim: plain functions returning a result or -errno.
// No N-API here (addon.cc does the JavaScript side), no policy, never exit or abort.
#include "linux.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <vector>

extern char** environ;

namespace shim {

namespace {

// A decimal number filling all of `s`, or -1.
int ParsePid(const char* s) {
  if (*s == '\0') return -1;
  long n = 0;
  for (; *s != '\0'; s++) {
    if (*s < '0' || *s > '9' || n > 0x7fffffff / 10) return -1;
    n = n * 10 + (*s - '0');
  }
  return static_cast<int>(n);
}

// Appends every decimal number of the text read from `fd` ("12 345 ") to out[], counting
// past `capacity` without writing.
int ReadPidList(int fd, int32_t* out, size_t capacity, size_t* count) {
  char buf[4096];
  long pid = -1;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    for (ssize_t i = 0; i <= n; i++) {
      bool digit = i < n && buf[i] >= '0' && buf[i] <= '9';
      if (digit) {
        pid = (pid < 0 ? 0 : pid * 10) + (buf[i] - '0');
      } else if (pid >= 0 && (i < n || n == 0)) {
        if (*count < capacity) out[*count] = static_cast<int32_t>(pid);
        ++*count;
        pid = -1;
      }
    }
    if (n == 0) return 0;
  }
}

// The parent pid in /proc/<pid>/stat: "pid (comm) state ppid ...". comm may hold spaces
// and ')', so the fields start after the last ')'.
int ReadStatPpid(int pid) {
  char path[48];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  char buf[1024];
  ssize_t n;
  do n = read(fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  if (n < 0) return -err;
  buf[n] = '\0';
  const char* end = strrchr(buf, ')');
  if (end == nullptr) return -EINVAL;
  char state;
  int ppid;
  if (sscanf(end + 1, " %c %d", &state, &ppid) != 2) return -EINVAL;
  return ppid;
}

// The signal pipe: written by OnSignal in any thread, read by the event loop.
int signal_pipe[2] = {-1, -1};
std::mutex signal_pipe_mutex;

// Whether `sig` is a synchronous fault of this very process: raised by the kernel for an
// instruction of ours (a positive si_code, SI_KERNEL included), or sent by this process
// to itself (abort() raises SIGABRT so). Returning from the handler would run the faulting
// instruction again, or let abort() end the process with its tree alive.
bool OwnFault(int sig, const siginfo_t* info) {
  switch (sig) {
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGTRAP:
    case SIGSYS:
    case SIGABRT:
      return info == nullptr || info->si_code > 0 || info->si_pid == getpid();
    default:
      return false;
  }
}

// Async-signal-safe: one line to stderr, then the last-resort tear-down, then _exit.
[[noreturn]] void DieOfFault(int sig, int code) {
  char line[96] = "supervise: internal error: fatal signal ";
  size_t n = strlen(line);
  auto number = [&](int v) {
    char digits[12];
    int k = 0;
    unsigned u = v < 0 ? 0u - static_cast<unsigned>(v) : static_cast<unsigned>(v);
    do digits[k++] = static_cast<char>('0' + u % 10);
    while ((u /= 10) != 0 && k < 11);
    if (v < 0) line[n++] = '-';
    while (k > 0) line[n++] = digits[--k];
  };
  number(sig);
  memcpy(line + n, " (si_code ", 10);
  n += 10;
  number(code);
  memcpy(line + n, "): killing the tree\n", 20);
  n += 20;
  if (write(2, line, n) < 0) {
    // stderr gone: the tear-down matters more
  }
  _exit(LastResort());
}

void OnSignal(int sig, siginfo_t* info, void*) {
  if (OwnFault(sig, info)) DieOfFault(sig, info != nullptr ? info->si_code : 0);
  int saved = errno;
  // One whole record per write (16 <= PIPE_BUF: atomic, never split or interleaved).
  SignalRecord record = {sig, 0, 0, 0};
  if (info != nullptr) {
    record.code = info->si_code;
    if (info->si_code <= 0) record.pid = info->si_pid;  // kill, sigqueue, tgkill
  }
  if (write(signal_pipe[1], &record, sizeof record) < 0) {
    // Full pipe: a wake-up is pending already.
  }
  errno = saved;
}

// struct k_sigaction of the raw rt_sigaction system call (glibc's sigaction refuses its
// own signals 32 and 33).
struct KernelSigaction {
  void* handler;
  unsigned long flags;
  void* restorer;
  uint64_t mask;
};

const char kDefaultPath[] = "/usr/local/bin:/usr/bin:/bin";

// What the child of Spawn needs, all allocated before fork.
struct ChildPlan {
  char* const* argv;
  char* const* envp;
  std::vector<std::string> candidates;  // paths to try in order
  std::vector<char*> script_argv;       // {"/bin/sh", <candidate>, argv[1..], NULL}
  const int* fds;
  int* temp_fds;
  int nfds;
  int error_fd;
  pid_t parent;
  const SpawnOptions* options;
};

// Writes all of `text` to `path` (a /proc file) -> 0 | -1 with errno.
int WriteFile(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = strlen(text);
  ssize_t n = write(fd, text, len);
  int err = errno;
  close(fd);
  errno = err;
  return n == static_cast<ssize_t>(len) ? 0 : -1;
}

// Between fork and execve: async-signal-safe calls only, no allocation.
[[noreturn]] void RunChild(ChildPlan& plan) {
  int err = 0;
  const SpawnOptions& o = *plan.options;
  // Every disposition SIG_DFL but those asked to be SIG_IGN, through the raw system call:
  // glibc's sigaction refuses its own signals (32, 33), and one of them ignored would stay
  // ignored through execve (GNU make, for one, starts its recipes so): those are SIG_DFL.
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    bool ignore = sig != 32 && sig != 33 && (o.ignored >> (sig - 1) & 1) != 0;
    KernelSigaction action = {ignore ? reinterpret_cast<void*>(SIG_IGN) : nullptr, 0, nullptr, 0};
    syscall(SYS_rt_sigaction, sig, &action, nullptr, sizeof action.mask);
  }
  // The raw system call: glibc's sigprocmask leaves its own signals (32, 33) as they were.
  uint64_t mask = o.mask & ~(uint64_t{1} << (32 - 1) | uint64_t{1} << (33 - 1));
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, nullptr, sizeof mask);

  // Into the cgroup first, so that whatever CMD starts is born there.
  if (o.cgroup_procs_fd >= 0 && write(o.cgroup_procs_fd, "0", 1) != 1) goto fail;

  // Namespaces (clone_flags): identity maps first, then a /proc of the new PID namespace.
  if (o.uid_map != nullptr) {
    if (WriteFile("/proc/self/setgroups", "deny") < 0 && errno != ENOENT) goto fail;
    if (WriteFile("/proc/self/uid_map", o.uid_map) < 0) goto fail;
    if (o.gid_map != nullptr && WriteFile("/proc/self/gid_map", o.gid_map) < 0) goto fail;
  }
  if (o.mount_proc) {
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) goto fail;
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) < 0) goto fail;
  }

  // fd i = fds[i]: first move every source above the highest target, so that mapping one
  // fd cannot overwrite the source of another; the copies are CLOEXEC.
  for (int i = 0; i < plan.nfds; i++) {
    int src = plan.fds[i];
    if (src >= 0 && src != i) {
      plan.temp_fds[i] = fcntl(src, F_DUPFD_CLOEXEC, plan.nfds);
      if (plan.temp_fds[i] < 0) goto fail;
    }
  }
  for (int i = 0; i < plan.nfds; i++) {
    int src = plan.fds[i];
    if (src < 0) {
      close(i);
    } else if (src == i) {
      if (fcntl(i, F_SETFD, 0) < 0) goto fail;
    } else if (dup2(plan.temp_fds[i], i) < 0) {
      goto fail;
    }
  }
  if (plan.options->setsid && setsid() < 0) goto fail;
  if (plan.options->cwd != nullptr && chdir(plan.options->cwd) < 0) goto fail;
  if (plan.options->pdeathsig != 0) {
    if (prctl(PR_SET_PDEATHSIG, plan.options->pdeathsig) < 0) goto fail;
    // The parent may have died before the prctl: then nobody would ever send the signal.
    // (In a new PID namespace getppid() is 0 and tells nothing.)
    if ((o.clone_flags & CLONE_NEWPID) == 0 && getppid() != plan.parent) {
      kill(getpid(), plan.options->pdeathsig);
      _exit(PROTO_EXIT_NOT_FOUND);  // what execvp callers exit with; the parent reads err
    }
  }
  {
    // As execvp: skip candidates that are missing or not executable by us, report EACCES
    // if one was denied and nothing better was found, stop at any other error.
    bool denied = false, stopped = false;
    err = ENOENT;
    for (const std::string& path : plan.candidates) {
      execve(path.c_str(), plan.argv, plan.envp);
      err = errno;
      if (err == ENOEXEC) {  // no #! line: run it with the shell, as execvp does
        plan.script_argv[1] = const_cast<char*>(path.c_str());
        execve(plan.script_argv[0], plan.script_argv.data(), plan.envp);
        err = errno;
      }
      if (err == EACCES) {
        denied = true;
      } else if (err != ENOENT && err != ENOTDIR && err != ESTALE && err != ENODEV &&
                 err != ETIMEDOUT) {
        stopped = true;
        break;
      }
    }
    if (denied && !stopped) err = EACCES;
    if (write(plan.error_fd, &err, sizeof err) < 0) {
      // The parent is gone; nothing to tell.
    }
    _exit(PROTO_EXIT_NOT_FOUND);  // what execvp callers exit with; the parent reads err
  }
fail:
  err = errno;
  if (write(plan.error_fd, &err, sizeof err) < 0) {
  }
  _exit(PROTO_EXIT_NOT_FOUND);  // what execvp callers exit with; the parent reads err
}

}  // namespace

int GetPid() { return getpid(); }

int GetPgid(int pid) {
  pid_t pgid = getpgid(pid);
  return pgid < 0 ? -errno : static_cast<int>(pgid);
}

int SetChildSubreaper(bool on) {
  return prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0) < 0 ? -errno : 0;
}

int GetChildSubreaper() {
  int on = 0;
  return prctl(PR_GET_CHILD_SUBREAPER, &on, 0, 0, 0) < 0 ? -errno : on;
}

int Kill(int pid, int sig) { return kill(pid, sig) < 0 ? -errno : 0; }

int Waitid(int idtype, int id, void* info, int options, void* rusage) {
  memset(info, 0, kSiginfoSize);
  long r = syscall(SYS_waitid, idtype, id, info, options, rusage);
  return r < 0 ? -errno : 0;
}

int ReadChildrenOf(int pid, int32_t* out, size_t capacity) {
  char task[48];
  if (pid == 0)
    snprintf(task, sizeof task, "/proc/self/task");
  else
    snprintf(task, sizeof task, "/proc/%d/task", pid);
  DIR* dir = opendir(task);
  if (dir == nullptr) return -errno;
  const int leader = pid == 0 ? getpid() : pid;
  size_t count = 0;
  int result = 0;
  while (struct dirent* entry = readdir(dir)) {
    int tid = ParsePid(entry->d_name);
    if (tid <= 0) continue;
    char path[80];
    snprintf(path, sizeof path, "%s/%d/children", task, tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    // A thread that ended since readdir is skipped; the main thread's file missing means
    // the kernel has no CONFIG_PROC_CHILDREN (or, for another pid, that it is gone).
    if (fd < 0 && (errno == ENOENT || errno == ESRCH) && tid != leader) continue;
    if (fd < 0) {
      result = -errno;
      break;
    }
    int r = ReadPidList(fd, out, capacity, &count);
    close(fd);
    if (r < 0 && r != -ESRCH) {
      result = r;
      break;
    }
  }
  closedir(dir);
  return result < 0 ? result : static_cast<int>(count);
}

int ReadChildren(int32_t* out, size_t capacity) { return ReadChildrenOf(0, out, capacity); }

int ScanChildrenOf(int pid, int32_t* out, size_t capacity) {
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return -errno;
  const int parent = pid == 0 ? getpid() : pid;
  size_t count = 0;
  while (struct dirent* entry = readdir(dir)) {
    int p = ParsePid(entry->d_name);
    if (p <= 0 || ReadStatPpid(p) != parent) continue;  // gone since readdir: skipped
    if (count < capacity) out[count] = p;
    count++;
  }
  closedir(dir);
  return static_cast<int>(count);
}

int ScanChildren(int32_t* out, size_t capacity) { return ScanChildrenOf(0, out, capacity); }

int ListChildrenOf(int pid, int32_t* out, size_t capacity) {
  int n = ReadChildrenOf(pid, out, capacity);
  if (n != -ENOENT) return n;
  // No children lists in this kernel, or `pid` is gone (then it has no children either).
  if (pid != 0) {
    char path[48];
    snprintf(path, sizeof path, "/proc/%d", pid);
    if (access(path, F_OK) < 0) return 0;
  }
  return ScanChildrenOf(pid, out, capacity);
}

int ListChildren(int32_t* out, size_t capacity) { return ListChildrenOf(0, out, capacity); }

namespace {

// SIGKILLs every child listed now -> how many there are, or -errno when they cannot be
// listed at all. The list grows on the heap when the stack's is too small.
int KillChildren() {
  int32_t stack[256];
  int32_t* pids = stack;
  size_t capacity = sizeof stack / sizeof stack[0];
  int n = ListChildren(pids, capacity);
  if (n < 0) n = ScanChildren(pids, capacity);
  while (n > static_cast<int>(capacity)) {
    size_t wanted = static_cast<size_t>(n) + 64;
    void* more = realloc(pids == stack ? nullptr : pids, wanted * sizeof *pids);
    if (more == nullptr) break;  // kill the ones that fit; the next round lists again
    pids = static_cast<int32_t*>(more);
    capacity = wanted;
    n = ListChildren(pids, capacity);
    if (n < 0) n = ScanChildren(pids, capacity);
  }
  // Only pids that are our children now (a /proc of another PID namespace would list
  // numbers that mean other processes here); they stay ours until we reap them.
  siginfo_t info;
  for (int i = 0; i < n && i < static_cast<int>(capacity); i++) {
    if (waitid(P_PID, pids[i], &info, WEXITED | WNOHANG | WNOWAIT) == 0) kill(pids[i], SIGKILL);
  }
  if (pids != stack) free(pids);
  return n;
}

}  // namespace

// A child can only become ours when one of our children or descendants dies, and a child
// of ours that dies wakes the blocking waitid: so after each wake-up (and the reaping of
// whatever else is ready) the children are listed and killed again.
int LastResort() {
  // No signal may end this process half-way (a default action would leave the rest alive).
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  siginfo_t info;
  for (;;) {
    KillChildren();
    if (waitid(P_ALL, 0, &info, WEXITED) < 0) {
      if (errno == EINTR) continue;
      return kLastResortStatus;  // ECHILD: no child left
    }
    do info.si_pid = 0;
    while (waitid(P_ALL, 0, &info, WEXITED | WNOHANG) == 0 && info.si_pid != 0);
  }
}

int SignalPipe(const int* signals, size_t count) {
  std::lock_guard<std::mutex> lock(signal_pipe_mutex);
  if (signal_pipe[0] < 0) {
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) return -errno;
    signal_pipe[1] = fds[1];
    signal_pipe[0] = fds[0];
  }
  // A fault handler needs a stack of its own: the fault may be an overflow of this one.
  static char alt_stack[64 * 1024];
  stack_t alt = {alt_stack, 0, sizeof alt_stack};
  sigaltstack(&alt, nullptr);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = OnSignal;
  action.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP | SA_ONSTACK;
  sigfillset(&action.sa_mask);
  sigset_t set;
  sigemptyset(&set);
  for (size_t i = 0; i < count; i++) {
    if (sigaction(signals[i], &action, nullptr) < 0) return -errno;
    sigaddset(&set, signals[i]);
  }
  int err = pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  return err != 0 ? -err : signal_pipe[0];
}

namespace {

// The ignored set from /proc/self/status's `SigIgn:` line (hex, signal N is bit N-1): three
// system calls where asking each disposition takes 64 (measured here: ~12 us against ~70 us).
// false when /proc cannot say (not mounted, or a /proc where this process has no pid).
bool ReadIgnoredFromProc(uint64_t* ignored) {
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[4096];
  size_t have = 0;
  ssize_t n;
  while (have < sizeof buf - 1 && (n = read(fd, buf + have, sizeof buf - 1 - have)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    have += static_cast<size_t>(n);
  }
  close(fd);
  buf[have] = 0;
  const char* line = strstr(buf, "\nSigIgn:\t");
  if (line == nullptr) return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long bits = strtoull(line + 9, &end, 16);
  if (errno != 0 || end == line + 9 || *end != '\n') return false;
  *ignored = bits;
  return true;
}

}  // namespace

void ReadSignalState(uint64_t* ignored, uint64_t* blocked) {
  *ignored = 0;
  if (!ReadIgnoredFromProc(ignored)) {
    for (int sig = 1; sig < NSIG; sig++) {
      KernelSigaction old = {nullptr, 0, nullptr, 0};
      if (syscall(SYS_rt_sigaction, sig, nullptr, &old, sizeof old.mask) == 0 &&
          old.handler == reinterpret_cast<void*>(SIG_IGN)) {
        *ignored |= uint64_t{1} << (sig - 1);
      }
    }
  }
  *blocked = 0;
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, nullptr, blocked, sizeof *blocked);
}

void SetSignalMask(uint64_t mask) {
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, nullptr, sizeof mask);
}

int Pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC) < 0 ? -errno : 0; }

int SocketPair(int type, int fds[2]) {
  return socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) < 0 ? -errno : 0;
}

int Shutdown(int fd, int how) { return shutdown(fd, how) < 0 ? -errno : 0; }

int SocketType(int fd) {
  int type = 0;
  socklen_t length = sizeof type;
  return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) < 0 ? -errno : type;
}

int SendMessages(int fd, const void* buf, size_t size, size_t count) {
  constexpr size_t kMax = 64;
  if (count > kMax) count = kMax;
  struct iovec iov[kMax];
  struct mmsghdr messages[kMax];
  memset(messages, 0, count * sizeof messages[0]);
  for (size_t i = 0; i < count; i++) {
    iov[i].iov_base = const_cast<char*>(static_cast<const char*>(buf) + i * size);
    iov[i].iov_len = size;
    messages[i].msg_hdr.msg_iov = &iov[i];
    messages[i].msg_hdr.msg_iovlen = 1;
  }
  int n;
  do n = sendmmsg(fd, messages, static_cast<unsigned>(count), MSG_DONTWAIT | MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : n;
}

int EpollCreate() {
  int fd = epoll_create1(EPOLL_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

int EpollCtl(int epfd, int op, int fd, uint32_t events) {
  struct epoll_event event;
  memset(&event, 0, sizeof event);
  event.events = events;
  event.data.fd = fd;
  return epoll_ctl(epfd, op, fd, &event) < 0 ? -errno : 0;
}

int EpollWait(int epfd, int32_t* out, int max_events, int timeout_ms) {
  struct epoll_event events[256];
  if (max_events > 256) max_events = 256;
  if (max_events <= 0) return -EINVAL;
  int n = epoll_wait(epfd, events, max_events, timeout_ms);
  if (n < 0) return -errno;
  for (int i = 0; i < n; i++) {
    out[2 * i] = events[i].data.fd;
    out[2 * i + 1] = static_cast<int32_t>(events[i].events);
  }
  return n;
}

int Poll(int fd, int events, int timeout_ms) {
  struct pollfd p = {fd, static_cast<short>(events), 0};
  int n = poll(&p, 1, timeout_ms);
  if (n < 0) return -errno;
  return n == 0 ? 0 : p.revents;
}

int Read(int fd, void* buf, size_t length) {
  ssize_t n;
  do n = read(fd, buf, length);
  while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : static_cast<int>(n);
}

int Write(int fd, const void* buf, size_t length) {
  ssize_t n;
  do n = write(fd, buf, length);
  while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : static_cast<int>(n);
}

int Close(int fd) { return close(fd) < 0 ? -errno : 0; }

int Open(const char* path, int flags, int mode) {
  int fd;
  do fd = open(path, flags | O_CLOEXEC, mode);
  while (fd < 0 && errno == EINTR);
  return fd < 0 ? -errno : fd;
}

int FileType(int fd) {
  struct stat st;
  if (fstat(fd, &st) < 0) return -errno;
  return static_cast<int>(st.st_mode & S_IFMT);
}

int FileSize(int fd) {
  struct stat st;
  if (fstat(fd, &st) < 0) return -errno;
  return st.st_size > INT32_MAX ? INT32_MAX : static_cast<int>(st.st_size);
}

int FdFlags(int fd) {
  int flags = fcntl(fd, F_GETFD);
  return flags < 0 ? -errno : flags;
}

int SetNonblocking(int fd, bool on) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return -errno;
  int wanted = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
  if (wanted != flags && fcntl(fd, F_SETFL, wanted) < 0) return -errno;
  return 0;
}

int SetCloexec(int fd, bool on) {
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return -errno;
  int wanted = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
  if (wanted != flags && fcntl(fd, F_SETFD, wanted) < 0) return -errno;
  return 0;
}

int ClockTicks() {
  long ticks = sysconf(_SC_CLK_TCK);
  return ticks < 0 ? -errno : static_cast<int>(ticks);
}

int64_t RealtimeUs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int64_t BoottimeUs() {
  struct timespec ts;
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int64_t MonotonicMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int GetUid() { return static_cast<int>(getuid()); }

int Mkdir(const char* path, int mode) {
  return mkdir(path, static_cast<mode_t>(mode)) < 0 ? -errno : 0;
}

int Rmdir(const char* path) { return rmdir(path) < 0 ? -errno : 0; }

int GetEuid() { return static_cast<int>(geteuid()); }

int GetGid() { return static_cast<int>(getgid()); }

int Spawn(const char* file, char* const argv[], char* const envp[], const SpawnOptions& options) {
  if (*file == '\0') return -ENOENT;
  ChildPlan plan;
  plan.argv = argv;
  plan.envp = envp != nullptr ? envp : environ;
  plan.options = &options;
  plan.parent = getpid();

  // The paths to try, built here because the child must not allocate.
  if (strchr(file, '/') != nullptr) {
    plan.candidates.emplace_back(file);
  } else {
    const char* path = nullptr;
    for (char* const* e = plan.envp; *e != nullptr && path == nullptr; e++) {
      if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
    }
    if (path == nullptr) path = kDefaultPath;
    for (const char* p = path;; p++) {
      const char* end = strchrnul(p, ':');
      std::string dir(p, end);  // empty: the current directory
      plan.candidates.push_back(dir.empty() ? std::string(file) : dir + "/" + file);
      if (*end == '\0') break;
      p = end;
    }
  }
  size_t argc = 0;
  while (argv[argc] != nullptr) argc++;
  plan.script_argv.push_back(const_cast<char*>("/bin/sh"));
  plan.script_argv.push_back(nullptr);
  for (size_t i = 1; i < argc; i++) plan.script_argv.push_back(argv[i]);
  plan.script_argv.push_back(nullptr);

  // The fds to map must be open now (and cannot be taken by the error pipe below).
  plan.nfds = static_cast<int>(options.nfds);
  plan.fds = options.fds;
  for (int i = 0; i < plan.nfds; i++) {
    if (plan.fds[i] >= 0 && fcntl(plan.fds[i], F_GETFD) < 0) return -errno;
  }
  std::vector<int> temp_fds(options.nfds + 1, -1);
  plan.temp_fds = temp_fds.data();

  // exec failure travels back through a CLOEXEC pipe: EOF means execve succeeded. Its
  // write end must stay clear of the child's target fds.
  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) < 0) return -errno;
  if (error_pipe[1] < plan.nfds) {
    int moved = fcntl(error_pipe[1], F_DUPFD_CLOEXEC, plan.nfds);
    int err = errno;
    close(error_pipe[1]);
    if (moved < 0) {
      close(error_pipe[0]);
      return -err;
    }
    error_pipe[1] = moved;
  }
  plan.error_fd = error_pipe[1];

  // No signal handler of ours may run in the child before it resets the dispositions.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = options.clone_flags == 0
                  ? fork()
                  : static_cast<pid_t>(syscall(SYS_clone, options.clone_flags | SIGCHLD, nullptr,
                                               nullptr, nullptr, nullptr));
  if (pid == 0) RunChild(plan);
  int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  close(error_pipe[1]);
  if (pid < 0) {
    close(error_pipe[0]);
    return -fork_errno;
  }
  int child_errno = 0;
  ssize_t n;
  do n = read(error_pipe[0], &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  close(error_pipe[0]);
  if (n != static_cast<ssize_t>(sizeof child_errno)) return pid;
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return -child_errno;
}

}  // namespace shim
