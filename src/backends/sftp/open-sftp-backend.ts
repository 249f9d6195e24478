/**
 * Opens an SFTP backend for an `sftp://` target: reads the ssh config and known_hosts, connects,
 * resolves the root folder and checks that it exists (or creates it).
 */
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import * as path from 'node:path';
import type { Stats } from 'ssh2';
import { BackendError, FerryError, isBackendError } from '../../errors.js';
import type { Backend } from '../backend.js';
import { mayCreateRoot } from '../may-create-root.js';
import { missingRootHint } from '../missing-root-hint.js';
import type { SftpOpenOptions } from '../options/open-backend-options.js';
import type { Target } from '../target-url.js';
import { readKnownHosts } from './known-hosts.js';
import { SftpBackend } from './sftp-backend.js';
import type { SftpConnection, SshEndpoint } from './sftp-connection.js';
import { SftpConnectionPool } from './sftp-connection-pool.js';
import { readSshConfig } from './ssh-config.js';
import { SshAuth } from './ssh-auth.js';
import { connectSftpVia, resolveSshRoute } from './ssh-route.js';
import { netrcLogin, resolvePassword, storeLoginPassword } from '../credentials/resolve-password.js';

/** Connections opened when `parallel` is not given (see docs/sftp.md for the measurements). */
export const defaultSftpConnections = 2;
/** Operations the engine keeps in flight per connection: SFTP pipelines requests on a channel. */
export const sftpOperationsPerConnection = 16;

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

/** Stat that follows links (the root may be a symlink) and reports a missing path as undefined. */
async function statOrUndefined(c: SftpConnection, abs: string): Promise<Stats | undefined> {
  try {
    return await c.call<Stats>(`cannot open ${abs}`, (sftp, done) => sftp.stat(abs, done));
  } catch (error) {
    if (isBackendError(error, 'not-found')) return undefined;
    throw error;
  }
}

/** Creates `abs` and its missing parents, like `mkdir -p`. */
async function mkdirParents(c: SftpConnection, abs: string): Promise<void> {
  const parts = abs.split('/').filter((part) => part !== '');
  let current = '';
  for (const part of parts) {
    current += `/${part}`;
    const stats = await statOrUndefined(c, current);
    if (stats?.isDirectory()) continue;
    if (stats) throw new FerryError('config', `cannot create remote folder ${abs}: ${current} is a file`);
    await c.call(`cannot create remote folder ${current}`, (sftp, done) => sftp.mkdir(current, done));
  }
}

/**
 * The absolute root folder for the URL path: `/~` and `/~/dir` are relative to the login folder
 * (SFTP's `.`); anything else is absolute on the server.
 */
async function resolveRoot(c: SftpConnection, urlPath: string): Promise<string> {
  let root = urlPath === '' ? '/' : urlPath;
  if (root === '/~' || root.startsWith('/~/')) {
    const home = await c.call<string>('cannot find the login folder', (sftp, done) => sftp.realpath('.', done));
    root = `${home.replace(/\/+$/, '')}${root.slice(2)}`;
  }
  root = root.replace(/\/+$/, '');
  return root === '' ? '/' : root;
}

/**
 * Opens the SFTP backend for `target`. Throws BackendErrors (`host-key`, `auth`, `not-found`,
 * `connection-lost`, `timeout`) or a config FerryError, each with a one-line message.
 */
