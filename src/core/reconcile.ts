/**
 * Reconciliation: from both sides' snapshots and the state of the last sync to one decision per
 * path, by the decision table of the mode. Pure.
 */
import type { ConflictReason, Decision } from './decision.js';
import {
  oneWayTableWithoutRecord,
  oneWayTableWithRecord,
  syncTableWithoutRecord,
  syncTableWithRecord,
  type OneWayCell,
  type SyncCell,
} from './decision-tables.js';
import { detectChange, type ChangeWithoutRecord, type ChangeWithRecord, type SideChange } from './detect-change.js';
import type { Entry } from './entry.js';
import type { PathFilter } from './path-filter.js';
import { protectFolderContents } from './folder-rules.js';
import { comparePaths, type RelPath } from './rel-path.js';
import { assertNever, otherSide, type Side } from './side.js';
import { isUnderUnreadable, type Snapshot } from './snapshot.js';
import type { ReconcileOptions } from './sync-options.js';
import type { SyncState } from './sync-state.js';

/** Everything reconciliation looks at. */
export interface ReconcileInput {
  readonly local: Snapshot;
  readonly remote: Snapshot;
  readonly state: SyncState;
  readonly filter: PathFilter;
  readonly options: ReconcileOptions;
}

/** The source side of a one-way mode. */
export function sourceSideOf(mode: 'upload' | 'download'): Side {
  return mode === 'upload' ? 'local' : 'remote';
}

/** True when two entries are the same as far as size and time can tell (within the window). */
export function entriesLookEqual(a: Entry, b: Entry, timeWindowMs: number): boolean {
  if (a.kind === 'dir' || b.kind === 'dir') return a.kind === b.kind;
  return a.size === b.size && Math.abs(a.mtimeMs - b.mtimeMs) <= timeWindowMs;
}

function conflictReasonOf(local: SideChange, remote: SideChange): ConflictReason {
  if (local === 'typeChanged' || remote === 'typeChanged') return 'type-changed';
  if (local === 'created' && remote === 'created') return 'both-created';
  if (local === 'deleted' || remote === 'deleted') return 'deleted-vs-modified';
  return 'both-modified';
}

/**
 * Decides, for every path either side has or the state records, what the run should do.
 * Returns decisions sorted so that each folder precedes its contents.
 */
export function reconcile(input: ReconcileInput): Decision[] {
  const { local, remote, state, filter, options } = input;
  // The union of all paths, found with the maps at hand rather than a set of a million paths.
  const sorted: RelPath[] = [...local.entries.keys()];
  for (const path of remote.entries.keys()) if (!local.entries.has(path)) sorted.push(path);
  for (const path of state.keys()) {
    if (!local.entries.has(path) && !remote.entries.has(path) && !filter.isExcludedPath(path, state.get(path)!.local.kind === 'dir')) sorted.push(path);
  }
  sorted.sort(comparePaths);
  // Recomputed where needed (rarely) rather than kept for every path: a million paths would
  // otherwise hold a million objects until the end.
  const changesOf = (path: RelPath): { local: SideChange; remote: SideChange } => {
    const record = state.get(path);
    return { local: detectChange(local.entries.get(path), record?.local), remote: detectChange(remote.entries.get(path), record?.remote) };
  };

  // The pair's very first run (no state at all): a one-way mode lets a newer source file win over
  // a different target file, as pyftpsync and lftp do when pointed at a target an older deploy
  // filled. Once any state exists, a path created on both sides stays a conflict.
  const firstRun = state.size === 0;
  const decisions = sorted.map((path): Decision => {
    if (isUnderUnreadable(local, path) || isUnderUnreadable(remote, path)) {
      return { type: 'skip', path, reason: 'unreadable' };
    }
    const entries = { local: local.entries.get(path), remote: remote.entries.get(path) };
    const record = state.get(path);
    const changes = {
      local: detectChange(entries.local, record?.local),
      remote: detectChange(entries.remote, record?.remote),
    };
    const isFile = entries.local?.kind === 'file' || entries.remote?.kind === 'file' || record?.local.kind === 'file';
    if (isFile && !filter.isMatchedFile(path)) return decideUnmatched(path, entries, options);
    // A file outside the size or age limits on either side is left alone on both: neither
    // copied over the other nor deleted (a limit is not a wish to delete).
    if (isFile && (filter.isOutsideLimits(entries.local) || filter.isOutsideLimits(entries.remote))) return { type: 'noop', path };
    const compare = (): Decision => {
      if (entries.local && entries.remote && entriesLookEqual(entries.local, entries.remote, options.timeWindowMs)) {
        return { type: 'adopt', path };
      }
      if (firstRun && options.mode !== 'sync') {
        const source = sourceSideOf(options.mode);
        const from = entries[source];
        const to = entries[otherSide(source)];
        if (from?.kind === 'file' && to?.kind === 'file' && from.mtimeMs - to.mtimeMs > options.timeWindowMs) {
          return { type: 'copy', path, from: source, reason: 'source-newer' };
        }
      }
      return { type: 'conflict', path, conflict: { reason: conflictReasonOf(changes.local, changes.remote), ...changes } };
    };
    if (options.mode === 'sync') {
      const cell: SyncCell = record
        ? syncTableWithRecord[changes.local as ChangeWithRecord][changes.remote as ChangeWithRecord]
        : syncTableWithoutRecord[changes.local as ChangeWithoutRecord][changes.remote as ChangeWithoutRecord];
      return decideSync(path, cell, changes, compare);
    }
    const source = sourceSideOf(options.mode);
    const target = otherSide(source);
    const cell: OneWayCell = record
      ? oneWayTableWithRecord[changes[source] as ChangeWithRecord][changes[target] as ChangeWithRecord]
      : oneWayTableWithoutRecord[changes[source] as ChangeWithoutRecord][changes[target] as ChangeWithoutRecord];
    return decideOneWay(path, cell, source, changes, options, compare);
  });
  return protectFolderContents(decisions, { local, remote }, (decision) => {
    const changes = changesOf(decision.path);
    return { reason: conflictReasonOf(changes.local, changes.remote), ...changes };
  });
}

