/**
 * Modification times on servers that set them differently, or not at all.
 */
import assert from 'node:assert/strict';
import { readFile, stat as statOnDisk } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { FtpBackend } from '../../src/backends/ftp/ftp-backend.js';
import { isTempName } from '../../src/backends/backend.js';
import { toRelPath as p } from '../../src/core/rel-path.js';
import { freshFolderName, ftpServer, openTestFtp, removeTestFolder } from './ftp-test-servers.js';

const folder = freshFolderName('mtime');
after(async () => {
  await removeTestFolder(ftpServer('pyftpdlib'), folder);
  await removeTestFolder(ftpServer('vsftpd'), folder);
  await removeTestFolder(ftpServer('proftpd'), folder);
});

const t2014 = Date.UTC(2014, 5, 30, 23, 59, 58);

describe('a server with no way to set mtimes (pyftpdlib without MFMT)', () => {
  it('declares canSetMtime false and reports the server time the same everywhere', async () => {
    const server = ftpServer('pyftpdlib');
    const backend = await openTestFtp(server, folder, { port: server.noMtimePort });
    try {
      assert.ok(backend instanceof FtpBackend);
      // FEAT offers MDTM: a guess that opening does not test (it would have to write a file).
      assert.deepEqual(backend.protocolInfo, { listing: 'MLSD', mtimeMethod: 'mdtm', mtimeUnverified: true });
      const before = Math.floor(Date.now() / 1000) * 1000;
      const written = await backend.write(p('now.txt'), Readable.from([Buffer.from('x')]), { mtimeMs: t2014 });
      assert.ok(written.mtimeMs >= before - 2000, `mtime ${written.mtimeMs} should be the upload time`);
      // The first upload found that MDTM does not set times: none from now on.
      assert.deepEqual(backend.protocolInfo, { listing: 'MLSD', mtimeMethod: 'none', mtimeUnverified: false });
      assert.equal(backend.capabilities.canSetMtime, false);
      const listed = (await backend.list(p(''))).find((item) => item.name === 'now.txt');
      assert.ok(listed && 'entry' in listed && listed.entry.kind === 'file');
      assert.equal(listed.entry.mtimeMs, written.mtimeMs);
      const stated = await backend.stat(p('now.txt'));
      assert.equal(stated?.kind === 'file' && stated.mtimeMs, written.mtimeMs);
      // Nothing temporary is left behind.
      assert.deepEqual((await backend.list(p(''))).map((item) => item.name).filter(isTempName), []);
    } finally {
      await backend.close();
    }
  });
});

describe('the LIST-only server (vsftpd: no MLSD, no MFMT)', () => {
  it('sets times with MDTM and reads them to the second, for recent and old files', async () => {
    const server = ftpServer('vsftpd');
    const backend = await openTestFtp(server, folder);
    try {
      assert.ok(backend instanceof FtpBackend);
      assert.deepEqual(backend.protocolInfo, { listing: 'LIST', mtimeMethod: 'mdtm', mtimeUnverified: true });
      // LIST shows "Jun 30  2014" for old files and "Nov 22 02:49" for recent ones: neither has seconds.
      const recent = Math.floor(Date.now() / 1000) * 1000 - 3_600_000 + 17_000;
      await backend.write(p('old.txt'), Readable.from([Buffer.from('old')]), { mtimeMs: t2014 });
      await backend.write(p('recent.txt'), Readable.from([Buffer.from('recent')]), { mtimeMs: recent });
      const listed = new Map((await backend.list(p(''))).map((item) => [item.name, 'entry' in item ? item.entry : undefined]));
      assert.deepEqual(listed.get('old.txt'), { kind: 'file', size: 3, mtimeMs: t2014, mode: 0o644 });
      assert.deepEqual(listed.get('recent.txt'), { kind: 'file', size: 6, mtimeMs: recent, mode: 0o644 });
      assert.deepEqual(await backend.stat(p('old.txt')), { kind: 'file', size: 3, mtimeMs: t2014 });
      const onDisk = await statOnDisk(join(server.dataRoot, folder, 'old.txt'));
      assert.equal(Math.floor(onDisk.mtimeMs), t2014);
    } finally {
      await backend.close();
    }
  });
});

describe('the end of an upload in one batch (a server whose MFMT is known: proftpd)', () => {
  it('time, RNFR, RNTO and MLST leave in one write; the file has its time', async () => {
    const server = ftpServer('proftpd');
    const backend = await openTestFtp(server, folder);
    const writes: string[] = [];
    const write = Socket.prototype.write;
    Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
      if (typeof args[0] === 'string') writes.push(args[0]);
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof write;
    try {
      const written = await backend.write(p('batch.txt'), Readable.from([Buffer.from('batch')]), { mtimeMs: t2014 });
      assert.equal(written.mtimeMs, t2014);
      const batch = writes.filter((text) => text.includes('RNTO'));
      assert.equal(batch.length, 1, writes.join(' | '));
      assert.match(batch[0]!, /^MFMT 20140630235958 \/.*\.tmp\r\nRNFR \/.*\.tmp\r\nRNTO \/.*\/batch\.txt\r\nMLST \/.*\/batch\.txt\r\n$/);
      assert.equal(Math.floor((await statOnDisk(join(server.dataRoot, folder, 'batch.txt'))).mtimeMs), t2014);
    } finally {
      Socket.prototype.write = write;
      await backend.close();
    }
  });

  it('a time the server refuses (MFMT of 1900 on proftpd): one clear error, and the new content is in place', async () => {
    const server = ftpServer('proftpd');
    const backend = await openTestFtp(server, folder);
    try {
      await backend.write(p('refused.txt'), Readable.from([Buffer.from('old')]), { mtimeMs: t2014 });
      await assert.rejects(
        backend.write(p('refused.txt'), Readable.from([Buffer.from('new content')]), { mtimeMs: Date.UTC(1900, 0, 1) }),
        /cannot set its modification time \(the new content is in place\)/,
      );
      assert.equal((await readFile(join(server.dataRoot, folder, 'refused.txt'))).toString(), 'new content');
      assert.deepEqual((await backend.list(p(''))).map((item) => item.name).filter(isTempName), []);
    } finally {
      await backend.close();
    }
  });
});
