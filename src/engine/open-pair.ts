/**
 * The first step of a run: both sides opened (the local side first) and the pair's state
 * loading while the remote side connects.
 */
import type { Backend } from '../backends/backend.js';
import { openBackend } from '../backends/open-backend.js';
import { parseTarget } from '../backends/target-url.js';
import type { Side } from '../core/side.js';
import type { SyncMode } from '../core/sync-options.js';
import { isBackendError } from '../errors.js';
import { defaultStateDir, StateStore } from '../state/state-store.js';
import { checkDistinct } from './check-distinct.js';
import { checkMissingRoot } from './check-missing-root.js';
import type { SyncEvent } from './events.js';
import type { AnyRunOptions } from './run-options.js';

/** Both sides of a run, open. */
export interface OpenedPair {
  readonly local: Backend;
  readonly remote: Backend;
  /** The pair's state, opened once (lock taken, file loaded); it started loading while the sides connected. */
  state(): Promise<StateStore>;
  /** Closes the state (when it opened) and the sides opened here (not those the caller passed). */
  close(): Promise<void>;
}

/**
 * Opens both sides of a run. Throws (with everything it opened closed) when a side cannot be
 * opened: a missing root the last sync saw is the brake's error (check-missing-root.ts).
 */
export async function openPair(mode: SyncMode, options: AnyRunOptions, emit: (event: SyncEvent) => void): Promise<OpenedPair> {
  const opened: Backend[] = [];
  // --create-folder creates only the side this mode writes to (the remote side for sync, as in
  // pyftpsync): a mistyped source folder must fail, not become an empty source that --delete
  // would mirror onto the target.
  const creates: Side = mode === 'download' ? 'local' : 'remote';
  const stateDir = options.stateDir ?? defaultStateDir();
  const idOf = (value: string | Backend) => (typeof value === 'string' ? parseTarget(value).id : value.id);
  const displayOf = (value: string | Backend) => (typeof value === 'string' ? parseTarget(value).display : value.displayName);
  // The state is opened (lock taken, file loaded) once, lazily: opening a side may need its
  // record count, and otherwise it loads while the remote side connects and logs in.
  let storeOpening: Promise<StateStore> | undefined;
  const openStore = (): Promise<StateStore> => {
    if (storeOpening === undefined) {
      storeOpening = StateStore.open(stateDir, idOf(options.local), idOf(options.remote));
      // Awaited later; a failure must not count as unhandled meanwhile.
      storeOpening.catch(() => undefined);
    }
    return storeOpening;
  };
  /** How many paths the state of the pair records (0 for a pair never synced). */
  const recordedEntries = async (): Promise<number> => (await openStore()).state.size;
  const openSide = async (side: Side, value: string | Backend): Promise<Backend> => {
    if (typeof value !== 'string') return value;
    // --create-folder never creates afresh a root the last sync saw (that is the brake's case):
    // only a pair without records, or --allow-empty, lets it create. The records are counted
    // only once the root turns out missing, so an existing root connects without waiting for
    // the state.
    const createFolder = (options.createFolder ?? false) && side === creates;
    let backend: Backend;
    try {
      backend = await openBackend(parseTarget(value), {
        ...options.connection,
        // The state loads while the first connection waits for the server (see below).
        onConnecting: () => {
          options.connection?.onConnecting?.();
          void openStore();
        },
        createFolder,
        createFolderIf: options.allowEmptySide ? undefined : async () => (await recordedEntries()) === 0,
        // --create-folder creates only this side (never the source of a one-way run).
        createFolderHint: side === creates,
        links: options.links ?? 'skip',
        dryRun: options.dryRun ?? false,
        warn: (message) => emit({ type: 'warning', message }),
        signal: options.signal,
      });
    } catch (error) {
      if (isBackendError(error, 'not-found') && !options.allowEmptySide) {
        await checkMissingRoot(side, recordedEntries, { local: displayOf(options.local), remote: displayOf(options.remote) });
      }
      throw error;
    }
    opened.push(backend);
    return backend;
  };
  const close = async (): Promise<void> => {
    await storeOpening?.then(
      (store) => store.close(),
      () => undefined,
    );
    await Promise.allSettled(opened.map((backend) => backend.close()));
  };
  try {
    if (typeof options.local === 'string' && typeof options.remote === 'string') {
      await checkDistinct(parseTarget(options.local), parseTarget(options.remote));
    }
    // The local side first: a missing source must fail before anything is done remotely.
    const local = await openSide('local', options.local);
    // The state starts loading once the remote side's first connection is under way (the
    // backend calls onConnecting): its parsing then fills the round trips of the login
    // instead of delaying the connection.
    const remote = await openSide('remote', options.remote);
    // Opened under the targets' ids, which are the backends' own (a backend's id is its target's).
    return { local, remote, state: openStore, close };
  } catch (error) {
    await close();
    throw error;
  }
}
