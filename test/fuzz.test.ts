// Fuzzing the codec with fast-check, for FUZZ_SECONDS in all (default 3 here; `make fuzz`
// gives it 60). A failing input is shrunk, saved as test/fixtures/fuzz-<property>-<seed>.json
// and then replayed by every run (suite "regressions"), so it stays fixed.
// Real siginfo bytes come from the shim (spawn + waitid): no child_process in this file.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeCodec } from '../codec/node.ts';
import { loadShim } from '../cli/shim.ts';
import {
  DecodeError,
  StreamDecoder,
  decodeAll,
  encodeControl,
  encodeEventsLog,
  encodeStatus,
  signalName,
  type CodecExports,
  type StatusEvent,
} from '../codec/index.ts';
import { P_PID, WEXITED, WSTOPPED, WCONTINUED } from '../assembly/protocol.ts';
import { ROOT } from './procs.ts';
import {
  concatBytes,
  decodeStatusRef,
  encodeControlRef,
  encodeStatusRef,
  statusKindRef,
  type StatusFields,
} from './helpers.ts';

const SECONDS = Number(process.env.FUZZ_SECONDS || 3);
const FIXTURES = path.join(ROOT, 'test/fixtures');
const codec = nodeCodec();

// --- inputs

const plain = { noNullPrototype: true } as const;
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const ticks = fc.bigInt({ min: 0n, max: 2n ** 63n - 1n });
/** Records a correct writer can produce, of every kind. */
const validFields: fc.Arbitrary<StatusFields> = fc.oneof(
  fc.record(
    {
      signo: fc.constant(17),
      errno: fc.constant(0),
      code: fc.constant(1),
      pid: fc.integer({ min: 1, max: 0x7fffffff }),
      uid: int32,
      status: fc.integer({ min: 0, max: 255 }),
      utime: ticks,
      stime: ticks,
    },
    plain,
  ),
  fc.record(
    {
      signo: fc.constant(17),
      errno: fc.constant(0),
      code: fc.constantFrom(2, 3, 5, 6),
      pid: fc.integer({ min: 1, max: 0x7fffffff }),
      uid: int32,
      status: fc.integer({ min: 1, max: 64 }),
      utime: ticks,
      stime: ticks,
    },
    plain,
  ),
  fc.record(
    {
      signo: fc.constant(17),
      errno: fc.constant(0),
      code: fc.constant(4),
      pid: fc.integer({ min: 1, max: 0x7fffffff }),
      uid: int32,
      status: fc
        .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 64 }))
        .map(([ev, s]) => (ev << 8) | s),
      utime: ticks,
      stime: ticks,
    },
    plain,
  ),
  fc.record(
    {
      signo: fc.constant(0),
      errno: fc.constant(0),
      code: fc.constant(0x5301),
      pid: fc.integer({ min: 1, max: 0x7fffffff }),
      uid: int32,
      status: int32,
      utime: fc.constant(0n),
      stime: fc.constant(0n),
    },
    plain,
  ),
  fc.record(
    {
      signo: fc.constant(0),
      errno: fc.integer({ min: 1, max: 4095 }),
      code: fc.constant(0x5302),
      pid: fc.constant(0),
      uid: int32,
      status: int32,
      utime: fc.constant(0n),
      stime: fc.constant(0n),
    },
    plain,
  ),
);
/** 128 bytes near the valid ones: a valid record with a few bytes overwritten. */
const nearRecord = fc
  .tuple(validFields, fc.array(fc.tuple(fc.nat(127), fc.nat(255)), { maxLength: 3 }))
  .map(([f, edits]) => {
    const b = encodeStatusRef(f);
    for (const [i, v] of edits) b[i] = v;
    return b;
  });
/** A stream: raw records or an events log, whole or with garbage; `cuts` split it. */
const stream = fc
  .tuple(
    fc.array(fc.oneof(nearRecord, validFields.map(encodeStatusRef)), { maxLength: 12 }),
    fc.boolean(),
    fc.uint8Array({ maxLength: 150 }),
    fc.array(fc.nat(), { maxLength: 8 }),
  )
  .map(([records, events, tail, cuts]) => {
    const body = events
      ? encodeEventsLog(records.map((record, i) => ({ time: 1.7e15 + i * 1000, record })))
      : concatBytes(records);
    const bytes = concatBytes([body, tail.length % 3 === 0 ? tail : new Uint8Array(0)]);
    return { bytes, cuts: [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b) };
  });

// --- what must hold

const fieldsOf = (e: StatusEvent): StatusFields => ({
  signo: e.signo,
  errno: e.errno,
  code: e.code,
  pid: e.pid,
  uid: e.uid,
  status: e.status,
  utime: BigInt(e.utime),
  stime: BigInt(e.stime),
});

