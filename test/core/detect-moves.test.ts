/**
 * detectMoves: which deletions and new paths pair up into renames, and which stay copy + delete.
 * Decisions come from the real reconcile, so each case is described by trees and a state.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectMoves, type PlannedMove } from '../../src/core/detect-moves.js';
import type { DirEntry, Entry, FileEntry } from '../../src/core/entry.js';
import { PathFilter } from '../../src/core/path-filter.js';
import { buildPlan } from '../../src/core/plan.js';
import { reconcile } from '../../src/core/reconcile.js';
import { toRelPath, type RelPath } from '../../src/core/rel-path.js';
import { snapshotOf } from '../../src/core/snapshot.js';
import type { SyncMode } from '../../src/core/sync-options.js';
import type { SyncRecord, SyncState } from '../../src/core/sync-state.js';

const T12 = Date.UTC(2014, 0, 1, 12, 0, 0);
const file = (size: number, mtimeMs = T12): FileEntry => ({ kind: 'file', size, mtimeMs });
const DIR: DirEntry = { kind: 'dir' };
type Tree = Record<string, Entry>;
const snap = (tree: Tree) => snapshotOf(Object.entries(tree).map(([path, entry]) => [toRelPath(path), entry]));
/** The state of a pair that was in sync with `tree` on both sides. */
const stateOf = (tree: Tree): SyncState =>
  new Map(Object.entries(tree).map(([path, entry]): [RelPath, SyncRecord] => [toRelPath(path), { local: entry, remote: entry }]));

function detect(before: Tree, local: Tree, remote: Tree, mode: SyncMode = 'sync', remove = false) {
  const input = { local: snap(local), remote: snap(remote), state: stateOf(before) };
  const decisions = reconcile({
    ...input,
    filter: new PathFilter({}),
    options: { mode, delete: remove, force: false, deleteUnmatched: false, timeWindowMs: 2000 },
  });
  const result = detectMoves({ decisions, ...input });
  const plan = buildPlan({ mode, decisions: result.decisions, moves: result.moves, ...input });
  return { ...result, plan };
}
const short = (moves: readonly PlannedMove[]): string[] =>
  moves.map((move) => `${move.side}: ${move.from} → ${move.to}${move.contents.length ? ` (${move.contents.map((c) => c.suffix).join(',')})` : ''}`);

describe('detectMoves: files', () => {
  it('a file renamed locally is renamed on the remote side, with no copy and no delete', () => {
    const before = { 'a.txt': file(10), 'b.txt': file(20) };
    const { moves, plan } = detect(before, { 'c.txt': file(10), 'b.txt': file(20) }, before);
    assert.deepEqual(short(moves), ['remote: a.txt → c.txt']);
    assert.deepEqual(
      plan.actions.map((a) => `${a.kind} ${a.path}`),
      ['move c.txt'],
    );
    const move = plan.actions[0]!;
    assert.equal(move.kind === 'move' && move.oldPath, 'a.txt');
  });

  it('a file moved remotely into a new folder is renamed locally after the folder is made', () => {
    const before = { 'a.txt': file(10) };
    const { plan } = detect(before, before, { d: DIR, 'd/a.txt': file(10) });
    assert.deepEqual(
      plan.actions.map((a) => `${a.phase} ${a.kind} ${'side' in a ? a.side : a.kind === 'copy' ? a.to : ''} ${a.path}`),
      ['mkdir mkdir local d', 'move move local d/a.txt'],
    );
  });

  it('two deleted files with the same fingerprint are ambiguous: copy and delete as before', () => {
    const before = { 'a.txt': file(10), 'b.txt': file(10) };
    const { moves, plan } = detect(before, { 'c.txt': file(10) }, before);
    assert.deepEqual(moves, []);
    assert.deepEqual(plan.actions.map((a) => a.kind).sort(), ['copy', 'delete', 'delete']);
  });

  it('two new files with the fingerprint of one deleted file are ambiguous', () => {
    const before = { 'a.txt': file(10) };
    const { moves } = detect(before, { 'c.txt': file(10), 'd.txt': file(10) }, before);
    assert.deepEqual(moves, []);
  });

  it('another size or another mtime is not a move', () => {
    const before = { 'a.txt': file(10) };
    assert.deepEqual(detect(before, { 'c.txt': file(11) }, before).moves, []);
    assert.deepEqual(detect(before, { 'c.txt': file(10, T12 + 1000) }, before).moves, []);
  });

  it('empty files are never paired', () => {
    const before = { 'a.txt': file(0) };
    assert.deepEqual(detect(before, { 'c.txt': file(0) }, before).moves, []);
  });

  it('a rename whose old path was edited on the other side is not a move (the edit is kept)', () => {
    const before = { 'a.txt': file(10) };
    const { moves, plan } = detect(before, { 'c.txt': file(10) }, { 'a.txt': file(12, T12 + 5000) });
    assert.deepEqual(moves, []);
    assert.equal(plan.conflicts.length, 1);
  });

  it('upload with --delete renames; upload without --delete copies and leaves the old file', () => {
    const before = { 'a.txt': file(10) };
    assert.deepEqual(short(detect(before, { 'c.txt': file(10) }, before, 'upload', true).moves), ['remote: a.txt → c.txt']);
    const plain = detect(before, { 'c.txt': file(10) }, before, 'upload', false);
    assert.deepEqual(plain.moves, []);
    assert.deepEqual(
      plain.plan.actions.map((a) => `${a.kind} ${a.path}`),
      ['copy c.txt'],
    );
  });

  it('download with --delete renames locally what the remote side renamed', () => {
    const before = { 'a.txt': file(10) };
    assert.deepEqual(short(detect(before, before, { 'c.txt': file(10) }, 'download', true).moves), ['local: a.txt → c.txt']);
  });
});

