// The Node host: core.wasm instantiated by V8, each "linux" import (assembly/linux.ts)
// bound to the addon (cli/shim.ts) or to one of Node's own plain syscall wrappers. It
// wires; it decides nothing. The whole program, its event loop included, runs inside the
// core's main(): this thread blocks in epoll_wait there, which is what the executable
// wants (no JS of ours runs while supervise supervises). What only this host does, since
// Node runs first: fds Node opened for itself are not "given" (fdGiven), and the fds 0..16
// Node marked close-on-exec at start-up are inherited by the spawned command all the same.
import { openSync, fstatSync, writeSync, mkdirSync, rmdirSync } from 'node:fs';
import { nodeFds } from '../pkg/fds.ts';
import { hasShim, loadShim, type Shim, type SpawnOptions } from './shim.ts';
import { loadCore, type CoreExports, type LinuxImports } from './wasm.ts';
import { STATUS_SIZE, RUSAGE_SIZE, EINVAL, EIO, EBADF } from '../assembly/protocol.ts';
import {
  SPAWN_SELF,
  SPAWN_MOUNT_PROC,
  SPAWN_FLAGS,
  SPAWN_PDEATHSIG,
  SPAWN_CLONE_FLAGS,
  SPAWN_UID_MAP,
  SPAWN_GID_MAP,
  SPAWN_IGNORED,
  SPAWN_MASK,
  SPAWN_CGROUP_PROCS,
  CALLER_SIGNALS_SIZE,
  CALLER_IGNORED,
  CALLER_BLOCKED,
} from '../assembly/sys.ts';

/** Node marks the fds 0..16 it inherited close-on-exec before any of our code runs. */
const LAST_INHERITED = 16;

/** Runs supervise on `args` (argv without node and the script) -> the exit status, or
 *  -1 when the core hands them to the yargs front end. Called by cli/supervise.ts; tests
 *  pass a `shim` of their own (test/fixtures/node-fault.ts injects a fault). */
export function runCore(args: string[], shim?: Shim): number {
  let sys: Shim;
  let core: CoreExports;
  try {
    sys = shim ?? loadShim();
    core = loadCore((buffer) => imports(sys, args, buffer));
  } catch (err) {
    say(((err as Error).message ?? String(err)).replace(/^supervise: /, ''));
    return 1;
  }
  try {
    return core.main();
  } catch (err) {
    // A trap, an abort or a bug of the host: never leave the tree alive.
    say(`internal error: ${(err as Error)?.message ?? String(err)}`);
    return sys.lastResort();
  }
}

/** The duration text -> milliseconds, or NaN if malformed: the core's own grammar (its
 *  `duration` export), for the yargs front end. */
export function coreDuration(text: string): number {
  // duration() makes no system call: without the addon (the npm package) every import
  // throws, unused.
  const core = (durationCore ??= loadCore((buffer) => imports(hasShim() ? loadShim() : noShim, [], buffer)));
  const bytes = Buffer.from(text);
  if (bytes.length > 4096) return NaN;
  new Uint8Array(core.memory.buffer, core.argBuffer(), bytes.length).set(bytes);
  const ms = core.duration(bytes.length);
  return ms < 0 ? NaN : ms;
}
let durationCore: CoreExports | undefined;
const noShim = new Proxy({} as Shim, {
  get: (_, name) => () => {
    throw new Error(`supervise: ${String(name)}: the native shim is not built`);
  },
});

