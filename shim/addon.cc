// JavaScript glue for linux.cc: unpack the arguments, call, return a Napi::Number.
// Misuse (wrong arity or types) throws a TypeError naming the JS signature; everything
// else is a value, >= 0 or -errno. C++ exceptions are enabled (NAPI_CPP_EXCEPTIONS).
// The API is typed by cli/shim.ts.
#include <napi.h>

#include <cmath>
#include <string>
#include <vector>

#include "linux.h"

namespace {

[[noreturn]] void Usage(Napi::Env env, const char* usage) {
  throw Napi::TypeError::New(env, std::string("Usage: ") + usage);
}

bool IsInteger(const Napi::Value& value, double min, double max) {
  if (!value.IsNumber()) return false;
  double d = value.As<Napi::Number>().DoubleValue();
  return std::trunc(d) == d && d >= min && d <= max;
}

int32_t Int(const Napi::CallbackInfo& info, size_t i, const char* usage) {
  if (!IsInteger(info[i], INT32_MIN, INT32_MAX)) Usage(info.Env(), usage);
  return info[i].As<Napi::Number>().Int32Value();
}

// Bit masks: JS `|` makes EPOLLET (1 << 31) negative, so int32 and uint32 both pass.
uint32_t Bits(const Napi::CallbackInfo& info, size_t i, const char* usage) {
  if (!IsInteger(info[i], INT32_MIN, UINT32_MAX)) Usage(info.Env(), usage);
  return info[i].As<Napi::Number>().Uint32Value();
}

bool Bool(const Napi::CallbackInfo& info, size_t i, const char* usage) {
  if (!info[i].IsBoolean()) Usage(info.Env(), usage);
  return info[i].As<Napi::Boolean>().Value();
}

template <typename Array>
Array Typed(const Napi::Value& value, napi_typedarray_type type, size_t min_length, Napi::Env env,
            const char* usage) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type ||
      value.As<Array>().ElementLength() < min_length) {
    Usage(env, usage);
  }
  return value.As<Array>();
}

// A string without NUL bytes (execve would cut it short).
std::string CString(const Napi::Value& value, Napi::Env env, const char* usage) {
  if (!value.IsString()) Usage(env, usage);
  std::string s = value.As<Napi::String>().Utf8Value();
  if (s.find('\0') != std::string::npos) Usage(env, usage);
  return s;
}

// A JS array of strings as a NULL-terminated char* array; `storage` owns the bytes.
std::vector<char*> CStringArray(const Napi::Value& value, std::vector<std::string>& storage,
                                Napi::Env env, const char* usage) {
  if (!value.IsArray()) Usage(env, usage);
  Napi::Array array = value.As<Napi::Array>();
  storage.clear();
  for (uint32_t i = 0; i < array.Length(); i++) storage.push_back(CString(array[i], env, usage));
  std::vector<char*> pointers;
  for (std::string& s : storage) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

std::vector<int> IntArray(const Napi::Value& value, Napi::Env env, const char* usage) {
  if (!value.IsArray()) Usage(env, usage);
  Napi::Array array = value.As<Napi::Array>();
  std::vector<int> ints;
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value v = array[i];
    if (!IsInteger(v, INT32_MIN, INT32_MAX)) Usage(env, usage);
    ints.push_back(v.As<Napi::Number>().Int32Value());
  }
  return ints;
}

Napi::Number Result(Napi::Env env, int result) { return Napi::Number::New(env, result); }

// ---

Napi::Value GetPid(const Napi::CallbackInfo& info) { return Result(info.Env(), shim::GetPid()); }

Napi::Value GetPgid(const Napi::CallbackInfo& info) {
  return Result(info.Env(), shim::GetPgid(Int(info, 0, "getpgid(pid: number)")));
}

Napi::Value SetChildSubreaper(const Napi::CallbackInfo& info) {
  bool on = Bool(info, 0, "setChildSubreaper(on: boolean)");
  return Result(info.Env(), shim::SetChildSubreaper(on));
}

Napi::Value GetChildSubreaper(const Napi::CallbackInfo& info) {
  return Result(info.Env(), shim::GetChildSubreaper());
}

Napi::Value Kill(const Napi::CallbackInfo& info) {
  const char* usage = "kill(pid, sig)";
  int pid = Int(info, 0, usage);
  int sig = Int(info, 1, usage);
  return Result(info.Env(), shim::Kill(pid, sig));
}

