// FakeKernel: a plain-JS process table, fds, epoll and clock implementing every import of
// core.wasm (assembly/linux.ts), which it instantiates itself from dist/core.wasm; and the
// world of random histories (fast-check) driving it, shared by core.test.ts and loop.test.ts.
import { readFileSync } from 'node:fs';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { abortImport } from '../codec/index.ts';
import {
  SIGNAL_RECORD_SIZE,
  SIGNAL_SIGNO,
  SIGNAL_CODE,
  SIGNAL_PID,
  CALLER_IGNORED,
  CALLER_BLOCKED,
} from '../assembly/sys.ts';
import { STATUS_BYTES, concatBytes, decodeStatusRef, encodeControlRef } from './helpers.ts';

// --- fake kernel

// Linux numbers, spelled out here as the kernel has them (x86-64).
export const EPERM = 1,
  ENOENT = 2,
  ESRCH = 3,
  EINTR = 4,
  EBADF = 9,
  ECHILD = 10,
  EAGAIN = 11,
  EACCES = 13;
export const EEXIST = 17,
  EINVAL = 22,
  EMFILE = 24,
  ENOSPC = 28,
  EPIPE = 32,
  ENOTSOCK = 88;
const P_ALL = 0,
  P_PID = 1,
  WNOHANG = 1,
  WEXITED = 4,
  WNOWAIT = 0x1000000;
export const EPOLLIN = 0x001,
  EPOLLOUT = 0x004,
  EPOLLERR = 0x008,
  EPOLLHUP = 0x010;
const POLLNVAL = 0x020;
const EPOLL_CTL_ADD = 1,
  EPOLL_CTL_DEL = 2,
  EPOLL_CTL_MOD = 3;
const O_ACCMODE = 3,
  O_CREAT = 0x40,
  O_APPEND = 0x400;
/** Signals whose default action does not end the process (0, CHLD, CONT, the stops, URG, WINCH). */
const HARMLESS = new Set([0, 17, 18, 19, 20, 21, 22, 23, 28]);
/** A pipe's capacity in signal records (SIGNAL_RECORD_SIZE bytes each: int32 signo,
 *  si_code, sender pid, 0): records beyond it are dropped whole (the handler's write fails
 *  EAGAIN). */
const PIPE_CAPACITY = 65536 / SIGNAL_RECORD_SIZE;
/** The pid of whoever sends supervise a signal with kill(2) in these tests (not supervise). */
export const SENDER = 1;
/** si_code of a signal: sent by kill(2), or by the kernel (a terminal's ^C, ^\, resize). */
export const SI_USER = 0,
  SI_KERNEL = 0x80;

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
  /** Peak RSS in KiB and major faults (rusage's ru_maxrss, ru_majflt), set at its death. */
  maxrssKiB: number;
  majflt: number;
  /** Unique per process ever created: tells a recycled pid from the old process. */
  serial: number;
  /** Process group (getpgid): inherited from the parent at fork; tests move processes. */
  pgid: number;
  /** Session, name (comm) and start time (CLOCK_REALTIME µs) as /proc/PID/stat shows them:
   *  session and name inherited at fork (spawn() names the command), start = fork time. */
  sid: number;
  comm: string;
  startUs: number;
  /** Signals this process catches or ignores: kill() succeeds and it lives on. */
  ignores: Set<number>;
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
  /** FakeKernel.phase at the call (tests set it around core calls; main() runs set it per wait). */
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

/** One spawn() the core asked for. */
export interface SpawnCall {
  argv: string[];
  flags: number;
  pdeathsig: number;
  cloneFlags: number;
  uidMap: string | null;
  gidMap: string | null;
  /** The fds the child inherits (open, not CLOEXEC), in order. */
  inherited: number[];
  /** The path of the fd SPAWN_CGROUP_PROCS names (the child writes "0" to it), or null. */
  cgroupProcs: string | null;
  result: number;
}

/** One epollWait() call: the timeout the core passed, what it got, the clock then. */
export interface WaitCall {
  timeout: number;
  result: number;
  /** The (fd, events) pairs returned. */
  events: Array<[number, number]>;
  monoMs: number;
}

export type ReaderState = 'ready' | 'blocked' | 'gone';

/** A file of the fake file system. */
export interface FakeFile {
  data: number[];
  /** Results the next write() calls return instead of writing all (short writes, -ENOSPC). */
  writeResults: number[];
}

/** What an open fd is. 'control' reads the control stream, 'status' writes to the status
 *  reader, 'socket' does both (one fd given as --status-fd and --control-fd). */
type FdEntry =
  | { kind: 'control' | 'status' | 'socket' | 'stderr' | 'tty' | 'signals'; cloexec: boolean; given: boolean }
  | { kind: 'epoll'; cloexec: boolean; given: boolean; watch: Map<number, number> }
  | { kind: 'file'; cloexec: boolean; given: boolean; file: FakeFile; path: string; pos: number; flags: number };

/** A step of the world, run at an epollWait() call: 'EINTR' makes that wait return -EINTR. */
export type Step = (k: FakeKernel) => void | 'EINTR';

/** The exports of dist/core.wasm (assembly/core-entry.ts). */
export interface CoreWasm {
  memory: WebAssembly.Memory;
  main(): number;
  argBuffer(): number;
  duration(len: number): number;
  init(self: number, main: number, clockTicks: number, pidMax: number): void;
  controlBuffer(): number;
  controlCapacity(): number;
  control(len: number): number;
  controlEof(): void;
  signal(signo: number, code: number, sender: number): number;
  launch(waitAll: number, grace: number): void;
  spawned(): void;
  spawnFailed(errno: number): void;
  launchSignal(signo: number, code: number, sender: number): number;
  timeout(signo: number): number;
  graceExpired(): void;
  pump(): number;
  exitCode(): number;
  mainCode(): number;
  mainStatus(): number;
}

let compiled: WebAssembly.Module | undefined;

/** dist/core.wasm (make dist/core.wasm), compiled once per process. */
export function coreModule(): WebAssembly.Module {
  // CORE_WASM: another build of the core to run the same tests against (e.g. a mutant).
  compiled ??= new WebAssembly.Module(
    readFileSync(process.env.CORE_WASM ?? new URL('../dist/core.wasm', import.meta.url)),
  );
  return compiled;
}

