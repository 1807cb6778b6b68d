#!/usr/bin/env node
// The `supervise` command of the npm package: the native executable (SUPERVISE_BINARY,
// the platform package @supervise/linux-<arch>, or bin/supervise built by make; see
// pkg/binary.ts) in place of this process; without one, the yargs front end alone, which
// serves --help, --version, decode, report, send and view, and names the fix for launch mode.
import { launch } from '../dist/launch.js';

const argv = process.argv.slice(2);
const status = await launch(argv);
if (status === null) {
  const { main } = await import('../dist/supervise.js');
  process.exitCode = await main(argv);
} else process.exitCode = status;
