// Side by side against the floors (issue #6): start-up of `supervise -- true` against
// `node -e 0` and `/bin/true` (hyperfine when installed), peak and idle RSS against
// `node -e 0`, and the library's cost per spawn (200 sequential and 50 concurrent `true`)
// against child_process, execa, nano-spawn and tinyexec. It measures under the Node that
// runs it (process.execPath), so `make bench` runs it once per Node and files the figures
// under `side.node<major>` in bench/results.json; `side.ts table` prints the one table.
// Usage: <node> --import tsx bench/side.ts [startup|rss|library|table]...
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RUNNERS, type Run } from './runners.ts';
import { ROOT, SUPERVISE, startTree, sleep } from '../test/procs.ts';

const which = new Set(process.argv.slice(2));
const want = (name: string) => (which.size === 0 && name !== 'table') || which.has(name);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const FILE = path.join(ROOT, 'bench/results.json');
const NODE = process.execPath;
const major = process.versions.node.split('.')[0];
// The flags of bin/supervise's shebang: the interpreter is named explicitly so that the
// same script runs under another Node (the shim is N-API, so one build loads in both).
const SUP = [NODE, '--disable-wasm-trap-handler', '--v8-pool-size=1', SUPERVISE];
const out: Record<string, unknown> = {};
const r1 = (x: number) => +x.toFixed(1);
const r2 = (x: number) => +x.toFixed(2);

function hasHyperfine(): boolean {
  return spawnSync('hyperfine', ['--version']).status === 0;
}

/** Median wall time of each command, ms: hyperfine -N, or 5 + 30 runs in process. */
function startupOf(cmds: Record<string, string[]>): { tool: string; ms: Record<string, { median: number; mean: number; stddev: number }> } {
  const ms: Record<string, { median: number; mean: number; stddev: number }> = {};
  if (hasHyperfine()) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-side-'));
    const json = path.join(dir, 'h.json');
    const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
    const names = Object.keys(cmds);
    const args = ['-N', '--warmup', '5', '--runs', '30', '--export-json', json, '--style', 'none'];
    for (const n of names) args.push('-n', n, cmds[n].map(quote).join(' '));
    execFileSync('hyperfine', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const res = JSON.parse(readFileSync(json, 'utf8')).results as Array<{ median: number; mean: number; stddev: number }>;
    names.forEach((n, i) => (ms[n] = { median: r2(res[i].median * 1e3), mean: r2(res[i].mean * 1e3), stddev: r2(res[i].stddev * 1e3) }));
    rmSync(dir, { recursive: true });
    return { tool: 'hyperfine -N --warmup 5 --runs 30', ms };
  }
  // Fallback: interleaved rounds so that drift in the load hits every command alike.
  const xs: Record<string, number[]> = {};
  for (const n of Object.keys(cmds)) {
    for (let i = 0; i < 5; i++) execFileSync(cmds[n][0], cmds[n].slice(1), { stdio: 'ignore' });
    xs[n] = [];
  }
  for (let i = 0; i < 30; i++) {
    for (const [n, [c, ...a]] of Object.entries(cmds)) {
      const t0 = performance.now();
      execFileSync(c, a, { stdio: 'ignore' });
      xs[n].push(performance.now() - t0);
    }
  }
  for (const n of Object.keys(cmds)) {
    const mean = xs[n].reduce((s, x) => s + x, 0) / xs[n].length;
    ms[n] = { median: r2(median(xs[n])), mean: r2(mean), stddev: r2(Math.sqrt(xs[n].reduce((s, x) => s + (x - mean) ** 2, 0) / xs[n].length)) };
  }
  return { tool: 'in-process execFileSync, 5 warm-up + 30 runs (hyperfine not installed)', ms };
}

if (want('startup')) {
  const s = startupOf({ supervise: [...SUP, '--', 'true'], node: [NODE, '-e', '0'], true: ['/bin/true'] });
  out.startup = { ...s, ratio_supervise_to_node: r2(s.ms.supervise.median / s.ms.node.median) };
  console.log(`node ${process.version} start-up (${s.tool}): supervise -- true ${s.ms.supervise.median} ms, ` +
    `node -e 0 ${s.ms.node.median} ms, /bin/true ${s.ms.true.median} ms`);
}

