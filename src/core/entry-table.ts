/**
 * A snapshot's entries kept in columns: one slot number per path, and each entry's size, time
 * and mode in number columns. Pure.
 *
 * A scan of a million paths held as a `Map` of entry objects costs about 190 bytes per path (the
 * object, its boxed mtime, the map's slot); in columns it costs about 80, most of it the path
 * itself. Entries are made afresh on every `get`, so callers must not rely on getting the same
 * object twice (nothing compares entries by identity; they are compared by value).
 */
import { DIR_ENTRY, type Entry, type FileEntry } from './entry.js';
import { NumberColumn } from './number-column.js';
import type { RelPath } from './rel-path.js';

/** `sizes` value of a folder. */
const FOLDER = -1;
/** `modes` value of an entry whose backend reports no mode. */
const NO_MODE = -1;

/** A map from path to entry, in columns; also a `ReadonlyMap<RelPath, Entry>` for every reader. */
export class EntryTable implements ReadonlyMap<RelPath, Entry> {
  private readonly slots = new Map<RelPath, number>();
  private readonly sizes = new NumberColumn();
  private readonly mtimes = new NumberColumn();
  // Any number a backend reports is kept exactly (a server may send more than permission bits).
  private readonly modes = new NumberColumn();

  /** Adds or replaces the entry at `path`. */
  set(path: RelPath, entry: Entry): this {
    let slot = this.slots.get(path);
    if (slot === undefined) {
      slot = this.slots.size;
      this.slots.set(path, slot);
    }
    this.sizes.set(slot, entry.kind === 'dir' ? FOLDER : entry.size);
    this.mtimes.set(slot, entry.kind === 'dir' ? 0 : entry.mtimeMs);
    this.modes.set(slot, entry.kind === 'dir' || entry.mode === undefined ? NO_MODE : entry.mode);
    return this;
  }

  get size(): number {
    return this.slots.size;
  }

  has(path: RelPath): boolean {
    return this.slots.has(path);
  }

  get(path: RelPath): Entry | undefined {
    const slot = this.slots.get(path);
    return slot === undefined ? undefined : this.entryAt(slot);
  }

  private entryAt(slot: number): Entry {
    const size = this.sizes.get(slot);
    // Every folder is the one shared folder entry.
    if (size === FOLDER) return DIR_ENTRY;
    const mode = this.modes.get(slot);
    const mtimeMs = this.mtimes.get(slot);
    // No `mode: undefined` property: entries look exactly like the ones the backend listed.
    const entry: FileEntry = mode === NO_MODE ? { kind: 'file', size, mtimeMs } : { kind: 'file', size, mtimeMs, mode };
    return entry;
  }

  keys(): MapIterator<RelPath> {
    return this.slots.keys();
  }

  *entries(): MapIterator<[RelPath, Entry]> {
    for (const [path, slot] of this.slots) yield [path, this.entryAt(slot)];
  }

  *values(): MapIterator<Entry> {
    for (const slot of this.slots.values()) yield this.entryAt(slot);
  }

  [Symbol.iterator](): MapIterator<[RelPath, Entry]> {
    return this.entries();
  }

  forEach(callback: (value: Entry, key: RelPath, map: ReadonlyMap<RelPath, Entry>) => void, thisArg?: unknown): void {
    for (const [path, slot] of this.slots) callback.call(thisArg, this.entryAt(slot), path, this);
  }
}
