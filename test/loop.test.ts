// main() of core.wasm, the whole program, against the fake kernel of test/fake-kernel.ts: set-up,
// the epoll loop, timers, back-pressure, launch mode, the argument parser and the events
// log. The fake advances its world at each epollWait() from a script (FakeKernel.script).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { decodeStatusRef, concatBytes, encodeControlRef } from './helpers.ts';
import {
  FakeKernel,
  World,
  worldActions,
  plain,
  EPOLLIN,
  EPOLLOUT,
  EACCES,
  EAGAIN,
  EMFILE,
  ENOENT,
  ENOSPC,
  EPERM,
  EPIPE,
  SI_USER,
  SENDER,
  SI_KERNEL,
  type FakeKernelOptions,
  type Step,
  type WorldAction,
} from './fake-kernel.ts';
import { launchArgv } from '../codec/argv.ts';
import {
  LAUNCH_OPTIONS,
  FLAG,
  FD,
  DURATION,
  SIGNAL,
  FILE,
  COUNT,
  SIZE,
  INNER,
  type LaunchOption,
} from '../assembly/options.ts';
import { SIGNAL_MAX, EXIT_FRONT_END } from '../assembly/protocol.ts';

const CLD_EXITED = 1,
  CLD_KILLED = 2;
const SUP_SPAWNED = 0x5301,
  SUP_SPAWN_FAILED = 0x5302;
const SIGHUP = 1,
  SIGINT = 2,
  SIGQUIT = 3,
  SIGKILL = 9,
  SIGUSR1 = 10,
  SIGTERM = 15,
  SIGCONT = 18,
  SIGURG = 23,
  SIGWINCH = 28;

/** A fake kernel for one run of main(), with the script's steps; 'fail' when the core would
 *  sleep with nothing left to happen (unless the test lets the fake close the control fd). */
function kernel(opts: FakeKernelOptions & { idle?: 'eof' | 'fail' } = {}, ...steps: Step[]): FakeKernel {
  const k = new FakeKernel(opts);
  k.idle = opts.idle ?? 'fail';
  k.script.push(...steps);
  return k;
}

function run(k: FakeKernel): number {
  return k.instantiate().main();
}

/** main()'s exit status, or what the fake threw (e.g. that the core would sleep forever). */
function outcome(k: FakeKernel): number | string {
  try {
    return run(k);
  } catch (e) {
    return (e as Error).message;
  }
}

/** [signo, code, pid, status, errno] of every record written. */
const summary = (k: FakeKernel) =>
  k.records().map((r) => {
    const f = decodeStatusRef(r);
    return [f.signo, f.code, f.pid, f.status, f.errno];
  });
const exited = (pid: number, status: number) => [17, CLD_EXITED, pid, status, 0];
const killed = (pid: number, sig: number) => [17, CLD_KILLED, pid, sig, 0];
const spawnedRecord = (pid: number) => [0, SUP_SPAWNED, pid, 0, 0];
const spawnFailedRecord = (errno: number) => [0, SUP_SPAWN_FAILED, 0, 0, errno];

const killsOf = (k: FakeKernel) => k.kills.map((c) => [c.pid, c.sig]);
const timeouts = (k: FakeKernel) => k.waits.map((w) => w.timeout);

/** Nothing bad the fake saw, every kill aimed at a child, nothing of the tree left alive. */
function assertClean(k: FakeKernel): void {
  assert.equal(k.violations, []);
  for (const c of k.kills) assert.ok(c.wasChild && c.pid > 0, `kill(${c.pid}, ${c.sig}) of a non-child`);
  assert.equal(k.livingDescendants(), []);
  assert.equal(k.childPids(), []);
}

// ---

const protocol = suite('protocol mode');

protocol(
  'should write records, carry out control records for children only, and tear down a tree on EOF (exit 0)',
  () => {
    const k = kernel();
    const a = k.spawn(),
      b = k.spawn();
    const g = k.spawn(a); // adopted when a exits
    const h1 = k.spawn(b),
      h2 = k.spawn(h1); // b's subtree: orphans at tear-down
    const sibling = k.add(60, k.parent).pid;
    k.script.push(
      () => k.exit(a, 3),
      () =>
        k.sendRecords([g, SIGTERM], [sibling, SIGKILL], [h1, SIGKILL], [0, SIGKILL], [k.self, SIGKILL], [1, SIGKILL]),
      () => k.closeControl(),
    );
    assert.is(run(k), 0);
    assert.equal(summary(k), [
      exited(a, 3),
      killed(g, SIGTERM),
      killed(b, SIGKILL),
      killed(h1, SIGKILL),
      killed(h2, SIGKILL),
    ]);
    assert.equal(killsOf(k), [
      [g, SIGTERM],
      [b, SIGKILL],
      [h1, SIGKILL],
      [h2, SIGKILL],
    ]);
    assert.equal(k.stderr, ['supervise: refused a control record for pid 0 (signal 9): pids <= 0 are never signalled']);
    assert.ok(k.procs.get(sibling)!.state === 'alive');
    assert.equal(timeouts(k), [-1, -1, -1]);
    assert.equal(
      k.openFds(),
      [
        [0, 'control'],
        [1, 'status'],
        [2, 'stderr'],
        [3, 'signals'],
      ],
      'epoll and the /proc files closed',
    );
    assertClean(k);
  },
);

protocol('should exit 0 at once when it has no child, without waiting', () => {
  const k = kernel();
  assert.is(run(k), 0);
  assert.equal(k.waits, []);
  assert.equal(k.written, []);
  assertClean(k);
});

protocol('should set itself up as a child subreaper watching the signal pipe and fd 0', () => {
  const k = kernel({}, () => k.closeControl());
  k.spawn();
  assert.is(run(k), 0);
  assert.ok(k.subreaper);
  // Every signal whose default action would end supervise, SIGPIPE included (its own write's
  // is told apart by its sender), and SIGCHLD.
  for (const sig of [17, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 24, 25, 26, 27, 29, 30, 31, 34, 64])
    assert.ok(k.caught.has(sig), `${sig} caught`);
  for (const sig of [SIGKILL, 19, 20, 21, 22, SIGCONT, 23, SIGWINCH, 32, 33])
    assert.not.ok(k.caught.has(sig), `${sig} keeps its default`);
  assert.equal(k.ctl.slice(0, 2), ['ADD 3 1', 'ADD 0 1']); // the signal pipe (fd 3), then the control fd
  assertClean(k);
});

protocol('should reassemble control records split across reads and ignore a partial one at EOF', () => {
  const k = kernel();
  const a = k.spawn(),
    b = k.spawn();
  const bytes = concatBytes([encodeControlRef(a, 0), encodeControlRef(b, SIGTERM), encodeControlRef(a, SIGKILL)]);
  k.script.push(
    () => k.sendControl(bytes.subarray(0, 5)),
    () => k.sendControl(bytes.subarray(5, 13)),
    () => k.sendControl(bytes.subarray(13, 20)),
    () => k.closeControl(),
  );
  assert.is(run(k), 0);
  assert.equal(killsOf(k), [
    [a, 0],
    [b, SIGTERM],
    [a, SIGKILL],
  ]);
  assert.equal(k.stderr, ['supervise: the control stream ended inside a record (4 of 8 bytes); ignored']);
  assertClean(k);
});

protocol('should keep reaping without a word once the status reader is gone, until EOF', () => {
  const k = kernel();
  const a = k.spawn(),
    b = k.spawn(),
    c = k.spawn();
  k.script.push(
    () => k.exit(a, 0),
    () => {
      k.reader = 'gone';
      k.exit(b, 1);
    },
    () => k.closeControl(),
  );
  assert.is(run(k), 0);
  assert.equal(summary(k), [exited(a, 0)]);
  assert.equal(
    k.reaped.map((r) => r.pid),
    [a, b, c],
  );
  assert.equal(k.stderr, []);
  assertClean(k);
});

protocol('should not take its own signal pipe for fd 0 or fd 1 when they were closed at exec (no hang)', () => {
  // signals() gets the lowest free fd: with fd 1 closed the signal pipe's read end becomes
  // the status fd, never writable: no record goes out, nothing is reaped, tear-down hangs.
  for (const fd of [0, 1]) {
    const k = kernel({ fds: { [fd]: 'closed' } }, () => k.closeControl());
    k.spawn();
    const code = outcome(k);
    assert.type(code, 'number', `fd ${fd} closed: ${code}`);
    if (code === 1) assert.is(k.stderr.length, 1, 'a set-up failure says why');
    else assertClean(k);
  }
});

protocol('should read a control fd epoll refuses (a regular file) to its end without blocking, then tear down', () => {
  const k = kernel();
  k.controlRegular = true;
  const a = k.spawn(),
    b = k.spawn();
  k.sendRecords([a, SIGTERM]);
  assert.is(run(k), 0);
  assert.equal(killsOf(k), [
    [a, SIGTERM],
    [b, SIGKILL],
  ]);
  assert.ok(
    timeouts(k).every((t) => t === 0),
    `timeouts ${timeouts(k)}`,
  );
  assert.not.ok(
    k.ctl.some((c) => c.startsWith('ADD 0')),
    'the file is not watched',
  );
  assertClean(k);
});

