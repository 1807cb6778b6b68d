// spawnSync(): the same command under its own supervise, with the thread blocked until
// the whole tree is gone. child_process.spawnSync runs `supervise --status-fd 3 --grace D
// -- FILE ARGS` (launch mode: when the main child exits, supervise SIGKILLs what it left
// behind and exits only once no descendant is left) with fd 3 a pipe whose bytes, the
// status records, spawnSync returns; the codec decodes them. spawnSync itself returns
// only once supervise has exited and every pipe is closed, so the tree is gone when it
// returns. `timeout` is supervise's own (`--timeout`, `--timeout-signal`: the table's
// options, through launchArgv), so the timeout signal reaches the main child even when it
// is one supervise cannot catch (SIGKILL), and the clock starts when the command does.
// `maxBuffer` is spawnSync's: it signals supervise, which forwards the signal to the main
// child. Either way `--grace` (forceKillAfterDelay) SIGKILLs the tree if the main child
// outlives the signal by that long.
import { spawnSync as spawnSyncProcess } from 'node:child_process';
import { signalName } from '../codec/index.ts';
import { launchArgv } from '../codec/argv.ts';
import { EXIT_SIGNAL_BASE, EXIT_TIMEOUT, SIGKILL, SIGNAL_MAX } from '../assembly/protocol.ts';
import { commandLine } from './command.ts';
import { Channel, Costs, type ExitStatus } from './events.ts';
import { cgroupRecord } from './cgroup.ts';
import {
  maxBufferError,
  settle,
  startFailure,
  SubprocessError,
  type Output,
  type CgroupTotals,
  type Overflow,
  type Result,
} from './errors.ts';
import {
  checkArguments,
  normalize,
  resourcesPipe,
  treeValues,
  splitArguments,
  type NoOptions,
  type Options,
  type ResultOutput,
  type AllOutput,
} from './options.ts';
import { Collector } from './output.ts';
import { superviseCommand } from './spawn.ts';
import { VerboseLog } from './verbose.ts';

/** The least spawnSync's own maxBuffer (bytes, per pipe) is given: fd 3 carries 128
 *  bytes per process of the tree, and must not overflow before stdout does (32,768
 *  processes); with `resources`, fd 4 (the events log) carries 256, so twice as much. */
const SYNC_BUFFER_FLOOR = 4 * 1024 * 1024;
const SYNC_BUFFER_FLOOR_RESOURCES = 2 * SYNC_BUFFER_FLOOR;

/** Runs `file` with `args` under its own supervise and returns once its whole tree is
 *  gone: the same Result as `await spawn(...)`, or throws the same SubprocessError.
 *  As execa's sync methods: `stdin`/`stdout`/`stderr` take 'pipe', 'inherit', 'ignore' or
 *  an fd (no streams), `signal` (AbortSignal) and `all` ordering are not available (`all`
 *  is stdout then stderr), and `maxBuffer` stops the command once a pipe holds
 *  max(maxBuffer, 4 MiB) bytes (spawnSync's limit, which fd 3 shares; 8 MiB with
 *  `resources`, which fd 4 shares too); the output is
 *  still truncated to maxBuffer in its unit. For maxBuffer, `killSignal` SIGKILL is sent as
 *  SIGTERM with no grace (supervise cannot forward what it cannot catch); the timeout is
 *  supervise's (`--timeout`), which sends `timeoutSignal`, SIGKILL included, itself. */