function imports(shim: Shim, args: string[], buffer: () => ArrayBuffer): LinuxImports {
  const argBytes = args.map((a) => Buffer.from(a));
  const bytes = (ptr: number, len: number) => new Uint8Array(buffer(), ptr, len);
  const fds = new FdBook();
  fds.snapshot(); // before the core opens anything
  const caller = callerSignals();
  return {
    getpid: () => shim.getpid(),
    getpgid: (pid) => shim.getpgid(pid),
    getuid: () => process.getuid!(),
    geteuid: () => process.geteuid!(),
    getgid: () => process.getgid!(),
    clockTicks: () => shim.clockTicks(),
    getChildSubreaper: () => shim.getChildSubreaper(),
    setChildSubreaper: (on) => shim.setChildSubreaper(on !== 0),
    argLen: (i) => (i >= 0 && i < argBytes.length ? argBytes[i].length : -1),
    argRead: (i, buf) => bytes(buf, argBytes[i].length).set(argBytes[i]),

    waitid: (idtype, id, info, options, rusage) =>
      shim.waitid(idtype, id, bytes(info, STATUS_SIZE), options, rusage ? bytes(rusage, RUSAGE_SIZE) : undefined),
    kill: (pid, sig) => shim.kill(pid, sig),
    children: (buf, capacity) => shim.listChildren(new Int32Array(buffer(), buf, capacity)),
    childrenOf: (pid, buf, capacity) => shim.listChildrenOf(pid, new Int32Array(buffer(), buf, capacity)),
    spawn: (argv, argc, opts) => spawn(shim, new DataView(buffer()), argv, argc, opts, fds.childMap()),

    signals: (list, count) => fds.ours(shim.signalPipe(Array.from(new Int32Array(buffer(), list, count)))),
    callerSignals: (out) => {
      const view = new DataView(buffer(), out, CALLER_SIGNALS_SIZE);
      view.setBigUint64(CALLER_IGNORED, caller[0], true);
      view.setBigUint64(CALLER_BLOCKED, caller[1], true);
    },

    epollCreate: () => fds.ours(shim.epollCreate()),
    epollCtl: (ep, op, fd, events) => shim.epollCtl(ep, op, fd, events),
    epollWait: (ep, out, max, timeoutMs) => shim.epollWait(ep, new Int32Array(buffer(), out, 2 * max), timeoutMs),
    poll: (fd, events, timeoutMs) => shim.poll(fd, events, timeoutMs),
    read: (fd, buf, len) => shim.read(fd, new Uint8Array(buffer()), buf, len),
    write: (fd, buf, len) => shim.write(fd, new Uint8Array(buffer()), buf, len),
    open: (path, flags, mode) => fds.ours(errno(() => openSync(cString(buffer(), path), flags, mode))), // libuv adds O_CLOEXEC
    close: (fd) => shim.close(fd),
    mkdir: (path, mode) =>
      errno(() => {
        mkdirSync(cString(buffer(), path), mode);
        return 0;
      }),
    rmdir: (path) =>
      errno(() => {
        rmdirSync(cString(buffer(), path));
        return 0;
      }),
    fileSize: (fd) => errno(() => Math.min(fstatSync(fd).size, 2 ** 31 - 1)),
    fileType: (fd) => errno(() => fstatSync(fd).mode & 0o170000),
    socketType: (fd) => shim.socketType(fd),
    sendRecords: (fd, buf, size, count) => shim.sendMessages(fd, new Uint8Array(buffer()), buf, size, count),
    fdGiven: (fd) => (shim.fdFlags(fd) >= 0 ? fds.given(fd) : -EBADF),
    setCloexec: (fd, on) => {
      const r = shim.setCloexec(fd, on !== 0);
      if (r === 0) fds.cloexec(fd, on !== 0);
      return r;
    },

    realtimeUs: () => shim.realtimeUs(),
    boottimeUs: () => shim.boottimeUs(),
    monotonicMs: () => shim.monotonicMs(),
  };
}

/** Node set every disposition but PIPE and XFSZ (ignored) back to SIG_DFL and cleared the
 *  mask before any code of ours ran, so what the caller ignored and blocked is known only
 *  when the native host read it and handed its argv to this one (host/native.cc
 *  RunFrontEnd): SUPERVISE_CALLER_SIGNALS=IGNORED:BLOCKED in hex, taken out of the
 *  environment here so that CMD does not inherit it. Else none (both 0). */
function callerSignals(): [bigint, bigint] {
  if (caller) return caller; // read once per process: main() may run twice (cli/supervise.ts)
  const text = process.env[CALLER_SIGNALS_ENV];
  delete process.env[CALLER_SIGNALS_ENV];
  const m = /^([0-9a-f]{1,16}):([0-9a-f]{1,16})$/.exec(text ?? '');
  caller = m ? [BigInt(`0x${m[1]}`), BigInt(`0x${m[2]}`)] : [0n, 0n];
  return caller;
}
const CALLER_SIGNALS_ENV = 'SUPERVISE_CALLER_SIGNALS';
let caller: [bigint, bigint] | undefined;

/** spawn(argv, argc, opts) of assembly/linux.ts over the addon's spawn. SPAWN_SELF runs
 *  this supervise as it was started: node, its flags, the script, then argv[1..]. */
