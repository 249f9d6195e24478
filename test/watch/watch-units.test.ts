/** The pure parts of a watch: which polled paths changed, which paths a pass covers, the polling back-off. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Entry } from '../../src/core/entry.js';
import { toRelPath, type RelPath } from '../../src/core/rel-path.js';
import { snapshotOf } from '../../src/core/snapshot.js';
import type { SyncRecord } from '../../src/core/sync-state.js';
import { AdaptiveInterval } from '../../src/engine/watch/adaptive-interval.js';
import { changedPaths } from '../../src/engine/watch/diff-listing.js';
import { outermostPaths, scopedState } from '../../src/engine/watch/scan-scope.js';

const p = (path: string): RelPath => toRelPath(path);
const file = (size: number, mtimeMs = 1000): Entry => ({ kind: 'file', size, mtimeMs });
const dir: Entry = { kind: 'dir' };
const record = (entry: Entry): SyncRecord => ({ local: entry, remote: entry });

describe('changedPaths', () => {
  const state = new Map<RelPath, SyncRecord>([
    [p('a.txt'), record(file(1))],
    [p('d'), record(dir)],
    [p('d/b.txt'), record(file(2))],
  ]);

  it('reports nothing when the listing matches the state', () => {
    const listing = snapshotOf([
      [p('a.txt'), file(1)],
      [p('d'), dir],
      [p('d/b.txt'), file(2)],
    ]);
    assert.deepEqual(changedPaths('remote', listing, undefined, state), []);
  });

  it('reports modified, new and deleted paths against the state on the first poll', () => {
    const listing = snapshotOf([
      [p('a.txt'), file(5)],
      [p('d'), dir],
      [p('new.txt'), file(3)],
    ]);
    assert.deepEqual(changedPaths('remote', listing, undefined, state).sort(), ['a.txt', 'd/b.txt', 'new.txt']);
  });

  it('reports a change once: the next poll compares with the previous listing', () => {
    const first = snapshotOf([
      [p('a.txt'), file(5)],
      [p('d'), dir],
      [p('d/b.txt'), file(2)],
    ]);
    assert.deepEqual(changedPaths('remote', first, undefined, state), ['a.txt']);
    assert.deepEqual(changedPaths('remote', first, first.entries, state), []);
  });

  it('never reads an unreadable folder as deletions', () => {
    const listing = snapshotOf(
      [
        [p('a.txt'), file(1)],
        [p('d'), dir],
      ],
      [p('d')],
    );
    assert.deepEqual(changedPaths('remote', listing, undefined, state), []);
  });

  it('does not count a path that now matches the state (ferry wrote it) as a change', () => {
    const previous = new Map<RelPath, Entry>([
      [p('a.txt'), file(9)],
      [p('d'), dir],
      [p('d/b.txt'), file(2)],
    ]);
    const listing = snapshotOf([
      [p('a.txt'), file(1)],
      [p('d'), dir],
      [p('d/b.txt'), file(2)],
    ]);
    assert.deepEqual(changedPaths('remote', listing, previous, state), []);
  });
});

describe('the scope of a pass', () => {
  it('keeps only the outermost paths', () => {
    assert.deepEqual(outermostPaths([p('a/b/c'), p('a/b'), p('x'), p('a/bc'), p('a/b/d')]), ['a/b', 'a/bc', 'x']);
    assert.deepEqual(outermostPaths([p('a'), p('')]), ['']);
  });

  it('takes the records of the roots, their contents and their parent folders, nothing else', () => {
    const state = new Map<RelPath, SyncRecord>(
      ['a', 'a/b', 'a/b/f', 'a/b/g/h', 'a/bc', 'a/c', 'z'].map((path) => [p(path), record(path.includes('f') || path.includes('h') ? file(1) : dir)]),
    );
    assert.deepEqual([...scopedState(state, [p('a/b')]).keys()].sort(), ['a', 'a/b', 'a/b/f', 'a/b/g/h']);
    assert.equal(scopedState(state, [p('')]).size, state.size);
  });
});

describe('AdaptiveInterval', () => {
  it('doubles while quiet up to the cap and returns to the base after a change', () => {
    const interval = new AdaptiveInterval(1000, 8000);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      seen.push(interval.nextMs);
      interval.quiet();
    }
    assert.deepEqual(seen, [1000, 2000, 4000, 8000, 8000]);
    interval.changed();
    assert.equal(interval.nextMs, 1000);
  });
});
