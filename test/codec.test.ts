// codec.wasm against the DataView reference of test/helpers.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { nodeCodec, wasmFile, wasmModule } from '../codec/node.ts';
import type { CodecExports } from '../codec/index.ts';
import { StreamDecoder, describe, type StatusEvent } from '../codec/index.ts';
import type { CoreExports } from '../cli/wasm.ts';
import type { instantiate as codecBindings } from '../dist/codec.js';
import type { instantiate as coreBindings } from '../dist/core.js';
import {
  STATUS_SIZE,
  CONTROL_SIZE,
  SIGNO_SUPERVISE,
  SUP_SPAWNED,
  SUP_SPAWN_FAILED,
  CLD_EXITED,
  CLD_KILLED,
  CLD_DUMPED,
  CLD_TRAPPED,
  CLD_STOPPED,
  CLD_CONTINUED,
  KIND_EXITED,
  KIND_KILLED,
  KIND_DUMPED,
  KIND_TRAPPED,
  KIND_STOPPED,
  KIND_CONTINUED,
  KIND_SPAWNED,
  KIND_SPAWN_FAILED,
  ERR_SIGNO,
  ERR_CODE,
  ERR_PADDING,
  ERR_PID,
  ERR_ERRNO,
  ERR_EXIT_STATUS,
  ERR_SIGNAL,
  ERR_TIME,
  ERR_LENGTH,
  ERR_FIELD,
} from '../assembly/protocol.ts';
import {
  encodeStatusRef,
  decodeStatusRef,
  encodeControlRef,
  decodeControlRef,
  statusKindRef,
  statusPaddingIsZero,
  concatBytes,
  wasmBytes,
  type StatusFields,
} from './helpers.ts';

type Kind = 'status' | 'control';

/** Feeds `chunks` of one stream through the input buffer: every record, copied out. */
function decodeChunks(codec: CodecExports, kind: Kind, chunks: Uint8Array[]): Uint8Array[] {
  const size = kind === 'status' ? STATUS_SIZE : CONTROL_SIZE;
  const feed = kind === 'status' ? codec.statusFeed : codec.controlFeed;
  const next = kind === 'status' ? codec.statusNext : codec.controlNext;
  const out: Uint8Array[] = [];
  for (const chunk of chunks) {
    new Uint8Array(codec.memory.buffer, codec.inputBuffer(), chunk.length).set(chunk);
    const ready = feed(chunk.length);
    for (let p = next(); p !== 0; p = next()) out.push(wasmBytes(codec.memory, p, size));
    assert.ok(ready >= 0);
  }
  return out;
}

/** Splits bytes at the given (sorted, in-range) offsets. */
function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    parts.push(bytes.subarray(from, cut));
    from = cut;
  }
  return parts;
}

/** The fields the Wasm getters read at p. */
function wasmFields(codec: CodecExports, p: number): StatusFields {
  return {
    signo: codec.statusSigno(p),
    errno: codec.statusErrno(p),
    code: codec.statusCode(p),
    pid: codec.statusPid(p),
    uid: codec.statusUid(p),
    status: codec.statusStatus(p),
    utime: codec.statusUtime(p),
    stime: codec.statusStime(p),
  };
}

/** The KIND_* or ERR_* the Wasm classifier gives a 128-byte record. */
function kindOf(codec: CodecExports, record: Uint8Array): number {
  new Uint8Array(codec.memory.buffer, codec.inputBuffer(), STATUS_SIZE).set(record);
  return codec.statusKind(codec.inputBuffer());
}

const EXITED_3: StatusFields = {
  signo: 17,
  errno: 0,
  code: 1,
  pid: 4242,
  uid: 1000,
  status: 3,
  utime: 12n,
  stime: 34n,
};

/** fast-check's records have a null prototype unless asked; uvu's equal compares prototypes. */
const plain = { noNullPrototype: true } as const;
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const statusFields = fc.record(
  {
    signo: int32,
    errno: int32,
    code: int32,
    pid: int32,
    uid: int32,
    status: int32,
    utime: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    stime: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  },
  plain,
);
/** Records a correct writer can produce, each of every kind. */
const validRecord: fc.Arbitrary<StatusFields> = fc.oneof(
  fc.record(
    {
      signo: fc.constant(17),
      errno: fc.constant(0),
      code: fc.constant(1),
      pid: fc.integer({ min: 1, max: 0x7fffffff }),
      uid: int32,
      status: fc.integer({ min: 0, max: 255 }),
      utime: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
      stime: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
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
      utime: fc.bigInt({ min: 0n, max: 2n ** 40n }),
      stime: fc.bigInt({ min: 0n, max: 2n ** 40n }),
    },
    plain,
  ),
  fc.record(
    {
      signo: fc.constant(0),
      errno: fc.constant(0),
      code: fc.constant(SUP_SPAWNED),
      pid: fc.integer({ min: 1, max: 4194304 }),
      uid: int32,
      status: int32,
      utime: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      stime: fc.constant(0n),
    },
    plain,
  ),
  fc.record(
    {
      signo: fc.constant(0),
      errno: fc.integer({ min: 1, max: 4095 }),
      code: fc.constant(SUP_SPAWN_FAILED),
      pid: fc.constant(0),
      uid: int32,
      status: int32,
      utime: fc.constant(0n),
      stime: fc.constant(0n),
    },
    plain,
  ),
);

