/**
 * Opens and logs in one FTP control connection with basic-ftp.
 *
 * The login sequence is written out here instead of using `Client.access()` so that each step maps
 * its own failure (a refused certificate, AUTH TLS refused, a wrong password) to a clear error,
 * and so that FEAT is asked once per backend, not once per connection.
 */
import { Client, FTPError } from 'basic-ftp';
import { speedTrickOn } from '../../core/speed-tricks.js';
import { writeCommands } from './basic-ftp-internals.js';
import type { ConnectionOptions } from 'node:tls';
import { BackendError } from '../../errors.js';
import { activeModeTransfer } from './active-mode-transfer.js';
import { pipelineEpsvFromStart, pipelineEpsvOnceChosen } from './pipelined-passive-transfer.js';
import { ftpReplyCode, mapFtpError } from './ftp-errors.js';
import { traceFtp } from './ftp-trace.js';
import { sendPipelined, successOf } from './send-pipelined.js';
import { watchFtpClient } from './ftp-stall-watch.js';
import { DEFAULT_MIN_RATE } from '../stall-watch.js';

/** A whole login (connect, TLS, greeting, USER/PASS, settings) may take this many timeouts. */
export const LOGIN_TIMEOUTS = 2;

/** How TLS is used: none (ftp://), explicit AUTH TLS (ftps://), implicit (TLS from the first byte). */
export type FtpTlsMode = 'none' | 'explicit' | 'implicit';

/** Everything needed to open one connection. Holds the password: never log or print it. */
export interface FtpConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly tls: FtpTlsMode;
  /** TLS options for the control and data connections (trusted CAs, verification). */
  readonly tlsOptions: ConnectionOptions;
  /** Encoding of names on the control and listing connections (a Node encoding, default utf8). */
  readonly encoding: 'utf8' | 'latin1' | 'ascii';
  /** Per-command timeout in ms, and the window of the stall rule (stall-watch.ts). */
  readonly timeoutMs: number;
  /** Floor on the rate of a busy connection, bytes per second (stall-watch.ts; 0: silence alone). */
  readonly minRate?: number;
  /** `user@host:port`, for messages. */
  /** Appended to a refused login's message: where the password came from, how to give another. */
  readonly authHint?: string;
  readonly label: string;
  /**
   * Active mode: the server connects to us for each transfer (EPRT/PORT) instead of us connecting
   * to it (EPSV/PASV, the default).
   */
  readonly active?: boolean;
  /** Active mode: how long to wait for the server's data connection (default `timeoutMs`). */
  readonly activeAcceptTimeoutMs?: number;
  /** Receives the protocol trace (`-vv`), passwords masked; see ftp-trace.ts. */
  readonly trace?: (line: string) => void;
  /** What the backend's connections learnt about the server, shared by the next ones. */
  readonly learnt?: LearntAboutServer;
}

/** What one connection found out about the server, for the backend's other connections. */
export interface LearntAboutServer {
  /** A transfer chose `EPSV` (basic-ftp tries `EPSV`, then `PASV`). */
  epsvWorks?: boolean;
}

/**
 * Connects, upgrades to TLS when asked, logs in, and sets binary mode (and `PROT P` on TLS, so
 * data connections are encrypted too). Throws a BackendError: `auth` for a refused login,
 * `protocol` for TLS problems, `connection-lost` when the server is unreachable or full (421).
 * Gives up (closing the connection) when `signal` aborts.
 */
