// The native host: core.wasm translated to C by wasm2c (build/native/core.{c,h}), its
// imports bound to shim/linux.cc, argv in, the exit status out. It decides nothing: the
// program is the Wasm's main(). A trap (an abort included) ends in shim::LastResort().
// Built with -DSUPERVISE_FAULT_INJECTION (build/supervise-fault, for tests only), the Nth
// call of import NAME traps when SUPERVISE_FAULT=NAME:N is set.
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../shim/linux.h"
#include "core.h"
#include "wasm-rt-impl.h"

// What the imports get as their first argument. Empty: there is one instance (g_core), and
// the imports address its memory.
struct Z_linux_instance_t {};
struct Z_env_instance_t {};

namespace {

// The numbers of assembly/protocol.ts and sys.ts come from the generated constants.h
// (through shim/linux.h): main()'s answer that this argv is for the full CLI (yargs),
// struct SpawnOptions and its flag bits.
constexpr int kExitFrontEnd = PROTO_EXIT_FRONT_END;
constexpr uint32_t kSpawnSelf = SYS_SPAWN_SELF, kSpawnMountProc = SYS_SPAWN_MOUNT_PROC;
constexpr uint32_t kSpawnFlags = SYS_SPAWN_FLAGS, kSpawnPdeathsig = SYS_SPAWN_PDEATHSIG,
                   kSpawnCloneFlags = SYS_SPAWN_CLONE_FLAGS, kSpawnUidMap = SYS_SPAWN_UID_MAP,
                   kSpawnGidMap = SYS_SPAWN_GID_MAP, kSpawnIgnored = SYS_SPAWN_IGNORED,
                   kSpawnMask = SYS_SPAWN_MASK, kSpawnCgroupProcs = SYS_SPAWN_CGROUP_PROCS,
                   kSpawnOptionsSize = SYS_SPAWN_OPTIONS_SIZE;

int g_argc;
char** g_argv;
Z_core_instance_t g_core;
Z_linux_instance_t g_linux;
Z_env_instance_t g_env;
bool g_aborted;  // env.abort said why already
// The signals the caller left ignored and blocked, read before this host changed any.
uint64_t g_caller_ignored, g_caller_blocked;

// One line to stderr in one write.
__attribute__((format(printf, 1, 2))) void Say(const char* format, ...) {
  char line[1024];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(line, sizeof line - 1, format, args);
  va_end(args);
  if (n < 0) return;
  if (n > static_cast<int>(sizeof line - 2)) n = sizeof line - 2;
  line[n] = '\n';
  shim::Write(2, line, n + 1);
}

// `length` bytes at Wasm address `ptr`, or a trap when they do not all lie in the memory.
uint8_t* Bytes(uint32_t ptr, uint64_t length) {
  wasm_rt_memory_t* memory = Z_coreZ_memory(&g_core);
  if (ptr + length > memory->size) wasm_rt_trap(WASM_RT_TRAP_OOB);
  return memory->data + ptr;
}

// `count` int32s at `ptr`, which must be 4-aligned (as for an Int32Array in the Node host).
int32_t* Ints(uint32_t ptr, uint32_t count) {
  if (ptr % alignof(int32_t) != 0) wasm_rt_trap(WASM_RT_TRAP_OOB);
  return reinterpret_cast<int32_t*>(Bytes(ptr, uint64_t{count} * sizeof(int32_t)));
}

uint32_t U32(uint32_t ptr) {
  uint32_t value;
  memcpy(&value, Bytes(ptr, sizeof value), sizeof value);
  return value;
}

void StoreU64(uint32_t ptr, uint64_t value) {
  memcpy(Bytes(ptr, sizeof value), &value, sizeof value);
}

// The NUL-terminated string at `ptr`; a trap when the NUL is not inside the memory.
char* CString(uint32_t ptr) {
  wasm_rt_memory_t* memory = Z_coreZ_memory(&g_core);
  if (ptr >= memory->size || memchr(memory->data + ptr, 0, memory->size - ptr) == nullptr) {
    wasm_rt_trap(WASM_RT_TRAP_OOB);
  }
  return reinterpret_cast<char*>(memory->data + ptr);
}

// An AssemblyScript string (UTF-16LE, its byte length as a u32 at ptr - 4) as UTF-8 in
// `out`, cut short to fit; "" for 0 or a string outside the memory.
void Utf8(uint32_t ptr, char* out, size_t size) {
  wasm_rt_memory_t* memory = Z_coreZ_memory(&g_core);
  size_t n = 0;
  if (ptr >= 4 && ptr <= memory->size) {
    uint32_t bytes;
    memcpy(&bytes, memory->data + ptr - 4, sizeof bytes);
    if (bytes <= memory->size - ptr) {
      const uint8_t* s = memory->data + ptr;
      for (uint32_t i = 0; i + 1 < bytes && n + 4 < size; i += 2) {
        uint32_t c = s[i] | s[i + 1] << 8;
        if (c >= 0xd800 && c < 0xdc00 && i + 3 < bytes) {  // a surrogate pair
          uint32_t low = s[i + 2] | s[i + 3] << 8;
          if (low >= 0xdc00 && low < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
            i += 2;
          }
        }
        if (c >= 0xd800 && c < 0xe000) c = 0xfffd;  // a lone surrogate
        if (c < 0x80) {
          out[n++] = static_cast<char>(c);
        } else if (c < 0x800) {
          out[n++] = static_cast<char>(0xc0 | c >> 6);
          out[n++] = static_cast<char>(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
          out[n++] = static_cast<char>(0xe0 | c >> 12);
          out[n++] = static_cast<char>(0x80 | (c >> 6 & 0x3f));
          out[n++] = static_cast<char>(0x80 | (c & 0x3f));
        } else {
          out[n++] = static_cast<char>(0xf0 | c >> 18);
          out[n++] = static_cast<char>(0x80 | (c >> 12 & 0x3f));
          out[n++] = static_cast<char>(0x80 | (c >> 6 & 0x3f));
          out[n++] = static_cast<char>(0x80 | (c & 0x3f));
        }
      }
    }
  }
  out[n] = '\0';
}

// The host's argument i + 1 (argv[0] is the program), or null past the last.
const char* Arg(uint32_t i) {
  return g_argc > 0 && i < static_cast<uint32_t>(g_argc - 1) ? g_argv[i + 1] : nullptr;
}

#ifdef SUPERVISE_FAULT_INJECTION
char g_fault_name[64];
long g_fault_calls_left;  // the call that faults when this reaches 0
char g_fault_kind[16];    // "" (a Wasm trap), "segv" (a real SIGSEGV), "abort" (abort())

// SUPERVISE_FAULT=NAME:N[:KIND] -> a fault in the Nth call of import NAME.
void ReadFault() {
  const char* spec = getenv("SUPERVISE_FAULT");
  const char* colon = spec != nullptr ? strchr(spec, ':') : nullptr;
  if (colon == nullptr || colon - spec >= static_cast<long>(sizeof g_fault_name)) return;
  memcpy(g_fault_name, spec, colon - spec);
  char* end;
  g_fault_calls_left = strtol(colon + 1, &end, 10);
  if (*end == ':') snprintf(g_fault_kind, sizeof g_fault_kind, "%s", end + 1);
}

void Fault(const char* name) {
  if (g_fault_calls_left > 0 && strcmp(name, g_fault_name) == 0 && --g_fault_calls_left == 0) {
    if (strcmp(g_fault_kind, "segv") == 0) {
      volatile int* volatile nowhere = nullptr;
      *nowhere = 0;
    }
    if (strcmp(g_fault_kind, "abort") == 0) abort();
    wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);
  }
}
#define FAULT(name) Fault(#name)
#else
#define FAULT(name) (void)0
#endif

int Spawn(uint32_t argv_ptr, uint32_t argc, uint32_t opts_ptr) {
  if (argc == 0) return -EINVAL;
  if (opts_ptr != 0) Bytes(opts_ptr, kSpawnOptionsSize);
  auto field = [&](uint32_t offset) { return opts_ptr != 0 ? U32(opts_ptr + offset) : 0; };
  uint32_t flags = field(kSpawnFlags);
  shim::SpawnOptions options;
  options.pdeathsig = static_cast<int>(field(kSpawnPdeathsig));
  options.clone_flags = static_cast<int>(field(kSpawnCloneFlags));
  options.uid_map = field(kSpawnUidMap) != 0 ? CString(field(kSpawnUidMap)) : nullptr;
  options.gid_map = field(kSpawnGidMap) != 0 ? CString(field(kSpawnGidMap)) : nullptr;
  options.mount_proc = (flags & kSpawnMountProc) != 0;
  options.ignored = field(kSpawnIgnored) | uint64_t{field(kSpawnIgnored + 4)} << 32;
  options.mask = field(kSpawnMask) | uint64_t{field(kSpawnMask + 4)} << 32;
  int cgroup_procs = static_cast<int>(field(kSpawnCgroupProcs));
  options.cgroup_procs_fd = cgroup_procs > 0 ? cgroup_procs : -1;

  Bytes(argv_ptr, uint64_t{argc} * 4);
  char** argv = static_cast<char**>(malloc((uint64_t{argc} + 1) * sizeof(char*)));
  if (argv == nullptr) return -ENOMEM;
  for (uint32_t i = 0; i < argc; i++) argv[i] = CString(U32(argv_ptr + 4 * i));
  argv[argc] = nullptr;
  const char* file = argv[0];
  if ((flags & kSpawnSelf) != 0) {
    file = "/proc/self/exe";
    if (g_argc > 0) argv[0] = g_argv[0];
  }
  int pid = shim::Spawn(file, argv, nullptr, options);
  free(argv);
  return pid;
}

}  // namespace

