/**
 * Maps FTP replies, socket errors and TLS failures to {@link BackendError}s, in one place.
 *
 * FTP reply codes are coarse: 550 means "not found" on one server and "permission denied" or
 * "not empty" on another, and vsftpd answers every failure with a generic text ("Delete operation
 * failed."). So the reply text decides where it is clear, and {@link isAmbiguousFailure} tells the
 * backend when it must look at the path itself to pick the right code.
 */
import { FTPError } from 'basic-ftp';
import { BackendError, type BackendErrorCode } from '../../errors.js';

/** The FTP reply code of an error, when it is a server reply. */
export function ftpReplyCode(error: unknown): number | undefined {
  if (error instanceof FTPError) return error.code;
  return undefined;
}

/**
 * After a transfer (`STOR`, `RETR`, a listing) failed: closes the control connection unless the
 * failure is the server's reply. A transfer that failed on its data connection (proftpd closes it
 * before its "452 No space left on device") still has its final reply on the way; a connection
 * handed on in that state reads that reply as the answer to its next command, and every later
 * answer one command late, until an operation waits for one that never comes (a 30 s stall,
 * seen with a full disk). A closed connection is dropped by the pool and replaced.
 */
export function closeUnlessReplied(client: { close(): void; readonly closed: boolean }, error: unknown): void {
  if (client.closed) return;
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth++) {
    if (cause instanceof FTPError) return;
  }
  client.close();
}

/** The server's reply text on one line, without the leading code ("550 x: No such file"). */
function replyText(message: string): string {
  return message
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ')
    .replace(/^(\d{3})[ -]/, '$1 ');
}

// Reply texts seen on proftpd, pure-ftpd, vsftpd, pyftpdlib and others, checked in this order.
const textRules: ReadonlyArray<readonly [RegExp, BackendErrorCode]> = [
  [/not empty/i, 'not-empty'],
  [/not a directory/i, 'not-a-directory'],
  [/is a directory|not a regular file|can only retrieve regular files|not a plain file/i, 'is-a-directory'],
  [/file exists|already exists/i, 'exists'],
  [/no such file|not found|does not exist|doesn't exist|can't check for file existence|cannot be listed|no such directory/i, 'not-found'],
  [/permission denied|access denied|not allowed|forbidden|operation not permitted|read-only|prohibited|not enough privileges/i, 'permission'],
  [/disk full|quota|no space|insufficient storage|exceeded storage/i, 'no-space'],
];

/** Node socket error codes that mean the connection is gone or was never made. */
const connectionErrnos = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
]);

/** Node/OpenSSL codes of a certificate that failed verification. */
const certificateErrorCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'HOSTNAME_MISMATCH',
]);

/** The code a server reply maps to, from its number and, for 4xx/5xx file errors, its text. */
function codeOfReply(code: number, text: string): { code: BackendErrorCode; retryable?: boolean } {
  if (code === 530 || code === 332 || code === 532) return { code: 'auth' };
  // 421: the server is closing the session (too many connections, idle timeout, shutdown).
  if (code === 421) return { code: 'connection-lost', retryable: true };
  // 425/426: the data connection could not be opened or was closed mid-transfer.
  if (code === 425 || code === 426) return { code: 'connection-lost', retryable: true };
  if (code === 452 || code === 552) return { code: 'no-space' };
  if (code === 500 || code === 502 || code === 504) return { code: 'unsupported' };
  for (const [pattern, mapped] of textRules) if (pattern.test(text)) return { code: mapped };
  // 450 is "file unavailable (busy)": transient by the RFC. proftpd uses it for a missing folder,
  // which the text rules above catch; other 4xx replies may succeed on a later try.
  if (code >= 400 && code < 500) return { code: 'protocol', retryable: true };
  return { code: 'protocol' };
}

/**
 * True when a failed file command (550 and friends) gave no text that tells why, so the backend
 * must check the path to choose between not-found, is-a-directory, not-empty and permission.
 */
export function isAmbiguousFailure(error: unknown): boolean {
  const code = ftpReplyCode(error);
  if (code === undefined || code < 450 || code === 530 || code === 421) return false;
  const text = replyText((error as Error).message);
  return !textRules.some(([pattern]) => pattern.test(text));
}

/** The host names and addresses a peer certificate holds: its subjectAltName entries, else its CN. */
function certificateNames(cert: { subjectaltname?: string; subject?: { CN?: string } } | undefined): string {
  const alt = (cert?.subjectaltname ?? '')
    .split(/,\s*/)
    .map((item) => item.replace(/^(DNS|IP Address):/, ''))
    .filter((item) => item !== '');
  return (alt.length > 0 ? alt : [cert?.subject?.CN ?? '']).filter((name) => name !== '').join(', ');
}

