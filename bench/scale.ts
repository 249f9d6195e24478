/**
 * Huge trees: scan, plan and sync of two generated trees of N entries (no server, no disk: see
 * support/generated-backend.ts), with time and peak memory of each phase, for several N to show
 * how both grow.
 *
 *   node --import tsx bench/scale.ts [--entries 100000,1000000,2000000] [--repeat 3] [--heap-mib N] [--v8-default]
 *
 * Each N runs in a fresh Node process (default heap limits), phase by phase:
 *   scan      one side listed into a snapshot;
 *   first     `sync` of two equal trees with no state yet: every path recorded, state written;
 *   load      the state file loaded (and its size);
 *   no-op     `sync` again: state loaded, both sides scanned, reconciled, planned, nothing to do.
 * Peak memory is the process's resident set high-water mark (VmHWM), reset before each phase.
 * Node lets garbage pile up when memory is plentiful, so the peak overstates what a run needs:
 * `--heap-mib N` runs the children with `--max-old-space-size=N` to show whether it fits in N MiB
 * (a run that does not fit fails with "heap out of memory"). The children's heap grows as the
 * `ferry` command lets it (`--heap-growing-percent`, src/cli/heap-growth.ts); `--v8-default`
 * leaves V8's own choice, which makes the peak of the same run vary (see docs/performance.md).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEAP_GROWING_PERCENT } from '../src/cli/heap-growth.js';
import { median, numberList, parseArgs, printTable, repoRoot } from './support/bench-support.js';
import { printGoal } from './support/goal-rows.js';

const args = parseArgs();

interface Phase {
  readonly ms: number;
  readonly peakMib: number;
}
interface ChildResult {
  readonly entries: number;
  readonly scan: Phase;
  readonly first: Phase;
  readonly load: Phase;
  readonly noop: Phase;
  readonly stateMib: number;
}

function peakMib(): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** Measures one phase: garbage collected first, peak memory reset, wall time. */
async function phase(work: () => Promise<unknown>): Promise<Phase> {
  (globalThis as { gc?: () => void }).gc?.();
  writeFileSync('/proc/self/clear_refs', '5');
  const started = process.hrtime.bigint();
  await work();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, peakMib: peakMib() };
}

