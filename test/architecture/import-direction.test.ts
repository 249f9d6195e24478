/**
 * The layering rule (docs/design.md, "Layout"): the pure core imports nothing outside core and no Node
 * module; the engine (with its watch/ and doctor/ folders) sees backends only through the contract;
 * the CLI uses the library API; no module of src takes part in an import cycle; and only
 * core/rel-path.ts makes a RelPath by a cast.
 *
 * Imports are resolved to files, so `../../backends/x.js` from a nested folder counts the same as
 * `../backends/x.js`. Every kind counts: `import`, `import type`, `export … from`, and `import()`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { it } from 'node:test';
import { repoRoot } from '../support/test-servers.js';

const src = join(repoRoot, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Every module specifier `file` names: static imports and re-exports (type-only too) and `import()`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const fromClauses = [...text.matchAll(/^\s*(?:import|export)\s[^'";]*?\sfrom\s+['"]([^'"]+)['"]/gm)].map((match) => match[1]!);
  const bare = [...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)].map((match) => match[1]!);
  const dynamic = [...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((match) => match[1]!);
  return [...fromClauses, ...bare, ...dynamic];
}

/** One import of a module: what it says, and the source file it names (undefined: a package or node:*). */
interface Import {
  readonly spec: string;
  readonly target: string | undefined;
}

const files = sourceFiles(src);
const graph = new Map<string, Import[]>(
  files.map((file) => [
    file,
    importsOf(file).map((spec) => ({ spec, target: spec.startsWith('.') ? resolve(dirname(file), spec.replace(/\.js$/, '.ts')) : undefined })),
  ]),
);

/** `file` as a path below src, with `/` (for messages and rules). */
const name = (file: string): string => relative(src, file).split(sep).join('/');

/** Offending imports of the files below `folder` (a path below src), as `file imports spec`. */
function offenders(folder: string, bad: (edge: Import) => boolean): string[] {
  return files
    .filter((file) => name(file).startsWith(`${folder}/`))
    .flatMap((file) =>
      graph
        .get(file)!
        .filter(bad)
        .map((edge) => `${name(file)} imports ${edge.spec}`),
    );
}

/** The strongly connected components with more than one file (or a file importing itself): Tarjan. */
function importCycles(): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter);
    counter++;
    stack.push(file);
    onStack.add(file);
    for (const { target } of graph.get(file)!) {
      if (target === undefined || !graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    const selfImport = graph.get(file)!.some((edge) => edge.target === file);
    if (component.length > 1 || selfImport) cycles.push(component.map(name).sort());
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return cycles;
}

it('the import graph sees every kind of import (sanity check of this test)', () => {
  const edges = (file: string): string[] => graph.get(join(src, file))!.map((edge) => (edge.target === undefined ? edge.spec : name(edge.target)));
  // A dynamic import, a type-only import and a re-export.
  assert.ok(edges('backends/open-backend.ts').includes('backends/sftp/open-sftp-backend.ts'));
  assert.ok(edges('backends/open-backend.ts').includes('backends/options/open-backend-options.ts'));
  assert.ok(edges('index.ts').includes('engine/run-sync.ts'));
  assert.ok(files.length > 100);
});

it('src has no import cycles (each cycle is listed by its files)', () => {
  assert.deepEqual(importCycles(), []);
});

it('src/core imports only core modules (and the pure matchers picomatch and ignore), never node:*', () => {
  const found = offenders('core', ({ spec, target }) => (target === undefined ? spec !== 'picomatch' && spec !== 'ignore' : !name(target).startsWith('core/')));
  assert.deepEqual(found, []);
});

it('src/engine (watch/ and doctor/ too) reaches backends only through the contract and openBackend', () => {
  const allowed = new Set(['backends/backend.ts', 'backends/open-backend.ts', 'backends/target-url.ts']);
  const found = offenders('engine', ({ target }) => target !== undefined && name(target).startsWith('backends/') && !allowed.has(name(target)));
  assert.deepEqual(found, []);
});

it('src/backends imports no engine, cli or state module', () => {
  const found = offenders('backends', ({ target }) => target !== undefined && /^(engine|cli|state)\//.test(name(target)));
  assert.deepEqual(found, []);
});

it('src/cli uses the library API, not the engine, core, state or backends directly', () => {
  const found = offenders('cli', ({ target }) => target !== undefined && /^(engine|state|backends|core)\//.test(name(target)));
  assert.deepEqual(found, []);
});

it('only src/core/rel-path.ts makes a RelPath by a cast (`as RelPath`)', () => {
  const found = files
    .filter((file) => name(file) !== 'core/rel-path.ts')
    .flatMap((file) => {
      // Comments may speak of the cast; code may not.
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ''))
        .replace(/(^|\s)\/\/.*$/gm, '$1');
      return code
        .split('\n')
        .map((line, index) => ({ line, index }))
        .filter(({ line }) => /\bas\s+(unknown\s+as\s+)?RelPath\b|(?:^|[=(,:?!&|\s])<RelPath>/.test(line))
        .map(({ index }) => `${name(file)}:${index + 1}`);
    });
  assert.deepEqual(found, []);
});
