/**
 * Gathering a download's bytes into large chunks before they enter the stream chain.
 *
 * A data connection delivers a file in pieces of 16 KiB (one TLS record) to 64 KiB (one socket
 * read). Each piece used to travel on its own through every stream between the socket and the
 * local file (the download's readable, the copy's size check, the file writer): 16,000 pieces
 * per GiB over FTP and 65,000 over FTPS, each costing more CPU in stream hand-offs than in the
 * copy itself. Here pieces are gathered into chunks of about 1 MiB, so the streams after it see
 * about a thousand chunks per GiB.
 *
 * Two ways in:
 * - {@link DownloadChunker.socketReader}: the socket reads straight into the chunk being filled
 *   (`onread` of `net.Socket` and `tls.connect`): no copy and no allocation per read, and a
 *   plain TCP read may take up to the rest of the chunk at once instead of 64 KiB.
 * - {@link DownloadChunker.add}: a piece that already arrived as a stream chunk is copied in (a
 *   data connection ferry did not open itself, such as basic-ftp's first one or active mode).
 */
import type { OnReadOpts, Socket } from 'node:net';
import { speedTrickOn } from '../../core/speed-tricks.js';
import { ChunkPool } from '../chunk-pool.js';

/** Size of the chunks of a big file (a chunk is handed on a little before it is full, see below). */
const CHUNK_BYTES = 1024 * 1024;

/**
 * Size of a download's first chunk; each next one is twice as big, up to {@link CHUNK_BYTES}. A
 * small file so costs no more memory than before, and a big one soon gets full-size chunks.
 */
const FIRST_CHUNK_BYTES = 64 * 1024;

/**
 * A chunk is handed on once less than this is left in it: a socket read into a smaller rest
 * would return little and cost a call per few bytes. One TLS record (16 KiB) fits twice.
 */
const MIN_READ_BYTES = 32 * 1024;

/**
 * Collects a download into chunks of about 1 MiB and hands each to `push` (typically a Readable's
 * `push`), whose `false` answer asks to stop until {@link DownloadChunker.resume} is called.
 */
export class DownloadChunker {
  private chunk: Buffer | undefined;
  private filled = 0;
  private nextChunkBytes = FIRST_CHUNK_BYTES;
  /** Full-size chunks, given back by the file writer once written (see chunk-pool.ts). */
  private readonly pool = new ChunkPool(CHUNK_BYTES);
  /** Pieces are gathered into chunks (speed trick `ftp-download-chunks`); else each goes on as it came. */
  readonly gathers = speedTrickOn('ftp-download-chunks');
  /** Full-size chunks come from {@link pool} (speed trick `ftp-chunk-pool`). */
  private readonly reusesChunks = speedTrickOn('ftp-chunk-pool');
  private socket: Socket | undefined;
  private paused = false;
  private received = false;

  /**
   * @param push receives each full chunk, and the rest at {@link flush}; returning false pauses
   *   the socket given to {@link attach} (a stream source pauses by the caller's own means).
   * @param onFirstBytes called once, with the first bytes.
   */
  constructor(
    private readonly push: (chunk: Buffer) => boolean,
    private readonly onFirstBytes: () => void = () => undefined,
  ) {}

  /**
   * `onread` options for a socket that should read straight into the chunks. The socket must be
   * given to {@link attach} as soon as it exists, so that a slow reader can pause it.
   */
  get socketReader(): OnReadOpts {
    return {
      // Called once when the socket starts reading and again after every read.
      buffer: () => this.space(),
      callback: (bytes: number) => {
        this.arrived();
        this.filled += bytes;
        if (this.nearlyFull() && !this.handOn()) this.pauseSocket();
        return true;
      },
    };
  }

  /** The socket reading through {@link socketReader}. */
  attach(socket: Socket): void {
    this.socket = socket;
  }

  /**
   * Copies `data` in. False when `push` asked to wait: the caller then holds back the next piece
   * until the reader reads again.
   */
  add(data: Buffer): boolean {
    if (data.length === 0) return true;
    this.arrived();
    // The plain path: each piece goes on as it came.
    if (!this.gathers) return this.push(data);
    let ready = true;
    let offset = 0;
    while (offset < data.length) {
      const target = this.space();
      const count = Math.min(target.length, data.length - offset);
      data.copy(target, 0, offset, offset + count);
      offset += count;
      this.filled += count;
      if (this.nearlyFull()) ready = this.handOn() && ready;
    }
    return ready;
  }

  /** Hands on what is gathered (at the end of the download). */
  flush(): boolean {
    return this.handOn();
  }

  /** The reader wants more: resumes a socket paused for it. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket?.resume();
  }

  /** Where the next bytes go: the unfilled rest of the current chunk. */
  private space(): Buffer {
    if (this.chunk === undefined) {
      // Not from Node's shared pool: each chunk is handed on whole and kept by the reader.
      this.chunk = this.nextChunkBytes === CHUNK_BYTES && this.reusesChunks ? this.pool.take() : Buffer.allocUnsafeSlow(this.nextChunkBytes);
      this.nextChunkBytes = Math.min(CHUNK_BYTES, this.nextChunkBytes * 2);
      this.filled = 0;
    }
    return this.chunk.subarray(this.filled);
  }

  private nearlyFull(): boolean {
    return this.chunk !== undefined && this.chunk.length - this.filled < MIN_READ_BYTES;
  }

  private handOn(): boolean {
    const chunk = this.chunk;
    if (chunk === undefined || this.filled === 0) return true;
    const full = this.filled;
    // A new chunk next time: the one handed on belongs to the reader from now on.
    this.chunk = undefined;
    this.filled = 0;
    return this.push(full === chunk.length ? chunk : chunk.subarray(0, full));
  }

  private arrived(): void {
    if (this.received) return;
    this.received = true;
    this.onFirstBytes();
  }

  /**
   * `pause()` (not just a stopped read) so the socket reports itself as paused: basic-ftp's
   * transfer watchdog then knows the wait is on this side, not the server's. Checked on the
   * socket each time, not by a flag of its own: piping the socket (basic-ftp does, to learn of
   * its end) resumes it once, possibly after a pause here.
   */
  private pauseSocket(): void {
    if (this.socket === undefined) return;
    this.paused = true;
    if (!this.socket.isPaused()) this.socket.pause();
  }
}
