// Black-box harness: real process trees under a real supervise (SUPERVISE), started
// through examples/launch.py the way an owner starts it. Every tree process gets the
// write end of an "oracle" socket as fd 3: EOF on our end means every one of them is dead.
// Tree scripts announce their pids with `echo $$ >&3`, so cleanup can kill them by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { encodeControl, type CodecExports } from '../codec/index.ts';
import { nodeCodec } from '../codec/node.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');
/** The host under test: SUPERVISE_HOST=node runs the Node host (bin/supervise-node),
 *  else bin/supervise (the native host, or a link to the Node host when it is not built). */
export const SUPERVISE = path.join(
  ROOT,
  process.env.SUPERVISE_HOST === 'node' ? 'bin/supervise-node' : 'bin/supervise',
);
export const LAUNCH = path.join(ROOT, 'examples/launch.py');

export interface StatusRecord {
  signo: number;
  errno: number;
  code: number;
  pid: number;
  uid: number;
  status: number;
  utime: bigint;
  stime: bigint;
  padding: boolean; // padding: bytes outside the fields are zero
}

/** Decodes one 128-byte siginfo_t (independent of the codec under test). */
export function parseStatus(b: Buffer): StatusRecord {
  const fields = new Set([0, 4, 8, 16, 20, 24, ...Array.from({ length: 16 }, (_, i) => 32 + i)]);
  let padding = true;
  for (let i = 0; i < 128; i++) if (!fields.has(i - (i % 4)) && !fields.has(i) && b[i] !== 0) padding = false;
  return {
    signo: b.readInt32LE(0),
    errno: b.readInt32LE(4),
    code: b.readInt32LE(8),
    pid: b.readInt32LE(16),
    uid: b.readInt32LE(20),
    status: b.readInt32LE(24),
    utime: b.readBigInt64LE(32),
    stime: b.readBigInt64LE(40),
    padding,
  };
}

/** A control record, encoded by the codec (the status side above stays an independent
 *  reference: it is what checks supervise's output). */
export function controlRecord(pid: number, sig: number): Buffer {
  return Buffer.from(encodeControl((controlCodec ??= nodeCodec()), pid, sig));
}
let controlCodec: CodecExports | undefined;

/** The start time of `pid` (field 22 of /proc/PID/stat, clock ticks since boot), 0 once gone. */
export function startTime(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return 0;
  }
}

const births = new Map<number, number>();

/** Notes who `pid` is (its start time, or `start` when the process announced its own):
 *  call it when the process announces itself, while it is surely alive. */
export function noteBirth(pid: number, start = startTime(pid)): void {
  births.set(pid, start);
}

export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** alive(), and still the process noteBirth() (or announcedIn()) saw: the check for "is it
 *  dead now". On a busy machine pids wrap within seconds (pid_max 32,768; one burst of 5,000
 *  processes beside a test is enough), so after a tree ended its pids may be other
 *  processes' already. */
export function stillAlive(pid: number): boolean {
  const born = births.get(pid);
  return alive(pid) && (born === undefined || startTime(pid) === born);
}

/** A shell function for tree scripts whose output is read only after the tree ended:
 *  `announce PID` prints `PID@START` (START: field 22 of /proc/PID/stat, read while the
 *  process lives), so that announcedIn() can tell the process from a later owner of its pid.
 *  For commands without a space in their name (sh, sleep, nohup). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: ${22} is the shell's 22nd field
export const ANNOUNCE = 'announce() { read -r s < /proc/$1/stat; set -- $s; echo "$1@${22}"; }';

/** The pids in `text`, one per line as `PID` or `announce`'s `PID@START` (the birth noted). */
export function announcedIn(text: string): number[] {
  const pids: number[] = [];
  for (const l of text.split('\n')) {
    const m = /^(\d+)(?:@(\d+))?$/.exec(l.trim());
    if (!m) continue;
    if (m[2] !== undefined) noteBirth(Number(m[1]), Number(m[2]));
    pids.push(Number(m[1]));
  }
  return pids;
}

/** The pids announced one per line in `text` (a tree's oracle) that are not in `known` yet,
 *  each noted by noteBirth() as it arrives: call it on every chunk. */
