// The one table of `make bench`: every performance goal as measured, beside its peers of
// the same run, the ratio, and met / not met. Goals are judged on bin/supervise (what users
// run); the Node host's figures and ratios are there to compare. Reads bench/results.json
// (written by core.ts and side.ts), adds `goals` to it, prints the table.
// Usage: node --import tsx bench/table.ts
import os from 'node:os';
import path from 'node:path';
import { RESULTS, readResults, writeResults, type Host } from './hosts.ts';

const all = readResults();
const hostList: Host[] = all.hosts ?? [];
const sup = hostList.find((h) => h.key === 'supervise');
const nodeHost = hostList.find((h) => h.key === 'node');
const p = all.protocol ?? {},
  s = all.side ?? {};
const failures: Record<string, Record<string, string>> = all.failures ?? {};

interface Goal {
  /** The figure's name in results.json's `failures`. */
  id: string;
  goal: string;
  figure: string;
  supervise?: number;
  node?: number;
  unit: string;
  peers: string;
  ratio?: number;
  ratioNode?: number;
  versus: string;
  limit: number;
  kind: 'ratio<=' | 'ratio>=' | 'value<=' | 'zero';
  /** Text for the two host cells, where a number alone does not say it. */
  cells?: [string | undefined, string | undefined];
}
const goals: Goal[] = [];
/** 3 significant digits, whole numbers from 100 up. */
function fmt(x: number | undefined, unit: string): string {
  if (x === undefined || Number.isNaN(x)) return '-';
  const v = Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : String(+x.toPrecision(3));
  return `${v} ${unit}`.trim();
}
// Unrounded: a goal is judged on the ratio itself, shown with 2 decimals.
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? a / b : undefined);
const x2 = (r: number | undefined) => (r === undefined ? '-' : `${r.toFixed(2)}x`);
const peers = (xs: Array<[string, number | undefined, string]>) =>
  xs
    .filter(([, v]) => v !== undefined)
    .map(([n, v, u]) => `${n} ${fmt(v, u)}`)
    .join(' · ');

type Figure = (host: 'supervise' | 'node', key: string) => number | undefined;

/** A goal that is a ratio to one peer: `fig(host, key)` is a figure of the run, key 'self'
 *  the host's own; peers are shown as bin/supervise's run measured them. */
function ratioGoal(
  id: string,
  goal: string,
  figure: string,
  unit: string,
  fig: Figure,
  versus: [string, string],
  others: Array<[string, string]>,
  limit: number,
  kind: 'ratio<=' | 'ratio>=',
  note = '',
): void {
  const self = (h: 'supervise' | 'node') => fig(h, 'self');
  goals.push({
    id,
    goal,
    figure,
    supervise: self('supervise'),
    node: self('node'),
    unit,
    peers:
      peers(
        [versus, ...others].map(([k, label]): [string, number | undefined, string] => [
          label,
          fig('supervise', k),
          unit,
        ]),
      ) + note,
    ratio: ratio(self('supervise'), fig('supervise', versus[0])),
    ratioNode: ratio(self('node'), fig('node', versus[0])),
    versus: versus[1].replace(/ \(.*\)$/, ''),
    limit,
    kind,
  });
}
/** A figure keyed by supervisor (the hosts under their own keys, the peers under theirs). */
const bySupervisor =
  (get: (k: string) => number | undefined): Figure =>
  (host, key) =>
    get(key === 'self' ? host : key);

const ms = s.startup?.ms ?? {};
ratioGoal(
  'startup',
  'start-up',
  '`supervise -- true`, hyperfine -N median',
  'ms',
  bySupervisor((k) => ms[k]?.median),
  ['tini', 'tini -s'],
  [
    ['dumb-init', 'dumb-init'],
    ['reference', 'C reference'],
    ['/bin/true', '/bin/true'],
  ],
  1.2,
  'ratio<=',
);
const first = p.first_record_us ?? {};
ratioGoal(
  'first',
  'fork to first record',
  "owner's fork -> first status record of a `true` child (protocol mode, C owner), median",
  'ms',
  bySupervisor((k) => (first[k] ? first[k].median_us / 1000 : undefined)),
  ['reference', 'C reference (waitid loop)'],
  [['no supervisor', 'no supervisor (fork, exec, waitid)']],
  1.1,
  'ratio<=',
);
const rss = s.rss_one_child ?? {};
ratioGoal(
  'rss',
  'RSS, one child',
  'VmRSS of `X -- sleep`, 1 s after start, median of 3',
  'MiB',
  bySupervisor((k) => rss[k]?.rss_mib),
  ['tini', 'tini -s'],
  [
    ['dumb-init', 'dumb-init'],
    ['reference', 'C reference'],
  ],
  1.5,
  'ratio<=',
);
{
  // 50 live trees
  const t = (k: string) => s.library?.[k]?.trees_50;
  const ref = s.rss_one_child?.reference?.rss_mib;
  goals.push({
    id: 'trees',
    goal: '50 live trees',
    figure: 'sum of VmRSS of the 50 supervise processes of 50 library spawn(sleep)',
    supervise: t('supervise')?.supervise_rss_mib,
    node: t('node')?.supervise_rss_mib,
    unit: 'MiB',
    peers: peers([
      ['with the 50 sleeps', t('supervise')?.trees_rss_mib, 'MiB'],
      ['sum of PSS', t('supervise')?.supervise_pss_mib, 'MiB'],
      ['50 x C reference', ref === undefined ? undefined : ref * 50, 'MiB'],
    ]),
    versus: '',
    limit: 100,
    kind: 'value<=',
  });
}
const lat = p.latency_us ?? {};
ratioGoal(
  'latency',
  'event latency',
  'child exit (its clock) -> record read by a C owner, median of 5 rounds of 100',
  'us',
  bySupervisor((k) => lat[k]?.median_us),
  ['reference', 'C reference (same owner, same pipe)'],
  [['waitid_loop', 'C waitid loop, no pipe (waitid-loop.c)']],
  1.1,
  'ratio<=',
);
/** The supervisors' CPU time per record of a throughput figure, as a note beside its goal. */
// biome-ignore lint/suspicious/noExplicitAny: results.json, read as written by the bench
const cpuPerRecord = (fig: Record<string, any>) =>
  ` · CPU per record: ${['supervise', 'node', 'reference']
    .filter((k) => fig[k])
    .map((k) => `${k === 'reference' ? 'C reference' : k} ${fig[k].cpu_us_per_record} us`)
    .join(', ')}`;
