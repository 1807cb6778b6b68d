// Shared test helpers:
// - an independent DataView reference for both record kinds, written from the tables of
//   DESIGN.md section 2 (offsets spelled out here on purpose, not taken from protocol.ts);
// - FakeKernel, a plain-JS process table implementing core.wasm's imports (CoreImports).
import type { CoreImports } from '../cli/wasm.ts';

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
    if (f.code !== 0x5301 && f.code !== 0x5302) return -2;
    if (!statusPaddingIsZero(bytes, offset)) return -3;
    if (f.code === 0x5301) return f.pid <= 0 ? -4 : f.errno !== 0 ? -5 : 16;
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

/** A copy of len bytes of a Wasm memory at ptr. */
export function wasmBytes(memory: WebAssembly.Memory, ptr: number, len: number): Uint8Array {
  return new Uint8Array(memory.buffer, ptr, len).slice();
}

// --- fake kernel

// Linux numbers, spelled out here as the kernel has them (x86-64).
export const EPERM = 1, ESRCH = 3, ECHILD = 10, EAGAIN = 11, EINVAL = 22, EPIPE = 32, ENOENT = 2;
const P_ALL = 0, P_PID = 1, WNOHANG = 1, WEXITED = 4, WNOWAIT = 0x1000000;
/** Signals whose default action does not end the process. */
const HARMLESS = new Set([0, 17, 18, 19, 20, 21, 22, 23, 28]);

export interface Proc {
  pid: number;
  ppid: number;
  state: 'alive' | 'zombie';
  /** CLD_EXITED (1) or CLD_KILLED (2) once a zombie; si_status beside it. */
  code: number;
  status: number;
  uid: number;
  /** CPU time used, in microseconds (reported through rusage). */
  utimeUs: number;
  stimeUs: number;
  /** Unique per process ever created: tells a recycled pid from the old process. */
  serial: number;
}

/** One kill() the core made, with what was true at that moment. */
export interface KillCall {
  pid: number;
  sig: number;
  result: number;
  /** pid was the supervisor's child (alive or zombie) when kill was called. */
  wasChild: boolean;
  /** The process the pid named then (0 if none). */
  serial: number;
  /** FakeKernel.phase at the call (the test sets it around core calls). */
  phase: string;
}

/** One reap by waitid, and whether the status reader was still there at that moment. */
export interface Reap {
  pid: number;
  code: number;
  status: number;
  serial: number;
  readerPresent: boolean;
}

export type ReaderState = 'ready' | 'blocked' | 'gone';

/** A process table around one supervisor (a child subreaper) and core.wasm's imports
 *  over it. Deaths are synchronous; SIGKILL or any fatal signal makes a zombie at once. */
export class FakeKernel implements CoreImports {
  readonly procs = new Map<number, Proc>();
  readonly kills: KillCall[] = [];
  readonly reports: Array<[number, number, number]> = [];
  /** Every byte the core wrote to the status fd. */
  written: number[] = [];
  /** Contract breaches seen (a write while not ready, a blocking waitid, ...). */
  readonly violations: string[] = [];
  /** Children reaped by waitid (without WNOWAIT), in order. */
  readonly reaped: Reap[] = [];
  /** Every kill and reap in order, as 'kill PID SIG' and 'reap PID'. */
  readonly log: string[] = [];
  waitCalls = 0;
  /** Set by tests around core calls; copied into each KillCall. */
  phase = '';
  /** Pids whose kill fails with EPERM (a setuid descendant). */
  readonly refuse = new Set<number>();
  /** Results the next writeStatus() calls return instead of writing (e.g. -EAGAIN). */
  writeResults: number[] = [];
  /** Import calls allowed before the fake throws (a core that spins fails instead of hanging). */
  callsLeft = Infinity;
  reader: ReaderState = 'ready';
  /** Most bytes one writeStatus() accepts (short writes when < 128). */
  maxWrite = Infinity;
  /** When set, children() fails with this -errno. */
  childrenError = 0;
  private nextPid: number;
  private serials = 0;
  /** Zombies of the supervisor in order of death: waitid(P_ALL) reaps the oldest first. */
  private deaths: number[] = [];