export async function connectFtpClient(settings: FtpConnectionSettings, signal?: AbortSignal): Promise<Client> {
  const client = new Client(settings.timeoutMs);
  const what = `cannot connect to ${settings.label}`;
  // Each reply must come within the timeout, and the whole login within two: a server answering
  // each step just in time (or a byte at a time) must not hold a login for ever. Some steps (a TLS
  // handshake on a stalled connection) do not fail when the connection is closed under them, so
  // the login is raced against the deadline and the abort rather than left to notice.
  let stop: (error: Error) => void = () => undefined;
  const stopped = new Promise<never>((_resolve, reject) => {
    stop = reject;
  });
  const loginMs = LOGIN_TIMEOUTS * settings.timeoutMs;
  const loginTimer = settings.timeoutMs > 0 ? setTimeout(() => stop(new Error(`Timeout (no login within ${loginMs / 1000} s)`)), loginMs) : undefined;
  loginTimer?.unref();
  const onAbort = (): void => stop(signal?.reason instanceof Error ? signal.reason : new Error('login aborted'));
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([loginSteps(client, settings, what), stopped]);
  } catch (error) {
    client.close();
    throw mapFtpError(error, what, `${settings.host}:${settings.port}`);
  } finally {
    clearTimeout(loginTimer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The steps of {@link connectFtpClient}; throws what basic-ftp throws (mapped by the caller). */
async function loginSteps(client: Client, settings: FtpConnectionSettings, what: string): Promise<Client> {
  watchFtpClient(client, settings.timeoutMs, settings.minRate ?? DEFAULT_MIN_RATE);
  client.ftp.encoding = settings.encoding;
  if (settings.trace) traceFtp(client, settings.trace, settings.password);
  if (settings.active) {
    client.prepareTransfer = activeModeTransfer({ acceptTimeoutMs: settings.activeAcceptTimeoutMs ?? settings.timeoutMs });
  } else if (speedTrickOn('ftp-pipelined-epsv')) {
    const learnt = settings.learnt;
    pipelineEpsvOnceChosen(client, () => {
      if (learnt) learnt.epsvWorks = true;
    });
  }
  // Data connections resume the control connection's TLS session for this host name.
  const tlsOptions: ConnectionOptions = { ...settings.tlsOptions, host: settings.host };
  if (settings.tls === 'implicit') {
    await client.connectImplicitTLS(settings.host, settings.port, tlsOptions);
  } else {
    await client.connect(settings.host, settings.port);
  }
  if (settings.tls === 'explicit') {
    try {
      await client.useTLS(tlsOptions);
    } catch (error) {
      const code = ftpReplyCode(error);
      if (code !== undefined && code >= 500) {
        throw new BackendError(
          'unsupported',
          `${what}: the server does not offer FTPS with AUTH TLS (${(error as Error).message.trim()}); use ftp:// or ?tls=implicit`,
          { cause: error },
        );
      }
      throw error;
    }
  }
  // RFC 2640: ask for UTF-8 names before login too (some servers accept it only then), so a
  // non-ASCII user name works. A refusal is fine. It goes in one write with USER.
  try {
    await loginPipelined(client, settings.encoding === 'utf8' ? ['OPTS UTF8 ON'] : [], settings.user, settings.password);
  } catch (error) {
    const code = ftpReplyCode(error);
    if (code === 530 || code === 332 || code === 532) {
      const reply = (error as Error).message.split(/\r?\n/)[0]!.trim();
      throw new BackendError('auth', `login to ${settings.label} failed: ${reply}${settings.authHint ? ` (${settings.authHint})` : ''}`, { cause: error });
    }
    throw error;
  }
  // The settings in one write, one round trip (servers answer pipelined commands in order).
  const settingsCommands = ['TYPE I', ...(settings.encoding === 'utf8' ? ['OPTS UTF8 ON'] : []), ...(settings.tls !== 'none' ? ['PBSZ 0', 'PROT P'] : [])];
  const replies = await sendPipelined(client, settingsCommands);
  settingsCommands.forEach((command, index) => {
    // A refused OPTS UTF8 is fine (the server's names are then taken as they come).
    if (command !== 'OPTS UTF8 ON') successOf(replies[index]!);
  });
  // Another connection found meanwhile that EPSV works (the choice is the server's): this one
  // pipelines it from its first transfer, without a lone EPSV first.
  if (!settings.active && settings.learnt?.epsvWorks && speedTrickOn('ftp-pipelined-epsv') && speedTrickOn('ftp-shared-epsv')) pipelineEpsvFromStart(client);
  return client;
}

/**
 * Logs in as basic-ftp's `login()` does (USER, then PASS when the server asks for one), with
 * `preamble` commands sent in the same write as USER and their replies, whatever they say,
 * skipped. Rejects with the server's FTPError when it refuses the user or the password.
 */
function loginPipelined(client: Client, preamble: readonly string[], user: string, password: string): Promise<unknown> {
  if (/[\r\n\0]/.test(user)) return Promise.reject(new Error('invalid FTP user name: it contains a line break or NUL'));
  if (!speedTrickOn('ftp-pipelined-login')) return loginOneByOne(client, preamble, user, password);
  const ftp = client.ftp;
  let preambleReplies = preamble.length;
  const lines = [...preamble, `USER ${user}`];
  return writeCommands(
    ftp,
    lines,
    () => lines.join(' + '),
    (response, task) => {
      if (response instanceof Error && !(response instanceof FTPError)) return task.reject(response);
      if (preambleReplies > 0) {
        preambleReplies--;
        return;
      }
      if (response instanceof FTPError) return task.reject(response);
      // 230 logged in (also without a password), 202 superfluous.
      if (response.code >= 200 && response.code < 300) return task.resolve(response);
      // basic-ftp's send() masks the password in its log and refuses line breaks in it.
      if (response.code === 331) return ftp.send(`PASS ${password}`);
      // 332 (an account is needed) and anything unexpected.
      task.reject(new FTPError(response));
    },
  );
}

/** The plain path of {@link loginPipelined}: each preamble command on its own, then basic-ftp's login(). */
async function loginOneByOne(client: Client, preamble: readonly string[], user: string, password: string): Promise<unknown> {
  for (const command of preamble) await client.sendIgnoringError(command);
  return client.login(user, password);
}
