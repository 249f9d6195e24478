/**
 * Names that differ only in case (`A.txt`, `a.txt`): one file on a case-insensitive side, two on a
 * case-sensitive one. Found before reconciliation and settled by pyftpsync's `--case`. Pure.
 *
 * - `strict`: every spelling of a colliding name (and everything below it) is left alone on both
 *   sides and reported as a `case-collision` conflict.
 * - `local` / `remote`: where each side has exactly one spelling, that side's spelling wins: the
 *   other side's entry is renamed to it (a `move` action) and then synced as the same path. Where
 *   a side has two spellings of one name, or the rename would change the source of a one-way run,
 *   the collision is reported as with `strict`.
 */
import type { ConflictInfo, Decision } from './decision.js';
import type { PlannedMove } from './detect-moves.js';
import type { Entry } from './entry.js';
import { comparePaths, depthOf, isInside, joinPaths, pathBelow, type RelPath } from './rel-path.js';
import { otherSide, type Side } from './side.js';
import type { Snapshot } from './snapshot.js';
import { sourceSideOf } from './reconcile.js';
import type { SyncMode } from './sync-options.js';
import type { SyncState } from './sync-state.js';

/** pyftpsync's `--case` values. */
export type CaseMode = 'strict' | 'local' | 'remote';

/** Input of {@link settleCaseSpellings}. */
export interface CaseInput {
  readonly local: Snapshot;
  readonly remote: Snapshot;
  readonly state: SyncState;
  readonly caseMode: CaseMode;
  readonly mode: SyncMode;
}

/** Snapshots and state with the losing spellings renamed, the renames, and what stays a collision. */
export interface CaseResult {
  readonly local: Snapshot;
  readonly remote: Snapshot;
  readonly state: SyncState;
  readonly renames: PlannedMove[];
  /** Each group of spellings left alone (sorted). */
  readonly collisions: RelPath[][];
}

const fold = (path: RelPath): string => path.toLowerCase();

/** Groups of two or more spellings of one name, across both sides, shallowest first. */
export function findCaseCollisions(local: Snapshot, remote: Snapshot): RelPath[][] {
  const groups = new Map<string, Set<RelPath>>();
  for (const snapshot of [local, remote]) {
    for (const path of snapshot.entries.keys()) {
      const key = fold(path);
      const group = groups.get(key) ?? new Set<RelPath>();
      group.add(path);
      groups.set(key, group);
    }
  }
  return [...groups.values()]
    .filter((group) => group.size > 1)
    .map((group) => [...group].sort(comparePaths))
    .sort((a, b) => depthOf(a[0]!) - depthOf(b[0]!) || comparePaths(a[0]!, b[0]!));
}

function rekey<T>(map: ReadonlyMap<RelPath, T>, from: RelPath, to: RelPath): Map<RelPath, T> {
  const result = new Map<RelPath, T>();
  for (const [path, value] of map) {
    const moved = path === from ? to : isInside(path, from) ? joinPaths(to, pathBelow(path, from)) : path;
    result.set(moved, value);
  }
  return result;
}

/**
 * Applies `--case`: renames the losing spellings (in the returned snapshots and state, and as
 * moves to run) and returns the collisions that remain. Collisions below a renamed folder are
 * reported, not renamed (a second rename inside the first could not be re-checked).
 */
export function settleCaseSpellings(input: CaseInput): CaseResult {
  let local = input.local;
  let remote = input.remote;
  let state = input.state;
  const renames: PlannedMove[] = [];
  const first = findCaseCollisions(local, remote);
  if (first.length === 0) return { local, remote, state, renames, collisions: [] };
  if (input.caseMode !== 'strict') {
    const winner: Side = input.caseMode;
    const loser = otherSide(winner);
    const handled: RelPath[] = [];
    for (const group of first) {
      if (group.some((path) => handled.some((dir) => isInside(path, dir)))) continue;
      const winners = group.filter((path) => (winner === 'local' ? local : remote).entries.has(path));
      const losers = group.filter((path) => (loser === 'local' ? local : remote).entries.has(path));
      if (winners.length !== 1 || losers.length !== 1 || winners[0] === losers[0]) continue;
      // A one-way run never changes its source.
      if (input.mode !== 'sync' && loser === sourceSideOf(input.mode)) continue;
      const to = winners[0]!;
      const from = losers[0]!;
      const loserSnapshot = loser === 'local' ? local : remote;
      const expect = loserSnapshot.entries.get(from)!;
      const source: Entry = (winner === 'local' ? local : remote).entries.get(to)!;
      const contents = [...loserSnapshot.entries]
        .filter(([path]) => isInside(path, from))
        .map(([path, entry]) => ({ suffix: pathBelow(path, from), source: entry, expect: entry }))
        .sort((a, b) => comparePaths(a.suffix, b.suffix));
      renames.push({ side: loser, from, to, source, expect, contents });
      handled.push(from, to);
      const unreadable = new Map([...loserSnapshot.unreadable].map((path): [RelPath, true] => [path, true]));
      const moved: Snapshot = { ...loserSnapshot, entries: rekey(loserSnapshot.entries, from, to), unreadable: new Set(rekey(unreadable, from, to).keys()) };
      if (loser === 'local') local = moved;
      else remote = moved;
      // Records kept under the losing spelling belong to the winning one now (those already kept
      // under the winning spelling take precedence).
      const records = rekey(state, from, to);
      for (const [path, record] of state) if (path === to || isInside(path, to)) records.set(path, record);
      state = records;
    }
  }
  return { local, remote, state, renames, collisions: findCaseCollisions(local, remote) };
}

/**
 * Turns the decisions of colliding paths into `case-collision` conflicts (or `reason`: also used
 * for `unicode-twins`), and those of paths below them into `parent-conflict` skips: nothing is
 * written through a collision.
 */
export function markCaseCollisions(
  decisions: readonly Decision[],
  collisions: readonly RelPath[][],
  factsOf: (path: RelPath) => Omit<ConflictInfo, 'reason'>,
  reason: 'case-collision' | 'unicode-twins' = 'case-collision',
): Decision[] {
  if (collisions.length === 0) return decisions as Decision[];
  const colliding = new Set(collisions.flat());
  const below = (path: RelPath): boolean => [...colliding].some((dir) => isInside(path, dir));
  const result: Decision[] = [];
  for (const decision of decisions) {
    if (colliding.has(decision.path)) {
      result.push({ type: 'conflict', path: decision.path, conflict: { ...factsOf(decision.path), reason } });
    } else if (below(decision.path)) {
      result.push({ type: 'skip', path: decision.path, reason: 'parent-conflict' });
    } else {
      result.push(decision);
    }
  }
  return result;
}
