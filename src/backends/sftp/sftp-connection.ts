/**
 * One SSH connection with one SFTP channel on it.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, SFTPWrapper } from 'ssh2';
import { BackendError } from '../../errors.js';
import { DEFAULT_MIN_RATE, watchForStall } from '../stall-watch.js';
import { checkHostKey, hostKeyError, type KnownHostLine } from './known-hosts.js';
import { mapConnectError, mapSftpError } from './sftp-errors.js';
import type { SshAuth } from './ssh-auth.js';
import { traceSftp } from './sftp-trace.js';
import { passwordEnvVar } from '../credentials/resolve-password.js';
import { coalesceWrites, serverSoftware, sftpAnnounced, sftpProcessesInOrder, sshSocket } from './ssh2-internals.js';

const { Client } = ssh2;

/** Where and how to connect; shared by all connections of a backend. */
export interface SshEndpoint {
  /** Host to connect to (after ssh config `HostName`). */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly auth: SshAuth;
  /** The host as the URL names it (an ssh config alias), for the netrc hint. */
  readonly hostAlias?: string;
  /** Known host keys, or undefined when verification is off. */
  readonly knownHosts: readonly KnownHostLine[] | undefined;
  /** The known_hosts file named in messages (where the user should add a key). */
  readonly knownHostsFile: string;
  readonly readyTimeoutMs: number;
  /**
   * A connection whose server answers nothing (not even an SSH keep-alive) this long is dropped;
   * also the window of the stall rule (stall-watch.ts).
   */
  readonly idleTimeoutMs: number;
  /** An open stream to the server (through a jump host or a ProxyCommand) instead of a TCP connect. */
  readonly sock?: Duplex;
  /** Receives protocol trace lines (`-vv`); see sftp-trace.ts. */
  readonly trace?: (line: string) => void;
  /** Floor on the rate of a busy connection, bytes per second (stall-watch.ts; 0: silence alone). */
  readonly minRate?: number;
}

/** How a connection is watched for stalls (see {@link SshEndpoint}). */
export interface StallLimits {
  readonly timeoutMs: number;
  readonly minRate: number;
}