/** Decodes bytes cut at `cuts`: the records, then the error (if any), as one JSON. */
function decodeSplit(c: CodecExports, bytes: Uint8Array, cuts: number[], format: 'auto' | 'control' = 'auto'): string {
  const d = new StreamDecoder(c, format);
  const out: unknown[] = [];
  let from = 0;
  try {
    for (const cut of [...cuts, bytes.length]) {
      out.push(...d.push(bytes.subarray(from, cut)));
      from = cut;
    }
    d.end();
    return JSON.stringify({ out, error: null });
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    out.push(...((err as DecodeError & { records: unknown[] }).records ?? []));
    return JSON.stringify({ out, error: err.message });
  }
}

interface Property {
  name: string;
  arb: fc.Arbitrary<unknown[]>;
  check: (...args: never[]) => void;
  runs?: number;
}

const PROPERTIES: Property[] = [
  {
    name: 'arbitrary-bytes',
    // Anything: decoding ends in records and at most a DecodeError, never a trap or another throw.
    arb: fc.tuple(fc.uint8Array({ maxLength: 3000 }), fc.constantFrom('auto', 'control', 'events')),
    check: (bytes: Uint8Array, how: string) => {
      const input = how === 'events' ? concatBytes([encodeEventsLog([]), bytes]) : bytes;
      const r = decodeAll(codec, input, how === 'control' ? 'control' : 'auto');
      if (r.error) assert.ok(r.error.offset >= 0 && r.error.offset <= input.length, 'offset in range');
      else if (how === 'control') assert.is(r.records.length, input.length / 8);
    },
  },
  {
    name: 'round-trip',
    // encode (Wasm) == encode (DataView), and decoding gives the fields back; the same
    // for a control record (any int32 pair: the decoder does not judge them).
    arb: fc.tuple(validFields, int32, int32),
    check: (f: StatusFields, pid?: number, sig?: number) => {
      if (pid !== undefined && sig !== undefined) {
        const bytes = encodeControl(codec, pid, sig);
        assert.equal(bytes, encodeControlRef(pid, sig));
        const c = decodeAll(codec, bytes, 'control');
        assert.equal(c.records, [{ offset: 0, pid, signal: sig, signalName: signalName(sig) }]);
      }
      const wasm = encodeStatus(codec, f);
      assert.equal(wasm, encodeStatusRef(f));
      const { records, error } = decodeAll(codec, wasm);
      assert.is(error, null);
      assert.equal(fieldsOf(records[0] as StatusEvent), f);
    },
  },
  {
    name: 'split',
    // Any split of a stream decodes to the same records (and error) as the whole.
    arb: fc.tuple(stream),
    check: ({ bytes, cuts }: { bytes: Uint8Array; cuts: number[] }) => {
      assert.is(decodeSplit(codec, bytes, cuts), decodeSplit(codec, bytes, []));
      assert.is(decodeSplit(codec, bytes, cuts, 'control'), decodeSplit(codec, bytes, [], 'control'));
    },
  },
  {
    name: 'reference',
    // The Wasm decoder agrees with the DataView one in test/helpers.ts, record by record.
    arb: fc.tuple(fc.oneof(nearRecord, fc.uint8Array({ minLength: 128, maxLength: 128 }))),
    check: (bytes: Uint8Array) => {
      const kind = statusKindRef(bytes);
      const { records, error } = decodeAll(codec, bytes);
      if (kind < 0) {
        assert.ok(error && error.offset === 0, `rejected (${kind})`);
        return;
      }
      assert.is(error, null);
      assert.equal(fieldsOf(records[0] as StatusEvent), decodeStatusRef(bytes));
      const e = records[0] as StatusEvent;
      const ref = decodeStatusRef(bytes);
      if (kind === 1) assert.is(e.exitCode, ref.status);
      if (kind >= 2 && kind <= 6 && kind !== 4) assert.is(e.signal, signalName(ref.status));
    },
  },
];

// --- the kernel's own siginfo bytes

const shim = loadShim();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'supervise-fuzz-'));

/** Starts `sh -c script` (in a scratch directory, for core files). */
function start(script: string): number {
  const pid = shim.spawn('/bin/sh', ['sh', '-c', script], null, { cwd: tmp });
  assert.ok(pid > 0, `spawn: ${pid}`);
  return pid;
}

/** waitid(P_PID, pid, ..., options) -> the 128 bytes the kernel wrote, decoded. */
function wait(pid: number, options: number): StatusEvent {
  const info = new Uint8Array(128);
  const r = shim.waitid(P_PID, pid, info, options);
  assert.is(r, 0, `waitid: ${r}`);
  const { records, error } = decodeAll(codec, info);
  assert.is(error, null, `the kernel's record rejected: ${error?.message}`);
  return records[0] as StatusEvent;
}

let dumped = 0;
const FATAL = [1, 2, 9, 10, 12, 13, 14, 15, 26, 27, 34, 40, 64];
const DUMPING = [3, 4, 6, 7, 8, 11, 31];

