// Launch mode and the library, every host beside tini, dumb-init and the C reference in
// the same run (the performance goals): start-up of `-- true` (hyperfine -N), RSS while supervising one
// child, idle ticks and context switches of every thread, and, in one Node process per host
// (SUPERVISE_HOST picks the host the library starts), the sum of RSS of 50 live trees from
// the library and the cost of 200 sequential / 50 concurrent spawn('true') against execa's
// and child_process's, measured in that same process.
// Usage: node --import tsx bench/side.ts [startup|rss|idle|library]...   (IDLE_SECONDS=10)
import { execFileSync, spawn as cpSpawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, cHelper, hosts, median, r1, r2, readResults, sleep, tool, writeResults } from './hosts.ts';

const which = new Set(process.argv.slice(2));
const want = (name: string) => (which.size === 0 && name !== 'library-run') || which.has(name);
const HOSTS = hosts();
const out: Record<string, unknown> = {};
/** What failed, by supervisor and figure (merged with core.ts's): the table says so. */
const failures: Record<string, Record<string, string>> = readResults().failures ?? {};
function fail(key: string, fig: string, why: string): void {
  (failures[key] ??= {})[fig] = why.trim().split('\n').slice(-2).join(' ');
  console.log(`${fig}, ${key}: FAILED (${failures[key][fig]})`);
}

/** Every launch-mode supervisor of a row: argv prefix before CMD. Missing tools are left out. */
function supervisors(): Record<string, string[]> {
  const s: Record<string, string[]> = {};
  for (const h of HOSTS) s[h.key] = [h.path, '--'];
  const tini = tool('tini'),
    dumb = tool('dumb-init');
  if (tini) s.tini = [tini, '-s', '--'];
  if (dumb) s['dumb-init'] = [dumb];
  s.reference = [cHelper('reference'), '--'];
  return s;
}

/** Median, mean and standard deviation of times in ms. */
function stats(v: number[]): { median: number; mean: number; stddev: number; runs: number } {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  return {
    median: r2(median(v)),
    mean: r2(mean),
    stddev: r2(Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length)),
    runs: v.length,
  };
}

if (want('startup')) {
  const cmds: Record<string, string[]> = {};
  for (const [k, pre] of Object.entries(supervisors())) cmds[k] = [...pre, 'true'];
  cmds['/bin/true'] = ['/bin/true'];
  for (const [k, [c, ...a]] of Object.entries(cmds)) {
    // one failing command would stop hyperfine
    const r = spawnSync(c, a, { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) {
      fail(k, 'startup', r.stderr || r.error?.message || `exit status ${r.status}`);
      delete cmds[k];
    }
  }
  const ms: Record<string, { median: number; mean: number; stddev: number; runs: number }> = {};
  let how: string;
  if (tool('hyperfine')) {
    // 3 rounds of every command in turn (hyperfine runs one command after the other, so a
    // change in the machine's load between commands would tilt one round's ratios); each
    // command at least 30 runs and 3 s a round (hyperfine's default), at most 300; the
    // median of all runs of the rounds.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-side-'));
    const json = path.join(dir, 'h.json');
    how = 'hyperfine -N --warmup 5 --min-runs 30 --max-runs 300, 3 rounds, median';
    const args = [
      '-N',
      '--warmup',
      '5',
      '--min-runs',
      '30',
      '--max-runs',
      '300',
      '--export-json',
      json,
      '--style',
      'none',
    ];
    for (const [n, argv] of Object.entries(cmds)) args.push('-n', n, argv.join(' '));
    const times: Record<string, number[]> = {};
    for (let round = 0; round < 3; round++) {
      // Its warnings (outliers on a busy machine) would drown the log: shown only on failure.
      const h = spawnSync('hyperfine', args, { encoding: 'utf8' });
      if (h.status !== 0) throw new Error(`hyperfine failed: ${h.stderr}`);
      for (const r of JSON.parse(readFileSync(json, 'utf8')).results as Array<{ command: string; times: number[] }>) {
        (times[r.command] ??= []).push(...r.times.map((t) => t * 1e3));
      }
    }
    for (const [n, v] of Object.entries(times)) ms[n] = stats(v);
    rmSync(dir, { recursive: true });
  } else {
    // Without hyperfine: 5 warm-ups, then 30 interleaved rounds (drift hits every command alike).
    how = 'in-process execFileSync, 5 warm-ups + 30 interleaved runs, median (hyperfine not installed)';
    const xs: Record<string, number[]> = {};
    for (const [n, [c, ...a]] of Object.entries(cmds)) {
      for (let i = 0; i < 5; i++) execFileSync(c, a, { stdio: 'ignore' });
      xs[n] = [];
    }
    for (let i = 0; i < 30; i++) {
      for (const [n, [c, ...a]] of Object.entries(cmds)) {
        const t0 = performance.now();
        execFileSync(c, a, { stdio: 'ignore' });
        xs[n].push(performance.now() - t0);
      }
    }
    for (const [n, v] of Object.entries(xs)) ms[n] = stats(v);
  }
  out.startup = { how, ms };
  console.log(
    `start-up of \`-- true\` (${how}), ms: ${Object.entries(ms)
      .map(([k, v]) => `${k} ${v.median}`)
      .join(', ')}`,
  );
}

/** VmHWM and VmRSS of a pid, KiB, and its PSS (smaps_rollup) when readable. */
function mem(pid: number): { hwm: number; rss: number; pss: number } {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (text: string, k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN);
  let pss = NaN;
  try {
    pss = kb(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
  } catch {
    /* older kernel */
  }
  return { hwm: kb(st, 'VmHWM'), rss: kb(st, 'VmRSS'), pss };
}

/** The children of a pid (every thread's list). */
function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      kids.push(
        ...readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
      );
    }
  } catch {
    /* gone */
  }
  return kids;
}

