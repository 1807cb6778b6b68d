// The records table, virtualized: rows of a fixed height, a spacer above and below, and only
// the rows in (or near) the scrolled window in the DOM, redrawn on scroll. A row click
// selects its record.
import { describe, isoTime, type Resources } from '../codec/index.ts';
import { duration, kib } from '../codec/report.ts';
import type { LogModel } from './model.ts';

export const ROW_H = 22; // px: web/style.css gives every row this height
const OVERSCAN = 10;

export const COLUMNS = [
  '#',
  'time',
  'pid',
  'name',
  'event',
  'ppid',
  'pgid',
  'sid',
  'escaped',
  'CPU',
  'peak RSS',
  'faults',
  'ctx switches',
  'si_code',
  'si_status',
  'uid',
  'offset',
];

export class RecordTable {
  private model: LogModel | null = null;
  private rows: Int32Array = new Int32Array(0);
  private selected = -1; // a record index
  private frame = 0;
  private readonly body: HTMLTableSectionElement;

  constructor(
    private readonly scroller: HTMLElement,
    private readonly onSelect: (record: number) => void,
  ) {
    this.body = scroller.querySelector('tbody')!;
    scroller.addEventListener('scroll', () => this.redraw());
    this.body.addEventListener('click', (ev) => {
      const tr = (ev.target as HTMLElement).closest('tr');
      const i = tr?.dataset.record;
      if (i !== undefined) this.onSelect(Number(i));
    });
  }

  /** The records to list (indices into model.records, in order). */
  setRows(model: LogModel, rows: Int32Array): void {
    this.model = model;
    this.rows = rows;
    this.redraw();
  }

  /** Selects record `i` and scrolls its row into the middle of the view (if listed). */
  select(i: number): void {
    this.selected = i;
    const at = indexOf(this.rows, i);
    if (at >= 0) {
      const top = at * ROW_H;
      const view = this.scroller.clientHeight - ROW_H; // the sticky header
      if (top < this.scroller.scrollTop || top + ROW_H > this.scroller.scrollTop + view) {
        this.scroller.scrollTop = Math.max(0, top - view / 2);
      }
    }
    this.draw();
  }

  redraw(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  /** Renders the rows in the window now. */
  draw(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    const m = this.model;
    if (!m) return;
    const n = this.rows.length;
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_H) - OVERSCAN);
    const count = Math.ceil(this.scroller.clientHeight / ROW_H) + 2 * OVERSCAN;
    const last = Math.min(n, first + count);
    const t0 = m.timed ? m.records[0]?.time : undefined;
    const out: HTMLElement[] = [spacer(first * ROW_H)];
    for (let k = first; k < last; k++) {
      const i = this.rows[k];
      const e = m.records[i];
      const pi = m.recProc[i];
      const p = pi >= 0 ? m.procs[pi] : undefined;
      const tr = document.createElement('tr');
      tr.dataset.record = String(i);
      if (i === this.selected) tr.setAttribute('aria-selected', 'true');
      if (e.time !== undefined) tr.title = isoTime(e.time);
      const time = e.time === undefined || t0 === undefined ? '' : `+${((e.time - t0) / 1e6).toFixed(6)} s`;
      const ev = `ev-${e.kind}${e.kind === 'exited' && e.exitCode ? ' nz' : ''}`;
      const id = e.proc;
      const esc = p?.escaped ?? false;
      const cells: Array<[string, string]> = [
        [String(i + 1), ''],
        [time, ''],
        [String(e.pid), ''],
        [id?.comm || p?.name || '', 'name'],
        [describe(e), ev],
        [id ? String(id.ppid) : '', ''],
        [id ? String(id.pgid) : '', ''],
        [id ? String(id.sid) : '', ''],
        [esc ? 'escaped' : '', esc ? 'escaped' : ''],
        ...resourceCells(e.resources),
        [e.code > 255 ? `0x${e.code.toString(16)}` : String(e.code), ''],
        [String(e.status), ''],
        [String(e.uid), ''],
        [String(e.offset), ''],
      ];
      for (const [text, cls] of cells) {
        const td = document.createElement('td');
        if (cls) td.className = cls;
        td.textContent = text;
        tr.append(td);
      }
      out.push(tr);
    }
    out.push(spacer((n - last) * ROW_H));
    this.body.replaceChildren(...out);
  }
}

/** The CPU, peak RSS, faults and context switches cells of a record that reaped a process
 *  (events log version 3; empty otherwise). */
function resourceCells(r: Resources | undefined): Array<[string, string]> {
  if (!r)
    return [
      ['', ''],
      ['', ''],
      ['', ''],
      ['', ''],
    ];
  return [
    [duration(r.userCPUTime + r.systemCPUTime), 'num'],
    [kib(r.maxRSS), 'num'],
    [`${r.minorPageFault} / ${r.majorPageFault}`, 'num'],
    [`${r.voluntaryContextSwitches} / ${r.involuntaryContextSwitches}`, 'num'],
  ];
}

function spacer(height: number): HTMLElement {
  const tr = document.createElement('tr');
  tr.className = 'spacer';
  tr.setAttribute('aria-hidden', 'true');
  const td = document.createElement('td');
  td.colSpan = COLUMNS.length;
  td.style.height = `${height}px`;
  tr.append(td);
  return tr;
}

/** The position of `v` in the ascending `a`, or -1. */
function indexOf(a: Int32Array, v: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] === v) return mid;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
