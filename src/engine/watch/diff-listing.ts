/**
 * What a poll of one side found changed: its new listing compared with the previous one and with
 * the state, so that ferry's own writes (already in the state) do not count as changes.
 */
import { sameEntry, type Entry } from '../../core/entry.js';
import type { RelPath } from '../../core/rel-path.js';
import type { Side } from '../../core/side.js';
import { isUnderUnreadable, type Snapshot } from '../../core/snapshot.js';
import type { SyncState } from '../../core/sync-state.js';

/**
 * Paths whose entry on `side` differs both from the previous listing (when there is one) and from
 * what the state recorded for that side, and recorded paths that are gone. Paths below unreadable folders are left out: a failed
 * listing is never read as deletions.
 */
export function changedPaths(side: Side, listing: Snapshot, previous: ReadonlyMap<RelPath, Entry> | undefined, state: SyncState): RelPath[] {
  const changed: RelPath[] = [];
  const recorded = (path: RelPath): Entry | undefined => state.get(path)?.[side];
  for (const [path, entry] of listing.entries) {
    if (previous && sameEntry(previous.get(path), entry)) continue;
    if (sameEntry(recorded(path), entry)) continue;
    changed.push(path);
  }
  const gone = (path: RelPath): boolean => !listing.entries.has(path) && !isUnderUnreadable(listing, path);
  if (previous) {
    for (const path of previous.keys()) if (gone(path) && recorded(path) !== undefined) changed.push(path);
  } else {
    for (const [path, record] of state) if (record[side] !== undefined && gone(path)) changed.push(path);
  }
  return [...new Set(changed)];
}
