/**
 * The `ferry` command's code cache (src/cli/code-cache.ts) is kept per command: a cache holds the
 * functions of the run that wrote it, so one written by `ferry --help` must not be what every
 * later sync starts from.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ensureBuilt, makeSandbox, writeTree, type Sandbox } from '../support/run-cli.js';

describe('ferry CLI: code cache', () => {
  let box: Sandbox;
  let cacheDir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    await ensureBuilt();
    box = await makeSandbox('code-cache');
    const temp = path.join(box.root, 'tmp');
    await fs.mkdir(temp);
    cacheDir = path.join(temp, `ferry-compile-cache-${process.getuid?.() ?? ''}`.replace(/-$/, ''));
    env = { TMPDIR: temp, NODE_DISABLE_COMPILE_CACHE: '' };
    await writeTree(box.local, { 'a.txt': 'a', 'sub/b.txt': 'b' });
  });
  afterEach(async () => {
    await box.cleanup();
  });

  const cacheFiles = async (): Promise<string[]> => (await fs.readdir(cacheDir)).filter((name) => name.endsWith('.cache')).sort();

  it('keeps one cache per command: --help first does not make the cache later syncs start from', async () => {
    assert.equal((await box.run(['--help'], { env })).code, 0);
    const afterHelp = await cacheFiles();
    assert.equal(afterHelp.length, 1, afterHelp.join(', '));

    const sync = ['sync', box.local, box.remote, '--state-dir', box.stateDir];
    assert.equal((await box.run(sync, { env })).code, 0);
    const afterSync = await cacheFiles();
    assert.equal(afterSync.length, 2, `the sync keeps a cache of its own: ${afterSync.join(', ')}`);
    const syncCache = afterSync.find((name) => !afterHelp.includes(name))!;
    assert.match(syncCache, /\.sync-/);
    const written = await fs.stat(path.join(cacheDir, syncCache));

    // The next sync starts from that cache and leaves it as it is.
    const again = await box.run(sync, { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Done: 0 files copied/);
    assert.deepEqual(await cacheFiles(), afterSync);
    const kept = await fs.stat(path.join(cacheDir, syncCache));
    assert.deepEqual([kept.ino, kept.mtimeMs], [written.ino, written.mtimeMs]);
  });
});
