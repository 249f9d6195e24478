/**
 * One incremental pass of a watch: scan the touched paths on both sides, then the planning
 * pipeline of every run (plan-pair.ts) with a pass's own brakes, execute and record, against the
 * state the watch holds.
 */
import type { Backend } from '../../backends/backend.js';
import type { ActionResult } from '../../core/action-result.js';
import type { CaseMode } from '../../core/case-collisions.js';
import { checkPlanSafety, DEFAULT_MAX_DELETE, exceedsDeleteLimit, type DeleteLimit, type SafetyRefusal } from '../../core/check-plan-safety.js';
import { conflictStamp } from '../../core/conflict-copy-name.js';
import type { CompareMethod } from '../../core/content-compare.js';
import type { Entry } from '../../core/entry.js';
import type { PathFilter } from '../../core/path-filter.js';
import { countActions, planActions } from '../../core/plan-actions.js';
import { ROOT, toRelPath, type RelPath } from '../../core/rel-path.js';
import type { ConflictResolver } from '../../core/resolve-conflicts.js';
import { otherSide } from '../../core/side.js';
import type { Snapshot } from '../../core/snapshot.js';
import type { ReconcileOptions, ResolveStrategy } from '../../core/sync-options.js';
import type { StateStore } from '../../state/state-store.js';
import { adoptOwnParts, removeUnusedParts } from '../adopt-parts.js';
import type { BandwidthLimit } from '../bandwidth-limit.js';
import { ByteProgress } from '../byte-progress.js';
import { actionFinishedEvent, actionStartedEvent } from '../events.js';
import { executePlan } from '../execute-plan.js';
import { planPair, type PlannedPair } from '../plan-pair.js';
import type { ResumeContext } from '../resumable-copy.js';
import { countAsDone, countPlanned, countResult, emptyCounts, watchCountsOf } from '../result-counts.js';
import { spelledPair } from '../spelled-backend.js';
import { scanScope } from './scan-scope.js';
import type { WatchCounts, WatchEventListener } from './watch-events.js';

/** What every pass of one watch shares. */
export interface PassContext {
  readonly local: Backend;
  readonly remote: Backend;
  readonly store: StateStore;
  readonly filter: PathFilter;
  readonly reconcile: ReconcileOptions;
  readonly resolve: ResolveStrategy;
  readonly ask?: ConflictResolver;
  readonly dryRun: boolean;
  readonly allowEmptySide: boolean;
  /** `--max-delete` (default 50 %): checked on full passes and on remote changes found by polling. */
  readonly maxDelete?: DeleteLimit;
  /** `--force` in sync mode: the clock-shift brake is off. */
  readonly forceClockShift: boolean;
  readonly compare?: CompareMethod;
  /** `--case`, or `strict` when a side is case-insensitive. */
  readonly caseMode?: CaseMode;
  /** `--backup-dir`: deleted and overwritten files are moved into it (one dated folder per watch). */
  readonly backupDir?: RelPath;
  /** When the watch started (names the backup folder). */
  readonly startedMs: number;
  /** `bwlimit`: the watch's one budget of bytes per second, shared by every pass's copies. */
  readonly bandwidth?: BandwidthLimit;
  /** Big copies keep and continue their parts across passes and reconnections (resumable-copy.ts). */
  readonly resume?: ResumeContext;
  readonly signal?: AbortSignal;
  readonly emit: WatchEventListener;
}

/** What one pass did. */
export interface PassResult extends WatchCounts {
  readonly roots: readonly RelPath[];
  /** The snapshots of a full pass (roots `[""]`), for the next poll to compare with. */
  readonly full?: { readonly local: Snapshot; readonly remote: Snapshot };
  /** Paths of actions that failed or did not run. */
  readonly unfinished: readonly RelPath[];
  /** What this pass wrote on the local side (null: removed), so the watcher's echo is ignored. */
  readonly localWrites: ReadonlyMap<RelPath, Entry | null>;
}

/**
 * Runs one pass over `paths` (`[""]` for a full rescan). Throws when a side cannot be listed for a
 * reason that may pass (the caller reconnects and runs the pass again) and on a safety refusal.
 */
