// The viewer's model of a log, apart from any drawing: the processes its records tell of
// (one per pid lifetime: from its start to its reap), built incrementally as records arrive
// (a dropped file, or `supervise view FILE` following a log), the filters, and the lanes
// of the timeline (greedy interval packing). Browser-safe; no DOM.
import { describe, escaped, unhandledKind, type EntryFlags, type Resources, type StatusEvent } from '../codec/index.ts';
import { Lanes } from '../codec/lanes.ts';

/** How a process ended, which is its colour: the CSS class of its bar and legend swatch. */
export type EndClass = 'ok' | 'fail' | 'killed' | 'dumped' | 'open' | 'spawnfail';

/** One process: a pid from its start to its end record (or the end of the log). Times are
 *  on the axis: microseconds since the epoch in events logs, the record number in raw streams. */
export interface Proc {
  pid: number;
  /** Where the bar starts, and where that came from: the process's own start time (v2
   *  `proc.start`), its `spawned` record, or the first record of the log. */
  start: number;
  startFrom: 'proc' | 'spawned' | 'log';
  /** The end record's time; for an open process the end of the log. */
  end: number;
  open: boolean;
  cls: EndClass;
  /** comm (v2), or '' when unknown. */
  name: string;
  /** "exited 0", "killed SIGKILL", "running". */
  ended: string;
  ppid: number;
  pgid: number;
  sid: number;
  /** Left the session or process group of its run's supervise (codec `escaped()`). */
  escaped: boolean;
  /** The main command of its run (it has a `spawned` record). */
  main: boolean;
  /** Index of its first record and of its end record (-1: none yet). */
  first: number;
  last: number;
  /** Stops, continues, traps: times of the ticks on its bar. */
  marks: number[];
  /** Events logs version 3: what it cost, and what supervise did to it (its end record's). */
  resources?: Resources;
  flags?: EntryFlags;
}

const ENDS: Record<string, EndClass | undefined> = { killed: 'killed', dumped: 'dumped' };

export class LogModel {
  readonly records: StatusEvent[] = [];
  readonly procs: Proc[] = [];
  /** Per record: the index of its process in `procs`, or -1 (`started` records). */
  readonly recProc: number[] = [];
  /** Events logs have times; raw streams number their records instead. */
  timed: boolean | null = null;
  /** The axis: the first and last instants (the first record's time or a process's start). */
  t0 = 0;
  t1 = 1;
  /** `started` records: one per run of supervise appending to the log. */
  runs = 0;
  /** Their times: where each run began. */
  readonly runStarts: number[] = [];
  private first = Number.NaN; // time of the first record: where bars without a known start begin
  private readonly open = new Map<number, number>(); // pid -> index of its open process
  private ref: StatusEvent | undefined; // the latest `started` record: the reference for escapes

  /** Adds records in log order. */
  add(recs: readonly StatusEvent[]): void {
    for (const e of recs) this.addOne(e);
  }

  private addOne(e: StatusEvent): void {
    const i = this.records.length;
    this.records.push(e);
    if (this.timed === null) this.timed = e.time !== undefined;
    const at = e.time ?? i + 1;
    if (Number.isNaN(this.first)) {
      this.first = this.timed ? at : 0;
      this.t0 = this.first;
      this.t1 = this.first + 1;
    }
    if (at > this.t1) this.t1 = at;
    if (e.kind === 'started') {
      this.ref = e;
      this.runs++;
      this.runStarts.push(at);
      this.recProc.push(-1);
      return;
    }
    if (e.kind === 'layers' || e.kind === 'totals') {
      this.recProc.push(-1); // supervise's, about the whole tree: no process of its own
      return;
    }
    let pi = e.kind === 'spawned' || e.kind === 'spawn-failed' ? undefined : this.open.get(e.pid);
    if (pi === undefined) {
      pi = this.procs.length;
      const start = e.kind === 'spawned' || e.kind === 'spawn-failed' ? at : this.first;
      this.procs.push({
        pid: e.pid,
        start,
        startFrom: start === at && e.kind !== 'spawn-failed' ? 'spawned' : 'log',
        end: at,
        open: true,
        cls: 'open',
        name: '',
        ended: 'running',
        ppid: 0,
        pgid: 0,
        sid: 0,
        escaped: false,
        main: e.kind === 'spawned',
        first: i,
        last: -1,
        marks: [],
      });
      if (e.kind !== 'spawn-failed') this.open.set(e.pid, pi);
    }
    const p = this.procs[pi];
    this.recProc.push(pi);
    const proc = e.proc;
    if (proc) {
      if (proc.comm) p.name = proc.comm;
      p.ppid = proc.ppid;
      p.pgid = proc.pgid;
      p.sid = proc.sid;
      if (proc.start > 0 && this.timed) {
        p.start = proc.start;
        p.startFrom = 'proc';
        if (proc.start < this.t0) this.t0 = proc.start;
      }
      p.escaped = escaped(e, this.ref);
    }
    switch (e.kind) {
      case 'spawned':
        return;
      case 'spawn-failed':
        p.open = false;
        p.cls = 'spawnfail';
        p.ended = describe(e);
        p.name ||= 'spawn failed';
        p.last = i;
        return;
      case 'exited':
      case 'killed':
      case 'dumped':
        p.open = false;
        p.end = at;
        p.cls = ENDS[e.kind] ?? (e.exitCode === 0 ? 'ok' : 'fail');
        p.ended = describe(e);
        p.last = i;
        if (e.resources) p.resources = e.resources;
        if (e.flags) p.flags = e.flags;
        this.open.delete(e.pid);
        return;
      case 'stopped':
      case 'continued':
      case 'trapped':
        p.marks.push(at);
        return;
      default:
        unhandledKind(e.kind);
    }
  }

