/**
 * Small files uploaded whole on ferry's own data connection (src/backends/ftp/store-buffer.ts),
 * against every real FTP server and FTPS: the bytes arrive intact, `EPSV` and `STOR` leave in one
 * write, a refused `STOR` fails only that upload, and the backend takes this path for a small
 * local file (WholeFileSource) once the connection pipelines `EPSV`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { Client, FTPError } from 'basic-ftp';
import { WholeFileSource } from '../../src/backends/backend.js';
import { connectFtpClient } from '../../src/backends/ftp/connect-ftp-client.js';
import { DeferredBatch } from '../../src/backends/ftp/deferred-batch.js';
import { canStoreBuffer, storeBuffer } from '../../src/backends/ftp/store-buffer.js';
import type { RelPath } from '../../src/core/rel-path.js';
import { clientSettingsFor, freshFolderName, ftpServer, openTestFtp, recordWrites, removeTestFolder, type FtpServerName } from './ftp-test-servers.js';

const folders: Array<[FtpServerName, string]> = [];
after(async () => {
  await Promise.all(folders.map(([name, folder]) => removeTestFolder(ftpServer(name), folder)));
});

const cases: Array<[FtpServerName, 'none' | 'explicit']> = [
  ['proftpd', 'none'],
  ['pure-ftpd', 'none'],
  ['vsftpd', 'none'],
  ['pyftpdlib', 'none'],
  ['proftpd', 'explicit'],
  ['pure-ftpd', 'explicit'],
  ['vsftpd', 'explicit'],
];

describe('STOR of a whole buffer on a data connection of its own', () => {
  for (const [name, tls] of cases) {
    const label = `${name}${tls === 'none' ? '' : ' (FTPS)'}`;
    it(`${label}: files of 1 byte to 256 KiB arrive byte for byte; EPSV and STOR share one write`, async () => {
      const server = ftpServer(name);
      const folder = freshFolderName('store-buffer');
      folders.push([name, folder]);
      const client = await connectFtpClient(await clientSettingsFor(name, tls));
      try {
        await client.send(`MKD /${folder}`);
        const empty = Buffer.alloc(0);
        // Before the first transfer the connection has not chosen EPSV yet: basic-ftp's path.
        assert.equal(canStoreBuffer(client, Buffer.from('x')), false);
        await client.list(`/${folder}`);
        assert.equal(canStoreBuffer(client, Buffer.from('x')), true);
        // An empty file over TLS keeps basic-ftp's path (it waits for the session ticket).
        assert.equal(canStoreBuffer(client, empty), tls === 'none');
        const writes = recordWrites(client);
        const files = [1, 4096, 65_537, 256 * 1024].map((size) => randomBytes(size));
        if (tls === 'none') files.push(empty);
        for (const [index, contents] of files.entries()) {
          const reply = await storeBuffer(client, `/${folder}/f${index}.bin`, contents);
          assert.ok(reply.code >= 200 && reply.code < 300, reply.message);
        }
        for (const [index, contents] of files.entries()) {
          assert.ok((await readFile(join(server.dataRoot, folder, `f${index}.bin`))).equals(contents), `f${index}.bin differs`);
        }
        assert.equal(writes.filter((text) => /^EPSV\r\nSTOR \/.*\r\n$/.test(text)).length, files.length, writes.join(' | '));
      } finally {
        client.close();
      }
    });
  }

  for (const name of ['proftpd', 'pure-ftpd', 'vsftpd', 'pyftpdlib'] as const) {
    const inOrder = name !== 'pyftpdlib';
    it(`${name}: a NOOP after STOR finds the server ${inOrder ? "reads commands one at a time; then the next upload's EPSV goes with STOR, and that upload sends STOR alone on its port" : 'answers during a transfer: no EPSV is sent ahead'}`, async () => {
      const server = ftpServer(name);
      const folder = freshFolderName('store-buffer-ahead');
      folders.push([name, folder]);
      const client = await connectFtpClient(await clientSettingsFor(name));
      try {
        await client.send(`MKD /${folder}`);
        await client.list(`/${folder}`);
        const probe = randomBytes(5000);
        let probed: boolean | undefined;
        await storeBuffer(client, `/${folder}/probe.bin`, probe, undefined, { ahead: { command: 'NOOP', done: (ordered) => (probed = ordered) } });
        assert.equal(probed, inOrder);
        assert.ok((await readFile(join(server.dataRoot, folder, 'probe.bin'))).equals(probe));
        assert.equal((await client.send('NOOP')).code, 200);
        if (!inOrder) return;
        const writes = recordWrites(client);
        const files = [1, 4096, 70_000, 3].map((size) => randomBytes(size));
        let port: number | undefined;
        for (const [index, contents] of files.entries()) {
          const last = index === files.length - 1;
          let next: number | undefined;
          // The previous upload's rename goes in between, as when a connection is handed over.
          const preamble = index === 0 ? undefined : new DeferredBatch([`RNFR /${folder}/.t${index - 1}`, `RNTO /${folder}/f${index - 1}.bin`]);
          const ahead = last
            ? undefined
            : { command: 'EPSV' as const, done: (ordered: boolean, opened: number | undefined) => (next = ordered ? opened : undefined) };
          const reply = await storeBuffer(client, `/${folder}/.t${index}`, contents, preamble, { port, ahead });
          assert.ok(reply.code >= 200 && reply.code < 300, reply.message);
          if (preamble)
            assert.deepEqual(
              (await preamble.replies).map((r) => r.code),
              [350, 250],
            );
          if (!last) assert.ok(next !== undefined && next > 0, 'the EPSV sent ahead gave a port');
          port = next;
        }
        await client.send(`RNFR /${folder}/.t3`);
        await client.send(`RNTO /${folder}/f3.bin`);
        for (const [index, contents] of files.entries()) {
          assert.ok((await readFile(join(server.dataRoot, folder, `f${index}.bin`))).equals(contents), `f${index}.bin differs`);
        }
        // One EPSV per upload, each sent with the STOR before it (the first one's with its own).
        assert.match(writes[0]!, /^EPSV\r\nSTOR \/\S+\r\nEPSV\r\n$/);
        assert.match(writes[1]!, /^RNFR .*\r\nRNTO .*\r\nSTOR \/\S+\r\nEPSV\r\n$/);
        assert.match(writes[3]!, /^RNFR .*\r\nRNTO .*\r\nSTOR \/\S+\r\n$/);
        assert.equal((await client.send('NOOP')).code, 200);
      } finally {
        client.close();
      }
    });
  }

  it('a connection opened after another chose EPSV pipelines EPSV from its first transfer', async () => {
    const folder = freshFolderName('shared-epsv');
    folders.push(['proftpd', folder]);
    const learnt = {};
    const settings = { ...(await clientSettingsFor('proftpd')), learnt };
    const first = await connectFtpClient(settings);
    const second = await connectFtpClient(settings);
    try {
      await first.send(`MKD /${folder}`);
      // Opened before anything was learnt: it chooses on its first transfer.
      assert.equal(canStoreBuffer(second, Buffer.from('x')), false);
      await first.list(`/${folder}`);
      assert.deepEqual(learnt, { epsvWorks: true });
      const third = await connectFtpClient(settings);
      try {
        assert.equal(canStoreBuffer(third, Buffer.from('x')), true);
        const writes = recordWrites(third);
        await storeBuffer(third, `/${folder}/x.bin`, Buffer.from('x'));
        assert.equal((await readFile(join(ftpServer('proftpd').dataRoot, folder, 'x.bin'))).toString(), 'x');
        assert.equal((await third.list(`/${folder}`)).length, 1);
        assert.deepEqual(
          writes.map((text) => text.split('\r\n')[0]),
          ['EPSV', 'EPSV'],
        );
      } finally {
        third.close();
      }
    } finally {
      first.close();
      second.close();
    }
  });

  it('a refused STOR with an EPSV sent ahead: its reply is read too, and the connection stays in step', async () => {
    const folder = freshFolderName('store-buffer-ahead-refused');
    folders.push(['proftpd', folder]);
    const client = await connectFtpClient(await clientSettingsFor('proftpd'));
    try {
      await client.send(`MKD /${folder}`);
      await client.list(`/${folder}`);
      let next: number | undefined;
      const ahead = { command: 'EPSV' as const, done: (_inOrder: boolean, port: number | undefined) => (next = port) };
      await assert.rejects(storeBuffer(client, `/${folder}/missing/x.bin`, Buffer.from('data'), undefined, { ahead }), (error: unknown) => {
        assert.ok(error instanceof FTPError, String(error));
        assert.ok(error.code >= 500, error.message);
        return true;
      });
      assert.ok(next !== undefined, 'the EPSV sent ahead was answered before the upload ended');
      // The next command gets its own reply, not the EPSV's.
      assert.match((await client.send('PWD')).message, /^257 /);
      await storeBuffer(client, `/${folder}/after.bin`, Buffer.from('after'), undefined, { port: next });
      assert.equal((await readFile(join(ftpServer('proftpd').dataRoot, folder, 'after.bin'))).toString(), 'after');
    } finally {
      client.close();
    }
  });

  it('a refused STOR fails with the server reply and the connection goes on working', async () => {
    const folder = freshFolderName('store-buffer-refused');
    folders.push(['proftpd', folder]);
    const client = await connectFtpClient(await clientSettingsFor('proftpd'));
    try {
      await client.send(`MKD /${folder}`);
      await client.list(`/${folder}`);
      await assert.rejects(storeBuffer(client, `/${folder}/missing/x.bin`, Buffer.from('data')), (error: unknown) => {
        assert.ok(error instanceof FTPError, String(error));
        assert.ok(error.code >= 500, error.message);
        return true;
      });
      // The next upload on the same connection works.
      await storeBuffer(client, `/${folder}/after.bin`, Buffer.from('after'));
      assert.equal((await readFile(join(ftpServer('proftpd').dataRoot, folder, 'after.bin'))).toString(), 'after');
    } finally {
      client.close();
    }
  });

  it('a STOR refused after its passive port closed fails with the server reply, not the failed connect', async () => {
    // A scripted server that, like proftpd refusing a STOR into a missing folder, closes its
    // passive port on the STOR and answers 550 a moment later: ferry's connect to the port fails
    // first, and the reply that follows must decide (and the connection stay usable).
    const server = createServer((control) => {
      let passive: Server | undefined;
      control.write('220 scripted\r\n');
      let pending = '';
      // Lines are answered one after the other, each once the one before it is done (EPSV's
      // port listens before the STOR that follows it in the same packet closes it).
      let answered = Promise.resolve();
      const answer = async (line: string): Promise<void> => {
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'USER') control.write('331 password please\r\n');
        else if (verb === 'PASS') control.write('230 in\r\n');
        else if (verb === 'EPSV') {
          const listener = createServer(() => undefined);
          passive = listener;
          await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
          control.write(`229 Entering Extended Passive Mode (|||${(listener.address() as AddressInfo).port}|)\r\n`);
        } else if (verb === 'STOR') {
          passive?.close();
          await new Promise((resolve) => setTimeout(resolve, 100));
          control.write('550 /missing/x.bin: No such file or directory\r\n');
        } else if (verb === 'NOOP') control.write('200 NOOP ok\r\n');
        else control.write('200 ok\r\n');
      };
      control.on('data', (chunk: Buffer) => {
        pending += chunk.toString('latin1');
        let newline: number;
        while ((newline = pending.indexOf('\r\n')) >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 2);
          answered = answered.then(() => answer(line));
        }
      });
      control.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const client = await connectFtpClient({ ...(await clientSettingsFor('proftpd')), host: '127.0.0.1', port });
    try {
      await assert.rejects(storeBuffer(client, '/missing/x.bin', Buffer.from('data')), (error: unknown) => {
        assert.ok(error instanceof FTPError, String(error));
        assert.equal(error.code, 550);
        return true;
      });
      assert.equal(client.closed, false);
      assert.equal((await client.send('NOOP')).code, 200);
    } finally {
      client.close();
      server.close();
    }
  });

  it('the backend sends a small local file (WholeFileSource) this way, other streams through basic-ftp', async () => {
    const folder = freshFolderName('store-buffer-backend');
    folders.push(['proftpd', folder]);
    const server = ftpServer('proftpd');
    const backend = await openTestFtp(server, folder);
    const uploadFrom = Client.prototype.uploadFrom;
    let streamedUploads = 0;
    Client.prototype.uploadFrom = function (this: Client, ...args: Parameters<Client['uploadFrom']>) {
      streamedUploads++;
      return uploadFrom.apply(this, args);
    };
    try {
      const mtimeMs = Date.UTC(2020, 5, 1, 10, 0, 0);
      // A first transfer (the listing) lets the connection choose EPSV.
      await backend.list('' as RelPath);
      const contents = randomBytes(3000);
      const written = await backend.write('small.bin' as RelPath, new WholeFileSource(contents), { mtimeMs });
      assert.deepEqual({ size: written.size, mtimeMs: written.mtimeMs }, { size: 3000, mtimeMs });
      assert.ok((await readFile(join(server.dataRoot, folder, 'small.bin'))).equals(contents));
      assert.equal(streamedUploads, 0);
      await backend.write('streamed.bin' as RelPath, Readable.from([contents]), { mtimeMs });
      assert.equal(streamedUploads, 1);
      assert.ok((await readFile(join(server.dataRoot, folder, 'streamed.bin'))).equals(contents));
    } finally {
      Client.prototype.uploadFrom = uploadFrom;
      await backend.close();
    }
  });
});