/** A cgroup2 mounted at /cg, supervise in /u of it: its leaf's files -> the leaf's path. */
function cgroupFiles(k: FakeKernel, procsWrites: number[] = []): string {
  const text = (t: string) => ({ data: [...Buffer.from(t)], writeResults: [] as number[] });
  k.files.set('/proc/self/cgroup', text('0::/u\n'));
  k.files.set('/proc/self/mountinfo', text('40 30 0:37 / /cg rw - cgroup2 cgroup2 rw\n'));
  const leaf = `/cg/u/supervise.${k.self}`;
  k.files.set(`${leaf}/cgroup.procs`, { data: [], writeResults: procsWrites });
  k.files.set(`${leaf}/cgroup.kill`, text(''));
  k.files.set(`${leaf}/cgroup.events`, text('populated 0\n'));
  k.files.set(`${leaf}/cpu.stat`, text('usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n'));
  return leaf;
}

protocol(
  'should move every living descendant into the leaf with --cgroup, name the one it cannot move, and write layers first, totals last',
  () => {
    const k = kernel({ argv: ['--cgroup'] });
    const EPERM = -1;
    const a = k.spawn(),
      b = k.spawn();
    const g = k.spawn(a),
      h = k.spawn(g),
      r = k.spawn(b),
      z = k.spawn(b);
    k.exit(z, 0); // a zombie: it forks no more, and the kernel would not move it
    // Breadth first: a, b, then g, r (refused), then h.
    const leaf = cgroupFiles(k, [99, 99, 99, EPERM, 99]);
    k.script.push(() => k.closeControl());
    assert.is(run(k), 0);
    const procs = Buffer.from(k.files.get(`${leaf}/cgroup.procs`)!.data).toString();
    assert.is(procs, `${a}\n${b}\n${g}\n${h}\n`);
    assert.equal(k.stderr, [
      `supervise: --cgroup: cannot move pid ${r} into ${leaf}: Operation not permitted; the subreaper alone holds it`,
    ]);
    const records = summary(k);
    assert.equal(records[0], [0, 0x5304, k.self, 3, 0], 'layers first: subreaper and cgroup');
    assert.equal(records.at(-1), [0, 0x5305, k.self, 0, 0], 'totals last');
    assert.is(records.length, 2 + 6, 'one record per process besides');
    assert.is(Buffer.from(k.files.get(`${leaf}/cgroup.kill`)!.data).toString(), '1', 'cgroup.kill at tear-down');
    assert.equal([...k.dirs], [], 'the leaf made and removed');
    assertClean(k);
  },
);

protocol('should go on with what it moved when the tree never settles in the leaf (100 passes), saying so', () => {
  const k = kernel({ argv: ['--cgroup', '--verbose'] });
  const a = k.spawn();
  // The kernel takes the write and moves nothing, pass after pass (a storm's stand-in).
  const leaf = cgroupFiles(k, Array(100).fill(0));
  k.script.push(() => k.closeControl());
  assert.is(run(k), 0);
  assert.equal(k.stderr, [
    `supervise: --cgroup: after 100 passes processes were still being started outside ${leaf} (a fork storm?); going on with those moved, the subreaper alone holds the rest`,
    `supervise: layers: subreaper, cgroup v2 ${leaf}`,
  ]);
  assert.equal(summary(k), [[0, 0x5304, k.self, 3, 0], killed(a, SIGKILL), [0, 0x5305, k.self, 0, 0]]);
  assertClean(k);
});

protocol('should take no option but those of protocol mode without a command', () => {
  for (const argv of [['--wait-all'], ['--cgroup', '--grace', '1s'], ['--cgroup', '--'], ['--events', 'x']]) {
    assert.is(outcome(kernel({ argv })), EXIT_FRONT_END, argv.join(' '));
  }
});

// ---

const signals = suite('signals');

signals('should tear down on a TERM pending since exec, at the first wait, and exit 143', () => {
  const k = kernel();
  const a = k.spawn();
  const g = k.spawn(a);
  k.pendingAtExec.push([SIGTERM, SI_USER]);
  assert.is(run(k), 143);
  assert.is(k.waits.length, 1);
  assert.equal(k.waits[0].events, [[3, EPOLLIN]]);
  assert.equal(killsOf(k), [
    [a, SIGKILL],
    [g, SIGKILL],
  ]);
  assert.equal(summary(k), [killed(a, SIGKILL), killed(g, SIGKILL)]);
  assertClean(k);
});

signals('should forward a TERM pending since exec to the command in launch mode once it runs, then exit 143', () => {
  let main = 0;
  const k = kernel({ argv: ['--', 'sh'] });
  k.onSpawn = (pid) => {
    main = pid;
    k.spawn(pid);
  };
  k.pendingAtExec.push([SIGTERM, SI_USER]);
  assert.is(run(k), 143);
  assert.equal(killsOf(k)[0], [main, SIGTERM]);
  assert.is(k.waits.length, 1);
  assertClean(k);
});

signals('should exit 128 + N for each of TERM, INT, HUP and QUIT, the first one winning', () => {
  for (const sig of [SIGTERM, SIGINT, SIGHUP, SIGQUIT]) {
    const k = kernel({}, () => {
      k.signalSupervise(sig);
      k.signalSupervise(SIGTERM);
    });
    k.spawn();
    assert.is(run(k), 128 + sig);
    assertClean(k);
  }
});

signals('should take an interrupted wait (EINTR) as a wake-up and read the pipe', () => {
  const k = kernel({}, () => {
    k.signalSupervise(SIGINT);
    return 'EINTR';
  });
  k.spawn();
  assert.is(run(k), 130);
  assert.is(k.waits[0].result, -4);
  assertClean(k);
});

signals('should live on through the other signals it catches (STKFLT, RT) and count SIGCHLD as a wake-up only', () => {
  const k = kernel(
    {},
    () => k.signalSupervise(16),
    () => k.signalSupervise(40),
    () => k.signalSupervise(17),
    () => k.closeControl(),
  );
  const a = k.spawn();
  assert.is(run(k), 0);
  assert.equal(killsOf(k), [[a, SIGKILL]]);
  assert.is(k.waits.length, 4);
  assertClean(k);
});

// ---

const launch = suite('launch mode');

const STATUS3 = { fds: { 3: 'status' as const } };

launch("should write the spawned record first and exit with the command's status, killing what it left", () => {
  let main = 0,
    g = 0;
  const k = kernel({ ...STATUS3, argv: ['--status-fd', '3', '--', 'make', '-j', 'all'] }, () => k.exit(main, 42));
  k.onSpawn = (pid) => {
    main = pid;
    g = k.spawn(pid);
  };
  assert.is(run(k), 42);
  assert.equal(
    k.spawns.map((s) => [s.argv, s.flags, s.pdeathsig, s.cloneFlags]),
    [[['make', '-j', 'all'], 0, SIGKILL, 0]],
  );
  assert.equal(k.spawns[0].inherited, [0, 1, 2], 'the status fd, the signal pipe and epoll are CLOEXEC');
  assert.equal(summary(k), [spawnedRecord(main), exited(main, 42), killed(g, SIGKILL)]);
  assert.equal(killsOf(k), [[g, SIGKILL]]);
  assert.equal(k.stderr, []);
  assertClean(k);
});

launch('should exit 128 + N when the command dies of signal N', () => {
  let main = 0;
  const k = kernel({ argv: ['--', 'crash'] }, () => k.crash(main, 6));
  k.onSpawn = (pid) => (main = pid);
  assert.is(run(k), 134);
  assertClean(k);
});

launch('should wait for the rest of the tree with --wait-all', () => {
  let main = 0,
    g = 0;
  const k = kernel(
    { ...STATUS3, argv: ['--wait-all', '--status-fd=3', '--', 'sh'] },
    () => k.exit(main, 3),
    () => k.exit(g, 0),
  );
  k.onSpawn = (pid) => {
    main = pid;
    g = k.spawn(pid);
  };
  assert.is(run(k), 3);
  assert.equal(k.kills, []);
  assert.equal(summary(k), [spawnedRecord(main), exited(main, 3), exited(g, 0)]);
  assertClean(k);
});

launch('should exit 127 when the command is not found and 126 when it cannot run, with a spawn-failed record', () => {
  for (const [errno, code, text] of [
    [ENOENT, 127, 'No such file or directory'],
    [EACCES, 126, 'Permission denied'],
  ] as const) {
    const k = kernel({ ...STATUS3, argv: ['--status-fd', '3', '--', './nosuch', 'x'] });
    k.spawnError = -errno;
    assert.is(run(k), code);
    assert.equal(summary(k), [spawnFailedRecord(errno)]);
    assert.equal(k.stderr, [`supervise: ./nosuch: ${text}`]);
    assert.equal(k.waits, []);
    assertClean(k);
  }
});

launch('should forward every signal to the command only (CONT, URG, WINCH, USR1, HUP)', () => {
  let main = 0;
  const sent = [SIGCONT, SIGURG, SIGWINCH, SIGUSR1, SIGHUP];
  const k = kernel({ argv: ['--', 'server'] }, () => {
    for (const s of sent) k.signalSupervise(s);
  });
  k.onSpawn = (pid) => {
    main = pid;
    for (const s of sent) k.procs.get(pid)!.ignores.add(s);
    k.spawn(pid);
  };
  k.script.push(() => k.exit(main, 0));
  assert.is(run(k), 0);
  assert.equal(
    killsOf(k).slice(0, 5),
    sent.map((s) => [main, s]),
  );
  assert.equal(
    killsOf(k)
      .slice(5)
      .map(([, s]) => s),
    [SIGKILL],
    'then the orphan, at tear-down',
  );
  assertClean(k);
});

