/**
 * Behaviour of the FTP backend on each loopback server, beyond the conformance suite: how it
 * lists, missing folders, the root folder, logins, names, sizes and concurrency.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { stat as statOnDisk } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Backend } from '../../src/backends/backend.js';
import { FtpBackend } from '../../src/backends/ftp/ftp-backend.js';
import { openBackend } from '../../src/backends/open-backend.js';
import { parseTarget } from '../../src/backends/target-url.js';
import { toRelPath as p } from '../../src/core/rel-path.js';
import { speedTrickOn } from '../../src/core/speed-tricks.js';
import { isBackendError } from '../../src/errors.js';
import { freshFolderName, ftpServer, ftpUrl, openTestFtp, removeTestFolder, type FtpServerName } from './ftp-test-servers.js';

const t2014 = Date.UTC(2014, 0, 1, 12, 0, 37);
const servers: FtpServerName[] = ['proftpd', 'pure-ftpd', 'vsftpd', 'pyftpdlib'];

async function readAll(backend: Backend, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await backend.read(p(path))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function rejectsWith(promise: Promise<unknown>, code: string, check?: (message: string) => void): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isBackendError(error), `expected a BackendError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.ok(!error.message.includes('\n'), `message has more than one line: ${error.message}`);
    check?.(error.message);
    return true;
  });
}

function fileOf(entry: unknown): { size: number; mtimeMs: number } {
  const e = entry as { kind?: string; size?: number; mtimeMs?: number } | undefined;
  assert.equal(e?.kind, 'file');
  return { size: e!.size!, mtimeMs: e!.mtimeMs! };
}

for (const name of servers) {
  describe(`FTP on ${name}`, () => {
    const folder = freshFolderName('srv');
    let backend: Backend;
    before(async () => {
      backend = await openTestFtp(ftpServer(name), folder);
    });
    after(async () => {
      await backend?.close();
      await removeTestFolder(ftpServer(name), folder);
    });

    it(`lists with ${name === 'vsftpd' ? 'LIST and MDTM' : 'MLSD'} and sets times with ${name === 'vsftpd' ? 'MDTM' : 'MFMT'}`, () => {
      assert.ok(backend instanceof FtpBackend);
      // vsftpd's MDTM-with-time is confirmed by the first upload, not by a probe file when opening.
      const expected =
        name === 'vsftpd' ? { listing: 'LIST', mtimeMethod: 'mdtm', mtimeUnverified: true } : { listing: 'MLSD', mtimeMethod: 'mfmt', mtimeUnverified: false };
      assert.deepEqual(backend.protocolInfo, expected);
      assert.equal(backend.capabilities.mtimePrecisionMs, 1000);
      assert.equal(backend.capabilities.canSetMtime, true);
      // 4 connections; twice as many operations in flight, so a finished upload's last batch can
      // go with the next upload's first commands (with that speed trick off, one per connection).
      assert.equal(backend.capabilities.maxConcurrency, speedTrickOn('ftp-hand-over') ? 8 : 4);
      assert.equal(backend.capabilities.listConcurrency, 4);
    });

    it('reports a missing folder as not-found, never as empty', async () => {
      await rejectsWith(backend.list(p('nope')), 'not-found');
      await rejectsWith(backend.list(p('nope/deeper')), 'not-found');
      await backend.mkdir(p('gone'));
      assert.deepEqual(await backend.list(p('gone')), []);
      await backend.removeDir(p('gone'));
      await rejectsWith(backend.list(p('gone')), 'not-found');
    });

    it('tells a file from a folder when listing, reading and deleting', async () => {
      await backend.write(p('f.txt'), Readable.from([Buffer.from('f')]), {});
      await backend.mkdir(p('d'));
      await rejectsWith(backend.list(p('f.txt')), 'not-a-directory');
      await rejectsWith(backend.read(p('d')), 'is-a-directory');
      await rejectsWith(backend.remove(p('d')), 'is-a-directory');
      await rejectsWith(backend.removeDir(p('f.txt')), 'not-a-directory');
      await rejectsWith(backend.remove(p('missing.txt')), 'not-found');
      await rejectsWith(backend.removeDir(p('missing')), 'not-found');
      await rejectsWith(backend.mkdir(p('missing/sub')), 'not-found');
      await rejectsWith(backend.write(p('missing/x.txt'), Readable.from([Buffer.from('x')]), {}), 'not-found');
      await rejectsWith(backend.write(p('f.txt/x.txt'), Readable.from([Buffer.from('x')]), {}), 'not-a-directory');
    });

    it('keeps unicode names and exact times, the same in write, stat, list and on disk', async () => {
      await backend.mkdir(p('ünï'));
      const written = await backend.write(p('ünï/日本 ß.txt'), Readable.from([Buffer.from('ü')]), { mtimeMs: t2014 });
      assert.deepEqual(written.mtimeMs, t2014);
      const listed = await backend.list(p('ünï'));
      assert.deepEqual(
        listed.map((item) => item.name.normalize('NFC')),
        ['日本 ß.txt'],
      );
      assert.deepEqual(fileOf('entry' in listed[0]! ? listed[0].entry : undefined), { size: 2, mtimeMs: t2014 });
      assert.deepEqual(fileOf(await backend.stat(p('ünï/日本 ß.txt'))), { size: 2, mtimeMs: t2014 });
      const onDisk = await statOnDisk(join(ftpServer(name).dataRoot, folder, 'ünï', '日本 ß.txt'));
      assert.equal(Math.floor(onDisk.mtimeMs), t2014);
      assert.equal((await readAll(backend, 'ünï/日本 ß.txt')).toString(), 'ü');
    });

    it('writes a 0-byte and a 5 MB file with their times', async () => {
      const empty = await backend.write(p('empty'), Readable.from([]), { mtimeMs: t2014 });
      assert.deepEqual(fileOf(empty), { size: 0, mtimeMs: t2014 });
      const big = Buffer.alloc(5 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
      const written = await backend.write(p('big'), Readable.from([big.subarray(0, 1_000_000), big.subarray(1_000_000)]), { mtimeMs: t2014 + 1000 });
      assert.deepEqual(fileOf(written), { size: big.length, mtimeMs: t2014 + 1000 });
      const back = await readAll(backend, 'big');
      assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(big).digest('hex'));
      const listed = await backend.list(p(''));
      const byName = new Map(listed.map((item) => [item.name, 'entry' in item ? item.entry : undefined]));
      assert.deepEqual(fileOf(byName.get('empty')), { size: 0, mtimeMs: t2014 });
      assert.deepEqual(fileOf(byName.get('big')), { size: big.length, mtimeMs: t2014 + 1000 });
    });

    it('runs many operations at once over its pool of connections', async () => {
      await backend.mkdir(p('many'));
      const names = Array.from({ length: 24 }, (_, i) => `file-${i}.txt`);
      await Promise.all(names.map((n, i) => backend.write(p(`many/${n}`), Readable.from([Buffer.from(n)]), { mtimeMs: t2014 + i * 1000 })));
      const results = await Promise.all([
        ...names.map((n) => readAll(backend, `many/${n}`).then((b) => b.toString())),
        ...names.map((n) => backend.stat(p(`many/${n}`)).then((e) => fileOf(e).mtimeMs)),
        backend.list(p('many')).then((l) => l.length),
      ]);
      assert.deepEqual(results.slice(0, names.length), names);
      assert.deepEqual(
        results.slice(names.length, 2 * names.length),
        names.map((_, i) => t2014 + i * 1000),
      );
      assert.equal(results.at(-1), names.length);
    });

    it('refuses a missing root unless asked to create it, with a one-line not-found', async () => {
      const server = ftpServer(name);
      await rejectsWith(openBackend(parseTarget(ftpUrl(server, `${folder}/no/root`)), { createFolderHint: true }), 'not-found', (message) => {
        assert.match(message, /does not exist \(pass `createFolder: true` to create it\)$/);
        assert.ok(!message.includes(server.password));
      });
      const nested = await openBackend(parseTarget(ftpUrl(server, `${folder}/made/by/open`)), { createFolder: true });
      assert.deepEqual(await nested.list(p('')), []);
      await nested.close();
      assert.deepEqual(await backend.stat(p('made/by/open')), { kind: 'dir' });
    });

    it('reports a wrong password as one-line auth without the password', async () => {
      const server = ftpServer(name);
      await rejectsWith(openBackend(parseTarget(ftpUrl(server, folder, { password: 'Wrong-Pw-123' })), {}), 'auth', (message) => {
        assert.ok(!message.includes('Wrong-Pw-123'), message);
        assert.match(message, new RegExp(`^login to ftp://${server.user}@127\\.0\\.0\\.1:\\d+ failed: 530`));
      });
    });
  });
}
