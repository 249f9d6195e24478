/** Moves, checksums, case and links: local↔SFTP (loopback OpenSSH; hashes with sha256sum over exec). */
import { rm } from 'node:fs/promises';
import { after } from 'node:test';
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