launch("should SIGTERM the command at --timeout (the deadline is epoll_wait's timeout) and exit 124", () => {
  let main = 0;
  const k = kernel({ argv: ['--timeout', '5s', '--', 'sleep', '9'] }, () => {
    k.advance(1200);
    k.signalSupervise(SIGWINCH);
  });
  k.onSpawn = (pid) => {
    main = pid;
    k.procs.get(pid)!.ignores.add(SIGWINCH);
  };
  const start = k.monoMs;
  assert.is(run(k), 124);
  assert.equal(timeouts(k), [5000, 3800]);
  assert.is(k.monoMs - start, 5000);
  // The command dies of the TERM (its default action); nothing else is left to kill.
  assert.equal(killsOf(k), [
    [main, SIGWINCH],
    [main, SIGTERM],
  ]);
  assertClean(k);
});

launch('should send --timeout-signal instead of TERM at --timeout, and still exit 124', () => {
  let main = 0;
  const k = kernel({ argv: ['--timeout', '5s', '--timeout-signal', '2', '--', 'sleep', '9'] });
  k.onSpawn = (pid) => (main = pid);
  assert.is(run(k), 124);
  assert.equal(timeouts(k), [5000]);
  // The command dies of the INT (its default action).
  assert.equal(killsOf(k), [[main, SIGINT]]);
  assertClean(k);
});

launch("should SIGKILL a command that ignores the timeout's signal once --grace is over, and still exit 124", () => {
  const cases: Array<[string[], number]> = [
    [['--timeout', '5s', '--grace', '1.5s', '--', 'stubborn'], SIGTERM],
    [['--timeout-signal=1', '--timeout', '5s', '--grace', '1.5s', '--', 'stubborn'], SIGHUP],
  ];
  for (const [argv, sig] of cases) {
    let main = 0;
    const k = kernel({ argv });
    k.onSpawn = (pid) => {
      main = pid;
      k.procs.get(pid)!.ignores.add(sig);
    };
    assert.is(run(k), 124);
    assert.equal(timeouts(k), [5000, 1500]);
    assert.equal(killsOf(k), [
      [main, sig],
      [main, SIGKILL],
    ]);
    assertClean(k);
  }
});

launch(
  'should give the command --grace after a TERM, then kill the tree (137: it died of SIGKILL), or take its own exit inside it',
  () => {
    let main = 0;
    const k = kernel({ argv: ['--grace=2s', '--', 'stubborn'] }, () => k.signalSupervise(SIGTERM));
    k.onSpawn = (pid) => {
      main = pid;
      k.procs.get(pid)!.ignores.add(SIGTERM);
    };
    assert.is(run(k), 137);
    assert.equal(timeouts(k), [-1, 2000]);
    assert.equal(killsOf(k), [
      [main, SIGTERM],
      [main, SIGKILL],
    ]);
    assertClean(k);

    const k2 = kernel(
      { argv: ['--grace=2s', '--', 'polite'] },
      () => k2.signalSupervise(SIGTERM),
      () => {
        k2.advance(700);
        k2.exit(main, 0);
      },
    );
    k2.onSpawn = (pid) => {
      main = pid;
      k2.procs.get(pid)!.ignores.add(SIGTERM);
    };
    assert.is(run(k2), 0);
    assert.equal(timeouts(k2), [-1, 2000]);
    assertClean(k2);
  },
);

launch('should forward TERM and wait for the command without a deadline (no --grace), then kill what it left', () => {
  let main = 0,
    g = 0;
  const k = kernel(
    { argv: ['--', 'server'] },
    () => k.signalSupervise(SIGTERM),
    () => {
      k.advance(60_000);
      k.signalSupervise(SIGTERM);
    },
    () => k.exit(main, 0),
  );
  k.onSpawn = (pid) => {
    main = pid;
    k.procs.get(pid)!.ignores.add(SIGTERM); // it traps TERM and shuts down in its own time
    g = k.spawn(pid);
    k.procs.get(g)!.ignores.add(SIGTERM);
  };
  assert.is(run(k), 0, "the command's own status");
  assert.equal(timeouts(k), [-1, -1, -1], 'no deadline');
  assert.equal(killsOf(k), [
    [main, SIGTERM],
    [main, SIGTERM],
    [g, SIGKILL],
  ]);
  assertClean(k);
});

launch("should not forward a terminal's INT, QUIT or WINCH (SI_KERNEL) to a command in its own process group", () => {
  let main = 0;
  const sent = [SIGINT, SIGQUIT, SIGWINCH];
  const k = kernel(
    { argv: ['--', 'repl'] },
    () => {
      for (const s of sent) k.signalSupervise(s, SI_KERNEL);
    },
    () => {
      for (const s of sent) k.signalSupervise(s, SI_USER);
    },
    () => k.exit(main, 5),
  );
  k.onSpawn = (pid) => {
    main = pid;
    for (const s of sent) k.procs.get(pid)!.ignores.add(s);
  };
  assert.is(run(k), 5);
  assert.equal(
    killsOf(k),
    sent.map((s) => [main, s]),
    'only the ones sent with kill(2)',
  );
  assert.ok(k.calls.includes('getpgid'));
  assertClean(k);
});

launch("should forward a terminal's INT to a command that left supervise's process group (it got none)", () => {
  let main = 0;
  const k = kernel({ argv: ['--', 'daemon'] }, () => {
    k.procs.get(main)!.pgid = main; // setpgid(0, 0) / setsid()
    k.signalSupervise(SIGINT, SI_KERNEL);
  });
  k.onSpawn = (pid) => (main = pid);
  assert.is(run(k), 130);
  assert.equal(killsOf(k), [[main, SIGINT]]);
  assertClean(k);
});

launch("should count a terminal's INT it did not forward as the start of --grace", () => {
  let main = 0;
  const k = kernel({ argv: ['--grace', '3s', '--', 'repl'] }, () => k.signalSupervise(SIGINT, SI_KERNEL));
  k.onSpawn = (pid) => {
    main = pid;
    k.procs.get(pid)!.ignores.add(SIGINT);
  };
  assert.is(run(k), 137);
  assert.equal(timeouts(k), [-1, 3000]);
  assert.equal(killsOf(k), [[main, SIGKILL]]);
  assertClean(k);
});

launch('should kill the tree at the third TERM/INT with --grace, and never without it', () => {
  let main = 0;
  const k = kernel(
    { argv: ['--grace', '1m', '--', 'dev-server'] },
    () => k.signalSupervise(SIGINT, SI_KERNEL),
    () => k.signalSupervise(SIGINT, SI_KERNEL),
    () => k.signalSupervise(SIGTERM),
  );
  k.onSpawn = (pid) => {
    main = pid;
    k.procs.get(pid)!.ignores.add(SIGINT).add(SIGTERM);
  };
  assert.is(run(k), 137);
  assert.equal(killsOf(k), [
    [main, SIGTERM],
    [main, SIGKILL],
  ]);
  assert.ok(k.monoMs < 5_000_000 + 60_000, 'before the deadline');
  assertClean(k);

  const k2 = kernel(
    { argv: ['--', 'repl'] },
    ...Array.from({ length: 6 }, () => () => k2.signalSupervise(SIGINT)),
    () => k2.exit(main, 0),
  );
  k2.onSpawn = (pid) => {
    main = pid;
    k2.procs.get(pid)!.ignores.add(SIGINT);
  };
  assert.is(run(k2), 0);
  assert.equal(
    killsOf(k2),
    Array.from({ length: 6 }, () => [main, SIGINT]),
  );
  assertClean(k2);
});

launch('should carry out control records from --control-fd for children only, and tear down at its EOF', () => {
  let main = 0,
    g = 0;
  const k = kernel(
    {
      fds: { 0: 'tty', 1: 'tty', 3: 'status', 4: 'control' },
      argv: ['--status-fd', '3', '--control-fd', '4', '--', 'sh'],
    },
    () => k.sendRecords([g, SIGKILL], [1, SIGKILL], [k.parent, SIGKILL]),
    () => k.sendRecords([g, SIGTERM]),
    () => k.closeControl(),
  );
  k.onSpawn = (pid) => {
    main = pid;
    g = k.spawn(pid);
  };
  assert.is(run(k), 137, "the command died of the tear-down's SIGKILL");
  // g is main's child until main dies: refused until then, killed by the tear-down after.
  assert.equal(killsOf(k), [
    [main, SIGKILL],
    [g, SIGKILL],
  ]);
  assert.ok(k.kills.every((c) => c.phase === 'wait 3'));
  assert.equal(k.spawns[0].inherited, [0, 1, 2]);
  assert.equal(summary(k), [spawnedRecord(main), killed(main, SIGKILL), killed(g, SIGKILL)]);
  assertClean(k);
});

launch('should share one fd for status and control (a socket) and watch it once', () => {
  let main = 0;
  const k = kernel({ fds: { 3: 'socket' }, argv: ['--status-fd', '3', '--control-fd', '3', '--', 'sh'] }, () =>
    k.sendRecords([main, SIGTERM]),
  );
  k.onSpawn = (pid) => (main = pid);
  assert.is(run(k), 143);
  assert.equal(summary(k), [spawnedRecord(main), killed(main, SIGTERM)]);
  assert.equal(k.ctl.filter((c) => c.includes(' 3 ') || c.endsWith(' 3')).slice(0, 1), ['ADD 3 1']);
  assertClean(k);
});

