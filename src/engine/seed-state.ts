/**
 * The step of a run that takes over a pair pyftpsync synced but ferry never did: the state of the
 * last sync is seeded from pyftpsync's metadata (migrate-pyftpsync.ts).
 */
import type { Backend } from '../backends/backend.js';
import type { Side } from '../core/side.js';
import type { Snapshot } from '../core/snapshot.js';
import type { SyncState } from '../core/sync-state.js';
import type { StateStore } from '../state/state-store.js';
import type { SyncEvent } from './events.js';
import { seedFromPyftpsync } from './migrate-pyftpsync.js';

/** Input of {@link seedState}. */
export interface StateToSeed {
  readonly store: StateStore;
  readonly backends: Readonly<Record<Side, Backend>>;
  readonly local: Snapshot;
  readonly remote: Snapshot;
  /** A dry run must not write the state: the seeded records are kept in memory only. */
  readonly dryRun: boolean;
  readonly emit: (event: SyncEvent) => void;
  readonly signal?: AbortSignal;
}

/** The state to plan against: the store's, or, for a pair without records, pyftpsync's seed. */
export async function seedState(input: StateToSeed): Promise<SyncState> {
  const { store, emit } = input;
  if (store.state.size > 0) return store.state;
  const seeded = await seedFromPyftpsync({
    local: input.backends.local,
    remote: input.backends.remote,
    localSnapshot: input.local,
    remoteSnapshot: input.remote,
    warn: (message) => emit({ type: 'warning', message }),
    signal: input.signal,
  });
  if (seeded.size === 0) return store.state;
  if (!input.dryRun) for (const [path, record] of seeded) store.record({ op: 'set', path, record });
  emit({ type: 'migrated', records: seeded.size });
  return input.dryRun ? seeded : store.state;
}
