/** The sync matrix over SFTP: a local folder against the loopback OpenSSH server (scripts/servers/sshd.sh). */
import { after } from 'node:test';
import { rm } from 'node:fs/promises';
import { describeSyncMatrix } from './sync-matrix-suite.js';
import { freshFolderName, isolatedOptions, openFreshSftp, sftpUrl } from '../sftp/sftp-test-server.js';

const roots: string[] = [];
after(async () => {
  // The server runs on this machine: remove what the scenarios left directly.
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describeSyncMatrix('local↔sftp', {
  async freshRemote(label) {
    // Created through the backend itself, so the folder belongs to the SSH user.
    const backend = await openFreshSftp(freshFolderName(`matrix-${label}`).slice(0, 60));
    await backend.close();
    roots.push(backend.root);
    return sftpUrl(backend.root);
  },
  connection: isolatedOptions(),
});
