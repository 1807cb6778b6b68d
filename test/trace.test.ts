// `supervise decode --format trace` (codec/trace.ts): an events log as the Trace Event
// Format, checked against the format's rules (the JSON object form: traceEvents and
// displayTimeUnit; each event's required fields and their types; complete events with ts
// and dur in microseconds; metadata events naming processes and threads), on synthetic
// logs (v3, v2 and v1), a real run, and bad input; then opened in Chromium's DevTools
// Performance panel (the test of record: the tracks it shows, by name and count).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeCodec } from '../codec/node.ts';
import { decodeAll, encodeEventsLog, type StatusEvent } from '../codec/index.ts';
import { toTrace, type TraceEvent } from '../codec/trace.ts';
import { SUPERVISE, SLACK } from './procs.ts';
import { syntheticLog } from './synthetic-log.ts';
import { realRun, ESCAPEE, DOUBLE_FORKED } from './real-run.ts';
import { encodeEventsRef, encodeStatusRef } from './helpers.ts';

function run(args: string[], input?: Uint8Array) {
  const r = spawnSync(SUPERVISE, args, { input, encoding: 'buffer', timeout: 60_000 * SLACK, maxBuffer: 1 << 30 });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString(), error: r.error ?? r.signal };
}

const METADATA = new Set(['process_name', 'thread_name', 'process_sort_index', 'thread_sort_index']);
const isInt = (v: unknown) => Number.isSafeInteger(v);

/** The rules of the Trace Event Format this export relies on; returns the events. */
function checkTrace(text: string): TraceEvent[] {
  const doc = JSON.parse(text);
  assert.type(doc, 'object');
  assert.equal(Object.keys(doc).sort(), ['displayTimeUnit', 'traceEvents']);
  assert.is(doc.displayTimeUnit, 'ms');
  assert.ok(Array.isArray(doc.traceEvents), 'traceEvents is an array');
  const events = doc.traceEvents as TraceEvent[];
  const named = new Set<string>();
  const processes = new Set<number>();
  for (const e of events) {
    const where = JSON.stringify(e);
    assert.type(e.name, 'string', where);
    assert.ok(e.name.length > 0, where);
    assert.ok(['X', 'i', 'M'].includes(e.ph), `phase: ${where}`);
    assert.ok(isInt(e.pid) && e.pid >= 0 && isInt(e.tid) && e.tid >= 0, `pid and tid integers: ${where}`);
    if (e.args !== undefined) assert.ok(e.args && typeof e.args === 'object' && !Array.isArray(e.args), where);
    if (e.ph === 'M') {
      assert.ok(METADATA.has(e.name), `metadata name: ${where}`);
      assert.is(e.ts, undefined);
      if (e.name.endsWith('_name')) assert.type(e.args!.name, 'string', where);
      else assert.ok(isInt(e.args!.sort_index), where);
      if (e.name === 'thread_name') named.add(`${e.pid}/${e.tid}`);
      if (e.name === 'process_name') processes.add(e.pid);
      continue;
    }
    assert.type(e.cat, 'string', where);
    assert.ok(typeof e.ts === 'number' && Number.isFinite(e.ts) && e.ts >= 0, `ts: ${where}`);
    if (e.ph === 'X') assert.ok(typeof e.dur === 'number' && Number.isFinite(e.dur) && e.dur >= 0, `dur: ${where}`);
    else assert.ok(e.s === 't' || e.s === 'p', `instant scope: ${where}`);
  }
  // Every track and process drawn on is named; bars of processes on one track never overlap.
  const tracks = new Map<string, TraceEvent[]>();
  for (const e of events.filter((x) => x.ph !== 'M')) {
    assert.ok(processes.has(e.pid), `process ${e.pid} named`);
    if (e.ph !== 'X') continue;
    const key = `${e.pid}/${e.tid}`;
    assert.ok(named.has(key), `track ${key} named`);
    if (e.cat === 'spawned') continue; // a zero-length mark on the main command's track
    tracks.set(key, [...(tracks.get(key) ?? []), e]);
  }
  for (const [key, bars] of tracks) {
    bars.sort((a, b) => a.ts! - b.ts!);
    for (let i = 1; i < bars.length; i++) {
      assert.ok(bars[i - 1].ts! + bars[i - 1].dur! <= bars[i].ts!, `bars overlap on ${key}`);
    }
  }
  return events;
}

