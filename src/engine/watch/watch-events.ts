/**
 * Events of a watch: everything a run reports (its {@link SyncEvent}s, for the start-up run and
 * for every incremental pass), plus the watch's own. Rendered by the CLI as lines or NDJSON.
 */
import type { Side } from '../../core/side.js';
import type { SyncEvent } from '../events.js';

/** What the watch is doing right now. */
export type WatchActivity =
  /** Idle, waiting for changes. */
  | 'watching'
  /** A pass over changed paths (or a full rescan) is running. */
  | 'syncing'
  /** A side could not be reached: changes queue until it answers again. */
  | 'reconnecting'
  /** Interrupted: finishing in-flight work and saving the state. */
  | 'stopping';

/** How local changes are found. */
export type LocalChangeSource = 'watcher' | 'rescan';

/** What was done, counted: by one pass, or by a whole watch. */
export interface WatchCounts {
  readonly filesCopied: number;
  readonly bytesCopied: number;
  readonly filesDeleted: number;
  readonly foldersCreated: number;
  readonly foldersDeleted: number;
  /** Files and folders renamed on one side because the other side renamed them. */
  readonly moved: number;
  readonly conflicts: number;
  readonly errors: number;
}

/** Totals of a whole watch, from start-up to the end. */
export interface WatchSummary extends WatchCounts {
  readonly mode: 'upload' | 'sync';
  readonly dryRun: boolean;
  /** Incremental passes run after the start-up run (rescans included). */
  readonly passes: number;
  /** True when the watch ended because it was interrupted (the normal way to end one). */
  readonly interrupted: boolean;
  readonly elapsedMs: number;
}

/** Everything a watch reports. */
export type WatchEvent =
  | SyncEvent
  /** The start-up run is done; from now on changes are picked up as they happen. */
  | {
      readonly type: 'watch-started';
      readonly local: LocalChangeSource;
      /** Remote polling interval at its fastest (sync mode), in ms; null when the remote is not polled. */
      readonly pollMs: number | null;
      /** Interval of full rescans of both sides in ms; null when off. */
      readonly rescanMs: number | null;
    }
  /**
   * `paths`: paths re-scanned by the pass (syncing) or changes queued (reconnecting); `files`: files
   * the pass copies or deletes, once planned.
   */
  | {
      readonly type: 'watch-state';
      readonly state: WatchActivity;
      readonly paths?: number;
      readonly files?: number;
      readonly retryInMs?: number;
      readonly reason?: string;
    }
  /** One incremental pass finished. `trigger` says what started it. */
  | ({
      readonly type: 'watch-pass';
      readonly trigger: 'changes' | 'rescan' | 'poll';
      /** Paths re-scanned (folders with their contents); 0 for a full rescan. */
      readonly paths: number;
      readonly full: boolean;
      readonly elapsedMs: number;
    } & Omit<WatchCounts, 'bytesCopied'>)
  /** A side's polling found changes (sync mode: the remote; rescan fallback: the local side). */
  | { readonly type: 'watch-polled'; readonly side: Side; readonly changed: number; readonly nextInMs: number }
  | { readonly type: 'watch-summary'; readonly summary: WatchSummary };

/** Receives watch events. Must not throw. */
export type WatchEventListener = (event: WatchEvent) => void;