describe('detectMoves: folders', () => {
  const before: Tree = { d: DIR, 'd/x': file(1), 'd/s': DIR, 'd/s/y': file(2), keep: file(3) };
  const renamed: Tree = { e: DIR, 'e/x': file(1), 'e/s': DIR, 'e/s/y': file(2), keep: file(3) };

  it('a folder renamed with all its contents is one folder rename', () => {
    const { moves, plan } = detect(before, renamed, before);
    assert.deepEqual(short(moves), ['remote: d → e (s,s/y,x)']);
    assert.deepEqual(
      plan.actions.map((a) => `${a.kind} ${a.path}`),
      ['move e'],
    );
  });

  it('a renamed folder whose files all share one size and time is still one rename', () => {
    const same: Tree = { d: DIR, 'd/x': file(4), 'd/y': file(4), 'd/z': file(4) };
    const { moves, plan } = detect(same, { e: DIR, 'e/x': file(4), 'e/y': file(4), 'e/z': file(4) }, same);
    assert.deepEqual(short(moves), ['remote: d → e (x,y,z)']);
    assert.deepEqual(
      plan.actions.map((a) => `${a.kind} ${a.path}`),
      ['move e'],
    );
  });

  it('a renamed folder with one file swapped for another of the same size is not a folder move', () => {
    const same: Tree = { d: DIR, 'd/x': file(4), 'd/y': file(4) };
    const { moves } = detect(same, { e: DIR, 'e/x': file(4), 'e/y': file(4, T12 + 7000) }, same);
    assert.deepEqual(moves, []);
  });

  it('a folder renamed on the remote side is renamed locally', () => {
    const { moves } = detect(before, before, renamed);
    assert.deepEqual(short(moves), ['local: d → e (s,s/y,x)']);
  });

  it('a folder moved into another folder keeps its name: one rename', () => {
    const moved: Tree = { p: DIR, 'p/d': DIR, 'p/d/x': file(1), 'p/d/s': DIR, 'p/d/s/y': file(2), keep: file(3) };
    const { moves, plan } = detect({ ...before, p: DIR }, moved, { ...before, p: DIR });
    assert.deepEqual(short(moves), ['remote: d → p/d (s,s/y,x)']);
    assert.deepEqual(
      plan.actions.map((a) => `${a.kind} ${a.path}`),
      ['move p/d'],
    );
  });

  it('a renamed folder with a new file in it: what moved whole is renamed, the new file copied', () => {
    const { moves, plan } = detect(before, { ...renamed, 'e/new': file(9) }, before);
    assert.deepEqual(short(moves), ['remote: d/s → e/s (y)', 'remote: d/x → e/x']);
    assert.deepEqual(
      plan.actions.map((a) => `${a.kind} ${a.path}`),
      ['mkdir e', 'move e/s', 'move e/x', 'copy e/new', 'rmdir d'],
    );
  });

  it('a renamed folder whose old copy got a new file on the other side is not removed there', () => {
    const { moves, plan } = detect(before, renamed, { ...before, 'd/extra': file(5) });
    assert.deepEqual(short(moves), ['remote: d/s → e/s (y)', 'remote: d/x → e/x']);
    assert.ok(
      plan.conflicts.some((c) => c.path === 'd'),
      'the folder with the new file is a conflict, not removed',
    );
    assert.ok(!plan.actions.some((a) => a.kind === 'rmdir' && a.path === 'd'));
  });
});

describe('state after a move', () => {
  it("drops the old paths and records the new ones with each side's fingerprint", async () => {
    const { applyResults } = await import('../../src/core/action-result.js');
    const before: Tree = { d: DIR, 'd/x': file(1), other: file(7) };
    const input = detect(before, { e: DIR, 'e/x': file(1), other: file(7) }, before);
    const move = input.plan.actions[0]!;
    assert.equal(move.kind, 'move');
    const next = applyResults(stateOf(before), [{ action: move, status: 'done', via: 'rename' }]);
    assert.deepEqual([...next.keys()].sort(), ['e', 'e/x', 'other']);
    assert.deepEqual(next.get(toRelPath('e/x')), { local: file(1), remote: file(1) });
    const failed = applyResults(stateOf(before), [{ action: move, status: 'conflict', reason: 'changed-during-sync', detail: 'changed' }]);
    assert.deepEqual([...failed.keys()].sort(), ['d', 'd/x', 'other'], 'a move not done changes nothing');
  });
});
