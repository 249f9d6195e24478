/**
 * SFTP backend behaviour beyond the conformance suite: root folder handling, concurrency and the
 * pool, symlinks, and what a lost connection does to an upload.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { isTempName } from '../../src/backends/backend.js';
import { openSftpBackend } from '../../src/backends/sftp/open-sftp-backend.js';
import type { SftpBackend } from '../../src/backends/sftp/sftp-backend.js';
import { parseTarget } from '../../src/backends/target-url.js';
import { toRelPath as p } from '../../src/core/rel-path.js';
import { FerryError, isBackendError } from '../../src/errors.js';
import { freshFolderName, isolatedOptions, openFreshSftp, sftpUrl, sshd } from './sftp-test-server.js';

const made: string[] = [];
after(() => {
  for (const folder of made) rmSync(folder, { recursive: true, force: true });
});

async function fresh(prefix: string, extra = {}): Promise<SftpBackend> {
  const backend = await openFreshSftp(prefix, extra);
  made.push(backend.root);
  return backend;
}

async function readAll(backend: SftpBackend, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await backend.read(p(path))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A source that sends `chunks` chunks of 64 KiB, one every `delayMs`, then never ends. */
function trickle(delayMs: number): Readable {
  return new Readable({
    read() {
      setTimeout(() => this.push(Buffer.alloc(64 * 1024, 7)), delayMs);
    },
  });
}

