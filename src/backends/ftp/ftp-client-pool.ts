/**
 * A pool of logged-in FTP control connections.
 *
 * One basic-ftp Client runs one command at a time (a second concurrent call closes it), and FTP
 * itself has one command in flight per control connection, so parallelism means several
 * connections. The pool opens them lazily up to its size, hands each to one operation at a time,
 * drops connections that broke, and checks a long-idle connection with NOOP before reuse (servers
 * close idle sessions). When the server refuses a new connection as one too many (421, or a 530
 * naming a connection limit), the pool shrinks to the connections it has and waits for one of
 * them instead of failing.
 */
import type { Client } from 'basic-ftp';
import { BackendError } from '../../errors.js';
import type { DeferredBatch } from './deferred-batch.js';
import { isConnectionFailure, isTooManyConnections } from './ftp-errors.js';

/** Options of {@link FtpClientPool}. */
export interface FtpClientPoolOptions {
  /** Most connections open at once (at least 1). */
  readonly size: number;
  /** Opens and logs in one new connection; throws a BackendError; gives up when `signal` aborts. */
  readonly connect: (signal: AbortSignal) => Promise<Client>;
  /** Told when the server's connection limit made the pool smaller. */
  readonly onShrink?: (size: number) => void;
  /** Connections idle longer than this are checked with NOOP before reuse (default 10 s). */
  readonly idleCheckMs?: number;
  /** Tries to open a first connection while the server says "too many" (default 6). */
  readonly tooManyAttempts?: number;
  /** First back-off delay after "too many connections", doubled on each try (default 250 ms). */
  readonly backoffMs?: number;
}

/** One open connection of the pool (handed out as an {@link FtpLease}). */
export interface PooledClient {
  readonly client: Client;
  lastUsedMs: number;
  /** True until its first operation: a fresh connection is never stale. */
  fresh: boolean;
  /** Set once it has been closed and uncounted (release() and close() may both see it). */
  dropped?: boolean;
}

/** Options of {@link FtpClientPool.use}. */
export interface UseOptions {
  /**
   * Run `fn` again once on a new connection when a reused connection turned out to be dead (the
   * server timed it out, or the network dropped it). Only for operations safe to repeat.
   */
  readonly retry?: boolean;
}

/**
 * Why a queued caller was woken: a connection may be free (undefined), its own attempt failed, or
 * (for {@link FtpClientPool.leaseForUpload}) a connection was handed over with a batch to send.
 */
type WaitOutcome = undefined | { readonly error: unknown } | { readonly handed: PooledClient; readonly batch: DeferredBatch };

/** A queued caller, and whether it takes a connection handed over with a batch. */
interface Waiter {
  readonly wake: (outcome: WaitOutcome) => void;
  readonly takesBatch: boolean;
}

/**
 * One connection taken from the pool, until it is given back with {@link release} or handed to
 * the next upload with {@link handOver}. Either happens once: a second release (an error path and
 * a `finally` both releasing) does nothing, so a connection can never be given back while another
 * operation already holds it.
 */
export class FtpLease {
  readonly client: Client;
  /** True when the connection had not served an operation before (a fresh one is never stale). */
  readonly wasFresh: boolean;
  /** Commands of the connection's previous upload, to be sent before anything else (uploads only). */
  readonly batch: DeferredBatch | undefined;
  private ended = false;

  /** Made by {@link FtpClientPool.lease} and {@link FtpClientPool.leaseForUpload}. */
  constructor(
    private readonly pool: FtpClientPool,
    private readonly pooled: PooledClient,
    batch?: DeferredBatch,
  ) {
    this.client = pooled.client;
    this.wasFresh = pooled.fresh;
    pooled.fresh = false;
    this.batch = batch;
  }

  /** True once the connection went back to the pool or on to another upload. */
  get released(): boolean {
    return this.ended;
  }

  /** Gives the connection back to the pool (a closed one is dropped). Safe to call again. */
  release(): void {
    if (this.ended) return;
    this.ended = true;
    this.pool.giveBack(this.pooled);
  }