export function newlyAnnounced(text: string, known: readonly number[]): number[] {
  const fresh: number[] = [];
  for (const l of text.split('\n')) {
    if (!/^\d+$/.test(l.trim())) continue;
    const pid = Number(l);
    if (known.includes(pid) || fresh.includes(pid)) continue;
    noteBirth(pid);
    fresh.push(pid);
  }
  return fresh;
}

/** Whether process `pid` has a handler for signal `sig` (SigCgt in /proc/PID/status). */
export function catches(pid: number, sig: number): boolean {
  try {
    const m = /SigCgt:\s*([0-9a-f]+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m !== null && (BigInt(`0x${m[1]}`) & (1n << BigInt(sig - 1))) !== 0n;
  } catch {
    return false;
  }
}

/** Signals `pid` unless it is gone or, when noteBirth() saw it, it is another process now
 *  (a cleanup after a tree's end must not hit a stranger that reused the pid). */
export function killQuietly(pid: number, sig: NodeJS.Signals = 'SIGKILL'): void {
  const born = births.get(pid);
  if (born !== undefined && startTime(pid) !== born) return;
  try {
    if (pid > 1) process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The bounds of until() and within() are written as for an idle machine; the tests run on
 *  a shared one (CI, load 10-45 on 2 cores), where fork, exec and a Node start-up take many
 *  times longer. A bound only decides how long a failure takes to be reported, never whether
 *  a passing test passes: each is stretched by TEST_SLACK (default 6). */
export const SLACK = Number(process.env.TEST_SLACK) > 0 ? Number(process.env.TEST_SLACK) : 6;

/** Resolves when cond() holds, rejects after `ms` (times SLACK) with `what` in the message. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const bound = ms * SLACK;
  const end = Date.now() + bound;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${bound} ms waiting for ${what}`);
    await sleep(10);
  }
}

export interface Tree {
  proc: ChildProcess;
  /** supervise's pid (the launcher execs it in place). */
  pid: number;
  /** The pids of the children the launcher started. */
  children: number[];
  /** Pids announced on the oracle (`echo $$ >&3`), in order. */
  announced: number[];
  /** Everything written on the oracle so far. */
  oracleText: string;
  records: StatusRecord[];
  /** The stream status records arrive on. */
  status: Readable;
  stderr: string;
  control: Writable;
  /** Resolves when every process holding the oracle has exited. */
  oracleClosed: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  send(pid: number, sig: number): void;
  closeControl(): void;
  waitRecords(n: number, ms?: number): Promise<StatusRecord[]>;
  /** Starts reading status records (after `paused: true`). */
  resume(): void;
  /** Kills everything this tree is known to have started, by pid. */
  cleanup(): Promise<void>;
}

export interface TreeOptions {
  shared?: boolean;
  sigchld?: 'default' | 'ignore' | 'block';
  /** Pause the status reader (back-pressure tests). */
  paused?: boolean;
  /** A command prefix that execs what follows (setpriv, prlimit, unshare ...). */
  wrap?: string[];
  /** The python interpreter for the launcher (an absolute path when `wrap` drops privileges). */
  python?: string;
  /** An fd to give supervise as stdout instead of a pipe (e.g. /dev/full); no records then. */
  stdout?: number;
}

const live = new Set<Tree>();

/** Starts supervise over children running the given shell commands. */
export async function startTree(cmds: string[], opts: TreeOptions = {}): Promise<Tree> {
  const args = [LAUNCH, '--pass-fd', '3'];
  if (opts.shared) args.push('--shared');
  if (opts.sigchld) args.push('--sigchld', opts.sigchld);
  args.push(SUPERVISE, ...cmds);
  const [cmd, ...pre] = [...(opts.wrap ?? []), opts.python ?? 'python3'];
  const proc = spawn(cmd, [...pre, ...args], {
    stdio: ['pipe', opts.stdout ?? 'pipe', 'pipe', 'pipe', opts.shared ? 'pipe' : 'ignore'],
  });
  const oracle = proc.stdio[3] as Readable;
  // With `shared`, supervise's fds 0 and 1 are one socket: our stdio[4].
  const control = (opts.shared ? proc.stdio[4] : proc.stdin) as Writable;
  const status = (opts.shared ? proc.stdio[4] : proc.stdout) as Readable;
  control.on('error', () => {}); // EPIPE once supervise is gone
  let oracleDone = false;
  const tree: Tree = {
    proc,
    pid: proc.pid!,
    children: [],
    announced: [],
    oracleText: '',
    records: [],
    status,
    stderr: '',
    control,
    oracleClosed: new Promise((r) => {
      const done = () => {
        oracleDone = true;
        r();
      };
      oracle.on('end', done);
      oracle.on('close', done);
    }),
    exited: new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal }))),
    send(pid, sig) {
      control.write(controlRecord(pid, sig));
    },
    closeControl() {
      control.end();
    },
    async waitRecords(n, ms = 10_000) {
      await until(() => tree.records.length >= n, ms, `${n} status records (have ${tree.records.length})`);
      return tree.records;
    },
    resume() {},
    async cleanup() {
      live.delete(tree);
      // supervise itself is the best killer: control EOF tears down what we never heard of
      // (a child's unannounced children). Then, by pid, whatever is left.
      if (tree.proc.exitCode === null && tree.proc.signalCode === null) {
        control.end();
        await Promise.race([tree.exited, sleep(2000)]);
      }
      // Once the oracle has closed every announced process is dead, and its pid may be
      // someone else's by now: kill by pid only while the oracle says some still live.
      if (!oracleDone) for (const pid of [...tree.announced, ...tree.children]) killQuietly(pid);
      tree.proc.kill('SIGKILL'); // a no-op once Node reaped it: never a recycled pid
      await Promise.race([tree.exited, sleep(3000)]);
    },
  };
  let announcedText = '';
  oracle.on('data', (d) => {
    tree.oracleText += d;
    announcedText += d;
    const lines = announcedText.split('\n');
    announcedText = lines.pop()!;
    for (const l of lines)
      if (/^\d+$/.test(l.trim())) {
        tree.announced.push(Number(l));
        noteBirth(Number(l));
      }
  });
  let pending = Buffer.alloc(0);
  const onStatus = (d: Buffer) => {
    pending = Buffer.concat([pending, d]);
    while (pending.length >= 128) {
      tree.records.push(parseStatus(pending.subarray(0, 128)));
      pending = pending.subarray(128);
    }
  };
  if (status && !opts.paused) status.on('data', onStatus);
  tree.resume = () => status?.on('data', onStatus);
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (d) => {
    tree.stderr += d;
  });
  live.add(tree);
  await until(() => /pids:/.test(tree.stderr) || proc.exitCode !== null, 10_000, 'the launcher');
  const m = /pids:([ \d]*)\n/.exec(tree.stderr);
  tree.children = m ? m[1].trim().split(/\s+/).filter(Boolean).map(Number) : [];
  for (const pid of tree.children) noteBirth(pid);
  // Until supervise has installed its handlers (Node starts in ~100 ms), a SIGTERM would
  // find Node's defaults: wait for its SIGCHLD handler, unless it has exited already.
  await until(
    () => catches(tree.pid, 17) || proc.exitCode !== null || proc.signalCode !== null,
    10_000,
    'supervise to start',
  );
  return tree;
}