launch('should refuse a --status-fd or --control-fd it was not given: a usage error, exit 125', () => {
  for (const [flag, name] of [
    ['--status-fd', 'status-fd'],
    ['--control-fd', 'control-fd'],
  ]) {
    const k = kernel({ argv: [flag, '7', '--', 'true'] });
    assert.is(run(k), 125);
    assert.equal(k.stderr, [
      `supervise: --${name} 7: not an fd supervise was given (Bad file descriptor)`,
      "Try 'supervise --help' for more information.",
    ]);
    assert.equal(k.spawns, []);
  }
});

launch(
  'should refuse a --status-fd or --control-fd that names an fd it opened itself, as the native host sees fds',
  () => {
    // The native host's fdGiven() is fcntl(F_GETFD) >= 0: any open fd. Fd 3 is not given here,
    // so signals() gets it for the signal pipe, and fd 4 becomes the epoll.
    for (const [flag, fd, name] of [
      ['--status-fd', 3, 'status-fd'],
      ['--status-fd', 4, 'status-fd'],
      ['--control-fd', 3, 'control-fd'],
    ] as const) {
      const k = kernel({ argv: [flag, String(fd), '--', 'true'], fdGiven: 'open' });
      k.onSpawn = (pid) => k.exit(pid, 0);
      const code = outcome(k);
      assert.equal(
        [code, k.stderr],
        [
          125,
          [
            `supervise: --${name} ${fd}: not an fd supervise was given (Bad file descriptor)`,
            "Try 'supervise --help' for more information.",
          ],
        ],
        `${flag} ${fd}`,
      );
      assert.equal(k.spawns, []);
    }
  },
);

launch('should take a signal after the command could not start without probing pid 0', () => {
  const k = kernel({ ...STATUS3, argv: ['--status-fd', '3', '--', './nosuch'] }, () => {
    k.signalSupervise(SIGTERM);
    k.reader = 'ready';
  });
  k.spawnError = -ENOENT;
  k.reader = 'blocked'; // the spawn-failed record waits: the loop runs once
  assert.is(run(k), 127);
  assert.equal(summary(k), [spawnFailedRecord(ENOENT)]);
  assert.equal(k.stderr, ['supervise: ./nosuch: No such file or directory']);
  assertClean(k);
});

launch('should not spin on a socket its owner half-closed while the status reader is blocked', () => {
  let main = 0;
  const k = kernel(
    { fds: { 3: 'socket' }, argv: ['--status-fd', '3', '--control-fd', '3', '--', 'sh'] },
    () => k.closeControl(),
    () => {},
    () => {},
    () => {
      k.reader = 'ready';
    },
  );
  k.onSpawn = (pid) => (main = pid);
  k.reader = 'blocked';
  assert.is(run(k), 137);
  assert.is(k.waits.length, 3, 'the EOF, the SIGCHLD of the kill, the reader');
  assert.ok(
    k.waits.slice(1).every((w) => !w.events.some(([fd, ev]) => fd === 3 && ev & EPOLLIN)),
    'EOF read once',
  );
  assert.equal(k.waits[2].events, [[3, EPOLLOUT]]);
  assert.equal(summary(k), [spawnedRecord(main), killed(main, SIGKILL)]);
  assertClean(k);
});

launch(
  'should start the command in a leaf of its cgroup v2 with --cgroup, kill the leaf at tear-down, and remove it',
  () => {
    const text = (t: string) => ({ data: [...Buffer.from(t)], writeResults: [] });
    let main = 0;
    const k = kernel({ argv: ['--cgroup', '--', 'sh'] }, () => k.exit(main, 0));
    k.onSpawn = (pid) => {
      main = pid;
      k.spawn(k.self); // one more child, left when the main child exits: tear-down kills it
    };
    // supervise in /a b/c of a cgroup2 mounted at /sys/fs/cgroup/unified (mountinfo's escapes).
    k.files.set('/proc/self/cgroup', text('1:cpu:/\n0::/a b/c\n'));
    k.files.set(
      '/proc/self/mountinfo',
      text(
        '30 1 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n' +
          '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n',
      ),
    );
    const leaf = `/sys/fs/cgroup/unified/a b/c/supervise.${k.self}`;
    for (const f of ['cgroup.procs', 'cgroup.kill']) k.files.set(`${leaf}/${f}`, text(''));
    k.files.set(`${leaf}/cgroup.events`, text('populated 0\nfrozen 0\n'));
    assert.is(run(k), 0);
    assert.equal(k.spawns[0].cgroupProcs, `${leaf}/cgroup.procs`);
    assert.is(Buffer.from(k.files.get(`${leaf}/cgroup.kill`)!.data).toString(), '1', 'cgroup.kill written once');
    assert.equal([...k.dirs], [], 'the leaf made and removed');
    assert.equal(k.stderr, []);
    assertClean(k);

    // With a status fd: the layers record first (the leaf's path), the totals record last
    // (the leaf's cpu.stat, read before the leaf goes; no memory.peak or pids.peak here: -1).
    let main2 = 0;
    const w = kernel({ ...STATUS3, argv: ['--status-fd', '3', '--verbose', '--cgroup', '--', 'sh'] }, () =>
      w.exit(main2, 0),
    );
    w.onSpawn = (pid) => (main2 = pid);
    w.files.set('/proc/self/cgroup', text('0::/u\n'));
    w.files.set('/proc/self/mountinfo', text('40 30 0:37 / /cg rw - cgroup2 cgroup2 rw\n'));
    const leaf2 = `/cg/u/supervise.${w.self}`;
    for (const f of ['cgroup.procs', 'cgroup.kill']) w.files.set(`${leaf2}/${f}`, text(''));
    w.files.set(`${leaf2}/cgroup.events`, text('populated 0\n'));
    w.files.set(`${leaf2}/cpu.stat`, text('usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 0\n'));
    assert.is(run(w), 0);
    const recs = w.records();
    assert.equal(summary(w), [
      [0, 0x5304, w.self, 3, 0],
      spawnedRecord(main2),
      exited(main2, 0),
      [0, 0x5305, w.self, 0, 0],
    ]);
    const layers = decodeStatusRef(recs[0]);
    assert.is(layers.uid, leaf2.length, 'the path length');
    assert.is(Buffer.from(recs[0].subarray(48, 48 + leaf2.length)).toString(), leaf2);
    const totals = new DataView(recs[3].buffer, recs[3].byteOffset, 128);
    assert.equal(
      [48, 56, 64, 72, 80].map((o) => Number(totals.getBigInt64(o, true))),
      [1500, 1000, 500, -1, -1],
    );
    assert.equal(w.stderr, [`supervise: layers: subreaper, cgroup v2 ${leaf2}`]);
    assertClean(w);

    // Not writable: one line, and the subreaper alone.
    const denied = kernel({ argv: ['--cgroup', '--', 'true'] });
    denied.onSpawn = (pid) => denied.exit(pid, 0);
    denied.files.set('/proc/self/cgroup', text('0::/\n'));
    denied.files.set('/proc/self/mountinfo', text('40 30 0:37 / /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n'));
    denied.mkdirErrors.set(`/sys/fs/cgroup/supervise.${denied.self}`, -30);
    assert.is(run(denied), 0);
    assert.is(denied.spawns[0].cgroupProcs, null);
    assert.equal(denied.stderr, [
      'supervise: --cgroup: cannot make a leaf cgroup here: Read-only file system; going on with the subreaper alone',
    ]);
  },
);

launch(
  'should set pids.max and memory.max with --max-pids and --max-memory, and refuse to start without their controllers',
  () => {
    const text = (t: string) => ({ data: [...Buffer.from(t)], writeResults: [] });
    const cgroups = (k: FakeKernel, controllers: string[]) => {
      k.files.set('/proc/self/cgroup', text('0::/u\n'));
      k.files.set('/proc/self/mountinfo', text('40 30 0:37 / /cg rw - cgroup2 cgroup2 rw\n'));
      const leaf = `/cg/u/supervise.${k.self}`;
      for (const f of ['cgroup.procs', 'cgroup.kill', ...controllers.map((c) => `${c}.max`)])
        k.files.set(`${leaf}/${f}`, text(''));
      k.files.set(`${leaf}/cgroup.events`, text('populated 0\n'));
      return leaf;
    };
    const k = kernel({ argv: ['--max-pids', '64', '--', 'true'] });
    k.onSpawn = (pid) => k.exit(pid, 0);
    const leaf = cgroups(k, ['pids']);
    assert.is(run(k), 0);
    assert.is(Buffer.from(k.files.get(`${leaf}/pids.max`)!.data).toString(), '64');
    assert.equal(k.spawns[0].cgroupProcs, `${leaf}/cgroup.procs`);
    assert.equal(k.stderr, []);

    const none = kernel({ argv: ['--max-pids', '64', '--', 'true'] });
    cgroups(none, []);
    assert.is(run(none), 1);
    assert.equal(none.spawns, [], 'CMD never started');
    assert.equal([...none.dirs], [], 'the leaf removed');
    assert.equal(none.stderr, [
      'supervise: --max-pids: the pids controller is not enabled for cgroups under /cg/u (its cgroup.subtree_control has no pids)',
    ]);

    const memory = kernel({ argv: ['--max-memory', '2G', '--', 'true'] });
    memory.onSpawn = (pid) => memory.exit(pid, 0);
    const leaf2 = cgroups(memory, ['memory']);
    assert.is(run(memory), 0);
    assert.is(Buffer.from(memory.files.get(`${leaf2}/memory.max`)!.data).toString(), '2097152K');
    const noMemory = kernel({ argv: ['--max-memory', '512m', '--', 'true'] });
    cgroups(noMemory, ['pids']);
    assert.is(run(noMemory), 1);
    assert.equal(noMemory.stderr, [
      'supervise: --max-memory: the memory controller is not enabled for cgroups under /cg/u (its cgroup.subtree_control has no memory)',
    ]);
  },
);

