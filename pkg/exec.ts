// Runs the supervise executable in place of this Node process: process.execve where Node
// has it (22.15, 23.11 and later), so that no Node stays between the caller and
// supervise; elsewhere (Node 20) as a child that gets the fds this process was given
// (0, 1, 2 and any other open fd that Node did not open for itself, e.g. a --status-fd),
// every catchable signal this process receives, and whose exit status (or death by a
// signal) this process then takes as its own.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { nodeFds } from './fds.ts';

/** The signals passed on to the child: every one Node can listen for, as supervise itself
 *  takes them (a default action here would end this process and leave the child running),
 *  but CHLD (this process's own) and the stop signals, which stop this process as they stop
 *  supervise (the terminal stops the whole job). KILL and STOP cannot be caught. */
const FORWARDED = (Object.keys(constants.signals) as NodeJS.Signals[]).filter(
  (s) => !['SIGKILL', 'SIGSTOP', 'SIGCHLD', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGIOT', 'SIGPOLL'].includes(s),
);

/** The fds above 2 this process was given: open, and not Node's own. */
export function givenFds(): number[] {
  return [...nodeFds()]
    .filter(([fd, own]) => fd > 2 && !own)
    .map(([fd]) => fd)
    .sort((a, b) => a - b);
}

/** Runs `file` with `args` (argv[0] is `file`) and `env`; resolves to the exit status this
 *  process should end with (it kills itself with the child's signal when the child dies of
 *  one). With process.execve it never returns. */
export function execNative(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const execve = (process as unknown as { execve?: (f: string, a: string[], e: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve === 'function' && !process.env.SUPERVISE_NO_EXECVE) execve(file, [file, ...args], env);
  const fds = givenFds();
  const stdio: Array<number | 'ignore'> = [0, 1, 2];
  for (const fd of fds) {
    while (stdio.length < fd) stdio.push('ignore');
    stdio[fd] = fd;
  }
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio, env });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const s of FORWARDED) process.on(s, forward);
    child.on('error', (err) => {
      for (const s of FORWARDED) process.off(s, forward);
      process.stderr.write(`supervise: cannot run ${file}: ${err.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      for (const s of FORWARDED) process.off(s, forward);
      if (signal) {
        process.kill(process.pid, signal);
        // A signal this process ignores or survives: the shell's convention.
        resolve(128 + (signalNumber(signal) ?? 0));
      } else resolve(code ?? 1);
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return (constants.signals as Record<string, number>)[signal];
}
