/**
 * The end of one upload sent together with the start of the next on the same connection.
 *
 * After a small file's `226`, its upload still has to set the time, rename the temporary file and
 * list the result (one pipelined batch, one round trip). When another upload is already waiting
 * for a connection, the finished one hands its connection over with that batch still unsent, and
 * the next upload writes the batch and its own `EPSV` + `STOR` in one packet: the server answers
 * the batch first, then the transfer, so each file on the connection costs one round trip less.
 * The batch is only ever sent after the `226` of its own file, so a rename never runs before the
 * whole file has arrived. Where the finished upload also asked for the next passive port (its
 * `STOR` went with an `EPSV` for the next file), the batch carries that port, and the next upload
 * sends the batch with `STOR` alone and opens its data connection at once: one round trip less.
 */
import type { PipelinedReply } from './send-pipelined.js';

/** A batch of commands handed over unsent; whoever sends it settles it with the replies. */
export class DeferredBatch {
  /** The replies to {@link commands}, in order, or the connection's failure. */
  readonly replies: Promise<PipelinedReply[]>;
  private resolveReplies!: (replies: PipelinedReply[]) => void;
  private rejectReplies!: (error: unknown) => void;
  private settled = false;

  /**
   * `commands` must not contain CR, LF or NUL. `passivePort`: a passive port the server opened on
   * the connection for the next upload (an `EPSV` sent ahead, store-buffer.ts), which the upload
   * that sends this batch with its `STOR` may use instead of asking for one.
   */
  constructor(
    readonly commands: readonly string[],
    readonly passivePort?: number,
  ) {
    this.replies = new Promise<PipelinedReply[]>((resolve, reject) => {
      this.resolveReplies = resolve;
      this.rejectReplies = reject;
    });
    // The owner awaits `replies`; a failure seen before it does is not unhandled.
    this.replies.catch(() => undefined);
  }

  settle(replies: PipelinedReply[]): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveReplies(replies);
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectReplies(error);
  }
}
