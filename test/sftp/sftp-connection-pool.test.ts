/**
 * The SFTP connection pool with stand-in connections: growing under load, and closing while an
 * extra connection still shakes hands.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SftpConnectionPool } from '../../src/backends/sftp/sftp-connection-pool.js';
import type { SftpConnection } from '../../src/backends/sftp/sftp-connection.js';
import { BackendError } from '../../src/errors.js';

/** Just what the pool looks at: a count of requests in flight, and whether it is closed. */
function fakeConnection(): SftpConnection {
  const connection = {
    inFlight: 0,
    closed: false,
    async close(): Promise<void> {
      connection.closed = true;
    },
  };
  return connection as unknown as SftpConnection;
}

describe('SftpConnectionPool', () => {
  it('opens another connection once one is busy, and close() aborts its handshake', async () => {
    const signals: AbortSignal[] = [];
    const connect = (signal?: AbortSignal): Promise<SftpConnection> =>
      new Promise((_, reject) => {
        signals.push(signal!);
        // A handshake that never ends by itself: only the abort settles it.
        signal!.addEventListener('abort', () => reject(new BackendError('connection-lost', 'aborted')));
      });
    const first = fakeConnection();
    const pool = new SftpConnectionPool(connect, 2, first);
    const taken: SftpConnection[] = [];
    for (let i = 0; i < 5; i++) taken.push(await pool.acquire());
    assert.ok(
      taken.every((c) => c === first),
      'work goes on on the open connection meanwhile',
    );
    assert.equal(signals.length, 1, 'one extra connection is being opened');
    assert.equal(signals[0]!.aborted, false);
    await pool.close();
    assert.equal(signals[0]!.aborted, true, 'close() gave up the handshake');
    assert.equal(first.closed, true);
    await assert.rejects(pool.acquire(), (e: unknown) => e instanceof BackendError && e.code === 'connection-lost');
  });
});