// The imports of core.wasm (assembly/linux.ts), in its order. Wasm i32 arrive as u32.
// One line each, a table to read down (ARCHITECTURE.md, "The Wasm contract").
// clang-format off
#define IMPORT(result, name, ...) result Z_linuxZ_##name(Z_linux_instance_t*, ##__VA_ARGS__)
extern "C" {
IMPORT(u32, getpid) { FAULT(getpid); return shim::GetPid(); }
IMPORT(u32, getpgid, u32 pid) { FAULT(getpgid); return shim::GetPgid(pid); }
IMPORT(u32, getuid) { FAULT(getuid); return shim::GetUid(); }
IMPORT(u32, geteuid) { FAULT(geteuid); return shim::GetEuid(); }
IMPORT(u32, getgid) { FAULT(getgid); return shim::GetGid(); }
IMPORT(u32, clockTicks) { FAULT(clockTicks); return shim::ClockTicks(); }
IMPORT(u32, getChildSubreaper) { FAULT(getChildSubreaper); return shim::GetChildSubreaper(); }
IMPORT(u32, setChildSubreaper, u32 on) {
  FAULT(setChildSubreaper);
  return shim::SetChildSubreaper(on != 0);
}
IMPORT(u32, argLen, u32 i) {
  FAULT(argLen);
  const char* arg = Arg(i);
  return arg != nullptr ? static_cast<u32>(strnlen(arg, INT32_MAX)) : static_cast<u32>(-1);
}
IMPORT(void, argRead, u32 i, u32 buf) {
  FAULT(argRead);
  if (const char* arg = Arg(i)) memcpy(Bytes(buf, strlen(arg)), arg, strlen(arg));
}
IMPORT(u32, waitid, u32 idtype, u32 id, u32 info, u32 options, u32 rusage) {
  FAULT(waitid);
  return shim::Waitid(idtype, id, Bytes(info, shim::kSiginfoSize), options,
                      rusage != 0 ? Bytes(rusage, shim::kRusageSize) : nullptr);
}
IMPORT(u32, kill, u32 pid, u32 sig) { FAULT(kill); return shim::Kill(pid, sig); }
IMPORT(u32, children, u32 buf, u32 capacity) {
  FAULT(children);
  return shim::ListChildren(Ints(buf, capacity), capacity);
}
IMPORT(u32, childrenOf, u32 pid, u32 buf, u32 capacity) {
  FAULT(childrenOf);
  return shim::ListChildrenOf(static_cast<int>(pid), Ints(buf, capacity), capacity);
}
IMPORT(u32, spawn, u32 argv, u32 argc, u32 opts) { FAULT(spawn); return Spawn(argv, argc, opts); }
IMPORT(u32, signals, u32 list, u32 count) {
  FAULT(signals);
  const int32_t* signals = Ints(list, count);
  int fd = shim::SignalPipe(signals, count);
  if (fd >= 0) {  // the handlers are in place: the rest as the caller had them (see main)
    uint64_t caught = 0;
    for (uint32_t i = 0; i < count; i++) {
      if (signals[i] >= 1 && signals[i] <= 64) caught |= uint64_t{1} << (signals[i] - 1);
    }
    shim::SetSignalMask(g_caller_blocked & ~caught);
  }
  return fd;
}
IMPORT(void, callerSignals, u32 out) {
  FAULT(callerSignals);
  StoreU64(out, g_caller_ignored);
  StoreU64(out + 8, g_caller_blocked);
}
IMPORT(u32, epollCreate) { FAULT(epollCreate); return shim::EpollCreate(); }
IMPORT(u32, epollCtl, u32 ep, u32 op, u32 fd, u32 events) {
  FAULT(epollCtl);
  return shim::EpollCtl(ep, op, fd, events);
}
IMPORT(u32, epollWait, u32 ep, u32 out, u32 max, u32 timeout_ms) {
  FAULT(epollWait);
  int n = static_cast<int>(max) < 0 ? 0 : static_cast<int>(max) > 256 ? 256 : max;  // shim's cap
  return shim::EpollWait(ep, Ints(out, 2 * n), max, timeout_ms);
}
IMPORT(u32, poll, u32 fd, u32 events, u32 timeout_ms) {
  FAULT(poll);
  return shim::Poll(fd, events, timeout_ms);
}
IMPORT(u32, read, u32 fd, u32 buf, u32 len) {
  FAULT(read);
  return shim::Read(fd, Bytes(buf, len), len);
}
IMPORT(u32, write, u32 fd, u32 buf, u32 len) {
  FAULT(write);
  return shim::Write(fd, Bytes(buf, len), len);
}
IMPORT(u32, open, u32 path, u32 flags, u32 mode) {
  FAULT(open);
  return shim::Open(CString(path), flags, mode);
}
IMPORT(u32, close, u32 fd) { FAULT(close); return shim::Close(fd); }
IMPORT(u32, mkdir, u32 path, u32 mode) { FAULT(mkdir); return shim::Mkdir(CString(path), mode); }
IMPORT(u32, rmdir, u32 path) { FAULT(rmdir); return shim::Rmdir(CString(path)); }
IMPORT(u32, fileSize, u32 fd) { FAULT(fileSize); return shim::FileSize(fd); }
IMPORT(u32, fileType, u32 fd) { FAULT(fileType); return shim::FileType(fd); }
IMPORT(u32, socketType, u32 fd) { FAULT(socketType); return shim::SocketType(fd); }
IMPORT(u32, sendRecords, u32 fd, u32 buf, u32 size, u32 count) {
  FAULT(sendRecords);
  return shim::SendMessages(fd, Bytes(buf, uint64_t{size} * count), size, count);
}
IMPORT(u32, fdGiven, u32 fd) { FAULT(fdGiven); int r = shim::FdFlags(fd); return r < 0 ? r : 0; }
IMPORT(u32, setCloexec, u32 fd, u32 on) { FAULT(setCloexec); return shim::SetCloexec(fd, on != 0); }
IMPORT(u64, realtimeUs) { FAULT(realtimeUs); return shim::RealtimeUs(); }
IMPORT(u64, boottimeUs) { FAULT(boottimeUs); return shim::BoottimeUs(); }
IMPORT(u64, monotonicMs) { FAULT(monotonicMs); return shim::MonotonicMs(); }
// clang-format on

// env.abort(message, file, line, column) from AssemblyScript's abort().
void Z_envZ_abort(Z_env_instance_t*, u32 message, u32 file, u32 line, u32 column) {
  char text[512], where[256];
  Utf8(message, text, sizeof text);
  Utf8(file, where, sizeof where);
  Say("supervise: internal error: core.wasm aborted: %s at %s:%u:%u", text, where, line, column);
  g_aborted = true;
  wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);
}
}  // extern "C"
#undef IMPORT

