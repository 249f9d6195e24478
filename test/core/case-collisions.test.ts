/**
 * --case: which names collide, what `strict` reports, and which side's spelling `local`/`remote` keep.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findCaseCollisions, markCaseCollisions, settleCaseSpellings } from '../../src/core/case-collisions.js';
import type { Decision } from '../../src/core/decision.js';
import type { Entry, FileEntry } from '../../src/core/entry.js';
import { toRelPath, type RelPath } from '../../src/core/rel-path.js';
import { snapshotOf } from '../../src/core/snapshot.js';
import type { SyncState } from '../../src/core/sync-state.js';

const T = Date.UTC(2020, 0, 1);
const file = (size: number): FileEntry => ({ kind: 'file', size, mtimeMs: T });
const snap = (tree: Record<string, Entry>) => snapshotOf(Object.entries(tree).map(([path, entry]) => [toRelPath(path), entry]));
const none: SyncState = new Map();

describe('findCaseCollisions', () => {
  it('finds spellings across sides and within one side, shallowest first', () => {
    const groups = findCaseCollisions(
      snap({ 'A.txt': file(1), D: { kind: 'dir' }, 'D/x': file(1), 'D/X': file(2) }),
      snap({ 'a.txt': file(1), d: { kind: 'dir' } }),
    );
    assert.deepEqual(groups, [
      ['A.txt', 'a.txt'],
      ['D', 'd'],
      ['D/X', 'D/x'],
    ]);
  });

  it('one spelling on both sides is no collision', () => {
    assert.deepEqual(findCaseCollisions(snap({ 'A.txt': file(1) }), snap({ 'A.txt': file(2) })), []);
  });
});

describe('settleCaseSpellings', () => {
  const local = snap({ 'A.txt': file(1), Docs: { kind: 'dir' }, 'Docs/n': file(3) });
  const remote = snap({ 'a.txt': file(1), docs: { kind: 'dir' }, 'docs/n': file(3) });

  it('strict renames nothing and reports every group', () => {
    const result = settleCaseSpellings({ local, remote, state: none, caseMode: 'strict', mode: 'sync' });
    assert.deepEqual(result.renames, []);
    assert.deepEqual(result.collisions, [
      ['A.txt', 'a.txt'],
      ['Docs', 'docs'],
      ['Docs/n', 'docs/n'],
    ]);
  });

  it('local renames the remote spellings, re-keys the remote snapshot and leaves no collision', () => {
    const result = settleCaseSpellings({ local, remote, state: none, caseMode: 'local', mode: 'sync' });
    assert.deepEqual(
      result.renames.map((r) => `${r.side}: ${r.from} → ${r.to}`),
      ['remote: a.txt → A.txt', 'remote: docs → Docs'],
    );
    assert.deepEqual([...result.remote.entries.keys()].sort(), ['A.txt', 'Docs', 'Docs/n']);
    assert.deepEqual(result.collisions, []);
  });

  it('remote renames local spellings in sync and download, but never the source of an upload', () => {
    const sync = settleCaseSpellings({ local, remote, state: none, caseMode: 'remote', mode: 'sync' });
    assert.deepEqual(
      sync.renames.map((r) => `${r.side}: ${r.from} → ${r.to}`),
      ['local: A.txt → a.txt', 'local: Docs → docs'],
    );
    const upload = settleCaseSpellings({ local, remote, state: none, caseMode: 'remote', mode: 'upload' });
    assert.deepEqual(upload.renames, []);
    assert.equal(upload.collisions.length, 3);
  });

  it('two spellings on the winning side cannot be settled: reported', () => {
    const result = settleCaseSpellings({ local: snap({ 'A.txt': file(1), 'a.txt': file(2) }), remote: snap({}), state: none, caseMode: 'local', mode: 'sync' });
    assert.deepEqual(result.renames, []);
    assert.deepEqual(result.collisions, [['A.txt', 'a.txt']]);
  });
});

describe('markCaseCollisions', () => {
  it('turns colliding paths into conflicts and their contents into skips', () => {
    const decisions: Decision[] = [
      { type: 'copy', path: toRelPath('D'), from: 'local', reason: 'new' },
      { type: 'copy', path: toRelPath('D/x'), from: 'local', reason: 'new' },
      { type: 'copy', path: toRelPath('d'), from: 'remote', reason: 'new' },
      { type: 'copy', path: toRelPath('other'), from: 'remote', reason: 'new' },
    ];
    const marked = markCaseCollisions(decisions, [[toRelPath('D'), toRelPath('d')] as RelPath[]], () => ({ local: 'created', remote: 'absent' }));
    assert.deepEqual(
      marked.map((d) => `${d.type} ${d.path}${d.type === 'conflict' ? ` ${d.conflict.reason}` : ''}`),
      ['conflict D case-collision', 'skip D/x', 'conflict d case-collision', 'copy other'],
    );
  });
});
