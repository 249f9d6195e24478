import { makeSandbox } from '/work/wt-hang/test/support/run-cli.js';
import { signalTrial } from '/work/wt-hang/test/support/signal-trial.js';
const box = await makeSandbox('zzsig');
const t0 = Date.now();
const tr = await signalTrial({ box, kind: process.argv[2] as any, phase: process.argv[3] as any, delayMs: Number(process.argv[4] ?? 100), signal: 'SIGINT', timeoutS: 1, secondAfterMs: process.argv[5] ? Number(process.argv[5]) : undefined });
console.log('code', tr.result.code, 'toExit', Math.round(tr.toExitMs), 'total', Date.now() - t0, 'lock', tr.lockLeft, 'next', tr.next.code);
console.log(tr.result.stderr.slice(-500));
console.log(tr.result.stdout.split('\n').filter(l => !l.includes('planned')).slice(-6).join('\n'));
await box.cleanup();
