/**
 * How one side changed a path since the last sync: its entry compared with its own record only.
 */
import type { Entry, Fingerprint } from './entry.js';

/** The change of one path on one side. */
export type SideChange = 'absent' | 'created' | 'unchanged' | 'modified' | 'deleted' | 'typeChanged';

/** Changes possible when the pair has no record of the path. */
export type ChangeWithoutRecord = 'absent' | 'created';
/** Changes possible when the pair has a record of the path. */
export type ChangeWithRecord = 'unchanged' | 'modified' | 'deleted' | 'typeChanged';

/**
 * Compares an entry with that side's recorded fingerprint. Only the side's own record counts, so a
 * server that stamps upload times, or a clock that is off, never fakes a change.
 */
export function detectChange(entry: Entry | undefined, recorded: Fingerprint | undefined): SideChange {
  if (recorded === undefined) return entry === undefined ? 'absent' : 'created';
  if (entry === undefined) return 'deleted';
  if (entry.kind !== recorded.kind) return 'typeChanged';
  if (entry.kind === 'dir' || recorded.kind === 'dir') return 'unchanged';
  return entry.size === recorded.size && entry.mtimeMs === recorded.mtimeMs ? 'unchanged' : 'modified';
}
