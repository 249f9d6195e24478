/**
 * `watch`: one full run at start-up, then incremental passes over the paths that changed, until the
 * signal aborts. Local changes come from a file watcher (hints, debounced and re-scanned), remote
 * changes (mode `sync`) from polling at an adaptive interval; a periodic full rescan of both sides
 * catches anything both missed. Lost connections are retried with back-off while changes queue.
 */
import { setMaxListeners } from 'node:events';
import type { Backend } from '../../backends/backend.js';
import { openBackend } from '../../backends/open-backend.js';
import { parseTarget } from '../../backends/target-url.js';
import type { Side } from '../../core/side.js';
import { checkDistinct } from '../check-distinct.js';
import { backupDirOf } from '../run-options.js';
import { loadPathFilter } from '../load-path-filter.js';
import { chokidarLocalWatcher, loadChokidar } from './local-watcher.js';
import type { WatchEvent, WatchSummary } from './watch-events.js';
import { validateWatchOptions, type WatchDependencies, type WatchOptions } from './watch-options.js';
import { WatchSession } from './watch-session.js';

export { DEFAULT_DEBOUNCE_MS, DEFAULT_POLL_SECONDS, DEFAULT_RESCAN_SECONDS } from './watch-options.js';
export type { WatchDependencies, WatchOptions } from './watch-options.js';

/**
 * Watches LOCAL and keeps REMOTE in step (both ways in mode `sync`) until `signal` aborts; then
 * finishes in-flight work, saves the state and resolves to the totals (`interrupted: true`).
 * Throws a FerryError when the watch cannot start (bad options, unreachable server, locked state,
 * a refused start-up run).
 */
export async function watchPair(options: WatchOptions, dependencies: WatchDependencies = {}): Promise<WatchSummary> {
  validateWatchOptions(options);
  const mode = options.mode ?? 'upload';
  if (options.signal) setMaxListeners(0, options.signal);
  const emit = (event: WatchEvent): void => options.onEvent?.(event);
  const opened: Backend[] = [];
  try {
    const openSide = async (side: Side, value: string | Backend): Promise<Backend> => {
      if (typeof value !== 'string') return value;
      const backend = await openBackend(parseTarget(value), {
        ...options.connection,
        createFolder: (options.createFolder ?? false) && side === 'remote',
        createFolderHint: side === 'remote',
        links: options.links ?? 'skip',
        dryRun: options.dryRun ?? false,
        warn: (message) => emit({ type: 'warning', message }),
        signal: options.signal,
      });
      opened.push(backend);
      return backend;
    };
    if (typeof options.local === 'string' && typeof options.remote === 'string') {
      await checkDistinct(parseTarget(options.local), parseTarget(options.remote));
    }
    const local = await openSide('local', options.local);
    const remote = await openSide('remote', options.remote);
    if (!dependencies.createWatcher) await loadChokidar();
    const backupDir = backupDirOf(options);
    const filter = await loadPathFilter(options, local, backupDir ? [backupDir] : []);
    const session = new WatchSession(mode, options, local, remote, emit, dependencies.createWatcher ?? chokidarLocalWatcher, filter);
    return await session.run();
  } finally {
    await Promise.allSettled(opened.map((backend) => backend.close()));
  }
}
