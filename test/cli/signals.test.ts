/**
 * Ctrl-C and SIGTERM in every phase of a run (connecting, login, scan, plan, execute, watch), with
 * a server that stops answering or trickles so that nothing ends by itself: exit 3, quickly (the
 * grace of in-flight transfers plus the clean-up deadline at most, docs/reliability.md), the
 * pair's lock released, the state saved, and the next run starts and finishes. A second signal
 * quits at once, also with exit 3 and the lock released. The moment within each phase is random.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { RemoteKind } from '../support/fault-targets.js';
import { ensureBuilt } from '../support/run-cli.js';
import { assertInterrupted, type SignalPhase } from '../support/signal-trial.js';
import { signalTrialInProcess } from '../support/signal-trial-process.js';

const TIMEOUT_S = 1;

const random = (max: number): number => Math.floor(Math.random() * max);

describe('ferry CLI: signals in every phase', () => {
  before(async () => {
    await ensureBuilt();
  });

  const cases: [SignalPhase, RemoteKind, 'SIGINT' | 'SIGTERM'][] = [
    ['connecting', 'ftp', 'SIGINT'],
    ['login', 'sftp', 'SIGTERM'],
    ['scan', 'ftp', 'SIGTERM'],
    ['plan', 'sftp', 'SIGINT'],
    ['execute', 'ftp', 'SIGINT'],
    ['execute', 'sftp', 'SIGTERM'],
    ['watch', 'sftp', 'SIGINT'],
  ];
  for (const [phase, kind, signal] of cases) {
    it(`${signal} while ${phase} (${kind}): exit 3, lock released, the next run completes`, async (t) => {
      const delayMs = random(300);
      const trial = await signalTrialInProcess({ kind, phase, delayMs, signal, timeoutS: TIMEOUT_S });
      t.diagnostic(
        `${phase}/${kind}: ${signal} ${delayMs} ms in, exit ${trial.result.code} after ${Math.round(trial.toExitMs)} ms: ${trial.result.stderr.trim().split('\n').pop()}`,
      );
      assertInterrupted(`${phase}/${kind}`, trial);
      if (phase === 'connecting' || phase === 'login' || phase === 'scan') {
        assert.match(trial.result.stderr, /^ferry: interrupted while (connecting|scanning); nothing was changed$/m);
      }
      if (phase === 'execute') {
        assert.match(trial.result.stderr, /^Interrupted: no new work; transfers in flight get 2 s to finish/m);
        assert.ok(
          trial.stateFiles.some((f) => f.endsWith('.json')),
          `state saved: ${trial.stateFiles.join(', ')}`,
        );
      }
    });
  }

  it('a second signal quits at once with exit 3, and the lock is released', async () => {
    const trial = await signalTrialInProcess({ kind: 'ftp', phase: 'execute', delayMs: 0, secondAfterMs: 100, signal: 'SIGINT', timeoutS: 30 });
    assertInterrupted('second signal', trial, 1000);
    assert.match(trial.result.stderr, /^ferry: interrupted again; quitting at once/m);
  });
});
