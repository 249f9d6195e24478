/**
 * The order in which ferry tries to log in to an SSH server, shared by all connections of one
 * backend so that a secret is asked at most once.
 *
 * Order: the password in the URL; the key given with `--ssh-key` (its passphrase asked when
 * encrypted); the ssh-agent at `SSH_AUTH_SOCK`; the `IdentityFile`s of the ssh config, or else
 * `~/.ssh/id_ed25519` and `~/.ssh/id_rsa`; then a stored password (netrc, keyring,
 * FERRY_PASSWORD: see docs/credentials.md); finally a password asked from the user (up to three
 * times, like ssh). With `--prompt` the question comes before the stored password (which then
 * includes the URL's). After one connection succeeds, later ones try that method first.
 * With `IdentitiesOnly yes` (ssh config) the agent offers only the keys of those files (matched by
 * their `.pub` files, as ssh does), never the agent's other keys.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import ssh2 from 'ssh2';
import type { PasswordSource } from '../credentials/resolve-password.js';
import type { AnyAuthMethod, AuthenticationType, AuthHandlerMiddleware, KeyboardInteractiveCallback, ParsedKey } from 'ssh2';

const { utils, BaseAgent, OpenSSHAgent } = ssh2;

/** The public key blob (base64) of a key file: its `.pub` file, else the unencrypted private key. */
function publicKeyOf(file: string): string | undefined {
  for (const candidate of [`${file}.pub`, file]) {
    let data: Buffer;
    try {
      data = readFileSync(candidate);
    } catch {
      continue;
    }
    const parsed = utils.parseKey(data);
    const key = parsed instanceof Error ? undefined : Array.isArray(parsed) ? parsed[0] : parsed;
    if (key) return key.getPublicSSH().toString('base64');
  }
  return undefined;
}

/** An ssh-agent that offers only the keys of given key files (`IdentitiesOnly yes`). */
class KeysOfFilesAgent extends BaseAgent<ParsedKey> {
  private readonly inner: InstanceType<typeof OpenSSHAgent>;
  private readonly allowed: Set<string>;
  constructor(socket: string, files: readonly string[]) {
    super();
    this.inner = new OpenSSHAgent(socket);
    this.allowed = new Set(files.map(publicKeyOf).filter((key): key is string => key !== undefined));
  }

  getIdentities(cb: (error: Error | undefined, keys?: ParsedKey[]) => void): void {
    this.inner.getIdentities((error, keys) => {
      if (error) return cb(error);
      // OpenSSHAgent hands out parsed keys (its type also allows key entries, which have no blob here).
      const parsed = (keys ?? []) as ParsedKey[];
      cb(
        undefined,
        parsed.filter((key) => this.allowed.has(key.getPublicSSH().toString('base64'))),
      );
    });
  }

  sign(pubKey: ParsedKey, data: Buffer, options: unknown, cb?: unknown): void {
    (this.inner.sign as (...args: unknown[]) => unknown)(pubKey, data, options, cb);
  }
}

/** One way to log in, before its secret is resolved. */
type AuthSource =
  | { readonly kind: 'url-password' }
  | { readonly kind: 'key'; readonly file: string; readonly label: string }
  | { readonly kind: 'memory-key' }
  | { readonly kind: 'agent'; readonly socket: string; readonly onlyKeysOf?: readonly string[] }
  | { readonly kind: 'stored-password' }
  | { readonly kind: 'asked-password'; readonly attempt: number };

