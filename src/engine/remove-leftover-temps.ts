/**
 * Removal of the temporary files that dead runs of a pair left in the folders a run scanned
 * (temp-name.ts, state/temp-writers.ts).
 */
import type { Backend } from '../backends/backend.js';
import type { Side } from '../core/side.js';
import { describeError, isBackendError } from '../errors.js';
import type { TempFile } from './scan-tree.js';
import { runPool } from './task-pool.js';

/** What {@link removeLeftoverTemps} did on one side. */
export interface LeftoverCleanup {
  readonly side: Side;
  /** Leftovers of dead runs removed (or already gone). */
  readonly removed: number;
  /** Why each leftover that could not be removed stayed. */
  readonly failures: readonly string[];
  /** Temporary files of writers this pair does not know (other pairs, hosts, older ferry), left alone. */
  readonly foreign: readonly TempFile[];
  /** True when every leftover of a dead run is gone. */
  readonly complete: boolean;
}

/**
 * Removes each temporary file whose writer is in `dead`; leaves the others. Never throws for a
 * file: a failure is returned (the writer then stays listed, and the next run tries again).
 */
export async function removeLeftoverTemps(
  backend: Backend,
  side: Side,
  temps: readonly TempFile[],
  dead: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<LeftoverCleanup> {
  const leftovers = temps.filter((temp) => temp.writer !== undefined && dead.has(temp.writer));
  const foreign = temps.filter((temp) => temp.writer === undefined || !dead.has(temp.writer));
  let removed = 0;
  const failures: string[] = [];
  await runPool(
    leftovers,
    backend.capabilities.maxConcurrency,
    async (temp) => {
      try {
        await backend.remove(temp.path);
        removed++;
      } catch (error) {
        if (isBackendError(error, 'not-found')) removed++;
        else failures.push(`cannot remove the leftover temporary file ${temp.path}: ${describeError(error)}`);
      }
    },
    signal,
  );
  return { side, removed, failures, foreign, complete: removed === leftovers.length };
}
