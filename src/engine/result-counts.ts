/**
 * The one count of what actions did, shared by batch runs and watch passes. Exhaustive over every
 * result status and action kind: a new kind does not compile until it is counted here.
 */
import type { ActionResult } from '../core/action-result.js';
import type { Plan } from '../core/plan.js';
import { planActions } from '../core/plan-actions.js';
import { assertNever } from '../core/side.js';
import type { RunSummary } from './events.js';
import type { WatchCounts } from './watch/watch-events.js';

/** The totals a run's summary carries, being counted. */
export type ResultCounts = { -readonly [K in Exclude<keyof RunSummary, 'mode' | 'dryRun' | 'elapsedMs'>]: RunSummary[K] };

/** Counts with nothing counted yet. */
export function emptyCounts(): ResultCounts {
  return {
    filesCopied: 0,
    bytesCopied: 0,
    filesDeleted: 0,
    foldersCreated: 0,
    foldersDeleted: 0,
    conflictCopies: 0,
    moved: 0,
    recorded: 0,
    conflicts: 0,
    skipped: 0,
    errors: 0,
    interrupted: false,
  };
}

/** Adds a finished (or, in a dry run, planned as `done`) action to the counts. */
export function countResult(counts: ResultCounts, result: ActionResult): void {
  switch (result.status) {
    case 'failed':
      counts.errors++;
      return;
    case 'conflict':
      counts.conflicts++;
      return;
    case 'not-run':
      if (result.why === 'interrupted') counts.interrupted = true;
      return;
    case 'done':
      break;
    default:
      assertNever(result);
  }
  const action = result.action;
  switch (action.kind) {
    case 'copy':
      counts.filesCopied++;
      counts.bytesCopied += result.bytes ?? action.source.size;
      break;
    case 'delete':
      counts.filesDeleted++;
      break;
    case 'mkdir':
      counts.foldersCreated++;
      break;
    case 'move':
      counts.moved++;
      counts.bytesCopied += result.bytes ?? 0;
      break;
    case 'rmdir':
      counts.foldersDeleted++;
      break;
    case 'record':
      counts.recorded++;
      break;
    case 'conflict-copy':
      counts.conflictCopies++;
      break;
    case 'forget':
      break;
    default:
      assertNever(action);
  }
}

/** Adds what a plan leaves undone: its conflicts and its skipped changes. */
export function countPlanned(counts: ResultCounts, plan: Plan): void {
  counts.conflicts += plan.conflicts.length;
  counts.skipped += plan.skipped.length;
}

/** A dry run's counts: every planned action as if done. */
export function countAsDone(counts: ResultCounts, plan: Plan): void {
  for (const action of planActions(plan)) countResult(counts, { action, status: 'done' });
}

/** Every field of {@link WatchCounts}: a field added there must be named here. */
const WATCH_COUNT_KEYS: { readonly [K in keyof WatchCounts]: true } = {
  filesCopied: true,
  bytesCopied: true,
  filesDeleted: true,
  foldersCreated: true,
  foldersDeleted: true,
  moved: true,
  conflicts: true,
  errors: true,
};

/** The part of `counts` a watch reports (its passes and its summary). */
export function watchCountsOf(counts: WatchCounts): WatchCounts {
  const picked = {} as { -readonly [K in keyof WatchCounts]: number };
  for (const key of Object.keys(WATCH_COUNT_KEYS) as (keyof WatchCounts)[]) picked[key] = counts[key];
  return picked;
}

/** Adds `more` into `into`, field by field of {@link WatchCounts}. */
export function addWatchCounts(into: { -readonly [K in keyof WatchCounts]: number }, more: WatchCounts): void {
  for (const key of Object.keys(WATCH_COUNT_KEYS) as (keyof WatchCounts)[]) into[key] += more[key];
}
