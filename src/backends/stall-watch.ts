/**
 * The rule that bounds every network wait of a connection: silence and a floor on the rate.
 *
 * A connection that is busy with a request (and not held up by ferry itself) is stalled when, for a
 * whole window of `timeoutMs`, it neither finished a request nor carried at least
 * `minRate × timeoutMs / 1000` bytes (at least one byte: a silent connection is the case of a rate
 * of zero). A server that stops answering is caught by this as a plain timeout is; one that trickles
 * (a byte a second keeps a silence timeout from ever firing) is caught because it stays below the
 * floor. Short requests never reach a full window and are judged by silence alone.
 */

/** Default floor on the rate (bytes per second), `--min-rate`. */
export const DEFAULT_MIN_RATE = 1024;

/** What {@link watchForStall} looks at on one connection. */
export interface StallProbe {
  /** Bytes the connection has carried so far, both directions, all its sockets. */
  readonly bytes: () => number;
  /** A count that grows whenever a request finishes (progress even without many bytes). */
  readonly completed: () => number;
  /**
   * True while the connection waits for the server: a request is pending and ferry is not the
   * one holding it up (a paused download, an upload whose own source is slow).
   */
  readonly waitingOnServer: () => boolean;
}

/** Options of {@link watchForStall}. */
export interface StallWatchOptions {
  /** The window, `--timeout` (0 or less: no watch). */
  readonly timeoutMs: number;
  /** Bytes per second the window must average at least (`--min-rate`; 0: silence alone). */
  readonly minRate: number;
  /** Called once when the connection stalled, with a one-line reason; the watch then stops. */
  readonly onStall: (reason: string) => void;
}

/** The one-line reason given for a stall (used in error messages). */
export function stallReason(timeoutMs: number, minRate: number, bytes: number): string {
  const seconds = timeoutMs / 1000;
  if (bytes === 0) return `no answer for ${seconds} s`;
  return `too slow: ${bytes} bytes in ${seconds} s (below \`minRate\` ${minRate} B/s)`;
}

/**
 * Watches one connection until the returned function is called; calls `onStall` when it stalls
 * (see the module comment). Checks a few times per window (at most every 500 ms), so a stall is
 * noticed within a window and one check. The timer does not keep the process alive.
 */
export function watchForStall(probe: StallProbe, options: StallWatchOptions): () => void {
  const { timeoutMs, minRate } = options;
  if (!(timeoutMs > 0)) return () => undefined;
  const floor = Math.max(1, Math.floor((Math.max(0, minRate) * timeoutMs) / 1000));
  const intervalMs = Math.max(50, Math.min(500, Math.floor(timeoutMs / 4)));
  // Samples since the connection began to wait, oldest first: a sliding window of `timeoutMs`.
  let samples: { at: number; bytes: number; completed: number }[] = [];
  const timer = setInterval(() => {
    if (!probe.waitingOnServer()) {
      samples = [];
      return;
    }
    const now = performance.now();
    const sample = { at: now, bytes: probe.bytes(), completed: probe.completed() };
    samples.push(sample);
    // Keep the newest sample that is at least a window old, and everything after it.
    while (samples.length > 1 && now - samples[1]!.at >= timeoutMs) samples.shift();
    const first = samples[0]!;
    if (now - first.at < timeoutMs || sample.completed !== first.completed) return;
    const moved = sample.bytes - first.bytes;
    if (moved < floor) {
      clearInterval(timer);
      options.onStall(stallReason(timeoutMs, minRate, moved));
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
