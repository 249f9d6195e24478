/**
 * Writing one file over FTP: the bytes go to a temporary name next to the target, then the upload
 * is finished (time, mode, rename into place: ftp-upload-finish.ts). Each step is a function of
 * its own, so that resuming (`REST`/`APPE`) or sending fewer commands fits in as another step.
 *
 * Nothing is written under the final name until the complete file is there; a failed upload
 * removes its temporary file; an abort before the rename leaves the final name untouched.
 */
import type { Client } from 'basic-ftp';
import type { Readable } from 'node:stream';
import type { Entry, FileEntry } from '../../core/entry.js';
import type { RelPath } from '../../core/rel-path.js';
import { speedTrickOn } from '../../core/speed-tricks.js';
import { BackendError } from '../../errors.js';
import { wholeContentsOf, type WriteOptions } from '../backend.js';
import { storeOrAppend, uploadTempFor } from './ftp-resume.js';
import { DeferredBatch } from './deferred-batch.js';
import type { FtpLease } from './ftp-client-pool.js';
import { closeUnlessReplied } from './ftp-errors.js';
import { explainUploadFailure } from './ftp-explain.js';
import type { FtpFolder } from './ftp-folder.js';
import { chmodCommand, finishInTwoBatches, oneBatchCommands, readOneBatchReplies, type FinishingUpload } from './ftp-upload-finish.js';
import { mtimeCommand } from './mtime-method.js';
import { sendPipelined } from './send-pipelined.js';
import { canStoreBuffer, storeBuffer, type StoreBufferOptions } from './store-buffer.js';

/** One upload under way. */
interface Upload {
  readonly folder: FtpFolder;
  readonly path: RelPath;
  readonly tempRel: RelPath;
  readonly tempPath: string;
  readonly what: string;
  readonly options: WriteOptions;
  readonly source: WatchedSource;
  /** The passive port the server opened for the next upload on this connection (`ftp-epsv-ahead`). */
  nextPort?: number;
  /** The size stored, when the bytes went in one piece and the server confirmed them with its `226`. */
  storedSize?: number;
}

/**
 * The data to upload, watched: its first error is kept, and an abort destroys it (which fails
 * basic-ftp's read of it: basic-ftp closes that connection and rejects the upload). The upload
 * reads `data` itself (no intermediate stream and pipeline per file: their listeners and abort
 * signals were a tenth of the CPU of small uploads).
 */
class WatchedSource {
  /** The source's first error, if it failed. */
  error: unknown;
  private readonly onAbort = (): void => {
    this.data.destroy(this.signal?.reason instanceof Error ? this.signal.reason : new Error('write aborted'));
  };

