/**
 * Where a remote login's password comes from, in this order (docs/credentials.md):
 *
 * 1. the password in the URL;
 * 2. `~/.netrc` (`$NETRC` or `netrcFile` instead): the host's `machine` entry, else `default`; an
 *    entry whose `login` names another user than the URL's does not apply;
 * 3. the system keyring: service "ferry", account `user@host`; then pyftpsync's entry, service
 *    "pyftpsync", account = host, value `user:password`;
 * 4. the environment variable `FERRY_PASSWORD`;
 * 5. a question on the terminal (`askSecret`).
 *
 * `prompt: 'always'` asks first (falling back to the list when no one can answer);
 * `prompt: 'never'` never asks. `useNetrc: false` / `useKeyring: false` skip those sources; the
 * environment variable `FERRY_NO_KEYRING` keeps the keyring out entirely (no lookup, no save).
 * Passwords are returned to the caller only: nothing here logs or warns with a secret.
 */
import type { CredentialOptions } from '../options/credential-options.js';
import type { OpenCallbacks } from '../options/open-callbacks.js';
import { systemKeyring, type KeyringStore } from './keyring-store.js';
import { findNetrcEntry, netrcPath, readNetrc } from './netrc.js';

/** Where a password was found. */
export type PasswordSource = 'url' | 'netrc' | 'keyring' | 'env' | 'prompt';

/** Sources whose password `--store-password` saves after a login succeeded with it. */
export const storableSources: ReadonlySet<PasswordSource> = new Set(['url', 'env', 'prompt']);

/** The environment variable read as the fourth source. */
export const passwordEnvVar = 'FERRY_PASSWORD';

/**
 * The environment variable that keeps the keyring out of a run: neither read nor written (for
 * machines where touching it blocks or prompts, and test runs that must not meet saved passwords).
 */
export const noKeyringEnvVar = 'FERRY_NO_KEYRING';

/** True when `FERRY_NO_KEYRING` is set to anything but empty or `0`. */
export function keyringDisabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[noKeyringEnvVar];
  return value !== undefined && value !== '' && value !== '0';
}

/** What the login is for. */
export interface PasswordRequest {
  /** Host as written in the URL (netrc and keyring key). */
  readonly host: string;
  /** User from the URL (or, for SFTP, ssh config / current user); undefined = not known yet. */
  readonly user?: string;
  readonly urlPassword?: string;
  /** The question for the terminal, given the user. */
  readonly promptText: (user: string) => string;
}

/** The options that concern looking up and saving passwords. */
export type PasswordLookupOptions = Pick<CredentialOptions, 'useNetrc' | 'useKeyring' | 'prompt' | 'netrcFile'> & Pick<OpenCallbacks, 'askSecret' | 'warn'>;

/** Replaceable parts, for tests. */
export interface CredentialDeps {
  readonly keyring?: KeyringStore;
  readonly env?: NodeJS.ProcessEnv;
}

/** Which steps a call includes (SFTP keeps the URL password and the prompt in its own order). */
export interface ResolveSteps {
  readonly url?: boolean;
  readonly prompt?: boolean;
}

/** The result: `password` and `source` are undefined when no source had one. */
export interface ResolvedCredentials {
  readonly user?: string;
  readonly password?: string;
  readonly source?: PasswordSource;
  /**
   * Without a password: each source looked at and why it had none, for the error message
   * (`~/.netrc (no entry for h)`, `FERRY_PASSWORD (not set)`; never a secret). The prompt is the
   * caller's to describe.
   */
  readonly looked?: readonly string[];
}

/** Where a password came from, in words: `the URL`, `~/.netrc`, `the keyring`, … */
export function describeSource(source: PasswordSource | undefined): string {
  switch (source) {
    case 'url':
      return 'the URL';
    case 'netrc':
      return 'the netrc file';
    case 'keyring':
      return 'the keyring';
    case 'env':
      return passwordEnvVar;
    case 'prompt':
      return 'the terminal';
    default:
      return 'the URL';
  }
}

/**
 * How to give a password, for the end of an authentication error: every place ferry reads one.
 * `scheme` is `ftp`, `ftps` or `sftp`.
 */
export function howToGivePassword(scheme: string, user: string, host: string): string {
  const machine = /\s/.test(host) ? `"${host}"` : host;
  return `give one in the URL (${scheme}://${user}:PASSWORD@${host}/…), in ${passwordEnvVar}, or in ~/.netrc ("machine ${machine} login ${user} password …"); on a terminal ferry asks, and \`storePassword: true\` saves it in the keyring`;
}

/** Splits pyftpsync's keyring value `user:password`. */
function splitUserPassword(value: string): { user: string; password: string } | undefined {
  const colon = value.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: value.slice(0, colon), password: value.slice(colon + 1) };
}

