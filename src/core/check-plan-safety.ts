/**
 * Safety brakes: plans that are legal by the tables but far more likely a mistake than a wish.
 * Pure.
 */
import type { Plan } from './plan.js';
import { otherSide, type Side } from './side.js';
import type { Snapshot } from './snapshot.js';
import type { SyncState } from './sync-state.js';

/** Why a plan is refused. */
export interface SafetyRefusal {
  readonly reason: 'empty-side';
  /** The side that lists as empty. */
  readonly side: Side;
  /** How many paths the state recorded on that side. */
  readonly recorded: number;
  /** How many deletions the plan would make on the other side. */
  readonly deletions: number;
}

/** Input of {@link checkPlanSafety}. */
export interface SafetyInput {
  readonly plan: Plan;
  readonly local: Snapshot;
  readonly remote: Snapshot;
  readonly state: SyncState;
  /** The user confirmed that an empty side is meant (`--allow-empty`). */
  readonly allowEmptySide: boolean;
}

/**
 * Refuses a plan that would delete on one side because the other side's root lists as empty while
 * the last sync recorded files there: an unmounted disk, a wrong path or a server that lists an
 * unreadable folder as empty looks exactly like that.
 */
export function checkPlanSafety(input: SafetyInput): SafetyRefusal | undefined {
  if (input.allowEmptySide || input.state.size === 0) return undefined;
  for (const side of ['local', 'remote'] as const) {
    const snapshot = input[side];
    if (snapshot.entries.size > 0 || snapshot.unreadable.size > 0) continue;
    const other = otherSide(side);
    const deletions = input.plan.actions.filter(
      (action) => (action.kind === 'delete' || action.kind === 'rmdir') && action.side === other,
    ).length;
    if (deletions > 0) return { reason: 'empty-side', side, recorded: input.state.size, deletions };
  }
  return undefined;
}