/** The bars of reaped processes (and of a main command still running): not the
 *  zero-length `spawned` marks. */
const bars = (events: TraceEvent[]) => events.filter((e) => e.ph === 'X' && e.cat !== 'spawned');
/** Each track's name, by "pid/tid". */
const trackNames = (events: TraceEvent[]) =>
  new Map(events.filter((e) => e.name === 'thread_name').map((e) => [`${e.pid}/${e.tid}`, e.args!.name as string]));
/** The tracks in thread_sort_index order, by name. */
function sortedTracks(events: TraceEvent[], pid: number): string[] {
  const names = trackNames(events);
  return events
    .filter((e) => e.name === 'thread_sort_index' && e.pid === pid)
    .sort((a, b) => (a.args!.sort_index as number) - (b.args!.sort_index as number))
    .map((e) => names.get(`${e.pid}/${e.tid}`)!);
}

// ---
const Synthetic = suite('a synthetic events log (v3, 100,000 records)');

Synthetic(
  'should draw each process on a track of its own named after it, from its start to its reap, in µs, the main command first',
  () => {
    const log = syntheticLog({ records: 100_000 });
    const t = Date.now();
    const r = run(['decode', '--format', 'trace'], log.bytes);
    const ms = Date.now() - t;
    assert.is(r.stderr, '');
    assert.is(r.status, 0);
    const events = checkTrace(r.stdout);
    const { records } = decodeAll(nodeCodec(), log.bytes);
    const reaped = (records as StatusEvent[]).filter((e) => ['exited', 'killed', 'dumped'].includes(e.kind));
    const x = bars(events);
    assert.is(x.length, reaped.length, 'one complete event per reaped process');
    const byPid = new Map(x.map((e) => [e.args!.pid as number, e]));
    for (const e of reaped) {
      const bar = byPid.get(e.pid)!;
      assert.is(bar.ts, e.proc!.start, 'ts: the start time, µs since the epoch');
      assert.is(bar.dur, e.time! - e.proc!.start, 'dur: to the reap, µs');
      assert.is(bar.name, e.proc!.comm);
    }
    const main = x.filter((e) => e.cat === 'main');
    assert.equal(
      main.map((e) => [e.args!.pid, e.tid, e.args!.main]),
      [[log.mainPid, log.mainPid, true]],
    );
    const escapees = x.filter((e) => e.cat === 'escaped');
    assert.equal(escapees.map((e) => e.args!.pid).sort(), [...log.escaped].sort());
    assert.ok(escapees.every((e) => e.args!.escaped === true));
    const others = x.filter((e) => e.cat === 'process');
    assert.ok(others.every((e) => e.args!.escaped === false));
    // One track per process: its pid the tid (a recycled pid's later process: a spare tid
    // above every pid, its name saying the pid), its name the process's comm.
    const tracks = new Set(x.map((e) => e.tid)).size;
    assert.is(tracks, x.length, 'one track per process');
    const names = trackNames(events);
    for (const e of x) {
      const name = names.get(`${e.pid}/${e.tid}`);
      const own = e.tid === e.args!.pid ? '' : `, pid ${e.args!.pid}`;
      assert.ok(e.tid === e.args!.pid || e.tid >= 1 << 23, `tid ${e.tid} of pid ${e.args!.pid}`);
      assert.is(name, `${e.name}${own}${e.cat === 'main' ? ' (main command)' : ''}`);
    }
    const order = sortedTracks(events, log.supervisePid);
    assert.is(order[0], `${main[0].name} (main command)`);
    const escNames = new Set(escapees.map((e) => names.get(`${e.pid}/${e.tid}`)));
    assert.ok(
      order.slice(1, 1 + escapees.length).every((n) => escNames.has(n)),
      'then the escapees',
    );
    // The main command's spawn: a zero-length bar on its track, the file's first complete event.
    const first = events.find((e) => e.ph === 'X')!;
    assert.equal([first.name, first.cat, first.tid, first.dur], ['spawned', 'spawned', log.mainPid, 0]);
    assert.equal(
      events.filter((e) => e.name === 'process_name').map((e) => e.args!.name),
      [`supervise ${log.supervisePid}, run of 2026-12-01T09:00:00.000Z`],
    );
    process.stdout.write(`  (100,000 records: ${r.stdout.length} bytes of trace, ${tracks} tracks, ${ms} ms)\n`);
  },
);

