/** Safety scenarios (docs/safety.md) over SFTP: the loopback OpenSSH server (scripts/servers/sshd.sh). */
import { rm } from 'node:fs/promises';
import { after } from 'node:test';
import { freshFolderName, isolatedOptions, openFreshSftp, sftpUrl } from '../sftp/sftp-test-server.js';
import { describeSafety } from './safety-suite.js';

const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describeSafety('local↔sftp', {
  async freshRemote(label) {
    const backend = await openFreshSftp(freshFolderName(`safety-${label}`).slice(0, 60));
    await backend.close();
    roots.push(backend.root);
    return sftpUrl(backend.root);
  },
  connection: isolatedOptions(),
});
