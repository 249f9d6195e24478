/**
 * Running one planned move: a server-side rename on the side that still has the old path, after
 * re-checking both ends; when the rename fails, the same result by copying from the other side
 * and deleting the old path.
 */
import { isTempName, type Backend } from '../backends/backend.js';
import type { ActionResult } from '../core/action-result.js';
import { sameEntry } from '../core/entry.js';
import type { Action } from '../core/plan.js';
import { comparePaths, joinExactPath, joinPaths, ROOT, type RelPath } from '../core/rel-path.js';
import { otherSide, type Side } from '../core/side.js';
import { isBackendError } from '../errors.js';
import { copyFile } from './copy-file.js';

type MoveAction = Extract<Action, { kind: 'move' }>;

/**
 * Renames `action.oldPath` to `action.path` on `action.side`. Returns `conflict` (nothing touched)
 * when the old path no longer holds what the scan saw or something appeared at the new path.
 * Retryable errors of the rename are thrown (the executor retries); other rename errors (a
 * server without rename, a permission on the folder) fall back to copy and delete.
 */
export async function performMove(
  action: MoveAction,
  backends: Record<Side, Backend>,
  signal?: AbortSignal,
  isExcludedName: (name: string) => boolean = () => false,
): Promise<ActionResult> {
  const target = backends[action.side];
  const where = `on the ${action.side} side`;
  const current = await target.stat(action.oldPath);
  const unchanged = action.expect.kind === 'dir' ? current?.kind === 'dir' : sameEntry(current, action.expect);
  if (!unchanged) {
    return {
      action,
      status: 'conflict',
      reason: 'changed-during-sync',
      detail: `${action.oldPath} changed ${where} during the sync; not renamed to ${action.path}`,
    };
  }
  if (action.expect.kind === 'dir' && !(await contentsAsScanned(target, action.oldPath, action.contents, isExcludedName))) {
    return {
      action,
      status: 'conflict',
      reason: 'changed-during-sync',
      detail: `the contents of ${action.oldPath} changed ${where} during the sync; not renamed to ${action.path}`,
    };
  }
  const atNew = await target.stat(action.path);
  // A case-only rename on a case-insensitive side finds the old entry under the new spelling.
  const sameFile =
    action.path.toLowerCase() === action.oldPath.toLowerCase() && (action.expect.kind === 'dir' ? atNew?.kind === 'dir' : sameEntry(atNew, action.expect));
  if (atNew !== undefined && !sameFile) {
    return {
      action,
      status: 'conflict',
      reason: 'changed-during-sync',
      detail: `${action.path} appeared ${where} during the sync; ${action.oldPath} not renamed`,
    };
  }
  try {
    await target.rename(action.oldPath, action.path);
  } catch (error) {
    if (isBackendError(error) && error.retryable) throw error;
    if (signal?.aborted) throw error;
    return copyInstead(action, backends, signal);
  }
  if (action.expect.kind === 'dir') return { action, status: 'done', via: 'rename' };
  const written = await target.stat(action.path);
  return { action, status: 'done', via: 'rename', ...(written?.kind === 'file' ? { written } : {}) };
}

/**
 * True when the folder still holds exactly what the scan saw below it: a folder rename carries its
 * contents along and records them, so a file changed or removed since must stop it (a record of a
 * file that is not there would delete the other side's copy next time), and so must a file added
 * since (it was written into the old folder, and stays there). Entries the scan leaves out on
 * purpose (excluded names, links, ferry's temporary files) move along with the folder.
 */
async function contentsAsScanned(
  backend: Backend,
  dir: RelPath,
  contents: MoveAction['contents'],
  isExcludedName: (name: string) => boolean,
): Promise<boolean> {
  // Looked up by the listed name (a plain string) in NFC form.
  const expected: ReadonlyMap<string, MoveAction['contents'][number]['expect']> = new Map(contents.map((entry) => [entry.suffix, entry.expect]));
  const pending: RelPath[] = [ROOT];
  let seen = 0;
  while (pending.length > 0) {
    const suffix = pending.pop()!;
    for (const item of await backend.list(joinPaths(dir, suffix))) {
      const child = suffix === '' ? item.name : `${suffix}/${item.name}`;
      const want = expected.get(child.normalize('NFC'));
      // Entries the scan left out on purpose (excluded names, links) move along as they are.
      if (!('entry' in item)) continue;
      if (want === undefined) {
        if (isExcludedName(item.name) || isTempName(item.name)) continue;
        return false;
      }
      if (want.kind === 'dir' ? item.entry.kind !== 'dir' : !sameEntry(item.entry, want)) return false;
      seen++;
      // The name matched a scanned path (so it is safe) and is kept as the server spells it.
      if (item.entry.kind === 'dir') pending.push(joinExactPath(suffix, item.name));
    }
  }
  return seen === expected.size;
}

/** The fallback: copy the new path (and a folder's contents) over, then delete the old path. */
async function copyInstead(action: MoveAction, backends: Record<Side, Backend>, signal?: AbortSignal): Promise<ActionResult> {
  const target = backends[action.side];
  const source = backends[otherSide(action.side)];
  let bytes = 0;
  if (action.source.kind === 'file') {
    const copied = await copyFile(source, target, action.path, action.source, signal);
    await deleteIfUnchanged(target, action.oldPath, action.expect);
    return { action, status: 'done', via: 'copy', written: copied.written, bytes: copied.bytes };
  }
  await target.mkdir(action.path);
  const inNew = (suffix: RelPath): RelPath => joinPaths(action.path, suffix);
  const inOld = (suffix: RelPath): RelPath => joinPaths(action.oldPath, suffix);
  // Contents are sorted with folders before what they hold.
  for (const entry of action.contents) {
    if (entry.source.kind === 'dir') await target.mkdir(inNew(entry.suffix));
    else bytes += (await copyFile(source, target, inNew(entry.suffix), entry.source, signal)).bytes;
  }
  // Every copy succeeded: the old folder goes, deepest first, each file re-checked.
  const deepestFirst = [...action.contents].sort((a, b) => -comparePaths(a.suffix, b.suffix));
  for (const entry of deepestFirst) {
    if (entry.expect.kind === 'file') await deleteIfUnchanged(target, inOld(entry.suffix), entry.expect);
    else await target.removeDir(inOld(entry.suffix));
  }
  await target.removeDir(action.oldPath);
  return { action, status: 'done', via: 'copy', bytes };
}

async function deleteIfUnchanged(backend: Backend, path: RelPath, expect: MoveAction['expect']): Promise<void> {
  const current = await backend.stat(path);
  if (current === undefined) return;
  // Changed since the scan: kept (the next run sees it as a change on this side).
  if (!sameEntry(current, expect)) return;
  await backend.remove(path);
}