Synthetic('should give the same trace from the library function (codec/trace.ts toTrace) as from decode', () => {
  const log = syntheticLog({ records: 2000, seed: 5 });
  const { records } = decodeAll(nodeCodec(), log.bytes);
  assert.equal(JSON.parse(run(['decode', '--format', 'trace'], log.bytes).stdout), toTrace(records as StatusEvent[]));
});

Synthetic.run();

// ---
const Real = suite('a real run');

Real('should mark the setsid member escaped, the double-forked one not, and the main command main', async () => {
  const r = await realRun();
  try {
    assert.is(r.exitCode, 0);
    const out = run(['decode', '--format', 'trace', r.file]);
    assert.is(out.status, 0, out.stderr);
    const x = bars(checkTrace(out.stdout));
    const of = (name: string) => x.find((e) => e.name === name)!;
    assert.equal([of(ESCAPEE).cat, of(DOUBLE_FORKED).cat, of('sh').cat], ['escaped', 'process', 'main']);
    assert.equal([of(ESCAPEE).args!.pid, of(DOUBLE_FORKED).args!.pid], [r.escapee, r.doubleForked]);
    assert.equal(of(ESCAPEE).args!.signal, 'SIGKILL');
    assert.equal(of('sh').args!.exitCode, 0);
    for (const e of x) {
      assert.ok(e.ts! >= r.before - 10_000 && e.ts! + e.dur! <= r.after, `${e.name} within the run`);
    }
    assert.is(new Set(x.map((e) => e.pid)).size, 1);
    assert.is(x[0].pid, r.supervisePid, 'the trace process is the run of supervise');
    // Each on its own track, its tid its pid; what it cost (events log version 3), its
    // parent at death (the orphan's: supervise, which adopted it), what supervise did.
    const names = trackNames(checkTrace(out.stdout));
    for (const e of x) {
      assert.is(e.tid, e.args!.pid, `${e.name}: tid`);
      assert.is(names.get(`${e.pid}/${e.tid}`), e.name === 'sh' ? 'sh (main command)' : e.name);
      assert.ok((e.args!.maxRSSKiB as number) > 0, `${e.name}: peak RSS ${e.args!.maxRSSKiB}`);
      assert.type(e.args!.cpuMs, 'number');
      assert.ok((e.args!.minorPageFaults as number) > 0, `${e.name}: faults`);
    }
    assert.is(of(DOUBLE_FORKED).args!.ppid, r.supervisePid, 'the orphan died a child of supervise');
    assert.equal([of(ESCAPEE).args!.killedAtTeardown, of(DOUBLE_FORKED).args!.killedAtTeardown], [true, true]);
    assert.is(of('sh').args!.killedAtTeardown, undefined);
  } finally {
    r.cleanup();
  }
});

Real.run();

