// An events log as a Chrome / Perfetto trace (the Trace Event Format, JSON): what
// `supervise decode --format trace` writes and the viewer can offer. No Node API (browsers
// too, as the rest of codec/index.ts and names.ts): records in, trace events out.
//
// The layout (docs/protocol.md, "`--format trace`"): each run of supervise (a `started` record, or in a
// version 1 log a `spawned` one) is one trace process, named after supervise's pid and the
// run's start; in it, each process supervise reaped is a thread of its own (tid: its pid;
// a later process with a recycled pid in the same run gets a spare tid, so two processes
// never share a track), named after its comm by thread_name metadata (Perfetto and DevTools
// show the tid, the pid, beside the name) and ordered by
// thread_sort_index: the main command first, then the processes that left its session or
// process group (escaped() in codec/index.ts), then the others, each by start. On its
// track one complete event (ph "X") from the process's start time (/proc/PID/stat, events
// log version 2) to its reap, in µs since the Unix epoch, its args what the log knows: how
// it ended, its parent at death, resources (version 3), what supervise did to it.
import { describe, escaped, isoTime, unhandledKind, type StatusEvent } from './index.ts';

/** One event of the Trace Event Format (the fields this export writes). */
export interface TraceEvent {
  name: string;
  /** "X" complete, "i" instant, "M" metadata. */
  ph: 'X' | 'i' | 'M';
  pid: number;
  tid: number;
  /** µs since the Unix epoch (not on metadata). */
  ts?: number;
  /** µs (complete events). */
  dur?: number;
  cat?: string;
  /** Instant events: "t" thread, "p" process. */
  s?: 't' | 'p';
  args?: Record<string, unknown>;
}

/** The JSON object Perfetto UI and chrome://tracing open. */
export interface TraceFile {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
}

/** Tracks of a run without a pid of their own: supervise's instants (started, spawn failed). */
const TID_SUPERVISE = 0;
/** Trace pids for runs whose supervise pid is unknown or taken already, and tids for a pid's
 *  later generations within a run: above every real pid (pid_max is at most 2^22). */
const PID_SPARE = 1 << 23;

/** One process of a run, one generation of a pid: its own track. */
interface Track {
  tid: number;
  pid: number;
  /** Its name on the track: comm and pid. */
  name: string;
  /** 0 the main command, 1 escaped, 2 the others: the order of the tracks, then by start. */
  rank: number;
  start: number;
}

interface Run {
  pid: number;
  /** The record that opened it (started, or spawned in a version 1 log), if any. */
  ref?: StatusEvent;
  start: number;
  mainPid: number;
  mainOpen?: StatusEvent;
  mainDone: boolean;
  /** Pids seen alive (spawned, stopped) and not reaped yet: their track. */
  live: Map<number, Track>;
  /** Every pid the run has given a track, for the generations after the first. */
  used: Set<number>;
  tracks: Track[];
  /** supervise's own track carries an instant. */
  superviseTrack: boolean;
  spare: number;
  last: number;
}

/** Builds a trace from status records in log order; push() returns the events each record
 *  completes, finish() the rest (metadata, a main command still running). Records without
 *  a time (a raw status stream) cannot be placed: push() throws a TraceError for them. */
export class TraceBuilder {
  private run: Run | null = null;
  private readonly runs: Run[] = [];
  private readonly pids = new Set<number>();

