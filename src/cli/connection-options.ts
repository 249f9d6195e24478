/**
 * The connection and credential options every command that reaches a server takes, declared once
 * so `upload`/`download`/`sync` and `scan`/`tree` stay alike.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { OpenBackendOptions } from '../index.js';
import { askSecret } from './prompts.js';

/** What commander parses from {@link addConnectionOptions}. */
export interface ConnectionFlags {
  parallel?: number;
  timeout?: number;
  minRate?: number;
  sshKey?: string;
  knownHosts?: string;
  jump?: string;
  proxyCommand?: string;
  verifyHostKeys: boolean;
  verifyCerts: boolean;
  caFile?: string;
  ftpActive?: boolean;
  encoding?: string;
  netrc: boolean;
  keyring: boolean;
  prompt?: boolean;
  storePassword?: boolean;
}

/** Commander parser for options that take a count of 1 or more. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more');
  return n;
}

/** Commander parser for `--min-rate`: bytes per second, 0 or more. */
export function byteRate(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number of bytes per second (0 turns the floor off)');
  return n;
}

/**
 * The most connections `--parallel` may ask for. FTP servers limit connections per client to a few
 * (often 5 to 10) and SFTP gains nothing past a handful, so a larger count is a typo, not a plan.
 */
export const MAX_PARALLEL = 64;

/** Commander parser for `--parallel`: 1 to {@link MAX_PARALLEL}. */
export function parallelCount(value: string): number {
  const n = positiveInt(value);
  if (n > MAX_PARALLEL) throw new InvalidArgumentError(`must be at most ${MAX_PARALLEL}`);
  return n;
}

/**
 * The longest `--timeout`: a day. Node's timers hold at most about 24.8 days and fire at once past
 * that, so a larger value would turn "wait very long" into "fail every operation at once".
 */
export const MAX_TIMEOUT_SECONDS = 86_400;

/** Commander parser for `--timeout`: 1 to {@link MAX_TIMEOUT_SECONDS} seconds. */
export function timeoutSeconds(value: string): number {
  const n = positiveInt(value);
  if (n > MAX_TIMEOUT_SECONDS) throw new InvalidArgumentError(`must be at most ${MAX_TIMEOUT_SECONDS} (a day)`);
  return n;
}

/** Declares the connection and credential options on a command. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--parallel <n>', `connections to open to a server (1-${MAX_PARALLEL})`, parallelCount)
    .option('--timeout <seconds>', 'fail (and retry) a server operation after this many seconds without an answer (default 30)', timeoutSeconds)
    .option(
      '--min-rate <bytes/s>',
      'fail (and retry) a listing or transfer that moves fewer bytes a second than this over --timeout seconds (default 1024; 0: off)',
      byteRate,
    )
    .option('--ssh-key <file>', 'SFTP: private key file')
    .option('--known-hosts <file>', 'SFTP: known_hosts file to verify host keys with (default ~/.ssh/known_hosts)')
    .option(
      '--jump <hosts>',
      'SFTP: go through these SSH jump hosts, [user@]host[:port] separated by commas (like ssh -J; "none" ignores ProxyJump/ProxyCommand of ~/.ssh/config)',
    )
    .option('--proxy-command <cmd>', "SFTP: reach the server through this command's stdin/stdout (like ssh's ProxyCommand; %h %p %r are replaced)")
    .option('--no-verify-host-keys', 'SFTP: accept any host key (unsafe)')
    .option('--no-verify-certs', 'FTPS: accept any certificate (unsafe)')
    .option('--ca-file <file>', 'FTPS: extra CA certificates (PEM) to trust')
    .option('--ftp-active', 'FTP: active mode instead of passive')
    .option('--encoding <name>', 'FTP: encoding of names on a server that does not use UTF-8')
    .option('--no-netrc', 'do not read passwords from ~/.netrc ($NETRC)')
    .option('--no-keyring', 'do not read passwords from the system keyring')
    .option('--prompt', 'ask for the password even if the URL, netrc, keyring or FERRY_PASSWORD has one')
    .option('--no-prompt', 'never ask for a password (fail with an authentication error instead)')
    .option('--store-password', 'after a successful login, save the password (from the URL, FERRY_PASSWORD or a prompt) in the keyring');
}

/** The backend options for parsed connection flags. With `--json` nobody is asked anything. */
export function connectionOptionsOf(flags: ConnectionFlags, json: boolean): OpenBackendOptions {
  return {
    parallel: flags.parallel,
    timeoutMs: flags.timeout === undefined ? undefined : flags.timeout * 1000,
    minRate: flags.minRate,
    sshKey: flags.sshKey,
    knownHostsFile: flags.knownHosts,
    jumpHosts: flags.jump,
    proxyCommand: flags.proxyCommand,
    verifyHostKeys: flags.verifyHostKeys,
    verifyCerts: flags.verifyCerts,
    caFile: flags.caFile,
    ftpActive: flags.ftpActive,
    encoding: flags.encoding,
    askSecret: json ? undefined : askSecret,
    useNetrc: flags.netrc,
    useKeyring: flags.keyring,
    prompt: flags.prompt === undefined ? 'auto' : flags.prompt ? 'always' : 'never',
    storePassword: flags.storePassword,
  };
}
