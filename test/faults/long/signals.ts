/**
 * Signals at random moments of every phase (connecting, login, scan, plan, execute, watch), on
 * FTP, FTPS and SFTP, SIGINT and SIGTERM, some with a second signal: exit 3 within the documented
 * time, the lock released, and the next run starts and finishes (docs/reliability.md).
 * `FERRY_SIGNAL_TRIALS` trials (default 36), `FERRY_SIGNAL_SEED` to replay.
 *
 * Runs with `npm run test:faults`.
 */
import { before, describe, it } from 'node:test';
import type { RemoteKind } from '../../support/fault-targets.js';
import { ensureBuilt } from '../../support/run-cli.js';
import { assertInterrupted, type SignalPhase } from '../../support/signal-trial.js';
import { signalTrialInProcess } from '../../support/signal-trial-process.js';

const TRIALS = Number(process.env.FERRY_SIGNAL_TRIALS ?? 36);
let seed = Number(process.env.FERRY_SIGNAL_SEED ?? Date.now() % 1_000_000);
const firstSeed = seed;
/** A small deterministic generator, so a failed trial can be replayed from its seed. */
function random(max: number): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  // The low bits of this generator repeat quickly: use the high ones.
  return Math.floor((seed / 2_147_483_648) * max);
}

describe(`faults (long): signals at random moments (seed ${firstSeed})`, () => {
  before(async () => {
    await ensureBuilt();
  });
  const phases: SignalPhase[] = ['connecting', 'login', 'scan', 'plan', 'execute', 'watch'];
  const kinds: RemoteKind[] = ['ftp', 'ftps', 'sftp'];
  for (let i = 0; i < TRIALS; i++) {
    const phase = phases[i % phases.length]!;
    const kind = kinds[Math.floor(i / phases.length) % kinds.length]!;
    const signal = random(2) === 0 ? 'SIGINT' : 'SIGTERM';
    const delayMs = random(400);
    const second = random(4) === 0 ? 50 + random(200) : undefined;
    const label = `trial ${i}: ${signal} ${delayMs} ms into ${phase} (${kind})${second !== undefined ? `, again ${second} ms later` : ''}`;
    it(label, async (t) => {
      const trial = await signalTrialInProcess({ kind, phase, delayMs, signal, secondAfterMs: second, timeoutS: 1 });
      t.diagnostic(`${label}: exit ${trial.result.code} after ${Math.round(trial.toExitMs)} ms`);
      assertInterrupted(label, trial, second !== undefined ? 1500 : undefined);
    });
  }
});
