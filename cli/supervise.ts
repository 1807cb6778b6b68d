// The supervise executable. main(argv) -> exit status; bin/supervise calls it.
// With no arguments it is the reference's protocol mode on fds 0 and 1; with a plain
// `[options] -- CMD [ARG...]` it is launch mode, parsed by hand (options.ts). Both load
// nothing but the shim and core.wasm. Anything else goes to the yargs front end, loaded
// only then (it costs start-up time that programs driving supervise should not pay).
import { openSync, fstatSync, writeSync, closeSync, readdirSync, readlinkSync, constants as fsc } from 'node:fs';
import { loadShim, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER, type Shim, type SpawnOptions } from './shim.ts';
import { catchSignals, prepare, runLoop, SetupError, LAUNCH_EXTRA_SIGNALS } from './loop.ts';
import { parseFast, type LaunchOptions } from './options.ts';
import { errnoText } from './errors.ts';
import {
  EVENTS_MAGIC, EVENTS_VERSION, EVENTS_ENTRY_SIZE, EVENTS_HEADER_SIZE, EXIT_USAGE,
} from '../assembly/protocol.ts';

const SIGKILL = 9;

/** Protocol mode: control records in on fd 0, status records out on fd 1. */
export async function protocolMode(): Promise<number> {
  try {
    const shim = loadShim();
    const signalFd = catchSignals(shim);
    prepare(shim);
    return await runLoop({ shim, controlFd: 0, statusFd: 1, signalFd });
  } catch (err) {
    return fail(err);
  }
}

/** Launch mode: runs CMD under supervision; resolves to the exit status. */
export async function launchMode(o: LaunchOptions): Promise<number> {
  try {
    const shim = loadShim();
    const signalFd = catchSignals(shim, LAUNCH_EXTRA_SIGNALS);
    prepare(shim);
    // The protocol fds are ours: CMD must not inherit them (it would keep EOF away). An fd
    // number the caller did not pass may be open all the same, as one of Node's own.
    const table = fdTable();
    for (const [name, fd] of [['status-fd', o.statusFd], ['control-fd', o.controlFd]] as const) {
      if (fd < 0) continue;
      if (table.get(fd)?.nodes ?? true) {
        return fail(new SetupError(`--${name} ${fd}: not an fd supervise was given (Bad file descriptor)`), EXIT_USAGE);
      }
      const r = shim.setCloexec(fd, true);
      if (r < 0) return fail(new SetupError(`--${name} ${fd}: ${errnoText(r)}`), EXIT_USAGE);
    }
    const eventsFd = o.events === null ? -1 : openEvents(o.events);
    const fds = inheritedFds(table, new Set([o.statusFd, o.controlFd, eventsFd, signalFd]));
    const pid = spawnCommand(shim, o, fds);
    if (pid < 0 && o.pidNs) say(`--pid-ns: cannot start ${o.file} in a new PID namespace: ${errnoText(pid)}${NS_HINT}`);
    else if (pid < 0) say(`${o.file}: ${errnoText(pid)}`);
    return await runLoop({
      shim, signalFd, controlFd: o.controlFd, statusFd: o.statusFd, eventsFd,
      mainPid: pid > 0 ? pid : 0,
      launch: { spawnErrno: pid < 0 ? -pid : 0, waitAll: o.waitAll, graceMs: o.graceMs, timeoutMs: o.timeoutMs },
    });
  } catch (err) {
    return fail(err);
  }
}

const NS_HINT = ' (namespaces need root, or unprivileged user namespaces: see kernel.unprivileged_userns_clone, user.max_user_namespaces)';

/** Starts CMD with pdeathsig SIGKILL -> its pid | -errno. With --pid-ns, CMD's parent is a
 *  second supervise, PID 1 of a new PID namespace (and mount namespace with its own /proc;
 *  and user namespace unless root): when it dies, even by SIGKILL through pdeathsig, the
 *  kernel kills everything in the namespace. It forwards signals to CMD, which is not PID 1
 *  and so keeps default dispositions (a shell as PID 1 would ignore TERM), and reaps every
 *  orphan; it exits with CMD's status (128+N for signal N). */
