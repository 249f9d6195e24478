/**
 * A growable column of numbers for the compact tables (entry-table.ts, record-table.ts). Pure.
 *
 * Kept in fixed-size typed-array chunks: growing never copies (a plain array or one big typed
 * array would reallocate as it grows, and each old copy of a million-slot column is garbage the
 * collector lets pile up), and the numbers live outside the JavaScript heap.
 */

// 4096 numbers (32 KiB) a chunk: small tables stay small, a million slots are 245 chunks.
const CHUNK_BITS = 12;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

/** Numbers by slot (0, 1, 2, …); a slot never set reads as `unset`. */
export class NumberColumn {
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

  /** Drops every chunk. */
  clear(): void {
    this.chunks.length = 0;
  }
}