/** PIDs of the sshd processes serving the TCP connection whose client side uses `localPort`. */
function sshdProcessesFor(localPort: number): number[] {
  const s = sshd();
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // Server side of our connection: local = 127.0.0.1:sshd port, remote = our local port.
    if (f[1]?.endsWith(`:${hex(s.port)}`) && f[2]?.endsWith(`:${hex(localPort)}`)) inodes.add(f[9]!);
  }
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      for (const fd of readdirSync(`/proc/${entry}/fd`)) {
        const link = readlinkSync(`/proc/${entry}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m && inodes.has(m[1]!)) {
          pids.push(Number(entry));
          break;
        }
      }
    } catch {
      // Processes come and go while we look.
    }
  }
  return pids.filter((pid) => pid !== process.pid);
}

describe('sftp backend', () => {
  it('refuses a missing root folder with a hint, and creates it (with parents) when asked', async () => {
    const folder = `${sshd().dataRoot}/${freshFolderName('root')}/a/b`;
    made.push(folder.replace(/\/a\/b$/, ''));
    await assert.rejects(openSftpBackend(parseTarget(sftpUrl(folder)), isolatedOptions({ createFolderHint: true })), (error: unknown) => {
      assert.ok(isBackendError(error, 'not-found'));
      assert.equal(error.message, `remote folder ${folder} does not exist on ${sshd().host} (pass \`createFolder: true\` to create it)`);
      return true;
    });
    const backend = await openSftpBackend(parseTarget(sftpUrl(folder)), isolatedOptions({ createFolder: true }));
    assert.deepEqual(await backend.list(p('')), []);
    await backend.close();
  });

  it('refuses a root that is a file', async () => {
    const backend = await fresh('rootfile');
    await backend.write(p('f.txt'), Readable.from([Buffer.from('x')]));
    await backend.close();
    await assert.rejects(openSftpBackend(parseTarget(sftpUrl(`${backend.root}/f.txt`)), isolatedOptions()), (error: unknown) => {
      assert.ok(error instanceof FerryError && error.kind === 'config');
      assert.match(error.message, /is a file, not a folder/);
      return true;
    });
  });

  it('/~/dir is relative to the login folder', async () => {
    const name = freshFolderName('home');
    const s = sshd();
    made.push(`${s.home}/${name}`);
    const backend = (await openSftpBackend(parseTarget(sftpUrl(`/~/${name}/x`)), isolatedOptions({ createFolder: true }))) as SftpBackend;
    assert.equal(backend.root, `${s.home}/${name}/x`);
    await backend.close();
  });

  it('serves hundreds of concurrent small writes, stats and lists over several connections', async () => {
    const backend = await fresh('many', { parallel: 3 });
    assert.equal(backend.capabilities.maxConcurrency, 48);
    const count = 300;
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const written = await backend.write(p(`f${i}.txt`), Readable.from([Buffer.from(`content ${i}`)]), { mtimeMs: Date.UTC(2020, 0, 1) + i * 1000 });
        assert.equal(written.mtimeMs, Date.UTC(2020, 0, 1) + i * 1000);
        const stated = await backend.stat(p(`f${i}.txt`));
        assert.deepEqual(stated, written);
      }),
    );
    const listed = await backend.list(p(''));
    assert.equal(listed.length, count);
    assert.deepEqual(
      listed.filter((item) => isTempName(item.name)),
      [],
    );
    // Extra connections open in the background while the first one keeps working.
    for (let i = 0; i < 50 && backend.pool.liveCount < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(backend.pool.liveCount > 1, `expected the pool to grow, has ${backend.pool.liveCount}`);
    assert.ok(backend.pool.liveCount <= 3);
    assert.equal((await readAll(backend, 'f123.txt')).toString(), 'content 123');
    await backend.close();
  });

  it('reports symlinks as unsupported and never reads through them', async () => {
    const backend = await fresh('links');
    await backend.write(p('target.txt'), Readable.from([Buffer.from('t')]));
    symlinkSync('target.txt', `${backend.root}/link`);
    const listed = await backend.list(p(''));
    assert.deepEqual(
      listed.find((item) => item.name === 'link'),
      { name: 'link', unsupported: 'symlink' },
    );
    assert.deepEqual(await backend.stat(p('link')), { kind: 'file', size: -1, mtimeMs: -1 });
    await assert.rejects(backend.read(p('link')), (e: unknown) => isBackendError(e, 'unsupported'));
    await backend.close();
  });

  it('lists names the server sends raw, including ones the engine will refuse', async () => {
    const backend = await fresh('raw');
    // A backslash is legal on the server but not in a RelPath: list must still report it.
    writeFileSync(`${backend.root}/back\\slash`, 'x');
    chownSync(`${backend.root}/back\\slash`, Number(execFileSync('id', ['-u', sshd().user], { encoding: 'utf8' }).trim()), 0);
    const names = (await backend.list(p(''))).map((item) => item.name);
    assert.deepEqual(names, ['back\\slash']);
    await backend.close();
  });

  it('reports a name that is not valid UTF-8 as unsupported instead of mangling it', async () => {
    const backend = await fresh('latin1');
    writeFileSync(Buffer.concat([Buffer.from(`${backend.root}/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]), 'x');
    const listed = await backend.list(p(''));
    assert.equal(listed.length, 1);
    assert.ok('unsupported' in listed[0]! && /not valid UTF-8/.test(listed[0].unsupported));
    await backend.close();
  });

  it('says which kind of thing is in the way', async () => {
    const backend = await fresh('kinds');
    await backend.mkdir(p('d'));
    await backend.write(p('f'), Readable.from([Buffer.from('x')]));
    await assert.rejects(backend.read(p('d')), (e: unknown) => isBackendError(e, 'is-a-directory'));
    await assert.rejects(backend.remove(p('d')), (e: unknown) => isBackendError(e, 'is-a-directory'));
    await assert.rejects(backend.list(p('f')), (e: unknown) => isBackendError(e, 'not-a-directory'));
    await assert.rejects(backend.mkdir(p('f')), (e: unknown) => isBackendError(e, 'exists'));
    await assert.rejects(backend.removeDir(p('nope')), (e: unknown) => isBackendError(e, 'not-found'));
    await assert.rejects(backend.write(p('d'), Readable.from([Buffer.from('x')])), (e: unknown) => isBackendError(e, 'is-a-directory'));
    assert.deepEqual((await backend.list(p(''))).map((item) => item.name).sort(), ['d', 'f']);
    await backend.close();
  });

  it('a read stream destroyed early gives its connection back', async () => {
    const backend = await fresh('readabort', { parallel: 1 });
    await backend.write(p('big.bin'), Readable.from([Buffer.alloc(4 * 1024 * 1024, 1)]));
    const stream = await backend.read(p('big.bin'));
    for await (const _ of stream) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(backend.pool.live[0]!.inFlight, 0);
    const controller = new AbortController();
    const aborted = await backend.read(p('big.bin'), { signal: controller.signal });
    controller.abort();
    await assert.rejects(async () => {
      for await (const _ of aborted);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(backend.pool.live[0]!.inFlight, 0);
    await backend.close();
  });

  it('a connection cut during an upload: connection-lost, nothing under the final name, then recovers', async () => {
    const backend = await fresh('cut', { parallel: 1 });
    await backend.write(p('keep.bin'), Readable.from([Buffer.from('old content')]));
    const writing = backend.write(p('keep.bin'), trickle(5));
    await new Promise((resolve) => setTimeout(resolve, 150));
    backend.pool.live[0]!.destroy();
    await assert.rejects(writing, (error: unknown) => {
      assert.ok(isBackendError(error, 'connection-lost'), String(error));
      assert.equal(error.retryable, true);
      return true;
    });
    // The next call reconnects; the old file is intact and the temporary file is cleaned up.
    assert.equal((await readAll(backend, 'keep.bin')).toString(), 'old content');
    await backend.close();
    assert.deepEqual(readdirSync(backend.root).filter(isTempName), []);
  });

  it('a connection cut under lists, stats and a download: every call fails with connection-lost', async () => {
    const backend = await fresh('cutread', { parallel: 1 });
    await backend.write(p('big.bin'), Readable.from([Buffer.alloc(8 * 1024 * 1024, 3)]));
    const stream = await backend.read(p('big.bin'));
    const reading = (async () => {
      for await (const _ of stream) await new Promise((resolve) => setTimeout(resolve, 5));
    })();
    const calls = [backend.list(p('')), backend.stat(p('big.bin')), backend.list(p(''))];
    backend.pool.live[0]!.destroy();
    for (const outcome of await Promise.allSettled([...calls, reading])) {
      assert.equal(outcome.status, 'rejected');
      const reason: unknown = outcome.status === 'rejected' ? outcome.reason : undefined;
      assert.ok(isBackendError(reason, 'connection-lost') && reason.retryable, String(reason));
    }
    // And the backend reconnects for the next call.
    assert.equal((await backend.list(p(''))).length, 1);
    await backend.close();
  });

  it('the server-side session killed during an upload: connection-lost, old file intact', async () => {
    const backend = await fresh('killed', { parallel: 1 });
    await backend.write(p('keep.bin'), Readable.from([Buffer.from('old content')]));
    const writing = backend.write(p('new.bin'), trickle(5));
    const overwriting = backend.write(p('keep.bin'), trickle(5));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const connection = backend.pool.live[0]!;
    const pids = sshdProcessesFor(connection.localPort!);
    assert.ok(pids.length > 0, 'found the sshd session processes');
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    for (const outcome of await Promise.allSettled([writing, overwriting])) {
      assert.equal(outcome.status, 'rejected');
      assert.ok(isBackendError(outcome.status === 'rejected' && outcome.reason, 'connection-lost'), String(outcome.status === 'rejected' && outcome.reason));
    }
    assert.equal(await backend.stat(p('new.bin')), undefined);
    assert.equal((await readAll(backend, 'keep.bin')).toString(), 'old content');
    await backend.close();
    const names = readdirSync(backend.root);
    assert.deepEqual(names.sort(), ['keep.bin']);
  });

  it('a dead server is connection-lost, not a hang', async () => {
    const s = sshd();
    await assert.rejects(
      openSftpBackend(parseTarget(`sftp://${s.user}:${s.password}@127.0.0.1:1/x`), isolatedOptions()),
      (error: unknown) => isBackendError(error, 'connection-lost') && /connection refused/.test(error.message),
    );
  });
});
