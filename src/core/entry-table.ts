/**
 * A snapshot's entries kept in columns: each path has a slot number (path-index.ts, shared by
 * both sides of a run), and each entry's size, time and mode sit in number columns. Pure.
 *
 * A scan of a million paths held as a `Map` of entry objects costs about 190 bytes per path (the
 * object, its boxed mtime, the map's slot); in columns it costs about 85, most of it the path and
 * its slot, which the other side's table shares. Entries are made afresh on every `get`, so callers must not rely on getting the same
 * object twice (nothing compares entries by identity; they are compared by value).
 */
import { DIR_ENTRY, type Entry, type FileEntry } from './entry.js';
import { NumberColumn } from './number-column.js';
import { PathIndex } from './path-index.js';
import type { RelPath } from './rel-path.js';
import { speedTrickOn } from './speed-tricks.js';

/** `sizes` value of a folder. */
const FOLDER = -1;
/** `sizes` value of a slot this table does not hold (another table of its index does). */
const ABSENT = Number.NaN;
/** `modes` value of an entry whose backend reports no mode. */
const NO_MODE = -1;

/**
 * A map from path to entry, in columns; also a `ReadonlyMap<RelPath, Entry>` for every reader.
 * Entries are iterated in the order their paths first entered the index.
 */
export class EntryTable implements ReadonlyMap<RelPath, Entry> {
  private readonly sizes = new NumberColumn(ABSENT);
  private readonly mtimes = new NumberColumn();
  // Any number a backend reports is kept exactly (a server may send more than permission bits).
  private readonly modes = new NumberColumn();
  private count = 0;
  /**
   * The plain path (speed trick `entry-columns` off): the entry objects by slot, as `entryAt`
   * would make them; the columns stay empty.
   */
  private readonly objects: (Entry | undefined)[] | undefined = speedTrickOn('entry-columns') ? undefined : [];

  /** `index`: shared with the other side's table of the same run, so paths exist once for both. */
  constructor(private readonly index: PathIndex = new PathIndex()) {}

  /** Adds or replaces the entry at `path`. */
  set(path: RelPath, entry: Entry): this {
    const slot = this.index.claim(path);
    if (this.objects !== undefined) {
      if (this.objects[slot] === undefined) this.count++;
      while (this.objects.length < slot) this.objects.push(undefined);
      this.objects[slot] = entry.kind === 'dir' ? DIR_ENTRY : fileEntry(entry.size, entry.mtimeMs, entry.mode ?? NO_MODE);
      return this;
    }
    if (Number.isNaN(this.sizes.get(slot))) this.count++;
    this.sizes.set(slot, entry.kind === 'dir' ? FOLDER : entry.size);
    this.mtimes.set(slot, entry.kind === 'dir' ? 0 : entry.mtimeMs);
    this.modes.set(slot, entry.kind === 'dir' || entry.mode === undefined ? NO_MODE : entry.mode);
    return this;
  }

  get size(): number {
    return this.count;
  }

  has(path: RelPath): boolean {
    const slot = this.index.slotOf(path);
    return slot !== undefined && this.holds(slot);
  }

  get(path: RelPath): Entry | undefined {
    const slot = this.index.slotOf(path);
    return slot === undefined ? undefined : this.entryAt(slot);
  }

  /** Whether this table holds an entry in `slot`. */
  private holds(slot: number): boolean {
    return this.objects !== undefined ? this.objects[slot] !== undefined : !Number.isNaN(this.sizes.get(slot));
  }

  /** The entry in `slot`, or undefined when this table does not hold that slot. */
  private entryAt(slot: number): Entry | undefined {
    if (this.objects !== undefined) return this.objects[slot];
    const size = this.sizes.get(slot);
    if (Number.isNaN(size)) return undefined;
    // Every folder is the one shared folder entry.
    if (size === FOLDER) return DIR_ENTRY;
    return fileEntry(size, this.mtimes.get(slot), this.modes.get(slot));
  }

  *keys(): MapIterator<RelPath> {
    for (const [path, slot] of this.index.entries()) if (this.holds(slot)) yield path;
  }

  *entries(): MapIterator<[RelPath, Entry]> {
    for (const [path, slot] of this.index.entries()) {
      const entry = this.entryAt(slot);
      if (entry !== undefined) yield [path, entry];
    }
  }

  *values(): MapIterator<Entry> {
    for (const [, entry] of this.entries()) yield entry;
  }

  [Symbol.iterator](): MapIterator<[RelPath, Entry]> {
    return this.entries();
  }

  forEach(callback: (value: Entry, key: RelPath, map: ReadonlyMap<RelPath, Entry>) => void, thisArg?: unknown): void {
    for (const [path, entry] of this.entries()) callback.call(thisArg, entry, path, this);
  }
}

/** A file's entry; no `mode: undefined` property: entries look exactly like the ones the backend listed. */
function fileEntry(size: number, mtimeMs: number, mode: number): FileEntry {
  return mode === NO_MODE ? { kind: 'file', size, mtimeMs } : { kind: 'file', size, mtimeMs, mode };
}
