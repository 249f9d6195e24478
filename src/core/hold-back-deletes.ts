/**
 * Deletions held back where a listing was incomplete. A folder whose listing had entries ferry
 * refused (an unsafe name, two names that are one after Unicode normalisation) is not known
 * completely: what looks missing may be what was refused. In that run nothing in it is deleted on
 * either side, neither it nor a folder above it is removed, and it is not mirrored with
 * `--delete`. Pure.
 */
import type { Decision } from './decision.js';
import { ancestorsOf, parentOf, type RelPath } from './rel-path.js';
import type { Side } from './side.js';
import type { Snapshot } from './snapshot.js';

/** A folder that held back deletions, and the side whose listing of it was incomplete. */
export interface HeldBackFolder {
  readonly folder: RelPath;
  readonly side: Side;
  /** Deletions it held back (files and folders). */
  readonly deletions: number;
}

/** The decisions with held-back deletions turned into `incomplete-listing` skips, and why. */
export interface HoldBackResult {
  readonly decisions: Decision[];
  /** Each incomplete folder that held back at least one deletion, in the order of its first. */
  readonly folders: HeldBackFolder[];
}

/**
 * Turns each `delete` decision in, of, or above an incomplete folder (of either side) into a skip.
 * Decisions are returned unchanged (the same array) when no listing was incomplete.
 */
export function holdBackDeletes(decisions: readonly Decision[], snapshots: { readonly local: Snapshot; readonly remote: Snapshot }): HoldBackResult {
  const incomplete = new Map<RelPath, Side>();
  for (const side of ['local', 'remote'] as const) {
    for (const folder of snapshots[side].incomplete ?? []) if (!incomplete.has(folder)) incomplete.set(folder, side);
  }
  if (incomplete.size === 0) return { decisions: decisions as Decision[], folders: [] };
  // A folder above an incomplete one cannot be removed either: its removal would take the
  // refused entries with it.
  const above = new Map<RelPath, RelPath>();
  for (const folder of incomplete.keys()) for (const dir of ancestorsOf(folder)) if (!above.has(dir)) above.set(dir, folder);
  const counts = new Map<RelPath, number>();
  const result = decisions.map((decision): Decision => {
    if (decision.type !== 'delete') return decision;
    const parent = parentOf(decision.path);
    const holder = incomplete.has(parent) ? parent : incomplete.has(decision.path) ? decision.path : above.get(decision.path);
    if (holder === undefined) return decision;
    counts.set(holder, (counts.get(holder) ?? 0) + 1);
    return { type: 'skip', path: decision.path, reason: 'incomplete-listing' };
  });
  return { decisions: result, folders: [...counts].map(([folder, deletions]) => ({ folder, side: incomplete.get(folder)!, deletions })) };
}

/** The one output line for a folder that held back deletions. */
export function describeHeldBack(held: HeldBackFolder): string {
  const where = held.folder === '' ? 'the root folder' : `folder ${held.folder}`;
  return `${held.deletions === 1 ? '1 deletion' : `${held.deletions} deletions`} in ${where} held back: its ${held.side} listing had entries ferry refused or left alone (see above), so it is not mirrored this run`;
}