  constructor(
    readonly data: Readable,
    private readonly signal: AbortSignal | undefined,
  ) {
    data.on('error', (error: unknown) => {
      this.error ??= error;
    });
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** True when the source failed or was closed: nothing more can be read from it. */
  get broken(): boolean {
    return this.error !== undefined || this.data.destroyed;
  }

  /** Stops watching and closes the source (often an open file). */
  stop(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    if (!this.data.destroyed) this.data.destroy();
  }
}

/** Writes `data` to `path` (see the module comment) and returns the entry the server now lists. */
export async function uploadFile(folder: FtpFolder, path: RelPath, data: Readable, options: WriteOptions = {}): Promise<FileEntry> {
  folder.checkCreatable(path);
  const { signal } = options;
  // A big copy's part is continued under its own name (ftp-resume.ts).
  const tempRel = uploadTempFor(path, options.part);
  const tempPath = folder.abs(tempRel);
  signal?.throwIfAborted();
  const source = new WatchedSource(data, signal);
  const upload: Upload = { folder, path, tempRel, tempPath, what: `cannot write ${folder.where(path)}`, options, source };
  let lease: FtpLease;
  try {
    lease = await folder.pool.leaseForUpload();
  } catch (error) {
    source.stop();
    throw error;
  }
  try {
    const whole = await prepareTransfer(upload, lease);
    await options.part?.onTemp?.(tempRel);
    try {
      await transfer(upload, lease, whole);
      return await finish(upload, lease);
    } catch (error) {
      // The temporary file may exist from here on. A resumable write keeps its part for the
      // caller (engine/resumable-copy.ts).
      lease.release();
      if (options.part === undefined) await removeQuietly(folder, tempPath);
      throw error;
    }
  } catch (error) {
    lease.release();
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : error;
    throw error;
  } finally {
    lease.release();
    source.stop();
  }
}

/**
 * Chooses how the bytes go and clears the connection for them. A small file read whole goes out
 * in one piece on a data connection of ferry's own (store-buffer.ts), after the previous upload's
 * batch in the same packet; anything else sends that batch first. Returns the whole contents when
 * they go in one piece. Throws, before anything was written, when the source already failed.
 */
async function prepareTransfer(upload: Upload, lease: FtpLease): Promise<Buffer | undefined> {
  const { source, options } = upload;
  const whole = speedTrickOn('ftp-store-buffer') ? wholeContentsOf(source.data) : undefined;
  const goesWhole = whole !== undefined && options.part === undefined && canStoreBuffer(lease.client, whole) && !source.broken && !options.signal?.aborted;
  if (lease.batch && !goesWhole) await sendInherited(upload.folder, lease.client, lease.batch);
  if (source.broken) throw source.error ?? new Error('source closed');
  return goesWhole ? whole : undefined;
}

/** Stores the bytes under the temporary name (`whole` in one piece, else streamed from the source). */
async function transfer(upload: Upload, lease: FtpLease, whole: Buffer | undefined): Promise<void> {
  const { source, options, folder, tempPath } = upload;
  const client = lease.client;
  try {
    if (whole !== undefined) {
      await storeBuffer(client, tempPath, whole, lease.batch, { port: lease.batch?.passivePort, ahead: aheadOf(upload, lease) });
      upload.storedSize = whole.length;
    } else await storeOrAppend(client, source.data, tempPath, options.part, folder);
  } catch (error) {
    // A refused APPE (ftp-resume.ts): the caller starts the copy afresh.
    if (error instanceof BackendError) throw error;
    closeUnlessReplied(client, error);
    if (source.error !== undefined || options.signal?.aborted) throw source.error ?? error;
    // The explanation looks on another connection: this one goes back first. Held meanwhile,
    // uploads failing together (a full disk) each waited for a connection another one held.
    lease.release();
    throw await explainUploadFailure(folder, error, upload.path, upload.what);
  }
  if (source.error !== undefined) throw source.error;
}

/**
 * Sets the time and mode and renames into place, in one pipelined batch where the server's way of
 * setting times is known to work (handed to the next upload where one waits), else in two.
 * Returns the entry as the server lists it, which must be the complete file.
 */
async function finish(upload: Upload, lease: FtpLease): Promise<FileEntry> {
  const { folder, path, tempPath, options, what } = upload;
  const { mtimeMs, signal } = options;
  const method = folder.mtimeMethod;
  // Set the time before the rename, so the final name never shows the upload time.
  const setTime = mtimeMs !== undefined && method !== 'none' ? mtimeCommand(method, mtimeMs, tempPath) : undefined;
  const finishing: FinishingUpload = {
    folder,
    tempRel: upload.tempRel,
    path,
    setTime,
    chmod: chmodCommand(folder, options.mode, tempPath),
    what,
    ...(upload.storedSize !== undefined && mtimeMs !== undefined ? { stored: { size: upload.storedSize, mtimeMs: Math.floor(mtimeMs / 1000) * 1000 } } : {}),
  };
  // An abort before the rename leaves the final name untouched.
  signal?.throwIfAborted();
  const unverified = setTime !== undefined && folder.mtimeUnverified;
  let entry: Entry | undefined;
  if (setTime === undefined || method === 'none' || mtimeMs === undefined || !finishesInOneBatch(upload)) {
    entry = await finishInTwoBatches(finishing, lease.client, signal, unverified);
  } else {
    entry = await finishInOneBatch({ ...finishing, setTime }, lease, () => mtimeCommand(method, mtimeMs, folder.abs(path)), upload.nextPort);
  }
  if (unverified && entry?.kind === 'file' && mtimeMs !== undefined) folder.settleMtimeMethod(entry.mtimeMs === Math.floor(mtimeMs / 1000) * 1000);
  if (entry?.kind !== 'file' || entry.size < 0) {
    throw new BackendError('changed', `${folder.where(path)} changed while it was being written`);
  }
  lease.release();
  return entry;
}

/**
 * Whether the upload ends in one batch (a time to set, with a way of setting it known to work):
 * {@link finishInOneBatch}.
 */
function finishesInOneBatch(upload: Upload): boolean {
  const { folder, options } = upload;
  return options.mtimeMs !== undefined && folder.mtimeMethod !== 'none' && !folder.mtimeUnverified && speedTrickOn('ftp-one-batch');
}

/**
 * What goes after this upload's `STOR` (store-buffer.ts): the next upload's `EPSV` when this
 * upload will likely hand the connection over (another upload waits, or this one was handed the
 * connection: the engine starts the next uploads only as earlier ones end, so the queue may be
 * empty just now) and the server is known to read commands one at a time; a `NOOP` to find that
 * out while it is not known.
 */
function aheadOf(upload: Upload, lease: FtpLease): StoreBufferOptions['ahead'] {
  const { folder } = upload;
  if (!handsOver(upload) || !speedTrickOn('ftp-epsv-ahead')) return undefined;
  if (folder.readsInOrder === undefined) {
    return { command: 'NOOP', done: (inOrder) => (folder.readsInOrder = inOrder && folder.readsInOrder !== false) };
  }
  if (!folder.readsInOrder || (!folder.pool.uploadWaiting && lease.batch === undefined)) return undefined;
  return {
    command: 'EPSV',
    done: (inOrder, port) => {
      if (!inOrder) folder.readsInOrder = false;
      upload.nextPort = port;
    },
  };
}

/** Whether the upload may hand its connection, with its last batch, to the next upload waiting. */
function handsOver(upload: Upload): boolean {
  return finishesInOneBatch(upload) && upload.folder.features.mlst && speedTrickOn('ftp-hand-over');
}

/**
 * The one-batch end of an upload, handed over to the next upload where one waits (deferred-batch.ts),
 * with the passive port opened for it (`nextPort`), if any.
 */
async function finishInOneBatch(
  finishing: FinishingUpload & { readonly setTime: string },
  lease: FtpLease,
  setTimeOnFinal: () => string,
  nextPort: number | undefined,
): Promise<Entry | undefined> {
  const { folder, what } = finishing;
  const batch = new DeferredBatch(oneBatchCommands(finishing), nextPort);
  if (folder.features.mlst && speedTrickOn('ftp-hand-over') && lease.handOver(batch)) {
    // The next upload sends the batch with its own first commands; anything more this upload
    // needs (rare: a refused rename or time) goes on any connection.
    const replies = await batch.replies.catch((error: unknown) => {
      throw folder.fail(error, what);
    });
    return readOneBatchReplies(finishing, (fn) => folder.pool.use(fn), replies, setTimeOnFinal);
  }
  const client = lease.client;
  const replies = await folder.pipelined(client, batch.commands, what);
  return readOneBatchReplies(finishing, (fn) => fn(client), replies, setTimeOnFinal);
}

/** Sends a batch handed over by the previous upload on `client` on its own, and settles it. */
async function sendInherited(folder: FtpFolder, client: Client, batch: DeferredBatch): Promise<void> {
  try {
    batch.settle(await sendPipelined(client, batch.commands));
  } catch (error) {
    batch.fail(error);
    throw folder.fail(error, 'cannot finish the previous upload on this connection');
  }
}

/** Deletes a temporary file after a failed write, on any working connection; errors are ignored. */
async function removeQuietly(folder: FtpFolder, absPath: string): Promise<void> {
  if (folder.closed) return;
  await folder.pool.use((client) => client.sendIgnoringError(`DELE ${absPath}`), { retry: true }).catch(() => undefined);
}