launch('should start the command under an inner supervise in new namespaces with --pid-ns', () => {
  let main = 0;
  const k = kernel({ argv: ['--pid-ns', '--wait-all', '--grace', '250ms', '--', 'sh', '-c', 'x'] }, () =>
    k.exit(main, 0),
  );
  k.onSpawn = (pid) => (main = pid);
  assert.is(run(k), 0);
  const s = k.spawns[0];
  assert.equal(s.argv, ['supervise', '--wait-all', '--grace', '250ms', '--', 'sh', '-c', 'x']);
  assert.is(s.flags, 3, 'SPAWN_SELF | SPAWN_MOUNT_PROC');
  assert.is(s.cloneFlags, 0x20000000 | 0x00020000 | 0x10000000, 'NEWPID | NEWNS | NEWUSER');
  assert.equal([s.uidMap, s.gidMap], ['1000 1000 1\n', '1000 1000 1\n']);

  const root = kernel({ argv: ['--pid-ns', '--', 'true'] });
  root.euid = 0;
  root.onSpawn = (pid) => root.exit(pid, 0);
  assert.is(run(root), 0);
  assert.equal([root.spawns[0].cloneFlags, root.spawns[0].uidMap], [0x20000000 | 0x00020000, null]);

  const denied = kernel({ argv: ['--pid-ns', '--', 'true'] });
  denied.spawnError = -EPERM;
  assert.is(run(denied), 126);
  assert.equal(denied.stderr, [
    'supervise: --pid-ns: cannot start true in a new PID namespace: Operation not permitted ' +
      '(namespaces need root, or unprivileged user namespaces: see kernel.unprivileged_userns_clone, user.max_user_namespaces)',
  ]);
});

// ---

const pressure = suite('back-pressure and idle');

pressure(
  'should stop reaping while the status reader is blocked, watch EPOLLOUT, and go on once it is writable',
  () => {
    const k = kernel();
    const a = k.spawn(),
      b = k.spawn(),
      c = k.spawn();
    k.reader = 'blocked';
    const seen: Array<[number, number]> = [];
    const look = () => seen.push([k.watching(1), k.reaped.length]);
    k.script.push(
      () => k.exit(a, 1),
      () => {
        look();
        k.exit(b, 2);
      },
      () => {
        look();
        k.reader = 'ready';
      },
      () => {
        look();
        k.closeControl();
      },
    );
    assert.is(run(k), 0);
    assert.equal(
      seen,
      [
        [EPOLLOUT, 0],
        [EPOLLOUT, 0],
        [0, 2],
      ],
      'EPOLLOUT only while a record waits',
    );
    assert.equal(summary(k), [exited(a, 1), exited(b, 2), killed(c, SIGKILL)]);
    assert.equal(timeouts(k), [-1, -1, -1, -1]);
    assertClean(k);
  },
);

pressure('should ask poll() once per 32 records on a pipe that keeps up (and again after each short write)', () => {
  const k = kernel();
  const pids = Array.from({ length: 40 }, () => k.spawn());
  k.script.push(
    () => {
      for (const p of pids) k.exit(p, 3);
    },
    () => k.closeControl(),
  );
  assert.is(run(k), 0);
  assert.is(k.records().length, 40);
  const polls = k.calls.filter((c) => c === 'poll').length;
  // The start-up sweep polls once (no zombie yet); the burst asks at records 1 and 33; the
  // tear-down pump once more before it finds nothing.
  assert.ok(polls >= 3 && polls <= 5, `poll() calls: ${polls}`);
  assertClean(k);

  const short = kernel();
  const more = Array.from({ length: 5 }, () => short.spawn());
  short.maxWrite = 64; // every record in two writes: each short write forgets the credit,
  // so the rest of each record waits for poll() again
  short.script.push(
    () => {
      for (const p of more) short.exit(p, 4);
    },
    () => short.closeControl(),
  );
  assert.is(run(short), 0);
  assert.is(short.records().length, 5);
  // Each part after a short write waits until poll() says the fd has room again.
  assert.ok(short.calls.filter((c) => c === 'poll').length >= 9, 'a poll before each part');
  assertClean(short);
});

pressure('should finish a record cut short, and one that met EAGAIN, when the fd is writable again', () => {
  const k = kernel();
  const a = k.spawn(),
    b = k.spawn();
  k.maxWrite = 50;
  k.writeResults = [50, -EAGAIN];
  k.script.push(
    () => {
      k.exit(a, 4);
      k.exit(b, 5);
    },
    () => k.closeControl(),
  );
  assert.is(run(k), 0);
  assert.equal(summary(k), [exited(a, 4), exited(b, 5)]);
  assert.is(k.written.length, 256);
  assertClean(k);
});

pressure('should stop watching a status fd whose reader went away while a record waited, and reap on', () => {
  const k = kernel();
  const a = k.spawn(),
    b = k.spawn(),
    c = k.spawn();
  k.reader = 'blocked';
  k.script.push(
    () => k.exit(a, 0),
    () => {
      k.reader = 'gone';
      k.exit(b, 0);
    },
    () => {},
    () => k.closeControl(),
  );
  assert.is(run(k), 0);
  assert.equal(
    k.reaped.map((r) => r.pid),
    [a, b, c],
  );
  assert.equal(k.written, []);
  assert.is(k.watching(1), 0);
  assert.ok(
    k.waits.slice(2).every((w) => w.events.every(([fd]) => fd !== 1)),
    'fd 1 reported after the reader left',
  );
  assert.equal(k.stderr, []);
  assertClean(k);
});

pressure('should carry out a burst of 10,000 control records read in 64 KiB pieces', () => {
  const k = kernel();
  const kids = Array.from({ length: 100 }, () => k.spawn());
  const records = Array.from({ length: 10000 }, (_, i): [number, number] => [kids[i % 100], 0]);
  k.script.push(
    () => k.sendRecords(...records),
    () => k.closeControl(),
  );
  assert.is(run(k), 0);
  assert.is(k.kills.filter((c) => c.sig === 0).length, 10000);
  assertClean(k);
});

pressure('should sleep in epoll_wait(-1) when nothing is pending, and wake only for something that happened', () => {
  const k = kernel();
  const a = k.spawn(),
    b = k.spawn();
  const nothing = () => {};
  k.script.push(
    () => k.exit(a, 0),
    nothing,
    nothing,
    () => k.sendRecords([b, 0]),
    nothing,
    () => k.signalSupervise(40),
    nothing,
    nothing,
    () => k.closeControl(),
  );
  assert.is(run(k), 0);
  assert.equal(timeouts(k), [-1, -1, -1, -1], 'one wait per event, each without a timeout');
  assert.ok(
    k.waits.every((w) => w.result > 0),
    'no spurious wake-up',
  );
  assert.is(k.watching(1), 0);
  assertClean(k);
});

pressure('should wait without a timeout in launch mode too when no --timeout is set', () => {
  let main = 0;
  const k = kernel(
    { argv: ['--grace', '3s', '--', 'sleep'] },
    () => {},
    () => k.signalSupervise(SIGWINCH),
    () => k.exit(main, 0),
  );
  k.onSpawn = (pid) => (main = pid);
  assert.is(run(k), 0);
  assert.equal(timeouts(k), [-1, -1]);
  assertClean(k);
});

// ---

const args = suite('arguments');

/** Runs main() on argv with a command that exits at the first wait. */
function launchWith(argv: string[], fds: FakeKernelOptions['fds'] = { 3: 'status' }) {
  let main = 0;
  const k = kernel({ argv, fds }, () => k.exit(main, 0));
  k.onSpawn = (pid) => (main = pid);
  const code = run(k);
  return { k, code };
}

args('should run the launch forms it parses itself', () => {
  const cases: Array<[string[], string[], number, boolean]> = [
    // argv, CMD, first wait's timeout, a record on fd 3
    [['--', 'true'], ['true'], -1, false],
    [['--', 'ls', '--help', '--', '-x'], ['ls', '--help', '--', '-x'], -1, false],
    [['--status-fd', '3', '--', 'a'], ['a'], -1, true],
    [['--status-fd=3', '--control-fd=0', '--', 'a'], ['a'], -1, true],
    [['--timeout', '1.5s', '--', 'a'], ['a'], 1500, false],
    [['--timeout=250ms', '--grace', '2m', '--', 'a'], ['a'], 250, false],
    [['--timeout', '3', '--', 'a', 'b'], ['a', 'b'], 3000, false],
    [['--wait-all', '--pid-ns', '--', 'a'], ['supervise', '--wait-all', '--', 'a'], -1, false],
    [['--events', 'run.ev', '--', 'a'], ['a'], -1, false],
  ];
  for (const [argv, cmd, timeout, record] of cases) {
    const { k, code } = launchWith(argv);
    assert.is(code, 0, argv.join(' '));
    assert.equal(
      k.spawns.map((s) => s.argv),
      [cmd],
      argv.join(' '),
    );
    assert.is(k.waits[0]?.timeout, timeout, argv.join(' '));
    assert.is(k.records().length > 0, record, argv.join(' '));
    assertClean(k);
  }
});

