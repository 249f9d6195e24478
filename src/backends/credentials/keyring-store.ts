/**
 * The system keyring (macOS Keychain, Windows Credential Manager, the Secret Service on Linux,
 * else the Linux kernel keyring) through @napi-rs/keyring. Every failure is a warning through a
 * callback and an undefined result: a keyring is a convenience, never a reason to stop.
 *
 * Each operation is tried twice, because in some sandboxes the first Entry of a process fails
 * ("AccessDenied") and the second works. A lookup that finds nothing is tried twice too: on Linux
 * without a Secret Service the kernel keyring's entry lives in the session keyring and the user's
 * persistent keyring, and an Entry made while the persistent keyring could not be reached (that
 * same first access) searches the session keyring alone, where a run started from another session
 * (or a shell whose session keyring changed) finds nothing, although the password is saved.
 */

/** Which Linux store to require; undefined lets the library choose (Secret Service, else kernel). */
export type KeyringBackendChoice = 'secret-service' | 'keyutils' | undefined;

/** Looks up and stores passwords; never throws. */
export interface KeyringStore {
  /** The password of (service, account); undefined when absent or the keyring fails. */
  lookup(service: string, account: string): Promise<string | undefined>;
  /** Saves the password; true on success (false after a warning). */
  store(service: string, account: string, password: string): Promise<boolean>;
}

interface EntryLike {
  getPassword(): string | null;
  setPassword(password: string): void;
}
/** The library's Entry class, as used here. */
export type EntryConstructor = new (service: string, account: string, options?: { linux?: { store?: 'secret-service' | 'keyutils' } }) => EntryLike;

let entryClass: Promise<EntryConstructor | Error> | undefined;

function loadEntryClass(): Promise<EntryConstructor | Error> {
  entryClass ??= import('@napi-rs/keyring').then(
    (module) => (module as unknown as { Entry: EntryConstructor }).Entry,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  return entryClass;
}

/** A short, one-line reason (the library's messages never contain the secret). */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 200);
}

/**
 * The system keyring; `warn` receives one line per failure (never a password). `entryClass`
 * replaces the library's Entry (tests).
 */
export function systemKeyring(warn?: (message: string) => void, store?: KeyringBackendChoice, entryClass?: EntryConstructor): KeyringStore {
  const attempt = async <T>(
    what: string,
    action: (Entry: EntryConstructor) => T,
    again?: (value: T) => boolean,
  ): Promise<{ ok: true; value: T } | { ok: false }> => {
    const Entry = entryClass ?? (await loadEntryClass());
    if (Entry instanceof Error) {
      warn?.(`the system keyring is not available (${reasonOf(Entry)}): ${what} skipped`);
      return { ok: false };
    }
    let lastError: unknown;
    let found: { ok: true; value: T } | undefined;
    for (let tries = 0; tries < 2; tries++) {
      try {
        found = { ok: true, value: action(Entry) };
        if (!again?.(found.value)) return found;
      } catch (error) {
        lastError = error;
      }
    }
    if (found) return found;
    warn?.(`the system keyring failed (${reasonOf(lastError)}): ${what} skipped`);
    return { ok: false };
  };
  const options = store === undefined ? undefined : { linux: { store } };
  return {
    async lookup(service, account) {
      const result = await attempt(
        `keyring lookup for ${account}`,
        (Entry) => new Entry(service, account, options).getPassword(),
        (password) => password === null,
      );
      return result.ok ? (result.value ?? undefined) : undefined;
    },
    async store(service, account, password) {
      // A read first: when the first keyring access of a process fails, it must not be this
      // write, which can fail after the kernel keyring took a copy of the password, a copy no
      // lookup reaches and no one deletes.
      await attempt(`keyring lookup for ${account}`, (Entry) => new Entry(service, account, options).getPassword());
      const result = await attempt(`saving the password of ${account}`, (Entry) => new Entry(service, account, options).setPassword(password));
      return result.ok;
    },
  };
}
