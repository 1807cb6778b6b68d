// Shared test helpers: an independent DataView reference for both record kinds and the
// events log, written from the tables of ARCHITECTURE.md, "The wire protocol" (offsets
// spelled out here on purpose, not taken from protocol.ts). The fake kernel that runs
// core.wasm is test/fake-kernel.ts.

// --- reference codec

export const STATUS_BYTES = 128;
export const CONTROL_BYTES = 8;

/** The fields of a status record (siginfo_t). Times are clock ticks. */
export interface StatusFields {
  signo: number;
  errno: number;
  code: number;
  pid: number;
  uid: number;
  status: number;
  utime: bigint;
  stime: bigint;
}

/** The fields of a control record. */
export interface ControlFields {
  pid: number;
  signal: number;
}

const ZERO_STATUS: StatusFields = { signo: 0, errno: 0, code: 0, pid: 0, uid: 0, status: 0, utime: 0n, stime: 0n };

/** 128 bytes: signo@0 errno@4 code@8 pid@16 uid@20 status@24 utime@32 stime@40, rest zero. */
export function encodeStatusRef(fields: Partial<StatusFields>): Uint8Array {
  const f = { ...ZERO_STATUS, ...fields };
  const bytes = new Uint8Array(STATUS_BYTES);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, f.signo, true);
  view.setInt32(4, f.errno, true);
  view.setInt32(8, f.code, true);
  view.setInt32(16, f.pid, true);
  view.setInt32(20, f.uid, true);
  view.setInt32(24, f.status, true);
  view.setBigInt64(32, f.utime, true);
  view.setBigInt64(40, f.stime, true);
  return bytes;
}

/** The fields of the status record at bytes[offset, offset + 128). */
export function decodeStatusRef(bytes: Uint8Array, offset = 0): StatusFields {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, STATUS_BYTES);
  return {
    signo: view.getInt32(0, true),
    errno: view.getInt32(4, true),
    code: view.getInt32(8, true),
    pid: view.getInt32(16, true),
    uid: view.getInt32(20, true),
    status: view.getInt32(24, true),
    utime: view.getBigInt64(32, true),
    stime: view.getBigInt64(40, true),
  };
}

/** Whether the bytes a status record leaves unused (12..15, 28..31, 48..127) are zero. */
export function statusPaddingIsZero(bytes: Uint8Array, offset = 0): boolean {
  for (let i = 0; i < STATUS_BYTES; i++) {
    const unused = (i >= 12 && i < 16) || (i >= 28 && i < 32) || i >= 48;
    if (unused && bytes[offset + i] !== 0) return false;
  }
  return true;
}

/** The reference classifier: what statusKind() must answer (KIND_* > 0, ERR_* < 0),
 *  written from the rules in assembly/protocol.ts with the numbers spelled out. */
export function statusKindRef(bytes: Uint8Array, offset = 0): number {
  const f = decodeStatusRef(bytes, offset);
  const signal = (n: number) => n >= 1 && n <= 64;
  if (f.signo === 0) {
    if (f.code === 0x5304) return layersKindRef(bytes, offset, f);
    if (f.code === 0x5305) return totalsKindRef(bytes, offset, f);
    if (f.code !== 0x5301 && f.code !== 0x5302 && f.code !== 0x5303) return -2;
    if (!statusPaddingIsZero(bytes, offset)) return -3;
    if (f.code === 0x5301) return f.pid <= 0 ? -4 : f.errno !== 0 ? -5 : 16;
    if (f.code === 0x5303) return f.pid <= 0 ? -4 : f.errno !== 0 ? -5 : 18;
    return f.pid !== 0 ? -4 : f.errno < 1 || f.errno > 4095 ? -5 : 17;
  }
  if (f.signo !== 17) return -1;
  if (f.code < 1 || f.code > 6) return -2;
  if (!statusPaddingIsZero(bytes, offset)) return -3;
  if (f.pid <= 0) return -4;
  if (f.errno !== 0) return -5;
  if (f.code === 1 && (f.status < 0 || f.status > 255)) return -6;
  if (f.code === 4 && (f.status < 0 || f.status > 0xffff || !signal(f.status & 0x7f))) return -7;
  if (f.code !== 1 && f.code !== 4 && !signal(f.status)) return -7;
  if (f.utime < 0n || f.stime < 0n) return -8;
  return f.code;
}

/** The reference for a layers record (si_code 0x5304): si_status = layer bits (1 subreaper,
 *  required; 2 cgroup; 4 pid namespace), si_uid = the leaf path's length (0..4095),
 *  si_utime = this part's offset (a multiple of 80 below the length; 0 when it is 0),
 *  bytes 48..127 the part (no NUL within it, zero after the path's end). */
