/**
 * Copying one file from one backend to another, streamed.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { wholeContentsOf, type Backend } from '../backends/backend.js';
import { sameEntry, type FileEntry } from '../core/entry.js';
import type { RelPath } from '../core/rel-path.js';
import { BackendError, describeError } from '../errors.js';

/**
 * Passes bytes through and, at the end, asks `verify` whether the copy may be committed: its error
 * fails the stream, so the target backend drops its temporary file and the final name is untouched.
 */
class EndCheck extends Transform {
  bytes = 0;
  constructor(
    private readonly verify: (bytes: number) => Promise<Error | undefined>,
    private readonly onBytes?: (bytes: number) => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    // Counted as the target takes them (it pulls through this stream): every backend's copies
    // report progress the same way, without a counter of their own.
    this.onBytes?.(this.bytes);
    callback(null, chunk);
  }
  override _flush(callback: TransformCallback): void {
    this.verify(this.bytes).then((error) => callback(error ?? null), callback);
  }
}

/**
 * Whether the source is re-checked (size and mtime) after its last byte was read. On a local folder
 * a stat costs microseconds and catches a file rewritten in place at the same size; on a server it
 * would cost a round trip per file, so there the byte count alone is checked.
 */
function recheckAfterRead(from: Backend): boolean {
  return from.id.startsWith('file://');
}

/**
 * Streams `source` (as the scan saw it) from `from` to `to`, keeping its mtime and permission
 * bits. The target backend writes atomically, so a failure leaves the target as it was.
 * `onBytes` hears the bytes of this attempt handed to the target so far, as they pass.
 */
export async function copyFile(
  from: Backend,
  to: Backend,
  path: RelPath,
  source: FileEntry,
  signal?: AbortSignal,
  onBytes?: (bytes: number) => void,
): Promise<{ written: FileEntry; bytes: number }> {
  const input = await from.read(path, { signal });
  const changed = (how: string): BackendError =>
    new BackendError('changed', `${path} changed while being copied (${how}); left for the next run`);
  /** Whether the copy of `bytes` read bytes may be committed (undefined) or why not. */
  const verify = async (bytes: number): Promise<Error | undefined> => {
    if (bytes === source.size && !recheckAfterRead(from)) return undefined;
    let current;
    try {
      current = await from.stat(path);
    } catch (error) {
      return new BackendError('connection-lost', `cannot re-check ${path} after reading it: ${describeError(error)}`, { cause: error });
    }
    if (bytes === source.size) return sameEntry(current, source) ? undefined : changed('modified while it was read');
    // A short or long read of a file that is still as the scan saw it is a broken transfer (a
    // data connection cut after the server reported success): worth another try.
    if (sameEntry(current, source)) return new BackendError('connection-lost', `the transfer of ${path} ended early (${bytes} of ${source.size} bytes)`);
    return changed(`${source.size} bytes expected, ${bytes} read`);
  };

  // A small local file arrives read whole: its last byte is read already, so it is checked now and
  // handed on untouched, for the target to send in one piece (whole-file-source.ts).
  const whole = wholeContentsOf(input);
  if (whole !== undefined) {
    try {
      const problem = await verify(whole.length);
      if (problem !== undefined) throw problem;
      const written = await to.write(path, input, { mtimeMs: source.mtimeMs, mode: source.mode, signal });
      onBytes?.(whole.length);
      return { written, bytes: whole.length };
    } finally {
      input.destroy();
    }
  }

  const check = new EndCheck(verify, onBytes);
  input.on('error', (error) => check.destroy(error));
  input.pipe(check);
  try {
    const written = await to.write(path, check, { mtimeMs: source.mtimeMs, mode: source.mode, signal });
    return { written, bytes: check.bytes };
  } finally {
    input.destroy();
  }
}
