// `supervise report FILE`: the answers an events log holds, for each run in it: the main
// command (status, duration), how many processes ran, which escaped the main command's
// session or process group, which supervise killed at tear-down and how old each was, which
// outlived the --grace deadline, with --wait-all which kept the run waiting, and the top
// processes by CPU time and by peak memory. No Node API (the viewer can show the same
// answers): records in (codec/index.ts), a report out, as data (JSON) or as text.
//
// What each answer needs from the log: times (every events log), identities (version 2:
// names, lifetimes, escapes), resources and flags (version 3: CPU, peak RSS, who supervise
// killed at tear-down, the --grace deadline, --wait-all). An answer a log cannot give is
// null in the data and "unknown (events log version N)" in the text, never a guess.
import {
  describe,
  escaped,
  isoTime,
  layerNames,
  type Layers,
  type Resources,
  type StatusEvent,
  type Totals,
} from './index.ts';

/** One process of a run, as the report names it. */
export interface ReportProc {
  pid: number;
  /** Its name (comm), '' when unknown. */
  comm: string;
  /** How it ended: `exited 3`, `killed SIGKILL`. */
  status: string;
  exitCode?: number;
  signal?: string;
  /** Start (µs since the epoch; 0 unknown) and reap time. */
  start: number;
  end: number;
  /** end - start in µs, null when its start is unknown. */
  lifetimeUs: number | null;
  escaped: boolean;
  /** supervise had forwarded it a signal (TERM, INT, --timeout's). */
  signalled: boolean;
  resources?: Resources;
  /** user + system CPU time, µs (resources). */
  cpuUs?: number;
}

/** The answers for one run of supervise (a `started` entry and what follows it). */
export interface RunReport {
  /** supervise's pid (0 when the log has no `started` entry: version 1). */
  supervisePid: number;
  /** When the run began and its last record, µs since the epoch. */
  start: number;
  end: number;
  /** The events log's version (1, 2, 3): what it can answer. */
  version: number;
  /** Whether the run waited for every process (--wait-all); null before version 3. */
  waitAll: boolean | null;
  /** The main command: null when the log has no `spawned` entry for it. */
  main: {
    pid: number;
    comm: string;
    /** `exited 3`, `killed SIGKILL`, `spawn failed ENOENT`, `running when the log ends`. */
    status: string;
    exitCode?: number;
    signal?: string;
    /** From its start (or its `spawned` entry) to its reap (or the log's end), µs. */
    durationUs: number;
    resources?: Resources;
    /** supervise SIGKILLed it at the --grace deadline (it outlived its TERM). */
    killedAtGraceDeadline: boolean;
  } | null;
  /** Processes reaped in the run, the main command included. */
  processes: number;
  /** Processes that left the main command's session or process group; null before version 2. */
  escapees: ReportProc[] | null;
  /** Processes supervise SIGKILLed at tear-down (age: lifetimeUs); null before version 3. */
  killedAtTeardown: ReportProc[] | null;
  /** Whether a --grace deadline passed (tear-down began at it); null before version 3. */
  graceDeadline: boolean | null;
  /** Processes still alive at that deadline (killed then); `signalled` marks those supervise
   *  had forwarded the TERM to: they ignored it. Empty when no deadline passed. */
  aliveAtGraceDeadline: ReportProc[] | null;
  /** With --wait-all: the processes reaped after the main command ended, latest first, each
   *  with how long after that end (waitedUs); null when the run was not --wait-all or the
   *  log cannot say. */
  keptWaiting: Array<ReportProc & { waitedUs: number }> | null;
  /** How long the run went on after the main command ended, µs (its last record). */
  afterMainUs: number | null;
  /** The processes with the most CPU time and the largest peak RSS (at most TOP each);
   *  null before version 3. */
  topCpu: ReportProc[] | null;
  topRss: ReportProc[] | null;
  /** Which kill mechanisms held the tree (the run's layers record): null when the run has
   *  none, i.e. nothing beyond the subreaper was asked for (or supervise predates it). */
  layers: Layers | null;
  /** What the whole tree cost, from its cgroup leaf (the totals record); null without one. */
  tree: Totals | null;
}

