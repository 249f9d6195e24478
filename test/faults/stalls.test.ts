/**
 * A server that stops answering, or trickles a byte a second, at any moment of a run: the run ends
 * on its own with a one-line error and exit 1 within the bound docs/reliability.md gives
 * (7 × --timeout + 2 s after the fault), and the pair's lock is released (the next run, the link
 * healed, starts and finishes). Real servers (sshd, proftpd) behind a fault-injecting proxy.
 *
 * The fast selection here covers every moment and protocol once; test/faults/long/stalls.ts runs
 * the whole matrix with random offsets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FtpClientPool } from '../../src/backends/ftp/ftp-client-pool.js';
import { connectFtpClient } from '../../src/backends/ftp/connect-ftp-client.js';
import { FaultProxy } from '../support/fault-proxy.js';
import type { RemoteKind } from '../support/fault-targets.js';
import { ensureBuilt, makeSandbox, type Sandbox } from '../support/run-cli.js';
import { assertEndedWithinBound, stallTrial, type FaultKind, type FaultPoint } from '../support/stall-trial.js';
import { loadServer } from '../support/test-servers.js';

const TIMEOUT_S = 1;

describe('faults: a stalled or trickling server ends the run within the bound', () => {
  let box: Sandbox;
  before(async () => {
    await ensureBuilt();
    box = await makeSandbox('stalls');
  });
  after(async () => {
    await box.cleanup();
  });

  const cases: [RemoteKind, FaultPoint, FaultKind, number | undefined][] = [
    ['ftp', 'rename', 'stall', undefined],
    ['ftp', 'upload', 'trickle', 1],
    ['ftps', 'login', 'trickle', undefined],
    ['sftp', 'download', 'stall', undefined],
    ['sftp', 'listing', 'trickle', 1],
  ];
  for (const [kind, point, fault, parallel] of cases) {
    const label = `${kind}: ${fault} at ${point}, ${parallel === undefined ? 'default pool' : `--parallel ${parallel}`}`;
    it(label, async (t) => {
      const trial = await stallTrial({ box, kind, point, fault, parallel, timeoutS: TIMEOUT_S });
      t.diagnostic(`${label}: exit ${trial.result.code} after ${Math.round(trial.elapsedMs)} ms (${Math.round(trial.afterFaultMs)} ms after the fault)`);
      assertEndedWithinBound(label, trial);
    });
  }
});

describe('faults: the FTP pool with a server that stopped answering', () => {
  it('every caller waiting for a connection gets the error, none waits for ever', async () => {
    const server = loadServer<{ port: number; user: string; password: string }>('proftpd');
    const proxy = await FaultProxy.start(server.port, { ftp: true });
    proxy.stall();
    const timeoutMs = 500;
    const pool = new FtpClientPool({
      size: 4,
      connect: (signal) =>
        connectFtpClient(
          {
            host: '127.0.0.1',
            port: proxy.port,
            user: server.user,
            password: server.password,
            tls: 'none',
            tlsOptions: {},
            encoding: 'utf8',
            timeoutMs,
            label: 'stalled',
          },
          signal,
        ),
    });
    try {
      const began = performance.now();
      // More callers than connections: the extra ones wait in the queue. Before the fix, each
      // failed login woke the next waiter to start a login of its own, and none ever failed.
      const outcomes = await Promise.race([
        Promise.allSettled(Array.from({ length: 10 }, () => pool.use((client) => client.send('NOOP')))),
        new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 20 * timeoutMs).unref()),
      ]);
      assert.notEqual(outcomes, 'hung', 'callers still waiting after 20 timeouts');
      const elapsed = performance.now() - began;
      assert.ok((outcomes as PromiseSettledResult<unknown>[]).every((o) => o.status === 'rejected'));
      assert.ok(elapsed < 4 * timeoutMs, `all failed after ${Math.round(elapsed)} ms`);
    } finally {
      await pool.close();
      await proxy.close();
    }
  });
});
