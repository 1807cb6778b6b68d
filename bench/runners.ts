// One adapter per way of running a command from Node, for bench/compare.ts and
// bench/parent.ts: start `sh -c SCRIPT`, await it, kill it, and (if it has one) close the
// whole tree. Every adapter gets the same options: env, a timeout, an AbortSignal.
import { spawn as cpSpawn } from 'node:child_process';
import { execa } from 'execa';
import nanoSpawn from 'nano-spawn';
import { x } from 'tinyexec';
import { spawn } from '../lib/index.ts';

export interface Run {
  /** Settles when the library considers the command done (resolved or rejected). */
  done: Promise<unknown>;
  kill(): void;
  /** The library's way to end the whole tree, if it has one. */
  close?: () => Promise<void>;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  timeout?: number;
  signal?: AbortSignal;
}

type Runner = (script: string, o: RunOptions) => Run;

const settle = (p: PromiseLike<unknown>) =>
  Promise.resolve(p).then(
    () => undefined,
    () => undefined,
  );

export const RUNNERS: Record<string, Runner> = {
  child_process(script, o) {
    const c = cpSpawn('sh', ['-c', script], {
      env: o.env,
      timeout: o.timeout,
      signal: o.signal,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    c.on('error', () => {});
    c.stdout!.resume();
    c.stderr!.resume();
    return { done: new Promise((r) => c.on('close', r)), kill: () => c.kill() };
  },
  execa(script, o) {
    const p = execa('sh', ['-c', script], { env: o.env, timeout: o.timeout, cancelSignal: o.signal });
    return { done: settle(p), kill: () => p.kill() };
  },
  'nano-spawn'(script, o) {
    const p = nanoSpawn('sh', ['-c', script], { env: o.env, timeout: o.timeout, signal: o.signal });
    return { done: settle(p), kill: () => void p.nodeChildProcess.then((c) => c.kill()) };
  },
  tinyexec(script, o) {
    const p = x('sh', ['-c', script], { timeout: o.timeout, signal: o.signal, nodeOptions: { env: o.env } });
    return { done: settle(p), kill: () => p.kill() };
  },
  supervise(script, o) {
    const p = spawn('sh', ['-c', script], { stdin: 'ignore', env: o.env, timeout: o.timeout, signal: o.signal });
    return { done: settle(p), kill: () => p.kill(), close: () => p.close() };
  },
};