const exited = (c: ChildProcess) =>
  new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

/** Ends a supervisor started here and its one child: SIGKILL the child (a real, unreaped
 *  child of the supervisor, so its pid is its own), let the supervisor exit on that, and
 *  SIGKILL it by pid if it has not within 3 s. */
async function stop(c: ChildProcess): Promise<void> {
  for (const kid of childrenOf(c.pid!))
    try {
      process.kill(kid, 'SIGKILL');
    } catch {
      /* gone */
    }
  await Promise.race([exited(c), sleep(3000)]);
  if (c.exitCode === null && c.signalCode === null) {
    c.kill('SIGKILL');
    await exited(c);
  }
}

if (want('rss')) {
  // Each supervisor over `sleep`, all at once, read 1 s after start (past start-up); 3 rounds.
  const runs: Record<string, Array<{ hwm: number; rss: number; pss: number }>> = {};
  for (let round = 0; round < 3; round++) {
    const procs = Object.entries(supervisors()).map(
      ([k, pre]) => [k, cpSpawn(pre[0], [...pre.slice(1), 'sleep', '31'], { stdio: 'ignore' })] as const,
    );
    await sleep(1000);
    for (const [k, c] of procs) {
      try {
        if (c.exitCode !== null || c.signalCode !== null)
          throw new Error(`exited (${c.exitCode ?? c.signalCode}) before its RSS was read`);
        (runs[k] ??= []).push(mem(c.pid!));
      } catch (e) {
        fail(k, 'rss', (e as Error).message);
      }
    }
    await Promise.all(procs.map(([, c]) => stop(c)));
  }
  for (const k of Object.keys(failures)) if (failures[k].rss) delete runs[k];
  const mib = (xs: number[]) => r2(median(xs) / 1024);
  const rss = Object.fromEntries(
    Object.entries(runs).map(([k, xs]) => [
      k,
      { rss_mib: mib(xs.map((x) => x.rss)), peak_mib: mib(xs.map((x) => x.hwm)), pss_mib: mib(xs.map((x) => x.pss)) },
    ]),
  );
  out.rss_one_child = rss;
  console.log(
    `RSS while supervising one child (MiB, median of 3): ${Object.entries(rss)
      .map(([k, v]) => `${k} ${v.rss_mib}`)
      .join(', ')}`,
  );
}

/** CPU ticks (utime+stime) and context switches of every thread of a pid. */
function threadTicks(pid: number): Record<string, { ticks: number; switches: number }> {
  const res: Record<string, { ticks: number; switches: number }> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    const sw = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)![1]);
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    res[tid === String(pid) ? 'main' : `${name}:${tid}`] = {
      ticks: Number(f[11]) + Number(f[12]),
      switches: sw('voluntary_ctxt_switches') + sw('nonvoluntary_ctxt_switches'),
    };
  }
  return res;
}

