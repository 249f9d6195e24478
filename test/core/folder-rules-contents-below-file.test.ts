/**
 * Regression (was a bug in src/core/reconcile.ts + plan.ts): when a path is a file on one side and a folder on
 * the other (a type change against a change on the other side, or both created), new or changed
 * contents of the folder are still copied to the side where the path is a file. buildPlan adds a
 * "parent" mkdir on top of that file; it fails, the copy fails, and because a copy failed, every
 * delete of the whole run is skipped as well. The same happens on every later run.
 *
 * Expected (docs/design.md "Folder rules", docs/sync-matrix.md "a type change against any change on the other
 * side is a conflict"): nothing is planned below a path that stays a file on the target side; the
 * contents wait with the conflict of their folder.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryBackend } from '../../src/backends/memory/memory-backend.js';
import type { DirEntry, Entry, FileEntry } from '../../src/core/entry.js';
import { PathFilter } from '../../src/core/path-filter.js';
import { buildPlan, type Action } from '../../src/core/plan.js';
import { reconcile } from '../../src/core/reconcile.js';
import { ancestorsOf, toRelPath, type RelPath } from '../../src/core/rel-path.js';
import { resolveConflicts } from '../../src/core/resolve-conflicts.js';
import { snapshotOf, type Snapshot } from '../../src/core/snapshot.js';
import type { SyncState } from '../../src/core/sync-state.js';
import { runSync } from '../../src/engine/run-sync.js';

const p = toRelPath;
const file = (size: number, mtimeMs: number): FileEntry => ({ kind: 'file', size, mtimeMs });
const DIR: DirEntry = { kind: 'dir' };
const snap = (tree: Record<string, Entry>): Snapshot => snapshotOf(Object.entries(tree).map(([path, entry]) => [p(path), entry]));

/** Actions that need `path`'s folders to exist on `side` although one of them is a file there that nothing clears. */
function writesBelowAFile(actions: readonly Action[], snapshots: { local: Snapshot; remote: Snapshot }): string[] {
  const cleared = new Set(actions.flatMap((a) => (a.phase === 'clear' ? [`${a.side}:${a.path}`] : [])));
  const problems: string[] = [];
  for (const action of actions) {
    const side = action.kind === 'copy' ? action.to : action.kind === 'mkdir' ? action.side : undefined;
    if (side === undefined) continue;
    const blocked = [...ancestorsOf(action.path), ...(action.kind === 'mkdir' ? [action.path] : [])].filter(
      (dir: RelPath) => snapshots[side].entries.get(dir)?.kind === 'file' && !cleared.has(`${side}:${dir}`),
    );
    if (blocked.length > 0) problems.push(`${action.kind} ${side} ${action.path} (below the ${side} file ${blocked.join(', ')})`);
  }
  return problems;
}

async function planOf(local: Snapshot, remote: Snapshot, state: SyncState) {
  const options = { mode: 'sync' as const, delete: false, force: false, deleteUnmatched: false, timeWindowMs: 2000 };
  const decisions = reconcile({ local, remote, state, filter: new PathFilter(), options });
  const resolved = await resolveConflicts(decisions, { mode: 'sync', strategy: 'skip', force: false, delete: false, timeWindowMs: 2000, local, remote });
  return buildPlan({ mode: 'sync', decisions: resolved, local, remote, state });
}

describe('regression: contents copied into a side where their folder is a file', () => {
  it('core: local replaced folder d by a file, remote added d/y → nothing is planned below the local file d', async () => {
    const local = snap({ d: file(8, 5000) });
    const remote = snap({ d: DIR, 'd/y': file(3, 6000) });
    const state: SyncState = new Map([[p('d'), { local: DIR, remote: DIR }]]);
    const plan = await planOf(local, remote, state);
    // Actual: ['mkdir local d (below the local file d)', 'copy local d/y (below the local file d)'].
    assert.deepEqual(writesBelowAFile(plan.actions, { local, remote }), []);
  });

  it('core: local replaced file f by a folder with f/x, remote modified f → nothing is planned below the remote file f', async () => {
    const local = snap({ f: DIR, 'f/x': file(1, 5000) });
    const remote = snap({ f: file(11, 6000) });
    const state: SyncState = new Map([[p('f'), { local: file(1, 1000), remote: file(1, 1000) }]]);
    const plan = await planOf(local, remote, state);
    // Actual: ['mkdir remote f (below the remote file f)', 'copy remote f/x (below the remote file f)'].
    assert.deepEqual(writesBelowAFile(plan.actions, { local, remote }), []);
  });

  it('core: first run, local file b and remote folder b with b/x → nothing is planned below the local file b', async () => {
    const local = snap({ b: file(0, 5000) });
    const remote = snap({ b: DIR, 'b/x': file(0, 6000) });
    const plan = await planOf(local, remote, new Map());
    assert.deepEqual(writesBelowAFile(plan.actions, { local, remote }), []);
  });

  it('engine: the sync after the edits fails nothing, propagates an unrelated delete, and the next sync plans nothing', async () => {
    const local = new MemoryBackend({ name: 'local' });
    const remote = new MemoryBackend({ name: 'remote' });
    const stateDir = await mkdtemp(join(tmpdir(), 'ferry-known-bug-'));
    try {
      local.putFile(p('d/k'), 'k', 1000);
      local.putFile(p('other.txt'), 'other', 1000);
      const base = { local, remote, stateDir };
      await runSync('sync', base);
      await local.remove(p('d/k'));
      await local.removeDir(p('d'));
      local.putFile(p('d'), 'a file now', 5000);
      remote.putFile(p('d/y'), 'new', 6000);
      await local.remove(p('other.txt'));

      const first = await runSync('sync', { ...base, resolve: 'skip' });
      // Actual: errors 2 (mkdir "parent" d on the local file, copy d/y), and other.txt is not
      // deleted remotely ("not-run: copy-failed").
      assert.deepEqual({ errors: first.errors, conflicts: first.conflicts }, { errors: 0, conflicts: 1 });
      assert.equal(remote.content(p('other.txt')), undefined, 'the unrelated local delete reached the remote side');
      const second = await runSync('sync', { ...base, resolve: 'skip' });
      assert.deepEqual({ errors: second.errors, copied: second.filesCopied, mkdir: second.foldersCreated }, { errors: 0, copied: 0, mkdir: 0 });
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
