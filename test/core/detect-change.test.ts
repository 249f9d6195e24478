/**
 * detectChange: every (entry, record) situation of one side, one row each.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectChange, type SideChange } from '../../src/core/detect-change.js';
import type { Entry, Fingerprint } from '../../src/core/entry.js';

const T0 = Date.UTC(2014, 0, 1, 12, 0, 0);
const file = (size: number, mtimeMs: number, mode?: number): Entry =>
  mode === undefined ? { kind: 'file', size, mtimeMs } : { kind: 'file', size, mtimeMs, mode };
const dir: Entry = { kind: 'dir' };

interface Row {
  readonly name: string;
  readonly entry: Entry | undefined;
  readonly recorded: Fingerprint | undefined;
  readonly expected: SideChange;
}

const rows: Row[] = [
  { name: 'no entry, no record', entry: undefined, recorded: undefined, expected: 'absent' },
  { name: 'new file, no record', entry: file(3, T0), recorded: undefined, expected: 'created' },
  { name: 'new empty file, no record', entry: file(0, 0), recorded: undefined, expected: 'created' },
  { name: 'new folder, no record', entry: dir, recorded: undefined, expected: 'created' },
  { name: 'file gone, file recorded', entry: undefined, recorded: file(3, T0), expected: 'deleted' },
  { name: 'folder gone, folder recorded', entry: undefined, recorded: dir, expected: 'deleted' },
  { name: 'file as recorded', entry: file(3, T0), recorded: file(3, T0), expected: 'unchanged' },
  { name: 'file as recorded, mode differs (mode is not a change)', entry: file(3, T0, 0o755), recorded: file(3, T0), expected: 'unchanged' },
  { name: 'empty file as recorded', entry: file(0, T0), recorded: file(0, T0), expected: 'unchanged' },
  { name: 'file size differs, same mtime', entry: file(4, T0), recorded: file(3, T0), expected: 'modified' },
  { name: 'file newer, same size', entry: file(3, T0 + 1), recorded: file(3, T0), expected: 'modified' },
  { name: 'file older, same size (clock went back)', entry: file(3, T0 - 1000), recorded: file(3, T0), expected: 'modified' },
  { name: 'file size and mtime differ', entry: file(9, T0 + 3_600_000), recorded: file(3, T0), expected: 'modified' },
  // Only the side's own record counts: no time window applies to a side against itself.
  { name: 'file mtime 1 ms off its own record', entry: file(3, T0 + 1), recorded: file(3, T0), expected: 'modified' },
  { name: 'folder as recorded', entry: dir, recorded: dir, expected: 'unchanged' },
  { name: 'file recorded, folder now', entry: dir, recorded: file(3, T0), expected: 'typeChanged' },
  { name: 'folder recorded, file now', entry: file(3, T0), recorded: dir, expected: 'typeChanged' },
  { name: 'folder recorded, empty file now', entry: file(0, 0), recorded: dir, expected: 'typeChanged' },
];

describe('detectChange', () => {
  for (const row of rows) {
    it(`${row.name} → ${row.expected}`, () => {
      assert.equal(detectChange(row.entry, row.recorded), row.expected);
    });
  }

  it('covers every SideChange value', () => {
    const all: SideChange[] = ['absent', 'created', 'unchanged', 'modified', 'deleted', 'typeChanged'];
    assert.deepEqual(new Set(rows.map((row) => row.expected)), new Set(all));
  });
});