export interface FakeKernelOptions {
  self?: number;
  parent?: number;
  firstPid?: number;
  /** The arguments after the program name (argLen/argRead). */
  argv?: string[];
  /** /proc/sys/kernel/pid_max. */
  pidMax?: number;
  /** The fds supervise was given besides 0 (control), 1 (status) and 2 (stderr), or in
   *  their place ('closed': not open at exec). */
  fds?: Record<number, 'control' | 'status' | 'socket' | 'tty' | 'closed'>;
  /** What fdGiven() answers 0 for: fds open before the core ran ('inherited', the Node host's
   *  fd book), or any open fd ('open': the native host's fcntl(F_GETFD) >= 0). */
  fdGiven?: 'inherited' | 'open';
}

/** A process table around one supervisor (a child subreaper), its fds, an epoll, a clock
 *  and a file system, and core.wasm's "linux" imports over them. Deaths are synchronous:
 *  SIGKILL or any fatal signal makes a zombie at once (and a SIGCHLD byte in the signal
 *  pipe once signals() installed it). main() runs are driven by `script`: one step at each
 *  epollWait(), more while a blocking wait would find nothing ready. */
export class FakeKernel {
  readonly procs = new Map<number, Proc>();
  readonly kills: KillCall[] = [];
  /** Every byte the core wrote to the status reader. */
  written: number[] = [];
  /** Every byte written to fd 2. */
  readonly stderrBytes: number[] = [];
  /** Contract breaches seen (a write while not ready, a blocking waitid, ...). */
  readonly violations: string[] = [];
  /** Children reaped by waitid (without WNOWAIT), in order. */
  readonly reaped: Reap[] = [];
  /** Every kill and reap in order, as 'kill PID SIG' and 'reap PID'. */
  readonly log: string[] = [];
  /** Every import call by name, in order. */
  readonly calls: string[] = [];
  /** epoll_ctl calls as 'ADD fd events' / 'MOD fd events' / 'DEL fd'. */
  readonly ctl: string[] = [];
  readonly waits: WaitCall[] = [];
  readonly spawns: SpawnCall[] = [];
  waitCalls = 0;
  /** Set by tests around core calls; copied into each KillCall. */
  phase = '';
  /** Pids whose kill fails with EPERM (a setuid descendant). */
  readonly refuse = new Set<number>();
  /** Results the next writes to the status reader return instead of writing (e.g. -EAGAIN). */
  writeResults: number[] = [];
  /** Import calls allowed before the fake throws (a core that spins fails instead of hanging). */
  callsLeft = Infinity;
  /** epollWait() calls allowed before the fake throws. */
  waitsLeft = 10000;
  reader: ReaderState = 'ready';
  /** Most bytes one write to the status reader accepts (short writes when < 128). */
  maxWrite = Infinity;
  /** When set, children() fails with this -errno. */
  childrenError = 0;
  /** The control stream: chunks queued by the test (one read() each), then EOF. */
  readonly controlChunks: Uint8Array[] = [];
  controlEof = false;
  /** The control fd is a regular file or /dev/null: epoll refuses it (EPERM). */
  controlRegular = false;
  /** The world's steps, one per epollWait() (tests push to it). */
  readonly script: Step[] = [];
  /** What a blocking wait does when nothing is ready and the script is done: 'eof' closes
   *  the control stream (then fails if still nothing is ready), 'fail' throws at once. */
  idle: 'eof' | 'fail' = 'eof';
  /** Signals blocked and pending since exec (signo, si_code): delivered into the pipe by signals(). */
  readonly pendingAtExec: Array<[number, number]> = [];
  /** The signals signals() installed handlers for. */
  readonly caught = new Set<number>();
  /** What callerSignals() reports: the signals the caller left ignored, and its mask. */
  callerIgnored = 0n;
  callerBlocked = 0n;
  /** The socket type socketType() reports for a 'socket' fd (SOCK_STREAM 1, SOCK_SEQPACKET 5). */
  socketKind = 1;
  /** The size of every message sendRecords() sent, in order. */
  readonly messages: number[] = [];
  readonly files = new Map<string, FakeFile>();
  /** The directories mkdir() made and rmdir() has not removed. */
  readonly dirs = new Set<string>();
  /** mkdir() of these paths fails with the -errno given. */
  readonly mkdirErrors = new Map<string, number>();
  /** open() of these paths fails with the -errno given. */
  readonly openErrors = new Map<string, number>();
  /** The next spawn() fails with this -errno (0: it starts a child). */
  spawnError = 0;
  /** Called with each child spawn() started (e.g. to give it children, or make it exit). */
  onSpawn: ((pid: number, call: SpawnCall) => void) | null = null;
  subreaper = false;
  /** Results of setChildSubreaper / signals / epollCreate when set (a -errno). */
  subreaperError = 0;
  signalsError = 0;
  epollError = 0;
  uid = 1000;
  euid = 1000;
  gid = 1000;
  monoMs = 5_000_000;
  realUs = 1_700_000_000_000_000;
  /** When the machine booted (CLOCK_REALTIME - CLOCK_BOOTTIME), µs: an hour before. */
  bootUs = this.realUs - 3_600_000_000;
  /** The imports of module "linux". */
  readonly linux: Record<string, (...args: number[]) => number | bigint | void>;
  readonly argv: string[];
  readonly fdGivenMode: 'inherited' | 'open';
  private memory: WebAssembly.Memory | null = null;
  private readonly fds = new Map<number, FdEntry>();
  /** The signal pipe's records, oldest first: [signo, si_code]. */
  private readonly sigPipe: Array<[number, number, number]> = [];
  private nextPid: number;
  private serials = 0;
  /** Zombies of the supervisor in order of death: waitid(P_ALL) reaps the oldest first. */
  private deaths: number[] = [];
  readonly self: number;
  readonly parent: number;

