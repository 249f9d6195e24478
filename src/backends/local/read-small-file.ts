/**
 * Reading a small local file in one go. A file stream costs an open, a stat, two reads (the data,
 * then end of file) and a close, each a trip through the thread pool, plus the stream machinery:
 * most of the CPU of uploading thousands of small files. A small file needs one read, done
 * synchronously: on this kind of machine handing a call to the thread pool and back costs more
 * CPU (50–70 µs) than reading a cached 4 KiB file (measured in docs/performance-history.md).
 */
import { closeSync, readSync } from 'node:fs';
import { WholeFileSource } from '../whole-file-source.js';

/** Files up to this size (by fstat) are read whole into memory. */
export const SMALL_FILE_BYTES = 256 * 1024;

/**
 * The bytes of an open regular file (`fd`) of `size` bytes (per fstat), as a stream that also
 * offers them whole (see whole-file-source.ts); closes `fd`.
 * It asks for one byte more than `size`: a file that grew meanwhile yields more bytes than the
 * caller expects (and a shrunk one fewer), so a size check downstream still sees the change.
 */
export function readSmallFile(fd: number, size: number): WholeFileSource {
  let data: Buffer;
  try {
    const buffer = Buffer.allocUnsafe(size + 1);
    let filled = 0;
    for (;;) {
      const wanted = buffer.length - filled;
      const bytesRead = readSync(fd, buffer, filled, wanted, filled);
      filled += bytesRead;
      // A short read of a regular file is its end (Linux, macOS); a full buffer means it grew.
      if (bytesRead < wanted || filled === buffer.length) break;
    }
    data = buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
  return new WholeFileSource(data);
}
