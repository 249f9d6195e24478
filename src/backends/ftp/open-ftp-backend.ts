/**
 * Opens an FTP or FTPS backend for a parsed `ftp://` or `ftps://` target.
 *
 * - `ftp://user:pass@host:port/path`: plain FTP.
 * - `ftps://...`: explicit FTPS (AUTH TLS on the normal port, RFC 4217).
 * - `ftps://...?tls=implicit`, or `ftps://` on port 990: implicit FTPS (TLS from the first byte).
 *   `?tls=explicit` forces explicit TLS on port 990.
 *
 * The path is absolute on the server as the user sees it after login (on chrooted servers, below
 * the user's root); `/~/sub` means `sub` below the folder the server logs the user into.
 */
import { readFile } from 'node:fs/promises';
import { createSecureContext, rootCertificates, type ConnectionOptions } from 'node:tls';
import { FTPError, type Client } from 'basic-ftp';
import { BackendError, FerryError } from '../../errors.js';
import type { Backend } from '../backend.js';
import { mayCreateRoot } from '../may-create-root.js';
import { missingRootHint } from '../missing-root-hint.js';
import type { FtpOpenOptions } from '../options/open-backend-options.js';
import type { Target } from '../target-url.js';
import { describeSource, howToGivePassword, resolvePassword, storeLoginPassword, type PasswordSource } from '../credentials/resolve-password.js';
import { connectFtpClient, type FtpConnectionSettings, type FtpTlsMode } from './connect-ftp-client.js';
import { FtpBackend } from './ftp-backend.js';
import { FtpClientPool } from './ftp-client-pool.js';
import { ftpReplyCode, mapFtpError } from './ftp-errors.js';
import { mtimeMethodOf, type MtimeMethod } from './mtime-method.js';
import { sendPipelined, type PipelinedReply } from './send-pipelined.js';
import { parseFeatures, type ServerFeatures } from './server-features.js';

/** Connections opened when `options.parallel` is not given. */
export const DEFAULT_FTP_CONNECTIONS = 4;
/** Per-command timeout. */
const COMMAND_TIMEOUT_MS = 30_000;

/** The TLS mode a target asks for (see the module comment). Throws a usage error for a bad `?tls=`. */
export function tlsModeOf(target: Target): FtpTlsMode {
  const param = target.params.get('tls')?.toLowerCase();
  if (param !== undefined && param !== 'implicit' && param !== 'explicit') {
    throw new FerryError('usage', `unknown ?tls=${param} in ${target.display}: use ?tls=implicit or ?tls=explicit`);
  }
  if (target.scheme === 'ftp') {
    if (param !== undefined) throw new FerryError('usage', `?tls=${param} needs an ftps:// URL (${target.display})`);
    return 'none';
  }
  if (param === 'implicit') return 'implicit';
  if (param === 'explicit') return 'explicit';
  return target.port === 990 ? 'implicit' : 'explicit';
}

/** Node's name for a user-given encoding ("UTF-8", "latin1", "ISO-8859-1"). */
function bufferEncodingOf(encoding: string | undefined): 'utf8' | 'latin1' | 'ascii' {
  if (encoding === undefined) return 'utf8';
  const normalized = encoding.toLowerCase().replace(/[^a-z0-9]/g, '');
  const aliases: Record<string, 'utf8' | 'latin1' | 'ascii'> = {
    utf8: 'utf8',
    latin1: 'latin1',
    iso88591: 'latin1',
    binary: 'latin1',
    ascii: 'ascii',
    usascii: 'ascii',
  };
  const found = aliases[normalized];
  if (found === undefined) {
    throw new FerryError('usage', `unsupported FTP name encoding "${encoding}": use utf8 or latin1 (ISO-8859-1)`);
  }
  return found;
}

/** TLS options: certificates are verified unless `verifyCerts` is false; `caFile` adds CAs. */
export async function tlsOptionsOf(options: FtpOpenOptions): Promise<ConnectionOptions> {
  if (options.verifyCerts === false) return { rejectUnauthorized: false };
  if (options.caFile === undefined) return { rejectUnauthorized: true };
  let pem: string;
  try {
    pem = await readFile(options.caFile, 'utf8');
  } catch (error) {
    throw new FerryError('config', `cannot read CA file ${options.caFile}: ${(error as Error).message.replace(/^[A-Z]+: /, '')}`);
  }
  // `ca` replaces Node's bundled roots, so keep them next to the extra CA. One secure context for
  // every connection: basic-ftp opens a TLS data connection per transfer, and building the
  // context from ~150 PEM certificates each time cost more than the transfer itself.
  return { rejectUnauthorized: true, secureContext: createSecureContext({ ca: [...rootCertificates, pem] }) };
}

