// Records a real events log (format v1): runs a small tree under a real protocol-mode
// supervise (test/procs.ts: startTree) and wraps each status record with the time it
// arrived. Stand-in for launch mode's `supervise --events FILE` until that lands: swap
// recordLog() for a run of `supervise --events FILE -- ...` then.
//
//   node --import tsx test/record-log.ts OUT.supv [--raw OUT.bin]
//
// The log opens with a "spawned" record per child the launcher started (written here,
// with the time startTree() was called: what launch mode writes for its child).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTree, until, sleep } from './procs.ts';
import { nodeCodec } from '../codec/node.ts';
import { encodeEventsLog, encodeStatus } from '../codec/index.ts';
import { ERRNO_NAMED } from '../codec/names.ts';
import {
  SIGNO_SUPERVISE,
  SUP_SPAWNED,
  SUP_SPAWN_FAILED,
  STATUS_SIZE,
  SIGNAL_MAX,
  ERRNO_MAX,
  SIGCHLD,
  CLD_KILLED,
} from '../assembly/protocol.ts';
import { encodeStatusRef, concatBytes } from './helpers.ts';

export interface RecordedLog {
  /** The events log (header + entries). */
  events: Uint8Array;
  /** The raw status stream exactly as supervise wrote it (no spawned records). */
  raw: Uint8Array;
  /** The pids of the children started, in the order of COMMANDS. */
  pids: number[];
  /** How many status records supervise wrote. */
  count: number;
}

const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** The tree: one of each ending, with different lifetimes; `long` is ended by a control
 *  record (SIGTERM), the orphan is adopted and reported too. */
export function commands(dir: string): string[] {
  return [
    'sleep 0.30; exit 0',
    'sleep 0.90; exit 3',
    'sleep 0.20; kill -KILL $$',
    `cd ${dir} && ulimit -c unlimited && sleep 0.55 && kill -SEGV $$`,
    'sleep 0.45; kill -TERM $$',
    '(sleep 0.70; exit 7) & echo $! >&3; exit 0',
    'echo $$ >&3; exec sleep 30',
  ];
}
/** Status records the tree produces (7 children + 1 orphan). */
export const EXPECTED_RECORDS = 8;

/** Runs the tree and returns its log. Bounded: ~1.5 s, 10 s at most. */
export async function recordLog(): Promise<RecordedLog> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-log-'));
  const codec = nodeCodec();
  const entries: Array<{ time: number; record: Uint8Array }> = [];
  const chunks: Buffer[] = [];
  let pending = Buffer.alloc(0);
  const started = nowUs(); // the launcher starts the children at once
  const t = await startTree(commands(dir), { paused: true }); // no record read before ours
  try {
    for (const pid of t.children) {
      entries.push({ time: started, record: encodeStatus(codec, { signo: SIGNO_SUPERVISE, code: SUP_SPAWNED, pid }) });
    }
    t.status.on('data', (d: Buffer) => {
      const time = nowUs();
      chunks.push(d);
      pending = Buffer.concat([pending, d]);
      while (pending.length >= STATUS_SIZE) {
        entries.push({ time, record: new Uint8Array(pending.subarray(0, STATUS_SIZE)) });
        pending = pending.subarray(STATUS_SIZE);
      }
    });
    t.resume();
    await sleep(1000);
    t.send(t.children[6], 15);
    await t.waitRecords(EXPECTED_RECORDS, 10_000);
    t.closeControl();
    await until(() => t.proc.exitCode !== null || t.proc.signalCode !== null, 10_000, 'supervise to exit');
    return {
      events: encodeEventsLog(entries),
      raw: new Uint8Array(Buffer.concat(chunks)),
      pids: t.children,
      count: t.records.length,
    };
  } finally {
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out, flag, rawOut] = process.argv.slice(2);
  if (!out) {
    process.stderr.write('usage: record-log.ts OUT.supv [--raw OUT.bin]\n');
    process.exit(2);
  }
  const log = await recordLog();
  writeFileSync(out, log.events);
  if (flag === '--raw' && rawOut) writeFileSync(rawOut, log.raw);
  process.stderr.write(`wrote ${out}: ${log.count} records from supervise, ${log.pids.length} spawned\n`);
  process.exit(0);
}

/** A status stream that names every signal and errno: one "killed" record per signal
 *  1..SIGNAL_MAX (pid 1000 + n), then one "spawn failed" record per errno 1..ERRNO_NAMED and
 *  a few without a name (test/names.test.ts and test/web.test.ts read it through the
 *  library, `supervise decode` and the page). Encoded by the DataView reference. */
export function everyNameStream(): { bytes: Uint8Array; signals: number[]; errnos: number[] } {
  const signals = Array.from({ length: SIGNAL_MAX }, (_, i) => i + 1);
  const errnos = [...Array.from({ length: ERRNO_NAMED }, (_, i) => i + 1), ERRNO_NAMED + 1, 512, ERRNO_MAX];
  const records = [
    ...signals.map((n) => encodeStatusRef({ signo: SIGCHLD, code: CLD_KILLED, pid: 1000 + n, status: n })),
    ...errnos.map((e) => encodeStatusRef({ signo: SIGNO_SUPERVISE, code: SUP_SPAWN_FAILED, errno: e })),
  ];
  return { bytes: concatBytes(records), signals, errnos };
}
