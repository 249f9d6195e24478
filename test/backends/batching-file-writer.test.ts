/**
 * The local file writer behind downloads: bytes arrive whole and in order whatever the chunking,
 * an existing file is never written over, and a failed stream closes its file.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { BatchingFileWriter } from '../../src/backends/local/batching-file-writer.js';

const openFds = async (): Promise<number> => (await fs.readdir('/proc/self/fd')).length;

describe('BatchingFileWriter', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(tmpdir(), 'ferry-writer-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes every byte in order, for chunks smaller and larger than a batch', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const chunks: Buffer[] = [];
    for (let at = 0, i = 0; at < data.length; i++) {
      const size = [1, 700, 16 * 1024, 64 * 1024, 1500 * 1024][i % 5]!;
      chunks.push(data.subarray(at, at + size));
      at += size;
    }
    const file = path.join(dir, 'chunks.bin');
    await pipeline(Readable.from(chunks), new BatchingFileWriter(file, { mode: 0o600, fsync: true, batchBytes: 256 * 1024 }));
    assert.ok((await fs.readFile(file)).equals(data));
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
  });

  it('syncing in the background as it goes changes nothing in the bytes, and leaves no descriptor open', async () => {
    const before = await openFds();
    const data = randomBytes(2 * 1024 * 1024);
    const file = path.join(dir, 'synced.bin');
    const chunks = Array.from({ length: 128 }, (_, i) => data.subarray(i * 16 * 1024, (i + 1) * 16 * 1024));
    await pipeline(Readable.from(chunks), new BatchingFileWriter(file, { mode: 0o644, fsync: true, batchBytes: 32 * 1024, syncEveryBytes: 64 * 1024 }));
    assert.ok((await fs.readFile(file)).equals(data));
    // At most as many as before: under load (seen on Node 22) a descriptor that was open before
    // this test, not one of this writer's, can close meanwhile.
    const after = await openFds();
    assert.ok(after <= before, `descriptors open: ${before} before, ${after} after`);
  });

  it('writes synchronously while writes are quick, and through the thread pool once one was slow', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const chunks = Array.from({ length: 13 }, (_, i) => data.subarray(i * 256 * 1024, (i + 1) * 256 * 1024));
    const quick = { enabled: true, slowMs: 60_000 };
    const inlineFile = path.join(dir, 'inline.bin');
    await pipeline(
      Readable.from(chunks),
      new BatchingFileWriter(inlineFile, { mode: 0o644, fsync: true, batchBytes: 512 * 1024, syncEveryBytes: 1024 * 1024, inline: quick }),
    );
    assert.ok((await fs.readFile(inlineFile)).equals(data));
    assert.equal(quick.enabled, true);
    // Every write counts as slow here: the first turns inline writing off, the rest go through the pool.
    const slow = { enabled: true, slowMs: -1 };
    const pooledFile = path.join(dir, 'pooled.bin');
    await pipeline(Readable.from(chunks), new BatchingFileWriter(pooledFile, { mode: 0o644, fsync: true, batchBytes: 512 * 1024, inline: slow }));
    assert.ok((await fs.readFile(pooledFile)).equals(data));
    assert.equal(slow.enabled, false);
  });

  it('writes an empty file, also from a stream that sends empty chunks', async () => {
    const file = path.join(dir, 'empty.bin');
    await pipeline(Readable.from([]), new BatchingFileWriter(file, { mode: 0o644, fsync: false }));
    assert.equal((await fs.stat(file)).size, 0);
    const fromEmptyChunks = path.join(dir, 'empty-chunks.bin');
    await pipeline(Readable.from([Buffer.alloc(0), Buffer.from('x'), Buffer.alloc(0)]), new BatchingFileWriter(fromEmptyChunks, { mode: 0o644, fsync: true }));
    assert.equal(await fs.readFile(fromEmptyChunks, 'utf8'), 'x');
  });

  it('refuses a name that exists and leaves that file alone', async () => {
    const file = path.join(dir, 'taken.bin');
    await fs.writeFile(file, 'keep me');
    await assert.rejects(pipeline(Readable.from([Buffer.from('new')]), new BatchingFileWriter(file, { mode: 0o644, fsync: false })), { code: 'EEXIST' });
    assert.equal(await fs.readFile(file, 'utf8'), 'keep me');
  });

  it('closes its file when the source fails', async () => {
    const before = await openFds();
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(64 * 1024));
        this.destroy(new Error('source broke'));
      },
    });
    const writer = new BatchingFileWriter(path.join(dir, 'broken.bin'), { mode: 0o644, fsync: false });
    const closed = new Promise((resolve) => writer.once('close', resolve));
    await assert.rejects(pipeline(failing, writer), /source broke/);
    await closed;
    assert.equal(await openFds(), before);
  });
});