/** VmHWM and VmRSS of a pid, KiB. */
function mem(pid: number): { hwm: number; rss: number } {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)![1]);
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
}

/** Starts a command, reads its memory after `ms`, kills it (and its process group). */
async function memOf(argv: string[], ms: number): Promise<{ hwm: number; rss: number }> {
  const c = spawn(argv[0], argv.slice(1), { stdio: 'ignore', detached: true });
  await sleep(ms);
  const m = mem(c.pid!);
  try { process.kill(-c.pid!, 'SIGKILL'); } catch { /* gone */ }
  await new Promise((r) => c.on('exit', r));
  return m;
}

if (want('rss')) {
  const runs = (f: () => Promise<{ hwm: number; rss: number }>) => async () => {
    const xs: Array<{ hwm: number; rss: number }> = [];
    for (let i = 0; i < 3; i++) xs.push(await f());
    return { peak_mib: r1(median(xs.map((x) => x.hwm)) / 1024), idle_mib: r1(median(xs.map((x) => x.rss)) / 1024) };
  };
  const rss: Record<string, { peak_mib: number; idle_mib: number }> = {};
  // Launch mode with a live child; read 1 s after start (past start-up and the first GC).
  rss.supervise_launch = await runs(() => memOf([...SUP, '--', 'sleep', '30'], 1000))();
  // Protocol mode with a live child (the launcher execs bin/supervise: the shebang's Node).
  if (spawnSync('node', ['-p', 'process.version']).stdout?.toString().trim() === process.version) {
    rss.supervise_protocol = await runs(async () => {
      const t = await startTree(['sleep 3600']);
      await sleep(1000);
      const m = mem(t.pid);
      await t.cleanup();
      return m;
    })();
  }
  rss.node = await runs(() => memOf([NODE, '-e', 'setTimeout(()=>{},2000)'], 200))();
  out.rss = rss;
  console.log(`node ${process.version} RSS (MiB, peak/idle): ` + Object.entries(rss).map(([k, v]) => `${k} ${v.peak_mib}/${v.idle_mib}`).join(', '));
}

