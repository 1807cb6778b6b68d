// The library's execa-like API with real processes: maxBuffer (the tree goes, memory stays
// bounded), stripFinalNewline, lines, all, async iteration, shell, preferLocal, verbose,
// every Result field in each way a command ends, and spawnSync() (its tree is gone when it
// returns). Escapees announce their pids; every pid a test saw is SIGKILLed after it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { $, spawn, spawnSync, SubprocessError, type Result, type Subprocess } from '../lib/index.ts';
import { ESCAPE_PIDS, ESCAPE_SCRIPT } from './fixtures/escape.ts';
import { ANNOUNCE, stillAlive, announcedIn, killQuietly, noteBirth, stderrOf, until, within } from './procs.ts';

const started = new Set<number>();
function cleanup(): void {
  for (const pid of started) killQuietly(pid);
  started.clear();
}

function pidsIn(text: string): number[] {
  const pids = announcedIn(text);
  for (const p of pids) started.add(p);
  return pids;
}

/** The error `p` rejects with (fails the test if it resolves). */
function rejection(p: PromiseLike<unknown>): Promise<SubprocessError> {
  return Promise.resolve(p).then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: SubprocessError) => e,
  );
}

function thrown(f: () => unknown): SubprocessError {
  try {
    f();
  } catch (e) {
    assert.instance(e, SubprocessError);
    return e as SubprocessError;
  }
  throw new Error('expected spawnSync to throw');
}

/** The escape set, then `then` in place of the main child's final sleep. */
const escapeThen = (then: string) => ESCAPE_SCRIPT.replace('sleep 7.76', then);

// ---
const Buffer_ = suite('lib api: maxBuffer');
Buffer_.after.each(cleanup);

Buffer_('should tear the whole tree down past maxBuffer, keep the output truncated, and stay bounded', async () => {
  const limit = 1_000_000;
  // The escape set, then 100x the limit on stdout (10x would be 10 MB; more makes a leak plain).
  const sub = spawn('sh', ['-c', escapeThen(`head -c ${100 * limit} /dev/zero | tr '\\0' x`)], {
    maxBuffer: limit,
    stdin: 'ignore',
  });
  const peakBefore = process.resourceUsage().maxRSS;
  const e = await within(rejection(sub), 20_000, 'the maxBuffer rejection');
  const grewKiB = process.resourceUsage().maxRSS - peakBefore;
  const pids = pidsIn(String(e.stderr));
  assert.is(pids.length, ESCAPE_PIDS);
  assert.is(e.isMaxBuffer, true);
  assert.is(e.failed, true);
  assert.is((e.stdout as string).length, limit);
  assert.ok(/^x+$/.test(e.stdout as string));
  assert.is(
    e.shortMessage,
    `Command's stdout was larger than ${limit} characters: ${e.escapedCommand}\nmaxBuffer exceeded`,
  );
  assert.is(e.signal, 'SIGKILL');
  assert.is(e.isTerminated, true);
  await until(() => ![sub.pid!, ...pids].some(stillAlive), 3000, 'every pid of the tree to be gone');
  console.log(`  peak RSS grew ${grewKiB} KiB while the child wrote up to ${(100 * limit) / 1e6} MB`);
  assert.ok(grewKiB < 60 * 1024, `peak RSS grew ${grewKiB} KiB`);
});

Buffer_('should count bytes with encoding buffer and lines with lines: true', async () => {
  const bytes = await rejection(spawn('sh', ['-c', 'printf "%s" "héllo wörld"'], { maxBuffer: 5, encoding: 'buffer' }));
  assert.is(bytes.isMaxBuffer, true);
  assert.equal(bytes.stdout, new Uint8Array(Buffer.from('héll')));
  assert.match(bytes.shortMessage, "Command's stdout was larger than 5 bytes");
  const chars = await rejection(spawn('sh', ['-c', 'printf "%s" "héllo wörld" >&2'], { maxBuffer: 5 }));
  assert.is(chars.stderr, 'héllo');
  assert.match(chars.shortMessage, "Command's stderr was larger than 5 characters");
  const lines = await rejection(spawn('seq', ['1', '100000'], { maxBuffer: 3, lines: true }));
  assert.equal(lines.stdout, ['1', '2', '3']);
  assert.match(lines.shortMessage, "Command's stdout was larger than 3 lines");
  const endless = await rejection(spawn('sh', ['-c', 'echo a; yes | tr -d "\\n"'], { maxBuffer: 1000, lines: true }));
  assert.equal(endless.stdout, ['a']);
  assert.match(endless.shortMessage, "Command's stdout was larger than 1000 characters");
  const fits = await spawn('printf', ['%s', 'abc'], { maxBuffer: 3 });
  assert.is(fits.stdout, 'abc');
  assert.is(fits.isMaxBuffer, false);
});

// ---
const Output = suite('lib api: output');
Output.after.each(cleanup);

