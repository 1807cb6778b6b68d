// The canonical argv of launch mode: how the yargs front end (cli/args.ts), the library
// (lib/spawn.ts, lib/sync.ts) and the tests hand launch options to the core, whose fast
// parser (assembly/args.ts) takes exactly this form. Built from the one table of options
// (assembly/options.ts), as main.ts builds the --pid-ns argv from it.
import {
  LAUNCH_OPTIONS,
  FLAG,
  FD,
  DURATION,
  FILE,
  SIGNAL,
  COUNT,
  SIZE,
  type LaunchOption,
} from '../assembly/options.ts';

/** Launch options by name (the table's, without `--`): a flag's true, an fd's number, a
 *  duration's milliseconds, a size's KiB, a signal's number, a file's name. Absent, false, or the
 *  table's `unset`: not given. */
export type LaunchValues = { readonly [name: string]: number | string | boolean | undefined };

/** The option named `name`; throws for a name the table does not have. */
export function launchOption(name: string): LaunchOption {
  const o = LAUNCH_OPTIONS.find((row) => row.name === name);
  if (!o) throw new TypeError(`no launch option --${name}`);
  return o;
}

/** What --help and docs/cli.md write after the option's name: N, SIZE, DURATION, FILE, SIG. */
export function valueName(kind: number): string {
  if (kind === FD || kind === COUNT) return 'N';
  if (kind === SIZE) return 'SIZE';
  return kind === DURATION ? 'DURATION' : kind === FILE ? 'FILE' : kind === SIGNAL ? 'SIG' : '';
}

/** `--name VALUE` as docs/cli.md and --help spell an option. */
export function spelling(o: LaunchOption): string {
  return o.kind === FLAG ? `--${o.name}` : `--${o.name} ${valueName(o.kind)}`;
}

/** The options of `values` as the core's fast parser takes them: each given one once, in
 *  the table's order, `--name` then its value (a duration in ms; a file name starting with
 *  '-' as `./-x`, which the parser would take for an option). Only those `readers` reads
 *  when given (a bit set of options.ts's readers: INNER for the --pid-ns argv). */
export function launchArgv(values: LaunchValues, readers?: number): string[] {
  for (const name of Object.keys(values)) launchOption(name);
  const argv: string[] = [];
  for (const o of LAUNCH_OPTIONS) {
    const v = values[o.name];
    if (v === undefined || v === false || v === o.unset) continue;
    if (readers !== undefined && (o.readers & readers) === 0) continue;
    if (o.kind === FLAG) argv.push(`--${o.name}`);
    else if (o.kind === DURATION) argv.push(`--${o.name}`, `${v}ms`);
    else if (o.kind === SIZE) argv.push(`--${o.name}`, `${v}K`);
    else if (o.kind === FILE) argv.push(`--${o.name}`, String(v).startsWith('-') ? `./${v}` : String(v));
    else argv.push(`--${o.name}`, String(v));
  }
  return argv;
}
