/**
 * A growable column of numbers for the compact tables (entry-table.ts, record-table.ts). Pure.
 *
 * Kept in fixed-size typed-array chunks: growing never copies (a plain array or one big typed
 * array would reallocate as it grows, and each old copy of a million-slot column is garbage the
 * collector lets pile up), and the numbers live outside the JavaScript heap.
 */

import { speedTrickOn } from './speed-tricks.js';

// 4096 numbers (32 KiB) a chunk: small tables stay small, a million slots are 245 chunks.
const CHUNK_BITS = 12;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

/** Numbers by slot (0, 1, 2, …); a slot never set reads as `unset`. */
export interface NumberColumn {
  get(slot: number): number;
  set(slot: number, value: number): void;
  /** Drops every number. */
  clear(): void;
}

/** The speed trick: typed-array chunks. */
class ChunkedNumberColumn implements NumberColumn {
  private readonly chunks: Float64Array[] = [];

  /** `unset`: what a slot holds before it is set (default 0). */
  constructor(private readonly unset = 0) {}

  get(slot: number): number {
    const chunk = this.chunks[slot >>> CHUNK_BITS];
    return chunk === undefined ? this.unset : chunk[slot & CHUNK_MASK]!;
  }

  set(slot: number, value: number): void {
    const index = slot >>> CHUNK_BITS;
    while (this.chunks.length <= index) {
      const chunk = new Float64Array(CHUNK_SIZE);
      if (this.unset !== 0) chunk.fill(this.unset);
      this.chunks.push(chunk);
    }
    this.chunks[index]![slot & CHUNK_MASK] = value;
  }

  clear(): void {
    this.chunks.length = 0;
  }
}

/** The plain path: one ordinary array, grown as slots are set. */
class ArrayNumberColumn implements NumberColumn {
  private readonly numbers: number[] = [];

  constructor(private readonly unset = 0) {}

  get(slot: number): number {
    return slot < this.numbers.length ? this.numbers[slot]! : this.unset;
  }

  set(slot: number, value: number): void {
    while (this.numbers.length < slot) this.numbers.push(this.unset);
    this.numbers[slot] = value;
  }

  clear(): void {
    this.numbers.length = 0;
  }
}

/** Makes a column; `unset` (default 0) is what a slot holds before it is set. Chosen once, at load. */
export const NumberColumn: new (unset?: number) => NumberColumn = speedTrickOn('number-columns') ? ChunkedNumberColumn : ArrayNumberColumn;