const tput = p.throughput_records_per_s ?? {};
ratioGoal(
  'throughput',
  'throughput',
  'records/s delivering 5,000 exits held back by a full status pipe (the reader starts once all have exited), median of 5',
  'records/s',
  bySupervisor((k) => tput[k]?.median),
  ['reference', 'C reference'],
  [],
  1,
  'ratio>=',
  cpuPerRecord(tput),
);
const tputSeq = p.throughput_seqpacket_records_per_s ?? {};
ratioGoal(
  'throughput_seqpacket',
  'throughput, seqpacket',
  'records/s as above over one SOCK_SEQPACKET socketpair (fds 0 and 1), every recv one whole 128-byte record, median of 5',
  'records/s',
  bySupervisor((k) => tputSeq[k]?.median),
  ['reference', 'C reference (one write per record: one message each)'],
  [],
  1,
  'ratio>=',
  cpuPerRecord(tputSeq),
);
const ev = p.events_log_records_per_s ?? {};
ratioGoal(
  'events_on',
  'events log cost',
  'launch mode (`--status-fd 3 --wait-all -- burst`): records/s of 5,000 exits held back by the status pipe with `--events FILE`, against the same without, median of 5 each',
  'records/s',
  (host, key) => ev[host]?.[key === 'self' ? 'on' : key]?.median,
  ['off', 'without --events'],
  [],
  0.9,
  'ratio>=',
  ` · CPU per record, off / on: ${['supervise', 'node']
    .filter((k) => ev[k]?.off && ev[k]?.on)
    .map((k) => `${k} ${ev[k].off.cpu_us_per_record} / ${ev[k].on.cpu_us_per_record} us`)
    .join(', ')}${eventsWorkload()}`,
);
/** The log's cost on a tree that works between exits (a shell running 500 `/bin/true`). */
function eventsWorkload(): string {
  const w = p.events_workload_ms ?? {};
  const parts = ['supervise', 'node']
    .filter((k) => w[k]?.off && w[k]?.on)
    .map(
      (k) =>
        `${k} ${fmt(w[k].off.median, 'ms')} / ${fmt(w[k].on.median, 'ms')} (${x2(w[k].on.median / w[k].off.median)})`,
    );
  return parts.length ? ` · wall time of a shell running 500 \`/bin/true\`, off / on: ${parts.join(', ')}` : '';
}
const td = p.teardown_1000_ms ?? {};
ratioGoal(
  'teardown',
  'tear-down of 1,000',
  'control EOF -> last record, 1,000 processes (20% setsid), median of 5',
  'ms',
  bySupervisor((k) => td[k]?.median),
  ['one_at_a_time_c', 'C, one child at a time (onebyone.c)'],
  [['reference', 'C reference']],
  0.8,
  'ratio<=',
);
{
  // Tear-down with the cgroup layer (issue 22): launch mode, the same tree as CMD; the goal is
  // a value, the same run without the layer and the protocol-mode figures its peers.
  const tl = p.teardown_launch_1000_ms ?? {};
  goals.push({
    id: 'teardown-cgroup',
    goal: 'tear-down of 1,000, --cgroup',
    figure: 'launch mode, `--cgroup`: control EOF -> last record, 1,000 processes (20% setsid), median of 5',
    supervise: tl['supervise --cgroup']?.median,
    node: tl['node --cgroup']?.median,
    unit: 'ms',
    peers: peers([
      ['without --cgroup', tl.supervise?.median, 'ms'],
      ['protocol mode, C reference', td.reference?.median, 'ms'],
    ]),
    versus: '',
    limit: 15,
    kind: 'value<=',
  });
}
{
  // idle
  const i = s.idle ?? {};
  const cell = (k: string) =>
    i[k] ? `${i[k].ticks}/${i[k].switches} (${Object.keys(i[k].threads).length} thr.)` : undefined;
  const peerList = ['tini', 'dumb-init', 'reference']
    .filter((k) => i[k])
    .map((k) => `${k === 'reference' ? 'C reference' : k} ${cell(k)}`)
    .join(' · ');
  goals.push({
    id: 'idle',
    goal: 'idle',
    figure: `ticks/switches over ${i.seconds ?? '?'} s with a live child, summed over every thread`,
    supervise: i.supervise ? Math.max(i.supervise.ticks, i.supervise.switches) : undefined,
    node: i.node ? Math.max(i.node.ticks, i.node.switches) : undefined,
    unit: '',
    peers: peerList,
    versus: '',
    limit: 0,
    kind: 'zero',
    cells: [cell('supervise'), cell('node')],
  });
}
{
  // library: each host's figures beside the execa of its own process
  const lib = s.library ?? {};
  for (const [f, label] of [
    ['sequential_ms_per_spawn', "200 sequential `spawn('true')`, per spawn"],
    ['concurrent_50_ms', "50 concurrent `spawn('true')`, total"],
  ] as const) {
    ratioGoal(
      'library',
      f.startsWith('seq') ? 'library, sequential' : 'library, concurrent',
      `${label}, median of rounds in one process`,
      'ms',
      (host, key) => lib[host]?.[key === 'self' ? 'supervise' : key]?.[f],
      ['execa', 'execa'],
      [
        ['child_process', 'child_process'],
        ['child_process_supervise', 'child_process of `supervise --status-fd 3 -- true` (the floor)'],
      ],
      1,
      'ratio<=',
    );
  }
}

