/**
 * Every benchmark in one go, then one table of every goal of docs/performance.md with its figure:
 *
 *   small     many small files on loopback (bench/small-files.ts): first upload, no-op, one change;
 *   distance  the same at 10 and 50 ms round trips (bench/distance.ts);
 *   startup   the CPU of `ferry --version` and of a small no-op over `node -e 0` (bench/startup.ts);
 *   scale     scan, first sync, state and no-op of 100k, 1M and 2M entries (bench/scale.ts);
 *   resume    a 1 GiB upload killed at 80 % and continued (bench/resume.ts);
 *   bwlimit   `--bwlimit` up and down (bench/bwlimit.ts);
 *   big       one 1 GiB file up and down (bench/big-file.ts; no goal in the summary).
 *
 *   npm run bench:all                # the full sizes (about an hour on 2 cores)
 *   npm run bench:all -- --quick     # a few minutes: small sizes, one repeat; the same summary
 *   npm run bench:all -- --only small,scale --protocols sftp --repeat 5
 *   npm run bench:all -- --no-build  # dist/ as it is (a build replaces it under a benchmark running meanwhile)
 *
 * Each part prints its own tables, and one `GOAL {json}` line per goal it measured
 * (support/goal-rows.ts), which this script collects from the part's output. Options other than
 * --quick, --only and --no-build go to the parts that know them (see `parts` below). In the summary a size
 * marked "not the goal's" is one a goal does not name (a `--quick` run, or options given).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { build, parseArgs, printTable, repoRoot, toolVersions } from './support/bench-support.js';
import { parseGoalLines, verdict, type GoalRow } from './support/goal-rows.js';

/** One benchmark script and how this script runs it. */
interface Part {
  readonly script: string;
  /** Options of all.ts passed on to it. */
  readonly options: readonly string[];
  /** Its options in a `--quick` run. */
  readonly quick: Readonly<Record<string, string>>;
  /** Fills in what the script's rows leave out (the short `GOAL id ratio= target=` form). */
  readonly complete?: (row: GoalRow, quick: boolean) => GoalRow;
}

const parts: Readonly<Record<string, Part>> = {
  small: {
    script: 'small-files.ts',
    options: ['files', 'folders', 'kib', 'peer-n', 'repeat', 'protocols'],
    quick: { files: '200', folders: '10', 'peer-n': '4,8', repeat: '1' },
  },
  distance: {
    script: 'distance.ts',
    // Not --protocols: FTPS cannot pass the latency proxy.
    options: ['rtt-ms', 'files', 'folders', 'kib', 'peer-n', 'repeat'],
    quick: { files: '100', folders: '10', 'peer-n': '8', repeat: '1' },
  },
  startup: { script: 'startup.ts', options: ['rounds', 'batch'], quick: { rounds: '3', batch: '5' } },
  scale: { script: 'scale.ts', options: ['entries', 'repeat'], quick: { entries: '10000,50000,100000', repeat: '1' } },
  resume: {
    script: 'resume.ts',
    options: ['repeat', 'protocols'],
    quick: { mb: '256' },
    complete: (row, quick) => ({
      ...row,
      goal:
        row.goal === row.id.replaceAll('-', ' ')
          ? `resume ${row.id.replace(/^resume-/, '').toUpperCase()}: an upload killed at 80 %, continued / a full upload`
          : row.goal,
      size: row.size ?? (quick ? '256 MiB' : '1,024 MiB'),
      goalSize: row.goalSize ?? !quick,
    }),
  },
  bwlimit: { script: 'bwlimit.ts', options: ['repeat', 'protocols'], quick: { mb: '8', rate: '2M' } },
  big: { script: 'big-file.ts', options: ['mb', 'repeat', 'protocols'], quick: { mb: '64', repeat: '1' } },
};
/** The summary's order: the goals as docs/performance.md lists them. */
const summaryOrder = ['small', 'distance', 'startup', 'scale', 'resume', 'bwlimit'];

/** Runs one part, its output shown as it comes; returns its goal rows and whether it finished. */
async function runPart(name: string, part: Part, args: ReadonlyMap<string, string>, quick: boolean): Promise<{ ok: boolean; rows: GoalRow[] }> {
  const options: Record<string, string> = quick ? { ...part.quick } : {};
  for (const option of part.options) if (args.has(option)) options[option] = args.get(option)!;
  const argv = [...Object.entries(options).flatMap(([option, value]) => [`--${option}`, value]), '--no-build'];
  console.log(`\n=== ${name}: bench/${part.script} ${argv.join(' ')}\n`);
  // Its progress lines are for a terminal; the pipe in between is not one.
  const env = { ...process.env, ...(process.stdout.isTTY ? { FERRY_BENCH_PROGRESS: '1' } : {}) };
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench', part.script), ...argv], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  let rows: GoalRow[] = [];
  try {
    rows = parseGoalLines(output).map((row) => part.complete?.(row, quick) ?? row);
  } catch (error) {
    console.log(`\n${name}: ${(error as Error).message}`);
    return { ok: false, rows };
  }
  return { ok: code === 0, rows };
}

function printSummary(results: ReadonlyMap<string, { ok: boolean; rows: GoalRow[] }>, quick: boolean): void {
  const table: string[][] = [];
  for (const name of summaryOrder) {
    const result = results.get(name);
    if (result === undefined) continue;
    for (const row of result.rows) {
      const size = row.size === undefined ? '' : `${row.size}${row.goalSize === false ? " (not the goal's)" : ''}`;
      table.push([row.goal, row.measured, row.target, verdict(row), size, row.note ?? '']);
    }
    if (!result.ok || result.rows.length === 0)
      table.push([
        `${name}: ${result.rows.length ? 'the rest of its goals' : 'its goals'}`,
        'no figure',
        '',
        result.ok ? 'not measured' : 'part failed',
        '',
        '',
      ]);
  }
  const notRun = summaryOrder.filter((name) => !results.has(name));
  const counts = { met: 0, missed: 0 };
  for (const { rows } of results.values()) for (const row of rows) if (row.met !== null) counts[row.met ? 'met' : 'missed']++;
  console.log(`\n=== Goals${quick ? ' (--quick: smaller sizes, one repeat; read as a smoke test)' : ''}\n`);
  console.log(`${toolVersions().join('; ')}\n`);
  printTable(['goal', 'measured', 'target', 'met', 'size', 'note'], table);
  console.log(`\n${counts.met} met, ${counts.missed} missed${notRun.length ? `; not run (--only): ${notRun.join(', ')}` : ''}.`);
}

async function main(): Promise<void> {
  const args = parseArgs();
  const quick = args.get('quick') === 'true';
  const only = (args.get('only') ?? 'small,distance,startup,scale,resume,bwlimit,big').split(',');
  const unknown = only.filter((name) => !(name in parts));
  if (unknown.length) throw new Error(`--only: unknown part ${unknown.join(', ')} (${Object.keys(parts).join(', ')})`);
  if (args.get('no-build') !== 'true') build();
  const results = new Map<string, { ok: boolean; rows: GoalRow[] }>();
  for (const name of only) results.set(name, await runPart(name, parts[name]!, args, quick));
  printSummary(results, quick);
  process.exitCode = [...results.values()].every((result) => result.ok) ? 0 : 1;
}

await main();
