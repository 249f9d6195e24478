/**
 * What `upload` and `download` promise: the source side is never changed; `--delete` removes the
 * target's extras; `--force` makes the source the truth over target changes.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeSandbox, treeContents, treeObject, writeTree, type Sandbox } from '../support/run-cli.js';

const t12 = new Date('2014-01-01T12:00:00Z');
const t13 = new Date('2014-01-01T13:00:00Z');

describe('ferry CLI: upload and download', () => {
  let box: Sandbox;
  const run = (mode: string, ...extra: string[]) => box.run([mode, box.local, box.remote, '--state-dir', box.stateDir, ...extra]);

  beforeEach(async () => {
    box = await makeSandbox('one-way');
    const both = {
      'same.txt': 'same',
      'edit-local.txt': 'o',
      'edit-remote.txt': 'o',
      'edit-both.txt': 'o',
      'del-local.txt': 'o',
      'del-remote.txt': 'o',
      'dir/x.txt': 'o',
    };
    await writeTree(box.local, both, t12);
    await writeTree(box.remote, both, t12);
    const first = await run('sync');
    assert.equal(first.code, 0, first.stderr);
    await writeTree(box.local, { 'edit-local.txt': 'L13', 'edit-both.txt': 'L13 both', 'new-local.txt': 'L13', 'newdir/n.txt': 'L13' }, t13);
    await writeTree(box.remote, { 'edit-remote.txt': 'R13', 'edit-both.txt': 'R13 both!', 'new-remote.txt': 'R13', 'rdir/r.txt': 'R13' }, t13);
    await fs.rm(path.join(box.local, 'del-local.txt'));
    await fs.rm(path.join(box.remote, 'del-remote.txt'));
  });
  afterEach(async () => {
    await box.cleanup();
  });

  const uploadVariants = [
    [],
    ['--delete'],
    ['--force'],
    ['--force', '--delete', '--resolve', 'local'],
    ['--delete-unmatched', '--match', '*.txt'],
    ['--resolve', 'local'],
  ];
  for (const extra of uploadVariants) {
    it(`upload ${extra.join(' ')} never changes the local tree`.replace('  ', ' '), async () => {
      const before = await treeObject(box.local);
      const result = await run('upload', ...extra);
      assert.ok(result.code === 0, `exit ${result.code}: ${result.stderr}`);
      assert.deepEqual(await treeObject(box.local), before);
      assert.doesNotMatch(result.stdout, /^\S.* < /m, 'no action towards local');
    });
  }

  for (const extra of [[], ['--delete'], ['--force'], ['--force', '--delete', '--resolve', 'remote']]) {
    it(`download ${extra.join(' ')} never changes the remote tree`.replace('  ', ' '), async () => {
      const before = await treeObject(box.remote);
      const result = await run('download', ...extra);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(await treeObject(box.remote), before);
      assert.doesNotMatch(result.stdout, /^\S.* > /m, 'no action towards remote');
    });
  }

  it('upload copies local changes, keeps remote changes and extras (no --delete)', async () => {
    assert.equal((await run('upload')).code, 0);
    const remote = await treeContents(box.remote);
    assert.equal(remote['edit-local.txt'], 'L13');
    assert.equal(remote['new-local.txt'], 'L13');
    assert.equal(remote['newdir/n.txt'], 'L13');
    assert.equal(remote['edit-remote.txt'], 'R13', 'a remote change is kept');
    assert.equal(remote['edit-both.txt'], 'R13 both!', 'a conflict is skipped');
    assert.equal(remote['new-remote.txt'], 'R13');
    assert.equal(remote['del-local.txt'], 'o', 'not deleted without --delete');
  });

  it('upload --delete removes remote extras and what was deleted locally', async () => {
    assert.equal((await run('upload', '--delete')).code, 0);
    const remote = await treeContents(box.remote);
    assert.equal(remote['del-local.txt'], undefined);
    assert.equal(remote['new-remote.txt'], undefined);
    assert.equal(remote['rdir/r.txt'], undefined);
    await assert.rejects(fs.stat(path.join(box.remote, 'rdir')), 'the extra folder is removed too');
    assert.equal(remote['edit-remote.txt'], 'R13', 'a remote modification is no extra: kept without --force');
  });

  it('upload --force overwrites a remote change (and settles the conflict for local)', async () => {
    const plain = await run('upload');
    assert.equal(plain.code, 0);
    assert.equal((await treeContents(box.remote))['edit-remote.txt'], 'R13', 'plain upload keeps it');
    const forced = await run('upload', '--force');
    assert.equal(forced.code, 0, forced.stderr);
    const remote = await treeContents(box.remote);
    assert.equal(remote['edit-remote.txt'], 'o', 'the local version replaces the remote change');
    assert.equal(remote['edit-both.txt'], 'L13 both');
    assert.equal(remote['del-remote.txt'], 'o', 'restored');
    assert.equal(remote['new-remote.txt'], 'R13', 'extras stay without --delete');
    const st = await fs.stat(path.join(box.remote, 'edit-remote.txt'));
    assert.ok(Math.abs(st.mtimeMs - t12.getTime()) <= 1, 'with the local mtime');
  });

  it('download --delete removes local extras; download --force overwrites local changes', async () => {
    assert.equal((await run('download', '--delete')).code, 0);
    let local = await treeContents(box.local);
    assert.equal(local['new-local.txt'], undefined);
    assert.equal(local['newdir/n.txt'], undefined);
    await assert.rejects(fs.stat(path.join(box.local, 'newdir')));
    assert.equal(local['del-remote.txt'], undefined);
    assert.equal(local['edit-remote.txt'], 'R13');
    assert.equal(local['new-remote.txt'], 'R13');
    assert.equal(local['edit-local.txt'], 'L13', 'a local modification is kept without --force');

    assert.equal((await run('download', '--force')).code, 0);
    local = await treeContents(box.local);
    assert.equal(local['edit-local.txt'], 'o');
    assert.equal(local['edit-both.txt'], 'R13 both!');
    assert.equal(local['del-local.txt'], 'o');
  });

  it('a mirror (--force --delete --resolve) makes the target equal to the source; a second run copies nothing', async () => {
    assert.equal((await run('upload', '--force', '--delete', '--resolve', 'local')).code, 0);
    assert.deepEqual(await treeContents(box.remote), await treeContents(box.local));
    const again = await run('upload', '--force', '--delete', '--resolve', 'local');
    assert.equal(again.code, 0);
    assert.match(again.stdout, /Done: 0 files copied \(0 B\), 0 deleted/);

    assert.equal((await run('download', '--force', '--delete', '--resolve', 'remote')).code, 0);
    assert.deepEqual(await treeContents(box.local), await treeContents(box.remote));
  });

  it('a second upload right after the first transfers nothing', async () => {
    assert.equal((await run('upload', '--delete')).code, 0);
    const again = await run('upload', '--delete');
    assert.equal(again.code, 0);
    assert.match(again.stdout, /Done: 0 files copied \(0 B\), 0 deleted/);
  });
});
