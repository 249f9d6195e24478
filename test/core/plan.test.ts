/**
 * buildPlan (ordering, preconditions, clear phase, missing parents, conflicts and skips) and the
 * state a run's results lead to (stateChangeOf, applyResults).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyResults, applyStateChanges, stateChangeOf, type ActionResult } from '../../src/core/action-result.js';
import type { ConflictInfo, Decision } from '../../src/core/decision.js';
import type { DirEntry, Entry, FileEntry } from '../../src/core/entry.js';
import { buildPlan, countPlan, PLAN_PHASES, type Action, type Plan } from '../../src/core/plan.js';
import { toRelPath, type RelPath } from '../../src/core/rel-path.js';
import { snapshotOf } from '../../src/core/snapshot.js';
import type { SyncState } from '../../src/core/sync-state.js';

const p = toRelPath;
const T12 = Date.UTC(2014, 0, 1, 12, 0, 0);
const T13 = Date.UTC(2014, 0, 1, 13, 0, 0);
const file = (size: number, mtimeMs: number, mode?: number): FileEntry =>
  mode === undefined ? { kind: 'file', size, mtimeMs } : { kind: 'file', size, mtimeMs, mode };
const DIR: DirEntry = { kind: 'dir' };

type Tree = Record<string, Entry>;
const snap = (tree: Tree) => snapshotOf(Object.entries(tree).map(([path, entry]) => [p(path), entry]));
const copy = (path: string, from: 'local' | 'remote', reason: 'new' | 'modified' | 'type-changed' = 'new'): Decision => ({
  type: 'copy',
  path: p(path),
  from,
  reason,
});
const del = (path: string, side: 'local' | 'remote'): Decision => ({ type: 'delete', path: p(path), side, reason: 'deleted' });

function plan(decisions: Decision[], local: Tree, remote: Tree, state: SyncState = new Map()): Plan {
  return buildPlan({ mode: 'sync', decisions, local: snap(local), remote: snap(remote), state });
}

/** A short line per action: `phase kind side path`. */
const lines = (actions: readonly Action[]): string[] =>
  actions.map((a) => {
    const where = a.kind === 'copy' ? `${a.from}→${a.to}` : a.kind === 'record' || a.kind === 'forget' ? '' : a.side;
    return `${a.phase} ${a.kind} ${where} ${a.path}`.replace(/ +/g, ' ');
  });

describe('buildPlan: order', () => {
  it('creates folders parents first, copies, deletes files, then removes folders deepest first', () => {
    const local: Tree = { a: DIR, 'a/b': DIR, 'a/b/c': file(1, T13), x: file(2, T13), 'a-z': DIR };
    const remote: Tree = { d: DIR, 'd/e': DIR, 'd/e/f': file(3, T12), 'd/g': file(3, T12), 'a-z': DIR };
    // Decisions deliberately shuffled: the plan orders them itself.
    const decisions = [
      copy('x', 'local'),
      del('d', 'remote'),
      copy('a/b/c', 'local'),
      del('d/e/f', 'remote'),
      copy('a/b', 'local'),
      del('d/e', 'remote'),
      copy('a', 'local'),
      del('d/g', 'remote'),
    ];
    assert.deepEqual(lines(plan(decisions, local, remote).actions), [
      'mkdir mkdir remote a',
      'mkdir mkdir remote a/b',
      'copy copy local→remote a/b/c',
      'copy copy local→remote x',
      'delete delete remote d/e/f',
      'delete delete remote d/g',
      'rmdir rmdir remote d/e',
      'rmdir rmdir remote d',
    ]);
  });

  it('runs the phases in the documented order', () => {
    assert.deepEqual([...PLAN_PHASES], ['clear', 'mkdir', 'move', 'copy', 'delete', 'rmdir', 'record']);
    const local: Tree = { n: DIR, 'n/f': file(1, T13), t: DIR, same: file(4, T12) };
    const remote: Tree = { t: file(1, T12), gone: file(2, T12), old: DIR, same: file(4, T12) };
    const state: SyncState = new Map([[p('vanished'), { local: file(1, T12), remote: file(1, T12) }]]);
    const decisions: Decision[] = [
      { type: 'forget', path: p('vanished') },
      { type: 'adopt', path: p('same') },
      del('old', 'remote'),
      del('gone', 'remote'),
      copy('n/f', 'local'),
      copy('n', 'local'),
      copy('t', 'local', 'type-changed'),
    ];
    const actions = plan(decisions, local, remote, state).actions;
    assert.deepEqual(lines(actions), [
      'clear delete remote t',
      'mkdir mkdir remote n',
      'mkdir mkdir remote t',
      'copy copy local→remote n/f',
      'delete delete remote gone',
      'rmdir rmdir remote old',
      'record record same',
      'record forget vanished',
    ]);
    const ranks = actions.map((a) => PLAN_PHASES.indexOf(a.phase));
    assert.deepEqual(
      ranks,
      [...ranks].sort((x, y) => x - y),
    );
  });

  it('orders by path segment by segment (a folder right before its contents)', () => {
    const local: Tree = { a: DIR, 'a/x': file(1, T13), 'a-b': file(1, T13), 'a.txt': file(1, T13) };
    const actions = plan([copy('a.txt', 'local'), copy('a-b', 'local'), copy('a/x', 'local'), copy('a', 'local')], local, {}).actions;
    assert.deepEqual(lines(actions), ['mkdir mkdir remote a', 'copy copy local→remote a/x', 'copy copy local→remote a-b', 'copy copy local→remote a.txt']);
  });
});

