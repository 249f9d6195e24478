/**
 * The step of a run between conflict resolution and planning: case collisions become conflicts,
 * renames are paired (detect-moves.ts) and big ones confirmed by content (confirm-moves.ts).
 */
import type { Backend } from '../backends/backend.js';
import { markCaseCollisions } from '../core/case-collisions.js';
import type { Decision } from '../core/decision.js';
import { detectChange } from '../core/detect-change.js';
import { detectMoves, type PlannedMove } from '../core/detect-moves.js';
import type { RelPath } from '../core/rel-path.js';
import type { Side } from '../core/side.js';
import type { Snapshot } from '../core/snapshot.js';
import type { SyncState } from '../core/sync-state.js';
import { refutedMoves } from './confirm-moves.js';

/** Input of {@link planMoves}. */
export interface PlanMovesInput {
  readonly decisions: readonly Decision[];
  readonly local: Snapshot;
  readonly remote: Snapshot;
  readonly state: SyncState;
  /** Spelling groups `--case` left unsettled (case-collisions.ts). */
  readonly collisions: readonly RelPath[][];
  /** Renames `--case` settled on. */
  readonly caseRenames: readonly PlannedMove[];
  readonly backends: Readonly<Record<Side, Backend>>;
  readonly signal?: AbortSignal;
}

/** The decisions left for buildPlan, and every move to run. */
export async function planMoves(input: PlanMovesInput): Promise<{ decisions: Decision[]; moves: PlannedMove[] }> {
  const { local, remote, state } = input;
  const factsOf = (path: RelPath) => ({
    local: detectChange(local.entries.get(path), state.get(path)?.local),
    remote: detectChange(remote.entries.get(path), state.get(path)?.remote),
  });
  // NFC and NFD twins in one folder (scan-tree.ts) are conflicts, never resolved by a strategy.
  const twins = [...new Set([...(local.twins ?? []), ...(remote.twins ?? [])])].map((path) => [path]);
  const marked = markCaseCollisions(markCaseCollisions(input.decisions, input.collisions, factsOf), twins, factsOf, 'unicode-twins');
  let paired = detectMoves({ decisions: marked, local, remote, state });
  const concurrency = Math.min(input.backends.local.capabilities.maxConcurrency, input.backends.remote.capabilities.maxConcurrency);
  const refuse = await refutedMoves(paired.moves, input.backends, { concurrency, signal: input.signal });
  if (refuse.size > 0) paired = detectMoves({ decisions: marked, local, remote, state, refuse });
  return { decisions: paired.decisions, moves: [...input.caseRenames, ...paired.moves] };
}