/** Kills every tree still registered (a test failed before its own cleanup). */
export async function cleanupAll(): Promise<void> {
  for (const t of [...live]) await t.cleanup();
}

/** Everything written to process.stderr while `f` runs (the library's verbose lines). */
export async function stderrOf(f: () => PromiseLike<unknown>): Promise<string> {
  const write = process.stderr.write;
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    await f();
  } finally {
    process.stderr.write = write;
  }
  return text;
}

/** argv with its stdin and stdout as pipes (stderr inherited): what it printed so far, and
 *  its exit code (null when a signal ended it: then proc.signalCode says which). */
export function piped(argv: string[]): { proc: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const proc = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.on('data', (d) => {
    out += d;
  });
  return { proc, out: () => out, exited: new Promise((r) => proc.on('exit', (code) => r(code))) };
}

/** Bounds a promise in time: `ms` times SLACK. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const bound = ms * SLACK;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${bound} ms: ${what}`)), bound);
    }),
  ]);
}

export const isRoot = process.getuid?.() === 0;

/** Whether `file` is an ELF executable (bin/supervise: the native host, not the link to supervise-node). */
export function isElf(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    const b = Buffer.alloc(4);
    readSync(fd, b, 0, 4, 0);
    closeSync(fd);
    return b.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } catch {
    return false;
  }
}
export const built = existsSync(path.join(ROOT, 'dist/supervise.js'));