describe('buildPlan: missing parent folders', () => {
  it('creates every missing folder above a copy, outermost first, once', () => {
    const local: Tree = { p: DIR, 'p/q': DIR, 'p/q/one': file(1, T13), 'p/q/two': file(2, T13) };
    const actions = plan([copy('p/q/one', 'local'), copy('p/q/two', 'local')], local, {}).actions;
    assert.deepEqual(lines(actions), ['mkdir mkdir remote p', 'mkdir mkdir remote p/q', 'copy copy local→remote p/q/one', 'copy copy local→remote p/q/two']);
    assert.deepEqual(
      actions.filter((a) => a.kind === 'mkdir').map((a) => a.kind === 'mkdir' && a.reason),
      ['parent', 'parent'],
    );
  });

  it('does not create folders the target already has, nor ones a decision creates', () => {
    const local: Tree = { p: DIR, 'p/q': DIR, 'p/q/one': file(1, T13) };
    assert.deepEqual(lines(plan([copy('p/q/one', 'local')], local, { p: DIR }).actions), ['mkdir mkdir remote p/q', 'copy copy local→remote p/q/one']);
    const withDecision = plan([copy('p/q', 'local'), copy('p/q/one', 'local')], local, { p: DIR }).actions;
    assert.deepEqual(lines(withDecision), ['mkdir mkdir remote p/q', 'copy copy local→remote p/q/one']);
    assert.equal(withDecision[0]!.kind === 'mkdir' && withDecision[0]!.reason, 'new');
  });

  it('creates parents on the side a copy goes to', () => {
    const remote: Tree = { r: DIR, 'r/f': file(1, T13) };
    assert.deepEqual(lines(plan([copy('r/f', 'remote')], {}, remote).actions), ['mkdir mkdir local r', 'copy copy remote→local r/f']);
  });
});

