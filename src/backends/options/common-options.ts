/**
 * Options that apply to every remote backend (SFTP, FTP, FTPS); local folders ignore them.
 */

/** How a remote backend connects and when it gives up: the same for every protocol. */
export interface CommonOptions {
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
  /** Connections to open for remote backends (default chosen by the backend). */
  readonly parallel?: number;
  readonly signal?: AbortSignal;
}
