/**
 * Reading one file over FTP (`RETR`) as a stream.
 *
 * The caller reads the stream {@link downloadFile} resolves with. The bytes reach it in chunks of
 * about 1 MiB (download-chunker.ts): straight from the data socket where ferry opens it
 * (pipelined EPSV), else copied from the chunks basic-ftp writes into a sink. The promise settles
 * at the first byte (or at the end of an empty file), so a missing file rejects the read itself,
 * with an explanation; a failure after that destroys the stream with it.
 */
import type { Socket } from 'node:net';
import { Readable, Writable } from 'node:stream';
import type { RelPath } from '../../core/rel-path.js';
import { speedTrickOn } from '../../core/speed-tricks.js';
import { BackendError } from '../../errors.js';
import { DownloadChunker } from './download-chunker.js';
import type { FtpLease } from './ftp-client-pool.js';
import { closeUnlessReplied, isConnectionFailure } from './ftp-errors.js';
import { explainReadOn } from './ftp-explain.js';
import type { FtpFolder } from './ftp-folder.js';
import { statOn } from './ftp-lookup.js';
import { retrieveFrom } from './ftp-resume.js';
import type { ReadOptions } from '../backend.js';
import { forgetDirectReceiver, receiveNextRetrDirectly, type DirectReceiver } from './pipelined-passive-transfer.js';

/** Reads `path`; a reused connection found dead before the first byte is replaced once. */
export function downloadFile(folder: FtpFolder, path: RelPath, options: ReadOptions = {}): Promise<Readable> {
  return readOnce(folder, path, options, true);
}

async function readOnce(folder: FtpFolder, path: RelPath, options: ReadOptions, mayRetry: boolean): Promise<Readable> {
  const what = `cannot read ${folder.where(path)}`;
  const abs = folder.abs(path);
  options.signal?.throwIfAborted();
  const lease = await folder.pool.lease();
  const stream = new DownloadStream();
  const download = retrInto(stream, lease, abs, options.signal, options.start);
  try {
    await Promise.race([stream.started, download]);
  } catch (error) {
    lease.release();
    await explainFailedStart(folder, lease, error, path, what, mayRetry);
    return readOnce(folder, path, options, false);
  }
  download.catch((error: unknown) => stream.fail(folder.fail(error, what)));
  return stream.out;
}

/**
 * Runs `RETR abs` (from `start` on) on the leased connection into `stream`, and gives the connection back when the
 * transfer is over. The promise settles with the transfer (once the whole file was read).
 */
function retrInto(stream: DownloadStream, lease: FtpLease, abs: string, signal: AbortSignal | undefined, start: number | undefined): Promise<void> {
  const client = lease.client;
  const receiver = speedTrickOn('ftp-direct-receive') ? stream.directReceiver() : undefined;
  if (receiver) receiveNextRetrDirectly(client.ftp, receiver);
  const onAbort = (): void => {
    stream.out.destroy(signal?.reason instanceof Error ? signal.reason : new Error('read aborted'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  // From byte `start` on (REST + RETR) when a part is continued (ftp-resume.ts).
  const download = retrieveFrom(client, stream.sink, abs, start).then(
    () => stream.end(),
    (error: unknown) => {
      stream.transferOver();
      closeUnlessReplied(client, error);
      throw error;
    },
  );
  download
    .catch(() => undefined)
    .finally(() => {
      if (receiver) forgetDirectReceiver(client.ftp, receiver);
      signal?.removeEventListener('abort', onAbort);
      lease.release();
    });
  return download;
}

/**
 * Nothing was read yet: throws the failure, explained, or returns when it is worth one more try
 * on a new connection (only when `mayRetry`). proftpd closes the prepared data connection of a RETR it
 * refuses, which basic-ftp may see (ECONNRESET) before the 550 and so close the control connection
 * too: then the path is looked at on another connection.
 */
async function explainFailedStart(folder: FtpFolder, lease: FtpLease, error: unknown, path: RelPath, what: string, mayRetry: boolean): Promise<void> {
  if (!lease.client.closed) throw await explainReadOn(folder, error, path, what);
  const entry = await folder.pool.use((other) => statOn(folder, other, path, what), { retry: true }).catch(() => null);
  if (entry === undefined) throw new BackendError('not-found', `${what}: no such file`, { cause: error });
  if (entry?.kind === 'dir') throw new BackendError('is-a-directory', `${what}: is a folder`, { cause: error });
  // The file is there and nothing was read: a reused connection the server had closed
  // meanwhile deserves one more try on a new one.
  if (entry !== null && mayRetry && !lease.wasFresh && isConnectionFailure(error)) return;
  throw folder.fail(error, what);
}

/** The stream a download is read through: `out` for the caller, `sink` for basic-ftp. */
class DownloadStream {
  /** Settles at the first byte, or at the end of an empty file. */
  readonly started: Promise<void>;
  readonly out: Readable;
  readonly sink: Writable;
  private readonly chunker: DownloadChunker;
  /** The transfer ended (either way): a reader stopping now has nothing to stop. */
  private over = false;
  /** Lets basic-ftp write its next chunk, once the reader wants more. */
  private resumeSink: (() => void) | undefined;
  private readonly markStarted: () => void;

  constructor() {
    let markStarted!: () => void;
    this.started = new Promise<void>((resolve) => {
      markStarted = resolve;
    });
    // The Readable's read() runs with the stream as `this`; it needs the download's chunker.
    const download = this;
    this.out = new Readable({
      // Room for a few chunks, so the socket keeps being read while the disk takes one.
      highWaterMark: 4 * 1024 * 1024,
      read() {
        download.chunker.resume();
        const resume = download.resumeSink;
        download.resumeSink = undefined;
        resume?.();
      },
      destroy(error, callback) {
        // The reader gave up early: stop the transfer (basic-ftp closes that connection).
        if (!download.over) download.sink.destroy(error ?? new Error('download stopped by the reader'));
        callback(error);
      },
    });
    // A reader that stopped early drops the rest (basic-ftp is closing the transfer by then).
    this.chunker = new DownloadChunker(
      (chunk) => this.out.destroyed || this.out.push(chunk),
      () => markStarted(),
    );
    this.sink = new Writable({
      highWaterMark: 256 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        if (download.chunker.add(chunk)) callback();
        else download.resumeSink = () => callback();
      },
      // basic-ftp ends the sink even after a failure: `out` is ended only on success (end()).
      final(callback) {
        callback();
      },
    });
    this.sink.on('error', () => undefined);
    this.markStarted = markStarted;
  }

  /** A receiver for a data socket that reads straight into the chunks (pipelined-passive-transfer.ts), where chunks are gathered. */
  directReceiver(): DirectReceiver | undefined {
    if (!this.chunker.gathers) return undefined;
    return { onread: this.chunker.socketReader, attach: (socket: Socket) => this.chunker.attach(socket) };
  }

  /** The transfer ended, failed or not. */
  transferOver(): void {
    this.over = true;
  }

  /** The whole file arrived: hands on the rest and ends `out`. */
  end(): void {
    this.over = true;
    this.markStarted();
    if (!this.out.destroyed) this.chunker.flush();
    this.out.push(null);
  }

  /** The transfer failed after the first byte: the reader gets `error`. */
  fail(error: Error): void {
    if (!this.out.destroyed) this.out.destroy(error);
  }
}