/** Inputs of {@link SshAuth}. */
export interface SshAuthOptions {
  readonly user: string;
  /** `user@host:port`, for prompts. */
  readonly where: string;
  readonly urlPassword?: string;
  /** `urlPassword` was given as an option (in memory), not in the URL: only changes its label. */
  readonly givenPassword?: boolean;
  /** A private key given in memory (the library's `privateKey`); tried before `explicitKey`. */
  readonly privateKey?: string | Buffer;
  /** Tried on encrypted keys (in memory or files) before asking for a passphrase. */
  readonly passphrase?: string;
  /** Key file given explicitly (`--ssh-key`); tried before the agent. */
  readonly explicitKey?: string;
  /** IdentityFiles from the ssh config; when empty, ssh's default key files are tried. */
  readonly identityFiles: readonly string[];
  /** ssh-agent socket (`SSH_AUTH_SOCK`), if any. */
  readonly agentSocket?: string;
  /** `IdentitiesOnly yes`: the agent may offer only the keys of the key files above. */
  readonly identitiesOnly?: boolean;
  readonly askSecret?: (prompt: string) => Promise<string | undefined>;
  /**
   * Looks up a stored password (netrc, keyring, environment); called at most once, when reached.
   * Without one, `looked` says where it looked (for the failure message).
   */
  readonly storedPassword?: () => Promise<StoredPassword | undefined>;
  /** `--prompt`: ask before using the URL's or a stored password. */
  readonly promptFirst?: boolean;
}

/** What {@link SshAuthOptions.storedPassword} found. */
export interface StoredPassword {
  readonly password?: string;
  readonly source?: PasswordSource;
  readonly looked?: readonly string[];
}

const maxPasswordPrompts = 3;

/**
 * Produces ssh2 `authHandler`s that walk the login order. Holds resolved secrets (parsed keys,
 * asked passwords) in memory only, for the other connections of the same backend.
 */
export class SshAuth {
  private readonly sources: AuthSource[] = [];
  private readonly parsedKeys = new Map<string, ParsedKey | null>();
  private readonly keyProblems = new Map<string, string>();
  private askedPassword: string | undefined;
  private remembered: AnyAuthMethod | undefined;
  private stored: Promise<StoredPassword | undefined> | undefined;
  /** Where the stored-password lookup looked without finding one. */
  private storedLooked: readonly string[] = [];
  /** Whether a password was asked and refused (the next question says so). */
  private promptsAnswered = 0;
  /** Which password (and its source) each password method carries, for `--store-password`. */
  private readonly passwordOf = new WeakMap<object, { readonly password: string; readonly source: PasswordSource }>();

  constructor(private readonly options: SshAuthOptions) {
    const promptFirst = options.promptFirst === true && options.askSecret !== undefined;
    if (options.urlPassword !== undefined && !promptFirst) this.sources.push({ kind: 'url-password' });
    if (options.privateKey !== undefined) this.sources.push({ kind: 'memory-key' });
    if (options.explicitKey !== undefined) this.sources.push({ kind: 'key', file: options.explicitKey, label: `key ${options.explicitKey}` });
    const keyFiles =
      options.identityFiles.length > 0 ? options.identityFiles : [path.join(homedir(), '.ssh', 'id_ed25519'), path.join(homedir(), '.ssh', 'id_rsa')];
    if (options.agentSocket) {
      const onlyKeysOf = options.identitiesOnly ? [...(options.explicitKey !== undefined ? [options.explicitKey] : []), ...keyFiles] : undefined;
      this.sources.push({ kind: 'agent', socket: options.agentSocket, ...(onlyKeysOf ? { onlyKeysOf } : {}) });
    }
    for (const file of keyFiles) {
      if (file !== options.explicitKey) this.sources.push({ kind: 'key', file, label: `key ${file}` });
    }
    const stored = options.storedPassword !== undefined && (options.urlPassword === undefined || promptFirst);
    if (stored && !promptFirst) this.sources.push({ kind: 'stored-password' });
    // A password given in the URL is the user's choice: do not follow a wrong one with prompts.
    if ((options.urlPassword === undefined || promptFirst) && options.askSecret) {
      for (let attempt = 1; attempt <= maxPasswordPrompts; attempt++) this.sources.push({ kind: 'asked-password', attempt });
    }
    if (stored && promptFirst) this.sources.push({ kind: 'stored-password' });
  }

