/**
 * posix-rename is learnt through the protocol: ferry asks for it (`ext_openssh_rename`) and takes
 * "not supported" (ssh2's refusal of an extension the server did not announce, or the server's
 * OP_UNSUPPORTED status) as "no posix-rename", remembered per connection. No private field of
 * ssh2 decides whether a file is replaced atomically. Against the loopback sshd.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { WholeFileSource } from '../../src/backends/backend.js';
import type { SftpBackend } from '../../src/backends/sftp/sftp-backend.js';
import type { RelPath } from '../../src/core/rel-path.js';
import { openFreshSftp } from './sftp-test-server.js';

type RenameFn = (from: string, to: string, cb: (error?: Error | null) => void) => void;

/** Counts calls of SFTP's posix-rename and plain rename on every connection of `backend`, with `posix` standing in for posix-rename. */
async function withRenames<T>(
  backend: SftpBackend,
  posix: ((original: RenameFn) => RenameFn) | undefined,
  fn: (counts: { posix: number; plain: number }) => Promise<T>,
): Promise<T> {
  const sftp = backend.pool.live[0]!.sftp as unknown as { ext_openssh_rename: RenameFn; rename: RenameFn };
  const proto = Object.getPrototypeOf(sftp) as { ext_openssh_rename: RenameFn; rename: RenameFn };
  const originalPosix = proto.ext_openssh_rename;
  const originalPlain = proto.rename;
  const counts = { posix: 0, plain: 0 };
  const replacement = posix ? posix(originalPosix) : originalPosix;
  proto.ext_openssh_rename = function (this: unknown, from, to, cb) {
    counts.posix++;
    return replacement.call(this, from, to, cb);
  };
  proto.rename = function (this: unknown, from, to, cb) {
    counts.plain++;
    return originalPlain.call(this, from, to, cb);
  };
  try {
    return await fn(counts);
  } finally {
    proto.ext_openssh_rename = originalPosix;
    proto.rename = originalPlain;
  }
}

async function overwriteTwice(backend: SftpBackend): Promise<void> {
  const path = 'f.txt' as RelPath;
  await backend.write(path, new WholeFileSource(Buffer.from('one')));
  await backend.write(path, new WholeFileSource(Buffer.from('two')));
  await backend.write(path, new WholeFileSource(Buffer.from('three')));
  assert.equal(await readFile(`${backend.root}/f.txt`, 'utf8'), 'three');
}

describe('SFTP posix-rename, learnt through the protocol', () => {
  it('sshd offers it: every replacing write renames with posix-rename, never remove-then-rename', async () => {
    const backend = await openFreshSftp('posix-rename', { parallel: 1 });
    try {
      await withRenames(backend, undefined, async (counts) => {
        await overwriteTwice(backend);
        assert.deepEqual(counts, { posix: 3, plain: 0 });
      });
    } finally {
      await backend.close();
    }
  });

  it('ssh2 says the server does not support it: plain rename replacing the target, asked once per connection', async () => {
    const backend = await openFreshSftp('posix-rename-refused', { parallel: 1 });
    try {
      // What ssh2 throws when the server did not announce the extension.
      const refuse = (): RenameFn => () => {
        throw new Error('Server does not support this extended request');
      };
      await withRenames(backend, refuse, async (counts) => {
        await overwriteTwice(backend);
        assert.deepEqual(counts, { posix: 1, plain: 5 }, 'posix-rename once, then a plain rename per write (twice where a file was in the way)');
      });
    } finally {
      await backend.close();
    }
  });

  it('the server answers OP_UNSUPPORTED: the same', async () => {
    const backend = await openFreshSftp('posix-rename-unsupported', { parallel: 1 });
    try {
      const unsupported = (): RenameFn => (_from, _to, cb) => {
        setImmediate(() => cb(Object.assign(new Error('Operation unsupported'), { code: 8 })));
      };
      await withRenames(backend, unsupported, async (counts) => {
        await overwriteTwice(backend);
        assert.deepEqual(counts, { posix: 1, plain: 5 });
      });
    } finally {
      await backend.close();
    }
  });
});
