/**
 * Helpers for tests against the loopback FTP servers that `scripts/servers/<name>.sh start` runs.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from 'basic-ftp';
import type { Backend } from '../../src/backends/backend.js';
import type { FtpConnectionSettings } from '../../src/backends/ftp/connect-ftp-client.js';
import { openBackend, type OpenBackendOptions } from '../../src/backends/open-backend.js';
import { parseTarget } from '../../src/backends/target-url.js';
import type { BackendHarness } from '../conformance/describe-backend.js';
import { loadServer } from '../support/test-servers.js';

/** The FTP servers the scripts can start. */
export type FtpServerName = 'proftpd' | 'pure-ftpd' | 'vsftpd' | 'pyftpdlib';

/** What an FTP server script writes to `.test-servers/<name>.json`. */
export interface FtpServerFacts {
  readonly name: FtpServerName;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Folder on this machine that the server's `/` maps to. */
  readonly dataRoot: string;
  readonly ftps: boolean;
  readonly caFile?: string;
  readonly mlsd: boolean;
  readonly listsMissingDirAsEmpty?: boolean;
  /** proftpd: implicit FTPS port. */
  readonly implicitTlsPort?: number;
  /** pyftpdlib: port of the same server without MFMT. */
  readonly noMtimePort?: number;
  /** pure-ftpd: a user limited to `limitedMaxConnections` connections. */
  readonly limitedUser?: string;
  readonly limitedPassword?: string;
  readonly limitedMaxConnections?: number;
}

/** Reads a server's facts; throws with the command to start it when it is not running. */
export function ftpServer(name: FtpServerName): FtpServerFacts {
  return loadServer<FtpServerFacts>(name);
}

/** How to reach a server in one test. */
export interface FtpUrlOptions {
  readonly tls?: 'none' | 'explicit' | 'implicit';
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
}

/** The URL of `folder` (server path without leading slash) on a test server. */
export function ftpUrl(server: FtpServerFacts, folder: string, options: FtpUrlOptions = {}): string {
  const tls = options.tls ?? 'none';
  const scheme = tls === 'none' ? 'ftp' : 'ftps';
  const port = options.port ?? (tls === 'implicit' ? server.implicitTlsPort : server.port);
  const user = encodeURIComponent(options.user ?? server.user);
  const password = encodeURIComponent(options.password ?? server.password);
  const query = tls === 'implicit' ? '?tls=implicit' : '';
  return `${scheme}://${user}:${password}@${server.host}:${port}/${folder}${query}`;
}

/** A fresh folder name, unique per test run. */
export function freshFolderName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Opens a backend on `folder` of a test server (created when missing), trusting its CA. */
export async function openTestFtp(server: FtpServerFacts, folder: string, options: FtpUrlOptions & OpenBackendOptions = {}): Promise<Backend> {
  const { tls, port, user, password, ...open } = options;
  return openBackend(parseTarget(ftpUrl(server, folder, { tls, port, user, password })), {
    createFolder: true,
    caFile: server.caFile,
    ...open,
  });
}

/**
 * Settings for `connectFtpClient` (one basic-ftp client, no pool) to a test server, trusting its
 * CA over FTPS; `extra` adds or overrides settings (active mode, say).
 */
export async function clientSettingsFor(
  name: FtpServerName,
  tls: 'none' | 'explicit' = 'none',
  extra: Partial<FtpConnectionSettings> = {},
): Promise<FtpConnectionSettings> {
  const server = ftpServer(name);
  const ca = tls !== 'none' && server.caFile !== undefined ? [await readFile(server.caFile, 'utf8')] : undefined;
  return {
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    tls,
    tlsOptions: { ca, rejectUnauthorized: true },
    encoding: 'utf8',
    timeoutMs: 10_000,
    label: name,
    ...extra,
  };
}

/** Deletes a test folder on disk (the scripts run the servers on this machine). */
export async function removeTestFolder(server: FtpServerFacts, folder: string): Promise<void> {
  await rm(join(server.dataRoot, folder), { recursive: true, force: true });
}

/** A conformance harness: a backend on a fresh empty folder of `name`, removed afterwards. */
export function ftpHarness(name: FtpServerName, options: FtpUrlOptions & OpenBackendOptions = {}): BackendHarness {
  const folder = freshFolderName(`conf-${options.tls ?? 'plain'}`);
  return {
    open: () => openTestFtp(ftpServer(name), folder, options),
    cleanup: () => removeTestFolder(ftpServer(name), folder),
  };
}

/** A remote harness for test/scenarios/sync-matrix-suite.ts, plus a cleanup of its folders. */
export function ftpScenarioHarness(
  name: FtpServerName,
  options: FtpUrlOptions = {},
): { freshRemote(label: string): Promise<string>; readonly connection: OpenBackendOptions; cleanup(): Promise<void> } {
  const folders: string[] = [];
  return {
    async freshRemote(label: string): Promise<string> {
      const server = ftpServer(name);
      const folder = freshFolderName(`matrix-${label.replace(/[^A-Za-z0-9]+/g, '_')}`.slice(0, 60));
      // Created through FTP, so the folder belongs to the server's user.
      const backend = await openTestFtp(server, folder, options);
      await backend.close();
      folders.push(folder);
      return ftpUrl(server, folder, options);
    },
    connection: { caFile: loadServer<FtpServerFacts>(name).caFile, parallel: 2 },
    async cleanup(): Promise<void> {
      const server = ftpServer(name);
      await Promise.all(folders.map((folder) => removeTestFolder(server, folder)));
    },
  };
}

/** Records what `client` writes to its control connection, one entry per write. */
export function recordWrites(client: Client): string[] {
  const writes: string[] = [];
  const socket = client.ftp.socket;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  socket.write = ((...args: unknown[]) => {
    writes.push(String(args[0]));
    return write(...args);
  }) as typeof socket.write;
  return writes;
}