export function spawnSync<const O extends Options = NoOptions>(
  file: string,
  options: O,
): Result<ResultOutput<O>, AllOutput<O>>;
export function spawnSync<const O extends Options = NoOptions>(
  file: string,
  args?: readonly string[],
  options?: O,
): Result<ResultOutput<O>, AllOutput<O>>;
export function spawnSync(file: string, argsOrOptions?: readonly string[] | Options, opts: Options = {}): Result {
  const [given, options] = splitArguments(argsOrOptions, opts);
  const args = checkArguments('spawnSync', file, given);
  const o = normalize(options);
  if (o.signal) throw new TypeError('spawnSync(): the `signal` option needs spawn()');
  for (const s of o.stdio) {
    if (typeof s === 'object') throw new TypeError('spawnSync(): stdio streams need spawn()');
  }
  const line = commandLine(file, args, o.shell);
  const verbose = o.verbose !== 'none' ? new VerboseLog(o.reject) : undefined;
  verbose?.start(line.escapedCommand);
  const started = performance.now();
  const byKill = o.killSignal === SIGKILL;
  // killSignal SIGKILL: no grace (for maxBuffer it is sent as SIGTERM, below), unless a
  // timeout sends another signal, which forceKillAfterDelay then backs.
  const grace = byKill && (o.timeout === 0 || o.timeoutSignal === SIGKILL) ? 0 : o.forceKillAfterDelay;
  const [host, ...hostArgs] = superviseCommand();
  const r = spawnSyncProcess(
    host,
    [
      ...hostArgs,
      ...launchArgv({
        'status-fd': 3,
        grace: grace || 0,
        timeout: Math.ceil(o.timeout),
        'timeout-signal': o.timeout > 0 ? o.timeoutSignal : undefined,
        ...treeValues(o),
      }),
      '--',
      ...line.argv,
    ],
    {
      cwd: o.spawnCwd,
      env: o.env,
      stdio: [...(o.stdio as Array<'pipe' | 'inherit' | 'ignore' | number>), 'pipe', ...resourcesPipe(o)],
      input: o.input,
      killSignal: byKill ? 'SIGTERM' : o.killSignal,
      maxBuffer: Math.max(
        o.streams.stdout.maxBuffer,
        o.streams.stderr.maxBuffer,
        o.resources ? SYNC_BUFFER_FLOOR_RESOURCES : SYNC_BUFFER_FLOOR,
      ),
      windowsHide: true,
    },
  );
  const error = r.error as NodeJS.ErrnoException | undefined;
  const channel = new Channel();
  let pid: number | undefined;
  let status: ExitStatus | undefined;
  let start: { errno: number; code: string } | undefined;
  let cgroup: CgroupTotals | undefined;
  const fd3 = r.output?.[3] as Buffer | null | undefined;
  const fd4 = r.output?.[4] as Buffer | null | undefined;
  // fd 4's resources (with `resources`) join fd 3's statuses (lib/events.ts Costs), all there
  // already; without fd 4, Costs passes the statuses on as they are.
  const reaped: ExitStatus[] = [];
  const costs = new Costs((s) => reaped.push(s));
  for (const rec of fd3 ? channel.feed(fd3) : []) {
    if (rec.type === 'spawned') pid = rec.pid;
    else if (rec.type === 'spawn-failed') start = startFailure(rec.errno);
    else if (rec.type === 'reaped') costs.status(rec.status);
    else if (rec.type === 'layers' || rec.type === 'totals') {
      cgroup = cgroupRecord(cgroup, rec);
      if (rec.type === 'layers') verbose?.layers(rec.layers);
    }
  }
  if (fd4) costs.feed(fd4);
  costs.end();
  status = reaped.find((s) => s.pid === pid);
  channel.release();
  if (!fd3 && error) start = startFailure(Math.abs(Number(error.errno) || 0), error.code);
  // After a timeout or ENOBUFS spawnSync stops reading fd 3 (supervise carries on, EPIPE):
  // the main child's status is then supervise's exit status (launch mode: CMD's exit code,
  // or 128+N if it died of signal N).
  if (!status && pid !== undefined && typeof r.status === 'number') status = fromExitStatus(pid, r.status);

  let overflow: Overflow | undefined;
  const collect = (i: 1 | 2): Output | undefined => {
    const bytes = r.output?.[i] as Buffer | null | undefined;
    if (!bytes) return undefined;
    const c = new Collector(o, i === 1 ? 'stdout' : 'stderr');
    c.push(bytes);
    const out = c.result();
    overflow ??= c.overflow;
    if (verbose && o.verbose === 'full' && o.encoding !== 'buffer') {
      const log = verbose.splitter();
      log(bytes.toString(o.encoding as BufferEncoding));
      log(undefined);
    }
    return out;
  };
  const stdout = collect(1);
  const stderr = collect(2);
  if (error?.code === 'ENOBUFS' && !overflow) {
    const names = ['stdout', 'stderr'] as const;
    const over = [stdout, stderr].findIndex(
      (b, i) => (r.output?.[i + 1]?.length ?? 0) >= o.streams[names[i]].maxBuffer && b,
    );
    const stream = names[over === 1 ? 1 : 0];
    overflow = { stream, limit: o.streams[stream].maxBuffer, unit: unit(o, stream) };
  }
  let all: Output | undefined;
  if (o.all && (stdout !== undefined || stderr !== undefined)) {
    const c = new Collector(o, 'all');
    for (const i of [1, 2]) {
      const bytes = r.output?.[i] as Buffer | null | undefined;
      if (bytes) c.push(bytes);
    }
    all = c.result();
  }
  // supervise exits 124 after its timeout, and when CMD itself exits 124: the latter ends
  // before the timeout's time has passed (a monotonic clock; supervise's started later).
  const timedOut = o.timeout > 0 && r.status === EXIT_TIMEOUT && performance.now() - started >= o.timeout;
  // A timeout can stop supervise before it reports anything: that is the timeout, not a loss.
  const lost =
    !status && !start && !timedOut
      ? new Error(`supervise ended without reporting the status of ${line.command}`)
      : undefined;
  // The cause execa's sync methods give: child_process's error, named after the command.
  const why = timedOut
    ? Object.assign(new Error(`spawnSync ${file} ETIMEDOUT`), { code: 'ETIMEDOUT' })
    : overflow
      ? maxBufferError()
      : lost;
  const settled = settle<Output>({
    command: line.command,
    escapedCommand: line.escapedCommand,
    cwd: o.cwd,
    durationMs: performance.now() - started,
    status,
    cgroup,
    stdout: stdout as Output | undefined,
    stderr: stderr as Output | undefined,
    all: all as Output | undefined,
    timedOut,
    isCanceled: false,
    isForcefullyTerminated: timedOut && o.timeoutSignal !== SIGKILL && grace !== false && status?.signal === 'SIGKILL',
    overflow,
    start,
    cause: start && error ? error : why,
    timeout: o.timeout,
    forceKillAfterDelay: o.forceKillAfterDelay,
    killSignal: signalName(o.killSignal),
    spawnArgs: args,
    file,
  });
  verbose?.end(settled);
  if (settled instanceof SubprocessError && o.reject) throw settled;
  return settled;
}

function fromExitStatus(pid: number, code: number): ExitStatus {
  return code > EXIT_SIGNAL_BASE && code <= EXIT_SIGNAL_BASE + SIGNAL_MAX
    ? { pid, kind: 'killed', exitCode: undefined, signal: signalName(code - EXIT_SIGNAL_BASE) }
    : { pid, kind: 'exited', exitCode: code, signal: undefined };
}

function unit(o: ReturnType<typeof normalize>, stream: 'stdout' | 'stderr'): Overflow['unit'] {
  return o.streams[stream].lines ? 'lines' : o.encoding === 'buffer' ? 'bytes' : 'characters';
}
