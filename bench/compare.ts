// The same scenarios with child_process, execa, nano-spawn, tinyexec and supervise's
// library: how many processes of an escape-set tree survive, how long `await` takes when
// grandchildren hold the pipes, and the overhead per spawn (sequential `true`); then the
// features table (bench/features.ts: each cell from a run), and the goals against execa in
// the same run: per spawn and 50 concurrent <= 1.0x, the three-stage pipeline
// `seq 1e6 | grep 7 | wc -l` <= 1.2x.
// Usage: node --import tsx bench/compare.ts [SPAWNS=200] [survivors|features|goals]...
// (all three parts when none is named)
import { spawn as cpSpawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childProcessPipeline, featureRows, LIBS } from './features.ts';
import { RUNNERS, type Run } from './runners.ts';
import { ROOT, alive, killQuietly, sleep, until } from '../test/procs.ts';

// Main child + 5 escapees (background, nested background, nohup, setsid, double fork),
// each writing its pid to $PIDFILE; the main child sleeps (or exits, with EXIT=1).
const TREE = [
  'echo $$ >> "$PIDFILE"',
  'sleep 9.71 & echo $! >> "$PIDFILE"',
  '(sleep 9.72 & echo $! >> "$PIDFILE")',
  'nohup sleep 9.73 >/dev/null 2>&1 & echo $! >> "$PIDFILE"',
  'setsid sleep 9.74 & echo $! >> "$PIDFILE"',
  `sh -c 'sleep 9.75 & echo $! >> "$PIDFILE"'`,
  'echo ready >> "$PIDFILE"',
  '[ -n "$EXIT" ] && exit 0',
  'sleep 9.76',
].join('\n');
const TREE_SIZE = 6;
const SPAWNS = Number(process.argv[2] ?? 200);
const PARTS = new Set(process.argv.slice(3));
const part = (name: string) => PARTS.size === 0 || PARTS.has(name);

const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-compare-'));
let serial = 0;

function pidFile(): { file: string; pids: () => number[]; ready: () => boolean } {
  const file = path.join(dir, `pids-${serial++}`);
  const text = () => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    file,
    pids: () =>
      text()
        .split('\n')
        .filter((l) => /^\d+$/.test(l))
        .map(Number),
    ready: () => text().includes('ready'),
  };
}

/** Runs one scenario and returns the survivors (killed afterwards) and the await time. */
async function scenario(lib: string, how: string): Promise<{ survivors: number; awaitMs: number }> {
  const pf = pidFile();
  const env = { ...process.env, PIDFILE: pf.file, ...(how === 'main exits' ? { EXIT: '1' } : {}) };
  const ac = new AbortController();
  let parent: ReturnType<typeof cpSpawn> | undefined;
  let run: Run | undefined;
  if (how === 'parent SIGKILL') {
    parent = cpSpawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/parent.ts'), lib, TREE], {
      env,
      stdio: 'ignore',
    });
  } else {
    run = RUNNERS[lib](TREE, { env, timeout: how === 'timeout' ? 1000 : undefined, signal: ac.signal });
  }
  await until(pf.ready, 20_000, `${lib}: the tree`);
  const t = Date.now();
  if (how === 'kill()') run!.kill();
  if (how === 'AbortSignal') ac.abort();
  if (how === 'parent SIGKILL') parent!.kill('SIGKILL');
  let awaitMs = NaN;
  if (run) {
    const settled = await Promise.race([run.done.then(() => true), sleep(5000).then(() => false)]);
    awaitMs = settled ? Date.now() - t : Infinity;
  }
  await sleep(500);
  const pids = pf.pids();
  const survivors = pids.filter(alive);
  for (const p of pids) killQuietly(p);
  if (run?.close) await run.close();
  await run?.done;
  return { survivors: survivors.length, awaitMs };
}

async function overhead(lib: string): Promise<number> {
  const run = RUNNERS[lib] as (s: string, o: object) => Run;
  for (let i = 0; i < 5; i++) await run('true', {}).done; // warm-up
  const t = process.hrtime.bigint();
  for (let i = 0; i < SPAWNS; i++) await run('true', {}).done;
  return Number(process.hrtime.bigint() - t) / 1e6 / SPAWNS;
}

const SCENARIOS = ['kill()', 'timeout', 'AbortSignal', 'main exits', 'parent SIGKILL'];
const rows: string[][] = [];
for (const lib of part('survivors') ? Object.keys(RUNNERS) : []) {
  const row = [lib];
  for (const how of SCENARIOS) {
    const r = await scenario(lib, how);
    row.push(
      how === 'main exits'
        ? `${r.survivors}/${TREE_SIZE} (await ${Number.isFinite(r.awaitMs) ? `${r.awaitMs} ms` : '> 5 s'})`
        : `${r.survivors}/${TREE_SIZE}`,
    );
  }
  row.push(`${(await overhead(lib)).toFixed(2)} ms`);
  rows.push(row);
  process.stderr.write(`${row.join(' | ')}\n`);
}
rmSync(dir, { recursive: true, force: true });

