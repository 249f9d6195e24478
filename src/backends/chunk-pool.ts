/**
 * Reusing the big buffers a download is read into.
 *
 * A buffer of a mebibyte is not taken from Node's or the C library's small-block pools: each new
 * one is fresh memory from the kernel, and its first write costs a page fault per 4 KiB. Over a
 * GiB that was half a second of CPU, more than the buffers saved. So the reader of a download
 * takes its buffers from a {@link ChunkPool}, and the writer that finally puts a chunk to disk
 * gives it back with {@link returnChunk} once the disk has it; the reader then fills it again.
 *
 * The rule that makes this safe: only the last holder of a chunk returns it (the file writer,
 * after its write completed), and nothing keeps a reference to a chunk it has passed on. A chunk
 * that is never returned (read by a hash, or uploaded elsewhere) is simply collected as garbage.
 */

/** Which pool each handed-out buffer belongs to (by its memory, so any view of it finds it). */
const owners = new WeakMap<ArrayBufferLike, ChunkPool>();

/** Equal-sized buffers, reused once returned with {@link returnChunk}. */
export class ChunkPool {
  private readonly free: Buffer[] = [];

  /**
   * @param chunkBytes size of every buffer.
   * @param keep how many returned buffers are kept for reuse at most.
   */
  constructor(
    readonly chunkBytes: number,
    private readonly keep = 16,
  ) {}

  /** A buffer of `chunkBytes` (contents undefined), returned or new. */
  take(): Buffer {
    const chunk = this.free.pop() ?? Buffer.allocUnsafeSlow(this.chunkBytes);
    owners.set(chunk.buffer, this);
    return chunk;
  }

  /** Takes back the memory of a buffer of this pool; called by {@link returnChunk}. */
  putBack(memory: ArrayBufferLike): void {
    if (this.free.length < this.keep) this.free.push(Buffer.from(memory, 0, this.chunkBytes));
  }
}

/**
 * Gives `chunk` (or any view of a pooled buffer) back to the pool it came from, for reuse; does
 * nothing for other buffers or a buffer already returned. The caller must be the chunk's last
 * holder: its bytes will be overwritten.
 */
export function returnChunk(chunk: Uint8Array): void {
  const pool = owners.get(chunk.buffer);
  if (pool === undefined) return;
  owners.delete(chunk.buffer);
  pool.putBack(chunk.buffer);
}
