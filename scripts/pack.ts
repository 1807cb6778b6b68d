// The npm packages, staged from the build and packed (make pack, make release):
//   supervise                the library, the codec, the yargs front end, the viewer, and
//                            the bin entry (bin/supervise.js); no install script, no
//                            dependency but the platform packages, as optionalDependencies;
//   @supervise/linux-<arch>  one stripped static executable (bin/supervise), os/cpu set,
//                            nothing run at install (as @esbuild/* and @parcel/watcher-*).
// Usage: node --import tsx scripts/pack.ts OUT_DIR [ARCH=EXECUTABLE...]
// Refuses (exit 1) an executable that is missing or not an ELF executable for ARCH.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ELF_MACHINES, PLATFORM_BINARY, elfMachine, platformPackage } from '../pkg/binary.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const STAGE = path.join(ROOT, 'build/npm');

function fail(message: string): never {
  process.stderr.write(`pack: ${message}\n`);
  process.exit(1);
}

function npmPack(dir: string, out: string): string {
  const json = execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: dir, encoding: 'utf8' });
  return path.join(out, (JSON.parse(json) as Array<{ filename: string }>)[0].filename);
}

function main(): void {
  const [outArg, ...pairs] = process.argv.slice(2);
  if (!outArg) fail('usage: pack.ts OUT_DIR [ARCH=EXECUTABLE...]');
  if (pairs.length === 0) process.stderr.write('pack: no executable given: supervise alone, no platform package\n');
  const out = path.resolve(outArg);
  mkdirSync(out, { recursive: true });
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const binaries = new Map<string, string>();
  for (const pair of pairs) {
    const [arch, file] = pair.split('=');
    const machine = ELF_MACHINES[arch];
    if (machine === undefined) fail(`unknown architecture '${arch}' (${Object.keys(ELF_MACHINES).join(', ')})`);
    if (!file || !existsSync(file)) fail(`${arch}: the executable ${file} is missing`);
    const m = elfMachine(file);
    if (m !== machine)
      fail(`${arch}: ${file} is ${m === undefined ? 'not an ELF executable' : `for ELF machine ${m}`}, not ${machine}`);
    binaries.set(arch, path.resolve(file));
  }
  rmSync(STAGE, { recursive: true, force: true });
  const made: string[] = [];
  for (const [arch, file] of binaries) {
    const dir = path.join(STAGE, `linux-${arch}`);
    mkdirSync(path.join(dir, path.dirname(PLATFORM_BINARY)), { recursive: true });
    copyFileSync(file, path.join(dir, PLATFORM_BINARY));
    chmodSync(path.join(dir, PLATFORM_BINARY), 0o755);
    const platform = {
      name: platformPackage(arch),
      version: pkg.version,
      description: `The supervise executable for Linux on ${arch} (static): an optional dependency of supervise`,
      license: pkg.license,
      os: ['linux'],
      cpu: [arch],
      // Yarn PnP: an executable cannot run from inside a zip archive.
      preferUnplugged: true,
      files: [PLATFORM_BINARY],
    };
    writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(platform, null, 2)}\n`);
    writeFileSync(
      path.join(dir, 'README.md'),
      `# ${platform.name}\n\nThe static \`supervise\` executable for Linux on ${arch}, installed by the \`supervise\` package. See https://www.npmjs.com/package/supervise.\n`,
    );
    made.push(npmPack(dir, out));
  }
  const dir = path.join(STAGE, 'supervise');
  // package.json "files": what the package ships besides package.json and README.md
  // (test/package.test.ts gives the reason of each).
  const files: string[] = ['README.md', ...pkg.files];
  for (const f of files) {
    if (!existsSync(path.join(ROOT, f))) fail(`${f} is not built (make build)`);
    cpSync(path.join(ROOT, f), path.join(dir, f), { recursive: true });
  }
  const main = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    type: pkg.type,
    os: pkg.os,
    engines: pkg.engines,
    exports: pkg.exports,
    types: pkg.types,
    bin: { supervise: 'bin/supervise.js' },
    files: pkg.files,
    optionalDependencies: Object.fromEntries(
      Object.keys(ELF_MACHINES).map((arch) => [platformPackage(arch), pkg.version]),
    ),
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(main, null, 2)}\n`);
  made.push(npmPack(dir, out));
  for (const f of made) process.stdout.write(`${path.relative(ROOT, f)}\n`);
}

main();
