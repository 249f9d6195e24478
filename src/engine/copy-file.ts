/**
 * Copying one file from one backend to another, streamed.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { wholeContentsOf, type Backend, type PartOptions } from '../backends/backend.js';
import { sameEntry, type FileEntry } from '../core/entry.js';
import type { RelPath } from '../core/rel-path.js';
import { BackendError, describeError } from '../errors.js';

/**
 * Passes bytes through and, at the end, asks `verify` whether the copy may be committed: its error
 * fails the stream, so the target backend drops its temporary file and the final name is untouched.
 */
class EndCheck extends Transform {
  constructor(
    private readonly verify: (bytes: number) => Promise<Error | undefined>,
    private readonly onBytes?: (bytes: number) => void,
    private readonly throttle?: (bytes: number) => Promise<void>,
    /** Where in the file the stream starts (a continued part): the count starts there. */
    public bytes = 0,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const pass = (): void => {
      this.bytes += chunk.length;
      // Counted as the target takes them (it pulls through this stream): every backend's copies
      // report progress the same way, without a counter of their own.
      this.onBytes?.(this.bytes);
      callback(null, chunk);
    };
    // --bwlimit holds each chunk until the run's budget lets it through; backpressure then slows
    // the source, whichever side it is on.
    if (this.throttle) this.throttle(chunk.length).then(pass, callback);
    else pass();
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

/** More of a copy (all optional): the run's bandwidth budget, and what a resumable copy needs. */
export interface CopyExtras {
  /** Waits until `bytes` more may pass (`--bwlimit`, bandwidth-limit.ts). */
  readonly throttle?: (bytes: number) => Promise<void>;
  /**
   * The source, already open at byte `start` (a continued part; resumable-copy.ts): the target
   * gets the bytes from there on, and counts (and `onBytes`) start at `start`.
   */
  readonly opened?: { readonly input: Readable; readonly start: number };
  /** Passed to the target's write (a resumable write). */
  readonly part?: PartOptions;
}

/**
 * Streams `source` (as the scan saw it) from `from` to `to`, keeping its mtime and permission
 * bits. The target backend writes atomically, so a failure leaves the target as it was.
 * `onBytes` hears the bytes of this attempt handed to the target so far, as they pass (counted
 * from `extras.opened.start`). `bytes` in the answer are those this call sent.
 */
export async function copyFile(
  from: Backend,
  to: Backend,
  path: RelPath,
  source: FileEntry,
  signal?: AbortSignal,
  onBytes?: (bytes: number) => void,
  extras: CopyExtras = {},
): Promise<{ written: FileEntry; bytes: number }> {
  const start = extras.opened?.start ?? 0;
  const input = extras.opened?.input ?? (await from.read(path, { signal }));
  const changed = (how: string): BackendError => new BackendError('changed', `${path} changed while being copied (${how}); left for the next run`);
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
      await extras.throttle?.(whole.length);
      const written = await to.write(path, input, { mtimeMs: source.mtimeMs, mode: source.mode, signal, part: extras.part });
      onBytes?.(whole.length);
      return { written, bytes: whole.length };
    } finally {
      input.destroy();
    }
  }

  const check = new EndCheck(verify, onBytes, extras.throttle, start);
  input.on('error', (error) => check.destroy(error));
  input.pipe(check);
  try {
    const written = await to.write(path, check, { mtimeMs: source.mtimeMs, mode: source.mode, signal, part: extras.part });
    return { written, bytes: check.bytes - start };
  } finally {
    input.destroy();
  }
}
