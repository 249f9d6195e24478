/**
 * A file's bytes already held in memory, as a stream that also offers them whole.
 *
 * The local backend reads small files in one go (read-small-file.ts). Handed on as an ordinary
 * stream, those bytes still went through three stream layers per file (the source, the copy's end
 * check, the target's own stream or pipeline), which cost more CPU than the transfer itself when
 * thousands of small files are uploaded. A target backend that can send a buffer in one piece
 * (an FTP data connection, pipelined SFTP writes) asks {@link wholeContentsOf} for the bytes
 * instead; any other consumer reads the stream as before, so the backend contract is unchanged.
 */
import { Readable } from 'node:stream';

/** A readable stream of `contents`, which a consumer may also take whole ({@link wholeContentsOf}). */
export class WholeFileSource extends Readable {
  private sent = false;

  constructor(readonly contents: Buffer) {
    super();
  }

  override _read(): void {
    if (!this.sent && this.contents.length > 0) this.push(this.contents);
    this.sent = true;
    this.push(null);
  }
}

/**
 * The whole bytes of `stream` when it is a {@link WholeFileSource} nobody has read from yet and
 * that is still open; otherwise undefined (read it as a stream). A caller that takes the bytes
 * owns the stream from then on and must not also read it.
 */
export function wholeContentsOf(stream: Readable): Buffer | undefined {
  if (!(stream instanceof WholeFileSource) || stream.readableDidRead || stream.destroyed) return undefined;
  return stream.contents;
}