/** Unwraps basic-ftp's "Client is closed because <reason>" into the reason's own text. */
function closedReason(message: string): string {
  return message.replace(/^(Client is closed because )+/, '');
}

/**
 * Converts anything an FTP operation threw into a BackendError whose message starts with `what`
 * ("cannot list ftp://host/dir"). BackendErrors pass through unchanged.
 *
 * @param server `host:port`, named in certificate messages.
 */
export function mapFtpError(error: unknown, what: string, server: string): BackendError {
  if (error instanceof BackendError) return error;
  const code = ftpReplyCode(error);
  if (code !== undefined) {
    const text = replyText((error as Error).message);
    const mapped = codeOfReply(code, text);
    const reason = code === 421 ? `server closed the session: ${text}` : text;
    return new BackendError(mapped.code, `${what}: ${reason}`, { cause: error, retryable: mapped.retryable });
  }
  const err = error as (Error & { code?: unknown }) | undefined;
  const message = closedReason(err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(error));
  const errno = typeof err?.code === 'string' ? err.code : undefined;
  if (errno === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    // Trusted or not, the certificate is for other names: --ca-file cannot help here.
    const mismatch = error as Error & { host?: string; cert?: { subjectaltname?: string; subject?: { CN?: string } } };
    const names = certificateNames(mismatch.cert);
    return new BackendError(
      'protocol',
      `${what}: TLS certificate of ${server} does not name ${mismatch.host ?? 'this host'} (it names ${names || 'no host'}); connect by one of its names, or skip the check with \`verifyCerts: false\``,
      { cause: error },
    );
  }
  if (errno !== undefined && certificateErrorCodes.has(errno)) {
    return new BackendError(
      'protocol',
      `${what}: TLS certificate of ${server} is not trusted (${message}); trust its CA with \`caFile: FILE\`, or skip the check with \`verifyCerts: false\``,
      { cause: error },
    );
  }
  if (errno === 'ECONNREFUSED') {
    return new BackendError('connection-lost', `${what}: connection refused`, { cause: error });
  }
  if (errno === 'ENOTFOUND' || errno === 'EAI_AGAIN') {
    return new BackendError('connection-lost', `${what}: unknown host`, { cause: error });
  }
  // The stall rule (stall-watch.ts) and the login deadline say themselves what happened.
  const stalled = /^Timeout \(((?:no answer for |too slow: |no login within ).*)\)$/.exec(message);
  if (stalled) return new BackendError('timeout', `${what}: ${stalled[1]}`, { cause: error });
  if (errno === 'ETIMEDOUT' || /^Timeout \(/.test(message)) {
    return new BackendError('timeout', `${what}: no answer in time (${message})`, { cause: error });
  }
  if (
    (errno !== undefined && connectionErrnos.has(errno)) ||
    /Server sent FIN packet|Server closed connection|Socket closed due to transmission error|socket hang up|Control socket is disconnected/i.test(message) ||
    // basic-ftp wraps a reset during PASV/EPSV: "None of the available transfer strategies work.
    // Last error response was 'Error: Client is closed because read ECONNRESET (control socket)'".
    /Client is closed because|\b(ECONNRESET|EPIPE|ECONNABORTED)\b/.test(message) ||
    // The data connection of an upload closed before every byte was written (proftpd does so on
    // a full disk before its 452): a lost connection, retried like one.
    (error as NodeJS.ErrnoException | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE'
  ) {
    return new BackendError('connection-lost', `${what}: connection lost (${message})`, { cause: error });
  }
  if (/Contains control characters/.test(message)) {
    return new BackendError('unsafe-name', `${what}: FTP cannot carry names with line breaks or NUL`, { cause: error });
  }
  if (/^ERR_SSL_|^ERR_TLS_/.test(errno ?? '') || /SSL|TLS/.test(message)) {
    return new BackendError('protocol', `${what}: TLS failed: ${message}`, { cause: error });
  }
  return new BackendError('protocol', `${what}: ${message}`, { cause: error });
}

/** True when an error means the control connection is unusable (so a fresh one may succeed). */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof BackendError) return error.code === 'connection-lost' || error.code === 'timeout';
  const code = ftpReplyCode(error);
  if (code !== undefined) return code === 421;
  return true;
}

/**
 * True when the server refused a new connection as one too many: 421 (pure-ftpd, vsftpd,
 * pyftpdlib) or a 530 that names a connection limit (proftpd's MaxClientsPerUser).
 */
export function isTooManyConnections(error: unknown): boolean {
  const cause = error instanceof BackendError ? error.cause : error;
  const code = ftpReplyCode(cause);
  if (code === 421) return true;
  return code === 530 && /too many|maximum number|max(imum)? .*(connections|clients)|more than \d+ connections/i.test((cause as Error).message);
}
