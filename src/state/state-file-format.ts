/**
 * The on-disk format of the state of one pair (version 1), and its validation.
 *
 * Snapshot file `<key>.json`, one JSON document written one record per line (so it can be written
 * and read without holding it as one string):
 * `{"format":"ferry-state","version":1,"local":ID,"remote":ID,"savedAt":ISO,"records":[`
 * `[path,local,remote],` (one line per record)
 * `]}`
 * Journal file `<key>.journal`: one JSON state change per line (`{"op":"set","path":..,"record":..}` or
 * `{"op":"drop","path":..}`), appended as actions finish, folded into the snapshot at the end.
 */
import type { StateChange } from '../core/action-result.js';
import type { Fingerprint } from '../core/entry.js';
import { toRelPath, type RelPath } from '../core/rel-path.js';
import type { SyncRecord } from '../core/sync-state.js';

export const STATE_FORMAT = 'ferry-state';
export const STATE_VERSION = 1;

/** Thrown for content that is not a valid state file; the message says what is wrong. */
export class StateFormatError extends Error {}

/** Every folder record shares one object (a state of a million entries has many folders). */
const DIR: Fingerprint = Object.freeze({ kind: 'dir' });

function fingerprint(value: unknown, where: string): Fingerprint {
  const v = value as Record<string, unknown> | null;
  if (v && v.kind === 'dir') return DIR;
  if (v && v.kind === 'file' && Number.isFinite(v.size) && Number.isFinite(v.mtimeMs)) {
    return { kind: 'file', size: v.size as number, mtimeMs: v.mtimeMs as number };
  }
  throw new StateFormatError(`bad fingerprint at ${where}`);
}

function relPath(value: unknown, where: string): RelPath {
  if (typeof value !== 'string' || value === '') throw new StateFormatError(`bad path at ${where}`);
  try {
    return toRelPath(value);
  } catch (error) {
    throw new StateFormatError(`${(error as Error).message} at ${where}`);
  }
}

function checkHeader(data: Record<string, unknown> | null): void {
  if (data === null || typeof data !== 'object' || data.format !== STATE_FORMAT) throw new StateFormatError('not a ferry state file');
  if (typeof data.version !== 'number') throw new StateFormatError('no version');
  if (data.version > STATE_VERSION) {
    throw new StateFormatError(`written by a newer ferry (format version ${data.version}; this ferry reads ${STATE_VERSION})`);
  }
}

/** Where parsed records go: a `Map`, or anything that stores records the same way. */
export interface RecordSink {
  set(path: RelPath, record: SyncRecord): unknown;
}

function addRecord(records: RecordSink, row: unknown, index: number): void {
  if (!Array.isArray(row) || row.length !== 3) throw new StateFormatError(`bad record #${index}`);
  const path = relPath(row[0], `record #${index}`);
  records.set(path, { local: fingerprint(row[1], `record #${index}`), remote: fingerprint(row[2], `record #${index}`) });
}

/** Parses a snapshot file's text. Throws StateFormatError. */
export function parseStateSnapshot(text: string): { local: string; remote: string; records: Map<RelPath, SyncRecord> } {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new StateFormatError(`not valid JSON (${(error as Error).message.replace(/\s*\n\s*/g, ' ')})`);
  }
  checkHeader(data);
  if (!Array.isArray(data.records)) throw new StateFormatError('no records');
  const records = new Map<RelPath, SyncRecord>();
  data.records.forEach((row: unknown, index) => addRecord(records, row, index));
  return { local: String(data.local), remote: String(data.remote), records };
}

const RECORDS_OPEN = '"records":[';

/**
 * Parses a snapshot line by line, never holding the whole text: the layout
 * {@link formatStateSnapshotLines} writes (header line, one record per line, `]}` last). Text of
 * any other layout (an older ferry wrote the whole document on one line) is parsed as a whole.
 * Records go into `records` (default a new `Map`), so a huge state can be stored compactly as it
 * is read. Throws StateFormatError.
 */
export async function parseStateSnapshotLines(lines: AsyncIterable<string>): Promise<{ local: string; remote: string; records: Map<RelPath, SyncRecord> }>;
export async function parseStateSnapshotLines<T extends RecordSink>(lines: AsyncIterable<string>, records: T): Promise<{ local: string; remote: string; records: T }>;
export async function parseStateSnapshotLines(lines: AsyncIterable<string>, records: RecordSink = new Map<RelPath, SyncRecord>()): Promise<{ local: string; remote: string; records: RecordSink }> {
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) throw new StateFormatError('empty file');
  const header = first.value;
  if (!header.endsWith(RECORDS_OPEN)) {
    const rest: string[] = [header];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value);
    const whole = parseStateSnapshot(rest.join('\n'));
    for (const [path, record] of whole.records) records.set(path, record);
    return { local: whole.local, remote: whole.remote, records };
  }
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(`${header}]}`) as Record<string, unknown>;
  } catch (error) {
    throw new StateFormatError(`not valid JSON (${(error as Error).message})`);
  }
  checkHeader(data);
  let index = 0;
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    const line = next.value;
    if (line === ']}') {
      for (let after = await iterator.next(); !after.done; after = await iterator.next()) {
        if (after.value.trim() !== '') throw new StateFormatError('text after the end');
      }
      return { local: String(data.local), remote: String(data.remote), records };
    }
    let row: unknown;
    try {
      row = JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line);
    } catch {
      throw new StateFormatError(`record #${index} is not valid JSON`);
    }
    addRecord(records, row, index++);
  }
  throw new StateFormatError('cut short (no end of the records)');
}

/**
 * Serialises a snapshot as lines: a header line ending in `"records":[`, one record per line, and
 * `]}`. The whole is one JSON document (as always), and can be written and read a line at a time,
 * so huge states never exist as one string.
 */
export function* formatStateSnapshotLines(local: string, remote: string, records: ReadonlyMap<RelPath, SyncRecord>, savedAt: Date): Generator<string> {
  const header = JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, local, remote, savedAt: savedAt.toISOString() });
  yield `${header.slice(0, -1)},${RECORDS_OPEN}\n`;
  let left = records.size;
  for (const [path, record] of records) {
    left--;
    yield `${JSON.stringify([path, record.local, record.remote])}${left > 0 ? ',' : ''}\n`;
  }
  yield ']}\n';
}

/** Serialises a snapshot (the lines of {@link formatStateSnapshotLines}, joined). */
export function formatStateSnapshot(local: string, remote: string, records: ReadonlyMap<RelPath, SyncRecord>, savedAt: Date): string {
  return [...formatStateSnapshotLines(local, remote, records, savedAt)].join('');
}

/** Parses one journal line. Throws StateFormatError. */
export function parseJournalLine(line: string, lineNumber: number): StateChange {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new StateFormatError(`journal line ${lineNumber} is not valid JSON`);
  }
  const path = relPath(data?.path, `journal line ${lineNumber}`);
  if (data.op === 'drop') return { op: 'drop', path };
  if (data.op === 'set') {
    const record = data.record as Record<string, unknown> | undefined;
    return {
      op: 'set',
      path,
      record: {
        local: fingerprint(record?.local, `journal line ${lineNumber}`),
        remote: fingerprint(record?.remote, `journal line ${lineNumber}`),
      },
    };
  }
  throw new StateFormatError(`journal line ${lineNumber} has an unknown op`);
}
