// `supervise decode --format trace` (codec/trace.ts): an events log as the Trace Event
// Format, checked against the format's rules (the JSON object form: traceEvents and
// displayTimeUnit; each event's required fields and their types; complete events with ts
// and dur in microseconds; metadata events naming processes and threads), on synthetic
// logs (v2 and v1), a real run, and bad input.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
  // Every track and process drawn on is named; bars on one track never overlap.
  const tracks = new Map<string, TraceEvent[]>();
  for (const e of events.filter((x) => x.ph !== 'M')) {
    assert.ok(processes.has(e.pid), `process ${e.pid} named`);
    if (e.ph !== 'X') continue;
    const key = `${e.pid}/${e.tid}`;
    assert.ok(named.has(key), `track ${key} named`);
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

const bars = (events: TraceEvent[]) => events.filter((e) => e.ph === 'X');

// ---
const Synthetic = suite('a synthetic events log (v2, 100,000 records)');

Synthetic(
  'should draw one bar per process from its start to its reap, in µs, escapees and the main command apart',
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
      [[log.mainPid, 1, true]],
    );
    const escapees = x.filter((e) => e.cat === 'escaped');
    assert.equal(escapees.map((e) => e.args!.pid).sort(), [...log.escaped].sort());
    assert.ok(escapees.every((e) => e.args!.escaped === true));
    const escTracks = new Set(escapees.map((e) => e.tid));
    const others = x.filter((e) => e.cat === 'process');
    assert.ok(
      others.every((e) => !escTracks.has(e.tid) && e.tid !== 1 && e.args!.escaped === false),
      'tracks of their own',
    );
    // As many tracks as processes ran at once, not one per process.
    const tracks = new Set(others.map((e) => e.tid)).size;
    assert.ok(tracks < others.length / 5, `${tracks} tracks for ${others.length} processes`);
    assert.equal(
      events.filter((e) => e.name === 'process_name').map((e) => e.args!.name),
      [`supervise ${log.supervisePid}, run of 2026-12-01T09:00:00.000Z`],
    );
    process.stdout.write(
      `  (100,000 records: ${r.stdout.length} bytes of trace, ${tracks} + ${escTracks.size} tracks, ${ms} ms)\n`,
    );
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

Chromium('should import every bar on its named track, with its time and duration', async () => {
  if (noBrowser) {
    process.stdout.write(`  skipped: ${noBrowser}\n`);
    return;
  }
  const log = syntheticLog({ records: 3000, seed: 7 });
  const r = run(['decode', '--format', 'trace'], log.bytes);
  assert.is(r.status, 0, r.stderr);
  const trace = JSON.parse(r.stdout) as { traceEvents: TraceEvent[] };
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox'],
    timeout: 30_000 * SLACK,
  });
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

Chromium.run();
