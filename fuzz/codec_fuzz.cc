// Coverage-guided fuzzing of the codec: dist/codec.wasm translated to C by wasm2c
// (build/fuzz/codec.{c,h}), the very module codec/index.ts runs in Node and browsers, driven
// here through the same exports in the same order as codec/index.ts's StreamDecoder does.
// Built two ways (Makefile, fuzz-native): with libFuzzer + AddressSanitizer + UBSan
// (build/fuzz/codec-fuzz, clang), and with main() below as a replay tool
// (build/fuzz/codec-replay, any C++ compiler) that test/fuzz-native.test.ts runs on the saved
// crashes and compares with the JS decoder. The numbers come from assembly/protocol.ts
// (build/fuzz/protocol.h, written by fuzz/protocol-h.ts).
//
// The input (fuzz/input.ts says the same for the TypeScript side):
//   byte 0: the format, byte & 3: 0 auto (events log when it starts with the magic, raw status
//           records when si_signo is SIGCHLD or 0, else "none": not a log), 1 status,
//           2 control, 3 events;
//   byte 1: the split seed: 0 = the stream in one piece; n > 0 = pieces of length
//           xorshift32() % (2n + 1), empty ones included, seeded with n * 0x9e3779b9 | 1;
//   the rest: the stream.
//
// What must hold, else abort() (a crash to libFuzzer): the codec never traps (a trap of the
// translated code is caught with wasm_rt_impl_try); a feed of an in-range length never fails
// and returns as many records as statusNext/controlNext then hand out; each record handed out
// is the stream's bytes at its offset (reassembly across any split), lies in the codec's
// memory and is left unchanged by statusKind; statusKind returns a KIND_* or ERR_* of
// protocol.ts; a valid status record and any control record re-encode (encodeStatus,
// encodeControl of the fields the accessors read) to the same bytes; the pending bytes at the
// end are what is left of the stream after the whole records; an error's offset lies inside
// the input.
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "protocol.h"
#include "wasm-rt-impl.h"

#ifdef CODEC_IMPORTS_ENV
// codec.wasm's env.abort, if it has one: the codec must never abort.
struct Z_env_instance_t {};
#endif

namespace {

Z_codec_instance_t g_codec;
#ifdef CODEC_IMPORTS_ENV
Z_env_instance_t g_env;
#endif

[[noreturn]] __attribute__((format(printf, 1, 2))) void Fail(const char* format, ...) {
  va_list args;
  va_start(args, format);
  fputs("codec-fuzz: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  abort();
}

// `length` bytes at `ptr` in the codec's memory, which must hold them all.
uint8_t* Memory(uint32_t ptr, uint64_t length) {
  wasm_rt_memory_t* memory = Z_codecZ_memory(&g_codec);
  if (ptr + length > memory->size)
    Fail("%llu bytes at %u outside the memory", (unsigned long long)length, ptr);
  return memory->data + ptr;
}

uint32_t Le32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);  // x86-64, as Wasm: little-endian
  return v;
}

// The lengths of the pieces a stream is fed in (see the input, above).
class Pieces {
 public:
  explicit Pieces(uint8_t seed) : seed_(seed), x_(seed * 0x9e3779b9u | 1) {}
  size_t Next(size_t left) {
    if (seed_ == 0) return left;
    x_ ^= x_ << 13;
    x_ ^= x_ >> 17;
    x_ ^= x_ << 5;
    size_t n = x_ % (2u * seed_ + 1);
    return n < left ? n : left;
  }

 private:
  uint32_t seed_;
  uint32_t x_;
};

// What decoding an input came to: the same summary test/fuzz-native.test.ts makes of the JS
// decoder's result.
struct Result {
  const char* format;
  uint32_t records;
  int64_t error;  // byte offset in the stream, or -1
};

bool Known(int32_t kind) {
  static const int32_t kinds[] = PROTOCOL_KINDS;
  static const int32_t errors[] = PROTOCOL_ERRORS;
  for (int32_t k : kinds) {
    if (k == kind) return true;
  }
  for (int32_t e : errors) {
    if (e == kind) return e != PROTO_ERR_LENGTH;
  }
  return false;
}

// The status record at `p`, whose bytes are `bytes`: true if valid.
bool CheckStatus(uint32_t p, const uint8_t* bytes) {
  int32_t kind = static_cast<int32_t>(Z_codecZ_statusKind(&g_codec, p));
  if (!Known(kind)) Fail("statusKind returned %d, no KIND_* or ERR_* of protocol.ts", kind);
  if (memcmp(Memory(p, PROTO_STATUS_SIZE), bytes, PROTO_STATUS_SIZE) != 0)
    Fail("statusKind changed the record");
  if (kind < 0) return false;
  Z_codec_instance_t* c = &g_codec;
  uint32_t q = Z_codecZ_encodeStatus(c, Z_codecZ_statusSigno(c, p), Z_codecZ_statusErrno(c, p),
                                     Z_codecZ_statusCode(c, p), Z_codecZ_statusPid(c, p),
                                     Z_codecZ_statusUid(c, p), Z_codecZ_statusStatus(c, p),
                                     Z_codecZ_statusUtime(c, p), Z_codecZ_statusStime(c, p));
  if (memcmp(Memory(q, PROTO_STATUS_SIZE), bytes, PROTO_STATUS_SIZE) != 0) {
    Fail("a valid status record (kind %d) re-encodes to other bytes", kind);
  }
  return true;
}