  /** Where process `p`'s bar ends: its end record, or the end of the log while it runs. */
  endOf(p: Proc): number {
    return p.open ? this.t1 : p.end;
  }

  /** How many processes left their run's session or process group. */
  escapees(): number {
    let n = 0;
    for (const p of this.procs) if (p.escaped) n++;
    return n;
  }
}

// --- filters

export interface Filters {
  /** A record kind, or '' for every kind. */
  kind: string;
  /** How the process ended: "0", "3", "!0" (exited non-zero), "SIGKILL" or "KILL", "running";
   *  several separated by commas or spaces. '' for any. */
  status: string;
  /** A substring of the name (comm), any case. */
  name: string;
  /** Pids separated by commas or spaces. */
  pid: string;
  escapedOnly: boolean;
}

export const NO_FILTERS: Filters = { kind: '', status: '', name: '', pid: '', escapedOnly: false };

/** The records (indices, in order) and processes (a mask) the filters let through. A
 *  process is shown when one of its records is. */
export function applyFilters(m: LogModel, f: Filters): { records: Int32Array; procs: Uint8Array; shown: number } {
  const words = (s: string) => s.split(/[\s,]+/).filter(Boolean);
  const pids = new Set(words(f.pid).map(Number));
  const statuses = words(f.status).map((s) => s.toUpperCase());
  const name = f.name.toLowerCase();
  const procOk = m.procs.map((p) => {
    if (pids.size && !pids.has(p.pid)) return false;
    if (name && !p.name.toLowerCase().includes(name)) return false;
    if (f.escapedOnly && !p.escaped) return false;
    return statuses.length === 0 || statuses.some((s) => statusMatches(m, p, s));
  });
  const out = new Int32Array(m.records.length);
  const procs = new Uint8Array(m.procs.length);
  let n = 0;
  let shown = 0;
  for (let i = 0; i < m.records.length; i++) {
    const e = m.records[i];
    if (f.kind && e.kind !== f.kind) continue;
    const pi = m.recProc[i];
    if (pi < 0) {
      // a `started` record: supervise itself
      if (statuses.length || f.escapedOnly || (pids.size && !pids.has(e.pid))) continue;
      if (name && !(e.proc?.comm ?? '').toLowerCase().includes(name)) continue;
    } else {
      if (!procOk[pi]) continue;
      if (!procs[pi]) shown++;
      procs[pi] = 1;
    }
    out[n++] = i;
  }
  return { records: out.subarray(0, n), procs, shown };
}

function statusMatches(m: LogModel, p: Proc, s: string): boolean {
  if (s === 'RUNNING' || s === 'OPEN') return p.open;
  if (p.open) return false;
  const end = m.records[p.last];
  if (end.kind === 'exited') return s === String(end.exitCode) || (s === '!0' && end.exitCode !== 0);
  if (end.kind === 'spawn-failed') return s === end.errnoName;
  const sig = end.signal ?? '';
  return s === '!0' || s === sig || `SIG${s}` === sig;
}

// --- lanes

/** The lanes of the timeline: every shown process in one, none overlapping another in its
 *  lane: the processes in order of start through codec/lanes.ts, which takes as many lanes
 *  as processes overlap at the busiest instant. */
export interface TimelineLanes {
  count: number;
  /** Per lane: process indices in order of start (and so of end). */
  members: Int32Array[];
  /** Per process: its lane, or -1 when not shown. */
  laneOf: Int32Array;
}

export function packLanes(m: LogModel, shown: Uint8Array): TimelineLanes {
  const n = m.procs.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const p = m.procs[i];
    starts[i] = p.start;
    ends[i] = Math.max(m.endOf(p), p.start);
    if (shown[i]) count++;
  }
  const order = byStart(starts, shown, count, m.t0);
  const laneOf = new Int32Array(n).fill(-1);
  const lanes = new Lanes();
  const lists: number[][] = [];
  for (const i of order) {
    const lane = lanes.take(starts[i], ends[i]);
    if (lane === lists.length) lists.push([]);
    lists[lane].push(i);
    laneOf[i] = lane;
  }
  return { count: lists.length, members: lists.map((l) => Int32Array.from(l)), laneOf };
}

/** The shown processes' indices in order of start (ties: by index). One numeric sort of
 *  keys (start - t0) * 2^20 + index when they fit in a double exactly, else a comparison sort. */
function byStart(starts: Float64Array, shown: Uint8Array, count: number, t0: number): Int32Array {
  const n = starts.length;
  const order = new Int32Array(count);
  let k = 0;
  let span = 0;
  for (let i = 0; i < n; i++) {
    if (!shown[i]) continue;
    order[k++] = i;
    span = Math.max(span, starts[i] - t0);
  }
  if (n < 2 ** 20 && span < 2 ** 33 && starts.every((v) => Number.isInteger(v))) {
    const keys = new Float64Array(count);
    for (let j = 0; j < count; j++) keys[j] = (starts[order[j]] - t0) * 2 ** 20 + order[j];
    keys.sort();
    for (let j = 0; j < count; j++) order[j] = keys[j] % 2 ** 20;
    return order;
  }
  return order.sort((a, b) => starts[a] - starts[b] || a - b);
}
