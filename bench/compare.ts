// The same scenarios with child_process, execa, nano-spawn, tinyexec and supervise's
// library: how many processes of an escape-set tree survive, how long `await` takes when
// grandchildren hold the pipes, and the overhead per spawn (sequential `true`).
// Usage: node --import tsx bench/compare.ts [SPAWNS=200]
import { spawn as cpSpawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
for (const lib of Object.keys(RUNNERS)) {
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
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(
  `\nnode ${process.version}, ${os.cpus().length} CPUs, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
