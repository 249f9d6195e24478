import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPlanSafety } from '../../src/core/check-plan-safety.js';
import { buildPlan } from '../../src/core/plan.js';
import { PathFilter } from '../../src/core/path-filter.js';
import { reconcile } from '../../src/core/reconcile.js';
import { toRelPath as p } from '../../src/core/rel-path.js';
import { snapshotOf } from '../../src/core/snapshot.js';
import type { SyncState } from '../../src/core/sync-state.js';

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
  const full = snapshotOf([[p('a.txt'), file], [p('b.txt'), file]]);
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