  constructor(opts: FakeKernelOptions = {}) {
    this.self = opts.self ?? 100;
    this.parent = opts.parent ?? 50;
    this.nextPid = opts.firstPid ?? 200;
    this.argv = opts.argv ?? [];
    this.fdGivenMode = opts.fdGiven ?? 'inherited';
    this.add(1, 0);
    this.add(this.parent, 1);
    this.add(this.self, this.parent).comm = 'supervise';
    this.fds.set(0, { kind: 'control', cloexec: false, given: true });
    this.fds.set(1, { kind: 'status', cloexec: false, given: true });
    this.fds.set(2, { kind: 'stderr', cloexec: false, given: true });
    for (const [fd, kind] of Object.entries(opts.fds ?? {})) {
      if (kind === 'closed') this.fds.delete(Number(fd));
      else this.fds.set(Number(fd), { kind, cloexec: false, given: true });
    }
    const text = (s: string): FakeFile => ({ data: [...Buffer.from(s)], writeResults: [] });
    this.files.set(
      '/proc/self/stat',
      text(`${this.self} (supervise) S ${this.parent} ${this.self} ${this.self} 0 -1 4194560 107 0 0 0\n`),
    );
    this.files.set('/proc/sys/kernel/pid_max', text(`${opts.pidMax ?? 32768}\n`));
    this.linux = this.imports();
  }

  /** A fresh instance of dist/core.wasm over this kernel. */
  instantiate(): CoreWasm {
    const instance = new WebAssembly.Instance(coreModule(), {
      linux: this.linux,
      env: { abort: abortImport('core.wasm', () => this.memory ?? undefined) },
    } as unknown as WebAssembly.Imports);
    const core = instance.exports as unknown as CoreWasm;
    this.memory = core.memory;
    return core;
  }

  // --- the process table

  /** Adds a live process with a given pid (for siblings and fixed pids). */
  add(pid: number, ppid: number, uid = 1000): Proc {
    const p: Proc = {
      pid,
      ppid,
      state: 'alive',
      code: 0,
      status: 0,
      uid,
      utimeUs: 0,
      stimeUs: 0,
      maxrssKiB: 0,
      majflt: 0,
      serial: ++this.serials,
      ignores: new Set(),
      pgid: this.procs.get(ppid)?.pgid ?? pid,
      sid: this.procs.get(ppid)?.sid ?? pid,
      comm: this.procs.get(ppid)?.comm ?? 'init',
      startUs: this.realUs,
    };
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
    return [...this.procs.values()]
      .filter((p) => p.ppid === this.self)
      .map((p) => p.pid)
      .sort((a, b) => a - b);
  }

  /** Every live process of the supervisor's subtree (descendants), zombies excluded. */
  livingDescendants(): number[] {
    return [...this.procs.values()].filter((p) => p.state === 'alive' && this.inTree(p.pid)).map((p) => p.pid);
  }

  zombies(): number[] {
    return [...this.procs.values()].filter((p) => p.state === 'zombie' && p.ppid === this.self).map((p) => p.pid);
  }

  /** The whole records written to the status reader so far, in order. */
  records(): Uint8Array[] {
    const bytes = Uint8Array.from(this.written);
    const out: Uint8Array[] = [];
    for (let at = 0; at + STATUS_BYTES <= bytes.length; at += STATUS_BYTES)
      out.push(bytes.slice(at, at + STATUS_BYTES));
    return out;
  }

  /** The whole lines written to fd 2, without their '\n'. */
  get stderr(): string[] {
    const text = Buffer.from(this.stderrBytes).toString('utf8');
    const lines = text.split('\n');
    lines.pop();
    return lines;
  }

  /** A signal sent to supervise (by kill(2) from SENDER unless `code` says otherwise, e.g.
   *  SI_KERNEL for a terminal's; `sender` supervise's own pid for what the kernel raises for
   *  a write of its own): a record in the pipe if it has a handler, else its default action
   *  (SIG_IGN for those in callerIgnored). */
  signalSupervise(sig: number, code = SI_USER, sender = SENDER): void {
    if (this.caught.has(sig)) {
      if (this.sigPipe.length < PIPE_CAPACITY) this.sigPipe.push([sig, code, code <= 0 ? sender : 0]);
    } else if ((this.callerIgnored >> BigInt(sig - 1)) & 1n) {
      // ignored, as the caller left it
    } else if (this.caught.size === 0) {
      if (sig !== 17) this.pendingAtExec.push([sig, code]); // blocked by the host until signals()
    } else if (!HARMLESS.has(sig)) {
      this.violations.push(`supervise died of signal ${sig} (no handler)`);
    }
  }

  // --- the control stream and the clock

  /** Queues control bytes (one read() returns them). */
  sendControl(bytes: Uint8Array): void {
    if (this.controlEof) throw new Error('fake kernel: the control stream is closed');
    this.controlChunks.push(bytes);
  }

  /** Queues whole control records, in one chunk. */
  sendRecords(...records: Array<[number, number]>): void {
    this.sendControl(concatBytes(records.map(([pid, sig]) => encodeControlRef(pid, sig))));
  }

  /** The owner closes its end of the control stream. */
  closeControl(): void {
    this.controlEof = true;
  }

  advance(ms: number): void {
    this.monoMs += ms;
    this.realUs += ms * 1000;
  }

  /** The fds open now, in order, with what they are. */
  openFds(): Array<[number, string]> {
    return [...this.fds.entries()].sort((a, b) => a[0] - b[0]).map(([fd, e]) => [fd, e.kind]);
  }

  /** What epoll watches now on fd (0: nothing), in the one epoll instance. */
  watching(fd: number): number {
    for (const e of this.fds.values()) if (e.kind === 'epoll') return e.watch.get(fd) ?? 0;
    return 0;
  }

  // --- internals

  private inTree(pid: number): boolean {
    for (let p = this.procs.get(pid); p && p.pid > 1; p = this.procs.get(p.ppid)) {
      if (p.ppid === this.self) return true;
    }
    return false;
  }

  private die(pid: number, code: number, status: number): void {
    const p = this.procs.get(pid);
    if (p?.state !== 'alive') throw new Error(`fake kernel: ${pid} is not alive`);
    // Orphans go to the nearest subreaper: the supervisor if p was in its tree, else init.
    const heir = p.ppid === this.self || this.inTree(pid) ? this.self : 1;
    p.state = 'zombie';
    p.code = code;
    p.status = status;
    p.utimeUs = 1000 * (pid % 7) + 123;
    p.stimeUs = 1000000 * (pid % 3) + 4567;
    p.maxrssKiB = 2048 + pid;
    p.majflt = pid % 5;
    for (const c of this.procs.values()) {
      if (c.ppid === pid) {
        c.ppid = heir;
        if (heir === this.self && c.state === 'zombie') {
          this.deaths.push(c.pid);
          this.signalSupervise(17, 1); // an adopted zombie notifies its new parent (CLD_EXITED)
        } else if (c.state === 'zombie') this.procs.delete(c.pid); // init reaps it
      }
    }
    if (p.ppid === this.self) {
      this.deaths.push(pid);
      this.signalSupervise(17, code);
    } else if (p.ppid === 1) this.procs.delete(pid);
  }

