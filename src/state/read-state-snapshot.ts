/**
 * Reading a state snapshot file straight from its bytes: a reused buffer, cut at line breaks,
 * each record line parsed from the bytes (see {@link StateSnapshotParser.recordBytes}).
 *
 * Reading it as text would decode a megabyte string per megabyte of file and slice lines out of
 * it; for the state of a million paths that is hundreds of megabytes of short-lived big strings,
 * which the garbage collector lets pile up, and seconds of work.
 */
import type { FileHandle } from 'node:fs/promises';
import { StateSnapshotParser, type ParsedStateSnapshot, type RecordSink } from './state-file-format.js';

const NEWLINE = 0x0a;

/** Parses the snapshot in `handle` into `records`. Throws StateFormatError. Leaves the handle open. */
export async function readStateSnapshot<T extends RecordSink>(handle: FileHandle, records: T, chunkBytes = 1024 * 1024): Promise<ParsedStateSnapshot<T>> {
  const parser = new StateSnapshotParser(records);
  const feed = (bytes: Buffer, start: number, end: number): void => {
    if (parser.inRecords) parser.recordBytes(bytes, start, end);
    else parser.line(bytes.toString('utf8', start, end));
  };
  let buffer = Buffer.allocUnsafe(chunkBytes);
  /** Bytes of `buffer` in use: the start of a line not yet complete, then what was just read. */
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) {
      // A line longer than the buffer (an older ferry wrote the whole state on one line).
      const larger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(larger, 0, 0, filled);
      buffer = larger;
    }
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
    const view = buffer.subarray(0, filled);
    let lineStart = 0;
    for (let at = view.indexOf(NEWLINE, lineStart); at >= 0; at = view.indexOf(NEWLINE, lineStart)) {
      feed(view, lineStart, at);
      lineStart = at + 1;
    }
    buffer.copy(buffer, 0, lineStart, filled);
    filled -= lineStart;
  }
  // A last line without "\n".
  if (filled > 0) feed(buffer.subarray(0, filled), 0, filled);
  return parser.end();
}
