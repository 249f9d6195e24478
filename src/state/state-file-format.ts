/**
 * The on-disk format of the state of one pair (version 1), and its validation.
 *
 * Snapshot file `<key>.json`:
 * `{"format":"ferry-state","version":1,"local":ID,"remote":ID,"savedAt":ISO,"records":[[path,local,remote],...]}`
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

function fingerprint(value: unknown, where: string): Fingerprint {
  const v = value as Record<string, unknown> | null;
  if (v && v.kind === 'dir') return { kind: 'dir' };
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

/** Parses a snapshot file's text. Throws StateFormatError. */
export function parseStateSnapshot(text: string): { local: string; remote: string; records: Map<RelPath, SyncRecord> } {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new StateFormatError(`not valid JSON (${(error as Error).message.replace(/\s*\n\s*/g, ' ')})`);
  }
  if (data === null || typeof data !== 'object' || data.format !== STATE_FORMAT) throw new StateFormatError('not a ferry state file');
  if (typeof data.version !== 'number') throw new StateFormatError('no version');
  if (data.version > STATE_VERSION) {
    throw new StateFormatError(`written by a newer ferry (format version ${data.version}; this ferry reads ${STATE_VERSION})`);
  }
  if (!Array.isArray(data.records)) throw new StateFormatError('no records');
  const records = new Map<RelPath, SyncRecord>();
  data.records.forEach((row: unknown, index) => {
    if (!Array.isArray(row) || row.length !== 3) throw new StateFormatError(`bad record #${index}`);
    const path = relPath(row[0], `record #${index}`);
    records.set(path, { local: fingerprint(row[1], `record #${index}`), remote: fingerprint(row[2], `record #${index}`) });
  });
  return { local: String(data.local), remote: String(data.remote), records };
}

/** Serialises a snapshot. */
export function formatStateSnapshot(local: string, remote: string, records: ReadonlyMap<RelPath, SyncRecord>, savedAt: Date): string {
  const rows = [...records].map(([path, record]) => [path, record.local, record.remote]);
  return `${JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, local, remote, savedAt: savedAt.toISOString(), records: rows })}\n`;
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