  /** Counts one import call against callsLeft. */
  private spend(name: string): void {
    this.calls.push(name);
    if (--this.callsLeft < 0) throw new Error('fake kernel: the core made too many calls (spinning?)');
  }

  private bytes(): Uint8Array {
    if (!this.memory) throw new Error('fake kernel: no instance');
    return new Uint8Array(this.memory.buffer);
  }

  private view(): DataView {
    return new DataView(this.bytes().buffer);
  }

  private cString(ptr: number): string {
    const mem = this.bytes();
    let end = ptr;
    while (mem[end] !== 0) end++;
    return Buffer.from(mem.subarray(ptr, end)).toString('utf8');
  }

  private readiness(fd: number): number {
    const e = this.fds.get(fd);
    if (!e) return POLLNVAL;
    let r = 0;
    // A pipe's read end: data is EPOLLIN, no writer left EPOLLHUP; a socket whose peer shut
    // down its side reads EOF (EPOLLIN). A pipe's write end without reader: EPOLLERR.
    if (e.kind === 'control' || e.kind === 'socket') {
      if (this.controlChunks.length > 0) r |= EPOLLIN;
      if (this.controlEof) r |= e.kind === 'socket' ? EPOLLIN : EPOLLHUP;
    }
    if (e.kind === 'status' || e.kind === 'socket') {
      if (this.reader === 'ready') r |= EPOLLOUT;
      if (this.reader === 'gone') r |= EPOLLOUT | EPOLLERR;
    }
    if (e.kind === 'signals' && this.sigPipe.length > 0) r |= EPOLLIN;
    if (e.kind === 'stderr' || e.kind === 'tty' || e.kind === 'file') r |= EPOLLIN | EPOLLOUT;
    return r;
  }

