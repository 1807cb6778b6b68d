// Which open fds Node made for itself, read from /proc/self/fd: the Node host's FdBook
// (cli/host.ts) and the bin entry's fallback (pkg/exec.ts givenFds) pass on the others.
import { readdirSync, readlinkSync } from 'node:fs';

/** fd -> whether Node opened it for itself (an anon_inode such as its epoll and eventfds,
 *  or both ends of one pipe), for every fd open now (none without /proc). The Node host's
 *  FdBook (cli/host.ts) and givenFds() (pkg/exec.ts). */
export function nodeFds(): Map<number, boolean> {
  const target = new Map<number, string>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc/self/fd');
  } catch {
    // no /proc
  }
  for (const e of entries) {
    try {
      target.set(Number(e), readlinkSync(`/proc/self/fd/${e}`));
    } catch {
      // the fd of the readdir itself
    }
  }
  const count = new Map<string, number>();
  for (const t of target.values()) count.set(t, (count.get(t) ?? 0) + 1);
  const nodes = new Map<number, boolean>();
  for (const [fd, t] of target) {
    nodes.set(fd, fd > 2 && (t.startsWith('anon_inode:') || (t.startsWith('pipe:') && count.get(t)! > 1)));
  }
  return nodes;
}
