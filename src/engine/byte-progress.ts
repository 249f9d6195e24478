/**
 * Bytes of a run as they pass: turns the many per-chunk counts of the copies in flight into
 * `progress` events, a few per second per file, each with the bytes of the file and of the run.
 */
import type { ActionResult } from '../core/action-result.js';
import type { Action } from '../core/plan.js';
import type { SyncEvent } from './events.js';

/** A file's `progress` events are at least this far apart (so at least two a second while it moves). */
export const PROGRESS_INTERVAL_MS = 500;

interface InFlight {
  bytes: number;
  /** When the last event for this file went out (or the file started). */
  lastEmitMs: number;
}

/**
 * Counts the bytes of a run's copies. `onBytes` is called with the bytes one copy attempt has
 * handed on so far (a retry starts from 0 again); `onResult` when a copy ends. The clock is
 * injected so that tests decide when events are due.
 */
export class ByteProgress {
  /** Bytes of copies that finished (as they reported them). */
  private finishedBytes = 0;
  private readonly inFlight = new Map<Action, InFlight>();

  constructor(
    /** Bytes the plan copies (the sum of its copies' sizes as scanned). */
    private readonly totalBytes: number,
    private readonly emit: (event: SyncEvent) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {}

  /** Bytes copied so far: finished copies plus what the copies in flight have passed on. */
  get runBytes(): number {
    let bytes = this.finishedBytes;
    for (const file of this.inFlight.values()) bytes += file.bytes;
    return bytes;
  }

  /** One copy's count so far; emits a `progress` event when that file's last one is due. */
  readonly onBytes = (action: Action, bytes: number): void => {
    if (action.kind !== 'copy') return;
    const now = this.now();
    let file = this.inFlight.get(action);
    if (file === undefined) {
      // A file's first event waits one interval: a small file is over before then and its
      // `action-finished` says all there is.
      file = { bytes, lastEmitMs: now };
      this.inFlight.set(action, file);
      return;
    }
    file.bytes = bytes;
    if (now - file.lastEmitMs < this.intervalMs) return;
    file.lastEmitMs = now;
    this.emit({ type: 'progress', path: action.path, bytes, size: action.source.size, runBytes: this.runBytes, runTotalBytes: this.totalBytes });
  };

  /** A finished action: its bytes move from in flight to done. */
  onResult(result: ActionResult): void {
    if (result.action.kind !== 'copy') return;
    this.inFlight.delete(result.action);
    // A continued part counts from where it was continued, as its progress did.
    if (result.status === 'done') this.finishedBytes += (result.bytes ?? result.action.source.size) + (result.resumedFrom ?? 0);
  }
}
