/**
 * One trial of a server that stalls or trickles at a chosen moment of a run, for the fast tests
 * (test/faults/stalls.test.ts) and the long randomized ones (test/faults/long/stalls.ts).
 *
 * The run goes through a {@link FaultProxy} in front of the real loopback server. The fault is set
 * off at a moment of the run: `login` (from the first byte), `listing` (as the scan starts),
 * `upload` / `download` (a few hundred KB into a large file; FTPS, whose data connections do not
 * pass the proxy: the control connection as the large file's transfer starts), `rename` (plain FTP: the `RNFR` of
 * an upload; SFTP, whose commands the proxy cannot read: just after the last byte of a small
 * file's data, when the upload closes and renames it; FTPS: the control connection as that small
 * file's upload starts, so its end and rename get no answer). The trial reports how the run ended,
 * how long it took, the bound docs/reliability.md promises, and whether the next run (the fault
 * healed) started and finished, which shows the pair's lock was released.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { remoteFolder, type RemoteFolder, type RemoteKind } from './fault-targets.js';
import { collect, hasStackTrace, runCli, spawnCli, type CliResult, type Sandbox, onStdoutLines } from './run-cli.js';

/** When the fault starts. */
export type FaultPoint = 'login' | 'listing' | 'upload' | 'download' | 'rename';
/** What the server does: nothing at all, or one byte a second. */
export type FaultKind = 'stall' | 'trickle';

/** Options of {@link stallTrial}. */
export interface StallTrialOptions {
  readonly box: Sandbox;
  readonly kind: RemoteKind;
  readonly point: FaultPoint;
  readonly fault: FaultKind;
  /** `--parallel`; undefined: the default pool. */
  readonly parallel?: number;
  /** `--timeout` in seconds. */
  readonly timeoutS: number;
  /** Extra bytes before the fault for upload/download (default 300 000). */
  readonly intoFileBytes?: number;
}

/** What {@link stallTrial} saw. */
export interface StallTrialResult {
  readonly result: CliResult;
  readonly elapsedMs: number;
  /** Longest time the run may take by docs/reliability.md (after the fault), plus start-up slack. */
  readonly boundMs: number;
  /** Whether the fault was set off at all during the run. */
  readonly faulted: boolean;
  /** The next run on the same pair with the fault healed. */
  readonly next: CliResult;
  /** Seconds from the fault to the end of the run. */
  readonly afterFaultMs: number;
}

/** Worst-case time to exit after a fault, docs/reliability.md: 7 × timeout + 2 s. */
export function stallBoundMs(timeoutS: number): number {
  return 7 * timeoutS * 1000 + 2000;
}

/** Start-up of a node process and the CLI on a busy test machine. */
const SLACK_MS = 4000;
const BIG = 1_500_000;

let trialNo = 0;

async function writeTree(root: string, withBig: boolean): Promise<void> {
  for (let d = 0; d < 4; d++) {
    await fs.mkdir(path.join(root, `sub${d}`), { recursive: true });
    for (let f = 0; f < 3; f++) await fs.writeFile(path.join(root, `sub${d}`, `f${f}.txt`), `file ${d}/${f}\n`);
  }
  if (withBig) await fs.writeFile(path.join(root, 'big.bin'), randomBytes(BIG));
  await fs.writeFile(path.join(root, 'small.bin'), randomBytes(64 * 1024));
}

