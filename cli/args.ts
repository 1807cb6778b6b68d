// The yargs front end of the supervise executable, for people at a shell: --help, usage
// errors, decode, report, send, view, and any launch form the core's fast parser (assembly/args.ts) does
// not take; a valid one runs in the core as its canonical argv. Loaded lazily: it costs
// ~30 ms of start-up that programs driving supervise should not pay.
import yargs, { type Argv } from 'yargs';
import { runCore, coreDuration } from './host.ts';
import { hasShim } from './shim.ts';
import { EXIT_FRONT_END, EXIT_INTERNAL, EXIT_USAGE, SIGNAL_MAX } from '../assembly/protocol.ts';
import {
  LAUNCH_OPTIONS,
  FLAG,
  FD,
  DURATION,
  SIGNAL,
  COUNT,
  SIZE,
  PROTOCOL,
  type LaunchOption,
} from '../assembly/options.ts';
import { launchArgv as canonicalArgv, spelling } from '../codec/argv.ts';
import { signalNumber } from '../codec/names.ts';
import { findBinary, packageVersion } from '../pkg/binary.ts';
import { execNative } from '../pkg/exec.ts';
import * as say from './messages.ts';

/** What `supervise [options] -- CMD [ARG...]` asks for, or (`protocol`) protocol mode with
 *  the options it takes (`supervise --cgroup`: no `--`, no CMD; `file` and `argv` empty). */
export interface LaunchOptions {
  /** CMD, looked up along PATH, and its argv (argv[0] = CMD). */
  file: string;
  argv: string[];
  /** The options given, by name (assembly/options.ts), none at its `unset` value. */
  values: Record<string, number | string | boolean>;
  protocol?: true;
}

/** The largest fd number the core's parser takes (9 digits; the kernel's nr_open is far below). */
const FD_MAX = 999_999_999;

/** The options protocol mode takes too (options.ts readers PROTOCOL), as --help spells them. */
const PROTOCOL_OPTIONS = LAUNCH_OPTIONS.filter((o) => (o.readers & PROTOCOL) !== 0);

const USAGE = `Usage: supervise
       supervise ${PROTOCOL_OPTIONS.map((o) => `[${spelling(o)}]`).join(' ')}
       supervise [options] -- CMD [ARG...]
       supervise decode [FILE|-] [--format text|json|trace] [--json] [--control]
       supervise report [FILE|-] [--format text|json]
       supervise send PID SIGNAL
       supervise view [FILE] [--port N] [--no-open]

A minimal, unprivileged process supervisor.

With no arguments, supervise speaks the supervise protocol on its stdin (8-byte control
records: int32 pid, int32 signal) and stdout (one 128-byte siginfo_t per child it reaps).
When stdin closes, it SIGKILLs every descendant, waits for all of them, and exits. With
${PROTOCOL_OPTIONS.map((o) => `--${o.name}`).join(', ')} (and no --), it first moves every descendant
into a cgroup v2 leaf whose cgroup.kill its tear-down writes.

With -- CMD (launch mode), it runs CMD (looked up along PATH) with stdin, stdout, stderr
and every other inherited fd passed straight through, forwards to it every signal it
receives (except SIGCHLD, and a terminal's ^C, ^\\ and resize when CMD got its own copy),
waits for it (TERM and INT included: CMD decides how to stop), and when CMD exits kills
everything CMD left behind: nothing escapes by double-forking, setsid or nohup. It never
exits while a descendant lives. The stop keys (^Z) stop supervise and CMD together.

decode prints a status stream, an events log (--events) or a control stream one line per
record (--format json: JSON lines; --format trace: an events log as a Chrome / Perfetto
trace, JSON, for ui.perfetto.dev and chrome://tracing). report answers, for each run of an
events log: the main command's status and duration, how many processes ran, which escaped,
which supervise killed at tear-down, which outlived the --grace deadline, which kept a
--wait-all run waiting, and the top processes by CPU time and peak memory. send writes one control record to
stdout, e.g. into a fifo read by a supervise. view serves the log viewer for FILE on
127.0.0.1 and follows FILE while supervise writes it.`;