/** The login name the netrc file gives for `host` (when the URL names no user), if any. */
export function netrcLogin(host: string, options: PasswordLookupOptions, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (options.useNetrc === false) return undefined;
  const file = readNetrc(netrcPath(options.netrcFile, env), options.warn);
  return findNetrcEntry(file, host)?.login;
}

/** Finds the password for a login (see the module comment for the order). */
export async function resolvePassword(
  request: PasswordRequest,
  options: PasswordLookupOptions,
  deps: CredentialDeps = {},
  steps: ResolveSteps = {},
): Promise<ResolvedCredentials> {
  const env = deps.env ?? process.env;
  const mode = options.prompt ?? 'auto';
  const ask = mode === 'never' || steps.prompt === false ? undefined : options.askSecret;
  const { host } = request;

  const netrcFile = netrcPath(options.netrcFile, env);
  const netrcEntry = options.useNetrc === false ? undefined : findNetrcEntry(readNetrc(netrcFile, options.warn), host, request.user);
  const user = request.user ?? netrcEntry?.login;
  const looked: string[] = [];
  if (steps.url !== false) looked.push('the URL (no password)');
  looked.push(
    options.useNetrc === false
      ? `${netrcFile} (skipped: \`useNetrc: false\`)`
      : `${netrcFile} (${netrcEntry ? `no password for ${host}` : `no entry for ${host}`})`,
  );

  if (mode === 'always' && ask && user !== undefined) {
    const answer = await ask(request.promptText(user));
    if (answer !== undefined) return { user, password: answer, source: 'prompt' };
  }
  if (steps.url !== false && request.urlPassword !== undefined) return { user, password: request.urlPassword, source: 'url' };
  if (netrcEntry?.password !== undefined) return { user, password: netrcEntry.password, source: 'netrc' };

  if (options.useKeyring === false) looked.push('the keyring (skipped: `useKeyring: false`)');
  else if (keyringDisabledByEnv(env)) looked.push(`the keyring (skipped: ${noKeyringEnvVar} is set)`);
  else {
    looked.push(`the keyring (nothing saved for ${user === undefined ? host : `${user}@${host}`})`);
    const keyring = deps.keyring ?? systemKeyring(options.warn);
    if (user !== undefined) {
      const password = await keyring.lookup('ferry', `${user}@${host}`);
      if (password !== undefined) return { user, password, source: 'keyring' };
    }
    const legacy = await keyring.lookup('pyftpsync', host);
    const pair = legacy === undefined ? undefined : splitUserPassword(legacy);
    if (pair && (user === undefined || pair.user === user)) return { user: pair.user, password: pair.password, source: 'keyring' };
  }

  if (user === undefined) return { looked };
  const fromEnv = env[passwordEnvVar];
  if (fromEnv !== undefined && fromEnv !== '') return { user, password: fromEnv, source: 'env' };
  looked.push(`${passwordEnvVar} (not set)`);

  if (mode !== 'always' && ask) {
    const answer = await ask(request.promptText(user));
    if (answer !== undefined) return { user, password: answer, source: 'prompt' };
  }
  return { user, looked };
}

/**
 * `--store-password`: saves a password that logged in (from the URL, FERRY_PASSWORD or a prompt)
 * in the keyring under service "ferry", account `user@host` (not with FERRY_NO_KEYRING set),
 * then reads it back the way the next run looks it up (a fresh lookup). Only a password read
 * back equal is reported as saved; any other outcome is said as it is. Reports the outcome as a
 * warning.
 */
export async function storeLoginPassword(
  host: string,
  user: string,
  password: string,
  source: PasswordSource,
  options: PasswordLookupOptions,
  deps: CredentialDeps = {},
): Promise<void> {
  if (!storableSources.has(source)) return;
  const account = `${user}@${host}`;
  if (keyringDisabledByEnv(deps.env ?? process.env)) {
    options.warn?.(`did not save the password of ${account}: ${noKeyringEnvVar} is set`);
    return;
  }
  const keyring = deps.keyring ?? systemKeyring(options.warn);
  if (!(await keyring.store('ferry', account, password))) {
    options.warn?.(`could not save the password of ${account} in the system keyring`);
    return;
  }
  const readBack = await keyring.lookup('ferry', account);
  if (readBack === password)
    options.warn?.(`saved the password of ${account} in the system keyring (service ferry, account ${account}); the next run finds it there`);
  else if (readBack === undefined)
    options.warn?.(
      `the system keyring took the password of ${account} but does not give it back: not saved (give it with ${passwordEnvVar}, ~/.netrc or the URL)`,
    );
  else
    options.warn?.(
      `the system keyring took the password of ${account} but gives back another one: not saved (give it with ${passwordEnvVar}, ~/.netrc or the URL)`,
    );
}
