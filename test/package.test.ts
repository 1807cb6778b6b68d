// The npm tarballs as `make pack` makes them (scripts/pack.ts): the file list (each file
// with the reason it ships), the sizes, the ELF machine of each executable, no install
// script; then `npm i` of the tarballs into an empty project runs no script and gives a
// `supervise` command and a library that work without the addon or a compiler.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ELF_MACHINES, PLATFORM_BINARY, elfMachine } from '../pkg/binary.ts';
import { ANNOUNCE, ROOT, stillAlive, announcedIn, isElf } from './procs.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'supervise-package-'));
const packDir = path.join(tmp, 'pack');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const native = isElf(path.join(ROOT, 'bin/supervise'));
const LIMIT = 1.5 * 1024 * 1024;

/** Why each shipped file is there (a prefix: a directory's files). Anything else fails. */
const REASONS: Array<[RegExp, string]> = [
  [/^package\.json$/, 'the manifest'],
  [/^README\.md$/, 'the page on npmjs.com'],
  [/^bin\/supervise\.js$/, 'the bin entry: finds the executable (pkg/binary.ts)'],
  [/^bin\/supervise-node$/, 'the yargs front end the executable execs: --help, usage errors, decode, send, view'],
  [/^dist\/launch\.js$/, "the bin entry's lookup"],
  [/^dist\/supervise\.js$/, 'the front end'],
  [/^dist\/chunks\/[\w-]+\.js$/, "the front end's lazily loaded parts"],
  [/^dist\/codec\.wasm$/, 'decode, the library (fd 3), supervise/codec'],
  [/^dist\/core\.wasm$/, "the front end's duration grammar (--grace, --timeout)"],
  [/^dist\/lib\/(index|codec)\.js$/, 'the library, supervise/codec'],
  [/^dist\/types\/[\w/]+\.d\.ts$/, 'the declarations of the library and the codec'],
  [/^dist\/web\/(index\.html|app\.js|style\.css|codec\.wasm)$/, 'supervise view'],
];

