// One name for every signal and errno: the library (lib/), `supervise decode` (the real
// executable) and the viewer (web/, in test/web.test.ts) all name them through the codec
// (codec/names.ts), so SIGRTMIN+n from the library is what decode prints.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { SUPERVISE, SLACK } from './procs.ts';
import { everyNameStream } from './record-log.ts';
import { Channel } from '../lib/events.ts';
import { startFailure } from '../lib/errors.ts';
import { spawn } from '../lib/index.ts';
import { signalName, signalNumber } from '../codec/index.ts';

const Names = suite('signal and errno names');
const every = everyNameStream();

/** What `supervise decode --json` prints for the stream: (signal by pid) and errno names. */
function decoded(): { signals: Map<number, string>; errnos: string[] } {
  const out = execFileSync(SUPERVISE, ['decode', '--json'], {
    input: every.bytes,
    encoding: 'utf8',
    timeout: 20_000 * SLACK,
  });
  const lines = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const signals = new Map<number, string>();
  const errnos: string[] = [];
  for (const l of lines) {
    if (l.kind === 'killed') signals.set(l.status, l.signal);
    else errnos.push(l.errnoName);
  }
  return { signals, errnos };
}

Names('should name every signal 1..64 and every errno as `supervise decode` does, in the library', () => {
  const cli = decoded();
  assert.is(cli.signals.size, every.signals.length);
  assert.is(cli.errnos.length, every.errnos.length);
  const records = new Channel().feed(every.bytes);
  const lib = new Map<number, string | undefined>();
  const errnos: Array<string | undefined> = [];
  for (const r of records) {
    if (r.type === 'reaped') lib.set(r.status.pid - 1000, r.status.signal);
    else if (r.type === 'spawn-failed') errnos.push(startFailure(r.errno).code);
  }
  for (const n of every.signals) assert.is(lib.get(n), cli.signals.get(n), `signal ${n}`);
  assert.equal(errnos, cli.errnos);
  // The real-time signals have names, not `undefined` (the library's old os.constants table).
  assert.is(lib.get(36), 'SIGRTMIN+2');
  assert.is(lib.get(64), 'SIGRTMAX');
  assert.is(cli.errnos[1], 'ENOENT');
});

Names('should take back, as a signal to send, every name it gives', () => {
  for (let n = 1; n <= 64; n++) assert.is(signalNumber(signalName(n)), n, signalName(n));
});

Names('should report a real child killed by SIGRTMIN+2 with that name', async () => {
  const sub = spawn('sleep', ['37.31'], { reject: false });
  await sub.spawned;
  sub.kill('SIGRTMIN+2');
  const result = await sub;
  assert.is(result.signal, 'SIGRTMIN+2');
  assert.is(result.status?.kind, 'killed');
});

Names.run();
