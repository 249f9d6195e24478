/** Moves, checksums, case and links: local↔SFTP (loopback OpenSSH; hashes with sha256sum over exec). */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { SyncEvent } from '../../src/engine/events.js';
import { runSync } from '../../src/engine/run-sync.js';
import { freshFolderName, isolatedOptions, openFreshSftp, sftpUrl } from '../sftp/sftp-test-server.js';
import { describeRenameScenarios } from './renames-suite.js';

const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describeRenameScenarios('local↔sftp', {
  async freshRemote(label) {
    const backend = await openFreshSftp(freshFolderName(label).slice(0, 60));
    await backend.close();
    roots.push(backend.root);
    return sftpUrl(backend.root);
  },
  connection: isolatedOptions(),
  remoteHashes: 'server',
});

describe('symlinks on the SFTP server', () => {
  it('are skipped with the run warning, also with --links follow, and never followed', async () => {
    const backend = await openFreshSftp(freshFolderName('remote-links').slice(0, 60));
    roots.push(backend.root);
    await backend.close();
    const localDir = await mkdtemp(join(tmpdir(), 'ferry-remote-links-'));
    const stateDir = await mkdtemp(join(tmpdir(), 'ferry-remote-links-state-'));
    try {
      // The server runs on this machine: make the links in its folder directly.
      await writeFile(join(backend.root, 'real.txt'), 'real');
      await symlink('real.txt', join(backend.root, 'link.txt'));
      await symlink('/etc', join(backend.root, 'etc-link'));
      for (const links of ['skip', 'follow'] as const) {
        const events: SyncEvent[] = [];
        await runSync('sync', {
          local: localDir,
          remote: sftpUrl(backend.root),
          stateDir,
          connection: isolatedOptions(),
          links,
          onEvent: (e) => events.push(e),
        });
        const warnings = events.flatMap((e) => (e.type === 'warning' && /symbolic link/.test(e.message) ? [e.message] : []));
        assert.equal(warnings.length, 1, links);
        assert.match(warnings[0]!, /^2 symbolic links were skipped \(remote: etc-link, remote: link\.txt\)/);
      }
      assert.deepEqual((await readdir(localDir)).sort(), ['real.txt']);
    } finally {
      await rm(localDir, { recursive: true, force: true });
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
