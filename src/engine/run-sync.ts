/**
 * One run of upload, download or sync: open the pair, plan, execute, clean up. Each step is a file
 * of its own (open-pair.ts, plan-run.ts, execute-run.ts, run-writers.ts, clean-up-pyftpsync.ts).
 */
import { setMaxListeners } from 'node:events';
import type { SyncMode } from '../core/sync-options.js';
import { FerryError } from '../errors.js';
import type { StateStore } from '../state/state-store.js';
import { cleanUpPyftpsync } from './clean-up-pyftpsync.js';
import { EVENT_SCHEMA_VERSION, type RunSummary, type SyncEvent } from './events.js';
import { executeRun, serverLostError, type RunToExecute } from './execute-run.js';
import { loadPathFilter } from './load-path-filter.js';
import { openPair, type OpenedPair } from './open-pair.js';
import { planRun, type PlannedRun } from './plan-run.js';
import { countAsDone, emptyCounts, type ResultCounts } from './result-counts.js';
import { backupDirOf, bwlimitOf, validateRunOptions, type AnyRunOptions } from './run-options.js';
import { BandwidthLimit } from './bandwidth-limit.js';
import { RunWriters } from './run-writers.js';

export type { AnyRunOptions, OneWayOptions, RunOptions } from './run-options.js';
export { backupDirOf, bwlimitOf, maxDeleteOf } from './run-options.js';
export { checkDistinct } from './check-distinct.js';

/** What a run is doing, for the message of an interruption before anything was changed. */
type RunPhase = 'connecting' | 'scanning' | 'planning' | 'executing';

/**
 * Runs one upload, download or sync. Resolves to the run's totals (also when interrupted:
 * `interrupted` is then true). Throws a FerryError when the run cannot start (bad options,
 * missing folder, locked or unreadable state, unreachable server).
 */
export async function runSync(mode: SyncMode, options: AnyRunOptions): Promise<RunSummary> {
  const started = Date.now();
  validateRunOptions(mode, options);
  // Every in-flight transfer listens on the signal; dozens at once are expected, not a leak.
  if (options.signal) setMaxListeners(0, options.signal);
  const emit = (event: SyncEvent): void => options.onEvent?.(event);
  const dryRun = options.dryRun ?? false;
  const counts = emptyCounts();
  let phase: RunPhase = 'connecting';
  let pair: OpenedPair | undefined;
  try {
    pair = await openPair(mode, options, emit);
    emit({ type: 'start', schema: EVENT_SCHEMA_VERSION, mode, local: pair.local.displayName, remote: pair.remote.displayName, dryRun });
    phase = 'scanning';
    const store = await pair.state();
    const writers = dryRun ? undefined : await RunWriters.open(store, emit);
    const backupDir = backupDirOf(options);
    const filter = await loadPathFilter(options, pair.local, backupDir ? [backupDir] : [], started);
    const planned = await planRun({ mode, options, backends: pair, store, writers, filter, counts, emit, onScanned: () => (phase = 'planning') });
    // Interrupted while planning (or asking about conflicts): nothing was changed yet.
    options.signal?.throwIfAborted();
    if (dryRun) {
      countAsDone(counts, planned.plan);
    } else {
      phase = 'executing';
      await execute(planned, { options, store, writers, counts, emit, run: { filter, backupDir, startedMs: started } });
    }
  } catch (error) {
    // Interrupted before anything was changed (connecting, logging in, scanning, planning): the
    // failure the abort caused (a closed connection, an AbortError) is not the story.
    if (options.signal?.aborted && phase !== 'executing' && !(error instanceof FerryError && error.kind === 'interrupted')) {
      throw new FerryError('interrupted', `interrupted while ${phase}; nothing was changed`, { cause: error });
    }
    throw error;
  } finally {
    await pair?.close();
  }
  const summary: RunSummary = { mode, dryRun, ...counts, elapsedMs: Date.now() - started };
  emit({ type: 'summary', summary });
  return summary;
}

/** What {@link execute} works with besides the plan. */
interface ExecutionContext {
  readonly options: AnyRunOptions;
  readonly store: StateStore;
  readonly writers: RunWriters | undefined;
  readonly counts: ResultCounts;
  readonly emit: (event: SyncEvent) => void;
  readonly run: Pick<RunToExecute, 'filter' | 'backupDir' | 'startedMs'>;
}

/** Executes a plan, saves the state, then cleans up: the writers list, pyftpsync's files. */
async function execute(planned: PlannedRun, context: ExecutionContext): Promise<void> {
  const { options, store, counts, emit } = context;
  const rate = bwlimitOf(options);
  const bandwidth = rate !== undefined ? new BandwidthLimit(rate) : undefined;
  const resume = context.writers?.resumeContext();
  const outcome = await executeRun({ ...planned, ...context.run, store, counts, emit, signal: options.signal, bandwidth, resume });
  if (options.signal?.aborted) counts.interrupted = true;
  await store.save();
  // A run without errors left no temporary file: this process need not stay listed. Kept parts no
  // copy continued go, unless the run stopped before it could reach them.
  const ranToEnd = !counts.interrupted && outcome.serverLost === undefined;
  await context.writers?.finish(counts.errors === 0 && ranToEnd, planned.backends, ranToEnd);
  if (outcome.serverLost !== undefined && !counts.interrupted) throw serverLostError(outcome.serverLost, counts.filesCopied);
  if (options.removePyftpsyncMeta) await cleanUpPyftpsync(planned.backends, planned.kept!, counts.errors === 0 && !counts.interrupted, emit);
}
