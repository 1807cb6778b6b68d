// The yargs front end of the supervise executable, for people at a shell: --help, usage
// errors, decode, send, and any launch form the core's fast parser (assembly/args.ts) does
// not take; a valid one runs in the core as its canonical argv. Loaded lazily: it costs
// ~30 ms of start-up that programs driving supervise should not pay.
import yargs from 'yargs';
import { runCore, coreDuration } from './host.ts';
import { hasShim } from './shim.ts';
import { EXIT_FRONT_END } from '../assembly/protocol.ts';
import { findBinary, packageVersion } from '../pkg/binary.ts';
import { execNative } from '../pkg/exec.ts';

/** What `supervise [options] -- CMD [ARG...]` asks for. */
export interface LaunchOptions {
  /** CMD, looked up along PATH, and its argv (argv[0] = CMD). */
  file: string;
  argv: string[];
  /** -1: none. One fd may be both. */
  statusFd: number;
  controlFd: number;
  waitAll: boolean;
  /** Milliseconds; 0: none. */
  graceMs: number;
  timeoutMs: number;
  /** --events FILE, or null. */
  events: string | null;
  pidNs: boolean;
}

/** The largest fd number the core's parser takes (9 digits; the kernel's nr_open is far below). */
const FD_MAX = 999_999_999;
/** What the core's internal-error path exits with (shim's last resort). */
const EXIT_INTERNAL = 70;

const USAGE = `Usage: supervise
       supervise [options] -- CMD [ARG...]
       supervise decode [FILE|-] [--format text|json|trace] [--json] [--control]
       supervise send PID SIGNAL
       supervise view [FILE] [--port N] [--no-open]

A minimal, unprivileged process supervisor.

With no arguments, supervise speaks the supervise protocol on its stdin (8-byte control
records: int32 pid, int32 signal) and stdout (one 128-byte siginfo_t per child it reaps).
When stdin closes, it SIGKILLs every descendant, waits for all of them, and exits.

With -- CMD (launch mode), it runs CMD (looked up along PATH) with stdin, stdout, stderr
and every other inherited fd passed straight through, forwards to it every signal it
receives (except SIGCHLD, and a terminal's ^C, ^\\ and resize when CMD got its own copy),
waits for it (TERM and INT included: CMD decides how to stop), and when CMD exits kills
everything CMD left behind: nothing escapes by double-forking, setsid or nohup. It never
exits while a descendant lives. The stop keys (^Z) stop supervise and CMD together.

decode prints a status stream, an events log (--events) or a control stream one line per
record (--format json: JSON lines; --format trace: an events log as a Chrome / Perfetto
trace, JSON, for ui.perfetto.dev and chrome://tracing). send writes one control record to
stdout, e.g. into a fifo read by a supervise. view serves the log viewer for FILE on
127.0.0.1 and follows FILE while supervise writes it.`;

const EPILOG = `Durations: 500ms, 10s, 2m, 1h; a bare number is seconds.

Exit status. Protocol mode: 0 when no child is left; 128+N after a tear-down caused by
signal N. Launch mode: CMD's exit code, or 128+N if CMD died of signal N (137 when
supervise SIGKILLed it: --grace expired, or a third TERM/INT with --grace); 124 when
--timeout expired; 127 if CMD was not found, 126 if it could not be run; 128+N when
signal N came after CMD's exit and cut --wait-all short. Both: 1 when supervise cannot run
(no /proc, cannot become a child subreaper); 2 on a usage error. decode exits 1 on
unreadable, truncated or corrupt input, after printing every whole record before it.`;

function durationOption(name: string) {
  return (text: unknown): number => {
    const ms = coreDuration(String(text));
    if (Number.isNaN(ms)) throw new Error(`--${name}: '${text}' is not a duration (500ms, 10s, 2m)`);
    return ms;
  };
}

function fileOption(name: string) {
  return (value: unknown): string => {
    if (String(value) === '') throw new Error(`--${name}: '' is not a file name`);
    return String(value);
  };
}

function fdOption(name: string) {
  return (value: unknown): number => {
    const fd = Number(value);
    if (!Number.isInteger(fd) || fd < 0 || fd > FD_MAX || String(value).trim() === '')
      throw new Error(`--${name}: '${value}' is not an fd number`);
    return fd;
  };
}

/** What .fail() throws: a usage error, already printed. */
const USAGE_ERROR = new Error('usage error');

