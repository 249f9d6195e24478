/**
 * The clean-up step of a run with `removePyftpsyncMeta`: pyftpsync's metadata and lock files go,
 * once the run finished without errors.
 */
import type { Backend } from '../backends/backend.js';
import type { Side } from '../core/side.js';
import type { Snapshot } from '../core/snapshot.js';
import type { SyncEvent } from './events.js';
import { removePyftpsyncFiles } from './migrate-pyftpsync.js';

/** Removes pyftpsync's files from both sides when `clean`; otherwise warns that they stay. */
export async function cleanUpPyftpsync(
  backends: Readonly<Record<Side, Backend>>,
  snapshots: Readonly<Record<Side, Snapshot>>,
  clean: boolean,
  emit: (event: SyncEvent) => void,
): Promise<void> {
  if (!clean) {
    emit({ type: 'warning', message: 'pyftpsync metadata not removed: the run did not finish without errors' });
    return;
  }
  const warn = (message: string): void => emit({ type: 'warning', message });
  const files = (await removePyftpsyncFiles(backends.local, snapshots.local, warn)) + (await removePyftpsyncFiles(backends.remote, snapshots.remote, warn));
  emit({ type: 'pyftpsync-meta-removed', files });
}