args('should hand every other argv to the full command line (-1) without a system call', () => {
  const cases = [
    ['--help'],
    ['-h'],
    ['--version'],
    ['decode', 'f.ev'],
    ['send', '1', '2'],
    ['true'],
    ['--'],
    ['--', ''],
    ['--wait-all'],
    ['--wait-all=1', '--', 'a'],
    ['--pid-ns=yes', '--', 'a'],
    ['--bogus', '--', 'a'],
    ['-w', '--', 'a'],
    ['--status-fd', '--', 'a'],
    ['--status-fd'],
    ['--status-fd', 'x', '--', 'a'],
    ['--status-fd', '-1', '--', 'a'],
    ['--status-fd', '1234567890', '--', 'a'],
    ['--control-fd=', '--', 'a'],
    ['--timeout', '5x', '--', 'a'],
    ['--timeout', '--', 'a'],
    ['--grace', '-1s', '--', 'a'],
    ['--grace', '.5s', '--', 'a'],
    ['--events', '--', 'a'],
    ['--events', '-x', '--', 'a'],
    ['--events=', '--', 'a'],
    ['--timeout-signal', '0', '--', 'a'],
    ['--timeout-signal', '65', '--', 'a'],
    ['--timeout-signal', '100', '--', 'a'],
    ['--timeout-signal', 'INT', '--', 'a'],
    ['--timeout-signal', '-2', '--', 'a'],
    ['--timeout-signal=', '--', 'a'],
    ['--timeout-signal', '--', 'a'],
    ['--timeout-sig', '2', '--', 'a'],
    ['--status-fd 3', '--', 'a'],
    ['a', '--', 'b'],
  ];
  for (const argv of cases) {
    const k = kernel({ argv });
    assert.is(run(k), -1, JSON.stringify(argv));
    assert.equal(
      [...new Set(k.calls)].sort(),
      ['argLen', 'argRead'].slice(0, argv.length ? 2 : 1),
      JSON.stringify(argv),
    );
  }
});

args('should accept every canonical argv the front end builds, with its meaning', () => {
  // codec/argv.ts's launchArgv() (the front end's, the library's) over the table's options,
  // each with values by kind; an fd option names an fd the fake kernel has.
  const word = fc.string({ unit: 'grapheme', minLength: 0, maxLength: 6 }).filter((w) => !w.includes('\0'));
  // --events-fd: its black-box case (test/launch.test.ts); the fake kernel keeps no log.
  const fds: Record<string, number[]> = { 'status-fd': [3, 5], 'control-fd': [4], 'events-fd': [] };
  const valuesOf = (o: LaunchOption): fc.Arbitrary<number | string | boolean> => {
    if (o.kind === FLAG) return fc.boolean();
    if (o.kind === FD) return fc.constantFrom(o.unset, ...fds[o.name]);
    if (o.kind === DURATION) return fc.constantFrom(o.unset, 1, 999, 60000, 2147483647);
    if (o.kind === SIGNAL) return fc.integer({ min: 1, max: SIGNAL_MAX });
    // A limit needs a cgroup this fake kernel does not have (exit 1): its own test, above.
    if (o.kind === COUNT || o.kind === SIZE) return fc.constant(o.unset);
    if (o.kind === FILE)
      return fc.oneof(
        fc.constant(''),
        word.filter((w) => w.length > 0 && !w.startsWith('-')),
      );
    throw new Error(`no values for --${o.name}`);
  };
  const canonical = fc.record(
    {
      values: fc.record(Object.fromEntries(LAUNCH_OPTIONS.map((o) => [o.name, valuesOf(o)]))),
      cmd: fc.tuple(
        word.filter((w) => w.length > 0),
        fc.array(fc.oneof(word, fc.constantFrom('--', '-x', '--help', '--timeout')), { maxLength: 4 }),
      ),
    },
    plain,
  );
  fc.assert(
    fc.property(canonical, ({ cmd: [file, rest], values: given }) => {
      const values = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== ''));
      const cmd = [file, ...rest];
      const argv = [...launchArgv(values), '--', ...cmd];
      let main = 0;
      const k = kernel({ argv, fds: { 3: 'status', 4: 'control', 5: 'status' } }, () => k.exit(main, 0));
      k.idle = 'eof';
      k.onSpawn = (pid) => (main = pid);
      assert.is(run(k), 0, JSON.stringify(argv));
      const inner = ['supervise', ...launchArgv(values, INNER), '--'];
      assert.equal(k.spawns[0].argv, values['pid-ns'] ? [...inner, ...cmd] : cmd);
      assert.is(k.spawns[0].flags, values['pid-ns'] ? 3 : 0);
      assert.is(k.waits[0].timeout, values.timeout || -1);
      assert.is(k.records().length > 0, values['status-fd'] !== -1);
      if (values.events) assert.equal(k.files.get(values.events as string)?.data.slice(0, 16), HEADER);
      assert.equal(k.violations, []);
    }),
    { numRuns: 300 },
  );
});

args("should parse durations as the front end's duration() says", () => {
  const k = new FakeKernel();
  const core = k.instantiate();
  const duration = (text: string) => {
    const bytes = Buffer.from(text);
    new Uint8Array(core.memory.buffer, core.argBuffer(), bytes.length).set(bytes);
    return core.duration(bytes.length);
  };
  const table: Array<[string, number]> = [
    ['500ms', 500],
    ['10s', 10000],
    ['2m', 120000],
    ['1h', 3600000],
    ['3', 3000],
    ['0', 0],
    ['0ms', 0],
    ['1.5s', 1500],
    ['0.25m', 15000],
    ['1.0005s', 1001],
    ['0.4ms', 0],
    ['0.5ms', 1],
    ['2147483647ms', 2147483647],
    ['596h', 2145600000],
    ['2147483648ms', -1],
    ['597h', -1],
    ['', -1],
    ['ms', -1],
    ['s', -1],
    ['1.', -1],
    ['.5s', -1],
    ['1.s', -1],
    ['5 s', -1],
    [' 5s', -1],
    ['5S', -1],
    ['5MS', -1],
    ['-1s', -1],
    ['+1s', -1],
    ['1d', -1],
    ['1sec', -1],
    ['1e3', -1],
    ['1_000', -1],
    ['0x10', -1],
    ['5s ', -1],
  ];
  assert.equal(
    table.map(([t]) => [t, duration(t)]),
    table,
  );
  assert.is(core.duration(-1), -1);
  assert.is(core.duration(4097), -1);
  assert.is(duration('9'.repeat(4096)), -1);
});

// ---

const events = suite('the events log');

const EVENTS = '/tmp/run.ev';
const HEADER = [...Buffer.from('SUPVEVTS'), 3, 0, 0, 0, 0, 1, 0, 0]; // version 3, entries of 256 bytes
const ENTRY = 256;

interface Entry {
  time: bigint;
  record: Uint8Array;
  /** The identity (version 2): start µs, ppid, pgid, sid, comm. */
  start: bigint;
  ppid: number;
  pgid: number;
  sid: number;
  comm: string;
  /** The resources (version 3): user and system CPU µs, peak RSS KiB, major faults; the flags. */
  utimeUs: bigint;
  stimeUs: bigint;
  maxrss: bigint;
  majflt: bigint;
  flags: number;
}

/** The entries of an events file after its header (offsets as in docs/protocol.md, "The events file"). */
function entries(data: number[], from = 16): Entry[] {
  const bytes = Uint8Array.from(data);
  const view = new DataView(bytes.buffer);
  const out: Entry[] = [];
  for (let at = from; at + ENTRY <= bytes.length; at += ENTRY) {
    const comm = bytes.slice(at + 156, at + 172);
    out.push({
      time: view.getBigInt64(at, true),
      record: bytes.slice(at + 8, at + 136),
      start: view.getBigInt64(at + 136, true),
      ppid: view.getInt32(at + 144, true),
      pgid: view.getInt32(at + 148, true),
      sid: view.getInt32(at + 152, true),
      comm: Buffer.from(comm.subarray(0, comm.indexOf(0) < 0 ? 16 : comm.indexOf(0))).toString(),
      utimeUs: view.getBigInt64(at + 176, true),
      stimeUs: view.getBigInt64(at + 184, true),
      maxrss: view.getBigInt64(at + 192, true),
      majflt: view.getBigInt64(at + 208, true),
      flags: view.getUint32(at + 248, true),
    });
  }
  return out;
}

events('should create the log with its header, a started entry, then each record as written, with its time', () => {
  let main = 0;
  const k = kernel({ ...STATUS3, argv: ['--status-fd', '3', '--events', EVENTS, '--', 'job'] }, () => {
    k.advance(1500);
    k.exit(main, 9);
  });
  k.onSpawn = (pid) => (main = pid);
  const t0 = BigInt(k.realUs);
  assert.is(run(k), 9);
  const data = k.files.get(EVENTS)!.data;
  assert.equal(data.slice(0, 16), HEADER);
  assert.is(data.length, 16 + 3 * ENTRY);
  const log = entries(data);
  assert.equal(
    log.map((e) => e.time - t0),
    [0n, 0n, 1_500_000n],
  );
  assert.equal(decodeStatusRef(log[0].record), { ...decodeStatusRef(new Uint8Array(128)), code: 0x5303, pid: k.self });
  assert.equal(
    log.slice(1).map((e) => [...e.record]),
    k.records().map((r) => [...r]),
  );
  assert.equal(k.spawns[0].inherited, [0, 1, 2], 'the log is CLOEXEC too');
  assertClean(k);
});

