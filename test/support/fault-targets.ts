/**
 * Remote targets for the fault tests: fresh folders on the loopback sshd and proftpd, reachable
 * directly or through a {@link FaultProxy}, with the server-side path of each folder so that a test
 * can compare contents byte for byte without going through ferry.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { FaultProxy } from './fault-proxy.js';
import { loadServer } from './test-servers.js';

/**
 * Protocols the fault tests run on. `ftps`: explicit FTPS on proftpd; the proxy cannot read the
 * encrypted control connection to redirect data connections, so only the control connection passes
 * through it (data connections go straight to the server).
 */
export type RemoteKind = 'sftp' | 'ftp' | 'ftps';

interface SshdFacts {
  host: string;
  port: number;
  user: string;
  password: string;
  hostKeyPublicPath: string;
  dataRoot: string;
}

interface FtpFacts {
  host: string;
  port: number;
  user: string;
  password: string;
  dataRoot: string;
  remoteRoot: string;
  caFile?: string;
}

/** A fresh remote folder (not yet created) and how to reach it. */
export interface RemoteFolder {
  readonly kind: RemoteKind;
  /** The URL ferry is given (through the proxy when one was asked for). */
  readonly url: string;
  /** Where the folder lies on this machine's disk (the server's data root). */
  readonly diskPath: string;
  /** CLI arguments the target needs (known_hosts for the port used, no ~/.ssh). */
  readonly args: readonly string[];
  /** The proxy in front of the server, when one was asked for. */
  readonly proxy?: FaultProxy;
  /** Closes the proxy and removes the folder. */
  cleanup(): Promise<void>;
}

function freshName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * A fresh folder on the test server of `kind`; with `proxied`, ferry reaches it through a new
 * {@link FaultProxy} (FTP: data connections too). `knownHostsDir` is where a known_hosts file for
 * the port in the URL is written.
 */
export async function remoteFolder(kind: RemoteKind, prefix: string, knownHostsDir: string, proxied = true): Promise<RemoteFolder> {
  const name = freshName(prefix);
  if (kind === 'sftp') {
    const s = loadServer<SshdFacts>('sshd');
    const proxy = proxied ? await FaultProxy.start(s.port) : undefined;
    const port = proxy?.port ?? s.port;
    const key = (await fs.readFile(s.hostKeyPublicPath, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
    const knownHosts = path.join(knownHostsDir, `known_hosts-${port}`);
    await fs.writeFile(knownHosts, `[127.0.0.1]:${port} ${key}\n`);
    const diskPath = `${s.dataRoot}/${name}`;
    return {
      kind,
      url: `sftp://${s.user}:${encodeURIComponent(s.password)}@127.0.0.1:${port}${diskPath}`,
      diskPath,
      args: ['--known-hosts', knownHosts, '--no-keyring', '--no-netrc'],
      proxy,
      cleanup: async () => {
        await proxy?.close();
        await fs.rm(diskPath, { recursive: true, force: true });
      },
    };
  }
  const f = loadServer<FtpFacts>('proftpd');
  const proxy = proxied ? await FaultProxy.start(f.port, { ftp: kind === 'ftp' }) : undefined;
  const port = proxy?.port ?? f.port;
  const remotePath = `${f.remoteRoot.replace(/\/$/, '')}/${name}`;
  const diskPath = path.join(f.dataRoot, name);
  return {
    kind,
    url: `${kind}://${f.user}:${encodeURIComponent(f.password)}@127.0.0.1:${port}${remotePath}`,
    diskPath,
    args: ['--no-keyring', '--no-netrc', ...(kind === 'ftps' && f.caFile !== undefined ? ['--ca-file', f.caFile] : [])],
    proxy,
    cleanup: async () => {
      await proxy?.close();
      await fs.rm(diskPath, { recursive: true, force: true });
    },
  };
}