void CheckControl(uint32_t p, const uint8_t* bytes) {
  Z_codec_instance_t* c = &g_codec;
  uint32_t q = Z_codecZ_encodeControl(c, Z_codecZ_controlPid(c, p), Z_codecZ_controlSignal(c, p));
  if (memcmp(Memory(q, PROTO_CONTROL_SIZE), bytes, PROTO_CONTROL_SIZE) != 0) {
    Fail("a control record re-encodes to other bytes");
  }
}

// Raw status or control records, fed in pieces as StreamDecoder.push does.
void Records(bool status, const uint8_t* data, size_t size, uint8_t seed, Result* r) {
  Z_codec_instance_t* c = &g_codec;
  const uint32_t record = status ? PROTO_STATUS_SIZE : PROTO_CONTROL_SIZE;
  const uint32_t input = Z_codecZ_inputBuffer(c);
  const uint32_t capacity = Z_codecZ_inputCapacity(c);
  if (capacity == 0 || capacity % PROTO_STATUS_SIZE || capacity % PROTO_CONTROL_SIZE) {
    Fail("input capacity %u", capacity);
  }
  uint8_t* buffer = Memory(input, capacity);
  uint32_t bad = capacity + 1;
  if (static_cast<int32_t>(status ? Z_codecZ_statusFeed(c, bad) : Z_codecZ_controlFeed(c, bad)) !=
      PROTO_ERR_LENGTH) {
    Fail("a feed of %u bytes (more than the capacity) was taken", bad);
  }
  Pieces pieces(seed);
  for (size_t at = 0; at < size;) {
    size_t n = pieces.Next(size - at);
    if (n > capacity) n = capacity;
    memcpy(buffer, data + at, n);
    uint32_t pending = status ? Z_codecZ_statusPending(c) : Z_codecZ_controlPending(c);
    if (pending >= record || pending > at) Fail("%u bytes pending after %zu", pending, at);
    size_t recordAt = at - pending;
    int32_t ready =
        static_cast<int32_t>(status ? Z_codecZ_statusFeed(c, n) : Z_codecZ_controlFeed(c, n));
    if (ready < 0 || static_cast<size_t>(ready) > (pending + n) / record) {
      Fail("a feed of %zu bytes with %u pending returned %d", n, pending, ready);
    }
    int32_t taken = 0;
    for (uint32_t p = status ? Z_codecZ_statusNext(c) : Z_codecZ_controlNext(c); p != 0;
         p = status ? Z_codecZ_statusNext(c) : Z_codecZ_controlNext(c)) {
      if (++taken > ready) Fail("more records handed out than the feed said (%d)", ready);
      const uint8_t* bytes = data + recordAt;
      if (memcmp(Memory(p, record), bytes, record) != 0)
        Fail("the record at offset %zu is not the input's", recordAt);
      if (status) {
        if (!CheckStatus(p, bytes)) {
          r->error = recordAt;
          return;
        }
      } else {
        CheckControl(p, bytes);
      }
      r->records++;
      recordAt += record;
    }
    if (taken != ready) Fail("the feed said %d records, %d handed out", ready, taken);
    at += n;
  }
  uint32_t pending = status ? Z_codecZ_statusPending(c) : Z_codecZ_controlPending(c);
  if (pending != size - uint64_t{r->records} * record)
    Fail("%u bytes pending at the end of %zu", pending, size);
  if (pending) r->error = size - pending;
}

