/**
 * Between a run's scan and its copies: which temporary files of dead runs are parts this pair
 * may continue (recorded in state/resumable-parts.ts for the same side and path, and found by the
 * scan under their recorded name and writer), and, after the copies, the removal of adopted parts
 * no copy continued (also of a watch's own parts after a full pass).
 */
import type { Backend } from '../backends/backend.js';
import { toExactRelPath } from '../core/rel-path.js';
import type { Side } from '../core/side.js';
import { ResumableParts } from '../state/resumable-parts.js';
import type { TempFile } from './scan-tree.js';

/** The scan's temporary files split into adopted parts and the rest (left to the leftover clean-up). */
export interface AdoptedParts {
  /** `side:path` of the copies whose parts were kept. */
  readonly adopted: Set<string>;
  /** Temporary files that are not adopted parts, per side. */
  readonly rest: Record<Side, readonly TempFile[]>;
}

/** Opens the pair's record of parts; undefined (parts then are not kept) when it cannot be read. */
export async function openParts(file: string): Promise<ResumableParts | undefined> {
  return ResumableParts.open(file).catch(() => undefined);
}

/**
 * Adopts the recorded parts the scan found, written by a dead run of this pair (in `dead`) or by
 * this process (`self`, a watch session's earlier pass); forgets every other record.
 */
export async function adoptParts(
  parts: ResumableParts,
  temps: Record<Side, readonly TempFile[]>,
  dead: ReadonlySet<string>,
  self: string,
): Promise<AdoptedParts> {
  const adopted = new Set<string>();
  const keptTemps = new Set<string>();
  const stale: Array<{ side: Side; path: string }> = [];
  for (const record of parts.all()) {
    const found = temps[record.side].some((temp) => temp.path === record.temp && temp.writer === record.writer);
    if (found && (dead.has(record.writer) || record.writer === self)) {
      adopted.add(`${record.side}:${record.path}`);
      keptTemps.add(`${record.side}:${record.temp}`);
    } else {
      stale.push(record);
    }
  }
  await parts.drop(stale);
  const restOf = (side: Side): TempFile[] => temps[side].filter((temp) => !keptTemps.has(`${side}:${temp.path}`));
  return { adopted, rest: { local: restOf('local'), remote: restOf('remote') } };
}

/**
 * Adopts every part `self` recorded (a watch's full pass), so that {@link removeUnusedParts}
 * removes those no copy of the pass continued.
 */
export function adoptOwnParts(parts: ResumableParts, adopted: Set<string>, self: string): void {
  for (const record of parts.all()) if (record.writer === self) adopted.add(`${record.side}:${record.path}`);
}

/** Removes the adopted parts no copy of the run took (the file is no longer to be copied). */
export async function removeUnusedParts(parts: ResumableParts, adopted: ReadonlySet<string>, backends: Readonly<Record<Side, Backend>>): Promise<void> {
  const done: Array<{ side: Side; path: string }> = [];
  for (const key of adopted) {
    const side = key.slice(0, key.indexOf(':')) as Side;
    const path = key.slice(key.indexOf(':') + 1);
    const record = parts.find(side, path);
    if (record !== undefined)
      await Promise.resolve()
        .then(() => backends[side].remove(toExactRelPath(record.temp)))
        .catch(() => undefined);
    done.push({ side, path });
  }
  await parts.drop(done);
}
