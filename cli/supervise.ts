// The supervise executable on Node: main(argv) -> exit status; bin/supervise-node calls it.
// The core (core.wasm, run by the Node host in host.ts) takes protocol mode and the launch
// forms programs use, and loads nothing else. Any argv it hands back (--help, a usage
// error, decode, report, send, view, a launch form its fast parser leaves alone) goes to the yargs
// front end, loaded only then: it costs start-up time programs should not pay.
// Without the addon (the npm package, where the native executable runs the core and execs
// this for the rest), yargs takes every argv.
import { runCore } from './host.ts';
import { hasShim } from './shim.ts';
import { EXIT_FRONT_END } from '../assembly/protocol.ts';

export async function main(argv: string[]): Promise<number> {
  if (hasShim()) {
    const code = runCore(argv);
    if (code !== EXIT_FRONT_END) return code;
  }
  const { runArgs } = await import('./args.ts');
  return runArgs(argv);
}
