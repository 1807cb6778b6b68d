// make install-matrix: the packed tarballs (make pack: build/pack) installed the way users
// install them, each cell into an empty project under build/matrix:
//   npm, pnpm, yarn (berry, its default PnP linker) and bun, each with default settings and
//   with scripts off (--ignore-scripts; yarn: --mode=skip-build). The project depends on the
//   supervise tarball alone; overrides (npm, bun), pnpm.overrides and resolutions (yarn)
//   point @supervise/linux-* at the platform tarballs, so the package's own
//   optionalDependencies, filtered by os/cpu, bring the executable, as from the registry.
//   Then `supervise -- sh -c 'echo hi; sleep 37.91 & echo $!'` through the package
//   manager's runner (npx, pnpm exec, yarn run, bunx) must print hi and leave nothing (the
//   sleep's pid is gone), and a script importing spawn and $ must run.
//   "no compiler": a root of busybox-static, node and the shared libraries ldd names for
//   it, plus the npm cell's project, entered with chroot (unshare -m); the same checks.
//   "scratch": build/supervise-linux-x64 alone in an empty root with /proc mounted and
//   /busybox, `supervise -- /busybox sh -c ...` as PID 1 under unshare --pid --fork.
// The tools come from the npm registry (pnpm, @yarnpkg/cli-dist, bun) and Debian
// (busybox-static, downloaded). Prints one line per cell and its install time; writes
// build/matrix/results.json; exits 1 when a cell fails.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const MATRIX = path.join(ROOT, 'build/matrix');
const PACK = path.join(ROOT, process.env.PACK_DIR ?? 'build/pack');
const TOOLS = path.join(MATRIX, 'tools');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

interface Cell {
  cell: string;
  installMs?: number;
  ok: boolean;
  detail: string;
}
const cells: Cell[] = [];

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, SUPERVISE_HOST: '', SUPERVISE_BINARY: '', ...env },
  });
}

/** The checks of every cell: launch mode through `runner` and the library through `node`. */
function check(runner: string[], node: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const hi = run(
    runner[0],
    [...runner.slice(1), 'supervise', '--', 'sh', '-c', 'echo hi; sleep 37.91 & echo $!'],
    cwd,
    env,
  );
  const [line, pid] = hi.stdout.trim().split('\n');
  if (hi.status !== 0 || line !== 'hi') return `supervise -- sh: status ${hi.status}, ${hi.stdout}${hi.stderr}`;
  if (!Number(pid) || alive(Number(pid))) return `the sleep (${pid}) outlived supervise`;
  writeFileSync(
    path.join(cwd, 'lib.mjs'),
    "import { spawn, $ } from 'supervise';\n" +
      'const a = await $`echo from-dollar`;\n' +
      "const b = await spawn('sh', ['-c', 'echo from-spawn; sleep 37.93 & echo $!']);\n" +
      "console.log(a.stdout, b.stdout.split('\\n').join(' '));\n",
  );
  const lib = run(node[0], [...node.slice(1), 'lib.mjs'], cwd, env);
  const [dollar, spawned, sleepPid] = lib.stdout.trim().split(/\s+/);
  if (lib.status !== 0 || dollar !== 'from-dollar' || spawned !== 'from-spawn')
    return `library: status ${lib.status}, ${lib.stdout}${lib.stderr}`;
  if (alive(Number(sleepPid))) return `the library's sleep (${sleepPid}) outlived supervise`;
  const version = run(runner[0], [...runner.slice(1), 'supervise', '--version'], cwd, env);
  if (version.stdout.trim() !== pkg.version) return `--version: ${version.stdout}${version.stderr}`;
  return '';
}

function tarball(name: string): string {
  const f = path.join(PACK, `${name}-${pkg.version}.tgz`);
  if (!existsSync(f)) throw new Error(`${f} missing: make pack`);
  return f;
}

function tools(): void {
  if (existsSync(path.join(TOOLS, 'node_modules/.bin/bun'))) return;
  mkdirSync(TOOLS, { recursive: true });
  writeFileSync(path.join(TOOLS, 'package.json'), '{"private":true}\n');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', 'pnpm@10', '@yarnpkg/cli-dist@4', 'bun@1'], {
    cwd: TOOLS,
    stdio: 'inherit',
  });
}

const bin = (t: string) => path.join(TOOLS, 'node_modules/.bin', t);

