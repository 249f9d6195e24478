/**
 * The backend conformance suite: the executable form of the contract in src/backends/backend.ts.
 * Every backend (memory, local, SFTP, FTP, FTPS) runs it through `describeBackend`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Readable } from 'node:stream';
import type { Backend } from '../../src/backends/backend.js';
import { hashStream, isTempName, WholeFileSource, type HashAlgorithm } from '../../src/backends/backend.js';
import { toRelPath as p } from '../../src/core/rel-path.js';
import { isBackendError } from '../../src/errors.js';

/** Opens a fresh, empty backend root for one suite run. */
export interface BackendHarness {
  open(): Promise<Backend>;
  /** Removes whatever the suite left (optional). */
  cleanup?(): Promise<void>;
  /**
   * The algorithms `hash` must answer with, best first (a server known to hash); absent: the
   * backend may lack `hash` or answer undefined, but never a wrong digest.
   */
  readonly hashes?: readonly HashAlgorithm[];
}

async function readAll(backend: Backend, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await backend.read(p(path))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function streamOf(content: string | Buffer): Readable {
  return Readable.from([Buffer.from(content)]);
}

/** A stream that yields some bytes and then fails, like a dropped source connection. */
function failingStream(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent++ < 2) this.push(Buffer.alloc(64 * 1024, 1));
      else setTimeout(() => this.destroy(new Error('source failed midway')), 5);
    },
  });
}

async function rejectsWithCode(promise: Promise<unknown>, codes: string[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isBackendError(error), `expected a BackendError, got ${String(error)}`);
    assert.ok(codes.includes(error.code), `expected code ${codes.join('|')}, got ${error.code}: ${error.message}`);
    return true;
  });
}

const mtime2014 = Date.UTC(2014, 0, 1, 12, 0, 0);

