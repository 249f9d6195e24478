/**
 * The records of a pair's state kept in columns: each path has a slot number (path-index.ts,
 * shared with the run's snapshots), and both sides' fingerprints sit in number columns. Pure.
 *
 * A state of a million records held as a `Map` of record objects costs about 260 bytes per path
 * (the record, two fingerprint objects, two boxed mtimes, the map's slot); in columns it costs 32
 * bytes plus the path and its slot, which the snapshots of a run share. Records are made afresh
 * on every `get`, so callers must not rely on getting the same object twice (records are compared
 * by value, never by identity). Records are iterated in the order their paths first entered the
 * index (a replaced or re-added record keeps its place).
 */
import { DIR_ENTRY, type Fingerprint } from './entry.js';
import { NumberColumn } from './number-column.js';
import { PathIndex } from './path-index.js';
import type { RelPath } from './rel-path.js';
import { speedTrickOn } from './speed-tricks.js';
import type { SyncRecord } from './sync-state.js';

/** `sizes` value of a folder. */
const FOLDER = -1;
/** `localSizes` value of a slot without a record (deleted, or a path only a snapshot holds). */
const ABSENT = Number.NaN;

/** A mutable map from path to record, in columns; also a `SyncState` for every reader. */
export class RecordTable implements Map<RelPath, SyncRecord> {
  private localSizes = new NumberColumn(ABSENT);
  private localTimes = new NumberColumn();
  private remoteSizes = new NumberColumn();
  private remoteTimes = new NumberColumn();
  private count = 0;
  /**
   * The plain path (speed trick `record-columns` off): the record objects by slot, as `recordAt`
   * would make them; the columns stay empty.
   */
  private objects: (SyncRecord | undefined)[] | undefined = speedTrickOn('record-columns') ? undefined : [];

  readonly [Symbol.toStringTag] = 'RecordTable';

  /** `index`: the slots of the paths, which a run's scans share (see {@link RecordTable.index}). */
  constructor(private slots: PathIndex = new PathIndex()) {}

  /** The slots of the paths (a fresh index after {@link compact}). */
  get index(): PathIndex {
    return this.slots;
  }

  /**
   * Moves the records to a fresh index and columns when deleted records hold most slots (a long
   * watch that sees many files come and go). The old index is left as it is, to the snapshots
   * that share it.
   */
  compact(): void {
    if (this.slots.size <= 2 * this.count + 1024) return;
    const records = [...this.entries()];
    this.slots = new PathIndex();
    this.localSizes = new NumberColumn(ABSENT);
    this.localTimes = new NumberColumn();
    this.remoteSizes = new NumberColumn();
    this.remoteTimes = new NumberColumn();
    if (this.objects !== undefined) this.objects = [];
    this.count = 0;
    for (const [path, record] of records) this.set(path, record);
  }

  set(path: RelPath, record: SyncRecord): this {
    const slot = this.slots.claim(path);
    if (this.objects !== undefined) {
      if (this.objects[slot] === undefined) this.count++;
      while (this.objects.length < slot) this.objects.push(undefined);
      this.objects[slot] = { local: copyOf(record.local), remote: copyOf(record.remote) };
      return this;
    }
    if (Number.isNaN(this.localSizes.get(slot))) this.count++;
    this.localSizes.set(slot, record.local.kind === 'dir' ? FOLDER : record.local.size);
    this.localTimes.set(slot, record.local.kind === 'dir' ? 0 : record.local.mtimeMs);
    this.remoteSizes.set(slot, record.remote.kind === 'dir' ? FOLDER : record.remote.size);
    this.remoteTimes.set(slot, record.remote.kind === 'dir' ? 0 : record.remote.mtimeMs);
    return this;
  }

  delete(path: RelPath): boolean {
    const slot = this.slots.slotOf(path);
    if (slot === undefined || !this.holds(slot)) return false;
    if (this.objects !== undefined) this.objects[slot] = undefined;
    else this.localSizes.set(slot, ABSENT);
    this.count--;
    return true;
  }

  clear(): void {
    for (const path of [...this.keys()]) this.delete(path);
  }

  get size(): number {
    return this.count;
  }

  has(path: RelPath): boolean {
    const slot = this.slots.slotOf(path);
    return slot !== undefined && this.holds(slot);
  }

  get(path: RelPath): SyncRecord | undefined {
    const slot = this.slots.slotOf(path);
    return slot === undefined ? undefined : this.recordAt(slot);
  }

  /** Whether this table holds a record in `slot`. */
  private holds(slot: number): boolean {
    return this.objects !== undefined ? this.objects[slot] !== undefined : !Number.isNaN(this.localSizes.get(slot));
  }

  /** The record in `slot`, or undefined when this table holds none there. */
  private recordAt(slot: number): SyncRecord | undefined {
    if (this.objects !== undefined) return this.objects[slot];
    const localSize = this.localSizes.get(slot);
    if (Number.isNaN(localSize)) return undefined;
    return {
      local: fingerprint(localSize, this.localTimes.get(slot)),
      remote: fingerprint(this.remoteSizes.get(slot), this.remoteTimes.get(slot)),
    };
  }

  *keys(): MapIterator<RelPath> {
    for (const [path, slot] of this.slots.entries()) if (this.holds(slot)) yield path;
  }

  *entries(): MapIterator<[RelPath, SyncRecord]> {
    for (const [path, slot] of this.slots.entries()) {
      const record = this.recordAt(slot);
      if (record !== undefined) yield [path, record];
    }
  }

  *values(): MapIterator<SyncRecord> {
    for (const [, record] of this.entries()) yield record;
  }

  [Symbol.iterator](): MapIterator<[RelPath, SyncRecord]> {
    return this.entries();
  }

  forEach(callback: (value: SyncRecord, key: RelPath, map: Map<RelPath, SyncRecord>) => void, thisArg?: unknown): void {
    for (const [path, record] of this.entries()) callback.call(thisArg, record, path, this);
  }
}

function fingerprint(size: number, mtimeMs: number): Fingerprint {
  return size === FOLDER ? DIR_ENTRY : { kind: 'file', size, mtimeMs };
}

/** `fingerprint` as the columns would give it back (a folder is the one shared folder entry). */
function copyOf(given: Fingerprint): Fingerprint {
  return given.kind === 'dir' ? DIR_ENTRY : { kind: 'file', size: given.size, mtimeMs: given.mtimeMs };
}
