/**
 * The compact tables behind snapshots and the state behave as the maps they replace: same
 * entries and records by value, sizes, deletion, and paths shared through one index.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EntryTable } from '../../src/core/entry-table.js';
import { PathIndex } from '../../src/core/path-index.js';
import { RecordTable } from '../../src/core/record-table.js';
import type { RelPath } from '../../src/core/rel-path.js';
import type { SyncRecord } from '../../src/core/sync-state.js';

const p = (path: string) => path as RelPath;
const file = (size: number, mtimeMs: number): SyncRecord => ({ local: { kind: 'file', size, mtimeMs }, remote: { kind: 'file', size, mtimeMs: mtimeMs + 1 } });

describe('compact tables', () => {
  it('an entry table gives back what was set, modes only where known', () => {
    const table = new EntryTable();
    table.set(p('a'), { kind: 'dir' });
    table.set(p('a/b.txt'), { kind: 'file', size: 3, mtimeMs: 1700000000123.5, mode: 0o644 });
    table.set(p('a/c.txt'), { kind: 'file', size: 2 ** 40, mtimeMs: -5 });
    assert.equal(table.size, 3);
    assert.deepEqual(
      [...table],
      [
        ['a', { kind: 'dir' }],
        ['a/b.txt', { kind: 'file', size: 3, mtimeMs: 1700000000123.5, mode: 0o644 }],
        ['a/c.txt', { kind: 'file', size: 2 ** 40, mtimeMs: -5 }],
      ],
    );
    assert.equal('mode' in table.get(p('a/c.txt'))!, false);
    table.set(p('a/b.txt'), { kind: 'file', size: 4, mtimeMs: 9 });
    assert.equal(table.size, 3);
    assert.deepEqual(table.get(p('a/b.txt')), { kind: 'file', size: 4, mtimeMs: 9 });
    assert.equal(table.get(p('x')), undefined);
  });

  it('an entry table keeps the mode of each file when modes differ after many files shared one', () => {
    const table = new EntryTable();
    for (let i = 0; i < 5000; i++) table.set(p(`f${i}`), { kind: 'file', size: i, mtimeMs: i, mode: 0o644 });
    table.set(p('d'), { kind: 'dir' });
    table.set(p('x'), { kind: 'file', size: 1, mtimeMs: 1, mode: 0o755 });
    table.set(p('y'), { kind: 'file', size: 1, mtimeMs: 1 });
    table.set(p('f3'), { kind: 'file', size: 3, mtimeMs: 3, mode: 0o600 });
    assert.deepEqual(table.get(p('f0')), { kind: 'file', size: 0, mtimeMs: 0, mode: 0o644 });
    assert.deepEqual(table.get(p('f4999')), { kind: 'file', size: 4999, mtimeMs: 4999, mode: 0o644 });
    assert.deepEqual(table.get(p('x')), { kind: 'file', size: 1, mtimeMs: 1, mode: 0o755 });
    assert.deepEqual(table.get(p('y')), { kind: 'file', size: 1, mtimeMs: 1 });
    assert.deepEqual(table.get(p('f3')), { kind: 'file', size: 3, mtimeMs: 3, mode: 0o600 });
    assert.deepEqual(table.get(p('d')), { kind: 'dir' });
    const none = new EntryTable();
    none.set(p('a'), { kind: 'file', size: 1, mtimeMs: 1 });
    none.set(p('b'), { kind: 'file', size: 2, mtimeMs: 2, mode: 0o644 });
    assert.deepEqual(
      [...none.values()],
      [
        { kind: 'file', size: 1, mtimeMs: 1 },
        { kind: 'file', size: 2, mtimeMs: 2, mode: 0o644 },
      ],
    );
  });

  it('two entry tables sharing an index each hold only their own paths', () => {
    const index = new PathIndex();
    const local = new EntryTable(index);
    const remote = new EntryTable(index);
    local.set(p('both'), { kind: 'dir' });
    remote.set(p('only-remote'), { kind: 'file', size: 1, mtimeMs: 2 });
    remote.set(p('both'), { kind: 'dir' });
    assert.deepEqual([...local.keys()], ['both']);
    assert.deepEqual([...remote.keys()], ['both', 'only-remote']);
    assert.equal(local.has(p('only-remote')), false);
    assert.equal(local.get(p('only-remote')), undefined);
    assert.equal(local.size, 1);
    assert.equal(remote.size, 2);
  });

  it('a record table sets, replaces, deletes and compacts like a map', () => {
    const table = new RecordTable();
    const map = new Map<RelPath, SyncRecord>();
    const both = (path: string, record: SyncRecord) => {
      table.set(p(path), record);
      map.set(p(path), record);
    };
    both('d', { local: { kind: 'dir' }, remote: { kind: 'dir' } });
    for (let i = 0; i < 6000; i++) both(`d/f${i}`, file(i, 1000 * i));
    for (let i = 0; i < 6000; i += 2) {
      assert.equal(table.delete(p(`d/f${i}`)), true);
      map.delete(p(`d/f${i}`));
    }
    assert.equal(table.delete(p('d/f0')), false);
    both('d/f1', file(7, 7));
    assert.equal(table.size, map.size);
    assert.deepEqual(new Map(table), map);
    table.compact();
    assert.deepEqual(new Map(table), map);
    for (let i = 0; i < 6000; i += 3) {
      table.delete(p(`d/f${i}`));
      map.delete(p(`d/f${i}`));
    }
    const before = table.index;
    table.compact();
    assert.notEqual(table.index, before);
    assert.deepEqual(new Map(table), map);
    assert.equal(table.size, map.size);
    assert.ok(table.index.size <= 2 * table.size + 1024);
  });
});