events('should name each process, its start time, group and session, read before it is reaped', () => {
  let main = 0;
  let orphan = 0;
  const k = kernel({ ...STATUS3, argv: ['--status-fd', '3', '--events', EVENTS, '--', '/usr/bin/job'] }, () => {
    k.advance(700);
    orphan = k.spawn(main); // forked by the command, then (setsid) its own session, then orphaned
    const o = k.procs.get(orphan)!;
    o.comm = 'daemon';
    o.pgid = o.sid = orphan;
    k.advance(300);
    k.exit(main, 0); // orphan re-parented to supervise, killed in the tear-down
  });
  k.onSpawn = (pid) => (main = pid);
  const t0 = BigInt(k.realUs);
  assert.is(run(k), 0);
  const log = entries(k.files.get(EVENTS)!.data);
  const self = k.procs.get(k.self)!;
  assert.equal(
    log.map((e) => [decodeStatusRef(e.record).pid, e.comm, e.start - t0, e.ppid, e.pgid, e.sid]),
    [
      [k.self, 'supervise', 0n, k.parent, self.pgid, self.sid],
      [main, 'job', 0n, k.self, self.pgid, self.sid],
      [main, 'job', 0n, k.self, self.pgid, self.sid],
      [orphan, 'daemon', 700_000n, k.self, orphan, orphan],
    ],
  );
  // Each identity was read while its process was a zombie still: a look, the stat, the reap.
  const trail = k.log.filter((l) => /^(stat|reap) /.test(l));
  assert.equal(trail, [
    `stat ${k.self}`,
    `stat ${main}`,
    `stat ${main}`,
    `reap ${main}`,
    `stat ${orphan}`,
    `reap ${orphan}`,
  ]);
  assertClean(k);
});

events('should take comm from the first ( to the last ) of /proc/PID/stat, and zeros where it cannot be read', () => {
  let main = 0;
  let gone = 0;
  let full = 0;
  const k = kernel({ argv: ['--events', EVENTS, '--', 'job'] }, () => {
    k.procs.get(main)!.comm = 'a) b (c';
    gone = k.spawn(main);
    k.openErrors.set(`/proc/${gone}/stat`, -EACCES);
    // The longest name (15 bytes), all of it ')': the last ')' within 16 bytes of the '('.
    full = k.spawn(main);
    k.procs.get(full)!.comm = ')'.repeat(15);
    k.exit(full, 0);
    k.exit(main, 0);
  });
  k.onSpawn = (pid) => (main = pid);
  assert.is(run(k), 0);
  const log = entries(k.files.get(EVENTS)!.data);
  assert.equal(
    log.map((e) => [decodeStatusRef(e.record).pid, e.comm, e.pgid > 0, e.start > 0n]),
    [
      [k.self, 'supervise', true, true],
      [main, 'job', true, true],
      [full, ')'.repeat(15), true, true],
      [main, 'a) b (c', true, true],
      [gone, '', false, false],
    ],
  );
});

events('should neither look at /proc nor wait twice per child without --events', () => {
  const calls = (argv: string[]) => {
    let main = 0;
    const k = kernel({ ...STATUS3, argv: [...argv, '--status-fd', '3', '--', 'job'] }, () => {
      for (let i = 0; i < 5; i++) k.exit(k.spawn(main), 0);
      k.exit(main, 0);
    });
    k.onSpawn = (pid) => (main = pid);
    assert.is(run(k), 0);
    assertClean(k);
    return {
      waits: k.waitCalls,
      stats: k.log.filter((l) => l.startsWith('stat ')).length,
      records: k.records().length,
    };
  };
  const plainRun = calls([]);
  const logged = calls(['--events', EVENTS]);
  assert.is(plainRun.records, 1 + 6);
  assert.is(plainRun.stats, 0);
  assert.is(logged.stats, 1 + 1 + 6, 'supervise, the spawned command, each reaped child');
  assert.is(logged.waits, plainRun.waits + 6, 'one look (WNOWAIT) more per reaped child');
});

events('should append to a log of its own version that has entries already, without a second header', () => {
  const old = [...HEADER, ...new Array(ENTRY).fill(7)];
  const k = kernel({ argv: ['--events', EVENTS, '--', 'job'] });
  k.files.set(EVENTS, { data: [...old], writeResults: [] });
  k.onSpawn = (pid) => k.exit(pid, 0);
  assert.is(run(k), 0);
  const data = k.files.get(EVENTS)!.data;
  assert.equal(data.slice(0, old.length), old);
  assert.is(data.length, old.length + 3 * ENTRY, 'started, spawned and exited, logged with no status fd');
  assert.equal(
    entries(data, old.length).map((e) => decodeStatusRef(e.record).code),
    [0x5303, SUP_SPAWNED, CLD_EXITED],
  );
});

events("should log each reaped process's rusage and what supervise did to it (version 3)", () => {
  // A command that ignores TERM and a child of its own: supervise forwards the TERM to the
  // command, the --grace deadline passes, tear-down SIGKILLs both.
  let main = 0;
  let child = 0;
  const k = kernel(
    { ...STATUS3, argv: ['--status-fd', '3', '--wait-all', '--grace=2s', '--events', EVENTS, '--', 'stubborn'] },
    () => k.signalSupervise(SIGTERM),
  );
  k.onSpawn = (pid) => {
    main = pid;
    k.procs.get(pid)!.ignores.add(SIGTERM);
    child = k.spawn(pid);
  };
  assert.is(run(k), 137);
  const log = entries(k.files.get(EVENTS)!.data);
  assert.equal(
    log.map((e) => [decodeStatusRef(e.record).pid, e.flags]),
    [
      [k.self, 8], // started: --wait-all
      [main, 0], // spawned
      ...log.slice(2).map((e) => {
        const pid = decodeStatusRef(e.record).pid;
        return [pid, pid === main ? 1 | 2 | 4 : 1 | 2];
      }),
    ],
  );
  assert.equal(
    log
      .slice(2)
      .map((e) => decodeStatusRef(e.record).pid)
      .sort(),
    [main, child].sort(),
  );
  for (const e of log.slice(2)) {
    const pid = decodeStatusRef(e.record).pid;
    // The fake kernel's rusage for pid (test/fake-kernel.ts exit()): the figures, in µs and KiB.
    assert.equal(
      [e.utimeUs, e.stimeUs, e.maxrss, e.majflt],
      [1000 * (pid % 7) + 123, 1000000 * (pid % 3) + 4567, 2048 + pid, pid % 5].map(BigInt),
    );
  }
  assert.equal(
    log.slice(0, 2).map((e) => [e.utimeUs, e.maxrss]),
    [
      [0n, 0n],
      [0n, 0n],
    ],
    'no resources on records that reaped nothing',
  );
  assertClean(k);
});

events('should refuse to append to an older log, another file or one that ends in a partial entry (exit 1)', () => {
  const v1 = [...Buffer.from('SUPVEVTS'), 1, 0, 0, 0, 136, 0, 0, 0, ...new Array(136).fill(0)];
  const v2 = [...Buffer.from('SUPVEVTS'), 2, 0, 0, 0, 176, 0, 0, 0, ...new Array(176).fill(0)];
  for (const data of [
    v1,
    v2,
    [...Buffer.from('hello world, not a log\n')],
    [...HEADER, 1, 2, 3],
    HEADER.slice(0, 10),
  ]) {
    const k = kernel({ argv: ['--events', EVENTS, '--', 'job'] });
    k.files.set(EVENTS, { data: [...data], writeResults: [] });
    assert.is(run(k), 1);
    assert.equal(k.stderr, [
      `supervise: --events ${EVENTS}: not an events log of version 3 with whole entries (supervise appends only to its own; use another file)`,
    ]);
    assert.equal(k.files.get(EVENTS)!.data, data, 'left as it was');
    assert.equal(k.spawns, []);
  }
});

events('should keep logging after the status reader is gone', () => {
  let main = 0;
  const k = kernel({ ...STATUS3, argv: ['--status-fd', '3', '--events', EVENTS, '--', 'job'] }, () => {
    k.reader = 'gone';
    k.exit(main, 0);
  });
  k.onSpawn = (pid) => (main = pid);
  assert.is(run(k), 0);
  assert.equal(summary(k), [spawnedRecord(main)]);
  assert.equal(
    entries(k.files.get(EVENTS)!.data).map((e) => decodeStatusRef(e.record).pid),
    [k.self, main, main],
  );
  assert.equal(k.stderr, []);
  assertClean(k);
});

events('should log a record whose status write was cut short and then met EPIPE', () => {
  let main = 0;
  const k = kernel({ ...STATUS3, argv: ['--status-fd', '3', '--events', EVENTS, '--', 'job'] }, () => {
    k.writeResults = [60, -EPIPE];
    k.exit(main, 5);
  });
  k.onSpawn = (pid) => (main = pid);
  assert.is(run(k), 5);
  assert.is(k.written.length, 128 + 60);
  const log = entries(k.files.get(EVENTS)!.data).map((e) => decodeStatusRef(e.record));
  assert.equal(
    log.map((r) => [r.code, r.pid, r.status]),
    [
      [0x5303, k.self, 0],
      [SUP_SPAWNED, main, 0],
      [CLD_EXITED, main, 5],
    ],
  );
  assertClean(k);
});

