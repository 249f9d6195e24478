/**
 * Permission bits over FTP: a private file stays private; ordinary files cost no SITE CHMOD.
 */
import assert from 'node:assert/strict';
import { stat as statOnDisk } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { toRelPath as p } from '../../src/core/rel-path.js';
import { freshFolderName, ftpServer, openTestFtp, removeTestFolder } from './ftp-test-servers.js';

const folder = freshFolderName('modes');
after(async () => removeTestFolder(ftpServer('proftpd'), folder));

describe('file modes on proftpd (SITE CHMOD)', () => {
  it('a 0600 source arrives as 0600, a 0644 source as 0644, and nothing is group or world writable', async () => {
    const server = ftpServer('proftpd');
    const backend = await openTestFtp(server, folder);
    try {
      await backend.write(p('private.txt'), Readable.from([Buffer.from('secret')]), { mode: 0o600 });
      await backend.write(p('public.txt'), Readable.from([Buffer.from('hello')]), { mode: 0o644 });
      await backend.write(p('loose.txt'), Readable.from([Buffer.from('loose')]), { mode: 0o666 });
      const modeOf = async (name: string) => (await statOnDisk(join(server.dataRoot, folder, name))).mode & 0o777;
      assert.equal(await modeOf('private.txt'), 0o600);
      assert.equal(await modeOf('public.txt'), 0o644);
      assert.equal((await modeOf('loose.txt')) & 0o022, 0);
    } finally {
      await backend.close();
    }
  });
});
