// subprocess.pipe() with real process trees, each stage under its own supervise. The oracle:
// every process of a stage's tree inherits that stage's stderr pipe (no escapee below closes
// it), so once the three stderr pipes are at EOF every process of the pipeline is dead; the
// escapees announce their pids on stderr, so the checks and the cleanup go by pid.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { spawn, SubprocessError, type PipedResult, type Subprocess } from '../lib/index.ts';
import { ANNOUNCE, alive, stillAlive, announcedIn, killQuietly, noteBirth, until, within } from './procs.ts';

const started = new Set<number>();
function cleanup(): void {
  for (const pid of started) killQuietly(pid);
  started.clear();
}

/** The middle stage: a background child, a setsid one, a double fork and a nohup one, each
 *  keeping every fd (stdin and stdout are the pipeline's pipes, stderr the oracle), then
 *  `grep 7` as the main child. */
const MIDDLE = [
  ANNOUNCE,
  'sleep 31.71 & announce $! >&2',
  'setsid sleep 31.72 & announce $! >&2',
  `sh -c '${ANNOUNCE}; sleep 31.73 & announce $! >&2'`,
  'nohup sleep 31.74 & announce $! >&2',
  'echo ready >&2',
  'exec grep 7',
].join('\n');
const MIDDLE_PIDS = 4;

/** Text written to a stage's stderr so far, and EOF on it (every process holding it dead). */
function watch(sub: Subprocess): { text: () => string; eof: Promise<void> } {
  let text = '';
  sub.stderr!.on('data', (d) => {
    text += d;
  });
  return { text: () => text, eof: new Promise((r) => sub.stderr!.on('close', () => r())) };
}

/** The SubprocessError `p` rejects with (fails the test if it resolves). */
function rejection(p: PromiseLike<unknown>): Promise<SubprocessError & PipedResult> {
  return Promise.resolve(p).then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: SubprocessError & PipedResult) => e,
  );
}

const Stages = suite('lib: pipe, three stages');
Stages.after.each(cleanup);

Stages('should give what the shell pipeline gives, and leave nothing of any stage when the last settles', async () => {
  const first = spawn('seq', ['3000']);
  const middle = first.pipe('sh', ['-c', MIDDLE]);
  const last = middle.pipe('sort', ['-r']);
  const watched = [first, middle, last].map(watch);
  for (const s of [first, middle, last]) {
    started.add(await within(s.spawned, 10_000, 'a stage to start'));
    noteBirth(s.pid!);
  }
  middle.stderr!.on('data', () => {
    for (const p of announcedIn(watched[1].text())) started.add(p);
  });
  const r = await within(Promise.resolve(last), 20_000, 'the pipeline');
  const shell = execFileSync('sh', ['-c', 'seq 3000 | grep 7 | sort -r'], { encoding: 'utf8' });
  assert.is(String(r.stdout).replace(/\n$/, ''), shell.replace(/\n$/, ''));
  const escapees = announcedIn(watched[1].text());
  assert.is(escapees.length, MIDDLE_PIDS, `the middle's escapees: ${watched[1].text()}`);
  // When the last settles every stage has settled, so every tree is gone, none left to reap.
  const pids = [first.pid!, middle.pid!, last.pid!, ...escapees];
  assert.equal(pids.filter(stillAlive), [], 'a process of the pipeline is alive after it settled');
  await within(Promise.all(watched.map((w) => w.eof)), 1000, "EOF on every stage's stderr");
});

