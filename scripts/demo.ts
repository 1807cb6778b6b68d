// `make demo`: a tree with a double-forked, a setsid-ed and a nohup-ed descendant runs under
// supervise; its status records are decoded with codec.wasm as they arrive; then the control
// side is closed and the demo shows that nothing of the tree is left.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { nodeCodec } from '../codec/node.ts';
import { signalName } from '../codec/index.ts';
import { KIND_EXITED, KIND_KILLED, KIND_DUMPED } from '../assembly/protocol.ts';

const root = path.resolve(import.meta.dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (s = '') => process.stdout.write(`${s}\n`);

const TREE = [
  'sleep 300 & echo "background $!" >&3; wait',
  'nohup sleep 301 >/dev/null 2>&1 & echo "nohup $!" >&3; wait',
  'setsid sleep 302 & echo "setsid $!" >&3; wait',
  'sh -c \'sleep 303 & echo "double-forked $!" >&3\' & wait; sleep 304 & echo "plain $!" >&3; wait',
];

const codec = nodeCodec();
const names = new Map<number, string>();
function describe(p: number): string {
  const pid = codec.statusPid(p),
    status = codec.statusStatus(p);
  const what =
    {
      [KIND_EXITED]: `exited ${status}`,
      [KIND_KILLED]: `killed ${signalName(status) ?? status}`,
      [KIND_DUMPED]: `dumped ${signalName(status) ?? status}`,
    }[codec.statusKind(p)] ?? `kind ${codec.statusKind(p)}`;
  return `pid ${String(pid).padStart(7)}  ${what.padEnd(16)} ${names.get(pid) ?? ''}`;
}

say('$ examples/launch.py bin/supervise <4 shell commands>   # start a tree, then exec supervise');
const proc = spawn('python3', ['examples/launch.py', '--pass-fd', '3', 'bin/supervise', ...TREE], {
  cwd: root,
  stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
});
let announced = '';
(proc.stdio[3] as Readable).on('data', (d) => {
  announced += d;
});
const oracleClosed = new Promise<void>((r) => (proc.stdio[3] as Readable).on('close', () => r()));
let stderr = '';
proc.stderr!.on('data', (d) => {
  stderr += d;
});
proc.stdout!.on('data', (chunk: Buffer) => {
  new Uint8Array(codec.memory.buffer).set(chunk, codec.inputBuffer());
  codec.statusFeed(chunk.length);
  for (let p = codec.statusNext(); p !== 0; p = codec.statusNext()) say(`  record: ${describe(p)}`);
});
const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));

await sleep(1500);
const pids = (/pids: ([\d ]+)/.exec(stderr)?.[1] ?? '').trim().split(' ').map(Number);
for (const pid of pids) names.set(pid, 'sh (started by the owner)');
for (const line of announced.trim().split('\n')) {
  const [name, pid] = line.split(' ');
  names.set(Number(pid), name);
  pids.push(Number(pid));
}
say(`\nsupervise is pid ${proc.pid}; the tree (ps):`);
say(spawnSync('ps', ['-o', 'pid,ppid,pgid,sid,args', '-p', pids.join(',')], { encoding: 'utf8' }).stdout.trimEnd());
say('\nnote the ppid: orphans were adopted by supervise; setsid moved one to its own session.');

say("\nclosing supervise's stdin (the control side)...");
proc.stdin!.end();
const code = await exited;
await oracleClosed;
say(`supervise exited with status ${code}`);
const left = spawnSync('ps', ['-o', 'pid,args', '-p', pids.join(',')], { encoding: 'utf8' })
  .stdout.trim()
  .split('\n')
  .slice(1);
say(`\nps -p ${pids.join(',')}: ${left.length === 0 ? 'no process left' : `\n${left.join('\n')}`}`);
if (stderr.replace(/^pids:.*\n/m, '')) say(`\nsupervise's stderr:\n${stderr}`);
process.exitCode = left.length === 0 && code === 0 ? 0 : 1;
