/**
 * Helpers for the watch tests: fresh remote folders on the loopback servers (with the folder on
 * this machine's disk, to check what the server holds), a running watch with its events, and
 * waiting on conditions with a deadline.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenBackendOptions } from '../../src/backends/open-backend.js';
import { watchPair, type WatchDependencies, type WatchOptions } from '../../src/engine/watch/watch-pair.js';
import type { WatchEvent, WatchSummary } from '../../src/engine/watch/watch-events.js';
import { ftpServer, ftpUrl, freshFolderName as freshFtpFolder, openTestFtp } from '../ftp/ftp-test-servers.js';
import { isolatedOptions, openFreshSftp, sshd } from '../sftp/sftp-test-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/** A fresh, empty remote folder: its URL and where the server keeps it on this machine. */
export interface RemoteFolder {
  readonly url: string;
  readonly dir: string;
  readonly connection: OpenBackendOptions;
}

/** How the watch tests reach one server. */
export interface WatchServer {
  readonly label: string;
  fresh(prefix: string): Promise<RemoteFolder>;
  /** A fresh folder reached through a proxy the test can stop and start. */
  proxied(prefix: string): Promise<RemoteFolder & { readonly proxy: TcpProxy }>;
  cleanup(): Promise<void>;
}

/** The loopback OpenSSH server. */
export function sftpServer(): WatchServer {
  const dirs: string[] = [];
  const urlOf = (root: string, port: number): string => {
    const s = sshd();
    return `sftp://${s.user}:${encodeURIComponent(s.password)}@127.0.0.1:${port}${root}`;
  };
  return {
    label: 'sftp',
    async fresh(prefix) {
      const backend = await openFreshSftp(`watch-${prefix}`);
      await backend.close();
      dirs.push(backend.root);
      return { url: urlOf(backend.root, sshd().port), dir: backend.root, connection: isolatedOptions() };
    },
    async proxied(prefix) {
      const folder = await this.fresh(prefix);
      const proxy = new TcpProxy(sshd().port);
      await proxy.start();
      // The host key, now expected on the proxy's port.
      const knownHosts = join(await mkdtemp(join(tmpdir(), 'ferry-watch-kh-')), 'known_hosts');
      const key = readFileSync(sshd().hostKeyPublicPath, 'utf8').split(' ').slice(0, 2).join(' ');
      await writeFile(knownHosts, `[127.0.0.1]:${proxy.port} ${key}\n`);
      return { url: urlOf(folder.dir, proxy.port), dir: folder.dir, connection: isolatedOptions({ knownHostsFile: knownHosts }), proxy };
    },
    async cleanup() {
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

/** The loopback proftpd. */
export function proftpdServer(): WatchServer {
  const dirs: string[] = [];
  return {
    label: 'ftp (proftpd)',
    async fresh(prefix) {
      const server = ftpServer('proftpd');
      const folder = freshFtpFolder(`watch-${prefix}`);
      const backend = await openTestFtp(server, folder);
      await backend.close();
      const dir = join(server.dataRoot, folder);
      dirs.push(dir);
      return { url: ftpUrl(server, folder), dir, connection: { caFile: server.caFile } };
    },
    async proxied(prefix) {
      const server = ftpServer('proftpd');
      const folder = await this.fresh(prefix);
      const proxy = new TcpProxy(server.port);
      await proxy.start();
      const name = folder.dir.slice(server.dataRoot.length + 1);
      return { url: ftpUrl(server, name, { port: proxy.port }), dir: folder.dir, connection: folder.connection, proxy };
    },
    async cleanup() {
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

/** Waits until `condition` holds, polling; fails with `what` after the deadline. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The content of a file, or undefined when it is not there. */
export async function contentOf(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A watch running in this process. */
export interface RunningWatch {
  readonly localDir: string;
  readonly stateDir: string;
  readonly events: WatchEvent[];
  /** Copies done towards `to` (optionally of one path). */
  copies(to: 'local' | 'remote', path?: string): number;
  /** Interrupts the watch and returns its summary. */
  stop(): Promise<WatchSummary>;
}

/** Starts a watch of a fresh local folder (optionally with files) against `remote`; resolves once it watches. */
export async function startWatch(
  remote: RemoteFolder,
  options: Partial<WatchOptions> = {},
  dependencies: WatchDependencies = {},
  before?: (localDir: string) => Promise<void>,
): Promise<RunningWatch> {
  const localDir = await mkdtemp(join(tmpdir(), 'ferry-watch-local-'));
  const stateDir = await mkdtemp(join(tmpdir(), 'ferry-watch-state-'));
  await before?.(localDir);
  const events: WatchEvent[] = [];
  const controller = new AbortController();
  let failure: unknown;
  const done = watchPair(
    {
      local: localDir,
      remote: remote.url,
      stateDir,
      delete: options.mode === 'sync' ? undefined : true,
      rescanSeconds: 0,
      signal: controller.signal,
      onEvent: (event) => events.push(event),
      ...options,
      connection: { ...remote.connection, ...options.connection },
    },
    dependencies,
  );
  done.catch((error: unknown) => {
    failure = error;
  });
  await waitFor(() => {
    if (failure !== undefined) throw failure;
    return events.some((event) => event.type === 'watch-started');
  }, 'the watch to start');
  return {
    localDir,
    stateDir,
    events,
    copies(to, path) {
      return events.filter(
        (event) =>
          event.type === 'action-finished' &&
          event.result.status === 'done' &&
          event.result.action.kind === 'copy' &&
          event.result.action.to === to &&
          (path === undefined || event.result.action.path === path),
      ).length;
    },
    async stop() {
      controller.abort();
      const summary = await done;
      await rm(localDir, { recursive: true, force: true });
      await rm(stateDir, { recursive: true, force: true });
      return summary;
    },
  };
}
