// A real run of `supervise --events FILE -- sh -c ...` (the host under test: test/procs.ts
// SUPERVISE) whose tree has a member that left the session (setsid) and one forked by a
// subshell that exits (a double fork: an orphan supervise adopts), each under a name of its
// own (links to sleep: comm is the name exec'd). The command waits until the test has seen
// both running under those names, then exits 0; supervise kills the two. Bounded: 10 s per
// wait; every pid is killed and the directory removed by cleanup().
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SUPERVISE, killQuietly, until, within } from './procs.ts';

export interface RealRun {
  /** The events log. */
  file: string;
  bytes: Uint8Array;
  /** supervise's pid, and the members': the setsid one, the double-forked one. */
  supervisePid: number;
  escapee: number;
  doubleForked: number;
  /** The test's clock (µs since the epoch) before supervise started and after it exited. */
  before: number;
  after: number;
  exitCode: number | null;
  cleanup(): void;
}

export const ESCAPEE = 'escapee';
export const DOUBLE_FORKED = 'dbl-forked';

export async function realRun(): Promise<RealRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-run-'));
  const file = path.join(dir, 'run.supv');
  const sleepBin = spawnSync('sh', ['-c', 'command -v sleep']).stdout.toString().trim();
  for (const name of [ESCAPEE, DOUBLE_FORKED]) symlinkSync(sleepBin, path.join(dir, name));
  const script = [
    `cd ${dir}`,
    `setsid ./${ESCAPEE} 31.7 & echo $! > escapee.pid`, // its own session (and group)
    `(./${DOUBLE_FORKED} 31.8 & echo $! > dbl.pid)`, // forked by a subshell that exits: an orphan
    'read x; exit 0', // until the test has seen both running (EOF)
  ].join('\n');
  const before = Date.now() * 1000;
  const p = spawn(SUPERVISE, ['--events', file, '--', 'sh', '-c', script], { stdio: ['pipe', 'ignore', 'inherit'] });
  const exited = new Promise<number | null>((r) => p.on('exit', r));
  const pids: number[] = [];
  const cleanup = () => {
    for (const pid of pids) killQuietly(pid);
    p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const comm = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        return '';
      }
    };
    const pidIn = (f: string) => (existsSync(path.join(dir, f)) ? Number(readFileSync(path.join(dir, f), 'utf8')) : 0);
    await until(
      () => {
        if (pids.length === 0 && pidIn('escapee.pid') && pidIn('dbl.pid'))
          pids.push(pidIn('escapee.pid'), pidIn('dbl.pid'));
        return pids.length === 2 && comm(pids[0]) === ESCAPEE && comm(pids[1]) === DOUBLE_FORKED;
      },
      10_000,
      'both members running under their names',
    );
    p.stdin.end(); // the command exits 0; supervise kills the rest of the tree
    const exitCode = await within(exited, 10_000, 'supervise to exit');
    return {
      file,
      bytes: new Uint8Array(readFileSync(file)),
      supervisePid: p.pid!,
      escapee: pids[0],
      doubleForked: pids[1],
      before,
      after: (Date.now() + 1) * 1000, // Date.now() is whole ms: the end of this one
      exitCode,
      cleanup,
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}