if (want('idle')) {
  // The hosts as the library starts them (a socketpair as fd 3, status and control on it),
  // the peers over the same `sleep`; all at once, measured over the same window.
  const seconds = Number(process.env.IDLE_SECONDS || 10);
  const procs: Array<[string, ChildProcess]> = [];
  for (const [k, pre] of Object.entries(supervisors())) {
    const lib = HOSTS.some((h) => h.key === k);
    const argv = lib
      ? [pre[0], '--status-fd', '3', '--control-fd', '3', '--', 'sleep', '3601']
      : [...pre, 'sleep', '3601'];
    procs.push([
      k,
      cpSpawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit', ...(lib ? ['pipe' as const] : [])] }),
    ]);
  }
  await sleep(2000); // past start-up
  const ticks = (k: string, c: ChildProcess) => {
    try {
      return threadTicks(c.pid!);
    } catch {
      fail(k, 'idle', `exited (${c.exitCode ?? c.signalCode}) while idle`);
      return undefined;
    }
  };
  const a = procs.map(([k, c]) => ticks(k, c));
  await sleep(seconds * 1000);
  const idle: Record<
    string,
    { ticks: number; switches: number; threads: Record<string, { ticks: number; switches: number }> }
  > = {};
  procs.forEach(([k, c], i) => {
    const b = a[i] && ticks(k, c);
    if (!a[i] || !b) return;
    const threads = Object.fromEntries(
      Object.keys(b).map((t) => [
        t,
        { ticks: b[t].ticks - (a[i]![t]?.ticks ?? 0), switches: b[t].switches - (a[i]![t]?.switches ?? 0) },
      ]),
    );
    const sum = (f: 'ticks' | 'switches') => Object.values(threads).reduce((s, r) => s + r[f], 0);
    idle[k] = { ticks: sum('ticks'), switches: sum('switches'), threads };
  });
  await Promise.all(
    procs.map(async ([, c]) => {
      if (c.stdio[3])
        c.stdio[3].destroy(); // control EOF: supervise tears its tree down
      else return stop(c);
      await Promise.race([exited(c), sleep(3000)]);
      if (c.exitCode === null && c.signalCode === null) await stop(c);
    }),
  );
  out.idle = { seconds, ...idle };
  console.log(
    `idle ${seconds} s with a live child (ticks/switches, all threads): ${Object.entries(idle)
      .map(([k, v]) => `${k} ${v.ticks}/${v.switches} (${Object.keys(v.threads).length} threads)`)
      .join(', ')}`,
  );
}

if (want('library')) {
  // One Node process per host: the library picks its host once per process.
  const lib: Record<string, unknown> = {};
  for (const h of HOSTS) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/side.ts'), 'library-run'], {
      encoding: 'utf8',
      env: { ...process.env, SUPERVISE_HOST: h.libHost, BENCH_HOST_KEY: h.key },
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 240_000,
    });
    if (r.status !== 0) {
      fail(h.key, 'library', r.error?.message ?? `library run exited ${r.status ?? r.signal}`);
      continue;
    }
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!);
    for (const [fig, why] of Object.entries<string>(res.failed ?? {})) fail(h.key, fig, why);
    lib[h.key] = res;
  }
  out.library = lib;
}

