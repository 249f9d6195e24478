/**
 * One incremental pass of a watch: scan the touched paths on both sides, then the ordinary
 * reconcile → resolve → plan → safety check → execute → record, against the state the watch holds.
 */
import { ByteProgress } from '../byte-progress.js';
import { spellerOf } from '../../core/spellings.js';
import { spelledBackend } from '../spelled-backend.js';
import { describeHeldBack, holdBackDeletes } from '../../core/hold-back-deletes.js';
import type { Backend } from '../../backends/backend.js';
import type { ActionResult } from '../../core/action-result.js';
import { settleCaseSpellings, type CaseMode } from '../../core/case-collisions.js';
import { checkPlanSafety, DEFAULT_MAX_DELETE, describeRefusal, exceedsDeleteLimit, type DeleteLimit } from '../../core/check-plan-safety.js';
import { conflictStamp } from '../../core/conflict-copy-name.js';
import type { CompareMethod } from '../../core/content-compare.js';
import type { PlannedMove } from '../../core/detect-moves.js';
import type { Entry } from '../../core/entry.js';
import type { PathFilter } from '../../core/path-filter.js';
import { buildPlan } from '../../core/plan.js';
import { countActions, planActions } from '../../core/plan-actions.js';
import { reconcile } from '../../core/reconcile.js';
import { ROOT, toRelPath, type RelPath } from '../../core/rel-path.js';
import { resolveConflicts, type ConflictResolver } from '../../core/resolve-conflicts.js';
import { otherSide } from '../../core/side.js';
import type { ReconcileOptions, ResolveStrategy } from '../../core/sync-options.js';
import type { Snapshot } from '../../core/snapshot.js';
import { SafetyError } from '../../errors.js';
import { adoptEqualByContent } from '../adopt-equal-by-content.js';
import type { StateStore } from '../../state/state-store.js';
import { executePlan } from '../execute-plan.js';
import { planMoves } from '../plan-moves.js';
import { withFileReader } from '../read-prefix.js';
import { scanScope } from './scan-scope.js';
import { actionFinishedEvent, actionStartedEvent, plannedEvent } from '../events.js';
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
  let { local, remote } = context;
  const scan = await scanScope({ local, remote, state: store.state, filter, paths, signal: context.signal });
  // From here on paths are keys (NFC); each side is reached under its own spelling of them.
  const speller = spellerOf({ local: scan.local, remote: scan.remote });
  if (speller) {
    local = spelledBackend(local, 'local', speller);
    remote = spelledBackend(remote, 'remote', speller);
  }
  const totals: Totals = { filesCopied: 0, bytesCopied: 0, filesDeleted: 0, foldersCreated: 0, foldersDeleted: 0, moved: 0, conflicts: 0, errors: 0 };
  const unfinished: RelPath[] = [];
  const localWrites = new Map<RelPath, Entry | null>();
  const full = scan.roots.length === 1 && scan.roots[0] === ROOT ? { local: scan.local, remote: scan.remote } : undefined;
  const result = (): PassResult => ({ roots: scan.roots, full, ...totals, unfinished, localWrites });
  for (const item of scan.ignored) emit({ type: 'ignored', side: item.side, path: item.path, why: item.why });
  for (const problem of scan.problems) {
    totals.errors++;
    emit({ type: 'problem', problem });
  }
  if (scan.roots.length === 0) return result();

  // The same steps as a batch run (run-sync.ts): case collisions, content comparison, moves.
  let { local: localSnapshot, remote: remoteSnapshot, state } = scan;
  let caseRenames: PlannedMove[] = [];
  let collisions: RelPath[][] = [];
  if (context.caseMode) {
    const settled = settleCaseSpellings({ local: localSnapshot, remote: remoteSnapshot, state, caseMode: context.caseMode, mode: context.reconcile.mode });
    ({ renames: caseRenames, collisions, state } = settled);
    localSnapshot = settled.local;
    remoteSnapshot = settled.remote;
  }
  let decisions = reconcile({ local: localSnapshot, remote: remoteSnapshot, state, filter, options: context.reconcile });
  if (context.compare === 'checksum') {
    ({ decisions } = await adoptEqualByContent(decisions, { local, remote }, localSnapshot, remoteSnapshot, emit, context.signal));
  }
  let strategy = context.resolve;
  if (strategy === 'ask' && !context.ask) strategy = 'skip';
  const resolved = await resolveConflicts(decisions, {
    mode: context.reconcile.mode,
    strategy,
    force: context.reconcile.force,
    delete: context.reconcile.delete,
    timeWindowMs: context.reconcile.timeWindowMs,
    local: localSnapshot,
    remote: remoteSnapshot,
    // The questions can show a diff or the first differing byte: they read both files.
    ask: context.ask ? withFileReader(context.ask, { local, remote }) : undefined,
  });
  // A folder whose listing had refused entries is never mirrored: its deletions wait.
  const held = holdBackDeletes(resolved, { local: localSnapshot, remote: remoteSnapshot });
  for (const folder of held.folders) emit({ type: 'warning', message: describeHeldBack(folder) });
  const paired = await planMoves({ decisions: held.decisions, local: localSnapshot, remote: remoteSnapshot, state, collisions, caseRenames, backends: { local, remote }, signal: context.signal });
  const plan = buildPlan({ mode: context.reconcile.mode, decisions: paired.decisions, moves: paired.moves, local: localSnapshot, remote: remoteSnapshot, state });
  await checkSafety(context, plan, { local: localSnapshot, remote: remoteSnapshot }, full !== undefined, trigger === 'changes');

  const files = countActions(plan, (action) => action.kind === 'copy' || action.kind === 'delete' || action.kind === 'move');
  if (files > 0) emit({ type: 'watch-state', state: 'syncing', paths: scan.roots.length, files });
  let copyBytes = 0;
  for (const action of planActions(plan)) {
    if (action.kind === 'copy') copyBytes += action.source.size;
    emit(plannedEvent(action));
  }
  for (const conflict of plan.conflicts) emit({ type: 'conflict', conflict });
  for (const skip of plan.skipped) emit({ type: 'skipped', skip });
  totals.conflicts += plan.conflicts.length;
  if (context.dryRun) {
    for (const action of planActions(plan)) count(totals, { action, status: 'done' });
    return result();
  }
  const bytes = new ByteProgress(copyBytes, emit);
  await executePlan(plan, {
    local,
    remote,
    signal: context.signal,
    onBytes: bytes.onBytes,
    backupDir: context.backupDir ? toRelPath(`${context.backupDir}/${conflictStamp(context.startedMs)}`) : undefined,
    isExcludedName: (name) => filter.isExcludedName(name),
    onStart: (action) => emit(actionStartedEvent(action)),
    onResult: async (actionResult) => {
      bytes.onResult(actionResult);
      store.recordResult(actionResult);
      count(totals, actionResult);
      if (actionResult.status === 'failed' || actionResult.status === 'not-run') {
        unfinished.push(actionResult.action.path);
        if (actionResult.action.kind === 'move') unfinished.push(actionResult.action.oldPath);
      }
      noteLocalWrite(localWrites, actionResult);
      emit(actionFinishedEvent(actionResult));
    },
  });
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
async function checkSafety(context: PassContext, plan: ReturnType<typeof buildPlan>, scan: { local: Snapshot; remote: Snapshot }, full: boolean, watched: boolean): Promise<void> {
  const state = context.store.state;
  const folders = { local: context.local.displayName, remote: context.remote.displayName };
  if (full) {
    const refusal = checkPlanSafety({
      plan,
      local: scan.local,
      remote: scan.remote,
      state,
      allowEmptySide: context.allowEmptySide,
      maxDelete: context.maxDelete,
      force: context.forceClockShift,
      timeWindowMs: context.reconcile.timeWindowMs,
    });
    if (refusal) throw new SafetyError(refusal, describeRefusal(refusal, folders));
    return;
  }
  if (state.size === 0) return;
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
      const refusal = { reason: 'empty-side', side, recorded: state.size, deletions: removals.length } as const;
      throw new SafetyError(refusal, describeRefusal(refusal, folders));
    }
    const deletions = removals.filter((action) => action.kind === 'delete').length;
    let files = 0;
    for (const record of state.values()) if (record[other]?.kind === 'file') files++;
    if (exceedsDeleteLimit(deletions, files, limit)) {
      const refusal = { reason: 'max-delete', side: other, deletions, files, limit } as const;
      throw new SafetyError(refusal, describeRefusal(refusal, folders));
    }
  }
}

type Totals = { -readonly [K in keyof WatchCounts]: WatchCounts[K] };

function count(totals: Totals, result: ActionResult): void {
  if (result.status === 'failed') totals.errors++;
  else if (result.status === 'conflict') totals.conflicts++;
  if (result.status !== 'done') return;
  const action = result.action;
  if (action.kind === 'copy') {
    totals.filesCopied++;
    totals.bytesCopied += result.bytes ?? action.source.size;
  } else if (action.kind === 'delete') totals.filesDeleted++;
  else if (action.kind === 'mkdir') totals.foldersCreated++;
  else if (action.kind === 'rmdir') totals.foldersDeleted++;
  else if (action.kind === 'move') {
    totals.moved++;
    totals.bytesCopied += result.bytes ?? 0;
  }
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
