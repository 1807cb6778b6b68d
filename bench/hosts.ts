// What the bench scripts share: the hosts under test, the C helpers (built once per run),
// the tools beside them, and bench/results.json.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  closeSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const RESULTS = path.join(ROOT, 'bench/results.json');

export interface Host {
  /** `supervise` (bin/supervise, what users run) or `node` (the Node host as its own row). */
  key: 'supervise' | 'node';
  path: string;
  kind: 'native' | 'node';
  /** SUPERVISE_HOST for the library, so that spawn() starts this host. */
  libHost: 'native' | 'node';
}

function isElf(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    const head = Buffer.alloc(4);
    const n = readSync(fd, head, 0, 4, 0);
    closeSync(fd);
    return n === 4 && head.toString('latin1') === '\x7fELF';
  } catch {
    return false;
  }
}

/** bin/supervise, whatever it is, and the Node host as a row of its own when it is another
 *  file (bin/supervise-node; none while bin/supervise is itself the Node script). */
export function hosts(): Host[] {
  const sup = path.join(ROOT, 'bin/supervise');
  const node = path.join(ROOT, 'bin/supervise-node');
  const native = isElf(sup);
  const out: Host[] = [
    { key: 'supervise', path: sup, kind: native ? 'native' : 'node', libHost: native ? 'native' : 'node' },
  ];
  if (native && existsSync(node) && realpathSync(node) !== realpathSync(sup)) {
    out.push({ key: 'node', path: node, kind: 'node', libHost: 'node' });
  }
  return out;
}

/** Compiles every C helper of bench/ into one temporary directory, once. */
let helperDir: string | undefined;
export function cHelper(name: string): string {
  if (!helperDir) {
    helperDir = mkdtempSync(path.join(os.tmpdir(), 'supervise-bench-'));
    const dir = helperDir;
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    for (const c of ['reference', 'owner', 'tree', 'burst', 'orphans', 'onebyone', 'waitid-loop']) {
      const cc = (...flags: string[]) =>
        execFileSync('gcc', ['-O2', ...flags, '-o', path.join(helperDir!, c), path.join(ROOT, `bench/${c}.c`)], {
          stdio: 'pipe',
        });
      // The reference is linked statically, as the native host is (no ld.so at start-up).
      if (c !== 'reference') cc();
      else
        try {
          cc('-static');
        } catch {
          cc();
        }
    }
  }
  return path.join(helperDir, name);
}

/** The path of an installed tool, or undefined. */
export function tool(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const r1 = (x: number) => +x.toFixed(1);
export const r2 = (x: number) => +x.toFixed(2);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// biome-ignore lint/suspicious/noExplicitAny: results.json, read as written by the bench
export function readResults(): Record<string, any> {
  try {
    return JSON.parse(readFileSync(RESULTS, 'utf8'));
  } catch {
    return {};
  }
}

/** Merges `part` into bench/results.json (each script writes its own keys). */
export function writeResults(part: Record<string, unknown>): void {
  writeFileSync(RESULTS, `${JSON.stringify({ ...readResults(), ...part }, null, 2)}\n`);
}