Napi::Value Waitid(const Napi::CallbackInfo& info) {
  const char* usage =
      "waitid(idtype, id, info, options, rusage?): info is a Uint8Array of at least 128 "
      "bytes, rusage one of at least 144";
  Napi::Env env = info.Env();
  int idtype = Int(info, 0, usage);
  int id = Int(info, 1, usage);
  auto siginfo = Typed<Napi::Uint8Array>(info[2], napi_uint8_array, shim::kSiginfoSize, env, usage);
  int options = Int(info, 3, usage);
  void* rusage = nullptr;
  if (!info[4].IsUndefined() && !info[4].IsNull()) {
    rusage =
        Typed<Napi::Uint8Array>(info[4], napi_uint8_array, shim::kRusageSize, env, usage).Data();
  }
  return Result(env, shim::Waitid(idtype, id, siginfo.Data(), options, rusage));
}

Napi::Value ReadChildren(const Napi::CallbackInfo& info) {
  auto out = Typed<Napi::Int32Array>(info[0], napi_int32_array, 0, info.Env(),
                                     "readChildren(out: Int32Array)");
  return Result(info.Env(), shim::ReadChildren(out.Data(), out.ElementLength()));
}

Napi::Value ScanChildren(const Napi::CallbackInfo& info) {
  auto out = Typed<Napi::Int32Array>(info[0], napi_int32_array, 0, info.Env(),
                                     "scanChildren(out: Int32Array)");
  return Result(info.Env(), shim::ScanChildren(out.Data(), out.ElementLength()));
}

Napi::Value ListChildren(const Napi::CallbackInfo& info) {
  auto out = Typed<Napi::Int32Array>(info[0], napi_int32_array, 0, info.Env(),
                                     "listChildren(out: Int32Array)");
  return Result(info.Env(), shim::ListChildren(out.Data(), out.ElementLength()));
}

Napi::Value ListChildrenOf(const Napi::CallbackInfo& info) {
  const char* usage = "listChildrenOf(pid: number, out: Int32Array)";
  int pid = Int(info, 0, usage);
  auto out = Typed<Napi::Int32Array>(info[1], napi_int32_array, 0, info.Env(), usage);
  return Result(info.Env(), shim::ListChildrenOf(pid, out.Data(), out.ElementLength()));
}

Napi::Value LastResort(const Napi::CallbackInfo& info) {
  return Result(info.Env(), shim::LastResort());
}

Napi::Value SignalPipe(const Napi::CallbackInfo& info) {
  std::vector<int> signals = IntArray(info[0], info.Env(), "signalPipe(signals: number[])");
  return Result(info.Env(), shim::SignalPipe(signals.data(), signals.size()));
}

Napi::Value Pipe(const Napi::CallbackInfo& info) {
  auto out = Typed<Napi::Int32Array>(info[0], napi_int32_array, 2, info.Env(),
                                     "pipe(fds: Int32Array): fds has room for 2");
  int fds[2];
  int r = shim::Pipe(fds);
  if (r == 0) {
    out[0] = fds[0];
    out[1] = fds[1];
  }
  return Result(info.Env(), r);
}

Napi::Value EpollCreate(const Napi::CallbackInfo& info) {
  return Result(info.Env(), shim::EpollCreate());
}

Napi::Value EpollCtl(const Napi::CallbackInfo& info) {
  const char* usage = "epollCtl(epfd, op, fd, events)";
  int epfd = Int(info, 0, usage);
  int op = Int(info, 1, usage);
  int fd = Int(info, 2, usage);
  uint32_t events = Bits(info, 3, usage);
  return Result(info.Env(), shim::EpollCtl(epfd, op, fd, events));
}

Napi::Value EpollWait(const Napi::CallbackInfo& info) {
  const char* usage = "epollWait(epfd, out, timeoutMs): out is an Int32Array of at least 2";
  int epfd = Int(info, 0, usage);
  auto out = Typed<Napi::Int32Array>(info[1], napi_int32_array, 2, info.Env(), usage);
  int timeout = Int(info, 2, usage);
  int max_events = static_cast<int>(std::min<size_t>(out.ElementLength() / 2, 256));
  return Result(info.Env(), shim::EpollWait(epfd, out.Data(), max_events, timeout));
}

Napi::Value Poll(const Napi::CallbackInfo& info) {
  const char* usage = "poll(fd, events, timeoutMs)";
  int fd = Int(info, 0, usage);
  int events = Int(info, 1, usage);
  int timeout = Int(info, 2, usage);
  return Result(info.Env(), shim::Poll(fd, events, timeout));
}

