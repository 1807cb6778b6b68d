// The options of launch mode (`supervise [options] -- CMD [ARG...]`), and the few protocol
// mode takes too (`supervise [options]`, readers PROTOCOL): one row each, the one
// home of their names, value kinds, defaults and doc lines. asc compiles it (args.ts parses
// with it, main.ts builds the --pid-ns argv from it); the TypeScript sides import it as it is
// (cli/args.ts: yargs and --help; codec/argv.ts: the canonical argv of the front end, the
// library and the tests; test/docs.test.ts holds docs/cli.md's table to it). So: plain
// TypeScript that asc also takes, nothing of AssemblyScript's own (`number` is f64 there).
// Adding an option: ARCHITECTURE.md, "Adding a launch option".

// What an option's value is (the fast parser's grammar; the front end takes more spellings).
/** No value: `--name` alone (`--name=x` is left to the front end). */
export const FLAG = 0;
/** A decimal fd number, 1 to 9 digits. */
export const FD = 1;
/** 500ms, 10s, 2m, 1h, a bare number of seconds (args.ts parseDuration); canonical: `Nms`. */
export const DURATION = 2;
/** A file name, not empty and not starting with '-' (the canonical argv writes `./-x`). */
export const FILE = 3;
/** A signal number 1..SIGNAL_MAX; the front end also takes names (INT, SIGINT: codec/names.ts). */
export const SIGNAL = 4;
/** A positive decimal number, 1 to 9 digits (a count). */
export const COUNT = 5;
/** A size: 1 to 9 digits and K, M or G (KiB, MiB, GiB; either case); canonical: `NK`. The
 *  value is in KiB. */
export const SIZE = 6;

// Who reads an option besides the core of the supervise it is given to (bits).
/** The core alone. */
export const CORE = 0;
/** Passed on to the inner supervise of --pid-ns (main.ts spawnCommand). */
export const INNER = 1;
/** Offered by the library (lib/spawn.ts, lib/sync.ts). */
export const LIBRARY = 2;
/** Taken by protocol mode too: `supervise [these options]` with no `--` and no CMD (args.ts
 *  parseLaunch, cli/args.ts). Every other option needs CMD. */
export const PROTOCOL = 4;

export class LaunchOption {
  /** Without the leading `--`. */
  name: string = '';
  kind: number = FLAG;
  /** The value when not given, which the canonical argv leaves out: a flag's 0, an fd's -1,
   *  a duration's 0 (none), a signal's number; a file's 0 (none). */
  unset: number = 0;
  /** The default, as docs/cli.md and --help say it. */
  defaultText: string = '';
  /** One line, for docs/cli.md's table and (without the backticks) --help. */
  doc: string = '';
  readers: number = CORE;
}

/** Indices into LAUNCH_OPTIONS (test/launch.test.ts checks that each names its row). */
export const OPT_STATUS_FD = 0;
export const OPT_CONTROL_FD = 1;
export const OPT_WAIT_ALL = 2;
export const OPT_GRACE = 3;
export const OPT_TIMEOUT = 4;
export const OPT_TIMEOUT_SIGNAL = 5;
export const OPT_EVENTS = 6;
export const OPT_PID_NS = 7;
export const OPT_CGROUP = 8;
export const OPT_MAX_PIDS = 9;
export const OPT_MAX_MEMORY = 10;
export const OPT_VERBOSE = 11;
export const OPT_EVENTS_FD = 12;