PROPERTIES.push(
  {
    name: 'kernel-exit',
    runs: 40,
    arb: fc.tuple(fc.integer({ min: 0, max: 255 })),
    check: (code: number) => {
      const pid = start(`exit ${code}`);
      const e = wait(pid, WEXITED);
      assert.equal([e.kind, e.pid, e.exitCode, e.uid], ['exited', pid, code, process.getuid!()]);
    },
  },
  {
    name: 'kernel-kill',
    runs: 30,
    arb: fc.tuple(fc.constantFrom(...FATAL)),
    check: (sig: number) => {
      const pid = start('exec sleep 10');
      shim.kill(pid, sig);
      const e = wait(pid, WEXITED);
      assert.equal([e.kind, e.pid, e.signal, e.status], ['killed', pid, signalName(sig), sig]);
    },
  },
  {
    name: 'kernel-dump',
    runs: 10,
    arb: fc.tuple(fc.constantFrom(...DUMPING)),
    check: (sig: number) => {
      const pid = start(`ulimit -c unlimited; kill -${sig} $$`);
      const e = wait(pid, WEXITED);
      // A core is written only where the system lets it (core_pattern, limits): killed then.
      assert.ok(e.kind === 'dumped' || e.kind === 'killed', e.kind);
      if (e.kind === 'dumped') dumped++;
      assert.equal([e.pid, e.signal], [pid, signalName(sig)]);
    },
  },
  {
    // SIGSTOP only: SIGTSTP, SIGTTIN and SIGTTOU are discarded in an orphaned process
    // group, which is what a test runner without a terminal may give us.
    name: 'kernel-stop-continue',
    runs: 10,
    arb: fc.tuple(fc.constant(19)),
    check: (stop: number) => {
      const pid = start('exec sleep 10');
      try {
        shim.kill(pid, stop);
        const s = wait(pid, WSTOPPED);
        assert.equal([s.kind, s.pid, s.signal], ['stopped', pid, signalName(stop)]);
        shim.kill(pid, 18);
        const c = wait(pid, WCONTINUED);
        assert.equal([c.kind, c.pid, c.signal], ['continued', pid, 'SIGCONT']);
      } finally {
        shim.kill(pid, 9);
        wait(pid, WEXITED);
      }
    },
  },
);

// --- fixtures: save what fails, replay what was saved

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
function toJson(v: unknown): Json {
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('hex') };
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (Array.isArray(v)) return v.map(toJson);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v as Json;
}
function fromJson(v: Json): unknown {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v && typeof v === 'object') {
    if (typeof v.$bytes === 'string') return new Uint8Array(Buffer.from(v.$bytes, 'hex'));
    if (typeof v.$bigint === 'string') return BigInt(v.$bigint);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJson(x)]));
  }
  return v;
}

const run = (p: Property, args: unknown[]) => (p.check as (...a: unknown[]) => void)(...args);

// ---
const Regressions = suite('regressions (test/fixtures/fuzz-*.json)');
for (const file of readdirSync(FIXTURES)
  .filter((f) => /^fuzz-.*\.json$/.test(f))
  .sort()) {
  Regressions(`should pass ${file}`, () => {
    const saved = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'));
    const p = PROPERTIES.find((x) => x.name === saved.property);
    assert.ok(p, `no property ${saved.property}`);
    run(p!, fromJson(saved.args) as unknown[]);
  });
}
Regressions.run();

// ---
const Fuzz = suite(`fuzzing for ${SECONDS} s`);
const share = (SECONDS * 1000) / PROPERTIES.length;
for (const p of PROPERTIES) {
  Fuzz(`should hold: ${p.name}`, () => {
    const result = fc.check(
      fc.property(p.arb, (args) => {
        run(p, args);
      }),
      {
        interruptAfterTimeLimit: share,
        numRuns: p.runs ? Math.max(3, Math.round((p.runs * SECONDS) / 3)) : 1_000_000_000,
      },
    );
    if (result.failed && result.counterexample) {
      const file = path.join(FIXTURES, `fuzz-${p.name}-${result.seed}.json`);
      writeFileSync(
        file,
        `${JSON.stringify(
          {
            property: p.name,
            seed: result.seed,
            path: result.counterexamplePath,
            error: String(result.errorInstance ?? ''),
            args: toJson(result.counterexample[0]),
          },
          null,
          1,
        )}\n`,
      );
      assert.unreachable(
        `${p.name} failed; shrunk input saved to ${path.relative(ROOT, file)}:\n${result.errorInstance}`,
      );
    }
    if (process.env.FUZZ_SECONDS) process.stdout.write(` (${p.name}: ${result.numRuns} runs) `);
    assert.ok(!result.failed, `${p.name}: ${result.errorInstance}`);
    assert.ok(result.numRuns > 0, `${p.name}: no run in ${share} ms`);
  });
}
Fuzz('should have seen the kernel dump a core at least once (core_pattern permitting)', () => {
  const pattern = readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim();
  if (pattern === 'core' || pattern.startsWith('core.')) assert.ok(dumped > 0, `no dump in ${pattern}`);
});
Fuzz.after(() => rmSync(tmp, { recursive: true, force: true }));
Fuzz.run();
