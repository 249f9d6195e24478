/**
 * keep-both: conflict copy names, how resolveConflicts settles conflicts with both versions kept,
 * and the plan it becomes (rename aside, then a copy each way).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyResults } from '../../src/core/action-result.js';
import { conflictCopyPath, conflictStamp, isConflictCopy } from '../../src/core/conflict-copy-name.js';
import type { Decision } from '../../src/core/decision.js';
import type { Entry, FileEntry } from '../../src/core/entry.js';
import { PathFilter } from '../../src/core/path-filter.js';
import { buildPlan } from '../../src/core/plan.js';
import { reconcile } from '../../src/core/reconcile.js';
import { toRelPath as p, type RelPath } from '../../src/core/rel-path.js';
import { resolveConflicts } from '../../src/core/resolve-conflicts.js';
import { snapshotOf, type Snapshot } from '../../src/core/snapshot.js';
import type { SyncState } from '../../src/core/sync-state.js';

const T = Date.UTC(2026, 10, 22, 5, 30, 0);
const file = (size: number, mtimeMs: number): FileEntry => ({ kind: 'file', size, mtimeMs });
const none = (): boolean => false;

describe('conflict copy names', () => {
  it('name.conflict-<side>-<UTC mtime>.ext, in the same folder', () => {
    assert.equal(conflictStamp(T + 999), '20261122T053000Z');
    assert.equal(conflictCopyPath(p('docs/report.txt'), 'remote', T, none), 'docs/report.conflict-remote-20261122T053000Z.txt');
    assert.equal(conflictCopyPath(p('Makefile'), 'local', T, none), 'Makefile.conflict-local-20261122T053000Z');
    assert.equal(conflictCopyPath(p('.bashrc'), 'local', T, none), '.bashrc.conflict-local-20261122T053000Z');
    assert.equal(conflictCopyPath(p('a.tar.gz'), 'local', T, none), 'a.tar.conflict-local-20261122T053000Z.gz');
  });

  it('never a name that is taken: -2, -3 before the extension', () => {
    const taken = new Set(['r.conflict-remote-20261122T053000Z.txt', 'r.conflict-remote-20261122T053000Z-2.txt']);
    assert.equal(
      conflictCopyPath(p('r.txt'), 'remote', T, (c) => taken.has(c)),
      'r.conflict-remote-20261122T053000Z-3.txt',
    );
  });

  it('recognises conflict copies (and only them)', () => {
    assert.ok(isConflictCopy(p('d/report.conflict-remote-20261122T053000Z.txt')));
    assert.ok(isConflictCopy(p('Makefile.conflict-local-20261122T053000Z-2')));
    assert.ok(!isConflictCopy(p('report.txt')));
    assert.ok(!isConflictCopy(p('report.conflict-someone-20261122T053000Z.txt')));
  });
});

const BOTH = { reason: 'both-modified', local: 'modified', remote: 'modified' } as const;

async function keepBoth(
  path: RelPath,
  local: Entry | undefined,
  remote: Entry | undefined,
  conflict: Decision & { type: 'conflict' } = { type: 'conflict', path, conflict: BOTH },
) {
  const snapshots = {
    local: snapshotOf(local ? [[path, local]] : []),
    remote: snapshotOf(remote ? [[path, remote]] : []),
  };
  const [decision] = await resolveConflicts([conflict], { mode: 'sync', strategy: 'keep-both', force: false, delete: false, timeWindowMs: 2000, ...snapshots });
  return decision!;
}

describe('resolveConflicts: keep-both', () => {
  it('both files: the newer keeps the name, the older goes aside under its own side and time', async () => {
    const remoteNewer = await keepBoth(p('r.txt'), file(3, T), file(4, T + 60_000));
    assert.deepEqual(remoteNewer, {
      type: 'copy',
      path: 'r.txt',
      from: 'remote',
      reason: 'conflict-resolved',
      conflict: BOTH,
      keepLoserAs: 'r.conflict-local-20261122T053000Z.txt',
    });
    const localNewer = await keepBoth(p('r.txt'), file(3, T + 60_000), file(4, T));
    assert.equal(localNewer.type === 'copy' && localNewer.keepLoserAs, 'r.conflict-remote-20261122T053000Z.txt');
  });

  it('times within the window: the local version keeps the name', async () => {
    const tie = await keepBoth(p('r.txt'), file(3, T), file(4, T + 1000));
    assert.equal(tie.type === 'copy' && tie.from, 'local');
  });

  it('deleted on one side, modified on the other: the modified file is kept on both sides', async () => {
    const conflict = { type: 'conflict', path: p('r.txt'), conflict: { reason: 'deleted-vs-modified', local: 'deleted', remote: 'modified' } } as const;
    assert.deepEqual(await keepBoth(p('r.txt'), undefined, file(4, T), conflict), {
      type: 'copy',
      path: 'r.txt',
      from: 'remote',
      reason: 'conflict-resolved',
      conflict: conflict.conflict,
    });
  });

  it('a conflict copy never conflicts into another copy; folders stay unresolved', async () => {
    const copy = p('r.conflict-remote-20261122T053000Z.txt');
    assert.equal((await keepBoth(copy, file(3, T), file(4, T + 60_000))).type, 'conflict');
    assert.equal((await keepBoth(p('d'), { kind: 'dir' }, file(4, T))).type, 'conflict');
  });

  it('two conflicts never get the same copy name', async () => {
    const a = p('a.txt');
    const local = snapshotOf([
      [a, file(1, T)],
      [p('a.conflict-local-20261122T053000Z.txt'), file(9, T)],
    ]);
    const remote = snapshotOf([[a, file(2, T + 60_000)]]);
    const [decision] = await resolveConflicts([{ type: 'conflict', path: a, conflict: BOTH }], {
      mode: 'sync',
      strategy: 'keep-both',
      force: false,
      delete: false,
      timeWindowMs: 2000,
      local,
      remote,
    });
    assert.equal(decision?.type === 'copy' && decision.keepLoserAs, 'a.conflict-local-20261122T053000Z-2.txt', 'the name an existing file has is skipped');
  });
});

describe('plan and state of keep-both', () => {
  const path = p('r.txt');
  const recorded = file(1, T - 3_600_000);
  const state: SyncState = new Map([[path, { local: recorded, remote: recorded }]]);
  const local: Snapshot = snapshotOf([[path, file(3, T)]]);
  const remote: Snapshot = snapshotOf([[path, file(4, T + 60_000)]]);

  async function plan(l: Snapshot, r: Snapshot, s: SyncState) {
    const options = { mode: 'sync', delete: false, force: false, deleteUnmatched: false, timeWindowMs: 2000 } as const;
    const decisions = reconcile({ local: l, remote: r, state: s, filter: new PathFilter(), options });
    const resolved = await resolveConflicts(decisions, {
      mode: 'sync',
      strategy: 'keep-both',
      force: false,
      delete: false,
      timeWindowMs: 2000,
      local: l,
      remote: r,
    });
    return buildPlan({ mode: 'sync', decisions: resolved, local: l, remote: r, state: s });
  }

  it('renames the loser aside first, then copies each version across; both names are recorded', async () => {
    const built = await plan(local, remote, state);
    const copyPath = p('r.conflict-local-20261122T053000Z.txt');
    assert.deepEqual(
      built.actions.map((a) => [a.kind, a.phase, a.path, 'from' in a ? `${a.from}>${a.to}` : a.kind === 'conflict-copy' ? `${a.side}:${a.copyPath}` : '']),
      [
        ['conflict-copy', 'clear', 'r.txt', `local:${copyPath}`],
        ['copy', 'copy', copyPath, 'local>remote'],
        ['copy', 'copy', 'r.txt', 'remote>local'],
      ],
    );
    assert.deepEqual(built.conflicts, []);
    // As the executor reports them: the copies' written entries are what the target lists.
    const results = built.actions.map((action) => ({ action, status: 'done' as const, ...(action.kind === 'copy' ? { written: action.source } : {}) }));
    const after = applyResults(state, results);
    const afterLocal = snapshotOf([
      [path, file(4, T + 60_000)],
      [copyPath, file(3, T)],
    ]);
    const afterRemote = snapshotOf([
      [path, file(4, T + 60_000)],
      [copyPath, file(3, T)],
    ]);
    const again = await plan(afterLocal, afterRemote, after);
    assert.deepEqual([again.actions, again.conflicts], [[], []], 'a second keep-both run has nothing to do and makes no new copy');
  });
});