// ---
const Edges = suite('version 1 logs, appended runs, bad input');

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0) * 1000;
const SHELL = { ppid: 90, pgid: 90, sid: 80 };
const runOf = (self: number, at: number) => [
  {
    time: at,
    record: encodeStatusRef({ signo: 0, code: 0x5303, pid: self }),
    proc: { start: at - 10, comm: 'supervise', ...SHELL },
  },
  {
    time: at + 10,
    record: encodeStatusRef({ signo: 0, code: 0x5301, pid: self + 1 }),
    proc: { start: at + 5, comm: 'make', ...SHELL, ppid: self },
  },
  {
    time: at + 1_000_000,
    record: encodeStatusRef({ signo: 17, code: 1, pid: self + 2, status: 2 }),
    proc: { start: at + 500_000, comm: 'cc1', ...SHELL, ppid: self },
  },
  {
    time: at + 2_000_000,
    record: encodeStatusRef({ signo: 17, code: 2, pid: self + 1, status: 15 }),
    proc: { start: at + 5, comm: 'make', ...SHELL, ppid: self },
  },
];

Edges(
  'should place a version 1 log from its records: the main command from spawned, the rest from the run start',
  () => {
    const r = run(['decode', '--format', 'trace'], encodeEventsRef(1, runOf(100, T0)));
    assert.is(r.status, 0, r.stderr);
    const x = bars(checkTrace(r.stdout));
    assert.equal(
      x.map((e) => [e.name, e.cat, e.ts! - T0, e.dur, e.args!.start]),
      [
        ['pid 102', 'process', 0, 1_000_000, "unknown: from the run's start"],
        ['pid 101', 'main', 10, 2_000_000 - 10, 'unknown: from the spawned record'],
      ],
    );
    // As supervise wrote them: no `started`; each `spawned` begins a run, placed from it.
    const both = [...runOf(100, T0).slice(1), ...runOf(200, T0 + 5e6).slice(1)];
    const old = run(['decode', '--format', 'trace'], encodeEventsRef(1, both));
    assert.is(old.status, 0, old.stderr);
    const events = checkTrace(old.stdout);
    assert.equal(
      events.filter((e) => e.name === 'process_name').map((e) => e.args!.name),
      ['supervise, run of 2026-12-01T09:00:00.000Z', 'supervise, run of 2026-12-01T09:00:05.000Z'],
    );
    assert.equal(
      bars(events).map((e) => [e.name, e.cat, e.ts! - T0]),
      [
        ['pid 102', 'process', 10],
        ['pid 101', 'main', 10],
        ['pid 202', 'process', 5_000_010],
        ['pid 201', 'main', 5_000_010],
      ],
    );
    assert.is(new Set(bars(events).map((e) => e.pid)).size, 2);
  },
);

Edges('should make each appended run a trace process of its own, and draw a command still running', () => {
  const two = [...runOf(100, T0), ...runOf(200, T0 + 10_000_000).slice(0, 3)]; // the second ends before make
  const r = run(['decode', '--format', 'trace'], encodeEventsRef(2, two));
  assert.is(r.status, 0, r.stderr);
  const events = checkTrace(r.stdout);
  assert.equal(
    events.filter((e) => e.name === 'process_name').map((e) => [e.pid, e.args!.name]),
    [
      [100, 'supervise 100, run of 2026-12-01T09:00:00.000Z'],
      [200, 'supervise 200, run of 2026-12-01T09:00:10.000Z'],
    ],
  );
  const running = bars(events).find((e) => e.pid === 200 && e.cat === 'main')!;
  assert.equal(
    [running.name, running.ts! - T0, running.dur, running.args!.status],
    ['make', 10_000_005, 1_000_000 - 5, 'running when the log ends'],
  );
});

Edges(
  'should give each process of a recycled pid a track of its own, the later one a spare tid that names the pid',
  () => {
    const base = runOf(100, T0);
    const again = {
      time: T0 + 1_500_000,
      record: encodeStatusRef({ signo: 17, code: 1, pid: 102, status: 0 }),
      proc: { start: T0 + 1_200_000, comm: 'as', ...SHELL, ppid: 100 },
    };
    const r = run(['decode', '--format', 'trace'], encodeEventsRef(2, [...base.slice(0, 3), again, base[3]]));
    assert.is(r.status, 0, r.stderr);
    const events = checkTrace(r.stdout);
    const names = trackNames(events);
    assert.equal(
      bars(events).map((e) => [e.name, e.tid, names.get(`${e.pid}/${e.tid}`)]),
      [
        ['cc1', 102, 'cc1'],
        ['as', 1 << 23, 'as, pid 102'],
        ['make', 101, 'make (main command)'],
      ],
    );
    assert.equal(sortedTracks(events, 100), ['make (main command)', 'cc1', 'as, pid 102', 'supervise 100']);
  },
);