function spawnCommand(shim: Shim, o: LaunchOptions, fds: number[]): number {
  if (!o.pidNs) return shim.spawn(o.file, o.argv, null, { pdeathsig: SIGKILL, fds });
  const inner = [process.execPath, ...process.execArgv, process.argv[1]];
  if (o.waitAll) inner.push('--wait-all');
  if (o.graceMs > 0) inner.push('--grace', `${o.graceMs}ms`);
  inner.push('--', ...o.argv);
  const opts: SpawnOptions = { pdeathsig: SIGKILL, fds, cloneFlags: CLONE_NEWPID | CLONE_NEWNS, mountProc: true };
  const uid = process.getuid!(), gid = process.getgid!();
  if (process.geteuid!() !== 0) {
    opts.cloneFlags! |= CLONE_NEWUSER;
    opts.uidMap = `${uid} ${uid} 1\n`;
    opts.gidMap = `${gid} ${gid} 1\n`;
  }
  return shim.spawn(inner[0], inner, null, opts);
}

/** This process's open fds (fd -> readlink target), and whether each is one Node opened
 *  for itself: its eventfds, epoll fds and pipes whose both ends it holds. */
function fdTable(): Map<number, { target: string; nodes: boolean }> {
  const target = new Map<number, string>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc/self/fd');
  } catch {
    // no /proc: prepare() has said so already
  }
  for (const e of entries) {
    try {
      target.set(Number(e), readlinkSync(`/proc/self/fd/${e}`));
    } catch {
      // the fd of the readdir itself
    }
  }
  const count = new Map<string, number>();
  for (const t of target.values()) count.set(t, (count.get(t) ?? 0) + 1);
  const table = new Map<number, { target: string; nodes: boolean }>();
  for (const [fd, t] of target) {
    const nodes = fd > 2 && (t.startsWith('anon_inode:') || (t.startsWith('pipe:') && count.get(t)! > 1));
    table.set(fd, { target: t, nodes });
  }
  return table;
}

/** Node marks every fd from 0 to 16 it inherited close-on-exec before any of our code runs.
 *  This undoes it for CMD: the child's fd map (spawn's `fds`) for 0..16, with i -> i for
 *  0, 1, 2 and every fd that Node did not open itself nor we (`ours`), and -1 (closed) for
 *  the rest. Fds from 17 up keep their flag as inherited. */
export function inheritedFds(table: Map<number, { nodes: boolean }>, ours: Set<number>): number[] {
  const LAST = 16;
  const fds: number[] = [];
  for (let fd = 0; fd <= LAST; fd++) {
    const f = table.get(fd);
    fds.push(fd <= 2 || (f !== undefined && !f.nodes && !ours.has(fd)) ? fd : -1);
  }
  while (fds.length > 3 && fds[fds.length - 1] < 0) fds.pop();
  return fds;
}

/** Opens (creates) the events file for appending, CLOEXEC; writes the header if empty. */
function openEvents(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o644); // libuv adds O_CLOEXEC
  } catch (err) {
    throw new SetupError(`--events ${file}: ${(err as Error).message}`);
  }
  if (fstatSync(fd).size === 0) {
    const header = Buffer.alloc(EVENTS_HEADER_SIZE);
    header.set(EVENTS_MAGIC, 0);
    header.writeUInt32LE(EVENTS_VERSION, 8);
    header.writeUInt32LE(EVENTS_ENTRY_SIZE, 12);
    try {
      writeSync(fd, header);
    } catch (err) {
      closeSync(fd);
      throw new SetupError(`--events ${file}: ${(err as Error).message}`);
    }
  }
  return fd;
}

function say(line: string): void {
  try {
    writeSync(2, `supervise: ${line}\n`);
  } catch {
    // stderr gone
  }
}

export function fail(err: unknown, status = 1): number {
  const msg = err instanceof SetupError ? err.message : (err as Error)?.stack ?? String(err);
  say(msg.replace(/^supervise: /, ''));
  return status;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) return protocolMode();
  const options = parseFast(argv);
  if (options) return launchMode(options);
  const { runArgs } = await import('./args.ts');
  return runArgs(argv);
}