  push(e: StatusEvent): TraceEvent[] {
    if (e.time === undefined) throw new TraceError(e.offset);
    const out: TraceEvent[] = [];
    // A run begins at `started`; in a version 1 log (no `started`) at a second `spawned`.
    if (e.kind === 'started' || (e.kind === 'spawned' && this.run?.mainPid !== 0)) this.open(e);
    const run = this.run ?? this.open(undefined, e.time);
    run.last = Math.max(run.last, e.time);
    switch (e.kind) {
      case 'layers':
      case 'totals':
        if (e.kind === 'layers' && e.layers?.path === undefined) break; // a part of a long path
        run.superviseTrack = true;
        out.push({
          name: `supervise ${describe(e)}`,
          ph: 'i',
          s: 'p',
          cat: 'supervise',
          pid: run.pid,
          tid: TID_SUPERVISE,
          ts: e.time,
          args: this.args(e, run),
        });
        break;
      case 'started':
      case 'spawn-failed':
        run.superviseTrack = true;
        out.push({
          name: e.kind === 'started' ? 'supervise started' : describe(e),
          ph: 'i',
          s: e.kind === 'started' ? 'p' : 't',
          cat: e.kind === 'started' ? 'supervise' : 'main',
          pid: run.pid,
          tid: TID_SUPERVISE,
          ts: e.time,
          args: this.args(e, run),
        });
        break;
      case 'spawned':
        if (run.mainPid === 0) {
          run.mainPid = e.pid;
          run.mainOpen = e;
          // A zero-length bar where supervise spawned it: what it is, and (DevTools orders a
          // process's threads by their first complete event in the file, not by
          // thread_sort_index) what puts the main command's track first there too.
          out.push({
            name: 'spawned',
            ph: 'X',
            cat: 'spawned',
            pid: run.pid,
            tid: this.track(run, e, 0).tid,
            ts: e.time,
            dur: 0,
            args: this.args(e, run),
          });
        }
        break;
      case 'exited':
      case 'killed':
      case 'dumped':
        out.push(this.complete(e, run));
        break;
      case 'stopped':
      case 'continued':
      case 'trapped': // not written by supervise (it waits for exits only)
        out.push({
          name: describe(e),
          ph: 'i',
          s: 't',
          cat: 'process',
          pid: run.pid,
          tid: this.track(run, e, e.pid === run.mainPid && !run.mainDone ? 0 : 2).tid,
          ts: e.time,
          args: this.args(e, run),
        });
        break;
      default:
        unhandledKind(e.kind);
    }
    return out;
  }

  /** The events no record completes: a main command not reaped (running when the log ends,
   *  up to the run's last record), and the metadata naming each run and track. */
  finish(): TraceEvent[] {
    const out: TraceEvent[] = [];
    this.runs.forEach((run, i) => {
      const open = run.mainOpen;
      if (open && !run.mainDone) {
        const start = open.proc?.start || open.time!;
        out.push({
          name: this.name(open),
          ph: 'X',
          cat: 'main',
          pid: run.pid,
          tid: this.track(run, open, 0).tid,
          ts: start,
          dur: Math.max(0, run.last - start),
          args: { ...this.args(open, run), status: 'running when the log ends' },
        });
      }
      const when = run.ref?.time ?? run.start;
      const title = run.ref?.kind === 'started' ? `supervise ${run.ref.pid}` : 'supervise';
      out.push(meta('process_name', run.pid, 0, { name: `${title}, run of ${isoTime(when)}` }));
      out.push(meta('process_sort_index', run.pid, 0, { sort_index: i }));
      // The main command first, then the escapees, then the others, each by start (a stable
      // sort: tracks were made in log order).
      const tracks = run.tracks.slice().sort((a, b) => a.rank - b.rank || a.start - b.start);
      if (run.superviseTrack) {
        out.push(meta('thread_name', run.pid, TID_SUPERVISE, { name: title }));
        out.push(meta('thread_sort_index', run.pid, TID_SUPERVISE, { sort_index: tracks.length }));
      }
      tracks.forEach((t, j) => {
        out.push(meta('thread_name', run.pid, t.tid, { name: t.name }));
        out.push(meta('thread_sort_index', run.pid, t.tid, { sort_index: j }));
      });
    });
    return out;
  }

  private open(ref: StatusEvent | undefined, time = ref!.time!): Run {
    let pid = ref?.kind === 'started' ? ref.pid : 0;
    if (pid === 0 || this.pids.has(pid)) {
      pid = PID_SPARE + this.runs.length;
    }
    this.pids.add(pid);
    const run: Run = {
      pid,
      ref,
      start: time,
      mainPid: 0,
      mainDone: false,
      live: new Map(),
      used: new Set(),
      tracks: [],
      superviseTrack: false,
      spare: PID_SPARE,
      last: time,
    };
    this.runs.push(run);
    this.run = run;
    return run;
  }

  /** The track of e.pid's current generation in the run: the one it has (spawned, stopped),
   *  or a new one, its tid the pid (a later generation of a pid: a spare tid). */
  private track(run: Run, e: StatusEvent, rank: number): Track {
    const had = run.live.get(e.pid);
    if (had) {
      had.rank = Math.min(had.rank, rank);
      return had;
    }
    const tid = e.pid > 0 && !run.used.has(e.pid) ? e.pid : run.spare++;
    run.used.add(e.pid);
    const t: Track = {
      tid,
      pid: e.pid,
      name: this.trackName(e, tid, rank === 0),
      rank,
      start: e.proc?.start || e.time!,
    };
    run.live.set(e.pid, t);
    run.tracks.push(t);
    return t;
  }