  private readyEvents(watch: Map<number, number>): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const [fd, interest] of [...watch.entries()].sort((a, b) => a[0] - b[0])) {
      const ev = this.readiness(fd) & (interest | EPOLLERR | EPOLLHUP);
      if (ev) out.push([fd, ev]);
    }
    return out;
  }

  private freeFd(): number {
    let fd = 0;
    while (this.fds.has(fd)) fd++;
    return fd;
  }

  private writeStatus(ptr: number, len: number): number {
    if (this.reader === 'gone') return -EPIPE;
    if (this.reader === 'blocked') {
      this.violations.push('write to the status fd while not ready');
      return -EAGAIN;
    }
    const scripted = this.writeResults.shift();
    if (scripted !== undefined && scripted <= 0) return scripted;
    const n = Math.min(len, this.maxWrite, scripted ?? Infinity);
    const mem = this.bytes();
    for (let i = 0; i < n; i++) this.written.push(mem[ptr + i]);
    return n;
  }

  private readControl(buf: number, len: number): number {
    const chunk = this.controlChunks[0];
    if (!chunk) {
      if (this.controlEof) return 0;
      if (this.controlRegular) return 0;
      this.violations.push('read of the control fd with nothing to read (it would block)');
      return -EAGAIN;
    }
    const n = Math.min(len, chunk.length);
    this.bytes().set(chunk.subarray(0, n), buf);
    if (n === chunk.length) this.controlChunks.shift();
    else this.controlChunks[0] = chunk.subarray(n);
    return n;
  }

  private epollWait(ep: number, out: number, max: number, timeout: number): number {
    const e = this.fds.get(ep);
    if (e?.kind !== 'epoll') {
      this.violations.push(`epollWait on fd ${ep}, not an epoll`);
      return -EBADF;
    }
    if (--this.waitsLeft < 0) throw new Error('fake kernel: too many epoll waits (spinning?)');
    const n = this.waits.length + 1;
    const call: WaitCall = { timeout, result: 0, events: [], monoMs: this.monoMs };
    this.waits.push(call);
    this.phase = `wait ${n}`;
    let interrupted = false;
    const step = () => {
      const s = this.script.shift();
      if (s && s(this) === 'EINTR') interrupted = true;
      return s !== undefined;
    };
    step();
    let ready = this.readyEvents(e.watch);
    while (!interrupted && ready.length === 0 && timeout < 0) {
      if (step()) {
        ready = this.readyEvents(e.watch);
        continue;
      }
      if (this.idle === 'eof' && !this.controlEof) {
        this.controlEof = true;
        ready = this.readyEvents(e.watch);
        if (ready.length) break;
      }
      throw new Error(
        `fake kernel: the core would sleep forever (wait #${n}, timeout -1, nothing ready; ` +
          `living children: ${this.childPids().join(' ') || 'none'}; watching: ${[...e.watch].map(([f, v]) => `${f}:${v}`).join(' ')})`,
      );
    }
    if (interrupted) {
      call.result = -EINTR;
      return -EINTR;
    }
    if (ready.length === 0 && timeout > 0) this.advance(timeout); // asleep until the deadline
    const v = this.view();
    const events = ready.slice(0, max);
    events.forEach(([fd, ev], i) => {
      v.setInt32(out + 8 * i, fd, true);
      v.setInt32(out + 8 * i + 4, ev, true);
    });
    call.events = events;
    call.result = events.length;
    return events.length;
  }

  /** /proc/PID/stat of a process in the table (as Linux writes it, 100 ticks a second), or
   *  undefined: a file made at open, as procfs does. */
  private procStat(path: string): FakeFile | undefined {
    const m = /^\/proc\/(\d+)\/stat$/.exec(path);
    const p = m ? this.procs.get(Number(m[1])) : undefined;
    if (!p) return undefined;
    this.log.push(`stat ${p.pid}`);
    const ticks = Math.floor((p.startUs - this.bootUs) / 10_000);
    const state = p.state === 'zombie' ? 'Z' : 'S';
    const fields = `${state} ${p.ppid} ${p.pgid} ${p.sid} 0 -1 4194560 107 0 0 0 0 0 0 0 20 0 1 0 ${ticks} 2473984 0`;
    return { data: [...Buffer.from(`${p.pid} (${p.comm}) ${fields} 18446744073709551615 1 1 0\n`)], writeResults: [] };
  }

  private imports(): Record<string, (...args: number[]) => number | bigint | void> {
    const wrap =
      <F extends (...args: never[]) => unknown>(name: string, f: F) =>
      (...args: Parameters<F>): ReturnType<F> => {
        this.spend(name);
        return f(...args) as ReturnType<F>;
      };
    return {
      getpid: wrap('getpid', () => this.self),
      getpgid: wrap('getpgid', (pid: number) => {
        const p = this.procs.get(pid === 0 ? this.self : pid);
        return p ? p.pgid : pid < 0 ? -EINVAL : -ESRCH;
      }),
      getuid: wrap('getuid', () => this.uid),
      geteuid: wrap('geteuid', () => this.euid),
      getgid: wrap('getgid', () => this.gid),
      clockTicks: wrap('clockTicks', () => 100),
      getChildSubreaper: wrap('getChildSubreaper', () => (this.subreaper ? 1 : 0)),
      setChildSubreaper: wrap('setChildSubreaper', (on: number) => {
        if (this.subreaperError) return this.subreaperError;
        this.subreaper = on !== 0;
        return 0;
      }),
      argLen: wrap('argLen', (i: number) => (i >= 0 && i < this.argv.length ? Buffer.byteLength(this.argv[i]) : -1)),
      argRead: wrap('argRead', (i: number, buf: number) => {
        this.bytes().set(Buffer.from(this.argv[i]), buf);
      }),
      waitid: wrap('waitid', (idtype: number, id: number, infoPtr: number, options: number, rusagePtr: number) => {
        this.waitCalls++;
        const info = this.bytes().subarray(infoPtr, infoPtr + STATUS_BYTES);
        if (info.some((b) => b !== 0)) this.violations.push('waitid: info not zeroed');
        if (!(options & WEXITED)) return -EINVAL;
        if (!(options & WNOHANG)) {
          this.violations.push('waitid without WNOHANG');
          return -EINVAL;
        }
        let zombie: Proc | undefined;
        if (idtype === P_PID) {
          const p = this.procs.get(id);
          if (id <= 0) return -EINVAL; // as Linux answers P_PID 0
          if (!p || p.ppid !== this.self) return -ECHILD;
          zombie = p.state === 'zombie' ? p : undefined;
        } else if (idtype === P_ALL) {
          if (this.childPids().length === 0) return -ECHILD;
          zombie = this.procs.get(this.deaths[0]);
        } else {
          return -EINVAL;
        }
        if (!zombie) return 0; // WNOHANG, children alive: si_pid stays 0
        const view = this.view();
        view.setInt32(infoPtr, 17, true);
        view.setInt32(infoPtr + 8, zombie.code, true);
        view.setInt32(infoPtr + 16, zombie.pid, true);
        view.setInt32(infoPtr + 20, zombie.uid, true);
        view.setInt32(infoPtr + 24, zombie.status, true);
        if (rusagePtr) {
          this.bytes().fill(0, rusagePtr, rusagePtr + 144);
          view.setBigInt64(rusagePtr, BigInt(Math.floor(zombie.utimeUs / 1e6)), true);
          view.setBigInt64(rusagePtr + 8, BigInt(zombie.utimeUs % 1e6), true);
          view.setBigInt64(rusagePtr + 16, BigInt(Math.floor(zombie.stimeUs / 1e6)), true);
          view.setBigInt64(rusagePtr + 24, BigInt(zombie.stimeUs % 1e6), true);
          view.setBigInt64(rusagePtr + 32, BigInt(zombie.maxrssKiB), true); // ru_maxrss
          view.setBigInt64(rusagePtr + 72, BigInt(zombie.majflt), true); // ru_majflt
        }
        if (!(options & WNOWAIT)) {
          this.procs.delete(zombie.pid);
          this.deaths = this.deaths.filter((d) => d !== zombie!.pid);
          this.reaped.push({
            pid: zombie.pid,
            code: zombie.code,
            status: zombie.status,
            serial: zombie.serial,
            readerPresent: this.reader !== 'gone',
          });
          this.log.push(`reap ${zombie.pid}`);
        }
        return 0;
      }),
      kill: wrap('kill', (pid: number, sig: number) => {
        const p = this.procs.get(pid);
        const call: KillCall = {
          pid,
          sig,
          result: 0,
          wasChild: this.isChild(pid),
          serial: p?.serial ?? 0,
          phase: this.phase,
        };
        this.kills.push(call);
        this.log.push(`kill ${pid} ${sig}`);
        if (pid <= 0) this.violations.push(`kill(${pid}, ${sig})`);
        if (pid === this.self) this.violations.push(`kill of supervise itself (${sig})`);
        if (sig < 0 || sig > 64) call.result = -EINVAL;
        else if (!p) call.result = -ESRCH;
        else if (this.refuse.has(pid)) call.result = -EPERM;
        else if (p.state === 'alive' && !HARMLESS.has(sig) && (sig === 9 || !p.ignores.has(sig))) this.crash(pid, sig);
        return call.result;
      }),
      children: wrap('children', (buf: number, capacity: number) => {
        if (this.childrenError) return this.childrenError;
        const pids = this.childPids();
        const v = this.view();
        pids.slice(0, capacity).forEach((pid, i) => {
          v.setInt32(buf + 4 * i, pid, true);
        });
        return pids.length;
      }),
      childrenOf: wrap('childrenOf', (pid: number, buf: number, capacity: number) => {
        const parent = pid === 0 ? this.self : pid;
        const pids = [...this.procs.values()]
          .filter((p) => p.ppid === parent)
          .map((p) => p.pid)
          .sort((a, b) => a - b);
        const v = this.view();
        pids.slice(0, capacity).forEach((p, i) => {
          v.setInt32(buf + 4 * i, p, true);
        });
        return pids.length;
      }),
      spawn: wrap('spawn', (argvPtr: number, argc: number, opts: number) => {
        const v = this.view();
        const argv = Array.from({ length: argc }, (_, i) => this.cString(v.getUint32(argvPtr + 4 * i, true)));
        const uidMap = v.getUint32(opts + 12, true),
          gidMap = v.getUint32(opts + 16, true);
        const procs = this.fds.get(v.getInt32(opts + 36, true));
        const call: SpawnCall = {
          argv,
          flags: v.getInt32(opts, true),
          pdeathsig: v.getInt32(opts + 4, true),
          cloneFlags: v.getInt32(opts + 8, true),
          uidMap: uidMap ? this.cString(uidMap) : null,
          gidMap: gidMap ? this.cString(gidMap) : null,
          inherited: [...this.fds.entries()]
            .filter(([, e]) => !e.cloexec)
            .map(([fd]) => fd)
            .sort((a, b) => a - b),
          cgroupProcs: v.getInt32(opts + 36, true) > 0 && procs?.kind === 'file' ? procs.path : null,
          result: 0,
        };
        this.spawns.push(call);
        if (this.spawnError) {
          call.result = this.spawnError;
          return this.spawnError;
        }
        call.result = this.spawn(this.self);
        this.procs.get(call.result)!.comm = (argv[0] ?? '').split('/').pop()!.slice(0, 15);
        this.onSpawn?.(call.result, call);
        return call.result;
      }),
      signals: wrap('signals', (list: number, count: number) => {
        if (this.signalsError) return this.signalsError;
        const v = this.view();
        for (let i = 0; i < count; i++) this.caught.add(v.getInt32(list + 4 * i, true));
        const fd = this.freeFd();
        this.fds.set(fd, { kind: 'signals', cloexec: true, given: false });
        for (const [sig, code] of this.pendingAtExec.splice(0)) this.signalSupervise(sig, code);
        return fd;
      }),
      epollCreate: wrap('epollCreate', () => {
        if (this.epollError) return this.epollError;
        const fd = this.freeFd();
        this.fds.set(fd, { kind: 'epoll', cloexec: true, given: false, watch: new Map() });
        return fd;
      }),
      epollCtl: wrap('epollCtl', (ep: number, op: number, fd: number, events: number) => {
        const e = this.fds.get(ep);
        if (e?.kind !== 'epoll') {
          this.violations.push(`epollCtl on fd ${ep}, not an epoll`);
          return -EBADF;
        }
        const target = this.fds.get(fd);
        if (!target) {
          this.violations.push(`epollCtl of fd ${fd}, not open`);
          return -EBADF;
        }
        if (fd === ep) return -EINVAL;
        if (target.kind === 'file' || (this.controlRegular && (target.kind === 'control' || target.kind === 'socket')))
          return -EPERM;
        const name =
          op === EPOLL_CTL_ADD ? 'ADD' : op === EPOLL_CTL_MOD ? 'MOD' : op === EPOLL_CTL_DEL ? 'DEL' : `op${op}`;
        this.ctl.push(op === EPOLL_CTL_DEL ? `DEL ${fd}` : `${name} ${fd} ${events}`);
        const has = e.watch.has(fd);
        if (op === EPOLL_CTL_ADD) {
          if (has) {
            this.violations.push(`epollCtl ADD of fd ${fd}, watched already`);
            return -EEXIST;
          }
          e.watch.set(fd, events);
        } else if (op === EPOLL_CTL_MOD || op === EPOLL_CTL_DEL) {
          if (!has) {
            this.violations.push(`epollCtl ${name} of fd ${fd}, not watched`);
            return -ENOENT;
          }
          if (op === EPOLL_CTL_MOD) e.watch.set(fd, events);
          else e.watch.delete(fd);
        } else return -EINVAL;
        return 0;
      }),
      epollWait: wrap('epollWait', (ep: number, out: number, max: number, timeout: number) =>
        this.epollWait(ep, out, max, timeout),
      ),
      poll: wrap('poll', (fd: number, events: number, timeout: number) => {
        if (timeout !== 0) this.violations.push(`poll(${fd}, ${events}, ${timeout}) may block`);
        const r = this.readiness(fd);
        return r === POLLNVAL ? r : r & (events | EPOLLERR | EPOLLHUP);
      }),
      read: wrap('read', (fd: number, buf: number, len: number) => {
        const e = this.fds.get(fd);
        if (!e) return -EBADF;
        if (len < 0) return -EINVAL;
        if (e.kind === 'signals') {
          if (this.sigPipe.length === 0) return -EAGAIN;
          const records = this.sigPipe.splice(0, Math.floor(len / SIGNAL_RECORD_SIZE));
          if (records.length === 0) return -EINVAL; // a read too short for a whole record
          const v = this.view();
          records.forEach(([sig, code, sender], i) => {
            const at = buf + SIGNAL_RECORD_SIZE * i;
            v.setInt32(at + SIGNAL_SIGNO, sig, true);
            v.setInt32(at + SIGNAL_CODE, code, true);
            v.setInt32(at + SIGNAL_PID, sender, true);
            v.setInt32(at + SIGNAL_PID + 4, 0, true);
          });
          return SIGNAL_RECORD_SIZE * records.length;
        }
        if (e.kind === 'control' || e.kind === 'socket') return this.readControl(buf, len);
        if (e.kind === 'file') {
          if ((e.flags & O_ACCMODE) === 1) return -EBADF;
          const bytes = e.file.data.slice(e.pos, e.pos + len);
          this.bytes().set(bytes, buf);
          e.pos += bytes.length;
          return bytes.length;
        }
        return -EBADF;
      }),
      write: wrap('write', (fd: number, buf: number, len: number) => {
        const e = this.fds.get(fd);
        if (!e) return -EBADF;
        if (len < 0) return -EINVAL;
        if (e.kind === 'status' || e.kind === 'socket') return this.writeStatus(buf, len);
        if (e.kind === 'stderr') {
          const bytes = this.bytes().subarray(buf, buf + len);
          if (bytes[len - 1] !== 0x0a) this.violations.push('stderr: a write that is not whole lines');
          this.stderrBytes.push(...bytes);
          return len;
        }
        if (e.kind === 'file') {
          if ((e.flags & O_ACCMODE) === 0) return -EBADF;
          const scripted = e.file.writeResults.shift();
          if (scripted !== undefined && scripted < 0) return scripted;
          const n = Math.min(len, scripted ?? Infinity);
          const bytes = [...this.bytes().subarray(buf, buf + n)];
          if (e.flags & O_APPEND) e.pos = e.file.data.length;
          e.file.data.splice(e.pos, bytes.length, ...bytes);
          e.pos += bytes.length;
          return n;
        }
        return -EBADF;
      }),
      open: wrap('open', (pathPtr: number, flags: number, _mode: number) => {
        const path = this.cString(pathPtr);
        const error = this.openErrors.get(path);
        if (error) return error;
        let file = this.files.get(path) ?? this.procStat(path);
        if (!file) {
          if (!(flags & O_CREAT)) return -ENOENT;
          file = { data: [], writeResults: [] };
          this.files.set(path, file);
        }
        const fd = this.freeFd();
        this.fds.set(fd, { kind: 'file', cloexec: true, given: false, file, path, pos: 0, flags });
        return fd;
      }),
      mkdir: wrap('mkdir', (pathPtr: number, _mode: number) => {
        const path = this.cString(pathPtr);
        const error = this.mkdirErrors.get(path);
        if (error) return error;
        if (this.dirs.has(path)) return -EEXIST;
        this.dirs.add(path);
        return 0;
      }),
      rmdir: wrap('rmdir', (pathPtr: number) => {
        const path = this.cString(pathPtr);
        return this.dirs.delete(path) ? 0 : -ENOENT;
      }),
      close: wrap('close', (fd: number) => {
        if (!this.fds.has(fd)) {
          this.violations.push(`close(${fd}) of an fd not open`);
          return -EBADF;
        }
        if (fd <= 2) this.violations.push(`close(${fd}) of a standard fd`);
        this.fds.delete(fd);
        for (const e of this.fds.values()) if (e.kind === 'epoll') e.watch.delete(fd);
        return 0;
      }),
      callerSignals: wrap('callerSignals', (out: number) => {
        const v = this.view();
        v.setBigUint64(out + CALLER_IGNORED, this.callerIgnored, true);
        v.setBigUint64(out + CALLER_BLOCKED, this.callerBlocked, true);
      }),
      socketType: wrap('socketType', (fd: number) => {
        const e = this.fds.get(fd);
        if (!e) return -EBADF;
        return e.kind === 'socket' ? this.socketKind : -ENOTSOCK;
      }),
      sendRecords: wrap('sendRecords', (fd: number, buf: number, size: number, count: number) => {
        const e = this.fds.get(fd);
        if (!e) return -EBADF;
        if (e.kind !== 'socket') return -ENOTSOCK;
        let sent = 0;
        for (; sent < Math.min(count, 64); sent++) {
          // Each message whole or not at all: a short write cannot happen on a message socket.
          const saved = this.maxWrite;
          this.maxWrite = Infinity;
          const r = this.writeStatus(buf + sent * size, size);
          this.maxWrite = saved;
          if (r < 0) return sent > 0 ? sent : r;
          this.messages.push(r);
        }
        return sent;
      }),
      fileType: wrap('fileType', (fd: number) => {
        const e = this.fds.get(fd);
        if (!e) return -EBADF;
        if (e.kind === 'file') return 0o100000; // S_IFREG
        if (e.kind === 'socket') return 0o140000; // S_IFSOCK
        if (e.kind === 'tty' || e.kind === 'stderr') return 0o020000; // S_IFCHR
        return 0o010000; // S_IFIFO: pipes, the signal pipe
      }),
      fileSize: wrap('fileSize', (fd: number) => {
        const e = this.fds.get(fd);
        if (!e) return -EBADF;
        return e.kind === 'file' ? e.file.data.length : 0;
      }),
      fdGiven: wrap('fdGiven', (fd: number) => {
        const e = this.fds.get(fd);
        return e && (e.given || this.fdGivenMode === 'open') ? 0 : -EBADF;
      }),
      setCloexec: wrap('setCloexec', (fd: number, on: number) => {
        const e = this.fds.get(fd);
        if (!e) return -EBADF;
        e.cloexec = on !== 0;
        return 0;
      }),
      realtimeUs: wrap('realtimeUs', () => BigInt(this.realUs)),
      boottimeUs: wrap('boottimeUs', () => BigInt(this.realUs - this.bootUs)),
      monotonicMs: wrap('monotonicMs', () => BigInt(this.monoMs)),
    };
  }
}

