/**
 * `ProxyJump` (`ssh -J`): reaching the server through one or more SSH jump hosts. Each hop is an
 * SSH connection of its own, its host key checked against known_hosts like the server's, that
 * opens a `direct-tcpip` channel to the next hop; the last channel carries the connection to the
 * server. Nothing is run on the jump hosts (no shell, no `ssh -W`): only port forwarding, which
 * sshd allows unless `AllowTcpForwarding no`.
 */
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AnyAuthMethod } from 'ssh2';
import { BackendError, FerryError } from '../../errors.js';
import { checkHostKey, hostKeyError, type KnownHostLine } from './known-hosts.js';
import { hostKeyAlgorithmsFor } from './sftp-connection.js';
import { mapConnectError } from './sftp-errors.js';
import type { SshAuth } from './ssh-auth.js';

const { Client } = ssh2;

/** One `[user@]host[:port]` of a ProxyJump list, as written. */
export interface JumpSpec {
  readonly user?: string;
  readonly host: string;
  readonly port?: number;
}

/**
 * Parses a ProxyJump value: comma-separated `[user@]host[:port]` or `ssh://[user@]host[:port]`,
 * IPv6 addresses in brackets. Throws a config FerryError naming `source` for a malformed hop.
 */
export function parseJumpHosts(value: string, source: string): JumpSpec[] {
  return value.split(',').map((raw) => {
    const hop = raw.trim().replace(/^ssh:\/\//i, '');
    const match = /^(?:([^@\s]+)@)?(\[[^\]\s]+\]|[^:@\s[\]/]+)(?::(\d+))?$/.exec(hop);
    const port = match?.[3] !== undefined ? Number(match[3]) : undefined;
    if (!match || (port !== undefined && (port < 1 || port > 65535))) {
      throw new FerryError('config', `${source}: jump host "${raw.trim()}" is not [user@]host[:port]`);
    }
    return { user: match[1], host: match[2]!.replace(/^\[(.*)\]$/, '$1'), ...(port !== undefined ? { port } : {}) };
  });
}

/** A jump host resolved through the ssh config, ready to connect to. */
export interface JumpHop {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly auth: SshAuth;
  readonly knownHosts: readonly KnownHostLine[] | undefined;
  readonly knownHostsFile: string;
}

/** Timing, cancelling and tracing of the hops (the server connection's own settings). */
export interface HopOptions {
  readonly readyTimeoutMs: number;
  /** A hop that answers no SSH keep-alive this long is dropped (and the connection through it). */
  readonly idleTimeoutMs: number;
  readonly signal?: AbortSignal;
  readonly trace?: (line: string) => void;
}

/** The open hops of a route; closing it ends them all, last hop first. */
export interface JumpTunnel {
  readonly stream: Duplex;
  close(): void;
}

/**
 * Connects through `hops` in order and opens a channel from the last one to `host`:`port`.
 * Rejects with a BackendError that names the hop that failed (`host-key`, `auth`, `timeout`,
 * `connection-lost`); `signal` aborts it, closing what was opened.
 */
export async function openJumpTunnel(hops: readonly JumpHop[], host: string, port: number, options: HopOptions): Promise<JumpTunnel> {
  const clients: InstanceType<typeof Client>[] = [];
  const close = (): void => {
    for (const client of [...clients].reverse()) client.destroy();
  };
  let stream: Duplex | undefined;
  try {
    for (let i = 0; i < hops.length; i++) {
      const hop = hops[i]!;
      const client = await connectHop(hop, stream, options);
      clients.push(client);
      const next = hops[i + 1] ?? { host, port };
      stream = await forward(client, hop, next.host, next.port, options);
    }
  } catch (error) {
    close();
    throw error;
  }
  // The channel to the server closes when the ssh2 client on top of it ends: the hops go too.
  stream!.on('close', close);
  return { stream: stream!, close };
}