  constructor(readonly self = 100, readonly parent = 50, firstPid = 200) {
    this.nextPid = firstPid;
    this.add(1, 0);
    this.add(parent, 1);
    this.add(self, parent);
  }

  /** Adds a live process with a given pid (for siblings and fixed pids). */
  add(pid: number, ppid: number, uid = 1000): Proc {
    const p: Proc = { pid, ppid, state: 'alive', code: 0, status: 0, uid, utimeUs: 0, stimeUs: 0, serial: ++this.serials };
    this.procs.set(pid, p);
    return p;
  }

  /** fork() in `ppid` (the supervisor by default): the new pid. */
  spawn(ppid = this.self): number {
    while (this.procs.has(this.nextPid)) this.nextPid++;
    const pid = this.nextPid++;
    this.add(pid, ppid);
    return pid;
  }

  /** Re-uses a free pid for a new process (pid recycling). */
  spawnAs(pid: number, ppid = this.self): number {
    if (this.procs.has(pid)) throw new Error(`pid ${pid} is in use`);
    this.add(pid, ppid);
    return pid;
  }

  /** The process exits with `code`. */
  exit(pid: number, code: number): void {
    this.die(pid, 1, code);
  }

  /** The process dies of signal `sig`. */
  crash(pid: number, sig: number): void {
    this.die(pid, 2, sig);
  }

  isChild(pid: number): boolean {
    return this.procs.get(pid)?.ppid === this.self;
  }

  /** The supervisor's children (alive and zombie), in pid order. */
  childPids(): number[] {
    return [...this.procs.values()].filter((p) => p.ppid === this.self).map((p) => p.pid).sort((a, b) => a - b);
  }

  /** Every live process of the supervisor's subtree (descendants), zombies excluded. */
  livingDescendants(): number[] {
    return [...this.procs.values()].filter((p) => p.state === 'alive' && this.inTree(p.pid)).map((p) => p.pid);
  }

  zombies(): number[] {
    return [...this.procs.values()].filter((p) => p.state === 'zombie' && p.ppid === this.self).map((p) => p.pid);
  }

  /** The whole records written so far, in order. */
  records(): Uint8Array[] {
    const bytes = Uint8Array.from(this.written);
    const out: Uint8Array[] = [];
    for (let at = 0; at + STATUS_BYTES <= bytes.length; at += STATUS_BYTES) out.push(bytes.slice(at, at + STATUS_BYTES));
    return out;
  }

  private inTree(pid: number): boolean {
    for (let p = this.procs.get(pid); p && p.pid > 1; p = this.procs.get(p.ppid)) {
      if (p.ppid === this.self) return true;
    }
    return false;
  }

  private die(pid: number, code: number, status: number): void {
    const p = this.procs.get(pid);
    if (!p || p.state !== 'alive') throw new Error(`fake kernel: ${pid} is not alive`);
    // Orphans go to the nearest subreaper: the supervisor if p was in its tree, else init.
    const heir = p.ppid === this.self || this.inTree(pid) ? this.self : 1;
    p.state = 'zombie';
    p.code = code;
    p.status = status;
    p.utimeUs = 1000 * (pid % 7) + 123;
    p.stimeUs = 1000000 * (pid % 3) + 4567;
    for (const c of this.procs.values()) {
      if (c.ppid === pid) {
        c.ppid = heir;
        if (heir === this.self && c.state === 'zombie') this.deaths.push(c.pid);
        else if (c.state === 'zombie') this.procs.delete(c.pid); // init reaps it
      }
    }
    if (p.ppid === this.self) this.deaths.push(pid);
    else if (p.ppid === 1) this.procs.delete(pid);
  }

  // --- CoreImports

  /** Counts one import call against callsLeft. */
  private spend(): void {
    if (--this.callsLeft < 0) throw new Error('fake kernel: the core made too many calls (spinning?)');
  }