events('should refuse to start when the log cannot be opened or its header written (exit 1)', () => {
  const cases: Array<[(k: FakeKernel) => void, string]> = [
    [(k) => k.openErrors.set(EVENTS, -EACCES), 'Permission denied'],
    [(k) => k.files.set(EVENTS, { data: [], writeResults: [-ENOSPC] }), 'No space left on device'],
    [(k) => k.files.set(EVENTS, { data: [], writeResults: [10] }), 'No space left on device'],
    [(k) => k.files.set(EVENTS, { data: [], writeResults: [16, -EACCES] }), 'Permission denied'],
    [(k) => k.files.set(EVENTS, { data: [], writeResults: [16, 100] }), 'No space left on device'],
  ];
  for (const [arrange, text] of cases) {
    const k = kernel({ argv: ['--events', EVENTS, '--', 'job'] });
    arrange(k);
    assert.is(run(k), 1);
    assert.equal(k.stderr, [`supervise: --events ${EVENTS}: ${text}`]);
    assert.equal(k.spawns, []);
  }
});

events('should say once that an entry could not be written, and go on supervising', () => {
  let main = 0;
  const k = kernel({ ...STATUS3, argv: ['--status-fd', '3', '--events', EVENTS, '--', 'job'] }, () => k.exit(main, 0));
  k.files.set(EVENTS, { data: [], writeResults: [16, 256, -ENOSPC] });
  k.onSpawn = (pid) => (main = pid);
  assert.is(run(k), 0);
  assert.equal(k.stderr, [
    'supervise: cannot write the events file: No space left on device (no more entries are written)',
  ]);
  assert.is(k.files.get(EVENTS)!.data.length, 16 + 256, 'the header and the started entry');
  assert.equal(summary(k), [spawnedRecord(main), exited(main, 0)]);
  assertClean(k);
});

// ---

const setup = suite('set-up failures');

setup('should refuse to start without what it stands on, saying why (exit 1)', () => {
  const cases: Array<[(k: FakeKernel) => void, string]> = [
    [
      (k) => k.openErrors.set('/proc/self/stat', -ENOENT),
      'supervise: /proc is not mounted: supervise needs it to find the processes it adopts',
    ],
    [
      (k) => k.openErrors.set('/proc/self/stat', -EMFILE),
      'supervise: cannot read /proc/self/stat: EMFILE (too many open files: raise `ulimit -n`)',
    ],
    [
      (k) => k.files.set('/proc/self/stat', { data: [...Buffer.from('1 (init) S 0')], writeResults: [] }),
      'supervise: /proc belongs to another PID namespace: mount one for this namespace (e.g. unshare --pid --fork --mount-proc)',
    ],
    [
      (k) => (k.subreaperError = -EPERM),
      'supervise: cannot become a child subreaper: prctl(PR_SET_CHILD_SUBREAPER) failed with EPERM (a sandbox forbids it)',
    ],
    [(k) => (k.signalsError = -EMFILE), 'supervise: cannot install signal handlers: EMFILE'],
    [(k) => (k.epollError = -EMFILE), 'supervise: epoll_create1: EMFILE'],
    [
      (k) => (k.childrenError = -EMFILE),
      'supervise: cannot list children: EMFILE (too many open files: raise `ulimit -n`)',
    ],
  ];
  for (const [arrange, line] of cases) {
    for (const argv of [[], ['--', 'true']]) {
      const k = kernel({ argv });
      k.spawn();
      arrange(k);
      assert.is(run(k), 1, line);
      assert.equal(k.stderr, [line]);
      assert.equal(k.spawns, [], 'the command is not started');
      assert.equal(k.kills, []);
    }
  }
});

setup('should not ask to become a subreaper when it is one already', () => {
  const k = kernel({}, () => k.closeControl());
  k.subreaper = true;
  k.spawn();
  assert.is(run(k), 0);
  assert.not.ok(k.calls.includes('setChildSubreaper'));
});

// ---

const random = suite('random histories through main()');

type Action =
  | WorldAction
  | { t: 'signal'; signo: number; eintr: boolean; own: boolean }
  | { t: 'eof' }
  | { t: 'nothing' }
  | { t: 'advance'; ms: number };

const signo = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(17, 16, SIGWINCH, SIGCONT, 40) },
  { weight: 1, arbitrary: fc.constantFrom(SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, 13, 25, 11, 6) },
);
// Weighted so that most histories run for a while before a tear-down starts (an EOF, a
// fatal signal, or the command's exit in launch mode).
const action: fc.Arbitrary<Action> = fc.oneof<fc.MaybeWeightedArbitrary<Action>[]>(
  ...worldActions(3),
  {
    weight: 6,
    arbitrary: fc.record(
      // own: raised by supervise's own write (a SIGPIPE or SIGXFSZ), from its own pid
      { t: fc.constant('signal' as const), signo, eintr: fc.boolean(), own: fc.boolean() },
      plain,
    ),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'eof' as const }) },
  { weight: 3, arbitrary: fc.constant({ t: 'nothing' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 3000 }) }, plain),
  },
);
interface History {
  /** Launch mode (`--status-fd 3 --control-fd 4 [--wait-all] -- CMD`) or protocol mode. */
  launch: boolean;
  waitAll: boolean;
  /** --timeout and --grace in ms (0: not given). */
  timeout: number;
  grace: number;
  initial: number;
  actions: Action[];
  end: 'eof' | 'signal';
}
const history: fc.Arbitrary<History> = fc.record(
  {
    launch: fc.boolean(),
    waitAll: fc.boolean(),
    timeout: fc.constantFrom(0, 0, 1000, 4000, 20000),
    grace: fc.constantFrom(0, 0, 500, 2500),
    initial: fc.integer({ min: 2, max: 8 }),
    actions: fc.array(action, { minLength: 3, maxLength: 60, size: 'max' }),
    end: fc.constantFrom<'eof' | 'signal'>('eof', 'signal'),
  },
  plain,
);

/** The reference's fatal set: what tears down in protocol mode, and in launch mode once the
 *  command is gone. */
const FATAL = new Set([1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 29, 30, 31]);

/** Runs one history through main(): each action is one step of the world at a wait. */
function runHistory({ launch: launchMode, waitAll, timeout, grace, initial, actions, end }: History): void {
  const argv = !launchMode
    ? []
    : [
        '--status-fd',
        '3',
        '--control-fd',
        '4',
        ...(waitAll ? ['--wait-all'] : []),
        ...(timeout ? ['--timeout', `${timeout}ms`] : []),
        ...(grace ? [`--grace=${grace / 1000}s`] : []),
        '--',
        'cmd',
      ];
  const k = new FakeKernel({ argv, fds: launchMode ? { 0: 'tty', 1: 'tty', 3: 'status', 4: 'control' } : {} });
  const world = new World(k, false);
  let main = 0;
  let deadline = Infinity;
  if (launchMode) {
    k.onSpawn = (pid) => {
      main = pid;
      if (timeout) deadline = k.monoMs + timeout;
      world.seen.add(pid);
      for (let i = 0; i < initial; i++) world.seen.add(k.spawn(pid));
    };
  } else {
    for (let i = 0; i < initial; i++) world.seen.add(k.spawn());
  }
  const delivered: number[] = [];
  const deliver = (sig: number, own = false) => {
    // What the kernel raises for a write of supervise's own (PIPE, XFSZ, from its own pid)
    // is neither acted on nor forwarded; any other signal from its pid (sent before exec) is.
    const raisedForAWrite = own && (sig === 13 || sig === 25);
    if (!raisedForAWrite) delivered.push(sig);
    k.signalSupervise(sig, SI_USER, own ? k.self : SENDER);
  };
  const step =
    (a: Action): Step =>
    () => {
      if (a.t === 'signal') {
        deliver(a.signo, a.own);
        return a.eintr ? 'EINTR' : undefined;
      }
      if (a.t === 'eof') k.closeControl();
      else if (a.t === 'advance') k.advance(a.ms);
      else if (a.t !== 'nothing') for (const chunk of world.apply(a)) if (!k.controlEof) k.sendControl(chunk);
    };
  k.script.push(...actions.map(step), () => {
    world.settle();
    if (end === 'eof') k.closeControl();
    else deliver(SIGTERM);
  });
  // Once the script is done, the owner closes the control fd if the core still waits.
  k.idle = 'eof';
  const code = run(k);

  world.check(launchMode ? 1 : 0);
  if (launchMode) assert.equal(summary(k)[0], spawnedRecord(main));
  // Asleep without a timeout unless a deadline is pending; never asleep past --timeout.
  if (!timeout && !grace)
    assert.ok(
      k.waits.every((w) => w.timeout === -1),
      `timeouts ${timeouts(k)}`,
    );
  for (const w of k.waits) {
    if (w.monoMs < deadline && deadline < Infinity)
      assert.ok(
        w.timeout >= 0 && w.monoMs + w.timeout <= deadline,
        `a wait of ${w.timeout} ms at ${w.monoMs}, deadline ${deadline}`,
      );
  }
  const firstFatal = delivered.find((s) => FATAL.has(s));
  if (!launchMode) {
    assert.is(code, firstFatal ? 128 + firstFatal : 0);
  } else {
    // The command's own status, or 128 + a fatal signal supervise got (which one depends on
    // whether the command was reaped by then).
    const m = k.reaped.find((r) => r.pid === main)!;
    const own = m.code === CLD_EXITED ? m.status : 128 + m.status;
    const possible = new Set([own, ...delivered.filter((s) => FATAL.has(s)).map((s) => 128 + s)]);
    if (k.monoMs >= deadline) possible.add(124);
    assert.ok(possible.has(code), `exit ${code}, not one of ${[...possible]}`);
  }
}

random('should never kill a non-child, write one record per reaped child, and leave no descendant alive', () => {
  fc.assert(fc.property(history, runHistory), { numRuns: 1000 });
});

protocol.run();
signals.run();
launch.run();
pressure.run();
args.run();
events.run();
setup.run();
random.run();