describe('buildPlan: type changes use the clear phase', () => {
  it('a file replaced by a folder: the target file is deleted first, then the folder made', () => {
    const local: Tree = { t: DIR, 't/x': file(1, T13) };
    const remote: Tree = { t: file(7, T12, 0o644) };
    const actions = plan([copy('t', 'local', 'type-changed'), copy('t/x', 'local')], local, remote).actions;
    assert.deepEqual(lines(actions), ['clear delete remote t', 'mkdir mkdir remote t', 'copy copy local→remote t/x']);
    const clear = actions[0]!;
    assert.equal(clear.kind === 'delete' && clear.reason, 'replaced');
    assert.deepEqual(clear.kind === 'delete' && clear.expect, file(7, T12, 0o644));
  });

  it('a folder replaced by a file: its contents and the folder are removed first (files, then folders deepest first)', () => {
    const local: Tree = { d: file(9, T13) };
    const remote: Tree = { d: DIR, 'd/e': DIR, 'd/e/y': file(1, T12), 'd/x': file(1, T12) };
    const decisions = [copy('d', 'local', 'type-changed'), del('d/e', 'remote'), del('d/e/y', 'remote'), del('d/x', 'remote')];
    const actions = plan(decisions, local, remote).actions;
    assert.deepEqual(lines(actions), [
      'clear delete remote d/e/y',
      'clear delete remote d/x',
      'clear rmdir remote d/e',
      'clear rmdir remote d',
      'copy copy local→remote d',
    ]);
    const copyAction = actions.at(-1)!;
    assert.equal(copyAction.kind === 'copy' && copyAction.expect, null, 'the folder is gone when the file is written');
  });

  it('only deletes inside the replaced folder move to the clear phase, and only on its side', () => {
    const local: Tree = { d: file(9, T13), k: DIR, 'k/z': file(1, T12) };
    const remote: Tree = { d: DIR, 'd/x': file(1, T12), 'd-x': file(1, T12) };
    const decisions = [copy('d', 'local', 'type-changed'), del('d/x', 'remote'), del('d-x', 'remote'), del('k/z', 'local'), del('k', 'local')];
    assert.deepEqual(lines(plan(decisions, local, remote).actions), [
      'clear delete remote d/x',
      'clear rmdir remote d',
      'copy copy local→remote d',
      'delete delete remote d-x',
      'delete delete local k/z',
      'rmdir rmdir local k',
    ]);
  });
});

describe('buildPlan: preconditions (expect) come from the target snapshot', () => {
  const local: Tree = { new: file(1, T13), mod: file(2, T13, 0o600), gone: file(3, T12) };
  const remote: Tree = { mod: file(5, T12, 0o644), doomed: file(4, T12, 0o640) };
  const actions = plan([copy('new', 'local'), copy('mod', 'local', 'modified'), del('doomed', 'remote')], local, remote).actions;
  const byPath = new Map(actions.map((a) => [a.path as string, a]));

  it('a copy to a new path expects nothing there', () => {
    const action = byPath.get('new')!;
    assert.equal(action.kind, 'copy');
    assert.equal(action.kind === 'copy' && action.expect, null);
    assert.deepEqual(action.kind === 'copy' && action.source, file(1, T13));
  });
  it('an overwrite expects the target file as scanned', () => {
    const action = byPath.get('mod')!;
    assert.deepEqual(action.kind === 'copy' && action.expect, file(5, T12, 0o644));
    assert.deepEqual(action.kind === 'copy' && action.source, file(2, T13, 0o600));
  });
  it('a delete expects the file as scanned', () => {
    const action = byPath.get('doomed')!;
    assert.deepEqual(action.kind === 'delete' && action.expect, file(4, T12, 0o640));
  });
});

