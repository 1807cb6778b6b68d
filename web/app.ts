// The log viewer: opens or takes a dropped log, or follows the one `supervise view FILE`
// serves (the page's ?log=NAME, bytes from /log as supervise appends them); decodes it in one
// pass with the codec's streaming decoder (codec/index.ts, the same codec.wasm as `supervise
// decode`), and shows a summary, filters, a canvas timeline (timeline.ts) and a virtualized
// table (table.ts) over the model of model.ts. Everything stays in the page. Tests read
// window.superviseLog once body[data-state] is "loaded" or "error", window.superviseTiming
// for what the load cost, and window.superviseView for the parts.
import {
  DecodeError,
  StreamDecoder,
  isoTime,
  loadCodec,
  type CodecExports,
  type StatusEvent,
  KIND_NAMES,
} from '../codec/index.ts';
import { toTrace } from '../codec/trace.ts';
import { duration, kib, report, type ReportProc, type RunReport } from '../codec/report.ts';
import { EVENTS_VERSION_AT } from '../assembly/protocol.ts';
import { LogModel, NO_FILTERS, applyFilters, packLanes, type Filters } from './model.ts';
import { Timeline, describeProc } from './timeline.ts';
import { RecordTable } from './table.ts';

interface Result {
  name: string;
  format: string | null;
  records: StatusEvent[];
  error: { offset: number; reason: string; message: string } | null;
}
/** Milliseconds spent on the load, from the drop (or file choice, or first byte served). */
interface Timing {
  bytes: number;
  records: number;
  read: number;
  decode: number;
  model: number;
  layout: number;
  draw: number;
  /** From the event to the first frame painted with the log in it. */
  interactive: number;
  /** What `supervise report`'s answers (the summary's last cards, computed after that
   *  frame) took; absent until they are shown. */
  answers?: number;
}
declare global {
  interface Window {
    superviseLog?: Result;
    superviseTiming?: Timing;
    superviseView?: {
      model: LogModel;
      timeline: Timeline;
      table: RecordTable;
      refresh(): void;
      /** The tooltip's lines for process i. */
      describe(i: number): string[];
    };
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let codec: Promise<CodecExports> | null = null;

function getCodec(): Promise<CodecExports> {
  codec ??= loadCodec(new URL('./codec.wasm', import.meta.url));
  return codec;
}

/** One log being shown: the decoder, the model, the error that stopped decoding. */
class Session {
  readonly model = new LogModel();
  error: DecodeError | null = null;
  version = 0;
  size = 0;
  decodeMs = 0;
  modelMs = 0;
  private readonly decoder: StreamDecoder;
  private head = new Uint8Array(0); // the first bytes, until the header's version is known

  constructor(
    readonly name: string,
    codec: CodecExports,
  ) {
    this.decoder = new StreamDecoder(codec);
  }

  get format(): string | null {
    return this.decoder.format;
  }

  /** Decodes `chunk` and adds its records to the model; false once decoding has failed. */
  push(chunk: Uint8Array): boolean {
    if (this.error) return false;
    if (this.head.length < EVENTS_VERSION_AT + 4) this.readVersion(chunk);
    this.size += chunk.length;
    const t = performance.now();
    let records: StatusEvent[];
    try {
      records = this.decoder.push(chunk) as StatusEvent[];
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.error = err;
      records = ((err as DecodeError & { records?: StatusEvent[] }).records ?? []) as StatusEvent[];
    }
    const t1 = performance.now();
    this.model.add(records);
    this.decodeMs += t1 - t;
    this.modelMs += performance.now() - t1;
    return !this.error;
  }

  /** The input ended: a truncated record or header is an error. */
  end(): void {
    if (this.error) return;
    try {
      this.decoder.end();
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.error = err;
    }
  }

  private readVersion(chunk: Uint8Array): void {
    const want = EVENTS_VERSION_AT + 4;
    const head = new Uint8Array(Math.min(want, this.head.length + chunk.length));
    head.set(this.head);
    head.set(chunk.subarray(0, head.length - this.head.length), this.head.length);
    this.head = head;
    if (head.length === want) this.version = new DataView(head.buffer).getUint32(EVENTS_VERSION_AT, true);
  }

  result(): Result {
    const e = this.error;
    return {
      name: this.name,
      format: this.format,
      records: this.model.records,
      error: e && { offset: e.offset, reason: e.reason, message: e.message },
    };
  }
}

let session: Session | null = null;
let following: AbortController | null = null;
let timeline: Timeline;
let table: RecordTable;
let filtered: ReturnType<typeof applyFilters> = { records: new Int32Array(0), procs: new Uint8Array(0), shown: 0 };

/** Opens a file (chosen or dropped); `since`: the event's timeStamp. */
async function open(file: File, since: number): Promise<void> {
  following?.abort();
  following = null;
  $('live').hidden = true;
  document.body.dataset.state = 'loading';
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const read = performance.now() - since;
    const s = new Session(file.name, await getCodec());
    s.push(bytes);
    s.end();
    await show(s, since, read);
  } catch (err) {
    showError(`Could not read ${file.name}: ${(err as Error).message}`);
    document.body.dataset.state = 'error';
  }
}

/** Follows the log `supervise view` serves: its bytes so far, then each append as it comes. */
async function follow(name: string): Promise<void> {
  const since = performance.now();
  following = new AbortController();
  document.body.dataset.state = 'loading';
  const live = $('live');
  try {
    const res = await fetch('log?follow=1', { signal: following.signal, cache: 'no-store' });
    if (!res.ok || !res.body) throw new Error(`${res.status} ${res.statusText}`);
    const initial = Number(res.headers.get('x-log-size') ?? 0);
    const s = new Session(name, await getCodec());
    const reader = res.body.getReader();
    let shown = false;
    live.hidden = false;
    live.textContent = `following ${name}`;
    if (initial === 0) shown = await show(s, since, 0).then(() => true);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      s.push(value);
      if (!shown && s.size >= initial) shown = await show(s, since, 0).then(() => true);
      else if (shown) scheduleRefresh();
      if (s.error) break;
    }
    following = null;
    if (!shown) await show(s, since, 0);
    else refresh();
    live.textContent = s.error ? `stopped following ${name}: ${s.error.message}` : `${name}: no longer followed`;
  } catch (err) {
    if ((err as Error).name === 'AbortError') return;
    live.textContent = `stopped following ${name}: ${(err as Error).message}`;
    if (!session) {
      showError(`Could not follow ${name}: ${(err as Error).message}`);
      document.body.dataset.state = 'error';
    }
  }
}