export async function openSftpBackend(target: Target, options: SftpOpenOptions): Promise<Backend> {
  const alias = target.host!;
  const configFile = options.sshConfigFile ?? path.join(homedir(), '.ssh', 'config');
  if (options.sshConfigFile !== undefined && !existsSync(options.sshConfigFile)) {
    throw new FerryError('config', `ssh config file ${options.sshConfigFile} does not exist`);
  }
  const config = readSshConfig(configFile, alias, { user: target.user });
  for (const warning of config.warnings) options.warn?.(warning);
  const host = config.hostName ?? alias;
  // A port written in the URL wins; otherwise ~/.ssh/config's Port, otherwise 22.
  const port = target.portGiven && target.port !== undefined ? target.port : (config.port ?? target.port ?? 22);
  // The netrc `login` of the host counts when neither the URL nor the ssh config names a user.
  const user = target.user ?? config.user ?? netrcLogin(alias, options) ?? currentUser();
  if (options.sshKey !== undefined && !existsSync(options.sshKey)) {
    throw new FerryError('config', `ssh key file ${options.sshKey} does not exist`);
  }

  const verify = options.verifyHostKeys !== false;
  const userKnownHosts =
    options.knownHostsFile !== undefined
      ? [options.knownHostsFile]
      : config.userKnownHostsFiles.length > 0
        ? config.userKnownHostsFiles
        : [path.join(homedir(), '.ssh', 'known_hosts'), path.join(homedir(), '.ssh', 'known_hosts2')];
  // The system-wide file counts too, except when a test or user names one file explicitly.
  const knownHostsFiles = options.knownHostsFile !== undefined ? userKnownHosts : [...userKnownHosts, '/etc/ssh/ssh_known_hosts'];
  if (!verify) options.warn?.(`host key verification is off for ${target.display}: the connection could be intercepted`);

  const where = `${user}@${host}${port === 22 ? '' : `:${port}`}`;
  const knownHosts = verify ? await readKnownHosts(knownHostsFiles) : undefined;
  const route = resolveSshRoute({
    jump: options.jumpHosts,
    proxyCommand: options.proxyCommand,
    config,
    configFile,
    alias,
    host,
    port,
    user,
    knownHosts,
    knownHostsFile: userKnownHosts[0]!,
    sshKey: options.sshKey,
    askSecret: options.prompt === 'never' ? undefined : options.askSecret,
    warn: options.warn,
  });
  const endpoint: SshEndpoint = {
    host,
    hostAlias: alias,
    port,
    user,
    auth: new SshAuth({
      user,
      where,
      urlPassword: options.password ?? target.password,
      givenPassword: options.password !== undefined,
      explicitKey: options.sshKey,
      privateKey: options.privateKey,
      passphrase: options.passphrase,
      identityFiles: config.identityFiles,
      identitiesOnly: config.identitiesOnly,
      agentSocket: options.agent === false ? undefined : options.agent || process.env.SSH_AUTH_SOCK || undefined,
      askSecret: options.prompt === 'never' ? undefined : options.askSecret,
      promptFirst: options.prompt === 'always',
      storedPassword: async () => {
        const found = await resolvePassword(
          { host: alias, user, urlPassword: options.password ?? target.password, promptText: () => '' },
          options,
          {},
          { url: options.prompt === 'always', prompt: false },
        );
        return found;
      },
    }),
    knownHosts,
    knownHostsFile: userKnownHosts[0]!,
    readyTimeoutMs: options.timeoutMs ?? 20_000,
    idleTimeoutMs: options.timeoutMs ?? 30_000,
    ...(options.trace ? { trace: options.trace } : {}),
    minRate: options.minRate,
  };

  const connecting = connectSftpVia(endpoint, route, options.signal);
  options.onConnecting?.();
  const first = await connecting;
  const loggedIn = endpoint.auth.loggedInPassword();
  if (options.storePassword && loggedIn !== undefined) await storeLoginPassword(alias, user, loggedIn.password, loggedIn.source, options);
  try {
    const root = await resolveRoot(first, target.path);
    const stats = await statOrUndefined(first, root);
    if (!stats) {
      if (!(await mayCreateRoot(options))) {
        throw new BackendError('not-found', `remote folder ${root} does not exist on ${host}${missingRootHint(options)}`, { retryable: false });
      }
      await mkdirParents(first, root);
    } else if (!stats.isDirectory()) {
      throw new FerryError('config', `remote path ${root} on ${host} is a file, not a folder`);
    }
    const connections = Math.max(1, Math.min(16, Math.floor(options.parallel ?? defaultSftpConnections)));
    // Later connections never prompt again: SshAuth reuses what the first one resolved.
    const pool = new SftpConnectionPool((signal) => connectSftpVia(endpoint, route, signal), connections, first);
    return new SftpBackend({
      id: target.id,
      displayName: target.display,
      root,
      pool,
      maxConcurrency: connections * sftpOperationsPerConnection,
    });
  } catch (error) {
    await first.close();
    throw error;
  }
}
