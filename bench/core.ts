// The protocol-mode figures of the performance goals (bench/README.md), every host beside the C reference (bench/reference.c)
// in the same run, all driven by one C owner (bench/owner.c) so that the reader costs the
// same for each: the owner's fork to the first status record of a `true` child, a child's
// exit to the record read, records/s delivering 5,000 exits that wait behind a full status
// pipe (the supervisor's own rate, not the scheduler's), and the
// tear-down of 1,000 processes against the one-at-a-time C baseline (bench/onebyone.c).
// Writes `protocol` into bench/results.json.
// And the cost of launch mode's events log: the same burst of exits as launch mode's command,
// with `--events FILE` and without, side by side (goal: the log costs <= 10%).
// Usage: node --import tsx bench/core.ts [first|latency|throughput|events|teardown|teardown-cgroup]...
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cHelper, hosts, median, r1, readResults, writeResults } from './hosts.ts';

const loadAtStart = os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
const which = new Set(process.argv.slice(2));
const want = (name: string) => which.size === 0 || which.has(name);
const HOSTS = hosts();
/** Every supervisor of a row: the hosts, then the C reference. */
const SUPERVISORS: Array<[string, string]> = [
  ...HOSTS.map((h): [string, string] => [h.key, h.path]),
  ['reference', cHelper('reference')],
];
// biome-ignore lint/suspicious/noExplicitAny: results.json, read as written by the bench
const out: Record<string, any> = { ...readResults().protocol };
/** What failed, by supervisor and figure: a supervisor that fails a figure is left out of
 *  that figure's other rounds, and the table says so instead of a number. */
