/**
 * The missing-root brake: a root folder that does not exist although the last sync of the pair
 * recorded entries there is refused with exit 4 (like an empty one), not reported as a plain
 * missing folder, because it is the same mistake (an unmounted disk, a wrong path).
 */
import { describeRefusal } from '../core/check-plan-safety.js';
import type { Side } from '../core/side.js';
import { SafetyError } from '../errors.js';

/**
 * Called when opening `side` found its root missing; `recordedEntries` counts the paths the state
 * of the pair records (0 for a pair never synced). Throws a {@link SafetyError} when there are
 * any; returns (so the caller rethrows the original error) when there are none.
 */
export async function checkMissingRoot(side: Side, recordedEntries: () => Promise<number>, folders: Readonly<Record<Side, string>>): Promise<void> {
  const recorded = await recordedEntries();
  if (recorded === 0) return;
  const refusal = { reason: 'missing-root', side, recorded } as const;
  throw new SafetyError(refusal, describeRefusal(refusal, folders));
}
