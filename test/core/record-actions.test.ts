/**
 * The compact record phase of a plan (record-actions.ts, plan-actions.ts): what a reader of the
 * plan sees (actions, their order, counts, JSON) is the plain data buildPlan always produced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Decision } from '../../src/core/decision.js';
import { DIR_ENTRY, type DirEntry, type Entry, type FileEntry } from '../../src/core/entry.js';
import { compactPlan, phaseActions, planActions } from '../../src/core/plan-actions.js';
import { buildPlan, countPlan, PLAN_PHASES, type Action, type Plan } from '../../src/core/plan.js';
import { RecordActions } from '../../src/core/record-actions.js';
import { toRelPath as p } from '../../src/core/rel-path.js';
import { snapshotOf } from '../../src/core/snapshot.js';
import { speedTrickOn } from '../../src/core/speed-tricks.js';
import type { SyncRecord } from '../../src/core/sync-state.js';

const T = Date.UTC(2024, 0, 1);
const file = (size: number, mtimeMs: number, mode?: number): FileEntry =>
  mode === undefined ? { kind: 'file', size, mtimeMs } : { kind: 'file', size, mtimeMs, mode };
const DIR: DirEntry = { kind: 'dir' };
const snap = (tree: Record<string, Entry>) => snapshotOf(Object.entries(tree).map(([path, entry]) => [p(path), entry]));

describe('RecordActions', () => {
  it('gives back records and forgets as plain actions, in the order added', () => {
    const records = new RecordActions();
    records.addRecord(p('b'), { kind: 'file', size: 3, mtimeMs: T }, { kind: 'file', size: 3, mtimeMs: T + 1000 });
    records.addForget(p('c'));
    records.addRecord(p('a'), DIR_ENTRY, DIR_ENTRY);
    records.addRecord(p('d'), { kind: 'file', size: 0, mtimeMs: -0 }, { kind: 'file', size: 7.5, mtimeMs: Number.NaN });
    assert.equal(records.length, 4);
    assert.deepStrictEqual(
      [...records],
      [
        { kind: 'record', phase: 'record', path: 'b', local: { kind: 'file', size: 3, mtimeMs: T }, remote: { kind: 'file', size: 3, mtimeMs: T + 1000 } },
        { kind: 'forget', phase: 'record', path: 'c' },
        { kind: 'record', phase: 'record', path: 'a', local: DIR_ENTRY, remote: DIR_ENTRY },
        { kind: 'record', phase: 'record', path: 'd', local: { kind: 'file', size: 0, mtimeMs: -0 }, remote: { kind: 'file', size: 7.5, mtimeMs: Number.NaN } },
      ],
    );
    assert.ok(Object.is((records.at(3) as { local: FileEntry }).local.mtimeMs, -0));
    // Plain objects, like the literals they stand for (plain-constructor.ts).
    for (const action of records) assert.equal(Object.getPrototypeOf(action), Object.prototype);
    assert.deepStrictEqual(Object.keys(records.at(0)), ['kind', 'phase', 'path', 'local', 'remote']);
    assert.deepStrictEqual(Object.keys((records.at(0) as { local: object }).local), ['kind', 'size', 'mtimeMs']);
    assert.deepStrictEqual(Object.keys(records.at(1)), ['kind', 'phase', 'path']);
  });

  it('makes equal fingerprints one object, as buildPlan always did', () => {
    const records = new RecordActions();
    records.addRecord(p('f'), { kind: 'file', size: 1, mtimeMs: T }, { kind: 'file', size: 1, mtimeMs: T });
    const action = records.at(0);
    assert.ok(action.kind === 'record' && action.local === action.remote);
    assert.ok(action.kind === 'record' && action.local.kind === 'file' && !('mode' in action.local));
  });

  it('sorts by path, keeping the order of equal paths, and leaves sorted actions alone', () => {
    const records = new RecordActions();
    for (const path of ['a/b', 'a-b', 'a', 'a.txt', 'a/b']) records.addForget(p(path));
    records.addRecord(p('a/b'), DIR_ENTRY, DIR_ENTRY);
    records.sortByPath();
    assert.deepStrictEqual(
      [...records].map((action) => `${action.kind} ${action.path}`),
      ['forget a', 'forget a/b', 'forget a/b', 'record a/b', 'forget a-b', 'forget a.txt'],
    );
    records.sortByPath();
    assert.deepStrictEqual(
      [...records].map((action) => action.path),
      ['a', 'a/b', 'a/b', 'a/b', 'a-b', 'a.txt'],
    );
  });

  it('holds many actions (columns grow in chunks)', () => {
    const records = new RecordActions();
    for (let i = 0; i < 10_000; i++)
      records.addRecord(p(`d/f${String(i).padStart(5, '0')}`), { kind: 'file', size: i, mtimeMs: T + i }, { kind: 'file', size: i, mtimeMs: T - i });
    assert.equal(records.length, 10_000);
    assert.deepStrictEqual(records.at(9_999), {
      kind: 'record',
      phase: 'record',
      path: 'd/f09999',
      local: { kind: 'file', size: 9_999, mtimeMs: T + 9_999 },
      remote: { kind: 'file', size: 9_999, mtimeMs: T - 9_999 },
    });
  });
});

describe('buildPlan: the record phase as readers see it', () => {
  // Everything a plan can hold around its record phase: a clear, a mkdir, a copy, a delete, an
  // rmdir, records of files (equal and different times) and folders, forgets; shuffled decisions.
  const local = snap({ a: DIR, 'a/x': file(1, T, 0o644), 'b.txt': file(2, T), n: DIR, 'n/new': file(4, T), k: file(5, T), same: DIR });
  const remote = snap({ a: DIR, 'a/x': file(1, T + 1000), 'b.txt': file(2, T), gone: DIR, 'gone/f': file(3, T), k: DIR, same: DIR });
  const state = new Map<ReturnType<typeof p>, SyncRecord>([
    [p('old'), { local: file(1, T), remote: file(1, T) }],
    [p('gone'), { local: DIR, remote: DIR }],
    [p('gone/f'), { local: file(3, T), remote: file(3, T) }],
    [p('away'), { local: file(9, T), remote: file(9, T) }],
  ]);
  const decisions: Decision[] = [
    { type: 'adopt', path: p('b.txt') },
    { type: 'forget', path: p('old') },
    { type: 'delete', path: p('gone/f'), side: 'remote', reason: 'deleted' },
    { type: 'adopt', path: p('a/x') },
    { type: 'copy', path: p('n/new'), from: 'local', reason: 'new' },
    { type: 'delete', path: p('gone'), side: 'remote', reason: 'deleted' },
    { type: 'adopt', path: p('a') },
    { type: 'copy', path: p('k'), from: 'local', reason: 'type-changed' },
    { type: 'delete', path: p('away'), side: 'local', reason: 'deleted' },
    { type: 'copy', path: p('same'), from: 'local', reason: 'new' },
    { type: 'forget', path: p('never-recorded') },
  ];
  const build = (): Plan => buildPlan({ mode: 'sync', decisions, local, remote, state });
  // What buildPlan produced when every action was an object in one sorted array.
  const expected: Action[] = [
    { kind: 'rmdir', phase: 'clear', side: 'remote', path: p('k'), reason: 'replaced' },
    { kind: 'mkdir', phase: 'mkdir', side: 'remote', path: p('n'), reason: 'parent' },
    { kind: 'copy', phase: 'copy', from: 'local', to: 'remote', path: p('k'), source: file(5, T), expect: null, reason: 'type-changed' },
    { kind: 'copy', phase: 'copy', from: 'local', to: 'remote', path: p('n/new'), source: file(4, T), expect: null, reason: 'new' },
    { kind: 'delete', phase: 'delete', side: 'remote', path: p('gone/f'), expect: file(3, T), reason: 'deleted' },
    { kind: 'rmdir', phase: 'rmdir', side: 'remote', path: p('gone'), reason: 'deleted' },
    { kind: 'record', phase: 'record', path: p('a'), local: DIR_ENTRY, remote: DIR_ENTRY },
    { kind: 'record', phase: 'record', path: p('a/x'), local: file(1, T), remote: file(1, T + 1000) },
    { kind: 'forget', phase: 'record', path: p('away') },
    { kind: 'record', phase: 'record', path: p('b.txt'), local: file(2, T), remote: file(2, T) },
    { kind: 'forget', phase: 'record', path: p('old') },
    { kind: 'record', phase: 'record', path: p('same'), local: DIR_ENTRY, remote: DIR_ENTRY },
  ];

  it('lists the same actions, in the same order, as plain data', () => {
    const plan = build();
    assert.ok(Array.isArray(plan.actions));
    assert.deepStrictEqual(plan.actions, expected);
    assert.deepStrictEqual(plan, { mode: 'sync', actions: expected, conflicts: [], skipped: [] });
  });

  it('prints the same JSON (keys in the same order)', () => {
    const json = JSON.stringify({ mode: 'sync', actions: expected, conflicts: [], skipped: [] });
    assert.equal(JSON.stringify(build()), json);
    assert.equal(JSON.stringify(build().actions), JSON.stringify(expected));
  });

  it('counts the same without making the array', () => {
    const plan = build();
    assert.deepStrictEqual(countPlan(plan), { mkdir: 1, move: 0, copy: 2, delete: 1, rmdir: 2, 'conflict-copy': 0, record: 4, forget: 2 });
    // The trick itself (FERRY_NO_SPEED_TRICKS=lazy-plan-actions makes the array at once).
    if (speedTrickOn('lazy-plan-actions')) assert.equal(Object.getOwnPropertyDescriptor(plan, 'actions')?.get !== undefined, true, 'not made yet');
  });

  it('goes through the actions, all or by phase, without making the array', () => {
    const plan = build();
    assert.deepStrictEqual([...planActions(plan)], expected);
    assert.equal(planActions(plan).length, expected.length);
    for (const phase of PLAN_PHASES) {
      const inPhase = phaseActions(plan, phase);
      assert.deepStrictEqual(
        [...inPhase],
        expected.filter((action) => action.phase === phase),
        phase,
      );
      assert.equal(inPhase.length, expected.filter((action) => action.phase === phase).length, phase);
    }
    if (speedTrickOn('lazy-plan-actions')) assert.notEqual(Object.getOwnPropertyDescriptor(plan, 'actions')?.get, undefined, 'not made yet');
  });

  it('makes the array once, on first read; from then on everyone reads that array', () => {
    const plan = build();
    const first = plan.actions;
    assert.equal(plan.actions, first);
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(plan, 'actions'), { value: first, writable: true, enumerable: true, configurable: true });
    assert.deepStrictEqual(Object.keys(plan), ['mode', 'actions', 'conflicts', 'skipped']);
    // The engine's view now is the very objects the reader holds.
    const all = [...planActions(plan)];
    all.forEach((action, index) => assert.equal(action, first[index]));
    assert.equal(
      [...phaseActions(plan, 'record')][0],
      first.find((action) => action.phase === 'record'),
    );
  });

  it('sorts the record phase by path whatever the order of the decisions', () => {
    const reversed = buildPlan({ mode: 'sync', decisions: [...decisions].reverse(), local, remote, state });
    assert.deepStrictEqual(reversed.actions, expected);
  });

  it('is a plain plan when nothing is recorded or forgotten', () => {
    const plan = buildPlan({
      mode: 'sync',
      decisions: [{ type: 'copy', path: p('b.txt'), from: 'local', reason: 'new' }],
      local,
      remote: snap({}),
      state: new Map(),
    });
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(plan, 'actions')?.writable, true);
    assert.equal(planActions(plan), plan.actions);
  });
});

describe('compactPlan', () => {
  it('puts the record phase after the other actions', () => {
    const records = new RecordActions();
    records.addForget(p('z'));
    const before: Action[] = [{ kind: 'mkdir', phase: 'mkdir', side: 'local', path: p('m'), reason: 'new' }];
    const plan = compactPlan({ mode: 'upload', conflicts: [], skipped: [{ path: p('s'), reason: 'target-changed' }] }, before, records);
    assert.deepStrictEqual(plan, {
      mode: 'upload',
      actions: [before[0], { kind: 'forget', phase: 'record', path: 'z' }],
      conflicts: [],
      skipped: [{ path: 's', reason: 'target-changed' }],
    });
  });
});