const EPILOG = `Durations: 500ms, 10s, 2m, 1h; a bare number is seconds.

Exit status. Protocol mode: 0 when no child is left; 128+N after a tear-down caused by
signal N. Launch mode: CMD's exit code, or 128+N if CMD died of signal N (137 when
supervise SIGKILLed it: --grace expired, or a third TERM/INT with --grace); 124 when
--timeout expired; 127 if CMD was not found, 126 if it could not be run; 128+N when
signal N came after CMD's exit and cut --wait-all short. Both: 1 when supervise cannot run
(no /proc, cannot become a child subreaper); 125 on a usage error (as timeout and env
do: 2 is too common an exit code of CMD to mean supervise's). decode exits 1 on
unreadable, empty, truncated or corrupt input, after printing every whole record before
it; report exits 1 on the same, after the report of the records before it; send exits 1
rather than write to a terminal (--force writes it).`;

/** yargs's coerce for an option of the table: its text -> its value, by kind (what the
 *  core's fast parser takes, in more spellings), or a usage error. */
function coerce(o: LaunchOption) {
  return (value: unknown): number | string => {
    const text = String(value);
    if (o.kind === FD) {
      const fd = Number(value);
      if (!Number.isInteger(fd) || fd < 0 || fd > FD_MAX || text.trim() === '')
        throw new Error(say.notFd(o.name, text));
      return fd;
    }
    if (o.kind === COUNT) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 999_999_999 || text.trim() === '')
        throw new Error(`--${o.name}: '${text}' is not a number from 1 to 999999999`);
      return n;
    }
    if (o.kind === SIZE) {
      const m = /^([0-9]{1,9})([kKmMgG])$/.exec(text.trim());
      const kib = m ? Number(m[1]) * 1024 ** 'kmg'.indexOf(m[2].toLowerCase()) : 0;
      if (!m || kib < 1 || kib > 2 ** 31 - 1) throw new Error(`--${o.name}: '${text}' is not a size (100K, 512M, 2G)`);
      return kib;
    }
    if (o.kind === DURATION) {
      const ms = coreDuration(text);
      if (Number.isNaN(ms)) throw new Error(say.notDuration(o.name, text));
      return ms;
    }
    if (o.kind === SIGNAL) {
      const n = signalNumber(text);
      if (n === null || n < 1) throw new Error(say.notSignal(o.name, text, SIGNAL_MAX));
      return n;
    }
    if (text === '') throw new Error(say.emptyFile(o.name));
    return text;
  };
}

/** The default command's yargs options: the table's rows, --help saying each one's default. */
function launchOptions<T>(y: Argv<T>): Argv<T> {
  for (const o of LAUNCH_OPTIONS) {
    const describe = `${o.doc.replaceAll('`', '')} [default: ${o.defaultText}]`;
    if (o.kind === FLAG) y.option(o.name, { type: 'boolean', describe });
    else y.option(o.name, { type: 'string', coerce: coerce(o), describe, requiresArg: true });
  }
  return y;
}

/** What .fail() throws: a usage error, already printed. */
const USAGE_ERROR = new Error('usage error');

/** Parses argv (without node and script). status: 0 with options to launch, 0 without
 *  after --help/--version (printed on stdout), 2 after a usage error (printed on stderr). */