const head = ['library', ...SCENARIOS.map((s) => `survivors: ${s}`), `per spawn (${SPAWNS}× \`true\`)`];
const table = (h: string[], rs: string[][]) =>
  [`| ${h.join(' | ')} |`, `|${h.map(() => '---').join('|')}|`, ...rs.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const features = part('features') ? await featureRows() : undefined;
const goals = part('goals') ? await goalRows() : undefined;

if (rows.length) console.log(table(head, rows));
if (features) {
  console.log(`\n${table(features.head, features.rows)}`);
  console.log("\nEach cell from a run (none by hand), in execa's words:");
  for (const h of features.how) console.log(`- ${h}`);
}
if (goals) console.log(`\n${table(goals.head, goals.rows)}\n\n${goals.note}`);
console.log(
  `\nnode ${process.version}, ${os.cpus().length} CPUs, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

/** Median of numbers. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The goals against execa, rounds interleaved so a change of load hits both alike:
 *  SPAWNS sequential and 50 concurrent `sh -c true` (RUNNERS, as the survivors table), and
 *  `seq 1000000 | grep 7 | wc -l` through each library's .pipe() (child_process: each
 *  stage's stdin the previous stdout, the floor). Every pipeline's output is checked. */
async function goalRows(): Promise<{ head: string[]; rows: string[][]; note: string }> {
  const ROUNDS = 5,
    CONC = 50,
    PIPES = 4;
  const STAGES: Array<[string, string[]]> = [
    ['seq', ['1000000']],
    ['grep', ['7']],
    ['wc', ['-l']],
  ];
  const expected = '468559';
  const pipeline = (lib: string): Promise<unknown> => {
    if (lib === 'child_process') return childProcessPipeline(STAGES);
    type Pipeable = PromiseLike<unknown> & { pipe(f: string, a: string[]): Pipeable };
    let sub = LIBS[lib].start(...STAGES[0]) as Pipeable;
    for (const [file, args] of STAGES.slice(1)) sub = sub.pipe(file, args);
    return Promise.resolve(sub).then((r) => (typeof r === 'string' ? r : (r as { stdout: string }).stdout));
  };
  const libs = Object.keys(RUNNERS);
  const seq: Record<string, number[]> = {},
    conc: Record<string, number[]> = {},
    pipe: Record<string, number[]> = {};
  for (const lib of libs) {
    const out = String(await pipeline(lib)).trim(); // also a warm-up
    if (out !== expected) throw new Error(`${lib}: the pipeline gave ${out}, not ${expected}`);
  }
  // The machine's load drifts within seconds: every library in turn at a fine grain (blocks
  // of BLOCK sequential spawns, one batch of CONC, one pipeline), medians over the rounds.
  const time = async (xs: Record<string, number[]>, lib: string, f: () => Promise<unknown>) => {
    const t = performance.now();
    await f();
    (xs[lib] ??= []).push(performance.now() - t);
  };
  const BLOCK = 20;
  for (let round = 0; round < ROUNDS; round++) {
    const block: Record<string, number[]> = {};
    for (let b = 0; b < SPAWNS / BLOCK; b++) {
      for (const lib of libs) {
        await time(block, lib, async () => {
          for (let i = 0; i < BLOCK; i++) await RUNNERS[lib]('true', {}).done;
        });
      }
    }
    for (const lib of libs) (seq[lib] ??= []).push(block[lib].reduce((a, x) => a + x, 0) / SPAWNS);
    for (let i = 0; i < 2; i++) {
      for (const lib of libs) {
        await time(conc, lib, () => Promise.all(Array.from({ length: CONC }, () => RUNNERS[lib]('true', {}).done)));
      }
    }
    for (let i = 0; i < PIPES; i++) for (const lib of libs) await time(pipe, lib, () => pipeline(lib));
  }
  const fig = (xs: Record<string, number[]>, lib: string) => median(xs[lib]);
  const goal = (what: string, xs: Record<string, number[]>, max: number, unit: string) => {
    const ratio = fig(xs, 'supervise') / fig(xs, 'execa');
    return [
      what,
      ...libs.map((l) => `${fig(xs, l).toFixed(2)} ${unit}`),
      `${ratio.toFixed(2)}x`,
      `<= ${max.toFixed(1)}x`,
      ratio <= max ? 'met' : 'not met',
    ];
  };
  return {
    head: ['goal (median)', ...libs, 'supervise / execa', 'goal', 'met?'],
    rows: [
      goal(`per spawn (${SPAWNS} sequential \`sh -c true\`)`, seq, 1.0, 'ms'),
      goal(`${CONC} concurrent \`sh -c true\``, conc, 1.0, 'ms'),
      goal('`seq 1000000 \\| grep 7 \\| wc -l` (three .pipe() stages)', pipe, 1.2, 'ms'),
    ],
    note: `${ROUNDS} rounds; in each, every library in turn for each block of ${BLOCK} sequential spawns, each batch of ${CONC} (2 a round) and each pipeline (${PIPES} a round); medians: of the ${ROUNDS} rounds' means per spawn, of ${ROUNDS * 2} batches, of ${ROUNDS * PIPES} pipelines. child_process: stdio from stage to stage, no library.`,
  };
}
