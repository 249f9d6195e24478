/**
 * The polling interval of a watch: fast right after a change, slower the longer nothing happens.
 */

/** Backs off from `baseMs` (doubling after each quiet poll) up to `maxMs`; a change resets it. */
export class AdaptiveInterval {
  private current: number;
  constructor(
    readonly baseMs: number,
    readonly maxMs: number,
  ) {
    this.current = baseMs;
  }

  /** The wait before the next poll. */
  get nextMs(): number {
    return this.current;
  }

  /** A poll found nothing: wait longer next time. */
  quiet(): void {
    this.current = Math.min(this.maxMs, this.current * 2);
  }

  /** Something changed (on either side): poll again soon. */
  changed(): void {
    this.current = this.baseMs;
  }
}