export async function parseArgs(argv: string[]): Promise<{ status: number; options?: LaunchOptions }> {
  let status = 0;
  let ran = false; // a command (decode, report, send, view) ran instead of launch mode
  // `supervise help [CMD]` is `supervise [CMD] --help` (yargs takes a first `help` for its
  // own, prints the help and runs no handler).
  if (argv[0] === 'help') {
    if (argv.length === 1) return parseArgs(['--help']);
    if (argv.length > 2 || !['decode', 'report', 'send', 'view'].includes(argv[1])) {
      process.stderr.write(say.usage(say.noSuchSubcommand(argv.slice(1).join(' '))));
      return { status: EXIT_USAGE };
    }
    return parseArgs([argv[1], '--help']);
  }
  // `supervise CMD ARG...` (tini's and dumb-init's form) is told what to type before yargs
  // reports CMD's own options as unknown ones of supervise.
  const at = firstOperand(argv);
  if (at >= 0 && !(say.SUBCOMMANDS as readonly string[]).includes(argv[at])) {
    process.stderr.write(say.usage(say.missingDashes(argv.slice(0, at), argv.slice(at))));
    return { status: EXIT_USAGE };
  }
  const parser = yargs(argv)
    .scriptName('supervise')
    .usage(USAGE)
    .epilog(EPILOG)
    .parserConfiguration({ 'populate--': true, 'duplicate-arguments-array': false, 'camel-case-expansion': false })
    // Launch mode's options belong to the default command only: `decode --help` does not
    // list them and `decode --events F` is a usage error.
    .command('$0', false, (y) => launchOptions(y))
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
            ? say.DECODE_JSON_AND_TRACE
            : args.control && args.format === 'trace'
              ? say.DECODE_CONTROL_TRACE
              : '';
        if (clash) {
          process.stderr.write(say.usage(clash));
          status = EXIT_USAGE;
          return;
        }
        const { decode } = await import('./decode.ts');
        const format = args.json ? 'json' : args.format;
        status = await decode({ file: args.file, format, control: args.control });
      },
    )
    .command(
      'report [file]',
      'Answer what happened in each run of an events log (--events FILE): main command, escapees, kills, waits, top CPU and memory',
      (y) =>
        y.positional('file', { type: 'string', describe: "the events log; '-' or none: stdin" }).option('format', {
          choices: ['text', 'json'] as const,
          default: 'text' as const,
          describe: 'text: a screen per run; json: one document, {"runs": [...]}',
        }),
      async (args) => {
        ran = true;
        const { reportCommand } = await import('./report.ts');
        status = await reportCommand({ file: args.file, format: args.format });
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
          })
          .option('force', {
            alias: 'f',
            type: 'boolean',
            default: false,
            describe: 'write the record even when stdout is a terminal',
          }),
      async (args) => {
        ran = true;
        const { parseSend, send } = await import('./decode.ts');
        const parsed = parseSend(String(args.pid), String(args.signal));
        if (typeof parsed === 'string') {
          process.stderr.write(say.usage(parsed));
          status = EXIT_USAGE;
        } else {
          status = send(parsed.pid, parsed.signal, 1, args.force);
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
              if (!/^\d+$/.test(String(v)) || n > 65535) throw new Error(say.notPort(String(v)));
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
    .alias('help', 'h')
    .version(packageVersion())
    .alias('version', 'V')
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      process.stderr.write(say.usage(say.fromYargs(msg ?? err?.message ?? String(err), argv)));
      // Thrown, so that yargs runs no command handler after a usage error.
      throw USAGE_ERROR;
    })
    .exitProcess(false);
  let args: Awaited<ReturnType<typeof parser.parseAsync>>;
  try {
    args = await parser.parseAsync();
  } catch (err) {
    if (err === USAGE_ERROR) return { status: EXIT_USAGE };
    throw err;
  }
  if (ran || status !== 0 || args.help || args.version) return { status };
  const cmd = ((args['--'] ?? []) as Array<string | number>).map(String);
  const usageError = (msg: string) => {
    process.stderr.write(say.usage(msg));
    return { status: EXIT_USAGE };
  };
  if (args._.length > 0) return usageError(say.missingDashes([], args._.map(String)));
  // The default command's options (its builder above), untyped at this level.
  const values: Record<string, number | string | boolean> = {};
  for (const o of LAUNCH_OPTIONS) {
    const v = args[o.name] as number | string | boolean | undefined;
    if (v !== undefined && v !== false && v !== o.unset) values[o.name] = v;
  }
  // No `--` and only options protocol mode takes: protocol mode with them.
  if (!argv.includes('--')) {
    const given = Object.keys(values);
    if (given.every((name) => PROTOCOL_OPTIONS.some((o) => o.name === name))) {
      return { status: 0, options: { file: '', argv: [], values, protocol: true } };
    }
  }
  if (cmd.length === 0 || cmd[0] === '') return usageError(say.MISSING_COMMAND);
  return { status: 0, options: { file: cmd[0], argv: cmd, values } };
}

/** The index of the first argument before `--` that is neither an option nor an option's
 *  value (launch mode's table says which options take one), or -1. */
function firstOperand(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return -1;
    if (!a.startsWith('-') || a === '-') return i;
    const o = LAUNCH_OPTIONS.find((x) => `--${x.name}` === a);
    if (o && o.kind !== FLAG) i++;
  }
  return -1;
}

/** The argv the core's fast parser takes for `o` (codec/argv.ts). */
export function launchArgv(o: LaunchOptions): string[] {
  if (o.protocol) return canonicalArgv(o.values);
  return [...canonicalArgv(o.values), '--', ...o.argv];
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
      process.stderr.write(say.cannotFindBinary((err as Error).message));
      return 1;
    }
    return execNative(file, launchArgv(options));
  }
  const code = runCore(launchArgv(options));
  if (code !== EXIT_FRONT_END) return code;
  process.stderr.write(say.coreRefused(launchArgv(options)));
  return EXIT_INTERNAL;
}
