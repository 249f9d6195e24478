/**
 * Running a plan against the two backends: phase by phase, pooled, each overwrite and delete
 * preceded by a re-check of its target.
 */
import { setMaxListeners } from 'node:events';
import type { Backend } from '../backends/backend.js';
import { doneResult, type ActionResult } from '../core/action-result.js';
import { depthOf, parentOf, type RelPath } from '../core/rel-path.js';
import { BackupMover } from './backup-mover.js';
import { sameEntry } from '../core/entry.js';
import { PLAN_PHASES, type Action, type PlanPhase, type Plan } from '../core/plan.js';
import { phaseActions, type ActionSequence } from '../core/plan-actions.js';
import type { Side } from '../core/side.js';
import { isBackendError } from '../errors.js';
import { copyFile } from './copy-file.js';
import type { CopyRequest } from './copy-request.js';
import type { BandwidthLimit } from './bandwidth-limit.js';
import { copyResumable, isResumable, type ResumeContext } from './resumable-copy.js';
import type { FileEntry } from '../core/entry.js';
import { failureMessage } from './failure-message.js';
import { performMove } from './perform-move.js';
import { runPool } from './task-pool.js';
import { meansServerGone } from './server-gone.js';

/** Options of {@link executePlan}. */
export interface ExecuteOptions {
  readonly local: Backend;
  readonly remote: Backend;
  readonly signal?: AbortSignal;
  /** Called before each action starts. */
  readonly onStart?: (action: Action) => void;
  /** Called as each action ends, before the next phase starts; awaited (it journals the state). */
  readonly onResult: (result: ActionResult) => Promise<void>;
  /**
   * Hears the bytes a copy has handed to its target so far (this attempt: a retry starts again
   * from 0), many times a second; must be cheap and must not throw.
   */
  readonly onBytes?: (action: Action, bytes: number) => void;
  /** Names the scan left out (`--exclude`): a folder move may carry them along. */
  readonly isExcludedName?: (name: string) => boolean;
  /** Attempts after a retryable failure (dropped connection, timeout). Default 2. */
  readonly retries?: number;
  /** `--backup-dir`: the run's backup folder; files are moved there instead of deleted or overwritten. */
  readonly backupDir?: RelPath;
  /**
   * Collect every result for the returned list (default true). A run that handles each result in
   * `onResult` passes false: the results of a million actions are not kept until the end then.
   */
  readonly collectResults?: boolean;
  /** `--bwlimit`: the run's budget of bytes per second, shared by every copy. */
  readonly bandwidth?: BandwidthLimit;
  /** Big copies keep and continue their parts (resumable-copy.ts). */
  readonly resume?: ResumeContext;
  /**
   * How long transfers in flight may go on after `signal` aborts, to finish (ms, default
   * {@link TRANSFER_GRACE_MS}); then they are stopped and their temporary files removed.
   */
  readonly graceMs?: number;
}

/** What {@link executePlan} gives back. */
export interface ExecuteOutcome {
  /** Every result, unless `collectResults` was false. */
  readonly results: ActionResult[];
  /**
   * Set when the run stopped because a server stopped answering: an action still failed with a
   * timeout, or for want of a new connection, after its retries (server-gone.ts). Actions not started then are `not-run`
   * (`server-lost`).
   */
  readonly serverLost?: unknown;
}

/** Transfers in flight when the run is interrupted get this long to finish (ms). */
export const TRANSFER_GRACE_MS = 2000;

const retryDelayMs = (attempt: number): number => 200 * 2 ** attempt;

/**
 * Executes the plan. Deletes (and folder removals) run only when every copy and folder creation
 * succeeded. When the signal aborts, actions not yet started are reported as `not-run`
 * (`interrupted`), retries stop, operations in flight end (each bounded by the backend's timeout)
 * and transfers in flight get `graceMs` to finish before they are stopped. When an action still
 * fails with a timeout or for want of a connection after its retries, the server is taken to be gone:
 * the run stops the same way at once (no grace), and the rest is `not-run` (`server-lost`).
 */