// --- random histories

/** A control record's pid: a current child, any pid seen in the history, or a raw value. */
export type PidChoice = { child: number } | { known: number } | { raw: number };

/** What happens to the world in one step of a random history (not to supervise itself). */
export type WorldAction =
  | { t: 'fork'; parent: number }
  | { t: 'exit'; who: number; code: number }
  | { t: 'crash'; who: number; sig: number }
  | { t: 'control'; records: Array<[PidChoice, number]>; cuts: number[] }
  | { t: 'reader'; state: ReaderState }
  | { t: 'maxWrite'; n: number }
  | { t: 'eagain' }
  | { t: 'recycle'; which: number }
  | { t: 'refuse'; who: number };

export const plain = { noNullPrototype: true } as const;
const INT_MIN = -0x80000000,
  INT_MAX = 0x7fffffff;

/** The world's actions with their fast-check weights (times `scale`); `raws`: odd pids a
 *  control record may name. */
export function worldActions(scale = 1, raws = [0, -1, INT_MIN, INT_MAX, 1, 100, 50, 60, 299, 300, 4194304]) {
  const pidChoice: fc.Arbitrary<PidChoice> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ child: fc.nat() }, plain) },
    { weight: 3, arbitrary: fc.record({ known: fc.nat() }, plain) },
    { weight: 1, arbitrary: fc.record({ raw: fc.constantFrom(...raws) }, plain) },
  );
  const sigChoice = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 64 }) },
    { weight: 1, arbitrary: fc.constantFrom(-1, 65, INT_MIN, INT_MAX, 9, 15) },
  );
  const w = (weight: number, arbitrary: fc.Arbitrary<WorldAction>) => ({ weight: weight * scale, arbitrary });
  return [
    w(6, fc.record({ t: fc.constant('fork' as const), parent: fc.nat() }, plain)),
    w(3, fc.record({ t: fc.constant('exit' as const), who: fc.nat(), code: fc.integer({ min: 0, max: 255 }) }, plain)),
    w(2, fc.record({ t: fc.constant('crash' as const), who: fc.nat(), sig: fc.constantFrom(6, 9, 11, 15) }, plain)),
    w(
      4,
      fc.record(
        {
          t: fc.constant('control' as const),
          records: fc.array(fc.tuple(pidChoice, sigChoice), { minLength: 1, maxLength: 4 }),
          cuts: fc.array(fc.nat({ max: 32 }), { maxLength: 3 }),
        },
        plain,
      ),
    ),
    w(
      2,
      fc.record(
        { t: fc.constant('reader' as const), state: fc.constantFrom<ReaderState>('ready', 'ready', 'blocked', 'gone') },
        plain,
      ),
    ),
    w(1, fc.record({ t: fc.constant('maxWrite' as const), n: fc.constantFrom(1, 7, 64, 128, Infinity) }, plain)),
    w(1, fc.constant({ t: 'eagain' as const })),
    w(2, fc.record({ t: fc.constant('recycle' as const), which: fc.nat() }, plain)),
    w(1, fc.record({ t: fc.constant('refuse' as const), who: fc.nat() }, plain)),
  ];
}

