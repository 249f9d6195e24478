/**
 * A writable stream into a new file that hands the disk a batch of chunks at a time.
 *
 * A download arrives in socket-sized chunks (16–64 KiB). Node's file write stream writes each one
 * with its own call through the thread pool whenever the previous write finished before the next
 * chunk came, which on a fast connection is always: 16,000 calls per GiB, each costing more CPU in
 * the hand-off than in the copy. Here chunks are collected until `batchBytes` and written with one
 * `writev`, so a GiB costs about a thousand calls.
 *
 * Batches are written on the calling thread while the disk takes them quickly (see
 * {@link InlineWrites}), through the thread pool otherwise.
 *
 * With `fsync`, a big file is also synced as it goes (`fdatasync` after every `syncEveryBytes`, in
 * the background while the next chunks arrive): the page cache here holds gigabytes, so otherwise
 * the whole file reached the disk only in the final fsync, after the transfer, instead of
 * alongside it.
 */
import { close, constants as fsConstants, fdatasync, fsync, open, writev, writevSync } from 'node:fs';
import { Writable } from 'node:stream';
import { returnChunk } from '../chunk-pool.js';

/**
 * Whether batches are written synchronously, shared by the writers of one local folder. A write
 * into the page cache takes about a millisecond per MiB or less; on the event loop it saves the
 * hand-off to a pool thread and back, which on a busy machine cost more than the write (a 1 GiB
 * FTP download, 6 alternating pairs on 2 loaded cores: median 2.75 -> 2.2 s, CPU 1.7 -> 1.3 s).
 * A write that took longer than `slowMs` (a slow or network disk, or the kernel throttling a
 * writer that is ahead of the disk) turns it off for good, so the event loop, which also serves
 * other transfers and their timeouts, is held up that long at most once.
 */
export interface InlineWrites {
  enabled: boolean;
  /** A synchronous write slower than this turns `enabled` off. */
  readonly slowMs: number;
}

/** Options of {@link BatchingFileWriter}. */
export interface BatchingFileWriterOptions {
  /** Permission bits of the new file. */
  readonly mode: number;
  /** fsync before closing, so a rename after `finish` never exposes data still in the cache. */
  readonly fsync: boolean;
  /** Bytes collected before a write (default 1 MiB); also the stream's buffer limit. */
  readonly batchBytes?: number;
  /** With `fsync`: bytes written between background syncs (default 32 MiB). */
  readonly syncEveryBytes?: number;
  /** Write synchronously while this allows (default: always through the thread pool). */
  readonly inline?: InlineWrites;
  /** Append to an existing file (a part being continued) instead of creating a new one. */
  readonly append?: boolean;
}

/**
 * Writes a file that must not exist yet (`wx`), or appends to one that must (`append`, never
 * through a symbolic link); `finish` means written, synced and closed.
 */
export class BatchingFileWriter extends Writable {
  private fd: number | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly batchBytes: number;
  private unsyncedBytes = 0;
  private writing = false;
  private syncing = false;
  /** Callbacks waiting until no write or sync uses the descriptor. */
  private idleWaiters: Array<() => void> = [];
  private syncError: Error | undefined;

  constructor(
    private readonly file: string,
    private readonly options: BatchingFileWriterOptions,
  ) {
    const batchBytes = options.batchBytes ?? 1024 * 1024;
    super({ highWaterMark: batchBytes });
    this.batchBytes = batchBytes;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    const flags = this.options.append ? fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_NOFOLLOW : 'wx';
    open(this.file, flags, this.options.mode, (error, fd) => {
      if (error) return callback(error);
      this.fd = fd;
      callback();
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // An empty chunk (a stream may push one) writes nothing; a writev of it would report 0 bytes.
    if (chunk.length === 0) return callback();
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.batchBytes) return callback();
    this.writePending(callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.writePending((error) => {
      if (error) return callback(error);
      this.whenIdle(() => {
        const fd = this.fd;
        if (fd === undefined) return callback(new Error(`cannot write ${this.file}: closed before its end`));
        const closeFile = (syncError?: Error | null): void => {
          this.fd = undefined;
          close(fd, (closeError) => callback(syncError ?? this.syncError ?? closeError));
        };
        if (this.options.fsync) fsync(fd, closeFile);
        else closeFile();
      });
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.pending = [];
    // The descriptor is closed only once no write or sync uses it (a closed number can be reused
    // by another file at once, and a write still in flight would land there).
    this.whenIdle(() => {
      const fd = this.fd;
      this.fd = undefined;
      if (fd === undefined) return callback(error);
      close(fd, () => callback(error));
    });
  }

  /** Runs `then` once no write or background sync is in flight. */
  private whenIdle(then: () => void): void {
    if (!this.writing && !this.syncing) then();
    else this.idleWaiters.push(then);
  }

  private settleIo(): void {
    if (this.writing || this.syncing) return;
    for (const waiter of this.idleWaiters.splice(0)) waiter();
  }

  /** Starts a background fdatasync when enough bytes were written since the last one. */
  private maybeSyncInBackground(): void {
    if (!this.options.fsync || this.syncing || this.fd === undefined) return;
    if (this.unsyncedBytes < (this.options.syncEveryBytes ?? 32 * 1024 * 1024)) return;
    this.unsyncedBytes = 0;
    this.syncing = true;
    fdatasync(this.fd, (error) => {
      // A failed sync fails the file at its end (the final fsync would report it too).
      if (error) this.syncError ??= error;
      this.syncing = false;
      this.settleIo();
    });
  }

  /** Writes every collected chunk, continuing after short writes. */
  private writePending(callback: (error?: Error | null) => void): void {
    const batch = this.pending;
    let buffers = batch;
    this.pending = [];
    this.pendingBytes = 0;
    const done = (error?: Error | null): void => {
      // The disk has these bytes now: a download's pooled buffers can be filled again. After a
      // failure they are left alone (the stream is being torn down anyway).
      if (!error) for (const chunk of batch) returnChunk(chunk);
      this.writing = false;
      this.settleIo();
      callback(error);
    };
    const next = (): void => {
      if (buffers.length === 0 || this.fd === undefined) return done();
      this.writing = true;
      const wrote = (error: Error | null, written: number): void => {
        if (error) return done(error);
        if (written === 0) return done(new Error(`cannot write ${this.file}: the disk took no bytes`));
        this.unsyncedBytes += written;
        this.maybeSyncInBackground();
        buffers = remainderAfter(buffers, written);
        next();
      };
      const inline = this.options.inline;
      if (inline?.enabled !== true) return writev(this.fd, buffers, wrote);
      const startedMs = performance.now();
      let written: number;
      try {
        written = writevSync(this.fd, buffers);
      } catch (error) {
        return done(error as Error);
      }
      if (performance.now() - startedMs > inline.slowMs) inline.enabled = false;
      wrote(null, written);
    };
    next();
  }
}

/** The part of `buffers` after its first `bytes` bytes. */
function remainderAfter(buffers: Buffer[], bytes: number): Buffer[] {
  let skip = bytes;
  let index = 0;
  while (index < buffers.length && skip >= buffers[index]!.length) {
    skip -= buffers[index]!.length;
    index++;
  }
  const rest = buffers.slice(index);
  if (skip > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(skip);
  return rest;
}
