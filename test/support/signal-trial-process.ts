/**
 * Runs one {@link signalTrial} in a process of its own and prints its result as JSON, for
 * {@link signalTrialInProcess}. A test process that ran FTP trials through the fault proxy itself
 * sometimes did not exit after its last test (see docs/reliability.md, "Known limits"); a trial in
 * a child process of its own ends with it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeSandbox } from './run-cli.js';
import { signalTrial, type SignalTrialOptions, type SignalTrialResult } from './signal-trial.js';

/** {@link signalTrial} in a child process (the sandbox is the child's own). */
export function signalTrialInProcess(options: Omit<SignalTrialOptions, 'box'>): Promise<SignalTrialResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as SignalTrialResult);
      } catch {
        reject(new Error(`signal trial process ended with ${code}: ${out.slice(-1000)}`));
      }
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = JSON.parse(process.argv[2]!) as Omit<SignalTrialOptions, 'box'>;
  const box = await makeSandbox('signal-trial');
  try {
    const result = await signalTrial({ ...options, box });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await box.cleanup();
  }
  // The trial is over and reported: whatever the proxy left open must not keep this process.
  process.exit(0);
}