describe('buildPlan: other decisions', () => {
  const conflict: ConflictInfo = { reason: 'both-modified', local: 'modified', remote: 'modified' };
  const record = { local: file(1, T12), remote: file(1, T12 + 1000) };

  it('lists conflicts with both entries and the record, and skips, without actions', () => {
    const state: SyncState = new Map([[p('c'), record]]);
    const result = plan(
      [
        { type: 'conflict', path: p('c'), conflict },
        { type: 'conflict', path: p('n'), conflict: { reason: 'both-created', local: 'created', remote: 'created' } },
        { type: 'skip', path: p('s'), reason: 'target-changed' },
        { type: 'noop', path: p('o') },
      ],
      { c: file(2, T13), n: file(3, T13), o: file(1, T12) },
      { c: file(4, T13), o: file(1, T12) },
      state,
    );
    assert.deepEqual(result.actions, []);
    assert.deepEqual(result.conflicts, [
      { path: 'c', conflict, local: file(2, T13), remote: file(4, T13), recorded: record },
      { path: 'n', conflict: { reason: 'both-created', local: 'created', remote: 'created' }, local: file(3, T13), remote: null, recorded: null },
    ]);
    assert.deepEqual(result.skipped, [{ path: 's', reason: 'target-changed' }]);
  });

  it("adopt records both sides' fingerprints (without mode)", () => {
    const result = plan(
      [
        { type: 'adopt', path: p('a') },
        { type: 'adopt', path: p('d') },
      ],
      { a: file(1, T13, 0o644), d: DIR },
      { a: file(1, T13 + 500, 0o600), d: DIR },
    );
    assert.deepEqual(result.actions, [
      { kind: 'record', phase: 'record', path: 'a', local: file(1, T13), remote: file(1, T13 + 500) },
      { kind: 'record', phase: 'record', path: 'd', local: DIR, remote: DIR },
    ]);
  });

  it('forget drops a record, and is left out when there is none', () => {
    const state: SyncState = new Map([[p('had'), record]]);
    const result = plan(
      [
        { type: 'forget', path: p('had') },
        { type: 'forget', path: p('never') },
      ],
      {},
      {},
      state,
    );
    assert.deepEqual(result.actions, [{ kind: 'forget', phase: 'record', path: 'had' }]);
  });

  it('a delete of something already gone only drops its record', () => {
    const state: SyncState = new Map([[p('gone'), record]]);
    assert.deepEqual(plan([del('gone', 'remote'), del('never', 'remote')], {}, {}, state).actions, [{ kind: 'forget', phase: 'record', path: 'gone' }]);
  });

  it('a copy of a folder onto a folder only records it', () => {
    assert.deepEqual(plan([copy('d', 'local')], { d: DIR }, { d: DIR }).actions, [{ kind: 'record', phase: 'record', path: 'd', local: DIR, remote: DIR }]);
  });

  it('a copy whose source is gone plans nothing', () => {
    assert.deepEqual(plan([copy('x', 'local')], {}, {}).actions, []);
  });

  it('resolved conflicts keep their conflict facts on the actions', () => {
    const result = plan(
      [
        { type: 'copy', path: p('a'), from: 'remote', reason: 'conflict-resolved', conflict },
        { type: 'delete', path: p('b'), side: 'local', reason: 'conflict-resolved', conflict },
      ],
      { a: file(1, T12), b: file(2, T12) },
      { a: file(3, T13) },
    );
    assert.deepEqual(
      result.actions.map((a) => ('conflict' in a ? a.conflict : undefined)),
      [conflict, conflict],
    );
    assert.deepEqual(
      result.actions.map((a) => ('reason' in a ? a.reason : undefined)),
      ['conflict-resolved', 'conflict-resolved'],
    );
  });

  it('is plain JSON data', () => {
    const result = plan(
      [copy('a', 'local'), copy('a/b', 'local'), del('z', 'remote'), { type: 'skip', path: p('s'), reason: 'unreadable' }],
      { a: DIR, 'a/b': file(1, T13) },
      { z: file(1, T12) },
    );
    assert.deepEqual(JSON.parse(JSON.stringify(result)), result);
    assert.equal(result.mode, 'sync');
  });

  it('countPlan counts each kind', () => {
    const result = plan(
      [copy('a', 'local'), copy('a/b', 'local'), del('z', 'remote'), { type: 'adopt', path: p('e') }],
      { a: DIR, 'a/b': file(1, T13), e: DIR },
      { z: file(1, T12), e: DIR },
    );
    assert.deepEqual(countPlan(result), { mkdir: 1, move: 0, copy: 1, delete: 1, rmdir: 0, 'conflict-copy': 0, record: 1, forget: 0 });
  });
});