function connectHop(hop: JumpHop, sock: Duplex | undefined, options: HopOptions): Promise<InstanceType<typeof Client>> {
  const where = `jump host ${hop.host}:${hop.port}`;
  return new Promise((resolve, reject) => {
    const client = new Client();
    let settled = false;
    let hostKeyProblem: BackendError | undefined;
    let lastMethod: AnyAuthMethod | undefined;
    const tried: string[] = [];
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      client.destroy();
      reject(error);
    };
    const onAbort = (): void => fail(options.signal!.reason ?? new DOMException('aborted', 'AbortError'));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    client.on('error', (error: Error & { level?: string }) => {
      if (error.level === 'agent') return;
      if (hostKeyProblem) return fail(hostKeyProblem);
      if (error.level === 'client-authentication') {
        const methods =
          tried.length > 0 ? [...new Set(tried)].join(', ') : 'no usable method: add an IdentityFile for it to the ssh config, --ssh-key, or run ssh-agent';
        return fail(new BackendError('auth', `authentication failed for ${hop.user}@${where} (tried: ${methods})`, { cause: error, retryable: false }));
      }
      fail(mapConnectError(error, where));
    });
    client.on('close', () => fail(hostKeyProblem ?? new BackendError('connection-lost', `cannot connect to ${where}: the server closed the connection`)));
    client.on('ready', () => {
      if (lastMethod) hop.auth.succeeded(lastMethod);
      options.trace?.(`ssh ${where}: logged in as ${hop.user}`);
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      // After login, errors surface through the channel; without a listener they would crash.
      client.on('error', () => undefined);
      resolve(client);
    });
    const algorithms = hostKeyAlgorithmsFor(hop);
    options.trace?.(`ssh ${where}: connecting${sock ? ' through the previous jump host' : ''}`);
    try {
      client.connect({
        host: hop.host,
        port: hop.port,
        username: hop.user,
        ...(sock ? { sock: sock as never } : {}),
        readyTimeout: options.readyTimeoutMs,
        keepaliveInterval: Math.max(500, Math.floor(options.idleTimeoutMs / 3)),
        keepaliveCountMax: 2,
        ...(algorithms ? { algorithms: { serverHostKey: algorithms as never } } : {}),
        hostVerifier: (key: Buffer): boolean => {
          if (!hop.knownHosts) return true;
          const verdict = checkHostKey(hop.knownHosts, hop.host, hop.port, key);
          if (verdict.status === 'trusted') return true;
          hostKeyProblem = hostKeyError(verdict, hop.host, hop.port, key, hop.knownHostsFile);
          return false;
        },
        authHandler: hop.auth.handler((method) => {
          lastMethod = method;
          options.trace?.(`ssh ${where}: trying ${method.type} authentication`);
        }, tried),
      });
    } catch (error) {
      fail(mapConnectError(error, where));
    }
  });
}

function forward(client: InstanceType<typeof Client>, hop: JumpHop, host: string, port: number, options: HopOptions): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: unknown, channel?: Duplex): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error !== undefined) reject(error);
      else resolve(channel!);
    };
    const timer = setTimeout(() => {
      settle(new BackendError('timeout', `jump host ${hop.host}:${hop.port} did not open a channel to ${host}:${port} in time`));
    }, options.readyTimeoutMs);
    timer.unref();
    const onAbort = (): void => settle(options.signal!.reason ?? new DOMException('aborted', 'AbortError'));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    options.trace?.(`ssh jump host ${hop.host}:${hop.port}: opening a channel to ${host}:${port}`);
    client.forwardOut('127.0.0.1', 0, host, port, (error, channel) => {
      if (error) {
        // sshd answers "Connection refused" or "administratively prohibited" (AllowTcpForwarding no).
        settle(
          new BackendError('connection-lost', `jump host ${hop.host}:${hop.port} could not reach ${host}:${port}: ${error.message.split('\n')[0]}`, {
            cause: error,
          }),
        );
        return;
      }
      settle(undefined, channel as unknown as Duplex);
    });
  });
}
