/**
 * The one count of results, shared by batch runs and watch passes: every action kind and result
 * status lands in its field; a watch reports its part of the same count.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ActionResult } from '../../src/core/action-result.js';
import type { Action } from '../../src/core/plan.js';
import { toRelPath } from '../../src/core/rel-path.js';
import { addWatchCounts, countResult, emptyCounts, watchCountsOf } from '../../src/engine/result-counts.js';

const path = toRelPath('a.txt');
const file = { kind: 'file', size: 5, mtimeMs: 1000 } as const;
const print = { kind: 'file', size: 5, mtimeMs: 1000 } as const;
const actions: Action[] = [
  { kind: 'copy', phase: 'copy', from: 'local', to: 'remote', path, source: file, expect: null, reason: 'new' },
  { kind: 'delete', phase: 'delete', side: 'remote', path, expect: file, reason: 'deleted' },
  { kind: 'mkdir', phase: 'mkdir', side: 'remote', path, reason: 'parent' },
  { kind: 'rmdir', phase: 'rmdir', side: 'remote', path, reason: 'deleted' },
  { kind: 'conflict-copy', phase: 'clear', side: 'remote', path, copyPath: toRelPath('a.conflict.txt'), expect: file },
  { kind: 'move', phase: 'move', side: 'remote', path, oldPath: toRelPath('b.txt'), source: file, expect: file, contents: [], reason: 'moved' },
  { kind: 'record', phase: 'record', path, local: print, remote: print },
  { kind: 'forget', phase: 'record', path },
];

it('counts every action kind done, and failures, conflicts and interruptions', () => {
  const counts = emptyCounts();
  for (const action of actions) countResult(counts, { action, status: 'done' });
  const copy = actions[0]!;
  const results: ActionResult[] = [
    { action: copy, status: 'failed', error: 'denied' },
    { action: copy, status: 'conflict', reason: 'changed-during-sync', detail: 'changed' },
    { action: copy, status: 'not-run', why: 'copy-failed' },
  ];
  for (const result of results) countResult(counts, result);
  assert.deepEqual(counts, {
    filesCopied: 1,
    bytesCopied: 5,
    filesDeleted: 1,
    foldersCreated: 1,
    foldersDeleted: 1,
    conflictCopies: 1,
    moved: 1,
    recorded: 1,
    conflicts: 1,
    skipped: 0,
    errors: 1,
    interrupted: false,
  });
  countResult(counts, { action: copy, status: 'not-run', why: 'interrupted' });
  assert.equal(counts.interrupted, true);
});

it('a watch reports and adds up its part of the same count', () => {
  const counts = emptyCounts();
  for (const action of actions) countResult(counts, { action, status: 'done', bytes: 7 });
  const part = watchCountsOf(counts);
  assert.deepEqual(part, { filesCopied: 1, bytesCopied: 14, filesDeleted: 1, foldersCreated: 1, foldersDeleted: 1, moved: 1, conflicts: 0, errors: 0 });
  const totals = { passes: 2, ...watchCountsOf(emptyCounts()) };
  addWatchCounts(totals, part);
  addWatchCounts(totals, part);
  assert.deepEqual(totals, {
    passes: 2,
    filesCopied: 2,
    bytesCopied: 28,
    filesDeleted: 2,
    foldersCreated: 2,
    foldersDeleted: 2,
    moved: 2,
    conflicts: 0,
    errors: 0,
  });
});
