/**
 * Many small files: ferry against lftp (`mirror -R --parallel=N`) and rclone (`copy --transfers N`)
 * on the loopback servers, in one run.
 *
 *   node --import tsx bench/small-files.ts [--files 2000] [--folders 50] [--kib 4]
 *        [--protocols sftp,ftp,ftps] [--peer-n 4,8,16] [--repeat 3] [--no-build] [--latency-ms N]
 *        [--results FILE] [--ferry-parallel N]
 *
 * Per protocol and repeat, every tool (and every N of a peer) uploads into a folder of its own:
 *   1. first upload of FILES files of KIB KiB spread over FOLDERS folders;
 *   2. the same command again, nothing changed (the "no-op");
 *   3. one file rewritten locally, the command again: ferry must copy exactly that file (checked
 *      from its --json events; the run fails otherwise).
 * Each figure is the median over the repeats; a peer's best N is the one with the lowest median
 * first upload, and its no-op and one-change figures are taken at that same N. ferry runs with its
 * defaults (4 FTP connections); `--ferry-parallel N` runs it a second time in each repeat with
 * `--parallel N`, and the table gives that run's time and ratio too (a peer's best N against
 * ferry at the same N). Besides wall time the table shows the CPU time of each client process, which is
 * steadier than wall time on a busy machine, and the CPU the rest of the machine spent meanwhile
 * (`rest`: the servers, on a quiet machine), which shows when a run was bound by the machine.
 *
 * `--latency-ms N` puts every tool behind the same proxy, which delivers each chunk N ms after it
 * was sent (a round trip of 2 × N ms, as to a server far away; SFTP and FTP only). On loopback the
 * tools compete for the machine's CPU with the servers; behind the proxy, round trips count.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  build,
  ensureTools,
  ferryBin,
  ferryCommand,
  lftpScript,
  median,
  numberList,
  parseArgs,
  printTable,
  ratio,
  rcloneRemote,
  remoteDir,
  removeRemote,
  seconds,
  startLatencyProxy,
  startServer,
  timed,
  toolVersions,
  type DistantServer,
  type Protocol,
  type Server,
  type Timing,
} from './support/bench-support.js';
import { printGoal } from './support/goal-rows.js';

const args = parseArgs();
const fileCount = Number(args.get('files') ?? 2000);
const folderCount = Number(args.get('folders') ?? 50);
const fileKib = Number(args.get('kib') ?? 4);
const protocols = (args.get('protocols') ?? 'sftp,ftp,ftps').split(',') as Protocol[];
const peerN = numberList(args.get('peer-n') ?? '4,8,16');
const repeats = Number(args.get('repeat') ?? 3);
const latencyMs = Number(args.get('latency-ms') ?? 0);
/** `--ferry-parallel N`: ferry also at `--parallel N` (see the module comment). */
const ferryParallel = args.get('ferry-parallel') === undefined ? undefined : Number(args.get('ferry-parallel'));
/** `--results FILE`: the table's figures as JSON too, for bench/distance.ts. */
const resultsFile = args.get('results');

type Step = 'first' | 'noop' | 'change';

/** One row of the table, as `--results` writes it (seconds, medians). */
export interface SmallFilesResult {
  readonly protocol: Protocol;
  readonly step: Step;
  readonly ferry: number;
  readonly lftp: number;
  readonly lftpN: number;
  readonly rclone: number;
  readonly rcloneN: number;
  /** ferry over the fastest peer. */
  readonly ratio: number;
  /** With `--ferry-parallel N`: N, ferry's time at `--parallel N`, and that over the fastest peer. */
  readonly ferryN?: number;
  readonly ferryAtN?: number;
  readonly ratioAtN?: number;
}
const steps: Step[] = ['first', 'noop', 'change'];
const stepLabel: Record<Step, string> = {
  first: `${fileCount} × ${fileKib} KiB, first upload`,
  noop: 'same, nothing changed',
  change: 'same, one file changed',
};

/** A tool at one setting: uploads `local` to a remote folder. */
interface Runner {
  readonly tool: 'ferry' | 'lftp' | 'rclone';
  readonly n: number | undefined;
  run(local: string, remotePath: string, step: Step, stateDir: string): Timing;
}

function runners(protocol: Protocol, server: Server): Runner[] {
  const ferry = (n: number | undefined): Runner => ({
    tool: 'ferry',
    n,
    run(local, remotePath, step, stateDir) {
      const { url, extra } = ferryCommand(protocol, server, remotePath);
      const parallel = n === undefined ? [] : ['--parallel', String(n)];
      return timed('node', [ferryBin, 'upload', local, url, '--create-folder', '--json', '--state-dir', `${stateDir}${n ?? ''}`, ...parallel, ...extra]);
    },
  });
  const list: Runner[] = [ferry(undefined), ...(ferryParallel === undefined ? [] : [ferry(ferryParallel)])];
  for (const n of peerN) {
    list.push({
      tool: 'lftp',
      n,
      run: (local, remotePath) => timed('lftp', ['-c', lftpScript(protocol, server, `mirror -R --parallel=${n} ${local} ${remotePath}`)]),
    });
    list.push({
      tool: 'rclone',
      n,
      run: (local, remotePath) =>
        timed('rclone', [
          'copy',
          local,
          rcloneRemote(protocol, server, remotePath),
          '--transfers',
          String(n),
          '--checkers',
          String(n),
          '--config',
          '/dev/null',
          '-q',
        ]),
    });
  }
  return list;
}