Stages('should end the whole pipeline, and reject, when the first stage is killed', async () => {
  const first = spawn('sh', ['-c', 'echo 7; echo wrote >&2; exec sleep 31.75']);
  const middle = first.pipe('sh', ['-c', MIDDLE]);
  const last = middle.pipe('cat');
  const watched = [first, middle, last].map(watch);
  for (const s of [first, middle, last]) {
    started.add(await within(s.spawned, 10_000, 'a stage to start'));
    noteBirth(s.pid!);
  }
  // Killed only once it has written its line (else grep would find nothing and fail).
  await until(() => watched[0].text().includes('wrote'), 10_000, 'the first stage to write');
  await until(() => watched[1].text().includes('ready'), 10_000, 'the middle stage to start its escapees');
  const escapees = announcedIn(watched[1].text());
  for (const p of escapees) started.add(p);
  assert.is(escapees.length, MIDDLE_PIDS);
  const pids = [first.pid!, middle.pid!, last.pid!, ...escapees];
  assert.equal(
    pids.filter((p) => !alive(p)),
    [],
    'every process is running before the kill',
  );

  first.kill();
  const e = await within(rejection(last), 10_000, 'the pipeline to settle');
  // The first stage's failure; the others ended on EOF and succeeded.
  assert.instance(e, SubprocessError);
  assert.is(e.signal, 'SIGTERM');
  assert.match(e.command, 'sleep 31.75');
  assert.equal(pids.filter(stillAlive), [], 'a process of the pipeline outlived the first stage');
  await within(Promise.all(watched.map((w) => w.eof)), 1000, "EOF on every stage's stderr");
  // The later stages read to EOF and exited 0; awaiting the middle gives the first's error too.
  assert.is(middle.status?.exitCode, 0);
  assert.is(last.status?.exitCode, 0);
  assert.is((await rejection(middle)).signal, 'SIGTERM');
});

Stages('should settle with the last Result, pipedFrom holding the earlier ones in order', async () => {
  const r = await spawn('seq', ['30']).pipe('grep', ['2']).pipe('wc', ['-l']);
  assert.is(String(r.stdout).trim(), '12');
  assert.is(r.command, 'wc -l');
  assert.is(r.pipedFrom.length, 1);
  const [grep] = r.pipedFrom;
  assert.is(grep.command, 'grep 2');
  assert.is(grep.exitCode, 0);
  assert.is(grep.pipedFrom.length, 1);
  assert.is(grep.pipedFrom[0].command, 'seq 30');
  assert.equal(grep.pipedFrom[0].pipedFrom, []);
});

Stages("should reject with the middle stage's error when it fails, the other stages ending", async () => {
  const last = spawn('seq', ['100']).pipe('sh', ['-c', 'read x; echo "$x"; exit 5']).pipe('cat');
  const e = await within(rejection(last), 10_000, 'the pipeline');
  assert.is(e.exitCode, 5);
  assert.is(e.command, 'sh -c read x; echo "$x"; exit 5');
  assert.is(e.pipedFrom.length, 1);
  assert.is(e.pipedFrom[0].command, 'seq 100');
});

// ---

const Ways = suite('lib: pipe, the other ways');
Ways.after.each(cleanup);

Ways('should pipe into a running Subprocess, and from stderr or all', async () => {
  const cat = spawn('cat');
  const r = await spawn('sh', ['-c', 'echo one']).pipe(cat);
  assert.is(String(r.stdout).trim(), 'one');
  assert.is(r.pipedFrom[0].command, 'sh -c echo one');

  const e = await spawn('sh', ['-c', 'echo out; echo err >&2']).pipe('cat', [], { from: 'stderr' });
  assert.is(String(e.stdout).trim(), 'err');

  const a = await spawn('sh', ['-c', 'echo out; echo err >&2']).pipe('sort', [], { from: 'all' });
  assert.is(String(a.stdout).trim(), 'err\nout');
});

Ways("should copy the rest in JS once the source's output has been read, ignoring input", async () => {
  const source = spawn('sh', ['-c', 'echo a; read x; echo b']);
  await new Promise((r) => source.stdout!.once('data', r)); // `a` read here: no fd to hand over
  const last = source.pipe('cat', [], { input: 'ignored' });
  source.stdin!.end('go\n');
  const r = await within(Promise.resolve(last), 10_000, 'the copy');
  assert.is(r.stdout, 'b');
  assert.is(r.pipedFrom[0].stdout, 'a\nb', "the source kept all it read, as execa's does");
});

Ways('should pipe from several sources into one destination, settling when all have', async () => {
  const cat = spawn('sort');
  spawn('echo', ['b']).pipe(cat);
  const r = await spawn('echo', ['a']).pipe(cat);
  assert.is(String(r.stdout).trim(), 'a\nb');
  assert.equal(r.pipedFrom.map((p) => p.command).sort(), ['echo a', 'echo b']);
});

