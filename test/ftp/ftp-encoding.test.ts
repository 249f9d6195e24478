/**
 * Names on a server that stores them in Latin-1 (`--encoding latin1`), and closing a backend while
 * a download is still open.
 */
import assert from 'node:assert/strict';
import { chown, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { toRelPath as p } from '../../src/core/rel-path.js';
import { freshFolderName, ftpServer, openTestFtp, removeTestFolder } from './ftp-test-servers.js';

const folder = freshFolderName('enc');
after(() => removeTestFolder(ftpServer('pure-ftpd'), folder));

describe('a server with Latin-1 names (pure-ftpd passes name bytes through)', () => {
  it('lists, reads and writes names in Latin-1 with encoding latin1', async () => {
    const server = ftpServer('pure-ftpd');
    // The backend creates the folder so that it belongs to the FTP user.
    const first = await openTestFtp(server, folder);
    await first.close();
    const dir = join(server.dataRoot, folder);
    // A file whose name is Latin-1 bytes on disk, owned like the folder.
    const latin1Path = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from('caf\xe9.txt', 'latin1')]);
    await writeFile(latin1Path, 'old');
    const owner = await stat(dir);
    await chown(latin1Path, owner.uid, owner.gid);

    const backend = await openTestFtp(server, folder, { encoding: 'ISO-8859-1' });
    try {
      assert.deepEqual(
        (await backend.list(p(''))).map((item) => item.name),
        ['café.txt'],
      );
      const chunks: Buffer[] = [];
      for await (const chunk of await backend.read(p('café.txt'))) chunks.push(chunk as Buffer);
      assert.equal(Buffer.concat(chunks).toString(), 'old');
      await backend.write(p('naïve.txt'), Readable.from([Buffer.from('new')]), {});
      const onDisk = (await readdir(Buffer.from(dir) as unknown as string, { encoding: 'buffer' })).map((name) => name.toString('latin1')).sort();
      assert.deepEqual(onDisk, ['café.txt', 'naïve.txt']);
    } finally {
      await backend.close();
    }
  });

  it('refuses an encoding it does not know', async () => {
    await assert.rejects(openTestFtp(ftpServer('pure-ftpd'), folder, { encoding: 'ebcdic' }), /unsupported FTP name encoding "ebcdic"/);
  });
});

describe('closing a backend', () => {
  it('ends a download still in progress instead of hanging', async () => {
    const server = ftpServer('pure-ftpd');
    const backend = await openTestFtp(server, folder);
    await backend.write(p('big.bin'), Readable.from([Buffer.alloc(8 * 1024 * 1024, 1)]), {});
    const stream = await backend.read(p('big.bin'));
    await backend.close();
    await backend.close();
    await assert.rejects(async () => {
      for await (const _ of stream) {
        // Reading after close: the stream must end with an error, not stall.
      }
    });
  });
});
