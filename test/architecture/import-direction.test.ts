/**
 * The layering rule (docs/design.md, "Layout"): the pure core imports nothing outside core and no Node
 * module; the engine sees backends only through the contract; the CLI uses the library API.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import { repoRoot } from '../support/test-servers.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((match) => match[1]!);
}

const src = join(repoRoot, 'src');

it('src/core imports only core modules (and the pure matchers picomatch and ignore), never node:*', () => {
  const offenders = sourceFiles(join(src, 'core')).flatMap((file) =>
    importsOf(file)
      .filter((spec) => spec.startsWith('node:') || (spec.startsWith('..') && !spec.startsWith('../core')) || (!spec.startsWith('.') && spec !== 'picomatch' && spec !== 'ignore'))
      .map((spec) => `${relative(src, file)} imports ${spec}`),
  );
  assert.deepEqual(offenders, []);
});

it('src/engine reaches backends only through the contract and openBackend', () => {
  const allowed = new Set(['../backends/backend.js', '../backends/open-backend.js', '../backends/target-url.js']);
  const offenders = sourceFiles(join(src, 'engine')).flatMap((file) =>
    importsOf(file)
      .filter((spec) => spec.startsWith('../backends/') && !allowed.has(spec))
      .map((spec) => `${relative(src, file)} imports ${spec}`),
  );
  assert.deepEqual(offenders, []);
});

it('src/cli uses the library API, not the engine, core, state or backends directly', () => {
  const offenders = sourceFiles(join(src, 'cli')).flatMap((file) =>
    importsOf(file)
      .filter((spec) => /^\.\.\/(\.\.\/)?(engine|state|backends|core)\//.test(spec))
      .map((spec) => `${relative(src, file)} imports ${spec}`),
  );
  assert.deepEqual(offenders, []);
});
