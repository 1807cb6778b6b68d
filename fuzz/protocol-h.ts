// The native fuzzer's libFuzzer dictionary from assembly/protocol.ts: the events magic and
// the int32 values a decoder compares whole fields with (si_signo, supervise's si_code, the
// events header). (Its numbers, build/fuzz/protocol.h, come from scripts/constants-h.ts.)
// Usage: node --import tsx fuzz/protocol-h.ts > FILE
import * as protocol from '../assembly/protocol.ts';

const entries = Object.entries(protocol as Record<string, unknown>);
const numbers = (match: (name: string) => boolean) =>
  entries.filter(([name, value]) => match(name) && typeof value === 'number').map(([, value]) => value as number);
const hex = (bytes: number[]) => `"${bytes.map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}"`;
const int32 = (n: number) => [0, 8, 16, 24].map((shift) => (n >>> shift) & 0xff);
const lines = [`# Generated from assembly/protocol.ts by fuzz/protocol-h.ts: do not edit.`];
lines.push(`events_magic=${hex(protocol.EVENTS_MAGIC)}`);
const fields = numbers((name) =>
  /^(SIGCHLD|SUP_|EVENTS_VERSION$|EVENTS_ENTRY_SIZE$|STATUS_SIZE$|SIGNAL_MAX$)/.test(name),
);
for (const n of new Set(fields)) lines.push(`int32_${n}=${hex(int32(n))}`);
process.stdout.write(`${lines.join('\n')}\n`);
