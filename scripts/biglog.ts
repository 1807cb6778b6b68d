// A big events log for the viewer: one run of supervise (its `started` entry, the main
// command's `spawned` and exit) and PROCESSES - 1 more processes with overlapping lifetimes,
// names, start times, process groups and sessions (about 8% escaped into a session of their
// own, 4% into a process group of their own), ended every way there is; half of them also
// stopped and continued once. PROCESSES = 50,000 gives 100,000 records (13.6 MB as v1,
// 17.6 MB as v2, 25.6 MB as v3): the size of a 60 s soak. As v3, each reaped process also
// has resources (CPU, peak RSS, faults, context switches: from a PRNG of its own, so the
// rest is the same as v2's) and the processes still alive at the end were killed at
// tear-down. Encoded by the codec (encodeStatus, encodeEventsLog); deterministic for a seed.
//
//   node --import tsx scripts/biglog.ts OUT [PROCESSES] [--v1|--v3]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeEventsLog, encodeStatus, type EventsLogEntry, type ProcInfo, type Resources } from '../codec/index.ts';
import { nodeCodec } from '../codec/node.ts';
import {
  CLD_CONTINUED,
  CLD_DUMPED,
  CLD_EXITED,
  CLD_KILLED,
  CLD_STOPPED,
  SIGNO_SUPERVISE,
  SUP_SPAWNED,
  SUP_STARTED,
} from '../assembly/protocol.ts';

export interface BigLog {
  bytes: Uint8Array;
  records: number;
  /** Processes with a pid (supervise's own `started` excluded). */
  processes: number;
  escapees: number;
  /** How many ended each way: "exited 0", "killed SIGKILL", ... */
  ends: Record<string, number>;
  /** The main command's pid and name; one escapee's pid and name. */
  main: { pid: number; comm: string };
  escapee: { pid: number; comm: string };
  /** v3: the process with the most CPU time and the one with the largest peak RSS. */
  topCpu: { pid: number; comm: string; cpuUs: number } | null;
  topRss: { pid: number; comm: string; maxRSS: number } | null;
}

const SIGCHLD = 17;
const NAMES = ['sh', 'sleep', 'make', 'cc1', 'node', 'python3', 'worker', 'curl', 'git', 'sort'];
const ENDINGS: Array<[number, number, number, string]> = [
  // [share, si_code, si_status, text]
  [0.7, CLD_EXITED, 0, 'exited 0'],
  [0.06, CLD_EXITED, 1, 'exited 1'],
  [0.04, CLD_EXITED, 3, 'exited 3'],
  [0.12, CLD_KILLED, 9, 'killed SIGKILL'],
  [0.05, CLD_KILLED, 15, 'killed SIGTERM'],
  [0.03, CLD_DUMPED, 11, 'dumped SIGSEGV'],
];