// The escape set: every way a descendant tries to leave its tree. Each announces its pids
// (8 in all). Their sleeps (71 s) outlast any wait of a test on a loaded machine: a test that
// finds one dead knows supervise killed it.
export const ESCAPES = [
  'sleep 71.1 & echo $! >&3; wait',
  '(sleep 71.2 & echo $! >&3; wait) & echo $! >&3; wait',
  'nohup sleep 71.3 >/dev/null 2>&1 & echo $! >&3; wait',
  'setsid sleep 71.4 & echo $! >&3; wait',
  'nohup setsid sleep 71.5 >/dev/null 2>&1 & echo $! >&3; wait',
  "sh -c 'sleep 71.6 & echo $! >&3' & wait; sleep 71.7 & echo $! >&3; wait",
];

/** A shell command: N children of one parent, blocked on a pipe, all exiting (status
 *  i % 200) when the parent exits 0.3 s after forking them; each announces its pid. */
export const burst = (n: number) =>
  `exec python3 -c '${[
    'import os, time',
    'r, w = os.pipe()',
    `for i in range(${n}):`,
    '    p = os.fork()',
    '    if p == 0:',
    '        os.close(w); os.read(r, 1); os._exit(i % 200)',
    '    os.write(3, b"%d\\n" % p)',
    'time.sleep(0.3)',
  ].join('\n')}'`;

/** A process outside every tree that prints the name of each signal it gets (of WINCH, CONT,
 *  USR1, USR2, HUP, INT, TERM); SIGKILL shows as death. `python` may be an absolute path.
 *  With `takePid` (root only), it forks through /proc/sys/kernel/ns_last_pid until a
 *  process gets that pid, in one tight loop (other work on the machine takes pids too),
 *  and that process is the bystander; its parent exits. */
export function bystander(python = 'python3', takePid = 0) {
  const p = spawn(
    python,
    [
      '-c',
      [
        'import os, signal, sys, time',
        `target = ${takePid}`,
        'for attempt in range(2000 if target else 0):',
        '    with open("/proc/sys/kernel/ns_last_pid", "w") as f: f.write(str(target - 1))',
        '    pid = os.fork()',
        '    if pid == 0:',
        '        if os.getpid() == target: break',
        '        os._exit(0)',
        '    os.waitpid(pid, 0) if pid != target else os._exit(0)',
        'else:',
        '    if target: print("missed", flush=True); sys.exit(1)',
        'names = ("SIGWINCH", "SIGCONT", "SIGUSR1", "SIGUSR2", "SIGHUP", "SIGINT", "SIGTERM")',
        'for n in names:',
        '    signal.signal(getattr(signal, n), lambda s, f: print(signal.Signals(s).name, flush=True))',
        'print("ready", os.getpid(), flush=True)',
        'end = time.time() + 60',
        'while time.time() < end: time.sleep(0.5)',
      ].join('\n'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  p.stdout!.on('data', (d) => {
    out += d;
  });
  const pid = () => Number(/ready (\d+)/.exec(out)?.[1] ?? (takePid ? 0 : p.pid));
  // Once ready it is who holds its pid now (a pid it took may be noted as a dead process's).
  const ready = until(() => out.includes('ready') || out.includes('missed'), 10_000, 'the bystander').then(() => {
    if (pid() > 0) noteBirth(pid());
  });
  ready.catch(() => {}); // a bystander killed unawaited must not end the test file later
  return {
    /** Its pid (with takePid: 0 until ready, then takePid, or 0 if it missed). */
    get pid() {
      return pid();
    },
    ready,
    /** The signals received so far, by name. */
    got: () => out.split('\n').filter((l) => l.startsWith('SIG')),
    kill: () => {
      p.kill('SIGKILL');
      if (pid() > 0) killQuietly(pid());
    },
  };
}

/** Fields of /proc/PID/stat after the command name: [state, ppid, ...]. */
export function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Pids whose parent is `ppid` (an independent /proc scan), with their states. */
export function childrenOf(ppid: number): Array<{ pid: number; state: string }> {
  const out: Array<{ pid: number; state: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (f && Number(f[1]) === ppid) out.push({ pid: Number(name), state: f[0] });
  }
  return out;
}

/** VmRSS of a process in KiB (0 if gone). */
export function rssKiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** How many fds a process has open (-1 if gone). */
export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}
