/**
 * Maps ssh2 and SFTP errors to backend error codes, in one place.
 *
 * SFTP v3 (draft-ietf-secsh-filexfer-02) status codes: 2 no such file, 3 permission denied,
 * 4 failure (OpenSSH's catch-all for EEXIST, ENOTEMPTY, EISDIR...), 5 bad message, 6 no connection,
 * 7 connection lost, 8 unsupported. Code 4 says nothing precise, so callers that can tell more
 * (mkdir, rmdir, unlink) look at the path again before reporting.
 */
import { BackendError, type BackendErrorCode } from '../../errors.js';

const codeBySftpStatus: Record<number, BackendErrorCode> = {
  2: 'not-found',
  3: 'permission',
  4: 'protocol',
  5: 'protocol',
  6: 'connection-lost',
  7: 'connection-lost',
  8: 'unsupported',
};

const codeByErrno: Record<string, BackendErrorCode> = {
  ECONNRESET: 'connection-lost',
  ECONNABORTED: 'connection-lost',
  EPIPE: 'connection-lost',
  ECONNREFUSED: 'connection-lost',
  EHOSTUNREACH: 'connection-lost',
  ENETUNREACH: 'connection-lost',
  ETIMEDOUT: 'timeout',
  ENOTFOUND: 'connection-lost',
  EAI_AGAIN: 'connection-lost',
};

const reasonByErrno: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** An ssh2 error: SFTP status errors carry a numeric `code`, socket errors a string one. */
interface Ssh2Error extends Error {
  code?: number | string;
  level?: string;
}

/** True when `error` is an SFTP status error with the given status code. */
export function hasSftpStatus(error: unknown, status: number): boolean {
  return (error as Ssh2Error | undefined)?.code === status;
}

/** True when ssh2 reported that the channel or connection went away under a request. */
export function isConnectionGone(error: unknown): boolean {
  const e = error as Ssh2Error | undefined;
  if (!e || typeof e !== 'object') return false;
  if (e.code === 6 || e.code === 7) return true;
  if (typeof e.code === 'string' && codeByErrno[e.code] === 'connection-lost') return true;
  // ssh2 fails every pending request with this message when the channel closes.
  return /No response from server|Channel not open|Not connected|connection lost/i.test(e.message ?? '');
}

/**
 * Converts an error of an SFTP operation on `what` (a phrase like "cannot list /srv/x") into a
 * BackendError. BackendErrors pass through; errors of the caller's own data source (a failing input
 * stream, an abort) pass through unchanged. `connectionClosed` forces `connection-lost`: once the
 * connection is gone, whatever ssh2 said, trying again on a new connection may work.
 */
export function mapSftpError(error: unknown, what: string, connectionClosed = false): unknown {
  if (error instanceof BackendError) return error;
  if ((error as Error | undefined)?.name === 'AbortError') return error;
  const e = error as Ssh2Error | undefined;
  if (typeof e?.code === 'string' && codeByErrno[e.code] !== undefined) {
    return new BackendError(codeByErrno[e.code]!, `${what}: ${reasonByErrno[e.code] ?? e.code}`, {
      cause: error,
      // A host that does not resolve will not resolve on the next try either.
      retryable: e.code !== 'ENOTFOUND',
    });
  }
  if (connectionClosed || isConnectionGone(error)) {
    return new BackendError('connection-lost', `${what}: connection to the server was lost`, { cause: error });
  }
  if (typeof e?.code === 'number') {
    const code = codeBySftpStatus[e.code] ?? 'protocol';
    return new BackendError(code, `${what}: ${oneLine(e.message) || `SFTP status ${e.code}`}`, { cause: error });
  }
  return error;
}

/**
 * Converts an error of connecting (socket, handshake, authentication) to `where` (`host:port`).
 * Never includes secrets: ssh2's messages do not carry them, and ours name only methods.
 */
export function mapConnectError(error: unknown, where: string): BackendError {
  if (error instanceof BackendError) return error;
  const e = error as Ssh2Error | undefined;
  if (e?.level === 'client-timeout' || /Timed out while waiting for handshake/i.test(e?.message ?? '')) {
    return new BackendError('timeout', `cannot connect to ${where}: no SSH handshake in time`, { cause: error });
  }
  if (e?.level === 'client-authentication') {
    return new BackendError('auth', `authentication to ${where} failed: ${oneLine(e.message)}`, { cause: error });
  }
  const mapped = mapSftpError(error, `cannot connect to ${where}`);
  if (mapped instanceof BackendError) return mapped;
  return new BackendError('protocol', `cannot connect to ${where}: ${oneLine(e?.message ?? String(error))}`, {
    cause: error,
  });
}

function oneLine(message: string | undefined): string {
  return (message ?? '').split('\n')[0]!.trim();
}