const pick = <T>(list: T[], i: number): T | undefined => (list.length ? list[i % list.length] : undefined);

/** The world of one history over a fake kernel: the pids it has seen (for control records). */
export class World {
  readonly seen: Set<number>;

  /** `selfForks`: supervise itself may gain children (the decision tests); else only its
   *  descendants fork (main() runs: a supervisor's children come from before its exec). */
  constructor(
    readonly k: FakeKernel,
    readonly selfForks: boolean,
  ) {
    this.seen = new Set([1, k.parent, k.self, k.add(60, k.parent).pid]); // 60: a sibling
  }

  living(): number[] {
    return this.k.livingDescendants().sort((a, b) => a - b);
  }

  /** Carries out one action; a control action returns its bytes cut into chunks. */
  apply(a: WorldAction): Uint8Array[] {
    const k = this.k;
    switch (a.t) {
      case 'fork': {
        const parent = pick(this.selfForks ? [k.self, ...this.living()] : this.living(), a.parent);
        if (parent && k.procs.size < 80) this.seen.add(k.spawn(parent));
        break;
      }
      case 'exit': {
        const who = pick(this.living(), a.who);
        if (who) k.exit(who, a.code);
        break;
      }
      case 'crash': {
        const who = pick(this.living(), a.who);
        if (who) k.crash(who, a.sig);
        break;
      }
      case 'control': {
        const all = [...this.seen];
        const kids = k.childPids();
        const pidOf = (p: PidChoice) =>
          'child' in p ? (pick(kids, p.child) ?? 0) : 'known' in p ? pick(all, p.known)! : p.raw;
        const bytes = concatBytes(a.records.map(([p, sig]) => encodeControlRef(pidOf(p), sig)));
        const cuts = [...new Set(a.cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
        const chunks: Uint8Array[] = [];
        let from = 0;
        for (const cut of [...cuts, bytes.length]) {
          if (cut > from) chunks.push(bytes.subarray(from, cut));
          from = cut;
        }
        return chunks;
      }
      case 'reader':
        if (k.reader !== 'gone') k.reader = a.state;
        break;
      case 'maxWrite':
        k.maxWrite = a.n;
        break;
      case 'eagain':
        k.writeResults.push(-EAGAIN);
        break;
      case 'recycle': {
        // Prefer the pids reaped last: the ones a late control record or the kill map could confuse.
        const free = k.reaped
          .slice(-4)
          .map((r) => r.pid)
          .filter((p) => !k.procs.has(p));
        const pid = pick(free, a.which);
        const parent = pick([k.self, ...this.living()], a.which)!;
        if (pid) this.seen.add(k.spawnAs(pid, parent));
        break;
      }
      case 'refuse': {
        // a setuid descendant: kill() gets EPERM
        const who = pick(this.living(), a.who);
        if (who) k.refuse.add(who);
        break;
      }
    }
    return [];
  }

  /** The end of a history: the reader reads (unless gone), the unkillable end on their own. */
  settle(): void {
    const k = this.k;
    if (k.reader === 'blocked') k.reader = 'ready';
    k.writeResults = [];
    for (const pid of k.refuse) if (k.procs.get(pid)?.state === 'alive') k.exit(pid, 0);
    k.refuse.clear();
  }

  /** The invariants of every history at its end: no contract breach, nothing of the tree
   *  left, every kill a valid one aimed at a child, exactly one record per reap while the
   *  reader was there (the last may be cut off by EPIPE), after `own` records of supervise's. */
  check(own = 0): void {
    const k = this.k;
    assert.equal(k.violations, []);
    assert.equal(k.livingDescendants(), [], 'a living descendant at the end');
    assert.equal(k.childPids(), []);
    for (const c of k.kills) {
      assert.ok(c.pid > 0 && c.sig >= 0 && c.sig <= 64, `kill(${c.pid}, ${c.sig})`);
      assert.ok(c.wasChild, `kill(${c.pid}, ${c.sig}) of a non-child`);
    }
    const present = k.reaped.filter((r) => r.readerPresent);
    const records = k
      .records()
      .slice(own)
      .map((r) => decodeStatusRef(r));
    // Every reap while the reader was there gives its record, in order; when the reader
    // left, the records still on their way go with it: the one being written, or the batch
    // (io.ts: at most 32 records, gathered under one poll()) a short write left behind, as
    // the records in a pipe's buffer go when its reader closes it.
    const lost = present.length - records.length;
    assert.ok(
      lost === 0 || (lost > 0 && lost <= 32 && k.reader === 'gone'),
      `${records.length} records for ${present.length} reaps`,
    );
    records.forEach((r, i) => {
      assert.equal([r.signo, r.pid, r.code, r.status], [17, present[i].pid, present[i].code, present[i].status]);
    });
    if (k.reader !== 'gone' && !own) assert.is(k.written.length, 128 * k.reaped.length);
    assert.ok(
      k.stderr.every((line) => line.startsWith('supervise: ')),
      k.stderr.join('\n'),
    );
  }
}
