/**
 * `--bwlimit`: one budget of bytes per second for a whole run, shared by every transfer in
 * flight, uploads and downloads alike (rclone's and lftp's option of that name).
 */
import { setTimeout as sleep } from 'node:timers/promises';

const RATE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * Bytes per second from `500k`, `1M`, `1.5M`, `2G` or a plain number of bytes (binary multiples,
 * as rclone reads them; `KiB`, `KB`, `K` alike, an optional `/s`); undefined when the text is not
 * a rate of at least 1 byte per second.
 */
export function parseByteRate(text: string): number | undefined {
  const found = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?(?:\/s)?\s*$/i.exec(text);
  if (!found) return undefined;
  const rate = Math.round(Number(found[1]) * RATE_UNITS[found[2]!.toLowerCase()]!);
  return rate >= 1 ? rate : undefined;
}

/**
 * A token bucket: {@link take} waits until the bytes fit the rate. Callers take before they pass
 * bytes on, each for its own chunk; what one transfer takes, the others wait for, so the run as a
 * whole keeps the rate. The bucket holds at most a tenth of a second's worth (a burst after a
 * pause stays short), and starts empty.
 */
export class BandwidthLimit {
  /** Bytes that may pass now; negative while takers wait for their share. */
  private tokens = 0;
  private lastMs: number;
  private readonly burst: number;

  constructor(
    /** Bytes per second. */
    readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastMs = now();
    this.burst = Math.max(bytesPerSecond / 10, 1);
  }

  /** Resolves once `bytes` may pass (early, without error, when `signal` aborts). */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastMs) * this.bytesPerSecond) / 1000);
    this.lastMs = now;
    this.tokens -= bytes;
    if (this.tokens >= 0) return;
    const waitMs = (-this.tokens / this.bytesPerSecond) * 1000;
    await sleep(waitMs, undefined, { signal }).catch(() => undefined);
  }
}
