/**
 * Typed events a run emits as it goes. The CLI renders them as lines or NDJSON (`--json`); library
 * callers get them through `onEvent`. The JSON form is documented in docs/json-events.md.
 */
import type { ActionResult } from '../core/action-result.js';
import type { Action, PlannedConflict, PlannedSkip } from '../core/plan.js';
import type { Side } from '../core/side.js';
import type { SyncMode } from '../core/sync-options.js';
import { plainConstructor, type Mutable } from '../core/plain-constructor.js';
import type { Problem } from './problem.js';

/** Version of the event schema; bumped on incompatible changes. */
export const EVENT_SCHEMA_VERSION = 1;

/** Totals of a run. */
export interface RunSummary {
  readonly mode: SyncMode;
  readonly dryRun: boolean;
  /** Files copied (or that would be, in a dry run). */
  readonly filesCopied: number;
  readonly bytesCopied: number;
  readonly filesDeleted: number;
  readonly foldersCreated: number;
  readonly foldersDeleted: number;
  /** keep-both: losing versions renamed to a conflict copy name (then copied to the other side). */
  readonly conflictCopies: number;
  /** Files and folders renamed on one side because the other side renamed them (no transfer). */
  readonly moved: number;
  /** Paths recorded as in sync without a transfer. */
  readonly recorded: number;
  /** Conflicts left unresolved (including targets that changed during the run). */
  readonly conflicts: number;
  /** One-sided changes this mode does not propagate. */
  readonly skipped: number;
  /** Failed actions and scan problems. */
  readonly errors: number;
  readonly interrupted: boolean;
  readonly elapsedMs: number;
}

/** Everything a run reports, in order. */
export type SyncEvent =
  | { readonly type: 'start'; readonly schema: number; readonly mode: SyncMode; readonly local: string; readonly remote: string; readonly dryRun: boolean }
  | { readonly type: 'scanned'; readonly side: Side; readonly entries: number; readonly unreadable: number }
  | { readonly type: 'ignored'; readonly side: Side; readonly path: string; readonly why: string }
  /** `compare: 'checksum'`: two same-sized files compared by content (`by`: server hash or read here). */
  | {
      readonly type: 'compared';
      readonly path: string;
      readonly equal: boolean;
      readonly algorithm: string;
      readonly by: Readonly<Record<Side, 'server' | 'read'>>;
    }
  | { readonly type: 'planned'; readonly action: Action }
  | { readonly type: 'conflict'; readonly conflict: PlannedConflict }
  | { readonly type: 'skipped'; readonly skip: PlannedSkip }
  | { readonly type: 'action-started'; readonly action: Action }
  | { readonly type: 'action-finished'; readonly result: ActionResult }
  /**
   * A copy in flight moved: `bytes` of the file's `size` are on their way (this attempt), and
   * `runBytes` of the run's `runTotalBytes` (finished copies plus those in flight). At least every
   * second while a file's bytes move; none for a file done within half a second.
   */
  | {
      readonly type: 'progress';
      readonly path: string;
      readonly bytes: number;
      readonly size: number;
      readonly runBytes: number;
      readonly runTotalBytes: number;
    }
  | { readonly type: 'problem'; readonly problem: Problem }
  | { readonly type: 'warning'; readonly message: string }
  /** The state of a pair ferry never synced was seeded from pyftpsync's metadata. */
  | { readonly type: 'migrated'; readonly records: number }
  /** `removePyftpsyncMeta`: pyftpsync's metadata and lock files removed after the run. */
  | { readonly type: 'pyftpsync-meta-removed'; readonly files: number }
  /** Temporary files that killed or failed runs of this pair left on a side, removed before planning. */
  | { readonly type: 'temps-removed'; readonly side: Side; readonly files: number }
  | { readonly type: 'summary'; readonly summary: RunSummary };

/** Receives events. Must not throw. */
export type EventListener = (event: SyncEvent) => void;

type EventOf<K extends SyncEvent['type']> = Mutable<Extract<SyncEvent, { type: K }>>;

// A run emits these once per action, a million times in a first sync of a huge tree, and each dies
// at once: plain objects without an allocation site (core/plain-constructor.ts).
const PlannedEvent = plainConstructor(function (this: EventOf<'planned'>, action: Action) {
  this.type = 'planned';
  this.action = action;
});
const ActionStartedEvent = plainConstructor(function (this: EventOf<'action-started'>, action: Action) {
  this.type = 'action-started';
  this.action = action;
});
const ActionFinishedEvent = plainConstructor(function (this: EventOf<'action-finished'>, result: ActionResult) {
  this.type = 'action-finished';
  this.result = result;
});

/** `{ type: 'planned', action }`. */
export function plannedEvent(action: Action): SyncEvent {
  return new PlannedEvent(action);
}

/** `{ type: 'action-started', action }`. */
export function actionStartedEvent(action: Action): SyncEvent {
  return new ActionStartedEvent(action);
}

/** `{ type: 'action-finished', result }`. */
export function actionFinishedEvent(result: ActionResult): SyncEvent {
  return new ActionFinishedEvent(result);
}