async function child(files: number): Promise<void> {
  const { GeneratedBackend } = await import('./support/generated-backend.js');
  const { scanTree } = await import('../src/engine/scan-tree.js');
  const { PathFilter } = await import('../src/core/path-filter.js');
  const { runSync } = await import('../src/engine/run-sync.js');
  const { StateStore } = await import('../src/state/state-store.js');
  const stateDir = mkdtempSync(join(tmpdir(), 'ferry-bench-scale-'));
  try {
    const local = new GeneratedBackend('local', files);
    const remote = new GeneratedBackend('remote', files);
    const scan = await phase(async () => {
      const result = await scanTree(local, { side: 'local', filter: new PathFilter({}), concurrency: 8 });
      if (result.snapshot.entries.size !== local.entryCount)
        throw new Error(`scan found ${result.snapshot.entries.size} entries, expected ${local.entryCount}`);
    });
    const first = await phase(async () => {
      const summary = await runSync('sync', { local, remote, stateDir });
      if (summary.recorded !== local.entryCount || summary.errors > 0) throw new Error(`first sync: ${JSON.stringify(summary)}`);
    });
    const stateFile = readdirSync(stateDir).find((name) => name.endsWith('.json'))!;
    const stateMib = statSync(join(stateDir, stateFile)).size / 1024 / 1024;
    const load = await phase(async () => {
      const store = await StateStore.open(stateDir, local.id, remote.id);
      if (store.state.size !== local.entryCount) throw new Error(`state holds ${store.state.size} records`);
      await store.close();
    });
    const noop = await phase(async () => {
      const summary = await runSync('sync', { local, remote, stateDir });
      if (summary.recorded + summary.filesCopied + summary.foldersCreated + summary.errors + summary.conflicts > 0) {
        throw new Error(`the no-op sync did something: ${JSON.stringify(summary)}`);
      }
    });
    const result: ChildResult = { entries: local.entryCount, scan, first, load, noop, stateMib };
    console.log(JSON.stringify(result));
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** 400 MB, the target for the peak of a first sync of a million entries. */
const PEAK_TARGET_MIB = 400e6 / 2 ** 20;
const phases = ['scan', 'first', 'load', 'noop'] as const;
type PhaseName = (typeof phases)[number];

function parent(): void {
  const sizes = numberList(args.get('entries') ?? '100000,1000000,2000000');
  const repeats = Number(args.get('repeat') ?? 3);
  const results: ChildResult[] = [];
  const allRuns = new Map<number, ChildResult[]>();
  for (const size of sizes) {
    const runs: ChildResult[] = [];
    for (let repeat = 0; repeat < repeats; repeat++) {
      process.stdout.write(`${size} files, run ${repeat + 1}/${repeats} ...\n`);
      const heap = args.get('heap-mib') ? [`--max-old-space-size=${args.get('heap-mib')}`] : [];
      // The heap grows as the `ferry` command lets it (src/cli/heap-growth.ts), unless --v8-default.
      if (!args.has('v8-default')) heap.push(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
      const run = spawnSync(process.execPath, [...heap, '--import', 'tsx', '--expose-gc', join(repoRoot, 'bench/scale.ts'), '--child', String(size)], {
        cwd: repoRoot,
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      });
      const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
      if (run.status !== 0 || !line) throw new Error(`scale run of ${size} failed (exit ${run.status}): ${run.stderr.split('\n').slice(-8).join(' | ')}`);
      runs.push(JSON.parse(line) as ChildResult);
    }
    allRuns.set(size, runs);
    const med = (pick: (r: ChildResult) => number): number => median(runs.map(pick));
    const phaseOf = (name: PhaseName): Phase => ({ ms: med((r) => r[name].ms), peakMib: med((r) => r[name].peakMib) });
    results.push({
      entries: runs[0]!.entries,
      scan: phaseOf('scan'),
      first: phaseOf('first'),
      load: phaseOf('load'),
      noop: phaseOf('noop'),
      stateMib: med((r) => r.stateMib),
    });
  }
  const cell = (p: Phase): string => `${(p.ms / 1000).toFixed(2)} s, ${p.peakMib.toFixed(0)} MiB`;
  const heapNote = args.get('heap-mib') ? `, heap limited to ${args.get('heap-mib')} MiB` : ', default heap limit';
  console.log(`\nnode ${process.version}; two generated trees, 100 files per folder; medians of ${repeats}; time and peak RSS per phase${heapNote}\n`);
  printTable(
    ['entries', 'scan one side', 'first sync (record all)', 'state load', 'no-op sync', 'state file'],
    results.map((r) => [r.entries.toLocaleString('en'), cell(r.scan), cell(r.first), cell(r.load), cell(r.noop), `${r.stateMib.toFixed(0)} MiB`]),
  );

  // Every run's peak, not only the median: the target holds in every run or not at all.
  console.log(`\nPeak RSS of every run, MiB (target for the first sync: < 400 MB = ${PEAK_TARGET_MIB.toFixed(0)} MiB):\n`);
  printTable(
    ['entries', ...phases.map((name) => `${name} (each run)`), 'first sync < 400 MB'],
    sizes.map((size) => {
      const runs = allRuns.get(size)!;
      const worst = Math.max(...runs.map((r) => r.first.peakMib));
      return [
        runs[0]!.entries.toLocaleString('en'),
        ...phases.map((name) => runs.map((r) => r[name].peakMib.toFixed(0)).join(', ')),
        worst < PEAK_TARGET_MIB ? `yes (max ${worst.toFixed(0)})` : `no (max ${worst.toFixed(0)})`,
      ];
    }),
  );

  // Linear growth: the time per entry stays the same, and so does the memory each further entry adds.
  console.log('\nTime per entry (µs) and memory per further entry (bytes of peak RSS added per entry since the previous size):\n');
  printTable(
    ['entries', ...phases.map((name) => `${name} µs/entry`), ...phases.map((name) => `${name} B/entry`)],
    results.map((r, index) => {
      const previous = results[index - 1];
      const perEntry = (name: PhaseName): string => ((r[name].ms * 1000) / r.entries).toFixed(2);
      const added = (name: PhaseName): string =>
        previous ? (((r[name].peakMib - previous[name].peakMib) * 2 ** 20) / (r.entries - previous.entries)).toFixed(0) : '–';
      return [r.entries.toLocaleString('en'), ...phases.map(perEntry), ...phases.map(added)];
    }),
  );
  if (results.length > 1) {
    const a = results[0]!;
    const b = results[results.length - 1]!;
    const linearity = (name: PhaseName): string => `${(b[name].ms / b.entries / (a[name].ms / a.entries)).toFixed(2)}`;
    console.log(
      `\nLinearity, time per entry at ${b.entries.toLocaleString('en')} over that at ${a.entries.toLocaleString('en')} (1.00 = linear): ${phases.map((name) => `${name} ${linearity(name)}`).join(', ')}.`,
    );
  }
  console.log('Targets at 1,000,000 entries: the first sync under 400 MB peak RSS in every run; time and memory linear in N (100k, 1M, 2M); the no-op timed.');
  console.log(
    `Linear: the cost per entry at a larger N at most ${LINEAR_TARGET}× that at a smaller one (time per entry; peak memory added per further entry).\n`,
  );
  printScaleGoals(sizes, results, allRuns, repeats);
}

/**
 * How far from linear a cost grows: the largest ratio of a per-entry cost at a larger N to that at
 * a smaller N (1 = linear; below 1 = the fixed costs of a small N weigh more; above = growth).
 */
function growth(perEntry: readonly number[]): number {
  let worst = 0;
  for (let larger = 1; larger < perEntry.length; larger++)
    for (let smaller = 0; smaller < larger; smaller++) worst = Math.max(worst, perEntry[larger]! / perEntry[smaller]!);
  return worst;
}
/** Growth allowed for "linear": the shared machine varies single phases more than this, medians less. */
const LINEAR_TARGET = 1.3;

/** The goal rows of bench/all.ts's summary (support/goal-rows.ts). */
function printScaleGoals(sizes: readonly number[], results: readonly ChildResult[], allRuns: ReadonlyMap<number, ChildResult[]>, repeats: number): void {
  const fullSizes = [100_000, 1_000_000, 2_000_000].every((n) => sizes.includes(n));
  // The size closest to a million stands for the goals at a million.
  const million = sizes.reduce((best, n) => (Math.abs(Math.log(n / 1e6)) < Math.abs(Math.log(best / 1e6)) ? n : best));
  const runs = allRuns.get(million)!;
  const entries = runs[0]!.entries.toLocaleString('en');
  const worst = Math.max(...runs.map((r) => r.first.peakMib));
  printGoal({
    id: 'scale-first-peak',
    goal: 'scale: first sync of 1M entries, peak RSS in every run',
    measured: `${worst.toFixed(0)} MiB (max of ${runs.length})`,
    target: `< 400 MB (${PEAK_TARGET_MIB.toFixed(0)} MiB)`,
    met: worst < PEAK_TARGET_MIB,
    size: `${entries} entries`,
    goalSize: million === 1_000_000,
    note: `runs: ${runs.map((r) => r.first.peakMib.toFixed(0)).join(', ')} MiB`,
  });
  const noop = results.find((r) => r.entries === runs[0]!.entries)!.noop;
  printGoal({
    id: 'scale-noop-time',
    goal: 'scale: no-op sync of 1M entries, timed',
    measured: `${(noop.ms / 1000).toFixed(2)} s, ${noop.peakMib.toFixed(0)} MiB`,
    target: 'timed',
    met: null,
    size: `${entries} entries`,
    goalSize: million === 1_000_000,
    note: `median of ${repeats}; ${((noop.ms * 1000) / runs[0]!.entries).toFixed(2)} µs per entry`,
  });
  const sizeList = results.map((r) => r.entries.toLocaleString('en')).join(' / ');
  for (const name of ['first', 'noop'] as const) {
    const perEntry = results.map((r) => (r[name].ms * 1000) / r.entries);
    const g = growth(perEntry);
    printGoal({
      id: `scale-${name}-time-linear`,
      goal: `scale: ${name === 'first' ? 'first sync' : 'no-op'} time linear in N (µs per entry at ${sizeList})`,
      measured: `${g.toFixed(2)}× (${perEntry.map((v) => v.toFixed(1)).join(' / ')} µs)`,
      target: `≤ ${LINEAR_TARGET}×`,
      met: results.length > 1 ? g <= LINEAR_TARGET : null,
      size: `${sizeList} entries`,
      goalSize: fullSizes,
      note: `medians of ${repeats}`,
    });
  }
  // Memory: the peak each further entry adds, step by step (the first size carries Node's own baseline).
  const added = results.slice(1).map((r, i) => ((r.first.peakMib - results[i]!.first.peakMib) * 2 ** 20) / (r.entries - results[i]!.entries));
  const g = growth(added);
  printGoal({
    id: 'scale-first-memory-linear',
    goal: `scale: first sync peak memory linear in N (bytes added per further entry, ${sizeList})`,
    measured:
      added.length > 1 ? `${g.toFixed(2)}× (${added.map((v) => v.toFixed(0)).join(' / ')} B)` : `${added.map((v) => v.toFixed(0)).join('')} B (one step)`,
    target: `≤ ${LINEAR_TARGET}×`,
    met: added.length > 1 ? g <= LINEAR_TARGET : null,
    size: `${sizeList} entries`,
    goalSize: fullSizes,
    note: `medians of ${repeats}${added.length > 1 ? '' : '; linearity needs three sizes or more'}`,
  });
}

const childSize = args.get('child');
if (childSize !== undefined) await child(Number(childSize));
else parent();
