import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Decision } from '../../src/core/decision.js';
import { describeHeldBack, holdBackDeletes } from '../../src/core/hold-back-deletes.js';
import { toRelPath as p } from '../../src/core/rel-path.js';
import type { Snapshot } from '../../src/core/snapshot.js';

const snap = (incomplete: string[] = []): Snapshot => ({ entries: new Map(), unreadable: new Set(), incomplete: new Set(incomplete.map(p)) });
const del = (path: string, side: 'local' | 'remote' = 'remote'): Decision => ({ type: 'delete', path: p(path), side, reason: 'deleted' });

describe('holdBackDeletes', () => {
  it('returns the decisions as they are when every listing was complete', () => {
    const decisions = [del('a.txt'), del('d/x.txt', 'local')];
    const result = holdBackDeletes(decisions, { local: snap(), remote: snap() });
    assert.equal(result.decisions, decisions);
    assert.deepEqual(result.folders, []);
  });

  it('holds deletions in the folder (either side), of it, and of folders above it; others run', () => {
    const decisions: Decision[] = [
      del('top'), // above top/odd
      del('top/odd'), // the folder itself
      del('top/odd/x.txt', 'local'), // in it, on the other side than the incomplete listing
      del('top/odd/deeper/y.txt'), // below it: its own folder was listed completely
      del('top/other.txt'), // beside it
      { type: 'copy', path: p('top/odd/new.txt'), from: 'remote', reason: 'new' },
    ];
    const result = holdBackDeletes(decisions, { local: snap(), remote: snap(['top/odd']) });
    assert.deepEqual(
      result.decisions.map((d) => `${d.type} ${d.path}${d.type === 'skip' ? ` ${d.reason}` : ''}`),
      [
        'skip top incomplete-listing',
        'skip top/odd incomplete-listing',
        'skip top/odd/x.txt incomplete-listing',
        'delete top/odd/deeper/y.txt',
        'delete top/other.txt',
        'copy top/odd/new.txt',
      ],
    );
    assert.deepEqual(result.folders, [{ folder: 'top/odd', side: 'remote', deletions: 3 }]);
    assert.match(describeHeldBack(result.folders[0]!), /^3 deletions in folder top\/odd held back: its remote listing had entries ferry refused/);
  });

  it('an incomplete root holds back every deletion at the top level', () => {
    const result = holdBackDeletes([del('a.txt', 'local'), del('d/b.txt', 'local')], { local: snap(['']), remote: snap() });
    assert.deepEqual(
      result.decisions.map((d) => d.type),
      ['skip', 'delete'],
    );
    assert.equal(
      describeHeldBack(result.folders[0]!),
      '1 deletion in the root folder held back: its local listing had entries ferry refused or left alone (see above), so it is not mirrored this run',
    );
  });
});