Edges("should put a version 3 entry's resources and flags in the args of its bar", () => {
  const [started, spawned, cc1, make] = runOf(100, T0);
  const res = {
    utimeUs: 1_250_000,
    stimeUs: 250_000,
    maxrssKiB: 102_400,
    minflt: 25_700,
    majflt: 3,
    nvcsw: 12,
    nivcsw: 340,
    inblock: 8,
    oublock: 16,
  };
  const log = encodeEventsRef(3, [
    { ...started, flags: 8 },
    spawned,
    { ...cc1, res, flags: 1 | 4 },
    { ...make, res: { ...res, maxrssKiB: 2048 }, flags: 1 | 2 | 4 },
  ]);
  const r = run(['decode', '--format', 'trace'], log);
  assert.is(r.status, 0, r.stderr);
  const [c, m] = bars(checkTrace(r.stdout));
  assert.equal(c.args, {
    pid: 102,
    status: 'exited 2',
    exitCode: 2,
    ppid: 100,
    pgid: 90,
    sid: 80,
    escaped: false,
    main: false,
    cpuMs: 1500,
    userCPUMs: 1250,
    systemCPUMs: 250,
    maxRSSKiB: 102_400,
    minorPageFaults: 25_700,
    majorPageFaults: 3,
    voluntaryContextSwitches: 12,
    involuntaryContextSwitches: 340,
    fsReadBlocks: 8,
    fsWriteBlocks: 16,
    killedAtTeardown: true,
    signalled: true,
  });
  assert.equal(
    [m.args!.main, m.args!.maxRSSKiB, m.args!.killedAtTeardown, m.args!.killedAtGraceDeadline, m.args!.signalled],
    [true, 2048, true, true, true],
  );
});

Edges('should refuse a raw status stream (no times) with exit 1 and say why, writing nothing', () => {
  const raw = encodeStatusRef({ signo: 17, code: 1, pid: 5 });
  const r = run(['decode', '--format', 'trace'], raw);
  assert.is(r.status, 1);
  assert.is(r.stdout, '');
  assert.match(
    r.stderr,
    /^supervise: decode: stdin: a raw status stream has no times, so its records cannot be placed/,
  );
  const empty = run(['decode', '--format', 'trace'], new Uint8Array(0));
  assert.is(empty.status, 1);
  assert.is(empty.stdout, '');
  assert.match(empty.stderr, /^supervise: decode: stdin: empty input/);
  for (const clash of ['--control', '--json']) {
    const r = run(['decode', '--format', 'trace', clash]);
    assert.is(r.status, 125, `${clash}: ${r.stderr} ${r.error ?? ''}`);
  }
});

Edges(
  'should end a truncated or corrupt log with a valid trace of the records before, then exit 1 with the offset',
  () => {
    const bytes = encodeEventsLog(runOf(100, T0), 2); // offsets below: version 2's 176-byte entries
    const cut = run(['decode', '--format', 'trace'], bytes.subarray(0, 16 + 3 * 176 + 20));
    assert.is(cut.status, 1);
    assert.is(
      cut.stderr,
      `supervise: decode: stdin: truncated record (20 of 176 bytes) at byte offset ${16 + 3 * 176}\n`,
    );
    const x = bars(checkTrace(cut.stdout));
    assert.equal(
      x.map((e) => [e.name, e.args!.status]),
      [
        ['cc1', 'exited 2'],
        ['make', 'running when the log ends'],
      ],
    );
    const bad = bytes.slice();
    bad[16 + 176 + 173] = 1; // the spawned entry's padding
    const r = run(['decode', '--format', 'trace'], bad);
    assert.is(r.status, 1);
    assert.match(r.stderr, /non-zero padding\) at byte offset 365\n$/);
    assert.equal(bars(checkTrace(r.stdout)), []);
    const empty = run(['decode', '--format', 'trace'], encodeEventsLog([]));
    assert.is(empty.status, 0);
    assert.equal(checkTrace(empty.stdout), []);
  },
);

