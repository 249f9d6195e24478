/**
 * Where a remote login's password comes from (backends/credentials/resolve-password.ts,
 * docs/credentials.md). SFTP and FTP read these; local folders ignore them.
 */

/** The password, and which of the other sources may be read or written. */
export interface CredentialOptions {
  /**
   * The login password, for programs that hold it in memory: it takes the place of a password in
   * the URL (and so comes before netrc, the keyring, FERRY_PASSWORD and a prompt). Like every
   * secret, it is only sent to the server: never written to the state, an event, a warning or an
   * error message.
   */
  readonly password?: string;
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
}