const failures: Record<string, Record<string, string>> = {};
/** One run of the C owner for figure `fig` of supervisor `key`: its JSON, or undefined. */
// biome-ignore lint/suspicious/noExplicitAny: results.json, read as written by the bench
function owner(fig: string, key: string, ...args: string[]): any {
  if (failures[key]?.[fig]) return undefined;
  const r = spawnSync(cHelper('owner'), args, { encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0) return JSON.parse(r.stdout);
  const why = (r.stderr || r.error?.message || `exit status ${r.status}`).trim().split('\n').slice(-2).join(' ');
  (failures[key] ??= {})[fig] = why;
  console.log(`${fig}, ${key}: FAILED (${why})`);
  return undefined;
}
/** Per supervisor, a figure made of its samples; none for one that has none. */
const per = <T>(samples: Record<string, number[]>, f: (xs: number[], k: string) => T) =>
  Object.fromEntries(
    Object.entries(samples)
      .filter(([, xs]) => xs.length)
      .map(([k, xs]) => [k, f(xs, k)]),
  );
const log = (what: string, figures: Record<string, unknown>) =>
  console.log(
    `${what}: ${Object.entries(figures)
      .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`)
      .join(', ')}`,
  );

if (want('first')) {
  // Rounds of each in turn, so that drift in the machine's load hits every supervisor alike;
  // the Node host takes ~100x longer per run: fewer of its runs.
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < 3; round++) {
    for (const [key, file] of [...SUPERVISORS, ['no supervisor', '-']]) {
      const n = key === 'node' || HOSTS.find((h) => h.key === key)?.kind === 'node' ? 4 : 20;
      (samples[key] ??= []).push(...(owner('first', key, 'first', String(n), file)?.samples_us ?? []));
    }
  }
  const fig = per(samples, (xs) => ({ median_us: r1(median(xs)), n: xs.length }));
  out.first_record_us = fig;
  log(
    'owner fork -> first status record of a `true` child (median us)',
    Object.fromEntries(Object.entries(fig).map(([k, v]) => [k, v.median_us])),
  );
}

if (want('latency')) {
  // 5 rounds of 100 children under each supervisor in turn, pooled; the C loop's rounds too.
  const samples: Record<string, number[]> = {},
    loop: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (const [key, file] of SUPERVISORS)
      (samples[key] ??= []).push(...(owner('latency', key, 'latency', '100', file)?.samples_us ?? []));
    loop.push(JSON.parse(execFileSync(cHelper('waitid-loop'), ['100'], { encoding: 'utf8' })).median_us);
  }
  const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)];
  const fig: Record<string, { median_us: number; p99_us?: number; n: number }> = per(samples, (xs) => ({
    median_us: r1(median(xs)),
    p99_us: r1(pct(xs, 0.99)),
    n: xs.length,
  }));
  fig.waitid_loop = { median_us: r1(median(loop)), n: 500 };
  out.latency_us = fig;
  log(
    'child exit -> record read by the owner, median us',
    Object.fromEntries(Object.entries(fig).map(([k, v]) => [k, v.median_us])),
  );
}

// Throughput over each channel: two pipes (batches of records in one write), and one
// SOCK_SEQPACKET socketpair (one record per message; the owner fails the run if a recv is
// anything but one whole record). The rounds alternate channels and supervisors.
const CHANNELS = [
  ['throughput', 'burst', 'throughput_records_per_s', 'the status pipe'],
  ['throughput_seqpacket', 'burst-seqpacket', 'throughput_seqpacket_records_per_s', 'a seqpacket socket'],
] as const;
if (want('throughput')) {
  // Also the supervisor's own CPU time per record (clock ticks of 10 ms: 2 us steps here).
  const runs: Record<string, Record<string, number[]>> = {},
    cpu: Record<string, Record<string, number[]>> = {};
  for (let round = 0; round < 5; round++) {
    for (const [fig, mode] of CHANNELS) {
      for (const [key, file] of SUPERVISORS) {
        const r = owner(fig, key, mode, '5000', file);
        ((runs[fig] ??= {})[key] ??= []).push(...(r ? [r.records_per_s] : []));
        ((cpu[fig] ??= {})[key] ??= []).push(...(r ? [r.cpu_us_per_record] : []));
      }
    }
  }
  for (const [fig, , field, what] of CHANNELS) {
    out[field] = per(runs[fig], (xs, k) => ({
      median: median(xs),
      runs: xs,
      cpu_us_per_record: median(cpu[fig][k]),
    }));
    log(
      `records/s, 5,000 exits held back by ${what} (median of 5)`,
      per(runs[fig], (xs, k) => `${median(xs)} (${median(cpu[fig][k])} us CPU/record)`),
    );
  }
}

if (want('events')) {
  // Launch mode (`--status-fd 3 --wait-all [--events FILE] -- burst 5000`), the hosts only
  // (the reference has no launch mode), rounds alternating off and on; a new log each run.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-bench-events-'));
  const runs: Record<string, Record<string, number[]>> = {},
    cpu: Record<string, Record<string, number[]>> = {};
  try {
    for (let round = 0; round < 5; round++) {
      for (const h of HOSTS) {
        for (const on of [false, true]) {
          const file = path.join(dir, `${h.key}-${round}.supv`);
          const r = owner(`events_${on ? 'on' : 'off'}`, h.key, 'burst-launch', '5000', h.path, ...(on ? [file] : []));
          rmSync(file, { force: true });
          const key = on ? 'on' : 'off';
          ((runs[h.key] ??= {})[key] ??= []).push(...(r ? [r.records_per_s] : []));
          ((cpu[h.key] ??= {})[key] ??= []).push(...(r ? [r.cpu_us_per_record] : []));
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  out.events_log_records_per_s = Object.fromEntries(
    Object.entries(runs).map(([k, byMode]) => [
      k,
      Object.fromEntries(
        Object.entries(byMode)
          .filter(([, xs]) => xs.length)
          .map(([mode, xs]) => [mode, { median: median(xs), runs: xs, cpu_us_per_record: median(cpu[k][mode]) }]),
      ),
    ]),
  );
  // The same log on a tree that does work between exits: a shell running `/bin/true` 500
  // times one after another (fork, exec, exit, reap), wall time of the whole run, off and on
  // alternating. What --events costs a run, beside what it costs supervise's ceiling above.
  const work: Record<string, Record<string, number[]>> = {};
  const loop = 'i=0; while [ $i -lt 500 ]; do /bin/true; i=$((i+1)); done';
  const wdir = mkdtempSync(path.join(os.tmpdir(), 'supervise-bench-events-'));
  try {
    for (let round = 0; round < 5; round++) {
      for (const h of HOSTS) {
        for (const on of [false, true]) {
          const file = path.join(wdir, `${h.key}-${round}.supv`);
          const args = [...(on ? ['--events', file] : []), '--', '/bin/sh', '-c', loop];
          const t0 = process.hrtime.bigint();
          try {
            execFileSync(h.path, args, { stdio: 'ignore', timeout: 120_000 });
            ((work[h.key] ??= {})[on ? 'on' : 'off'] ??= []).push(Number(process.hrtime.bigint() - t0) / 1e6);
          } catch (e) {
            (failures[h.key] ??= {})[`events_workload_${on ? 'on' : 'off'}`] = String((e as Error).message).slice(
              0,
              300,
            );
          }
          rmSync(file, { force: true });
        }
      }
    }
  } finally {
    rmSync(wdir, { recursive: true, force: true });
  }
  out.events_workload_ms = Object.fromEntries(
    Object.entries(work).map(([k, byMode]) => [
      k,
      Object.fromEntries(
        Object.entries(byMode).map(([mode, xs]) => [mode, { median: r1(median(xs)), runs: xs.map(r1) }]),
      ),
    ]),
  );
  log(
    'launch mode, 500 `/bin/true` run one after another by a shell, wall ms, --events off / on (median of 5)',
    Object.fromEntries(
      Object.entries(work).map(([k, m]) => [k, `${r1(median(m.off ?? []))} / ${r1(median(m.on ?? []))}`]),
    ),
  );
  log(
    'launch mode records/s, 5,000 exits held back by the status pipe, --events off / on (median of 5)',
    Object.fromEntries(
      Object.entries(runs).map(([k, m]) => [
        k,
        `${median(m.off ?? [])} / ${median(m.on ?? [])} (${median(cpu[k].off ?? [])} / ${median(cpu[k].on ?? [])} us CPU/record)`,
      ]),
    ),
  );
}

if (want('teardown')) {
  const runs: Record<string, number[]> = {};
  for (let round = 0; round < 5; round++) {
    for (const [key, file] of SUPERVISORS) {
      const r = owner('teardown', key, 'teardown', '1000', '20', file);
      (runs[key] ??= []).push(...(r ? [r.ms] : []));
    }
    runs.one_at_a_time_c ??= [];
    runs.one_at_a_time_c.push(
      JSON.parse(execFileSync(cHelper('onebyone'), [cHelper('tree'), '1000', '20'], { encoding: 'utf8' })).ms,
    );
  }
  out.teardown_1000_ms = per(runs, (xs) => ({ median: median(xs), runs: xs }));
  log(
    'tear-down of 1,000 (20% setsid), control EOF -> last record, ms (median of 5)',
    per(runs, (xs) => median(xs)),
  );
}

if (want('teardown-cgroup')) {
  // Launch mode, the same tree as CMD, with and without --cgroup, runs alternating so that the
  // machine's load hits both alike (the layer needs a writable cgroup v2: a failed run is
  // reported, not counted).
  const runs: Record<string, number[]> = {};
  for (let round = 0; round < 5; round++) {
    for (const h of HOSTS) {
      for (const option of [[], ['--cgroup']]) {
        const key = `${h.key}${option.length ? ' --cgroup' : ''}`;
        const r = owner('teardown-cgroup', key, 'teardown-launch', '1000', '20', h.path, ...option);
        (runs[key] ??= []).push(...(r ? [r.ms] : []));
      }
    }
  }
  out.teardown_launch_1000_ms = per(runs, (xs) => ({ median: median(xs), runs: xs }));
  log(
    'tear-down of 1,000 (20% setsid) in launch mode, with and without --cgroup, control EOF -> last record, ms (median of 5)',
    per(runs, (xs) => median(xs)),
  );
}

writeResults({ protocol: out, hosts: HOSTS, machine: { load_at_start: loadAtStart }, failures });
process.exit(0);
