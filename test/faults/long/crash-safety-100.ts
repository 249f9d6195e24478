/**
 * Crash safety, long variant (`npm run test:faults`): 100 SIGKILLed runs across local, SFTP and
 * FTP, uploads and downloads, small and large files (FERRY_CRASH_TRIALS to change the count,
 * FERRY_CRASH_SEED for the first seed). Prints one line per trial and totals at the end.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crashTrialSpecs, runCrashTrial, type CrashTrialResult } from '../../support/crash-trial.js';
import { ensureBuilt, makeSandbox, type Sandbox } from '../../support/run-cli.js';

const TRIALS = Number(process.env.FERRY_CRASH_TRIALS ?? 100);
const FIRST_SEED = Number(process.env.FERRY_CRASH_SEED ?? 1000);

describe(`faults: ${TRIALS} SIGKILLed runs`, () => {
  let box: Sandbox;
  const results: CrashTrialResult[] = [];
  before(async () => {
    await ensureBuilt();
    box = await makeSandbox('crash-long');
  });
  after(async () => {
    await box.cleanup();
    const killed = results.filter((r) => r.killed);
    const midway = killed.filter((r) => r.doneAtKill > 0 && r.doneAtKill < r.toCopy).length;
    const temps = results.reduce((n, r) => n + r.leftoverTemps, 0);
    console.log(
      `crash-safety totals: ${results.length} trials passed, ${killed.length} killed before the end (${midway} with some but not all copies done), ${results.length - killed.length} finished before the kill; ${temps} leftover temp files in ${results.filter((r) => r.leftoverTemps > 0).length} trials`,
    );
  });

  for (const spec of crashTrialSpecs(TRIALS, FIRST_SEED)) {
    it(`${spec.backend} ${spec.direction}, ${spec.size} files, seed ${spec.seed}`, async (t) => {
      const dir = path.join(box.root, `trial-${spec.seed}`);
      await fs.mkdir(dir);
      const result = await runCrashTrial(spec, dir, box.env);
      results.push(result);
      t.diagnostic(
        `killed=${result.killed} at ${result.killAfterMs} ms, ${result.doneAtKill}/${result.toCopy} copies done, ${result.leftoverTemps} temp files left`,
      );
      await fs.rm(dir, { recursive: true, force: true });
    });
  }
});
