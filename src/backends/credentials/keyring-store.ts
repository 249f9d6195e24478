/**
 * The system keyring (macOS Keychain, Windows Credential Manager, the Secret Service on Linux,
 * else the Linux kernel keyring) through @napi-rs/keyring. Every failure is a warning through a
 * callback and an undefined result: a keyring is a convenience, never a reason to stop.
 *
 * Each operation is tried twice, because in some sandboxes the first Entry of a process fails
 * ("AccessDenied") and the second works. A save that fails so has already put the password in
 * the Linux kernel keyring, where no later lookup or delete reaches it: a save therefore starts
 * with a lookup, whose failure leaves nothing behind.
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
type EntryConstructor = new (service: string, account: string, options?: { linux?: { store?: 'secret-service' | 'keyutils' } }) => EntryLike;

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

/** The system keyring; `warn` receives one line per failure (never a password). */
export function systemKeyring(warn?: (message: string) => void, store?: KeyringBackendChoice): KeyringStore {
  const attempt = async <T>(what: string, action: (Entry: EntryConstructor) => T, report = true): Promise<{ ok: true; value: T } | { ok: false }> => {
    const Entry = await loadEntryClass();
    if (Entry instanceof Error) {
      if (report) warn?.(`the system keyring is not available (${reasonOf(Entry)}): ${what} skipped`);
      return { ok: false };
    }
    let lastError: unknown;
    for (let tries = 0; tries < 2; tries++) {
      try {
        return { ok: true, value: action(Entry) };
      } catch (error) {
        lastError = error;
      }
    }
    if (report) warn?.(`the system keyring failed (${reasonOf(lastError)}): ${what} skipped`);
    return { ok: false };
  };
  const options = store === undefined ? undefined : { linux: { store } };
  return {
    async lookup(service, account) {
      const result = await attempt(`keyring lookup for ${account}`, (Entry) => new Entry(service, account, options).getPassword());
      return result.ok ? (result.value ?? undefined) : undefined;
    },
    async store(service, account, password) {
      await attempt(`keyring lookup for ${account}`, (Entry) => new Entry(service, account, options).getPassword(), false);
      const result = await attempt(`saving the password of ${account}`, (Entry) => new Entry(service, account, options).setPassword(password));
      return result.ok;
    },
  };
}