function layersKindRef(bytes: Uint8Array, offset: number, f: StatusFields): number {
  const b = (i: number) => bytes[offset + i];
  for (const i of [12, 13, 14, 15, 28, 29, 30, 31, 40, 41, 42, 43, 44, 45, 46, 47]) if (b(i) !== 0) return -3;
  const len = f.uid;
  const at = f.utime;
  const here = len > 0 && at >= 0n && at < BigInt(len) ? Math.min(len - Number(at), 80) : 0;
  for (let i = here; i < 80; i++) if (b(48 + i) !== 0) return -3;
  if (f.pid <= 0) return -4;
  if (f.errno !== 0) return -5;
  if ((f.status & 1) === 0 || (f.status & ~7) !== 0) return -10;
  if (len < 0 || len > 4095 || at < 0n || at % 80n !== 0n) return -10;
  if (len === 0 ? at !== 0n : at >= BigInt(len)) return -10;
  for (let i = 0; i < here; i++) if (b(48 + i) === 0) return -10;
  return 19;
}

/** The reference for a totals record (si_code 0x5305): int64 CPU times at 48, 56, 64 (not
 *  negative), peaks at 72 and 80 (-1 or more), everything else zero but si_pid (> 0). */
function totalsKindRef(bytes: Uint8Array, offset: number, f: StatusFields): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, STATUS_BYTES);
  for (let i = 0; i < STATUS_BYTES; i++) {
    const unused = (i >= 12 && i < 16) || (i >= 28 && i < 48) || i >= 88;
    if (unused && bytes[offset + i] !== 0) return -3;
  }
  if (f.pid <= 0) return -4;
  if (f.errno !== 0) return -5;
  if ([48, 56, 64].some((o) => view.getBigInt64(o, true) < 0n)) return -8;
  if (f.status !== 0 || f.uid !== 0) return -10;
  if ([72, 80].some((o) => view.getBigInt64(o, true) < -1n)) return -10;
  return 20;
}

/** 8 bytes: int32 pid, int32 signal, little-endian. */
export function encodeControlRef(pid: number, signal: number): Uint8Array {
  const bytes = new Uint8Array(CONTROL_BYTES);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, pid, true);
  view.setInt32(4, signal, true);
  return bytes;
}

/** The fields of the control record at bytes[offset, offset + 8). */
export function decodeControlRef(bytes: Uint8Array, offset = 0): ControlFields {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, CONTROL_BYTES);
  return { pid: view.getInt32(0, true), signal: view.getInt32(4, true) };
}

/** Concatenates byte arrays. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A process's identity in an events log version 2 entry (the reference's own type). */
export interface IdentityRef {
  start: number;
  ppid: number;
  pgid: number;
  sid: number;
  comm: string;
}

/** What a process cost, in a version 3 entry (the reference's own type): int64 each at
 *  176 user CPU µs, 184 system CPU µs, 192 maxrss KiB, 200 minflt, 208 majflt, 216 nvcsw,
 *  224 nivcsw, 232 inblock, 240 oublock; then uint32 flags at 248 (1 torn down, 2 at the
 *  grace deadline, 4 signalled, 8 wait-all), zero 252..255. */
export interface ResourcesRef {
  utimeUs: number;
  stimeUs: number;
  maxrssKiB: number;
  minflt: number;
  majflt: number;
  nvcsw: number;
  nivcsw: number;
  inblock: number;
  oublock: number;
}

/** An events log, version 1 (entries of 136 bytes: int64 time@0, record@8), 2 (176 bytes:
 *  the same, then int64 start@136, int32 ppid@144 pgid@148 sid@152, comm[16]@156, zero
 *  172..175) or 3 (256 bytes: version 2's, then ResourcesRef and the flags), after the
 *  16-byte header "SUPVEVTS", uint32 version@8, uint32 entry size@12.
 *  Offsets spelled out here, as for the records (docs/protocol.md, "The events file"). */
export function encodeEventsRef(
  version: 1 | 2 | 3,
  entries: Array<{ time: number; record: Uint8Array; proc?: IdentityRef; res?: ResourcesRef; flags?: number }>,
): Uint8Array {
  const size = version === 1 ? 136 : version === 2 ? 176 : 256;
  const out = new Uint8Array(16 + entries.length * size);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode('SUPVEVTS'), 0);
  view.setUint32(8, version, true);
  view.setUint32(12, size, true);
  entries.forEach((e, i) => {
    const at = 16 + i * size;
    view.setBigInt64(at, BigInt(e.time), true);
    out.set(e.record, at + 8);
    if (version === 3) {
      const r = e.res;
      if (r) {
        const figures = [
          r.utimeUs,
          r.stimeUs,
          r.maxrssKiB,
          r.minflt,
          r.majflt,
          r.nvcsw,
          r.nivcsw,
          r.inblock,
          r.oublock,
        ];
        figures.forEach((v, k) => {
          view.setBigInt64(at + 176 + 8 * k, BigInt(v), true);
        });
      }
      view.setUint32(at + 248, e.flags ?? 0, true);
    }
    if (version === 1 || !e.proc) return;
    view.setBigInt64(at + 136, BigInt(e.proc.start), true);
    view.setInt32(at + 144, e.proc.ppid, true);
    view.setInt32(at + 148, e.proc.pgid, true);
    view.setInt32(at + 152, e.proc.sid, true);
    out.set(new TextEncoder().encode(e.proc.comm).subarray(0, 15), at + 156);
  });
  return out;
}

/** A copy of len bytes of a Wasm memory at ptr. */
export function wasmBytes(memory: WebAssembly.Memory, ptr: number, len: number): Uint8Array {
  return new Uint8Array(memory.buffer, ptr, len).slice();
}