/**
 * One run; a peer that fails (lftp and rclone sometimes give up on a busy loopback server) is tried
 * once more, then left out of this repeat. ferry failing ends the benchmark.
 */
function attempt(runner: Runner, run: () => Timing): Timing | undefined {
  try {
    return run();
  } catch (error) {
    if (runner.tool === 'ferry') throw error;
    try {
      return run();
    } catch (again) {
      console.log(`\n${runner.tool} N=${runner.n} failed twice, left out of this repeat: ${(again as Error).message.slice(0, 300)}`);
      return undefined;
    }
  }
}

function makeTree(root: string): string[] {
  const files: string[] = [];
  for (let i = 0; i < fileCount; i++) {
    const rel = `dir${i % folderCount}/file${i}.bin`;
    mkdirSync(join(root, `dir${i % folderCount}`), { recursive: true });
    writeFileSync(join(root, rel), randomBytes(fileKib * 1024));
    files.push(rel);
  }
  return files;
}

/** Checks from ferry's --json events that it copied exactly `expected` and nothing else. */
function assertOnlyCopied(stdout: string, expected: string): void {
  const copied: string[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line) as { type: string; result?: { status: string; action: { kind: string; path: string } } };
    if (event.type === 'action-finished' && event.result?.status === 'done' && event.result.action.kind === 'copy') copied.push(event.result.action.path);
  }
  if (copied.length !== 1 || copied[0] !== expected) {
    throw new Error(`one changed file: ferry copied ${JSON.stringify(copied.slice(0, 5))} (${copied.length} files), expected only ${expected}`);
  }
}

