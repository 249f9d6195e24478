/**
 * A watch's reconnection: once a side stops answering, the watch waits with back-off (0.5 s, 1 s,
 * 2 s, ... up to 15 s) and checks whether both sides answer again, while changes queue.
 */
import type { Backend } from '../../backends/backend.js';
import { ROOT } from '../../core/rel-path.js';
import type { Side } from '../../core/side.js';
import { describeError } from '../../errors.js';

/** Reconnection attempts wait 0.5 s, 1 s, 2 s, ... up to this. */
const MAX_RECONNECT_DELAY_MS = 15_000;

/** Whether a watch is reconnecting, why, and how long its next wait is. */
export class Reconnection {
  private attempts = 0;
  private why: string | undefined;

  constructor(private readonly backends: Readonly<Record<Side, Backend>>) {}

  /** Why the watch is reconnecting; undefined while both sides answer. */
  get reason(): string | undefined {
    return this.why;
  }

  /** The wait before the next check. */
  get delayMs(): number {
    return Math.min(MAX_RECONNECT_DELAY_MS, 500 * 2 ** this.attempts);
  }

  /** A side stopped answering (`error` says how). */
  start(error: unknown): void {
    this.why = describeError(error);
  }

  /** True when both sides answer a listing of their root. */
  async reachable(): Promise<boolean> {
    try {
      await Promise.all([this.backends.remote.list(ROOT), this.backends.local.list(ROOT)]);
      return true;
    } catch {
      return false;
    }
  }

  /** Checks both sides once: true (and reconnected) when they answer; else the next wait is longer. */
  async check(): Promise<boolean> {
    if (await this.reachable()) {
      this.attempts = 0;
      this.why = undefined;
      return true;
    }
    this.attempts++;
    return false;
  }
}
