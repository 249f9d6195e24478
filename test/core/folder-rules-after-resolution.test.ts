/**
 * Regression (was a bug in src/core/resolve-conflicts.ts, applyChoice): reconcile turns "replace or delete a
 * folder whose contents stay" into a conflict (protectFolderContents). Resolving that conflict for
 * the side that removes the folder (--force, --resolve local/remote) turns it straight back into
 * the copy or delete, while the contents' own decisions still keep them. The plan then removes a
 * folder that is not empty: the rmdir fails ("not empty"), the copy that follows is reported as a
 * bogus "changed on the remote side during the sync" conflict, and this repeats on every run.
 *
 * Expected: like "one-way winner absent without --delete stays a conflict", a winner whose version
 * needs the removal of contents that this run keeps leaves the conflict unresolved (reported, no
 * failing action).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryBackend } from '../../src/backends/memory/memory-backend.js';
import type { DirEntry, Entry, FileEntry } from '../../src/core/entry.js';
import { PathFilter } from '../../src/core/path-filter.js';
import { reconcile } from '../../src/core/reconcile.js';
import { toRelPath } from '../../src/core/rel-path.js';
import { resolveConflicts } from '../../src/core/resolve-conflicts.js';
import { snapshotOf, type Snapshot } from '../../src/core/snapshot.js';
import type { ResolveStrategy, SyncMode } from '../../src/core/sync-options.js';
import type { SyncState } from '../../src/core/sync-state.js';
import { runSync } from '../../src/engine/run-sync.js';

const p = toRelPath;
const file = (size: number, mtimeMs: number): FileEntry => ({ kind: 'file', size, mtimeMs });
const DIR: DirEntry = { kind: 'dir' };
const snap = (tree: Record<string, Entry>): Snapshot => snapshotOf(Object.entries(tree).map(([path, entry]) => [p(path), entry]));

async function decide(mode: SyncMode, strategy: ResolveStrategy, force: boolean, local: Snapshot, remote: Snapshot, state: SyncState) {
  const options = { mode, delete: false, force, deleteUnmatched: false, timeWindowMs: 2000 };
  const decisions = reconcile({ local, remote, state, filter: new PathFilter(), options });
  const resolved = await resolveConflicts(decisions, { mode, strategy, force, delete: false, timeWindowMs: 2000, local, remote });
  return resolved.map((d) => `${d.path}: ${d.type}${d.type === 'copy' ? ` from ${d.from}` : d.type === 'delete' ? ` on ${d.side}` : ''}`);
}

// Local replaced folder a (holding a/c/x) by a file; the remote side is as synced.
const local = snap({ a: file(0, 50_000) });
const remote = snap({ a: DIR, 'a/c': DIR, 'a/c/x': file(0, 1000) });
const state: SyncState = new Map([
  [p('a'), { local: DIR, remote: DIR }],
  [p('a/c'), { local: DIR, remote: DIR }],
  [p('a/c/x'), { local: file(0, 1000), remote: file(0, 1000) }],
]);

describe('regression: conflict resolution undoes the folder protection', () => {
  it('core: upload --resolve local without --delete leaves the folder conflict unresolved', async () => {
    // Actual: 'a: copy from local' (the plan then removes the non-empty remote folder a).
    assert.deepEqual(await decide('upload', 'local', false, local, remote, state), ['a: conflict', 'a/c: skip', 'a/c/x: skip']);
  });

  it('core: upload --force without --delete leaves the folder conflict unresolved', async () => {
    assert.deepEqual(await decide('upload', 'skip', true, local, remote, state), ['a: conflict', 'a/c: skip', 'a/c/x: skip']);
  });

  it('core: sync --resolve remote, remote deleted folder d, local added d/new → d is not deleted locally while d/new stays', async () => {
    const l = snap({ d: DIR, 'd/new': file(1, 5000) });
    const r = snap({});
    const s: SyncState = new Map([[p('d'), { local: DIR, remote: DIR }]]);
    // Actual: ['d: delete on local', 'd/new: copy from local']: the rmdir of d fails, "not empty".
    const decisions = await decide('sync', 'remote', false, l, r, s);
    assert.ok(!(decisions.includes('d: delete on local') && decisions.includes('d/new: copy from local')), decisions.join('; '));
  });

  it('engine: upload --resolve local fails nothing, and a second upload neither', async () => {
    const localSide = new MemoryBackend({ name: 'local' });
    const remoteSide = new MemoryBackend({ name: 'remote' });
    const stateDir = await mkdtemp(join(tmpdir(), 'ferry-known-bug-'));
    try {
      localSide.putFile(p('a/c/x'), '', 1000);
      const base = { local: localSide, remote: remoteSide, stateDir };
      await runSync('sync', base);
      await localSide.remove(p('a/c/x'));
      await localSide.removeDir(p('a/c'));
      await localSide.removeDir(p('a'));
      localSide.putFile(p('a'), '', 50_000);
      for (let run = 0; run < 2; run++) {
        const summary = await runSync('upload', { ...base, resolve: 'local' });
        // Actual: errors 1 ("cannot delete folder a: not empty") on every run.
        assert.equal(summary.errors, 0, `upload #${run + 1}`);
      }
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