async function main(): Promise<void> {
  ensureTools(['lftp', 'rclone']);
  if (args.get('no-build') !== 'true') build();
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-small-'));
  const local = join(work, 'tree');
  const files = makeTree(local);
  const stamp = Date.now().toString(36);
  console.log(
    `small files: ${fileCount} × ${fileKib} KiB in ${folderCount} folders; peers at N = ${peerN.join(', ')}; median of ${repeats} repeat(s)` +
      (latencyMs > 0 ? `; every tool behind a proxy adding ${latencyMs} ms each way (round trip ${2 * latencyMs} ms)` : ''),
  );
  const table: string[][] = [];
  const results: SmallFilesResult[] = [];
  let distant: DistantServer | undefined;
  try {
    for (const protocol of protocols) {
      const nearby = startServer(protocol);
      distant?.stop();
      distant = latencyMs > 0 ? await startLatencyProxy(protocol, nearby, latencyMs, work) : undefined;
      const server = distant?.server ?? nearby;
      const all = runners(protocol, server);
      // times[runner index][step] = timings over the repeats
      const times = all.map(() => ({ first: [] as Timing[], noop: [] as Timing[], change: [] as Timing[] }));
      for (let repeat = 0; repeat < repeats; repeat++) {
        const dirs = all.map((runner, i) => remoteDir(protocol, server, `bench-${stamp}-${protocol}-${runner.tool}${runner.n ?? ''}-r${repeat}-${i}`));
        const stateDir = join(work, `state-${protocol}-${repeat}`);
        try {
          for (const step of steps) {
            let changed: string | undefined;
            if (step === 'change') {
              // A new content and a clearly newer time, so every tool sees the change.
              changed = files[(repeat * 7919) % files.length]!;
              writeFileSync(join(local, changed), randomBytes(fileKib * 1024));
              const later = Date.now() / 1000 + 60;
              utimesSync(join(local, changed), later, later);
            }
            all.forEach((runner, i) => {
              if (process.stdout.isTTY || process.env.FERRY_BENCH_PROGRESS === '1')
                process.stdout.write(`\r${protocol} repeat ${repeat + 1}/${repeats}: ${step} ${runner.tool}${runner.n ? ` N=${runner.n}` : ''}          `);
              const timing = attempt(runner, () => runner.run(local, dirs[i]!.path, step, stateDir));
              if (timing === undefined) return;
              if (runner.tool === 'ferry' && changed !== undefined) assertOnlyCopied(timing.stdout, changed);
              times[i]![step].push(timing);
            });
          }
        } finally {
          for (const dir of dirs) removeRemote(dir);
        }
      }
      process.stdout.write('\n');
      // A peer setting that failed every time has no figure (NaN) and is never the best.
      const med = (i: number, step: Step, key: 'wall' | 'cpu' | 'rest'): number =>
        times[i]![step].length ? median(times[i]![step].map((t) => (key === 'rest' ? t.machineCpu - t.cpu : t[key]))) : Number.NaN;
      const cell = (i: number, step: Step, n?: number): string =>
        `${seconds(med(i, step, 'wall'))} (cpu ${seconds(med(i, step, 'cpu'))}, rest ${seconds(med(i, step, 'rest'))}${n === undefined ? '' : `, N=${n}`})`;
      const bestOf = (tool: 'lftp' | 'rclone'): number => {
        let best = -1;
        all.forEach((runner, i) => {
          if (runner.tool === tool && !Number.isNaN(med(i, 'first', 'wall')) && (best < 0 || med(i, 'first', 'wall') < med(best, 'first', 'wall'))) best = i;
        });
        return best;
      };
      const lftp = bestOf('lftp');
      const rclone = bestOf('rclone');
      if (lftp < 0 || rclone < 0) throw new Error(`${protocol}: ${lftp < 0 ? 'lftp' : 'rclone'} failed at every N`);
      for (const step of steps) {
        const peer = Math.min(...[med(lftp, step, 'wall'), med(rclone, step, 'wall')].filter((value) => !Number.isNaN(value)));
        const atN = ferryParallel === undefined ? {} : { ferryN: ferryParallel, ferryAtN: med(1, step, 'wall'), ratioAtN: med(1, step, 'wall') / peer };
        results.push({
          ...atN,
          protocol,
          step,
          ferry: med(0, step, 'wall'),
          lftp: med(lftp, step, 'wall'),
          lftpN: all[lftp]!.n!,
          rclone: med(rclone, step, 'wall'),
          rcloneN: all[rclone]!.n!,
          ratio: med(0, step, 'wall') / peer,
        });
        table.push([
          protocol,
          stepLabel[step],
          cell(0, step),
          cell(lftp, step, all[lftp]!.n),
          cell(rclone, step, all[rclone]!.n),
          ratio(med(0, step, 'wall') / peer),
          ...(ferryParallel === undefined ? [] : [`${cell(1, step)}, ${ratio(med(1, step, 'wall') / peer)}`]),
        ]);
      }
      for (const row of table.filter((r) => r[0] === protocol)) console.log(`| ${row.join(' | ')} |`);
      // Every N of the peers, so the choice of the best one can be checked.
      console.log(
        `${protocol}: first upload by N (median s): ${all.map((runner, i) => `${runner.tool}${runner.n ? `@${runner.n}` : ''} ${seconds(med(i, 'first', 'wall'))}`).join(', ')}`,
      );
    }
  } finally {
    distant?.stop();
    rmSync(work, { recursive: true, force: true });
  }
  if (resultsFile !== undefined)
    writeFileSync(resultsFile, JSON.stringify({ latencyMs, fileCount, fileKib, folderCount, repeats, versions: toolVersions(), results }, null, 2));
  console.log(`\n${toolVersions().join('; ')}\n`);
  printTable(
    [
      'protocol',
      'work',
      'ferry s',
      'lftp s (best N)',
      'rclone s (best N)',
      'ferry / fastest peer',
      ...(ferryParallel === undefined ? [] : [`ferry --parallel ${ferryParallel} s, / fastest peer`]),
    ],
    table,
  );
  console.log(
    '\nTimes are wall-clock medians; cpu = user+system seconds of the client process; rest = CPU seconds the rest of the machine ' +
      `spent meanwhile (the servers, on a quiet machine; ${cpus().length} cores). Ratio < 1: ferry is faster.`,
  );
  if (latencyMs === 0) {
    console.log(
      'Targets on loopback, ferry / fastest peer, first upload / no-op: SFTP ≤ 0.5× / ≤ 0.5×, FTP ≤ 1.0× / ≤ 0.7×, FTPS ≤ 0.5× / ≤ 0.7×; ' +
        'one change: ferry copies only that file (checked).\n',
    );
    printLoopbackGoals(results);
  }
}

/** Loopback goals (first upload, no-op) per protocol, ferry over the fastest peer; at a distance bench/distance.ts has its own. */
const loopbackGoals: Readonly<Record<Protocol, Readonly<Record<'first' | 'noop', number>>>> = {
  sftp: { first: 0.5, noop: 0.5 },
  ftp: { first: 1.0, noop: 0.7 },
  ftps: { first: 0.5, noop: 0.7 },
};

/** The goal rows of bench/all.ts's summary (support/goal-rows.ts); the goal's size is 2,000 × 4 KiB in 50 folders. */
function printLoopbackGoals(results: readonly SmallFilesResult[]): void {
  const goalSize = fileCount === 2000 && fileKib === 4 && folderCount === 50;
  for (const r of results) {
    if (r.step === 'change') continue;
    const target = loopbackGoals[r.protocol][r.step];
    printGoal({
      id: `loopback-${r.protocol}-${r.step}`,
      goal: `loopback ${r.protocol.toUpperCase()} ${r.step === 'first' ? 'first upload' : 'no-op'}, ferry / fastest peer`,
      measured: ratio(r.ratio),
      target: `≤ ${target.toFixed(1)}×`,
      met: r.ratio <= target,
      size: `${fileCount.toLocaleString('en')} × ${fileKib} KiB`,
      goalSize,
      note: `ferry ${seconds(r.ferry)} s, lftp ${seconds(r.lftp)} s (N=${r.lftpN}), rclone ${seconds(r.rclone)} s (N=${r.rcloneN}), median of ${repeats}`,
    });
  }
}

await main();