// read/write(fd, buf, offset, length) with buf[offset, offset + length) inside buf.
template <bool kWrite>
Napi::Value ReadWrite(const Napi::CallbackInfo& info) {
  const char* usage = kWrite ? "write(fd, buf, offset, length): buf is a Uint8Array and "
                               "[offset, offset + length) lies within it"
                             : "read(fd, buf, offset, length): buf is a Uint8Array and "
                               "[offset, offset + length) lies within it";
  Napi::Env env = info.Env();
  int fd = Int(info, 0, usage);
  auto buf = Typed<Napi::Uint8Array>(info[1], napi_uint8_array, 0, env, usage);
  double size = static_cast<double>(buf.ByteLength());
  if (!IsInteger(info[2], 0, size) || !IsInteger(info[3], 0, size)) Usage(env, usage);
  size_t offset = info[2].As<Napi::Number>().Uint32Value();
  size_t length = info[3].As<Napi::Number>().Uint32Value();
  if (offset + length > buf.ByteLength()) Usage(env, usage);
  uint8_t* data = buf.Data() + offset;
  return Result(env, kWrite ? shim::Write(fd, data, length) : shim::Read(fd, data, length));
}

Napi::Value SendMessages(const Napi::CallbackInfo& info) {
  const char* usage =
      "sendMessages(fd, buf, offset, size, count): buf is a Uint8Array and "
      "[offset, offset + size * count) lies within it";
  Napi::Env env = info.Env();
  int fd = Int(info, 0, usage);
  auto buf = Typed<Napi::Uint8Array>(info[1], napi_uint8_array, 0, env, usage);
  double length = static_cast<double>(buf.ByteLength());
  if (!IsInteger(info[2], 0, length) || !IsInteger(info[3], 1, length) ||
      !IsInteger(info[4], 0, length)) {
    Usage(env, usage);
  }
  size_t offset = info[2].As<Napi::Number>().Uint32Value();
  size_t size = info[3].As<Napi::Number>().Uint32Value();
  size_t count = info[4].As<Napi::Number>().Uint32Value();
  if (offset + size * count > buf.ByteLength()) Usage(env, usage);
  return Result(env, shim::SendMessages(fd, buf.Data() + offset, size, count));
}

Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  const char* usage = "socketPair(type, fds: Int32Array): fds has room for 2";
  int type = Int(info, 0, usage);
  auto out = Typed<Napi::Int32Array>(info[1], napi_int32_array, 2, info.Env(), usage);
  int fds[2];
  int r = shim::SocketPair(type, fds);
  if (r == 0) {
    out[0] = fds[0];
    out[1] = fds[1];
  }
  return Result(info.Env(), r);
}

Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  const char* usage = "shutdown(fd, how)";
  int fd = Int(info, 0, usage);
  return Result(info.Env(), shim::Shutdown(fd, Int(info, 1, usage)));
}

Napi::Value SocketType(const Napi::CallbackInfo& info) {
  return Result(info.Env(), shim::SocketType(Int(info, 0, "socketType(fd)")));
}

Napi::Value ReadSignalState(const Napi::CallbackInfo& info) {
  uint64_t ignored, blocked;
  shim::ReadSignalState(&ignored, &blocked);
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::BigInt::New(info.Env(), ignored));
  out.Set(1u, Napi::BigInt::New(info.Env(), blocked));
  return out;
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  return Result(info.Env(), shim::Close(Int(info, 0, "close(fd)")));
}

Napi::Value SetNonblocking(const Napi::CallbackInfo& info) {
  const char* usage = "setNonblocking(fd, on: boolean)";
  int fd = Int(info, 0, usage);
  return Result(info.Env(), shim::SetNonblocking(fd, Bool(info, 1, usage)));
}

Napi::Value SetCloexec(const Napi::CallbackInfo& info) {
  const char* usage = "setCloexec(fd, on: boolean)";
  int fd = Int(info, 0, usage);
  return Result(info.Env(), shim::SetCloexec(fd, Bool(info, 1, usage)));
}

Napi::Value ClockTicks(const Napi::CallbackInfo& info) {
  return Result(info.Env(), shim::ClockTicks());
}

Napi::Value FdFlags(const Napi::CallbackInfo& info) {
  return Result(info.Env(), shim::FdFlags(Int(info, 0, "fdFlags(fd)")));
}

Napi::Value RealtimeUs(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), shim::RealtimeUs());
}

Napi::Value BoottimeUs(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), shim::BoottimeUs());
}

Napi::Value MonotonicMs(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), shim::MonotonicMs());
}

