/**
 * Runs async work over items with at most `concurrency` in flight.
 */

/**
 * Calls `work` for every item, keeping up to `concurrency` calls running. Stops starting new work
 * once `signal` aborts (work already running finishes). `work` must not throw: it reports.
 * Resolves to the number of items started: the first that many, in order (all of them unless
 * the signal aborted).
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted) {
      const item = items[next++]!;
      await work(item);
    }
  };
  const count = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: count }, worker));
  return next;
}
