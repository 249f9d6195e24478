/**
 * docs/api.md, Aborting: an abort before the first change rejects with an `interrupted`
 * FerryError whatever the protocol library threw, and nothing is written (neither side nor the
 * state); the same signal during the copies resolves to a summary with `interrupted: true`.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FerryError, upload } from '../../src/index.js';
import { freshFolderName, isolatedOptions, sftpUrl, sshd } from './sftp-test-server.js';

describe('aborting a run before its first change', () => {
  let work: string;
  before(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'ferry-abort-'));
    await fs.mkdir(join(work, 'local'));
    for (let i = 0; i < 5; i++) await fs.writeFile(join(work, 'local', `f${i}.txt`), `file ${i}`);
  });
  after(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  const isInterrupted = (error: unknown): boolean => {
    assert.ok(error instanceof FerryError, `a FerryError, not ${String(error)}`);
    assert.equal(error.kind, 'interrupted');
    assert.equal(error.exitCode, 3);
    return true;
  };

  for (const when of ['already aborted', 'aborted while connecting'] as const) {
    it(`SFTP, ${when}: an interrupted FerryError, nothing created, no state`, async () => {
      const s = sshd();
      const folder = `${s.dataRoot}/${freshFolderName('abort')}`;
      const controller = new AbortController();
      if (when === 'already aborted') controller.abort();
      const stateDir = join(work, freshFolderName('state'));
      const connection = isolatedOptions({ onConnecting: () => controller.abort(), prompt: 'never', useNetrc: false, useKeyring: false });
      await assert.rejects(
        upload({ local: join(work, 'local'), remote: sftpUrl(folder), stateDir, createFolder: true, connection, signal: controller.signal }),
        isInterrupted,
      );
      await assert.rejects(fs.stat(folder), 'the remote folder was not created');
      const left = await fs.readdir(stateDir, { recursive: true }).catch(() => []);
      assert.deepEqual(left, [], 'no state was written');
    });
  }
});