Napi::Value Spawn(const Napi::CallbackInfo& info) {
  const char* usage =
      "spawn(file: string, argv: string[], envp: string[] | null, opts: { cwd?: string, "
      "fds?: number[], pdeathsig?: number, setsid?: boolean, cloneFlags?: number, uidMap?: "
      "string, gidMap?: string, mountProc?: boolean, ignored?: bigint, mask?: bigint, "
      "cgroupProcs?: number })";
  Napi::Env env = info.Env();
  std::string file = CString(info[0], env, usage);
  std::vector<std::string> argv_storage, envp_storage;
  std::vector<char*> argv = CStringArray(info[1], argv_storage, env, usage);
  std::vector<char*> envp;
  if (!info[2].IsNull() && !info[2].IsUndefined()) {
    envp = CStringArray(info[2], envp_storage, env, usage);
  }
  shim::SpawnOptions options;
  std::string cwd, uid_map, gid_map;
  std::vector<int> fds;
  if (!info[3].IsUndefined() && !info[3].IsNull()) {
    if (!info[3].IsObject()) Usage(env, usage);
    Napi::Object opts = info[3].As<Napi::Object>();
    Napi::Value v = opts.Get("cwd");
    if (!v.IsUndefined()) {
      cwd = CString(v, env, usage);
      options.cwd = cwd.c_str();
    }
    v = opts.Get("fds");
    if (!v.IsUndefined()) {
      fds = IntArray(v, env, usage);
      options.fds = fds.data();
      options.nfds = fds.size();
    }
    v = opts.Get("pdeathsig");
    if (!v.IsUndefined()) {
      if (!IsInteger(v, 0, INT32_MAX)) Usage(env, usage);
      options.pdeathsig = v.As<Napi::Number>().Int32Value();
    }
    v = opts.Get("setsid");
    if (!v.IsUndefined()) {
      if (!v.IsBoolean()) Usage(env, usage);
      options.setsid = v.As<Napi::Boolean>().Value();
    }
    v = opts.Get("cloneFlags");
    if (!v.IsUndefined()) {
      if (!IsInteger(v, 0, INT32_MAX)) Usage(env, usage);
      options.clone_flags = v.As<Napi::Number>().Int32Value();
    }
    v = opts.Get("uidMap");
    if (!v.IsUndefined()) {
      uid_map = CString(v, env, usage);
      options.uid_map = uid_map.c_str();
    }
    v = opts.Get("gidMap");
    if (!v.IsUndefined()) {
      gid_map = CString(v, env, usage);
      options.gid_map = gid_map.c_str();
    }
    v = opts.Get("mountProc");
    if (!v.IsUndefined()) {
      if (!v.IsBoolean()) Usage(env, usage);
      options.mount_proc = v.As<Napi::Boolean>().Value();
    }
    v = opts.Get("cgroupProcs");
    if (!v.IsUndefined()) {
      if (!IsInteger(v, 0, INT32_MAX)) Usage(env, usage);
      options.cgroup_procs_fd = v.As<Napi::Number>().Int32Value();
    }
    bool lossless = true;
    v = opts.Get("ignored");
    if (!v.IsUndefined()) {
      if (!v.IsBigInt()) Usage(env, usage);
      options.ignored = v.As<Napi::BigInt>().Uint64Value(&lossless);
    }
    v = opts.Get("mask");
    if (!v.IsUndefined()) {
      if (!v.IsBigInt()) Usage(env, usage);
      options.mask = v.As<Napi::BigInt>().Uint64Value(&lossless);
    }
    if (!lossless) Usage(env, usage);
  }
  return Result(
      env, shim::Spawn(file.c_str(), argv.data(), envp.empty() ? nullptr : envp.data(), options));
}

// ---

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto set = [&](const char* name, Napi::Value (*fn)(const Napi::CallbackInfo&)) {
    exports.Set(name, Napi::Function::New(env, fn, name));
  };
  set("getpid", GetPid);
  set("getpgid", GetPgid);
  set("setChildSubreaper", SetChildSubreaper);
  set("getChildSubreaper", GetChildSubreaper);
  set("kill", Kill);
  set("waitid", Waitid);
  set("readChildren", ReadChildren);
  set("scanChildren", ScanChildren);
  set("listChildren", ListChildren);
  set("listChildrenOf", ListChildrenOf);
  set("lastResort", LastResort);
  set("signalPipe", SignalPipe);
  set("pipe", Pipe);
  set("socketPair", SocketPair);
  set("socketType", SocketType);
  set("shutdown", Shutdown);
  set("sendMessages", SendMessages);
  set("readSignalState", ReadSignalState);
  set("epollCreate", EpollCreate);
  set("epollCtl", EpollCtl);
  set("epollWait", EpollWait);
  set("poll", Poll);
  set("read", ReadWrite<false>);
  set("write", ReadWrite<true>);
  set("close", Close);
  set("setNonblocking", SetNonblocking);
  set("setCloexec", SetCloexec);
  set("clockTicks", ClockTicks);
  set("fdFlags", FdFlags);
  set("realtimeUs", RealtimeUs);
  set("boottimeUs", BoottimeUs);
  set("monotonicMs", MonotonicMs);
  set("spawn", Spawn);
  return exports;
}

}  // namespace

NODE_API_MODULE(shim, Init)
