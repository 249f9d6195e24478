/**
 * One incremental pass of a watch: scan the touched paths on both sides, then the ordinary
 * reconcile → resolve → plan → safety check → execute → record, against the state the watch holds.
 */
import type { Backend } from '../../backends/backend.js';
import { stateChangeOf, type ActionResult } from '../../core/action-result.js';
import { checkPlanSafety } from '../../core/check-plan-safety.js';
import type { Entry } from '../../core/entry.js';
import type { PathFilter } from '../../core/path-filter.js';
import { buildPlan } from '../../core/plan.js';
import { reconcile } from '../../core/reconcile.js';
import { ROOT, type RelPath } from '../../core/rel-path.js';
import { resolveConflicts, type ConflictResolver } from '../../core/resolve-conflicts.js';
import { otherSide, type Side } from '../../core/side.js';
import type { ReconcileOptions, ResolveStrategy } from '../../core/sync-options.js';
import type { Snapshot } from '../../core/snapshot.js';
import { FerryError } from '../../errors.js';
import type { StateStore } from '../../state/state-store.js';
import { executePlan } from '../execute-plan.js';
import { scanScope } from './scan-scope.js';
import type { WatchEventListener } from './watch-events.js';

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
  readonly signal?: AbortSignal;
  readonly emit: WatchEventListener;
}

/** What one pass did. */
export interface PassResult {
  readonly roots: readonly RelPath[];
  /** The snapshots of a full pass (roots `[""]`), for the next poll to compare with. */
  readonly full?: { readonly local: Snapshot; readonly remote: Snapshot };
  readonly filesCopied: number;
  readonly bytesCopied: number;
  readonly filesDeleted: number;
  readonly foldersCreated: number;
  readonly foldersDeleted: number;
  readonly conflicts: number;
  readonly errors: number;
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
  const { local, remote, store, filter, emit } = context;
  const scan = await scanScope({ local, remote, state: store.state, filter, paths, signal: context.signal });
  const totals = { filesCopied: 0, bytesCopied: 0, filesDeleted: 0, foldersCreated: 0, foldersDeleted: 0, conflicts: 0, errors: 0 };
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

  const decisions = reconcile({ local: scan.local, remote: scan.remote, state: scan.state, filter, options: context.reconcile });
  let strategy = context.resolve;
  if (strategy === 'ask' && !context.ask) strategy = 'skip';
  const resolved = await resolveConflicts(decisions, {
    mode: context.reconcile.mode,
    strategy,
    force: context.reconcile.force,
    delete: context.reconcile.delete,
    timeWindowMs: context.reconcile.timeWindowMs,
    local: scan.local,
    remote: scan.remote,
    ask: context.ask,
  });
  const plan = buildPlan({ mode: context.reconcile.mode, decisions: resolved, local: scan.local, remote: scan.remote, state: scan.state });
  await checkSafety(context, plan, scan, full !== undefined, trigger === 'changes');

  const files = plan.actions.filter((action) => action.kind === 'copy' || action.kind === 'delete').length;
  if (files > 0) emit({ type: 'watch-state', state: 'syncing', paths: scan.roots.length, files });
  for (const action of plan.actions) emit({ type: 'planned', action });
  for (const conflict of plan.conflicts) emit({ type: 'conflict', conflict });
  for (const skip of plan.skipped) emit({ type: 'skipped', skip });
  totals.conflicts += plan.conflicts.length;
  if (context.dryRun) {
    for (const action of plan.actions) count(totals, { action, status: 'done' });
    return result();
  }
  await executePlan(plan, {
    local,
    remote,
    signal: context.signal,
    onStart: (action) => emit({ type: 'action-started', action }),
    onResult: async (actionResult) => {
      const change = stateChangeOf(actionResult);
      if (change) store.record(change);
      count(totals, actionResult);
      if (actionResult.status === 'failed' || actionResult.status === 'not-run') unfinished.push(actionResult.action.path);
      noteLocalWrite(localWrites, actionResult);
      emit({ type: 'action-finished', result: actionResult });
    },
  });
  return result();
}

/**
 * The empty-side brake of a batch run, for a pass: deletions on one side are refused while the
 * other side's root lists as empty although the state recorded entries (an unmounted disk, a
 * folder moved away). A partial pass lists that root once, only when it would delete. Deletions
 * the file watcher reported one by one (`watched`) are the user's own: deleting the last local
 * file is propagated like any other.
 */
async function checkSafety(context: PassContext, plan: ReturnType<typeof buildPlan>, scan: { local: Snapshot; remote: Snapshot }, full: boolean, watched: boolean): Promise<void> {
  const state = context.store.state;
  if (context.allowEmptySide || state.size === 0) return;
  if (full) {
    const refusal = checkPlanSafety({ plan, local: scan.local, remote: scan.remote, state, allowEmptySide: false });
    if (refusal) throw refusalError(context, refusal.side, refusal.recorded, refusal.deletions);
    return;
  }
  for (const side of ['local', 'remote'] as const) {
    if (watched && side === 'local') continue;
    const other = otherSide(side);
    const deletions = plan.actions.filter((action) => (action.kind === 'delete' || action.kind === 'rmdir') && action.side === other).length;
    if (deletions === 0) continue;
    const listed = await (side === 'local' ? context.local : context.remote).list(ROOT);
    const visible = listed.filter((item) => !context.filter.isExcludedName(item.name));
    if (visible.length === 0) throw refusalError(context, side, state.size, deletions);
  }
}

function refusalError(context: PassContext, side: Side, recorded: number, deletions: number): FerryError {
  const folder = side === 'local' ? context.local.displayName : context.remote.displayName;
  return new FerryError(
    'safety',
    `the ${side} folder ${folder} is empty, but the last sync recorded ${recorded} ${recorded === 1 ? 'entry' : 'entries'}; refusing to delete ${deletions} on the ${otherSide(side)} side (restart with --allow-empty if you really emptied it)`,
  );
}

function count(totals: { filesCopied: number; bytesCopied: number; filesDeleted: number; foldersCreated: number; foldersDeleted: number; conflicts: number; errors: number }, result: ActionResult): void {
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
}

function noteLocalWrite(writes: Map<RelPath, Entry | null>, result: ActionResult): void {
  if (result.status !== 'done') return;
  const action = result.action;
  if (action.kind === 'copy' && action.to === 'local' && result.written) writes.set(action.path, result.written);
  else if ((action.kind === 'delete' || action.kind === 'rmdir') && action.side === 'local') writes.set(action.path, null);
  else if (action.kind === 'mkdir' && action.side === 'local') writes.set(action.path, { kind: 'dir' });
}
