/**
 * Copying one file from one backend to another, streamed.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { Backend } from '../backends/backend.js';
import type { FileEntry } from '../core/entry.js';
import type { RelPath } from '../core/rel-path.js';
import { BackendError } from '../errors.js';

/**
 * Passes bytes through and fails at the end when their count differs from what the scan saw: a
 * file that changed while being read must not be recorded as the scanned version.
 */
class SizeCheck extends Transform {
  bytes = 0;
  constructor(
    private readonly expected: number,
    private readonly path: RelPath,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
  override _flush(callback: TransformCallback): void {
    if (this.bytes === this.expected) callback();
    else callback(new BackendError('changed', `${this.path} changed while being copied (${this.expected} bytes expected, ${this.bytes} read); it will be copied on the next run`));
  }
}

/**
 * Streams `source` (as the scan saw it) from `from` to `to`, keeping its mtime and permission
 * bits. The target backend writes atomically, so a failure leaves the target as it was.
 */
export async function copyFile(
  from: Backend,
  to: Backend,
  path: RelPath,
  source: FileEntry,
  signal?: AbortSignal,
): Promise<{ written: FileEntry; bytes: number }> {
  const input = await from.read(path, { signal });
  const check = new SizeCheck(source.size, path);
  input.on('error', (error) => check.destroy(error));
  input.pipe(check);
  try {
    const written = await to.write(path, check, { mtimeMs: source.mtimeMs, mode: source.mode, signal });
    return { written, bytes: check.bytes };
  } finally {
    input.destroy();
  }
}