if (which.has('library-run')) {
  // In this process the library starts the host SUPERVISE_HOST names.
  const { spawn } = await import('../lib/index.ts');
  const { superviseCommand } = await import('../lib/spawn.ts');
  const { execa } = await import('execa');
  const settle = (p: PromiseLike<unknown>) =>
    Promise.resolve(p).then(
      () => undefined,
      () => undefined,
    );
  const key = process.env.BENCH_HOST_KEY ?? 'supervise';
  const say = (s: string) => process.stderr.write(`library (${key}): ${s}\n`);

  // 50 live trees: the supervise processes (the parent of each main child) and the trees.
  // A failed spawn fails the figure (its message from the first failure), never a smaller sum.
  const failed: Record<string, string> = {};
  const N = 50;
  const subs = Array.from({ length: N }, () => spawn('sleep', ['32']));
  const errors: string[] = [];
  for (const s of subs)
    Promise.resolve(s).catch((e: Error & { stderr?: string }) => errors.push(`${e.message} ${e.stderr ?? ''}`));
  const started = await Promise.allSettled(subs.map((s) => s.spawned));
  await sleep(1000);
  let trees: Record<string, unknown> | undefined;
  if (started.every((r) => r.status === 'fulfilled')) {
    const pids = started.map((r) => (r as PromiseFulfilledResult<number>).value);
    const parent = (pid: number) => {
      const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
    };
    const sups = pids.map(parent);
    const exe = new Set(sups.map((p) => path.basename(readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0])));
    const sm = sups.map(mem),
      cm = pids.map(mem);
    const sum = (xs: Array<{ rss: number; pss: number }>, f: 'rss' | 'pss') =>
      r1(xs.reduce((s, x) => s + x[f], 0) / 1024);
    trees = {
      trees: N,
      supervise_rss_mib: sum(sm, 'rss'),
      supervise_pss_mib: sum(sm, 'pss'),
      trees_rss_mib: r1(sum(sm, 'rss') + sum(cm, 'rss')),
      per_supervise_rss_mib: r2(sum(sm, 'rss') / N),
      executables: [...exe],
    };
    say(
      `50 live trees of sleep: supervise processes ${trees.supervise_rss_mib} MiB RSS in all (${[...exe].join(', ')}), with the children ${trees.trees_rss_mib} MiB`,
    );
  } else {
    failed.trees = `${started.filter((r) => r.status === 'rejected').length} of ${N} spawns failed: ${errors[0] ?? ''}`;
  }
  await Promise.all(subs.map((s) => s.close()));

  // 200 sequential and 50 concurrent spawn('true'), after 5 warm-ups; rounds in turn.
  // The floor of any library over this host: child_process starting supervise as spawn()
  // does (status and control on a socketpair as fd 3), without reading a record.
  const [host, ...hostArgs] = superviseCommand();
  const runners: Record<string, () => PromiseLike<unknown>> = {
    supervise: () => spawn('true'),
    execa: () => execa('true'),
    child_process: () => new Promise((r) => cpSpawn('true').on('close', r)),
  };
  const slow = process.env.SUPERVISE_HOST === 'node'; // a Node per spawn: one round, no floor
  if (!slow) {
    runners.child_process_supervise = () =>
      new Promise((r) =>
        cpSpawn(host, [...hostArgs, '--status-fd', '3', '--control-fd', '3', '--', 'true'], {
          stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
        }).on('close', r),
      );
  }
  const SEQ = 200,
    CONC = 50;
  const seq: Record<string, number[]> = {},
    conc: Record<string, number[]> = {};
  for (const [name, run] of Object.entries(runners)) {
    // warm-ups; a runner that fails is left out
    try {
      for (let i = 0; i < 5; i++) await run();
    } catch (e) {
      failed[name === 'supervise' ? 'library' : `library ${name}`] =
        `${(e as Error).message} ${(e as { stderr?: string }).stderr ?? ''}`;
      delete runners[name];
    }
  }
  for (let round = 0; round < 5; round++) {
    for (const [name, run] of Object.entries(runners)) {
      if (slow && name === 'supervise' && round > 0) continue;
      let t = performance.now();
      for (let i = 0; i < SEQ; i++) await settle(run());
      (seq[name] ??= []).push((performance.now() - t) / SEQ);
      t = performance.now();
      await Promise.all(Array.from({ length: CONC }, () => settle(run())));
      (conc[name] ??= []).push(performance.now() - t);
    }
  }
  const timing = Object.fromEntries(
    Object.keys(runners).map((n) => [
      n,
      { sequential_ms_per_spawn: r2(median(seq[n])), concurrent_50_ms: r1(median(conc[n])), rounds: seq[n].length },
    ]),
  );
  say(
    Object.entries(timing)
      .map(
        ([n, v]) =>
          `${n} ${v.sequential_ms_per_spawn} ms/spawn (${SEQ} sequential), ${v.concurrent_50_ms} ms for ${CONC} concurrent`,
      )
      .join('; '),
  );
  console.log(JSON.stringify({ trees_50: trees, ...timing, failed }));
  process.exit(0);
}

if (Object.keys(out).length) writeResults({ side: { ...readResults().side, ...out }, failures });
process.exit(0); // stray handles must not keep the benchmark alive
