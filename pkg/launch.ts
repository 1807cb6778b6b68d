// The `supervise` command of the npm package (bin/supervise.js): the native executable
// findBinary() finds runs in place of this Node process, told where the yargs front end
// is (SUPERVISE_CLI: the executable of a platform package has no bin/supervise-node beside
// it, and execs that script for --help, usage errors, decode, send and view).
import path from 'node:path';
import { findBinary, packageRoot } from './binary.ts';
import { execNative } from './exec.ts';

/** Runs supervise with `argv` -> the exit status; null when no executable is found (the
 *  caller runs the front end, which serves all but launch mode and says why for that). */
export async function launch(argv: string[]): Promise<number | null> {
  let file: string;
  try {
    file = findBinary().file;
  } catch {
    return null;
  }
  return execNative(file, argv, { ...process.env, SUPERVISE_CLI: path.join(packageRoot(), 'bin/supervise-node') });
}