/** Shows session `s` (its records so far) and measures what that took. */
async function show(s: Session, since: number, read: number): Promise<void> {
  session = s;
  $('view').hidden = false;
  const t = performance.now();
  const layout = refresh();
  const drawn = performance.now();
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))); // painted
  window.superviseTiming = {
    bytes: s.size,
    records: s.model.records.length,
    read,
    decode: s.decodeMs,
    model: s.modelMs,
    layout,
    draw: drawn - t - layout,
    interactive: performance.now() - since,
  };
  window.superviseLog = s.result();
  document.body.dataset.state = s.error ? 'error' : 'loaded';
}

let refreshTimer = 0;

let refreshMs = 0; // what the last refresh took

/** A refresh soon (records arriving live): at most every 200 ms, and never more than a
 *  quarter of the time on refreshing. */
function scheduleRefresh(): void {
  refreshTimer ||= window.setTimeout(refresh, Math.max(200, 3 * refreshMs));
}

/** Applies the filters and redraws everything -> the ms the filters and lanes took. */
function refresh(): number {
  clearTimeout(refreshTimer);
  refreshTimer = 0;
  const s = session;
  if (!s) return 0;
  const began = performance.now();
  const m = s.model;
  const t = performance.now();
  filtered = applyFilters(m, readFilters());
  const lanes = packLanes(m, filtered.procs);
  const layout = performance.now() - t;
  const e = s.error;
  showError(
    e && `${s.name}: ${e.message}. ${m.records.length ? `Showing the ${m.records.length} record(s) before it.` : ''}`,
  );
  renderSummary(s);
  renderKinds(m);
  const button = $<HTMLButtonElement>('export');
  button.disabled = m.timed !== true;
  button.title = m.timed ? '' : 'a raw status stream has no times: it cannot be placed on a timeline';
  $('counts').textContent =
    `${filtered.records.length} of ${m.records.length} records, ${filtered.shown} of ${m.procs.length} processes, in ${lanes.count} lanes`;
  timeline.setData(m, lanes);
  timeline.draw();
  table.setRows(m, filtered.records);
  table.draw();
  window.superviseLog = s.result();
  refreshMs = performance.now() - began;
  if (following && !$('live').hidden && !s.error)
    $('live').textContent = `following ${s.name}: ${m.records.length} records`;
  return layout;
}

function readFilters(): Filters {
  return {
    ...NO_FILTERS,
    kind: $<HTMLSelectElement>('f-kind').value,
    status: $<HTMLInputElement>('f-status').value.trim(),
    name: $<HTMLInputElement>('f-name').value.trim(),
    pid: $<HTMLInputElement>('f-pid').value.trim(),
    escapedOnly: $<HTMLInputElement>('f-escaped').checked,
  };
}