describe('stateChangeOf and applyResults', () => {
  const source = file(10, T13, 0o644);
  const written = file(10, T13 + 37_000, 0o600); // the target stamped its own time
  const copyUp: Action = { kind: 'copy', phase: 'copy', from: 'local', to: 'remote', path: p('f'), source, expect: null, reason: 'new' };
  const copyDown: Action = { kind: 'copy', phase: 'copy', from: 'remote', to: 'local', path: p('g'), source, expect: null, reason: 'modified' };
  const mkdir: Action = { kind: 'mkdir', phase: 'mkdir', side: 'remote', path: p('d'), reason: 'parent' };
  const record: Action = { kind: 'record', phase: 'record', path: p('r'), local: file(1, T12), remote: file(1, T12 + 1) };
  const remove: Action = { kind: 'delete', phase: 'delete', side: 'remote', path: p('x'), expect: file(1, T12), reason: 'deleted' };
  const rmdir: Action = { kind: 'rmdir', phase: 'rmdir', side: 'local', path: p('y'), reason: 'deleted' };
  const forget: Action = { kind: 'forget', phase: 'record', path: p('z') };
  const ALL = [copyUp, copyDown, mkdir, record, remove, rmdir, forget];

  it('a copy records the source as scanned and the target as written (no mode)', () => {
    assert.deepEqual(stateChangeOf({ action: copyUp, status: 'done', written }), {
      op: 'set',
      path: 'f',
      record: { local: file(10, T13), remote: file(10, T13 + 37_000) },
    });
    assert.deepEqual(stateChangeOf({ action: copyDown, status: 'done', written }), {
      op: 'set',
      path: 'g',
      record: { local: file(10, T13 + 37_000), remote: file(10, T13) },
    });
  });
  it('a copy without a written entry changes nothing', () => {
    assert.equal(stateChangeOf({ action: copyUp, status: 'done' }), undefined);
  });
  it('mkdir records a folder on both sides, record sets its fingerprints', () => {
    assert.deepEqual(stateChangeOf({ action: mkdir, status: 'done' }), { op: 'set', path: 'd', record: { local: DIR, remote: DIR } });
    assert.deepEqual(stateChangeOf({ action: record, status: 'done' }), { op: 'set', path: 'r', record: { local: file(1, T12), remote: file(1, T12 + 1) } });
  });
  it('deletes, folder removals and forgets drop the record', () => {
    for (const action of [remove, rmdir, forget]) assert.deepEqual(stateChangeOf({ action, status: 'done' }), { op: 'drop', path: action.path });
  });
  it('failed, conflict and not-run results change nothing', () => {
    for (const action of ALL) {
      const results: ActionResult[] = [
        { action, status: 'failed', error: 'boom' },
        { action, status: 'conflict', reason: 'changed-during-sync', detail: 'changed during sync' },
        { action, status: 'not-run', why: 'copy-failed' },
        { action, status: 'not-run', why: 'interrupted' },
      ];
      for (const result of results) assert.equal(stateChangeOf(result), undefined, `${action.kind} ${result.status}`);
    }
  });

  it('applyResults folds every finished action into a new state and leaves the old one alone', () => {
    const old: SyncState = new Map<RelPath, { local: Entry; remote: Entry }>([
      [p('x'), { local: file(1, T12), remote: file(1, T12) }],
      [p('y'), { local: DIR, remote: DIR }],
      [p('z'), { local: file(2, T12), remote: file(2, T12) }],
      [p('kept'), { local: file(3, T12), remote: file(3, T12) }],
      [p('g'), { local: file(4, T12), remote: file(4, T12) }],
    ]) as SyncState;
    const before = JSON.stringify([...old]);
    const next = applyResults(old, [
      { action: copyUp, status: 'done', written },
      { action: copyDown, status: 'failed', error: 'disk full' },
      { action: mkdir, status: 'done' },
      { action: record, status: 'done' },
      { action: remove, status: 'done' },
      { action: rmdir, status: 'done' },
      { action: forget, status: 'conflict', reason: 'changed-during-sync', detail: 'x' },
    ]);
    assert.equal(JSON.stringify([...old]), before, 'the old state is not changed');
    assert.deepEqual(
      new Map(next),
      new Map([
        [p('z'), { local: file(2, T12), remote: file(2, T12) }],
        [p('kept'), { local: file(3, T12), remote: file(3, T12) }],
        [p('g'), { local: file(4, T12), remote: file(4, T12) }],
        [p('f'), { local: file(10, T13), remote: file(10, T13 + 37_000) }],
        [p('d'), { local: DIR, remote: DIR }],
        [p('r'), { local: file(1, T12), remote: file(1, T12 + 1) }],
      ]),
    );
  });

  it('later changes of the same path win', () => {
    const next = applyStateChanges(new Map(), [
      { op: 'set', path: p('a'), record: { local: DIR, remote: DIR } },
      { op: 'drop', path: p('a') },
      { op: 'set', path: p('b'), record: { local: DIR, remote: DIR } },
    ]);
    assert.deepEqual([...next.keys()], ['b']);
  });
});
