import { after, it } from 'node:test';
import { makeSandbox } from '../support/run-cli.js';
import { signalTrial } from '../support/signal-trial.js';
const phase = process.env.PH as any;
it('x', async () => {
  const box = await makeSandbox('zzh');
  const tr = await signalTrial({ box, kind: (process.env.K ?? 'ftp') as any, phase, delayMs: 50, signal: 'SIGINT', timeoutS: 1, secondAfterMs: process.env.SEC ? 100 : undefined });
  console.log('code', tr.result.code);
  await box.cleanup();
});
after(() => { setTimeout(() => { console.log('HANDLES', (process as any)._getActiveHandles().map((h: any) => h.constructor.name + ':' + (h.remotePort ?? h._idleTimeout ?? ''))); }, 1500).unref(); });
