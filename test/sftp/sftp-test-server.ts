/**
 * The loopback sshd that `scripts/servers/sshd.sh start` runs, and helpers to open backends on
 * fresh folders of it. Never touches the real ~/.ssh: host keys come from the server's own file.
 */
import { randomBytes } from 'node:crypto';
import { parseTarget } from '../../src/backends/target-url.js';
import { openSftpBackend } from '../../src/backends/sftp/open-sftp-backend.js';
import type { SftpBackend } from '../../src/backends/sftp/sftp-backend.js';
import type { OpenBackendOptions } from '../../src/backends/open-backend.js';
import { loadServer } from '../support/test-servers.js';

/** What sshd.sh writes to .test-servers/sshd.json. */
export interface SshdFacts {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly keyPath: string;
  readonly passphraseKeyPath: string;
  readonly passphrase: string;
  readonly strangerKeyPath: string;
  readonly hostKeyPublicPath: string;
  readonly knownHostsFile: string;
  readonly dataRoot: string;
  readonly home: string;
}

/** The running test sshd (throws with the start command when it is not running). */
export function sshd(): SshdFacts {
  return loadServer<SshdFacts>('sshd');
}

/** A new unique folder name below the data root. */
export function freshFolderName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** The sftp:// URL of `remotePath` on the test server, with the password when asked for. */
export function sftpUrl(remotePath: string, withPassword = true): string {
  const s = sshd();
  const auth = withPassword ? `${s.user}:${encodeURIComponent(s.password)}` : s.user;
  return `sftp://${auth}@${s.host}:${s.port}${remotePath.split('/').map(encodeURIComponent).join('/')}`;
}

/** Options that keep tests away from the user's ~/.ssh and agent. */
export function isolatedOptions(extra: OpenBackendOptions = {}): OpenBackendOptions {
  return { knownHostsFile: sshd().knownHostsFile, sshConfigFile: '/dev/null', ...extra };
}

/** Opens a backend (password login) on a fresh, empty folder under the data root. */
export async function openFreshSftp(prefix: string, extra: OpenBackendOptions = {}): Promise<SftpBackend> {
  const folder = `${sshd().dataRoot}/${freshFolderName(prefix)}`;
  return (await openSftpBackend(parseTarget(sftpUrl(folder)), isolatedOptions({ createFolder: true, ...extra }))) as SftpBackend;
}

/** Runs `fn` with SSH_AUTH_SOCK set to `socket` (or removed), restoring it afterwards. */
export async function withAgentSocket<T>(socket: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.SSH_AUTH_SOCK;
  if (socket === undefined) delete process.env.SSH_AUTH_SOCK;
  else process.env.SSH_AUTH_SOCK = socket;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
    else process.env.SSH_AUTH_SOCK = saved;
  }
}
