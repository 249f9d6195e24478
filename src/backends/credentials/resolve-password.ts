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
 * `prompt: 'never'` never asks. `useNetrc: false` / `useKeyring: false` skip those sources.
 * Passwords are returned to the caller only: nothing here logs or warns with a secret.
 */
import type { OpenBackendOptions } from '../open-backend.js';
import { systemKeyring, type KeyringStore } from './keyring-store.js';
import { findNetrcEntry, netrcPath, readNetrc } from './netrc.js';

/** Where a password was found. */
export type PasswordSource = 'url' | 'netrc' | 'keyring' | 'env' | 'prompt';

/** Sources whose password `--store-password` saves after a login succeeded with it. */
export const storableSources: ReadonlySet<PasswordSource> = new Set(['url', 'env', 'prompt']);

/** The environment variable read as the fourth source. */
export const passwordEnvVar = 'FERRY_PASSWORD';

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

/** The options of OpenBackendOptions that concern passwords. */
export type CredentialOptions = Pick<OpenBackendOptions, 'useNetrc' | 'useKeyring' | 'prompt' | 'netrcFile' | 'askSecret' | 'warn'>;

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
}

/** Splits pyftpsync's keyring value `user:password`. */
function splitUserPassword(value: string): { user: string; password: string } | undefined {
  const colon = value.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: value.slice(0, colon), password: value.slice(colon + 1) };
}

/** The login name the netrc file gives for `host` (when the URL names no user), if any. */
export function netrcLogin(host: string, options: CredentialOptions, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (options.useNetrc === false) return undefined;
  const file = readNetrc(netrcPath(options.netrcFile, env), options.warn);
  return findNetrcEntry(file, host)?.login;
}

/** Finds the password for a login (see the module comment for the order). */
export async function resolvePassword(
  request: PasswordRequest,
  options: CredentialOptions,
  deps: CredentialDeps = {},
  steps: ResolveSteps = {},
): Promise<ResolvedCredentials> {
  const env = deps.env ?? process.env;
  const mode = options.prompt ?? 'auto';
  const ask = mode === 'never' || steps.prompt === false ? undefined : options.askSecret;
  const { host } = request;

  const netrcEntry = options.useNetrc === false ? undefined : findNetrcEntry(readNetrc(netrcPath(options.netrcFile, env), options.warn), host, request.user);
  let user = request.user ?? netrcEntry?.login;

  if (mode === 'always' && ask && user !== undefined) {
    const answer = await ask(request.promptText(user));
    if (answer !== undefined) return { user, password: answer, source: 'prompt' };
  }
  if (steps.url !== false && request.urlPassword !== undefined) return { user, password: request.urlPassword, source: 'url' };
  if (netrcEntry?.password !== undefined) return { user, password: netrcEntry.password, source: 'netrc' };

  if (options.useKeyring !== false) {
    const keyring = deps.keyring ?? systemKeyring(options.warn);
    if (user !== undefined) {
      const password = await keyring.lookup('ferry', `${user}@${host}`);
      if (password !== undefined) return { user, password, source: 'keyring' };
    }
    const legacy = await keyring.lookup('pyftpsync', host);
    const pair = legacy === undefined ? undefined : splitUserPassword(legacy);
    if (pair && (user === undefined || pair.user === user)) return { user: pair.user, password: pair.password, source: 'keyring' };
  }

  if (user === undefined) return {};
  const fromEnv = env[passwordEnvVar];
  if (fromEnv !== undefined && fromEnv !== '') return { user, password: fromEnv, source: 'env' };

  if (mode !== 'always' && ask) {
    const answer = await ask(request.promptText(user));
    if (answer !== undefined) return { user, password: answer, source: 'prompt' };
  }
  return { user };
}

/**
 * `--store-password`: saves a password that logged in (from the URL, FERRY_PASSWORD or a prompt)
 * in the keyring under service "ferry", account `user@host`, then reads it back the way the next
 * run looks it up (a fresh lookup). Only a password read back equal is reported as saved; any
 * other outcome is said as it is. Reports the outcome as a warning.
 */
export async function storeLoginPassword(
  host: string,
  user: string,
  password: string,
  source: PasswordSource,
  options: CredentialOptions,
  deps: CredentialDeps = {},
): Promise<void> {
  if (!storableSources.has(source)) return;
  const keyring = deps.keyring ?? systemKeyring(options.warn);
  const account = `${user}@${host}`;
  if (!(await keyring.store('ferry', account, password))) {
    options.warn?.(`could not save the password of ${account} in the system keyring`);
    return;
  }
  const readBack = await keyring.lookup('ferry', account);
  if (readBack === password) options.warn?.(`saved the password of ${account} in the system keyring (service ferry, account ${account}); the next run finds it there`);
  else if (readBack === undefined) options.warn?.(`the system keyring took the password of ${account} but does not give it back: not saved (give it with ${passwordEnvVar}, ~/.netrc or the URL)`);
  else options.warn?.(`the system keyring took the password of ${account} but gives back another one: not saved (give it with ${passwordEnvVar}, ~/.netrc or the URL)`);
}