/** Runs one trial (see the module comment). The remote folder is removed afterwards. */
export async function stallTrial(options: StallTrialOptions): Promise<StallTrialResult> {
  const { box, kind, point, fault } = options;
  const n = ++trialNo;
  const folder: RemoteFolder = await remoteFolder(kind, `stall-${point}-${fault}`, box.root);
  const proxy = folder.proxy!;
  const state = path.join(box.root, `stall-state-${n}`);
  const local = path.join(box.root, `stall-local-${n}`);
  await fs.mkdir(local, { recursive: true });
  const download = point === 'listing' || point === 'download';
  const common = [
    '--state-dir',
    state,
    '--json',
    '--timeout',
    String(options.timeoutS),
    ...folder.args,
    ...(options.parallel ? ['--parallel', String(options.parallel)] : []),
  ];
  try {
    if (download) {
      // The remote tree is made by a clean upload through the proxy (files owned by the server).
      const source = path.join(box.root, `stall-source-${n}`);
      await writeTree(source, point === 'download');
      const setup = await runCli(['upload', source, folder.url, '--create-folder', '--state-dir', path.join(box.root, `stall-setup-${n}`), ...folder.args], {
        env: box.env,
        timeoutMs: 60_000,
      });
      if (setup.code !== 0) throw new Error(`setting up the remote tree failed: ${setup.stderr}`);
    } else {
      await writeTree(local, point === 'upload');
    }
    let faulted = false;
    let faultAt = 0;
    const start = (): void => {
      if (faulted) return;
      faulted = true;
      faultAt = performance.now();
      if (fault === 'stall') proxy.stall();
      else proxy.trickle(1);
    };
    const args = [download ? 'download' : 'upload', local, folder.url, ...(download ? [] : ['--create-folder']), ...common];
    if (point === 'login') start();
    if (point === 'rename' && kind === 'ftp') proxy.whenClientSends(/^RNFR /m, start);
    const began = performance.now();
    const child = spawnCli(args, { env: box.env });
    child.stdin!.end();
    onStdoutLines(child, (line) => {
      if (point === 'listing' && line.includes('"type":"start"')) start();
      if ((point === 'upload' || point === 'download') && line.includes('"action-started"') && line.includes('big.bin')) {
        // FTPS data connections do not pass the proxy: its control connection stalls as the
        // transfer starts, so the reply that ends it never comes.
        if (kind === 'ftps') start();
        else proxy.whenBytes(proxy.bytes + (options.intoFileBytes ?? 300_000), start);
      }
      if (point === 'rename' && kind !== 'ftp' && line.includes('"action-started"') && line.includes('small.bin')) {
        // FTPS: the data goes straight to the server; the control connection stalls at once,
        // so the upload's end (the 226, the rename) never gets an answer.
        if (kind === 'ftps') start();
        else proxy.whenBytes(proxy.bytes + 64 * 1024 + 100, start);
      }
    });
    const result = await collect(child, 120_000);
    const ended = performance.now();
    // Heal the link: the next run must start (the lock was released) and finish.
    proxy.unstall();
    proxy.trickle(0);
    const next = await runCli(args, { env: box.env, timeoutMs: 120_000 });
    return {
      result,
      elapsedMs: ended - began,
      boundMs: stallBoundMs(options.timeoutS) + SLACK_MS,
      faulted,
      afterFaultMs: faulted ? ended - faultAt : 0,
      next,
    };
  } finally {
    await folder.cleanup();
  }
}

/** Asserts what every stalled or trickled run must show. */
export function assertEndedWithinBound(label: string, trial: StallTrialResult): void {
  const { result, next } = trial;
  assert.ok(trial.faulted, `${label}: the fault was set off`);
  assert.equal(result.code, 1, `${label}: exit 1 (stderr: ${result.stderr.slice(-800)})`);
  assert.ok(!hasStackTrace(result.stderr), `${label}: no stack trace:\n${result.stderr}`);
  const lines = result.stderr.trimEnd().split('\n');
  assert.match(lines[lines.length - 1]!, /^ferry: .*(no answer|too slow|no login|in time|connection|lost|closed)/i, `${label}: a clear last line`);
  assert.ok(trial.afterFaultMs <= trial.boundMs, `${label}: ended ${Math.round(trial.afterFaultMs)} ms after the fault, bound ${trial.boundMs} ms`);
  assert.equal(next.code, 0, `${label}: the next run starts (lock released) and finishes: ${next.stderr}`);
}
