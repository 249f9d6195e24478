/**
 * The plan: the actions a run will take, as plain JSON-serialisable data. Dry-run prints it, the
 * executor runs it, tests assert on it. Pure.
 */
import type { Decision } from './decision.js';
import type { PlannedMove } from './detect-moves.js';
import { DIR_ENTRY, fingerprintOf } from './entry.js';
import { compactPlan, planActions } from './plan-actions.js';
import { PLAN_PHASES, type Action, type Plan, type PlannedConflict, type PlannedSkip, type PlanPhase } from './plan-data.js';
import { RecordActions } from './record-actions.js';
import { ancestorsOf, comparePaths, isInside, type RelPath } from './rel-path.js';
import { assertNever, otherSide, type Side } from './side.js';
import type { Snapshot } from './snapshot.js';
import type { SyncMode } from './sync-options.js';
import type { SyncState } from './sync-state.js';

export { PLAN_PHASES } from './plan-data.js';
export type { Action, Plan, PlannedConflict, PlannedSkip, PlanPhase } from './plan-data.js';

/** Input of {@link buildPlan}. */
export interface BuildPlanInput {
  readonly mode: SyncMode;
  readonly decisions: readonly Decision[];
  readonly local: Snapshot;
  readonly remote: Snapshot;
  readonly state: SyncState;
  /** Renames found by {@link detectMoves} (their paths have no decisions left). */
  readonly moves?: readonly PlannedMove[];
}

/**
 * Turns decisions (conflicts already resolved or left) into an ordered plan. The record phase is
 * kept compact until the plan's `actions` are first read (plan-actions.ts).
 */
export function buildPlan(input: BuildPlanInput): Plan {
  const snapshots = { local: input.local, remote: input.remote };
  /** Every phase but the last. */
  const actions: Action[] = [];
  /** The record phase: a first sync records every path. */
  const records = new RecordActions(input.decisions.length);
  const conflicts: PlannedConflict[] = [];
  const skipped: PlannedSkip[] = [];
  /** Folders removed in the clear phase to make room for a file, per side. */
  const clearedDirs: { side: Side; path: RelPath }[] = [];

  for (const decision of input.decisions) {
    const path = decision.path;
    switch (decision.type) {
      case 'noop':
        break;
      case 'skip':
        skipped.push({ path, reason: decision.reason });
        break;
      case 'conflict': {
        const record = input.state.get(path);
        conflicts.push({
          path,
          conflict: decision.conflict,
          local: input.local.entries.get(path) ?? null,
          remote: input.remote.entries.get(path) ?? null,
          recorded: record ? { local: record.local, remote: record.remote } : null,
        });
        break;
      }
      case 'adopt': {
        const local = input.local.entries.get(path);
        const remote = input.remote.entries.get(path);
        if (local && remote) records.addRecord(path, fingerprintOf(local), fingerprintOf(remote));
        break;
      }
      case 'forget':
        if (input.state.has(path)) records.addForget(path);
        break;
      case 'copy': {
        const from = decision.from;
        const to = otherSide(from);
        const source = snapshots[from].entries.get(path);
        const target = snapshots[to].entries.get(path);
        const conflict = decision.conflict ? { conflict: decision.conflict } : {};
        if (source === undefined) break;
        if (source.kind === 'dir') {
          if (target?.kind === 'file') actions.push({ kind: 'delete', phase: 'clear', side: to, path, expect: target, reason: 'replaced' });
          if (target?.kind === 'dir') {
            records.addRecord(path, DIR_ENTRY, DIR_ENTRY);
          } else {
            actions.push({ kind: 'mkdir', phase: 'mkdir', side: to, path, reason: decision.reason, ...conflict });
          }
          break;
        }
        if (decision.keepLoserAs !== undefined && target?.kind === 'file') {
          // Both versions survive: the loser moves aside on its side, then each side gets the other's.
          const copyPath = decision.keepLoserAs;
          actions.push({ kind: 'conflict-copy', phase: 'clear', side: to, path, copyPath, expect: target, ...conflict });
          actions.push({ kind: 'copy', phase: 'copy', from, to, path, source, expect: null, reason: decision.reason, ...conflict });
          actions.push({ kind: 'copy', phase: 'copy', from: to, to: from, path: copyPath, source: target, expect: null, reason: 'conflict-copy' });
          break;
        }
        if (target?.kind === 'dir') {
          clearedDirs.push({ side: to, path });
          actions.push({ kind: 'rmdir', phase: 'clear', side: to, path, reason: 'replaced' });
        }
        actions.push({
          kind: 'copy',
          phase: 'copy',
          from,
          to,
          path,
          source,
          expect: target?.kind === 'file' ? target : null,
          reason: decision.reason,
          ...conflict,
        });
        break;
      }
      case 'delete': {
        const entry = snapshots[decision.side].entries.get(path);
        const conflict = decision.conflict ? { conflict: decision.conflict } : {};
        if (entry?.kind === 'file') {
          actions.push({ kind: 'delete', phase: 'delete', side: decision.side, path, expect: entry, reason: decision.reason, ...conflict });
        } else if (entry?.kind === 'dir') {
          actions.push({ kind: 'rmdir', phase: 'rmdir', side: decision.side, path, reason: decision.reason, ...conflict });
        } else if (input.state.has(path)) {
          records.addForget(path);
        }
        break;
      }
      default:
        assertNever(decision);
    }
  }

  // Changed in place rather than copied: a first sync of a huge tree plans a million actions.
  if (clearedDirs.length > 0) {
    actions.forEach((action, index) => {
      if ((action.kind === 'delete' || action.kind === 'rmdir') && action.phase !== 'clear') {
        if (clearedDirs.some((dir) => dir.side === action.side && isInside(action.path, dir.path))) {
          actions[index] = { ...action, phase: 'clear' } as Action;
        }
      }
    });
  }
  for (const move of input.moves ?? []) {
    actions.push({
      kind: 'move',
      phase: 'move',
      side: move.side,
      path: move.to,
      oldPath: move.from,
      source: move.source,
      expect: move.expect,
      contents: move.contents,
      reason: move.reason ?? 'moved',
    });
  }
  for (const parent of missingParents(actions, snapshots)) actions.push(parent);
  // The record phase comes last: the other phases are ordered as ever, the records by path.
  records.sortByPath();
  if (records.length === 0) return { mode: input.mode, actions: orderActions(actions), conflicts, skipped };
  return compactPlan({ mode: input.mode, conflicts, skipped }, orderActions(actions), records);
}

