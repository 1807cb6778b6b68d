// A synthetic events log (format v2, what `supervise --events FILE` writes) of any size,
// for the viewer's and the trace export's tests and benchmarks: one run (a `started`
// record for supervise, `spawned` for its command), then processes that start and end
// over the run, each with a name, a start time and its process group and session: most
// stay in the command's, every `escapeEvery`-th left it (setsid: its own session and
// group; or only its own group), and the command's exit last. Deterministic (a seeded
// generator): the same options give the same bytes.
//
//   node --import tsx test/synthetic-log.ts OUT.supv [RECORDS]      (default 100000)
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeEventsLog, type EventsLogEntry, type ProcInfo } from '../codec/index.ts';
import { encodeStatusRef } from './helpers.ts';

export interface SyntheticOptions {
  /** Records in the log (at least 3: started, spawned, the command's exit). */
  records?: number;
  /** Every n-th process escaped (0: none). */
  escapeEvery?: number;
  /** The run's first time, µs since the epoch. */
  startUs?: number;
  /** How long the run lasts, µs. */
  durationUs?: number;
  seed?: number;
}

export interface SyntheticLog {
  bytes: Uint8Array;
  /** Supervise's pid and its command's. */
  supervisePid: number;
  mainPid: number;
  /** The pids of the processes that escaped, in the order of their records. */
  escaped: number[];
  /** Records written (= options.records). */
  count: number;
}

const NAMES = ['sh', 'sleep', 'make', 'cc1', 'node', 'python3', 'ld', 'as', 'git', 'curl', 'sed', 'a-very-long-name'];

/** The log; see the file's comment. */
export function syntheticLog(opts: SyntheticOptions = {}): SyntheticLog {
  const records = Math.max(3, opts.records ?? 100_000);
  const escapeEvery = opts.escapeEvery ?? 97;
  const t0 = opts.startUs ?? Date.UTC(2026, 11, 1, 9, 0, 0) * 1000;
  const duration = opts.durationUs ?? 60_000_000;
  let seed = (opts.seed ?? 12) >>> 0;
  const random = () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const supervisePid = 4000;
  const mainPid = 4001;
  const group = { ppid: 3999, pgid: 3999, sid: 3000 }; // the shell's: supervise and its command share it
  const self: ProcInfo = { comm: 'supervise', start: t0 - 2000, ...group };
  const main: ProcInfo = { comm: 'sh', start: t0 - 1000, ...group, ppid: supervisePid };
  const entries: EventsLogEntry[] = [
    { time: t0, record: encodeStatusRef({ signo: 0, code: 0x5303, pid: supervisePid }), proc: self },
    { time: t0 + 10, record: encodeStatusRef({ signo: 0, code: 0x5301, pid: mainPid }), proc: main },
  ];
  const escaped: number[] = [];
  const n = records - 3;
  // Exits in time order: process i ends at t0 + duration * (i + 1) / (n + 1), started up to 5 s before.
  for (let i = 0; i < n; i++) {
    const pid = 4002 + i;
    const end = t0 + Math.round((duration * (i + 1)) / (n + 1));
    const start = Math.max(t0 - 1000, end - Math.round(random() * 5_000_000));
    const comm = NAMES[Math.floor(random() * NAMES.length)];
    let proc: ProcInfo = { comm, start, ppid: supervisePid, pgid: group.pgid, sid: group.sid };
    if (escapeEvery > 0 && i % escapeEvery === escapeEvery - 1) {
      proc = i % 2 ? { ...proc, pgid: pid, sid: pid } : { ...proc, pgid: pid }; // setsid, or setpgid
      escaped.push(pid);
    }
    const roll = random();
    const record =
      roll < 0.7
        ? encodeStatusRef({ signo: 17, code: 1, pid, status: roll < 0.6 ? 0 : 1 + Math.floor(random() * 3) })
        : roll < 0.9
          ? encodeStatusRef({ signo: 17, code: 2, pid, status: roll < 0.8 ? 9 : 15 })
          : encodeStatusRef({ signo: 17, code: 3, pid, status: 11 });
    entries.push({ time: end, record, proc });
  }
  entries.push({
    time: t0 + duration + 100,
    record: encodeStatusRef({ signo: 17, code: 1, pid: mainPid }),
    proc: main,
  });
  return { bytes: encodeEventsLog(entries), supervisePid, mainPid, escaped, count: entries.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out, count] = process.argv.slice(2);
  if (!out) {
    process.stderr.write('usage: synthetic-log.ts OUT.supv [RECORDS]\n');
    process.exit(2);
  }
  const log = syntheticLog({ records: count ? Number(count) : undefined });
  writeFileSync(out, log.bytes);
  process.stderr.write(
    `wrote ${out}: ${log.count} records, ${log.bytes.length} bytes, ${log.escaped.length} escaped\n`,
  );
}
