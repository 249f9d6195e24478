/**
 * The `--compare checksum` step of a run: hash the candidates, adopt the equal ones.
 */
import type { Backend } from '../backends/backend.js';
import { adoptEqualContents, contentCompareCandidates } from '../core/content-compare.js';
import type { Decision } from '../core/decision.js';
import type { RelPath } from '../core/rel-path.js';
import type { Side } from '../core/side.js';
import type { Snapshot } from '../core/snapshot.js';
import { describeError, FerryError } from '../errors.js';
import { compareContents } from './compare-contents.js';
import type { SyncEvent } from './events.js';

/** The decisions after comparing, and every path whose contents were compared (equal or not). */
export interface AdoptedByContent {
  readonly decisions: Decision[];
  readonly compared: ReadonlySet<RelPath>;
}

/**
 * Decisions where same-sized files turned out equal by content become `adopt`: recorded with both
 * sides' current size and time, so the next run sees nothing changed. A file that cannot be
 * hashed keeps its decision (and a warning says why).
 */
export async function adoptEqualByContent(
  decisions: Decision[],
  backends: Readonly<Record<Side, Backend>>,
  local: Snapshot,
  remote: Snapshot,
  emit: (event: SyncEvent) => void,
  signal?: AbortSignal,
): Promise<AdoptedByContent> {
  const candidates = contentCompareCandidates(decisions, local, remote);
  if (candidates.length === 0) return { decisions, compared: new Set() };
  const concurrency = Math.min(backends.local.capabilities.maxConcurrency, backends.remote.capabilities.maxConcurrency);
  const comparisons = await compareContents(backends, candidates, {
    concurrency,
    signal,
    onError: (path, error) => emit({ type: 'warning', message: `cannot compare ${path} by content: ${describeError(error)}; decided by size and time` }),
  });
  if (signal?.aborted) throw new FerryError('interrupted', 'interrupted while comparing contents; nothing was changed');
  const equal = new Set<RelPath>();
  const compared = new Set<RelPath>();
  for (const comparison of comparisons.sort((a, b) => (a.path < b.path ? -1 : 1))) {
    emit({ type: 'compared', path: comparison.path, equal: comparison.equal, algorithm: comparison.algorithm, by: comparison.by });
    compared.add(comparison.path);
    if (comparison.equal) equal.add(comparison.path);
  }
  return { decisions: adoptEqualContents(decisions, equal), compared };
}
