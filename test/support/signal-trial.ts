/**
 * One trial of Ctrl-C / SIGTERM at a moment of a run, for the fast tests (test/cli/signals.test.ts)
 * and the long randomized ones (test/faults/long/signals.ts).
 *
 * The run goes through a {@link FaultProxy} in front of a real loopback server, and the signal is
 * sent a given delay after the run reaches a phase: `connecting` (the server accepts the connection
 * and says nothing), `login` (the server trickles a byte a second), `scan` (the scan has started;
 * the server then stops answering), `plan` (both sides were scanned), `execute` (a large upload is
 * under way and the server then stops answering: the worst case, where the grace and the clean-up
 * deadline decide), `watch` (ferry watch is watching). The trial reports the exit, the time from
 * the first signal to the exit, whether the lock file is gone and the state was saved, and the next
 * run on the pair (the fault healed), which must start and finish.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { remoteFolder, type RemoteKind } from './fault-targets.js';
import { collect, hasStackTrace, runCli, spawnCli, type CliResult, type Sandbox, onStdoutLines } from './run-cli.js';

/** The phase a signal lands in. */
export type SignalPhase = 'connecting' | 'login' | 'scan' | 'plan' | 'execute' | 'watch';

/** Options of {@link signalTrial}. */
export interface SignalTrialOptions {
  readonly box: Sandbox;
  readonly kind: RemoteKind;
  readonly phase: SignalPhase;
  /** Milliseconds after the phase was reached until the first signal. */
  readonly delayMs: number;
  readonly signal: 'SIGINT' | 'SIGTERM';
  /** Send a second signal this long after the first (undefined: only one). */
  readonly secondAfterMs?: number;
  /** `--timeout` in seconds. */
  readonly timeoutS: number;
}

/** What {@link signalTrial} saw. */
export interface SignalTrialResult {
  readonly result: CliResult;
  /** Whether the signal was sent (the phase was reached before the run ended). */
  readonly sent: boolean;
  /** From the first signal (or the second, when one was sent) to the exit. */
  readonly toExitMs: number;
  readonly lockLeft: boolean;
  /** The state directory holds a state file of the pair (or nothing was ever recorded). */
  readonly stateFiles: string[];
  readonly next: CliResult;
}

let trialNo = 0;

/** Runs one trial (see the module comment). The remote folder is removed afterwards. */
export async function signalTrial(options: SignalTrialOptions): Promise<SignalTrialResult> {
  const { box, kind, phase } = options;
  const n = ++trialNo;
  const folder = await remoteFolder(kind, `sig-${phase}`, box.root);
  const proxy = folder.proxy!;
  const state = path.join(box.root, `sig-state-${n}`);
  const local = path.join(box.root, `sig-local-${n}`);
  await fs.mkdir(path.join(local, 'sub'), { recursive: true });
  for (let i = 0; i < 12; i++) await fs.writeFile(path.join(local, 'sub', `f${i}.txt`), `file ${i}\n`);
  await fs.writeFile(path.join(local, 'big.bin'), randomBytes(1_500_000));
  const command = phase === 'watch' ? ['watch', local, folder.url, '--mode', 'upload'] : ['upload', local, folder.url];
  const args = [...command, '--create-folder', '--state-dir', state, '--json', '--timeout', String(options.timeoutS), ...folder.args];
  try {
    if (phase === 'connecting') proxy.stall();
    if (phase === 'login') proxy.trickle(1);
    const child = spawnCli(args, { env: box.env });
    child.stdin!.end();
    let armed = false;
    let sent = false;
    let exited = false;
    child.on('exit', () => {
      exited = true;
    });
    let sentAt = 0;
    const send = (): void => {
      if (armed) return;
      armed = true;
      setTimeout(() => {
        // A run that ended before the signal proves nothing: `sent` stays false.
        if (exited) return;
        sent = true;
        sentAt = performance.now();
        child.kill(options.signal);
        if (options.secondAfterMs !== undefined) {
          setTimeout(() => {
            sentAt = performance.now();
            child.kill(options.signal);
          }, options.secondAfterMs);
        }
      }, options.delayMs);
    };
    // Once the server has the connection (the process is up and connecting).
    if (phase === 'connecting' || phase === 'login') {
      const poll = setInterval(() => {
        if (proxy.accepted > 0 || exited) {
          clearInterval(poll);
          send();
        }
      }, 5);
    }
    let scanned = 0;
    onStdoutLines(child, (line) => {
      if (phase === 'scan' && line.includes('"type":"start"')) {
        proxy.stall();
        send();
      }
      // Planning a small tree takes a moment: the link stalls too, so that a signal landing
      // just after the plan still finds the run going.
      if (phase === 'plan' && line.includes('"type":"scanned"') && ++scanned === 2) {
        proxy.stall();
        send();
      }
      if (phase === 'execute' && line.includes('"action-started"') && line.includes('big.bin')) {
        const stallAndSend = (): void => {
          proxy.stall();
          send();
        };
        // FTPS data connections do not pass the proxy: its control connection stalls as the
        // transfer starts.
        if (kind === 'ftps') stallAndSend();
        else proxy.whenBytes(proxy.bytes + 300_000, stallAndSend);
      }
      if (phase === 'watch' && line.includes('"type":"watch-started"')) send();
    });
    const result = await collect(child, 120_000);
    const toExitMs = sent ? performance.now() - sentAt : 0;
    proxy.unstall();
    proxy.trickle(0);
    const files = await fs.readdir(state).catch(() => [] as string[]);
    const next = await runCli(['upload', local, folder.url, '--create-folder', '--state-dir', state, '--json', ...folder.args], {
      env: box.env,
      timeoutMs: 120_000,
    });
    return { result, sent, toExitMs, lockLeft: files.some((f) => f.endsWith('.lock')), stateFiles: files, next };
  } finally {
    await folder.cleanup();
  }
}

/** docs/reliability.md with `--timeout 1`: grace 2 s + clean-up min(1 s, 5 s) + 1 s; plus process slack. */
const DEADLINE_MS = 2000 + Math.min(1000, 5000) + 1000 + 1500;

/** Asserts what every interrupted run must show. */
export function assertInterrupted(label: string, trial: SignalTrialResult, limitMs = DEADLINE_MS): void {
  assert.ok(trial.sent, `${label}: the signal was sent`);
  assert.equal(trial.result.code, 3, `${label}: exit 3 (stderr: ${trial.result.stderr.slice(-600)})`);
  assert.ok(!hasStackTrace(trial.result.stderr), trial.result.stderr);
  assert.doesNotMatch(trial.result.stderr, /This operation was aborted|finishing in-flight/, `${label}: says what really happens`);
  assert.ok(trial.toExitMs <= limitMs, `${label}: exited ${Math.round(trial.toExitMs)} ms after the signal (limit ${limitMs} ms)`);
  assert.equal(trial.lockLeft, false, `${label}: lock released (${trial.stateFiles.join(', ')})`);
  assert.equal(trial.next.code, 0, `${label}: the next run starts and finishes: ${trial.next.stderr}`);
}