/** Registers the conformance tests for one backend. */
export function describeBackend(name: string, harness: BackendHarness): void {
  describe(`backend conformance: ${name}`, () => {
    let backend: Backend;
    before(async () => {
      backend = await harness.open();
    });
    after(async () => {
      await backend?.close();
      await harness.cleanup?.();
    });

    it('lists an empty root as empty', async () => {
      assert.deepEqual(await backend.list(p('')), []);
    });

    it('write returns the entry that stat and list report afterwards', async () => {
      const written = await backend.write(p('a.txt'), streamOf('hello'), { mtimeMs: mtime2014 });
      assert.equal(written.kind, 'file');
      assert.equal(written.size, 5);
      if (backend.capabilities.canSetMtime) assert.equal(written.mtimeMs, mtime2014);
      const stated = await backend.stat(p('a.txt'));
      assert.deepEqual(
        { kind: stated?.kind, size: stated?.kind === 'file' ? stated.size : -1, mtimeMs: stated?.kind === 'file' ? stated.mtimeMs : -1 },
        { kind: 'file', size: written.size, mtimeMs: written.mtimeMs },
      );
      const listed = (await backend.list(p(''))).find((item) => item.name === 'a.txt');
      assert.ok(listed && 'entry' in listed && listed.entry.kind === 'file');
      assert.equal(listed.entry.size, written.size);
      assert.equal(listed.entry.mtimeMs, written.mtimeMs);
      assert.equal((await readAll(backend, 'a.txt')).toString(), 'hello');
    });

    it('overwrites an existing file and leaves no temporary file', async () => {
      await backend.write(p('a.txt'), streamOf('second version'), { mtimeMs: mtime2014 + 1000 });
      assert.equal((await readAll(backend, 'a.txt')).toString(), 'second version');
      const names = (await backend.list(p(''))).map((item) => item.name);
      assert.deepEqual(names.filter(isTempName), []);
    });

    it('a write whose source fails leaves the old file intact and no temporary file', async () => {
      await assert.rejects(backend.write(p('a.txt'), failingStream(), {}));
      assert.equal((await readAll(backend, 'a.txt')).toString(), 'second version');
      await assert.rejects(backend.write(p('never.txt'), failingStream(), {}));
      assert.equal(await backend.stat(p('never.txt')), undefined);
      const names = (await backend.list(p(''))).map((item) => item.name);
      assert.deepEqual(names.filter(isTempName), []);
    });

    it('an aborted write leaves nothing under the final name', async () => {
      const controller = new AbortController();
      // A source that trickles (each chunk on a timer), aborted once some bytes went out.
      const slow = new Readable({
        read() {
          setTimeout(() => this.push(Buffer.alloc(16 * 1024, 2)), 2);
        },
      });
      setTimeout(() => controller.abort(), 30);
      await assert.rejects(backend.write(p('aborted.bin'), slow, { signal: controller.signal }));
      assert.equal(await backend.stat(p('aborted.bin')), undefined);
    });

    it('stat of a missing path is undefined', async () => {
      assert.equal(await backend.stat(p('missing.txt')), undefined);
    });

    it('listing a missing folder is an error, never an empty list', async () => {
      await rejectsWithCode(backend.list(p('no-such-folder')), ['not-found']);
    });

    it('listing a file is an error', async () => {
      await rejectsWithCode(backend.list(p('a.txt')), ['not-a-directory', 'not-found']);
    });

    it('reading a missing file is not-found', async () => {
      await rejectsWithCode(backend.read(p('missing.txt')), ['not-found']);
    });

    it('mkdir creates a folder, is idempotent, and refuses a file in the way', async () => {
      // It says whether it made the folder: the engine skips listing a folder it made.
      assert.equal(await backend.mkdir(p('dir')), 'created');
      assert.equal(await backend.mkdir(p('dir')), 'existed');
      assert.deepEqual(await backend.stat(p('dir')), { kind: 'dir' });
      await backend.mkdir(p('dir/sub'));
      assert.deepEqual(await backend.list(p('dir/sub')), []);
      await assert.rejects(backend.mkdir(p('a.txt')));
    });

    it('writes into a sub-folder and lists it one level at a time', async () => {
      await backend.write(p('dir/sub/deep.txt'), streamOf('deep'), { mtimeMs: mtime2014 });
      const top = (await backend.list(p(''))).map((item) => item.name).sort();
      assert.deepEqual(top, ['a.txt', 'dir']);
      const sub = await backend.list(p('dir/sub'));
      assert.deepEqual(
        sub.map((item) => item.name),
        ['deep.txt'],
      );
    });

    it('removeDir refuses a non-empty folder and removes an empty one', async () => {
      await rejectsWithCode(backend.removeDir(p('dir/sub')), ['not-empty']);
      assert.ok(await backend.stat(p('dir/sub/deep.txt')), 'content must survive a refused removeDir');
      await backend.remove(p('dir/sub/deep.txt'));
      await backend.removeDir(p('dir/sub'));
      assert.equal(await backend.stat(p('dir/sub')), undefined);
    });

    it('remove deletes a file and reports a missing one', async () => {
      await backend.write(p('gone.txt'), streamOf('x'), {});
      await backend.remove(p('gone.txt'));
      assert.equal(await backend.stat(p('gone.txt')), undefined);
      await rejectsWithCode(backend.remove(p('gone.txt')), ['not-found']);
    });

    it('rename replaces an existing file', async () => {
      await backend.write(p('from.txt'), streamOf('new'), {});
      await backend.write(p('to.txt'), streamOf('old'), {});
      await backend.rename(p('from.txt'), p('to.txt'));
      assert.equal(await backend.stat(p('from.txt')), undefined);
      assert.equal((await readAll(backend, 'to.txt')).toString(), 'new');
    });

    it('keeps names with spaces, unicode and #% as they are', async () => {
      const names = ['with space.txt', 'ünïcødé 日本.txt', '#hash%percent&amp;.txt'];
      await backend.mkdir(p('names'));
      for (const name of names) await backend.write(p(`names/${name}`), streamOf(name), {});
      const listed = (await backend.list(p('names'))).map((item) => item.name.normalize('NFC')).sort();
      assert.deepEqual(listed, [...names].sort());
      for (const name of names) assert.equal((await readAll(backend, `names/${name}`)).toString(), name);
    });

    it('round-trips a 0-byte file and a multi-MB file byte for byte', async () => {
      const empty = await backend.write(p('empty.bin'), streamOf(Buffer.alloc(0)), { mtimeMs: mtime2014 });
      assert.equal(empty.size, 0);
      assert.equal((await readAll(backend, 'empty.bin')).length, 0);
      const big = Buffer.alloc(3 * 1024 * 1024 + 17);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
      const written = await backend.write(p('big.bin'), Readable.from(chunksOf(big, 100_000)), { mtimeMs: mtime2014 });
      assert.equal(written.size, big.length);
      const back = await readAll(backend, 'big.bin');
      assert.equal(sha256(back), sha256(big));
    });

    it('writes files handed over whole (small local files) byte for byte with their times, one after another', async () => {
      // The upload path of small files read in one go (WholeFileSource); several in a row, so a
      // pooled connection is reused for them.
      const sizes = [0, 1, 4096, 200_000, 5];
      for (const [index, size] of sizes.entries()) {
        const contents = Buffer.alloc(size);
        for (let i = 0; i < size; i++) contents[i] = (i * 31 + index) & 0xff;
        const written = await backend.write(p(`whole-${index}.bin`), new WholeFileSource(contents), { mtimeMs: mtime2014 + index * 1000 });
        assert.equal(written.size, size);
        if (backend.capabilities.canSetMtime) assert.equal(written.mtimeMs, mtime2014 + index * 1000);
        assert.equal(sha256(await readAll(backend, `whole-${index}.bin`)), sha256(contents), `whole-${index}.bin`);
      }
      assert.deepEqual((await backend.list(p(''))).map((item) => item.name).filter(isTempName), []);
    });

    it('a file handed over whole into a missing folder fails and leaves nothing behind', async () => {
      await rejectsWithCode(backend.write(p('no-such-folder/x.bin'), new WholeFileSource(Buffer.from('x')), {}), ['not-found']);
      assert.equal(await backend.stat(p('no-such-folder')), undefined);
      assert.deepEqual((await backend.list(p(''))).map((item) => item.name).filter(isTempName), []);
    });

    it('never gives a written file group or world write permission', async () => {
      const written = await backend.write(p('mode.txt'), streamOf('m'), { mode: 0o777 });
      const entry = (written.mode ?? (await backend.stat(p('mode.txt')))?.kind === 'file') ? written.mode : undefined;
      if (entry !== undefined) assert.equal(entry & 0o022, 0, `mode ${entry.toString(8)} is group/world writable`);
    });

    it('hash, where offered, gives the digest of the content; a missing file is not-found', async () => {
      const content = Buffer.from('content to hash, with ünïcødé\n');
      await backend.mkdir(p('hash dir'));
      await backend.write(p("hash dir/it's here.txt"), streamOf(content), {});
      const all: HashAlgorithm[] = ['sha256', 'sha1', 'md5', 'crc32'];
      if (harness.hashes) assert.ok(backend.hash, 'this backend is expected to hash on the server');
      if (!backend.hash) return;
      for (const algorithm of all) {
        const result = await backend.hash(p("hash dir/it's here.txt"), [algorithm]);
        if (harness.hashes?.includes(algorithm)) assert.ok(result, `${algorithm} is expected to be offered`);
        if (result === undefined) continue;
        assert.equal(result.algorithm, algorithm);
        assert.equal(result.digest, await hashStream(Readable.from([content]), algorithm), algorithm);
      }
      const best = await backend.hash(p("hash dir/it's here.txt"), all);
      if (harness.hashes) assert.equal(best?.algorithm, harness.hashes[0]);
      if (best) await rejectsWithCode(backend.hash(p('hash dir/missing.txt'), [best.algorithm]), ['not-found']);
    });

    it('close is idempotent', async () => {
      const second = await harness.open();
      await second.close();
      await second.close();
    });
  });
}

function* chunksOf(buffer: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < buffer.length; offset += size) yield buffer.subarray(offset, offset + size);
}

function sha256(buffer: Buffer): string {
  return createHash('sha256').update(buffer).digest('hex');
}
