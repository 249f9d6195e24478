/**
 * The file watcher on the local folder. Its events are only hints: each names a path that may
 * have changed, which the next pass re-scans on both sides before acting.
 */
import * as path from 'node:path';
import type { PathFilter } from '../../core/path-filter.js';
import { toRelPath, type RelPath } from '../../core/rel-path.js';

/** Callbacks of a {@link LocalWatcher}. */
export interface LocalWatcherHandlers {
  /** A path below the root that may have changed (created, modified, deleted, moved). */
  readonly onPath: (path: RelPath) => void;
  /** The watcher failed; it is of no further use (for example the inotify limit was reached). */
  readonly onError: (error: NodeJS.ErrnoException) => void;
}

/** A running watcher. */
export interface LocalWatcher {
  /** Resolves once the watcher watches the whole tree (events may arrive before). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/** Starts a watcher on `root` (an absolute folder path). */
export type LocalWatcherFactory = (root: string, filter: PathFilter, handlers: LocalWatcherHandlers) => LocalWatcher;

/** Error codes meaning the system cannot watch that many folders or files. */
export const WATCH_LIMIT_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EMFILE', 'ENFILE']);

/** Turns an absolute path from the watcher into a path below `root` (undefined: outside or unsafe). */
export function relPathUnder(root: string, absolute: string): RelPath | undefined {
  const relative = path.relative(root, absolute);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  try {
    return toRelPath(relative.split(path.sep).join('/'));
  } catch {
    return undefined;
  }
}

let chokidarWatch: typeof import('chokidar').watch | undefined;

/**
 * Loads chokidar. Only a watch needs it, so it is not imported with the rest: every other command
 * starts about 20 ms faster. Call before {@link chokidarLocalWatcher}.
 */
export async function loadChokidar(): Promise<void> {
  chokidarWatch ??= (await import('chokidar')).watch;
}

/** The chokidar watcher (inotify on Linux: one watch per folder and file); {@link loadChokidar} first. */
export const chokidarLocalWatcher: LocalWatcherFactory = (root, filter, handlers) => {
  if (!chokidarWatch) throw new Error('internal error: chokidar used before loadChokidar()');
  const watcher = chokidarWatch(root, {
    ignoreInitial: true,
    // Symlinks are never synced: events inside a linked folder are of no use.
    followSymlinks: false,
    // Deletions are reported at once, not held back 100 ms to merge them with a re-creation: a
    // move (unlink + add) then lands in one batch, and every path is re-scanned anyway.
    atomic: false,
    ignored: (absolute: string) => {
      const rel = relPathUnder(root, absolute);
      // ferry's own temporary files and excluded names (and whatever lies in excluded folders).
      return rel !== undefined && rel !== '' && filter.isExcludedPath(rel);
    },
  });
  let failed = false;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  watcher.once('ready', () => markReady());
  watcher.on('all', (_event, absolute) => {
    const rel = relPathUnder(root, absolute);
    if (rel !== undefined) handlers.onPath(rel);
  });
  watcher.on('error', (error) => {
    if (failed) return;
    const code = (error as NodeJS.ErrnoException).code;
    // Single unreadable paths (EACCES on one folder) are left to the scans; running out of
    // watches or file handles makes the watcher unreliable as a whole.
    if (code !== undefined && !WATCH_LIMIT_CODES.has(code)) return;
    failed = true;
    markReady();
    handlers.onError(error as NodeJS.ErrnoException);
  });
  return {
    ready,
    close: async () => {
      markReady();
      await watcher.close();
    },
  };
};
