/**
 * --match and --exclude at the command line: excluded names are neither copied nor deleted, and
 * pyftpsync's default excludes (.git, .DS_Store, ...) apply unless -x is given.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeSandbox, treeContents, writeTree, type Sandbox } from '../support/run-cli.js';

describe('ferry CLI: --match and --exclude', () => {
  let box: Sandbox;
  const run = (mode: string, ...extra: string[]) => box.run([mode, box.local, box.remote, '--state-dir', box.stateDir, ...extra]);

  beforeEach(async () => {
    box = await makeSandbox('filters');
    await writeTree(box.local, {
      'index.html': 'home',
      'style.css': 'css',
      'notes.txt': 'n',
      '.git/config': 'local git',
      '.DS_Store': 'x',
      'node_modules/dep/index.js': 'dep',
      'sub/page.html': 'page',
    });
    await writeTree(box.remote, { '.git/HEAD': 'remote git', 'debug.log': 'server log', 'old.html': 'old' });
  });
  afterEach(async () => {
    await box.cleanup();
  });

  it('by default .git and .DS_Store are neither copied nor deleted by upload --delete', async () => {
    const result = await run('upload', '--delete');
    assert.equal(result.code, 0, result.stderr);
    const remote = await treeContents(box.remote);
    assert.equal(remote['.git/HEAD'], 'remote git', 'the remote .git is left alone');
    assert.equal(remote['.git/config'], undefined, 'the local .git is not uploaded');
    assert.equal(remote['.DS_Store'], undefined);
    assert.equal(remote['node_modules/dep/index.js'], 'dep', 'node_modules is not a default exclude');
    assert.equal(remote['debug.log'], undefined, 'not excluded: deleted');
    assert.equal(remote['old.html'], undefined);
  });

  it('-x replaces the defaults; excluded names on the target are kept by --delete', async () => {
    const result = await run('upload', '--delete', '-x', 'node_modules,*.log,.git');
    assert.equal(result.code, 0, result.stderr);
    const remote = await treeContents(box.remote);
    assert.equal(remote['node_modules/dep/index.js'], undefined);
    assert.equal(remote['debug.log'], 'server log', 'an excluded remote file is not deleted');
    assert.equal(remote['.git/HEAD'], 'remote git');
    assert.equal(remote['.DS_Store'], 'x', '-x replaced the defaults, so .DS_Store is synced');
    assert.equal(remote['old.html'], undefined);
  });

  it('--match limits the files synced; without --delete-unmatched the others stay on the target', async () => {
    const result = await run('upload', '--delete', '--match', '*.html');
    assert.equal(result.code, 0, result.stderr);
    const remote = await treeContents(box.remote);
    assert.equal(remote['index.html'], 'home');
    assert.equal(remote['sub/page.html'], 'page');
    assert.equal(remote['style.css'], undefined, 'not matched: not copied');
    assert.equal(remote['debug.log'], 'server log', 'not matched: not deleted');
    assert.equal(remote['old.html'], undefined, 'matched and extra: deleted');
  });

  it('--delete-unmatched removes target files that do not match', async () => {
    const result = await run('upload', '--delete-unmatched', '--match', '*.html');
    assert.equal(result.code, 0, result.stderr);
    const remote = await treeContents(box.remote);
    assert.equal(remote['debug.log'], undefined);
    assert.equal(remote['index.html'], 'home');
    assert.equal(remote['.git/HEAD'], 'remote git', 'an excluded folder is still left alone');
  });

  it('sync with -x: excluded files stay where they are on both sides', async () => {
    const result = await run('sync', '-x', '*.log,*.txt,.git');
    assert.equal(result.code, 0, result.stderr);
    await assert.rejects(fs.stat(path.join(box.local, 'debug.log')));
    await assert.rejects(fs.stat(path.join(box.remote, 'notes.txt')));
    assert.equal((await treeContents(box.local))['old.html'], 'old');
  });
});
