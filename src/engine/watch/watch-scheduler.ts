/**
 * When a watch does what: local hints batched (debounced, at most a second late), polls of each
 * side at an adaptive interval, periodic full rescans, and the wake-ups of the watch's loop. One
 * job is taken at a time; timers only mark jobs as due and wake the loop.
 */
import { ROOT, type RelPath } from '../../core/rel-path.js';
import type { Side } from '../../core/side.js';
import { AdaptiveInterval } from './adaptive-interval.js';

/** A pass starts at the latest this long after the first event of a batch, even if events keep coming. */
const MAX_BATCH_DELAY_MS = 1000;
/** Quiet polls double the interval up to this many times the base interval. */
const POLL_BACKOFF_FACTOR = 8;

/** One thing for the watch to do. */
export type WatchJob = { readonly kind: 'full' } | { readonly kind: 'poll'; readonly side: Side } | { readonly kind: 'changes'; readonly paths: RelPath[] };

/** Options of a {@link WatchScheduler}. */
export interface SchedulerOptions {
  /** The fastest polling interval. */
  readonly pollMs: number;
  /** Quiet time after a local hint before its batch is due. */
  readonly debounceMs: number;
  /** Whether a side is polled now (the remote side in sync mode; the local side without a watcher). */
  readonly isPolled: (side: Side) => boolean;
}

/** The queue and the timers of one watch. */
export class WatchScheduler {
  /** Paths hinted at since the last pass. */
  private pending = new Set<RelPath>();
  private firstHintAt: number | undefined;
  private batchDueAt = Infinity;
  private batchTimer: NodeJS.Timeout | undefined;
  private batchReady = false;
  private fullDue = false;
  private readonly pollDue: Record<Side, boolean> = { local: false, remote: false };
  private readonly pollTimers: Record<Side, NodeJS.Timeout | undefined> = { local: undefined, remote: undefined };
  private readonly pollIntervals: Record<Side, AdaptiveInterval>;
  private rescanTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;

  constructor(private readonly options: SchedulerOptions) {
    const interval = (): AdaptiveInterval => new AdaptiveInterval(options.pollMs, options.pollMs * POLL_BACKOFF_FACTOR);
    this.pollIntervals = { local: interval(), remote: interval() };
  }

  /** How many paths wait for a pass. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** A local path may have changed: its batch is due after the debounce (at most a second after the first hint). */
  hint(path: RelPath): void {
    this.pending.add(path);
    const now = Date.now();
    this.firstHintAt ??= now;
    this.scheduleBatch(Math.min(now + this.options.debounceMs, this.firstHintAt + MAX_BATCH_DELAY_MS));
  }

  /** Paths a poll found changed: due at once. */
  addChanged(paths: readonly RelPath[]): void {
    for (const path of paths) this.pending.add(path);
    this.scheduleBatch(Date.now());
  }

  /** Paths whose actions failed, tried again after `delayMs`. */
  retry(paths: readonly RelPath[], delayMs: number): void {
    for (const path of paths) this.pending.add(path);
    if (delayMs > 0) this.scheduleBatch(Date.now() + delayMs);
  }

  /** Paths to go over again as soon as the loop runs (`""`: a full pass). */
  requeue(paths: readonly RelPath[]): void {
    if (paths.includes(ROOT)) this.fullDue = true;
    for (const path of paths) if (path !== ROOT) this.pending.add(path);
    this.batchReady = true;
  }

  /** The sides answer again: the queued paths are due, and (`side`) that side is polled at once at its fastest. */
  resume(side: Side | undefined): void {
    if (side) {
      this.pollIntervals[side].changed();
      this.pollDue[side] = true;
    }
    this.batchReady = true;
  }

  private scheduleBatch(dueAt: number): void {
    this.batchDueAt = dueAt;
    clearTimeout(this.batchTimer);
    // The timer's clock and Date.now() can disagree by a millisecond: the flag, not the time,
    // says the batch is due.
    this.batchTimer = setTimeout(
      () => {
        this.batchReady = true;
        this.kick();
      },
      Math.max(0, dueAt - Date.now()),
    );
  }

  /** Polls `side` in `ms`. */
  schedulePoll(side: Side, ms: number): void {
    clearTimeout(this.pollTimers[side]);
    this.pollTimers[side] = setTimeout(() => {
      this.pollDue[side] = true;
      this.kick();
    }, ms);
  }

  /** Polls `side` again after its current interval, when it is still polled. */
  schedulePollAgain(side: Side): void {
    if (this.options.isPolled(side)) this.schedulePoll(side, this.pollIntervals[side].nextMs);
  }

  /** The polling interval of `side`. */
  interval(side: Side): AdaptiveInterval {
    return this.pollIntervals[side];
  }

  /** A full pass every `ms`. */
  startRescans(ms: number): void {
    this.rescanTimer = setInterval(() => {
      this.fullDue = true;
      this.kick();
    }, ms);
  }

  /** Something changed: poll sides at their fastest again. */
  noteChange(): void {
    for (const side of ['local', 'remote'] as const) {
      const interval = this.pollIntervals[side];
      if (this.options.isPolled(side) && interval.nextMs > interval.baseMs) {
        interval.changed();
        if (!this.pollDue[side]) this.schedulePoll(side, interval.nextMs);
      }
    }
  }

  /** Wakes the loop; remembered when the loop is busy, so no wake-up is lost. */
  kick(): void {
    this.kicked = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Waits for the next kick (returns at once when one came since the last wait). */
  async idle(): Promise<void> {
    if (this.kicked) {
      this.kicked = false;
      return;
    }
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    this.kicked = false;
  }

  /** Waits `ms`; only a kick with `aborted()` true ends the wait early (other kicks just queue). */
  async pause(ms: number, aborted: () => boolean): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      const onWake = (): void => {
        if (aborted()) {
          clearTimeout(timer);
          resolve();
        } else {
          this.wake = onWake;
        }
      };
      this.wake = onWake;
    });
    this.wake = undefined;
  }

  /** The next due job, if any: a full pass first, then polls, then a batch of hints. */
  takeJob(): WatchJob | undefined {
    if (this.fullDue) {
      this.fullDue = false;
      return { kind: 'full' };
    }
    for (const side of ['remote', 'local'] as const) {
      if (this.pollDue[side]) {
        this.pollDue[side] = false;
        return { kind: 'poll', side };
      }
    }
    if (this.pending.size === 0 || !(this.batchReady || Date.now() >= this.batchDueAt)) return undefined;
    return { kind: 'changes', paths: this.takePending() };
  }

  /** Every queued path, leaving the queue empty. */
  takePending(): RelPath[] {
    const paths = [...this.pending];
    this.pending = new Set();
    this.firstHintAt = undefined;
    this.batchDueAt = Infinity;
    this.batchReady = false;
    clearTimeout(this.batchTimer);
    return paths;
  }

  /** Stops every timer. */
  close(): void {
    clearTimeout(this.batchTimer);
    clearTimeout(this.pollTimers.local);
    clearTimeout(this.pollTimers.remote);
    clearInterval(this.rescanTimer);
  }
}
