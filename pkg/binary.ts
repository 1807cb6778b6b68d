// Where the supervise executable is, at run time: the one lookup of the `bin` entry
// (bin/supervise.js), the yargs front end and the library (lib/spawn.ts). In order:
//   1. SUPERVISE_BINARY, a path the user gives;
//   2. the platform package, @supervise/linux-<arch> (an optional dependency of the npm
//      package: npm, pnpm, yarn and bun install the one whose os/cpu match);
//   3. the executable built inside the package itself (`make`: bin/supervise);
// each checked to be an ELF executable for this machine (e_machine), else an error that
// names the platform and the fix. Node APIs only; no policy beyond the order.
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The environment variable that names the executable, before any other place. */
export const BINARY_ENV = 'SUPERVISE_BINARY';

/** ELF e_machine of each architecture a platform package exists for (Node's process.arch
 *  names): EM_X86_64, EM_AARCH64. */
export const ELF_MACHINES: Record<string, number> = { x64: 62, arm64: 183 };

/** The npm name of the platform package for `arch`. */
export function platformPackage(arch: string = process.arch): string {
  return `@supervise/linux-${arch}`;
}

/** The platform package's path of the executable, from its root. */
export const PLATFORM_BINARY = 'bin/supervise';

/** The root of the supervise package this file belongs to (sources: pkg/; bundles: dist/,
 *  dist/lib/, dist/chunks/): the first directory up with a package.json named supervise. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if (JSON.parse(readFileSync(file, 'utf8')).name === 'supervise') return dir;
      } catch {
        // not JSON: keep looking
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`supervise: no package.json of supervise above ${import.meta.url}`);
    dir = up;
  }
}

/** The version of this supervise package (its own package.json, wherever the cwd is). */
export function packageVersion(): string {
  return JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version as string;
}

/** An ELF file's e_machine, or undefined when `file` is not a readable ELF file. */
export function elfMachine(file: string): number | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(20);
    if (readSync(fd, head, 0, 20, 0) !== 20) return undefined;
    if (head.readUInt32BE(0) !== 0x7f454c46) return undefined;
    // EI_DATA: 1 little-endian, 2 big-endian; e_machine at offset 18.
    return head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** What findBinary() found. */
export interface Found {
  /** The executable. */
  file: string;
  /** Where it came from: 'env' (SUPERVISE_BINARY), 'platform' (the platform package),
   *  'built' (make, inside the package). */
  source: 'env' | 'platform' | 'built';
}

/** The supervise executable for this machine (the order above); throws an Error whose
 *  message names the platform, every place tried and the fix. `env` and `arch` for tests. */
export function findBinary(env: NodeJS.ProcessEnv = process.env, arch: string = process.arch): Found {
  const platform = `${process.platform}-${arch}`;
  const machine = ELF_MACHINES[arch];
  if (process.platform !== 'linux' || machine === undefined)
    throw new Error(
      `supervise: no supervise executable exists for ${platform}: it runs on Linux, on x64 and arm64 (${Object.keys(ELF_MACHINES).join(', ')})`,
    );
  const tried: string[] = [];
  const check = (file: string, what: string): boolean => {
    const m = elfMachine(file);
    if (m === machine) return true;
    tried.push(
      `${what} ${file}: ${m === undefined ? (existsSync(file) ? 'not an ELF executable' : 'missing') : `an ELF executable for machine ${m}, not ${machine} (${arch})`}`,
    );
    return false;
  };
  const given = env[BINARY_ENV];
  if (given) {
    if (check(path.resolve(given), BINARY_ENV)) return { file: path.resolve(given), source: 'env' };
    throw new Error(`supervise: ${tried[0]} (unset ${BINARY_ENV} to use the installed one)`);
  }
  const root = packageRoot();
  const name = platformPackage(arch);
  try {
    const dir = path.dirname(createRequire(path.join(root, 'package.json')).resolve(`${name}/package.json`));
    const file = path.join(dir, PLATFORM_BINARY);
    if (check(file, name)) return { file, source: 'platform' };
  } catch {
    tried.push(`${name}: not installed`);
  }
  const built = path.join(root, 'bin/supervise');
  if (check(built, 'built')) return { file: built, source: 'built' };
  let version = '';
  try {
    version = `@${packageVersion()}`;
  } catch {
    // no version: the fix names none
  }
  // A clone has the Makefile; the npm package has no sources.
  const build = existsSync(path.join(root, 'Makefile'))
    ? `build it: \`make -C ${root} build\``
    : `build it from source (\`make\` in a clone of supervise) and set ${BINARY_ENV}`;
  throw new Error(
    `supervise: no supervise executable for ${platform}; tried ${tried.join('; ')}. ` +
      `Fix: install the platform package (\`npm install ${name}${version}\`: it is an optional dependency, ` +
      `which an install with --omit=optional or --no-optional leaves out), or set ${BINARY_ENV} to a ` +
      `supervise-${platform} executable (a release asset), or ${build}`,
  );
}
