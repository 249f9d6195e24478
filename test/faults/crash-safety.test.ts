/**
 * Crash safety, fast variant: a few SIGKILLed runs (local, SFTP and FTP; upload and download;
 * small and large files). `npm run test:faults` runs 100 of them (test/faults/long/). What each
 * trial checks is in test/support/crash-trial.ts.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crashTrialSpecs, runCrashTrial } from '../support/crash-trial.js';
import { ensureBuilt, makeSandbox, type Sandbox } from '../support/run-cli.js';

// Six trials cover every backend × direction once (small files for the first six specs).
const TRIALS = Number(process.env.FERRY_CRASH_TRIALS ?? 6);
const FIRST_SEED = Number(process.env.FERRY_CRASH_SEED ?? 1);

describe('faults: SIGKILL at random moments (fast variant)', () => {
  let box: Sandbox;
  before(async () => {
    await ensureBuilt();
    box = await makeSandbox('crash');
  });
  after(async () => {
    await box.cleanup();
  });

  for (const spec of crashTrialSpecs(TRIALS, FIRST_SEED)) {
    it(`${spec.backend} ${spec.direction}, ${spec.size} files, seed ${spec.seed}: nothing partial or lost, the next run completes`, async (t) => {
      const dir = path.join(box.root, `trial-${spec.seed}`);
      await fs.mkdir(dir);
      const result = await runCrashTrial(spec, dir, box.env);
      t.diagnostic(
        `killed=${result.killed} at ${result.killAfterMs} ms, ${result.doneAtKill}/${result.toCopy} copies done, ${result.leftoverTemps} temp files left`,
      );
      await fs.rm(dir, { recursive: true, force: true });
    });
  }
});
