// The yargs front end of the supervise executable, for people at a shell.
import yargs from 'yargs';

const EPILOG = `With no arguments, supervise speaks the supervise protocol on its stdin (8-byte
control records: int32 pid, int32 signal) and stdout (one 128-byte siginfo_t per child it
reaps). When stdin closes, it SIGKILLs every descendant, waits for all of them, and exits.

Exit status: 0 when no child is left; 128+N after a tear-down caused by signal N;
1 when it cannot run (no /proc, cannot become a child subreaper); 2 on a usage error.
decode exits 1 on unreadable, truncated or corrupt input, after printing every whole record before it.`;

/** Parses argv (without node and script) and runs; resolves to the exit status. */
export async function runArgs(argv: string[]): Promise<number> {
  let status = 0;
  const parser = yargs(argv)
    .scriptName('supervise')
    .usage('Usage: supervise\n       supervise decode [FILE|-] [--json] [--control]\n       supervise send PID SIGNAL\n\nA minimal, unprivileged process supervisor.')
    .epilog(EPILOG)
    .command('decode [file]', 'Print a status stream, an events log or (--control) a control stream, one line per record',
      (y) => y
        .positional('file', { type: 'string', describe: "the input; '-' or none: stdin" })
        .option('json', { type: 'boolean', default: false, describe: 'print JSON lines' })
        .option('control', { type: 'boolean', default: false, describe: 'the input is control records (8 bytes each)' }),
      async (args) => {
        const { decode } = await import('./decode.ts');
        status = await decode({ file: args.file, json: args.json, control: args.control });
      })
    .command('send <pid> <signal>', 'Write one control record (PID, SIGNAL) to stdout, e.g. into a fifo',
      (y) => y
        .positional('pid', { type: 'string', demandOption: true, describe: 'a child of the supervise reading it' })
        .positional('signal', { type: 'string', demandOption: true, describe: 'a name (TERM, SIGKILL) or number (0..64)' }),
      async (args) => {
        const { parseSend, send } = await import('./decode.ts');
        const parsed = parseSend(String(args.pid), String(args.signal));
        if (typeof parsed === 'string') {
          process.stderr.write(`supervise: send: ${parsed}\n\nRun 'supervise --help' for usage.\n`);
          status = 2;
        } else {
          status = send(parsed.pid, parsed.signal);
        }
      })
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
