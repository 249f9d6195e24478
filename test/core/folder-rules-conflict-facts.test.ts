/**
 * Regression (was a bug in src/core/reconcile.ts, protectFolderContents): the conflict it makes assumes that the
 * side keeping the folder is "unchanged" and the other side "deleted" (or "typeChanged"). When the
 * side keeping the folder is the one that changed (one-way --force against a target change) or the
 * folder was never synced (an extra folder on the target), the conflict reports the wrong facts:
 * the user (and an `ask` resolver) is told the other side replaced or deleted something it did not.
 *
 * Expected: ConflictInfo.local/remote are the detected changes of each side (as everywhere else).
 *
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Decision } from '../../src/core/decision.js';
import type { DirEntry, Entry, FileEntry } from '../../src/core/entry.js';
import { PathFilter } from '../../src/core/path-filter.js';
import { reconcile } from '../../src/core/reconcile.js';
import { toRelPath } from '../../src/core/rel-path.js';
import { snapshotOf, type Snapshot } from '../../src/core/snapshot.js';
import type { ReconcileOptions } from '../../src/core/sync-options.js';
import type { SyncState } from '../../src/core/sync-state.js';

const p = toRelPath;
const file = (size: number, mtimeMs: number): FileEntry => ({ kind: 'file', size, mtimeMs });
const DIR: DirEntry = { kind: 'dir' };
const snap = (tree: Record<string, Entry>): Snapshot => snapshotOf(Object.entries(tree).map(([path, entry]) => [p(path), entry]));
const facts = (decision: Decision | undefined) =>
  decision?.type === 'conflict' ? { local: decision.conflict.local, remote: decision.conflict.remote } : decision;

describe('regression: folder-protection conflicts report the wrong sides', () => {
  it('download --force: local replaced file f by a folder with f/x, remote unchanged → local typeChanged, remote unchanged', () => {
    const record = file(5, 1000);
    const options: ReconcileOptions = { mode: 'download', delete: false, force: true, deleteUnmatched: false, timeWindowMs: 2000 };
    const decisions = reconcile({
      local: snap({ f: DIR, 'f/x': file(3, 9000) }),
      remote: snap({ f: record }),
      state: new Map([[p('f'), { local: record, remote: record }]]) as SyncState,
      filter: new PathFilter(),
      options,
    });
    // Actual: { local: 'unchanged', remote: 'typeChanged' }.
    assert.deepEqual(facts(decisions[0]), { local: 'typeChanged', remote: 'unchanged' });
  });

  it('upload --delete --match "*.md": never-synced remote folder n with an unmatched n/a.txt → local absent, remote created', () => {
    const options: ReconcileOptions = { mode: 'upload', delete: true, force: false, deleteUnmatched: false, timeWindowMs: 2000 };
    const decisions = reconcile({
      local: snap({}),
      remote: snap({ n: DIR, 'n/a.txt': file(5, 1000) }),
      state: new Map(),
      filter: new PathFilter({ match: ['*.md'] }),
      options,
    });
    // Actual: reason 'folder-deleted-contents-changed' with { local: 'deleted', remote: 'unchanged' }.
    assert.deepEqual(facts(decisions[0]), { local: 'absent', remote: 'created' });
  });
});
