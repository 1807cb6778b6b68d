// errno numbers -> names and text, for the messages supervise prints on stderr.
import os from 'node:os';
import util from 'node:util';

/** "ENOENT" for 2 or -2; "E123" when unknown. */
export function errnoName(errno: number): string {
  const n = -Math.abs(errno);
  try {
    return util.getSystemErrorName(n);
  } catch {
    return `E${Math.abs(errno)}`;
  }
}

/** "No such file or directory" for 2 or -2. */
export function errnoText(errno: number): string {
  const entry = util.getSystemErrorMap().get(-Math.abs(errno));
  return entry ? entry[1].replace(/^./, (c) => c.toUpperCase()) : `error ${Math.abs(errno)}`;
}

/** "SIGTERM" for 15; "signal 40" when it has no name. */
export function signalName(sig: number): string {
  for (const [name, num] of Object.entries(os.constants.signals)) if (num === sig) return name;
  return `signal ${sig}`;
}
