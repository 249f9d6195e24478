/**
 * How an SSH connection reaches its server: directly, through jump hosts (`ProxyJump`, `--jump`)
 * or through a command (`ProxyCommand`, `--proxy-command`). The command line wins over the ssh
 * config; `none` on the command line turns a configured proxy off, as `ssh -J none` does.
 */
import { userInfo } from 'node:os';
import { BackendError, FerryError } from '../../errors.js';
import type { KnownHostLine } from './known-hosts.js';
import { openJumpTunnel, parseJumpHosts, type JumpHop } from './jump-host.js';
import { expandProxyCommand, startProxyCommand } from './proxy-command-stream.js';
import { connectSftp, type SftpConnection, type SshEndpoint } from './sftp-connection.js';
import { readSshConfig, type SshHostConfig } from './ssh-config.js';
import { SshAuth } from './ssh-auth.js';

/** The way to the server; undefined for a direct TCP connection. */
export type SshRoute =
  { readonly kind: 'jump'; readonly hops: readonly JumpHop[]; readonly shown: string } | { readonly kind: 'command'; readonly command: string };

/** What {@link resolveSshRoute} needs to know. */
export interface SshRouteInputs {
  /** `--jump` as given (`none` turns the config's proxy off). */
  readonly jump?: string;
  /** `--proxy-command` as given (`none` turns the config's proxy off). */
  readonly proxyCommand?: string;
  /** The server's entry of the ssh config. */
  readonly config: SshHostConfig;
  readonly configFile: string;
  /** The server as the connection sees it, for ProxyCommand's `%h %p %r %n`. */
  readonly alias: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Known host keys (undefined when verification is off) and the file named in messages. */
  readonly knownHosts: readonly KnownHostLine[] | undefined;
  readonly knownHostsFile: string;
  readonly sshKey?: string;
  readonly askSecret?: (prompt: string) => Promise<string | undefined>;
  readonly warn?: (message: string) => void;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

/**
 * Decides the route. Jump hosts are looked up in the same ssh config (their HostName, Port, User,
 * IdentityFile, IdentitiesOnly), log in with keys, the agent or a prompted password, and have their
 * host keys checked against the same known_hosts files as the server. A jump host's own
 * ProxyJump or ProxyCommand is not followed (write the whole chain instead: `a,b`).
 */
export function resolveSshRoute(inputs: SshRouteInputs): SshRoute | undefined {
  const cliJump = inputs.jump?.trim();
  const cliCommand = inputs.proxyCommand?.trim();
  if (cliJump && cliCommand && cliJump.toLowerCase() !== 'none' && cliCommand.toLowerCase() !== 'none') {
    throw new FerryError('usage', '`jump` and `proxyCommand` cannot be used together');
  }
  const given = cliJump || cliCommand;
  let jump: { value: string; source: string } | undefined;
  let command: string | undefined;
  if (given !== undefined && given !== '') {
    if (given.toLowerCase() === 'none') return undefined;
    if (cliJump) jump = { value: cliJump, source: '--jump' };
    else command = cliCommand;
  } else if (inputs.config.proxyJump !== undefined) {
    jump = { value: inputs.config.proxyJump, source: `${inputs.configFile}: ProxyJump` };
  } else if (inputs.config.proxyCommand !== undefined) {
    command = inputs.config.proxyCommand;
  }
  if (command !== undefined) {
    return { kind: 'command', command: expandProxyCommand(command, { host: inputs.host, port: inputs.port, user: inputs.user, alias: inputs.alias }) };
  }
  if (jump === undefined) return undefined;
  const hops = parseJumpHosts(jump.value, jump.source).map((spec): JumpHop => {
    const hopConfig = readSshConfig(inputs.configFile, spec.host, { user: spec.user });
    for (const warning of hopConfig.warnings) inputs.warn?.(warning);
    const host = hopConfig.hostName ?? spec.host;
    const port = spec.port ?? hopConfig.port ?? 22;
    const user = spec.user ?? hopConfig.user ?? currentUser();
    return {
      host,
      port,
      user,
      auth: new SshAuth({
        user,
        where: `${user}@${host}${port === 22 ? '' : `:${port}`} (jump host)`,
        explicitKey: inputs.sshKey,
        identityFiles: hopConfig.identityFiles,
        identitiesOnly: hopConfig.identitiesOnly,
        agentSocket: process.env.SSH_AUTH_SOCK || undefined,
        askSecret: inputs.askSecret,
      }),
      knownHosts: inputs.knownHosts,
      knownHostsFile: inputs.knownHostsFile,
    };
  });
  return { kind: 'jump', hops, shown: hops.map((hop) => `${hop.host}:${hop.port}`).join(', ') };
}

/**
 * How the connection is routed, in words (`jump host bastion`, `ProxyCommand "..."`), without
 * connecting; undefined for a direct connection. For `ferry doctor`, which looks at a server
 * directly only when nothing stands in between.
 */
export function describeRoute(jump: string | undefined, proxyCommand: string | undefined, config: SshHostConfig): string | undefined {
  const given = jump?.trim() || proxyCommand?.trim();
  if (given !== undefined && given !== '') {
    if (given.toLowerCase() === 'none') return undefined;
    return jump?.trim() ? `jump host ${jump.trim()}` : `ProxyCommand "${proxyCommand!.trim()}"`;
  }
  if (config.proxyJump !== undefined) return `jump host ${config.proxyJump}`;
  if (config.proxyCommand !== undefined) return `ProxyCommand "${config.proxyCommand}"`;
  return undefined;
}

/** Adds where the connection went through to a connect error's message. */
function through(error: unknown, how: string): unknown {
  if (!(error instanceof BackendError) || how === '') return error;
  return new BackendError(error.code, `${error.message} (${how})`, { cause: error, retryable: error.retryable });
}

/**
 * Opens one SFTP connection along `route` (directly when undefined). Whatever the route opened is
 * closed with the connection, or at once when connecting fails.
 */
export async function connectSftpVia(endpoint: SshEndpoint, route: SshRoute | undefined, signal?: AbortSignal): Promise<SftpConnection> {
  const trace = endpoint.trace;
  const where = `ssh ${endpoint.host}:${endpoint.port}`;
  trace?.(
    `${where}: connecting as ${endpoint.user}${route === undefined ? '' : route.kind === 'jump' ? ` through jump host ${route.shown}` : ' through ProxyCommand'}`,
  );
  try {
    const connection = await connectThrough(endpoint, route, signal);
    trace?.(
      `${where}: logged in${connection.handshake.serverSoftware ? ` (server ${connection.handshake.serverSoftware})` : ''}, SFTP version ${connection.sftpInfo.version}`,
    );
    return connection;
  } catch (error) {
    trace?.(`${where}: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
}

async function connectThrough(endpoint: SshEndpoint, route: SshRoute | undefined, signal?: AbortSignal): Promise<SftpConnection> {
  if (route === undefined) return connectSftp(endpoint, signal);
  if (route.kind === 'command') {
    endpoint.trace?.(`ssh ${endpoint.host}:${endpoint.port}: starting ProxyCommand ${route.command}`);
    const proxy = startProxyCommand(route.command, endpoint.trace);
    try {
      return await connectSftp({ ...endpoint, sock: proxy.stream }, signal);
    } catch (error) {
      proxy.stream.destroy();
      // Give the command a moment to report why it ended (a refused connection, a typo).
      await new Promise((resolve) => setTimeout(resolve, 50));
      const said = proxy.failure();
      throw through(error, `through ProxyCommand "${route.command}"${said ? `, which ${said}` : ''}`);
    }
  }
  const tunnel = await openJumpTunnel(route.hops, endpoint.host, endpoint.port, {
    readyTimeoutMs: endpoint.readyTimeoutMs,
    idleTimeoutMs: endpoint.idleTimeoutMs,
    signal,
    trace: endpoint.trace,
  });
  try {
    return await connectSftp({ ...endpoint, sock: tunnel.stream }, signal);
  } catch (error) {
    tunnel.close();
    throw through(error, `through jump host ${route.shown}`);
  }
}
