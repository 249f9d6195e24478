/**
 * Slot numbers for paths, shared by the tables of one run (entry-table.ts). Pure.
 *
 * Both sides of a pair mostly hold the same paths: with one index, each path string and its slot
 * in a hash map exist once for both snapshots instead of once per side (about 60 bytes a path).
 */
import type { RelPath } from './rel-path.js';

/** Path to slot, slots handed out in order and never taken back. */
export class PathIndex {
  private readonly slots = new Map<RelPath, number>();

  /** Slots handed out. */
  get size(): number {
    return this.slots.size;
  }

  /** The slot of `path`, or undefined when no table of this index has held it. */
  slotOf(path: RelPath): number | undefined {
    return this.slots.get(path);
  }

  /** The slot of `path`, handed out now when it has none. */
  claim(path: RelPath): number {
    let slot = this.slots.get(path);
    if (slot === undefined) {
      slot = this.slots.size;
      this.slots.set(path, slot);
    }
    return slot;
  }

  /** Every path with its slot, in the order the slots were handed out. */
  entries(): IterableIterator<[RelPath, number]> {
    return this.slots.entries();
  }
}
