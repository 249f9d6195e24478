/**
 * The connection pool with fake connections: limits, reuse, stale connections, 421 shrinking.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FTPError, type Client } from 'basic-ftp';
import { DeferredBatch } from '../../src/backends/ftp/deferred-batch.js';
import { FtpClientPool } from '../../src/backends/ftp/ftp-client-pool.js';
import { BackendError } from '../../src/errors.js';

/** A stand-in for a logged-in basic-ftp Client. */
class FakeClient {
  closed = false;
  noopFails = false;
  constructor(readonly id: number) {}
  async send(command: string): Promise<{ code: number; message: string }> {
    if (command === 'NOOP' && this.noopFails) {
      this.closed = true;
      throw new Error('Server closed connection unexpectedly.');
    }
    return { code: 200, message: '200 OK' };
  }
  close(): void {
    this.closed = true;
  }
}

function fakeConnector(options: { allow?: number } = {}) {
  const made: FakeClient[] = [];
  return {
    made,
    connect: async (): Promise<Client> => {
      const open = made.filter((c) => !c.closed).length;
      if (options.allow !== undefined && open >= options.allow) {
        throw new BackendError('connection-lost', 'cannot connect: server closed the session: 421 too many', {
          cause: new FTPError({ code: 421, message: '421 too many' }),
        });
      }
      const client = new FakeClient(made.length);
      made.push(client);
      return client as unknown as Client;
    },
  };
}

