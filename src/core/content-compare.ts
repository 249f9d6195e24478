/**
 * `--compare checksum`: which decisions depend on whether two files of the same size have the same
 * content, and how an answer changes them. Pure; the engine computes the digests.
 */
import type { Decision } from './decision.js';
import type { RelPath } from './rel-path.js';
import type { Snapshot } from './snapshot.js';

/** How "equal" is decided where both sides have a file at a path. */
export type CompareMethod = 'time' | 'checksum';

/**
 * Paths whose decision would transfer or report a file although both sides hold a file of the
 * same size: a copy of a modified file over the other side's file, a conflict of two edits (or of
 * two new files), a one-way target change left alone. Only these are worth hashing.
 */
export function contentCompareCandidates(decisions: readonly Decision[], local: Snapshot, remote: Snapshot): RelPath[] {
  const candidates: RelPath[] = [];
  for (const decision of decisions) {
    const worth =
      (decision.type === 'copy' && (decision.reason === 'modified' || decision.reason === 'forced' || decision.reason === 'source-newer')) ||
      (decision.type === 'conflict' && (decision.conflict.reason === 'both-modified' || decision.conflict.reason === 'both-created')) ||
      (decision.type === 'skip' && decision.reason === 'target-changed');
    if (!worth) continue;
    const a = local.entries.get(decision.path);
    const b = remote.entries.get(decision.path);
    if (a?.kind === 'file' && b?.kind === 'file' && a.size === b.size) candidates.push(decision.path);
  }
  return candidates;
}

/** Decisions with every path whose contents are equal turned into `adopt` (recorded, no transfer). */
export function adoptEqualContents(decisions: readonly Decision[], equal: ReadonlySet<RelPath>): Decision[] {
  return decisions.map((decision) => (equal.has(decision.path) ? { type: 'adopt', path: decision.path } : decision));
}
