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

/** What a parsed snapshot holds. */
export interface ParsedStateSnapshot<T> {
  readonly local: string;
  readonly remote: string;
  readonly records: T;
}

/**
 * Parses a snapshot a line at a time, pushed in by the reader: the layout
 * {@link formatStateSnapshotLines} writes (header line, one record per line, `]}` last). Text of
 * any other layout (an older ferry wrote the whole document on one line) is parsed as a whole.
 * Records go into the sink as they are read, so a huge state can be stored compactly at once.
 * Every method throws StateFormatError on bad content.
 */
export class StateSnapshotParser<T extends RecordSink> {
  private stage: 'header' | 'records' | 'after' | 'whole' = 'header';
  private header: Record<string, unknown> | undefined;
  private readonly whole: string[] = [];
  private index = 0;

  constructor(readonly records: T) {}

  /** True while the parser takes record lines (the only lines {@link recordBytes} may be fed). */
  get inRecords(): boolean {
    return this.stage === 'records';
  }

  /** Feeds the next line (without its "\n"). */
  line(line: string): void {
    switch (this.stage) {
      case 'header':
        if (!line.endsWith(RECORDS_OPEN)) {
          this.whole.push(line);
          this.stage = 'whole';
          return;
        }
        try {
          this.header = JSON.parse(`${line}]}`) as Record<string, unknown>;
        } catch (error) {
          throw new StateFormatError(`not valid JSON (${(error as Error).message})`);
        }
        checkHeader(this.header);
        this.stage = 'records';
        return;
      case 'whole':
        this.whole.push(line);
        return;
      case 'after':
        if (line.trim() !== '') throw new StateFormatError('text after the end');
        return;
      case 'records': {
        if (line === ']}') {
          this.stage = 'after';
          return;
        }
        let row: unknown;
        try {
          row = JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line);
        } catch {
          throw new StateFormatError(`record #${this.index} is not valid JSON`);
        }
        addRecord(this.records, row, this.index++);
      }
    }
  }

  /**
   * Feeds a record line as UTF-8 bytes (`bytes[start, end)`, without its "\n"): the lines ferry
   * writes are read straight from the bytes, without a string of the line or a parsed array and
   * objects per record; any other line is decoded and parsed as {@link line} does. Only while
   * {@link inRecords}.
   */
  recordBytes(bytes: Buffer, start: number, end: number): void {
    const row = fastRecord(bytes, start, end);
    if (row === undefined) return this.line(bytes.toString('utf8', start, end));
    const where = `record #${this.index}`;
    this.records.set(relPath(row.path, where), { local: row.local, remote: row.remote });
    this.index++;
  }

  /** Ends the input. */
  end(): ParsedStateSnapshot<T> {
    switch (this.stage) {
      case 'header':
        throw new StateFormatError('empty file');
      case 'records':
        throw new StateFormatError('cut short (no end of the records)');
      case 'whole': {
        const whole = parseStateSnapshot(this.whole.join('\n'));
        for (const [path, record] of whole.records) this.records.set(path, record);
        return { local: whole.local, remote: whole.remote, records: this.records };
      }
      case 'after':
        return { local: String(this.header!.local), remote: String(this.header!.remote), records: this.records };
    }
  }
}

/**
 * Parses a snapshot line by line, never holding the whole text (see {@link StateSnapshotParser}).
 * Records go into `records` (default a new `Map`). Throws StateFormatError.
 */