// ssh2's default host key order; known key types of the host are moved to the front so that a
// host listed with, say, only its RSA key is not reported as changed because it offered ed25519.
const defaultHostKeyAlgorithms = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Host key algorithms to offer, known key types of the host first (undefined: ssh2's default). */
export function hostKeyAlgorithmsFor(endpoint: Pick<SshEndpoint, 'knownHosts' | 'host' | 'port'>): string[] | undefined {
  if (!endpoint.knownHosts) return undefined;
  const known = new Set<string>();
  for (const line of endpoint.knownHosts) {
    if (line.marker !== undefined) continue;
    if (checkHostKey([line], endpoint.host, endpoint.port, Buffer.from(line.keyBase64, 'base64')).status !== 'trusted') continue;
    if (line.keyType === 'ssh-rsa') ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'].forEach((a) => known.add(a));
    else known.add(line.keyType);
  }
  if (known.size === 0) return undefined;
  const first = defaultHostKeyAlgorithms.filter((a) => known.has(a));
  return [...first, ...defaultHostKeyAlgorithms.filter((a) => !known.has(a))];
}

/** What the server showed while connecting (for `ferry doctor`). */
export interface SshHandshakeInfo {
  /** The server's software version from its identification line (`OpenSSH_9.2p1 Debian-2`). */
  readonly serverSoftware?: string;
  /** The host key blob it presented. */
  readonly hostKey?: Buffer;
  /** True when the key was found in known_hosts; false when verification was off. */
  readonly hostKeyVerified: boolean;
  /** Negotiated algorithms (kex, host key, ciphers) as ssh2 reports them. */
  readonly negotiated?: unknown;
}

/** An open SSH connection and its SFTP channel. */
export class SftpConnection {
  /** Set by {@link connectSftp}. */
  handshake: SshHandshakeInfo = { hostKeyVerified: false };

  /** True once the connection closed or failed; requests on it can no longer succeed. */
  closed = false;
  /** Operations currently running on this connection (the pool balances on it). */
  inFlight = 0;
  /** Why the stall rule dropped the connection (stall-watch.ts), for the errors of its requests. */
  private stalled: string | undefined;
  /** Receives protocol trace lines (`-vv`) of what is not SFTP (exec channels). */
  trace: ((line: string) => void) | undefined;
  /** Requests answered so far (progress for the stall rule). */
  private answered = 0;
  /** Whether `posix-rename@openssh.com` works here, as {@link posixRename} learnt it (undefined: not tried yet). */
  private posixRenameWorks: boolean | undefined;

  constructor(
    private readonly client: InstanceType<typeof Client>,
    readonly sftp: SFTPWrapper,
    limits?: StallLimits,
  ) {
    let stopWatch = (): void => undefined;
    const markClosed = (): void => {
      this.closed = true;
      stopWatch();
    };
    if (limits) {
      const socket = (): Socket | undefined => sshSocket(client);
      stopWatch = watchForStall(
        {
          bytes: () => (socket()?.bytesRead ?? 0) + (socket()?.bytesWritten ?? 0),
          completed: () => this.answered,
          waitingOnServer: () => !this.closed && this.inFlight > 0,
        },
        {
          ...limits,
          onStall: (reason) => {
            this.stalled = reason;
            this.closed = true;
            client.destroy();
          },
        },
      );
    }
    client.on('close', markClosed);
    client.on('end', markClosed);
    sftp.on('close', markClosed);
    // Errors after login surface through the pending requests; without a listener they would crash.
    client.on('error', markClosed);
    sftp.on('error', markClosed);
  }

  /** Local TCP port of the connection (tests use it to find the server's session process). */
  get localPort(): number | undefined {
    return sshSocket(this.client)?.localPort;
  }

  /**
   * True for OpenSSH (and dropbear, which runs OpenSSH's sftp-server): its sftp-server reads and
   * answers requests one at a time in arrival order, so dependent requests may be sent without
   * waiting for each answer. The SFTP drafts do not promise this for every server.
   */
  get processesInOrder(): boolean {
    return sftpProcessesInOrder(this.sftp);
  }

  /** The ssh2 client, for `ferry doctor`'s exec check. */
  get ssh(): InstanceType<typeof Client> {
    return this.client;
  }

  /** SFTP protocol version and extensions the server announced (ssh2 keeps them privately). */
  get sftpInfo(): { readonly version: number; readonly extensions: Readonly<Record<string, string>> } {
    return sftpAnnounced(this.sftp);
  }

  /**
   * Renames `from` to `to` with `posix-rename@openssh.com`, which replaces a file at `to`
   * atomically. Resolves false, without renaming, when the server does not support it: ssh2
   * refuses a request the server did not announce ("does not support"), and a server that
   * announced it may still answer "unsupported". The answer is remembered for this connection,
   * so later renames go straight to the plain RENAME. The support is learnt through the protocol
   * only, never from ssh2's private fields, so a change in ssh2 cannot silently turn atomic
   * replacing off.
   */
  async posixRename(from: string, to: string, what: string): Promise<boolean> {
    if (this.posixRenameWorks === false) return false;
    try {
      await this.call(what, (sftp, done) => sftp.ext_openssh_rename(from, to, done));
    } catch (error) {
      if (!isUnsupported(error)) throw error;
      this.posixRenameWorks = false;
      return false;
    }
    this.posixRenameWorks = true;
    return true;
  }

  /** Runs one SFTP call, turning its callback into a promise and its error into a BackendError. */
  call<T>(what: string, start: (sftp: SFTPWrapper, done: (error: Error | undefined | null, value?: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) {
        reject(this.lostError(what));
        return;
      }
      try {
        start(this.sftp, (error, value) => {
          this.answered++;
          if (error) reject(this.stalled !== undefined ? this.lostError(what) : mapSftpError(error, what, this.closed));
          else resolve(value as T);
        });
      } catch (error) {
        // ssh2 throws synchronously when the channel is already gone or an extension is missing.
        reject(mapSftpError(error, what, this.closed));
      }
    });
  }

  /** The error of a request on a connection that is gone (a `timeout` when the stall rule dropped it). */
  private lostError(what: string): BackendError {
    if (this.stalled !== undefined) return new BackendError('timeout', `${what}: ${this.stalled}`);
    return new BackendError('connection-lost', `${what}: connection to the server was lost`);
  }

  /**
   * Runs a command over an SSH exec channel of this connection and collects its output (at most
   * 64 KiB of each stream). Rejects when the server refuses the channel (an SFTP-only account).
   */
  exec(command: string): Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error) return reject(error);
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let size = 0;
        const keep = (list: Buffer[]) => (chunk: Buffer) => {
          size += chunk.length;
          if (size <= 128 * 1024) list.push(chunk);
        };
        channel.on('data', keep(out));
        channel.stderr.on('data', keep(err));
        channel.on('error', reject);
        channel.on('close', (code: number | null) => {
          resolve({ code: typeof code === 'number' ? code : null, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
        });
      });
    });
  }

  /**
   * Runs a command over an SSH exec channel with its standard input closed (an account that runs
   * a program of its own instead, such as internal-sftp, then ends at once) and collects stdout as
   * raw bytes. Rejects when the server refuses the channel, or when stdout passes `maxBytes` (the
   * channel is closed then).
   */
  execRaw(command: string, maxBytes: number): Promise<{ readonly code: number | null; readonly stdout: Buffer; readonly stderr: string }> {
    const started = performance.now();
    this.trace?.(`ssh > EXEC ${command}`);
    const outcome = new Promise<{ readonly code: number | null; readonly stdout: Buffer; readonly stderr: string }>((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error) return reject(error);
        channel.end();
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let size = 0;
        let errSize = 0;
        channel.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= maxBytes) out.push(chunk);
          else {
            channel.close();
            reject(new Error(`more than ${maxBytes} bytes of output`));
          }
        });
        channel.stderr.on('data', (chunk: Buffer) => {
          errSize += chunk.length;
          if (errSize <= 64 * 1024) err.push(chunk);
        });
        channel.on('error', reject);
        channel.on('close', (code: number | null) => {
          resolve({ code: typeof code === 'number' ? code : null, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
        });
      });
    });
    if (this.trace) {
      const ms = (): string => `${(performance.now() - started).toFixed(1)} ms`;
      outcome.then(
        (result) => this.trace?.(`ssh < EXEC: exit ${result.code ?? 'none'}, ${result.stdout.length} bytes (${ms()})`),
        (error: unknown) => this.trace?.(`ssh < EXEC: failed (${(error as Error).message}) (${ms()})`),
      );
    }
    return outcome;
  }

  /** Closes the connection; resolves once the socket is closed (or after a short grace time). */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.destroy();
        resolve();
      }, 2000);
      timer.unref();
      this.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.end();
    });
  }

  /** Drops the socket at once (tests use it to simulate a lost connection). */
  destroy(): void {
    this.closed = true;
    this.client.destroy();
  }
}

