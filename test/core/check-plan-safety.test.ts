import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkPlanSafety,
  DEFAULT_MAX_DELETE,
  describeRefusal,
  detectClockShift,
  formatDeleteLimit,
  parseDeleteLimit,
} from '../../src/core/check-plan-safety.js';
import { buildPlan } from '../../src/core/plan.js';
import { PathFilter } from '../../src/core/path-filter.js';
import { reconcile } from '../../src/core/reconcile.js';
import { toRelPath as p } from '../../src/core/rel-path.js';
import { snapshotOf } from '../../src/core/snapshot.js';
import type { SyncState } from '../../src/core/sync-state.js';
import type { FileEntry } from '../../src/core/entry.js';
import type { RelPath } from '../../src/core/rel-path.js';

const file = { kind: 'file', size: 3, mtimeMs: 1000 } as const;
const state: SyncState = new Map([
  [p('a.txt'), { local: file, remote: file }],
  [p('b.txt'), { local: file, remote: file }],
]);
const options = { mode: 'sync', delete: false, force: false, deleteUnmatched: false, timeWindowMs: 2000 } as const;

function planFor(local: ReturnType<typeof snapshotOf>, remote: ReturnType<typeof snapshotOf>) {
  const decisions = reconcile({ local, remote, state, filter: new PathFilter(), options });
  return buildPlan({ mode: 'sync', decisions, local, remote, state });
}

describe('checkPlanSafety', () => {
  const full = snapshotOf([
    [p('a.txt'), file],
    [p('b.txt'), file],
  ]);
  const empty = snapshotOf([]);

  it('refuses to delete everything remotely when the local root lists as empty', () => {
    const plan = planFor(empty, full);
    assert.deepEqual(checkPlanSafety({ plan, local: empty, remote: full, state, allowEmptySide: false }), {
      reason: 'empty-side',
      side: 'local',
      recorded: 2,
      deletions: 2,
    });
  });

  it('refuses the mirror case too (remote empty, local would be emptied)', () => {
    const plan = planFor(full, empty);
    assert.equal(checkPlanSafety({ plan, local: full, remote: empty, state, allowEmptySide: false })?.side, 'remote');
  });

  it('lets the run go when the user allows an empty side', () => {
    const plan = planFor(empty, full);
    assert.equal(checkPlanSafety({ plan, local: empty, remote: full, state, allowEmptySide: true }), undefined);
  });

  it('lets ordinary deletions go (the side still has other files)', () => {
    const partial = snapshotOf([[p('a.txt'), file]]);
    const plan = planFor(partial, full);
    assert.equal(plan.actions.filter((a) => a.kind === 'delete').length, 1);
    assert.equal(checkPlanSafety({ plan, local: partial, remote: full, state, allowEmptySide: false }), undefined);
  });

  it('has nothing to check on a first run (no state)', () => {
    const plan = planFor(empty, full);
    assert.equal(checkPlanSafety({ plan, local: empty, remote: full, state: new Map(), allowEmptySide: false }), undefined);
  });
});

/** A tree of `n` files `f0.txt …` of size 3 at `mtimeMs`, as a snapshot and as a state. */
function tree(n: number, mtimeMs = 1000): [RelPath, FileEntry][] {
  return Array.from({ length: n }, (_, i): [RelPath, FileEntry] => [p(`f${i}.txt`), { kind: 'file', size: 3, mtimeMs }]);
}
function stateOf(n: number): SyncState {
  return new Map(tree(n).map(([path, entry]) => [path, { local: entry, remote: entry }]));
}
function planOver(local: ReturnType<typeof snapshotOf>, remote: ReturnType<typeof snapshotOf>, st: SyncState) {
  const decisions = reconcile({ local, remote, state: st, filter: new PathFilter(), options });
  return buildPlan({ mode: 'sync', decisions, local, remote, state: st });
}

describe('parseDeleteLimit / formatDeleteLimit', () => {
  it('reads counts and percentages, rejects the rest', () => {
    assert.deepEqual(parseDeleteLimit('20'), { kind: 'count', count: 20 });
    assert.deepEqual(parseDeleteLimit('0'), { kind: 'count', count: 0 });
    assert.deepEqual(parseDeleteLimit('50%'), { kind: 'percent', percent: 50 });
    assert.deepEqual(parseDeleteLimit('100%'), { kind: 'percent', percent: 100 });
    for (const bad of ['', '-1', '101%', '1.5', 'ten', '%', '5%%']) assert.equal(parseDeleteLimit(bad), undefined, bad);
    assert.equal(formatDeleteLimit({ kind: 'percent', percent: 50 }), '50%');
    assert.equal(formatDeleteLimit({ kind: 'count', count: 7 }), '7');
  });
});