Output('should strip one final newline by default, and keep it with stripFinalNewline: false', async () => {
  assert.is((await spawn('printf', ['a\\n\\n'])).stdout, 'a\n');
  assert.is((await spawn('printf', ['a\\r\\n'])).stdout, 'a');
  assert.is((await spawn('printf', ['a\\n\\n'], { stripFinalNewline: false })).stdout, 'a\n\n');
  assert.equal((await spawn('printf', ['a\\n'], { encoding: 'buffer' })).stdout, new Uint8Array([0x61]));
  assert.is((await spawn('sh', ['-c', 'echo e >&2'])).stderr, 'e');
  assert.is((await spawn('true')).stdout, '');
});

Output('should split output into lines with lines: true, newlines kept with stripFinalNewline: false', async () => {
  assert.equal((await spawn('printf', ['a\\nb\\r\\nc'], { lines: true })).stdout, ['a', 'b', 'c']);
  assert.equal((await spawn('printf', ['a\\nb\\n'], { lines: true })).stdout, ['a', 'b']);
  assert.equal((await spawn('printf', ['a\\nb\\r\\nc'], { lines: true, stripFinalNewline: false })).stdout, [
    'a\n',
    'b\r\n',
    'c',
  ]);
  assert.equal((await spawn('true', [], { lines: true })).stdout, []);
});

/** A child writing o1, e1, o2 (stdout, stderr, stdout), each only once the test has seen
 *  the one before on `all`: arrival order is then the writing order. */
function ordered(options: { lines?: boolean }) {
  const sub = spawn('sh', ['-c', 'echo o1; read x; echo e1 >&2; read x; echo o2'], { all: true, ...options });
  sub.all!.on('data', () => sub.stdin!.write('\n'));
  return sub;
}

Output('should interleave stdout and stderr in arrival order in result.all and subprocess.all', async () => {
  const sub = ordered({});
  let streamed = '';
  sub.all!.on('data', (d) => {
    streamed += d;
  });
  const r = await sub;
  assert.is(r.all, 'o1\ne1\no2');
  assert.is(streamed, 'o1\ne1\no2\n');
  assert.is(r.stdout, 'o1\no2');
  assert.is(r.stderr, 'e1');
  assert.equal((await ordered({ lines: true })).all, ['o1', 'e1', 'o2']);
  assert.is((await spawn('true')).all, undefined);
  assert.is(spawn('true').all, undefined);
});

Output('should iterate over stdout lines with for await, and over stderr or all with iterable()', async () => {
  const lines: string[] = [];
  for await (const line of spawn('seq', ['1', '5'])) lines.push(line);
  assert.equal(lines, ['1', '2', '3', '4', '5']);
  const errs: string[] = [];
  for await (const line of spawn('sh', ['-c', 'echo a >&2; echo b >&2']).iterable({ from: 'stderr' })) errs.push(line);
  assert.equal(errs, ['a', 'b']);
  const all: string[] = [];
  for await (const line of ordered({}).iterable({ from: 'all', preserveNewlines: true })) all.push(line);
  assert.equal(all, ['o1\n', 'e1\n', 'o2\n']);
  assert.throws(() => spawn('true').iterable({ from: 'all' }), /all is not piped/);
});

Output('should make the loop throw the SubprocessError when the command fails', async () => {
  const seen: string[] = [];
  let error: unknown;
  try {
    for await (const line of spawn('sh', ['-c', 'echo x; exit 2'])) seen.push(line);
  } catch (e) {
    error = e;
  }
  assert.equal(seen, ['x']);
  assert.instance(error, SubprocessError);
  assert.is((error as SubprocessError).exitCode, 2);
});

Output('should pause a flood for a slow loop, and let the command go on after a break', async () => {
  const flood = spawn('yes', [], { maxBuffer: 1e9 });
  const it = flood[Symbol.asyncIterator]();
  assert.is((await it.next()).value, 'y');
  await until(() => flood.stdout!.isPaused(), 10_000, 'stdout to be paused while the loop waits');
  await it.return!();
  assert.is(flood.stdout!.isPaused(), false);
  flood.kill();
  assert.is((await rejection(flood)).signal, 'SIGTERM');

  const sub = spawn('seq', ['1', '20000']);
  for await (const line of sub) if (line === '3') break;
  const r = await sub;
  assert.is((r.stdout as string).split('\n').length, 20000);
});

// ---
const Run = suite('lib api: shell, preferLocal, verbose');
Run.after.each(cleanup);

Run('should run the command through a shell with shell: true or a path, and end its whole tree', async () => {
  assert.is((await spawn('echo', ['$((1 + 2))'], { shell: true })).stdout, '3');
  const r = await spawn('echo $0', [], { shell: '/bin/sh' });
  assert.is(r.stdout, '/bin/sh');
  assert.is(r.command, 'echo $0');
  // The shell's own escapee: gone when await settles.
  const tree = await spawn(`${ANNOUNCE}; setsid sleep 31.71 >/dev/null & announce $!`, [], { shell: true });
  const [pid] = pidsIn(tree.stdout as string);
  await until(() => !stillAlive(pid), 3000, `the shell's setsid child ${pid} to be gone`);
});

