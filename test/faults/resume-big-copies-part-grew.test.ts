/**
 * A continued FTP upload whose part grew after the check saw it is never renamed into place.
 *
 * A killed run's server session can still be writing what was in flight when the next run looks
 * at the part (the dead client's kernel still sends its socket buffer; over a slow link for
 * seconds). `APPE` then appends after those bytes, so the file would hold a stretch of the
 * source twice. The check of the part's tail cannot see it (the tail was right when read): the
 * part's size after `APPE` must be where the check left it plus the bytes sent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { tempNameFor } from '../../src/backends/backend.js';
import { toRelPath } from '../../src/core/rel-path.js';
import { isBackendError } from '../../src/errors.js';
import { freshFolderName, ftpServer, openTestFtp, removeTestFolder } from '../ftp/ftp-test-servers.js';

const MiB = 1024 * 1024;

describe('faults: an FTP part that grew before it was continued is never renamed into place', () => {
  for (const name of ['pure-ftpd', 'vsftpd'] as const) {
    it(name, async () => {
      const server = ftpServer(name);
      const folder = freshFolderName('part-grew');
      const backend = await openTestFtp(server, folder);
      try {
        const source = randomBytes(3 * MiB);
        const offset = 2 * MiB;
        const temp = toRelPath(tempNameFor('big.bin'));
        // The part as the check saw it (`offset` bytes), then 64 KiB more from the dead session.
        const disk = path.join(server.dataRoot, folder);
        const owner = await fs.stat(disk);
        await fs.writeFile(path.join(disk, temp), source.subarray(0, offset + 64 * 1024));
        await fs.chown(path.join(disk, temp), owner.uid, owner.gid);

        await assert.rejects(
          backend.write(toRelPath('big.bin'), Readable.from([source.subarray(offset)]), { part: { continueAt: { temp, offset } } }),
          (error: unknown) => isBackendError(error, 'changed') && /part/.test((error as Error).message),
        );
        assert.equal(await backend.stat(toRelPath('big.bin')), undefined, 'nothing under the final name');
      } finally {
        await backend.close();
        await removeTestFolder(server, folder);
      }
    });
  }
});
