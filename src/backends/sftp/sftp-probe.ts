/**
 * `ferry doctor` on an SFTP server: its software and host key, the SFTP version and extensions,
 * how renaming over an existing file behaves, and whether commands can run over `exec` (and
 * `sha256sum`/`md5sum` with them). Temporary files are removed again, also when a check fails.
 */
import type { Stats } from 'ssh2';
import { describeError, isBackendError } from '../../errors.js';
import { tempNameFor } from '../backend.js';
import { cleanupFailed, type ProbeOptions, type ProbeReporter } from '../probe-finding.js';
import { fingerprintOf, keyTypeOf } from './known-hosts.js';
import type { SftpConnection } from './sftp-connection.js';
import type { SftpConnectionPool } from './sftp-connection-pool.js';
import { SftpTreeLister } from './sftp-exec-list.js';

/** What the probe needs from an open SFTP backend. */
export interface SftpProbeContext {
  readonly pool: SftpConnectionPool;
  /** Absolute root folder on the server. */
  readonly root: string;
}

/** Extensions worth naming, and what ferry does with each. */
const notableExtensions: ReadonlyArray<readonly [string, string]> = [
  ['posix-rename@openssh.com', 'used: replaces a file atomically'],
  ['statvfs@openssh.com', 'not used'],
  ['hardlink@openssh.com', 'not used'],
  ['fsync@openssh.com', 'not used'],
];

/** Known outputs for an empty input, to be sure the command really computed a hash. */
const checksumCommands: ReadonlyArray<readonly [string, string]> = [
  ['sha256sum', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['md5sum', 'd41d8cd98f00b204e9800998ecf8427e'],
];

const EXEC_TIMEOUT_MS = 10_000;

/** Runs the checks (see the module comment), reporting each finding as it is made. */
export async function probeSftp(ctx: SftpProbeContext, report: ProbeReporter, options: ProbeOptions = {}): Promise<void> {
  await ctx.pool.use(async (c) => {
    const { handshake } = c;
    report({
      id: 'server',
      capability: 'SSH server',
      found: handshake.serverSoftware ?? 'unknown',
      action: 'nothing to do',
      status: 'info',
      value: handshake.serverSoftware ?? null,
    });
    if (handshake.hostKey) {
      const shown = `${keyTypeOf(handshake.hostKey)} ${fingerprintOf(handshake.hostKey)}`;
      report({
        id: 'host-key',
        capability: 'host key',
        found: `${shown}, ${handshake.hostKeyVerified ? 'verified from known_hosts' : 'NOT verified (--no-verify-host-keys)'}`,
        action: handshake.hostKeyVerified
          ? 'ferry refuses to connect if this key ever changes'
          : 'anyone in the middle could pose as the server: add the key to known_hosts (ssh-keyscan, or one ssh login) and drop --no-verify-host-keys',
        status: handshake.hostKeyVerified ? 'ok' : 'warn',
        value: { type: keyTypeOf(handshake.hostKey), fingerprint: fingerprintOf(handshake.hostKey), verified: handshake.hostKeyVerified },
      });
    }
    const { version, extensions } = c.sftpInfo;
    const names = Object.keys(extensions).sort();
    report({
      id: 'sftp-version',
      capability: 'SFTP protocol',
      found: `version ${version}${names.length > 0 ? `, extensions: ${names.join(', ')}` : ', no extensions'}`,
      action: version === 3 ? 'ferry speaks SFTP version 3, as this server does' : `ferry speaks SFTP version 3; the server chose ${version}`,
      status: 'info',
      value: { version, extensions: names },
    });
    for (const [name, use] of notableExtensions) {
      const has = name in extensions;
      const isRename = name === 'posix-rename@openssh.com';
      report({
        id: `ext-${name.replace(/@openssh\.com$/, '')}`,
        capability: name,
        found: has ? 'yes' : 'no',
        action: isRename
          ? has
            ? 'ferry renames each upload over the old file atomically'
            : 'ferry removes the old file before renaming an upload into place: for a moment the file is missing'
          : has
            ? use
            : 'not needed',
        status: isRename && !has ? 'warn' : has && isRename ? 'ok' : 'info',
        value: has,
      });
    }
    options.signal?.throwIfAborted();
    await reportRename(c, ctx.root, report);
    options.signal?.throwIfAborted();
    await reportExec(c, report);
    options.signal?.throwIfAborted();
    await reportTreeListing(c, ctx.root, report);
  });
}

/** Whether a scan can list the whole tree in one round trip (sftp-exec-list.ts); tried on the root's first level. */
async function reportTreeListing(c: SftpConnection, root: string, report: ProbeReporter): Promise<void> {
  const lister = new SftpTreeLister();
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), EXEC_TIMEOUT_MS).unref());
  const listing = await Promise.race([
    lister.list((command) => c.execRaw(command, 16 * 1024 * 1024), root, { maxDepth: 1, connected: () => !c.closed }),
    timeout,
  ]);
  const works = listing !== undefined;
  report({
    id: 'tree-listing',
    capability: 'list a whole tree in one request (find over exec)',
    found: works ? 'yes (GNU find)' : `no${lister.reason ? ` (${lister.reason})` : ' (no answer within 10 s)'}`,
    action: works
      ? 'a scan lists the whole remote tree with one command, then checks nothing more per folder'
      : 'a scan lists folder by folder over SFTP (a few round trips per level of the tree)',
    status: 'info',
    value: works ? 'exec' : 'readdir',
  });
}