/** Parses argv (without node and script). status: 0 with options to launch, 0 without
 *  after --help/--version (printed on stdout), 2 after a usage error (printed on stderr). */
export async function parseArgs(argv: string[]): Promise<{ status: number; options?: LaunchOptions }> {
  let status = 0;
  let ran = false; // a command (decode, send) ran instead of launch mode
  const parser = yargs(argv)
    .scriptName('supervise')
    .usage(USAGE)
    .epilog(EPILOG)
    .parserConfiguration({ 'populate--': true, 'duplicate-arguments-array': false, 'camel-case-expansion': false })
    // Launch mode's options belong to the default command only: `decode --help` does not
    // list them and `decode --events F` is a usage error.
    .command('$0', false, (y) =>
      y
        .option('status-fd', {
          type: 'string',
          coerce: fdOption('status-fd'),
          describe: 'Write status records (and first a "spawned" or "spawn failed" record) to fd N [default: none]',
          requiresArg: true,
        })
        .option('control-fd', {
          type: 'string',
          coerce: fdOption('control-fd'),
          describe:
            'Read control records from fd N; EOF or hang-up tears the tree down. May be the status fd (a socketpair) [default: none: no control input]',
          requiresArg: true,
        })
        .option('wait-all', {
          type: 'boolean',
          describe:
            'When CMD exits, wait for every descendant to exit by itself instead of killing them [default: false]',
        })
        .option('grace', {
          type: 'string',
          coerce: durationOption('grace'),
          describe:
            'After the first SIGTERM or SIGINT (or --timeout) while CMD runs, SIGKILL the whole tree if CMD is still alive DURATION later; a third TERM/INT does it at once [default: none: supervise waits for CMD, as tini and dumb-init do]',
          requiresArg: true,
        })
        .option('timeout', {
          type: 'string',
          coerce: durationOption('timeout'),
          describe:
            'SIGTERM to CMD after DURATION, then wait for it (with the deadline of --grace, if given); exit 124 [default: none]',
          requiresArg: true,
        })
        .option('events', {
          type: 'string',
          coerce: fileOption('events'),
          describe:
            'Append every status record with a timestamp and the identity of its process (name, start time, process group, session) to FILE (the events log, format v2) [default: none]',
          requiresArg: true,
        })
        .option('pid-ns', {
          type: 'boolean',
          describe:
            'Run CMD in a new PID namespace (and a user namespace when not root), so that even SIGKILL of supervise kills every descendant [default: false]',
        }),
    )
    .command(
      'decode [file]',
      'Print a status stream, an events log or (--control) a control stream, one line per record',
      (y) =>
        y
          .positional('file', { type: 'string', describe: "the input; '-' or none: stdin" })
          .option('format', {
            choices: ['text', 'json', 'trace'] as const,
            default: 'text' as const,
            describe:
              'text: one line per record; json: JSON lines; trace: the Trace Event Format (JSON) of an events log, for Perfetto UI and chrome://tracing',
          })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON lines (--format json)' })
          .option('control', {
            type: 'boolean',
            default: false,
            describe: 'the input is control records (8 bytes each)',
          }),
      async (args) => {
        ran = true;
        const clash =
          args.json && args.format === 'trace'
            ? '--json is --format json: give one of them'
            : args.control && args.format === 'trace'
              ? '--format trace draws an events log: control records have no times'
              : '';
        if (clash) {
          process.stderr.write(`supervise: decode: ${clash}\n`);
          status = 2;
          return;
        }
        const { decode } = await import('./decode.ts');
        const format = args.json ? 'json' : args.format;
        status = await decode({ file: args.file, format, control: args.control });
      },
    )
    .command(
      'send <pid> <signal>',
      'Write one control record (PID, SIGNAL) to stdout, e.g. into a fifo',
      (y) =>
        y
          .positional('pid', { type: 'string', demandOption: true, describe: 'a child of the supervise reading it' })
          .positional('signal', {
            type: 'string',
            demandOption: true,
            describe: 'a name (TERM, SIGKILL) or number (0..64)',
          }),
      async (args) => {
        ran = true;
        const { parseSend, send } = await import('./decode.ts');
        const parsed = parseSend(String(args.pid), String(args.signal));
        if (typeof parsed === 'string') {
          process.stderr.write(`supervise: send: ${parsed}\n\nRun 'supervise --help' for usage.\n`);
          status = 2;
        } else {
          status = send(parsed.pid, parsed.signal);
        }
      },
    )
    .command(
      'view [file]',
      'Serve the log viewer on 127.0.0.1 for FILE (an events log or a status stream), following it as it grows',
      (y) =>
        y
          .positional('file', { type: 'string', describe: 'the log; none: the page opens or takes a dropped file' })
          .option('port', {
            type: 'string',
            default: '0',
            coerce: (v: unknown) => {
              const n = Number(v);
              if (!/^\d+$/.test(String(v)) || n > 65535)
                throw new Error(`--port: '${v}' is not a port number (0..65535)`);
              return n;
            },
            describe: 'the port (0: a free one)',
          })
          .option('open', {
            type: 'boolean',
            default: true,
            describe: 'open the page in a browser (--no-open: only print its URL)',
          }),
      async (args) => {
        ran = true;
        const { view } = await import('./view.ts');
        status = await view({ file: args.file, port: args.port as unknown as number, open: args.open });
      },
    )
    .strict()
    .help()
    .version(packageVersion())
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err, y) => {
      process.stderr.write(`supervise: ${msg ?? err?.message}\n\n`);
      y.showHelp((s: string) => process.stderr.write(`${s}\n`));
      // Thrown, so that yargs runs no command handler after a usage error.
      throw USAGE_ERROR;
    })
    .exitProcess(false);
  let args: Awaited<ReturnType<typeof parser.parseAsync>>;
  try {
    args = await parser.parseAsync();
  } catch (err) {
    if (err === USAGE_ERROR) return { status: 2 };
    throw err;
  }
  if (ran || status !== 0 || args.help || args.version) return { status };
  const cmd = ((args['--'] ?? []) as Array<string | number>).map(String);
  const usageError = (msg: string) => {
    process.stderr.write(`supervise: ${msg}\n\n`);
    parser.showHelp((s) => process.stderr.write(`${s}\n`));
    return { status: 2 };
  };
  if (args._.length > 0) return usageError(`unexpected argument '${args._[0]}': put the command after --`);
  if (cmd.length === 0 || cmd[0] === '') return usageError('missing the command: supervise [options] -- CMD [ARG...]');
  // The default command's options (its builder above), untyped at this level.
  const options: LaunchOptions = {
    file: cmd[0],
    argv: cmd,
    statusFd: (args['status-fd'] as number | undefined) ?? -1,
    controlFd: (args['control-fd'] as number | undefined) ?? -1,
    waitAll: (args['wait-all'] as boolean | undefined) ?? false,
    graceMs: (args.grace as number | undefined) ?? 0,
    timeoutMs: (args.timeout as number | undefined) ?? 0,
    events: (args.events as string | undefined) ?? null,
    pidNs: (args['pid-ns'] as boolean | undefined) ?? false,
  };
  return { status: 0, options };
}

