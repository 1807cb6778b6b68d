// Every fenced block of README.md and docs/*.md runs here, as test/docs/snippets.ts says
// (docs/testing.md, "The docs test"): sessions and scripts in bash with bin/ first on PATH,
// js/ts modules in Node (through tsx), python in python3, each in a fresh directory that has
// the repository's bin/ and examples/ linked in, each bounded in time and its process group
// killed after it. Blocks marked `<!-- not run: REASON -->` (or ```text) are counted by reason.
// Every relative link between the pages must reach a file and, with `#anchor`, a heading.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { ROOT, SLACK, built } from './procs.ts';
import { LAUNCH_OPTIONS } from '../assembly/options.ts';
import { spelling } from '../codec/argv.ts';
import { type Block, blocks, matches, session, sessionOutputs, sessionScript } from './docs/snippets.ts';

const PAGES = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const ALL = PAGES.flatMap((p) => blocks(p, readFileSync(path.join(ROOT, p), 'utf8')));
// A hard bound, stretched for a loaded machine as until() is; snippets are meant to take well
// under 2 s on an idle one.
const LIMIT_MS = 10_000 * SLACK;
const TMP = path.join(ROOT, 'test/.tmp'); // inside the package: `import 'supervise'` resolves to it

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `argv` in `cwd` with bin/ first on PATH, in a process group of its own, killed after it ends. */
function run(argv: string[], cwd: string, limitMs = LIMIT_MS): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.join(ROOT, 'bin')}:${process.env.PATH}` };
    delete env.SUPERVISE_HOST;
    const child = spawn(argv[0], argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the group the snippet ran in: what it left behind
      } catch {}
    };
    const timer = setTimeout(kill, limitMs);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      kill();
      resolve({ status, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** A fresh directory with the repository's bin/ and examples/ linked in. */
function workDir(): string {
  mkdirSync(TMP, { recursive: true });
  const dir = mkdtempSync(path.join(TMP, 'docs-'));
  for (const d of ['bin', 'examples']) symlinkSync(path.join(ROOT, d), path.join(dir, d));
  return dir;
}

const where = (b: Block) => `${b.file}:${b.line}`;
const tail = (s: string) => (s.length > 2000 ? `...${s.slice(-2000)}` : s);

async function runBlock(b: Block): Promise<void> {
  const dir = workDir();
  try {
    let r: Run;
    if (b.kind === 'session') {
      const cmds = session(b.body);
      writeFileSync(path.join(dir, 'session.sh'), sessionScript(cmds));
      r = await run(['bash', 'session.sh'], dir);
      const outs = sessionOutputs(r.stdout);
      for (let i = 0; i < cmds.length; i++) {
        const got = outs[i];
        const ran = `${where(b)}: \`$ ${cmds[i].command}\``;
        assert.ok(
          got,
          `${ran} did not finish (${r.signal ? `killed after ${LIMIT_MS} ms` : `bash exited ${r.status}`}):\n${tail(r.stdout)}`,
        );
        assert.is(got.status, 0, `${ran} exited ${got.status}:\n${got.output.join('\n')}`);
        if (!matches(cmds[i].expected, got.output)) {
          assert.fixture(got.output.join('\n'), cmds[i].expected.join('\n'), `${ran} printed something else`);
        }
      }
      assert.is(r.status, 0, `${where(b)}: bash exited ${r.status}`);
    } else {
      const file = { script: 'snippet.sh', js: 'snippet.mjs', ts: 'snippet.ts', python: 'snippet.py' }[
        b.kind as string
      ]!;
      writeFileSync(path.join(dir, file), `${b.body}\n`);
      const argv = {
        script: ['bash', '-e', file],
        js: [process.execPath, file],
        ts: [process.execPath, '--import', 'tsx', file],
        python: ['python3', file],
      }[b.kind as string]!;
      r = await run(argv, dir);
      assert.ok(
        r.status === 0,
        `${where(b)} (${b.kind}) ended with ${r.signal ? `${r.signal} after ${LIMIT_MS} ms` : `status ${r.status}`}:\n${tail(r.stdout)}\n${tail(r.stderr)}`,
      );
    }
    if (r.ms > 2000) console.log(`[figure] ${where(b)} took ${Math.round(r.ms)} ms (meant to take < 2 s)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---
const Snippets = suite('the snippets of README.md and docs/*.md');

Snippets('should know how to run every block, or why it does not', () => {
  const unknown = ALL.filter((b) => b.kind === 'unknown').map((b) => `${where(b)} (\`\`\`${b.lang})`);
  assert.equal(
    unknown,
    [],
    `blocks that say neither how they run nor why not (<!-- not run: REASON -->): ${unknown.join(', ')}`,
  );
  const skipped = new Map<string, string[]>();
  for (const b of ALL.filter((x) => x.kind === 'skip'))
    skipped.set(b.reason!, [...(skipped.get(b.reason!) ?? []), where(b)]);
  const ran = ALL.length - [...skipped.values()].flat().length;
  console.log(`[figure] ${ALL.length} blocks in ${PAGES.length} pages: ${ran} run, ${ALL.length - ran} not run`);
  for (const [reason, at] of skipped) console.log(`[figure] not run (${at.length}): ${reason}: ${at.join(', ')}`);
});

