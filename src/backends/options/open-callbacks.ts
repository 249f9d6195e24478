/**
 * What an open tells its caller and asks of it: the user-interface side of opening a backend.
 * Every callback is optional; a backend works without any of them.
 */

/** Callbacks a backend calls while it opens (and, for `trace` and `warn`, while it works). */
export interface OpenCallbacks {
  /** Asks the user for a secret (password, passphrase); undefined when no one can be asked. */
  readonly askSecret?: (prompt: string) => Promise<string | undefined>;
  /** Receives warnings worth showing (for example "host key verification is off"). */
  readonly warn?: (message: string) => void;
  /**
   * Receives protocol trace lines (`-vv`): FTP commands and replies (PASS masked), SFTP requests
   * and their status, SSH connection steps. Never a secret.
   */
  readonly trace?: (line: string) => void;
  /**
   * Remote backends: called once the first connection is under way, so that a caller can do
   * work needing the CPU (loading the state) while the network answers rather than before.
   */
  readonly onConnecting?: () => void;
}
