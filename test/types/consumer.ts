// A consumer of the library's types, compiled (never run) by `tsc --noEmit` in make check:
// every exported signature is called as a user would, and the types it gives are pinned
// with Equal<>. A change that breaks a user's code breaks this file.
import { Readable, Writable } from 'node:stream';
import {
  $,
  type ExitStatus,
  type Resources,
  type IterableOptions,
  type Options,
  type Output,
  type OutputOf,
  type Result,
  spawn,
  spawnSync,
  type Subprocess,
  SubprocessError,
  type StdioOption,
  type Verbose,
} from 'supervise';
import { type Equal, expect } from './equal.ts';

export async function consumer(): Promise<void> {
  // spawn(): output types follow the options.
  const plain = spawn('echo', ['hi']);
  expect<Equal<typeof plain, Subprocess<string, undefined>>>();
  const r = await plain;
  expect<Equal<typeof r.stdout, string>>();
  expect<Equal<typeof r.all, undefined>>(); // without `all: true`, as execa types it
  // `all: true`: result.all is the output, typed from the other options.
  const withAll = await spawn('echo', ['hi'], { all: true });
  expect<Equal<typeof withAll.all, string>>();
  const allLines = await spawn('echo', ['hi'], { all: true, lines: true });
  expect<Equal<typeof allLines.all, string[]>>();
  const allSync = spawnSync('echo', ['hi'], { all: true, encoding: 'buffer' });
  expect<Equal<typeof allSync.all, Uint8Array>>();
  const maybeAll = await spawn('echo', ['hi'], { all: Math.random() > 0.5 });
  expect<Equal<typeof maybeAll.all, string | undefined>>();
  // Per-stream objects (execa 9's fd-specific options): the union of what they may give.
  const perStream = await spawn('echo', ['hi'], { lines: { stderr: true }, maxBuffer: { stdout: 10 } });
  expect<Equal<typeof perStream.stdout, string | string[]>>();
  // lines does nothing with a binary encoding: a string.
  const hex = await spawn('echo', ['hi'], { encoding: 'hex', lines: true });
  expect<Equal<typeof hex.stdout, string>>();
  const listed = await spawn('ls');
  expect<Equal<typeof listed.stdout, string>>();
  const lines = await spawn('seq', ['3'], { lines: true });
  expect<Equal<typeof lines.stdout, string[]>>();
  const bytes = await spawn('cat', [], { encoding: 'buffer', input: Buffer.from('x') });
  expect<Equal<typeof bytes.stdout, Uint8Array>>();
  const opts: Options = { lines: true };
  const unknownShape = await spawn('x', [], opts);
  expect<Equal<typeof unknownShape.stdout, Output | undefined>>();
  expect<Equal<OutputOf<{ encoding: 'latin1' }>, string>>();
  // As execa's: stdout is there unless the options may leave it unpiped.
  const hi = await $`echo hi`;
  expect<Equal<typeof hi.stdout, string>>();
  const trimmed: string = (await $`echo hi`).stdout.trim();
  const ignored = await spawn('x', [], { stdout: 'ignore' });
  expect<Equal<typeof ignored.stdout, string | undefined>>();
  const inherited = await spawn('x', [], { stdio: 'inherit' });
  expect<Equal<typeof inherited.stderr, string | undefined>>();
  void trimmed;

  // Every option.
  const all: Required<Options> = {
    cwd: new URL('file:///tmp'),
    env: { PATH: '/usr/bin' },
    extendEnv: false,
    stdin: 'pipe',
    stdout: 'inherit',
    stderr: 'ignore',
    stdio: ['pipe', 'pipe', 2],
    input: 'text',
    encoding: 'utf8',
    stripFinalNewline: false,
    lines: false,
    all: true,
    maxBuffer: 1_000_000,
    shell: '/bin/bash',
    preferLocal: true,
    localDir: '/work',
    verbose: 'full',
    timeout: 1000,
    cancelSignal: AbortSignal.timeout(1000),
    signal: AbortSignal.timeout(1000),
    killSignal: 'SIGINT',
    timeoutSignal: 'SIGHUP',
    forceKillAfterDelay: false,
    onMainExit: 'wait-tree',
    cgroup: true,
    maxPids: 100,
    maxMemory: 512 * 1024 * 1024,
    reject: false,
    resources: true,
  };
  const v: Verbose[] = ['none', 'short', 'full'];
  const s: StdioOption[] = ['pipe', 'inherit', 'ignore', 3, new Readable(), new Writable()];
  void [
    all,
    v,
    s,
    { shell: true } satisfies Options,
    { killSignal: 9 } satisfies Options,
    { timeoutSignal: 9 } satisfies Options,
  ];

  // Subprocess: fields and methods.
  const sub = spawn('sh', ['-c', 'echo a; echo b >&2'], { all: true, timeout: 5000 });
  const pid: number = await sub.spawned;
  const maybePid: number | undefined = sub.pid;
  const command: string = sub.command;
  const escaped: string = sub.escapedCommand;
  const streams: [Writable | null, Readable | null, Readable | null, Readable | undefined] = [
    sub.stdin,
    sub.stdout,
    sub.stderr,
    sub.all,
  ];
  const killed: boolean = sub.kill() && sub.kill('SIGKILL') && sub.kill(15);
  sub.signal('SIGUSR1');
  const status: ExitStatus = await sub.wait();
  const known: ExitStatus | undefined = sub.status;
  for await (const e of sub.events()) expect<Equal<typeof e, ExitStatus>>();
  for await (const line of sub) expect<Equal<typeof line, string>>();
  const from: IterableOptions = { from: 'all', preserveNewlines: true };
  for await (const line of sub.iterable(from)) expect<Equal<typeof line, string>>();
  for await (const line of sub.iterable()) void line;
  await sub.close();
  await sub[Symbol.asyncDispose]();
  const caught: Result<string> | number = await sub.catch((e) => {
    expect<Equal<typeof e, SubprocessError<string, string>>>();
    return e.exitCode ?? -1;
  });
  const fin: Result<string> = await sub.finally(() => {});
  void [pid, maybePid, command, escaped, streams, killed, status, known, caught, fin];

  // Result and SubprocessError fields.
  const res: Result = await spawn('true', [], { reject: false });
  const fields: [
    string,
    string,
    string,
    number | undefined,
    string | undefined,
    string | undefined,
    Output | undefined,
    Output | undefined,
    Output | undefined,
    number,
    boolean,
    boolean,
    boolean,
    boolean,
    boolean,
    boolean,
    boolean,
    ExitStatus | undefined,
    Resources | undefined,
  ] = [
    res.command,
    res.escapedCommand,
    res.cwd,
    res.exitCode,
    res.signal,
    res.signalDescription,
    res.stdout,
    res.stderr,
    res.all,
    res.durationMs,
    res.failed,
    res.timedOut,
    res.isCanceled,
    res.isTerminated,
    res.isForcefullyTerminated,
    res.isForcefullyKilled,
    res.isMaxBuffer,
    res.status,
    res.resources,
  ];
  // What a process cost (with `resources: true`; optional, undefined without it): Node's
  // process.resourceUsage() names, numbers.
  const cost: Resources | undefined = status.resources;
  if (cost) {
    const figures: number[] = [
      cost.userCPUTime,
      cost.systemCPUTime,
      cost.maxRSS,
      cost.minorPageFault,
      cost.majorPageFault,
      cost.voluntaryContextSwitches,
      cost.involuntaryContextSwitches,
      cost.fsRead,
      cost.fsWrite,
    ];
    void figures;
  }
  try {
    await spawn('false');
  } catch (e) {
    if (e instanceof SubprocessError) {
      const extra: [string, string | undefined, string | undefined, number | undefined, string[] | undefined] = [
        e.shortMessage,
        e.originalMessage,
        e.code,
        e.errno,
        e.spawnargs,
      ];
      const asResult: Result = e;
      void [extra, asResult, e.message, e.syscall, e.path, e.cause];
    }
  }

  // spawnSync(): the same Result, typed the same way.
  const sync = spawnSync('echo', ['hi']);
  expect<Equal<typeof sync, Result<string, undefined>>>();
  const syncLines = spawnSync('seq', ['3'], { lines: true, timeout: 1000, verbose: 'short' });
  expect<Equal<typeof syncLines.stdout, string[]>>();
  const syncBytes = spawnSync('cat', [], { encoding: 'buffer', input: 'x' });
  expect<Equal<typeof syncBytes.stdout, Uint8Array>>();
  // (file, options) without args, as execa takes them.
  const syncNoArgs = spawnSync('pwd', { lines: true });
  expect<Equal<typeof syncNoArgs.stdout, string[]>>();
  const noArgs = spawn('pwd', { encoding: 'buffer' });
  expect<Equal<Awaited<typeof noArgs>['stdout'], Uint8Array>>();

  // Misuse the types reject.
  // @ts-expect-error args are an array
  spawn('echo', 'hi');
  // @ts-expect-error verbose takes a level, not a boolean
  spawn('echo', [], { verbose: true });
  // @ts-expect-error iterable() reads stdout, stderr or all
  sub.iterable({ from: 'fd3' });

  // $ and .pipe() as the first steps of a user.
  const viaTemplate: Subprocess = $`echo ${'a b'} ${['c', 'd']}`;
  const piped = spawn('seq', ['3']).pipe('cat');
  void [viaTemplate, piped, sync, fields];
}
