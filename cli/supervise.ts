// The supervise executable. main(argv) -> exit status; bin/supervise calls it.
// With no arguments it is the reference's protocol mode on fds 0 and 1 and loads
// nothing but the shim and core.wasm; anything else goes to the yargs front end,
// loaded only then (it costs start-up time that programs driving supervise should not pay).
import { loadShim } from './shim.ts';
import { catchSignals, prepare, runLoop, SetupError } from './loop.ts';

/** Protocol mode: control records in on fd 0, status records out on fd 1. */
export async function protocolMode(): Promise<number> {
  try {
    const shim = loadShim();
    const signalFd = catchSignals(shim);
    prepare(shim);
    return await runLoop({ shim, controlFd: 0, statusFd: 1, signalFd });
  } catch (err) {
    return fail(err);
  }
}

export function fail(err: unknown): number {
  const msg = err instanceof SetupError ? err.message : (err as Error)?.stack ?? String(err);
  try {
    process.stderr.write(`supervise: ${msg.replace(/^supervise: /, '')}\n`);
  } catch {
    // stderr gone
  }
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) return protocolMode();
  const { runArgs } = await import('./args.ts');
  return runArgs(argv);
}
