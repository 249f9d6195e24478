/**
 * The records of a pair's state kept in columns: one slot number per path, and both sides'
 * fingerprints in number columns. Pure.
 *
 * A state of a million records held as a `Map` of record objects costs about 260 bytes per path
 * (the record, two fingerprint objects, two boxed mtimes, the map's slot); in columns it costs
 * about 100, most of it the path itself. Records are made afresh on every `get`, so callers must
 * not rely on getting the same object twice (records are compared by value, never by identity).
 * It behaves as a `Map` does: same iteration order (insertion; a replaced record keeps its place).
 */
import { DIR_ENTRY, type Fingerprint } from './entry.js';
import { NumberColumn } from './number-column.js';
import type { RelPath } from './rel-path.js';
import type { SyncRecord } from './sync-state.js';

/** `sizes` value of a folder. */
const FOLDER = -1;

/** A mutable map from path to record, in columns; also a `SyncState` for every reader. */
export class RecordTable implements Map<RelPath, SyncRecord> {
  private readonly slots = new Map<RelPath, number>();
  /** Slots of deleted records, reused by the next new path. */
  private readonly free: number[] = [];
  /** Slots ever used: the next new slot when none is free. */
  private used = 0;
  private readonly localSizes = new NumberColumn();
  private readonly localTimes = new NumberColumn();
  private readonly remoteSizes = new NumberColumn();
  private readonly remoteTimes = new NumberColumn();

  readonly [Symbol.toStringTag] = 'RecordTable';

  /** A table holding the records of `records`, in their order. */
  static of(records: Iterable<readonly [RelPath, SyncRecord]>): RecordTable {
    const table = new RecordTable();
    for (const [path, record] of records) table.set(path, record);
    return table;
  }

  set(path: RelPath, record: SyncRecord): this {
    let slot = this.slots.get(path);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.used++;
      this.slots.set(path, slot);
    }
    this.localSizes.set(slot, record.local.kind === 'dir' ? FOLDER : record.local.size);
    this.localTimes.set(slot, record.local.kind === 'dir' ? 0 : record.local.mtimeMs);
    this.remoteSizes.set(slot, record.remote.kind === 'dir' ? FOLDER : record.remote.size);
    this.remoteTimes.set(slot, record.remote.kind === 'dir' ? 0 : record.remote.mtimeMs);
    return this;
  }

  delete(path: RelPath): boolean {
    const slot = this.slots.get(path);
    if (slot === undefined) return false;
    this.slots.delete(path);
    this.free.push(slot);
    return true;
  }

  clear(): void {
    this.slots.clear();
    this.free.length = 0;
    this.used = 0;
    this.localSizes.clear();
    this.localTimes.clear();
    this.remoteSizes.clear();
    this.remoteTimes.clear();
  }

  get size(): number {
    return this.slots.size;
  }

  has(path: RelPath): boolean {
    return this.slots.has(path);
  }

  get(path: RelPath): SyncRecord | undefined {
    const slot = this.slots.get(path);
    return slot === undefined ? undefined : this.recordAt(slot);
  }

  private recordAt(slot: number): SyncRecord {
    return {
      local: fingerprint(this.localSizes.get(slot), this.localTimes.get(slot)),
      remote: fingerprint(this.remoteSizes.get(slot), this.remoteTimes.get(slot)),
    };
  }

  keys(): MapIterator<RelPath> {
    return this.slots.keys();
  }

  *entries(): MapIterator<[RelPath, SyncRecord]> {
    for (const [path, slot] of this.slots) yield [path, this.recordAt(slot)];
  }

  *values(): MapIterator<SyncRecord> {
    for (const slot of this.slots.values()) yield this.recordAt(slot);
  }

  [Symbol.iterator](): MapIterator<[RelPath, SyncRecord]> {
    return this.entries();
  }

  forEach(callback: (value: SyncRecord, key: RelPath, map: Map<RelPath, SyncRecord>) => void, thisArg?: unknown): void {
    for (const [path, slot] of this.slots) callback.call(thisArg, this.recordAt(slot), path, this);
  }
}

function fingerprint(size: number, mtimeMs: number): Fingerprint {
  return size === FOLDER ? DIR_ENTRY : { kind: 'file', size, mtimeMs };
}
