// The log viewer: opens or takes a dropped log, decodes it with the codec (codec/index.ts) over the
// same codec.wasm as `supervise decode`, and shows a summary, a timeline and a table.
// Everything stays in the page. Tests read window.superviseLog once body[data-state]
// is "loaded" or "error".
import {
  decodeAll,
  describe,
  isoTime,
  loadCodec,
  type CodecExports,
  type StatusEvent,
  type StatusKindName,
} from '../codec/index.ts';

interface Result {
  name: string;
  format: string | null;
  records: StatusEvent[];
  error: { offset: number; reason: string; message: string } | null;
}
declare global {
  interface Window {
    superviseLog?: Result;
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let codec: Promise<CodecExports> | null = null;

function getCodec(): Promise<CodecExports> {
  codec ??= loadCodec(new URL('./codec.wasm', import.meta.url));
  return codec;
}

async function open(file: File): Promise<void> {
  document.body.dataset.state = 'loading';
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const { format, records, error } = decodeAll(await getCodec(), bytes);
    const result: Result = {
      name: file.name,
      format,
      records: records as StatusEvent[],
      error: error && { offset: error.offset, reason: error.reason, message: error.message },
    };
    render(result, bytes.length);
    window.superviseLog = result;
    document.body.dataset.state = error ? 'error' : 'loaded';
  } catch (err) {
    showError(`Could not read ${file.name}: ${(err as Error).message}`);
    document.body.dataset.state = 'error';
  }
}

function showError(text: string | null): void {
  const box = $('error');
  box.hidden = !text;
  box.textContent = text ?? '';
}

function render(r: Result, size: number): void {
  showError(
    r.error &&
      `${r.name}: ${r.error.message}. ${r.records.length ? `Showing the ${r.records.length} record(s) before it.` : ''}`,
  );
  $('view').hidden = false;
  renderSummary(r, size);
  renderTimeline(r.records);
  renderTable(r.records);
}

const ENDS = new Set<StatusKindName>(['exited', 'killed', 'dumped']);

function renderSummary(r: Result, size: number): void {
  const recs = r.records;
  const pids = new Set(recs.filter((e) => e.pid > 0).map((e) => e.pid));
  const count = (f: (e: StatusEvent) => string | null) => {
    const m = new Map<string, number>();
    for (const e of recs) {
      const k = f(e);
      if (k !== null) m.set(k, (m.get(k) ?? 0) + 1);
    }
    return (
      [...m]
        .sort()
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ') || 'none'
    );
  };
  const times = recs.map((e) => e.time).filter((t): t is number => t !== undefined);
  const duration = times.length ? `${((Math.max(...times) - Math.min(...times)) / 1e6).toFixed(3)} s` : 'no timestamps';
  const cards: Array<[string, string]> = [
    [
      r.format === 'events' ? 'events log v1' : r.format === 'status' ? 'raw status stream' : 'unknown',
      `${r.name}, ${size} bytes`,
    ],
    [String(recs.length), 'records'],
    [String(pids.size), 'processes'],
    [count((e) => (e.kind === 'exited' ? String(e.exitCode) : null)), 'exit codes'],
    [
      count((e) =>
        e.kind === 'killed' || e.kind === 'dumped' ? `${e.signal}${e.kind === 'dumped' ? ' (core)' : ''}` : null,
      ),
      'signals',
    ],
    [count((e) => (e.kind === 'spawn-failed' ? e.errnoName! : null)), 'spawn failures'],
    [duration, 'duration'],
    [times.length ? isoTime(Math.min(...times)) : '-', 'first record'],
  ];
  const box = $('summary');
  box.replaceChildren(
    ...cards.map(([value, label]) => {
      const card = el('div', 'card');
      card.dataset.label = label;
      card.append(el('b', '', value), el('span', '', label));
      return card;
    }),
  );
}

interface Bar {
  pid: number;
  start: number;
  end: number;
  cls: string;
  label: string;
  marks: number[];
}

/** One bar per process: from "spawned" (or the log start) to its end (or the log end).
 *  Without timestamps (raw streams) the record index is the time axis. */
function renderTimeline(recs: StatusEvent[]): void {
  const box = $('timeline');
  // Raw streams have no times: record i happens at i + 1 on an axis from 0 to n.
  const t = (e: StatusEvent, i: number) => e.time ?? i + 1;
  if (!recs.length) {
    box.replaceChildren(el('p', 'hint', 'No records.'));
    return;
  }
  const timed = recs[0].time !== undefined;
  const t0 = timed ? t(recs[0], 0) : 0;
  const t1 = Math.max(t(recs[recs.length - 1], recs.length - 1), t0 + 1);
  const bars = new Map<number, Bar>();
  const failed: Bar[] = [];
  recs.forEach((e, i) => {
    const at = t(e, i);
    if (e.kind === 'spawn-failed') {
      failed.push({ pid: 0, start: at, end: at, cls: 'spawnfail', label: `spawn failed ${e.errnoName}`, marks: [] });
      return;
    }
    let b = bars.get(e.pid);
    if (!b || (b.cls !== 'open' && e.kind === 'spawned')) {
      b = { pid: e.pid, start: e.kind === 'spawned' ? at : t0, end: t1, cls: 'open', label: 'running', marks: [] };
      bars.set(e.pid, b); // (a pid spawned again after its end starts a new bar)
    }
    if (ENDS.has(e.kind) && b.cls === 'open') {
      b.end = at;
      b.cls = e.kind === 'exited' ? (e.exitCode === 0 ? 'ok' : 'fail') : e.kind;
      b.label = describe(e);
    } else if (e.kind !== 'spawned') {
      b.marks.push(at);
    }
  });
  const rows = [...bars.values(), ...failed];
  const W = 1000,
    left = 90,
    right = 150,
    rowH = 22,
    top = 24;
  const H = top + rows.length * rowH + 6;
  const x = (v: number) => left + ((v - t0) / (t1 - t0)) * (W - left - right);
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'timeline' });
  const step = timed ? (t1 - t0) / 4 : Math.max(1, Math.ceil(t1 / 4));
  for (let v = t0; v <= t1 + 1e-9; v += step) {
    svg.append(svgEl('line', { x1: x(v), x2: x(v), y1: 16, y2: H, stroke: '#e5e7eb' }));
    const label = timed ? `${((v - t0) / 1e6).toFixed(2)} s` : `record ${v}`;
    svg.append(text(x(v), 12, label, v === t0 ? 'start' : v + step > t1 + 1e-9 && timed ? 'end' : 'middle'));
  }
  rows.forEach((b, i) => {
    const y = top + i * rowH;
    svg.append(text(left - 6, y + 14, b.pid ? `pid ${b.pid}` : 'spawn', 'end'));
    const w = Math.max(x(b.end) - x(b.start), 3);
    const bar = svgEl('rect', { x: x(b.start), y: y + 3, width: w, height: rowH - 8, rx: 3, class: `bar ${b.cls}` });
    const title = svgEl('title', {});
    title.textContent = `pid ${b.pid}: ${b.label}`;
    bar.append(title);
    svg.append(bar);
    for (const m of b.marks)
      svg.append(svgEl('rect', { x: x(m) - 1, y: y + 1, width: 2, height: rowH - 4, fill: '#111' }));
    svg.append(text(x(b.start) + w + 6, y + 14, b.label, 'start'));
  });
  box.replaceChildren(svg);
}

