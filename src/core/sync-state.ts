/**
 * The state of the last sync of one pair: per path, both sides' fingerprints right after the path
 * was last in sync, each as that side reported it.
 */
import type { Fingerprint } from './entry.js';
import type { RelPath } from './rel-path.js';

/** Both sides' fingerprints of one path after its last successful sync. */
export interface SyncRecord {
  readonly local: Fingerprint;
  readonly remote: Fingerprint;
}

/** All records of a pair. Immutable by convention: changes make a new map. */
export type SyncState = ReadonlyMap<RelPath, SyncRecord>;

/** The empty state of a pair that was never synced. */
export const emptyState: SyncState = new Map();