Edges.run();

// ---
const Chromium = suite("in Chromium's own trace importer (DevTools' trace engine)");

// chrome://tracing does not load in headless Chromium (net::ERR_FAILED, even with its internal
// pages enabled); the Performance panel's loader does: DevTools' trace engine, bundled with
// Chromium (devtools://devtools/bundled/, models/trace/trace.js), offline.
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const noBrowser = existsSync(CHROMIUM)
  ? null
  : `no browser at ${CHROMIUM} (run \`make test\` as root to install chromium)`;

/** Debian's chromium, headless (no sandbox: tests may run as root). */
async function launch() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'], timeout: 30_000 * SLACK });
}

Chromium('should import every bar on its named track, with its time and duration', async () => {
  if (noBrowser) {
    process.stdout.write(`  skipped: ${noBrowser}\n`);
    return;
  }
  const log = syntheticLog({ records: 3000, seed: 7 });
  const r = run(['decode', '--format', 'trace'], log.bytes);
  assert.is(r.status, 0, r.stderr);
  const trace = JSON.parse(r.stdout) as { traceEvents: TraceEvent[] };
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto('devtools://devtools/bundled/trace_app.html', { timeout: 30_000 * SLACK });
    const imported = await page.evaluate(async (events) => {
      const engine = './models/trace/trace.js'; // a module of the DevTools bundle, resolved in the page
      const T = await import(engine);
      const model = T.TraceModel.Model.createWithAllHandlers();
      await model.parse(events, { isFreshRecording: false });
      const data = model.parsedTrace(0).data;
      const threads: Array<{
        pid: number;
        tid: number;
        name: string;
        entries: Array<[string, number, number, string]>;
      }> = [];
      for (const [pid, p] of data.Renderer.processes)
        for (const [tid, t] of p.threads)
          threads.push({
            pid,
            tid,
            name: t.name,
            entries: t.entries.map((e: TraceEvent) => [e.name, e.ts, e.dur, e.cat]),
          });
      return { threads, bounds: data.Meta.traceBounds };
    }, trace.traceEvents);
    const ours = trace.traceEvents.filter((e) => e.ph === 'X');
    const names = new Map(
      trace.traceEvents.filter((e) => e.name === 'thread_name').map((e) => [`${e.pid}/${e.tid}`, e.args!.name]),
    );
    assert.is(imported.threads.length, new Set(ours.map((e) => `${e.pid}/${e.tid}`)).size, 'one thread per track');
    for (const t of imported.threads) assert.is(t.name, names.get(`${t.pid}/${t.tid}`));
    const got = imported.threads.flatMap((t) => t.entries.map((e) => JSON.stringify([t.pid, t.tid, ...e])));
    const want = ours.map((e) => JSON.stringify([e.pid, e.tid, e.name, e.ts, e.dur, e.cat]));
    assert.equal(got.sort(), want.sort());
    assert.is(imported.bounds.min, Math.min(...ours.map((e) => e.ts!)));
    assert.is(imported.bounds.max, Math.max(...ours.map((e) => e.ts! + e.dur!)));
  } finally {
    await browser.close();
  }
});

/** The tracks DevTools' Performance panel shows for a trace file it loaded as a user does
 *  (the panel's "Load trace…" button, a file chooser): the flame chart's groups, each a
 *  header drawn on the canvas, with its nesting (0 a trace process, 1 a thread in it). */
