// Writes the native fuzzer's seed inputs (fuzz/input.ts) to DIR: the byte strings of the JS
// fuzzer's fixtures (test/fixtures/fuzz-*.json) and the native fuzzer's saved crashes
// (test/fixtures/fuzz-native-*.bin), and a few valid streams made by the codec itself (raw
// status records of every kind, events logs of them (versions 1, 2 and 3), control records),
// whole and cut.
// Usage: node --import tsx fuzz/seeds.ts DIR
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeCodec } from '../codec/node.ts';
import { encodeControl, encodeEventsLog, encodeStatus } from '../codec/index.ts';
import {
  CLD_CONTINUED,
  CLD_DUMPED,
  CLD_EXITED,
  CLD_KILLED,
  CLD_STOPPED,
  CLD_TRAPPED,
  SIGNO_SUPERVISE,
  SUP_SPAWN_FAILED,
  SUP_SPAWNED,
  SUP_STARTED,
  SUP_LAYERS,
  SUP_TOTALS,
} from '../assembly/protocol.ts';
import { frame } from './input.ts';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/', import.meta.url));

/** Every {"$bytes": hex} in a JS fuzzer fixture. */
function fixtureBytes(v: unknown, out: Uint8Array[] = []): Uint8Array[] {
  if (Array.isArray(v)) for (const x of v) fixtureBytes(x, out);
  else if (v && typeof v === 'object') {
    const hex = (v as { $bytes?: unknown }).$bytes;
    if (typeof hex === 'string') out.push(new Uint8Array(Buffer.from(hex, 'hex')));
    else for (const x of Object.values(v)) fixtureBytes(x, out);
  }
  return out;
}

/** The seed inputs, each a framed input of fuzz/input.ts. */
export function seeds(): Uint8Array[] {
  const c = nodeCodec();
  const records = [
    encodeStatus(c, { code: CLD_EXITED, pid: 4242, uid: 1000, status: 3, utime: 12n, stime: 5n }),
    encodeStatus(c, { code: CLD_EXITED, pid: 1, status: 0 }),
    encodeStatus(c, { code: CLD_KILLED, pid: 4243, status: 9 }),
    encodeStatus(c, { code: CLD_DUMPED, pid: 4244, status: 11, utime: 2n ** 62n }),
    encodeStatus(c, { code: CLD_TRAPPED, pid: 4245, status: (5 << 8) | 5 }),
    encodeStatus(c, { code: CLD_STOPPED, pid: 4246, status: 19 }),
    encodeStatus(c, { code: CLD_CONTINUED, pid: 4246, status: 18 }),
    encodeStatus(c, { signo: SIGNO_SUPERVISE, code: SUP_SPAWNED, pid: 4247 }),
    encodeStatus(c, { signo: SIGNO_SUPERVISE, code: SUP_SPAWN_FAILED, errno: 2 }),
    encodeStatus(c, { signo: SIGNO_SUPERVISE, code: SUP_STARTED, pid: 4000 }),
    // layers (subreaper, pid namespace; no leaf: a path of length 0) and totals (all zero)
    encodeStatus(c, { signo: SIGNO_SUPERVISE, code: SUP_LAYERS, pid: 4000, status: 5 }),
    encodeStatus(c, { signo: SIGNO_SUPERVISE, code: SUP_TOTALS, pid: 4000 }),
  ];
  const status = Buffer.concat(records);
  const entries = records.map((record, i) => ({
    time: 1.7e15 + i * 1000,
    record,
    proc: i % 2 ? undefined : { comm: `sleep${i}`, start: 1.7e15 - 5e6, ppid: 4000, pgid: 4000 + i, sid: 4000 },
    // Version 3: what the reaped ones (exited, killed, dumped: the first four) cost.
    resources:
      i < 4
        ? {
            userCPUTime: 120_000 * i,
            systemCPUTime: 5_000,
            maxRSS: 102_400 + i,
            minorPageFault: 25_000,
            majorPageFault: i,
            voluntaryContextSwitches: 3,
            involuntaryContextSwitches: 7 * i,
            fsRead: 8,
            fsWrite: 0,
          }
        : undefined,
    flags: i === 2 ? { killedAtTeardown: true as const, signalled: true as const } : undefined,
  }));
  const events = encodeEventsLog(entries);
  const eventsV2 = encodeEventsLog(entries, 2);
  const eventsV1 = encodeEventsLog(entries, 1);
  const control = Buffer.concat([
    encodeControl(c, 4242, 15),
    encodeControl(c, 4243, 9),
    encodeControl(c, 0, 0),
    encodeControl(c, -1, 64),
  ]);
  const out: Uint8Array[] = [];
  for (const seed of [0, 7, 100]) {
    out.push(frame('status', seed, status), frame('auto', seed, status), frame('control', seed, control));
    out.push(frame('events', seed, events), frame('auto', seed, events), frame('auto', seed, eventsV1));
    out.push(frame('auto', seed, eventsV2));
  }
  out.push(frame('auto', 3, status.subarray(0, 300)), frame('auto', 0, events.subarray(0, 200)));
  for (const file of readdirSync(FIXTURES).sort()) {
    if (/^fuzz-native-.*\.bin$/.test(file)) out.push(readFileSync(path.join(FIXTURES, file)));
    else if (/^fuzz-.*\.json$/.test(file)) {
      for (const bytes of fixtureBytes(JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')))) {
        out.push(frame('auto', 0, bytes), frame('status', 5, bytes));
      }
    }
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: fuzz/seeds.ts DIR');
  mkdirSync(dir, { recursive: true });
  const all = seeds();
  for (const input of all) {
    writeFileSync(path.join(dir, `seed-${createHash('sha1').update(input).digest('hex').slice(0, 12)}`), input);
  }
  process.stdout.write(`fuzz-native: ${all.length} seed inputs in ${dir}\n`);
}
