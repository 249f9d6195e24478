/**
 * Local folders and symbolic links: never written through out of the root; `followLinks` lists
 * links inside the root as their targets and leaves out links that escape or loop.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { toRelPath as p } from '../../src/core/rel-path.js';

describe('local backend and symlinks', () => {
  let root: string;
  let outside: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(join(tmpdir(), 'ferry-links-root-'));
    outside = await fs.mkdtemp(join(tmpdir(), 'ferry-links-outside-'));
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(outside, { recursive: true, force: true });
  });

  it('refuses to write, create, delete or rename through a folder link that leads out of the root', async () => {
    await fs.writeFile(join(outside, 'victim.txt'), 'outside');
    await fs.symlink(outside, join(root, 'sub'));
    for (const backend of [new LocalBackend(root), new LocalBackend(root, { followLinks: true })]) {
      await assert.rejects(backend.write(p('sub/x.txt'), Readable.from([Buffer.from('x')])), { code: 'unsafe-name' });
      await assert.rejects(backend.mkdir(p('sub/d')), { code: 'unsafe-name' });
      await assert.rejects(backend.remove(p('sub/victim.txt')), { code: 'unsafe-name' });
      await assert.rejects(backend.rename(p('sub/victim.txt'), p('stolen.txt')), { code: 'unsafe-name' });
    }
    assert.deepEqual(await fs.readdir(outside), ['victim.txt']);
    assert.equal(await fs.readFile(join(outside, 'victim.txt'), 'utf8'), 'outside');
  });

  it('followLinks lists links inside the root as their targets, and escaping or looping links as unsupported', async () => {
    await fs.mkdir(join(root, 'dir'));
    await fs.writeFile(join(root, 'dir', 'f.txt'), 'f');
    await fs.symlink('dir', join(root, 'inside'));
    await fs.symlink(outside, join(root, 'escape'));
    await fs.symlink('..', join(root, 'dir', 'up'));
    await fs.symlink('missing', join(root, 'dangling'));
    const followed = new LocalBackend(root, { followLinks: true });
    const describe = (items: Awaited<ReturnType<LocalBackend['list']>>) =>
      Object.fromEntries(items.map((item) => [item.name, 'entry' in item ? item.entry.kind : item.unsupported]));
    assert.deepEqual(describe(await followed.list(p(''))), {
      dir: 'dir',
      inside: 'dir',
      escape: 'symlink (points outside the folder)',
      dangling: 'symlink (broken or a loop)',
    });
    assert.deepEqual(describe(await followed.list(p('inside'))), { 'f.txt': 'file', up: 'symlink (a loop)' });
    const plain = new LocalBackend(root);
    assert.deepEqual(describe(await plain.list(p(''))), { dir: 'dir', inside: 'symlink', escape: 'symlink', dangling: 'symlink' });
    // Reading through a followed link gives the target's bytes.
    const chunks: Buffer[] = [];
    for await (const chunk of await followed.read(p('inside/f.txt'))) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'f');
  });
});
