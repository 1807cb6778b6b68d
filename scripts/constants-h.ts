// The numbers of assembly/protocol.ts and assembly/sys.ts for the C++ side, so that each
// keeps its one home: every number of protocol.ts as PROTO_<NAME> and of sys.ts as
// SYS_<NAME> (arrays as initializers), and PROTOCOL_KINDS / PROTOCOL_ERRORS, the lists of
// KIND_* and ERR_*. make writes it to build/gen/constants.h for the shim (shim/linux.h),
// the native host (host/native.cc) and the addon, and to build/fuzz/protocol.h for the
// native fuzzer (fuzz/codec_fuzz.cc). And NODE_HOST_FLAGS, the Node flags of
// bin/supervise-node's #! line (their one home), for the native host's exec of the full CLI.
// Usage: node --import tsx scripts/constants-h.ts > FILE
import * as protocol from '../assembly/protocol.ts';
import * as sys from '../assembly/sys.ts';
import { readFileSync } from 'node:fs';

const lines = ['// Generated from assembly/protocol.ts and assembly/sys.ts by scripts/constants-h.ts: do not edit.'];
lines.push('#pragma once');
for (const [prefix, module] of [
  ['PROTO', protocol],
  ['SYS', sys],
] as const) {
  for (const [name, value] of Object.entries(module as Record<string, unknown>)) {
    if (typeof value === 'number') lines.push(`#define ${prefix}_${name} (${value})`);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
      lines.push(`#define ${prefix}_${name} {${value.join(', ')}}`);
    }
  }
}
const numbers = (prefix: string) =>
  Object.entries(protocol as Record<string, unknown>)
    .filter(([name, value]) => name.startsWith(prefix) && typeof value === 'number')
    .map(([, value]) => value as number);
lines.push(`#define PROTOCOL_KINDS {${numbers('KIND_').join(', ')}}`);
lines.push(`#define PROTOCOL_ERRORS {${numbers('ERR_').join(', ')}}`);
const shebang = readFileSync(new URL('../bin/supervise-node', import.meta.url), 'utf8').split('\n')[0];
const flags = /^#!\/usr\/bin\/env -S node((?: --[\w=-]+)*)$/.exec(shebang);
if (!flags) throw new Error(`bin/supervise-node: not a #!/usr/bin/env -S node line: ${shebang}`);
lines.push(
  `#define NODE_HOST_FLAGS {${flags[1]
    .trim()
    .split(' ')
    .map((f) => JSON.stringify(f))
    .join(', ')}}`,
);
process.stdout.write(`${lines.join('\n')}\n`);
