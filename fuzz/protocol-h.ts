// The numbers of assembly/protocol.ts for the native fuzzer (fuzz/codec_fuzz.cc), so that the
// protocol keeps its one home. Writes build/fuzz/protocol.h: every number as PROTO_<NAME>
// (arrays as initializers), and PROTOCOL_KINDS / PROTOCOL_ERRORS, the lists of KIND_* and
// ERR_*; with --dict, a libFuzzer dictionary instead: the events magic and the int32 values
// a decoder compares whole fields with (si_signo, supervise's si_code, the events header).
// Usage: node --import tsx fuzz/protocol-h.ts [--dict] > FILE
import * as protocol from '../assembly/protocol.ts';

const entries = Object.entries(protocol as Record<string, unknown>);
const numbers = (match: (name: string) => boolean) =>
  entries.filter(([name, value]) => match(name) && typeof value === 'number').map(([, value]) => value as number);
const lines: string[] = [];
if (process.argv.includes('--dict')) {
  const hex = (bytes: number[]) => `"${bytes.map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}"`;
  const int32 = (n: number) => [0, 8, 16, 24].map((shift) => (n >>> shift) & 0xff);
  lines.push(`# Generated from assembly/protocol.ts by fuzz/protocol-h.ts --dict: do not edit.`);
  lines.push(`events_magic=${hex(protocol.EVENTS_MAGIC)}`);
  const fields = numbers((name) =>
    /^(SIGCHLD|SUP_|EVENTS_VERSION$|EVENTS_ENTRY_SIZE$|STATUS_SIZE$|SIGNAL_MAX$)/.test(name),
  );
  for (const n of new Set(fields)) lines.push(`int32_${n}=${hex(int32(n))}`);
} else {
  lines.push('// Generated from assembly/protocol.ts by fuzz/protocol-h.ts: do not edit.', '#pragma once');
  for (const [name, value] of entries) {
    if (typeof value === 'number') lines.push(`#define PROTO_${name} (${value})`);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
      lines.push(`#define PROTO_${name} {${value.join(', ')}}`);
    }
  }
  lines.push(`#define PROTOCOL_KINDS {${numbers((name) => name.startsWith('KIND_')).join(', ')}}`);
  lines.push(`#define PROTOCOL_ERRORS {${numbers((name) => name.startsWith('ERR_')).join(', ')}}`);
}
process.stdout.write(`${lines.join('\n')}\n`);