/**
 * The user and password to log in with (docs/credentials.md): the user from the URL, else the
 * netrc `login` (or pyftpsync's keyring entry), else anonymous; the password from the URL, netrc,
 * keyring, FERRY_PASSWORD or a prompt. A named user without any password is an auth error.
 */
async function credentialsOf(target: Target, options: FtpOpenOptions): Promise<{ user: string; password: string; source?: PasswordSource }> {
  const host = target.host!;
  const found = await resolvePassword(
    { host, user: target.user, urlPassword: options.password ?? target.password, promptText: (user) => `FTP password for ${user}@${host}: ` },
    options,
  );
  if (found.user === undefined) return { user: 'anonymous', password: options.password ?? target.password ?? 'anonymous@' };
  if (found.password === undefined) {
    const why = options.prompt === 'never' ? "`prompt: 'never'` forbids asking" : 'no terminal to ask on';
    const looked = (found.looked ?? []).join(', ');
    throw new BackendError(
      'auth',
      `no password for ${found.user}@${host}: none in ${looked}, and ${why}; ${howToGivePassword(target.scheme, found.user, host)}`,
      { retryable: false },
    );
  }
  return { user: found.user, password: found.password, source: found.source };
}

/** Removes trailing slashes; `/~` and `/~/x` are resolved against the login folder. */
async function resolveRoot(path: string, client: Client, what: string, server: string): Promise<string> {
  let root = path === '' ? '/' : path;
  if (root === '/~' || root.startsWith('/~/')) {
    let home: string;
    try {
      home = await client.pwd();
    } catch (error) {
      throw mapFtpError(error, what, server);
    }
    root = `${home.replace(/\/+$/, '')}/${root.slice(3)}`;
  }
  root = root.replace(/\/+$/, '');
  return root === '' ? '/' : root;
}

/**
 * CWD to the root; creates it with its parents when asked. `rootCwd` is the reply to a `CWD root`
 * already sent (pipelined with FEAT), if any.
 */
async function ensureRoot(client: Client, root: string, target: Target, options: FtpOpenOptions, server: string, rootCwd?: PipelinedReply): Promise<void> {
  const what = `cannot open ${target.display}`;
  const cwd = async (path: string): Promise<unknown> => {
    try {
      await client.send(`CWD ${path}`);
      return undefined;
    } catch (error) {
      if (ftpReplyCode(error) === undefined) throw mapFtpError(error, what, server);
      return error;
    }
  };
  const failure = rootCwd === undefined ? await cwd(root) : rootCwd instanceof FTPError ? rootCwd : undefined;
  if (failure === undefined) return;
  // A file at the root's place: SIZE answers for files only.
  const size = await client.sendIgnoringError(`SIZE ${root}`);
  if (size.code === 213) throw new BackendError('not-a-directory', `remote folder ${target.display} is a file, not a folder`);
  const mapped = mapFtpError(failure, what, server);
  if (mapped.code === 'permission') throw mapped;
  if (!(await mayCreateRoot(options))) {
    throw new BackendError('not-found', `remote folder ${target.display} does not exist${missingRootHint(options)}`);
  }
  const segments = root.split('/').filter((segment) => segment !== '');
  let path = '';
  for (const [index, segment] of segments.entries()) {
    path += `/${segment}`;
    // The root itself is known to be missing; its parents are looked at first.
    if (index < segments.length - 1 && (await cwd(path)) === undefined) continue;
    try {
      // MKD succeeds only when it made the folder, so the root needs no CWD afterwards.
      await client.send(`MKD ${path}`);
    } catch (error) {
      // Another run may have created it meanwhile.
      if ((await cwd(path)) === undefined) continue;
      throw mapFtpError(error, `cannot create remote folder ${target.display}`, server);
    }
  }
}