/** How many processes the top lists hold. */
export const TOP = 5;

/** The report of each run in `records` (log order; an appended log holds several). */
export function report(records: StatusEvent[], version: number): RunReport[] {
  const runs: StatusEvent[][] = [];
  let current: StatusEvent[] | null = null;
  let sawSpawned = false;
  for (const e of records) {
    // A run begins at `started`; in a version 1 log (no `started`) at a second `spawned`.
    if (e.kind === 'started' || (e.kind === 'spawned' && sawSpawned && version < 2) || !current) {
      current = [];
      runs.push(current);
      sawSpawned = false;
    }
    if (e.kind === 'spawned') sawSpawned = true;
    current.push(e);
  }
  return runs.map((run) => runReport(run, version));
}

function runReport(run: StatusEvent[], version: number): RunReport {
  const started = run[0].kind === 'started' ? run[0] : undefined;
  const times = run.map((e) => e.time ?? 0);
  const start = Math.min(...times.filter((t) => t > 0), Number.MAX_SAFE_INTEGER);
  const end = Math.max(...times, 0);
  const spawned = run.find((e) => e.kind === 'spawned' || e.kind === 'spawn-failed');
  const mainPid = spawned?.kind === 'spawned' ? spawned.pid : 0;
  const reaped = run.filter((e) => e.kind === 'exited' || e.kind === 'killed' || e.kind === 'dumped');
  const mainEnd = mainPid ? reaped.find((e) => e.pid === mainPid) : undefined;
  const v3 = version >= 3;
  const v2 = version >= 2;
  const procs = reaped.map((e) => proc(e, started));

  let main: RunReport['main'] = null;
  if (spawned?.kind === 'spawn-failed') {
    main = { pid: 0, comm: '', status: describe(spawned), durationUs: 0, killedAtGraceDeadline: false };
  } else if (spawned) {
    const from = spawned.proc?.start || spawned.time || start;
    const until = mainEnd?.time ?? end;
    main = {
      pid: mainPid,
      comm: mainEnd?.proc?.comm || spawned.proc?.comm || '',
      status: mainEnd ? describe(mainEnd) : 'running when the log ends',
      durationUs: Math.max(0, until - from),
      killedAtGraceDeadline: !!mainEnd?.flags?.graceDeadline,
    };
    if (mainEnd?.exitCode !== undefined) main.exitCode = mainEnd.exitCode;
    if (mainEnd?.signal !== undefined) main.signal = mainEnd.signal;
    if (mainEnd?.resources) main.resources = mainEnd.resources;
  }

  const graceDeadline = v3 ? reaped.some((e) => e.flags?.graceDeadline) : null;
  const waitAll = v3 ? !!started?.flags?.waitAll : null;
  const mainEndTime = mainEnd?.time;
  let keptWaiting: RunReport['keptWaiting'] = null;
  if (waitAll && mainEndTime !== undefined) {
    // A main command supervise killed at tear-down (the --grace deadline, a third TERM) ended
    // with the tree: the rest went in the same tear-down, no one was waited for.
    const withTree = !!mainEnd?.flags?.killedAtTeardown;
    keptWaiting = procs
      .filter((p) => !withTree && p.pid !== mainPid && p.end > mainEndTime)
      .map((p) => ({ ...p, waitedUs: p.end - mainEndTime }))
      .sort((a, b) => b.waitedUs - a.waitedUs);
  }
  const withRes = procs.filter((p) => p.resources);
  // Lists in the order the processes started (unknown starts last), then by pid.
  const byStart = (ps: ReportProc[]) =>
    [...ps].sort(
      (a, b) => (a.start || Number.MAX_SAFE_INTEGER) - (b.start || Number.MAX_SAFE_INTEGER) || a.pid - b.pid,
    );
  const layers = run.find((e) => e.kind === 'layers' && e.layers?.path !== undefined)?.layers ?? null;
  const tree = run.find((e) => e.kind === 'totals')?.totals ?? null;
  return {
    supervisePid: started?.pid ?? 0,
    start: start === Number.MAX_SAFE_INTEGER ? 0 : start,
    end,
    version,
    waitAll,
    main,
    processes: reaped.length,
    escapees: v2 ? byStart(procs.filter((p) => p.escaped)) : null,
    killedAtTeardown: v3 ? byStart(procs.filter((_, i) => reaped[i].flags?.killedAtTeardown)) : null,
    graceDeadline,
    aliveAtGraceDeadline: v3 ? byStart(procs.filter((_, i) => reaped[i].flags?.graceDeadline)) : null,
    keptWaiting,
    afterMainUs: mainEndTime !== undefined ? end - mainEndTime : null,
    topCpu: v3 ? [...withRes].sort((a, b) => (b.cpuUs ?? 0) - (a.cpuUs ?? 0)).slice(0, TOP) : null,
    topRss: v3
      ? [...withRes].sort((a, b) => (b.resources?.maxRSS ?? 0) - (a.resources?.maxRSS ?? 0)).slice(0, TOP)
      : null,
    layers,
    tree,
  };
}

