// The native fuzzer's saved crashes (test/fixtures/fuzz-native-*.bin, written by
// `make fuzz-native`) replayed in the JS decoder (codec/index.ts over dist/codec.wasm) and in
// the native one (build/fuzz/codec-replay: fuzz/codec_fuzz.cc over wasm2c's translation of
// the same codec.wasm, built by make test), beside its seed inputs and corrupt streams made
// here, so that the replay runs and the two decoders are compared even when nothing crashed.
// Each input is framed as fuzz/input.ts says (format, split seed, stream).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeCodec } from '../codec/node.ts';
import {
  DecodeError,
  StreamDecoder,
  encodeControl,
  encodeEventsLog,
  encodeStatus,
  type ControlEvent,
  type StatusEvent,
  type StreamFormat,
} from '../codec/index.ts';
import {
  CLD_EXITED,
  CLD_KILLED,
  EVENTS_ENTRY_SIZE,
  EVENTS_MAX_RSS,
  EVENTS_PPID,
  EVENTS_RECORD,
  EVENTS_VERSION_AT,
} from '../assembly/protocol.ts';
import { frame, unframe } from '../fuzz/input.ts';
import { seeds } from '../fuzz/seeds.ts';
import { ROOT, SLACK } from './procs.ts';

const FIXTURES = path.join(ROOT, 'test/fixtures');
const REPLAY = path.join(ROOT, 'build/fuzz/codec-replay');
const codec = nodeCodec();

/** What decoding came to, as codec-replay prints it: format, whole records, error offset. */
interface Summary {
  format: string;
  records: number;
  error: number;
  reason?: string;
}