function spawn(shim: Shim, view: DataView, argvPtr: number, argc: number, optsPtr: number, fds: number[]): number {
  if (argc <= 0) return -EINVAL;
  const text = (ptr: number) => cString(view.buffer as ArrayBuffer, ptr).toString('utf8');
  const argv: string[] = [];
  for (let i = 0; i < argc; i++) argv.push(text(view.getUint32(argvPtr + 4 * i, true)));
  const field = (offset: number) => (optsPtr ? view.getInt32(optsPtr + offset, true) : 0); // opts 0: defaults
  const flags = field(SPAWN_FLAGS);
  const opts: SpawnOptions = {
    fds,
    pdeathsig: field(SPAWN_PDEATHSIG),
    cloneFlags: field(SPAWN_CLONE_FLAGS),
    mountProc: (flags & SPAWN_MOUNT_PROC) !== 0,
    ignored: optsPtr ? view.getBigUint64(optsPtr + SPAWN_IGNORED, true) : 0n,
    mask: optsPtr ? view.getBigUint64(optsPtr + SPAWN_MASK, true) : 0n,
  };
  const uidMap = field(SPAWN_UID_MAP) >>> 0;
  const gidMap = field(SPAWN_GID_MAP) >>> 0;
  if (field(SPAWN_CGROUP_PROCS) > 0) opts.cgroupProcs = field(SPAWN_CGROUP_PROCS);
  if (uidMap) opts.uidMap = text(uidMap);
  if (gidMap) opts.gidMap = text(gidMap);
  if (flags & SPAWN_SELF) {
    const self = [process.execPath, ...process.execArgv, process.argv[1], ...argv.slice(1)];
    return shim.spawn(self[0], self, null, opts);
  }
  return shim.spawn(argv[0], argv, null, opts);
}

/** What this host knows of its fds: which ones Node opened for itself (its eventfds,
 *  epoll fds and pipes whose both ends it holds, from /proc/self/fd, read once before the
 *  core runs) and
 *  which ones the core made its own (opened, marked close-on-exec, the signal pipe). */
class FdBook {
  #nodes: Map<number, boolean> | undefined;
  #ours = new Set<number>();
  #inherit = new Set<number>();

  /** Records fd (a result of open, signals, epollCreate) as the core's; passes it on. */
  ours(fd: number): number {
    if (fd >= 0) this.#ours.add(fd);
    return fd;
  }

  cloexec(fd: number, on: boolean): void {
    if (on) {
      this.#ours.add(fd);
      this.#inherit.delete(fd);
    } else {
      this.#ours.delete(fd);
      this.#inherit.add(fd);
    }
  }

  /** 0 when the open fd was given to this process (0, 1, 2, or open before the core ran
   *  and not one of Node's; without /proc none above 2 is known), else -EBADF. */
  given(fd: number): number {
    return fd <= 2 || this.#table().get(fd) === false ? 0 : -EBADF;
  }

  /** The child's fd map for spawn: Node marked every fd from 0 to 16 it inherited close-
   *  on-exec before any of our code ran; this undoes it (i -> i) for 0, 1, 2 and every fd
   *  that neither Node nor the core opened for itself, and closes (-1) the rest. Fds from
   *  17 up keep their flag as inherited. */
  childMap(): number[] {
    const table = this.#table();
    const fds: number[] = [];
    for (let fd = 0; fd <= LAST_INHERITED; fd++) {
      const inherited = fd <= 2 || this.#inherit.has(fd) || (table.get(fd) === false && !this.#ours.has(fd));
      fds.push(inherited ? fd : -1);
    }
    while (fds.length > 3 && fds[fds.length - 1] < 0) fds.pop();
    return fds;
  }

  /** Reads the table now (else at first use). */
  snapshot(): void {
    this.#table();
  }

  /** fd -> whether Node opened it for itself, for every fd open at the snapshot. */
  #table(): Map<number, boolean> {
    return (this.#nodes ??= nodeFds());
  }
}

/** The NUL-terminated bytes at ptr (throws a RangeError past the end of memory: a trap). */
function cString(buffer: ArrayBuffer, ptr: number): Buffer {
  const mem = new Uint8Array(buffer);
  const end = ptr < mem.length ? mem.indexOf(0, ptr) : -1;
  if (end < 0) throw new RangeError(`no NUL-terminated string at ${ptr}`);
  return Buffer.from(buffer, ptr, end - ptr);
}

/** A Node fs call -> its result, or -errno for a failing system call. */
function errno(call: () => number): number {
  try {
    return call();
  } catch (err) {
    const n = (err as NodeJS.ErrnoException).errno;
    return typeof n === 'number' && n < 0 ? n : -EIO;
  }
}

function say(line: string): void {
  try {
    writeSync(2, `supervise: ${line}\n`);
  } catch {
    // stderr gone
  }
}
