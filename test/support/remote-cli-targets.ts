/**
 * Remote folders on the loopback test servers for CLI tests: a fresh folder per test, its URL, the
 * extra CLI flags that server needs, and a backend to fill or read it (so files belong to the
 * server's user and carry the times a test asks for).
 */
import { Readable } from 'node:stream';
import type { Backend } from '../../src/backends/backend.js';
import { openBackend } from '../../src/backends/open-backend.js';
import { parseTarget } from '../../src/backends/target-url.js';
import { toRelPath } from '../../src/core/rel-path.js';
import { ftpServer, ftpUrl, freshFolderName as freshFtpFolder, removeTestFolder, type FtpServerName } from '../ftp/ftp-test-servers.js';
import { freshFolderName as freshSftpFolder, isolatedOptions, sftpUrl, sshd } from '../sftp/sftp-test-server.js';

/** One fresh remote folder of a test server. */
export interface RemoteCliFolder {
  /** The URL for the CLI (with the password). */
  readonly url: string;
  /** The host + path pyftpsync would name this folder by (its peer id). */
  readonly pyftpsyncId: string;
  /** Flags the CLI needs for this server (its known hosts file). */
  readonly flags: readonly string[];
  /** A backend on the folder (created empty). */
  readonly backend: Backend;
  /** Closes the backend and removes the folder. */
  cleanup(): Promise<void>;
}

/** The servers these tests run on: sshd and two FTP servers (one with server-side hashes, one without). */
export const REMOTE_KINDS = ['sftp', 'proftpd', 'pure-ftpd'] as const;
export type RemoteKind = (typeof REMOTE_KINDS)[number];

/** Creates a fresh empty folder on `kind`'s server. */
export async function freshRemoteFolder(kind: RemoteKind, label: string): Promise<RemoteCliFolder> {
  if (kind === 'sftp') {
    const s = sshd();
    const folder = `${s.dataRoot}/${freshSftpFolder(label)}`;
    const url = sftpUrl(folder);
    const backend = await openBackend(parseTarget(url), isolatedOptions({ createFolder: true }));
    return {
      url,
      pyftpsyncId: `${s.host}${folder}`,
      flags: ['--known-hosts', s.knownHostsFile],
      backend,
      async cleanup() {
        await backend.close();
        const { rm } = await import('node:fs/promises');
        await rm(folder, { recursive: true, force: true });
      },
    };
  }
  const server = ftpServer(kind as FtpServerName);
  const folder = freshFtpFolder(label);
  const url = ftpUrl(server, folder);
  const backend = await openBackend(parseTarget(url), { createFolder: true });
  return {
    url,
    pyftpsyncId: `${server.host}/${folder}`,
    flags: [],
    backend,
    async cleanup() {
      await backend.close();
      await removeTestFolder(server, folder);
    },
  };
}

/** Writes `files` (path → content) through a backend, creating folders, with one mtime. */
export async function putFiles(backend: Backend, files: Record<string, string>, mtimeMs: number): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) await backend.mkdir(toRelPath(parts.slice(0, i).join('/')));
    await backend.write(toRelPath(path), Readable.from([Buffer.from(content)]), { mtimeMs });
  }
}

/** Reads one file through a backend (undefined when absent). */
export async function readFile(backend: Backend, path: string): Promise<string | undefined> {
  if (!(await backend.stat(toRelPath(path)))) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of await backend.read(toRelPath(path))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}