function project(cell: string, manager: string): string {
  const dir = path.join(MATRIX, cell);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const platforms = Object.fromEntries(
    ['x64', 'arm64']
      .filter((a) => existsSync(path.join(PACK, `supervise-linux-${a}-${pkg.version}.tgz`)))
      .map((a) => [`@supervise/linux-${a}`, `file:${tarball(`supervise-linux-${a}`)}`]),
  );
  const manifest: Record<string, unknown> = {
    name: `matrix-${cell}`,
    version: '1.0.0',
    private: true,
    dependencies: { supervise: `file:${tarball('supervise')}` },
  };
  if (manager === 'pnpm') manifest.pnpm = { overrides: platforms };
  else if (manager === 'yarn') manifest.resolutions = platforms;
  else manifest.overrides = platforms;
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

function managerCell(manager: string, scripts: boolean): void {
  const cell = `${manager}${scripts ? '' : '-ignore-scripts'}`;
  const dir = project(cell, manager);
  const env: NodeJS.ProcessEnv = {};
  let install: string[];
  let runner: string[];
  let node = [process.execPath];
  switch (manager) {
    case 'npm':
      install = ['npm', 'install', '--no-audit', '--no-fund', ...(scripts ? [] : ['--ignore-scripts'])];
      runner = ['npx', '--no-install'];
      break;
    case 'pnpm':
      install = [bin('pnpm'), 'install', ...(scripts ? [] : ['--ignore-scripts'])];
      runner = [bin('pnpm'), 'exec'];
      break;
    case 'yarn':
      writeFileSync(path.join(dir, 'yarn.lock'), '');
      // Yarn's default global cache, kept under build/matrix.
      // An empty project has no lockfile yet: yarn would refuse to write one under CI=true
      // (it makes installs immutable on CI), as in .ci/run.
      Object.assign(env, {
        YARN_ENABLE_TELEMETRY: '0',
        YARN_ENABLE_IMMUTABLE_INSTALLS: 'false',
        YARN_GLOBAL_FOLDER: path.join(MATRIX, 'yarn-global'),
      });
      install = [bin('yarn'), 'install', ...(scripts ? [] : ['--mode=skip-build'])];
      runner = [bin('yarn'), 'run'];
      node = [bin('yarn'), 'node'];
      break;
    default:
      install = [bin('bun'), 'install', ...(scripts ? [] : ['--ignore-scripts'])];
      runner = [bin('bunx'), '--no-install'];
      break;
  }
  const started = Date.now();
  const r = run(install[0], install.slice(1), dir, env);
  const installMs = Date.now() - started;
  if (r.status !== 0) {
    cells.push({ cell, installMs, ok: false, detail: `install: ${r.stdout.slice(-600)}${r.stderr.slice(-600)}` });
    return;
  }
  const failed = check(runner, node, dir, env);
  cells.push({
    cell,
    installMs,
    ok: !failed,
    detail: failed || `${install.slice(1).join(' ')}; ${runner.slice(1).join(' ') || runner[0]}`,
  });
}

/** busybox-static for this machine, from Debian (apt-get download). */
function busybox(): string {
  const dir = path.join(MATRIX, 'busybox');
  const file = path.join(dir, 'busybox');
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  execFileSync('apt-get', ['download', '-q', 'busybox-static'], { cwd: dir, stdio: 'ignore' });
  const deb = readdirSync(dir).find((f) => f.startsWith('busybox-static_') && f.endsWith('.deb'))!;
  execFileSync('dpkg-deb', ['-x', deb, 'x'], { cwd: dir });
  copyFileSync(path.join(dir, 'x/bin/busybox'), file);
  return file;
}

/** A root with busybox, node and its shared libraries, and the npm cell's project: no compiler. */
function noCompilerCell(): void {
  const cell = 'no-compiler-root';
  const from = path.join(MATRIX, 'npm');
  if (!existsSync(path.join(from, 'node_modules/supervise'))) {
    cells.push({ cell, ok: false, detail: 'the npm cell did not install' });
    return;
  }
  const root = path.join(MATRIX, 'root');
  rmSync(root, { recursive: true, force: true });
  for (const d of ['bin', 'proc', 'tmp', 'dev', 'app']) mkdirSync(path.join(root, d), { recursive: true });
  copyFileSync(busybox(), path.join(root, 'bin/busybox'));
  execFileSync('chmod', ['755', path.join(root, 'bin/busybox')]);
  for (const t of ['sh', 'sleep', 'echo', 'cat', 'ls', 'env', 'mount', 'sed'])
    symlinkSync('busybox', path.join(root, 'bin', t));
  // The bin entry's #! line: /usr/bin/env node.
  mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  symlinkSync('/bin/busybox', path.join(root, 'usr/bin/env'));
  const node = execFileSync('readlink', ['-f', process.execPath], { encoding: 'utf8' }).trim();
  const copy = (f: string) => {
    mkdirSync(path.join(root, path.dirname(f)), { recursive: true });
    copyFileSync(f, path.join(root, f));
  };
  copy(node);
  execFileSync('chmod', ['755', path.join(root, node)]);
  if (node !== '/bin/node') symlinkSync(node, path.join(root, 'bin/node'));
  for (const m of execFileSync('ldd', [node], { encoding: 'utf8' }).matchAll(/(\/\S+) \(0x/g)) copy(m[1]);
  execFileSync('cp', ['-a', `${from}/.`, path.join(root, 'app')]);
  rmSync(path.join(root, 'app/lib.mjs'), { force: true });
  const compilers = ['cc', 'gcc', 'g++', 'make', 'python3'].filter((c) => existsSync(path.join(root, 'bin', c)));
  const script =
    'mount -t proc proc /proc && cd /app && export PATH=/bin HOME=/tmp && ' +
    "node_modules/.bin/supervise -- sh -c 'echo hi; sleep 37.94 & echo $!' > /tmp/hi && " +
    "node -e \"import('supervise').then(async ({ spawn, \\$ }) => { const a = await \\$\\`echo from-dollar\\`; const b = await spawn('sh', ['-c', 'echo from-spawn']); console.log(a.stdout, b.stdout.trim()) })\" > /tmp/lib; " +
    'cat /tmp/hi /tmp/lib; if [ -d /proc/$(sed -n 2p /tmp/hi) ]; then echo LEFT; else echo GONE; fi';
  const r = spawnSync('unshare', ['--mount', '--pid', '--fork', 'chroot', root, '/bin/sh', '-c', script], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const out = r.stdout.trim().split('\n');
  const ok =
    r.status === 0 &&
    out[0] === 'hi' &&
    out[2] === 'from-dollar from-spawn' &&
    out[3] === 'GONE' &&
    compilers.length === 0;
  cells.push({
    cell,
    ok,
    detail: ok
      ? `busybox-static + node + the ${[...execFileSync('ldd', [node], { encoding: 'utf8' }).matchAll(/(\/\S+) \(0x/g)].length} libraries ldd names, chroot under unshare; the sleep's pid gone`
      : `status ${r.status}: ${r.stdout}${r.stderr}`,
  });
}

/** The static executable alone as PID 1 of an empty root with /proc. */
function scratchCell(): void {
  const cell = 'scratch (static binary as PID 1)';
  const root = path.join(MATRIX, 'scratch');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(path.join(root, 'proc'), { recursive: true });
  copyFileSync(path.join(ROOT, 'build/supervise-linux-x64'), path.join(root, 'supervise'));
  copyFileSync(busybox(), path.join(root, 'busybox'));
  execFileSync('chmod', ['755', path.join(root, 'supervise'), path.join(root, 'busybox')]);
  // unshare mounts /proc of the new PID namespace inside the root, then chroots; supervise
  // is PID 1 there; the setsid-ed sleep must be gone when it exits.
  const r = spawnSync(
    'unshare',
    [
      '--mount',
      '--pid',
      '--fork',
      '--mount-proc=' + path.join(root, 'proc'),
      'chroot',
      root,
      '/supervise',
      '--',
      '/busybox',
      'sh',
      '-c',
      'echo pid1=$(/busybox cat /proc/1/comm); /busybox setsid /busybox sleep 37.95 & echo hi; exit 3',
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const leftover = spawnSync('pgrep', ['-f', '^/busybox sleep 37.95'], { encoding: 'utf8' }).stdout.trim();
  const ok = r.status === 3 && /pid1=supervise/.test(r.stdout) && /hi/.test(r.stdout) && leftover === '';
  cells.push({
    cell,
    ok,
    detail: ok
      ? 'exit 3 passed through, PID 1 is supervise, the setsid sleep gone'
      : `status ${r.status}: ${r.stdout}${r.stderr} left: ${leftover}`,
  });
}

function main(): void {
  mkdirSync(MATRIX, { recursive: true });
  tools();
  const version = (cmd: string) => execFileSync(cmd, ['--version'], { encoding: 'utf8' }).trim();
  process.stdout.write(
    `node ${process.version}, npm ${version('npm')}, pnpm ${version(bin('pnpm'))}, yarn ${version(bin('yarn'))}, bun ${version(bin('bun'))}\n`,
  );
  const only = process.argv.slice(2);
  for (const manager of ['npm', 'pnpm', 'yarn', 'bun'])
    for (const scripts of [true, false]) {
      if (only.length && !only.some((o) => `${manager}${scripts ? '' : '-ignore-scripts'}`.startsWith(o))) continue;
      managerCell(manager, scripts);
      const c = cells[cells.length - 1];
      process.stdout.write(
        `${c.ok ? 'PASS' : 'FAIL'}  ${c.cell.padEnd(22)} ${String(c.installMs).padStart(6)} ms  ${c.detail}\n`,
      );
    }
  if (!only.length || only.includes('root')) {
    if (process.getuid?.() === 0) {
      noCompilerCell();
      scratchCell();
    } else
      cells.push({ cell: 'no-compiler-root, scratch', ok: false, detail: 'NOT RUN: needs root (chroot, unshare)' });
    for (const c of cells.slice(-2))
      process.stdout.write(`${c.ok ? 'PASS' : 'FAIL'}  ${c.cell.padEnd(22)}           ${c.detail}\n`);
  }
  writeFileSync(path.join(MATRIX, 'results.json'), `${JSON.stringify(cells, null, 2)}\n`);
  const failed = cells.filter((c) => !c.ok).length;
  process.stdout.write(`install matrix: ${cells.length - failed} passed, ${failed} failed\n`);
  process.exitCode = failed ? 1 : 0;
}

main();
