/**
 * The whole matrix of stalls and trickles (docs/reliability.md): FTP, FTPS and SFTP × a silent or
 * trickling server × login, listing, upload, download, rename × `--parallel 1` and the default
 * pool, each fault a random number of bytes into the large file. Every run must end on its own with
 * one clear line and exit 1 within 7 × --timeout + 2 s of the fault, and the next run (the link
 * healed) must start and finish.
 *
 * Runs with `npm run test:faults`.
 */
import { after, before, describe, it } from 'node:test';
import type { RemoteKind } from '../../support/fault-targets.js';
import { ensureBuilt, makeSandbox, type Sandbox } from '../../support/run-cli.js';
import { assertEndedWithinBound, stallTrial, type FaultKind, type FaultPoint } from '../../support/stall-trial.js';

const TIMEOUT_S = Number(process.env.FERRY_STALL_TIMEOUT ?? 1);

describe('faults (long): every stall and trickle ends within the bound', () => {
  let box: Sandbox;
  before(async () => {
    await ensureBuilt();
    box = await makeSandbox('stalls-long');
  });
  after(async () => {
    await box.cleanup();
  });
  for (const kind of ['ftp', 'ftps', 'sftp'] as RemoteKind[]) {
    for (const point of ['login', 'listing', 'upload', 'download', 'rename'] as FaultPoint[]) {
      for (const fault of ['stall', 'trickle'] as FaultKind[]) {
        for (const parallel of [1, undefined]) {
          const label = `${kind}: ${fault} at ${point}, ${parallel === undefined ? 'default pool' : '--parallel 1'}`;
          it(label, async (t) => {
            const intoFileBytes = 50_000 + Math.floor(Math.random() * 1_000_000);
            const trial = await stallTrial({ box, kind, point, fault, parallel, timeoutS: TIMEOUT_S, intoFileBytes });
            t.diagnostic(`${label} (${intoFileBytes} B in): exit ${trial.result.code}, ${Math.round(trial.afterFaultMs)} ms after the fault`);
            assertEndedWithinBound(label, trial);
          });
        }
      }
    }
  }
});
