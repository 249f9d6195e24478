/**
 * The package as users get it: a fresh clone of this checkout's HEAD is packed with `npm pack`
 * (whose `prepack` builds it), the tarball is installed globally into a temporary prefix, and
 * the installed `ferry` runs `--version` and `demo`; two tiny programs, one CommonJS and one ESM,
 * `require` and `import` the installed package by name and sync two folders with it, on this
 * Node and on Node 22 and 24 (scripts/node-binary.sh); the command keeps its compile cache on each.
 *
 * The clone reuses this checkout's node_modules (a link) to stay fast; the global install runs
 * with `--ignore-scripts`, which also shows that ferry needs none of its dependencies' install
 * scripts (README: npm 11's install-scripts warning). Only committed work is tested.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../support/run-cli.js';

interface PackedFile {
  readonly path: string;
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

const cjsProgram = `
const path = require('node:path');
const { upload, FerryError, ExitCode } = require('ferry-sync');
if (typeof FerryError !== 'function' || ExitCode.ok !== 0) throw new Error('exports missing');
const [local, remote, stateDir] = process.argv.slice(2);
upload({ local, remote, stateDir }).then((summary) => {
  console.log(JSON.stringify({ kind: 'cjs', filesCopied: summary.filesCopied }));
});
`;

const esmProgram = `
import { upload, FerryError, ExitCode } from 'ferry-sync';
if (typeof FerryError !== 'function' || ExitCode.ok !== 0) throw new Error('exports missing');
const [local, remote, stateDir] = process.argv.slice(2);
const summary = await upload({ local, remote, stateDir });
console.log(JSON.stringify({ kind: 'esm', filesCopied: summary.filesCopied }));
`;

describe('the npm package', { timeout: 600_000 }, () => {
  let root: string;
  let clone: string;
  let prefix: string;
  let tarball: string;
  let packed: readonly string[];
  const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  before(async () => {
    root = await fs.mkdtemp(path.join(tmpdir(), 'ferry-pack-'));
    clone = path.join(root, 'clone');
    prefix = path.join(root, 'prefix');
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    run('git', ['clone', '--quiet', '--no-checkout', REPO_ROOT, clone], root);
    run('git', ['checkout', '--quiet', head], clone);
    await fs.symlink(await fs.realpath(path.join(REPO_ROOT, 'node_modules')), path.join(clone, 'node_modules'));
    const out = run('npm', ['pack', '--json', '--pack-destination', root, '--loglevel=error'], clone);
    const report = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string; files: PackedFile[] }>;
    tarball = path.join(root, report[0]!.filename);
    packed = report[0]!.files.map((file) => file.path);
    run(
      'npm',
      ['install', '--global', '--prefix', prefix, '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball],
      root,
    );
  });

  after(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('ships the built program, the LICENSE and the docs; no sources, tests or internal notes', () => {
    for (const required of [
      'package.json',
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      'dist/bin/ferry.js',
      'dist/index.js',
      'dist/index.d.ts',
      'docs/api.md',
      'docs/cli.md',
    ]) {
      assert.ok(packed.includes(required), `${required} is in the package`);
    }
    const unwanted = packed.filter(
      (file) => /^(src|test|bench|scripts|\.test-servers|node_modules)\//.test(file) || file === 'docs/performance-history.md' || file.startsWith('dist/cli/'),
    );
    assert.deepEqual(unwanted, []);
  });

  it('every source map carries the sources it points at', async () => {
    const unpacked = path.join(prefix, 'lib', 'node_modules', 'ferry-sync');
    const maps = packed.filter((file) => file.endsWith('.map'));
    assert.ok(maps.length > 10, 'source maps are shipped');
    for (const map of maps) {
      const parsed = JSON.parse(await fs.readFile(path.join(unpacked, map), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
      assert.equal(parsed.sourcesContent?.length, parsed.sources.length, `${map}: one embedded source per source`);
      assert.ok(
        parsed.sourcesContent!.every((text) => typeof text === 'string' && text.length > 0),
        `${map}: every source embedded`,
      );
    }
  });

  it('the metadata names the repository, the licence, the supported Node versions and the exports', () => {
    const manifest = JSON.parse(readFileSync(path.join(prefix, 'lib', 'node_modules', 'ferry-sync', 'package.json'), 'utf8')) as Record<string, unknown>;
    for (const key of ['repository', 'homepage', 'bugs', 'keywords', 'license', 'engines', 'exports', 'bin'])
      assert.ok(manifest[key], `package.json has ${key}`);
    assert.equal(manifest.license, 'MIT');
    assert.match(readFileSync(path.join(prefix, 'lib', 'node_modules', 'ferry-sync', 'LICENSE'), 'utf8'), /MIT License[\s\S]*the ferry authors/);
  });

  it('the installed ferry runs --version and demo', async () => {
    const ferry = path.join(prefix, 'bin', 'ferry');
    assert.equal(run(ferry, ['--version'], root).trim(), version);
    const demoDir = path.join(root, 'demo');
    await fs.mkdir(demoDir);
    const env = { ...process.env, HOME: demoDir, XDG_STATE_HOME: path.join(demoDir, 'state') };
    const out = run(ferry, ['demo', path.join(demoDir, 'sample')], demoDir, env);
    assert.match(out, /Done:/);
  });

  it("npx runs the package's one command by the package's name (here: the tarball's spec)", () => {
    // `npx ferry-sync …` from the registry works the same way: a package with one bin runs it.
    const out = run('npx', ['--yes', '--prefer-offline', '--ignore-scripts', '--loglevel=error', `file:${tarball}`, '--version'], root);
    assert.equal(out.trim(), version);
  });

  it('CommonJS programs require it and ESM programs import it, on Node 20, 22 and 24', async () => {
    const app = path.join(root, 'app');
    await fs.mkdir(path.join(app, 'node_modules'), { recursive: true });
    await fs.symlink(path.join(prefix, 'lib', 'node_modules', 'ferry-sync'), path.join(app, 'node_modules', 'ferry-sync'));
    await fs.writeFile(path.join(app, 'use-require.cjs'), cjsProgram);
    await fs.writeFile(path.join(app, 'use-import.mjs'), esmProgram);
    const nodes = [process.execPath, ...['22', '24'].map((major) => run('bash', [path.join(REPO_ROOT, 'scripts', 'node-binary.sh'), major], REPO_ROOT).trim())];
    const majors = new Set<string>();
    for (const node of nodes) {
      const major = run(node, ['--version'], app).trim().split('.')[0]!;
      majors.add(major);
      // The command keeps its compile cache in the temp folder (src/cli/code-cache.ts), on every
      // Node version. The second run starts from it and behaves the same.
      const temp = path.join(root, `tmp-${major}`);
      await fs.mkdir(temp);
      const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: temp };
      delete env.NODE_COMPILE_CACHE;
      delete env.NODE_DISABLE_COMPILE_CACHE;
      const bin = path.join(app, 'node_modules', 'ferry-sync', 'dist', 'bin', 'ferry.js');
      assert.equal(run(node, [bin, '--version'], app, env).trim(), version);
      const help = run(node, [bin, '--help'], app, env);
      const cacheDir = `ferry-compile-cache-${process.getuid!()}`;
      const cached = await fs.readdir(path.join(temp, cacheDir)).catch(() => []);
      assert.ok(cached.length > 0, `${major}: compile cache not used`);
      const again = spawnSync(node, [bin, '--help'], { cwd: app, env, encoding: 'utf8' });
      assert.deepEqual([again.status, again.stdout, again.stderr], [0, help, ''], `${major}: --help from the cache`);
      for (const [program, kind] of [
        ['use-require.cjs', 'cjs'],
        ['use-import.mjs', 'esm'],
      ] as const) {
        const pair = path.join(root, `pair-${path.basename(node)}-${majors.size}-${kind}`);
        await fs.mkdir(path.join(pair, 'local', 'sub'), { recursive: true });
        await fs.writeFile(path.join(pair, 'local', 'a.txt'), 'a');
        await fs.writeFile(path.join(pair, 'local', 'sub', 'b.txt'), 'b');
        await fs.mkdir(path.join(pair, 'remote'));
        const result = spawnSync(node, [program, path.join(pair, 'local'), path.join(pair, 'remote'), path.join(pair, 'state')], {
          cwd: app,
          encoding: 'utf8',
        });
        assert.equal(result.status, 0, `${node} ${program}:\n${result.stderr}`);
        assert.deepEqual(JSON.parse(result.stdout), { kind, filesCopied: 2 });
        assert.equal(result.stderr, '', `${node} ${program}: no warning`);
        assert.equal(await fs.readFile(path.join(pair, 'remote', 'sub', 'b.txt'), 'utf8'), 'b');
      }
    }
    assert.ok(majors.has('v22') && majors.has('v24'), [...majors].join(' '));
  });
});