  /**
   * For the failure message: the ways to log in that were not there to try (no password in the
   * URL, no agent, no key file, nothing stored, no one to ask). Never a secret.
   */
  notAvailable(): string[] {
    const notes: string[] = [];
    if (this.options.urlPassword === undefined) notes.push('the URL (no password)');
    if (!this.options.agentSocket) notes.push('ssh-agent (SSH_AUTH_SOCK not set)');
    const missing = this.sources.filter(
      (source): source is Extract<AuthSource, { kind: 'key' }> =>
        source.kind === 'key' && this.parsedKeys.get(source.file) === null && !this.keyProblems.has(source.file),
    );
    if (missing.length > 0) notes.push(`${missing.map((source) => source.file).join(', ')} (no such key file)`);
    notes.push(...this.storedLooked);
    if (!this.options.askSecret) notes.push('the terminal (--no-prompt, or none to ask on)');
    else if (this.options.urlPassword !== undefined && !this.options.promptFirst) notes.push('the terminal (not asked after a wrong password in the URL)');
    return notes;
  }

  /** The password and its source, when the remembered (successful) method was a password. */
  loggedInPassword(): { readonly password: string; readonly source: PasswordSource } | undefined {
    return this.remembered === undefined ? undefined : this.passwordOf.get(this.remembered);
  }

  /**
   * A fresh handler for one connection attempt; `onAttempt` sees each method as it is sent, and
   * `tried` receives a short description of each (for the failure message; never a secret).
   */
  handler(onAttempt: (method: AnyAuthMethod) => void, tried: string[]): AuthHandlerMiddleware {
    const queue: Array<AuthSource | { kind: 'remembered' }> = this.remembered ? [{ kind: 'remembered' }, ...this.sources] : [...this.sources];
    const next = async (authsLeft: AuthenticationType[] | null): Promise<AnyAuthMethod | false> => {
      for (;;) {
        const source = queue.shift();
        if (source === undefined) return false;
        const method = await this.resolve(source, authsLeft, tried);
        if (method !== undefined) return method;
      }
    };
    return (authsLeft, _partial, callback) => {
      next(authsLeft).then(
        (method) => {
          if (method !== false) onAttempt(method);
          // ssh2 accepts `false` to mean "no more methods", though its types omit it.
          callback(method as AnyAuthMethod);
        },
        () => callback(false as unknown as AnyAuthMethod),
      );
    };
  }

  /** Remembers the method that logged in, so later connections start with it. */
  succeeded(method: AnyAuthMethod): void {
    this.remembered = method;
  }

  private allows(authsLeft: AuthenticationType[] | null, type: AuthenticationType): boolean {
    // ssh2 passes null before the server has named its methods.
    return authsLeft === null || authsLeft.includes(type);
  }

  private passwordMethod(password: string, authsLeft: AuthenticationType[] | null): AnyAuthMethod | undefined {
    const username = this.options.user;
    if (this.allows(authsLeft, 'password')) return { type: 'password', username, password };
    // Servers that leave passwords to PAM offer only keyboard-interactive: answer its prompts.
    if (authsLeft?.includes('keyboard-interactive')) {
      const prompt = (_name: string, _instructions: string, _lang: string, prompts: unknown[], finish: KeyboardInteractiveCallback): void =>
        finish(prompts.map(() => password));
      return { type: 'keyboard-interactive', username, prompt };
    }
    return undefined;
  }

