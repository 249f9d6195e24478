/**
 * The missing-root brake: a root folder that does not exist although the last sync of the pair
 * recorded entries there is refused with exit 4 (like an empty one), not reported as a plain
 * missing folder, because it is the same mistake (an unmounted disk, a wrong path).
 */
import { describeRefusal } from '../core/check-plan-safety.js';
import type { Side } from '../core/side.js';
import { SafetyError } from '../errors.js';
import { StateStore } from '../state/state-store.js';

/**
 * Called when opening `side` found its root missing. Throws a {@link SafetyError} when the state of
 * the pair has records; returns (so the caller rethrows the original error) when it has none.
 */
export async function checkMissingRoot(side: Side, stateDir: string, ids: Readonly<Record<Side, string>>, folders: Readonly<Record<Side, string>>): Promise<void> {
  const recorded = await recordedEntries(stateDir, ids);
  if (recorded === 0) return;
  const refusal = { reason: 'missing-root', side, recorded } as const;
  throw new SafetyError(refusal, describeRefusal(refusal, folders));
}

/** How many paths the state of the pair records (0 for a pair never synced). */
export async function recordedEntries(stateDir: string, ids: Readonly<Record<Side, string>>): Promise<number> {
  const store = await StateStore.open(stateDir, ids.local, ids.remote);
  try {
    return store.state.size;
  } finally {
    await store.close();
  }
}