const tick = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('FtpClientPool', () => {
  it('opens connections lazily, never more than its size, and reuses them', async () => {
    const connector = fakeConnector();
    const pool = new FtpClientPool({ size: 3, connect: connector.connect });
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        pool.use(async () => {
          most = Math.max(most, ++running);
          await tick();
          running--;
        }),
      ),
    );
    assert.equal(most, 3);
    assert.equal(connector.made.length, 3);
    await pool.use(async () => undefined);
    assert.equal(connector.made.length, 3, 'an idle connection is reused');
    await pool.close();
    assert.ok(connector.made.every((c) => c.closed));
    await assert.rejects(
      pool.use(async () => undefined),
      (e: unknown) => e instanceof BackendError && e.code === 'connection-lost',
    );
  });

  it('warmUp() logs in up to the size at once, and work then reuses those connections', async () => {
    const connector = fakeConnector();
    const pool = new FtpClientPool({ size: 3, connect: connector.connect });
    pool.warmUp();
    pool.warmUp(); // a second call while they log in opens no more
    await tick();
    assert.equal(connector.made.length, 3);
    const ids = await Promise.all([1, 2, 3, 4].map(() => pool.use(async (client) => (await tick(), (client as unknown as FakeClient).id))));
    assert.deepEqual(new Set(ids).size <= 3, true);
    assert.equal(connector.made.length, 3);
    await pool.close();
  });

  it('warmUp() against a server allowing fewer connections shrinks instead of failing work', async () => {
    const connector = fakeConnector({ allow: 2 });
    const pool = new FtpClientPool({ size: 4, connect: connector.connect });
    pool.warmUp();
    await tick(20);
    assert.equal(await pool.use(async () => 'ok'), 'ok');
    assert.equal(connector.made.filter((c) => !c.closed).length, 2);
    await pool.close();
  });

  it('shrinks to what the server allows when it answers 421, and warns once per shrink', async () => {
    const connector = fakeConnector({ allow: 2 });
    const shrinks: number[] = [];
    const pool = new FtpClientPool({ size: 4, connect: connector.connect, onShrink: (n) => shrinks.push(n) });
    const done = await Promise.all(Array.from({ length: 10 }, (_, i) => pool.use(async () => (await tick(), i))));
    assert.deepEqual(
      done,
      Array.from({ length: 10 }, (_, i) => i),
    );
    assert.equal(pool.size, 2);
    assert.deepEqual(shrinks, [2]);
    await pool.close();
  });

  it('backs off while the server refuses even a first connection, then gives up', async () => {
    const connector = fakeConnector({ allow: 0 });
    const pool = new FtpClientPool({ size: 2, connect: connector.connect, backoffMs: 1, tooManyAttempts: 3 });
    const started = Date.now();
    await assert.rejects(
      pool.use(async () => undefined),
      (e: unknown) => e instanceof BackendError && /421/.test(e.message),
    );
    assert.ok(Date.now() - started >= 7, 'waited 1 + 2 + 4 ms between tries');
    await pool.close();
  });

  it('drops a connection that died while idle and retries a repeatable operation once', async () => {
    const connector = fakeConnector();
    const pool = new FtpClientPool({ size: 1, connect: connector.connect, idleCheckMs: 0 });
    await pool.use(async () => undefined);
    // Died while idle: the NOOP check notices before use.
    connector.made[0]!.noopFails = true;
    await tick(2);
    const used = await pool.use(async (client) => (client as unknown as FakeClient).id);
    assert.equal(used, 1);
    // Died without notice: the operation fails on it and runs again on a new connection.
    const pool2 = new FtpClientPool({ size: 1, connect: connector.connect });
    await pool2.use(async () => undefined);
    let calls = 0;
    const result = await pool2.use(
      async (client) => {
        calls++;
        if (calls === 1) {
          (client as unknown as FakeClient).closed = true;
          throw new BackendError('connection-lost', 'connection lost');
        }
        return (client as unknown as FakeClient).id;
      },
      { retry: true },
    );
    assert.equal(calls, 2);
    assert.equal(result, 3);
    await pool.close();
    await pool2.close();
  });

  it('gives waiting work to the first free connection, not to one still logging in', async () => {
    // The first login is instant, every later one hangs until the gate opens (proftpd greets
    // late while it reaps other sessions): the work must not wait for those logins.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const made: FakeClient[] = [];
    const connect = async (): Promise<Client> => {
      const client = new FakeClient(made.length);
      made.push(client);
      if (client.id > 0) await gate;
      return client as unknown as Client;
    };
    const pool = new FtpClientPool({ size: 4, connect });
    const servedBy: number[] = [];
    const work = Promise.all(
      Array.from({ length: 10 }, () =>
        pool.use(async (client) => {
          await tick(1);
          servedBy.push((client as unknown as FakeClient).id);
        }),
      ),
    );
    const outcome = await Promise.race([work.then(() => 'done'), tick(5_000).then(() => 'stuck')]);
    assert.equal(outcome, 'done', 'work waited for connections still logging in');
    assert.deepEqual(
      servedBy,
      Array.from({ length: 10 }, () => 0),
    );
    assert.equal(made.length, 4, 'the other connections were still opened, for later work');
    openGate();
    await tick();
    const used = new Set<number>();
    await Promise.all(Array.from({ length: 4 }, () => pool.use(async (client) => (await tick(), used.add((client as unknown as FakeClient).id)))));
    assert.equal(used.size, 4, 'the late connections joined the pool');
    await pool.close();
    assert.ok(made.every((c) => c.closed));
  });

  it('gives a failed login to the caller that asked for it, and never hangs the others', async () => {
    const refused = new BackendError('auth', 'login refused: 530 Login incorrect');
    const pool = new FtpClientPool({ size: 3, connect: async () => Promise.reject(refused) });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => pool.use(async () => 'ran')));
    assert.deepEqual(
      results.map((r) => r.status),
      Array.from({ length: 5 }, () => 'rejected'),
    );
    for (const result of results) assert.equal((result as PromiseRejectedResult).reason, refused);
    await pool.close();

    // A login fails after its caller was served by another connection: the failure only frees
    // the slot, and later work still runs.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let count = 0;
    const flaky = new FtpClientPool({
      size: 3,
      connect: async () => {
        const id = count++;
        if (id > 0) await gate;
        if (id === 1) throw new BackendError('connection-lost', 'connection reset');
        return new FakeClient(id) as unknown as Client;
      },
    });
    const first = await Promise.all(Array.from({ length: 6 }, (_, i) => flaky.use(async () => (await tick(1), i))));
    assert.deepEqual(
      first,
      Array.from({ length: 6 }, (_, i) => i),
    );
    openGate();
    await tick();
    const later = await Promise.all(Array.from({ length: 6 }, (_, i) => flaky.use(async () => (await tick(1), i))));
    assert.deepEqual(
      later,
      Array.from({ length: 6 }, (_, i) => i),
    );
    await flaky.close();
  });

  it('close() gives up logins still in progress instead of waiting for them', async () => {
    const signals: AbortSignal[] = [];
    const connect = (signal: AbortSignal): Promise<Client> =>
      signals.length === 0
        ? (signals.push(signal), Promise.resolve(new FakeClient(0) as unknown as Client))
        : new Promise<Client>((_, reject) => {
            signals.push(signal);
            // A login that never ends by itself: only the abort settles it.
            signal.addEventListener('abort', () => reject(new BackendError('connection-lost', 'aborted')));
          });
    const pool = new FtpClientPool({ size: 3, connect });
    const work = Array.from({ length: 3 }, () => pool.use(async () => tick(20)));
    await Promise.allSettled(work);
    assert.equal(signals.length, 3, 'two more logins were started');
    assert.deepEqual(
      signals.map((s) => s.aborted),
      [false, false, false],
    );
    await pool.close();
    assert.deepEqual(
      signals.map((s) => s.aborted),
      [false, true, true],
      'the logins in progress were aborted',
    );
  });

  it('a lease released twice gives its connection back once: a later holder keeps it to itself', async () => {
    const connector = fakeConnector();
    const pool = new FtpClientPool({ size: 1, connect: connector.connect });
    const first = await pool.lease();
    first.release();
    const second = await pool.lease();
    assert.equal(second.client, first.client, 'the one connection is reused');
    // An error path and a finally both releasing: the second call must not free the connection
    // the second lease now holds.
    first.release();
    let third: Awaited<ReturnType<FtpClientPool['lease']>> | undefined;
    const waiting = pool.lease().then((lease) => (third = lease));
    await tick(20);
    assert.equal(third, undefined, 'a third lease got the connection while the second held it');
    assert.equal(connector.made.length, 1);
    second.release();
    second.release();
    await waiting;
    assert.equal(third!.client, first.client);
    third!.release();
    assert.equal(first.released && second.released && third!.released, true);
    await pool.close();
  });

  it('a lease handed over to a waiting upload is not given back by a later release', async () => {
    const connector = fakeConnector();
    const pool = new FtpClientPool({ size: 1, connect: connector.connect });
    const first = await pool.leaseForUpload();
    const next = pool.leaseForUpload();
    await tick();
    const batch = new DeferredBatch(['NOOP']);
    assert.equal(first.handOver(batch), true);
    first.release();
    const second = await next;
    assert.equal(second.batch, batch, 'the batch travels with the connection');
    let third: Awaited<ReturnType<FtpClientPool['lease']>> | undefined;
    const waiting = pool.lease().then((lease) => (third = lease));
    await tick(20);
    assert.equal(third, undefined, 'the released hand-over freed a connection in use');
    second.release();
    await waiting;
    third!.release();
    await pool.close();
  });
});
