/** --compare checksum: which decisions are worth hashing, and what equal contents turn them into. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adoptEqualContents, contentCompareCandidates } from '../../src/core/content-compare.js';
import type { Decision } from '../../src/core/decision.js';
import type { Entry } from '../../src/core/entry.js';
import { toRelPath } from '../../src/core/rel-path.js';
import { snapshotOf } from '../../src/core/snapshot.js';

const snap = (tree: Record<string, Entry>) => snapshotOf(Object.entries(tree).map(([path, entry]) => [toRelPath(path), entry]));
const f = (size: number, mtimeMs: number): Entry => ({ kind: 'file', size, mtimeMs });
const p = toRelPath;

describe('contentCompareCandidates', () => {
  const local = snap({ touched: f(5, 2000), grown: f(6, 2000), both: f(5, 3000), fresh: f(5, 1000), gone: f(5, 1000), kept: f(5, 9000) });
  const remote = snap({ touched: f(5, 1000), grown: f(5, 1000), both: f(5, 4000), kept: f(5, 1000) });
  const decisions: Decision[] = [
    { type: 'copy', path: p('touched'), from: 'local', reason: 'modified' },
    { type: 'copy', path: p('grown'), from: 'local', reason: 'modified' },
    { type: 'conflict', path: p('both'), conflict: { reason: 'both-modified', local: 'modified', remote: 'modified' } },
    { type: 'copy', path: p('fresh'), from: 'local', reason: 'new' },
    { type: 'delete', path: p('gone'), side: 'local', reason: 'deleted' },
    { type: 'skip', path: p('kept'), reason: 'target-changed' },
  ];

  it('takes same-sized files that would be copied, reported as conflicts or skipped as target changes', () => {
    assert.deepEqual(contentCompareCandidates(decisions, local, remote), ['touched', 'both', 'kept']);
  });

  it('adopts the paths found equal and keeps every other decision', () => {
    const adopted = adoptEqualContents(decisions, new Set([p('touched'), p('both')]));
    assert.deepEqual(
      adopted.map((d) => `${d.type} ${d.path}`),
      ['adopt touched', 'copy grown', 'adopt both', 'copy fresh', 'delete gone', 'skip kept'],
    );
  });
});
