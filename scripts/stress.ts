// Long soak: ONE long-lived protocol-mode supervise (kept alive by a keeper child) adopts
// and tears down rounds of process trees for STRESS_SECONDS (default 60), and reports its
// fd count and RSS over time; both must stay flat. Run with `make stress` or
//   STRESS_SECONDS=600 node --import tsx scripts/stress.ts
// Each round: the owner (this script) asks the in-tree spawner, by a SIGUSR1 control record,
// for ROUND orphans (half exit by themselves with i % 7, half sleep, a third of those in a
// new session); it SIGKILLs the rest by control records, then checks that every orphan got
// exactly one status record. At the end, control EOF must kill everything (oracle EOF).
import {
  alive,
  childrenOf,
  fdCount,
  rssKiB,
  sleep,
  startTree,
  until,
  within,
  type StatusRecord,
} from '../test/procs.ts';

const SECONDS = Number(process.env.STRESS_SECONDS || 60);
const ROUND = 60;
const SIGKILL = 9,
  SIGUSR1 = 10;

const SPAWNER = `exec python3 -c '${[
  'import os, signal, time',
  'signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])',
  'while True:',
  '    signal.sigwait([signal.SIGUSR1])',
  `    for i in range(${ROUND}):`,
  '        p = os.fork()',
  '        if p == 0:',
  '            parent = os.getpid()',
  '            if os.fork() == 0:',
  '                if i % 6 == 1: os.setsid()',
  // Announce only once adopted: until then supervise rightly refuses to signal it.
  '                while os.getppid() == parent: time.sleep(0.001)',
  '                os.write(3, b"%d\\n" % os.getpid())',
  '                if i % 2 == 0:',
  '                    time.sleep(0.001 * (i % 20))',
  '                    os._exit(i % 7)',
  '                time.sleep(3600)',
  '            os._exit(0)',
  '        os.waitpid(p, 0)',
].join('\n')}'`;

interface Sample {
  t: number;
  rounds: number;
  procs: number;
  fds: number;
  rssKiB: number;
  zombies: number;
}

async function main(): Promise<number> {
  const t = await startTree([SPAWNER, 'exec sleep 100000']);
  const [spawner, keeper] = t.children;
  const start = Date.now();
  const samples: Sample[] = [];
  let rounds = 0,
    procs = 0,
    seenAnnounced = 0,
    problems = 0;
  const sample = () => {
    const s = {
      t: Math.round((Date.now() - start) / 1000),
      rounds,
      procs,
      fds: fdCount(t.pid),
      rssKiB: rssKiB(t.pid),
      zombies: childrenOf(t.pid).filter((c) => c.state === 'Z').length,
    };
    samples.push(s);
    console.log(
      `t=${String(s.t).padStart(4)}s rounds=${s.rounds} processes=${s.procs} fds=${s.fds} ` +
        `rss=${(s.rssKiB / 1024).toFixed(1)}MiB zombies=${s.zombies}`,
    );
  };
  await sleep(500);
  sample();
  let nextSample = Date.now() + 5000;
  try {
    while (Date.now() - start < SECONDS * 1000) {
      t.send(spawner, SIGUSR1);
      await until(() => t.announced.length >= seenAnnounced + ROUND, 30_000, `round ${rounds + 1} to start`);
      const round = t.announced.slice(seenAnnounced, seenAnnounced + ROUND);
      seenAnnounced += ROUND;
      for (const pid of round) t.send(pid, SIGKILL); // the reaped ones are refused: not children
      // One record per orphan; a pid that came back within the round is announced, and
      // reported, once per process that had it.
      const wanted = new Map<number, number>();
      for (const pid of round) wanted.set(pid, (wanted.get(pid) ?? 0) + 1);
      const got = new Map<number, StatusRecord[]>();
      const complete = () => [...wanted].every(([pid, n]) => (got.get(pid)?.length ?? 0) >= n);
      await until(
        () => {
          for (const r of t.records.splice(0)) {
            if (!wanted.has(r.pid)) continue;
            got.set(r.pid, [...(got.get(r.pid) ?? []), r]);
          }
          return complete();
        },
        30_000,
        `records for round ${rounds + 1}`,
      ).catch((err) => {
        const missing = round.filter((pid) => !got.has(pid));
        throw new Error(
          `${err.message}; no record for ${missing.map((pid) => `${pid} (alive ${alive(pid)})`).join(', ')}`,
        );
      });
      await sleep(0);
      for (const r of t.records.splice(0)) if (wanted.has(r.pid)) got.get(r.pid)!.push(r);
      for (const [pid, rs] of got) {
        if (rs.length !== wanted.get(pid)) {
          problems++;
          console.log(`PROBLEM: pid ${pid} got ${rs.length} records for ${wanted.get(pid)} processes`);
        }
      }
      rounds++;
      procs += ROUND;
      if (Date.now() >= nextSample) {
        sample();
        nextSample += 5000;
      }
      await sleep(10); // leave the shared machine some air
    }
    await sleep(500);
    sample();
    const t0 = Date.now();
    t.closeControl();
    await within(t.oracleClosed, 30_000, 'the tree to die on control EOF');
    console.log(`control EOF: every process dead in ${Date.now() - t0} ms; keeper ${alive(keeper) ? 'ALIVE' : 'dead'}`);
  } finally {
    await t.cleanup();
  }
  const first = samples[1] ?? samples[0],
    last = samples[samples.length - 1];
  const fdsFlat = last.fds === first.fds;
  const rssOk = last.rssKiB < first.rssKiB + 64 * 1024;
  const noZombies = samples.every((s) => s.zombies === 0);
  console.log(
    `\nsummary: ${rounds} rounds, ${procs} orphans adopted, reported once each and killed or reaped in ${SECONDS} s;` +
      ` fds ${first.fds} -> ${last.fds} (${fdsFlat ? 'flat' : 'CHANGED'}), RSS ${(first.rssKiB / 1024).toFixed(1)} -> ` +
      `${(last.rssKiB / 1024).toFixed(1)} MiB (max ${(Math.max(...samples.map((s) => s.rssKiB)) / 1024).toFixed(1)}), ` +
      `zombies at samples: ${noZombies ? 'none' : 'SOME'}, problems: ${problems}`,
  );
  return fdsFlat && rssOk && problems === 0 ? 0 : 1;
}

process.exitCode = await main();
