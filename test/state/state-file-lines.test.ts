/**
 * The snapshot is written one record per line and read back a line at a time; files an older
 * ferry wrote on one line still load; damaged files are refused, never read as partial state.
 */
import assert from 'node:assert/strict';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RecordTable } from '../../src/core/record-table.js';
import type { RelPath } from '../../src/core/rel-path.js';
import type { SyncRecord } from '../../src/core/sync-state.js';
import { readStateSnapshot } from '../../src/state/read-state-snapshot.js';
import { formatStateSnapshot, parseStateSnapshot, parseStateSnapshotLines, StateFormatError } from '../../src/state/state-file-format.js';

const records = new Map<RelPath, SyncRecord>([
  ['a' as RelPath, { local: { kind: 'dir' }, remote: { kind: 'dir' } }],
  ['a/new\nline, "quoted".txt' as RelPath, { local: { kind: 'file', size: 3, mtimeMs: 1000 }, remote: { kind: 'file', size: 3, mtimeMs: 2000 } }],
  ['b.txt' as RelPath, { local: { kind: 'file', size: 0, mtimeMs: 5 }, remote: { kind: 'file', size: 0, mtimeMs: 6 } }],
]);

async function* linesOf(text: string): AsyncGenerator<string> {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  yield* parts;
}

describe('state snapshot lines', () => {
  const text = formatStateSnapshot('file:///l', 'sftp://u@h:22/r', records, new Date(0));

  it('is one JSON document with one record per line', () => {
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, records.size + 2);
    assert.deepEqual(parseStateSnapshot(text).records, records);
    assert.equal(JSON.parse(text).version, 1);
  });

  it('reads back line by line, names with line breaks and quotes included', async () => {
    const parsed = await parseStateSnapshotLines(linesOf(text));
    assert.deepEqual(parsed.records, records);
    assert.equal(parsed.remote, 'sftp://u@h:22/r');
  });

  it('reads a file an older ferry wrote on one line', async () => {
    const oneLine = JSON.stringify(JSON.parse(text));
    assert.deepEqual((await parseStateSnapshotLines(linesOf(oneLine))).records, records);
  });

  it('reads an empty state', async () => {
    const empty = formatStateSnapshot('a', 'b', new Map(), new Date(0));
    assert.equal((await parseStateSnapshotLines(linesOf(empty))).records.size, 0);
    assert.equal(parseStateSnapshot(empty).records.size, 0);
  });

  it('refuses a file cut short, a damaged record, text after the end, a newer version', async () => {
    const lines = text.trimEnd().split('\n');
    const damaged = [
      lines.slice(0, -1).join('\n'),
      [...lines.slice(0, 2), '["x", {"kind":"file"}, {"kind":"dir"}],', ...lines.slice(2)].join('\n'),
      [...lines.slice(0, 2), '["x", {"kind', ...lines.slice(2)].join('\n'),
      `${text}garbage\n`,
      text.replace('"version":1', '"version":99'),
      '',
    ];
    for (const bad of damaged) await assert.rejects(parseStateSnapshotLines(linesOf(bad)), StateFormatError, JSON.stringify(bad.slice(0, 60)));
  });

  it('reads the same from the bytes of the file, in any chunk size, into a record table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-state-bytes-'));
    const file = join(dir, 'state.json');
    const fromBytes = async (content: string, chunkBytes: number) => {
      await writeFile(file, content);
      const handle = await open(file, 'r');
      try {
        return await readStateSnapshot(handle, new RecordTable(), chunkBytes);
      } finally {
        await handle.close();
      }
    };
    try {
      const escaped = formatStateSnapshot(
        'l',
        'r',
        new Map<RelPath, SyncRecord>([
          // eslint-disable-next-line no-loss-of-precision -- more digits than a double keeps, on purpose
          ['ü/ä ß.txt' as RelPath, { local: { kind: 'file', size: 1.5, mtimeMs: 1700000000123.4567 }, remote: { kind: 'file', size: 2e3, mtimeMs: -1 } }],
          ['tab\there' as RelPath, { local: { kind: 'dir' }, remote: { kind: 'dir' } }],
        ]),
        new Date(0),
      );
      const spaced = text.replace('{"kind":"file","size":3,"mtimeMs":1000}', '{ "mtimeMs": 1000, "size": 3, "kind": "file" }');
      for (const chunk of [5, 64, 1024 * 1024]) {
        for (const good of [text, JSON.stringify(JSON.parse(text)), escaped, spaced, text.trimEnd()]) {
          const parsed = await fromBytes(good, chunk);
          assert.deepEqual(new Map(parsed.records), (await parseStateSnapshotLines(linesOf(good))).records);
          assert.equal(parsed.remote, parseStateSnapshot(good).remote);
        }
        const lines = text.trimEnd().split('\n');
        const damaged = [
          lines.slice(0, -1).join('\n'),
          [...lines.slice(0, 2), '["x", {"kind":"file"}, {"kind":"dir"}],', ...lines.slice(2)].join('\n'),
          [...lines.slice(0, 2), '["x",{"kind":"file","size":01,"mtimeMs":1},{"kind":"dir"}],', ...lines.slice(2)].join('\n'),
          [...lines.slice(0, 2), '["",{"kind":"dir"},{"kind":"dir"}],', ...lines.slice(2)].join('\n'),
          [...lines.slice(0, 2), '["../x",{"kind":"dir"},{"kind":"dir"}],', ...lines.slice(2)].join('\n'),
          [...lines.slice(0, 2), '["x",{"kind":"file","size":1e999,"mtimeMs":1},{"kind":"dir"}],', ...lines.slice(2)].join('\n'),
          [...lines.slice(0, 2), '["x", {"kind', ...lines.slice(2)].join('\n'),
          `${text}garbage\n`,
          text.replace('"version":1', '"version":99'),
          '',
        ];
        for (const bad of damaged) {
          const expected = await parseStateSnapshotLines(linesOf(bad)).then(
            () => 'no error',
            (error: Error) => error.message,
          );
          await assert.rejects(
            fromBytes(bad, chunk),
            (error: unknown) => error instanceof StateFormatError && error.message === expected,
            JSON.stringify(bad.slice(0, 60)),
          );
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
