/**
 * What reconciliation decides for each path, before conflicts are resolved and actions planned.
 */
import type { SideChange } from './detect-change.js';
import type { RelPath } from './rel-path.js';
import type { Side } from './side.js';

/**
 * Why a path is copied. `source-newer`: a one-way mode's very first run over the pair (no state at
 * all) found a different file on the target, older than the source's (docs/sync-matrix.md).
 */
export type CopyReason = 'new' | 'modified' | 'type-changed' | 'restore' | 'forced' | 'source-newer' | 'conflict-resolved' | 'conflict-copy';
/** Why a path is deleted. */
export type DeleteReason = 'deleted' | 'extra' | 'unmatched' | 'conflict-resolved';
/** Why a one-sided change is not propagated by this run. */
/** `parent-conflict`: its folder is a file on the target side, in conflict; it waits for that. */
/** `incomplete-listing`: a deletion in a folder whose listing had refused entries (hold-back-deletes.ts). */
export type SkipReason = 'target-changed' | 'source-deleted' | 'target-extra' | 'unreadable' | 'parent-conflict' | 'incomplete-listing';
/** Why a path is a conflict. */
export type ConflictReason =
  | 'both-modified'
  | 'both-created'
  | 'deleted-vs-modified'
  | 'type-changed'
  | 'folder-deleted-contents-changed'
  | 'changed-during-sync'
  /** Names that differ only in case (one file on a case-insensitive side): left alone (`--case`). */
  | 'case-collision'
  /** Two names in one folder that are one after Unicode normalisation (NFC and NFD): left alone. */
  | 'unicode-twins';

/** How a conflict was settled; `undefined` while unresolved. */
export type ConflictWinner = Side;

/** The decision for one path. */
export type Decision =
  | { readonly type: 'noop'; readonly path: RelPath }
  | {
      readonly type: 'copy';
      readonly path: RelPath;
      readonly from: Side;
      readonly reason: CopyReason;
      readonly conflict?: ConflictInfo;
      /** keep-both: the other side's version is first renamed to this path, then copied across. */
      readonly keepLoserAs?: RelPath;
    }
  | { readonly type: 'delete'; readonly path: RelPath; readonly side: Side; readonly reason: DeleteReason; readonly conflict?: ConflictInfo }
  /** Equal on both sides: record as in sync, no transfer. */
  | { readonly type: 'adopt'; readonly path: RelPath }
  /** Gone on both sides: drop the record. */
  | { readonly type: 'forget'; readonly path: RelPath }
  | { readonly type: 'skip'; readonly path: RelPath; readonly reason: SkipReason }
  | { readonly type: 'conflict'; readonly path: RelPath; readonly conflict: ConflictInfo };

/** The facts of a conflict, for resolution and for explaining it to the user. */
export interface ConflictInfo {
  readonly reason: ConflictReason;
  readonly local: SideChange;
  readonly remote: SideChange;
}