/** `chunks` through one StreamDecoder: the records and the error (never another throw). */
function decode(format: StreamFormat | 'auto', chunks: Uint8Array[]) {
  const d = new StreamDecoder(codec, format);
  const records: Array<StatusEvent | ControlEvent> = [];
  try {
    for (const chunk of chunks) records.push(...d.push(chunk));
    d.end();
    return { format: d.format, records, error: null };
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    records.push(...((err as DecodeError & { records?: Array<StatusEvent | ControlEvent> }).records ?? []));
    return { format: d.format, records, error: err };
  }
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The JS decoder on one input, checked as the native harness checks itself. */
function replayJs(input: Uint8Array): Summary {
  const { format, stream, chunks } = unframe(input);
  const split = decode(format, chunks);
  const whole = decode(format, [stream]);
  const json = (r: typeof split) => JSON.stringify([r.format, r.records, r.error?.message ?? null]);
  assert.is(json(split), json(whole), 'the split stream decodes as the whole');
  if (split.error) assert.ok(split.error.offset >= 0 && split.error.offset <= stream.length, 'error offset inside');
  for (const e of split.records) {
    if ('kind' in e) {
      const at = split.format === 'events' ? e.offset + EVENTS_RECORD : e.offset;
      const fields = { ...e, utime: BigInt(e.utime), stime: BigInt(e.stime) };
      assert.is(hex(encodeStatus(codec, fields)), hex(stream.subarray(at, at + 128)), `record at ${at} re-encodes`);
    } else {
      assert.is(hex(encodeControl(codec, e.pid, e.signal)), hex(stream.subarray(e.offset, e.offset + 8)));
    }
  }
  return {
    format: split.format ?? 'none',
    records: split.records.length,
    error: split.error ? split.error.offset : -1,
    reason: split.error?.reason,
  };
}

/** codec-replay on the files: its summary line of each (a broken invariant aborts it). */
function replayNative(files: string[]): Summary[] {
  const r = spawnSync(REPLAY, files, { encoding: 'utf8', timeout: 20_000 * SLACK });
  assert.is(r.status, 0, `codec-replay: ${r.status ?? r.signal}\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  assert.is(lines.length, files.length);
  return lines.map((line, i) => {
    const [file, format, records, error] = line.split(' ');
    assert.is(file, files[i]);
    return { format, records: Number(records), error: Number(error) };
  });
}

/** Corrupt streams beside the seeds: bad records mid-stream, truncation, bad headers, a bad
 *  identity (the JS decoder's rule alone: the native one reads on), pseudo-random bytes. */
function corrupt(): Uint8Array[] {
  const c = nodeCodec();
  const good = encodeStatus(c, { code: CLD_EXITED, pid: 31, status: 7 });
  const bad = encodeStatus(c, { code: CLD_KILLED, pid: 32, status: 9 });
  bad[100] = 1;
  const status = Buffer.concat([good, good, bad, good]);
  const proc = { comm: 'sleep', start: 1.7e15, ppid: 1, pgid: 2, sid: 3 };
  const log = encodeEventsLog([0, 1, 2].map((i) => ({ time: 1.7e15 + i, record: good, proc })));
  const badIdentity = log.slice();
  new DataView(badIdentity.buffer).setInt32(16 + EVENTS_ENTRY_SIZE + EVENTS_PPID, -5, true);
  const badResources = log.slice();
  new DataView(badResources.buffer).setBigInt64(16 + 2 * EVENTS_ENTRY_SIZE + EVENTS_MAX_RSS, -1n, true);
  const badVersion = log.slice();
  badVersion[EVENTS_VERSION_AT] = 99;
  const out = [
    frame('auto', 9, status),
    frame('status', 0, status.subarray(0, 300)),
    frame('control', 3, Buffer.concat([encodeControl(c, 1, 2), encodeControl(c, 3, 4)]).subarray(0, 13)),
    frame('auto', 11, badIdentity),
    frame('auto', 5, badResources),
    frame('auto', 0, badVersion),
    frame('events', 0, log.subarray(0, 10)),
    frame('events', 0, status),
  ];
  let x = 0x12345678;
  for (let i = 0; i < 12; i++) {
    const bytes = new Uint8Array(100 + i * 97);
    for (let j = 0; j < bytes.length; j++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      bytes[j] = x >>> 24;
    }
    bytes.set(i % 3 ? good : [], 7);
    out.push(new Uint8Array([i & 3, i * 17, ...bytes]));
  }
  return out;
}

const fixtures = readdirSync(FIXTURES)
  .filter((f) => /^fuzz-native-.*\.bin$/.test(f))
  .sort()
  .map((f) => path.join(FIXTURES, f));

const Replay = suite('replay of the native fuzzer’s inputs');

Replay('should replay every saved crash in the JS decoder', () => {
  for (const file of fixtures) replayJs(readFileSync(file));
});

Replay('should decode the seeds and corrupt streams in the JS decoder, whole as split', () => {
  const all = [...seeds(), ...corrupt()].map(replayJs);
  const formats = new Set(all.map((s) => s.format));
  assert.equal([...formats].sort(), ['control', 'events', 'none', 'status']); // none: not a log
  assert.ok(all.some((s) => s.error === -1) && all.some((s) => s.error >= 0), 'valid and invalid inputs');
  assert.ok(
    all.some((s) => s.reason?.startsWith('invalid events entry')),
    'an identity error',
  );
});

Replay('should agree with the native decoder (build/fuzz/codec-replay) on all of them', () => {
  if (!existsSync(REPLAY)) {
    console.log('  skipped: no build/fuzz/codec-replay (built by make test where wasm2c is: make fuzz-replay)');
    return;
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'supervise-fuzz-native-'));
  try {
    const made = [...seeds(), ...corrupt()].map((input, i) => {
      const file = path.join(tmp, `input-${i}.bin`);
      writeFileSync(file, input);
      return file;
    });
    const files = [...fixtures, ...made];
    const native = replayNative(files);
    files.forEach((file, i) => {
      const js = replayJs(readFileSync(file));
      const n = native[i];
      const what = `${path.basename(file)}: JS ${JSON.stringify(js)}, native ${JSON.stringify(n)}`;
      assert.is(n.format, js.format, what);
      if (js.reason?.startsWith('invalid events entry')) {
        // codec.wasm never sees the identity or resources: the native decoder reads on past them.
        assert.ok(n.records > js.records && (n.error === -1 || n.error > js.error), what);
      } else {
        assert.equal([n.records, n.error], [js.records, js.error], what);
      }
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

Replay.run();