async function devtoolsTracks(file: string): Promise<Array<{ name: string; nesting: number }>> {
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const timeout = 60_000 * SLACK;
    await page.goto('devtools://devtools/bundled/trace_app.html', { timeout });
    // The frontend has no page to debug here: it says so in a dialog, which Escape closes.
    const dialog = page.getByText('Debugging connection was closed');
    await dialog.waitFor({ timeout });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout });
    await page.getByText('Performance', { exact: true }).first().click({ timeout });
    const chooser = page.waitForEvent('filechooser', { timeout });
    await page.locator('[aria-label="Load trace…"]').first().click({ timeout });
    await (await chooser).setFiles(file);
    // The panel's flame chart once it has drawn the trace (a module of the DevTools bundle,
    // resolved in the page: the one instance the panel runs).
    await page.evaluate(async () => {
      const mod = './panels/timeline/timeline.js';
      (globalThis as Record<string, unknown>).timelineModule = await import(mod);
    });
    const groups = await page.waitForFunction(
      () => {
        // biome-ignore lint/suspicious/noExplicitAny: DevTools' own module, untyped here
        const T = (globalThis as any).timelineModule;
        const chart = T.TimelinePanel.TimelinePanel.instance().flameChart?.mainFlameChart;
        const groups = chart?.timelineData()?.groups as Array<{ name: string; style: { nestingLevel: number } }>;
        return groups?.length ? groups.map((g) => ({ name: g.name, nesting: g.style.nestingLevel })) : null;
      },
      undefined,
      { timeout, polling: 250 },
    );
    return (await groups.jsonValue()) as Array<{ name: string; nesting: number }>;
  } finally {
    await browser.close();
  }
}

Chromium(
  "should show, in DevTools' Performance panel, one track per process, named after it and its pid, the main command first",
  async () => {
    if (noBrowser) {
      process.stdout.write(`  skipped: ${noBrowser}\n`);
      return;
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-trace-'));
    try {
      const log = syntheticLog({ records: 600, seed: 11 });
      const file = path.join(dir, 'run.json');
      const r = run(['decode', '--format', 'trace'], log.bytes);
      assert.is(r.status, 0, r.stderr);
      writeFileSync(file, r.stdout);
      const events = checkTrace(r.stdout);
      const x = bars(events);
      const tracks = await devtoolsTracks(file);
      // DevTools writes a thread's tid after its name: the pid.
      assert.equal(tracks[0], {
        name: `supervise ${log.supervisePid}, run of 2026-12-01T09:00:00.000Z (${log.supervisePid})`,
        nesting: 0,
      });
      const threads = tracks.filter((t) => t.nesting === 1).map((t) => t.name);
      assert.is(threads.length, x.length, 'as many tracks as processes');
      assert.is(threads[0], `sh (main command) (${log.mainPid})`);
      const names = trackNames(events);
      assert.equal(threads.slice().sort(), x.map((e) => `${names.get(`${e.pid}/${e.tid}`)} (${e.tid})`).sort());
      for (const e of x) assert.is(e.tid, e.args!.pid);
      assert.is(tracks.length, 1 + x.length, 'nothing else');

      // A real run: the setsid member and the double-forked one on tracks of their own.
      const real = await realRun();
      try {
        const out = run(['decode', '--format', 'trace', real.file]);
        assert.is(out.status, 0, out.stderr);
        const file2 = path.join(dir, 'real.json');
        writeFileSync(file2, out.stdout);
        const shown = (await devtoolsTracks(file2)).map((t) => t.name);
        assert.equal(shown, [
          `supervise ${real.supervisePid}, run of ${shown[0].slice(shown[0].indexOf('run of ') + 7, -` (${real.supervisePid})`.length)} (${real.supervisePid})`,
          `sh (main command) (${bars(checkTrace(out.stdout)).find((e) => e.cat === 'main')!.tid})`,
          ...bars(checkTrace(out.stdout))
            .filter((e) => e.cat !== 'main')
            .map((e) => `${e.name} (${e.tid})`),
        ]);
        assert.ok(
          shown.includes(`${ESCAPEE} (${real.escapee})`) && shown.includes(`${DOUBLE_FORKED} (${real.doubleForked})`),
        );
      } finally {
        real.cleanup();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

Chromium.run();