// ---

const modules = suite('the codec module');

modules('should import nothing but env.abort', () => {
  for (const imp of WebAssembly.Module.imports(wasmModule('codec'))) {
    assert.equal(`${imp.module}.${imp.name}`, 'env.abort');
  }
});

modules('should let core.wasm import only what assembly/linux.ts declares, and env.abort', () => {
  const declared = readFileSync(new URL('../assembly/linux.ts', import.meta.url), 'utf8');
  const allowed = [...declared.matchAll(/@external\("linux", "(\w+)"\)/g)].map((m) => m[1]);
  assert.ok(allowed.includes('waitid') && allowed.includes('epollWait'), `declared: ${allowed}`);
  const imports = WebAssembly.Module.imports(wasmModule('core'));
  assert.ok(imports.length > 0);
  for (const imp of imports) {
    const ok = (imp.module === 'linux' && allowed.includes(imp.name)) || (imp.module === 'env' && imp.name === 'abort');
    assert.ok(ok, `unexpected import ${imp.module}.${imp.name}`);
  }
});

modules('should type every import of assembly/linux.ts in LinuxImports (cli/wasm.ts), with its arity and i64', () => {
  // linux.ts: `export declare function NAME(a: i32, b: usize): i32;` -> name, arity, result
  const declared = readFileSync(new URL('../assembly/linux.ts', import.meta.url), 'utf8');
  const wasm = new Map<string, { arity: number; result: string }>();
  for (const m of declared.matchAll(/export declare function (\w+)\(([^)]*)\): (\w+);/g)) {
    wasm.set(m[1], { arity: m[2].trim() === '' ? 0 : m[2].split(',').length, result: m[3] });
  }
  assert.ok(wasm.size >= 25, `${wasm.size} imports declared`);
  // LinuxImports, read by the TypeScript compiler: its members, their parameters, bigint results.
  const program = ts.createProgram([fileURLToPath(new URL('../cli/wasm.ts', import.meta.url))], {
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(fileURLToPath(new URL('../cli/wasm.ts', import.meta.url)))!;
  const iface = source.statements.find((n) => ts.isInterfaceDeclaration(n) && n.name.text === 'LinuxImports');
  assert.ok(iface, 'LinuxImports in cli/wasm.ts');
  const typed = new Map<string, { arity: number; bigint: boolean }>();
  for (const member of (iface as ts.InterfaceDeclaration).members) {
    if (!ts.isMethodSignature(member)) continue;
    const sig = checker.getSignatureFromDeclaration(member)!;
    const result = checker.typeToString(checker.getReturnTypeOfSignature(sig));
    typed.set(member.name.getText(source), { arity: member.parameters.length, bigint: result === 'bigint' });
  }
  assert.equal([...typed.keys()].sort(), [...wasm.keys()].sort());
  for (const [name, w] of wasm) {
    assert.is(typed.get(name)!.arity, w.arity, `${name}: arity`);
    assert.is(typed.get(name)!.bigint, w.result === 'i64', `${name}: ${w.result} result`);
  }
});

// The export types asc generates (asconfig.json "bindings": "raw": dist/codec.d.ts,
// dist/core.d.ts) against the interfaces the TypeScript side uses: tsc (make check) fails
// here when an export is missing, extra, or of another signature on either side.
type Generated<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;
type CodecGenerated = Generated<typeof codecBindings>;
type CoreGenerated = Pick<Generated<typeof coreBindings>, keyof CoreExports>;
export const exportTypesAgree: Array<
  (a: CodecGenerated, b: CodecExports, c: CoreGenerated, d: CoreExports) => unknown
> = [
  (a, b) => {
    const x: CodecExports = a;
    const y: CodecGenerated = b;
    return [x, y];
  },
  (_a, _b, c, d) => {
    const x: CoreExports = c;
    const y: CoreGenerated = d;
    return [x, y];
  },
];

modules('should export exactly what the asc-generated types of codec.wasm declare', () => {
  const declared = readFileSync(new URL('../dist/codec.d.ts', import.meta.url), 'utf8');
  const names = [...declared.matchAll(/export (?:function|const) (\w+)/g)].map((m) => m[1]).sort();
  const exported = WebAssembly.Module.exports(wasmModule('codec'))
    .map((e) => e.name)
    .sort();
  assert.equal(exported, names);
});

modules('should declare a maximum memory in both modules', () => {
  for (const name of ['codec', 'core'] as const) {
    const limits = memoryLimits(readFileSync(wasmFile(name)));
    assert.ok(limits, `${name}.wasm defines a memory`);
    assert.ok(limits!.maximum !== undefined, `${name}.wasm declares a maximum`);
    assert.ok(limits!.maximum! <= 512, `${name}.wasm maximum is ${limits!.maximum} pages`);
  }
});

modules('should export the documented functions', () => {
  const names = WebAssembly.Module.exports(wasmModule('codec'))
    .map((e) => e.name)
    .sort();
  assert.equal(names, [
    'controlFeed',
    'controlNext',
    'controlPending',
    'controlPid',
    'controlReset',
    'controlSignal',
    'encodeControl',
    'encodeStatus',
    'inputBuffer',
    'inputCapacity',
    'memory',
    'statusCode',
    'statusErrno',
    'statusFeed',
    'statusKind',
    'statusNext',
    'statusPending',
    'statusPid',
    'statusReset',
    'statusSigno',
    'statusStatus',
    'statusStime',
    'statusUid',
    'statusUtime',
  ]);
});

/** The limits of the module's own memory (section 5), read from the binary. */
function memoryLimits(bytes: Uint8Array): { initial: number; maximum?: number } | undefined {
  let at = 8;
  const leb = () => {
    let result = 0,
      shift = 0,
      b: number;
    do {
      b = bytes[at++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return result;
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 5) {
      leb(); // count
      const flags = leb();
      const initial = leb();
      return flags & 1 ? { initial, maximum: leb() } : { initial };
    }
    at = end;
  }
  return undefined;
}

// ---

const roundTrip = suite('round trips against the DataView reference');

roundTrip('should encode a status record the reference decodes field by field', () => {
  const codec = nodeCodec();
  const f = EXITED_3;
  const p = codec.encodeStatus(f.signo, f.errno, f.code, f.pid, f.uid, f.status, f.utime, f.stime);
  const bytes = wasmBytes(codec.memory, p, STATUS_SIZE);
  assert.equal(decodeStatusRef(bytes), f);
  assert.ok(statusPaddingIsZero(bytes));
  assert.equal(bytes, encodeStatusRef(f));
});

roundTrip('should zero the padding even after a record with garbage was read', () => {
  const codec = nodeCodec();
  const dirty = new Uint8Array(STATUS_SIZE).fill(0xff);
  decodeChunks(codec, 'status', [dirty]);
  const p = codec.encodeStatus(17, 0, 2, 7, 0, 9, 0n, 0n);
  assert.ok(statusPaddingIsZero(wasmBytes(codec.memory, p, STATUS_SIZE)));
});

roundTrip('should decode a status record the reference encoded field by field', () => {
  const codec = nodeCodec();
  const bytes = encodeStatusRef(EXITED_3);
  new Uint8Array(codec.memory.buffer, codec.inputBuffer(), STATUS_SIZE).set(bytes);
  assert.is(codec.statusFeed(STATUS_SIZE), 1);
  const p = codec.statusNext();
  assert.is.not(p, 0);
  assert.equal(wasmFields(codec, p), EXITED_3);
  assert.is(codec.statusKind(p), KIND_EXITED);
  assert.is(codec.statusNext(), 0);
});

roundTrip('should round-trip control records both ways', () => {
  const codec = nodeCodec();
  for (const [pid, sig] of [
    [1234, 15],
    [-1, 9],
    [-0x80000000, 0x7fffffff],
    [0, 0],
  ]) {
    const p = codec.encodeControl(pid, sig);
    assert.equal(decodeControlRef(wasmBytes(codec.memory, p, CONTROL_SIZE)), { pid, signal: sig });
    const [rec] = decodeChunks(codec, 'control', [encodeControlRef(pid, sig)]);
    assert.equal(decodeControlRef(rec), { pid, signal: sig });
  }
});

roundTrip('should give every field of any record the same value as the reference', () => {
  const codec = nodeCodec();
  fc.assert(
    fc.property(statusFields, (f) => {
      const p = codec.encodeStatus(f.signo, f.errno, f.code, f.pid, f.uid, f.status, f.utime, f.stime);
      assert.equal(decodeStatusRef(wasmBytes(codec.memory, p, STATUS_SIZE)), f);
      const [rec] = decodeChunks(codec, 'status', [encodeStatusRef(f)]);
      assert.equal(decodeStatusRef(rec), f);
      new Uint8Array(codec.memory.buffer, codec.inputBuffer(), STATUS_SIZE).set(encodeStatusRef(f));
      assert.equal(wasmFields(codec, codec.inputBuffer()), f);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(int32, int32, (pid, sig) => {
      const p = codec.encodeControl(pid, sig);
      assert.is(codec.controlPid(p), pid);
      assert.is(codec.controlSignal(p), sig);
      assert.equal(decodeControlRef(wasmBytes(codec.memory, p, CONTROL_SIZE)), { pid, signal: sig });
    }),
    { numRuns: 500 },
  );
});

roundTrip('should classify every valid record as valid and keep its fields', () => {
  const codec = nodeCodec();
  fc.assert(
    fc.property(validRecord, (f) => {
      const p = codec.encodeStatus(f.signo, f.errno, f.code, f.pid, f.uid, f.status, f.utime, f.stime);
      const kind = codec.statusKind(p);
      assert.ok(kind > 0, `kind ${kind} for ${JSON.stringify(f, (_, v) => (typeof v === 'bigint' ? `${v}` : v))}`);
      assert.is(kind, statusKindRef(wasmBytes(codec.memory, p, STATUS_SIZE)));
      const [rec] = decodeChunks(codec, 'status', [wasmBytes(codec.memory, p, STATUS_SIZE)]);
      assert.equal(decodeStatusRef(rec), f);
    }),
    { numRuns: 500 },
  );
});

// ---

const streams = suite('stream reassembly');

const threeStatus = [
  encodeStatusRef(EXITED_3),
  encodeStatusRef({ signo: 17, code: 2, pid: 77, status: 9, utime: 1n }),
  encodeStatusRef({ signo: 0, code: SUP_SPAWNED, pid: 4243 }),
];
const fourControl = [
  encodeControlRef(10, 15),
  encodeControlRef(-1, 9),
  encodeControlRef(11, 0),
  encodeControlRef(12, 64),
];

streams('should decode status records split at every byte boundary', () => {
  const whole = concatBytes(threeStatus);
  for (let cut = 0; cut <= whole.length; cut++) {
    const codec = nodeCodec();
    assert.equal(decodeChunks(codec, 'status', splitAt(whole, [cut])), threeStatus, `cut at ${cut}`);
    assert.is(codec.statusPending(), 0);
  }
});

streams('should decode control records split at every byte boundary', () => {
  const whole = concatBytes(fourControl);
  for (let cut = 0; cut <= whole.length; cut++) {
    const codec = nodeCodec();
    assert.equal(decodeChunks(codec, 'control', splitAt(whole, [cut])), fourControl, `cut at ${cut}`);
  }
});

streams('should decode records fed one byte at a time', () => {
  const codec = nodeCodec();
  const status = concatBytes(threeStatus);
  const bytes = [...status].map((b) => Uint8Array.of(b));
  assert.equal(decodeChunks(codec, 'status', bytes), threeStatus);
  const control = concatBytes(fourControl);
  assert.equal(
    decodeChunks(
      codec,
      'control',
      [...control].map((b) => Uint8Array.of(b)),
    ),
    fourControl,
  );
});

streams('should count the partial record of a byte-at-a-time feed', () => {
  const codec = nodeCodec();
  const bytes = encodeStatusRef(EXITED_3);
  for (let i = 0; i < STATUS_SIZE - 1; i++) {
    new Uint8Array(codec.memory.buffer, codec.inputBuffer(), 1)[0] = bytes[i];
    assert.is(codec.statusFeed(1), 0);
    assert.is(codec.statusPending(), i + 1);
  }
  new Uint8Array(codec.memory.buffer, codec.inputBuffer(), 1)[0] = bytes[STATUS_SIZE - 1];
  assert.is(codec.statusFeed(1), 1);
  assert.is(codec.statusPending(), 0);
  assert.equal(wasmFields(codec, codec.statusNext()), EXITED_3);
});

streams('should decode a full input buffer of records in one feed', () => {
  const codec = nodeCodec();
  const n = codec.inputCapacity() / STATUS_SIZE;
  const records = Array.from({ length: n }, (_, i) =>
    encodeStatusRef({ signo: 17, code: 1, pid: i + 1, status: i % 256 }),
  );
  const got = decodeChunks(codec, 'status', [concatBytes(records)]);
  assert.is(got.length, n);
  assert.equal(got, records);
  const controls = Array.from({ length: codec.inputCapacity() / CONTROL_SIZE }, (_, i) => encodeControlRef(i, i % 65));
  assert.equal(decodeChunks(codec, 'control', [concatBytes(controls)]), controls);
});

streams('should hand out a completed partial record before the ones behind it', () => {
  const codec = nodeCodec();
  const whole = concatBytes(threeStatus);
  const got = decodeChunks(codec, 'status', [whole.subarray(0, 100), whole.subarray(100)]);
  assert.equal(got, threeStatus);
});

streams('should keep status and control streams apart', () => {
  const codec = nodeCodec();
  const status = concatBytes(threeStatus);
  const control = concatBytes(fourControl);
  const gotStatus: Uint8Array[] = [];
  const gotControl: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) {
    gotStatus.push(...decodeChunks(codec, 'status', [status.subarray(i * 10, i * 10 + 10)]));
    gotControl.push(...decodeChunks(codec, 'control', [control.subarray(i, i + 1)]));
  }
  assert.equal(gotStatus, threeStatus);
  assert.equal(gotControl, fourControl);
});

streams('should forget a partial record on reset', () => {
  const codec = nodeCodec();
  decodeChunks(codec, 'status', [threeStatus[0].subarray(0, 50)]);
  decodeChunks(codec, 'control', [fourControl[0].subarray(0, 3)]);
  assert.is(codec.statusPending(), 50);
  assert.is(codec.controlPending(), 3);
  codec.statusReset();
  codec.controlReset();
  assert.is(codec.statusPending(), 0);
  assert.is(codec.controlPending(), 0);
  assert.equal(decodeChunks(codec, 'status', [threeStatus[1]]), [threeStatus[1]]);
  assert.equal(decodeChunks(codec, 'control', [fourControl[1]]), [fourControl[1]]);
});

streams('should reject feed lengths outside 0..inputCapacity()', () => {
  const codec = nodeCodec();
  for (const len of [-1, -0x80000000, codec.inputCapacity() + 1, 0x7fffffff]) {
    assert.is(codec.statusFeed(len), ERR_LENGTH);
    assert.is(codec.controlFeed(len), ERR_LENGTH);
  }
  assert.is(codec.statusFeed(0), 0);
  assert.is(codec.statusNext(), 0);
  assert.is(codec.controlFeed(0), 0);
});

streams('should drop records a feed made ready but nobody took, at the next feed', () => {
  const codec = nodeCodec();
  const whole = concatBytes(threeStatus);
  new Uint8Array(codec.memory.buffer, codec.inputBuffer(), whole.length).set(whole);
  assert.is(codec.statusFeed(whole.length), 3);
  assert.is.not(codec.statusNext(), 0);
  assert.equal(decodeChunks(codec, 'status', [threeStatus[2]]), [threeStatus[2]]);
});

// ---

const classify = suite('status record classification');

const base = (f: Partial<StatusFields>): Uint8Array => encodeStatusRef({ signo: 17, code: 1, pid: 5, ...f });

classify('should classify every kind of valid record', () => {
  const codec = nodeCodec();
  const cases: Array<[Uint8Array, number]> = [
    [base({ code: CLD_EXITED, status: 0 }), KIND_EXITED],
    [base({ code: CLD_EXITED, status: 255 }), KIND_EXITED],
    [base({ code: CLD_KILLED, status: 9 }), KIND_KILLED],
    [base({ code: CLD_DUMPED, status: 11 }), KIND_DUMPED],
    [base({ code: CLD_TRAPPED, status: 5 }), KIND_TRAPPED],
    [base({ code: CLD_TRAPPED, status: 0x85 }), KIND_TRAPPED],
    [base({ code: CLD_TRAPPED, status: (3 << 8) | 5 }), KIND_TRAPPED],
    [base({ code: CLD_STOPPED, status: 19 }), KIND_STOPPED],
    [base({ code: CLD_CONTINUED, status: 18 }), KIND_CONTINUED],
    [base({ code: CLD_KILLED, status: 64, uid: -1, utime: 2n ** 62n }), KIND_KILLED],
    [encodeStatusRef({ signo: SIGNO_SUPERVISE, code: SUP_SPAWNED, pid: 99 }), KIND_SPAWNED],
    [encodeStatusRef({ signo: SIGNO_SUPERVISE, code: SUP_SPAWN_FAILED, errno: 2 }), KIND_SPAWN_FAILED],
  ];
  for (const [bytes, kind] of cases) {
    assert.is(
      kindOf(codec, bytes),
      kind,
      JSON.stringify(decodeStatusRef(bytes), (_, v) => (typeof v === 'bigint' ? `${v}` : v)),
    );
  }
});

classify('should reject each class of invalid record with its own negative code', () => {
  const codec = nodeCodec();
  const padded = (at: number) => {
    const b = base({ status: 0 });
    b[at] = 1;
    return b;
  };
  const cases: Array<[string, Uint8Array, number]> = [
    ['signo 1', base({ signo: 1 }), ERR_SIGNO],
    ['signo -17', base({ signo: -17 }), ERR_SIGNO],
    ['SIGCHLD code 0', base({ code: 0 }), ERR_CODE],
    ['SIGCHLD code 7', base({ code: 7 }), ERR_CODE],
    ['supervise code 1', encodeStatusRef({ signo: 0, code: 1, pid: 5 }), ERR_CODE],
    ['all zero', new Uint8Array(STATUS_SIZE), ERR_CODE],
    ['byte 12', padded(12), ERR_PADDING],
    ['byte 15', padded(15), ERR_PADDING],
    ['byte 28', padded(28), ERR_PADDING],
    ['byte 31', padded(31), ERR_PADDING],
    ['byte 48', padded(48), ERR_PADDING],
    ['byte 127', padded(127), ERR_PADDING],
    ['pid 0', base({ pid: 0 }), ERR_PID],
    ['pid -5', base({ pid: -5 }), ERR_PID],
    ['spawned pid 0', encodeStatusRef({ signo: 0, code: SUP_SPAWNED }), ERR_PID],
    ['spawn failed with a pid', encodeStatusRef({ signo: 0, code: SUP_SPAWN_FAILED, pid: 3, errno: 2 }), ERR_PID],
    ['errno on SIGCHLD', base({ errno: 4 }), ERR_ERRNO],
    ['spawn failed errno 0', encodeStatusRef({ signo: 0, code: SUP_SPAWN_FAILED }), ERR_ERRNO],
    ['spawn failed errno 4096', encodeStatusRef({ signo: 0, code: SUP_SPAWN_FAILED, errno: 4096 }), ERR_ERRNO],
    ['exit status 256', base({ status: 256 }), ERR_EXIT_STATUS],
    ['exit status -1', base({ status: -1 }), ERR_EXIT_STATUS],
    ['killed by 0', base({ code: CLD_KILLED, status: 0 }), ERR_SIGNAL],
    ['killed by 65', base({ code: CLD_KILLED, status: 65 }), ERR_SIGNAL],
    ['dumped by -11', base({ code: CLD_DUMPED, status: -11 }), ERR_SIGNAL],
    ['stopped by 0', base({ code: CLD_STOPPED, status: 0 }), ERR_SIGNAL],
    ['continued by 99', base({ code: CLD_CONTINUED, status: 99 }), ERR_SIGNAL],
    ['trapped 0x10005', base({ code: CLD_TRAPPED, status: 0x10005 }), ERR_SIGNAL],
    ['trapped 0x100', base({ code: CLD_TRAPPED, status: 0x100 }), ERR_SIGNAL],
    ['negative utime', base({ utime: -1n }), ERR_TIME],
    ['negative stime', base({ stime: -(2n ** 63n) }), ERR_TIME],
  ];
  for (const [name, bytes, err] of cases) {
    assert.is(kindOf(codec, bytes), err, name);
    assert.is(statusKindRef(bytes), err, `reference: ${name}`);
  }
});

classify('should report the first rule broken, in the documented order', () => {
  const codec = nodeCodec();
  const b = base({ code: 9, pid: 0, errno: 1, status: 300 });
  b[100] = 1;
  assert.is(kindOf(codec, b), ERR_CODE);
  const c = base({ pid: 0, errno: 1, status: 300 });
  c[100] = 1;
  assert.is(kindOf(codec, c), ERR_PADDING);
  assert.is(kindOf(codec, base({ pid: 0, errno: 1, status: 300 })), ERR_PID);
  assert.is(kindOf(codec, base({ errno: 1, status: 300 })), ERR_ERRNO);
});

// ---

const props = suite('properties of the codec');

const chunked = (bytes: fc.Arbitrary<Uint8Array>) =>
  bytes.chain((b) =>
    fc
      .uniqueArray(fc.integer({ min: 0, max: b.length }), { maxLength: 12 })
      .map((cuts) => ({ bytes: b, cuts: cuts.sort((x, y) => x - y) })),
  );

props('should never trap on arbitrary bytes and classify them as the reference does', () => {
  const codec = nodeCodec();
  fc.assert(
    fc.property(chunked(fc.uint8Array({ maxLength: 1200 })), ({ bytes, cuts }) => {
      codec.statusReset();
      codec.controlReset();
      const records = decodeChunks(codec, 'status', splitAt(bytes, cuts));
      assert.is(records.length, Math.floor(bytes.length / STATUS_SIZE));
      assert.is(codec.statusPending(), bytes.length % STATUS_SIZE);
      for (const rec of records) {
        const kind = kindOf(codec, rec);
        assert.ok(Number.isInteger(kind) && kind !== 0);
        assert.is(kind, statusKindRef(rec));
      }
      const controls = decodeChunks(codec, 'control', splitAt(bytes, cuts));
      assert.is(controls.length, Math.floor(bytes.length / CONTROL_SIZE));
      assert.is(codec.controlPending(), bytes.length % CONTROL_SIZE);
    }),
    { numRuns: 400 },
  );
});

props('should classify mutated valid records as the reference does', () => {
  const codec = nodeCodec();
  const mutated = fc.tuple(
    validRecord,
    fc.array(fc.tuple(fc.integer({ min: 0, max: 127 }), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
  );
  fc.assert(
    fc.property(mutated, ([f, edits]) => {
      const bytes = encodeStatusRef(f);
      for (const [at, v] of edits) bytes[at] = v;
      assert.is(kindOf(codec, bytes), statusKindRef(bytes));
    }),
    { numRuns: 1000 },
  );
});

props('should give the same records for any chunking of a stream', () => {
  fc.assert(
    fc.property(
      fc.array(validRecord, { maxLength: 8 }),
      fc.array(fc.tuple(int32, int32), { maxLength: 40 }),
      fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 15 }),
      (statusRecords, controlRecords, rawCuts) => {
        const codec = nodeCodec();
        const status = concatBytes(statusRecords.map(encodeStatusRef));
        const control = concatBytes(controlRecords.map(([pid, sig]) => encodeControlRef(pid, sig)));
        const cutsFor = (len: number) => [...new Set(rawCuts.map((c) => c % (len + 1)))].sort((a, b) => a - b);
        const got = decodeChunks(codec, 'status', splitAt(status, cutsFor(status.length)));
        assert.equal(
          got.map((r) => decodeStatusRef(r)),
          statusRecords,
        );
        const gotControl = decodeChunks(codec, 'control', splitAt(control, cutsFor(control.length)));
        assert.equal(
          gotControl.map((r) => decodeControlRef(r)),
          controlRecords.map(([pid, signal]) => ({ pid, signal })),
        );
      },
    ),
    { numRuns: 300 },
  );
});

props('should decode what it encodes for valid records', () => {
  const codec = nodeCodec();
  fc.assert(
    fc.property(validRecord, (f) => {
      const p = codec.encodeStatus(f.signo, f.errno, f.code, f.pid, f.uid, f.status, f.utime, f.stime);
      assert.equal(wasmFields(codec, p), f);
      assert.ok(codec.statusKind(p) > 0);
    }),
    { numRuns: 500 },
  );
});

// --- supervise's layers and totals records (--cgroup, --pid-ns)

const own = suite('layers and totals records');

/** Layers records for `path` (bits: 1 subreaper, 2 cgroup, 4 pid namespace), as supervise
 *  writes them: 80 bytes of the path per record, written here from the layout alone. */
function layersRecords(path: string, bits: number, pid = 42): Uint8Array[] {
  const bytes = new TextEncoder().encode(path);
  const out: Uint8Array[] = [];
  let at = 0;
  do {
    const r = encodeStatusRef({ signo: 0, code: 0x5304, pid, status: bits, uid: bytes.length, utime: BigInt(at) });
    r.set(bytes.subarray(at, at + 80), 48);
    out.push(r);
    at += 80;
  } while (at < bytes.length);
  return out;
}

function totalsRecord(cpu: bigint[], pid = 42): Uint8Array {
  const r = encodeStatusRef({ signo: 0, code: 0x5305, pid });
  const view = new DataView(r.buffer);
  for (const [i, v] of cpu.entries()) view.setBigInt64(48 + 8 * i, v, true);
  return r;
}

own('should classify layers and totals records as the reference does, valid and not', () => {
  const codec = nodeCodec();
  const path = `/sys/fs/cgroup/${'a/'.repeat(60)}supervise.42`;
  const valid = [
    ...layersRecords('', 1),
    ...layersRecords('/sys/fs/cgroup/unified/supervise.42', 3),
    ...layersRecords(path, 7),
    totalsRecord([1000n, 600n, 400n, -1n, -1n]),
    totalsRecord([0n, 0n, 0n, 5n << 20n, 3n]),
  ];
  assert.is(layersRecords(path, 7).length, Math.ceil(new TextEncoder().encode(path).length / 80));
  for (const r of valid) {
    assert.ok(kindOf(codec, r) === 19 || kindOf(codec, r) === 20, `valid: ${kindOf(codec, r)}`);
    assert.is(kindOf(codec, r), statusKindRef(r));
  }
  const edit = (r: Uint8Array, f: (v: DataView, b: Uint8Array) => void) => {
    const c = r.slice();
    f(new DataView(c.buffer), c);
    return c;
  };
  const [one] = layersRecords('/x/supervise.42', 3);
  const cases: Array<[string, Uint8Array, number]> = [
    ['layers without the subreaper', edit(one, (v) => v.setInt32(24, 2, true)), ERR_FIELD],
    ['layers bit 8', edit(one, (v) => v.setInt32(24, 9, true)), ERR_FIELD],
    ['layers pid 0', edit(one, (v) => v.setInt32(16, 0, true)), ERR_PID],
    ['layers errno', edit(one, (v) => v.setInt32(4, 1, true)), ERR_ERRNO],
    ['layers stime', edit(one, (v) => v.setBigInt64(40, 1n, true)), ERR_PADDING],
    ['a byte after the path', edit(one, (_, b) => (b[48 + 20] = 1)), ERR_PADDING],
    ['a NUL in the path', edit(one, (_, b) => (b[50] = 0)), ERR_FIELD],
    ['offset 80 of a 15-byte path', edit(one, (v) => v.setBigInt64(32, 80n, true)), ERR_PADDING],
    ['length 4096', edit(one, (v) => v.setInt32(20, 4096, true)), ERR_FIELD],
    ['totals negative cpu', totalsRecord([-1n]), ERR_TIME],
    ['totals peak -2', totalsRecord([0n, 0n, 0n, -2n]), ERR_FIELD],
    ['totals byte 88', edit(totalsRecord([1n]), (_, b) => (b[88] = 1)), ERR_PADDING],
    ['totals utime', edit(totalsRecord([1n]), (v) => v.setBigInt64(32, 1n, true)), ERR_PADDING],
    ['totals si_status', edit(totalsRecord([1n]), (v) => v.setInt32(24, 1, true)), ERR_FIELD],
  ];
  for (const [name, bytes, err] of cases) {
    assert.is(kindOf(codec, bytes), err, name);
    assert.is(statusKindRef(bytes), err, `reference: ${name}`);
  }
});

own('should classify mutated layers and totals records as the reference does', () => {
  const codec = nodeCodec();
  const record = fc.oneof(
    fc
      .tuple(fc.string({ maxLength: 300 }), fc.integer({ min: 0, max: 7 }))
      .chain(([p, bits]) => fc.constantFrom(...layersRecords(p.replaceAll('\0', '/'), bits | 1))),
    fc.array(fc.bigInt({ min: -2n, max: 2n ** 40n }), { maxLength: 5 }).map((v) => totalsRecord(v)),
  );
  const mutated = fc.tuple(
    record,
    fc.array(fc.tuple(fc.integer({ min: 0, max: 127 }), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
  );
  fc.assert(
    fc.property(mutated, ([r, edits]) => {
      const bytes = r.slice();
      for (const [at, v] of edits) bytes[at] = v;
      assert.is(kindOf(codec, bytes), statusKindRef(bytes));
    }),
    { numRuns: 1000 },
  );
});

own('should join a long leaf path across its records, for any split of the stream', () => {
  const path = `/sys/fs/cgroup/unified/${'dir é/'.repeat(40)}supervise.42`;
  const stream = concatBytes([...layersRecords(path, 3), totalsRecord([9n, 5n, 4n, -1n, 7n])]);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 0, max: stream.length }), { maxLength: 8 }), (cuts) => {
      const d = new StreamDecoder(nodeCodec(), 'status');
      const events = splitAt(
        stream,
        cuts.sort((a, b) => a - b),
      ).flatMap((c) => d.push(c)) as StatusEvent[];
      const layers = events.filter((e) => e.kind === 'layers');
      assert.is(layers.length, Math.ceil(new TextEncoder().encode(path).length / 80));
      assert.equal(
        layers.map((e) => e.layers!.path),
        [...layers.slice(1).map(() => undefined), path],
      );
      assert.equal(layers.at(-1)!.layers, {
        subreaper: true,
        cgroup: true,
        pidNamespace: false,
        pathLength: new TextEncoder().encode(path).length,
        pathOffset: (layers.length - 1) * 80,
        path,
      });
      const totals = events.at(-1)!;
      assert.equal(totals.totals, { cpuTime: 9, userCPUTime: 5, systemCPUTime: 4, pidsPeak: 7 });
      assert.is(describe(totals), 'totals cpu 0.000009s (user 0.000005s, system 0.000004s), pids peak 7');
      assert.is(describe(layers.at(-1)!), `layers subreaper, cgroup v2 ${path}`);
    }),
    { numRuns: 100 },
  );
});

modules.run();
roundTrip.run();
streams.run();
classify.run();
props.run();
own.run();
