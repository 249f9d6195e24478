import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Entry } from '../../src/core/entry.js';
import { toRelPath as p, type RelPath } from '../../src/core/rel-path.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { spellerOf } from '../../src/core/spellings.js';

const file: Entry = { kind: 'file', size: 1, mtimeMs: 0 };
const dir: Entry = { kind: 'dir' };
function snap(entries: [string, Entry][], spellings: [string, string][] = []): Snapshot {
  return { entries: new Map(entries.map(([k, e]) => [p(k), e])), unreadable: new Set(), spellings: new Map(spellings.map(([k, v]) => [p(k), v as RelPath])) };
}
const NFD = 'Re\u0301sume\u0301';
const KEY = NFD.normalize('NFC');

describe('spellerOf', () => {
  it('is undefined when every name is its own key', () => {
    assert.equal(spellerOf({ local: snap([['a', file]]), remote: snap([]) }), undefined);
  });

  it("keeps each side's own spelling, and gives a new name the source's spelling inside the target's folder", () => {
    const local = snap(
      [
        [KEY, dir],
        [`${KEY}/a.txt`, file],
        [`${KEY}/cafe\u0301.txt`.normalize('NFC'), file],
      ],
      [
        [KEY, NFD],
        [`${KEY}/a.txt`, `${NFD}/a.txt`],
        [`${KEY}/café.txt`, `${NFD}/cafe\u0301.txt`],
      ],
    );
    const remote = snap([
      [KEY, dir],
      [`${KEY}/a.txt`, file],
    ]);
    const spell = spellerOf({ local, remote })!;
    assert.equal(spell('local', p(`${KEY}/a.txt`)), `${NFD}/a.txt`);
    assert.equal(spell('remote', p(`${KEY}/a.txt`)), `${KEY}/a.txt`, 'the remote side spells its folder in NFC');
    assert.equal(spell('remote', p(`${KEY}/café.txt`)), `${KEY}/cafe\u0301.txt`, "a copy takes the source's spelling, in the target's folder");
    assert.equal(spell('local', p(`${KEY}/new.txt`)), `${NFD}/new.txt`, "a name neither side has: in this side's folder");
    assert.equal(spell('local', p('other/x.txt')), 'other/x.txt');
  });
});
