/**
 * Copies of big files that a kill, a lost connection or an interruption does not throw away: the
 * target's temporary file (the part) is kept and recorded (state/resumable-parts.ts), and the next
 * attempt (the retry in the same run, or the next run) continues it, after checking it.
 *
 * A part is continued only when all of these hold: the pair's record names it for this path and
 * side; its name is ferry's (temp-name.ts), written by the recorded writer, beside the final name;
 * the source still has the size and mtime it had when the part was started; the part is no larger
 * than the source; and its last bytes before the point where the copy continues equal the
 * source's same bytes ({@link CHECK_BYTES}). Otherwise the part is removed and the copy starts
 * from zero. The final file is still written to the temporary name and renamed into place.
 */
import { Readable } from 'node:stream';
import type { Backend } from '../backends/backend.js';
import type { FileEntry } from '../core/entry.js';
import { baseName, parentOf, toExactRelPath, type RelPath } from '../core/rel-path.js';
import type { Side } from '../core/side.js';
import { parseTempName } from '../core/temp-name.js';
import { isBackendError } from '../errors.js';
import type { ResumableParts } from '../state/resumable-parts.js';
import { copyFile } from './copy-file.js';
import type { CopyRequest } from './copy-request.js';

/** Files from this size on are copied resumably (where the target can continue a part). */
export const RESUME_MIN_BYTES = 64 * 1024 * 1024;
/** Bytes of a part compared with the source before it is continued: its last 4 MiB. */
export const CHECK_BYTES = 4 * 1024 * 1024;
/** A part shorter than this is not worth continuing: it is removed and the copy starts afresh. */
const MIN_PART_BYTES = 1024 * 1024;

/** What resumable copies of a run share. */
export interface ResumeContext {
  readonly parts: ResumableParts;
  /** This process's writer id (temp-name.ts). */
  readonly writer: string;
  /** `side:path` of parts of dead runs that the scan kept for their copies; a copy takes its own out. */
  readonly adopted: Set<string>;
  /** Hears why a part was not continued when that is news to the user (a part that did not match). */
  readonly warn?: (message: string) => void;
}

/** The outcome of a copy: the written entry, the bytes sent, and where a continued part was continued. */
export interface ResumableCopyResult {
  readonly written: FileEntry;
  readonly bytes: number;
  readonly resumedFrom?: number;
}

/** Whether a copy of `source` to `to` goes through {@link copyResumable}. */
export function isResumable(to: Backend, source: FileEntry): boolean {
  return source.size >= RESUME_MIN_BYTES && to.capabilities.resumeTailBytes !== undefined;
}

/**
 * Copies the request's `path` from `from` to `to` (the `toSide`), continuing a recorded part when it may be
 * continued, and keeping the part when the copy fails in a way worth another try (a lost
 * connection, a timeout, an interruption).
 */
export async function copyResumable(context: ResumeContext, request: CopyRequest): Promise<ResumableCopyResult> {
  const { from, to, toSide, path, source, signal, onBytes, throttle } = request;
  const counted = (bytes: number): void => {
    context.parts.progress(toSide, path, bytes);
    onBytes?.(bytes);
  };
  const record = context.parts.find(toSide, path);
  if (record !== undefined) {
    context.adopted.delete(`${toSide}:${path}`);
    const continued = await continuePart(context, from, to, toSide, path, source, signal, counted, throttle, toExactRelPath(record.temp), record);
    if (continued !== undefined) return continued;
  }
  let temp: RelPath | undefined;
  try {
    const result = await copyFile(from, to, path, source, signal, counted, {
      throttle,
      part: {
        onTemp: async (name) => {
          temp = name;
          await context.parts.begin({
            side: toSide,
            path,
            temp: name,
            writer: context.writer,
            sourceSize: source.size,
            sourceMtimeMs: source.mtimeMs,
            bytes: 0,
          });
        },
      },
    });
    await context.parts.drop([{ side: toSide, path }]);
    return result;
  } catch (error) {
    if (temp !== undefined) await settleFailedPart(context, to, toSide, path, temp, error, signal);
    throw error;
  }
}

/**
 * Continues the recorded part when every check passes; undefined (the part removed) when the copy
 * must start from zero instead.
 */