  private async resolve(
    source: AuthSource | { kind: 'remembered' },
    authsLeft: AuthenticationType[] | null,
    tried: string[],
  ): Promise<AnyAuthMethod | undefined> {
    const username = this.options.user;
    switch (source.kind) {
      case 'remembered':
        return this.remembered;
      case 'url-password': {
        const method = this.passwordMethod(this.options.urlPassword!, authsLeft);
        if (method) {
          tried.push(this.options.givenPassword ? 'the password given' : 'password from the URL');
          this.passwordOf.set(method, { password: this.options.urlPassword!, source: 'url' });
        }
        return method;
      }
      case 'stored-password': {
        if (!this.allows(authsLeft, 'password') && !authsLeft?.includes('keyboard-interactive')) return undefined;
        this.stored ??= this.options.storedPassword!().catch(() => undefined);
        const found = await this.stored;
        if (found?.password === undefined || found.source === undefined) {
          this.storedLooked = found?.looked ?? [];
          return undefined;
        }
        const method = this.passwordMethod(found.password, authsLeft);
        if (method) {
          tried.push(`password from ${found.source === 'env' ? 'FERRY_PASSWORD' : found.source === 'url' ? 'the URL' : found.source}`);
          this.passwordOf.set(method, { password: found.password, source: found.source });
        }
        return method;
      }
      case 'agent':
        if (!this.allows(authsLeft, 'publickey')) return undefined;
        if (source.onlyKeysOf) {
          tried.push('ssh-agent (IdentitiesOnly: its keys of the IdentityFiles only)');
          return { type: 'agent', username, agent: new KeysOfFilesAgent(source.socket, source.onlyKeysOf) };
        }
        tried.push('ssh-agent');
        return { type: 'agent', username, agent: source.socket };
      case 'memory-key': {
        if (!this.allows(authsLeft, 'publickey')) return undefined;
        const key = await this.loadKey('', this.options.privateKey);
        tried.push(key ? 'the private key given' : `the private key given (${this.keyProblems.get('')})`);
        return key ? { type: 'publickey', username, key } : undefined;
      }
      case 'key': {
        if (!this.allows(authsLeft, 'publickey')) return undefined;
        const key = await this.loadKey(source.file);
        if (!key) {
          const problem = this.keyProblems.get(source.file);
          if (problem) tried.push(`${source.label} (${problem})`);
          return undefined;
        }
        tried.push(source.label);
        return { type: 'publickey', username, key };
      }
      case 'asked-password': {
        if (!this.allows(authsLeft, 'password') && !authsLeft?.includes('keyboard-interactive')) return undefined;
        // The first prompt is reused by later connections; a retry means the last one was wrong.
        if (source.attempt > 1 || this.askedPassword === undefined) {
          // As ssh does: a question after a refused answer says so.
          const refused = this.promptsAnswered > 0 ? 'Permission denied, please try again.\n' : '';
          const answer = await this.options.askSecret!(`${refused}password for ${this.options.where}: `);
          if (answer === undefined) {
            // No one to ask: stop asking.
            for (let i = this.sources.length - 1; i >= 0; i--) if (this.sources[i]!.kind === 'asked-password') this.sources.splice(i, 1);
            return undefined;
          }
          this.askedPassword = answer;
          this.promptsAnswered++;
        }
        const method = this.passwordMethod(this.askedPassword, authsLeft);
        if (method) {
          tried.push('password');
          this.passwordOf.set(method, { password: this.askedPassword, source: 'prompt' });
        }
        return method;
      }
    }
  }

  /**
   * A parsed private key (of `file`, or `inMemory` under the name ""), trying the passphrase
   * given and then asking for one when it is encrypted; null when unusable.
   */
  private async loadKey(file: string, inMemory?: string | Buffer): Promise<ParsedKey | null> {
    if (this.parsedKeys.has(file)) return this.parsedKeys.get(file)!;
    let data: Buffer;
    try {
      data = inMemory !== undefined ? Buffer.from(inMemory) : readFileSync(file);
    } catch {
      this.parsedKeys.set(file, null);
      return null;
    }
    let parsed = utils.parseKey(data);
    if (parsed instanceof Error && /encrypted|passphrase/i.test(parsed.message) && this.options.passphrase !== undefined) {
      parsed = utils.parseKey(data, this.options.passphrase);
    }
    const label = inMemory !== undefined ? 'the private key given' : `key ${file}`;
    if (parsed instanceof Error && /encrypted|passphrase|decrypt/i.test(parsed.message) && this.options.askSecret) {
      for (let attempt = 0; attempt < maxPasswordPrompts && parsed instanceof Error; attempt++) {
        const passphrase = await this.options.askSecret(`passphrase for ${label}: `);
        if (passphrase === undefined) break;
        parsed = utils.parseKey(data, passphrase);
      }
    }
    if (parsed instanceof Error) {
      this.keyProblems.set(file, /encrypted|passphrase|decrypt/i.test(parsed.message) ? 'passphrase missing or wrong' : 'not a usable private key');
    }
    const key = parsed instanceof Error ? null : Array.isArray(parsed) ? (parsed[0] ?? null) : parsed;
    this.parsedKeys.set(file, key);
    return key;
  }
}
