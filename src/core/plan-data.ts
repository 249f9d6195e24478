/**
 * The plan as data: its phases, its actions, and what it leaves alone. Types only (and the phase
 * order), so that what makes and reads plans (plan.ts, plan-actions.ts, record-actions.ts) can
 * share them without importing one another. Pure.
 */
import type { ConflictInfo, CopyReason, DeleteReason, SkipReason } from './decision.js';
import type { MovedEntry } from './detect-moves.js';
import type { Entry, FileEntry, Fingerprint } from './entry.js';
import type { RelPath } from './rel-path.js';
import type { Side } from './side.js';
import type { SyncMode } from './sync-options.js';

/**
 * Phases run in this order. `clear` removes what a type change replaces (a file where a folder
 * goes, a folder where a file goes); `move` renames after the folders it moves into exist and
 * before the old folders are removed; `delete` and `rmdir` run only when every copy succeeded.
 */
export const PLAN_PHASES = ['clear', 'mkdir', 'move', 'copy', 'delete', 'rmdir', 'record'] as const;
export type PlanPhase = (typeof PLAN_PHASES)[number];

/** One step of a plan. `expect` is what the target looked like at scan time (re-checked first). */
export type Action =
  | {
      readonly kind: 'mkdir';
      readonly phase: 'mkdir';
      readonly side: Side;
      readonly path: RelPath;
      readonly reason: CopyReason | 'parent';
      readonly conflict?: ConflictInfo;
    }
  | {
      readonly kind: 'copy';
      readonly phase: 'copy';
      readonly from: Side;
      readonly to: Side;
      readonly path: RelPath;
      readonly source: FileEntry;
      readonly expect: Entry | null;
      readonly reason: CopyReason;
      readonly conflict?: ConflictInfo;
    }
  | {
      readonly kind: 'delete';
      readonly phase: 'clear' | 'delete';
      readonly side: Side;
      readonly path: RelPath;
      readonly expect: FileEntry;
      readonly reason: DeleteReason | 'replaced';
      readonly conflict?: ConflictInfo;
    }
  | {
      readonly kind: 'rmdir';
      readonly phase: 'clear' | 'rmdir';
      readonly side: Side;
      readonly path: RelPath;
      readonly reason: DeleteReason | 'replaced';
      readonly conflict?: ConflictInfo;
    }
  /**
   * keep-both: rename the losing version at `path` to `copyPath` on its side (clear phase, before
   * the copies that give each side the other's version). `expect` is re-checked first.
   */
  | {
      readonly kind: 'conflict-copy';
      readonly phase: 'clear';
      readonly side: Side;
      readonly path: RelPath;
      readonly copyPath: RelPath;
      readonly expect: FileEntry;
      readonly conflict?: ConflictInfo;
    }
  /**
   * Rename `oldPath` to `path` on `side`, as the other side did (detect-moves.ts). Re-checked first
   * (`expect` still at `oldPath`, nothing at `path`); when the rename fails, the other side's file
   * is copied and the old one deleted instead. `contents`: what a folder move carries along.
   */
  | {
      readonly kind: 'move';
      readonly phase: 'move';
      readonly side: Side;
      readonly path: RelPath;
      readonly oldPath: RelPath;
      readonly source: Entry;
      readonly expect: Entry;
      readonly contents: readonly MovedEntry[];
      /** `moved`: the other side renamed it; `case`: `--case` settled which spelling wins. */
      readonly reason: 'moved' | 'case';
    }
  /** Record the path as in sync without a transfer (both sides equal). */
  | { readonly kind: 'record'; readonly phase: 'record'; readonly path: RelPath; readonly local: Fingerprint; readonly remote: Fingerprint }
  /** Drop the record of a path gone from both sides. */
  | { readonly kind: 'forget'; readonly phase: 'record'; readonly path: RelPath };

/** An unresolved conflict, with both sides' entries to explain it. */
export interface PlannedConflict {
  readonly path: RelPath;
  readonly conflict: ConflictInfo;
  readonly local: Entry | null;
  readonly remote: Entry | null;
  /** Both sides' fingerprints at the last sync, when there was one. */
  readonly recorded: { readonly local: Fingerprint; readonly remote: Fingerprint } | null;
}

/** A change this run does not propagate (for example a remote edit during an upload). */
export interface PlannedSkip {
  readonly path: RelPath;
  readonly reason: SkipReason;
}

/** Everything a run will do, and what it leaves alone. */
export interface Plan {
  readonly mode: SyncMode;
  /** In execution order: by phase, then by path (folders before contents; rmdir deepest first). */
  readonly actions: readonly Action[];
  readonly conflicts: readonly PlannedConflict[];
  readonly skipped: readonly PlannedSkip[];
}