/** The argv the core's fast parser takes for `o` (--events gets `./` before a name
 *  starting with `-`, which the parser would take for an option). */
export function launchArgv(o: LaunchOptions): string[] {
  const a: string[] = [];
  if (o.statusFd >= 0) a.push('--status-fd', String(o.statusFd));
  if (o.controlFd >= 0) a.push('--control-fd', String(o.controlFd));
  if (o.waitAll) a.push('--wait-all');
  if (o.graceMs > 0) a.push('--grace', `${o.graceMs}ms`);
  if (o.timeoutMs > 0) a.push('--timeout', `${o.timeoutMs}ms`);
  if (o.events !== null) a.push('--events', o.events.startsWith('-') ? `./${o.events}` : o.events);
  if (o.pidNs) a.push('--pid-ns');
  return [...a, '--', ...o.argv];
}

/** Parses argv and runs; resolves to the exit status. Called by cli/supervise.ts. */
export async function runArgs(argv: string[]): Promise<number> {
  const { status, options } = await parseArgs(argv);
  if (!options) return status;
  // Without the addon (the npm package), the native executable runs the canonical argv.
  if (!hasShim()) {
    let file: string;
    try {
      file = findBinary().file;
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      return 1;
    }
    return execNative(file, launchArgv(options));
  }
  const code = runCore(launchArgv(options));
  if (code !== EXIT_FRONT_END) return code;
  process.stderr.write(`supervise: internal error: the core refused ${JSON.stringify(launchArgv(options))}\n`);
  return EXIT_INTERNAL;
}
