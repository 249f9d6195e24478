/**
 * The commands of many small uploads through the FTP backend, read from its protocol trace: after
 * the first uploads, each `STOR` carries the next upload's `EPSV` and the next upload sends `STOR`
 * alone on that port (`ftp-epsv-ahead`), and on servers whose `MFMT` reply tells the time set, the
 * rename is not followed by an `MLST` (`ftp-time-reply-entry`). Each written entry is still what
 * the server lists, byte for byte and second for second.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WholeFileSource } from '../../src/backends/backend.js';
import type { RelPath } from '../../src/core/rel-path.js';
import { rereadSpeedTrickSwitch } from '../../src/core/speed-tricks.js';
import { freshFolderName, ftpServer, openTestFtp, removeTestFolder, type FtpServerName } from './ftp-test-servers.js';

const folders: Array<[FtpServerName, string]> = [];
after(async () => {
  await Promise.all(folders.map(([name, folder]) => removeTestFolder(ftpServer(name), folder)));
});

/** Whether each server's MFMT reply names the time it set (proftpd, pyftpdlib) and whether it reads commands one at a time. */
const servers: Array<[FtpServerName, { timeReply: boolean; inOrder: boolean; off?: string }]> = [
  ['proftpd', { timeReply: true, inOrder: true }],
  ['pure-ftpd', { timeReply: false, inOrder: true }],
  ['pyftpdlib', { timeReply: true, inOrder: false }],
  // The switches take the plain path: an EPSV before each STOR, an MLST after each rename.
  ['proftpd', { timeReply: false, inOrder: false, off: 'ftp-epsv-ahead,ftp-time-reply-entry' }],
];

describe('FTP: the commands of many small uploads', () => {
  for (const [name, expected] of servers) {
    it(`${name}${expected.off ? ` (FERRY_NO_SPEED_TRICKS=${expected.off})` : ''}: ${expected.inOrder ? 'the next EPSV goes with each STOR' : 'no EPSV sent ahead'}; ${expected.timeReply ? 'no MLST after the rename once the MFMT reply was checked' : 'an MLST after every rename'}; entries as listed`, async () => {
      const server = ftpServer(name);
      const folder = freshFolderName('upload-round-trips');
      folders.push([name, folder]);
      process.env.FERRY_NO_SPEED_TRICKS = expected.off ?? '';
      rereadSpeedTrickSwitch();
      const trace: string[] = [];
      const backend = await openTestFtp(server, folder, { parallel: 2, trace: (line) => trace.push(line) });
      try {
        const mtimeMs = Date.UTC(2021, 2, 3, 4, 5, 6);
        const files = Array.from({ length: 24 }, (_, index) => [`f${index}.bin` as RelPath, randomBytes(100 + index * 37)] as const);
        const written = await Promise.all(
          files.map(([path, contents]) =>
            backend.write(path, new WholeFileSource(contents), { mtimeMs: mtimeMs + 1000 * files.indexOf(files.find(([p]) => p === path)!) }),
          ),
        );
        for (const [index, [path, contents]] of files.entries()) {
          assert.ok((await readFile(join(server.dataRoot, folder, path))).equals(contents), `${path} differs`);
          const listed = await backend.stat(path);
          assert.deepEqual(
            { kind: written[index]!.kind, size: written[index]!.size, mtimeMs: written[index]!.mtimeMs },
            listed && { kind: listed.kind, size: (listed as { size: number }).size, mtimeMs: (listed as { mtimeMs: number }).mtimeMs },
          );
          assert.equal(written[index]!.mtimeMs, mtimeMs + 1000 * index);
        }
        const writes = trace.filter((line) => / > .*STOR /.test(line));
        const aheadWrites = writes.filter((line) => / \+ EPSV$/.test(line));
        // STOR after the previous upload's batch without an EPSV of its own (basic-ftp's first transfer sends STOR alone too).
        const storAlone = writes.filter((line) => / > .+ \+ STOR /.test(line) && !/EPSV \+ STOR /.test(line));
        if (expected.inOrder) {
          assert.ok(aheadWrites.length >= files.length / 2, `EPSV sent ahead in ${aheadWrites.length} of ${writes.length} writes:\n${writes.join('\n')}`);
          assert.ok(storAlone.length >= files.length / 2, `STOR without its own EPSV in ${storAlone.length} of ${writes.length} writes`);
        } else {
          assert.equal(aheadWrites.length, 0, writes.join('\n'));
          assert.equal(storAlone.length, 0, writes.join('\n'));
        }
        const renames = trace.filter((line) => / > .*RNTO /.test(line)).length;
        const mlsts = trace.filter((line) => / > .*RNTO \S+ \+ MLST /.test(line) || / > .*RNTO \S+ \+ MLST \S+$/.test(line)).length;
        assert.equal(renames, files.length);
        if (expected.timeReply) assert.ok(mlsts <= 4, `${mlsts} MLSTs after ${renames} renames`);
        else assert.equal(mlsts, renames);
      } finally {
        await backend.close();
        delete process.env.FERRY_NO_SPEED_TRICKS;
        rereadSpeedTrickSwitch();
      }
    });
  }
});