export async function executePlan(plan: Plan, options: ExecuteOptions): Promise<ActionResult[]> {
  return (await executePlanOutcome(plan, options)).results;
}

/** {@link executePlan}, also telling whether the run stopped because a server was lost. */
export async function executePlanOutcome(plan: Plan, options: ExecuteOptions): Promise<ExecuteOutcome> {
  // `stop`: no new work, no more retries. `transfers`: what copies and moves listen to.
  const stop = new AbortController();
  const transfers = new AbortController();
  // Every action in flight listens on them; dozens at once are expected, not a leak.
  setMaxListeners(0, stop.signal, transfers.signal);
  let serverLost: unknown;
  let graceTimer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    stop.abort(options.signal?.reason);
    graceTimer = setTimeout(() => transfers.abort(options.signal?.reason), options.graceMs ?? TRANSFER_GRACE_MS);
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const loseServer = (error: unknown): void => {
    if (serverLost !== undefined) return;
    serverLost = error;
    stop.abort(error);
    transfers.abort(error);
  };
  try {
    const results = await executeWith(plan, options, stop.signal, transfers.signal, loseServer, () => serverLost !== undefined);
    return { results, serverLost };
  } finally {
    clearTimeout(graceTimer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

async function executeWith(
  plan: Plan,
  options: ExecuteOptions,
  stopSignal: AbortSignal,
  transferSignal: AbortSignal,
  loseServer: (error: unknown) => void,
  isServerLost: () => boolean,
): Promise<ActionResult[]> {
  const notRun = (action: Action): ActionResult => ({ action, status: 'not-run', why: isServerLost() ? 'server-lost' : 'interrupted' });
  const backends: Record<Side, Backend> = { local: options.local, remote: options.remote };
  const concurrency = Math.min(options.local.capabilities.maxConcurrency, options.remote.capabilities.maxConcurrency);
  const results: ActionResult[] = [];
  const collect = options.collectResults ?? true;
  /** Folders this run created (`side:path`): nothing else can have put a file there since the scan. */
  const createdFolders = new Set<string>();
  let creationFailed = false;
  const backup = options.backupDir === undefined ? undefined : new BackupMover(backends, options.backupDir);
  /** Conflict copies (`side:copyPath`) whose rename did not happen: nothing to copy across then. */
  const copiesNotMade = new Set<string>();

  const report = async (result: ActionResult): Promise<void> => {
    if (collect) results.push(result);
    if (
      result.status === 'failed' &&
      (result.action.kind === 'copy' || result.action.kind === 'mkdir' || result.action.kind === 'move' || result.action.kind === 'conflict-copy')
    ) {
      creationFailed = true;
    }
    if (result.action.kind === 'conflict-copy' && result.status !== 'done') copiesNotMade.add(`${result.action.side}:${result.action.copyPath}`);
    await options.onResult(result);
  };

  /**
   * Copies that hit a full disk while other copies were writing in parallel: their space may have
   * been taken by copies that then failed too (and removed their temporary files). They are tried
   * again one at a time, smallest first, once the parallel copies are over, so the files that fit
   * are copied.
   */
  let heldForSpace: Action[] = [];

  const runOne = async (action: Action, serial = false): Promise<void> => {
    if (stopSignal.aborted) return report(notRun(action));
    if (action.kind === 'copy' && copiesNotMade.has(`${action.from}:${action.path}`)) {
      return report({
        action,
        status: 'conflict',
        reason: 'changed-during-sync',
        detail: `${action.path}: not made, since ${action.from === 'local' ? 'the local' : 'the remote'} version could not be moved aside`,
      });
    }
    options.onStart?.(action);
    const attempts = (options.retries ?? 2) + 1;
    for (let attempt = 0; ; attempt++) {
      try {
        return await report(await perform(action, backends, createdFolders, transferSignal, backup, options.isExcludedName, options.onBytes, options));
      } catch (error) {
        const retry = isBackendError(error) && error.retryable && attempt + 1 < attempts && !stopSignal.aborted;
        if (retry) {
          // The back-off ends early when the run stops.
          await waitUnlessAborted(retryDelayMs(attempt), stopSignal);
          if (!stopSignal.aborted) continue;
        }
        const interrupted = options.signal?.aborted === true;
        // Stopped because another action found the server gone.
        if (!interrupted && isServerLost()) return report(notRun(action));
        // Still no connection after the retries: the server is gone; nothing else will work.
        if (!interrupted && meansServerGone(error)) loseServer(error);
        if (!interrupted && !serial && action.kind === 'copy' && isBackendError(error, 'no-space')) {
          heldForSpace.push(action);
          return;
        }
        return report(interrupted ? { action, status: 'not-run', why: 'interrupted' } : { action, status: 'failed', error: failureMessage(action, error) });
      }
    }
  };

  for (const phase of PLAN_PHASES) {
    // The record phase of a compact plan is made one action at a time (plan-actions.ts).
    const actions = phaseActions(plan, phase);
    if (actions.length === 0) continue;
    if ((phase === 'delete' || phase === 'rmdir') && creationFailed) {
      for (const action of actions) await report({ action, status: 'not-run', why: 'copy-failed' });
      continue;
    }
    // Folders must exist before their contents (mkdir: shallow first) and be empty before they go
    // (rmdir: deep first): run one depth level at a time, in parallel within a level.
    for (const group of groupByDepth(actions, phase)) {
      // One iterator shared by the pool and the loop after it: what the pool did not take is left.
      const iterator = group[Symbol.iterator]();
      const pending: Iterable<Action> = { [Symbol.iterator]: () => iterator };
      await runPool(pending, concurrency, (action) => runOne(action), stopSignal);
      const held = heldForSpace.sort((a, b) => sizeOf(a) - sizeOf(b));
      heldForSpace = [];
      for (const action of held) await runOne(action, true);
      // Every action the pool started has been reported (held ones just now); what is left in
      // the iterator never started because the run was interrupted. No set of finished actions:
      // a phase can hold a million of them.
      for (const action of pending) await report(notRun(action));
    }
  }
  return results;
}

/** Waits `ms`, or less when `signal` aborts first. */
function waitUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function sizeOf(action: Action): number {
  return action.kind === 'copy' ? action.source.size : 0;
}

/** Splits a phase into groups that may run in parallel, in the order they must run. */
function groupByDepth(actions: ActionSequence, phase: PlanPhase): Iterable<Action>[] {
  const levelled = phase === 'mkdir' || phase === 'rmdir' || phase === 'clear';
  if (!levelled) return [actions];
  // Actions are already ordered (mkdir shallow first, removals deep first): cut where the depth
  // or the kind changes.
  const groups: Action[][] = [];
  let last: Action | undefined;
  for (const action of actions) {
    if (!last || depthOf(last.path) !== depthOf(action.path) || last.kind !== action.kind) groups.push([]);
    groups[groups.length - 1]!.push(action);
    last = action;
  }
  return groups;
}

/** One file's copy: resumable when it is big and the run keeps parts (`resume`). */
function copyOne(request: CopyRequest, resume: ResumeContext | undefined): Promise<{ written: FileEntry; bytes: number; resumedFrom?: number }> {
  if (resume && isResumable(request.to, request.source)) return copyResumable(resume, request);
  return copyFile(request.from, request.to, request.path, request.source, request.signal, request.onBytes, { throttle: request.throttle });
}

/** Does one action. Throws on failure; returns `conflict` when its target changed since the scan. */
async function perform(
  action: Action,
  backends: Record<Side, Backend>,
  createdFolders: Set<string>,
  signal?: AbortSignal,
  backup?: BackupMover,
  isExcludedName?: (name: string) => boolean,
  onBytes?: (action: Action, bytes: number) => void,
  transfer: Pick<ExecuteOptions, 'bandwidth' | 'resume'> = {},
): Promise<ActionResult> {
  switch (action.kind) {
    case 'record':
    case 'forget':
      return doneResult(action);
    case 'mkdir': {
      const backend = backends[action.side];
      const outcome = await backend.mkdir(action.path);
      // mkdir succeeds on an existing folder: only one this run made (empty a moment ago, as a
      // listing now would show; the listing costs round trips per folder) lets its new files
      // skip their re-check. A folder someone else made since the scan does not.
      const made = outcome === 'created' || (outcome === undefined && (await backend.list(action.path)).length === 0);
      if (made) createdFolders.add(`${action.side}:${action.path}`);
      return { action, status: 'done' };
    }
    case 'move':
      return performMove(action, backends, signal, isExcludedName);
    case 'copy': {
      const target = backends[action.to];
      const bandwidth = transfer.bandwidth;
      const request: CopyRequest = {
        from: backends[action.from],
        to: target,
        toSide: action.to,
        path: action.path,
        source: action.source,
        signal,
        onBytes: onBytes && ((bytes: number) => onBytes(action, bytes)),
        // The run's one budget: every copy in flight takes its chunks' bytes from it.
        throttle: bandwidth && ((bytes: number) => bandwidth.take(bytes, signal)),
      };
      // The re-check costs a round trip per file; a new file in a folder this run just created
      // cannot have been preceded by anyone, so first uploads of whole trees skip it.
      const inNewFolder = action.expect === null && createdFolders.has(`${action.to}:${parentOf(action.path)}`);
      const current = inNewFolder ? undefined : await target.stat(action.path);
      if (!sameEntry(current, action.expect ?? undefined)) {
        return {
          action,
          status: 'conflict',
          reason: 'changed-during-sync',
          detail: `${action.path} changed on the ${action.to} side during the sync; left as it is`,
        };
      }
      if (backup && current !== undefined) {
        // The overwritten version goes to the backup folder first; if the copy then fails it comes back.
        const movedTo = await backup.moveAside(action.to, action.path);
        try {
          return {
            action,
            status: 'done',
            ...(await copyOne(request, transfer.resume)),
          };
        } catch (error) {
          await backup.restore(action.to, movedTo, action.path).catch(() => undefined);
          throw error;
        }
      }
      return { action, status: 'done', ...(await copyOne(request, transfer.resume)) };
    }
    case 'delete': {
      const backend = backends[action.side];
      const current = await backend.stat(action.path);
      if (current === undefined) return { action, status: 'done' };
      if (!sameEntry(current, action.expect)) {
        return {
          action,
          status: 'conflict',
          reason: 'changed-during-sync',
          detail: `${action.path} changed on the ${action.side} side during the sync; not deleted`,
        };
      }
      if (backup) await backup.moveAside(action.side, action.path);
      else await backend.remove(action.path);
      return { action, status: 'done' };
    }
    case 'conflict-copy': {
      const backend = backends[action.side];
      const current = await backend.stat(action.path);
      if (!sameEntry(current, action.expect)) {
        return {
          action,
          status: 'conflict',
          reason: 'changed-during-sync',
          detail: `${action.path} changed on the ${action.side} side during the sync; left as it is`,
        };
      }
      // rename replaces a file at its target: never let it replace one that appeared since the scan.
      if ((await backend.stat(action.copyPath)) !== undefined) {
        return {
          action,
          status: 'conflict',
          reason: 'changed-during-sync',
          detail: `${action.copyPath} appeared on the ${action.side} side during the sync; ${action.path} left as it is`,
        };
      }
      await backend.rename(action.path, action.copyPath);
      return { action, status: 'done' };
    }
    case 'rmdir': {
      const backend = backends[action.side];
      const current = await backend.stat(action.path);
      if (current === undefined) return { action, status: 'done' };
      if (current.kind !== 'dir') {
        return {
          action,
          status: 'conflict',
          reason: 'changed-during-sync',
          detail: `${action.path} on the ${action.side} side is no longer a folder; left as it is`,
        };
      }
      try {
        await backend.removeDir(action.path);
      } catch (error) {
        // Something was put into the folder since the scan: keep it, like any change during the sync.
        if (!isBackendError(error, 'not-empty')) throw error;
        return {
          action,
          status: 'conflict',
          reason: 'changed-during-sync',
          detail: `${action.path} on the ${action.side} side got new contents during the sync; left as it is`,
        };
      }
      return { action, status: 'done' };
    }
  }
}