  /** The bar of a process reaped at e.time, on its own track. */
  private complete(e: StatusEvent, run: Run): TraceEvent {
    const end = e.time!;
    const isMain = e.pid === run.mainPid && !run.mainDone;
    let start = e.proc?.start || 0;
    const args = this.args(e, run, isMain);
    if (!start) {
      // Version 1 (or unknown): the main command from its spawned record, the others from the run's start.
      start = isMain && run.mainOpen ? run.mainOpen.time! : run.start;
      args.start = isMain ? 'unknown: from the spawned record' : "unknown: from the run's start";
    }
    start = Math.min(start, end);
    if (isMain) run.mainDone = true;
    const kind = isMain ? 'main' : args.escaped ? 'escaped' : 'process';
    const track = this.track(run, e, isMain ? 0 : args.escaped ? 1 : 2);
    // The reaped record names it (a stopped record before may have had no identity).
    track.name = this.trackName(e, track.tid, isMain);
    track.start = start;
    if (!isMain) track.rank = args.escaped ? 1 : 2;
    run.live.delete(e.pid);
    return {
      name: this.name(e),
      ph: 'X',
      cat: kind,
      pid: run.pid,
      tid: track.tid,
      ts: start,
      dur: end - start,
      args,
    };
  }

  /** A track's name: its comm (Perfetto and DevTools show the tid, the pid, beside it),
   *  with the pid when the tid is a spare one (a recycled pid's later generation). */
  private trackName(e: StatusEvent, tid: number, isMain: boolean): string {
    const pid = tid === e.pid ? '' : `, pid ${e.pid}`;
    return `${this.name(e)}${pid}${isMain ? ' (main command)' : ''}`;
  }

  private name(e: StatusEvent): string {
    return e.proc?.comm || `pid ${e.pid}`;
  }

  private args(e: StatusEvent, run: Run, isMain = e.pid === run.mainPid): Record<string, unknown> {
    const a: Record<string, unknown> = { pid: e.pid, status: describe(e) };
    if (e.exitCode !== undefined) a.exitCode = e.exitCode;
    if (e.signal !== undefined) a.signal = e.signal;
    if (e.errnoName !== undefined) a.errno = e.errnoName;
    if (e.proc) {
      // At the reap: the parent at death (an orphan's is supervise, which adopted it).
      a.ppid = e.proc.ppid;
      a.pgid = e.proc.pgid;
      a.sid = e.proc.sid;
    }
    a.escaped = escaped(e, run.ref);
    a.main = isMain && e.kind !== 'started';
    const r = e.resources;
    if (r) {
      a.cpuMs = (r.userCPUTime + r.systemCPUTime) / 1000;
      a.userCPUMs = r.userCPUTime / 1000;
      a.systemCPUMs = r.systemCPUTime / 1000;
      a.maxRSSKiB = r.maxRSS;
      a.minorPageFaults = r.minorPageFault;
      a.majorPageFaults = r.majorPageFault;
      a.voluntaryContextSwitches = r.voluntaryContextSwitches;
      a.involuntaryContextSwitches = r.involuntaryContextSwitches;
      a.fsReadBlocks = r.fsRead;
      a.fsWriteBlocks = r.fsWrite;
    }
    if (e.flags?.killedAtTeardown) a.killedAtTeardown = true;
    if (e.flags?.graceDeadline) a.killedAtGraceDeadline = true;
    if (e.flags?.signalled) a.signalled = true;
    return a;
  }
}

function meta(name: string, pid: number, tid: number, args: Record<string, unknown>): TraceEvent {
  return { name, ph: 'M', pid, tid, args };
}

/** A record without a time: a raw status stream cannot be placed on a timeline. */
export class TraceError extends Error {
  constructor(readonly offset: number) {
    super(
      'a raw status stream has no times, so its records cannot be placed on a timeline (supervise --events FILE writes a log that has them)',
    );
    this.name = 'TraceError';
  }
}

/** The whole trace of `records` (an events log's, in order). */
export function toTrace(records: StatusEvent[]): TraceFile {
  const b = new TraceBuilder();
  const traceEvents: TraceEvent[] = [];
  for (const e of records) for (const t of b.push(e)) traceEvents.push(t);
  for (const t of b.finish()) traceEvents.push(t); // one metadata pair per lane: no spread
  return { traceEvents, displayTimeUnit: 'ms' };
}