  /**
   * Hands the connection, with `batch` still unsent, to the upload first in the pool's queue
   * (deferred-batch.ts), which ends this lease. False when no upload waits: the lease goes on.
   */
  handOver(batch: DeferredBatch): boolean {
    if (this.ended || !this.pool.handOver(this.pooled, batch)) return false;
    this.ended = true;
    return true;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** See the module comment. */
export class FtpClientPool {
  private readonly idle: PooledClient[] = [];
  /** Every open connection, idle or busy, so close() can end them all. */
  private readonly open = new Set<PooledClient>();
  private readonly waiters: Waiter[] = [];
  private live = 0;
  private limit: number;
  /** The size last reported through onShrink (reported once every attempt in flight settled). */
  private reportedLimit: number;
  private closed = false;
  /** Connections being opened right now (counted in `live` too), aborted by {@link close}. */
  private readonly logins = new Set<AbortController>();

  constructor(private readonly options: FtpClientPoolOptions) {
    this.limit = Math.max(1, Math.floor(options.size));
    this.reportedLimit = this.limit;
  }

  /** Connections the pool may open now (smaller than the configured size after a 421). */
  get size(): number {
    return this.limit;
  }

  /** Runs `fn` with a connection of its own, returning the connection afterwards. */
  async use<T>(fn: (client: Client) => Promise<T>, options: UseOptions = {}): Promise<T> {
    const lease = await this.lease();
    try {
      return await fn(lease.client);
    } catch (error) {
      const stale = !lease.wasFresh && lease.client.closed && isConnectionFailure(error);
      lease.release();
      if (options.retry && stale) return this.use(fn, { retry: false });
      throw error;
    } finally {
      lease.release();
    }
  }

  /**
   * Starts logging in connections up to the pool's size in the background, without waiting for
   * them, so they are ready when the work fans out (a scan's first listing is one operation; the
   * folders it finds want every connection at once). Failures only free the slot: the next caller
   * that needs a connection meets them itself.
   */
  warmUp(): void {
    while (!this.closed && this.live < this.limit) {
      void this.openOne({ wake: () => {}, takesBatch: false });
    }
  }

  /**
   * Takes a connection for a longer operation (a download stream), until {@link FtpLease.release}.
   *
   * A caller that finds every connection busy opens one more (up to the size) but does not wait
   * for that one in particular: it queues like every other caller, and the first connection that
   * is free, old or new, serves the head of the queue. A login can take hundreds of milliseconds
   * (proftpd greets late while it reaps other sessions), during which the first connection may
   * finish many operations: waiting for the new one in particular would leave that work idle.
   */
  async lease(): Promise<FtpLease> {
    const { pooled } = await this.acquireWaiting(false);
    return new FtpLease(this, pooled);
  }

  /**
   * {@link lease} for a small upload, which may also be handed a connection by an upload that
   * just finished, together with that upload's last batch (deferred-batch.ts, {@link FtpLease.batch}):
   * the caller must send the batch before anything else, or with its own first commands.
   */
  async leaseForUpload(): Promise<FtpLease> {
    const { pooled, batch } = await this.acquireWaiting(true);
    return new FtpLease(this, pooled, batch);
  }

  /**
   * Gives `item` straight to the first caller in the queue if that is an upload, with `batch` for
   * it to send. Returns false, keeping the connection with the caller, when nobody waits or the
   * first in the queue is not an upload. Called through {@link FtpLease.handOver} only.
   */
  handOver(item: PooledClient, batch: DeferredBatch): boolean {
    if (this.closed || item.client.closed || !this.waiters[0]?.takesBatch) return false;
    item.lastUsedMs = Date.now();
    this.waiters.shift()!.wake({ handed: item, batch });
    return true;
  }

  /** True when an upload waits for a connection (one that {@link handOver} would serve). */
  get uploadWaiting(): boolean {
    return this.waiters[0]?.takesBatch === true;
  }

  private async acquireWaiting(takesBatch: boolean): Promise<{ readonly pooled: PooledClient; readonly batch?: DeferredBatch }> {
    let attempt = 0;
    for (;;) {
      if (this.closed) throw new BackendError('connection-lost', 'the FTP connection was closed');
      const pooled = this.idle.pop();
      if (pooled) {
        if (pooled.client.closed) {
          this.drop(pooled);
          continue;
        }
        if (Date.now() - pooled.lastUsedMs > (this.options.idleCheckMs ?? 10_000)) {
          try {
            await pooled.client.send('NOOP');
          } catch {
            this.drop(pooled);
            continue;
          }
        }
        return { pooled };
      }
      if (this.live >= this.limit) {
        const outcome = await new Promise<WaitOutcome>((wake) => this.waiters.push({ wake, takesBatch }));
        if (outcome !== undefined && 'handed' in outcome) return { pooled: outcome.handed, batch: outcome.batch };
        // Every connection is gone and a new one could not be made (see openOne).
        if (outcome !== undefined) throw outcome.error;
        continue;
      }
      // Open one more connection, and meanwhile wait in the queue with everyone else.
      const outcome = await new Promise<WaitOutcome>((wake) => {
        const waiter = { wake, takesBatch };
        this.waiters.push(waiter);
        void this.openOne(waiter);
      });
      if (outcome === undefined) continue;
      if ('handed' in outcome) return { pooled: outcome.handed, batch: outcome.batch };
      // This caller's connection failed before a connection was free for it.
      const tooMany = isTooManyConnections(outcome.error);
      // "Too many" while other connections of ours are open: openOne lowered the limit to those;
      // wait for one of them.
      if (tooMany && this.live > 0) continue;
      if (!tooMany || attempt >= (this.options.tooManyAttempts ?? 6)) throw outcome.error;
      // Connections of another client (or of ours, still closing) hold the slots: back off.
      await sleep((this.options.backoffMs ?? 250) * 2 ** attempt++);
    }
  }

  /**
   * Opens and logs in one connection counted in `live`, and puts it in the idle list for the
   * head of the queue. When it fails, `owner` (the caller that asked for it) gets the error if it
   * is still waiting; otherwise it was served by another connection and the failure only frees
   * the slot.
   */
  private async openOne(owner: Waiter): Promise<void> {
    this.live++;
    const login = new AbortController();
    this.logins.add(login);
    let client: Client;
    try {
      client = await this.options.connect(login.signal);
    } catch (error) {
      this.logins.delete(login);
      this.live--;
      // The server allows fewer connections than configured: live with the ones we have (or are
      // still opening; each of those that fails lowers the limit again).
      const tooMany = isTooManyConnections(error);
      if (tooMany && this.live > 0) this.limit = this.live;
      this.reportShrink();
      if (!tooMany && this.open.size === 0) {
        // The server cannot be reached (or refused the login) and no connection of ours is left
        // to serve anyone: every caller waiting gets the error now. Woken to try again instead,
        // each would start a login of its own and leave the one it waited for behind; with a
        // server that stopped answering, those logins failed one after another, each waking the
        // next caller to start yet another, and no caller ever got an error: the run hung.
        for (const waiter of this.waiters.splice(0)) waiter.wake({ error });
        return;
      }
      const index = this.waiters.indexOf(owner);
      if (index >= 0) {
        this.waiters.splice(index, 1);
        owner.wake({ error });
      }
      // Room for another attempt: the next caller in the queue may make it.
      this.wakeOne();
      return;
    }
    this.logins.delete(login);
    this.reportShrink();
    if (this.closed) {
      client.close();
      this.live--;
      return;
    }
    const pooled: PooledClient = { client, lastUsedMs: Date.now(), fresh: true };
    this.open.add(pooled);
    this.idle.push(pooled);
    this.wakeOne();
  }

  /** Takes back a leased connection; a closed one is dropped. Called through {@link FtpLease.release} only. */
  giveBack(item: PooledClient): void {
    if (this.closed || item.client.closed) {
      this.drop(item);
      return;
    }
    item.lastUsedMs = Date.now();
    if (!this.idle.includes(item)) this.idle.push(item);
    this.wakeOne();
  }

  /**
   * Opens one more connection outside the pool (the caller closes it), for `ferry doctor`'s count
   * of the connections a server accepts.
   */
  connectUnpooled(): Promise<Client> {
    return this.options.connect(new AbortController().signal);
  }

  /** Closes every connection; operations still running fail, later ones are refused. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    // A run that ends while extra connections still log in (a short no-op sync) must not wait
    // for their logins only to close them.
    for (const login of this.logins) login.abort();
    for (const pooled of [...this.open]) this.drop(pooled);
    for (const waiter of this.waiters.splice(0)) waiter.wake(undefined);
  }

  /** Tells onShrink the new size once no connection attempt is in flight any more. */
  private reportShrink(): void {
    if (this.logins.size === 0 && this.limit < this.reportedLimit) {
      this.reportedLimit = this.limit;
      this.options.onShrink?.(this.limit);
    }
  }

  private drop(pooled: PooledClient): void {
    const index = this.idle.indexOf(pooled);
    if (index >= 0) this.idle.splice(index, 1);
    this.open.delete(pooled);
    if (!pooled.dropped) {
      pooled.dropped = true;
      this.live--;
    }
    pooled.client.close();
    this.wakeOne();
  }

  private wakeOne(): void {
    this.waiters.shift()?.wake(undefined);
  }
}