function renderTable(recs: StatusEvent[]): void {
  const t0 = recs.find((e) => e.time !== undefined)?.time;
  const rows = recs.map((e, i) => {
    const tr = el('tr');
    const time = e.time === undefined || t0 === undefined ? '' : `+${((e.time - t0) / 1e6).toFixed(6)} s`;
    const ev = el('td', `ev-${e.kind}${e.kind === 'exited' && e.exitCode ? ' nz' : ''}`, describe(e));
    const cells = [String(i + 1), String(e.offset), time, String(e.pid)];
    tr.append(
      ...cells.map((c) => el('td', '', c)),
      ev,
      el('td', '', e.code > 255 ? `0x${e.code.toString(16)}` : String(e.code)),
      el('td', '', String(e.status)),
      el('td', '', String(e.uid)),
    );
    if (e.time !== undefined) tr.title = isoTime(e.time);
    return tr;
  });
  $('records')
    .querySelector('tbody')!
    .replaceChildren(...rows);
}

function el(tag: string, cls = '', content = ''): HTMLElement {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (content) e.textContent = content;
  return e;
}

function svgEl(tag: string, attrs: Record<string, string | number>): SVGElement {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function text(x: number, y: number, content: string, anchor: string): SVGElement {
  const t = svgEl('text', { x, y, 'text-anchor': anchor });
  t.textContent = content;
  return t;
}

// --- wiring

$<HTMLInputElement>('file').addEventListener('change', (ev) => {
  const f = (ev.target as HTMLInputElement).files?.[0];
  if (f) void open(f);
});
addEventListener('dragover', (ev) => {
  ev.preventDefault();
  document.body.classList.add('dragging');
});
addEventListener('dragleave', () => document.body.classList.remove('dragging'));
addEventListener('drop', (ev) => {
  ev.preventDefault();
  document.body.classList.remove('dragging');
  const f = ev.dataTransfer?.files[0];
  if (f) void open(f);
});
getCodec().then(
  () => {
    if (document.body.dataset.state === 'empty') document.body.dataset.state = 'ready';
  },
  (err) => showError(`Could not load codec.wasm: ${(err as Error).message}`),
);