export async function runPass(context: PassContext, paths: Iterable<RelPath>, trigger: 'changes' | 'rescan' | 'poll'): Promise<PassResult> {
  const { store, filter, emit } = context;
  const scan = await scanScope({ local: context.local, remote: context.remote, state: store.state, filter, paths, signal: context.signal });
  // From here on paths are keys (NFC); each side is reached under its own spelling of them.
  const backends = spelledPair(context, scan);
  const counts = emptyCounts();
  const unfinished: RelPath[] = [];
  const localWrites = new Map<RelPath, Entry | null>();
  const full = scan.roots.length === 1 && scan.roots[0] === ROOT ? { local: scan.local, remote: scan.remote } : undefined;
  const result = (): PassResult => ({ roots: scan.roots, full, ...watchCountsOf(counts), unfinished, localWrites });
  for (const item of scan.ignored) emit({ type: 'ignored', side: item.side, path: item.path, why: item.why });
  for (const problem of scan.problems) {
    counts.errors++;
    emit({ type: 'problem', problem });
  }
  if (scan.roots.length === 0) return result();

  const { plan, copyBytes } = await planPair({
    backends,
    local: scan.local,
    remote: scan.remote,
    state: scan.state,
    filter,
    reconcile: context.reconcile,
    resolve: context.resolve,
    ask: context.ask,
    caseMode: context.caseMode,
    compare: context.compare === 'checksum' ? 'checksum' : 'time',
    brakes: (planned) => checkSafety(context, planned, full !== undefined, trigger === 'changes'),
    showRefused: false,
    onAccepted: (accepted) => {
      const files = countActions(accepted, (action) => action.kind === 'copy' || action.kind === 'delete' || action.kind === 'move');
      if (files > 0) emit({ type: 'watch-state', state: 'syncing', paths: scan.roots.length, files });
    },
    emit,
    signal: context.signal,
  });
  countPlanned(counts, plan);
  if (context.dryRun) {
    countAsDone(counts, plan);
    return result();
  }
  const bytes = new ByteProgress(copyBytes, emit);
  // A full pass reaches every file: a part of this watch that none of its copies continues is of
  // a file no longer to be copied (deleted, or copied whole since), and goes after the pass.
  const resume = context.resume;
  if (full && resume) adoptOwnParts(resume.parts, resume.adopted, resume.writer);
  await executePlan(plan, {
    ...backends,
    signal: context.signal,
    bandwidth: context.bandwidth,
    resume: context.resume,
    onBytes: bytes.onBytes,
    backupDir: context.backupDir ? toRelPath(`${context.backupDir}/${conflictStamp(context.startedMs)}`) : undefined,
    isExcludedName: (name) => filter.isExcludedName(name),
    onStart: (action) => emit(actionStartedEvent(action)),
    onResult: async (actionResult) => {
      bytes.onResult(actionResult);
      store.recordResult(actionResult);
      countResult(counts, actionResult);
      if (actionResult.status === 'failed' || actionResult.status === 'not-run') {
        unfinished.push(actionResult.action.path);
        if (actionResult.action.kind === 'move') unfinished.push(actionResult.action.oldPath);
      }
      noteLocalWrite(localWrites, actionResult);
      emit(actionFinishedEvent(actionResult));
    },
  });
  if (full && resume) {
    // Not after an incomplete scan or an unfinished pass: a part's file may be among what it missed.
    if (scan.problems.length === 0 && unfinished.length === 0 && context.signal?.aborted !== true) {
      await removeUnusedParts(resume.parts, resume.adopted, backends).catch(() => undefined);
    }
    resume.adopted.clear();
  }
  return result();
}

/**
 * The brakes of a batch run, for a pass. A full pass (start-up, rescan) is checked like a batch
 * run: empty side, `--max-delete`, clock shift. A partial pass refuses deletions on one side while
 * the other side's root lists as empty although the state recorded entries (an unmounted disk, a
 * folder moved away; that root is listed once, only when the pass would delete), and checks
 * `--max-delete` against the files the state records on that side. Deletions the file watcher
 * reported one by one (`watched`) are the user's own: deleting local files, even the last one, is
 * propagated like any other change.
 */
async function checkSafety(context: PassContext, planned: PlannedPair, full: boolean, watched: boolean): Promise<SafetyRefusal | undefined> {
  const state = context.store.state;
  const { plan } = planned;
  if (full) {
    return checkPlanSafety({
      plan,
      local: planned.local,
      remote: planned.remote,
      state,
      allowEmptySide: context.allowEmptySide,
      maxDelete: context.maxDelete,
      force: context.forceClockShift,
      timeWindowMs: context.reconcile.timeWindowMs,
    });
  }
  if (state.size === 0) return undefined;
  const limit = context.maxDelete ?? DEFAULT_MAX_DELETE;
  for (const side of ['local', 'remote'] as const) {
    if (watched && side === 'local') continue;
    const other = otherSide(side);
    const removals = [];
    for (const action of planActions(plan)) if ((action.kind === 'delete' || action.kind === 'rmdir') && action.side === other) removals.push(action);
    if (removals.length === 0) continue;
    const listed = await (side === 'local' ? context.local : context.remote).list(ROOT);
    const visible = listed.filter((item) => !context.filter.isExcludedName(item.name));
    if (visible.length === 0) {
      // --allow-empty confirmed an emptied side: all of the other side goes, whatever --max-delete says.
      if (context.allowEmptySide) continue;
      return { reason: 'empty-side', side, recorded: state.size, deletions: removals.length };
    }
    const deletions = removals.filter((action) => action.kind === 'delete').length;
    let files = 0;
    for (const record of state.values()) if (record[other]?.kind === 'file') files++;
    if (exceedsDeleteLimit(deletions, files, limit)) return { reason: 'max-delete', side: other, deletions, files, limit };
  }
  return undefined;
}

function noteLocalWrite(writes: Map<RelPath, Entry | null>, result: ActionResult): void {
  if (result.status !== 'done') return;
  const action = result.action;
  if (action.kind === 'copy' && action.to === 'local' && result.written) writes.set(action.path, result.written);
  else if ((action.kind === 'delete' || action.kind === 'rmdir') && action.side === 'local') writes.set(action.path, null);
  else if (action.kind === 'mkdir' && action.side === 'local') writes.set(action.path, { kind: 'dir' });
  else if (action.kind === 'move' && action.side === 'local') {
    writes.set(action.oldPath, null);
    writes.set(action.path, result.written ?? action.expect);
  } else if (action.kind === 'conflict-copy' && action.side === 'local') {
    writes.set(action.path, null);
    writes.set(action.copyPath, action.expect);
  }
}