function copyReasonOf(change: SideChange): 'new' | 'modified' | 'type-changed' {
  if (change === 'created') return 'new';
  if (change === 'typeChanged') return 'type-changed';
  return 'modified';
}

function decideSync(path: RelPath, cell: SyncCell, changes: { local: SideChange; remote: SideChange }, compare: () => Decision): Decision {
  switch (cell) {
    case 'noop':
      return { type: 'noop', path };
    case 'copyToRemote':
      return { type: 'copy', path, from: 'local', reason: copyReasonOf(changes.local) };
    case 'copyToLocal':
      return { type: 'copy', path, from: 'remote', reason: copyReasonOf(changes.remote) };
    case 'deleteLocal':
      return { type: 'delete', path, side: 'local', reason: 'deleted' };
    case 'deleteRemote':
      return { type: 'delete', path, side: 'remote', reason: 'deleted' };
    case 'forget':
      return { type: 'forget', path };
    case 'compare':
      return compare();
    case 'conflict':
      return { type: 'conflict', path, conflict: { reason: conflictReasonOf(changes.local, changes.remote), ...changes } };
    default:
      return assertNever(cell);
  }
}

function decideOneWay(
  path: RelPath,
  cell: OneWayCell,
  source: Side,
  changes: { local: SideChange; remote: SideChange },
  options: ReconcileOptions,
  compare: () => Decision,
): Decision {
  const target = otherSide(source);
  switch (cell) {
    case 'noop':
      return { type: 'noop', path };
    case 'copy':
      return { type: 'copy', path, from: source, reason: copyReasonOf(changes[source]) };
    case 'targetChanged':
      return options.force
        ? { type: 'copy', path, from: source, reason: changes[target] === 'deleted' ? 'restore' : 'forced' }
        : { type: 'skip', path, reason: 'target-changed' };
    case 'sourceDeleted':
      return options.delete ? { type: 'delete', path, side: target, reason: 'deleted' } : { type: 'skip', path, reason: 'source-deleted' };
    case 'targetExtra':
      return options.delete ? { type: 'delete', path, side: target, reason: 'extra' } : { type: 'skip', path, reason: 'target-extra' };
    case 'forget':
      return { type: 'forget', path };
    case 'compare':
      return compare();
    case 'conflict':
      return { type: 'conflict', path, conflict: { reason: conflictReasonOf(changes.local, changes.remote), ...changes } };
    default:
      return assertNever(cell);
  }
}

/** Files whose names fail `--match` are left alone, or deleted on the target with `--delete-unmatched`. */
function decideUnmatched(path: RelPath, entries: { local: Entry | undefined; remote: Entry | undefined }, options: ReconcileOptions): Decision {
  if (options.mode === 'sync' || !options.deleteUnmatched) return { type: 'noop', path };
  const target = otherSide(sourceSideOf(options.mode));
  return entries[target] ? { type: 'delete', path, side: target, reason: 'unmatched' } : { type: 'forget', path };
}