Run('should find node_modules/.bin of localDir and its parents first with preferLocal', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-local-'));
  try {
    const bin = path.join(dir, 'node_modules/.bin');
    mkdirSync(bin, { recursive: true });
    mkdirSync(path.join(dir, 'sub/deeper'), { recursive: true });
    writeFileSync(path.join(bin, 'supervise-fake-bin'), '#!/bin/sh\necho "local $PWD"\n');
    chmodSync(path.join(bin, 'supervise-fake-bin'), 0o755);
    const deeper = path.join(dir, 'sub/deeper');
    const r = await spawn('supervise-fake-bin', [], { preferLocal: true, cwd: deeper });
    assert.is(r.stdout, `local ${deeper}`);
    const viaLocalDir = await spawn('supervise-fake-bin', [], { preferLocal: true, localDir: deeper, cwd: '/' });
    assert.is(viaLocalDir.stdout, 'local /');
    const e = await rejection(spawn('supervise-fake-bin', [], { cwd: deeper }));
    assert.is(e.code, 'ENOENT');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Run("should add env to process.env's variables, and replace them with extendEnv: false", async () => {
  process.env.SUPERVISE_T_APP = 'app';
  try {
    const script = 'echo "$SUPERVISE_T_APP:$SUPERVISE_T_OWN"';
    const added = await spawn('sh', ['-c', script], { env: { SUPERVISE_T_OWN: 'x' } });
    assert.is(added.stdout, 'app:x');
    const only = await spawn('/bin/sh', ['-c', script], { env: { SUPERVISE_T_OWN: 'y' }, extendEnv: false });
    assert.is(only.stdout, ':y');
    assert.is(spawnSync('sh', ['-c', script], { env: { SUPERVISE_T_OWN: 'z' } }).stdout, 'app:z');
  } finally {
    delete process.env.SUPERVISE_T_APP;
  }
});

const T = '\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] \\[(\\d+)\\]';

Run("should print the command, its output with 'full', and how it ended, as execa's verbose does", async () => {
  const full = await stderrOf(() =>
    spawn('sh', ['-c', 'echo "a b"; echo c >&2; exit 3'], { verbose: 'full' }).catch(() => {}),
  );
  const lines = full.trimEnd().split('\n');
  assert.is(lines.length, 5, full);
  const id = new RegExp(`^${T} `).exec(lines[0])![1];
  assert.ok(
    lines.every((l) => new RegExp(`^${T} `).exec(l)?.[1] === id),
    full,
  );
  const body = lines.map((l) => l.replace(new RegExp(`^${T} `), ''));
  assert.is(body[0], `$ sh -c 'echo "a b"; echo c >&2; exit 3'`);
  assert.equal(body.slice(1, 3).sort(), ['  a b', '  c']);
  assert.is(body[3], `✘ Command failed with exit code 3: sh -c 'echo "a b"; echo c >&2; exit 3'`);
  assert.match(body[4], /^✘ \(done in \d+(\.\d+)?m?s\)$/);

  const short = await stderrOf(() => spawn('echo', ['hidden'], { verbose: 'short' }));
  const shortBody = short
    .trimEnd()
    .split('\n')
    .map((l) => l.replace(new RegExp(`^${T} `), ''));
  assert.is(shortBody.length, 2, short);
  assert.is(shortBody[0], '$ echo hidden');
  assert.match(shortBody[1], /^✔ \(done in /);
  const warned = await stderrOf(() => spawn('false', [], { verbose: 'short', reject: false }));
  assert.match(warned, '⚠ Command failed with exit code 1: false');
  assert.is(await stderrOf(() => spawn('echo', ['quiet'])), '');
});

// ---
const Fields = suite('lib api: every Result field');
Fields.after.each(cleanup);

/** The fields that say how a command ended, to compare whole. */
function ending(r: Result) {
  return {
    failed: r.failed,
    exitCode: r.exitCode,
    signal: r.signal,
    signalDescription: r.signalDescription,
    timedOut: r.timedOut,
    isCanceled: r.isCanceled,
    isTerminated: r.isTerminated,
    isForcefullyTerminated: r.isForcefullyTerminated,
    isForcefullyKilled: r.isForcefullyKilled,
    isMaxBuffer: r.isMaxBuffer,
  };
}
const OK = {
  failed: false,
  exitCode: 0,
  signal: undefined,
  signalDescription: undefined,
  timedOut: false,
  isCanceled: false,
  isTerminated: false,
  isForcefullyTerminated: false,
  isForcefullyKilled: false,
  isMaxBuffer: false,
};
/** ending() of a command whose main child died of `signal`. */
const killedBy = (signal: string, signalDescription: string, more: Partial<typeof OK> = {}) => ({
  ...OK,
  failed: true,
  exitCode: undefined,
  signal,
  signalDescription,
  isTerminated: true,
  ...more,
});
const FORCED = { timedOut: true, isForcefullyTerminated: true, isForcefullyKilled: true };

Fields('should fill every field on success, a failure, a timeout, a kill, a forced kill and maxBuffer', async () => {
  const ok = await spawn('echo', ['a b'], { cwd: '/tmp', all: true });
  assert.equal(ending(ok), OK);
  assert.is(ok.command, 'echo a b');
  assert.is(ok.escapedCommand, "echo 'a b'");
  assert.is(ok.cwd, '/tmp');
  assert.is(ok.all, 'a b');
  assert.ok(ok.durationMs > 0);
  assert.is(ok.status?.kind, 'exited');
  assert.is((await spawn('true')).cwd, process.cwd());

  const failed = await rejection(spawn('sh', ['-c', 'exit 3']));
  assert.equal(ending(failed), { ...OK, failed: true, exitCode: 3 });
  assert.is(failed.originalMessage, undefined);

  const timedOut = await rejection(spawn('sleep', ['31.72'], { timeout: 50 }));
  assert.equal(ending(timedOut), killedBy('SIGTERM', 'Termination', { timedOut: true }));
  assert.is(timedOut.shortMessage, 'Command timed out after 50 milliseconds: sleep 31.72');

  const sub = spawn('sleep', ['31.73']);
  started.add(await sub.spawned);
  sub.kill('SIGINT');
  const killed = await rejection(sub);
  assert.equal(ending(killed), killedBy('SIGINT', 'User interruption with CTRL-C'));
  assert.is(killed.shortMessage, 'Command was killed with SIGINT (User interruption with CTRL-C): sleep 31.73');

  const rt = spawn('sleep', ['31.78']);
  started.add(await rt.spawned);
  rt.kill('SIGRTMIN+2');
  assert.equal(ending(await rejection(rt)), killedBy('SIGRTMIN+2', 'Application-specific signal (realtime)'));

  // Aborted once the shell has said it ignores SIGTERM (a timeout could beat the trap).
  const ac = new AbortController();
  const trapping = spawn('sh', ['-c', 'trap "" TERM; echo ready; sleep 31.74'], {
    signal: ac.signal,
    forceKillAfterDelay: 100,
  });
  trapping.stdout!.once('data', () => ac.abort());
  const forced = await rejection(trapping);
  assert.equal(
    ending(forced),
    killedBy('SIGKILL', 'Forced termination', { ...FORCED, timedOut: false, isCanceled: true }),
  );
  assert.is(
    forced.shortMessage,
    // the abort's reason (an AbortError) on the second line, as execa 9 prints it
    `Command was canceled and was forcefully terminated after 100 milliseconds: ${forced.escapedCommand}\nThis operation was aborted`,
  );

  const over = await rejection(spawn('yes', [], { maxBuffer: 10 }));
  assert.equal(ending(over), killedBy('SIGKILL', 'Forced termination', { isMaxBuffer: true }));
  assert.is(over.stdout, 'y\ny\ny\ny\ny'); // 10 characters, then the final newline stripped

  const missing = await rejection(spawn('supervise-no-such-cmd'));
  assert.equal(ending(missing), { ...OK, failed: true, exitCode: undefined });
  assert.is(missing.originalMessage, 'spawn supervise-no-such-cmd ENOENT');
  assert.is(missing.code, 'ENOENT');

  const nowhere = await rejection(spawn('true', [], { cwd: '/supervise-no-such-dir' }));
  assert.is(nowhere.code, 'ENOENT');
  assert.match(nowhere.originalMessage!, /^The "cwd" option is invalid: \/supervise-no-such-dir\.\n/);

  const unrejected = await spawn('sh', ['-c', 'exit 5'], { reject: false });
  assert.equal(ending(unrejected), { ...OK, failed: true, exitCode: 5 });
  assert.instance(unrejected, SubprocessError); // as execa's: the error, resolved
});

// ---
const Sync = suite('lib api: spawnSync');
Sync.after.each(cleanup);

Sync('should return once the whole tree is gone: a setsid grandchild included', () => {
  const r = spawnSync('sh', ['-c', escapeThen('echo main')], { stdin: 'ignore' });
  const pids = pidsIn(r.stderr as string);
  assert.is(pids.length, ESCAPE_PIDS);
  assert.is(r.stdout, 'main');
  const left = pids.filter(stillAlive);
  assert.equal(left, [], `alive when spawnSync returned: ${left}`);
  assert.equal(ending(r), OK);
  assert.is(r.status?.kind, 'exited');
});

Sync('should take (file, options) without args, as spawn() does and execa does', async () => {
  assert.equal(spawnSync('pwd', { cwd: '/tmp', lines: true }).stdout, ['/tmp']);
  const r = await spawn('pwd', { cwd: '/usr' });
  assert.is(r.stdout, '/usr');
  assert.is(r.command, 'pwd');
  // The args array still comes first when given; an object in its place is the options.
  assert.is((await spawn('echo', ['a', 'b'], { cwd: '/tmp' })).stdout, 'a b');
  assert.throws(() => spawn('echo', 'a' as unknown as string[]), /args must be an array of strings/);
});

Sync('should give the same Result fields and SubprocessError as spawn()', () => {
  const ok = spawnSync('printf', ['a\\nb\\n'], { lines: true, cwd: '/tmp', input: 'ignored' });
  assert.equal(ok.stdout, ['a', 'b']);
  assert.is(ok.cwd, '/tmp');
  assert.is(ok.escapedCommand, "printf 'a\\nb\\n'");
  const e = thrown(() => spawnSync('sh', ['-c', 'echo out; echo err >&2; exit 4']));
  assert.equal(ending(e), { ...OK, failed: true, exitCode: 4 });
  assert.is(e.message, "Command failed with exit code 4: sh -c 'echo out; echo err >&2; exit 4'\n\nerr\n\nout");
  assert.is(spawnSync('sh', ['-c', 'exit 4'], { reject: false }).exitCode, 4);
  const missing = thrown(() => spawnSync('supervise-no-such-cmd'));
  assert.is(missing.code, 'ENOENT');
  assert.is(spawnSync('cat', [], { input: 'fed' }).stdout, 'fed');
});

Sync('should time out, SIGKILL a tree that ignores SIGTERM after forceKillAfterDelay, and stop at maxBuffer', () => {
  // Timeouts long enough for supervise to have started the command, and the shell to trap
  // SIGTERM, on a busy machine (the Node host alone takes ~100 ms): nothing here can wait for it.
  const timedOut = thrown(() => spawnSync('sleep', ['31.75'], { timeout: 2000 }));
  assert.equal(ending(timedOut), killedBy('SIGTERM', 'Termination', { timedOut: true }));
  const forced = thrown(() =>
    spawnSync('sh', ['-c', `${ANNOUNCE}; trap "" TERM; setsid sleep 31.76 & announce $! >&2; sleep 31.77`], {
      timeout: 3000,
      forceKillAfterDelay: 200,
    }),
  );
  const [escapee] = pidsIn(forced.stderr as string);
  assert.ok(escapee > 0);
  assert.is(stillAlive(escapee), false);
  assert.equal(ending(forced), killedBy('SIGKILL', 'Forced termination', FORCED));
  const over = thrown(() => spawnSync('yes', [], { maxBuffer: 10 }));
  assert.is(over.isMaxBuffer, true);
  assert.is(over.stdout, 'y\ny\ny\ny\ny'); // 10 characters, then the final newline stripped
  assert.match(over.shortMessage, "Command's stdout was larger than 10 characters");
});

// ---
const Execa = suite('lib api: execa 9 where the first minutes meet it');
Execa.after.each(cleanup);

/** Resolves once `sub` is running (its pid is known), and remembers the pid for cleanup.
 *  Its failure counts as handled from here on (a test that fails before awaiting it must
 *  not end the file with an 'unhandledRejection'). */
async function running(sub: Subprocess): Promise<number> {
  sub.catch(() => {});
  const pid = await within(sub.spawned, 10_000, 'the command to start');
  started.add(pid);
  noteBirth(pid);
  return pid;
}

Execa('should stop an endless command when cancelSignal aborts, with the reason as cause', async () => {
  const controller = new AbortController();
  const sub = spawn('sleep', ['41.21'], { cancelSignal: controller.signal });
  const pid = await running(sub);
  const reason = new Error('the user changed their mind');
  controller.abort(reason);
  const e = await within(rejection(sub), 10_000, 'the canceled command to settle');
  assert.is(e.isCanceled, true);
  assert.is(e.cause, reason);
  assert.is(e.originalMessage, 'the user changed their mind');
  assert.is(e.shortMessage, 'Command was canceled: sleep 41.21\nthe user changed their mind');
  assert.is(stillAlive(pid), false);
  // execa 8's name still works
  const old = new AbortController();
  const sub8 = spawn('sleep', ['41.22'], { signal: old.signal });
  await running(sub8);
  old.abort();
  assert.is((await within(rejection(sub8), 10_000, 'execa 8 signal')).isCanceled, true);
});

Execa('should take .pipe(file, options) without an args array', async () => {
  const r = await within(
    Promise.resolve(spawn('printf', ['a\\n']).pipe('cat', { stripFinalNewline: false })),
    10_000,
    'the pipe',
  );
  assert.is(r.stdout, 'a\n');
});

Execa('should reject and stop an endless command whose stdout emits an error', async () => {
  const sub = spawn('yes', ['41.23']);
  const pid = await running(sub);
  const failure = new Error('the reader broke');
  sub.stdout!.emit('error', failure);
  const e = await within(rejection(sub), 10_000, 'the rejection');
  assert.is(e.cause, failure);
  assert.is(e.originalMessage, 'the reader broke');
  assert.is(stillAlive(pid), false);
});

Execa('should keep the cause of stdout.destroy(cause)', async () => {
  const sub = spawn('yes', ['41.24']);
  const pid = await running(sub);
  const cause = new Error('enough of that');
  sub.stdout!.destroy(cause);
  const e = await within(rejection(sub), 10_000, 'the rejection');
  assert.is(e.cause, cause);
  assert.match(e.shortMessage, /: yes 41\.24\nenough of that$/);
  assert.is(stillAlive(pid), false);
});

Execa('should settle after stdout.pipe(stream) then unpipe() of a stream that stopped reading', async () => {
  const sub = spawn('seq', ['1', '300000']);
  const sink = new PassThrough(); // never read: the source is held back at once
  sub.stdout!.pipe(sink);
  await until(() => sub.stdout!.readableFlowing === false, 10_000, 'the pipe to push back');
  sub.stdout!.unpipe(sink);
  const r = await within(Promise.resolve(sub), 10_000, 'the command to settle');
  assert.is((r.stdout as string).split('\n').length, 300000);
});

Execa("should collect bytes after stdout.setEncoding('utf8') with encoding 'buffer'", async () => {
  const sub = spawn('printf', ['h\\303\\251'], { encoding: 'buffer' });
  sub.stdout!.setEncoding('utf8');
  const r = await within(Promise.resolve(sub), 10_000, 'the command');
  assert.equal(Buffer.from(r.stdout as Uint8Array), Buffer.from('hé'));
});

Execa('should send killSignal from kill(), and escalate to SIGKILL after forceKillAfterDelay', async () => {
  const interrupted = spawn('sleep', ['41.25'], { killSignal: 'SIGINT' });
  await running(interrupted);
  assert.is(interrupted.kill(), true);
  const e = await within(rejection(interrupted), 10_000, 'the interrupted command');
  assert.is(e.signal, 'SIGINT');
  assert.is(e.isForcefullyTerminated, false);
  // A child ignoring SIGTERM: the tree is SIGKILLed forceKillAfterDelay after kill().
  const stubborn = spawn('sh', ['-c', 'trap "" TERM; echo ready; exec sleep 41.26'], { forceKillAfterDelay: 300 });
  const stubbornEnd = rejection(stubborn); // handled from the start, whatever fails below
  const ready = once(stubborn.stdout!, 'data'); // listening before anything can come
  const pid = await running(stubborn);
  await within(ready, 10_000, 'the trap to be set');
  stubborn.kill();
  const forced = await within(stubbornEnd, 10_000, 'the forced kill');
  assert.is(forced.signal, 'SIGKILL');
  assert.is(forced.isForcefullyTerminated, true);
  assert.is(
    forced.shortMessage,
    `Command was killed with SIGTERM (Termination) and was forcefully terminated after 300 milliseconds: ${stubborn.escapedCommand}`,
  );
  assert.is(stillAlive(pid), false);
});

Execa('should fail with the error given to kill(error) and kill(signal, error)', async () => {
  const a = spawn('sleep', ['41.27']);
  await running(a);
  const why = new Error('no longer needed');
  a.kill(why);
  const e = await within(rejection(a), 10_000, 'kill(error)');
  assert.is(e.cause, why);
  assert.is(e.signal, 'SIGTERM');
  assert.is(e.shortMessage, 'Command was killed with SIGTERM (Termination): sleep 41.27\nno longer needed');
  const b = spawn('sleep', ['41.28']);
  await running(b);
  const why2 = new Error('interrupted on purpose');
  b.kill('SIGINT', why2);
  const e2 = await within(rejection(b), 10_000, 'kill(signal, error)');
  assert.is(e2.cause, why2);
  assert.is(e2.signal, 'SIGINT');
  assert.throws(() => b.kill('SIGTERM', 'not an error' as unknown as Error), /must be an Error/);
});

Execa(
  "should raise 'unhandledRejection' for a failing command nobody awaits, not for one closed on purpose",
  async () => {
    const seen: unknown[] = [];
    const onUnhandled = (reason: unknown) => seen.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const failing = spawn('sh', ['-c', 'exit 41']);
      started.add(await within(failing.spawned, 10_000, 'the command to start'));
      await until(() => seen.length > 0, 10_000, 'the unhandled rejection');
      assert.instance(seen[0], SubprocessError);
      assert.is((seen[0] as SubprocessError).exitCode, 41);
      const closed = spawn('sleep', ['41.29']);
      await running(closed);
      await within(closed.close(), 10_000, 'close()');
      await new Promise((r) => setImmediate(r)); // Node reports unhandled rejections after the microtasks
      assert.is(seen.length, 1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  },
);

Execa('should report through the promise what execa reports there, and throw what execa throws', async () => {
  // Node refuses these at once; as execa, the subprocess is returned and its promise rejects.
  const notDir = spawn('ls', [], { cwd: '/etc/passwd' });
  const e = await within(rejection(notDir), 10_000, 'the cwd failure');
  assert.is(e.code, 'ENOTDIR');
  assert.is(
    e.shortMessage,
    'Command failed with ENOTDIR: ls\nThe "cwd" option is not a directory: /etc/passwd.\nspawn ls ENOTDIR',
  );
  await within(
    notDir.spawned.then(
      () => assert.unreachable('spawned resolved'),
      (error: SubprocessError) => assert.is(error.code, 'ENOTDIR'),
    ),
    10_000,
    'spawned',
  );
  const empty = await within(rejection(spawn('', [])), 10_000, 'the empty file');
  assert.is(empty.code, 'ERR_INVALID_ARG_VALUE');
  assert.is(
    empty.shortMessage,
    "Command failed with ERR_INVALID_ARG_VALUE: ''\nThe argument 'file' cannot be empty. Received ''",
  );
  // Invalid option values throw a TypeError at once, as execa's do.
  assert.throws(
    () => spawn('true', [], { stdout: 'bogus' as 'pipe' }),
    /stdout must be 'pipe', 'inherit', 'ignore', a file descriptor or a stream, not bogus/,
  );
  assert.throws(() => spawn('true', [], { forceKillAfterDelay: -1 }), /forceKillAfterDelay must be >= 0/);
  assert.throws(() => spawn('true', [], { cancelSignal: 'x' as unknown as AbortSignal }), /must be an AbortSignal/);
  assert.throws(() => spawn('echo', [{}] as unknown as string[]), /args must be an array of strings/);
});

Execa('should stringify numeric arguments, as execa does', async () => {
  const r = await within(Promise.resolve(spawn('echo', [1, 2.5] as unknown as string[])), 10_000, 'echo');
  assert.is(r.stdout, '1 2.5');
  assert.is(r.command, 'echo 1 2.5');
  assert.is(spawnSync('echo', [3] as unknown as string[]).stdout, '3');
});

Execa('should listen from iterable() on, and give an iterator with next() and return()', async () => {
  const sub = spawn('sh', ['-c', 'echo one; echo two; echo three']);
  const first = sub.iterable();
  const second = sub.iterable(); // both listen from now on, whichever is read first
  assert.is(typeof first.next, 'function');
  assert.is(typeof first.return, 'function');
  await within(Promise.resolve(sub), 10_000, 'the command'); // the output is over before any next()
  assert.equal(await first.next(), { value: 'one', done: false });
  assert.equal(await first.return(), { value: undefined, done: true });
  const rest: string[] = [];
  for await (const line of second) rest.push(line);
  assert.equal(rest, ['one', 'two', 'three']);
});

Execa('should keep the bound options of $(options) for $(file, options) and $(file, args, options)', async () => {
  const bound = $({ env: { BOUND_41: 'kept' }, stdin: 'ignore' });
  const r = await within(Promise.resolve(bound('printenv', { reject: true })), 10_000, 'printenv');
  assert.match(r.stdout as string, /^BOUND_41=kept$/m);
  const r2 = await within(Promise.resolve(bound('sh', ['-c', 'echo $BOUND_41'], {})), 10_000, 'sh');
  assert.is(r2.stdout, 'kept');
});

Execa('should report a 1 ms spawnSync timeout as a timeout', () => {
  const e = thrown(() => spawnSync('sleep', ['41.41'], { timeout: 1 }));
  assert.is(e.timedOut, true);
  assert.is(e.shortMessage, 'Command timed out after 1 milliseconds: sleep 41.41\nspawnSync sleep ETIMEDOUT');
});

Execa("should say 'maxBuffer exceeded' and escape control characters in messages, as execa does", async () => {
  const e = await within(
    rejection(spawn('printf', ['a\\tb\\001c\\033[31md\\n'], { maxBuffer: 4 })),
    10_000,
    'maxBuffer',
  );
  assert.is(e.originalMessage, 'maxBuffer exceeded');
  assert.is(e.shortMessage, `Command's stdout was larger than 4 characters: ${e.escapedCommand}\nmaxBuffer exceeded`);
  assert.is(e.stdout, 'a\tb\u0001');
  assert.is(e.message, `${e.shortMessage}\n\na\\tb\\u0001`); // the output kept, escaped
  const sync = thrown(() => spawnSync('printf', ['abcdef'], { maxBuffer: 2 }));
  assert.is(sync.originalMessage, 'maxBuffer exceeded');
});

Execa('should take per-stream option objects for stripFinalNewline, lines and maxBuffer, as execa 9', async () => {
  const both = 'printf "o1\\no2\\n"; printf "e1\\ne2\\n" >&2';
  const strip = await spawn('sh', ['-c', both], { stripFinalNewline: { stdout: false } });
  assert.is(strip.stdout, 'o1\no2\n');
  assert.is(strip.stderr, 'e1\ne2', 'a stream the object leaves out gets the default');
  const lines = await spawn('sh', ['-c', both], { lines: { stderr: true } });
  assert.is(lines.stdout, 'o1\no2');
  assert.equal(lines.stderr, ['e1', 'e2']);
  // The name of a stream wins over fd1/fd2, which win over all.
  const order = await spawn('sh', ['-c', both], { lines: { all: true, fd1: false, stderr: false } });
  assert.equal([order.stdout, order.stderr], ['o1\no2', 'e1\ne2']);
  const allSet = await spawn('sh', ['-c', both], { lines: { all: true } });
  assert.equal(
    [allSet.stdout, allSet.stderr],
    [
      ['o1', 'o2'],
      ['e1', 'e2'],
    ],
  );
  // all: lines when either stream is, stripped when either stream is.
  const all = await spawn('sh', ['-c', both], {
    all: true,
    lines: { stdout: true },
    stripFinalNewline: { stderr: false },
  });
  assert.equal((all.all as string[]).sort(), ['e1', 'e2', 'o1', 'o2']);
  // maxBuffer per stream: stderr's limit leaves stdout alone.
  const big = 'printf 0123456789; printf abcdefghij >&2';
  const err = (await spawn('sh', ['-c', big], { maxBuffer: { stderr: 4 } }).catch(
    (e: unknown) => e,
  )) as SubprocessError;
  assert.instance(err, SubprocessError);
  assert.is(err.isMaxBuffer, true);
  assert.is(err.stderr, 'abcd');
  assert.match(err.shortMessage, /^Command's stderr was larger than 4 characters/);
  const fine = await spawn('sh', ['-c', big], { maxBuffer: { stdout: 10, stderr: 10 } });
  assert.equal([fine.stdout, fine.stderr], ['0123456789', 'abcdefghij']);
  // The same in spawnSync.
  const sync = spawnSync('sh', ['-c', both], { lines: { stdout: true }, stripFinalNewline: { stderr: false } });
  assert.equal([sync.stdout, sync.stderr], [['o1', 'o2'], 'e1\ne2\n']);
  // A key that names no stream is a TypeError at once, as in execa.
  assert.throws(() => spawn('true', [], { lines: { stdin: true } as never }), /lines\.stdin is not a stream/);
});

Execa('should ignore lines with a binary encoding (hex, base64, latin1...), as execa does', async () => {
  const hex = await spawn('printf', ['a\\nb\\n'], { encoding: 'hex', lines: true });
  assert.is(hex.stdout, '610a620a');
  const b64 = await spawn('printf', ['a\\nb'], { encoding: 'base64', lines: true });
  assert.is(b64.stdout, Buffer.from('a\nb').toString('base64'));
  const latin1 = await spawn('printf', ['\\351\\n'], { encoding: 'latin1', lines: true, stripFinalNewline: false });
  assert.is(latin1.stdout, '\u00e9\n');
  const sync = spawnSync('printf', ['a\\nb\\n'], { encoding: 'hex', lines: true });
  assert.is(sync.stdout, '610a620a');
  // Typed as execa types it: a string.
  const typed: string = hex.stdout;
  assert.type(typed, 'string');
});

Execa("should start a pipe destination's verbose line with '|', as execa does", async () => {
  const text = await stderrOf(() =>
    spawn('echo', ['piped'], { verbose: 'short' }).pipe('cat', [], { verbose: 'short' }),
  );
  const starts = text
    .split('\n')
    .filter((l) => / [$|] /.test(l))
    .map((l) => l.replace(/^\[[\d:.]+\] \[\d+\] /, ''));
  assert.equal(starts, ['$ echo piped', '| cat']);
});

Buffer_.run();
// ---
const Timeout = suite('lib api: timeoutSignal (timeout -s)');
Timeout.after.each(cleanup);

Timeout('should send timeoutSignal on timeout and killSignal on kill(), in spawn()', async () => {
  const options = { timeoutSignal: 'SIGINT', killSignal: 'SIGHUP' } as const;
  const timedOut = await within(rejection(spawn('sleep', ['41.61'], { ...options, timeout: 50 })), 10_000, 'timeout');
  assert.equal(ending(timedOut), killedBy('SIGINT', 'User interruption with CTRL-C', { timedOut: true }));
  assert.is(timedOut.shortMessage, 'Command timed out after 50 milliseconds: sleep 41.61');
  const sub = spawn('sleep', ['41.62'], options);
  await running(sub);
  sub.kill();
  assert.equal(ending(await rejection(sub)), killedBy('SIGHUP', 'Terminal closed'));
  // Without timeoutSignal the timeout sends killSignal, as execa's.
  const byKill = await rejection(spawn('sleep', ['41.63'], { killSignal: 'SIGHUP', timeout: 50 }));
  assert.equal(ending(byKill), killedBy('SIGHUP', 'Terminal closed', { timedOut: true }));
});

Timeout('should SIGKILL the tree forceKillAfterDelay after a timeoutSignal the child ignores', async () => {
  // sleep ignores SIGWINCH from the start (its default action): no trap to wait for.
  const sub = spawn('sleep', ['41.64'], { timeout: 50, timeoutSignal: 'SIGWINCH', forceKillAfterDelay: 100 });
  const pid = await running(sub);
  const e = await within(rejection(sub), 10_000, 'the forced kill');
  assert.equal(ending(e), killedBy('SIGKILL', 'Forced termination', FORCED));
  assert.is(stillAlive(pid), false);
});

Timeout("should send timeoutSignal through supervise's --timeout in spawnSync, SIGKILL included", () => {
  const killed = thrown(() => spawnSync('sleep', ['41.65'], { timeout: 100, timeoutSignal: 'SIGKILL' }));
  assert.equal(ending(killed), killedBy('SIGKILL', 'Forced termination', { timedOut: true }));
  assert.is(killed.shortMessage, 'Command timed out after 100 milliseconds: sleep 41.65\nspawnSync sleep ETIMEDOUT');
  const int = thrown(() => spawnSync('sleep', ['41.66'], { timeout: 100, timeoutSignal: 2, killSignal: 'SIGHUP' }));
  assert.equal(ending(int), killedBy('SIGINT', 'User interruption with CTRL-C', { timedOut: true }));
  const forced = thrown(() =>
    spawnSync('sleep', ['41.67'], { timeout: 100, timeoutSignal: 'SIGWINCH', forceKillAfterDelay: 100 }),
  );
  assert.equal(ending(forced), killedBy('SIGKILL', 'Forced termination', FORCED));
  // supervise exits 124 after a timeout, and when the command does: the command's is no timeout.
  const own = spawnSync('sh', ['-c', 'exit 124'], { timeout: 600_000, reject: false });
  assert.equal(ending(own), { ...OK, failed: true, exitCode: 124 });
});

Timeout('should refuse a timeoutSignal that is no signal, at once', () => {
  assert.throws(() => spawn('true', [], { timeoutSignal: 'SIGNOPE' }), /unknown signal: SIGNOPE/);
  assert.throws(() => spawnSync('true', [], { timeoutSignal: 0 }), /timeoutSignal must be a signal, not 0/);
});

Output.run();
Run.run();
Fields.run();
Sync.run();
Execa.run();
Timeout.run();