// An events log (version 1, 2 or 3): its header, then each entry's status record through the
// input buffer, as StreamDecoder.pushEvents does. The identities of version 2 entries and the
// resources of version 3 ones are the JS decoder's alone (codec/index.ts readIdentity,
// readResources): codec.wasm never sees them.
void Events(const uint8_t* data, size_t size, Result* r) {
  if (size < PROTO_EVENTS_HEADER_SIZE) {
    r->error = 0;
    return;
  }
  uint32_t version = Le32(data + PROTO_EVENTS_VERSION_AT);
  size_t entry = version == PROTO_EVENTS_V1   ? PROTO_EVENTS_V1_ENTRY_SIZE
                 : version == PROTO_EVENTS_V2 ? PROTO_EVENTS_V2_ENTRY_SIZE
                 : version == PROTO_EVENTS_V3 ? PROTO_EVENTS_V3_ENTRY_SIZE
                                              : 0;
  if (entry == 0) {
    r->error = PROTO_EVENTS_VERSION_AT;
    return;
  }
  if (Le32(data + PROTO_EVENTS_ENTRY_SIZE_AT) != entry) {
    r->error = PROTO_EVENTS_ENTRY_SIZE_AT;
    return;
  }
  uint8_t* input = Memory(Z_codecZ_inputBuffer(&g_codec), PROTO_STATUS_SIZE);
  size_t at = PROTO_EVENTS_HEADER_SIZE;
  for (; at + entry <= size; at += entry) {
    const uint8_t* bytes = data + at + PROTO_EVENTS_RECORD;
    memcpy(input, bytes, PROTO_STATUS_SIZE);
    if (!CheckStatus(Z_codecZ_inputBuffer(&g_codec), bytes)) {
      r->error = at + PROTO_EVENTS_RECORD;
      return;
    }
    r->records++;
  }
  if (at < size) r->error = at;
}

Result Decode(const uint8_t* data, size_t size) {
  static const uint8_t magic[] = PROTO_EVENTS_MAGIC;
  int format = size > 0 ? data[0] & 3 : 0;
  uint8_t seed = size > 1 ? data[1] : 0;
  const uint8_t* stream = data + (size < 2 ? size : 2);
  size_t length = size < 2 ? 0 : size - 2;
  if (format == 0) {
    size_t shown = length < sizeof magic ? length : sizeof magic;
    bool magicPrefix = memcmp(stream, magic, shown) == 0;
    if (magicPrefix && length >= sizeof magic) {
      format = 3;
    } else if (!magicPrefix) {
      // Neither an events log nor status records (si_signo SIGCHLD or supervise's own): the
      // stream decoder refuses it from its first bytes (codec/index.ts notALogReason()).
      int32_t signo = length >= 4 ? static_cast<int32_t>(Le32(stream)) : -1;
      if (signo != PROTO_SIGCHLD && signo != PROTO_SIGNO_SUPERVISE) return Result{"none", 0, 0};
      format = 1;
    } else {
      format = 1;  // a short prefix of the magic: a truncated status record
    }
  }
  Result r = {nullptr, 0, -1};
  Z_codecZ_statusReset(&g_codec);
  Z_codecZ_controlReset(&g_codec);
  if (format == 3) {
    r.format = "events";
    Events(stream, length, &r);
  } else {
    r.format = format == 1 ? "status" : "control";
    Records(format == 1, stream, length, seed, &r);
  }
  if (r.error > static_cast<int64_t>(length))
    Fail("error offset %lld beyond the input", (long long)r.error);
  return r;
}

void Instantiate() {
  wasm_rt_init();
  Z_codec_init_module();
#ifdef CODEC_IMPORTS_ENV
  Z_codec_instantiate(&g_codec, &g_env);
#else
  Z_codec_instantiate(&g_codec);
#endif
}

}  // namespace

#ifdef CODEC_IMPORTS_ENV
extern "C" void Z_envZ_abort(Z_env_instance_t*, u32, u32, u32 line, u32 column) {
  Fail("codec.wasm called abort() (line %u, column %u)", line, column);
}
#endif

// One instance for every input: each starts with statusReset/controlReset, as each
// StreamDecoder does, which is all the state the codec keeps between streams.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Instantiate();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wasm_rt_trap_t trap = static_cast<wasm_rt_trap_t>(wasm_rt_impl_try());
  if (trap != WASM_RT_TRAP_NONE) Fail("codec.wasm trapped: %s", wasm_rt_strerror(trap));
  Decode(data, size);
  return 0;
}

#ifdef CODEC_REPLAY
// build/fuzz/codec-replay FILE...: each file as one input, one line per file:
// `FILE FORMAT RECORDS ERROR_OFFSET` (ERROR_OFFSET -1: none); a broken invariant aborts.
int main(int argc, char** argv) {
  Instantiate();
  for (int i = 1; i < argc; i++) {
    FILE* f = fopen(argv[i], "rb");
    if (f == nullptr) Fail("cannot open %s", argv[i]);
    static uint8_t data[1 << 20];
    size_t size = fread(data, 1, sizeof data, f);
    if (ferror(f) || !feof(f)) Fail("cannot read %s (at most %zu bytes)", argv[i], sizeof data);
    fclose(f);
    wasm_rt_trap_t trap = static_cast<wasm_rt_trap_t>(wasm_rt_impl_try());
    if (trap != WASM_RT_TRAP_NONE)
      Fail("codec.wasm trapped: %s (%s)", wasm_rt_strerror(trap), argv[i]);
    Result r = Decode(data, size);
    printf("%s %s %u %lld\n", argv[i], r.format, r.records, (long long)r.error);
  }
  return 0;
}
#endif