export async function parseStateSnapshotLines(lines: AsyncIterable<string>): Promise<ParsedStateSnapshot<Map<RelPath, SyncRecord>>>;
export async function parseStateSnapshotLines<T extends RecordSink>(lines: AsyncIterable<string>, records: T): Promise<ParsedStateSnapshot<T>>;
export async function parseStateSnapshotLines(
  lines: AsyncIterable<string>,
  records: RecordSink = new Map<RelPath, SyncRecord>(),
): Promise<ParsedStateSnapshot<RecordSink>> {
  const parser = new StateSnapshotParser(records);
  for await (const line of lines) parser.line(line);
  return parser.end();
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const DIR_BYTES = Buffer.from('{"kind":"dir"}');
const FILE_BYTES = Buffer.from('{"kind":"file","size":');
const MTIME_BYTES = Buffer.from(',"mtimeMs":');

/** True when `bytes` holds `expected` at `at`. */
function holds(bytes: Buffer, at: number, expected: Uint8Array): boolean {
  if (at + expected.length > bytes.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[at + i] !== expected[i]) return false;
  return true;
}

/** True when `bytes[i]` (before `end`) is a digit. */
function isDigitAt(bytes: Buffer, i: number, end: number): boolean {
  return i < end && bytes[i]! >= 0x30 && bytes[i]! <= 0x39;
}

/** The end of the JSON number at `at` (strict JSON grammar), or -1. */
function numberEnd(bytes: Buffer, at: number, end: number): number {
  let i = at;
  if (i < end && bytes[i] === 0x2d) i++;
  if (!isDigitAt(bytes, i, end)) return -1;
  if (bytes[i] === 0x30) i++;
  else while (isDigitAt(bytes, i, end)) i++;
  if (i < end && bytes[i] === 0x2e) {
    i++;
    if (!isDigitAt(bytes, i, end)) return -1;
    while (isDigitAt(bytes, i, end)) i++;
  }
  if (i < end && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
    i++;
    if (i < end && (bytes[i] === 0x2b || bytes[i] === 0x2d)) i++;
    if (!isDigitAt(bytes, i, end)) return -1;
    while (isDigitAt(bytes, i, end)) i++;
  }
  return i;
}

/** The JSON number in `bytes[start, end)`: plain integers of up to 15 digits (exact) summed up directly. */
function numberAt(bytes: Buffer, start: number, end: number): number {
  if (end - start <= 15) {
    let value = 0;
    let i = start;
    for (; i < end; i++) {
      const code = bytes[i]!;
      if (code < 0x30 || code > 0x39) break;
      value = value * 10 + (code - 0x30);
    }
    if (i === end) return value;
  }
  return Number(bytes.toString('latin1', start, end));
}

/** A fingerprint written as ferry writes it, at `at`: the fingerprint and where it ends. */
function fastFingerprint(bytes: Buffer, at: number, end: number): { print: Fingerprint; next: number } | undefined {
  if (holds(bytes, at, DIR_BYTES)) return { print: DIR, next: at + DIR_BYTES.length };
  if (!holds(bytes, at, FILE_BYTES)) return undefined;
  const sizeAt = at + FILE_BYTES.length;
  const sizeEnd = numberEnd(bytes, sizeAt, end);
  if (sizeEnd < 0 || !holds(bytes, sizeEnd, MTIME_BYTES)) return undefined;
  const mtimeAt = sizeEnd + MTIME_BYTES.length;
  const mtimeEnd = numberEnd(bytes, mtimeAt, end);
  if (mtimeEnd < 0 || bytes[mtimeEnd] !== 0x7d) return undefined;
  const size = numberAt(bytes, sizeAt, sizeEnd);
  const mtimeMs = numberAt(bytes, mtimeAt, mtimeEnd);
  if (!Number.isFinite(size) || !Number.isFinite(mtimeMs)) return undefined;
  return { print: { kind: 'file', size, mtimeMs }, next: mtimeEnd + 1 };
}

/**
 * A record line exactly as {@link formatStateSnapshotLines} writes it, with a path free of escapes
 * and control characters; undefined for anything else (which the JSON parser then judges). The path
 * is decoded from the bytes into a string of its own (a slice of a larger string would keep that
 * alive as long as the record).
 */
function fastRecord(bytes: Buffer, start: number, end: number): { path: string; local: Fingerprint; remote: Fingerprint } | undefined {
  if (end > start && bytes[end - 1] === COMMA) end--;
  if (end - start < 4 || bytes[start] !== 0x5b || bytes[start + 1] !== QUOTE || bytes[end - 1] !== 0x5d) return undefined;
  let i = start + 2;
  while (i < end && bytes[i] !== QUOTE) {
    if (bytes[i] === BACKSLASH || bytes[i]! < 0x20) return undefined;
    i++;
  }
  if (i >= end || bytes[i + 1] !== COMMA) return undefined;
  const path = bytes.toString('utf8', start + 2, i);
  const local = fastFingerprint(bytes, i + 2, end);
  if (!local || bytes[local.next] !== COMMA) return undefined;
  const remote = fastFingerprint(bytes, local.next + 1, end);
  if (!remote || remote.next !== end - 1) return undefined;
  return { path, local: local.print, remote: remote.print };
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