/** path -> size of every file in a tarball. */
function listing(tarball: string): Map<string, number> {
  const out = execFileSync('tar', ['tzvf', tarball], { encoding: 'utf8' });
  const files = new Map<string, number>();
  for (const line of out.trim().split('\n')) {
    const cols = line.trim().split(/\s+/);
    files.set(cols[5].replace(/^package\//, ''), Number(cols[2]));
  }
  return files;
}

function extract(tarball: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', dir]);
}

const tarballs = new Map<string, string>();
const Pack = suite('the npm tarballs');
Pack.before(() => {
  if (!native) return; // make pack needs the native host
  execFileSync('make', ['--no-print-directory', 'pack', `PACK_DIR=${packDir}`], { cwd: ROOT, stdio: 'ignore' });
  for (const f of readdirSync(packDir)) tarballs.set(f, path.join(packDir, f));
});
Pack.after(() => rmSync(tmp, { recursive: true, force: true }));

Pack('should pack supervise and a platform package for this machine', () => {
  if (!native) {
    console.log('  (no native host: make pack refuses, and this suite checks nothing; see make build)');
    return;
  }
  assert.ok(tarballs.has(`supervise-${pkg.version}.tgz`), [...tarballs.keys()].join(' '));
  assert.ok(tarballs.has(`supervise-linux-${process.arch}-${pkg.version}.tgz`));
});

Pack('should ship nothing in supervise that is not used at run time', () => {
  if (!native) return;
  const files = listing(tarballs.get(`supervise-${pkg.version}.tgz`)!);
  for (const f of files.keys()) {
    assert.ok(
      REASONS.some(([re]) => re.test(f)),
      `${f} ships with no reason`,
    );
    assert.not.match(f, /\.(map|wat|cc|h|gyp)$|(?<!\.d)\.ts$|^Makefile$/, `${f}: a source or a map`);
  }
  for (const must of [
    'bin/supervise.js',
    'bin/supervise-node',
    'dist/launch.js',
    'dist/lib/index.js',
    'dist/codec.wasm',
  ])
    assert.ok(files.has(must), `${must} missing`);
  const total = [...files.values()].reduce((a, b) => a + b, 0);
  console.log(`  supervise: ${files.size} files, ${total} bytes unpacked`);
  assert.ok(total < 1024 * 1024, `${total} bytes`);
});

Pack('should run no script at install and depend on nothing but the platform packages', () => {
  if (!native) return;
  const dir = path.join(tmp, 'main');
  extract(tarballs.get(`supervise-${pkg.version}.tgz`)!, dir);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package/package.json'), 'utf8'));
  assert.is(manifest.scripts, undefined);
  assert.is(manifest.gypfile, undefined);
  assert.is(manifest.dependencies, undefined);
  assert.equal(manifest.bin, { supervise: 'bin/supervise.js' });
  assert.equal(
    manifest.optionalDependencies,
    Object.fromEntries(Object.keys(ELF_MACHINES).map((a) => [`@supervise/linux-${a}`, pkg.version])),
  );
});

Pack('should hold one stripped static executable for its machine in each platform package', () => {
  if (!native) return;
  let checked = 0;
  for (const arch of Object.keys(ELF_MACHINES)) {
    const tarball = tarballs.get(`supervise-linux-${arch}-${pkg.version}.tgz`);
    if (!tarball) {
      console.log(`  (linux-${arch}: not built here, not packed: make arm64 builds it; make release requires it)`);
      continue;
    }
    const files = listing(tarball);
    assert.equal([...files.keys()].sort(), ['README.md', PLATFORM_BINARY, 'package.json'].sort());
    const total = [...files.values()].reduce((a, b) => a + b, 0);
    console.log(`  @supervise/linux-${arch}: ${total} bytes unpacked (executable ${files.get(PLATFORM_BINARY)})`);
    assert.ok(total <= LIMIT, `${total} > ${LIMIT}`);
    const dir = path.join(tmp, arch);
    extract(tarball, dir);
    const exe = path.join(dir, 'package', PLATFORM_BINARY);
    assert.is(elfMachine(exe), ELF_MACHINES[arch]);
    const file = execFileSync('file', ['-b', exe], { encoding: 'utf8' });
    assert.match(file, /statically linked/);
    assert.match(file, /stripped/);
    assert.not.match(file, /not stripped/);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package/package.json'), 'utf8'));
    assert.equal(
      [manifest.name, manifest.version, manifest.os, manifest.cpu],
      [`@supervise/linux-${arch}`, pkg.version, ['linux'], [arch]],
    );
    assert.is(manifest.scripts, undefined);
    checked++;
  }
  assert.ok(checked >= 1);
});

Pack('should refuse an executable for another machine or a missing one', () => {
  const other = process.arch === 'arm64' ? 'x64' : 'arm64';
  const wrong = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/pack.ts', path.join(tmp, 'refused'), `${other}=bin/supervise`],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  assert.is(wrong.status, 1);
  assert.match(wrong.stderr, `${other}: bin/supervise is for ELF machine`);
  const missing = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/pack.ts', path.join(tmp, 'refused'), `${other}=build/no-such-file`],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  assert.is(missing.status, 1);
  assert.match(missing.stderr, 'is missing');
});

Pack('should install with npm, run no script, and run without the addon', () => {
  if (!native) return;
  const project = path.join(tmp, 'project');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'p', version: '7.7.7', private: true }));
  const mine = [`supervise-${pkg.version}.tgz`, `supervise-linux-${process.arch}-${pkg.version}.tgz`].map(
    (t) => tarballs.get(t)!,
  );
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', ...mine], {
    cwd: project,
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.is(install.status, 0, install.stderr);
  // npm prints "> name@version script" for every lifecycle script it runs in the foreground.
  assert.not.match(install.stdout + install.stderr, /^> /m);
  const bin = path.join(project, 'node_modules/.bin/supervise');
  const run = (args: string[]) =>
    spawnSync(bin, args, {
      cwd: project,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, SUPERVISE_HOST: '' },
    });
  const hi = run(['--', 'sh', '-c', `${ANNOUNCE}; echo hi; sleep 37.91 & announce $!`]);
  assert.is(hi.status, 0, hi.stderr);
  const [line, announced] = hi.stdout.trim().split('\n');
  assert.is(line, 'hi');
  const [pid] = announcedIn(announced);
  assert.not.ok(stillAlive(pid), `the sleep ${pid} outlived supervise`);
  const version = run(['--version']);
  assert.is(version.stdout.trim(), pkg.version, 'the package own version, not the project one (7.7.7)');
  const help = run(['--help']);
  assert.is(help.status, 0, help.stderr);
  assert.match(help.stdout, 'supervise decode');
  const usage = run(['--grace', '1x', '--', 'true']);
  assert.is(usage.status, 125);
  assert.match(usage.stderr, "--grace: '1x' is not a duration");
  const yargsForm = run(['--grace=2s', '--', 'sh', '-c', 'exit 4']);
  assert.is(yargsForm.status, 4, yargsForm.stderr);
  const decoded = spawnSync('sh', ['-c', `"${bin}" --status-fd 1 -- sh -c 'exit 3' | "${bin}" decode`], {
    cwd: project,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.match(decoded.stdout, /exited 3/);
  writeFileSync(
    path.join(project, 'lib.mjs'),
    "import { spawn, $ } from 'supervise';\n" +
      'const a = await $`echo from-dollar`;\n' +
      `const b = await spawn('sh', ['-c', ${JSON.stringify(`${ANNOUNCE}; echo from-spawn; sleep 37.93 & announce $!`)}]);\n` +
      'console.log(a.stdout, b.stdout.split("\\n").join(" "));\n',
  );
  const lib = spawnSync(process.execPath, ['lib.mjs'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
  assert.is(lib.status, 0, lib.stderr);
  const [dollar, spawned, announcedSleep] = lib.stdout.trim().split(/\s+/);
  assert.equal([dollar, spawned], ['from-dollar', 'from-spawn']);
  const [sleepPid] = announcedIn(announcedSleep);
  assert.not.ok(stillAlive(sleepPid), `the sleep ${sleepPid} outlived the library's supervise`);
});

Pack.run();
