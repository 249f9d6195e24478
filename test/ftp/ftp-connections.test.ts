/**
 * Connection trouble: a server that allows fewer connections than the pool wants (421), and a
 * network that drops the control connections.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { isTempName } from '../../src/backends/backend.js';
import { openBackend } from '../../src/backends/open-backend.js';
import { parseTarget } from '../../src/backends/target-url.js';
import { toRelPath as p } from '../../src/core/rel-path.js';
import { isBackendError } from '../../src/errors.js';
import { freshFolderName, ftpServer, ftpUrl, openTestFtp, removeTestFolder } from './ftp-test-servers.js';
import { TcpProxy } from './tcp-proxy.js';

const folder = freshFolderName('conn');
after(async () => {
  await removeTestFolder(ftpServer('proftpd'), folder);
  // The limited user of pure-ftpd is chrooted to <data root>/limited.
  await removeTestFolder(ftpServer('pure-ftpd'), `limited/${folder}`);
});

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('a server limiting connections per user (pure-ftpd answers 421)', () => {
  it('shrinks the pool to what the server allows and finishes every operation', async () => {
    const server = ftpServer('pure-ftpd');
    const warnings: string[] = [];
    const backend = await openBackend(parseTarget(ftpUrl(server, folder, { user: server.limitedUser, password: server.limitedPassword })), {
      createFolder: true,
      parallel: 4,
      warn: (message) => warnings.push(message),
    });
    try {
      const names = Array.from({ length: 16 }, (_, i) => `f${i}.txt`);
      await Promise.all(names.map((name) => backend.write(p(name), Readable.from([Buffer.from(name)]), {})));
      const contents = await Promise.all(names.map(async (name) => text(await backend.read(p(name)))));
      assert.deepEqual(contents, names);
      assert.equal((await backend.list(p(''))).length, names.length);
      // pure-ftpd counts a session once it has logged in, so logins racing each other may get
      // one more connection in than the limit, or, when the operations are quick, all of them (no
      // 421, no warning): the pool keeps whatever the server accepted and warns at most once.
      // The shrinking itself is tested deterministically in ftp-client-pool.test.ts.
      const allowed = warnings.map((w) => /allows only (\d+) connections? at once/.exec(w)?.[1]).filter((n) => n !== undefined);
      assert.ok(allowed.length <= 1, `expected at most one warning about the limit, got ${JSON.stringify(warnings)}`);
      if (allowed.length === 1) assert.ok(Number(allowed[0]) >= server.limitedMaxConnections! && Number(allowed[0]) < 4, `limit ${allowed[0]}`);
    } finally {
      await backend.close();
    }
  });
});

describe('a dropped network (proxy cuts the control connections)', () => {
  it('reconnects for the next operation and fails a write in flight cleanly', async () => {
    const server = ftpServer('proftpd');
    const proxy = await TcpProxy.start(server.host, server.port);
    const backend = await openTestFtp(server, folder, { port: proxy.port, parallel: 2 });
    try {
      await backend.write(p('before.txt'), Readable.from([Buffer.from('before')]), {});
      assert.ok(proxy.cutAll() >= 1);
      // Idle connections died: reads and listings transparently use fresh ones.
      assert.equal((await backend.list(p(''))).filter((item) => !isTempName(item.name)).length, 1);
      assert.equal(await text(await backend.read(p('before.txt'))), 'before');

      // A write that trickles; the network drops in the middle of it.
      let sent = 0;
      const slow = new Readable({
        read() {
          if (sent++ === 3) proxy.cutAll();
          setTimeout(() => this.push(Buffer.alloc(32 * 1024, 7)), 5);
        },
      });
      await assert.rejects(backend.write(p('cut.bin'), slow, {}), (error: unknown) => {
        assert.ok(isBackendError(error, 'connection-lost'), String(error));
        assert.equal(error.retryable, true);
        assert.ok(!error.message.includes('\n'));
        return true;
      });
      assert.equal(await backend.stat(p('cut.bin')), undefined);
      const names = (await backend.list(p(''))).map((item) => item.name);
      assert.deepEqual(names.filter(isTempName), [], 'the temporary file was removed');
      assert.equal(await text(await backend.read(p('before.txt'))), 'before');
    } finally {
      await backend.close();
      await proxy.close();
    }
  });

  it('a server that is not there is a one-line connection error', async () => {
    const proxy = await TcpProxy.start('127.0.0.1', 9);
    const port = proxy.port;
    await proxy.close();
    await assert.rejects(openBackend(parseTarget(`ftp://u:secret@127.0.0.1:${port}/x`), {}), (error: unknown) => {
      assert.ok(isBackendError(error, 'connection-lost'), String(error));
      assert.equal(error.message, `cannot connect to ftp://u@127.0.0.1:${port}: connection refused`);
      return true;
    });
  });
});
