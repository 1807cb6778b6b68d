// An events log as a Chrome / Perfetto trace (the Trace Event Format, JSON): what
// `supervise decode --format trace` writes and the viewer can offer. No Node API (browsers
// too, as the rest of codec/index.ts and names.ts): records in, trace events out.
//
// The layout (docs/protocol.md, "`--format trace`"): each run of supervise (a `started` record, or in a
// version 1 log a `spawned` one) is one trace process, named after supervise's pid and the
// run's start; in it, one complete event (ph "X") per process supervise reaped, from the
// process's start time (/proc/PID/stat, events log version 2) to its reap, all in µs since
// the Unix epoch, on one of three kinds of track: the main command (cat "main"), the
// processes that left its session or process group (cat "escaped", the ones a process-group
// kill would have missed: escaped() in codec/index.ts), and the others (cat "process").
// Processes of one kind share tracks ("lanes"), each lane holding bars that do not overlap,
// so tens of thousands of processes take as many tracks as ever ran at once.
import { describe, escaped, isoTime, unhandledKind, type StatusEvent } from './index.ts';
import { Lanes } from './lanes.ts';

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

/** Tracks within a run's trace process: the main command, then the lanes of each kind. */
const TID_MAIN = 1;
const laneTid = (kind: 'escaped' | 'process', lane: number) => (kind === 'escaped' ? 2 : 3) + 2 * lane;
/** Trace pids for runs whose supervise pid is unknown or taken already: above every real pid. */
const PID_SPARE = 1 << 23;

interface Run {
  pid: number;
  /** The record that opened it (started, or spawned in a version 1 log), if any. */
  ref?: StatusEvent;
  start: number;
  mainPid: number;
  mainOpen?: StatusEvent;
  mainDone: boolean;
  lanes: { escaped: Lanes; process: Lanes };
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
        out.push({
          name: `supervise ${describe(e)}`,
          ph: 'i',
          s: 'p',
          cat: 'supervise',
          pid: run.pid,
          tid: TID_MAIN,
          ts: e.time,
          args: this.args(e, run),
        });
        break;
      case 'started':
        out.push({
          name: 'supervise started',
          ph: 'i',
          s: 'p',
          cat: 'supervise',
          pid: run.pid,
          tid: TID_MAIN,
          ts: e.time,
          args: this.args(e, run),
        });
        break;
      case 'spawned':
        if (run.mainPid === 0) {
          run.mainPid = e.pid;
          run.mainOpen = e;
        }
        break;
      case 'spawn-failed':
        out.push({
          name: describe(e),
          ph: 'i',
          s: 't',
          cat: 'main',
          pid: run.pid,
          tid: TID_MAIN,
          ts: e.time,
          args: this.args(e, run),
        });
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
          name: `${this.name(e)} ${describe(e)}`,
          ph: 'i',
          s: 'p',
          cat: 'process',
          pid: run.pid,
          tid: TID_MAIN,
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
          tid: TID_MAIN,
          ts: start,
          dur: Math.max(0, run.last - start),
          args: { ...this.args(open, run), status: 'running when the log ends' },
        });
      }
      const when = run.ref?.time ?? run.start;
      const title = run.ref?.kind === 'started' ? `supervise ${run.ref.pid}` : 'supervise';
      out.push(meta('process_name', run.pid, 0, { name: `${title}, run of ${isoTime(when)}` }));
      out.push(meta('process_sort_index', run.pid, 0, { sort_index: i }));
      out.push(meta('thread_name', run.pid, TID_MAIN, { name: 'main command' }));
      out.push(meta('thread_sort_index', run.pid, TID_MAIN, { sort_index: 0 }));
      for (const kind of ['escaped', 'process'] as const) {
        for (let lane = 0; lane < run.lanes[kind].count; lane++) {
          const tid = laneTid(kind, lane);
          const label = kind === 'escaped' ? 'escaped (left the session or group)' : 'processes';
          out.push(meta('thread_name', run.pid, tid, { name: `${label} ${lane + 1}` }));
          out.push(
            meta('thread_sort_index', run.pid, tid, { sort_index: (kind === 'escaped' ? 1 : 2) * 1_000_000 + lane }),
          );
        }
      }
    });
    return out;
  }

  private open(ref: StatusEvent | undefined, time = ref!.time!): Run {
    let pid = ref?.kind === 'started' ? ref.pid : 0;
    if (pid === 0 || this.pids.has(pid)) {
      pid = PID_SPARE + this.runs.length;
    }
    this.pids.add(pid);
    const lanes = { escaped: new Lanes(), process: new Lanes() };
    const run: Run = { pid, ref, start: time, mainPid: 0, mainDone: false, lanes, last: time };
    this.runs.push(run);
    this.run = run;
    return run;
  }

  /** The bar of a process reaped at e.time. */
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
    if (isMain) {
      run.mainDone = true;
      return {
        name: this.name(e),
        ph: 'X',
        cat: 'main',
        pid: run.pid,
        tid: TID_MAIN,
        ts: start,
        dur: end - start,
        args,
      };
    }
    const kind = args.escaped ? 'escaped' : 'process';
    const lane = run.lanes[kind].take(start, end);
    return {
      name: this.name(e),
      ph: 'X',
      cat: kind,
      pid: run.pid,
      tid: laneTid(kind, lane),
      ts: start,
      dur: end - start,
      args,
    };
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
      a.ppid = e.proc.ppid;
      a.pgid = e.proc.pgid;
      a.sid = e.proc.sid;
    }
    a.escaped = escaped(e, run.ref);
    a.main = isMain && e.kind !== 'started';
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
