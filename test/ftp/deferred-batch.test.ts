/**
 * The end of one small upload sent with the start of the next (src/backends/ftp/deferred-batch.ts):
 * against every real FTP server, the batch and the next `EPSV` + `STOR` leave in one write and each
 * gets its own replies; a refused command in the batch fails only the upload it belongs to; and
 * the backend hands a connection over when an upload waits for it, with every file arriving whole
 * under its name, its time set, and no temporary file left.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FTPError } from 'basic-ftp';
import { WholeFileSource } from '../../src/backends/backend.js';
import { connectFtpClient } from '../../src/backends/ftp/connect-ftp-client.js';
import { DeferredBatch } from '../../src/backends/ftp/deferred-batch.js';
import { FtpClientPool } from '../../src/backends/ftp/ftp-client-pool.js';
import { storeBuffer } from '../../src/backends/ftp/store-buffer.js';
import type { RelPath } from '../../src/core/rel-path.js';
import { clientSettingsFor, freshFolderName, ftpServer, openTestFtp, recordWrites, removeTestFolder, type FtpServerName } from './ftp-test-servers.js';

const folders: Array<[FtpServerName, string]> = [];
after(async () => {
  await Promise.all(folders.map(([name, folder]) => removeTestFolder(ftpServer(name), folder)));
});

describe('a deferred batch sent with the next STOR', () => {
  for (const name of ['proftpd', 'pure-ftpd', 'vsftpd', 'pyftpdlib'] as const) {
    it(`${name}: one write; the batch's replies settle it, a refused one included; the next file arrives`, async () => {
      const server = ftpServer(name);
      const folder = freshFolderName('deferred-batch');
      folders.push([name, folder]);
      const client = await connectFtpClient(await clientSettingsFor(name));
      try {
        await client.send(`MKD /${folder}`);
        // A first transfer lets the connection choose EPSV (storeBuffer's precondition).
        await client.list(`/${folder}`);
        const first = randomBytes(5000);
        await storeBuffer(client, `/${folder}/.tmp-first`, first);
        const writes = recordWrites(client);
        // The rename of the first file, and a rename of a file that does not exist.
        const batch = new DeferredBatch([`RNFR /${folder}/.tmp-first`, `RNTO /${folder}/first.bin`, `RNFR /${folder}/missing.bin`]);
        const second = randomBytes(7000);
        const reply = await storeBuffer(client, `/${folder}/second.bin`, second, batch);
        assert.ok(reply.code >= 200 && reply.code < 300, reply.message);
        const replies = await batch.replies;
        assert.deepEqual(
          replies.map((r) => r instanceof FTPError),
          [false, false, true],
          replies.map((r) => r.message).join(' | '),
        );
        assert.equal(replies[1]!.code, 250);
        assert.ok(
          writes.some((text) => text.includes(`RNTO /${folder}/first.bin\r\n`) && text.includes('\r\nEPSV\r\nSTOR ')),
          writes.join(' | '),
        );
        assert.ok((await readFile(join(server.dataRoot, folder, 'first.bin'))).equals(first));
        assert.ok((await readFile(join(server.dataRoot, folder, 'second.bin'))).equals(second));
      } finally {
        client.close();
      }
    });
  }

  it('a connection that fails before the batch is answered fails the batch too', async () => {
    const folder = freshFolderName('deferred-batch-lost');
    folders.push(['proftpd', folder]);
    const client = await connectFtpClient(await clientSettingsFor('proftpd'));
    await client.send(`MKD /${folder}`);
    await client.list(`/${folder}`);
    const batch = new DeferredBatch([`MKD /${folder}/sub`]);
    const upload = storeBuffer(client, `/${folder}/x.bin`, Buffer.from('x'), batch);
    client.close();
    await assert.rejects(upload);
    await assert.rejects(batch.replies);
  });

  it('the backend hands its connection to a waiting upload; a refused rename fails only its own file', async () => {
    const server = ftpServer('proftpd');
    const folder = freshFolderName('deferred-batch-backend');
    folders.push(['proftpd', folder]);
    // One connection: every upload after the first waits for it, so each finished one hands over.
    const backend = await openTestFtp(server, folder, { parallel: 1 });
    const handOver = FtpClientPool.prototype.handOver;
    let handedOver = 0;
    FtpClientPool.prototype.handOver = function (this: FtpClientPool, ...args: Parameters<FtpClientPool['handOver']>) {
      const handed = handOver.apply(this, args);
      if (handed) handedOver++;
      return handed;
    };
    try {
      await backend.mkdir('blocked.bin' as RelPath);
      await backend.list('' as RelPath);
      // The first upload of a session checks that the server keeps the time it sets.
      await backend.write('warm-up.bin' as RelPath, new WholeFileSource(Buffer.from('w')), { mtimeMs: Date.UTC(2021, 0, 1) });
      const mtimeMs = Date.UTC(2020, 5, 1, 10, 0, 0);
      const files = Array.from({ length: 6 }, (_, i) => [`f${i}.bin`, randomBytes(1000 + i)] as const);
      const results = await Promise.allSettled([
        ...files.map(([name, contents]) => backend.write(name as RelPath, new WholeFileSource(contents), { mtimeMs })),
        // A folder where the file should go: its rename is refused.
        backend.write('blocked.bin' as RelPath, new WholeFileSource(Buffer.from('no')), { mtimeMs }),
      ]);
      assert.ok(handedOver >= 3, `handed over ${handedOver} times`);
      for (const [index, [name, contents]] of files.entries()) {
        const result = results[index]!;
        assert.equal(result.status, 'fulfilled', `${name}: ${result.status === 'rejected' ? String(result.reason) : ''}`);
        assert.deepEqual(result.status === 'fulfilled' && { size: result.value.size, mtimeMs: result.value.mtimeMs }, { size: contents.length, mtimeMs });
        assert.ok((await readFile(join(server.dataRoot, folder, name))).equals(contents), `${name} differs`);
        assert.equal((await stat(join(server.dataRoot, folder, name))).mtimeMs, mtimeMs);
      }
      assert.equal(results[files.length]!.status, 'rejected');
      assert.ok((await stat(join(server.dataRoot, folder, 'blocked.bin'))).isDirectory());
      const names = await readdir(join(server.dataRoot, folder));
      assert.deepEqual(
        names.filter((n) => n.startsWith('.~ferry')),
        [],
        'temporary files left',
      );
    } finally {
      FtpClientPool.prototype.handOver = handOver;
      await backend.close();
    }
  });
});
