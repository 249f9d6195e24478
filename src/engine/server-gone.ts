/**
 * When a failure means the server itself is gone, so that going on with other files or folders
 * would only fail each of them after its own timeout (docs/reliability.md, "A server that stops
 * answering ends the run").
 */
import { isBackendError } from '../errors.js';

/**
 * True for a failure (after its retries) that shows the server no longer answers: a timeout (no
 * answer, a rate below the floor, a login that did not end in time) or a new connection that could
 * not be made. A connection lost in the middle of one transfer while new ones work (a broken
 * transfer, a hostile server) is that file's failure only.
 */
export function meansServerGone(error: unknown): boolean {
  if (isBackendError(error, 'timeout')) return true;
  return isBackendError(error, 'connection-lost') && /^cannot (connect to|start SFTP on) /.test(error.message);
}