async function continuePart(
  context: ResumeContext,
  from: Backend,
  to: Backend,
  toSide: Side,
  path: RelPath,
  source: FileEntry,
  signal: AbortSignal | undefined,
  counted: (bytes: number) => void,
  throttle: ((bytes: number) => Promise<void>) | undefined,
  temp: RelPath,
  record: { readonly writer: string; readonly sourceSize: number; readonly sourceMtimeMs: number },
): Promise<ResumableCopyResult | undefined> {
  const discard = async (why?: string): Promise<undefined> => {
    if (why !== undefined) context.warn?.(`${path}: the part an earlier run left ${why}; copying it from the start`);
    await to.remove(temp).catch(() => undefined);
    await context.parts.drop([{ side: toSide, path }]);
    return undefined;
  };
  const parsed = parseTempName(baseName(temp));
  const name = baseName(path);
  const ours =
    parsed !== undefined &&
    parsed.writer === record.writer &&
    parentOf(temp) === parentOf(path) &&
    parsed.stem === (name.length > 80 ? name.slice(0, 80) : name);
  // A record that names something else than ferry's own part beside the file: never touched.
  if (!ours) {
    await context.parts.drop([{ side: toSide, path }]);
    return undefined;
  }
  // The source changed since the part was started: the part is of another file.
  if (record.sourceSize !== source.size || record.sourceMtimeMs !== source.mtimeMs) return discard();
  let part;
  try {
    part = await to.stat(temp);
  } catch (error) {
    // The target cannot be reached now (a watch reconnecting, a retry too early): the part stays
    // recorded for the next attempt, which checks it again.
    if (isRetryable(error)) throw error;
    return discard();
  }
  if (part === undefined) return discard();
  if (part.kind !== 'file' || part.size > source.size) return discard();
  // Bytes at the end a killed writer may have left out of order are written again.
  const offset = Math.max(0, part.size - (to.capabilities.resumeTailBytes ?? 0));
  if (offset < MIN_PART_BYTES) return discard();
  const checkFrom = Math.max(0, offset - CHECK_BYTES);
  let theirs: Buffer;
  try {
    theirs = await readRange(to, temp, checkFrom, offset - checkFrom, offset === part.size, signal);
  } catch (error) {
    if (isRetryable(error)) throw error;
    return discard();
  }
  const input = await from.read(path, { signal, start: checkFrom });
  let rest: Readable;
  try {
    let ours: Buffer;
    ({ prefix: ours, rest } = await splitPrefix(input, offset - checkFrom));
    if (!ours.equals(theirs)) {
      rest.destroy();
      return discard(`does not match the source (its last ${Math.round((offset - checkFrom) / 1024)} KiB differ)`);
    }
  } catch (error) {
    input.destroy();
    throw error;
  }
  try {
    const result = await copyFile(from, to, path, source, signal, counted, {
      throttle,
      opened: { input: rest, start: offset },
      part: { continueAt: { temp, offset } },
    });
    await context.parts.drop([{ side: toSide, path }]);
    return { ...result, resumedFrom: offset };
  } catch (error) {
    rest.destroy();
    // The server will not continue files (FTP without APPE): start afresh, now.
    if (isBackendError(error, 'unsupported')) return discard();
    await settleFailedPart(context, to, toSide, path, temp, error, signal);
    throw error;
  }
}

/** After a failed copy: keeps a part worth continuing, removes any other. */
async function settleFailedPart(
  context: ResumeContext,
  to: Backend,
  toSide: Side,
  path: RelPath,
  temp: RelPath,
  error: unknown,
  signal: AbortSignal | undefined,
): Promise<void> {
  const mayContinue = signal?.aborted === true || isRetryable(error) || (error as Error | undefined)?.name === 'AbortError';
  // A part too short to be continued (under MIN_PART_BYTES) is not kept as a leftover either.
  // When the target cannot be asked now (its connection is what failed), the bytes recorded as
  // handed to it decide; the next attempt checks the part before it continues it.
  let size: number | undefined;
  if (mayContinue) {
    try {
      const part = await to.stat(temp);
      size = part?.kind === 'file' ? part.size : undefined;
    } catch {
      size = context.parts.find(toSide, path)?.bytes;
    }
  }
  const worthKeeping = size !== undefined && size >= MIN_PART_BYTES;
  if (worthKeeping) {
    await context.parts.flush().catch(() => undefined);
    return;
  }
  await to.remove(temp).catch(() => undefined);
  await context.parts.drop([{ side: toSide, path }]).catch(() => undefined);
}

/** A failure that may pass on another attempt (a lost connection, a timeout). */
function isRetryable(error: unknown): boolean {
  return isBackendError(error) && error.retryable;
}

/** `length` bytes of `path` from `start`; with `toEnd`, read to the end of the file (which must end there). */
async function readRange(backend: Backend, path: RelPath, start: number, length: number, toEnd: boolean, signal: AbortSignal | undefined): Promise<Buffer> {
  const stream = await backend.read(path, { signal, start });
  const chunks: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      got += (chunk as Buffer).length;
      // A read to the end ends by itself (an FTP transfer stopped early would cost its connection).
      if (!toEnd && got >= length) break;
    }
  } finally {
    stream.destroy();
  }
  const bytes = Buffer.concat(chunks);
  if (bytes.length < length || (toEnd && bytes.length !== length)) throw new Error(`${path}: ${bytes.length} bytes read, ${length} expected`);
  return bytes.subarray(0, length);
}

/** The first `length` bytes of `input`, and a stream of the rest (destroying it destroys `input`). */
async function splitPrefix(input: Readable, length: number): Promise<{ prefix: Buffer; rest: Readable }> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let got = 0;
  while (got < length) {
    const next = await iterator.next();
    if (next.done) break;
    chunks.push(next.value);
    got += next.value.length;
  }
  const all = Buffer.concat(chunks);
  const leftover = all.subarray(length);
  async function* remainder(): AsyncGenerator<Buffer> {
    try {
      if (leftover.length > 0) yield leftover;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      input.destroy();
    }
  }
  const rest = Readable.from(remainder(), { objectMode: false, highWaterMark: 256 * 1024 });
  rest.once('close', () => input.destroy());
  return { prefix: all.subarray(0, Math.min(length, all.length)), rest };
}
