/** The backend conformance suite against the loopback OpenSSH server (scripts/servers/sshd.sh). */
import { rm } from 'node:fs/promises';
import type { Backend } from '../../src/backends/backend.js';
import type { SftpBackend } from '../../src/backends/sftp/sftp-backend.js';
import { describeBackend } from './describe-backend.js';
import { openFreshSftp } from '../sftp/sftp-test-server.js';

const roots: string[] = [];

describeBackend('sftp', {
  async open(): Promise<Backend> {
    // Each call gets its own new folder, created through the backend's --create-folder path.
    const backend: SftpBackend = await openFreshSftp('conformance');
    roots.push(backend.root);
    return backend;
  },
  async cleanup() {
    // The server is on this machine: remove what the suite left directly.
    await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
  },
  // The test account has a shell: sha256sum, sha1sum and md5sum run over exec.
  hashes: ['sha256', 'sha1', 'md5'],
});
