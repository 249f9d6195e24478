/**
 * Executing a plan whose record phase is compact (plan-actions.ts): every action is reported once,
 * in order, equal to what the plan lists; an interrupted record phase reports the rest as not run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBackend } from '../../src/backends/memory/memory-backend.js';
import type { ActionResult } from '../../src/core/action-result.js';
import type { Decision } from '../../src/core/decision.js';
import type { Entry } from '../../src/core/entry.js';
import { buildPlan, type Plan } from '../../src/core/plan.js';
import { toRelPath as p, type RelPath } from '../../src/core/rel-path.js';
import { snapshotOf } from '../../src/core/snapshot.js';
import { executePlan } from '../../src/engine/execute-plan.js';
import { runPool } from '../../src/engine/task-pool.js';

const T = Date.UTC(2024, 0, 1);

/** A plan of `count` equal files recorded, plus one copy. */
function recordingPlan(count: number): Plan {
  const entries: [RelPath, Entry][] = [];
  const decisions: Decision[] = [];
  for (let i = 0; i < count; i++) {
    const path = p(`f${String(i).padStart(4, '0')}`);
    entries.push([path, { kind: 'file', size: i, mtimeMs: T + i }]);
    decisions.push({ type: 'adopt', path });
  }
  const local = snapshotOf([...entries, [p('new.txt'), { kind: 'file', size: 1, mtimeMs: T }]]);
  decisions.push({ type: 'copy', path: p('new.txt'), from: 'local', reason: 'new' });
  return buildPlan({ mode: 'sync', decisions, local, remote: snapshotOf(entries), state: new Map() });
}

function backends(): { local: MemoryBackend; remote: MemoryBackend } {
  const local = new MemoryBackend({ name: 'l' });
  local.putFile(p('new.txt'), 'x', T);
  return { local, remote: new MemoryBackend({ name: 'r' }) };
}

describe('executePlan with a compact record phase', () => {
  it('reports every action once, in plan order, equal to the plan', async () => {
    const plan = recordingPlan(300);
    const started: unknown[] = [];
    const reported: ActionResult[] = [];
    const results = await executePlan(plan, {
      ...backends(),
      onStart: (action) => started.push(action),
      onResult: async (result) => void reported.push(result),
    });
    assert.equal(results.length, 301);
    assert.deepStrictEqual(
      results.map((result) => result.status),
      Array(301).fill('done'),
    );
    assert.deepStrictEqual(
      results.map((result) => result.action),
      plan.actions,
    );
    assert.deepStrictEqual(
      reported.map((result) => result.action),
      plan.actions,
    );
    // The very object handed to onStart is the one in its result.
    results.forEach((result, index) => assert.equal(result.action, started[index]));
  });

  it('reports the actions of a plan read before the run as the objects the reader holds', async () => {
    const plan = recordingPlan(20);
    const actions = plan.actions;
    const results = await executePlan(plan, { ...backends(), onResult: async () => undefined });
    results.forEach((result, index) => assert.equal(result.action, actions[index]));
  });

  it('reports the record actions not started when interrupted as not run', async () => {
    const plan = recordingPlan(500);
    const controller = new AbortController();
    let recorded = 0;
    const results = await executePlan(plan, {
      ...backends(),
      signal: controller.signal,
      onResult: async (result) => {
        if (result.action.kind === 'record' && result.status === 'done' && ++recorded === 100) controller.abort();
      },
    });
    assert.equal(results.length, 501);
    const done = results.filter((result) => result.status === 'done').length;
    const notRun = results.filter((result) => result.status === 'not-run' && result.why === 'interrupted').length;
    assert.equal(done + notRun, 501);
    assert.ok(done >= 101 && done < 120, `${done} done`);
    assert.deepStrictEqual(
      results.map((result) => result.action),
      plan.actions,
    );
  });
});

describe('runPool', () => {
  it('takes items from an iterator one at a time and leaves what it did not start', async () => {
    const controller = new AbortController();
    function* numbers(): Generator<number> {
      for (let i = 0; i < 100; i++) yield i;
    }
    const iterator = numbers();
    const seen: number[] = [];
    const started = await runPool(
      { [Symbol.iterator]: () => iterator },
      4,
      async (n) => {
        seen.push(n);
        if (n === 9) controller.abort();
        await Promise.resolve();
      },
      controller.signal,
    );
    assert.equal(started, seen.length);
    assert.deepStrictEqual(seen, [...Array(seen.length).keys()]);
    assert.deepStrictEqual([...iterator], [...Array(100).keys()].slice(seen.length));
  });
});