if (want('library')) {
  const SEQ = 200, CONC = 50;
  const lib: Record<string, { sequential_ms_per_spawn: number; concurrent_50_ms: number }> = {};
  for (const name of Object.keys(RUNNERS)) {
    const run = RUNNERS[name] as (s: string, o: object) => Run;
    for (let i = 0; i < 5; i++) await run('true', {}).done; // warm-up
    const seq: number[] = [], conc: number[] = [];
    // supervise starts a Node per spawn (~0.25 s here): one round of it, three of the others.
    for (let rep = 0; rep < (name === 'supervise' ? 1 : 3); rep++) {
      let t = process.hrtime.bigint();
      for (let i = 0; i < SEQ; i++) await run('true', {}).done;
      seq.push(Number(process.hrtime.bigint() - t) / 1e6 / SEQ);
      t = process.hrtime.bigint();
      await Promise.all(Array.from({ length: CONC }, () => run('true', {}).done));
      conc.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    lib[name] = { sequential_ms_per_spawn: r2(median(seq)), concurrent_50_ms: r1(median(conc)) };
    process.stderr.write(`node ${process.version} ${name}: ${lib[name].sequential_ms_per_spawn} ms/spawn (${SEQ} sequential), ${lib[name].concurrent_50_ms} ms for ${CONC} concurrent\n`);
  }
  out.library = lib;
}

let all: Record<string, any> = {};
try { all = JSON.parse(readFileSync(FILE, 'utf8')); } catch { /* first run */ }
if (Object.keys(out).length) {
  all.side ??= {};
  all.side[`node${major}`] = { ...all.side[`node${major}`], ...out, node: process.version, date: new Date().toISOString() };
  writeFileSync(FILE, JSON.stringify(all, null, 2) + '\n');
}

if (which.has('table')) {
  const rows: string[][] = [];
  const row = (...c: Array<string | number | undefined>) => rows.push(c.map((x) => (x === undefined ? '-' : String(x))));
  const x = (a?: number, b?: number) => (a !== undefined && b ? `${(a / b).toFixed(2)}x` : '-');
  for (const [key, s] of Object.entries<any>(all.side ?? {})) {
    const st = s.startup?.ms;
    if (st) {
      row(`start-up, ${s.node}`, 'supervise -- true', `${st.supervise.median} ms`, `node -e 0: ${st.node.median} ms`, x(st.supervise.median, st.node.median), '<= 1.10x');
      row(`start-up, ${s.node}`, '/bin/true', `${st.true.median} ms`, '', '', '');
    }
    for (const [k, v] of Object.entries<any>(s.rss ?? {})) {
      if (k === 'node') continue;
      row(`RSS peak/idle, ${s.node}`, k.replace('_', ' '), `${v.peak_mib}/${v.idle_mib} MiB`, `node -e 0: ${s.rss.node.peak_mib}/${s.rss.node.idle_mib} MiB`, x(v.peak_mib, s.rss.node.peak_mib), '');
    }
    const lib = s.library;
    if (lib?.supervise) {
      const cp = lib.child_process;
      const peers = Object.entries<any>(lib).filter(([n]) => n !== 'supervise');
      const list = (f: string) => peers.map(([n, v]) => `${n} ${v[f]}`).join(', ');
      row(`library, ${s.node}`, 'spawn(true), 200 sequential, per spawn', `${lib.supervise.sequential_ms_per_spawn} ms`, list('sequential_ms_per_spawn'),
        `+${(lib.supervise.sequential_ms_per_spawn - cp.sequential_ms_per_spawn).toFixed(1)} ms over child_process`, `<= node -e 0 + 10 ms (${st ? (st.node.median + 10).toFixed(0) : '?'} ms)`);
      row(`library, ${s.node}`, 'spawn(true), 50 concurrent, total', `${lib.supervise.concurrent_50_ms} ms`, list('concurrent_50_ms'), x(lib.supervise.concurrent_50_ms, cp.concurrent_50_ms) + ' of child_process', '');
    }
    void key;
  }
  const td = (n: number) => all[`teardown_${n}_ms`];
  for (const n of [100, 1000, 5000]) if (td(n)) row('tear-down', `${n} processes, control EOF -> last record`, `${td(n).median} ms`, `C, one child at a time: ${td(n).one_at_a_time_c} ms`, `${td(n).ratio}x`, n === 1000 ? '< 100 ms' : '');
  const lat = all.latency_us;
  if (lat) row('event latency', 'child exit -> record read (median, p99)', `${lat.median} us, ${lat.p99} us`, lat.c_waitid_loop ? `C waitid loop: ${lat.c_waitid_loop.median_us} us` : '', lat.c_waitid_loop ? x(lat.median, lat.c_waitid_loop.median_us) : '', '<= 1.5x or < 1000 us');
  if (all.throughput_records_per_s) row('throughput', '5,000 exits at once', `${all.throughput_records_per_s.median} records/s`, '', '', '>= 20,000/s');
  if (all.idle) {
    const t = all.idle.threads as Array<{ ticks: number; switches: number }>;
    row('idle', `${all.idle.seconds} s, live child: main thread; all threads (ticks/switches)`, `${all.idle.main.ticks}/${all.idle.main.switches}; ${t.reduce((s, r) => s + r.ticks, 0)}/${t.reduce((s, r) => s + r.switches, 0)}`, '', '', '0/0 (main)');
  }
  const head = ['what', 'case', 'supervise', 'floor / peers', 'ratio', 'goal'];
  console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`\n${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; figures in ${path.relative(process.cwd(), FILE)}`);
}
process.exit(0); // stray handles of the trees must not keep the benchmark alive