function met(g: Goal): boolean | undefined {
  switch (g.kind) {
    case 'ratio<=':
      return g.ratio === undefined ? undefined : g.ratio <= g.limit;
    case 'ratio>=':
      return g.ratio === undefined ? undefined : g.ratio >= g.limit;
    case 'value<=':
      return g.supervise === undefined ? undefined : g.supervise <= g.limit;
    case 'zero':
      return g.supervise === undefined ? undefined : g.supervise === 0;
  }
}
const goalText = (g: Goal) =>
  g.kind === 'ratio<='
    ? `<= ${g.limit}x ${g.versus}`
    : g.kind === 'ratio>='
      ? `>= ${g.limit}x ${g.versus}`
      : g.kind === 'value<='
        ? `<= ${g.limit} ${g.unit}`
        : '0/0 on every thread';

const supName = sup ? `bin/supervise (${sup.kind})` : 'bin/supervise';
const nodeName = nodeHost ? 'Node host (bin/supervise-node)' : 'Node host (= bin/supervise)';
const head = ['goal', 'figure', supName, nodeName, 'side by side (same run)', 'ratio', 'goal', 'met'];
const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
const record: unknown[] = [];
for (const g of goals) {
  const cells = g.cells;
  const ok = met(g);
  const withRatio = (v: number | undefined, r: number | undefined) =>
    `${fmt(v, g.unit)}${r !== undefined ? ` (${x2(r)})` : ''}`;
  // A host that failed this figure (or the whole library run it belongs to) says so.
  const why = (host: string) => failures[host]?.[g.id] ?? (g.id === 'trees' ? failures[host]?.library : undefined);
  const failed = (host: string, v: number | undefined) =>
    v === undefined && why(host) ? `failed: ${why(host)!.slice(0, 100)}` : undefined;
  const a = failed('supervise', g.supervise) ?? (cells ? (cells[0] ?? '-') : fmt(g.supervise, g.unit));
  const b = nodeHost
    ? (failed('node', g.node) ?? (cells ? (cells[1] ?? '-') : withRatio(g.node, g.ratioNode)))
    : 'same file';
  const verdict = ok === undefined ? (why('supervise') ? 'NOT met (failed)' : 'not measured') : ok ? 'met' : 'NOT met';
  lines.push(`| ${[g.goal, g.figure, a, b, g.peers || '-', x2(g.ratio), goalText(g), verdict].join(' | ')} |`);
  record.push({
    id: g.id,
    failed: why('supervise'),
    goal: g.goal,
    figure: g.figure,
    supervise: g.supervise,
    node: g.node,
    unit: g.unit,
    ratio: g.ratio && +g.ratio.toFixed(3),
    ratio_node: g.ratioNode && +g.ratioNode.toFixed(3),
    versus: g.versus,
    target: goalText(g),
    met: ok,
  });
}
const load = os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
console.log(lines.join('\n'));
// biome-ignore lint/suspicious/noExplicitAny: results.json, read as written by the bench
const nMet = record.filter((r: any) => r.met === true).length;
const start = all.machine?.load_at_start ?? '?';
console.log(
  `\n${nMet} of ${record.length} goals met. ${os.cpus().length} CPUs, load ${start} at the start, ${load} at the end; every figure in ${path.relative(process.cwd(), RESULTS)}`,
);
writeResults({
  goals: record,
  machine: { ...all.machine, cpus: os.cpus().length, load_at_end: load, date: new Date().toISOString() },
});
