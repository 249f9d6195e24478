/**
 * Opens the backend for a parsed target. The one place that knows every concrete backend.
 */
import * as fs from 'node:fs/promises';
import { BackendError, FerryError, isBackendError } from '../errors.js';
import { MissingRootBackend } from './missing-root-backend.js';
import { mayCreateRoot } from './may-create-root.js';
import { missingRootHint } from './missing-root-hint.js';
import type { Backend } from './backend.js';
import { LocalBackend } from './local/local-backend.js';
import { mapLocalError } from './local/local-errors.js';
import { makeFolderPath } from './local/make-folder-path.js';
import type { ProbeReporter } from './probe-finding.js';
import type { Target } from './target-url.js';

/** Options for opening any backend; each backend uses the ones that apply to it. */
export interface OpenBackendOptions {
  /** Create the root folder (and its parents) when it is missing, instead of failing. */
  readonly createFolder?: boolean;
  /**
   * With `createFolder`: asked once the root turns out to be missing, before anything is created;
   * false makes the missing root the same `not-found` error as without `createFolder`. Lets a run
   * connect first and consult its state (has the last sync seen this root?) only when needed.
   */
  readonly createFolderIf?: () => Promise<boolean>;
  /**
   * The error for a missing root suggests `--create-folder`: the command has that option and it
   * would create this side (never the source of a one-way run, never for `scan` or `doctor`).
   */
  readonly createFolderHint?: boolean;
  /**
   * A dry run: nothing may be created. With `createFolder`, a missing root opens as an empty,
   * read-only stand-in so the plan shows what a real run would copy there.
   */
  readonly dryRun?: boolean;
  /**
   * Remote backends: how long the server may stay silent (no answer to a command, no byte of a
   * transfer, no reply to an SSH keep-alive) before the operation fails with a retryable `timeout`
   * error, in ms. Default 30 000 (see docs/reliability.md).
   */
  readonly timeoutMs?: number;
  /**
   * Remote backends: the floor on the rate, bytes per second (default 1024; 0: silence alone). A
   * busy connection that for a whole `timeoutMs` neither finishes a request nor carries this rate
   * fails with a retryable `timeout` error (stall-watch.ts, docs/reliability.md).
   */
  readonly minRate?: number;
  /**
   * Remote backends: called once the first connection is under way, so that a caller can do
   * work needing the CPU (loading the state) while the network answers rather than before.
   */
  readonly onConnecting?: () => void;
  /** Connections to open for remote backends (default chosen by the backend). */
  readonly parallel?: number;
  /** Verify SFTP host keys against known_hosts (default true). */
  readonly verifyHostKeys?: boolean;
  /** Verify FTPS certificates (default true). */
  readonly verifyCerts?: boolean;
  /** Private key file for SFTP. */
  readonly sshKey?: string;
  /**
   * The login password, for programs that hold it in memory: it takes the place of a password in
   * the URL (and so comes before netrc, the keyring, FERRY_PASSWORD and a prompt). Like every
   * secret below, it is only sent to the server: never written to the state, an event, a warning
   * or an error message.
   */
  readonly password?: string;
  /**
   * SFTP: a private key (OpenSSH or PEM text), tried first among the keys, where `sshKey` would
   * be (the key file, when both are given, comes next).
   */
  readonly privateKey?: string | Buffer;
  /**
   * SFTP: the passphrase of an encrypted `privateKey`, also tried on encrypted key files before
   * asking (`askSecret`).
   */
  readonly passphrase?: string;
  /**
   * SFTP: the ssh-agent socket to use instead of `SSH_AUTH_SOCK`'s; `false`: no agent at all.
   */
  readonly agent?: string | false;
  /** known_hosts file to verify SFTP host keys against (default ~/.ssh/known_hosts). */
  readonly knownHostsFile?: string;
  /** ssh config file to read Host aliases from (default ~/.ssh/config). */
  readonly sshConfigFile?: string;
  /**
   * SFTP: jump hosts to go through, `[user@]host[:port]` separated by commas (like `ssh -J`);
   * wins over the ssh config's ProxyJump/ProxyCommand; `none` turns those off.
   */
  readonly jumpHosts?: string;
  /** SFTP: a command whose stdin/stdout reach the server (like ssh's ProxyCommand; `%h %p %r` expanded). */
  readonly proxyCommand?: string;
  /**
   * Receives protocol trace lines (`-vv`): FTP commands and replies (PASS masked), SFTP requests
   * and their status, SSH connection steps. Never a secret.
   */
  readonly trace?: (line: string) => void;
  /** PEM file of extra CA certificates to trust for FTPS (besides the system's). */
  readonly caFile?: string;
  /** Use active FTP instead of passive. */
  readonly ftpActive?: boolean;
  /** Name encoding of an FTP server that does not use UTF-8. */
  readonly encoding?: string;
  /** Asks the user for a secret (password, passphrase); undefined when no one can be asked. */
  readonly askSecret?: (prompt: string) => Promise<string | undefined>;
  /** Read passwords from ~/.netrc (default true; see docs/credentials.md). */
  readonly useNetrc?: boolean;
  /** netrc file to read instead of $NETRC or ~/.netrc. */
  readonly netrcFile?: string;
  /** Read passwords from the system keyring (default true). */
  readonly useKeyring?: boolean;
  /** When to ask for a password: 'auto' (when no other source has one; default), 'always', 'never'. */
  readonly prompt?: 'auto' | 'always' | 'never';
  /** After a login with a password from the URL, FERRY_PASSWORD or a prompt, save it in the keyring. */
  readonly storePassword?: boolean;
  /**
   * Local folders: `follow` lists a symbolic link as what it points to when that stays inside the
   * folder (and makes no loop); default `skip` (links are reported, never followed).
   */
  readonly links?: 'skip' | 'follow';
  /** Receives warnings worth showing (for example "host key verification is off"). */
  readonly warn?: (message: string) => void;
  readonly signal?: AbortSignal;
}