describe('checkPlanSafety: --max-delete', () => {
  const twenty = stateOf(20);
  const full = snapshotOf(tree(20));
  /** The local side lost its first `k` files: the plan deletes them remotely. */
  const lost = (k: number) => snapshotOf(tree(20).slice(k));

  it('default 50%: deleting 11 of 20 remote files is refused, 10 of 20 goes', () => {
    const refusal = checkPlanSafety({ plan: planOver(lost(11), full, twenty), local: lost(11), remote: full, state: twenty, allowEmptySide: false });
    assert.deepEqual(refusal, { reason: 'max-delete', side: 'remote', deletions: 11, files: 20, limit: DEFAULT_MAX_DELETE });
    assert.equal(checkPlanSafety({ plan: planOver(lost(10), full, twenty), local: lost(10), remote: full, state: twenty, allowEmptySide: false }), undefined);
  });

  it('100% always goes; a count limit is exact', () => {
    const input = { plan: planOver(lost(15), full, twenty), local: lost(15), remote: full, state: twenty, allowEmptySide: false };
    assert.equal(checkPlanSafety({ ...input, maxDelete: { kind: 'percent', percent: 100 } }), undefined);
    assert.equal(checkPlanSafety({ ...input, maxDelete: { kind: 'count', count: 15 } }), undefined);
    assert.equal(checkPlanSafety({ ...input, maxDelete: { kind: 'count', count: 14 } })?.reason, 'max-delete');
  });

  it('a percentage does not brake tiny trees: deleting 1 of 1, or 9 of 9 files, goes', () => {
    for (const n of [1, 9]) {
      const st = stateOf(n + 1);
      const remote = snapshotOf(tree(n + 1));
      const local = snapshotOf(tree(n + 1).slice(n));
      const plan = planOver(local, remote, st);
      assert.equal(plan.actions.filter((a) => a.kind === 'delete').length, n);
      assert.equal(checkPlanSafety({ plan, local, remote, state: st, allowEmptySide: false }), undefined, `${n} deletions`);
    }
  });

  it('a count limit brakes small trees too (--max-delete 0 refuses any deletion)', () => {
    const st = stateOf(2);
    const remote = snapshotOf(tree(2));
    const local = snapshotOf(tree(2).slice(1));
    const refusal = checkPlanSafety({
      plan: planOver(local, remote, st),
      local,
      remote,
      state: st,
      allowEmptySide: false,
      maxDelete: { kind: 'count', count: 0 },
    });
    assert.equal(refusal?.reason, 'max-delete');
  });

  it('an emptied side is the empty-side brake (exit 4), checked before max-delete', () => {
    const empty = snapshotOf([]);
    assert.equal(
      checkPlanSafety({ plan: planOver(empty, full, twenty), local: empty, remote: full, state: twenty, allowEmptySide: false })?.reason,
      'empty-side',
    );
    // --allow-empty confirms that the whole other side goes: no second refusal by max-delete.
    assert.equal(checkPlanSafety({ plan: planOver(empty, full, twenty), local: empty, remote: full, state: twenty, allowEmptySide: true }), undefined);
    // ...but it releases nothing for a side that is not empty.
    assert.equal(
      checkPlanSafety({ plan: planOver(lost(15), full, twenty), local: lost(15), remote: full, state: twenty, allowEmptySide: true })?.reason,
      'max-delete',
    );
  });
});