/**
 * Opens the backend: logs in once to read FEAT, check (or create) the root and choose how to set
 * mtimes, then serves operations from a pool of `options.parallel` connections (default 4).
 *
 * Throws BackendError `auth` (login refused), `not-found` (root missing without createFolder),
 * `protocol` (TLS certificate not trusted), `connection-lost` / `timeout` (server unreachable),
 * `unsupported` (AUTH TLS refused); FerryError `usage` for a bad URL parameter.
 */
export async function openFtpBackend(target: Target, options: FtpOpenOptions): Promise<Backend> {
  const host = target.host;
  if (host === undefined) throw new FerryError('usage', `URL has no host: ${target.display}`);
  const port = target.port ?? 21;
  const tls = tlsModeOf(target);
  const encoding = bufferEncodingOf(options.encoding);
  const tlsOptions = tls === 'none' ? {} : await tlsOptionsOf(options);
  if (tls !== 'none' && options.verifyCerts === false) {
    options.warn?.(`TLS certificate verification is off for ${target.display}: a machine in the middle could read and change the transfer`);
  }
  const { user, password, source } = await credentialsOf(target, options);
  const server = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const userPart = target.user !== undefined ? `${encodeURIComponent(target.user)}@` : '';
  const urlBase = `${target.scheme}://${userPart}${server}`;
  const settings: FtpConnectionSettings = {
    host,
    port,
    user,
    password,
    tls,
    tlsOptions,
    encoding,
    timeoutMs: options.timeoutMs ?? COMMAND_TIMEOUT_MS,
    minRate: options.minRate,
    label: `${target.scheme}://${userPart}${server}`,
    authHint:
      user === 'anonymous' && source === undefined
        ? undefined
        : `the password came from ${describeSource(source)}; ${howToGivePassword(target.scheme, user, host)}`,
    active: options.ftpActive === true,
    ...(options.trace ? { trace: options.trace } : {}),
    learnt: {},
  };
  const size = Math.max(1, Math.min(64, Math.floor(options.parallel ?? DEFAULT_FTP_CONNECTIONS)));
  const pool = new FtpClientPool({
    size,
    connect: (signal) => connectFtpClient(settings, signal),
    onShrink: (n) => options.warn?.(`${target.display}: the server allows only ${n} connection${n === 1 ? '' : 's'} at once; going on with ${n}`),
  });
  // An abort while opening (Ctrl-C while connecting or logging in) ends the login at once.
  const onAbort = (): void => void pool.close();
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let features: ServerFeatures | undefined;
    let root = '/';
    let mtimeMethod: MtimeMethod = 'none';
    const firstLogin = pool.use(async (client) => {
      // FEAT and the root's CWD go in one round trip, unless the root is relative to the login
      // folder (`/~`), which needs PWD first.
      const plainRoot = target.path !== '/~' && !target.path.startsWith('/~/') && !/[\r\n\0]/.test(target.path);
      let rootCwd: PipelinedReply | undefined;
      if (plainRoot) {
        root = await resolveRoot(target.path, client, `cannot open ${target.display}`, server);
        const replies = await sendPipelined(client, ['FEAT', `CWD ${root}`]).catch((error: unknown) => {
          throw mapFtpError(error, `cannot open ${target.display}`, server);
        });
        // A refused FEAT is an old server without extensions, as with sendIgnoringError.
        const feat = replies[0]!;
        features = parseFeatures(feat.code, feat.message);
        rootCwd = replies[1];
      } else {
        const feat = await client.sendIgnoringError('FEAT');
        features = parseFeatures(feat.code, feat.message);
        root = await resolveRoot(target.path, client, `cannot open ${target.display}`, server);
      }
      await ensureRoot(client, root, target, options, server, rootCwd);
      mtimeMethod = mtimeMethodOf(features);
    });
    options.onConnecting?.();
    await firstLogin;
    if (options.signal?.aborted) throw options.signal.reason;
    if (options.storePassword && source !== undefined) await storeLoginPassword(host, user, password, source, options);
    return new FtpBackend({
      id: target.id,
      displayName: target.display,
      urlBase,
      server,
      root,
      pool,
      features: features!,
      mtimeMethod,
      // FEAT lists MDTM for reading; only a real try shows whether it also sets times (vsftpd).
      // The first upload tries, so opening never writes to the server.
      mtimeUnverified: (mtimeMethod as MtimeMethod) === 'mdtm',
    });
  } catch (error) {
    await pool.close();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
