// The timeline: every shown process as a bar on one <canvas> (no DOM node per bar), in the
// lanes of model.ts, from its start to its end, coloured by how it ended, labelled with its
// name where it is wide enough; escapees hatched and outlined. Wheel zooms at the cursor,
// drag pans, keys: + - zoom, arrows pan, 0 resets. Hover shows a tooltip; a click selects.
import { isoTime } from '../codec/index.ts';
import { kib } from '../codec/report.ts';
import type { EndClass, TimelineLanes, LogModel } from './model.ts';

const COLOURS: Record<EndClass, string> = {
  ok: '#16a34a',
  fail: '#ea980c',
  killed: '#dc2626',
  dumped: '#7c3aed',
  open: '#9ca3af',
  spawnfail: '#111827',
};
const AXIS = 22; // px of the time axis at the top
const LANE_MAX = 18; // px per lane when they all fit
const LANE_MIN = 4; // below that, the lanes scroll
const HEIGHT_MAX = 440;
const CHAR_W = 6.6; // px of a character of the label font
const ZOOM_STEP = 1.5;

export class Timeline {
  private readonly ctx: CanvasRenderingContext2D;
  private model: LogModel | null = null;
  private lanes: TimelineLanes | null = null;
  /** The visible span of the axis, and how far the lanes are scrolled (px). */
  from = 0;
  to = 1;
  private scrollY = 0;
  /** Follows the whole log (as it grows) until the user zooms or pans. */
  private fitted = true;
  private laneH = LANE_MAX;
  /** A lane height the user chose ([ and ], ctrl+wheel), or 0: the lanes fit the canvas. */
  private userLaneH = 0;
  private width = 0;
  private height = 0;
  private selected = -1;
  private frame = 0;
  private hatch: CanvasPattern | null = null;
  /** Bars drawn by the last frame (the tests read it). */
  drawn = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly tip: HTMLElement,
    private readonly onSelect: (proc: number) => void,
  ) {
    this.ctx = canvas.getContext('2d')!;
    this.wire();
    new ResizeObserver(() => this.redraw()).observe(canvas.parentElement!);
  }

  /** New data (a file, a filter, records appended): keeps the zoom unless it was fitted. */
  setData(model: LogModel, lanes: TimelineLanes): void {
    this.model = model;
    this.lanes = lanes;
    if (this.fitted) this.fit();
    this.clampScroll();
    this.redraw();
  }

  /** The whole log. */
  reset(): void {
    this.fitted = true;
    this.userLaneH = 0;
    this.scrollY = 0;
    this.fit();
    this.size(); // the lanes' height now, not at the next frame
    this.redraw();
  }

  /** Multiplies the visible span by 1/factor around the axis position under x (px). */
  zoom(factor: number, x = this.width / 2): void {
    const at = this.timeAt(x);
    const span = Math.max((this.to - this.from) / factor, this.minSpan());
    const full = this.full();
    if (span >= full[1] - full[0]) {
      this.reset();
      return;
    }
    this.fitted = false;
    this.from = at - (x / this.width) * span;
    this.to = this.from + span;
    this.clampRange();
    this.redraw();
  }

  /** Taller (factor > 1) or shorter lanes, keeping the lane under y (px) in place. */
  laneZoom(factor: number, y = (this.height + AXIS) / 2): void {
    const before = this.laneH;
    const next = Math.round(Math.max(LANE_MIN - 1, Math.min(2 * LANE_MAX, before * factor)));
    if (next === before) return;
    const lane = (y - AXIS + this.scrollY) / before;
    this.userLaneH = next;
    this.laneH = next;
    this.scrollY = lane * next - (y - AXIS);
    this.clampScroll();
    this.redraw();
  }

  /** Pans by dx px (positive: later) and dy px (positive: lower lanes). */
  pan(dx: number, dy = 0): void {
    if (dx) {
      const dt = (dx / this.width) * (this.to - this.from);
      this.from += dt;
      this.to += dt;
      this.fitted = false;
      this.clampRange();
    }
    this.scrollY += dy;
    this.clampScroll();
    this.redraw();
  }

  /** Selects a process (or -1): outlined, and brought into view if it is off screen. */
  select(proc: number): void {
    this.selected = proc;
    const lane = proc >= 0 && this.lanes ? this.lanes.laneOf[proc] : -1;
    if (lane >= 0 && this.model) {
      const p = this.model.procs[proc];
      const end = this.model.endOf(p);
      if (end < this.from || p.start > this.to) {
        const span = this.to - this.from;
        this.from = (p.start + end) / 2 - span / 2;
        this.to = this.from + span;
        this.fitted = false;
        this.clampRange();
      }
      const y = lane * this.laneH;
      if (y < this.scrollY || y + this.laneH > this.scrollY + this.height - AXIS) {
        this.scrollY = y - (this.height - AXIS) / 2;
        this.clampScroll();
      }
    }
    this.redraw();
  }

  /** The process whose bar is under (x, y) px of the canvas, or -1. */
  barAt(x: number, y: number): number {
    const m = this.model;
    const l = this.lanes;
    if (!m || !l || y < AXIS) return -1;
    const lane = Math.floor((y - AXIS + this.scrollY) / this.laneH);
    if (lane < 0 || lane >= l.count) return -1;
    const members = l.members[lane];
    const slack = (3 / this.width) * (this.to - this.from); // thin bars: 3 px either side
    const t = this.timeAt(x);
    // The last bar starting before t + slack; its end decides.
    let lo = 0;
    let hi = members.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (m.procs[members[mid]].start <= t + slack) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // That bar, or the one before it, under t exactly; else within the slack.
    for (const tol of [0, slack]) {
      for (const k of [found, found - 1]) {
        if (k < 0) continue;
        const p = m.procs[members[k]];
        if (p.start <= t + tol && m.endOf(p) >= t - tol) return members[k];
      }
    }
    return -1;
  }

  /** The selected process, or -1. */
  selectedProc(): number {
    return this.selected;
  }

  /** The lanes drawn (tests read them). */
  lanesNow(): TimelineLanes | null {
    return this.lanes;
  }

  /** Where process `proc`'s bar is, in px of the canvas (for tests and the tooltip). */
  barRect(proc: number): { x: number; y: number; w: number; h: number } | null {
    const m = this.model;
    const lane = this.lanes?.laneOf[proc] ?? -1;
    if (!m || lane < 0) return null;
    const p = m.procs[proc];
    const x0 = this.xOf(p.start);
    return {
      x: x0,
      y: AXIS + lane * this.laneH - this.scrollY,
      w: Math.max(this.xOf(m.endOf(p)) - x0, 1),
      h: this.laneH,
    };
  }

  // --- drawing

  redraw(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  /** Draws now (also what the scheduled frame does). */
  draw(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.size();
    const { ctx, width: W, height: H } = this;
    ctx.clearRect(0, 0, W, H);
    const m = this.model;
    const l = this.lanes;
    this.drawn = 0;
    if (!m || !l) return;
    this.drawAxis(m);
    const lh = this.laneH;
    const first = Math.max(0, Math.floor(this.scrollY / lh));
    const last = Math.min(l.count - 1, Math.floor((this.scrollY + H - AXIS) / lh));
    const rects = new Map<EndClass, number[]>();
    const escapes: number[] = [];
    const mains: number[] = [];
    const labels: Array<[string, number, number, number]> = [];
    const marks: number[] = [];
    const gap = lh >= 8 ? 2 : lh >= 5 ? 1 : 0;
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, AXIS, W, H - AXIS);
    ctx.clip();
    for (let lane = first; lane <= last; lane++) {
      const members = l.members[lane];
      const y = AXIS + lane * lh - this.scrollY + gap / 2;
      const h = lh - gap;
      // The first bar that ends at or after `from` (ends grow along a lane).
      let lo = 0;
      let hi = members.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (m.endOf(m.procs[members[mid]]) < this.from) lo = mid + 1;
        else hi = mid;
      }
      let covered = -Infinity; // px up to which this lane is painted
      for (let k = lo; k < members.length; k++) {
        const p = m.procs[members[k]];
        if (p.start > this.to) break;
        const x0 = this.xOf(p.start);
        const x1 = Math.max(this.xOf(m.endOf(p)), x0 + 1.5);
        if (x1 <= covered + 0.5 && !p.escaped) continue; // a sub-pixel bar where one is drawn already
        covered = x1;
        this.drawn++;
        let list = rects.get(p.cls);
        if (!list) rects.set(p.cls, (list = []));
        const w = x1 - x0 >= 3 ? x1 - x0 - 1 : x1 - x0; // a pixel between bars that touch
        list.push(x0, y, w, h);
        if (p.escaped) escapes.push(x0, y, x1 - x0, h);
        if (p.main) mains.push(x0, y, x1 - x0, h);
        for (const t of p.marks) marks.push(this.xOf(t), y);
        const left = Math.max(x0, 0);
        const room = Math.min(x1, W) - left - 6;
        if (h >= 10 && room >= 3 * CHAR_W) labels.push([p.name || `pid ${p.pid}`, left + 3, y + h / 2, room]);
      }
    }
    for (const [cls, list] of rects) {
      ctx.fillStyle = COLOURS[cls];
      ctx.beginPath();
      for (let i = 0; i < list.length; i += 4) ctx.rect(list[i], list[i + 1], list[i + 2], list[i + 3]);
      ctx.fill();
    }
    if (escapes.length) {
      ctx.fillStyle = this.hatchPattern();
      ctx.strokeStyle = '#111827';
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let i = 0; i < escapes.length; i += 4) ctx.rect(escapes[i], escapes[i + 1], escapes[i + 2], escapes[i + 3]);
      ctx.fill();
      ctx.stroke();
    }
    ctx.strokeStyle = '#1e3a8a';
    ctx.lineWidth = 2;
    for (let i = 0; i < mains.length; i += 4) ctx.strokeRect(mains[i], mains[i + 1], mains[i + 2], mains[i + 3]);
    ctx.fillStyle = '#111';
    for (let i = 0; i < marks.length; i += 2) ctx.fillRect(marks[i] - 1, marks[i + 1] - 1, 2, lh);
    ctx.font = '11px ui-monospace, monospace';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#fff';
    for (const [text, x, y, room] of labels) {
      const fits = Math.floor(room / CHAR_W);
      ctx.fillText(text.length > fits ? `${text.slice(0, fits - 1)}…` : text, x, y);
    }
    // Where each run of supervise began (appended logs have several).
    ctx.strokeStyle = '#1d4ed8';
    ctx.lineWidth = 1;
    ctx.setLineDash([4, 3]);
    for (const t of m.runStarts) {
      if (t < this.from || t > this.to) continue;
      const x = Math.round(this.xOf(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, AXIS);
      ctx.lineTo(x, H);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    const sel = this.selected >= 0 ? this.barRect(this.selected) : null;
    if (sel) {
      ctx.strokeStyle = '#1d4ed8';
      ctx.lineWidth = 2;
      ctx.strokeRect(sel.x - 1, sel.y, sel.w + 2, sel.h);
    }
    this.drawLaneScroll(l.count, first, last);
    ctx.restore();
  }

  /** When the lanes do not fit: a scroll bar on the right, and which lanes are in view. */
  private drawLaneScroll(count: number, first: number, last: number): void {
    const { ctx, width: W, height: H } = this;
    const total = count * this.laneH;
    const view = H - AXIS;
    if (total <= view) return;
    ctx.fillStyle = 'rgba(17, 24, 39, 0.12)';
    ctx.fillRect(W - 6, AXIS, 6, view);
    ctx.fillStyle = 'rgba(17, 24, 39, 0.45)';
    ctx.fillRect(W - 6, AXIS + (this.scrollY / total) * view, 6, Math.max(12, (view * view) / total));
    ctx.restore();
    ctx.save();
    const text = `lanes ${first + 1}–${last + 1} of ${count}`;
    ctx.font = '11px ui-monospace, monospace';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#f3f4f6';
    const w = text.length * CHAR_W + 12;
    ctx.fillRect(W - w, 0, w, AXIS);
    ctx.fillStyle = '#4b5563';
    ctx.fillText(text, W - w + 6, AXIS / 2);
  }

  private drawAxis(m: LogModel): void {
    const { ctx, width: W, height: H } = this;
    const span = this.to - this.from;
    const step = niceStep(span / Math.max(1, W / 110));
    ctx.fillStyle = '#f3f4f6';
    ctx.fillRect(0, 0, W, AXIS);
    const count = this.lanes?.count ?? 0;
    const reserved = count * this.laneH > H - AXIS ? `lanes ${count}–${count} of ${count}`.length * CHAR_W + 12 : 0;
    ctx.font = '11px ui-monospace, monospace';
    ctx.textBaseline = 'middle';
    ctx.strokeStyle = '#e5e7eb';
    ctx.lineWidth = 1;
    for (let v = Math.ceil((this.from - m.t0) / step) * step; m.t0 + v <= this.to; v += step) {
      const x = Math.round(this.xOf(m.t0 + v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, AXIS - 4);
      ctx.lineTo(x, H);
      ctx.stroke();
      const label = m.timed ? seconds(v, step) : `#${Math.round(v)}`;
      if (x + 3 + label.length * CHAR_W > W - reserved) continue; // under the lanes note
      ctx.fillStyle = '#4b5563';
      ctx.fillText(label, x + 3, AXIS / 2);
    }
  }

  private hatchPattern(): CanvasPattern {
    if (!this.hatch) {
      const c = document.createElement('canvas');
      c.width = c.height = 6;
      const g = c.getContext('2d')!;
      g.strokeStyle = 'rgba(17, 24, 39, 0.75)';
      g.lineWidth = 1.5;
      g.beginPath();
      g.moveTo(0, 6);
      g.lineTo(6, 0);
      g.stroke();
      this.hatch = this.ctx.createPattern(c, 'repeat')!;
    }
    return this.hatch;
  }

  /** Fits the canvas to its box and the lanes to the canvas. */
  private size(): void {
    const count = this.lanes?.count ?? 0;
    const W = this.canvas.parentElement!.clientWidth; // the canvas has no border: its box is the parent's
    const H = Math.max(80, Math.min(HEIGHT_MAX, AXIS + count * (this.userLaneH || LANE_MAX) + 4));
    const fit = Math.max(LANE_MIN, Math.min(LANE_MAX, Math.floor((H - AXIS) / Math.max(1, count))));
    this.laneH = this.userLaneH || fit;
    if (W !== this.width || H !== this.height) {
      const dpr = devicePixelRatio || 1;
      this.canvas.width = Math.round(W * dpr);
      this.canvas.height = Math.round(H * dpr);
      this.canvas.style.height = `${H}px`;
      this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      this.width = W;
      this.height = H;
    }
  }

  // --- the axis

  private xOf(t: number): number {
    return ((t - this.from) / (this.to - this.from)) * this.width;
  }

  private timeAt(x: number): number {
    return this.from + (x / this.width) * (this.to - this.from);
  }

  /** The whole axis, with a margin of 1% after the end. */
  private full(): [number, number] {
    const m = this.model;
    if (!m) return [0, 1];
    return [m.t0, m.t1 + Math.max((m.t1 - m.t0) * 0.01, m.timed ? 1 : 0.5)];
  }

  private minSpan(): number {
    return this.model?.timed ? 10 : 2; // 10 µs, or 2 records
  }

  private fit(): void {
    [this.from, this.to] = this.full();
  }

  private clampRange(): void {
    const [a, b] = this.full();
    const span = Math.min(this.to - this.from, b - a);
    if (this.from < a) this.from = a;
    if (this.from + span > b) this.from = b - span;
    this.to = this.from + span;
  }

  private clampScroll(): void {
    this.size();
    const max = Math.max(0, (this.lanes?.count ?? 0) * this.laneH - (this.height - AXIS));
    this.scrollY = Math.max(0, Math.min(this.scrollY, max));
  }

  // --- input

  private wire(): void {
    const c = this.canvas;
    c.tabIndex = 0;
    c.addEventListener(
      'wheel',
      (ev) => {
        ev.preventDefault();
        const x = ev.offsetX;
        if (ev.ctrlKey) this.laneZoom(Math.exp(-ev.deltaY * 0.002), ev.offsetY);
        else if (ev.shiftKey) this.pan(0, ev.deltaY);
        else if (Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) this.pan(ev.deltaX);
        else this.zoom(Math.exp(-ev.deltaY * 0.002), x);
      },
      { passive: false },
    );
    let drag: { x: number; y: number; moved: boolean } | null = null;
    c.addEventListener('pointerdown', (ev) => {
      drag = { x: ev.offsetX, y: ev.offsetY, moved: false };
      c.setPointerCapture(ev.pointerId);
      c.focus();
    });
    c.addEventListener('pointermove', (ev) => {
      if (drag) {
        const dx = ev.offsetX - drag.x;
        const dy = ev.offsetY - drag.y;
        if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
        drag.moved = true;
        this.tip.hidden = true;
        c.classList.add('panning');
        this.pan(-dx, -dy);
        drag.x = ev.offsetX;
        drag.y = ev.offsetY;
        return;
      }
      this.hover(ev.offsetX, ev.offsetY);
    });
    c.addEventListener('pointerup', (ev) => {
      const click = drag && !drag.moved;
      drag = null;
      c.classList.remove('panning');
      if (click) {
        const pi = this.barAt(ev.offsetX, ev.offsetY);
        if (pi >= 0) this.onSelect(pi);
      }
    });
    c.addEventListener('pointerleave', () => {
      this.tip.hidden = true;
    });
    c.addEventListener('keydown', (ev) => {
      const page = this.width / 10;
      const keys: Record<string, () => void> = {
        '+': () => this.zoom(ZOOM_STEP),
        '=': () => this.zoom(ZOOM_STEP),
        '-': () => this.zoom(1 / ZOOM_STEP),
        _: () => this.zoom(1 / ZOOM_STEP),
        '0': () => this.reset(),
        ']': () => this.laneZoom(ZOOM_STEP),
        '[': () => this.laneZoom(1 / ZOOM_STEP),
        ArrowLeft: () => this.pan(-page),
        ArrowRight: () => this.pan(page),
        ArrowUp: () => this.pan(0, -3 * this.laneH),
        ArrowDown: () => this.pan(0, 3 * this.laneH),
      };
      const act = keys[ev.key];
      if (act && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
        ev.preventDefault();
        act();
      }
    });
  }

  private hover(x: number, y: number): void {
    const m = this.model;
    const pi = this.barAt(x, y);
    if (!m || pi < 0) {
      this.tip.hidden = true;
      this.canvas.style.cursor = '';
      return;
    }
    this.canvas.style.cursor = 'pointer';
    this.tip.replaceChildren(
      ...describeProc(m, pi).map((line) => Object.assign(document.createElement('div'), { textContent: line })),
    );
    this.tip.hidden = false;
    const box = this.canvas.getBoundingClientRect();
    const left = Math.min(x + 14, box.width - this.tip.offsetWidth - 4);
    this.tip.style.left = `${Math.max(0, left)}px`;
    const below = y + 16 + this.tip.offsetHeight <= this.height;
    this.tip.style.top = `${below ? y + 16 : Math.max(0, y - this.tip.offsetHeight - 8)}px`;
  }
}

/** The tooltip's lines for process `pi`: pid and name, start, duration, how it ended. */
export function describeProc(m: LogModel, pi: number): string[] {
  const p = m.procs[pi];
  const lines = [`pid ${p.pid}${p.name ? ` (${p.name})` : ''}${p.main ? ', the main command' : ''}`];
  const from = { proc: 'its start time', spawned: 'its spawned record', log: 'the start of the log' }[p.startFrom];
  if (m.timed) {
    lines.push(`start: ${isoTime(p.start)} (+${((p.start - m.t0) / 1e6).toFixed(6)} s, from ${from})`);
    lines.push(`duration: ${duration(m.endOf(p) - p.start)}${p.open ? ' so far' : ''}`);
  } else {
    lines.push(`records #${p.first + 1}${p.last >= 0 ? ` to #${p.last + 1}` : ''} (a raw stream has no times)`);
  }
  lines.push(`ended: ${p.ended}`);
  if (p.sid || p.pgid) lines.push(`ppid ${p.ppid}, pgid ${p.pgid}, sid ${p.sid}`);
  if (p.escaped) lines.push('escaped: left the session or process group of supervise');
  const r = p.resources;
  if (r) {
    const cpu = r.userCPUTime + r.systemCPUTime;
    lines.push(`CPU: ${duration(cpu)} (user ${duration(r.userCPUTime)}, system ${duration(r.systemCPUTime)})`);
    lines.push(`peak RSS: ${kib(r.maxRSS)}`);
    lines.push(`faults: ${r.minorPageFault} minor, ${r.majorPageFault} major`);
    lines.push(
      `context switches: ${r.voluntaryContextSwitches} voluntary, ${r.involuntaryContextSwitches} involuntary`,
    );
  }
  const f = p.flags;
  if (f?.graceDeadline) lines.push('killed by supervise at the --grace deadline (it outlived its TERM)');
  else if (f?.killedAtTeardown) lines.push('killed by supervise at tear-down');
  if (f?.signalled) lines.push('supervise had forwarded it a signal');
  return lines;
}

function duration(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(3)} ms`;
  return `${(us / 1e6).toFixed(3)} s`;
}

/** Seconds since the start, with as many decimals as the step needs. */
function seconds(us: number, step: number): string {
  const decimals = Math.max(0, Math.min(6, Math.ceil(-Math.log10(step / 1e6))));
  return `${(us / 1e6).toFixed(decimals)} s`;
}

/** 1, 2 or 5 times a power of ten, at least `raw` (and at least 1: µs, or records). */
function niceStep(raw: number): number {
  const r = Math.max(raw, 1);
  const p = 10 ** Math.floor(Math.log10(r));
  for (const k of [1, 2, 5, 10]) if (k * p >= r) return k * p;
  return 10 * p;
}