/** Opens the backend for `target`, checking that its root folder exists (or creating it). */
export async function openBackend(target: Target, options: OpenBackendOptions = {}): Promise<Backend> {
  if (options.dryRun && options.createFolder) {
    try {
      return await openConcrete(target, { ...options, createFolder: false });
    } catch (error) {
      if (!isBackendError(error, 'not-found') || !(await mayCreateRoot(options))) throw error;
      return new MissingRootBackend(target);
    }
  }
  return openConcrete(target, options);
}

async function openConcrete(target: Target, options: OpenBackendOptions): Promise<Backend> {
  switch (target.scheme) {
    case 'file':
      return openLocal(target, options);
    case 'sftp': {
      const { openSftpBackend } = await import('./sftp/open-sftp-backend.js');
      return openSftpBackend(target, options);
    }
    case 'ftp':
    case 'ftps': {
      const { openFtpBackend } = await import('./ftp/open-ftp-backend.js');
      return openFtpBackend(target, options);
    }
  }
}

async function openLocal(target: Target, options: OpenBackendOptions): Promise<Backend> {
  try {
    const stats = await fs.stat(target.path);
    if (!stats.isDirectory()) throw new FerryError('config', `${target.path} is a file, not a folder`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (error instanceof FerryError) throw error;
      throw new BackendError('permission', `cannot open ${target.path}: ${(error as Error).message}`);
    }
    if (!(await mayCreateRoot(options))) {
      throw new BackendError('not-found', `folder ${target.path} does not exist${missingRootHint(options)}`);
    }
    try {
      await makeFolderPath(target.path);
    } catch (mkdirError) {
      throw mapLocalError(mkdirError, `cannot create folder ${target.path}`);
    }
  }
  return new LocalBackend(target.path, { followLinks: options.links === 'follow' });
}

/**
 * For `ferry doctor` when {@link openBackend} failed (a refused login, an untrusted certificate or
 * host key): reports what the server shows before login. Sends no password; never throws.
 */
export async function preflightTarget(target: Target, options: OpenBackendOptions, report: ProbeReporter): Promise<void> {
  switch (target.scheme) {
    case 'file':
      return;
    case 'sftp': {
      const { preflightSftp } = await import('./sftp/sftp-preflight.js');
      return preflightSftp(target, options, report);
    }
    case 'ftp':
    case 'ftps': {
      const { preflightFtp } = await import('./ftp/ftp-preflight.js');
      return preflightFtp(target, options, report);
    }
  }
}