/** In the order of the canonical argv, of docs/cli.md's table and of --help. */
export const LAUNCH_OPTIONS: LaunchOption[] = [
  {
    name: 'status-fd',
    kind: FD,
    unset: -1,
    defaultText: 'none',
    doc: 'status records on fd N, preceded by one spawned / spawn-failed record',
    readers: LIBRARY,
  },
  {
    name: 'control-fd',
    kind: FD,
    unset: -1,
    defaultText: 'none',
    doc: 'control records from fd N; EOF or hang-up tears the tree down. May be the status fd (one socketpair). Without it there is no control input',
    readers: LIBRARY,
  },
  {
    name: 'wait-all',
    kind: FLAG,
    unset: 0,
    defaultText: 'off',
    doc: 'after CMD exits, wait for the rest instead of killing it',
    readers: INNER | LIBRARY,
  },
  {
    name: 'grace',
    kind: DURATION,
    unset: 0,
    defaultText: 'none (wait for CMD, as tini and dumb-init do)',
    doc: 'after the first SIGTERM or SIGINT (or `--timeout`) while CMD runs: SIGKILL the whole tree if CMD is still alive DURATION later; the third TERM/INT does it at once. `0`: none',
    readers: INNER | LIBRARY,
  },
  {
    name: 'timeout',
    kind: DURATION,
    unset: 0,
    defaultText: 'none',
    doc: "`--timeout-signal` (SIGTERM) to CMD when DURATION expires, then wait for it as after any TERM (with `--grace`'s deadline if given, like `timeout -k`); exit 124",
    readers: LIBRARY,
  },
  {
    name: 'timeout-signal',
    kind: SIGNAL,
    unset: 15,
    defaultText: 'TERM',
    doc: 'the signal `--timeout` sends CMD, as `timeout -s`: a name (`INT`, `SIGINT`) or a number',
    readers: LIBRARY,
  },
  {
    name: 'events',
    kind: FILE,
    unset: 0,
    defaultText: 'none',
    doc: 'append every status record with a timestamp to FILE and the name, start time, process group, session and resources (CPU, peak RSS, faults, context switches) of its process (the events log; `supervise report FILE` explains it)',
    readers: CORE,
  },
  {
    name: 'pid-ns',
    kind: FLAG,
    unset: 0,
    defaultText: 'off',
    doc: 'run CMD in a new PID namespace (and a user namespace when not root), so that even a SIGKILL of supervise kills every descendant',
    readers: CORE,
  },
  {
    name: 'cgroup',
    kind: FLAG,
    unset: 0,
    defaultText: 'off',
    doc: "put CMD into a new cgroup v2 leaf where one is writable (else a warning, and the subreaper alone): tear-down writes its `cgroup.kill`, which kills setuid descendants and fork storms too. Protocol mode takes it too (`supervise --cgroup`: the children its owner started are moved into the leaf)",
    readers: LIBRARY | PROTOCOL,
  },
  {
    name: 'max-pids',
    kind: COUNT,
    unset: 0,
    defaultText: 'none',
    doc: "at most N processes in the tree at once (the leaf's `pids.max`; implies `--cgroup`). Where there is no writable cgroup v2, or the pids controller is not enabled for the leaf, supervise says which and exits 1",
    readers: LIBRARY | PROTOCOL,
  },
  {
    name: 'max-memory',
    kind: SIZE,
    unset: 0,
    defaultText: 'none',
    doc: "at most SIZE (`512M`, `2G`, `100K`) of memory for the whole tree (the leaf's `memory.max`: past it the kernel reclaims, then OOM-kills inside the tree; implies `--cgroup`). Where there is no writable cgroup v2, or the memory controller is not enabled for the leaf, supervise says which and exits 1",
    readers: LIBRARY | PROTOCOL,
  },
  {
    name: 'verbose',
    kind: FLAG,
    unset: 0,
    defaultText: 'off',
    doc: "say on stderr, once CMD started (protocol mode: once the children are in the leaf), which kill mechanisms hold the tree: `supervise: layers: subreaper, cgroup v2 PATH, pid namespace` (the ones that hold)",
    readers: PROTOCOL,
  },
  {
    name: 'events-fd',
    kind: FD,
    unset: -1,
    defaultText: 'none',
    doc: "the events log (`--events`'s entries, from its header on) written to fd N, a pipe or socket the caller reads, made CLOEXEC for CMD (the library's per-process resources). Not with `--events`",
    readers: LIBRARY,
  },
];