  waitid(idtype: number, id: number, info: Uint8Array, options: number, rusage: Uint8Array | null): number {
    this.spend();
    this.waitCalls++;
    if (info.length !== STATUS_BYTES || info.some((b) => b !== 0)) this.violations.push('waitid: info not zeroed');
    if (!(options & WEXITED)) return -EINVAL;
    if (!(options & WNOHANG)) {
      this.violations.push('waitid without WNOHANG');
      return -EINVAL;
    }
    let zombie: Proc | undefined;
    if (idtype === P_PID) {
      const p = this.procs.get(id);
      if (id <= 0 || !p || p.ppid !== this.self) return -ECHILD;
      zombie = p.state === 'zombie' ? p : undefined;
    } else if (idtype === P_ALL) {
      if (this.childPids().length === 0) return -ECHILD;
      zombie = this.procs.get(this.deaths[0]);
    } else {
      return -EINVAL;
    }
    if (!zombie) return 0; // WNOHANG, children alive: si_pid stays 0
    const view = new DataView(info.buffer, info.byteOffset, STATUS_BYTES);
    view.setInt32(0, 17, true);
    view.setInt32(8, zombie.code, true);
    view.setInt32(16, zombie.pid, true);
    view.setInt32(20, zombie.uid, true);
    view.setInt32(24, zombie.status, true);
    if (rusage) {
      const ru = new DataView(rusage.buffer, rusage.byteOffset, rusage.length);
      ru.setBigInt64(0, BigInt(Math.floor(zombie.utimeUs / 1e6)), true);
      ru.setBigInt64(8, BigInt(zombie.utimeUs % 1e6), true);
      ru.setBigInt64(16, BigInt(Math.floor(zombie.stimeUs / 1e6)), true);
      ru.setBigInt64(24, BigInt(zombie.stimeUs % 1e6), true);
    }
    if (!(options & WNOWAIT)) {
      this.procs.delete(zombie.pid);
      this.deaths = this.deaths.filter((d) => d !== zombie!.pid);
      this.reaped.push({
        pid: zombie.pid, code: zombie.code, status: zombie.status, serial: zombie.serial,
        readerPresent: this.reader !== 'gone',
      });
      this.log.push(`reap ${zombie.pid}`);
    }
    return 0;
  }

  kill(pid: number, sig: number): number {
    this.spend();
    const p = this.procs.get(pid);
    const call: KillCall = { pid, sig, result: 0, wasChild: this.isChild(pid), serial: p?.serial ?? 0, phase: this.phase };
    this.kills.push(call);
    this.log.push(`kill ${pid} ${sig}`);
    if (pid <= 0) this.violations.push(`kill(${pid}, ${sig})`);
    if (sig < 0 || sig > 64) call.result = -EINVAL;
    else if (!p) call.result = -ESRCH;
    else if (this.refuse.has(pid)) call.result = -EPERM;
    else if (p.state === 'alive' && !HARMLESS.has(sig)) this.crash(pid, sig);
    return call.result;
  }

  children(out: Int32Array): number {
    this.spend();
    if (this.childrenError) return this.childrenError;
    const pids = this.childPids();
    out.set(pids.slice(0, out.length));
    return pids.length;
  }

  statusReady(): number {
    this.spend();
    return this.reader === 'ready' ? 1 : this.reader === 'blocked' ? 0 : -EPIPE;
  }

  writeStatus(record: Uint8Array): number {
    this.spend();
    if (this.reader === 'gone') return -EPIPE;
    if (this.reader === 'blocked') {
      this.violations.push('writeStatus while not ready');
      return -EAGAIN;
    }
    const scripted = this.writeResults.shift();
    if (scripted !== undefined && scripted <= 0) return scripted;
    const n = Math.min(record.length, this.maxWrite, scripted ?? Infinity);
    for (let i = 0; i < n; i++) this.written.push(record[i]);
    return n;
  }

  report(what: number, a: number, b: number): void {
    this.reports.push([what, a, b]);
  }
}
