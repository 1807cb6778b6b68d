// Benchmarks of the supervise executable in protocol mode (issue #2's figures):
//   tear-down of a tree from control EOF to the last record (and a one-child-at-a-time C
//   baseline); records per second; child exit -> record latency
//   against a C waitid loop; idle CPU and wake-ups; start-up against `node -e 0`.
// Usage: node --import tsx bench/core.ts [teardown|throughput|latency|idle|startup]...  (IDLE_SECONDS=60)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, SUPERVISE, startTree, until, within, sleep } from '../test/procs.ts';

const which = new Set(process.argv.slice(2));
const want = (name: string) => which.size === 0 || which.has(name);
const results: Record<string, unknown> = {};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)];

/** Compiles a C helper of bench/ once into a temporary directory. */
const built = new Map<string, string>();
function cHelper(name: string): string {
  if (!built.has(name)) {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'supervise-bench-')), name);
    execFileSync('gcc', ['-O2', '-o', out, path.join(ROOT, `bench/${name}.c`)]);
    built.set(name, out);
  }
  return built.get(name)!;
}

async function teardown(n: number, setsidPct: number): Promise<number> {
  const t = await startTree([`exec ${cHelper('tree')} ${n} ${setsidPct}`]);
  await until(() => t.oracleText.includes('ready'), 60_000, `a tree of ${n}`);
  const t0 = performance.now();
  t.closeControl();
  await within(t.waitRecords(n, 60_000), 60_000, 'every record');
  const ms = performance.now() - t0;
  await within(t.oracleClosed, 10_000, 'the tree to be gone');
  await t.cleanup();
  return ms;
}

if (want('teardown')) {
  for (const n of [100, 1000, 5000]) {
    const runs: number[] = [], base: number[] = [];
    for (let i = 0; i < 5; i++) {
      runs.push(await teardown(n, 20));
      base.push(JSON.parse(execFileSync(cHelper('onebyone'), [cHelper('tree'), String(n), '20'], { encoding: 'utf8' })).ms);
    }
    const m = median(runs), b = median(base);
    results[`teardown_${n}_ms`] = { median: +m.toFixed(1), runs: runs.map((x) => +x.toFixed(1)), one_at_a_time_c: +b.toFixed(1), ratio: +(m / b).toFixed(2) };
    console.log(`tear-down of ${n} processes (20% setsid), control EOF -> last record: median ${m.toFixed(1)} ms; ` +
      `one child at a time in C: ${b.toFixed(1)} ms (ratio ${(m / b).toFixed(2)})`);
  }
}

if (want('throughput')) {
  const N = 5000, runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = await startTree([`exec ${cHelper('burst')} ${N} 300`]);
    let first = 0n, last = 0n;
    t.status.on('data', () => {
      const now = process.hrtime.bigint();
      if (first === 0n) first = now;
      last = now;
    });
    await within(t.waitRecords(N + 1, 60_000), 60_000, `${N + 1} records`);
    await within(t.exited, 10_000, 'supervise to exit');
    runs.push((N / Number(last - first)) * 1e9);
  }
  results.throughput_records_per_s = { median: Math.round(median(runs)), runs: runs.map(Math.round) };
  console.log(`throughput: ${Math.round(median(runs))} status records/s while ${N} adopted children exit at once`);
}

