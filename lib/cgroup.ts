// The owner's half of the `cgroup` option (supervise's --cgroup, assembly/cgroup.ts):
// supervise makes its leaf `supervise.PID` in the cgroup v2 directory it was started in,
// which is this process's own (a child starts in its parent's cgroup), and removes it before
// it exits. A leaf still there when fd 3 ends means supervise did not get that far (it was
// SIGKILLed, or the OOM killer chose it): its tree may be alive, and the library kills it
// with the leaf's cgroup.kill.
import { existsSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CgroupTotals } from './errors.ts';
import type { ChannelRecord } from './events.ts';

/** The directory of this process's cgroup v2 (the `0::PATH` line of /proc/self/cgroup
 *  under the cgroup2 mount of /proc/self/mountinfo), or undefined. */
export function ownCgroup(): string | undefined {
  try {
    const cg = readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'))
      ?.slice(3);
    if (!cg?.startsWith('/')) return undefined;
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const f = line.split(' ');
      const dash = f.indexOf('-', 6);
      if (dash < 0 || f[dash + 1] !== 'cgroup2') continue;
      const root = f[3];
      if (root !== '/' && cg !== root && !cg.startsWith(`${root}/`)) continue;
      const mount = f[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
      return path.join(mount, root === '/' ? cg : cg.slice(root.length));
    }
  } catch {
    // no /proc: no cgroup either
  }
  return undefined;
}

/** What a layers or totals record says of the tree's leaf, added to `cg` -> the new state:
 *  a layers record with a leaf starts it (its path), a totals record fills the figures. */
export function cgroupRecord(cg: CgroupTotals | undefined, r: ChannelRecord): CgroupTotals | undefined {
  if (r.type === 'layers')
    return r.layers.cgroup
      ? {
          path: r.layers.path!,
          cpuTime: undefined,
          userCPUTime: undefined,
          systemCPUTime: undefined,
          memoryPeak: undefined,
          pidsPeak: undefined,
        }
      : cg;
  if (r.type === 'totals' && cg) {
    const t = r.totals;
    return {
      ...cg,
      cpuTime: t.cpuTime,
      userCPUTime: t.userCPUTime,
      systemCPUTime: t.systemCPUTime,
      memoryPeak: t.memoryPeak,
      pidsPeak: t.pidsPeak,
    };
  }
  return cg;
}

/** The leaf supervise `pid`, started by this process, makes with --cgroup: what the owner
 *  falls back on when supervise died before its layers record said where the leaf is. */
export function leafOf(pid: number): string | undefined {
  const own = ownCgroup();
  return own === undefined ? undefined : path.join(own, `supervise.${pid}`);
}

/** Kills every process in `leaf` (cgroup.kill), waits until cgroup.events says
 *  `populated 0` (at most `ms`), and removes it. Nothing if it is gone already. */
export async function killLeaf(leaf: string, ms = 10_000): Promise<void> {
  if (!existsSync(leaf)) return;
  const end = Date.now() + ms;
  try {
    while (/^populated 1$/m.test(readFileSync(path.join(leaf, 'cgroup.events'), 'utf8')) && Date.now() < end) {
      writeFileSync(path.join(leaf, 'cgroup.kill'), '1');
      await new Promise((r) => setTimeout(r, 5));
    }
    rmdirSync(leaf);
  } catch {
    // gone meanwhile, or not ours to remove: nothing more the owner can do
  }
}