namespace {

// Replaces this process with the full CLI: <node> <root>/bin/supervise-node ARGS, root
// being the directory above the one this executable is in, node the one found at build
// time (SUPERVISE_NODE) if it is still there, else the first on PATH. SUPERVISE_CLI, when
// set, is the script instead (the npm package's bin entry sets it: the executable of a
// platform package has no bin/supervise-node beside it).
int RunFrontEnd(char** argv) {
  char root[PATH_MAX];
  char script[PATH_MAX + 32];
  const char* cli = getenv("SUPERVISE_CLI");
  if (cli != nullptr && *cli != '\0') {
    snprintf(script, sizeof script, "%s", cli);
  } else {
    if (realpath("/proc/self/exe", root) == nullptr) {
      Say("supervise: cannot find the full CLI: /proc/self/exe: %s", strerror(errno));
      return 1;
    }
    for (int up = 0; up < 2; up++) {
      if (char* slash = strrchr(root, '/')) *slash = '\0';
    }
    snprintf(script, sizeof script, "%s/bin/supervise-node", root);
  }
  if (access(script, R_OK) != 0) {
    Say("supervise: cannot run the full CLI: %s: %s", script, strerror(errno));
    return 1;
  }
  // Node resets every signal disposition and the mask before any code of ours runs: the
  // Node host learns what the caller ignored and blocked from here (cli/host.ts).
  char caller[40];
  snprintf(caller, sizeof caller, "%llx:%llx", static_cast<unsigned long long>(g_caller_ignored),
           static_cast<unsigned long long>(g_caller_blocked));
  setenv("SUPERVISE_CALLER_SIGNALS", caller, 1);
  // node, the flags of bin/supervise-node's #! line (constants.h), the script, ARGS, NULL.
  static const char* const kNodeFlags[] = NODE_HOST_FLAGS;
  constexpr int kFlags = sizeof kNodeFlags / sizeof kNodeFlags[0];
  const int head = 2 + kFlags;
  char** args = static_cast<char**>(calloc(g_argc + head + 1, sizeof(char*)));
  if (args == nullptr) {
    Say("supervise: cannot run the full CLI: %s", strerror(ENOMEM));
    return 1;
  }
  args[0] = const_cast<char*>("node");
  for (int i = 0; i < kFlags; i++) args[1 + i] = const_cast<char*>(kNodeFlags[i]);
  args[head - 1] = script;
  for (int i = 1; i < g_argc; i++) args[head + i - 1] = argv[i];
#ifdef SUPERVISE_NODE
  if (access(SUPERVISE_NODE, X_OK) == 0) {
    args[0] = const_cast<char*>(SUPERVISE_NODE);
    execv(SUPERVISE_NODE, args);
  }
#endif
  args[0] = const_cast<char*>("node");
  execvp("node", args);
  Say("supervise: cannot run the full CLI (%s): node: %s", script, strerror(errno));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  // What the caller ignored and blocked is CMD's (assembly/main.ts); then SIGPIPE is
  // ignored until core.wasm's handler is in place: a write to a gone reader is an EPIPE.
  shim::ReadSignalState(&g_caller_ignored, &g_caller_blocked);
  signal(SIGPIPE, SIG_IGN);
  // Until core.wasm's handlers are in place a signal would meet its default action and
  // end supervise with its tree alive: every signal but the faults waits blocked, pending,
  // until the signals import (and a front end's Node learns the caller's mask from us).
  constexpr uint64_t kFaults = uint64_t{1} << (SIGSEGV - 1) | uint64_t{1} << (SIGBUS - 1) |
                               uint64_t{1} << (SIGILL - 1) | uint64_t{1} << (SIGFPE - 1) |
                               uint64_t{1} << (SIGTRAP - 1) | uint64_t{1} << (SIGSYS - 1) |
                               uint64_t{1} << (SIGABRT - 1);
  shim::SetSignalMask(~kFaults);
  g_argc = argc;
  g_argv = argv;
#ifdef SUPERVISE_FAULT_INJECTION
  ReadFault();
#endif
  wasm_rt_init();
  Z_core_init_module();
  wasm_rt_trap_t trap = static_cast<wasm_rt_trap_t>(wasm_rt_impl_try());
  if (trap != WASM_RT_TRAP_NONE) {
    if (!g_aborted) Say("supervise: internal error: %s", wasm_rt_strerror(trap));
    return shim::LastResort();
  }
  Z_core_instantiate(&g_core, &g_env, &g_linux);
  int status = static_cast<int32_t>(Z_coreZ_main(&g_core));
  return status == kExitFrontEnd ? RunFrontEnd(argv) : status;
}
