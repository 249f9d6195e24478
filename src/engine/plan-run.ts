/**
 * The planning step of a batch run: scan both sides, remove dead runs' temporary files, seed the
 * state from pyftpsync when ferry never synced the pair, then the planning pipeline (plan-pair.ts)
 * with the run's brakes.
 */
import type { Backend } from '../backends/backend.js';
import type { PathFilter } from '../core/path-filter.js';
import type { Plan } from '../core/plan.js';
import type { Side } from '../core/side.js';
import type { Snapshot } from '../core/snapshot.js';
import type { SyncMode } from '../core/sync-options.js';
import type { StateStore } from '../state/state-store.js';
import type { SyncEvent } from './events.js';
import { planPair } from './plan-pair.js';
import { countPlanned, type ResultCounts } from './result-counts.js';
import { runBrakes } from './run-brakes.js';
import { caseModeOf, reconcileOptionsOf, type AnyRunOptions } from './run-options.js';
import type { RunWriters } from './run-writers.js';
import { describeSkippedLinks, scanPair } from './scan-pair.js';
import { seedState } from './seed-state.js';
import { spelledPair } from './spelled-backend.js';

/** Input of {@link planRun}. */
export interface RunToPlan {
  readonly mode: SyncMode;
  readonly options: AnyRunOptions;
  readonly backends: Readonly<Record<Side, Backend>>;
  readonly store: StateStore;
  /** Undefined in a dry run (which removes nothing) or when the list cannot be written. */
  readonly writers: RunWriters | undefined;
  readonly filter: PathFilter;
  /** Scan problems and the plan's conflicts and skips are counted here. */
  readonly counts: ResultCounts;
  /** Called once both sides are scanned (the run is planning from then on). */
  readonly onScanned: () => void;
  readonly emit: (event: SyncEvent) => void;
}

/** A batch run's plan, and what executing it needs. */
export interface PlannedRun {
  readonly plan: Plan;
  readonly copyBytes: number;
  /** Both sides, each reached under its own spelling of the names. */
  readonly backends: Readonly<Record<Side, Backend>>;
  /** The snapshots, kept only when the pyftpsync files are to be removed after the run. */
  readonly kept?: { readonly local: Snapshot; readonly remote: Snapshot };
}

/**
 * Scans and plans a run; the plan's events are emitted and `beforeExecute` has seen it. Throws a
 * SafetyError when a brake refuses. Its own function: a huge tree's snapshots and decisions die
 * with it rather than living on through the execution.
 */
export async function planRun(input: RunToPlan): Promise<PlannedRun> {
  const { mode, options, store, counts, emit } = input;
  const signal = options.signal;
  const scanned = await scanPair({ backends: input.backends, filter: input.filter, index: store.paths, emit, signal });
  counts.errors += scanned.problems;
  input.onScanned();
  const complete = scanned.local.unreadable.size + scanned.remote.unreadable.size === 0;
  await input.writers?.removeLeftovers(input.backends, scanned.temps, complete, signal);
  // From here on paths are keys (NFC); each side is reached under its own spelling of them.
  const backends = spelledPair(input.backends, scanned);
  const links = describeSkippedLinks(scanned.skippedLinks, options.links);
  if (links !== undefined) emit({ type: 'warning', message: links });
  const state = await seedState({ store, backends, local: scanned.local, remote: scanned.remote, dryRun: options.dryRun ?? false, emit, signal });
  const reconcile = reconcileOptionsOf(mode, options, backends);
  const { plan, copyBytes, local, remote } = await planPair({
    backends,
    local: scanned.local,
    remote: scanned.remote,
    state,
    filter: input.filter,
    reconcile,
    resolve: options.resolve ?? 'skip',
    ask: options.ask,
    warnWithoutAsk: true,
    caseMode: caseModeOf(options, backends),
    // Unset: ferry compares contents on its own when every file changed only its time and that
    // costs no transfer; an explicit --compare time (or --force) keeps the brake.
    compare: options.compare ?? (options.force ? 'time' : 'auto'),
    brakes: runBrakes(options, reconcile.timeWindowMs),
    // A dry run shows the plan it refuses, so the user sees what the brake stopped.
    showRefused: options.dryRun ?? false,
    emit,
    signal,
  });
  await options.beforeExecute?.(plan);
  countPlanned(counts, plan);
  return { plan, copyBytes, backends, kept: options.removePyftpsyncMeta ? { local, remote } : undefined };
}
