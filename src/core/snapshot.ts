/**
 * One side's scan: a flat map from path to entry, and the folders it could not read.
 */
import type { Entry } from './entry.js';
import { ancestorsOf, ROOT, type RelPath } from './rel-path.js';

/** The result of scanning one side. */
export interface Snapshot {
  /** Every path the scan saw (files and folders, not the root). */
  readonly entries: ReadonlyMap<RelPath, Entry>;
  /**
   * Folders whose contents are unknown because listing them failed. Nothing below them may be
   * treated as deleted or new.
   */
  readonly unreadable: ReadonlySet<RelPath>;
  /**
   * Folders (`""` the root) whose listing had entries the scan refused (unsafe names, twins):
   * nothing in them is deleted on either side this run (hold-back-deletes.ts).
   */
  readonly incomplete?: ReadonlySet<RelPath>;
  /**
   * This side's own spelling of each path whose spelling differs from its key (the NFC form):
   * key → exact path (core/spellings.ts). Missing or empty when every name is its own key.
   */
  readonly spellings?: ReadonlyMap<RelPath, RelPath>;
  /**
   * Keys that two names in one folder share (an NFC and an NFD spelling): both are left alone
   * (they are in `unreadable`) and reported as `unicode-twins` conflicts.
   */
  readonly twins?: ReadonlySet<RelPath>;
}

/** True when `path` (or one of its folders) could not be read on that side. */
export function isUnderUnreadable(snapshot: Snapshot, path: RelPath): boolean {
  if (snapshot.unreadable.size === 0) return false;
  if (snapshot.unreadable.has(path)) return true;
  return ancestorsOf(path).some((dir) => snapshot.unreadable.has(dir)) || snapshot.unreadable.has(ROOT);
}

/** Builds a snapshot from plain data (tests, memory scans). */
export function snapshotOf(entries: Iterable<[RelPath, Entry]>, unreadable: Iterable<RelPath> = []): Snapshot {
  return { entries: new Map(entries), unreadable: new Set(unreadable) };
}
