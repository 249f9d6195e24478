/**
 * At a distance: the small-files benchmark (bench/small-files.ts) behind the latency proxy at
 * 10 ms and 50 ms round trips, SFTP and plain FTP, ferry against lftp and rclone side by side in
 * one run per round trip, then every goal with its ratio.
 *
 *   node --import tsx bench/distance.ts [--rtt-ms 10,50] [--files 500] [--folders 25] [--kib 4]
 *        [--protocols sftp,ftp] [--peer-n 4,8,16] [--repeat 3] [--no-build] [--ferry-parallel N]
 *
 * The proxy (bench/support/latency-proxy.ts) delays every chunk by half the round trip each way
 * and makes every new connection of every tool (control and data, PASV and EPSV, SSH) pay TCP's
 * handshake. FTPS cannot be measured this way: its PASV/EPSV replies travel inside TLS, so the
 * proxy cannot point the data connections at itself.
 *
 * ferry runs with its defaults (4 FTP connections, 2 SFTP connections) while each peer gets its best
 * N; `--ferry-parallel N` also runs ferry with `--parallel N` and adds its ratio (the same number of
 * connections as a peer at N).
 *
 * Goal (docs/performance.md): ferry takes ≤ 0.5× the fastest peer's time for the first upload,
 * the no-op and the one-change run, at every round trip, on SFTP and FTP.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, numberList, parseArgs, printTable, ratio, repoRoot, seconds } from './support/bench-support.js';
import type { SmallFilesResult } from './small-files.js';
import { printGoal, type GoalRow } from './support/goal-rows.js';

/** ferry's time over the fastest peer's, at most, for every step at a distance. */
export const distanceGoal = 0.5;

/** The defaults: smaller than on loopback, since a peer at 50 ms takes minutes for 2,000 files. */
export const distanceDefaults: Readonly<Record<string, string>> = {
  'rtt-ms': '10,50',
  files: '500',
  folders: '25',
  kib: '4',
  protocols: 'sftp,ftp',
  'peer-n': '4,8,16',
  repeat: '3',
};

const stepLabel: Record<SmallFilesResult['step'], string> = { first: 'first upload', noop: 'no-op', change: 'one change' };

/**
 * Runs the small-files benchmark at each round trip and prints the goals table; returns whether
 * every run finished (a missed goal is reported, not a failure).
 */
export function runDistance(options: ReadonlyMap<string, string>): boolean {
  const get = (name: string): string => options.get(name) ?? distanceDefaults[name]!;
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-distance-'));
  const rows: string[][] = [];
  const goals: GoalRow[] = [];
  const goalSize = get('files') === distanceDefaults.files && get('kib') === distanceDefaults.kib && get('folders') === distanceDefaults.folders;
  let ok = true;
  try {
    for (const rtt of numberList(get('rtt-ms'))) {
      const resultsFile = join(work, `rtt-${rtt}.json`);
      const argv = ['--latency-ms', String(rtt / 2), '--results', resultsFile, '--no-build'];
      for (const name of ['files', 'folders', 'kib', 'protocols', 'peer-n', 'repeat']) argv.push(`--${name}`, get(name));
      if (options.has('ferry-parallel')) argv.push('--ferry-parallel', options.get('ferry-parallel')!);
      console.log(`\n--- ${rtt} ms round trips: bench/small-files.ts ${argv.filter((a) => a !== resultsFile && a !== '--results').join(' ')}\n`);
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench/small-files.ts'), ...argv], { cwd: repoRoot, stdio: 'inherit' });
      if (run.status !== 0) {
        ok = false;
        continue;
      }
      const { results } = JSON.parse(readFileSync(resultsFile, 'utf8')) as { results: SmallFilesResult[] };
      for (const r of results) {
        rows.push([
          `${rtt} ms`,
          r.protocol,
          stepLabel[r.step],
          seconds(r.ferry),
          `${seconds(r.lftp)} (N=${r.lftpN})`,
          `${seconds(r.rclone)} (N=${r.rcloneN})`,
          ratio(r.ratio),
          `≤ ${distanceGoal}× ${r.ratio <= distanceGoal ? 'met' : 'MISSED'}`,
          ...(r.ferryAtN === undefined ? [] : [`${seconds(r.ferryAtN)}, ${ratio(r.ratioAtN!)}`]),
        ]);
        goals.push({
          id: `distance-${rtt}ms-${r.protocol}-${r.step}`,
          goal: `${rtt} ms round trips, ${r.protocol.toUpperCase()} ${stepLabel[r.step]}, ferry / fastest peer`,
          measured: ratio(r.ratio),
          target: `≤ ${distanceGoal}×`,
          met: r.ratio <= distanceGoal,
          size: `${Number(get('files')).toLocaleString('en')} × ${get('kib')} KiB`,
          goalSize,
          note: `ferry ${seconds(r.ferry)} s, lftp ${seconds(r.lftp)} s (N=${r.lftpN}), rclone ${seconds(r.rclone)} s (N=${r.rcloneN}), median of ${get('repeat')}`,
        });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(
    `\nAt a distance: ${get('files')} × ${get('kib')} KiB in ${get('folders')} folders, medians of ${get('repeat')}, peers at their best N of ${get('peer-n')}`,
  );
  console.log('(FTPS: not measured, its PASV/EPSV replies are encrypted, so no proxy can route its data connections)\n');
  const atN = options.has('ferry-parallel') ? [`ferry --parallel ${options.get('ferry-parallel')} s, / fastest peer`] : [];
  printTable(['round trip', 'protocol', 'work', 'ferry s', 'lftp s', 'rclone s', 'ferry / fastest peer', 'goal', ...atN], rows);
  console.log('');
  for (const goal of goals) printGoal(goal);
  return ok;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = parseArgs();
  if (args.get('no-build') !== 'true') build();
  process.exitCode = runDistance(args) ? 0 : 1;
}
