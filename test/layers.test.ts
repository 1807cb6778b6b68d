// The layers of ARCHITECTURE.md ("The layers"), as the imports draw them: each layer
// imports only the layers below it, and what runs in a browser imports no Node API.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ROOT } from './procs.ts';
import * as sys from '../assembly/sys.ts';
import * as protocol from '../assembly/protocol.ts';

/** layer -> what its files may import: other files (as paths from the root, a trailing
 *  '/' for a whole directory) or package names; 'node:' for Node's modules. */
const ALLOWED: Record<string, string[]> = {
  'assembly/': ['assembly/'],
  'codec/index.ts': ['codec/names.ts', 'assembly/protocol.ts'],
  'codec/names.ts': ['assembly/protocol.ts', 'assembly/names.ts'],
  'codec/trace.ts': ['codec/index.ts'],
  'codec/lanes.ts': [],
  'codec/report.ts': ['codec/index.ts'],
  'codec/node.ts': ['codec/index.ts', 'node:'],
  'codec/argv.ts': ['assembly/options.ts'],
  'pkg/': ['pkg/', 'node:'],
  'cli/': [
    'cli/',
    'codec/',
    'pkg/',
    'assembly/protocol.ts',
    'assembly/sys.ts',
    'assembly/options.ts',
    'node:',
    'yargs',
  ],
  'lib/': ['lib/', 'codec/', 'pkg/', 'assembly/protocol.ts', 'node:', 'shell-quote', 'npm-run-path', 'pretty-ms'],
  'web/': [
    'web/',
    'codec/index.ts',
    'codec/names.ts',
    'codec/trace.ts',
    'codec/lanes.ts',
    'codec/report.ts',
    'assembly/protocol.ts',
  ],
};

/** Every module specifier in a TypeScript file: import/export ... from, import('...'). */
function specifiers(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8').replace(/^\s*\/\/.*$/gm, '');
  // The keyword, not the string 'from' (get('from'), PipeOptions['from']).
  const found = [...text.matchAll(/(?<!['"`])\b(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);
  return found;
}

function files(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${dir}${f}`);
}

const Layers = suite('the layers');

Layers('should find the imports it checks', () => {
  assert.ok(specifiers('lib/events.ts').includes('../codec/index.ts'));
  assert.ok(specifiers('cli/supervise.ts').includes('./args.ts'), 'dynamic imports too');
  assert.ok(!specifiers('cli/view.ts').some((s) => s.includes(')')), "a string 'from' is no import");
});

for (const [layer, allowed] of Object.entries(ALLOWED)) {
  Layers(`should let ${layer} import only ${allowed.join(', ')}`, () => {
    const list = layer.endsWith('/') ? files(layer) : [layer];
    assert.ok(list.length > 0);
    for (const file of list) {
      for (const spec of specifiers(file)) {
        const target = spec.startsWith('.')
          ? path.posix.normalize(path.posix.join(path.posix.dirname(file), spec))
          : spec;
        const ok = allowed.some((a) => (a.endsWith('/') || a.endsWith(':') ? target.startsWith(a) : target === a));
        assert.ok(ok, `${file} imports ${spec} (${target}), outside ${layer}'s layers`);
      }
    }
  });
}

/** The files of `dir` that `file` imports at run time: `import type` and `export type`
 *  are erased, so a circle made of them alone is no circle; `import { type X }` is kept
 *  (a side-effect import under verbatimModuleSyntax). */
function runtimeImports(file: string, dir: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest);
  const found: string[] = [];
  const add = (spec: ts.Expression | undefined) => {
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) return;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec.text));
    if (target.startsWith(dir)) found.push(target);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) add(node.moduleSpecifier);
    else if (ts.isExportDeclaration(node) && !node.isTypeOnly) add(node.moduleSpecifier);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0]);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** An import circle among the files of `dir` (run-time imports), as the path that closes
 *  it (`a.ts -> b.ts -> a.ts`), or undefined when there is none. */
function importCircle(dir: string): string | undefined {
  const graph = new Map(files(dir).map((f) => [f, runtimeImports(f, dir)]));
  const done = new Set<string>();
  const walk = (file: string, trail: string[]): string | undefined => {
    const at = trail.indexOf(file);
    if (at >= 0) return [...trail.slice(at), file].join(' -> ');
    if (done.has(file)) return undefined;
    for (const next of graph.get(file) ?? []) {
      const circle = walk(next, [...trail, file]);
      if (circle) return circle;
    }
    done.add(file);
    return undefined;
  };
  for (const file of graph.keys()) {
    const circle = walk(file, []);
    if (circle) return circle;
  }
  return undefined;
}

