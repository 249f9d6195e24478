/**
 * `--bwlimit RATE`, both directions, on the loopback servers: the rate a limited run really moves
 * its files at, over the limit.
 *
 *   node --import tsx bench/bwlimit.ts [--mb 32] [--files 4] [--rate 4M] [--protocols sftp,ftp] [--repeat 1] [--no-build]
 *
 * Per protocol: `--files` files of `--mb` MiB in all are uploaded with `--bwlimit RATE` (copied in
 * parallel, so the one budget of the run is shared), then downloaded into an empty folder the same
 * way. The rate is the bytes copied over the time from the first copy's start to the last copy's
 * end, taken from ferry's `--json` events as they arrive (login and listing are not in it).
 * Goal (docs/performance.md): within ±15 % of the limit, each direction.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseByteRate } from '../src/engine/bandwidth-limit.js';
import {
  benchEnv,
  build,
  ferryBin,
  ferryCommand,
  median,
  parseArgs,
  printTable,
  ratio,
  remoteDir,
  removeRemote,
  seconds,
  startServer,
  toolVersions,
  type Protocol,
} from './support/bench-support.js';
import { printGoal, type GoalRow } from './support/goal-rows.js';

const args = parseArgs();
const totalMib = Number(args.get('mb') ?? 32);
const fileCount = Number(args.get('files') ?? 4);
const rateText = args.get('rate') ?? '4M';
const protocols = (args.get('protocols') ?? 'sftp,ftp').split(',') as Protocol[];
const repeats = Number(args.get('repeat') ?? 1);
/** The measured rate over the limit may be this far from 1. */
const TOLERANCE = 0.15;

/** Runs ferry with --json and times its copies from the first start to the last end; returns bytes per second. */
async function copyRate(argv: readonly string[], bytes: number): Promise<number> {
  const child = spawn('node', [ferryBin, ...argv, '--json'], { env: benchEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let firstStart: number | undefined;
  let lastEnd = 0;
  let copied = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line) as { type: string; action?: { kind: string }; result?: { action: { kind: string }; status: string } };
    if (event.type === 'action-started' && event.action?.kind === 'copy') firstStart ??= performance.now();
    if (event.type === 'action-finished' && event.result?.action.kind === 'copy' && event.result.status === 'done') {
      lastEnd = performance.now();
      copied++;
    }
  }
  const code = child.exitCode ?? (await new Promise<number | null>((resolve) => child.once('exit', resolve)));
  if (code !== 0 || copied !== fileCount || firstStart === undefined)
    throw new Error(`ferry ${argv[0]} copied ${copied} of ${fileCount} files (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return bytes / ((lastEnd - firstStart) / 1000);
}

async function main(): Promise<void> {
  if (args.get('no-build') !== 'true') build();
  const limit = parseByteRate(rateText);
  if (limit === undefined) throw new Error(`--rate ${rateText}: not a rate`);
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-bwlimit-'));
  const stamp = Date.now().toString(36);
  const source = join(work, 'source');
  mkdirSync(source);
  const fileBytes = Math.floor((totalMib * 1024 * 1024) / fileCount);
  for (let i = 0; i < fileCount; i++) writeFileSync(join(source, `part-${i}.bin`), randomBytes(fileBytes));
  const bytes = fileBytes * fileCount;
  console.log(`--bwlimit ${rateText}: ${fileCount} files, ${totalMib} MiB in all, up and down; ${repeats} repeat(s)`);
  const rows: string[][] = [];
  const goals: GoalRow[] = [];
  try {
    for (const protocol of protocols) {
      const server = startServer(protocol);
      const rates = { upload: [] as number[], download: [] as number[] };
      for (let repeat = 0; repeat < repeats; repeat++) {
        const remote = remoteDir(protocol, server, `bench-bwlimit-${stamp}-${protocol}-${repeat}`);
        const { url, extra } = ferryCommand(protocol, server, remote.path);
        const common = ['--bwlimit', rateText, '--no-progress', ...extra];
        try {
          rates.upload.push(
            await copyRate(['upload', source, url, '--create-folder', '--state-dir', join(work, `state-up-${protocol}-${repeat}`), ...common], bytes),
          );
          const target = join(work, `down-${protocol}-${repeat}`);
          mkdirSync(target);
          rates.download.push(await copyRate(['download', target, url, '--state-dir', join(work, `state-down-${protocol}-${repeat}`), ...common], bytes));
        } finally {
          removeRemote(remote);
        }
      }
      for (const direction of ['upload', 'download'] as const) {
        const measured = median(rates[direction]) / limit;
        const met = Math.abs(measured - 1) <= TOLERANCE;
        rows.push([protocol, direction, rateText, `${(median(rates[direction]) / 1024 / 1024).toFixed(2)} MiB/s`, ratio(measured), met ? 'met' : 'MISSED']);
        goals.push({
          id: `bwlimit-${protocol}-${direction}`,
          goal: `--bwlimit ${rateText}, ${protocol.toUpperCase()} ${direction}: measured rate / limit`,
          measured: ratio(measured),
          target: `${(1 - TOLERANCE).toFixed(2)}–${(1 + TOLERANCE).toFixed(2)}×`,
          met,
          size: `${fileCount} × ${(fileBytes / 1024 / 1024).toFixed(0)} MiB`,
          note: `${seconds(bytes / median(rates[direction]))} s for ${totalMib} MiB, median of ${repeats}`,
        });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`\n${toolVersions().join('; ')}\n`);
  printTable(['protocol', 'direction', 'limit', 'measured rate', 'rate / limit', `goal ${(1 - TOLERANCE).toFixed(2)}–${(1 + TOLERANCE).toFixed(2)}×`], rows);
  console.log('');
  for (const goal of goals) printGoal(goal);
}

await main();