if (want('latency')) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-bench-'));
  const stamps = path.join(dir, 'stamps');
  const N = 500;
  const arrival = new Map<number, bigint>();
  const t = await startTree([`exec ${cHelper('orphans')} ${N} ${stamps}`]);
  t.status.on('data', () => {
    const now = process.hrtime.bigint();
    for (const r of t.records) if (!arrival.has(r.pid)) arrival.set(r.pid, now);
  });
  await within(t.exited, 120_000, 'the latency run');
  const lat: number[] = [];
  for (const line of readFileSync(stamps, 'utf8').trim().split('\n')) {
    const [pid, ns] = line.split(' ');
    const at = arrival.get(Number(pid));
    if (at !== undefined) lat.push(Number(at - BigInt(ns)) / 1000);
  }
  rmSync(dir, { recursive: true });
  const c = spawnSync(cHelper('waitid-loop'), [String(N)], { encoding: 'utf8' });
  const floor = c.status === 0 ? JSON.parse(c.stdout) : undefined;
  results.latency_us = { median: +median(lat).toFixed(1), p99: +pct(lat, 0.99).toFixed(1), n: lat.length, c_waitid_loop: floor };
  console.log(`child exit -> record read by the owner: median ${median(lat).toFixed(1)} us, p99 ${pct(lat, 0.99).toFixed(1)} us over ${lat.length}` +
    (floor ? `; C waitid loop: median ${floor.median_us} us (ratio ${(median(lat) / floor.median_us).toFixed(2)})` : ''));
}

function threadTicks(pid: number) {
  const out: Record<string, { ticks: number; switches: number }> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    const sw = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)![1]);
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    out[`${tid === String(pid) ? 'main' : name}:${tid}`] = {
      ticks: Number(f[11]) + Number(f[12]),
      switches: sw('voluntary_ctxt_switches') + sw('nonvoluntary_ctxt_switches'),
    };
  }
  return out;
}

if (want('idle')) {
  const seconds = Number(process.env.IDLE_SECONDS || 60);
  const t = await startTree(['sleep 3600']);
  await sleep(2000); // past start-up and the first GC
  const a = threadTicks(t.pid);
  await sleep(seconds * 1000);
  const b = threadTicks(t.pid);
  const rows = Object.keys(b).map((k) => ({ thread: k, ticks: b[k].ticks - (a[k]?.ticks ?? 0), switches: b[k].switches - (a[k]?.switches ?? 0) }));
  await t.cleanup();
  const main = rows.find((r) => r.thread.startsWith('main'))!;
  results.idle = { seconds, main, threads: rows };
  console.log(`idle ${seconds} s with a live child: main thread ${main.ticks} ticks, ${main.switches} wake-ups; all threads ${rows.reduce((s, r) => s + r.ticks, 0)} ticks, ${rows.reduce((s, r) => s + r.switches, 0)} switches`);
  for (const r of rows.filter((r) => r.switches > 0)) console.log(`  ${r.thread}: ${r.ticks} ticks, ${r.switches} switches`);
}

if (want('startup')) {
  const run = (cmd: string, args: string[]) => {
    const xs: number[] = [];
    for (let i = 0; i < 25; i++) {
      const t0 = performance.now();
      execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
      xs.push(performance.now() - t0);
    }
    return median(xs.slice(5));
  };
  // Interleave so that drift in the machine's load hits both alike.
  const floor: number[] = [], sup: number[] = [];
  for (let i = 0; i < 3; i++) {
    floor.push(run(process.execPath, ['-e', '0']));
    sup.push(run(SUPERVISE, []));
  }
  const f = median(floor), s = median(sup);
  results.startup_ms = { node_e_0: +f.toFixed(1), supervise_protocol_no_child: +s.toFixed(1), ratio: +(s / f).toFixed(3) };
  console.log(`start-up: node -e 0 ${f.toFixed(1)} ms, supervise (protocol mode, no child, stdin closed) ${s.toFixed(1)} ms: ratio ${(s / f).toFixed(2)}`);
}

// Keep the figures of earlier runs of other parts: `make bench` runs all of them.
const file = path.join(ROOT, 'bench/results.json');
let old: Record<string, unknown> = {};
try { old = JSON.parse(readFileSync(file, 'utf8')); } catch { /* first run */ }
writeFileSync(file, JSON.stringify({ ...old, ...results, node: process.version, date: new Date().toISOString() }, null, 2) + '\n');
console.log(`written to ${path.relative(process.cwd(), file)}`);
process.exit(0); // stray handles of the trees must not keep the benchmark alive