Layers('should find no import circle in lib/ (modules a circle joins can see each other half loaded)', () => {
  assert.ok(runtimeImports('lib/index.ts', 'lib/').includes('lib/spawn.ts'), 'the check sees the imports');
  assert.ok(!runtimeImports('lib/template.ts', 'lib/').includes('lib/errors.ts'), '`import type` is erased');
  assert.is(importCircle('lib/'), undefined);
});

Layers('should leave no file of codec/, cli/, lib/, pkg/ or web/ outside the map', () => {
  const mapped = (f: string) => Object.keys(ALLOWED).some((l) => (l.endsWith('/') ? f.startsWith(l) : f === l));
  for (const dir of ['codec/', 'cli/', 'lib/', 'pkg/', 'web/']) for (const f of files(dir)) assert.ok(mapped(f), f);
});

Layers('should give the C++ side the numbers of protocol.ts and sys.ts through the generated header', () => {
  const named = { ...sys, ...protocol } as Record<string, unknown>;
  let checked = 0;
  for (const file of ['host/native.cc', 'shim/linux.h', 'shim/linux.cc', 'shim/addon.cc']) {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    for (const [, camel, value] of text.matchAll(/\bk([A-Z]\w*) = ([^,;]+)/g)) {
      const name = camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
      if (!(name in named)) continue;
      assert.match(value, /^(PROTO|SYS)_/, `k${camel} = ${value} in ${file}: restated, not from constants.h`);
      checked++;
    }
  }
  assert.ok(checked >= 9, `checked ${checked} constants`);
  const header = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/constants-h.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const defines = [...header.matchAll(/^#define (PROTO|SYS)_(\w+) \((-?\d+)\)$/gm)];
  for (const [, prefix, name, value] of defines) {
    assert.is(Number(value), (prefix === 'SYS' ? sys : protocol)[name as never], `${prefix}_${name}`);
  }
  const numbers = (m: object) => Object.values(m).filter((v) => typeof v === 'number').length;
  assert.is(defines.length, numbers(sys) + numbers(protocol));
});

/** The items of the ARCHITECTURE.md checklist under `### title`. */
function checklist(title: string): string[] {
  const text = readFileSync(path.join(ROOT, 'ARCHITECTURE.md'), 'utf8');
  const start = text.indexOf(`### ${title}\n`);
  assert.ok(start >= 0, title);
  const end = text.slice(start + 4).search(/\n##/);
  return text
    .slice(start, start + 4 + end)
    .split(/\n(?=\d+\. )/)
    .slice(1);
}

for (const title of ['Adding a launch option', 'Adding a record kind', 'Adding a library option']) {
  Layers(`should name only files and functions that exist in ARCHITECTURE.md "${title}"`, () => {
    let names = 0;
    for (const item of checklist(title)) {
      const codes = [...item.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
      const named: string[] = [];
      for (const code of codes) {
        // A path, or a bare name: in the directory of the path before it, else in assembly/.
        if (/^[\w-]+\/[\w/.-]+\.(ts|md)$/.test(code)) named.push(code);
        else if (/^[\w-]+\.ts$/.test(code)) {
          const beside = [`${path.posix.dirname(named.at(-1) ?? 'assembly/x')}/${code}`, `assembly/${code}`];
          named.push(beside.find((f) => existsSync(path.join(ROOT, f))) ?? code);
        }
      }
      for (const f of named) assert.ok(existsSync(path.join(ROOT, f)), `${title}: ${f} does not exist`);
      const texts = named.map((f) => readFileSync(path.join(ROOT, f), 'utf8'));
      for (const code of codes.filter((c) => /^[\w.]+\(\)$/.test(c))) {
        const name = code.slice(0, -2).split('.').pop()!;
        const found = texts.some((t) => new RegExp(`\\b${name}\\(`).test(t));
        assert.ok(found, `${title}: ${code} is in none of ${named.join(', ')}`);
        names++;
      }
    }
    assert.ok(names >= 3, `checked ${names} functions`);
  });
}

Layers('should name in "Adding a record kind" every file with a switch over record kinds', () => {
  const item = checklist('Adding a record kind').join('\n');
  for (const dir of ['codec/', 'lib/', 'web/', 'cli/']) {
    for (const file of files(dir)) {
      if (file === 'codec/index.ts') continue; // where unhandledKind() is, named first
      if (readFileSync(path.join(ROOT, file), 'utf8').includes('unhandledKind(')) {
        assert.ok(item.includes(`\`${file}\``), `${file} switches over record kinds: name it in the checklist`);
      }
    }
  }
});

Layers.run();
