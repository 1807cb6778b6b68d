// The words of every message the front end (cli/) prints, in one place, as assembly/say.ts
// is for the core. Each returns the text of one message, "supervise: ..." and its newline;
// callers only choose the stream. test/cli-errors.test.ts walks each path that prints one.
// The codec's words for bad bytes (DecodeError reasons, notALog()) stay in codec/index.ts:
// the viewer shows the same ones.
import { EXIT_USAGE } from '../assembly/protocol.ts';

/** The subcommands: a first argument naming none of them, without `--`, is a command that
 *  lacks its `--` (missingDashes()). */
export const SUBCOMMANDS = ['decode', 'report', 'send', 'view', 'help'] as const;

/** A usage error: what was wrong, and where help is (coreutils' two lines). Exit EXIT_USAGE. */
export function usage(what: string): string {
  return `supervise: ${what}\nTry 'supervise --help' for more information.\n`;
}
export { EXIT_USAGE };

/** yargs's wording of a usage error -> ours (`--no-such-option` named as typed, not as
 *  yargs's boolean negation "such-option"). `argv`: the arguments as given. */
export function fromYargs(msg: string, argv: string[]): string {
  const unknown = /^Unknown arguments?: (.*)$/.exec(msg);
  if (unknown) {
    const options = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length);
    for (const name of unknown[1].split(', ')) {
      const typed = options.find(
        (a) =>
          a === `--${name}` ||
          a.startsWith(`--${name}=`) ||
          a === `--no-${name}` ||
          a.startsWith(`--no-${name}=`) ||
          a === `-${name}`,
      );
      if (typed) return `unrecognized option '${typed.split('=')[0]}'`;
    }
    return `unexpected argument '${unknown[1].split(', ')[0]}'`;
  }
  const missingValue = /^Not enough arguments following: (.*)$/.exec(msg);
  if (missingValue) return `option '--${missingValue[1]}' requires a value`;
  const choices = /^Invalid values:\s+Argument: (\S+), Given: "(.*)", Choices: (.*)$/s.exec(msg);
  if (choices) return `--${choices[1]}: '${choices[2]}' is not one of ${choices[3].replaceAll('"', '')}`;
  const tooFew = /^Not enough non-option arguments: got (\d+), need at least (\d+)$/.exec(msg);
  if (tooFew) return `missing arguments: ${tooFew[2]} needed, ${tooFew[1]} given`;
  const tooMany = /^Too many non-option arguments: got (\d+), maximum of (\d+)$/.exec(msg);
  if (tooMany) return `too many arguments: at most ${tooMany[2]}, ${tooMany[1]} given`;
  return msg.charAt(0).toLowerCase() + msg.slice(1);
}

/** `supervise [OPTIONS] CMD ARG...`: tini's and dumb-init's habit. Not run: a command named
 *  like a subcommand (vim's `view`, for one) would change meaning with the subcommands, and
 *  so would every command if a subcommand were added. This says what to type instead. */
export function missingDashes(options: string[], command: string[]): string {
  const fixed = ['supervise', ...options, '--', ...command].map(quote).join(' ');
  return `'${command[0]}' is not a subcommand of supervise; to run it, put -- before the command: ${fixed}`;
}

/** `supervise help X` of no subcommand X. */
export const noSuchSubcommand = (name: string) => `help: no subcommand '${name}' (decode, report, send, view)`;

/** Launch mode without CMD. */
export const MISSING_COMMAND = 'missing the command: supervise [options] -- CMD [ARG...]';

/** An argument as a shell would need it. */
function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`;
}

// --- values of launch mode's options (coerce in cli/args.ts; the same words as the core's
// fast parser would refuse them with, had it a voice)

export const notFd = (option: string, text: string) => `--${option}: '${text}' is not an fd number`;
export const notDuration = (option: string, text: string) =>
  `--${option}: '${text}' is not a duration (500ms, 10s, 2m)`;
export const notSignal = (option: string, text: string, max: number) =>
  `--${option}: '${text}' is not a signal (a name: INT, SIGINT; or a number 1..${max})`;
export const emptyFile = (option: string) => `--${option}: '' is not a file name`;
export const notPort = (text: string) => `--port: '${text}' is not a port number (0..65535)`;

// --- decode

export const DECODE_JSON_AND_TRACE = 'decode: --json is --format json: give one of them';
export const DECODE_CONTROL_TRACE = 'decode: --format trace draws an events log: control records have no times';

/** decode's failures (exit 1), after whatever records came before. */
export function decodeFailed(name: string, reason: string): string {
  return `supervise: decode: ${name}: ${reason}\n`;
}
export const EMPTY_INPUT = 'empty input (no status records, no events log header)';
/** A file or read error, from its errno code and the system call. */
export function ioFailed(code: string, syscall: string): string {
  return `${code}: cannot ${syscall === 'open' ? 'open' : 'read'} it`;
}
/** `decode --control` of an events log (its magic): decoded as the events log it is. */
export function notControl(first: string): string {
  return `not a control stream: its first record (${first}) names no process (pids are 1..4194304, signals 0..64)`;
}

// --- send

export const badPid = (text: string) => `send: PID must be a positive integer, got '${text}'`;
export const badSignal = (text: string, max: number) =>
  `send: SIGNAL must be a signal name (TERM, SIGKILL, ...) or a number 0..${max}, got '${text}'`;
/** gzip's refusal, for an 8-byte binary record. Exit 1. */
export const SEND_TO_TERMINAL =
  'supervise: send: not writing a binary control record to a terminal: redirect stdout to the fifo or pipe supervise reads (--force writes it anyway)\n';
export const sendFailed = (message: string) => `supervise: send: cannot write the control record: ${message}\n`;

// --- view

export const viewFileFailed = (file: string, reason: string) => `supervise: view: ${file}: ${reason}\n`;
export const viewFailed = (message: string) => `supervise: view: ${message}\n`;
export const NOT_REGULAR = 'not a regular file';
export const viewServing = (url: string, what: string) =>
  `supervise log viewer: ${url}\nserving ${what}; Ctrl-C stops it\n`;
export const noXdgOpen = (url: string) => `supervise: view: could not start xdg-open; open ${url}\n`;

// --- the executable itself

export const coreRefused = (argv: string[]) => `supervise: internal error: the core refused ${JSON.stringify(argv)}\n`;
export const cannotFindBinary = (message: string) => `${message}\n`;
