/**
 * The decision tables: per mode, what to do with a path given how each side changed it since the
 * last sync. The behaviour they encode is fixed by the sync matrix (docs/sync-matrix.md). The
 * `satisfies` clauses make the compiler reject a missing cell.
 */
import type { ChangeWithoutRecord, ChangeWithRecord } from './detect-change.js';

/** Outcomes of two-way sync, keyed by (local change, remote change). */
export type SyncCell =
  | 'noop'
  | 'copyToRemote'
  | 'copyToLocal'
  | 'deleteLocal'
  | 'deleteRemote'
  | 'forget'
  /** Both sides changed: equal content is adopted, different content is a conflict. */
  | 'compare'
  | 'conflict';

export const syncTableWithRecord = {
  unchanged: { unchanged: 'noop', modified: 'copyToLocal', deleted: 'deleteLocal', typeChanged: 'copyToLocal' },
  modified: { unchanged: 'copyToRemote', modified: 'compare', deleted: 'conflict', typeChanged: 'conflict' },
  deleted: { unchanged: 'deleteRemote', modified: 'conflict', deleted: 'forget', typeChanged: 'conflict' },
  typeChanged: { unchanged: 'copyToRemote', modified: 'conflict', deleted: 'conflict', typeChanged: 'compare' },
} as const satisfies Record<ChangeWithRecord, Record<ChangeWithRecord, SyncCell>>;

export const syncTableWithoutRecord = {
  absent: { absent: 'noop', created: 'copyToLocal' },
  created: { absent: 'copyToRemote', created: 'compare' },
} as const satisfies Record<ChangeWithoutRecord, Record<ChangeWithoutRecord, SyncCell>>;

/**
 * Outcomes of one-way modes (upload: source = local; download: source = remote), keyed by
 * (source change, target change). Some depend on flags, resolved in `reconcile`:
 * - `targetChanged`: the target changed on its own: overwritten only with `--force`.
 * - `sourceDeleted`: the source deleted it: deleted on the target only with `--delete`.
 * - `targetExtra`: only the target has it: deleted only with `--delete`.
 */
export type OneWayCell = 'noop' | 'copy' | 'targetChanged' | 'sourceDeleted' | 'targetExtra' | 'forget' | 'compare' | 'conflict';

export const oneWayTableWithRecord = {
  unchanged: { unchanged: 'noop', modified: 'targetChanged', deleted: 'targetChanged', typeChanged: 'targetChanged' },
  modified: { unchanged: 'copy', modified: 'compare', deleted: 'conflict', typeChanged: 'conflict' },
  deleted: { unchanged: 'sourceDeleted', modified: 'conflict', deleted: 'forget', typeChanged: 'conflict' },
  typeChanged: { unchanged: 'copy', modified: 'conflict', deleted: 'conflict', typeChanged: 'compare' },
} as const satisfies Record<ChangeWithRecord, Record<ChangeWithRecord, OneWayCell>>;

export const oneWayTableWithoutRecord = {
  absent: { absent: 'noop', created: 'targetExtra' },
  created: { absent: 'copy', created: 'compare' },
} as const satisfies Record<ChangeWithoutRecord, Record<ChangeWithoutRecord, OneWayCell>>;
