/**
 * Reading a small local file in one go. A file stream costs an open, a stat, two reads (the data,
 * then end of file) and a close, each a trip through the thread pool, plus the stream machinery:
 * most of the CPU of uploading thousands of small files. A small file needs one read.
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

/** Files up to this size (by fstat) are read whole into memory. */
export const SMALL_FILE_BYTES = 256 * 1024;

/**
 * The bytes of an open regular file of `size` bytes (per fstat), as a stream; closes the handle.
 * It asks for one byte more than `size`: a file that grew meanwhile yields more bytes than the
 * caller expects (and a shrunk one fewer), so a size check downstream still sees the change.
 */
export async function readSmallFile(handle: FileHandle, size: number): Promise<Readable> {
  let data: Buffer;
  try {
    const buffer = Buffer.allocUnsafe(size + 1);
    let filled = 0;
    for (;;) {
      const wanted = buffer.length - filled;
      const { bytesRead } = await handle.read(buffer, filled, wanted, filled);
      filled += bytesRead;
      // A short read of a regular file is its end (Linux, macOS); a full buffer means it grew.
      if (bytesRead < wanted || filled === buffer.length) break;
    }
    data = buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
  let sent = false;
  return new Readable({
    read() {
      if (!sent && data.length > 0) this.push(data);
      sent = true;
      this.push(null);
    },
  });
}
