/**
 * The planning pipeline of a pair, one for batch runs (run-sync.ts) and watch passes
 * (watch/run-pass.ts): settle case → reconcile → content comparison → resolve conflicts → hold
 * back deletions → moves → plan → brakes → planned events. What is scanned, and what the brakes
 * are, is the caller's; everything between is decided here, the same way for both.
 */
import type { Backend } from '../backends/backend.js';
import { settleCaseSpellings, type CaseMode } from '../core/case-collisions.js';
import { describeRefusal, type SafetyRefusal } from '../core/check-plan-safety.js';
import type { CompareMethod } from '../core/content-compare.js';
import type { PlannedMove } from '../core/detect-moves.js';
import { describeHeldBack, holdBackDeletes } from '../core/hold-back-deletes.js';
import type { PathFilter } from '../core/path-filter.js';
import { buildPlan, type Plan } from '../core/plan.js';
import { planActions } from '../core/plan-actions.js';
import { reconcile } from '../core/reconcile.js';
import type { RelPath } from '../core/rel-path.js';
import { resolveConflicts, type ConflictResolver } from '../core/resolve-conflicts.js';
import type { Side } from '../core/side.js';
import type { Snapshot } from '../core/snapshot.js';
import type { ReconcileOptions, ResolveStrategy } from '../core/sync-options.js';
import type { SyncState } from '../core/sync-state.js';
import { SafetyError } from '../errors.js';
import { adoptEqualByContent } from './adopt-equal-by-content.js';
import { compareOnClockShift } from './compare-on-clock-shift.js';
import { plannedEvent, type SyncEvent } from './events.js';
import { planMoves } from './plan-moves.js';
import { withFileReader } from './read-prefix.js';

/** A plan with what it was made from, for the brakes. */
export interface PlannedPair {
  readonly plan: Plan;
  /** The snapshots after `--case` settled spellings. */
  readonly local: Snapshot;
  readonly remote: Snapshot;
  /** The state the plan was made against (after `--case` settled spellings). */
  readonly state: SyncState;
  /** Paths whose contents were compared (their time change is known to be an edit or not). */
  readonly contentCompared?: ReadonlySet<RelPath>;
}

/** Input of {@link planPair}. */
export interface PairToPlan {
  /** Both sides, each reached under its own spelling of the names (spelled-backend.ts). */
  readonly backends: Readonly<Record<Side, Backend>>;
  readonly local: Snapshot;
  readonly remote: Snapshot;
  /** The state of the last sync (of the scanned part). */
  readonly state: SyncState;
  readonly filter: PathFilter;
  readonly reconcile: ReconcileOptions;
  /** `ask` without {@link ask} skips (with a warning when {@link warnWithoutAsk}). */
  readonly resolve: ResolveStrategy;
  readonly ask?: ConflictResolver;
  /** Say so when `ask` has nobody to ask (once per run: a watch's passes do not repeat it). */
  readonly warnWithoutAsk?: boolean;
  /** `--case`, or `strict` when a side is case-insensitive; undefined: no check. */
  readonly caseMode?: CaseMode;
  /**
   * `checksum`: compare same-sized files whose times differ by content; `time`: never; `auto`:
   * only when every file on a side changed only its time and comparing costs no transfer.
   */
  readonly compare: CompareMethod | 'auto';
  /** The brakes: a refusal stops the run before anything is changed. */
  readonly brakes: (planned: PlannedPair) => SafetyRefusal | undefined | Promise<SafetyRefusal | undefined>;
  /** Emit the planned events of a plan the brakes refuse too (a dry run shows what they stopped). */
  readonly showRefused: boolean;
  /** Called once the brakes let the plan through, before its planned events. */
  readonly onAccepted?: (plan: Plan) => void;
  readonly emit: (event: SyncEvent) => void;
  readonly signal?: AbortSignal;
}

/** What {@link planPair} made. */
export interface PairPlan extends PlannedPair {
  /** Bytes the plan's copies carry (for the progress of the run). */
  readonly copyBytes: number;
}

/**
 * Plans a scanned pair and emits the plan's events. Throws a SafetyError when the brakes refuse
 * (after emitting the plan when `showRefused`).
 */
export async function planPair(input: PairToPlan): Promise<PairPlan> {
  const { backends, emit, signal } = input;
  const { mode, timeWindowMs } = input.reconcile;
  let { local, remote, state } = input;
  // Names that differ only in case are settled or reported before anything is decided, so no
  // transfer writes through a collision.
  let caseRenames: PlannedMove[] = [];
  let collisions: RelPath[][] = [];
  if (input.caseMode) {
    const settled = settleCaseSpellings({ local, remote, state, caseMode: input.caseMode, mode });
    ({ renames: caseRenames, collisions, state, local, remote } = settled);
  }
  let decisions = reconcile({ local, remote, state, filter: input.filter, options: input.reconcile });
  let contentCompared: ReadonlySet<RelPath> | undefined;
  const compareByContent =
    input.compare === 'checksum' ||
    (input.compare === 'auto' && (await compareOnClockShift({ mode, decisions, local, remote, state, timeWindowMs, backends, emit, signal })));
  if (compareByContent) {
    ({ decisions, compared: contentCompared } = await adoptEqualByContent(decisions, backends, local, remote, emit, signal));
  }
  let strategy = input.resolve;
  if (strategy === 'ask' && !input.ask) {
    if (input.warnWithoutAsk)
      emit({ type: 'warning', message: "no terminal to ask on: conflicts are skipped (`resolve: 'ask'` needs an interactive terminal)" });
    strategy = 'skip';
  }
  const settledState = state;
  const resolved = await resolveConflicts(decisions, {
    mode,
    strategy,
    force: input.reconcile.force,
    delete: input.reconcile.delete,
    timeWindowMs,
    local,
    remote,
    // The questions can show a diff or the first differing byte: they read both files.
    ask: input.ask ? withFileReader(input.ask, backends) : undefined,
    // ... and what both sides held at the last sync.
    recorded: (path) => settledState.get(path),
  });
  // A folder whose listing had refused entries is never mirrored: its deletions wait.
  const held = holdBackDeletes(resolved, { local, remote });
  for (const folder of held.folders) emit({ type: 'warning', message: describeHeldBack(folder) });
  const paired = await planMoves({ decisions: held.decisions, local, remote, state, collisions, caseRenames, backends, signal });
  const plan = buildPlan({ mode, decisions: paired.decisions, moves: paired.moves, local, remote, state });
  const planned: PlannedPair = { plan, local, remote, state, contentCompared };
  const refusal = await input.brakes(planned);
  if (!refusal) input.onAccepted?.(plan);
  const copyBytes = !refusal || input.showRefused ? emitPlan(plan, emit) : 0;
  if (refusal) throw new SafetyError(refusal, describeRefusal(refusal, { local: backends.local.displayName, remote: backends.remote.displayName }));
  return { ...planned, copyBytes };
}

/** Emits the plan's actions, conflicts and skips; returns the bytes its copies carry. */
function emitPlan(plan: Plan, emit: (event: SyncEvent) => void): number {
  let copyBytes = 0;
  // The actions are made one at a time (plan-actions.ts): a huge plan's array is never made
  // unless someone reads it.
  for (const action of planActions(plan)) {
    if (action.kind === 'copy') copyBytes += action.source.size;
    emit(plannedEvent(action));
  }
  for (const conflict of plan.conflicts) emit({ type: 'conflict', conflict });
  for (const skip of plan.skipped) emit({ type: 'skipped', skip });
  return copyBytes;
}