function proc(e: StatusEvent, started: StatusEvent | undefined): ReportProc {
  const end = e.time ?? 0;
  const start = e.proc?.start ?? 0;
  const p: ReportProc = {
    pid: e.pid,
    comm: e.proc?.comm ?? '',
    status: describe(e),
    start,
    end,
    lifetimeUs: start > 0 && end > 0 ? Math.max(0, end - start) : null,
    escaped: escaped(e, started),
    signalled: !!e.flags?.signalled,
  };
  if (e.exitCode !== undefined) p.exitCode = e.exitCode;
  if (e.signal !== undefined) p.signal = e.signal;
  if (e.resources) {
    p.resources = e.resources;
    p.cpuUs = e.resources.userCPUTime + e.resources.systemCPUTime;
  }
  return p;
}

// --- text

/** "0 s", "228 ms", "1.67 s", "2 min 03 s", "1 h 02 min". */
export function duration(us: number): string {
  if (us <= 0) return '0 s';
  if (us < 1_000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${Math.round(us / 1_000)} ms`;
  const s = us / 1_000_000;
  if (s < 60) return `${s.toFixed(2)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** A size given in KiB: "900 KiB", "113.1 MiB", "2.50 GiB". */
export function kib(n: number): string {
  if (n < 1024) return `${n} KiB`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024).toFixed(2)} GiB`;
}

/** How many processes a list section names before "... and N more". */
const SHOWN = 10;

const name = (p: { comm: string; pid: number }) => `${p.comm || '?'} (pid ${p.pid})`;
const cpu = (r: Resources) =>
  `${duration(r.userCPUTime + r.systemCPUTime)} (user ${duration(r.userCPUTime)}, system ${duration(r.systemCPUTime)})`;

function list<T>(items: T[], line: (x: T) => string): string[] {
  const out = items.slice(0, SHOWN).map((x) => `    ${line(x)}`);
  if (items.length > SHOWN) out.push(`    ... and ${items.length - SHOWN} more`);
  return out;
}

/** The text `supervise report` prints for one run: a heading, then one answer per line (or
 *  a count and an indented list). */
export function formatReport(r: RunReport): string {
  const unknown = (need: number) => `unknown (events log version ${r.version}; version ${need} says)`;
  const lines: string[] = [];
  const who = r.supervisePid ? `supervise ${r.supervisePid}` : 'supervise';
  lines.push(`run of ${who}, ${isoTime(r.start)}, ${duration(Math.max(0, r.end - r.start))} of log`);
  const m = r.main;
  if (!m) lines.push('main command: none in the log');
  else if (m.pid === 0) lines.push(`main command: ${m.status}`);
  else {
    let text = `main command: ${name(m)} ${m.status} after ${duration(m.durationUs)}`;
    if (m.resources) text += `, CPU ${cpu(m.resources)}, peak RSS ${kib(m.resources.maxRSS)}`;
    if (m.killedAtGraceDeadline) text += ' (killed at the --grace deadline)';
    lines.push(text);
  }
  lines.push(`processes: ${r.processes} reaped`);
  lines.push(`layers: ${r.layers ? layerNames(r.layers) : 'subreaper (no other was asked for)'}`);
  if (r.tree) {
    // In the units of the lines above (decode's totals line keeps the exact microseconds).
    const t = r.tree;
    let text = `whole tree (its cgroup): CPU ${duration(t.cpuTime)} (user ${duration(t.userCPUTime)}, system ${duration(t.systemCPUTime)})`;
    if (t.memoryPeak !== undefined) text += `, peak memory ${kib(Math.ceil(t.memoryPeak / 1024))}`;
    if (t.pidsPeak !== undefined) text += `, at most ${t.pidsPeak} processes at once`;
    lines.push(text);
  }
  if (r.escapees === null) lines.push(`escaped the main command's session or process group: ${unknown(2)}`);
  else {
    lines.push(`escaped the main command's session or process group: ${r.escapees.length}`);
    lines.push(...list(r.escapees, (p) => `${name(p)} lived ${life(p)}, ${p.status}`));
  }
  if (r.killedAtTeardown === null) lines.push(`killed by supervise at tear-down: ${unknown(3)}`);
  else {
    lines.push(`killed by supervise at tear-down: ${r.killedAtTeardown.length}`);
    lines.push(...list(r.killedAtTeardown, (p) => `${name(p)} aged ${life(p)}${p.escaped ? ', escaped' : ''}`));
  }
  if (r.graceDeadline === null) lines.push(`alive at the --grace deadline: ${unknown(3)}`);
  else if (!r.graceDeadline) lines.push('alive at the --grace deadline: none (no deadline passed)');
  else {
    const alive = r.aliveAtGraceDeadline ?? [];
    lines.push(`alive at the --grace deadline (killed then): ${alive.length}`);
    lines.push(
      ...list(alive, (p) => `${name(p)} aged ${life(p)}${p.signalled ? ', ignored the TERM supervise forwarded' : ''}`),
    );
  }
  if (r.waitAll === null) lines.push(`kept the run waiting (--wait-all): ${unknown(3)}`);
  else if (!r.waitAll) lines.push('kept the run waiting: no one (not --wait-all: the tree ends with the main command)');
  else if (r.keptWaiting === null) lines.push('kept the run waiting (--wait-all): the main command has not ended');
  else {
    const after = r.afterMainUs === null ? '' : `, ${duration(r.afterMainUs)} after the main command`;
    lines.push(`kept the run waiting (--wait-all): ${r.keptWaiting.length}${after}`);
    lines.push(...list(r.keptWaiting, (p) => `${name(p)} ended ${duration(p.waitedUs)} after it, ${p.status}`));
  }
  if (r.topCpu === null) lines.push(`top by CPU time: ${unknown(3)}`);
  else {
    lines.push(`top by CPU time (user + system, with the children each waited for):`);
    lines.push(...list(r.topCpu, (p) => `${name(p)} ${cpu(p.resources!)}`));
  }
  if (r.topRss === null) lines.push(`top by peak RSS: ${unknown(3)}`);
  else {
    lines.push('top by peak RSS:');
    lines.push(...list(r.topRss, (p) => `${name(p)} ${kib(p.resources!.maxRSS)}`));
  }
  return `${lines.join('\n')}\n`;
}

function life(p: ReportProc): string {
  return p.lifetimeUs === null ? '? (start unknown)' : duration(p.lifetimeUs);
}
