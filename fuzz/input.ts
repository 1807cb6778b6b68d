// What one input of the native fuzzer (fuzz/codec_fuzz.cc) means, for the TypeScript side:
// fuzz/seeds.ts writes inputs this way and test/fuzz-native.test.ts replays them in the JS
// decoder. Keep it in step with the C harness (its "The input" comment).
//
// Byte 0: the format, FORMATS[byte & 3] (StreamDecoder's format argument).
// Byte 1: the split seed: 0 = the stream in one push; n > 0 = pushes of length
//         xorshift32() % (2n + 1) (empty pushes too), the generator seeded with n * 0x9e3779b9 | 1.
// The rest: the stream.
import type { StreamFormat } from '../codec/index.ts';

export const FORMATS: ReadonlyArray<StreamFormat | 'auto'> = ['auto', 'status', 'control', 'events'];

/** An input for the native fuzzer: `format` and split `seed` before the stream's bytes. */
export function frame(format: StreamFormat | 'auto', seed: number, stream: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + stream.length);
  out[0] = FORMATS.indexOf(format);
  out[1] = seed;
  out.set(stream, 2);
  return out;
}

/** An input taken apart: the format, the stream, and the chunks it is pushed in. */
export function unframe(input: Uint8Array): {
  format: StreamFormat | 'auto';
  stream: Uint8Array;
  chunks: Uint8Array[];
} {
  const format = FORMATS[(input[0] ?? 0) & 3];
  const seed = input[1] ?? 0;
  const stream = input.subarray(Math.min(2, input.length));
  if (seed === 0) return { format, stream, chunks: [stream] };
  const chunks: Uint8Array[] = [];
  let x = (Math.imul(seed, 0x9e3779b9) | 1) >>> 0;
  for (let at = 0; at < stream.length; ) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const n = Math.min(x % (2 * seed + 1), stream.length - at);
    chunks.push(stream.subarray(at, at + n));
    at += n;
  }
  return { format, stream, chunks };
}