/**
 * Connects, verifies the host key, logs in and opens the SFTP subsystem. Throws BackendErrors:
 * `host-key`, `auth`, `connection-lost`, `timeout` or `protocol`, each with a one-line message.
 */
export function connectSftp(endpoint: SshEndpoint, signal?: AbortSignal): Promise<SftpConnection> {
  const where = `${endpoint.host}:${endpoint.port}`;
  return new Promise<SftpConnection>((resolve, reject) => {
    const client = new Client();
    let settled = false;
    let hostKeyProblem: BackendError | undefined;
    let lastMethod: AnyAuthMethod | undefined;
    let presentedKey: Buffer | undefined;
    let negotiated: unknown;
    client.on('handshake', (info: unknown) => {
      negotiated = info;
    });
    const tried: string[] = [];
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      client.destroy();
      reject(error);
    };
    const onAbort = (): void => fail(signal!.reason ?? new DOMException('aborted', 'AbortError'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    client.on('error', (error: Error & { level?: string }) => {
      // A broken agent is not fatal: ssh2 goes on with the next method.
      if (error.level === 'agent') return;
      if (hostKeyProblem) return fail(hostKeyProblem);
      if (error.level === 'client-authentication') {
        const methods = tried.length > 0 ? [...new Set(tried)].join(', ') : 'no usable method';
        const missing = endpoint.auth.notAvailable();
        const how = `give a password in the URL, in ${passwordEnvVar} or in ~/.netrc ("machine ${endpoint.hostAlias ?? endpoint.host} login ${endpoint.user} password …"), a key with \`sshKey\`, or run ssh-agent; on a terminal ferry asks, and \`storePassword: true\` saves the password in the keyring`;
        return fail(
          new BackendError(
            'auth',
            `authentication failed for ${endpoint.user}@${where} (tried: ${methods}${missing.length > 0 ? `; nothing in ${missing.join(', ')}` : ''}); ${how}`,
            { cause: error },
          ),
        );
      }
      fail(mapConnectError(error, where));
    });
    client.on('close', () => {
      if (hostKeyProblem) return fail(hostKeyProblem);
      fail(new BackendError('connection-lost', `cannot connect to ${where}: the server closed the connection`));
    });
    client.on('ready', () => {
      if (lastMethod) endpoint.auth.succeeded(lastMethod);
      // ssh2's readyTimeout ends with the login; opening the SFTP channel gets one timeout more.
      const channelTimer = setTimeout(
        () => fail(new BackendError('timeout', `cannot start SFTP on ${where}: no answer for ${endpoint.idleTimeoutMs / 1000} s`)),
        endpoint.idleTimeoutMs,
      );
      channelTimer.unref();
      client.sftp((error, sftp) => {
        clearTimeout(channelTimer);
        if (error) return fail(new BackendError('protocol', `cannot start SFTP on ${where}: ${error.message.split('\n')[0]}`, { cause: error }));
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (endpoint.trace) traceSftp(sftp, endpoint.trace);
        const connection = new SftpConnection(client, sftp, { timeoutMs: endpoint.idleTimeoutMs, minRate: endpoint.minRate ?? DEFAULT_MIN_RATE });
        connection.trace = endpoint.trace;
        connection.handshake = {
          serverSoftware: serverSoftware(client),
          hostKey: presentedKey,
          hostKeyVerified: endpoint.knownHosts !== undefined,
          negotiated,
        };
        resolve(connection);
      });
    });

    const algorithms = hostKeyAlgorithmsFor(endpoint);
    try {
      client.connect({
        host: endpoint.host,
        port: endpoint.port,
        username: endpoint.user,
        ...(endpoint.sock ? { sock: endpoint.sock as never } : {}),
        readyTimeout: endpoint.readyTimeoutMs,
        // Notices a dead peer (a cut network, a stalled link) after about idleTimeoutMs instead of
        // hanging forever: sshd answers keep-alives itself, so a slow sftp-server is not mistaken
        // for a dead one. Pending requests then fail as a lost connection and are retried.
        keepaliveInterval: Math.max(500, Math.floor(endpoint.idleTimeoutMs / 3)),
        keepaliveCountMax: 2,
        ...(algorithms ? { algorithms: { serverHostKey: algorithms as never } } : {}),
        hostVerifier: (key: Buffer): boolean => {
          presentedKey = key;
          if (!endpoint.knownHosts) return true;
          const verdict = checkHostKey(endpoint.knownHosts, endpoint.host, endpoint.port, key);
          if (verdict.status === 'trusted') return true;
          hostKeyProblem = hostKeyError(verdict, endpoint.host, endpoint.port, key, endpoint.knownHostsFile);
          return false;
        },
        authHandler: endpoint.auth.handler((method) => {
          lastMethod = method;
        }, tried),
      });
      // ssh2 leaves Nagle's algorithm on: then every request sent while another is unanswered
      // waits for an ACK, which costs a full round trip per burst of pipelined requests.
      client.setNoDelay(true);
      coalesceWrites(sshSocket(client));
    } catch (error) {
      fail(mapConnectError(error, where));
    }
  });
}

/** True for ssh2's refusal of an extension the server did not announce, or the server's "unsupported" status. */
function isUnsupported(error: unknown): boolean {
  if (error instanceof BackendError) return error.code === 'unsupported';
  return error instanceof Error && /does not support this extended request/i.test(error.message);
}
