/**
 * Downloads read into large chunks (src/backends/ftp/download-chunker.ts), against real servers:
 * straight from the data socket where ferry opens it (EPSV pipelined with RETR, plain and TLS),
 * copied from stream chunks where it does not (active mode), and the checks around a download
 * into a local folder that must hold whatever the reading path: a size that differs from the
 * listing fails the copy, and an aborted copy leaves nothing under the final name.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Backend } from '../../src/backends/backend.js';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { toRelPath as p } from '../../src/core/rel-path.js';
import { copyFile } from '../../src/engine/copy-file.js';
import { isBackendError } from '../../src/errors.js';
import { freshFolderName, ftpServer, openTestFtp, removeTestFolder, type FtpServerName, type FtpUrlOptions } from './ftp-test-servers.js';

/** More than a few full-size chunks, and not a multiple of any chunk size. */
const BIG = randomBytes(5 * 1024 * 1024 + 12_345);

async function readAll(backend: Backend, path: string): Promise<{ bytes: Buffer; largestChunk: number }> {
  const chunks: Buffer[] = [];
  for await (const chunk of await backend.read(p(path))) chunks.push(chunk as Buffer);
  return { bytes: Buffer.concat(chunks), largestChunk: Math.max(...chunks.map((chunk) => chunk.length)) };
}

const variants: Array<{ name: string; server: FtpServerName; options: FtpUrlOptions & { ftpActive?: boolean } }> = [
  { name: 'proftpd, passive', server: 'proftpd', options: {} },
  { name: 'proftpd, explicit FTPS', server: 'proftpd', options: { tls: 'explicit' } },
  { name: 'proftpd, active mode (data as stream chunks)', server: 'proftpd', options: { ftpActive: true } },
  { name: 'pure-ftpd, FTPS', server: 'pure-ftpd', options: { tls: 'explicit' } },
];

for (const variant of variants) {
  describe(`FTP download in large chunks: ${variant.name}`, () => {
    const folder = freshFolderName('download');
    let backend: Backend;
    before(async () => {
      backend = await openTestFtp(ftpServer(variant.server), folder, variant.options);
      await backend.write(p('big.bin'), Readable.from([BIG]), {});
      await backend.write(p('small.txt'), Readable.from([Buffer.from('small')]), {});
    });
    after(async () => {
      await backend?.close();
      await removeTestFolder(ftpServer(variant.server), folder);
    });

    it('arrives whole, in chunks of up to 1 MiB, every time', async () => {
      for (let round = 0; round < 3; round++) {
        const { bytes, largestChunk } = await readAll(backend, 'big.bin');
        assert.equal(bytes.length, BIG.length);
        assert.ok(bytes.equals(BIG), 'the bytes read differ from the bytes written');
        assert.ok(largestChunk > 256 * 1024 && largestChunk <= 1024 * 1024, `largest chunk ${largestChunk}`);
      }
    });

    it('reads a small file and an empty one between big ones', async () => {
      await backend.write(p('empty.txt'), Readable.from([]), {});
      assert.equal((await readAll(backend, 'small.txt')).bytes.toString(), 'small');
      assert.equal((await readAll(backend, 'empty.txt')).bytes.length, 0);
      assert.ok((await readAll(backend, 'big.bin')).bytes.equals(BIG));
    });

    it('a reader that stops early ends the transfer; the next read is whole', async () => {
      const stream = await backend.read(p('big.bin'));
      for await (const chunk of stream) {
        assert.ok((chunk as Buffer).length > 0);
        break;
      }
      assert.ok((await readAll(backend, 'big.bin')).bytes.equals(BIG));
    });
  });
}

describe('FTP download into a local folder', () => {
  const server = ftpServer('proftpd');
  const folder = freshFolderName('download-local');
  let ftp: Backend;
  let localDir: string;
  let local: LocalBackend;
  before(async () => {
    ftp = await openTestFtp(server, folder);
    await ftp.write(p('big.bin'), Readable.from([BIG]), {});
    localDir = await mkdtemp(join(tmpdir(), 'ferry-ftp-download-'));
    local = new LocalBackend(localDir);
  });
  after(async () => {
    await ftp?.close();
    await removeTestFolder(server, folder);
    await rm(localDir, { recursive: true, force: true });
  });

  it('a file whose size differs from the listing fails the copy and leaves no file', async () => {
    const listed = await ftp.stat(p('big.bin'));
    assert.equal(listed?.kind, 'file');
    if (listed?.kind !== 'file') return;
    await assert.rejects(copyFile(ftp, local, p('big.bin'), { ...listed, size: listed.size - 1 }), (error: unknown) => {
      assert.ok(isBackendError(error), String(error));
      assert.match(error.message, /big\.bin/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
    assert.deepEqual(await readdir(localDir), []);
  });

  it('an aborted copy leaves nothing under the final name (nor a temporary file)', async () => {
    const listed = await ftp.stat(p('big.bin'));
    if (listed?.kind !== 'file') throw new Error('big.bin is missing');
    const controller = new AbortController();
    // A source whose read() aborts right after it resolved, at the first bytes of the transfer.
    const aborting: Backend = Object.assign(Object.create(ftp) as Backend, {
      read: async (path: ReturnType<typeof p>, options?: { signal?: AbortSignal }) => {
        const stream = await ftp.read(path, options);
        setImmediate(() => controller.abort());
        return stream;
      },
    });
    await assert.rejects(copyFile(aborting, local, p('big.bin'), listed, controller.signal));
    assert.deepEqual(await readdir(localDir), []);
    // The backend goes on: the next copy is whole.
    const { bytes } = await copyFile(ftp, local, p('big.bin'), listed);
    assert.equal(bytes, BIG.length);
    assert.deepEqual(await readdir(localDir), ['big.bin']);
  });
});