for (const b of ALL.filter((x) => x.kind !== 'skip' && x.kind !== 'unknown')) {
  if (!built) {
    console.log(`skipped (needs make build): ${where(b)}`);
    continue;
  }
  Snippets(`should run ${where(b)} (${b.kind})`, () => runBlock(b));
}

Snippets('should fail a snippet that prints something else or exits non-zero (negative controls)', async () => {
  if (!built) return;
  const block = (kind: Block['kind'], body: string): Block => ({ file: 'control', line: 1, lang: '', body, kind });
  await runBlock(block('session', '$ echo "pid $$  spawned"; echo $?\npid …  spawned\n0'));
  const failures: Array<[Block, RegExp]> = [
    [block('session', '$ echo hi\nho'), /printed something else/],
    [block('session', '$ echo "pid 42  spawned"\npid …  exited'), /printed something else/],
    [block('session', '$ echo hi\nhi\nhi'), /printed something else/],
    [block('session', '$ false\n$ echo never'), /exited 1/],
    [block('script', 'true\nfalse\ntrue'), /status 1/],
    [block('js', 'process.exitCode = 3;'), /status 3/],
    [block('ts', "import assert from 'node:assert/strict'; assert.equal(1 as number, 2);"), /status 1/],
    [block('python', 'raise SystemExit(4)'), /status 4/],
  ];
  for (const [b, why] of failures) {
    const err = await runBlock(b).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.ok(err, `passed: ${b.kind} ${JSON.stringify(b.body)}`);
    assert.match(err.message, why);
  }
});

Snippets('should type-check every ts block with tsc (strict)', async () => {
  const ts = ALL.filter((b) => b.kind === 'ts');
  if (!built || ts.length === 0) return;
  const dir = workDir();
  try {
    const files = ts.map((b, i) => {
      const file = `block${i}.ts`;
      writeFileSync(path.join(dir, file), `${b.body}\n`);
      return file;
    });
    const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
    const flags = '--noEmit --strict --target es2022 --module nodenext --moduleResolution nodenext --skipLibCheck';
    const r = await run(
      [tsc, ...flags.split(' '), '--types', 'node', '--lib', 'es2022,esnext.disposable', ...files],
      dir,
      // tsc itself: ~5 s idle, minutes at load 100+ on 2 cores (seen: killed at 10 s).
      60_000 * SLACK,
    );
    const named = r.stdout.replace(/block(\d+)\.ts/g, (_, i: string) => where(ts[Number(i)]));
    assert.is(r.status, 0, `tsc:\n${tail(named)}${tail(r.stderr)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---
const Links = suite('the links between the pages');

/** GitHub's anchor of a heading: lower case, punctuation dropped but `-` and `_`, spaces to `-`. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function anchors(file: string): Set<string> {
  const text = readFileSync(path.join(ROOT, file), 'utf8').replace(/^(```|~~~)[\s\S]*?^\1/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.*)$/gm)].map((m) => anchor(m[1])));
}

Links('should reach a file and a heading with every relative link', () => {
  const broken: string[] = [];
  for (const page of PAGES) {
    const text = readFileSync(path.join(ROOT, page), 'utf8').replace(/^(```|~~~)[\s\S]*?^\1/gm, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/.test(target)) continue; // http:, https:, mailto:
      const [file, hash] = target.split('#');
      const to = file === '' ? page : path.normalize(path.join(path.dirname(page), file));
      const ok =
        existsSync(path.join(ROOT, to)) && (hash === undefined || !to.endsWith('.md') || anchors(to).has(hash));
      if (!ok) broken.push(`${page}: ${target}`);
    }
  }
  assert.equal(broken, []);
});

// ---
const Options = suite("docs/cli.md's table of launch options");

Options('should have one row per launch option of assembly/options.ts, as the table says it', () => {
  const text = readFileSync(path.join(ROOT, 'docs/cli.md'), 'utf8');
  const lines = text.split('\n');
  const header = lines.indexOf('| option | default | meaning |');
  assert.ok(header > 0, "docs/cli.md's table of options");
  const end = lines.findIndex((l, i) => i > header && !l.startsWith('|'));
  const rows = lines.slice(header + 2, end);
  const expected = LAUNCH_OPTIONS.map((o) => `| \`${spelling(o)}\` | ${o.defaultText} | ${o.doc} |`);
  // The table's rows, in order, then --help (the front end's own).
  assert.equal(rows, [...expected, '| `--help` | | usage on stdout, exit 0 |']);
});

Snippets.run();
Links.run();
Options.run();
