/**
 * Objects made by plainConstructor (and the hot-path objects made with it) are indistinguishable
 * from the object literals they replace: prototype, own properties and their order, JSON.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { doneResult, stateChangeOf } from '../../src/core/action-result.js';
import type { Action } from '../../src/core/plan.js';
import { plainConstructor } from '../../src/core/plain-constructor.js';
import { toRelPath as p } from '../../src/core/rel-path.js';
import { actionFinishedEvent, actionStartedEvent, plannedEvent } from '../../src/engine/events.js';

/** Same prototype, same own property descriptors in the same order, same JSON. */
function assertLikeLiteral(made: object, literal: object): void {
  assert.equal(Object.getPrototypeOf(made), Object.prototype);
  assert.deepStrictEqual(Object.getOwnPropertyDescriptors(made), Object.getOwnPropertyDescriptors(literal));
  assert.deepStrictEqual(Object.keys(made), Object.keys(literal));
  assert.equal(JSON.stringify(made), JSON.stringify(literal));
  assert.deepStrictEqual(made, literal);
  assert.deepStrictEqual({ ...made }, literal);
  assert.equal((made as { constructor: unknown }).constructor, Object);
}

describe('plainConstructor', () => {
  it('makes objects equal to the literal', () => {
    const Point = plainConstructor(function (this: { x: number; y: string }, x: number, y: string) {
      this.x = x;
      this.y = y;
    });
    assertLikeLiteral(new Point(1, 'a'), { x: 1, y: 'a' });
    assert.notEqual(new Point(1, 'a'), new Point(1, 'a'));
  });

  it('is used for the objects of the record phase, each equal to its literal', () => {
    const fingerprint = { kind: 'file', size: 3, mtimeMs: 1000 } as const;
    const record: Action = { kind: 'record', phase: 'record', path: p('a'), local: fingerprint, remote: fingerprint };
    const forget: Action = { kind: 'forget', phase: 'record', path: p('b') };
    assertLikeLiteral(doneResult(record), { action: record, status: 'done' });
    assertLikeLiteral(stateChangeOf(doneResult(record))!, { op: 'set', path: 'a', record: { local: fingerprint, remote: fingerprint } });
    assertLikeLiteral(stateChangeOf(doneResult(forget))!, { op: 'drop', path: 'b' });
    assertLikeLiteral(plannedEvent(record), { type: 'planned', action: record });
    assertLikeLiteral(actionStartedEvent(record), { type: 'action-started', action: record });
    assertLikeLiteral(actionFinishedEvent(doneResult(record)), { type: 'action-finished', result: { action: record, status: 'done' } });
  });
});