function call<T>(c: SftpConnection, what: string, start: Parameters<SftpConnection['call']>[1]): Promise<T> {
  return c.call<T>(what, start as never);
}

/** Plain SFTP RENAME over an existing file (and posix-rename when offered). */
async function reportRename(c: SftpConnection, root: string, report: ProbeReporter): Promise<void> {
  const path = (name: string): string => `${root === '/' ? '' : root}/${name}`;
  const a = path(tempNameFor('ferry-doctor-a'));
  const b = path(tempNameFor('ferry-doctor-b'));
  const created = [a, b];
  const write = (file: string, text: string): Promise<void> => call(c, `cannot write ${file}`, (sftp, done) => sftp.writeFile(file, text, done));
  try {
    try {
      await write(a, 'ferry doctor a\n');
      await write(b, 'b\n');
    } catch (error) {
      report({
        id: 'rename-over',
        capability: 'rename over an existing file',
        found: `not tried: cannot create a file (${describeError(error)})`,
        action: 'see "write permission" below',
        status: 'info',
        value: null,
      });
      return;
    }
    let plain: string;
    try {
      await call(c, 'rename', (sftp, done) => sftp.rename(a, b, done));
      plain = 'replaces';
    } catch (error) {
      plain = `refused (${describeError(error).replace(/^rename: /, '')})`;
    }
    let posix = 'not offered';
    if (plain !== 'replaces') {
      try {
        // Asked through the protocol: false when the server does not support it.
        if (await c.posixRename(a, b, 'posix-rename')) {
          const stats = await call<Stats>(c, 'stat', (sftp, done) => sftp.stat(b, done));
          posix = stats.size === 'ferry doctor a\n'.length ? 'replaces' : 'did not replace';
        }
      } catch (error) {
        posix = `failed (${describeError(error)})`;
      }
    }
    const atomic = plain === 'replaces' || posix === 'replaces';
    report({
      id: 'rename-over',
      capability: 'rename over an existing file',
      found: `SFTP rename ${plain}${plain === 'replaces' ? '' : `; posix-rename ${posix}`}`,
      action: atomic
        ? 'ferry replaces files in one step (posix-rename where offered)'
        : 'ferry removes the old file first, then renames: for a moment the file is missing',
      status: atomic ? 'ok' : 'warn',
      value: atomic,
    });
  } finally {
    const left: string[] = [];
    for (const file of created) {
      await call(c, 'cleanup', (sftp, done) => sftp.unlink(file, done)).catch(() => undefined);
      // Only a file known to be there is a leftover (the rename moved one of them away).
      const still = await call<Stats>(c, 'stat', (sftp, done) => sftp.lstat(file, done)).then(
        () => true,
        (error: unknown) => !isBackendError(error, 'not-found') && c.closed,
      );
      if (still) left.push(file);
    }
    if (left.length > 0) {
      report(cleanupFailed(left));
    }
  }
}

/** Runs `command` over exec; resolves with its exit code and output, or rejects. */
function exec(c: SftpConnection, command: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer within 10 s')), EXEC_TIMEOUT_MS);
    try {
      c.ssh.exec(command, (error, channel) => {
        if (error) {
          clearTimeout(timer);
          reject(error);
          return;
        }
        let stdout = '';
        channel.on('data', (chunk: Buffer) => {
          if (stdout.length < 4096) stdout += chunk.toString('utf8');
        });
        channel.stderr.on('data', () => undefined);
        channel.on('close', (code: number | null) => {
          clearTimeout(timer);
          resolve({ code: code ?? null, stdout });
        });
        channel.end();
      });
    } catch (error) {
      clearTimeout(timer);
      reject(error);
    }
  });
}

async function reportExec(c: SftpConnection, report: ProbeReporter): Promise<void> {
  let works = false;
  let why = '';
  try {
    const result = await exec(c, 'echo ferry-doctor');
    works = result.code === 0 && result.stdout.trim() === 'ferry-doctor';
    if (!works) why = result.code === 0 ? 'unexpected output' : `exit status ${result.code}`;
  } catch (error) {
    why = describeError(error);
  }
  report({
    id: 'exec',
    capability: 'run commands (exec)',
    found: works ? 'yes' : `no${why ? ` (${why})` : ''}`,
    action: 'ferry works over SFTP alone; where exec works it also lists trees with find and hashes with sha256sum/md5sum (below)',
    status: 'info',
    value: works,
  });
  if (!works) return;
  const found: string[] = [];
  for (const [command, emptyHash] of checksumCommands) {
    try {
      const result = await exec(c, `${command} </dev/null`);
      if (result.code === 0 && result.stdout.startsWith(emptyHash)) found.push(command);
    } catch {
      // Counted as missing.
    }
  }
  report({
    id: 'checksums',
    capability: 'sha256sum / md5sum',
    found: found.length > 0 ? found.join(', ') : 'none',
    action:
      found.length > 0
        ? "`compare: 'checksum'` runs them on the server instead of downloading files (and big moved files are confirmed by hash)"
        : "`compare: 'checksum'` reads files to compare them (no server-side hash)",
    status: 'info',
    value: found,
  });
}