describe('checkPlanSafety: every file changed only in time (clock shift)', () => {
  const twelve = stateOf(12);
  const full = snapshotOf(tree(12));
  const hour = 3_600_000;

  it('all files an hour later, same sizes: refused with the offset; --force goes', () => {
    const shifted = snapshotOf(tree(12, 1000 + hour));
    const input = { plan: planOver(shifted, full, twelve), local: shifted, remote: full, state: twelve, allowEmptySide: false };
    assert.deepEqual(checkPlanSafety(input), { reason: 'clock-shift', side: 'local', files: 12, offsetMs: hour });
    assert.equal(checkPlanSafety({ ...input, force: true }), undefined);
    assert.match(describeRefusal(checkPlanSafety(input)!, { local: '/a', remote: '/b' }), /local.*\+1 h.*`force: true`/);
  });

  it('times changed by different amounts (a mass touch): refused, without an offset', () => {
    const touched = snapshotOf(tree(12).map(([path, entry], i) => [path, { ...entry, mtimeMs: 5000 + i * 10_000 }]));
    const refusal = checkPlanSafety({ plan: planOver(full, touched, twelve), local: full, remote: touched, state: twelve, allowEmptySide: false });
    assert.deepEqual(refusal, { reason: 'clock-shift', side: 'remote', files: 12 });
  });

  it('one file really edited (size changed) or one unchanged: no brake', () => {
    const entries = tree(12, 1000 + hour);
    const edited = snapshotOf(entries.map(([path, entry], i) => [path, i === 0 ? { ...entry, size: 9 } : entry]));
    assert.equal(checkPlanSafety({ plan: planOver(edited, full, twelve), local: edited, remote: full, state: twelve, allowEmptySide: false }), undefined);
    const oneKept = snapshotOf(entries.map(([path, entry], i) => [path, i === 0 ? { ...entry, mtimeMs: 1000 } : entry]));
    assert.equal(checkPlanSafety({ plan: planOver(oneKept, full, twelve), local: oneKept, remote: full, state: twelve, allowEmptySide: false }), undefined);
  });

  it('tiny trees are not braked (fewer than 10 recorded files)', () => {
    const st = stateOf(9);
    const shifted = snapshotOf(tree(9, 1000 + hour));
    const remote = snapshotOf(tree(9));
    assert.equal(checkPlanSafety({ plan: planOver(shifted, remote, st), local: shifted, remote, state: st, allowEmptySide: false }), undefined);
  });

  it('upload looks only at the local side (remote time changes are not propagated)', () => {
    const shifted = snapshotOf(tree(12, 1000 + hour));
    const decisions = reconcile({ local: full, remote: shifted, state: twelve, filter: new PathFilter(), options: { ...options, mode: 'upload' } });
    const plan = buildPlan({ mode: 'upload', decisions, local: full, remote: shifted, state: twelve });
    assert.equal(checkPlanSafety({ plan, local: full, remote: shifted, state: twelve, allowEmptySide: false }), undefined);
  });
});

describe('describeRefusal', () => {
  it('names the override of each brake in one line', () => {
    const folders = { local: '/l', remote: 'sftp://h/r' };
    const lines = [
      describeRefusal({ reason: 'empty-side', side: 'local', recorded: 3, deletions: 3 }, folders),
      describeRefusal({ reason: 'missing-root', side: 'remote', recorded: 3 }, folders),
      describeRefusal({ reason: 'max-delete', side: 'remote', deletions: 30, files: 40, limit: DEFAULT_MAX_DELETE }, folders),
      describeRefusal({ reason: 'max-delete', side: 'remote', deletions: 30, files: 40, limit: { kind: 'count', count: 20 } }, folders),
      describeRefusal({ reason: 'clock-shift', side: 'local', files: 40 }, folders),
    ];
    for (const line of lines) assert.ok(!line.includes('\n'));
    assert.match(lines[0]!, /\/l.*`allowEmptySide: true`/);
    assert.match(lines[1]!, /sftp:\/\/h\/r does not exist.*`allowEmptySide: true`/);
    assert.match(lines[2]!, /30 of 40 files.*`maxDelete` 50%.*`maxDelete: '100%'`/);
    assert.match(lines[3]!, /`maxDelete: 30` to go ahead/);
    assert.match(lines[4]!, /`compare: 'checksum'`.*`force: true`/);
  });
});

describe('detectClockShift', () => {
  const names = Array.from({ length: 12 }, (_, i) => p(`f${i}.txt`));
  const recorded: SyncState = new Map(names.map((name) => [name, { local: file, remote: file }]));
  const shifted = snapshotOf(names.map((name) => [name, { ...file, mtimeMs: file.mtimeMs + 3_600_000 }]));
  const same = snapshotOf(names.map((name) => [name, file]));

  it('finds every file of the side an upload copies from moved in time only', () => {
    assert.deepEqual(detectClockShift({ mode: 'upload', local: shifted, remote: same, state: recorded }), {
      reason: 'clock-shift',
      side: 'local',
      files: 12,
      offsetMs: 3_600_000,
    });
    assert.equal(detectClockShift({ mode: 'download', local: shifted, remote: same, state: recorded }), undefined, 'download does not copy from local');
  });

  it('leaves out files whose contents were compared: what remains is too few to be a sign', () => {
    const compared = new Set(names.slice(0, 3));
    assert.equal(detectClockShift({ mode: 'upload', local: shifted, remote: same, state: recorded, contentCompared: compared }), undefined);
    const plan = buildPlan({ mode: 'upload', decisions: [], local: shifted, remote: same, state: recorded });
    assert.equal(checkPlanSafety({ plan, local: shifted, remote: same, state: recorded, allowEmptySide: false, contentCompared: new Set(names) }), undefined);
    assert.equal(checkPlanSafety({ plan, local: shifted, remote: same, state: recorded, allowEmptySide: false })?.reason, 'clock-shift');
  });

  it('the refusal names --compare checksum and --force', () => {
    const refusal = detectClockShift({ mode: 'upload', local: shifted, remote: same, state: recorded })!;
    assert.match(describeRefusal(refusal, { local: 'site', remote: 'host' }), /fresh checkout.*`compare: 'checksum'`.*`force: true`/);
  });
});