/** mulberry32: a small deterministic PRNG in [0, 1). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function bigLog(processes = 50_000, version: 1 | 2 | 3 = 2, seed = 12): BigLog {
  const codec = nodeCodec();
  const rnd = random(seed);
  const cost = random(seed + 1);
  let topCpu: BigLog['topCpu'] = null;
  let topRss: BigLog['topRss'] = null;
  /** What process pid (comm) cost in its life (µs): mostly little, a few a lot. */
  const resources = (pid: number, comm: string, life: number): Resources => {
    const user = Math.floor(cost() ** 4 * life);
    const system = Math.floor(cost() ** 2 * 0.1 * (life - user));
    const maxRSS = 1024 + Math.floor(cost() ** 6 * 4_000_000);
    if (!topCpu || user + system > topCpu.cpuUs) topCpu = { pid, comm, cpuUs: user + system };
    if (!topRss || maxRSS > topRss.maxRSS) topRss = { pid, comm, maxRSS };
    return {
      userCPUTime: user,
      systemCPUTime: system,
      maxRSS,
      minorPageFault: 100 + Math.floor(maxRSS / 4),
      majorPageFault: Math.floor(cost() ** 8 * 50),
      voluntaryContextSwitches: Math.floor(cost() * 2000),
      involuntaryContextSwitches: Math.floor(cost() ** 2 * 500),
      fsRead: 0,
      fsWrite: Math.floor(cost() * 64),
    };
  };
  const t0 = Date.UTC(2026, 11, 1, 9, 0, 0) * 1000; // µs
  const SUP = 4000;
  const sup: ProcInfo = { comm: 'supervise', start: t0 - 2000, ppid: 3999, pgid: SUP, sid: 3990 };
  const entries: EventsLogEntry[] = [];
  const rec = (code: number, pid: number, status = 0, signo = SIGCHLD) =>
    encodeStatus(codec, { signo, code, pid, status, uid: 1000 });
  entries.push({ time: t0, record: rec(SUP_STARTED, SUP, 0, SIGNO_SUPERVISE), proc: sup });
  const ends: Record<string, number> = {};
  let escapees = 0;
  const span = processes * 1200; // µs: about 830 processes start per second
  const main: ProcInfo = { comm: 'make', start: t0 + 500, ppid: SUP, pgid: SUP, sid: sup.sid };
  const mainPid = SUP + 1;
  entries.push({ time: t0 + 800, record: rec(SUP_SPAWNED, mainPid, 0, SIGNO_SUPERVISE), proc: main });
  entries.push({
    time: t0 + span + 400_000,
    record: rec(CLD_EXITED, mainPid),
    proc: main,
    ...(version === 3 ? { resources: resources(mainPid, main.comm, span) } : {}),
  });
  ends['exited 0'] = 1;
  let escapee = { pid: 0, comm: '' };
  for (let i = 1; i < processes; i++) {
    const pid = SUP + 1 + i;
    const start = t0 + 1000 + Math.floor((i / processes) * span + rnd() * 800);
    const life = Math.floor(200 + rnd() ** 3 * 8_000_000); // mostly short, a few seconds long
    const r = rnd();
    const own = r < 0.08 ? 'session' : r < 0.12 ? 'group' : null;
    const comm = `${NAMES[i % NAMES.length]}${i % 7 === 0 ? `-${i}` : ''}`.slice(0, 15);
    const proc: ProcInfo = {
      comm,
      start,
      ppid: i % 5 === 0 ? 1 : mainPid,
      pgid: own ? pid : SUP,
      sid: own === 'session' ? pid : sup.sid,
    };
    if (own) {
      escapees++;
      if (!escapee.pid) escapee = { pid, comm };
    }
    let pick = rnd();
    const ending = ENDINGS.find(([share]) => (pick -= share) < 0) ?? ENDINGS[0];
    ends[ending[3]] = (ends[ending[3]] ?? 0) + 1;
    if (i % 2 === 0 && i < processes - 1) {
      entries.push({ time: start + Math.floor(life / 3), record: rec(CLD_STOPPED, pid, 19), proc });
      entries.push({ time: start + Math.floor(life / 2), record: rec(CLD_CONTINUED, pid, 18), proc });
    }
    const reap: EventsLogEntry = { time: start + life, record: rec(ending[1], pid, ending[2]), proc };
    if (version === 3) {
      reap.resources = resources(pid, comm, life);
      if (ending[3] === 'killed SIGKILL' && start + life > t0 + span + 400_000) reap.flags = { killedAtTeardown: true };
    }
    entries.push(reap);
  }
  // Written in the order of their times, as supervise appends them.
  entries.sort((a, b) => a.time - b.time);
  return {
    bytes: encodeEventsLog(entries, version),
    records: entries.length,
    processes,
    escapees: version >= 2 ? escapees : 0,
    ends,
    main: { pid: mainPid, comm: main.comm },
    escapee,
    topCpu,
    topRss,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [out, n] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!out) {
    process.stderr.write('usage: node --import tsx scripts/biglog.ts OUT [PROCESSES] [--v1]\n');
    process.exit(2);
  }
  const log = bigLog(Number(n ?? 50_000), process.argv.includes('--v1') ? 1 : process.argv.includes('--v3') ? 3 : 2);
  writeFileSync(out, log.bytes);
  process.stdout.write(
    `${out}: ${log.records} records, ${log.processes} processes, ${log.escapees} escapees, ${log.bytes.length} bytes\n`,
  );
}
