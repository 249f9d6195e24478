/**
 * A small pool of SFTP connections. SFTP keeps many requests in flight on one channel, so every
 * connection serves many operations at once; extra connections add server-side processes (OpenSSH
 * runs one sftp-server per session) and are opened lazily, only when the existing ones are busy.
 */
import { BackendError } from '../../errors.js';
import type { SftpConnection } from './sftp-connection.js';

/** Operations on one connection before the pool opens another (when it may). */
const busyThreshold = 4;

/** Hands out the least busy live connection, reconnecting after a connection was lost. */
export class SftpConnectionPool {
  private connections: SftpConnection[];
  private opening: Promise<SftpConnection> | undefined;
  /** Set when opening an extra connection failed (for example MaxSessions): stay smaller. */
  private growFailed = false;
  private closed = false;
  /** Extra connections still being opened, aborted by {@link close}. */
  private readonly handshakes = new Set<AbortController>();

  /**
   * @param connect opens one more connection (throws BackendErrors; gives up when `signal` aborts)
   * @param size most connections to keep open
   * @param first an already open connection
   */
  constructor(
    private readonly connect: (signal?: AbortSignal) => Promise<SftpConnection>,
    readonly size: number,
    first: SftpConnection,
  ) {
    this.connections = [first];
  }

  /** A live connection with its `inFlight` count raised; pair with {@link release}. */
  async acquire(): Promise<SftpConnection> {
    if (this.closed) throw new BackendError('connection-lost', 'the SFTP connection was closed');
    this.connections = this.connections.filter((c) => !c.closed);
    let best: SftpConnection | undefined;
    for (const c of this.connections) if (!best || c.inFlight < best.inFlight) best = c;
    if (!best) {
      // Every connection is gone: reconnect once for all waiting callers.
      this.opening ??= this.connect().finally(() => {
        this.opening = undefined;
      });
      const fresh = await this.opening;
      if (this.closed) {
        void fresh.close();
        throw new BackendError('connection-lost', 'the SFTP connection was closed');
      }
      if (!this.connections.includes(fresh)) this.connections.push(fresh);
      best = fresh;
    } else if (best.inFlight >= busyThreshold && !this.growFailed && this.connections.length + this.handshakes.size < this.size) {
      this.grow();
    }
    best.inFlight++;
    return best;
  }

  /** Returns a connection taken with {@link acquire}. */
  release(connection: SftpConnection): void {
    connection.inFlight--;
  }

  /** Runs `fn` on a pooled connection. */
  async use<T>(fn: (connection: SftpConnection) => Promise<T>): Promise<T> {
    const connection = await this.acquire();
    try {
      return await fn(connection);
    } finally {
      this.release(connection);
    }
  }

  private grow(): void {
    // close() aborts it: a run that ends while an extra connection still shakes hands (a short
    // no-op sync) must not wait for the handshake (100–200 ms) only to close the connection.
    const abort = new AbortController();
    this.handshakes.add(abort);
    this.connect(abort.signal)
      .then(
        (connection) => {
          if (this.closed) void connection.close();
          else this.connections.push(connection);
        },
        () => {
          this.growFailed = true;
        },
      )
      .finally(() => {
        this.handshakes.delete(abort);
      });
  }

  /** Number of live connections (for tests and diagnostics). */
  get liveCount(): number {
    return this.connections.filter((c) => !c.closed).length;
  }

  /** All live connections (tests use this to cut one). */
  get live(): readonly SftpConnection[] {
    return this.connections.filter((c) => !c.closed);
  }

  /** Closes every connection. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    for (const handshake of this.handshakes) handshake.abort();
    const all = this.connections;
    this.connections = [];
    await Promise.all(all.map((c) => c.close()));
  }
}