/** mkdir actions for folders that a copy or mkdir needs on its target side but nobody creates. */
function missingParents(actions: readonly Action[], snapshots: Record<Side, Snapshot>): Action[] {
  const created = new Set<string>();
  for (const action of actions) if (action.kind === 'mkdir') created.add(`${action.side}:${action.path}`);
  const added: Action[] = [];
  for (const action of actions) {
    const side = action.kind === 'copy' ? action.to : action.kind === 'mkdir' || action.kind === 'move' ? action.side : undefined;
    if (side === undefined) continue;
    for (const dir of ancestorsOf(action.path)) {
      const key = `${side}:${dir}`;
      if (created.has(key) || snapshots[side].entries.get(dir)?.kind === 'dir') continue;
      created.add(key);
      added.push({ kind: 'mkdir', phase: 'mkdir', side, path: dir, reason: 'parent' });
    }
  }
  return added;
}

const phaseRank = new Map<PlanPhase, number>(PLAN_PHASES.map((phase, index) => [phase, index]));

/** Orders by phase; inside a phase by path, except removals of folders which go deepest first. */
function orderActions(actions: Action[]): Action[] {
  const removesFolder = (action: Action): boolean => action.kind === 'rmdir';
  return actions.sort((a, b) => {
    const byPhase = phaseRank.get(a.phase)! - phaseRank.get(b.phase)!;
    if (byPhase !== 0) return byPhase;
    // In the clear phase, files go before folders so folders are empty when removed.
    if (removesFolder(a) !== removesFolder(b)) return removesFolder(a) ? 1 : -1;
    const byPath = comparePaths(a.path, b.path);
    return removesFolder(a) ? -byPath : byPath;
  });
}

/** Counts of a plan, for summaries. */
export function countPlan(plan: Plan): Record<Action['kind'], number> {
  const counts = { mkdir: 0, move: 0, copy: 0, delete: 0, rmdir: 0, 'conflict-copy': 0, record: 0, forget: 0 };
  for (const action of planActions(plan)) counts[action.kind]++;
  return counts;
}
