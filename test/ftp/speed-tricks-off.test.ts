/**
 * FTP speed tricks turned off one by one (FERRY_NO_SPEED_TRICKS, src/core/speed-tricks.ts): each
 * switch really takes the plain path, and the plain path gives the same answers. Against proftpd.
 * (The whole conformance suite runs with every trick off in scripts/test.sh.)
 */
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import type { Client } from 'basic-ftp';
import { WholeFileSource } from '../../src/backends/backend.js';
import { connectFtpClient } from '../../src/backends/ftp/connect-ftp-client.js';
import { pipelinesEpsv } from '../../src/backends/ftp/pipelined-passive-transfer.js';
import { sendPipelined } from '../../src/backends/ftp/send-pipelined.js';
import type { RelPath } from '../../src/core/rel-path.js';
import { rereadSpeedTrickSwitch } from '../../src/core/speed-tricks.js';
import { clientSettingsFor, freshFolderName, ftpServer, openTestFtp, recordWrites, removeTestFolder } from './ftp-test-servers.js';

function turnOff(names: string): void {
  process.env.FERRY_NO_SPEED_TRICKS = names;
  rereadSpeedTrickSwitch();
}

describe('FTP speed tricks off', () => {
  const clients: Client[] = [];
  const folders: string[] = [];
  afterEach(() => {
    delete process.env.FERRY_NO_SPEED_TRICKS;
    rereadSpeedTrickSwitch();
  });
  after(async () => {
    clients.forEach((client) => client.close());
    await Promise.all(folders.map((folder) => removeTestFolder(ftpServer('proftpd'), folder)));
  });

  it('ftp-send-pipelined: one write per command, the same replies', async () => {
    for (const off of ['', 'ftp-send-pipelined']) {
      turnOff(off);
      const client = await connectFtpClient(await clientSettingsFor('proftpd'));
      clients.push(client);
      const writes = recordWrites(client);
      const replies = await sendPipelined(client, ['NOOP', 'RNFR /no-such-file-here', 'PWD']);
      assert.deepEqual(
        replies.map((reply) => reply.code),
        [200, 550, 257],
      );
      assert.equal(writes.length, off === '' ? 1 : 3, `writes with ${off || 'every trick on'}: ${JSON.stringify(writes)}`);
    }
  });

  it('ftp-pipelined-epsv: basic-ftp keeps its own passive mode', async () => {
    turnOff('ftp-pipelined-epsv');
    const client = await connectFtpClient(await clientSettingsFor('proftpd'));
    clients.push(client);
    await client.list('/');
    assert.equal(pipelinesEpsv(client), false);
  });

  it('all: uploads, replacing uploads and downloads on the plain paths', async () => {
    turnOff('all');
    const folder = freshFolderName('speed-tricks-off');
    folders.push(folder);
    const backend = await openTestFtp(ftpServer('proftpd'), folder, { parallel: 2 });
    try {
      assert.equal(backend.capabilities.maxConcurrency, backend.capabilities.listConcurrency, 'no second upload waits for a hand-over');
      const mtimeMs = Date.UTC(2021, 2, 3, 4, 5, 6);
      for (const text of ['one', 'two, longer']) {
        const entry = await backend.write('f.txt' as RelPath, new WholeFileSource(Buffer.from(text)), { mtimeMs });
        assert.deepEqual({ size: entry.size, mtimeMs: entry.mtimeMs }, { size: text.length, mtimeMs });
      }
      const chunks: Buffer[] = [];
      for await (const chunk of await backend.read('f.txt' as RelPath)) chunks.push(chunk as Buffer);
      assert.equal(Buffer.concat(chunks).toString(), 'two, longer');
    } finally {
      await backend.close();
    }
  });
});
