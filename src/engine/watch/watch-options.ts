/**
 * The options of a watch and their defaults.
 */
import type { AnyRunOptions } from '../run-options.js';
import type { LocalWatcherFactory } from './local-watcher.js';
import type { LocalChangeSource, WatchEventListener } from './watch-events.js';
import { makePathFilter } from '../load-path-filter.js';
import { bwlimitOf } from '../run-options.js';
import { FerryError } from '../../errors.js';

/** Default fastest remote polling interval (mode `sync`), in seconds. */
export const DEFAULT_POLL_SECONDS = 5;
/** Default interval of full rescans of both sides, in seconds. */
export const DEFAULT_RESCAN_SECONDS = 600;
/** Quiet time after the last local event before a pass starts. */
export const DEFAULT_DEBOUNCE_MS = 50;

/** Options of a watch: those of a run, plus how to watch. */
export interface WatchOptions extends Omit<AnyRunOptions, 'onEvent' | 'removePyftpsyncMeta'> {
  /** `upload` (default): local changes go to the remote side. `sync`: both ways. */
  readonly mode?: 'upload' | 'sync';
  /** Fastest remote polling interval in `sync` mode, in seconds (default 5; backs off while quiet). */
  readonly pollSeconds?: number;
  /** Full rescan of both sides every this many seconds (default 600; 0: never). */
  readonly rescanSeconds?: number;
  /** Quiet time after a local event before acting, in ms (default 50). */
  readonly debounceMs?: number;
  /**
   * How local changes are found: `watcher` (default; falls back to `rescan` when the system's
   * watch limit is reached or LOCAL is not a local folder) or `rescan` (scan every poll interval).
   */
  readonly localChanges?: LocalChangeSource;
  readonly onEvent?: WatchEventListener;
}

/** Replaceable parts, for tests. */
export interface WatchDependencies {
  readonly createWatcher?: LocalWatcherFactory;
}

/** Throws a usage FerryError for options a watch cannot run with. */
export function validateWatchOptions(options: WatchOptions): void {
  const mode = options.mode ?? 'upload';
  if (mode !== 'upload' && mode !== 'sync') throw new FerryError('usage', `watch mode must be upload or sync, not ${String(mode)}`);
  const poll = options.pollSeconds ?? DEFAULT_POLL_SECONDS;
  if (!(poll > 0) || !Number.isFinite(poll)) throw new FerryError('usage', '`pollSeconds` must be a number of seconds above 0');
  const rescan = options.rescanSeconds ?? DEFAULT_RESCAN_SECONDS;
  if (!(rescan >= 0) || !Number.isFinite(rescan)) throw new FerryError('usage', '`rescanSeconds` must be a number of seconds (0 turns it off)');
  // A bad rate is refused before anything connects (the start-up run would find it only then).
  bwlimitOf(options);
  makePathFilter(options, [], undefined);
}
