// The yargs front end of the supervise executable, for people at a shell.
import yargs from 'yargs';

const EPILOG = `With no arguments, supervise speaks the supervise protocol on its stdin (8-byte
control records: int32 pid, int32 signal) and stdout (one 128-byte siginfo_t per child it
reaps). When stdin closes, it SIGKILLs every descendant, waits for all of them, and exits.

Exit status: 0 when no child is left; 128+N after a tear-down caused by signal N;
1 when it cannot run (no /proc, cannot become a child subreaper); 2 on a usage error.`;

/** Parses argv (without node and script) and runs; resolves to the exit status. */
export async function runArgs(argv: string[]): Promise<number> {
  let status = 0;
  const parser = yargs(argv)
    .scriptName('supervise')
    .usage('Usage: supervise\n\nA minimal, unprivileged process supervisor.')
    .epilog(EPILOG)
    .strict()
    .help()
    .version()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`supervise: ${msg}\n\nRun 'supervise --help' for usage.\n`);
      status = 2;
    })
    .exitProcess(false);
  await parser.parseAsync();
  return status;
}