/** The kind filter offers the kinds the log has. */
function renderKinds(m: LogModel): void {
  const select = $<HTMLSelectElement>('f-kind');
  const have = new Set(m.records.map((e) => e.kind));
  const kinds = Object.values(KIND_NAMES).filter((k) => have.has(k) || k === select.value);
  const now = [...select.options].slice(1).map((o) => o.value);
  if (now.join() === kinds.join()) return;
  const chosen = select.value;
  select.replaceChildren(new Option('all', ''), ...kinds.map((k) => new Option(k, k)));
  select.value = chosen;
}

function showError(text: string | null): void {
  const box = $('error');
  box.hidden = !text;
  box.textContent = text ?? '';
}

function renderSummary(s: Session): void {
  const m = s.model;
  const recs = m.records;
  const count = (f: (e: StatusEvent) => string | null) => {
    const counts = new Map<string, number>();
    for (const e of recs) {
      const k = f(e);
      if (k !== null) counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const sorted = [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const shown = sorted.slice(0, 8).map(([k, n]) => `${k}: ${n}`);
    if (sorted.length > 8) shown.push(`+${sorted.length - 8} more`);
    return shown.join(', ') || 'none';
  };
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const e of recs) {
    if (e.time === undefined) continue;
    if (e.time < first) first = e.time;
    if (e.time > last) last = e.time;
  }
  const timed = first <= last;
  const format =
    s.format === 'events' ? `events log v${s.version}` : s.format === 'status' ? 'raw status stream' : 'unknown';
  const cards: Array<[string, string]> = [
    [format, `${s.name}, ${s.size} bytes`],
    [String(recs.length), 'records'],
    [String(m.procs.filter((p) => p.pid > 0).length), 'processes'],
  ];
  if (m.runs > 1) cards.push([String(m.runs), 'runs']);
  cards.push(
    [count((e) => (e.kind === 'exited' ? String(e.exitCode) : null)), 'exit codes'],
    [
      count((e) =>
        e.kind === 'killed' || e.kind === 'dumped' ? `${e.signal}${e.kind === 'dumped' ? ' (core)' : ''}` : null,
      ),
      'signals',
    ],
    [count((e) => (e.kind === 'spawn-failed' ? e.errnoName! : null)), 'spawn failures'],
    [String(m.escapees()), 'escapees'],
    [timed ? `${((last - first) / 1e6).toFixed(3)} s` : 'no timestamps', 'duration'],
    [timed ? isoTime(first) : '-', 'first record'],
  );
  const answers = s.format === 'events' ? answerCards(reportOf(s)) : [];
  document.body.dataset.answers = s.format !== 'events' || reported?.records === s.model.records ? 'shown' : 'pending';
  $('summary').replaceChildren(
    ...[...cards.map(([value, label]): Answer => [value, label, '']), ...answers].map(([value, label, title]) => {
      const card = el('div', 'card');
      card.dataset.label = label;
      if (title) card.title = title;
      card.append(el('b', '', value), el('span', '', label));
      return card;
    }),
  );
  const n = m.escapees();
  const identities = m.records.some((e) => e.proc);
  const box = $('escapes');
  box.className = n ? 'some' : '';
  box.textContent = n
    ? `${n} process${n === 1 ? '' : 'es'} left the main command's session or process group: a process-group kill would have missed ${n === 1 ? 'it' : 'them'}.`
    : identities
      ? "No process left the main command's session or process group."
      : 'This log does not say which processes left the session or process group (no process identities: an events log v1 or a raw status stream).';
}

/** A summary card: its value, its label, the lines its tooltip lists. */
type Answer = [string, string, string];

let reported: { records: StatusEvent[]; count: number; runs: RunReport[] } | null = null;
let reportTimer = 0;

/** `supervise report`'s answers for the session's log (codec/report.ts), or null until they
 *  are computed: after the frame that shows the log (they take a few hundred ms on 100,000
 *  records, which the page need not wait for), and again when records arrived since; the
 *  summary is drawn again then. */
function reportOf(s: Session): RunReport | null {
  const recs = s.model.records;
  const fresh = reported?.records === recs && reported.count === recs.length;
  if (!fresh && !reportTimer) {
    reportTimer = window.setTimeout(() => {
      reportTimer = 0;
      if (session !== s) return;
      const t = performance.now();
      reported = { records: recs, count: recs.length, runs: report(recs, s.version) };
      if (window.superviseTiming) window.superviseTiming.answers = performance.now() - t;
      renderSummary(s);
    }, 50);
  }
  return reported?.records === recs ? (reported.runs.at(-1) ?? null) : null;
}

/** The report's answers for the log's last run, as cards: the main command, who supervise
 *  killed at tear-down, who outlived the --grace deadline, who kept a --wait-all run
 *  waiting, the top by CPU and by peak RSS. An answer the log cannot give (its version) is
 *  left out; the card's tooltip lists the processes. */
function answerCards(r: RunReport | null): Answer[] {
  if (!r) return [];
  const who = (p: ReportProc) => `${p.comm || '?'} (pid ${p.pid})`;
  const age = (p: ReportProc) => (p.lifetimeUs === null ? 'age unknown' : duration(p.lifetimeUs));
  const lines = <P extends ReportProc>(ps: P[], more: (p: P) => string) =>
    ps
      .slice(0, 20)
      .map((p) => `${who(p)}: ${more(p)}`)
      .concat(ps.length > 20 ? [`... and ${ps.length - 20} more`] : [])
      .join('\n');
  const out: Answer[] = [];
  const run = r.supervisePid ? `supervise ${r.supervisePid}'s run` : 'the run';
  if (r.main) {
    out.push([
      `${r.main.comm || '?'}: ${r.main.status}`,
      `main command (pid ${r.main.pid}), ${duration(r.main.durationUs)}`,
      `${run}: its main command ${r.main.killedAtGraceDeadline ? 'was killed at the --grace deadline' : r.main.status}`,
    ]);
  }
  if (r.killedAtTeardown) {
    out.push([
      String(r.killedAtTeardown.length),
      'killed at tear-down',
      lines(r.killedAtTeardown, (p) => `${age(p)} old`),
    ]);
  }
  if (r.aliveAtGraceDeadline && r.graceDeadline) {
    const ignored = r.aliveAtGraceDeadline.filter((p) => p.signalled);
    out.push([String(ignored.length), 'ignored TERM (alive at the --grace deadline)', lines(ignored, age)]);
  }
  if (r.keptWaiting?.length) {
    const [last] = r.keptWaiting;
    out.push([
      `${duration(last.waitedUs)}`,
      `kept waiting after the main command (--wait-all), by ${who(last)}`,
      lines(r.keptWaiting, (p) => `${duration(p.waitedUs)} after`),
    ]);
  }
  const top = r.topCpu?.[0];
  if (top?.cpuUs !== undefined) {
    out.push([duration(top.cpuUs), `most CPU: ${who(top)}`, lines(r.topCpu!, (p) => duration(p.cpuUs ?? 0))]);
  }
  const big = r.topRss?.[0];
  if (big?.resources) {
    out.push([
      kib(big.resources.maxRSS),
      `largest peak RSS: ${who(big)}`,
      lines(r.topRss!, (p) => kib(p.resources?.maxRSS ?? 0)),
    ]);
  }
  return out;
}

function el(tag: string, cls = '', content = ''): HTMLElement {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (content) e.textContent = content;
  return e;
}

// --- wiring

/** A process picked (a bar clicked): its end record (else its first) selected in the table. */
function selectProc(pi: number): void {
  const m = session?.model;
  if (!m) return;
  const p = m.procs[pi];
  const rows = filtered.records;
  const listed = (i: number) => i >= 0 && rows.includes(i);
  table.select(listed(p.last) ? p.last : p.first);
  timeline.select(pi);
}

function selectRecord(i: number): void {
  const m = session?.model;
  if (!m) return;
  table.select(i);
  timeline.select(m.recProc[i]);
}

timeline = new Timeline($<HTMLCanvasElement>('canvas'), $('tip'), selectProc);
table = new RecordTable($('records'), selectRecord);
window.superviseView = {
  get model() {
    return session?.model ?? new LogModel();
  },
  timeline,
  table,
  refresh,
  describe: (i: number) => (session ? describeProc(session.model, i) : []),
};

let filterTimer = 0;
for (const id of ['f-kind', 'f-status', 'f-name', 'f-pid', 'f-escaped']) {
  $(id).addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = window.setTimeout(refresh, 120);
  });
}
/** Downloads the whole log as a trace: NAME.trace.json. */
$('export').addEventListener('click', () => {
  const s = session;
  if (!s) return;
  try {
    const blob = new Blob([JSON.stringify(toTrace(s.model.records))], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${s.name.replace(/\.[^.]*$/, '')}.trace.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
  } catch (err) {
    showError(`Could not export ${s.name}: ${(err as Error).message}`);
  }
});
$('f-clear').addEventListener('click', () => {
  for (const id of ['f-status', 'f-name', 'f-pid']) $<HTMLInputElement>(id).value = '';
  $<HTMLSelectElement>('f-kind').value = '';
  $<HTMLInputElement>('f-escaped').checked = false;
  refresh();
});
$<HTMLInputElement>('file').addEventListener('change', (ev) => {
  const f = (ev.target as HTMLInputElement).files?.[0];
  if (f) void open(f, ev.timeStamp);
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
  if (f) void open(f, ev.timeStamp);
});
getCodec().then(
  () => {
    const served = new URLSearchParams(location.search).get('log');
    if (served !== null) void follow(served || 'log');
    else if (document.body.dataset.state === 'empty') document.body.dataset.state = 'ready';
  },
  (err) => showError(`Could not load codec.wasm: ${(err as Error).message}`),
);