Ways('should end the source when the destination stops reading, as a shell does', async () => {
  const source = spawn('yes');
  const last = source.pipe('head', ['-n', '2']);
  started.add(await within(source.spawned, 10_000, 'yes to start'));
  const e = await within(rejection(last), 10_000, 'the pipeline after head exits');
  // child_process's pipes are socket pairs: `yes` sees EPIPE (SIGPIPE) or, with bytes left
  // unread by head, ECONNRESET (it then exits 1); either way it ends, and the pipeline fails.
  assert.is(e.command, 'yes');
  assert.ok(e.signal === 'SIGPIPE' || e.exitCode === 1, `yes ended with ${e.signal ?? e.exitCode}`);
  assert.is(String(e.pipedFrom ?? []), '', 'the source has nothing piped into it');
});

Ways('should accept a template and .pipe(options) then a template', async () => {
  const word = 'b c';
  const r = await spawn('printf', ['a\\nb c\\n']).pipe`grep -x ${word}`;
  assert.is(String(r.stdout).trim(), 'b c');
  const w = await spawn('pwd').pipe({ cwd: '/' })`sh -c ${'cat; pwd'}`;
  assert.is(String(w.stdout).trim(), `${process.cwd()}\n/`);
});

Ways('should throw a TypeError for a destination that is none, or a source stream not piped', () => {
  const source = spawn('true', [], { stdout: 'ignore' });
  assert.throws(() => source.pipe('cat'), /stdout is not piped/);
  assert.throws(() => spawn('true').pipe(42 as never), /destination must be/);
  assert.throws(() => spawn('true').pipe('cat', [], { from: 'stdio' as never }), /from must be/);
  assert.throws(() => spawn('true').pipe(spawn('true', [], { stdin: 'ignore' })), /stdin is not 'pipe'/);
  const once = spawn('echo', ['x']);
  once.pipe('cat');
  assert.throws(() => once.pipe('cat'), /went to an earlier .pipe\(\) destination/);
});

Ways('should reject with ENOENT when a stage cannot start, the other stages ending', async () => {
  const first = await within(rejection(spawn('nosuchcmd-13').pipe('cat')), 10_000, 'a missing source');
  assert.is(first.code, 'ENOENT');
  assert.is(first.path, 'nosuchcmd-13');
  const source = spawn('seq', ['1000000']);
  const last = await within(rejection(source.pipe('nosuchcmd-14')), 10_000, 'a missing destination');
  assert.is(last.code, 'ENOENT');
  assert.is(last.pipedFrom[0].command, 'seq 1000000', 'seq ended too (EPIPE), so its Result is there');
});

// ---
const Execa = suite('lib: pipe, as execa 9 settles it');
Execa.after.each(cleanup);

Execa("should leave the destination's own await alone after .pipe(subprocess)", async () => {
  const source = spawn('sh', ['-c', 'echo piped; exit 3']);
  const destination = spawn('cat');
  const pipeline = source.pipe(destination);
  assert.ok(pipeline !== destination, 'what .pipe() returns is a view, not the destination itself');
  assert.is(pipeline.stdin, destination.stdin, 'the view reads through to the destination');
  const e = await within(
    Promise.resolve(pipeline).then(
      () => assert.unreachable('the pipeline resolved'),
      (error: SubprocessError) => error,
    ),
    10_000,
    'the pipeline',
  );
  assert.is((e as SubprocessError).exitCode, 3, "the pipeline rejects with the source's error");
  const own = await within(Promise.resolve(destination), 10_000, 'the destination');
  assert.is(own.stdout, 'piped');
  assert.is(own.failed, false, "the destination's own await is its own Result");
  await within(
    source.catch(() => {}),
    10_000,
    'the source',
  );
});

Execa('should pipe nothing from a source whose output has ended, as execa does', async () => {
  const source = spawn('echo', ['early']);
  await within(Promise.resolve(source), 10_000, 'the source');
  const r = await within(Promise.resolve(source.pipe('cat')), 10_000, 'the pipe after the end');
  assert.is(r.stdout, '');
  assert.is(r.pipedFrom[0].stdout, 'early');
});

Execa('should take 12 sources into one destination without a MaxListenersExceeded warning', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    const sink = spawn('sort', ['-n']);
    const pipes = Array.from({ length: 12 }, (_, i) => spawn('echo', [String(i)]).pipe(sink));
    await within(Promise.all(pipes), 20_000, 'the 12 pipes');
    const r = await sink;
    assert.is(r.stdout, Array.from({ length: 12 }, (_, i) => i).join('\n'));
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    assert.equal(
      warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
      [],
    );
  } finally {
    process.off('warning', onWarning);
  }
});

Stages.run();
Ways.run();
Execa.run();
